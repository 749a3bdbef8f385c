/// One kernel event, as the timeline records it.
public enum TraceEvent: Equatable, Sendable {
    /// A Win32 call returned: its text with arguments, and its result.
    case call(String, result: String)
    case irpIssued(irp: Int, major: MajorFunction, file: Int)
    case irpPending(irp: Int)
    /// The driver completed the IRP (stage 1).
    case irpCompleted(irp: Int, status: NTStatus, information: Int)
    /// Completion processing (stage 2) finished in the issuing thread.
    case irpDelivered(irp: Int, notified: Bool)
    case cancelRequested(irp: Int, cancelRoutineCalled: Bool)
    case cleanupSent(file: Int)
    case cleanupCompleted(file: Int, status: NTStatus)
    case closeSent(file: Int)
    case referenced(object: String, pointerCount: Int, by: String)
    case dereferenced(object: String, pointerCount: Int, by: String)
    case handleOpened(handle: UInt, object: String)
    case handleClosed(handle: UInt, object: String, handleCount: Int)
    case signalled(object: String)
    /// A user APC (a completion routine, a `QueueUserAPC` routine) was queued to a thread.
    case apcQueued(thread: String, apc: String)
    /// A completion packet was queued to a port.
    case packetQueued(port: String, key: UInt, overlapped: UInt, status: NTStatus, information: Int)
    /// A thread dequeued a completion packet.
    case packetDequeued(port: String, key: UInt, overlapped: UInt)
    /// An alertable wait ran a user APC.
    case apcDelivered(thread: String, apc: String)
    /// The kernel wrote a status block (`OVERLAPPED.Internal`/`InternalHigh`).
    case wroteStatus(address: UInt, status: NTStatus, information: Int, irp: Int)
    /// The kernel copied data into the caller's buffer.
    case wroteData(address: UInt, count: Int, irp: Int)
    /// A device event scheduled on the virtual clock fired.
    case deviceEvent(String)
    case bugCheck(BugCheck)
    /// A lifetime bug caught as it happened (``MemoryViolation``).
    case memoryViolation(String)
    case hang(String)
    case note(String)
}

/// A trace entry: when, in which thread, what.
public struct TraceEntry: Equatable, Sendable, CustomStringConvertible {
    public let time: VirtualInstant
    /// The simulated thread that was running, or nil for device-side activity outside threads.
    public let thread: String?
    public let event: TraceEvent

    public var description: String { "\(time) \(thread ?? "-") \(event.text)" }
}

extension TraceEvent {
    /// The event as one line of the timeline, on its own. Caller memory is not named here (its
    /// stable names, `ov#1`, `buf#2`, belong to the simulation's ``Trace``: use
    /// ``Trace/text(of:)``), and never shown by host address, which differs from run to run.
    public var text: String {
        switch self {
        case .call(let call, let result): "\(call) → \(result)"
        case .irpIssued(let irp, let major, let file): "IRP#\(irp) \(major.rawValue) issued on File#\(file)"
        case .irpPending(let irp): "IRP#\(irp) pending in the driver"
        case .irpCompleted(let irp, let status, let info): "IRP#\(irp) completed by the driver: \(status), \(info) bytes"
        case .irpDelivered(let irp, let notified):
            notified ? "IRP#\(irp) completion processing done" : "IRP#\(irp) retired without notification (synchronous error)"
        case .cancelRequested(let irp, let called):
            "IRP#\(irp) cancel requested" + (called ? ", cancel routine called" : ", no cancel routine armed")
        case .cleanupSent(let file): "IRP_MJ_CLEANUP sent for File#\(file) (last handle closed)"
        case .cleanupCompleted(let file, let status): "IRP_MJ_CLEANUP for File#\(file) completed: \(status)"
        case .closeSent(let file): "IRP_MJ_CLOSE sent for File#\(file) (last reference released); object deleted"
        case .referenced(let object, let count, let by): "\(object) referenced by \(by): pointer count \(count)"
        case .dereferenced(let object, let count, let by): "\(object) released by \(by): pointer count \(count)"
        case .handleOpened(let handle, let object): "handle 0x\(String(handle, radix: 16)) opened for \(object)"
        case .handleClosed(let handle, let object, let count):
            "handle 0x\(String(handle, radix: 16)) closed; \(object) handle count \(count)"
        case .signalled(let object): "\(object) signalled"
        case .apcQueued(let thread, let apc): "user APC queued to \(thread): \(apc)"
        case .apcDelivered(let thread, let apc): "\(thread) runs user APC: \(apc)"
        case .packetQueued(let port, let key, let ov, let status, let info):
            "packet queued to \(port): key \(key), \(ov == 0 ? "no OVERLAPPED" : "an OVERLAPPED"), \(status), \(info) bytes"
        case .packetDequeued(let port, let key, let ov):
            "packet dequeued from \(port): key \(key), \(ov == 0 ? "no OVERLAPPED" : "an OVERLAPPED")"
        case .wroteStatus(_, let status, let info, let irp): "kernel wrote \(status), \(info) bytes into the OVERLAPPED of IRP#\(irp)"
        case .wroteData(_, let count, let irp): "kernel copied \(count) bytes into the buffer of IRP#\(irp)"
        case .deviceEvent(let label): "device: \(label)"
        case .bugCheck(let check): "BUG CHECK \(check)"
        case .memoryViolation(let text): "MEMORY VIOLATION \(text)"
        case .hang(let text): "HANG: \(text)"
        case .note(let text): text
        }
    }
}

/// The simulation's timeline. Recording is off by default: the hot path then formats nothing.
public final class Trace {
    /// Whether events are recorded.
    @exclusivity(unchecked) public var isEnabled: Bool { didSet { kernel?.isTracing = isEnabled } }
    /// The kernel whose copy of ``isEnabled`` (`Kernel.isTracing`) this trace keeps current; weak,
    /// because a test may hold the trace after its simulation is gone.
    weak var kernel: Kernel?
    @exclusivity(unchecked) public private(set) var entries: [TraceEntry] = []

    /// Stable names for caller memory (`ov#1`, `buf#2`), given in the order addresses are first
    /// seen, so that the timeline never shows a host address and is the same on every run.
    @exclusivity(unchecked) private var addressNames: [UInt: String] = [:]
    @exclusivity(unchecked) private var nameCounts: [String: Int] = [:]

    /// The name each file object was opened by (`\\.\disk`, `C:\data\a.txt`, `\\.\pipe\demo`),
    /// so that pictures of the timeline can give each device a lane of its own.
    @exclusivity(unchecked) private var fileNames: [Int: String] = [:]

    init(enabled: Bool) { isEnabled = enabled }

    /// Records the name a file object was opened by (not an event of the timeline).
    func noteFile(_ file: Int, openedAs name: String) { fileNames[file] = name }

    /// The name `File#file` was opened by, if it was opened while tracing.
    public func fileName(_ file: Int) -> String? { fileNames[file] }

    /// The stable name of a caller address: `prefix#n` the first time it is seen, the same name
    /// after. Null is `NULL`.
    public func name(of address: UInt, _ prefix: String) -> String {
        guard address != 0 else { return "NULL" }
        if let name = addressNames[address] { return name }
        let number = (nameCounts[prefix] ?? 0) + 1
        nameCounts[prefix] = number
        let name = "\(prefix)#\(number)"
        addressNames[address] = name
        return name
    }

    func record(_ event: TraceEvent, at time: VirtualInstant, thread: SimThread?) {
        entries.append(TraceEntry(time: time, thread: thread?.name, event: event))
    }

    /// Just the events, in order (convenient for assertions).
    public var events: [TraceEvent] { entries.map(\.event) }

    /// Forgets what was recorded so far.
    public func removeAll() { entries.removeAll() }

    /// Back to a new trace's state (``Simulation/reset(strategy:)``): no entries, no names
    /// given, recording as `enabled` says; the storage is kept for the next run.
    func reset(enabled: Bool) {
        isEnabled = enabled
        entries.removeAll(keepingCapacity: true)
        addressNames.removeAll(keepingCapacity: true)
        nameCounts.removeAll(keepingCapacity: true)
        fileNames.removeAll(keepingCapacity: true)
    }

    /// An event as the timeline shows it, with caller addresses by their stable names.
    public func text(of event: TraceEvent) -> String {
        switch event {
        case .wroteStatus(let address, let status, let info, let irp):
            "kernel wrote \(status), \(info) bytes into \(name(of: address, "ov")) (IRP#\(irp))"
        case .wroteData(let address, let count, let irp):
            "kernel copied \(count) bytes into \(name(of: address, "buf")) (IRP#\(irp))"
        case .packetQueued(let port, let key, let ov, let status, let info):
            "packet queued to \(port): key \(key), \(name(of: ov, "ov")), \(status), \(info) bytes"
        case .packetDequeued(let port, let key, let ov): "packet dequeued from \(port): key \(key), \(name(of: ov, "ov"))"
        default:
            event.text
        }
    }

    /// The timeline as text: one line per entry, with time and thread columns.
    public func timeline() -> String {
        var lines: [String] = []
        let threadWidth = max(6, entries.map { ($0.thread ?? "-").count }.max() ?? 0)
        for entry in entries {
            let time = entry.time.description
            let pad = String(repeating: " ", count: max(0, 12 - time.count))
            let thread = entry.thread ?? "-"
            let threadPad = String(repeating: " ", count: max(0, threadWidth - thread.count))
            let indent = "\n" + String(repeating: " ", count: 12 + 2 + threadWidth + 2 + 4)
            let text = text(of: entry.event).split(separator: "\n", omittingEmptySubsequences: false).joined(separator: indent)
            lines.append("\(pad)\(time)  \(thread)\(threadPad)  \(text)")
        }
        return lines.joined(separator: "\n")
    }
}
