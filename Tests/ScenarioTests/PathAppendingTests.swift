import IOKernel
import IOSimXCTest
import Win32Surface
import XCTest

/// `PathCchAppend(Ex)`, `PathCchAddBackslash(Ex)` and `PathCchFindExtension` against the tables
/// of Wine's conformance tests (dlls/kernelbase/tests/path.c: append_tests with
/// test_PathCchAppendEx's argument checks, addbackslash_tests, findextension_tests), which record
/// what Windows answers. `V` is the volume GUID path Wine's tables use.
final class PathAppendingTests: XCTestCase {
    private let V = #"\\?\Volume{e51a1864-6f2d-4019-b73d-f4e60e600c26}"#
    private let E_INVALIDARG_ = HRESULT(bitPattern: 0x8007_0057)

    /// `path` in a buffer of `capacity` units; `body`'s result and what the buffer holds after.
    private func inBuffer(_ path: String, capacity: Int, _ body: (PWSTR) -> HRESULT) -> (HRESULT, String) {
        var units = Array(path.utf16) + [0]
        if capacity > units.count { units += Array(repeating: 0, count: capacity - units.count) }
        let result = units.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
        return (result, String(decoding: units.prefix { $0 != 0 }, as: UTF16.self))
    }

    func testPathCchAppendExAppendsAndCanonicalizesAsWindows() {
        let sim = checkedSimulation()
        sim.run {
            let table: [(String, String, String)] = [
                (#"C:\"#, "a", #"C:\a"#), (#"C:\b"#, #"..\a"#, #"C:\a"#), ("C:", "a", #"C:\a"#), (#"C:\"#, ".", #"C:\"#),
                (#"C:\"#, "..", #"C:\"#), (#"C:\a"#, "", #"C:\a"#),
                (#"\\192.168.1.1\test"#, "a", #"\\192.168.1.1\test\a"#), (#"\\192.168.1.1\test"#, "..", #"\\192.168.1.1"#),
                (#"\a"#, "b", #"\a\b"#), (#"\"#, "a", #"\a"#), (#"\\"#, "a", #"\\a"#), (V + #"\"#, "a", V + #"\a"#),
                (#"\\?\C:\"#, "a", #"C:\a"#), (#"\\?\C:\"#, "..", #"C:\"#), (#"\\?\C:"#, "a", #"C:\a"#),
                (#"\\?\UNC\"#, "a", #"\\a"#), (#"\\?\UNC\192.168.1.1\test"#, "a", #"\\192.168.1.1\test\a"#),
                (#"\\?\UNC\192.168.1.1\test"#, "..", #"\\192.168.1.1"#),
                // A second path with one leading backslash is appended, not rooted.
                (#"C:a\b"#, #"\1"#, #"C:a\b\1"#), (#"C:\a\b"#, #"\1"#, #"C:\a\b\1"#), (#"\a\b"#, #"\1"#, #"\a\b\1"#),
                (#"\\a\b"#, #"\1"#, #"\\a\b\1"#), (#"\\a\b\c"#, #"\1"#, #"\\a\b\c\1"#), (#"\\?\UNC\a"#, #"\1"#, #"\\a\1"#),
                (V + "a", #"\1"#, V + #"a\1"#), (V + #"\a"#, #"\1"#, V + #"\a\1"#), (#"C:\a\b"#, #"\"#, #"C:\a\b"#),
                // A fully qualified second path replaces the first.
                (#"X:\"#, "C:", #"C:\"#), (#"X:\"#, #"C:\"#, #"C:\"#), (#"X:\"#, #"\\"#, #"\\"#), (#"X:\"#, #"\\?\C:"#, #"C:\"#),
                (#"X:\"#, #"\\?\C:\"#, #"C:\"#), (#"X:\"#, #"\\?\UNC\"#, #"\\"#), (#"X:\"#, V + #"\"#, V + #"\"#),
                (#"C:\a"#, #".\b"#, #"C:\a\b"#), (#"C:\a"#, #"..\b"#, #"C:\b"#),
                ("", "", #"\"#), ("a", "b", #"a\b"#),
            ]
            for (first, second, expected) in table {
                let result = self.inBuffer(first, capacity: Int(PATHCCH_MAX_CCH)) {
                    PathCchAppendEx($0, Int(PATHCCH_MAX_CCH), Array(second.utf16) + [0], 0)
                }
                XCTAssertEqual(result.0, S_OK, "\(first) + \(second)")
                XCTAssertEqual(result.1, expected, "\(first) + \(second)")
                let plain = self.inBuffer(first, capacity: Int(PATHCCH_MAX_CCH)) {
                    PathCchAppend($0, Int(PATHCCH_MAX_CCH), Array(second.utf16) + [0])
                }
                XCTAssertEqual(plain.1, expected, "PathCchAppend \(first) + \(second)")
            }
            // The argument checks: the path is left as it was.
            let more = Array(#"\b"#.utf16) + [0]
            XCTAssertEqual(PathCchAppendEx(nil, Int(PATHCCH_MAX_CCH), more, 0), self.E_INVALIDARG_)
            XCTAssertEqual(self.inBuffer(#"\a"#, capacity: 8) { PathCchAppendEx($0, 0, more, 0) }.1, #"\a"#)
            XCTAssertEqual(self.inBuffer(#"\a"#, capacity: 8) { PathCchAppendEx($0, 0, more, 0) }.0, self.E_INVALIDARG_)
            XCTAssertEqual(self.inBuffer(#"\a"#, capacity: 8) { PathCchAppendEx($0, Int(PATHCCH_MAX_CCH) + 1, more, 0) }.0,
                           self.E_INVALIDARG_)
            let alone = self.inBuffer(#"\a"#, capacity: 8) { PathCchAppendEx($0, 8, nil, 0) }
            XCTAssertEqual(alone.0, S_OK)
            XCTAssertEqual(alone.1, #"\a"#)
            // Too small for the result: the buffer keeps its path (a temporary result on Windows).
            let small = self.inBuffer(#"C:\dir"#, capacity: 8) { PathCchAppendEx($0, 8, Array("file".utf16) + [0], 0) }
            XCTAssertEqual(small.0, STRSAFE_E_INSUFFICIENT_BUFFER)
            XCTAssertEqual(small.1, #"C:\dir"#)
        }
    }

    func testPathCchAddBackslashExReportsTheEndAndWhatRemains() {
        let sim = checkedSimulation()
        sim.run {
            let MAX = Int(MAX_PATH)
            let table: [(String, String, HRESULT, Int, Int)] = [
                ("C:", #"C:\"#, S_OK, MAX, MAX - 3), ("a.txt", #"a.txt\"#, S_OK, MAX, MAX - 6), ("a/b", #"a/b\"#, S_OK, MAX, MAX - 4),
                (#"C:\"#, #"C:\"#, S_FALSE, MAX, MAX - 3), (#"C:\"#, #"C:\"#, S_FALSE, 4, 1),
                ("C:", "C:", STRSAFE_E_INSUFFICIENT_BUFFER, 2, 0), ("C:", "C:", STRSAFE_E_INSUFFICIENT_BUFFER, 3, 1),
                (#"C:\"#, #"C:\"#, STRSAFE_E_INSUFFICIENT_BUFFER, 2, 0), (#"C:\"#, #"C:\"#, STRSAFE_E_INSUFFICIENT_BUFFER, 3, 0),
                (#"C:\"#, #"C:\"#, STRSAFE_E_INSUFFICIENT_BUFFER, 0, 0), ("C:", "C:", STRSAFE_E_INSUFFICIENT_BUFFER, 0, 0),
            ]
            for (path, expected, hresult, size, remaining) in table {
                var end: PWSTR? = UnsafeMutablePointer(bitPattern: 0xDEAD_BEEF)
                var left = 123
                var start: PWSTR?
                let result = self.inBuffer(path, capacity: MAX) {
                    start = $0
                    return PathCchAddBackslashEx($0, size, &end, &left)
                }
                XCTAssertEqual(result.0, hresult, "\(path) in \(size)")
                XCTAssertEqual(result.1, expected, "\(path) in \(size)")
                if hresult >= 0 {
                    XCTAssertEqual(end.map { $0 - start! }, expected.utf16.count, "\(path): the end pointer")
                    XCTAssertEqual(left, remaining, "\(path) in \(size)")
                } else {
                    XCTAssertNil(end, "\(path) in \(size)")
                    XCTAssertEqual(left, 0, "\(path) in \(size)")
                }
                XCTAssertEqual(self.inBuffer(path, capacity: MAX) { PathCchAddBackslash($0, size) }.0, hresult)
            }
            // An empty path: nothing to add.
            XCTAssertEqual(self.inBuffer("", capacity: 4) { PathCchAddBackslash($0, 0) }.0, STRSAFE_E_INSUFFICIENT_BUFFER)
            XCTAssertEqual(self.inBuffer("", capacity: 4) { PathCchAddBackslash($0, 1) }.0, S_FALSE)
            let empty = self.inBuffer("", capacity: 4) { PathCchAddBackslash($0, 2) }
            XCTAssertEqual(empty.0, S_FALSE)
            XCTAssertEqual(empty.1, "")
            var left = 123
            XCTAssertEqual(self.inBuffer("", capacity: 4) { PathCchAddBackslashEx($0, 1, nil, &left) }.0, S_FALSE)
            XCTAssertEqual(left, 1)
        }
    }

    func testPathCchFindExtensionPointsAtTheLastDotOfTheLastName() {
        let sim = checkedSimulation()
        sim.run {
            let table: [(String, Int)] = [
                ("1.exe", 1), ("C:1.exe", 3), (#"C:\1.exe"#, 4), (#"\1.exe"#, 2), (#"\\1.exe"#, 3), (#"\\?\C:1.exe"#, 7),
                (#"\\?\C:\1.exe"#, 8), (#"\\?\UNC\1.exe"#, 9), (#"\\?\UNC\192.168.1.1\1.exe"#, 21), (V + #"\1.exe"#, 50),
                (#"C:\a/1.exe"#, 6), ("/1.exe", 2), ("//1.exe", 3), (#"C:\a/b/1.exe"#, 8), ("/a/1.exe", 4),
                ("", 0), (" ", 1), (".", 0), ("..", 1), ("a", 1), ("a.", 1), (".a.b.", 4), ("a. ", 3), (#"a.\"#, 3),
                (#"\\?\UNC\192.168.1.1"#, 17), (#"\\?\UNC\192.168.1.1\"#, 20), (#"\\?\UNC\192.168.1.1\a"#, 21),
            ]
            for (path, offset) in table {
                let units = Array(path.utf16) + [0]
                units.withUnsafeBufferPointer { buffer in
                    var found: PCWSTR?
                    XCTAssertEqual(PathCchFindExtension(buffer.baseAddress, Int(PATHCCH_MAX_CCH), &found), S_OK, path)
                    XCTAssertEqual(found.map { $0 - buffer.baseAddress! }, offset, path)
                }
            }
            let units = Array(#"C:\1.exe"#.utf16) + [0]
            units.withUnsafeBufferPointer { buffer in
                var found: PCWSTR? = UnsafePointer(bitPattern: 0xDEAD_BEEF)
                XCTAssertEqual(PathCchFindExtension(buffer.baseAddress, units.count, &found), S_OK, "size: the path and its NUL")
                XCTAssertEqual(found?.pointee, 0x2E)
                XCTAssertEqual(PathCchFindExtension(buffer.baseAddress, units.count - 1, &found), self.E_INVALIDARG_)
                XCTAssertNil(found, "not terminated within the size")
                XCTAssertEqual(PathCchFindExtension(buffer.baseAddress, Int(PATHCCH_MAX_CCH) + 1, &found), self.E_INVALIDARG_)
                XCTAssertEqual(PathCchFindExtension(nil, 10, &found), self.E_INVALIDARG_)
            }
        }
    }
}
