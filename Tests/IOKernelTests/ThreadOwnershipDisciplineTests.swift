import XCTest

/// A Win32 function never owns its thread (issue 10, finding 4: LeakSanitizer).
///
/// A simulated thread that is terminated, exits, or is still blocked when its simulation is
/// released never returns through its frames, and what they retain stays allocated: the thread,
/// and through its references the kernel. So kernel32's functions find their thread through
/// `withCurrentThread`, which lends it (`borrowing`: a copy is a compile error, and a closure
/// that captures it does not retain it, even in a debug build) and is the call's outermost
/// frame, where a termination found inside the call is carried out once every other frame of
/// the call has returned. This test reads the sources of the Win32 surface and fails on a
/// function that takes the thread as an owned local (`let thread = currentThread()`) or lends
/// it to a closure without `borrowing`.
final class ThreadOwnershipDisciplineTests: XCTestCase {
    private func surfaceSources() throws -> [(name: String, lines: [Substring])] {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let base = root.appendingPathComponent("Sources/Win32Surface")
        let files = try XCTUnwrap(FileManager.default.enumerator(at: base, includingPropertiesForKeys: nil))
        var sources: [(name: String, lines: [Substring])] = []
        for case let url as URL in files where url.pathExtension == "swift" {
            let text = try String(contentsOf: url, encoding: .utf8)
            sources.append((url.lastPathComponent, text.split(separator: "\n", omittingEmptySubsequences: false)))
        }
        return sources.sorted { $0.name < $1.name }
    }

    func testWin32FunctionsBorrowTheirThread() throws {
        let sources = try surfaceSources()
        XCTAssertGreaterThan(sources.count, 20, "the sources were found")
        var owned: [String] = []
        var lentWithoutBorrowing: [String] = []
        var borrowed = 0
        for (name, lines) in sources where name != "Win32Surface.swift" {
            for (number, line) in lines.enumerated() {
                let code = line.trimmingCharacters(in: .whitespaces)
                guard !code.hasPrefix("//") else { continue }
                if code.contains("let thread = currentThread(") { owned.append("\(name):\(number + 1): \(code)") }
                if code.contains("withCurrentThread(") {
                    if code.contains("{ (thread: borrowing SimThread) in") {
                        borrowed += 1
                    } else {
                        lentWithoutBorrowing.append("\(name):\(number + 1): \(code)")
                    }
                }
            }
        }
        XCTAssertGreaterThan(borrowed, 150, "the Win32 functions were found")
        XCTAssertEqual(owned, [], "a Win32 function holds its thread: use withCurrentThread(failure:) { (thread: borrowing SimThread) in … }")
        XCTAssertEqual(lentWithoutBorrowing, [], "withCurrentThread's closure must take (thread: borrowing SimThread)")
    }
}
