/// A lifetime bug in the scenario's use of memory, caught as it happens: what Windows would let
/// corrupt memory silently.
public struct MemoryViolation: Equatable, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// The kernel wrote a status, a byte count or data into freed memory.
        case kernelWroteFreedMemory = "kernel wrote into freed memory"
        /// The kernel was handed freed memory to read from (a write's data).
        case kernelReadFreedMemory = "kernel read from freed memory"
        /// A call gave a length that runs past the end of its tracked buffer: the call fails
        /// with `ERROR_NOACCESS` and the kernel touches nothing (issue 10, findings 1 and 2).
        case bufferTooShort = "buffer shorter than the length the call gave"
        /// Memory was freed while an I/O request still referenced it (reported at the free).
        case freedWhileInFlight = "memory freed while an I/O request still uses it"
        /// An `OVERLAPPED` was handed to a new I/O while an earlier I/O on it was in flight.
        case overlappedReusedInFlight = "OVERLAPPED reused while its I/O is in flight"
        /// A completion routine or a dequeued packet was handed an `OVERLAPPED` that was freed.
        case freedOverlappedHandedOut = "freed OVERLAPPED handed to the program"
        /// A pointer the simulator cannot check (not from its arena), made an error by
        /// ``MemoryOptions/uncheckedPointersAreViolations``.
        case uncheckedPointer = "pointer the simulator cannot check"
        /// A write into read-only memory (a view mapped with `FILE_MAP_READ`): by the kernel, a
        /// call fails with `ERROR_NOACCESS` and writes nothing, as its probe of the buffer fails
        /// on Windows; by the program, a store Windows faults on, found where the view is next
        /// compared with its file and undone there.
        case wroteReadOnlyMemory = "write into read-only memory"
        /// `HeapFree` of a pointer that is not a live heap block (a double free).
        case invalidFree = "free of memory that is not a live heap block"
    }

    public let kind: Kind
    public let time: VirtualInstant
    /// The simulated thread that was running.
    public let thread: String?
    /// The I/O request involved (`IRP#n`), if any.
    public let irp: Int?
    /// The address involved, by its stable timeline name (`ov#1`, `buf#2`): host addresses
    /// differ from run to run, the names do not.
    public let address: String
    /// The block involved, as it was at the moment of the violation.
    public let block: MemoryBlockInfo?
    /// The offset of the address within the block.
    public let offset: Int
    /// What happened, in a sentence.
    public let detail: String
    /// Where in the trace it happened (an index into ``Trace/entries``), when tracing.
    public let traceIndex: Int?

    public var description: String {
        var text = "\(time) \(thread ?? "-") \(kind.rawValue): \(detail)"
        text += " [\(address)" + (irp.map { ", IRP#\($0)" } ?? "") + "]"
        if let block { text += "\n    block: \(block)" + (offset != 0 ? " at offset \(offset)" : "") }
        return text
    }
}

/// A pointer handed to the kernel that does not come from the simulator's arena (a Swift
/// `&local` temporary, `UnsafeMutablePointer.allocate`): its lifetime cannot be checked.
public struct UncheckedPointer: Equatable, Sendable, CustomStringConvertible {
    /// Its stable name in the timeline (`ov#1`, `buf#2`).
    public let name: String
    /// The call that passed it first.
    public let call: String
    public let time: VirtualInstant

    public var description: String { "\(name) passed to \(call) at \(time) is not tracked memory: its lifetime is not checked" }
}

/// How user memory is tracked.
public struct MemoryOptions: Sendable {
    /// Check every pointer the kernel keeps against the arena. On by default; off, the arena
    /// still allocates but nothing is checked (the benchmark's baseline).
    public var tracking: Bool
    /// Hand freed memory to the next allocation of the same size (most recently freed first),
    /// as a real heap or stack does, so that a late kernel write shows up as corruption of the
    /// new owner. Off by default: freed blocks stay quarantined (filled with `0xFE`), and the
    /// simulator never corrupts anything.
    public var reuseFreedMemory: Bool
    /// Treat pointers the simulator cannot check as violations rather than notes.
    public var uncheckedPointersAreViolations: Bool

    /// The bytes of freed blocks kept in quarantine (poisoned, never reused, so that a late
    /// write corrupts nothing); past it the oldest freed blocks' memory goes back to the host,
    /// while their records stay, so that a request still writing into one is still reported
    /// (and writes nothing). A block larger than the budget is released as it is freed.
    /// ``defaultQuarantineBudget`` (64 MiB) unless set.
    ///
    /// A released block's pages go back to the host but its addresses stay the arena's, for a
    /// later block of the same size (``MemoryArena``), so a stale pointer means the same on
    /// every run. Only past 1 GiB of such kept address space does the oldest go back to the
    /// host whole; its addresses are then ambiguous: the arena keeps its range (except what a
    /// new tracked block takes), so a stale pointer there is refused, but memory the program
    /// got from the host itself (a Swift string's bytes) may lie there and be refused too.
    public var quarantineBudget: Int

    public static let defaultQuarantineBudget = 64 << 20

    public init(tracking: Bool = true, reuseFreedMemory: Bool = false, uncheckedPointersAreViolations: Bool = false,
                quarantineBudget: Int = MemoryOptions.defaultQuarantineBudget)
    {
        self.tracking = tracking
        self.reuseFreedMemory = reuseFreedMemory
        self.uncheckedPointersAreViolations = uncheckedPointersAreViolations
        self.quarantineBudget = quarantineBudget
    }
}
