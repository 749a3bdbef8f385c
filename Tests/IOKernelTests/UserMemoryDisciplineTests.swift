import XCTest

/// Every byte the kernel reads or writes in caller memory goes through one checked path,
/// `Memory/UserMemory.swift` (issue 10, findings 1 and 2: `PeekNamedPipe` and `WriteFile`
/// once copied through the caller's pointer directly, past the end of its block). This test
/// reads the sources of the kernel and of the Win32 surface and fails on any raw byte copy
/// elsewhere, except the few that touch memory the simulator itself owns, each listed here
/// with why.
final class UserMemoryDisciplineTests: XCTestCase {
    /// The operations that copy or fill raw memory.
    private let rawAccesses = ["copyMemory(", "storeBytes(", "copyBytes(", "initializeMemory(", "UnsafeRawBufferPointer(start:",
                               "UnsafeMutableRawBufferPointer(start:", "memcpy(", "memmove(", "memset("]

    /// Files allowed a raw access, with the lines' receivers and the reason.
    private let allowed: [String: (receivers: [String], reason: String)] = [
        "UserMemory.swift": ([], "the checked path itself"),
        "MemoryArena.swift": (["base.", "blocks[i].base."], "zeroes and poisons the arena's own blocks"),
        "FileAPI.swift": (["ioStatus."], "kernel32's own status block, allocated there"),
    ]

    func testNoRawAccessToCallerMemoryOutsideUserMemory() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        var offending: [String] = []
        var scanned = 0
        for folder in ["Sources/IOKernel", "Sources/Win32Surface"] {
            let base = root.appendingPathComponent(folder)
            let files = try XCTUnwrap(FileManager.default.enumerator(at: base, includingPropertiesForKeys: nil))
            for case let url as URL in files where url.pathExtension == "swift" {
                scanned += 1
                let name = url.lastPathComponent
                let text = try String(contentsOf: url, encoding: .utf8)
                for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                    let code = line.trimmingCharacters(in: .whitespaces)
                    guard !code.hasPrefix("//"), rawAccesses.contains(where: code.contains) else { continue }
                    if let allowance = allowed[name],
                       allowance.receivers.isEmpty || allowance.receivers.contains(where: { code.contains($0) })
                    {
                        continue
                    }
                    offending.append("\(folder)/\(name):\(number + 1): \(code)")
                }
            }
        }
        XCTAssertGreaterThan(scanned, 20, "the sources were found")
        XCTAssertEqual(offending, [], "raw access to memory outside Memory/UserMemory.swift")
    }
}
