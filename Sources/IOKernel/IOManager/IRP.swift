/// The major function of an IRP.
public enum MajorFunction: String, Sendable {
    case create = "IRP_MJ_CREATE"
    case read = "IRP_MJ_READ"
    case write = "IRP_MJ_WRITE"
    case cleanup = "IRP_MJ_CLEANUP"
    /// `NtFsControlFile`: a file-system control request (`FSCTL_PIPE_LISTEN` for
    /// `ConnectNamedPipe`, `DeviceIoControl` with an `FSCTL_` code of `FILE_DEVICE_FILE_SYSTEM`);
    /// ``IRP/controlCode`` says which. Buffered: the input is in ``IRP/systemBuffer`` at
    /// dispatch, and the output the driver leaves there is copied to the caller's buffer.
    case fileSystemControl = "IRP_MJ_FILE_SYSTEM_CONTROL"
    /// `NtDeviceIoControlFile`: `DeviceIoControl` with a code of any other device type;
    /// ``IRP/controlCode`` holds it, buffered as ``fileSystemControl``.
    case deviceControl = "IRP_MJ_DEVICE_CONTROL"
    /// `NtFlushBuffersFile` (`FlushFileBuffers`).
    case flushBuffers = "IRP_MJ_FLUSH_BUFFERS"
    /// `NtNotifyChangeDirectoryFile` (`ReadDirectoryChangesW`), `IRP_MN_NOTIFY_CHANGE_DIRECTORY`:
    /// the completion filter is in ``IRP/controlCode``, `SL_WATCH_TREE` in ``IRP/watchesSubtree``.
    case directoryControl = "IRP_MJ_DIRECTORY_CONTROL"
    /// `NtLockFile` (`LockFileEx`), `IRP_MN_LOCK`: a byte-range lock request. The range starts
    /// at ``IRP/byteOffset``; its 64-bit length is ``IRP/length``'s bit pattern (there is no
    /// buffer); ``IRP/controlCode`` holds the `LOCKFILE_*`-style flags.
    case lockControl = "IRP_MJ_LOCK_CONTROL"

    /// Requests issued through an `NtXxxFile` call that notify the caller when they complete
    /// (reads, writes, file-system controls, flushes), and that cancellation can find; create
    /// and cleanup are synchronous requests whose status the system call returns.
    @inline(__always) var transfersData: Bool {
        switch self {
        case .create, .cleanup: false
        case .read, .write, .fileSystemControl, .deviceControl, .flushBuffers, .directoryControl, .lockControl: true
        }
    }

    /// Requests whose data the driver hands back in the system buffer, copied to the caller's
    /// buffer at completion (buffered I/O out).
    @inline(__always) var returnsData: Bool {
        switch self {
        case .read, .directoryControl, .fileSystemControl, .deviceControl: true
        case .write, .create, .cleanup, .flushBuffers, .lockControl: false
        }
    }

    /// What the request is, in a violation's words.
    var callName: StaticString {
        switch self {
        case .read: "a read"
        case .write: "a write"
        case .fileSystemControl: "a file-system control"
        case .deviceControl: "a device control"
        case .flushBuffers: "a flush"
        case .directoryControl: "a directory change notification"
        case .lockControl: "a lock request"
        case .create: "an open"
        case .cleanup: "a cleanup"
        }
    }
}

/// Where an IRP is in its life cycle (nt-io-model §8.1).
public enum IRPState: String, Sendable {
    /// The driver's dispatch routine has it and has not returned.
    case dispatching
    /// Dispatch returned `STATUS_PENDING`; the driver owns it until it completes it.
    case pending
    /// The driver completed it (stage 1); completion processing (stage 2) has not yet run in
    /// the issuing thread. Cancellation can no longer find it.
    case completed
    /// Completion processing ran: the caller's `OVERLAPPED` and buffer were written and the
    /// notifications fired. The IRP no longer references the file object.
    case delivered
}

/// The driver's cancel routine (`IoSetCancelRoutine`). A class, so that a driver arms one by
/// passing an object it already has, without allocating per request.
public protocol CancelRoutine: AnyObject {
    /// Called once, by the I/O manager, when the IRP is cancelled while this routine is armed.
    /// The routine owns the IRP from then on and must complete it, now or later.
    func cancel(_ irp: IRP, _ context: DriverContext)
}

/// An I/O request packet: one request, from its issue to the end of completion processing.
///
/// The IRP holds a reference to its file object, the address of the caller's status block
/// (the `OVERLAPPED`) and buffer, and the caller's event. It completes exactly once; the kernel
/// reports any driver that breaks that rule as a bug check.
///
/// IRPs come from the kernel's ``IRPLookasideList`` and go back to it when completion
/// processing is done, so that a round trip allocates nothing. An IRP that a driver or a test
/// still holds when it goes back is never reused: it keeps its final state (`state`
/// `.delivered`, its status and byte count) for as long as it is held, and the kernel makes a
/// fresh one in its place.
public final class IRP {
    // The stored properties are declared by size, words first and bytes last, so that the
    // object has no padding to speak of (248 bytes with its header, the links of its queue and
    // of its completion and its system buffer's storage included; 320 before the fields were
    // ordered): a parked read's host memory is its IRP (iosim-bench's bytes_per_pending_irp).

    /// A number unique within the simulation, in issue order (`IRP#7`).
    @exclusivity(unchecked) public internal(set) var id: Int
    @exclusivity(unchecked) public internal(set) var fileObject: FileObject
    /// The thread that issued it; completion processing runs in this thread.
    @exclusivity(unchecked) public internal(set) var thread: SimThread?
    /// The request's byte count (`Parameters.Read.Length`).
    @exclusivity(unchecked) public internal(set) var length: Int
    /// The completion information (bytes transferred), once the driver completed the IRP.
    @exclusivity(unchecked) public internal(set) var information = 0
    /// Scratch space for the driver (`Tail.Overlay.DriverContext`). Cleared when the IRP goes
    /// back to the lookaside list.
    @exclusivity(unchecked) public var driverContext: AnyObject?
    /// For `IRP_MJ_CREATE`: what the caller asked for (name, access, share mode, disposition,
    /// and for `CreateNamedPipe` the pipe's configuration).
    public internal(set) var createParameters: CreateParameters? {
        get { createParametersBox?.parameters }
        set { createParametersBox = newValue.map(CreateParametersBox.init) }
    }
    /// ``createParameters``, out of line: only opens carry them, and inline they would make
    /// every IRP 80 bytes larger.
    @exclusivity(unchecked) private var createParametersBox: CreateParametersBox?
    /// The caller's status block (the `OVERLAPPED`'s `Internal`/`InternalHigh`), if any.
    @exclusivity(unchecked) var userIOSB: UnsafeMutableRawPointer?
    @exclusivity(unchecked) var userBuffer: UnsafeMutableRawPointer?
    @exclusivity(unchecked) var userEvent: EventObject?
    /// The user APC to queue to the issuing thread on completion (`ReadFileEx`'s routine).
    @exclusivity(unchecked) var apcRoutine: APCRoutine?
    /// The APC's context or, without an APC routine, the completion context a port packet
    /// carries (kernel32 passes the `OVERLAPPED`, or nil when `hEvent`'s low bit is set).
    @exclusivity(unchecked) var apcContext: UnsafeMutableRawPointer?
    // The links of the one list the IRP is on (see `IRPList`). The lookaside list owns every
    // IRP the kernel made, so the links need not: they cost no reference counting.
    @exclusivity(unchecked) var listNext: Unmanaged<IRP>?
    @exclusivity(unchecked) var listPrevious: Unmanaged<IRP>?
    /// The armed cancel routine (`Irp->CancelRoutine`): a driver's routine object, retained,
    /// or, armed by its own `insert`, the ``CancelSafeQueue`` the IRP is in, unretained
    /// (``isArmedByQueue``).
    var cancelRoutine: CancelRoutine? {
        get { isArmedByQueue ? queue?.takeUnretainedValue() : cancelRoutineObject }
        set {
            if isArmedByQueue { isArmedByQueue = false }
            cancelRoutineObject = newValue
        }
    }
    @exclusivity(unchecked) private var cancelRoutineObject: CancelRoutine?
    /// The cancel-safe queue the IRP is in (`IoCsqInsertIrp` links `Irp->Tail.Overlay.ListEntry`
    /// into the driver's list): unretained, as are the links, so that queueing and dequeueing
    /// cost no reference counting. The queue's links live in the IRP; the lookaside list never
    /// reuses an IRP that is still queued (``IRPLookasideList``), and a queue that goes away
    /// unlinks what it still holds.
    @exclusivity(unchecked) var queue: Unmanaged<CancelSafeQueue>?
    @exclusivity(unchecked) var queueNext: Unmanaged<IRP>?
    @exclusivity(unchecked) var queuePrevious: Unmanaged<IRP>?
    /// The next IRP in its issuing thread's completion work (``SimThread/queueCompletion(_:)``),
    /// once the driver completed it.
    @exclusivity(unchecked) var completionNext: Unmanaged<IRP>?
    /// The system buffer's storage (SystemBuffer.swift): memory the IRP owns, kept from one
    /// request to the next, so that capturing a write and delivering a read count no
    /// references and allocate nothing once it is large enough.
    @exclusivity(unchecked) var systemBufferStorage: UnsafeMutablePointer<UInt8>?
    @exclusivity(unchecked) var systemBufferCapacity = 0
    /// How many bytes of the storage are the system buffer.
    @exclusivity(unchecked) var systemBufferCount = 0
    /// The byte offset, if the caller gave one (or the file object's current offset).
    @exclusivity(unchecked) public internal(set) var byteOffset: UInt64?

    /// For `IRP_MJ_FILE_SYSTEM_CONTROL` and `IRP_MJ_DEVICE_CONTROL`: the `FSCTL_…`/`IOCTL_…`
    /// code; for `IRP_MJ_DIRECTORY_CONTROL`:
    /// the `FILE_NOTIFY_CHANGE_…` completion filter.
    @exclusivity(unchecked) public internal(set) var controlCode: UInt32 = 0
    /// The completion status, once the driver completed the IRP.
    @exclusivity(unchecked) public internal(set) var status = NTStatus.pending
    // Tracked memory this IRP holds (indices into the arena, -1 for none), and whether a
    // completion routine or a packet still carries its OVERLAPPED to the program.
    @exclusivity(unchecked) var overlappedBlock: Int32 = -1
    @exclusivity(unchecked) var bufferBlock: Int32 = -1
    /// Its place in the ``IRPLookasideList``, and whether it is there, free, now.
    let slot: Int32

    @exclusivity(unchecked) public internal(set) var major: MajorFunction
    @exclusivity(unchecked) public internal(set) var state: IRPState = .dispatching
    /// For a read: ``systemBuffer`` holds one period of data that repeats to fill the request
    /// (a stock device's repeating source), so that a large read never builds its data:
    /// completion processing lays the period out directly in the caller's buffer.
    @exclusivity(unchecked) public var systemBufferRepeats = false
    /// For `IRP_MJ_DIRECTORY_CONTROL`: `SL_WATCH_TREE`, the whole subtree is watched.
    @exclusivity(unchecked) public internal(set) var watchesSubtree = false
    @exclusivity(unchecked) var notificationCarriesOverlapped = false
    /// `Irp->Cancel`: cancellation was requested. It stays set whatever the driver does.
    @exclusivity(unchecked) public internal(set) var isCancelRequested = false
    /// Whether a cancel routine is armed (`Irp->CancelRoutine != NULL`).
    public var isCancelRoutineArmed: Bool { isArmedByQueue || cancelRoutineObject != nil }
    /// The driver called `markPending` (`IoMarkIrpPending`).
    @exclusivity(unchecked) public internal(set) var isMarkedPending = false
    /// Dispatch returned `STATUS_PENDING` to the caller.
    @exclusivity(unchecked) public internal(set) var pendingReturned = false
    /// Asynchronous I/O on a port-bound file object with a completion context and no event:
    /// it lives on the file object, survives its thread, and completes through the port
    /// (nt-io-model §4.3, Wine's predicate).
    @exclusivity(unchecked) public internal(set) var isThreadAgnostic = false
    /// A synchronous API (create, cleanup): the system call waits and returns the status; no
    /// asynchronous notification.
    @exclusivity(unchecked) var synchronousAPI: Bool
    @exclusivity(unchecked) var isOnList = false
    @exclusivity(unchecked) var isFree = false
    /// The queue the IRP is in (``queue``) armed itself as its cancel routine.
    @exclusivity(unchecked) var isArmedByQueue = false

    init(slot: Int32, id: Int, major: MajorFunction, fileObject: FileObject, thread: SimThread?, length: Int,
         byteOffset: UInt64?, userIOSB: UnsafeMutableRawPointer?, userBuffer: UnsafeMutableRawPointer?,
         userEvent: Unmanaged<EventObject>?, synchronousAPI: Bool)
    {
        self.slot = slot
        self.id = id
        self.major = major
        self.fileObject = fileObject
        self.thread = thread
        self.length = length
        self.byteOffset = byteOffset
        self.userIOSB = userIOSB
        self.userBuffer = userBuffer
        self.userEvent = userEvent?.takeUnretainedValue()
        self.synchronousAPI = synchronousAPI
    }

    /// Makes a free IRP a new request, as if just created. References to the same file
    /// object, thread and event as the request it last carried are kept as they are, so that a
    /// loop of requests on one file does no reference counting here.
    func reuse(id: Int, major: MajorFunction, fileObject: FileObject, thread: SimThread?, length: Int,
               byteOffset: UInt64?, userIOSB: UnsafeMutableRawPointer?, userBuffer: UnsafeMutableRawPointer?,
               userEvent: Unmanaged<EventObject>?, synchronousAPI: Bool)
    {
        // The references first, each stored only when it changes (no reference counting in a
        // loop on one file); then every plain field in one run of stores in layout order, which
        // the compiler merges (the flags are adjacent bytes).
        if self.fileObject !== fileObject { self.fileObject = fileObject }
        if self.thread !== thread { self.thread = thread }
        if userEventAddress != userEvent?.toOpaque() { self.userEvent = userEvent?.takeUnretainedValue() }
        if createParametersBox != nil { createParametersBox = nil }
        if cancelRoutineObject != nil { cancelRoutineObject = nil }
        self.id = id
        self.length = length
        information = 0
        self.userIOSB = userIOSB
        self.userBuffer = userBuffer
        apcRoutine = nil
        apcContext = nil
        systemBufferCount = 0
        self.byteOffset = byteOffset
        controlCode = 0
        status = .pending
        overlappedBlock = -1
        bufferBlock = -1
        self.major = major
        state = .dispatching
        systemBufferRepeats = false
        watchesSubtree = false
        notificationCarriesOverlapped = false
        isCancelRequested = false
        isMarkedPending = false
        pendingReturned = false
        isThreadAgnostic = false
        self.synchronousAPI = synchronousAPI
        isFree = false
        isArmedByQueue = false
    }

    /// ``userEvent``'s address, compared without retaining it.
    @inline(__always) private var userEventAddress: UnsafeMutableRawPointer? {
        userEvent.map { Unmanaged.passUnretained($0).toOpaque() }
    }

    deinit { systemBufferStorage?.deallocate() }

    /// `IRP#7`.
    public var label: String { "IRP#\(id)" }

    /// The address of the caller's `OVERLAPPED` (status block), as `!irp` shows `UserIosb`.
    public var overlappedAddress: UInt? { userIOSB.map { UInt(bitPattern: $0) } }

    /// True until the driver has completed it.
    @inline(__always) public var isInDriver: Bool { state == .dispatching || state == .pending }
}

/// An open's ``CreateParameters``, boxed so that the IRPs of other requests do not carry their
/// space.
final class CreateParametersBox {
    let parameters: CreateParameters

    init(_ parameters: CreateParameters) { self.parameters = parameters }
}
