import CHostThreads

/// A simulated thread: the context in which Win32 calls run, with its own last-error value,
/// its list of IRPs in flight and its queue of completion work.
///
/// Completion processing for an IRP (stage 2: writing the caller's `OVERLAPPED`, signalling the
/// event) runs in the thread that issued the IRP, as a special kernel APC does on Windows: at
/// once when that thread is the one running, otherwise when it next runs. Non-alertable waits
/// run it too; only user APCs need an alertable wait.
public final class SimThread: KernelObject {
    /// The thread id `GetCurrentThreadId` reports.
    public let threadID: UInt32
    public let name: String
    package unowned(unsafe) let kernel: Kernel
    /// The same kernel as an `Unmanaged` value, so that a Win32 call can borrow it
    /// (`_withUnsafeGuaranteedRef`) without a reference count: its frames may be abandoned by
    /// an exit, and the hot path should not count what the simulation keeps alive anyway.
    @usableFromInline package let kernelReference: Unmanaged<Kernel>
    /// The process the thread belongs to (the kernel keeps every process for the simulation's
    /// life, so this reference never outlives its object).
    public unowned(unsafe) let process: SimProcess

    /// `GetLastError()` for this thread.
    public var lastError: UInt32 { lastErrorValue }
    /// ``lastError``'s storage: usable from inlinable code, so that `GetLastError` and
    /// `SetLastError` in Win32Surface are one load or store (a public stored property read from
    /// there costs a dynamic exclusivity check, 70 instructions; an accessor called, 10).
    @exclusivity(unchecked) @usableFromInline var lastErrorValue: UInt32 = 0

    /// `SetLastError`.
    @inlinable package func setLastError(_ code: UInt32) { lastErrorValue = code }
    /// ``lastError``, inlined into the caller.
    @inlinable package func lastErrorCode() -> UInt32 { lastErrorValue }

    /// The thread-bound IRPs this thread issued that are still in flight, oldest first.
    @exclusivity(unchecked) var irpList = IRPList()
    /// How many of this thread's IRPs are in flight.
    public var irpCount: Int { irpList.count }

    // Stage-2 completion work queued to this thread, FIFO: a list linked through the IRPs
    // (``IRP/completionNext``), as NT queues the special kernel APC that each IRP carries.
    // Unmanaged: every IRP queued here is in flight, owned by the kernel's lookaside list.
    @exclusivity(unchecked) @usableFromInline var completionHead: Unmanaged<IRP>?
    @exclusivity(unchecked) var completionTail: Unmanaged<IRP>?

    /// User APCs queued to the thread, oldest first; they run only in its alertable waits.
    @exclusivity(unchecked) var userAPCs: [UserAPC] = []
    /// The number of user APCs waiting for an alertable wait.
    public var queuedUserAPCCount: Int { userAPCs.count }

    /// Where the thread is in its life.
    public enum LifeState: Sendable { case notStarted, alive, exited }
    @exclusivity(unchecked) public internal(set) var life: LifeState = .alive
    /// `GetExitCodeThread`: `STILL_ACTIVE` (259) until the thread exits.
    @exclusivity(unchecked) public internal(set) var exitCode: UInt32 = 259
    /// The thread's code, for threads the simulation starts itself.
    @exclusivity(unchecked) var startRoutine: (() -> UInt32)?
    /// Or, for `CreateThread`, its C start routine and parameter (no closure to keep alive).
    @exclusivity(unchecked) var startAddress: (@convention(c) (UnsafeMutableRawPointer?) -> UInt32)?
    @exclusivity(unchecked) var startParameter: UnsafeMutableRawPointer?

    // Scheduling: the baton this thread's OS thread parks on, the host OS thread that runs it
    // (none for the main thread of `Simulation.run`, which runs on the caller's), the kernel
    // depth it was at, its wait's deadline and the status a waker handed it.
    let baton = Baton()
    @exclusivity(unchecked) unowned(unsafe) var host: HostThread?
    /// The fiber that runs the thread (Fiber.swift), from its start until it exits.
    @exclusivity(unchecked) var fiber: OpaquePointer?
    @exclusivity(unchecked) var savedDepth = 0
    @exclusivity(unchecked) var waitDeadline: VirtualInstant?
    @exclusivity(unchecked) var waitSequence: UInt64 = 0
    @exclusivity(unchecked) var waitStatus: NTStatus?
    @exclusivity(unchecked) var osThreadStarted = false
    @exclusivity(unchecked) var terminating = false
    /// Set by kernel32 while this thread issues a request with a status block of its own (no
    /// `OVERLAPPED`): that block is not the program's memory, so memory tracking neither checks
    /// it nor reports it as unchecked. Per thread, because the issue may block and let others run.
    @exclusivity(unchecked) @usableFromInline var issuingWithOwnStatusBlock = false
    /// Sets ``issuingWithOwnStatusBlock`` from kernel32. Inlinable, because `@exclusivity(unchecked)`
    /// holds only for accesses compiled in this module: a store into the property written in
    /// Win32Surface is checked at run time (`swift_beginAccess`), code inlined from here is not.
    @inlinable package func setIssuingWithOwnStatusBlock(_ issuing: Bool) { issuingWithOwnStatusBlock = issuing }

    // Exit: the code `TerminateThread` or `ExitProcess` asked for (the thread exits at its
    // next return to user mode), whether it is exiting now, whether it is the main thread of
    // a process started by `Simulation.runProcess`, and whether it is the main thread of
    // `Simulation.run`, running on the caller's own OS thread (its exit unwinds to `run`).
    @exclusivity(unchecked) @usableFromInline var terminationCode: UInt32? {
        didSet { markOtherUserModeWork(Self.terminationDue, terminationCode != nil) }
    }
    @exclusivity(unchecked) var isExiting = false
    /// Set when the thread's simulation is released while the thread is blocked: it returns from
    /// its wait and through its Win32 call, and leaves for its exit point (SimulationRelease.swift).
    @exclusivity(unchecked) var unwindsForRelease = false
    /// Where an exit inside a user APC goes back to while the APC runs inside a Win32 call
    /// (``runAPCRoutine(_:_:)``).
    @exclusivity(unchecked) var apcExitPoint: UnsafeMutableRawPointer?
    /// Where the thread's exit goes back to while its code runs (``runExitable(_:_:)``).
    @exclusivity(unchecked) var exitPoint: UnsafeMutableRawPointer?
    /// `self === other`, for a thread the caller borrows (`borrowing`), which Swift 6.0 cannot
    /// yet compare by identity itself.
    package func isSame(_ other: SimThread) -> Bool { self === other }
    /// Whether a termination is pending: the thread exits at its next return to user mode.
    @inlinable package var isTerminating: Bool { terminationCode != nil }
    /// Set while a Win32 function runs on this thread (``Kernel/beginWin32Call(_:)``): a
    /// termination found on the way back from the kernel is then carried out at that function's
    /// outermost frame, once every frame of the call has returned, rather than in the innermost.
    /// A thread's exit abandons the frames it leaves, and what they retain stays allocated (in
    /// a debug build, every closure that captures the thread or the kernel retains it).
    @exclusivity(unchecked) @usableFromInline package var inWin32Call = false
    @exclusivity(unchecked) var isProcessMain = false
    @exclusivity(unchecked) var runsOnCallersThread = false
    /// `CREATE_SUSPENDED`: the thread does not start until `ResumeThread` brings this to 0.
    @exclusivity(unchecked) public internal(set) var suspendCount: UInt32 = 0

    /// The completion port the thread is associated with (F-IOCP-21). The kernel keeps every
    /// port it created, so this reference never outlives its object.
    var associatedPort: CompletionPort? {
        get { associatedPortLink?.takeUnretainedValue() }
        set { associatedPortLink = newValue.map(Unmanaged.passUnretained) }
    }
    /// ``associatedPort``, unmanaged, so that a port wait compares it with its port without
    /// reference counting (``isAssociated(with:)``).
    @exclusivity(unchecked) var associatedPortLink: Unmanaged<CompletionPort>?
    /// The packet a port handed this thread when it released it from its wait.
    @exclusivity(unchecked) var releasedPacket: CompletionPacket?

    /// What the thread is blocked on, while it waits (for hang reports).
    @exclusivity(unchecked) var waitingFor: WaitReason?
    /// The objects a `WaitForMultipleObjects` references while it waits (its wait blocks, in
    /// NT's terms): kept here, by the kernel, rather than in the frames of the wait, which a
    /// thread stopped inside it never unwinds.
    @exclusivity(unchecked) var waitObjects: [KernelObject] = []

    init(id: Int, threadID: UInt32, name: String, kernel: Kernel, process: SimProcess) {
        self.threadID = threadID
        self.name = name
        self.kernel = kernel
        self.kernelReference = Unmanaged.passUnretained(kernel)
        self.process = process
        super.init(id: id, kind: .thread)
    }

    /// The IRPs this thread issued that are still in flight, oldest first.
    public var irps: [IRP] { irpList.all }

    @inline(__always) func appendIRP(_ irp: IRP) { irpList.append(irp) }

    @inline(__always) func removeIRP(_ irp: IRP) { irpList.remove(irp) }

    /// `CancelIoEx` requests from other threads, to run in this one, oldest first.
    @exclusivity(unchecked) private(set) var cancelRequests: [CancelRequest] = []

    func queueCancelRequest(_ request: CancelRequest) {
        cancelRequests.append(request)
        markOtherUserModeWork(Self.cancelRequestsDue, true)
    }

    func takeCancelRequest() -> CancelRequest? {
        guard !cancelRequests.isEmpty else { return nil }
        defer { markOtherUserModeWork(Self.cancelRequestsDue, !cancelRequests.isEmpty) }
        return cancelRequests.removeFirst()
    }

    func dropCancelRequests() {
        cancelRequests.removeAll()
        markOtherUserModeWork(Self.cancelRequestsDue, false)
    }

    /// What is due on the way back to user mode besides completions, one bit each (cancel
    /// requests queued, a termination asked for, user APCs due), so that a return from the kernel
    /// tests all of it with one load: ``hasUserModeWork`` is asked at every return, two or three
    /// times a round trip.
    @exclusivity(unchecked) @usableFromInline var otherUserModeWork: UInt8 = 0
    @inlinable static var cancelRequestsDue: UInt8 { 1 }
    @inlinable static var terminationDue: UInt8 { 2 }
    @inlinable static var userAPCsDueBit: UInt8 { 4 }

    @inline(__always) private func markOtherUserModeWork(_ bit: UInt8, _ due: Bool) {
        if due { otherUserModeWork |= bit } else { otherUserModeWork &= ~bit }
    }

    @inlinable var hasCancelRequests: Bool { otherUserModeWork & Self.cancelRequestsDue != 0 }

    @inlinable var hasCompletionWork: Bool { completionHead != nil || hasCancelRequests }

    /// Work for the way back to user mode: completion work, termination, or user APCs.
    @inlinable var hasUserModeWork: Bool { completionHead != nil || otherUserModeWork != 0 }

    /// An alertable wait ended for the queued user APCs: they run on the way back to user mode.
    @inlinable var userAPCsDue: Bool {
        get { otherUserModeWork & Self.userAPCsDueBit != 0 }
        set {
            if newValue { otherUserModeWork |= Self.userAPCsDueBit } else { otherUserModeWork &= ~Self.userAPCsDueBit }
        }
    }

    /// The tracked stack frames the thread has open, outermost first: freed if it exits inside them.
    @exclusivity(unchecked) var openFrames: [StackFrame] = []

    func queueCompletion(_ irp: IRP) {
        let link = Unmanaged.passUnretained(irp)
        irp.completionNext = nil
        if let completionTail { completionTail._withUnsafeGuaranteedRef { $0.completionNext = link } } else { completionHead = link }
        completionTail = link
    }

    func takeCompletion() -> Unmanaged<IRP>? {
        guard let first = completionHead else { return nil }
        completionHead = first._withUnsafeGuaranteedRef { irp in
            defer { irp.completionNext = nil }
            return irp.completionNext
        }
        if completionHead == nil { completionTail = nil }
        return first
    }

    /// Drops the completion work queued (the simulation is released).
    func dropCompletions() {
        completionHead = nil
        completionTail = nil
    }

    // MARK: - The current simulated thread of this OS thread

    /// The simulated thread running on the calling OS thread, if any. This is the one piece of
    /// implicit state (DESIGN.md): the Win32 free functions find their thread, and through it
    /// the kernel, here. One load of a C `_Thread_local` (CHostThreads), unretained: the
    /// kernel's thread list keeps the thread alive.
    public static var current: SimThread? {
        guard let raw = iosim_current_thread() else { return nil }
        return Unmanaged<SimThread>.fromOpaque(raw).takeUnretainedValue()
    }

    /// The current simulated thread of this OS thread, unretained (for paths whose frames may
    /// never return, such as an exit, and for the hot path, which only borrows it). Inlinable:
    /// every Win32 call starts here, and the C call is all it costs.
    @inlinable package static var currentUnmanaged: Unmanaged<SimThread>? {
        iosim_current_thread().map { Unmanaged<SimThread>.fromOpaque($0) }
    }

    /// This OS thread runs no simulated thread any more.
    static func clearCurrent() { iosim_set_current_thread(nil) }

    /// Makes `thread` the current simulated thread of this OS thread; returns the previous one.
    @discardableResult
    static func setCurrent(_ thread: SimThread?) -> SimThread? {
        let previous = current
        iosim_set_current_thread(thread.map { Unmanaged.passUnretained($0).toOpaque() })
        return previous
    }
}

/// What a blocked thread waits for, kept so that a hang can be explained.
enum WaitReason {
    case objects([KernelObject], all: Bool, alertable: Bool)
    case irp(IRP)
    /// Every one of these IRPs through completion processing (or disassociated).
    case irps([IRP])
    /// A synchronous file object's lock, held by another thread's I/O call.
    case fileLock(FileObject)
    /// Another thread to carry out a `CancelIoEx` request.
    case cancelRequest(CancelRequest)
    /// A completion packet from a port.
    case port(CompletionPort, alertable: Bool)
    case sleep(alertable: Bool)
    /// Another thread to release a user-mode lock (a critical section, an SRW lock) or to wake
    /// a condition variable: `NtWaitForAlertByThreadId`, ended by `NtAlertThreadByThreadId`
    /// (Runtime/UserModeLocks.swift).
    case alertByThreadID(UserLock)
    /// Nothing: the thread was preempted at a kernel entry by an exploring strategy
    /// (Perturbation.swift) and may run again whenever the scheduler picks it.
    case preempted

    var isAlertable: Bool {
        switch self {
        case .objects(_, _, let alertable): alertable
        case .irp, .irps, .fileLock, .cancelRequest, .alertByThreadID: false
        case .port(_, let alertable): alertable
        case .sleep(let alertable): alertable
        case .preempted: false
        }
    }

    var description: String {
        switch self {
        case .objects(let objects, let all, let alertable):
            let names = objects.map(\.label).joined(separator: ", ")
            let mode = objects.count > 1 ? (all ? "all of " : "any of ") : ""
            return "\(mode)\(names) to be signalled" + (alertable ? " (alertable)" : " (not alertable)")
        case .irp(let irp):
            return "\(irp.label) (\(irp.major.rawValue) on \(irp.fileObject.label)) to complete"
        case .irps(let irps):
            return irps.map(\.label).joined(separator: ", ") + " to complete"
        case .port(let port, let alertable):
            return "a completion packet from \(port.label)" + (alertable ? " (alertable)" : " (not alertable)")
        case .cancelRequest(let request):
            return "another thread to cancel its I/O on \(request.file.label)"
        case .fileLock(let file):
            return "the lock of synchronous \(file.label), held by \(file.lockOwner?.name ?? "no one")"
        case .alertByThreadID(let lock):
            return lock.waitDescription
        case .preempted:
            return "its turn (preempted at a kernel entry)"
        case .sleep(let alertable):
            return alertable ? "an alertable sleep to end" : "a sleep to end"
        }
    }
}
