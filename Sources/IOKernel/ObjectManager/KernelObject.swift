/// The kinds of object the simulated object manager knows, as `!object` names their types.
public enum ObjectKind: String, Sendable {
    case file = "File"
    case event = "Event"
    case thread = "Thread"
    case completionPort = "IoCompletion"
    case process = "Process"
    case job = "Job"
    case token = "Token"
    case section = "Section"
}

/// An object in the simulated object manager: a header with a handle count and a pointer count
/// (as WinDbg's `!object` shows them) and, for the objects a thread can wait on, a signal state.
///
/// Handles are not objects: a handle is an entry in the process's handle table that holds one
/// reference. Every kernel use of the object (an IRP in flight, a wait) holds another. The
/// object's delete procedure runs when the pointer count reaches zero (for a file object,
/// that is when the driver receives `IRP_MJ_CLOSE`).
public class KernelObject {
    /// A number unique within the simulation, in creation order (`File#3`).
    public let id: Int
    public let kind: ObjectKind
    /// Open handles to the object, in every process.
    @exclusivity(unchecked) public internal(set) var handleCount = 0
    /// References to the object: one per handle plus one per kernel user (IRP, wait).
    /// Counted with wrapping arithmetic, as the kernel's other counts on the I/O path (entry
    /// depth, live IRPs, list lengths, IRP ids) are: none can come near `Int.max` (each is
    /// bounded by objects a simulation holds in memory), and an overflow check is an
    /// instruction and a branch on every call.
    @exclusivity(unchecked) public internal(set) var pointerCount = 0
    /// True once the pointer count has reached zero and the delete procedure has run.
    @exclusivity(unchecked) public internal(set) var isDeleted = false

    /// The dispatcher header's signal state (events, file objects, threads).
    @exclusivity(unchecked) var signaled = false

    init(id: Int, kind: ObjectKind) {
        self.id = id
        self.kind = kind
    }

    /// `File#3`, `Event#5`: how the trace and the reports name the object.
    public var label: String { "\(kind.rawValue)#\(id)" }

    /// Whether a wait on the object would be satisfied now.
    public var isSignaled: Bool { signaled }

    /// Called when a wait on the object is satisfied: an auto-reset event resets itself here.
    func satisfyWait() {}
}
