import IOKernel
import IOSimXCTest
import WinSDK
import XCTest

/// A build tool's environment update on Windows (SwiftPM's `Environment.set`): the OS
/// environment with SetEnvironmentVariableW, then the CRT's table with `_putenv`, failing on a
/// non-zero result; `name=` removes the variable.
final class EnvironmentFixtureTests: XCTestCase {
    private struct UpdateEnvironmentError: Error { let function: String; let code: Int32 }

    private static func set(_ key: String, _ value: String?) throws {
        let updated = key.withCString(encodedAs: UTF16.self) { key in
            if let value {
                return value.withCString(encodedAs: UTF16.self) { SetEnvironmentVariableW(key, $0) }
            }
            return SetEnvironmentVariableW(key, nil)
        }
        guard updated else { throw UpdateEnvironmentError(function: "SetEnvironmentVariableW", code: Int32(GetLastError())) }
        guard _putenv("\(key)=\(value ?? "")") == 0 else {
            throw UpdateEnvironmentError(function: "_putenv", code: Int32(GetLastError()))
        }
    }

    private static func get(_ key: String) -> String? {
        key.withCString(encodedAs: UTF16.self) { name in
            let length = GetEnvironmentVariableW(name, nil, 0)
            guard length > 0 else { return nil }
            var buffer = [WCHAR](repeating: 0, count: Int(length))
            guard GetEnvironmentVariableW(name, &buffer, length) == length - 1 else { return nil }
            return String(decoding: buffer.dropLast(), as: UTF16.self)
        }
    }

    func testSetAndUnsetThroughTheOSAndTheCRT() throws {
        let sim = checkedSimulation()
        try sim.run {
            try Self.set("SWIFTPM_TEST", "1")
            XCTAssertEqual(Self.get("SWIFTPM_TEST"), "1")
            XCTAssertEqual(_putenv("SWIFTPM_TEST=2"), 0)
            XCTAssertEqual(Self.get("SWIFTPM_TEST"), "2", "the CRT keeps the OS environment in step")
            try Self.set("SWIFTPM_TEST", nil)
            XCTAssertNil(Self.get("SWIFTPM_TEST"))
            XCTAssertEqual(_wputenv(Array("WIDE=\u{e9}".utf16) + [0]), 0)
            XCTAssertEqual(Self.get("WIDE"), "\u{e9}")
            XCTAssertEqual(_putenv("no-equals-sign"), -1)
            XCTAssertEqual(ucrt.errno, ucrt.EINVAL)
            XCTAssertEqual(_putenv("=value"), -1)
        }
    }
}
