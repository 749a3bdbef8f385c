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
        "MemoryArena.swift": (["base.", "blocks[i].base.", "tailStart."], "zeroes and poisons the arena's own blocks"),
        "FileAPI.swift": (["ioStatus."], "kernel32's own status block, allocated there"),
        "MappedView.swift": (["base + ", "agreed"], "a mapped view's own block, which the kernel fills from and reads into the file while it is mapped, and the view's copy of what it last agreed with the file"),
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

    /// kernel32's own stores and loads through a caller's pointer: an out-parameter stored with
    /// `.pointee =`, a structure read with `.load(`. Each goes through `CallerMemory.swift`
    /// (`store(_:into:call:)`, `load(_:call:)`, the bounded string readers), except the few
    /// listed here, each with the check that comes before it.
    private let callerPointerAccesses = [".pointee = ", ".pointee.Internal = ", ".pointee.InternalHigh = ", ".pointee.QuadPart = ",
                                         ".load(fromByteOffset:", ".load(as:", ".loadUnaligned("]

    private let allowedCallerAccesses: [String: (receivers: [String], reason: String)] = [
        "FileAPI.swift": (["overlapped.pointee.Internal", "ioStatus.load"],
                          "the OVERLAPPED after userOverlappedIsAccessible; kernel32's own status block"),
        "AlertableIO.swift": (["overlapped.pointee.Internal", "ioStatus?.load"],
                              "the OVERLAPPED after userOverlappedIsAccessible; a completion routine's OVERLAPPED, pinned in the arena"),
        "DirectoryChangesAPI.swift": (["overlapped.pointee.Internal"], "after userOverlappedIsAccessible"),
        "NamedPipeAPI.swift": (["overlapped.pointee.Internal"], "after userOverlappedIsAccessible"),
        "FileLockAPI.swift": (["overlapped.pointee.Internal"], "after userOverlappedIsAccessible"),
        "DeviceIoControlAPI.swift": (["overlapped.pointee.Internal"], "after userOverlappedIsAccessible"),
        "SecurityDescriptors.swift": ([], "each descriptor probed with userBufferIsAccessible first"),
        "SecurityIdentifiers.swift": (["pointer.load", "pointer.loadUnaligned"], "the SID probed for its header, then its sub-authorities"),
        "AccessControlLists.swift": (["pointer.load", "pointer.loadUnaligned"], "the ACL probed for its header, then its size"),
        "ProcThreadAttributeList.swift": (["list.load", "entry.load", "values.load"],
                                          "the header probed by isInitialized; entries written by the checked write; values probed"),
        "ProcessAPI.swift": (["block.load"], "the environment block, bounded by readableUserBytes"),
        "MessageFormatting.swift": (["slots.loadUnaligned"], "each argument slot probed first"),
    ]

    func testKernel32ReadsAndWritesCallerPointersThroughTheCheckedPath() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let base = root.appendingPathComponent("Sources/Win32Surface")
        let files = try XCTUnwrap(FileManager.default.enumerator(at: base, includingPropertiesForKeys: nil))
        var offending: [String] = []
        for case let url as URL in files where url.pathExtension == "swift" {
            let name = url.lastPathComponent
            let text = try String(contentsOf: url, encoding: .utf8)
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let code = line.trimmingCharacters(in: .whitespaces)
                guard !code.hasPrefix("//"), callerPointerAccesses.contains(where: code.contains) else { continue }
                if let allowance = allowedCallerAccesses[name],
                   allowance.receivers.isEmpty || allowance.receivers.contains(where: { code.contains($0) })
                {
                    continue
                }
                offending.append("Sources/Win32Surface/\(name):\(number + 1): \(code)")
            }
        }
        XCTAssertEqual(offending, [], """
            kernel32 code stores or loads through a caller's pointer without the checked path: use \
            thread.store(_:into:call:) for out-parameters, thread.load(_:call:) for structures passed in, \
            callerWideString/callerNarrowString/terminatedLength for strings (Win32Surface/CallerMemory.swift)
            """)
    }
}
