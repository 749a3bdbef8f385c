/// Completing an IRP, in NT's two stages (nt-io-model §2.3–§2.5).
///
/// **Stage 1**, ``completeRequest(_:status:information:)``, is `IoCompleteRequest`: the driver
/// hands the IRP back, from any context. It checks that the IRP completes exactly once and then
/// queues stage 2 to the issuing thread.
///
/// **Stage 2**, ``finishCompletion(_:)``, is `IopCompleteRequest`, the special kernel APC that
/// runs in the issuing thread: it writes the caller's status block and buffer, signals the
/// event or the file object, and releases the IRP's reference to the file object. A request
/// completed synchronously gets stage 2 inline, before its system call returns.
extension Kernel {
    func completeRequest(_ irp: IRP, status: NTStatus, information: Int) {
        guard irp.isInDriver else {
            bugCheck(BugCheck.multipleIRPCompleteRequests, "MULTIPLE_IRP_COMPLETE_REQUESTS", irp: irp,
                     "the driver completed the IRP again (first \(irp.status), now \(status)); the second completion is ignored")
            return
        }
        if status == .pending {
            bugCheck(BugCheck.ioManagerViolation, "DRIVER_VERIFIER_IOMANAGER_VIOLATION", irp: irp,
                     "IoCompleteRequest with STATUS_PENDING; the completion is ignored")
            return
        }
        if irp.isCancelRoutineArmed {
            bugCheck(BugCheck.ioManagerViolation, "DRIVER_VERIFIER_IOMANAGER_VIOLATION", irp: irp,
                     "IoCompleteRequest with a cancel routine still armed; the routine is disarmed")
            irp.cancelRoutine = nil
        }
        let synchronous = irp.state == .dispatching && !irp.isMarkedPending
        let information = max(0, information)  // a driver's negative count is reported as 0
        irp.status = status
        irp.information = information
        irp.state = .completed
        if tracing { record(.irpCompleted(irp: irp.id, status: status, information: information)) }
        // A synchronous completion gets stage 2 from the system call itself.
        guard !synchronous else { return }
        // The common case inline: a request of a thread, to that thread's completion work.
        if !irp.isThreadAgnostic, let thread = irp.thread.map(Unmanaged.passUnretained) {
            thread._withUnsafeGuaranteedRef { $0.queueCompletion(irp) }
            return
        }
        deliverLater(irp)
    }

    /// Sends a completed IRP on to its completion processing: to its port as a packet
    /// (thread-agnostic), to its issuing thread, or, with no thread left, retired silently.
    /// Inlined, so that a thread-agnostic request's packet is queued from `IoCompleteRequest`
    /// itself (a call of its own cost 16 instructions a port round trip).
    @inline(__always) func deliverLater(_ irp: IRP) {
        // A thread-agnostic request goes to its port as a packet; the thread that dequeues it
        // finishes its completion processing (nt-io-model §2.3, §2.6).
        // The port borrowed: the file object's binding keeps it.
        if irp.isThreadAgnostic, let port = irp.fileObject.completionPort.map(Unmanaged.passUnretained) {
            return queueAgnosticPacket(irp, to: port)
        }
        deliverToThread(irp)
    }

    /// ``deliverLater(_:)`` for a request that is not going to a port: to its issuing thread,
    /// or, with no thread left, retired silently.
    @inline(never) private func deliverToThread(_ irp: IRP) {
        guard let thread = irp.thread else {
            // Disassociated from a thread that exited (or the I/O manager's own cleanup IRP):
            // IopCleanupIrp frees it without any notification (nt-io-model §2.3, §4.2).
            if irp.major.transfersData { retireSilently(irp) }
            return
        }
        thread.queueCompletion(irp)
    }

    func retireSilently(_ irp: IRP) {
        unlink(irp)
        if memoryTracking {
            releaseBuffer(of: irp)
            releaseOverlapped(of: irp)
        }
        irp.state = .delivered
        irp.fileObject.liveIRPCount &-= 1
        if tracing { record(.irpDelivered(irp: irp.id, notified: false)) }
        if let event = irp.userEvent { dereference(event, by: "I/O request") }
        dereference(irp.fileObject, by: "I/O request")
        irpLookaside.free(irp)
    }

    /// Takes the IRP off the list it lives on: its thread's, or its file object's.
    @inline(__always) func unlink(_ irp: IRP) {
        if irp.isThreadAgnostic {
            irp.fileObject.agnosticList.remove(irp)
        } else {
            // The thread borrowed: the IRP's reference keeps it alive.
            irp.thread.map(Unmanaged.passUnretained)?._withUnsafeGuaranteedRef { $0.removeIRP(irp) }
        }
    }

    /// Runs the completion work queued to `thread`, oldest first.
    /// Inlined where the thread returns to user mode and where it issues or waits, so that a
    /// completion's processing is one call from there.
    @inline(__always) func runCompletionWork(of thread: SimThread) {
        if thread.hasCancelRequests { runCancelRequests(of: thread) }
        while let irp = thread.takeCompletion() { irp._withUnsafeGuaranteedRef { finishCompletion($0) } }
    }

    /// The `CancelIoEx` requests other threads queued to `thread`, oldest first.
    @inline(never) private func runCancelRequests(of thread: SimThread) {
        while let request = thread.takeCancelRequest() {
            cancelRequest(request, in: thread)
        }
    }

    /// Stage 2. The caller is notified if the request succeeded (or warned), or failed after
    /// its system call had returned `STATUS_PENDING`; a synchronous failure notifies nothing
    /// and leaves the `OVERLAPPED` as the caller left it (`Internal` = `STATUS_PENDING`).
    /// When notifying, in the order DESIGN.md fixes: the status block, the data, the event
    /// (or the file object), and last the release of the file object reference.
    func finishCompletion(_ irp: IRP) { finishCompletionInline(irp) }

    /// ``finishCompletion(_:)`` inlined into its caller: the dequeue of a thread-agnostic
    /// request's packet, which finishes it (one call fewer a port round trip).
    @inline(__always) func finishCompletionInline(_ irp: IRP) {
        guard irp.state == .completed else { return }
        // The file object borrowed, not retained: the IRP's reference keeps it alive until the end.
        #if DEBUG
        // Unoptimised, a nested function's context is heap memory (see withCurrentThread).
        Unmanaged.passUnretained(irp.fileObject)._withUnsafeGuaranteedRef { finishCompletion(irp, file: $0) }
        #else
        // Optimised, a nested function marked for inlining: the closure was compiled as a
        // function of its own, called from each site.
        @inline(__always) func finish(_ file: FileObject) { finishCompletion(irp, file: file) }
        Unmanaged.passUnretained(irp.fileObject)._withUnsafeGuaranteedRef(finish)
        #endif
    }

    @inline(__always) private func finishCompletion(_ irp: IRP, file: FileObject) {
        unlink(irp)
        irp.state = .delivered
        file.liveIRPCount &-= 1

        // Create and cleanup report their status through the system call that waited for them.
        guard irp.major.transfersData else {
            irpLookaside.free(irp)
            return
        }
        let status = irp.status
        let event = irp.userEvent.map(Unmanaged.passUnretained)
        let notify = !status.isError || (irp.pendingReturned && !irp.synchronousAPI)
        if notify {
            if let ioStatus = irp.userIOSB { writeIOStatus(ioStatus, status: status, information: irp.information, for: irp) }
            if irp.major.returnsData, !status.isError, let buffer = irp.userBuffer {
                let held = irp.systemBufferCount
                let available = irp.systemBufferRepeats && held > 0 ? Int.max : held
                let count = min(irp.information, irp.length, available)
                if count > 0 {
                    // The system buffer's bytes in place, in the IRP's own storage.
                    writeUserBuffer(buffer, from: UnsafeRawBufferPointer(irp.systemBufferBytes), count: count,
                                    repeating: irp.systemBufferRepeats, for: irp)
                }
            }
            if file.isSynchronous {
                file.finalStatus = status
                // Only a transfer moves the position: a control's or a lock's count is not bytes
                // of the file, and a lock's offset is the range's.
                if status.isSuccess && (irp.major == .read || irp.major == .write) {
                    file.currentByteOffset = (irp.byteOffset ?? file.currentByteOffset) &+ UInt64(irp.information)
                }
            }
            // The file object's event, unless FILE_SKIP_SET_EVENT_ON_HANDLE (F-SIG-4): set when
            // the request has no event of its own, and on a synchronous file object for every
            // completion (F-SYNC-3).
            let signalsFile = (event == nil || file.isSynchronous)
                && file.notificationModes & FileObject.skipSetEventOnHandle == 0
            // The event borrowed: the IRP's reference keeps it alive until the end.
            if let event { event._withUnsafeGuaranteedRef { signal($0) } }
            if signalsFile { signal(file) }
            // Exactly one channel: the caller's APC routine, or else a packet to the file's
            // port, if the request has a completion context (not for hEvent|1, F-SIG-5) and did
            // not succeed at once with FILE_SKIP_COMPLETION_PORT_ON_SUCCESS (F-SKIP-1). A
            // thread-agnostic request that pended is already on its way to the port.
            if let routine = irp.apcRoutine, let thread = irp.thread {
                queueUserAPC(UserAPC(routine: routine, context: irp.apcContext, argument1: irp.userIOSB, argument2: nil,
                                     kind: .ioCompletion(irp: irp.id, status: status), irp: irp),
                             to: thread)
                irp.notificationCarriesOverlapped = true
            } else if let port = file.completionPort.map(Unmanaged.passUnretained), irp.apcContext != nil,
                      !(irp.isThreadAgnostic && irp.pendingReturned)
            {
                queueCompletionPacket(of: irp, file: file, to: port)
            }
        } else if file.isSynchronous {
            file.finalStatus = status
        }
        if memoryTracking { releaseHeldMemory(of: irp) }
        if tracing { record(.irpDelivered(irp: irp.id, notified: notify)) }
        if let event { event._withUnsafeGuaranteedRef { dereference($0, by: "I/O request") } }
        dereference(file, by: "I/O request")
        irpLookaside.free(irp)
    }
}
