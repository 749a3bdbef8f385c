import IOKernel
import IOSimXCTest
import Win32Surface
import XCTest

/// pathcch.h's root functions and buffer functions, and shlwapi's path functions, against the
/// tables of Wine's conformance tests (dlls/kernelbase/tests/path.c: isroot_tests,
/// skiproot_tests, striptoroot_tests, removefilespec_tests, test_path_manipulation,
/// combine_test, test_PathCchCombineEx, test_PathCchCanonicalizeEx), which record what Windows
/// answers. `V` is the volume GUID path Wine's tables use.
final class PathRootTests: XCTestCase {
    private let V = #"\\?\Volume{e51a1864-6f2d-4019-b73d-f4e60e600c26}"#
    private let E_INVALIDARG_ = HRESULT(bitPattern: 0x8007_0057)

    /// The NUL-terminated string at the start of `units`.
    private func text(_ units: [WCHAR]) -> String { String(decoding: units.prefix { $0 != 0 }, as: UTF16.self) }

    /// Runs `body` with `path` in a caller buffer of `capacity` units (the path and its NUL if 0),
    /// and returns what the buffer holds afterwards.
    private func inBuffer(_ path: String, capacity: Int = 0, _ body: (PWSTR) -> HRESULT) -> (HRESULT, String) {
        var units = Array(path.utf16) + [0]
        if capacity > units.count { units += Array(repeating: 0, count: capacity - units.count) }
        let result = units.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
        return (result, String(decoding: units.prefix { $0 != 0 }, as: UTF16.self))
    }

    func testPathCchIsRootAnswersAsWindowsForEveryFormOfRoot() {
        let sim = checkedSimulation()
        sim.run {
            let roots = [#"C:\"#, #"\\?\C:\"#, #"\"#, #"\\"#, #"\\a"#, #"\\a\b"#, #"\\?\UNC\"#, #"\\?\UNC\a"#,
                         #"\\?\UNC\a\b"#, V + #"\"#, #"\\.\Q:"#, #"\\*"#, #"\\\."#, #"\\Q:"#, #"\\a\Q:"#]
            let notRoots = ["", "a", "C:", #"C:\a"#, #"\\?\C:"#, #"\\?\C:\a"#, #"\a\"#, #"\a\b"#, #"\\a\"#, #"\\a\b\"#,
                            #"\\a\b\c"#, #"\\?\UNC\a\"#, #"\\?\UNC\a\b\"#, #"\\?\UNC\a\b\c"#, V, V + #"\a"#, #"..\a"#,
                            #"\\\\"#, #"\\a\\b"#, #"\a"#, "X:", #"\server"#, "Q:/", #"\\.\"#, #"\\?"#, #"\\?\"#]
            for path in roots {
                XCTAssertTrue(PathCchIsRoot(Array(path.utf16) + [0]), path)
                XCTAssertTrue(PathIsRootW(Array(path.utf16) + [0]), path)
            }
            for path in notRoots {
                XCTAssertFalse(PathCchIsRoot(Array(path.utf16) + [0]), path)
                XCTAssertFalse(PathIsRootW(Array(path.utf16) + [0]), path)
            }
            XCTAssertFalse(PathCchIsRoot(nil))
        }
    }

    func testPathCchSkipRootPointsJustPastTheRoot() {
        let sim = checkedSimulation()
        sim.run {
            let table: [(String, Int?)] = [
                ("", nil), (#"C:\"#, 3), (#"\"#, 1), (#"\\.\"#, 4), (#"\\?\UNC\"#, 8), (#"\\?\C:\"#, 7),
                (#"C:\\"#, 3), (#"\\"#, 2), (#"\\.\\"#, 4), (#"\\?\UNC\\"#, 9), (#"\\?\C:\\"#, 7),
                ("a", nil), (#"C:\a"#, 3), (#"\a"#, 1), (#"\\.\a"#, 5), (#"\\?\UNC\a"#, 9),
                (#"C:\\a"#, 3), (#"\\a"#, 3), (#"\\.\\a"#, 4), (#"\\?\UNC\\a"#, 10), (#"\\?\C:\\a"#, 7),
                (#"a\"#, nil), (#"C:\a\"#, 3), (#"\a\"#, 1), (#"\\.\a\"#, 6), (#"\\?\UNC\a\"#, 10), (#"\\?\C:\a\"#, 7),
                (#"\\\\"#, 3), (#"\\a\"#, 4), (#"\\a\b"#, 5), (#"\\a\b\"#, 6), (#"\\a\b\\"#, 6), (#"\\a\b\\c"#, 6),
                (#"\\a\b\c"#, 6), (#"\\a\b\c\"#, 6), (#"\\a\b\c\d"#, 6), (#"\\a\\b\c\"#, 4), (#"\\aa\bb\cc\"#, 8),
                (#"\\?\UNC\a\b"#, 11), (#"\\?\UNC\a\b\"#, 12), (#"\\?\UNC\a\b\c"#, 12), (#"\\?\C:"#, 6),
                (V, 48), (V + #"\"#, 49), (#"\\?\unc\a\b"#, 11), (V.lowercased() + #"\a"#, 49),
                ("C:", 2), (":", nil), (#":\"#, nil), (#"C\"#, nil), (#"\?"#, 1), (#"\?\UNC"#, 1), (#"\\?\"#, nil),
                (#"\\?\UNC"#, nil), (#"\\?\::\"#, nil), (#"\\?\Volume"#, nil), (#"\."#, 1), (#"\\.."#, 4), (#"\\..a"#, 5),
                (#"\\?\Volume{zaaaaaaa-bbbb-cccc-dddd-ffffffffffff}\"#, nil), (#"\\?\TST\"#, nil), ("|:", nil),
            ]
            for (path, offset) in table {
                let units = Array(path.utf16) + [0]
                units.withUnsafeBufferPointer { buffer in
                    var end: PCWSTR? = PCWSTR(bitPattern: 0xdead_beef)
                    let result = PathCchSkipRoot(buffer.baseAddress, &end)
                    if let offset {
                        XCTAssertEqual(result, S_OK, path)
                        XCTAssertEqual(end.map { $0 - buffer.baseAddress! }, offset, path)
                    } else {
                        XCTAssertEqual(result, E_INVALIDARG_, path)
                        XCTAssertEqual(end, PCWSTR(bitPattern: 0xdead_beef), "\(path): the out pointer is untouched")
                    }
                }
            }
            var end: PCWSTR?
            XCTAssertEqual(PathCchSkipRoot(nil, &end), E_INVALIDARG_)
            XCTAssertEqual(PathCchSkipRoot(Array(#"C:\"#.utf16) + [0], nil), E_INVALIDARG_)
        }
    }

    func testPathCchStripToRootCutsToTheRootAndChecksTheSize() {
        let sim = checkedSimulation()
        sim.run {
            let table: [(String, String?, HRESULT)] = [
                ("", nil, E_INVALIDARG_), ("C", nil, E_INVALIDARG_), (#"\\?\UNC"#, nil, E_INVALIDARG_),
                ("C:", "C:", S_FALSE), ("C:a", "C:", S_OK), (#"C:a\b\c"#, "C:", S_OK),
                (#"C:\"#, #"C:\"#, S_FALSE), (#"C:\a"#, #"C:\"#, S_OK), (#"C:\a\b\c"#, #"C:\"#, S_OK),
                (#"\"#, #"\"#, S_FALSE), (#"\a"#, #"\"#, S_OK), (#"\a\b\c"#, #"\"#, S_OK),
                (#"\\"#, #"\\"#, S_FALSE), (#"\\a"#, #"\\a"#, S_FALSE), (#"\\a\b"#, #"\\a\b"#, S_FALSE),
                (#"\\a\b\c"#, #"\\a\b"#, S_OK), (#"\\\"#, #"\\"#, S_OK),
                (#"\\?\UNC\"#, #"\\?\UNC\"#, S_FALSE), (#"\\?\UNC\a"#, #"\\?\UNC\a"#, S_FALSE),
                (#"\\?\UNC\a\b"#, #"\\?\UNC\a\b"#, S_FALSE), (#"\\?\UNC\a\b\"#, #"\\?\UNC\a\b"#, S_OK),
                (#"\\?\UNC\a\b\c"#, #"\\?\UNC\a\b"#, S_OK),
                (#"\\?\C:"#, #"\\?\C:"#, S_FALSE), (#"\\?\C:a\b"#, #"\\?\C:"#, S_OK),
                (#"\\?\C:\"#, #"\\?\C:\"#, S_FALSE), (#"\\?\C:\a\b"#, #"\\?\C:\"#, S_OK),
                (V, V, S_FALSE), (V + "a", V, S_OK), (V + #"a\b"#, V, S_OK),
                (V + #"\"#, V + #"\"#, S_FALSE), (V + #"\a"#, V + #"\"#, S_OK), (V + #"\a\b\c"#, V + #"\"#, S_OK),
                // test_path_manipulation
                ("Q:/", "Q:", S_OK), (#"\\?\Q:\\"#, #"\\?\Q:\"#, S_OK), (#"\\.\Q:\"#, #"\\.\Q:"#, S_OK),
                (#"\??\Q:\"#, #"\"#, S_OK), (#"\\o\Q:\aaa"#, #"\\o\Q:"#, S_OK), (#"\\\\Q:\"#, #"\\"#, S_OK),
                (#"\\?\UNC\Q:\"#, #"\\?\UNC\Q:"#, S_OK), (#"\\?"#, nil, E_INVALIDARG_), ("0:/test1/test2", nil, E_INVALIDARG_),
            ]
            for (path, root, hresult) in table {
                let (result, after) = self.inBuffer(path) { PathCchStripToRoot($0, Int(PATHCCH_MAX_CCH)) }
                XCTAssertEqual(result, hresult, path)
                XCTAssertEqual(after, root ?? path, path)
            }
            // The size: more than PATHCCH_MAX_CCH, or too small for the root and its NUL, is
            // E_INVALIDARG; a size shorter than the path itself is fine (Windows reads on).
            XCTAssertEqual(self.inBuffer(#"C:\"#) { PathCchStripToRoot($0, Int(PATHCCH_MAX_CCH) + 1) }.0, E_INVALIDARG_)
            XCTAssertEqual(self.inBuffer(#"C:\a"#) { PathCchStripToRoot($0, 4) }.1, #"C:\"#)
            XCTAssertEqual(self.inBuffer(#"C:\a"#) { PathCchStripToRoot($0, 3) }.0, E_INVALIDARG_)
            XCTAssertEqual(self.inBuffer(#"\\a\b\c"#) { PathCchStripToRoot($0, 5) }.0, E_INVALIDARG_)
            XCTAssertEqual(PathCchStripToRoot(nil, 260), E_INVALIDARG_)
            XCTAssertEqual(self.inBuffer(#"C:\a"#) { PathCchStripToRoot($0, 0) }.0, E_INVALIDARG_)
        }
    }

    func testPathCchRemoveFileSpecRemovesTheLastElementButNeverTheRoot() {
        let sim = checkedSimulation()
        sim.run {
            let table: [(String, String, HRESULT)] = [
                ("", "", S_FALSE), ("a", "", S_OK), (#"a\"#, "a", S_OK), (#"a\b"#, "a", S_OK),
                (#"\"#, #"\"#, S_FALSE), (#"\a"#, #"\"#, S_OK), (#"\a\"#, #"\a"#, S_OK), (#"\a\b"#, #"\a"#, S_OK),
                (#"\\"#, #"\\"#, S_FALSE), (#"\\a"#, #"\\a"#, S_FALSE), (#"\\a\"#, #"\\a"#, S_OK),
                (#"\\a\b"#, #"\\a\b"#, S_FALSE), (#"\\a\b\"#, #"\\a\b"#, S_OK), (#"\\a\b\c"#, #"\\a\b"#, S_OK),
                (#"\\\\\\"#, #"\\\\"#, S_OK),
                ("C:", "C:", S_FALSE), ("C:a", "C:", S_OK), (#"C:a\"#, "C:a", S_OK), (#"C:a\b"#, "C:a", S_OK),
                (#"C:\a\\b"#, #"C:\a"#, S_OK),
                (#"C:\"#, #"C:\"#, S_FALSE), (#"C:\a"#, #"C:\"#, S_OK), (#"C:\a\"#, #"C:\a"#, S_OK),
                (#"C:\a\b"#, #"C:\a"#, S_OK),
                (#"\\?\"#, #"\\?"#, S_OK), (#"\\?\a"#, #"\\?"#, S_OK), (#"\\?\a\"#, #"\\?\a"#, S_OK),
                (#"\\?\a\b"#, #"\\?\a"#, S_OK),
                (#"\\?\C:"#, #"\\?\C:"#, S_FALSE), (#"\\?\C:a"#, #"\\?\C:"#, S_OK), (#"\\?\C:a\"#, #"\\?\C:a"#, S_OK),
                (#"\\?\C:\"#, #"\\?\C:\"#, S_FALSE), (#"\\?\C:\a"#, #"\\?\C:\"#, S_OK),
                (#"\\?\C:\a\b"#, #"\\?\C:\a"#, S_OK),
                (#"\\?\UNC\"#, #"\\?\UNC\"#, S_FALSE), (#"\\?\UNC\a"#, #"\\?\UNC\a"#, S_FALSE),
                (#"\\?\UNC\a\"#, #"\\?\UNC\a"#, S_OK), (#"\\?\UNC\a\b"#, #"\\?\UNC\a\b"#, S_FALSE),
                (#"\\?\UNC\a\b\"#, #"\\?\UNC\a\b"#, S_OK), (#"\\?\UNC\a\b\c"#, #"\\?\UNC\a\b"#, S_OK),
                (V, V, S_FALSE), (V + "a", V, S_OK), (V + #"a\"#, V + "a", S_OK), (V + #"a\b"#, V + "a", S_OK),
                (V + #"\"#, V + #"\"#, S_FALSE), (V + #"\a"#, V + #"\"#, S_OK), (V + #"\a\"#, V + #"\a"#, S_OK),
                (V + #"\a\b"#, V + #"\a"#, S_OK),
            ]
            for (path, expected, hresult) in table {
                let (result, after) = self.inBuffer(path) { PathCchRemoveFileSpec($0, Int(PATHCCH_MAX_CCH)) }
                XCTAssertEqual(result, hresult, path)
                XCTAssertEqual(after, expected, path)
            }
            XCTAssertEqual(PathCchRemoveFileSpec(nil, 260), E_INVALIDARG_)
            XCTAssertEqual(self.inBuffer(#"C:\a"#) { PathCchRemoveFileSpec($0, 0) }.0, E_INVALIDARG_)
            XCTAssertEqual(self.inBuffer(#"C:\a"#) { PathCchRemoveFileSpec($0, Int(PATHCCH_MAX_CCH) + 1) }.0, E_INVALIDARG_)
            XCTAssertEqual(self.inBuffer(#"C:\a"#) { PathCchRemoveFileSpec($0, 4) }.1, #"C:\"#, "reads beyond the size")
            XCTAssertEqual(self.inBuffer(#"C:\a"#) { PathCchRemoveFileSpec($0, 3) }.0, E_INVALIDARG_)
        }
    }

    func testPathCchCombineExAndCanonicalizeExFillTheCallersBuffer() {
        let sim = checkedSimulation()
        sim.run {
            let first = Array(#"C:\"#.utf16) + [0], second = Array("a".utf16) + [0]
            var output = [WCHAR](repeating: 0xFFFF, count: Int(MAX_PATH))
            XCTAssertEqual(PathCchCombineEx(nil, 2, first, second, 0), E_INVALIDARG_)
            XCTAssertEqual(PathCchCombineEx(&output, 0, first, second, 0), E_INVALIDARG_)
            XCTAssertEqual(output[0], 0xFFFF, "a size of 0 leaves the buffer alone")
            XCTAssertEqual(PathCchCombineEx(&output, 1, first, second, 0), STRSAFE_E_INSUFFICIENT_BUFFER)
            XCTAssertEqual(output[0], 0, "a failure leaves an empty string")
            output[0] = 0xFFFF
            XCTAssertEqual(PathCchCombineEx(&output, 4, first, second, 0), STRSAFE_E_INSUFFICIENT_BUFFER)
            XCTAssertEqual(output[0], 0)
            XCTAssertEqual(PathCchCombineEx(&output, 5, first, second, 0), S_OK)
            XCTAssertEqual(text(output), #"C:\a"#)
            XCTAssertEqual(STRSAFE_E_INSUFFICIENT_BUFFER, HRESULT(bitPattern: 0x8007_007A))

            let combinations: [(String, String, String)] = [
                (#"C:\"#, "a", #"C:\a"#), (#"C:\b"#, #"..\a"#, #"C:\a"#), ("C:", "a", #"C:\a"#), (#"C:\"#, ".", #"C:\"#),
                (#"C:\"#, "..", #"C:\"#), (#"\a"#, "b", #"\a\b"#), (#"\\192.168.1.1\test"#, "a", #"\\192.168.1.1\test\a"#),
                (#"\\192.168.1.1\test"#, "..", #"\\192.168.1.1"#), (#"\\?\C:\"#, "a", #"C:\a"#), (#"\\?\C:\"#, "..", #"C:\"#),
                (#"\\?\UNC\192.168.1.1\test"#, "a", #"\\192.168.1.1\test\a"#),
                (#"\\?\UNC\192.168.1.1\test"#, "..", #"\\192.168.1.1"#),
            ]
            for (path1, path2, expected) in combinations {
                XCTAssertEqual(PathCchCombine(&output, Int(MAX_PATH), Array(path1.utf16) + [0], Array(path2.utf16) + [0]), S_OK)
                XCTAssertEqual(text(output), expected, "\(path1) + \(path2)")
            }

            // PathCchCanonicalizeEx: a bare drive gets its backslash where there is room.
            XCTAssertEqual(PathCchCanonicalizeEx(&output, Int(MAX_PATH), Array("C:".utf16) + [0], 0), S_OK)
            XCTAssertEqual(text(output), #"C:\"#)
            XCTAssertEqual(PathCchCanonicalizeEx(&output, 3, Array("C:".utf16) + [0], 0), S_OK)
            XCTAssertEqual(text(output), "C:")
            XCTAssertEqual(PathCchCanonicalize(&output, Int(MAX_PATH), Array("C:a".utf16) + [0]), S_OK)
            XCTAssertEqual(text(output), "C:a")
            XCTAssertEqual(PathCchCanonicalize(&output, Int(MAX_PATH), Array(#"C:\a\.\b\..\"#.utf16) + [0]), S_OK)
            XCTAssertEqual(text(output), #"C:\a\"#)

            // The \\?\ of a drive or UNC path goes (alloccanonicalize_tests).
            for (path, expected) in [(#"\\?\C:"#, #"C:\"#), (#"\\?\C:\a"#, #"C:\a"#), (#"\\?\UNC\a"#, #"\\a"#),
                                     (#"\\?\C:.."#, #"C:\"#), (#"\\?\UNC\a\b\.."#, #"\\a"#), (#"\\?\a\.\b\..\"#, #"\\?\a\"#)] {
                XCTAssertEqual(PathCchCanonicalize(&output, Int(MAX_PATH), Array(path.utf16) + [0]), S_OK)
                XCTAssertEqual(text(output), expected, path)
            }

            // Lengths: a rootless path over MAX_PATH - 4 is too long without
            // PATHCCH_ALLOW_LONG_PATHS; a rooted one of the same length fits MAX_PATH.
            let filenameTooLong = HRESULT(bitPattern: 0x8007_00CE)
            var long = Array(repeating: WCHAR(0x61), count: Int(MAX_PATH) - 3) + [0]
            XCTAssertEqual(PathCchCanonicalize(&output, Int(MAX_PATH), long), filenameTooLong)
            XCTAssertEqual(output[0], 0)
            long[0] = 0x43; long[1] = 0x3A; long[2] = 0x5C
            XCTAssertEqual(PathCchCanonicalize(&output, Int(MAX_PATH), long), S_OK)
            XCTAssertEqual(PathCchCanonicalizeEx(&output, 1, long, 0), STRSAFE_E_INSUFFICIENT_BUFFER)
            XCTAssertEqual(PathCchCanonicalize(&output, 1, Array(#"C:\"#.utf16) + [0]), STRSAFE_E_INSUFFICIENT_BUFFER)
            var longest = [WCHAR](repeating: 0, count: Int(PATHCCH_MAX_CCH))
            let most = Array(repeating: WCHAR(0x61), count: Int(PATHCCH_MAX_CCH) - 1) + [0]
            let allowLong = ULONG(PATHCCH_ALLOW_LONG_PATHS.rawValue)
            XCTAssertEqual(PathCchCanonicalizeEx(&longest, longest.count, most, allowLong), S_OK)
            XCTAssertEqual(PathCchCanonicalizeEx(&longest, 1, most, allowLong), filenameTooLong)
            let tooMany = Array(repeating: WCHAR(0x61), count: Int(PATHCCH_MAX_CCH)) + [0]
            XCTAssertEqual(PathCchCanonicalizeEx(&longest, longest.count, tooMany, allowLong), filenameTooLong)
        }
    }

    /// shlwapi: PathFindExtensionW and PathFindFileNameW point into the caller's string;
    /// PathStripPathW keeps the last element in place; PathFileExistsW asks the volume.
    func testShellPathFunctionsFindTheExtensionAndTheFileName() {
        let sim = checkedSimulation()
        sim.run {
            func extensionOffset(_ path: String) -> Int? {
                let units = Array(path.utf16) + [0]
                return units.withUnsafeBufferPointer { buffer in
                    PathFindExtensionW(buffer.baseAddress).map { UnsafePointer($0) - buffer.baseAddress! }
                }
            }
            XCTAssertEqual(extensionOffset(#"C:\a.txt"#), 4)
            XCTAssertEqual(extensionOffset(#"C:\a.b\c"#), 8, "no extension: the terminator")
            XCTAssertEqual(extensionOffset("a.b.c"), 3)
            XCTAssertEqual(extensionOffset("a. b"), 4, "an extension has no space")
            XCTAssertEqual(extensionOffset(""), 0)
            XCTAssertNil(PathFindExtensionW(nil))

            func stripped(_ path: String) -> String {
                var units = Array(path.utf16) + [0]
                PathStripPathW(&units)
                return text(units)
            }
            XCTAssertEqual(stripped(#"C:\TEST\sample.txt"#), "sample.txt")
            XCTAssertEqual(stripped(#"C:\dir\"#), #"dir\"#)
            XCTAssertEqual(stripped("C:file"), "file")
            XCTAssertEqual(stripped("file"), "file")
            XCTAssertEqual(stripped(#"\\server\share"#), "share")

            XCTAssertTrue(PathFileExistsW(Array(#"C:\"#.utf16) + [0]))
            XCTAssertFalse(PathFileExistsW(Array(#"C:\missing.txt"#.utf16) + [0]))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_FILE_NOT_FOUND))
            XCTAssertFalse(PathFileExistsW(Array(#"C:\missing\a.txt"#.utf16) + [0]))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_PATH_NOT_FOUND))
            XCTAssertFalse(PathFileExistsW(nil))
        }
    }

    /// SwitchToThread is TRUE when another thread was ready and ran, FALSE when none was.
    func testSwitchToThreadRunsAReadyThread() {
        let sim = checkedSimulation()
        sim.run {
            XCTAssertFalse(SwitchToThread(), "nothing else is ready")
            var ran = false
            let thread = spawn { ran = true; return 0 }
            XCTAssertTrue(SwitchToThread())
            XCTAssertTrue(ran)
            XCTAssertEqual(WaitForSingleObject(thread, INFINITE), WAIT_OBJECT_0)
            CloseHandle(thread)
        }
    }
}
