/// Dispatcher objects and waits: signalling, events, and the one blocking primitive.
extension Kernel {
    /// Sets an object's signal state (an event, a file object's event).
    @inline(__always) func signal(_ object: KernelObject) {
        object.signaled = true
        if tracing { record(.signalled(object: object.label)) }
    }

    /// Blocks `thread` until its wait is satisfied (`reason`), the deadline passes
    /// (`STATUS_TIMEOUT`), or the simulation can never make progress
    /// (`STATUS_POSSIBLE_DEADLOCK`, with a ``HangReport``).
    ///
    /// While blocked, the thread runs the completion work queued to it (a non-alertable wait
    /// still runs special kernel APCs). Meanwhile the scheduler runs other threads that can
    /// proceed, or moves the virtual clock to the next due device event or wait deadline. A
    /// device event and a wait deadline due at the same instant fire in the order they were set
    /// up.
    ///
    /// An alertable wait that cannot be satisfied at once returns `STATUS_USER_APC`, and every
    /// user APC queued to the thread runs when the system call returns to user mode (F-APC-3);
    /// a wait that can be satisfied returns that result and leaves the APCs queued (NT tests the
    /// objects before alertability, F-APC-4, F-APC-5).
    func waitUntil(_ thread: SimThread, reason: WaitReason, deadline: VirtualInstant?) -> NTStatus {
        thread.waitingFor = reason
        return waitUntilPrepared(thread, deadline: deadline)
    }

    /// ``waitUntil(_:reason:deadline:)`` for a reason already set in `thread.waitingFor`, so that
    /// the caller's frame holds no copy of it while the thread is blocked.
    func waitUntilPrepared(_ thread: SimThread, deadline: VirtualInstant?) -> NTStatus {
        let alertable = thread.waitingFor?.isAlertable ?? false
        thread.waitDeadline = deadline
        thread.waitSequence = timers.takeSequence()
        thread.waitStatus = nil
        // A port's thread that blocks elsewhere stops counting as running (F-IOCP-21).
        if let port = thread.associatedPort, !port.waiters.isEmpty {
            if case .port = thread.waitingFor {} else { releaseWaiters(of: port) }
        }
        defer {
            thread.waitingFor = nil
            thread.waitDeadline = nil
            thread.waitStatus = nil
        }
        while true {
            // Its simulation is being released: the wait ends, and nothing else runs.
            if thread.unwindsForRelease { return .threadIsTerminating }
            if thread.hasCompletionWork { runCompletionWork(of: thread) }
            // Terminated by another thread: the wait ends so that the call unwinds (nt-io-model §4).
            if thread.terminationCode != nil { return .threadIsTerminating }
            if let status = thread.waitStatus { return status }
            if let reason = thread.waitingFor, let status = satisfy(reason, consume: true) { return status }
            if alertable && !thread.userAPCs.isEmpty {
                // The wait ends with STATUS_USER_APC; the APCs run on the way back to user mode,
                // once the wait has unwound (KiDeliverApc), so nothing of the wait is held then.
                thread.userAPCsDue = true
                return .userAPC
            }
            switch nextStep(blocked: thread) {
            case .resumed: continue
            case .timedOut:
                if let deadline, deadline > now { now = deadline }
                return .timeout
            case .hung: return .possibleDeadlock
            }
        }
    }

    /// Whether a wait is satisfied now; with `consume`, satisfying it (an auto-reset event
    /// resets, the file-object lock is taken).
    func satisfy(_ reason: WaitReason, consume: Bool) -> NTStatus? {
        switch reason {
        case .objects(let objects, let all, _):
            if all {
                guard objects.allSatisfy(\.signaled) else { return nil }
                if consume { for object in objects { object.satisfyWait() } }
                return .wait(0)
            }
            for (index, object) in objects.enumerated() where object.signaled {
                if consume { object.satisfyWait() }
                return .wait(index)
            }
            return nil
        case .irp(let irp):
            return irp.state == .completed || irp.state == .delivered ? irp.status : nil
        case .irps(let irps):
            return irps.allSatisfy { $0.state == .delivered || $0.thread == nil } ? .success : nil
        case .sleep, .alertByThreadID:
            // Ended only by its deadline or by a waker setting the thread's waitStatus.
            return nil
        case .preempted:
            return .success
        case .cancelRequest(let request):
            return request.isDone ? .success : nil
        case .port(let port, _):
            // A port wait ends when a packet releases the thread (its waitStatus is set then).
            return port.isClosed ? .abandonedWait0 : nil
        case .fileLock(let file):
            guard file.lockOwner == nil else { return nil }
            if consume { file.lockOwner = current }
            return .success
        }
    }

    /// Runs a due device event, moving the clock to its deadline.
    func fire(_ event: ScheduledEvent) {
        guard let action = event.action else { return }
        event.action = nil
        if event.deadline > now { now = event.deadline }
        if tracing { record(.deviceEvent(event.label)) }
        action()
    }

    // MARK: - Wait services

    /// `NtWaitForMultipleObjects` / `NtWaitForSingleObject`: waits for any or all of the
    /// objects. Returns `STATUS_WAIT_0 + i`, `STATUS_TIMEOUT`, `STATUS_POSSIBLE_DEADLOCK`, or an
    /// error for a bad handle. `allowPseudoHandles` lets `GetCurrentThread()` name the running
    /// thread (`WaitForSingleObject` accepts it; `WaitForMultipleObjects` does not, F-WAIT-6).
    package func ntWaitForMultipleObjects(_ handleValues: [UInt], waitAll: Bool, alertable: Bool, timeout: Duration?,
                                          allowPseudoHandles: Bool) -> NTStatus
    {
        handleValues.withUnsafeBufferPointer {
            ntWaitForMultipleObjects($0, waitAll: waitAll, alertable: alertable, timeout: timeout,
                                     allowPseudoHandles: allowPseudoHandles)
        }
    }

    /// The same, with the handle values in the caller's memory (kernel32's stack), so that a
    /// wait allocates nothing in the frames that call it.
    ///
    /// No frame of the wait holds a reference of its own while the thread is blocked: the
    /// objects waited on are kept by the thread's wait block (``SimThread/waitObjects``), which
    /// the kernel owns. A thread stopped inside the wait (terminated, or blocked when its
    /// simulation is released) never unwinds these frames, and what they held would leak.
    package func ntWaitForMultipleObjects(_ handleValues: UnsafeBufferPointer<UInt>, waitAll: Bool, alertable: Bool,
                                          timeout: Duration?, allowPseudoHandles: Bool) -> NTStatus
    {
        guard let running = runningThread else { return .invalidHandle }
        return running._withUnsafeGuaranteedRef { thread in
            if let failure = prepareObjectWait(thread, handleValues, waitAll: waitAll, alertable: alertable,
                                               allowPseudoHandles: allowPseudoHandles)
            {
                return failure
            }
            let status = waitUntilPrepared(thread, deadline: timeout.map { now.advanced(by: $0) })
            for object in thread.waitObjects { dereference(object, by: "wait") }
            thread.waitObjects.removeAll(keepingCapacity: true)
            return status
        }
    }

    /// Looks the handles up and references the objects into the thread's wait block, and sets
    /// the thread's wait reason; or returns the failure, with nothing referenced.
    private func prepareObjectWait(_ thread: SimThread, _ handleValues: UnsafeBufferPointer<UInt>, waitAll: Bool,
                                   alertable: Bool, allowPseudoHandles: Bool) -> NTStatus?
    {
        var objects: [KernelObject] = []
        objects.reserveCapacity(handleValues.count)
        let table = thread.process.handles
        for value in handleValues {
            if allowPseudoHandles, value == UInt.max - 1 {
                objects.append(thread)
                continue
            }
            if allowPseudoHandles, value == UInt.max {
                objects.append(thread.process)
                continue
            }
            guard let object = table.lookup(value) else { return .invalidHandle }
            if objects.contains(where: { $0 === object }) { return .invalidParameter }
            objects.append(object)
        }
        for object in objects { reference(object, by: "wait") }
        thread.waitObjects = objects
        thread.waitingFor = .objects(objects, all: waitAll, alertable: alertable)
        return nil
    }

    /// `NtDelayExecution` (`Sleep`, `SleepEx`): lets `duration` of virtual time pass; nil waits
    /// forever.
    package func ntDelayExecution(alertable: Bool, duration: Duration?) -> NTStatus {
        guard let running = runningThread else { return .invalidHandle }
        return running._withUnsafeGuaranteedRef { thread in
            let status = waitUntil(thread, reason: .sleep(alertable: alertable), deadline: duration.map { now.advanced(by: $0) })
            return status == .timeout ? .success : status
        }
    }

    // MARK: - Events

    /// `NtCreateEvent`. A name that exists already returns a new handle to that event and
    /// `alreadyExisted`; the type and initial state are then ignored (F-EVT-2). A name that a
    /// job or a file mapping holds is `STATUS_OBJECT_TYPE_MISMATCH` (`ERROR_INVALID_HANDLE`:
    /// CreateEvent's page, "if lpName matches the name of another kind of object in the same
    /// namespace (such as an existing semaphore, mutex, waitable timer, job, or file-mapping
    /// object), the function fails").
    package func ntCreateEvent(manualReset: Bool, initialState: Bool, name: String?) -> (NTStatus, UInt, alreadyExisted: Bool) {
        if let name, let existing = namedEvents[name] {
            return (.success, insertHandle(existing, access: 0x1F0003), true)
        }
        if let name, namedJobs[name] != nil || sections.named[name] != nil { return (.objectTypeMismatch, 0, false) }
        let event = EventObject(id: takeObjectID(), manualReset: manualReset, initialState: initialState, name: name)
        if let name { namedEvents[name] = event }
        return (.success, insertHandle(event, access: 0x1F0003), false)
    }

    private func event(_ value: UInt) -> (EventObject?, NTStatus) {
        guard let object = handles.lookup(value) else { return (nil, .invalidHandle) }
        guard let event = object as? EventObject else { return (nil, .objectTypeMismatch) }
        return (event, .success)
    }

    package func ntSetEvent(_ value: UInt) -> NTStatus {
        let (event, status) = event(value)
        if let event { signal(event) }
        return status
    }

    package func ntResetEvent(_ value: UInt) -> NTStatus {
        let (event, status) = event(value)
        event?.signaled = false
        return status
    }

    /// `NtPulseEvent`: sets the event, releasing the threads waiting on it now, and resets it.
    /// A thread that is not yet waiting never sees the pulse.
    package func ntPulseEvent(_ value: UInt) -> NTStatus {
        let (event, status) = event(value)
        if let event {
            signal(event)
            // Release the threads blocked on it now (all of them for a manual-reset event, the
            // first for an auto-reset one); waits are otherwise tested when a thread is
            // scheduled, by which time the pulse would be gone.
            for thread in threads where thread !== current && thread.life == .alive && thread.waitStatus == nil {
                guard event.signaled else { break }
                guard let reason = thread.waitingFor, case .objects(let objects, _, _) = reason,
                      objects.contains(where: { $0 === event })
                else { continue }
                thread.waitStatus = satisfy(reason, consume: true)
            }
            event.signaled = false
        }
        return status
    }
}
