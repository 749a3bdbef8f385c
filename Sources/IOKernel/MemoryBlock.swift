/// A place in the scenario's source: where a block was allocated or freed.
public struct SourceLocation: Equatable, Sendable, CustomStringConvertible {
    public let file: String
    public let line: Int

    public init(file: String, line: Int) {
        self.file = file
        self.line = line
    }

    init(_ file: StaticString, _ line: UInt) {
        self.file = file.description
        self.line = Int(line)
    }

    public var description: String { "\(file):\(line)" }
}

/// Where a tracked block lives.
public enum MemoryRegion: Equatable, Sendable {
    /// The process heap (`HeapAlloc`, ``TrackedMemory/allocate(_:label:file:line:)``).
    case heap
    /// A local variable of a simulated stack frame, named after its function; freed when the
    /// frame returns.
    case stack(function: String)
    /// Static storage (a C global or `static` variable): it lives as long as the process, so it
    /// is never freed and never reported as memory never freed.
    case `static`
}

/// One block of tracked user memory, as diagnostics describe it.
public struct MemoryBlockInfo: Equatable, Sendable, CustomStringConvertible {
    /// A number unique within the simulation, in allocation order (`block#3`).
    public let id: Int
    /// The variable's name (`o`, `buffer`), or what allocated it (`HeapAlloc(1024)`).
    public let label: String
    /// The Swift type it was allocated as (`OVERLAPPED`), if typed.
    public let typeName: String?
    public let size: Int
    public let region: MemoryRegion
    public let allocatedAt: SourceLocation
    /// Where it was freed: a `HeapFree`, or the frame whose return freed it.
    public let freedAt: SourceLocation?
    /// For a block whose memory was handed to a later allocation (``MemoryOptions/reuseFreedMemory``):
    /// that block's label.
    public let reusedBy: String?

    public var isFreed: Bool { freedAt != nil }

    public var description: String {
        var text = "\(label) (\(typeName.map { "\($0), " } ?? "")\(size) bytes"
        switch region {
        case .heap: text += " on the heap"
        case .stack(let function): text += " in the stack frame of \(function)"
        case .static: text += " in static storage"
        }
        text += ", allocated at \(allocatedAt)"
        if let freedAt { text += ", freed at \(freedAt)" }
        if let reusedBy { text += ", its memory now reused by \(reusedBy)" }
        return text + ")"
    }
}

/// The arena's record of a block.
struct MemoryBlock {
    let id: Int
    let label: String
    let typeName: String?
    let size: Int
    let region: MemoryRegion
    let allocatedAt: SourceLocation
    let base: UnsafeMutableRawPointer
    var freedAt: SourceLocation?
    var reusedBy: Int32 = -1
    /// The IRPs that still use this block: as their `OVERLAPPED` (until the caller has been
    /// handed its last notification) or as their buffer (until completion processing).
    var holders: [(irp: Int, address: UInt, asOverlapped: Bool)] = []

    var isFreed: Bool { freedAt != nil }
    var start: UInt { UInt(bitPattern: base) }
    func contains(_ address: UInt) -> Bool { address >= start && address < start + UInt(max(size, 1)) }
}
