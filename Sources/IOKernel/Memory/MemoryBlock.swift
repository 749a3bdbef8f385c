/// A place in the scenario's source: where a block was allocated or freed.
public struct SourceLocation: Equatable, Sendable, CustomStringConvertible {
    /// The file as `#fileID` gives it (`Module/File.swift`).
    public var file: String {
        switch storage {
        case .literal(let file): file.description
        case .text(let file): file
        }
    }
    public let line: Int

    /// A `#fileID` literal is kept as it is, so that recording where every block is allocated
    /// builds no string; the text is made only when a report shows it.
    private enum Storage: Sendable {
        case literal(StaticString)
        case text(String)
    }
    private let storage: Storage

    public init(file: String, line: Int) {
        self.storage = .text(file)
        self.line = line
    }

    init(_ file: StaticString, _ line: UInt) {
        self.storage = .literal(file)
        self.line = Int(line)
    }

    public static func == (a: SourceLocation, b: SourceLocation) -> Bool { a.line == b.line && a.file == b.file }

    /// `File.swift:12`; a location without a line (line 0) is an event, not a line of source
    /// (`the exit of child.exe (pid 0x404)`), and shows as its text alone.
    public var description: String { line > 0 ? "\(file):\(line)" : file }
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
    /// A view of a section (`MapViewOfFile`), named after the section: freed by
    /// `UnmapViewOfFile` or the process's exit.
    case mappedView(of: String)

    var isStack: Bool {
        if case .stack = self { return true }
        return false
    }
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
    /// The process whose heap or stack holds the block, as reports name it
    /// (`child.exe (pid 0x404)`); nil for the simulation's first process.
    public var process: String? = nil

    public var isFreed: Bool { freedAt != nil }

    public var description: String {
        var text = "\(label) (\(typeName.map { "\($0), " } ?? "")\(size) bytes"
        switch region {
        case .heap: text += process.map { " in the heap of \($0)" } ?? " on the heap"
        case .stack(let function): text += " in the stack frame of \(function)"
        case .static: text += " in static storage"
        case .mappedView(let section): text += " mapped from \(section)"
        }
        text += ", allocated at \(allocatedAt)"
        if let freedAt { text += ", freed at \(freedAt)" }
        if let reusedBy { text += ", its memory now reused by \(reusedBy)" }
        return text + ")"
    }
}

/// The arena's description of a block, as reports show it. Its label and type name are made
/// only when a report needs them, so that an allocation formats nothing. What the checks read
/// on the I/O path (freed, released, reused, held) is in its ``MemoryBlockState``.
struct MemoryBlock {
    let id: Int
    /// The name the scenario gave it, if any.
    let givenLabel: String?
    /// The Swift type it was allocated as, if typed.
    let type: Any.Type?
    let size: Int
    let region: MemoryRegion
    let allocatedAt: SourceLocation
    let base: UnsafeMutableRawPointer
    /// The id of the process whose memory it is: the process running when it was allocated
    /// (the simulation's first process outside any thread). A process's exit frees its heap.
    let owner: UInt32
    var freedAt: SourceLocation?
    /// A heap block still in use when its process exited, freed by the exit: reported as that
    /// process's memory never freed.
    var leftAtExit = false

    var isFreed: Bool { freedAt != nil }
    var start: UInt { UInt(bitPattern: base) }

    /// `OVERLAPPED` for a typed block; `BYTE[n]` for a stack byte array.
    var typeName: String? {
        if let type { return cTypeName(type) }
        if case .stack = region { return "BYTE[\(size)]" }
        return nil
    }

    /// The given name, or what allocated it: the type, `HeapAlloc(n)`, `static BYTE[n]`.
    var label: String {
        if let givenLabel { return givenLabel }
        if let typeName { return typeName }
        return region == .static ? "static BYTE[\(size)]" : "HeapAlloc(\(size))"
    }
}

/// A C type's name as the program knows it: `OVERLAPPED`, not the struct tag `_OVERLAPPED`.
func cTypeName(_ type: Any.Type) -> String {
    let name = "\(type)"
    return name.hasPrefix("_") ? String(name.dropFirst()) : name
}
