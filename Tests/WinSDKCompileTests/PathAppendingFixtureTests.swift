import IOKernel
import IOSimXCTest
import WinSDK
import XCTest

/// `PathCchAppendEx`, `PathCchFindExtension` and `PathCchAddBackslash` as Windows packages call
/// them: swift-testing's `appendPathComponent` (a `wcscpy_s` into a temporary allocation, then
/// `PathCchAppendEx` with `PATHCCH_ALLOW_LONG_PATHS`; it allocates `CWideChar`s, which are
/// `UInt16` only on Windows, so `WCHAR` here) and its attachments' extension lookup
/// (`PathCchFindExtension` with `wcslen + 1` and a `PCWSTR?`), and a directory path given its
/// trailing separator.
final class PathAppendingFixtureTests: XCTestCase {
    private func appendPathComponent(_ pathComponent: String, to path: String) -> String {
        path.withCString(encodedAs: UTF16.self) { path in
            pathComponent.withCString(encodedAs: UTF16.self) { pathComponent in
                withUnsafeTemporaryAllocation(of: WCHAR.self, capacity: (wcslen(path) + wcslen(pathComponent)) * 2 + 1) { buffer in
                    _ = wcscpy_s(buffer.baseAddress, buffer.count, path)
                    _ = PathCchAppendEx(buffer.baseAddress, buffer.count, pathComponent, ULONG(PATHCCH_ALLOW_LONG_PATHS.rawValue))
                    return (String.decodeCString(buffer.baseAddress, as: UTF16.self)?.result)!
                }
            }
        }
    }

    private func pathExtension(of preferredName: String) -> String? {
        preferredName.withCString(encodedAs: UTF16.self) { (preferredName) -> String? in
            var dot: PCWSTR?
            guard S_OK == PathCchFindExtension(preferredName, wcslen(preferredName) + 1, &dot), let dot, dot[0] != 0 else {
                return nil
            }
            return String(decodingCString: dot + 1, as: UTF16.self)
        }
    }

    private func directoryPath(_ path: String) -> (HRESULT, String) {
        var buffer = Array(path.utf16) + Array(repeating: 0, count: 2)
        let result = PathCchAddBackslash(&buffer, buffer.count)
        return (result, String(decoding: buffer.prefix { $0 != 0 }, as: UTF16.self))
    }

    func testSwiftTestingsPathHelpers() {
        let sim = checkedSimulation()
        sim.run {
            XCTAssertEqual(self.appendPathComponent("results.json", to: #"C:\build\tests"#), #"C:\build\tests\results.json"#)
            XCTAssertEqual(self.appendPathComponent(#"..\logs"#, to: #"C:\build\tests"#), #"C:\build\logs"#)
            XCTAssertEqual(self.appendPathComponent(#"D:\elsewhere"#, to: #"C:\build"#), #"D:\elsewhere"#)
            XCTAssertEqual(self.pathExtension(of: "diagram.png"), "png")
            XCTAssertEqual(self.pathExtension(of: "archive.tar.gz"), "gz")
            XCTAssertNil(self.pathExtension(of: "README"))
            XCTAssertNil(self.pathExtension(of: #"dir.d\README"#))
            let added = self.directoryPath(#"C:\build"#)
            XCTAssertEqual(added.0, S_OK)
            XCTAssertEqual(added.1, #"C:\build\"#)
            XCTAssertEqual(self.directoryPath(#"C:\build\"#).0, S_FALSE)
        }
    }
}
