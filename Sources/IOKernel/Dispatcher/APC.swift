/// A user-mode APC routine, in NT's "normal routine" shape: `(NormalContext, SystemArgument1,
/// SystemArgument2)`. An I/O completion APC is called as `(ApcContext, IoStatusBlock, nil)`;
/// kernel32 passes a routine of its own there that calls the caller's completion routine.
public typealias APCRoutine = @convention(c) (UnsafeMutableRawPointer?, UnsafeMutableRawPointer?, UnsafeMutableRawPointer?) -> Void

/// A user-mode APC queued to a thread: a completion routine (`ReadFileEx`) or a `QueueUserAPC`
/// routine. It runs only when its thread waits alertably (win32-facts F-APC-1).
struct UserAPC {
    let routine: APCRoutine
    let context: UnsafeMutableRawPointer?
    let argument1: UnsafeMutableRawPointer?
    let argument2: UnsafeMutableRawPointer?
    let kind: Kind
    /// The request whose completion routine this is: it holds its `OVERLAPPED` until then.
    var irp: IRP? = nil
    /// Where it was queued, for a report if it is never delivered: the queuing thread and the
    /// virtual time.
    var queuedBy: String? = nil
    var queuedAt = VirtualInstant.zero

    /// What the APC is for, in the trace and in hang reports.
    enum Kind {
        /// The completion routine of an I/O request (`ReadFileEx`, `WriteFileEx`).
        case ioCompletion(irp: Int, status: NTStatus)
        /// A routine queued with `QueueUserAPC`.
        case queued
    }

    /// Where it came from, as a report says it: `queued by main at 10 ms`.
    var origin: String { "queued by \(queuedBy ?? "the kernel") at \(queuedAt)" }

    var label: String {
        switch kind {
        case .ioCompletion(let irp, let status): "completion routine of IRP#\(irp) (\(status))"
        case .queued: "QueueUserAPC routine"
        }
    }
}

extension Kernel {
    /// Queues a user APC to `thread`, FIFO (F-APC-6).
    func queueUserAPC(_ apc: UserAPC, to thread: SimThread) {
        var apc = apc
        apc.queuedBy = current?.name
        apc.queuedAt = now
        thread.userAPCs.append(apc)
        if tracing { record(.apcQueued(thread: thread.name, apc: apc.label)) }
    }

    /// Runs every user APC queued to the running thread, oldest first, including those queued
    /// while they run (an alertable wait drains the queue, F-APC-3). APC routines are user
    /// code: they run outside the kernel, so their own Win32 calls behave as at top level.
    func deliverUserAPCs(_ thread: SimThread) {
        let savedDepth = depth
        depth = 0
        // The routines are user-mode code: a Win32 call they make is an outermost one, where a
        // termination found inside it is carried out (``SimThread/inWin32Call``).
        let savedInWin32Call = thread.inWin32Call
        thread.inWin32Call = false
        defer {
            depth = savedDepth
            thread.inWin32Call = savedInWin32Call
        }
        while !thread.userAPCs.isEmpty {
            let apc = thread.userAPCs.removeFirst()
            if tracing { record(.apcDelivered(thread: thread.name, apc: apc.label)) }
            // kernel32 reads the request's status out of the OVERLAPPED to call the routine, so
            // the block stays the arena's until the routine returns, even if it was freed.
            var pinned: Int32 = -1
            if memoryTracking, let irp = apc.irp {
                checkHandedOut(apc.argument1, irp: irp, to: "the completion routine of IRP#\(irp.id)")
                pinned = irp.overlappedBlock
                if pinned >= 0 { memory.pin(pinned) }
                releaseOverlapped(of: irp)
            }
            // Inside a Win32 call, a routine that exits the thread comes back here, and the call
            // returns through its frames to its outermost one, where the thread exits.
            let exited = savedInWin32Call
                ? runAPCRoutine(thread) { apc.routine(apc.context, apc.argument1, apc.argument2) }
                : { apc.routine(apc.context, apc.argument1, apc.argument2); return false }()
            if pinned >= 0 { memory.unpin(pinned) }
            if exited { break }
        }
    }

    /// `NtQueueApcThread`: queues `routine(context, argument1, argument2)` to the thread a
    /// handle names (`GetCurrentThread()` names the running thread).
    package func ntQueueApcThread(_ handle: UInt, routine: APCRoutine, context: UnsafeMutableRawPointer?,
                                  argument1: UnsafeMutableRawPointer?, argument2: UnsafeMutableRawPointer?) -> NTStatus
    {
        let target: SimThread
        if handle == UInt.max - 1, let thread = current {
            target = thread
        } else {
            guard let object = handles.lookup(handle) else { return .invalidHandle }
            guard let thread = object as? SimThread else { return .objectTypeMismatch }
            target = thread
        }
        // A thread that has exited (or is exiting) takes no APCs (F-APC-7: ERROR_GEN_FAILURE).
        guard target.life != .exited, !target.isExiting, target.terminationCode == nil else { return .unsuccessful }
        queueUserAPC(UserAPC(routine: routine, context: context, argument1: argument1, argument2: argument2, kind: .queued),
                     to: target)
        return .success
    }
}
