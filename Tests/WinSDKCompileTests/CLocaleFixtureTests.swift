import IOKernel
import IOSimXCTest
import WinSDK
import XCTest

/// Parsing and comparing in the "C" locale as swift-foundation's `Platform` does on Windows: one
/// `_create_locale(LC_ALL, "C")` kept in a static, then `_strtod_l`, `_strtof_l` and
/// `_strnicmp_l` with it (byte pointers passed where C takes `const char *`).
final class CLocaleFixtureTests: XCTestCase {
    // `ucrt.LC_ALL`: a file that imports Foundation (XCTest does) sees Glibc's LC_ALL too.
    // `nonisolated(unsafe)`: a pointer is not Sendable in the Swift 6 language mode.
    nonisolated(unsafe) private static let cLocale: _locale_t = { _create_locale(ucrt.LC_ALL, "C") }()

    private static func strtod_clocale(_ nptr: UnsafePointer<UInt8>,
                                       _ endptr: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Double {
        _strtod_l(nptr, endptr, cLocale)
    }

    private static func strtof_clocale(_ nptr: UnsafePointer<UInt8>,
                                       _ endptr: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Float {
        _strtof_l(nptr, endptr, cLocale)
    }

    private static func strncasecmp_clocale(_ s1: UnsafePointer<UInt8>, _ s2: UnsafePointer<UInt8>, _ n: Int) -> Int32 {
        _strnicmp_l(s1, s2, n, cLocale)
    }

    func testTheCLocaleParsesWithADecimalPoint() {
        let number: [UInt8] = Array("2.5e3 rest".utf8) + [0]
        var end: UnsafeMutablePointer<CChar>?
        XCTAssertEqual(Self.strtod_clocale(number, &end), 2500)
        XCTAssertEqual(end.map { String(cString: $0) }, " rest")
        XCTAssertEqual(Self.strtof_clocale(Array("0.25".utf8) + [0], nil), 0.25)
        XCTAssertEqual(Self.strncasecmp_clocale(Array("NaN".utf8) + [0], Array("nan".utf8) + [0], 3), 0)
        XCTAssertLessThan(Self.strncasecmp_clocale(Array("inf".utf8) + [0], Array("INFINITY".utf8) + [0], 8), 0)
        XCTAssertEqual(Self.strncasecmp_clocale(Array("abcX".utf8) + [0], Array("ABCy".utf8) + [0], 3), 0)
        XCTAssertNil(_create_locale(ucrt.LC_ALL, "fr-FR"), "only the C locale exists")
        XCTAssertNotNil(_create_locale(ucrt.LC_NUMERIC, ""))
        XCTAssertNil(_create_locale(6, "C"))
        XCTAssertEqual([ucrt.LC_ALL, ucrt.LC_COLLATE, ucrt.LC_CTYPE, ucrt.LC_MONETARY, ucrt.LC_NUMERIC, ucrt.LC_TIME],
                       [0, 1, 2, 3, 4, 5])
        _free_locale(_create_locale(ucrt.LC_ALL, "C"))
    }
}
