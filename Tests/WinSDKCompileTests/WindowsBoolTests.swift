import WinSDK
import XCTest

/// `WindowsBool` as Swift imports `BOOL` fields: a Boolean literal makes one, `boolValue` reads
/// it, it has the size of an `int`, and any nonzero `int` is true (as C reads a `BOOL`).
final class WindowsBoolTests: XCTestCase {
    func testSecurityAttributesTakesABooleanLiteral() {
        var sa = SECURITY_ATTRIBUTES()
        sa.nLength = DWORD(MemoryLayout<SECURITY_ATTRIBUTES>.size)
        sa.lpSecurityDescriptor = nil
        sa.bInheritHandle = true
        XCTAssertTrue(sa.bInheritHandle.boolValue)
        XCTAssertEqual(sa.bInheritHandle, true)
        sa.bInheritHandle = WindowsBool(false)
        XCTAssertFalse(sa.bInheritHandle.boolValue)
        XCTAssertEqual("\(sa.bInheritHandle)", "false")
        // SECURITY_ATTRIBUTES is 24 bytes on 64-bit Windows: DWORD, pad, LPVOID, BOOL, pad.
        XCTAssertEqual(MemoryLayout<SECURITY_ATTRIBUTES>.size, 24)
        XCTAssertEqual(MemoryLayout<WindowsBool>.size, 4)
    }

    func testAnyNonzeroIntIsTrue() {
        let two = WindowsBool(_value: 2)
        XCTAssertTrue(two.boolValue)
        XCTAssertEqual(two, WindowsBool(true))
    }

    func testQualifiedNamesResolveThroughTheModule() {
        XCTAssertEqual(WinSDK.CREATE_ALWAYS, 2)
        let attributes: WinSDK.SECURITY_ATTRIBUTES = WinSDK.SECURITY_ATTRIBUTES()
        XCTAssertEqual(attributes.bInheritHandle, false)
    }
}
