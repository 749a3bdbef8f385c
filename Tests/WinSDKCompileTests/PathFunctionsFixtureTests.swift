import CRT
import IOKernel
import IOSimXCTest
import WinSDK
import XCTest

/// The path functions as Windows packages call them: a path type's parent, root, base name and
/// extension through pathcch.h and shlwapi in `withCString(encodedAs: UTF16.self)` closures
/// (swift-tools-support-core's `WindowsPath`), `PathCchIsRoot` passed as the closure itself
/// (swift-format's `URL.isRoot`), the buffer functions with their size protocol,
/// `SwitchToThread` as a thread's yield, and `import CRT` beside `import WinSDK` (sourcekit-lsp).
final class PathFunctionsFixtureTests: XCTestCase {
    /// A path value shaped like the Windows path type of a build tool.
    private struct ToolPath {
        let string: String

        var isAbsolute: Bool { !string.withCString(encodedAs: UTF16.self, PathIsRelativeW) }
        var isRoot: Bool { string.withCString(encodedAs: UTF16.self, PathCchIsRoot) }

        var dirname: String {
            string.withCString(encodedAs: UTF16.self) {
                let data = UnsafeMutablePointer(mutating: $0)
                PathCchRemoveFileSpec(data, string.utf16.count + 1)
                return String(decodingCString: data, as: UTF16.self)
            }
        }

        var basename: String {
            string.withCString(encodedAs: UTF16.self) {
                PathStripPathW(UnsafeMutablePointer(mutating: $0))
                return String(decodingCString: $0, as: UTF16.self)
            }
        }

        func suffix(withDot: Bool) -> String? {
            string.withCString(encodedAs: UTF16.self) {
                if let pointer = PathFindExtensionW($0) {
                    let substring = String(decodingCString: pointer, as: UTF16.self)
                    guard !substring.isEmpty else { return nil }
                    return withDot ? substring : String(substring.dropFirst(1))
                }
                return nil
            }
        }

        var root: String {
            string.withCString(encodedAs: UTF16.self) {
                let data = UnsafeMutablePointer(mutating: $0)
                guard PathCchStripToRoot(data, string.utf16.count + 1) != E_INVALIDARG else { return "" }
                return String(decodingCString: data, as: UTF16.self)
            }
        }

        var afterRoot: String? {
            string.withCString(encodedAs: UTF16.self) { start in
                var end: PCWSTR? = nil
                guard PathCchSkipRoot(start, &end) == S_OK, let end else { return nil }
                return String(decodingCString: end, as: UTF16.self)
            }
        }

        func appending(_ component: String) -> ToolPath? {
            var buffer = [WCHAR](repeating: 0, count: Int(MAX_PATH))
            let hr = string.withCString(encodedAs: UTF16.self) { root in
                component.withCString(encodedAs: UTF16.self) { PathCchCombineEx(&buffer, buffer.count, root, $0, 0) }
            }
            guard hr == S_OK else { return nil }
            return ToolPath(string: String(decoding: buffer.prefix { $0 != 0 }, as: UTF16.self))
        }

        var canonical: String? {
            var buffer = [WCHAR](repeating: 0, count: Int(MAX_PATH))
            let hr = string.withCString(encodedAs: UTF16.self) {
                PathCchCanonicalizeEx(&buffer, buffer.count, $0, ULONG(PATHCCH_ALLOW_LONG_PATHS.rawValue))
            }
            guard hr != STRSAFE_E_INSUFFICIENT_BUFFER, hr == S_OK else { return nil }
            return String(decoding: buffer.prefix { $0 != 0 }, as: UTF16.self)
        }
    }

    func testAPathTypeBuiltOnPathcchAndShlwapi() {
        let sim = checkedSimulation()
        sim.run {
            let path = ToolPath(string: #"C:\Users\dev\Sources\main.swift"#)
            XCTAssertTrue(path.isAbsolute)
            XCTAssertFalse(path.isRoot)
            XCTAssertTrue(ToolPath(string: #"C:\"#).isRoot)
            XCTAssertEqual(path.dirname, #"C:\Users\dev\Sources"#)
            XCTAssertEqual(path.basename, "main.swift")
            XCTAssertEqual(path.suffix(withDot: true), ".swift")
            XCTAssertEqual(path.suffix(withDot: false), "swift")
            XCTAssertNil(ToolPath(string: #"C:\Users\dev\Makefile"#).suffix(withDot: false))
            XCTAssertEqual(path.root, #"C:\"#)
            XCTAssertEqual(path.afterRoot, #"Users\dev\Sources\main.swift"#)
            XCTAssertEqual(ToolPath(string: "relative").root, "")
            XCTAssertEqual(ToolPath(string: #"C:\Users"#).appending("dev")?.string, #"C:\Users\dev"#)
            XCTAssertEqual(ToolPath(string: #"C:\a\.\b\..\c"#).canonical, #"C:\a\c"#)
            XCTAssertEqual(ToolPath(string: #"\\?\C:\a"#).canonical, #"C:\a"#)
            XCTAssertEqual(ToolPath(string: #"\\server\share\dir"#).dirname, #"\\server\share"#)
            XCTAssertTrue(ToolPath(string: #"\\server\share"#).isRoot)
            XCTAssertEqual(E_INVALIDARG, HRESULT(bitPattern: 0x8007_0057))

            var buffer = [WCHAR](repeating: 0, count: 8)
            XCTAssertEqual(PathCchCombine(&buffer, 3, Array(#"C:\"#.utf16) + [0], Array("abc".utf16) + [0]),
                           STRSAFE_E_INSUFFICIENT_BUFFER)
            XCTAssertEqual(PathCchCanonicalize(&buffer, buffer.count, Array(#"C:\x\.."#.utf16) + [0]), S_OK)

            // A file that exists, as code checks before opening it.
            let name = Array(#"C:\exists.txt"#.utf16) + [0]
            XCTAssertFalse(PathFileExistsW(name))
            let file = CreateFileW(name, DWORD(GENERIC_WRITE), 0, nil, DWORD(CREATE_NEW), DWORD(FILE_ATTRIBUTE_NORMAL), nil)
            XCTAssertNotEqual(file, INVALID_HANDLE_VALUE)
            CloseHandle(file)
            XCTAssertTrue(PathFileExistsW(name))
            XCTAssertTrue(PathIsRootW(Array(#"C:\"#.utf16) + [0]))
            XCTAssertEqual(PathFindFileNameW(name).map { String(decodingCString: $0, as: UTF16.self) }, "exists.txt")
        }
    }

    /// A thread's `yield` as a threading helper writes it on Windows; and `CRT`'s names are
    /// ucrt's, as on Windows.
    func testYieldAndTheCRTModule() {
        let sim = checkedSimulation()
        sim.run {
            SwitchToThread()
            XCTAssertFalse(SwitchToThread())
            XCTAssertEqual(CRT._O_BINARY, ucrt._O_BINARY)
        }
    }

    /// A temporary file's cleanup as a build tool writes it (`_wunlink` of the path in a
    /// `withCString(encodedAs: UTF16.self)` closure), and the CRT's errno values it switches on.
    func testTemporaryFileCleanupWithTheCRT() {
        let sim = checkedSimulation()
        sim.run {
            let path = #"C:\tool-temp.txt"#
            let file = path.withCString(encodedAs: UTF16.self) {
                CreateFileW($0, DWORD(GENERIC_WRITE), 0, nil, DWORD(CREATE_NEW), DWORD(FILE_ATTRIBUTE_NORMAL), nil)
            }
            CloseHandle(file)
            XCTAssertEqual(path.withCString(encodedAs: UTF16.self) { _wunlink($0) }, 0)
            XCTAssertEqual(path.withCString(encodedAs: UTF16.self) { _wunlink($0) }, -1)
            XCTAssertEqual(ucrt.errno, ucrt.ENOENT)
            XCTAssertTrue(CreateDirectoryW(Array(#"C:\tool-dir"#.utf16) + [0], nil))
            XCTAssertEqual(_unlink(#"C:\tool-dir"#), -1, "a directory is not unlinked")
            XCTAssertEqual(ucrt.errno, ucrt.EACCES)
            switch ucrt.errno {
            case ucrt.ELOOP, ucrt.ENOENT, ucrt.ENOTDIR: XCTFail("EACCES expected")
            default: break
            }
            XCTAssertEqual([ucrt.ELOOP, ucrt.ETIMEDOUT, ucrt.EWOULDBLOCK, ucrt.ENOTSUP], [114, 138, 140, 129])
        }
    }
}
