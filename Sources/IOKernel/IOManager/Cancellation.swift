/// Cancellation is a request, not an outcome (nt-io-model §3).
///
/// `IoCancelIrp` sets the IRP's cancel flag and, if the driver armed a cancel routine, takes the
/// routine and calls it. Nothing else: the IRP completes when its driver completes it, as
/// cancelled, later, normally, or never. The Win32 entry points find the IRPs to cancel and
/// never wait for them (unless ``SimulationOptions/cancelIoWaitsForCompletion`` is set).
extension Kernel {
    /// `IoCancelIrp`. Returns whether a cancel routine was called.
    @discardableResult
    func cancelIRP(_ irp: IRP) -> Bool {
        guard irp.isInDriver else { return false }
        irp.isCancelRequested = true
        let routine = irp.cancelRoutine
        irp.cancelRoutine = nil
        if tracing { record(.cancelRequested(irp: irp.id, cancelRoutineCalled: routine != nil)) }
        routine?.cancel(irp, driverContext)
        return routine != nil
    }

    /// `NtCancelIoFile` (`CancelIo`): cancels the requests the *calling thread* issued on the
    /// handle's file object. Always succeeds for a valid handle, whether or not anything was
    /// found (win32-facts F-CAN-1, F-CAN-2).
    package func ntCancelIoFile(handle: UInt) -> NTStatus {
        guard let thread = current else { return .invalidHandle }
        guard let object = handles.lookup(handle) else { return .invalidHandle }
        guard let file = object as? FileObject else { return .objectTypeMismatch }
        // The caller's thread-bound requests, then its thread-agnostic ones on the file object.
        let matching = thread.irps.filter { $0.fileObject === file && $0.isInDriver && $0.major.transfersData }
            + file.agnosticIRPs.filter { $0.thread === thread && $0.isInDriver }
        for irp in matching { cancelIRP(irp) }
        if options.cancelIoWaitsForCompletion, !matching.isEmpty {
            _ = waitUntil(thread, reason: .irps(matching), deadline: nil)
        }
        return .success
    }

    /// `NtCancelIoFileEx` (`CancelIoEx`): cancels the requests on the handle's file object
    /// issued by any thread of the process, optionally only those whose status block is
    /// `ioStatus` (the `OVERLAPPED`). A request the driver has already completed is not found,
    /// even if its completion processing has not run yet. `STATUS_NOT_FOUND` when nothing
    /// matched (win32-facts F-CAN-5 … F-CAN-7).
    ///
    /// Threads are processed one at a time, in creation order. The caller's own requests are
    /// cancelled directly; another thread's are cancelled *in that thread*, by work queued to it
    /// (NT queues it a special kernel APC), and the caller waits until that work has run. Meanwhile
    /// that thread runs on, so it can start new I/O on the file before the threads after it are
    /// processed: the race "Canceling Pending I/O Operations" describes (F-CAN-14).
    package func ntCancelIoFileEx(handle: UInt, ioStatus: UnsafeMutableRawPointer?) -> NTStatus {
        guard let caller = current else { return .invalidHandle }
        guard let object = handles.lookup(handle) else { return .invalidHandle }
        guard let file = object as? FileObject else { return .objectTypeMismatch }
        var found = false
        for thread in threads where thread.life == .alive {
            let request = CancelRequest(file: file, ioStatus: ioStatus)
            guard thread.irps.contains(where: request.matches) else { continue }
            if thread === caller {
                cancelRequest(request, in: thread)
            } else {
                thread.queueCancelRequest(request)
                _ = waitUntil(caller, reason: .cancelRequest(request), deadline: nil)
            }
            found = found || request.found
        }
        // Thread-agnostic requests live on the file object: cancelled here, by the caller.
        let agnostic = CancelRequest(file: file, ioStatus: ioStatus)
        for irp in file.agnosticIRPs.filter(agnostic.matches) {
            found = true
            cancelIRP(irp)
        }
        return found ? .success : .notFound
    }

    /// Runs a cancel request in the thread whose requests it targets.
    func cancelRequest(_ request: CancelRequest, in thread: SimThread) {
        for irp in thread.irps.filter(request.matches) {
            request.found = true
            cancelIRP(irp)
        }
        request.isDone = true
    }

    /// `NtCancelSynchronousIoFile` (`CancelSynchronousIo`): cancels the synchronous request the
    /// target thread is blocked in (a read or write on a synchronous file object, or an open).
    /// It does not wait. `STATUS_NOT_FOUND` when the thread is not in synchronous I/O, including
    /// a thread waiting for a synchronous file object's lock (no IRP exists yet) and a thread
    /// whose only I/O is overlapped (win32-facts F-CAN-15, F-CAN-16).
    package func ntCancelSynchronousIoFile(thread handle: UInt) -> NTStatus {
        guard let target = thread(forHandle: handle) else { return .invalidHandle }
        let matching = target.irps.filter { $0.isInDriver && ($0.major == .create || $0.fileObject.isSynchronous) }
        for irp in matching { cancelIRP(irp) }
        return matching.isEmpty ? .notFound : .success
    }
}

/// A `CancelIoEx` request to be carried out in one thread: which file object, which
/// `OVERLAPPED`, and whether it found anything.
@usableFromInline final class CancelRequest {
    let file: FileObject
    let ioStatus: UnsafeMutableRawPointer?
    var found = false
    @exclusivity(unchecked) var isDone = false

    init(file: FileObject, ioStatus: UnsafeMutableRawPointer?) {
        self.file = file
        self.ioStatus = ioStatus
    }

    func matches(_ irp: IRP) -> Bool {
        irp.fileObject === file && irp.isInDriver && irp.major.transfersData && (ioStatus == nil || irp.userIOSB == ioStatus)
    }
}
