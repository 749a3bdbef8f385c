/// The I/O manager's system services: open a device, issue a read or write.
extension Kernel {
    /// Installs a device under `path` (e.g. `\\.\slow`), matched case-insensitively by
    /// `CreateFile`.
    func installDevice(path: String, driver: any Driver, requiresByteOffset: Bool) -> Device {
        let device = Device(path: path, driver: driver, requiresByteOffset: requiresByteOffset)
        devices[path.lowercased()] = device
        installedDrivers.append(driver)
        driver.installed(on: device, driverContext)
        return device
    }

    /// `NtCreateFile` on a device path: looks the device up, creates a file object, sends
    /// `IRP_MJ_CREATE` (the caller waits while the driver pends it) and, on success, returns a
    /// handle. An unknown path is `STATUS_OBJECT_NAME_NOT_FOUND`.
    package func ntCreateFile(path: String, access: UInt32, synchronous: Bool) -> (NTStatus, UInt) {
        let (status, handle, _) = ntCreateFile(CreateParameters(fileName: path, desiredAccess: access), synchronous: synchronous)
        return (status, handle)
    }

    /// `NtCreateFile` (and `NtCreateNamedPipeFile`, when `parameters.namedPipe` is set). The path
    /// is routed to an installed device, else to the named-pipe file system (`\\.\pipe\…`),
    /// else to the simulated disk volume (``device(forPath:creatingPipe:)``). Returns the status,
    /// the handle and the create's information (`FILE_CREATED`, `FILE_OPENED`, …).
    package func ntCreateFile(_ parameters: CreateParameters, synchronous: Bool) -> (NTStatus, UInt, information: Int) {
        guard let thread = current else { return (.invalidHandle, 0, 0) }
        guard let device = device(forPath: parameters.fileName, creatingPipe: parameters.namedPipe != nil) else {
            return (parameters.namedPipe != nil ? .objectNameInvalid : .objectNameNotFound, 0, 0)
        }
        let access = parameters.desiredAccess
        let file = FileObject(id: takeObjectID(), device: device, synchronous: synchronous, access: access)
        let irp = allocateIRP(.create, fileObject: file, thread: thread, synchronousAPI: true)
        irp.createParameters = parameters
        if tracing { trace.noteFile(file.id, openedAs: parameters.fileName) }
        thread.appendIRP(irp)
        file.liveIRPCount &+= 1
        if tracing { record(.irpIssued(irp: irp.id, major: .create, file: file.id)) }
        let status = callDriver(irp) { device.driver.create(irp, driverContext) }
        let final = status == .pending ? waitForSynchronousIRP(irp, thread) : status
        if irp.state == .completed { finishCompletion(irp) }
        guard final.isSuccess else {
            // The open failed: the file object never had a handle and the driver never saw it
            // opened, so it is discarded without IRP_MJ_CLOSE.
            file.isDeleted = true
            return (final, 0, 0)
        }
        fileObjects.append(file)
        return (final, insertHandle(file, access: access), irp.information)
    }

    /// `NtReadFile` without an APC routine, as `ReadFile` calls it: the round trips' hot path,
    /// with the whole issue path inlined and specialised (no routine to carry or check, two
    /// words fewer passed on the stack).
    /// `event` is a handle value, 0 for none (NT's `Event` = `NULL`): one word, not an optional's two.
    package func ntReadFile(handle: UInt, event: UInt, apcContext: UnsafeMutableRawPointer? = nil,
                            ioStatus: UnsafeMutableRawPointer?, buffer: UnsafeMutableRawPointer?, length: Int,
                            byteOffset: UInt64?) -> NTStatus
    {
        issueTransfer(.read, handle: handle, event: event == 0 ? nil : event, apcRoutine: nil, apcContext: apcContext, ioStatus: ioStatus,
                      buffer: buffer, length: length, byteOffset: byteOffset, controlCode: 0, watchesSubtree: false,
                      controlInput: nil)
    }

    /// ``ntReadFile(handle:event:apcContext:ioStatus:buffer:length:byteOffset:)`` with the event
    /// as an optional handle (nil for none).
    package func ntReadFile(handle: UInt, event: UInt?, apcContext: UnsafeMutableRawPointer? = nil,
                            ioStatus: UnsafeMutableRawPointer?, buffer: UnsafeMutableRawPointer?, length: Int,
                            byteOffset: UInt64?) -> NTStatus
    {
        ntReadFile(handle: handle, event: event ?? 0, apcContext: apcContext, ioStatus: ioStatus, buffer: buffer,
                   length: length, byteOffset: byteOffset)
    }

    /// `NtReadFile` with an APC routine, as `ReadFileEx` calls it: `apcRoutine(apcContext,
    /// ioStatus, nil)` is queued to the calling thread as a user APC when the request completes
    /// and notifies.
    package func ntReadFile(handle: UInt, event: UInt?, apcRoutine: APCRoutine,
                            apcContext: UnsafeMutableRawPointer? = nil, ioStatus: UnsafeMutableRawPointer?,
                            buffer: UnsafeMutableRawPointer?, length: Int, byteOffset: UInt64?) -> NTStatus
    {
        transfer(.read, handle: handle, event: event, apcRoutine: apcRoutine, apcContext: apcContext, ioStatus: ioStatus,
                 buffer: buffer, length: length, byteOffset: byteOffset)
    }

    /// `NtWriteFile` without an APC routine, as `WriteFile` calls it (inlined whole, as
    /// ``ntReadFile(handle:event:apcContext:ioStatus:buffer:length:byteOffset:)`` is).
    package func ntWriteFile(handle: UInt, event: UInt, apcContext: UnsafeMutableRawPointer? = nil,
                             ioStatus: UnsafeMutableRawPointer?, buffer: UnsafeRawPointer?, length: Int,
                             byteOffset: UInt64?) -> NTStatus
    {
        issueTransfer(.write, handle: handle, event: event == 0 ? nil : event, apcRoutine: nil, apcContext: apcContext, ioStatus: ioStatus,
                      buffer: UnsafeMutableRawPointer(mutating: buffer), length: length, byteOffset: byteOffset, controlCode: 0,
                      watchesSubtree: false, controlInput: nil)
    }

    /// `NtWriteFile` with an APC routine, as `WriteFileEx` calls it.
    package func ntWriteFile(handle: UInt, event: UInt?, apcRoutine: APCRoutine,
                             apcContext: UnsafeMutableRawPointer? = nil, ioStatus: UnsafeMutableRawPointer?,
                             buffer: UnsafeRawPointer?, length: Int, byteOffset: UInt64?) -> NTStatus
    {
        transfer(.write, handle: handle, event: event, apcRoutine: apcRoutine, apcContext: apcContext, ioStatus: ioStatus,
                 buffer: UnsafeMutableRawPointer(mutating: buffer), length: length, byteOffset: byteOffset)
    }

    /// Issues a read or write, in the order nt-io-model §2.1 gives: reference the file object by
    /// handle; reference and reset the caller's event; check the offset rules; clear the file
    /// object's event; probe the buffer; build the IRP on the issuing thread's list; call the
    /// driver. A request the driver completes at once gets its completion processing before
    /// this returns; on a synchronous file object the caller waits for a pending one.
    func transfer(_ major: MajorFunction, handle: UInt, event eventHandle: UInt?, apcRoutine: APCRoutine?,
                  apcContext: UnsafeMutableRawPointer?, ioStatus: UnsafeMutableRawPointer?, buffer: UnsafeMutableRawPointer?, length: Int,
                  byteOffset: UInt64?, controlCode: UInt32 = 0, watchesSubtree: Bool = false,
                  controlInput: ControlInput? = nil) -> NTStatus
    {
        issueTransfer(major, handle: handle, event: eventHandle, apcRoutine: apcRoutine, apcContext: apcContext, ioStatus: ioStatus,
                      buffer: buffer, length: length, byteOffset: byteOffset, controlCode: controlCode,
                      watchesSubtree: watchesSubtree, controlInput: controlInput)
    }

    /// ``transfer(_:handle:event:apcRoutine:apcContext:ioStatus:buffer:length:byteOffset:controlCode:watchesSubtree:controlInput:)``
    /// inlined: `NtReadFile` and `NtWriteFile`, the round trips' hot path, each get a copy of
    /// their own, specialised to their major function, with no call between the system service
    /// and the driver.
    @inline(__always)
    private func issueTransfer(_ major: MajorFunction, handle: UInt, event eventHandle: UInt?, apcRoutine: APCRoutine?,
                               apcContext: UnsafeMutableRawPointer?, ioStatus: UnsafeMutableRawPointer?,
                               buffer: UnsafeMutableRawPointer?, length: Int, byteOffset: UInt64?, controlCode: UInt32,
                               watchesSubtree: Bool, controlInput: ControlInput?) -> NTStatus
    {
        // The running thread borrowed (the kernel's thread list keeps it), and through it its
        // process's handle table: no reference counting on the way in.
        guard let running = runningThread else { return .invalidHandle }
        return running._withUnsafeGuaranteedRef { thread -> NTStatus in
            Unmanaged.passUnretained(thread.process.handles)._withUnsafeGuaranteedRef { handles in
                transfer(major, thread, handles: handles, handle: handle, event: eventHandle,
                         apcRoutine: apcRoutine, apcContext: apcContext, ioStatus: ioStatus, buffer: buffer, length: length,
                         byteOffset: byteOffset, controlCode: controlCode, watchesSubtree: watchesSubtree,
                         controlInput: controlInput)
            }
        }
    }

    @inline(__always)
    private func transfer(_ major: MajorFunction, _ thread: SimThread, handles: HandleTable, handle: UInt,
                          event eventHandle: UInt?, apcRoutine: APCRoutine?, apcContext: UnsafeMutableRawPointer?,
                          ioStatus: UnsafeMutableRawPointer?, buffer: UnsafeMutableRawPointer?, length: Int,
                          byteOffset: UInt64?, controlCode: UInt32, watchesSubtree: Bool,
                          controlInput: ControlInput?) -> NTStatus
    {
        // ObReferenceObjectByHandle for the file object and the event, with the objects borrowed
        // from the handle table rather than retained: the table keeps them alive meanwhile.
        guard let fileEntry = handles.unretainedObject(handle) else { return .invalidHandle }
        guard fileEntry._withUnsafeGuaranteedRef({ $0.kind }) == .file else { return .objectTypeMismatch }
        let fileReference = Unmanaged<FileObject>.fromOpaque(fileEntry.toOpaque())
        return fileReference._withUnsafeGuaranteedRef { file -> NTStatus in
            reference(file, by: "I/O request")

            // An APC routine on a port-bound file object is rejected (F-RFX-8).
            if apcRoutine != nil && file.completionPort != nil {
                dereference(file, by: "I/O request")
                return .invalidParameter
            }

            // The event, borrowed as the file object is: checked, referenced and reset here, and
            // carried unretained (the IRP's own reference is its pointer count).
            var event: Unmanaged<EventObject>?
            if let eventHandle {
                guard let eventEntry = handles.unretainedObject(eventHandle) else {
                    dereference(file, by: "I/O request")
                    return .invalidHandle
                }
                guard eventEntry._withUnsafeGuaranteedRef({ $0.kind }) == .event else {
                    dereference(file, by: "I/O request")
                    return .objectTypeMismatch
                }
                let eventReference = Unmanaged<EventObject>.fromOpaque(eventEntry.toOpaque())
                eventReference._withUnsafeGuaranteedRef { event in
                    reference(event, by: "I/O request")
                    event.signaled = false
                }
                event = eventReference
            }
            return issue(major, thread, file, event, apcRoutine: apcRoutine, apcContext: apcContext, ioStatus: ioStatus,
                         buffer: buffer, length: length, byteOffset: byteOffset, controlCode: controlCode,
                         watchesSubtree: watchesSubtree, controlInput: controlInput)
        }
    }

    /// The rest of ``transfer``, once the file object and the event are referenced: the offset
    /// rules, the file object's event, the buffer probe, the IRP on its list, the driver.
    @inline(__always)
    private func issue(_ major: MajorFunction, _ thread: SimThread, _ file: FileObject, _ event: Unmanaged<EventObject>?,
                       apcRoutine: APCRoutine?, apcContext: UnsafeMutableRawPointer?, ioStatus: UnsafeMutableRawPointer?,
                       buffer: UnsafeMutableRawPointer?, length: Int, byteOffset: UInt64?, controlCode: UInt32,
                       watchesSubtree: Bool, controlInput: ControlInput?) -> NTStatus
    {
        var offset = byteOffset
        if file.isSynchronous {
            // Serialise with other threads' calls on this file object, before any IRP exists.
            if file.lockOwner != nil && file.lockOwner !== thread {
                let locked = waitUntil(thread, reason: .fileLock(file), deadline: nil)
                guard locked == .success else { return failIssue(file, event, locked) }
            }
            file.lockOwner = thread
            if offset == nil { offset = file.currentByteOffset }
        } else if offset == nil && file.device.requiresByteOffset && (major == .read || major == .write) {
            return failIssue(file, event, .invalidParameter)
        }
        file.signaled = false
        // A lock request has no buffer: its length is the range's.
        if buffer == nil && length > 0 && major != .lockControl {
            return failIssue(file, event, major.returnsData ? .accessViolation : .invalidUserBuffer)
        }
        if let buffer, !probeUserBuffer(buffer, count: length, writing: major.returnsData, call: major.callName) {
            return failIssue(file, event, .accessViolation)
        }
        // A control's input buffer is read whole at issue (METHOD_BUFFERED): probed here.
        if let controlInput, !probeUserBuffer(controlInput.address, count: controlInput.count, writing: false, call: major.callName) {
            return failIssue(file, event, .accessViolation)
        }

        // The IRP borrowed from the lookaside list, which keeps it until it is freed.
        return allocateUnretainedIRP(major, fileObject: file, thread: thread, length: length, byteOffset: offset,
                                     userIOSB: ioStatus, userBuffer: buffer, userEvent: event, synchronousAPI: false)
            ._withUnsafeGuaranteedRef { irp in
                issue(irp, thread, file, event, apcRoutine: apcRoutine, apcContext: apcContext, ioStatus: ioStatus,
                      buffer: buffer, length: length, controlCode: controlCode, watchesSubtree: watchesSubtree,
                      controlInput: controlInput)
            }
    }

    /// The rest of ``issue``, with the IRP built: its parameters, its list, the driver, and the
    /// completion or the wait.
    @inline(__always)
    private func issue(_ irp: IRP, _ thread: SimThread, _ file: FileObject, _ event: Unmanaged<EventObject>?, apcRoutine: APCRoutine?,
                       apcContext: UnsafeMutableRawPointer?, ioStatus: UnsafeMutableRawPointer?,
                       buffer: UnsafeMutableRawPointer?, length: Int, controlCode: UInt32, watchesSubtree: Bool,
                       controlInput: ControlInput?) -> NTStatus
    {
        let major = irp.major
        irp.apcRoutine = apcRoutine
        irp.apcContext = apcContext
        irp.controlCode = controlCode
        irp.watchesSubtree = watchesSubtree
        irp.isThreadAgnostic = event == nil && apcContext != nil && apcRoutine == nil && file.completionPort != nil
            && !file.isSynchronous
        if major == .write, let buffer, length > 0 { captureUserBuffer(buffer, count: length, into: irp) }
        // A control's input goes to the system buffer, where the driver finds it.
        if let controlInput, controlInput.count > 0 {
            captureUserBuffer(controlInput.address, count: controlInput.count, into: irp)
        }
        if memoryTracking { trackIssue(irp) }
        if irp.isThreadAgnostic { file.agnosticList.append(irp) } else { thread.appendIRP(irp) }
        file.liveIRPCount &+= 1
        if tracing { record(.irpIssued(irp: irp.id, major: major, file: file.id)) }

        let returned = callDriver(irp) { dispatch(irp, on: file.device) }
        // A request completed synchronously is not on any completion queue: it stays completed,
        // and allocated (so the borrowed IRP stays valid), through the completion work below.
        let completedInline = returned != .pending && irp.state == .completed
        // Requests of this thread that the call completed (a write satisfying the thread's own
        // pending read) finish now, before this request does: NT queues their completion as a
        // special kernel APC to the running thread at PASSIVE_LEVEL, which is delivered at once
        // (nt-io-model §2.3).
        if thread.hasCompletionWork { runCompletionWork(of: thread) }
        if returned != .pending {
            // Synchronous completion: completion processing runs inline, before the system
            // call returns (IRP_DEFER_IO_COMPLETION, nt-io-model §2.4).
            if completedInline { finishCompletion(irp) }
            if file.lockOwner === thread { file.lockOwner = nil }
            return returned
        }
        guard file.isSynchronous else { return .pending }
        // The waiting thread holds the IRP: once it is freed, other threads that run meanwhile
        // may take its slot.
        let held = Unmanaged.passUnretained(irp).retain()
        let final = waitForSynchronousIRP(irp, thread)
        held.release()
        if file.lockOwner === thread { file.lockOwner = nil }
        return final
    }

    private func failIssue(_ file: FileObject, _ event: Unmanaged<EventObject>?, _ status: NTStatus) -> NTStatus {
        if file.lockOwner === current { file.lockOwner = nil }
        event?._withUnsafeGuaranteedRef { dereference($0, by: "I/O request") }
        dereference(file, by: "I/O request")
        return status
    }

    /// Calls a dispatch routine and checks what it did against the rules of nt-io-model §2.2:
    /// pending returned ⇔ marked pending; a non-pending return means the IRP was completed.
    /// Breaking them is a bug check; the kernel then repairs the IRP's state so that it still
    /// completes exactly once.
    @inline(__always) func callDriver(_ irp: IRP, _ dispatch: () -> NTStatus) -> NTStatus {
        let returned = dispatch()
        // The common case inline: pending returned, the IRP marked pending and still the
        // driver's (not completed inside dispatch).
        if returned == .pending && irp.isMarkedPending && irp.state == .dispatching {
            irp.pendingReturned = true
            irp.state = .pending
            if tracing { record(.irpPending(irp: irp.id)) }
            return .pending
        }
        return checkDispatch(irp, returned: returned)
    }

    @inline(never) private func checkDispatch(_ irp: IRP, returned: NTStatus) -> NTStatus {
        if returned == .pending {
            if !irp.isMarkedPending {
                bugCheck(BugCheck.ioManagerViolation, "DRIVER_VERIFIER_IOMANAGER_VIOLATION", irp: irp,
                         "dispatch returned STATUS_PENDING without marking the IRP pending (IoMarkIrpPending)")
                irp.isMarkedPending = true
                // Completed inside dispatch as if synchronously: deliver it as a pended request.
                if irp.state == .completed {
                    irp.pendingReturned = true
                    deliverLater(irp)
                }
            }
            irp.pendingReturned = true
            if irp.state == .dispatching {
                irp.state = .pending
                if tracing { record(.irpPending(irp: irp.id)) }
            }
            return .pending
        }
        if irp.isMarkedPending {
            bugCheck(BugCheck.ioManagerViolation, "DRIVER_VERIFIER_IOMANAGER_VIOLATION", irp: irp,
                     "dispatch marked the IRP pending but returned \(returned)")
            irp.pendingReturned = true
            if irp.state == .dispatching { irp.state = .pending }
            return .pending
        }
        if irp.state == .dispatching {
            bugCheck(BugCheck.ioManagerViolation, "DRIVER_VERIFIER_IOMANAGER_VIOLATION", irp: irp,
                     "dispatch returned \(returned) without completing or pending the IRP")
            completeRequest(irp, status: returned, information: 0)
        }
        return returned
    }

    /// A synchronous request that the driver pended: the caller waits, not alertably, until
    /// the IRP has completed, and gets its final status.
    private func waitForSynchronousIRP(_ irp: IRP, _ thread: SimThread) -> NTStatus {
        let result = waitUntil(thread, reason: .irp(irp), deadline: nil)
        return result == .possibleDeadlock || result == .threadIsTerminating ? result : irp.status
    }
}
