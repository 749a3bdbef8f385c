/// The thread pool's registered waits (`RegisterWaitForSingleObject`, `UnregisterWait(Ex)`):
/// a callback that runs on a pool thread when an object is signalled or a timeout passes.
///
/// Each registration gets a simulated thread of its own (`tpwait#1`), which waits for the
/// object with the dispatcher's wait, so the callback runs when the object is signalled, or
/// when the timeout passes on the virtual clock, deterministically, and a hang report shows
/// the pool thread and what it waits for. (Windows' pool shares one wait thread among up to 63
/// waits and runs callbacks on worker threads; which thread runs a callback is not something
/// a program can rely on, and one thread per wait keeps every callback's order the
/// scheduler's.)
public final class RegisteredWait {
    /// `wait#1`, in registration order.
    public let label: String
    /// The value `RegisterWaitForSingleObject` handed out (not a kernel handle, as on Windows).
    public let handleValue: UInt
    let object: KernelObject
    let timeout: Duration?
    let executeOnlyOnce: Bool
    let callback: (_ timedOut: Bool) -> Void
    /// The pool thread (the kernel keeps every thread for the simulation's life).
    unowned(unsafe) var thread: SimThread?
    /// How many times the callback has run.
    public internal(set) var callbackCount = 0
    public internal(set) var isCallbackRunning = false
    public internal(set) var isUnregistered = false
    /// The pool thread has returned: no callback runs any more.
    public internal(set) var isFinished = false
    /// Events `UnregisterWaitEx` signals when the last callback has returned (each referenced).
    var completionEvents: [EventObject] = []

    init(label: String, handleValue: UInt, object: KernelObject, timeout: Duration?, executeOnlyOnce: Bool,
         callback: @escaping (Bool) -> Void)
    {
        self.label = label
        self.handleValue = handleValue
        self.object = object
        self.timeout = timeout
        self.executeOnlyOnce = executeOnlyOnce
        self.callback = callback
    }
}

extension Kernel {
    /// Registers a wait for the object `objectHandle` names: its pool thread starts waiting
    /// when the scheduler first runs it, holds a reference to the object until it returns, and
    /// calls `callback(false)` when the object is signalled (consuming an auto-reset event's
    /// signal, as any wait does) or `callback(true)` when `timeout` passes; then waits again,
    /// unless `executeOnlyOnce`.
    package func registerWait(objectHandle: UInt, timeout: Duration?, executeOnlyOnce: Bool,
                              callback: @escaping (Bool) -> Void) -> (NTStatus, RegisteredWait?)
    {
        let object: KernelObject
        if objectHandle == UInt.max {
            object = currentProcess
        } else if objectHandle == UInt.max - 1, let thread = current {
            object = thread
        } else if let found = handles.lookup(objectHandle) {
            object = found
        } else {
            return (.invalidHandle, nil)
        }
        let number = userMode.nextWaitNumber
        userMode.nextWaitNumber += 1
        // Recognisable, deterministic, and never a kernel handle's value.
        let handleValue = 0x7FF0_0000_0000 | UInt(number) << 4
        let wait = RegisteredWait(label: "wait#\(number)", handleValue: handleValue, object: object, timeout: timeout,
                                  executeOnlyOnce: executeOnlyOnce, callback: callback)
        reference(object, by: wait.label)
        let thread = createThread(name: "tpwait#\(number)") { [unowned(unsafe) self] in
            self.runRegisteredWait(wait)
            return 0
        }
        wait.thread = thread
        userMode.waits[handleValue] = wait
        if tracing { record(.note("\(wait.label) waits for \(object.label) on \(thread.name)")) }
        return (.success, wait)
    }

    /// The pool thread's loop.
    private func runRegisteredWait(_ wait: RegisteredWait) {
        while true {
            let status: NTStatus = withKernelEntry {
                guard !wait.isUnregistered, let thread = current else { return .alerted }
                let deadline = wait.timeout.map { now.advanced(by: $0) }
                return waitUntil(thread, reason: .objects([wait.object], all: false, alertable: false), deadline: deadline)
            }
            guard status == .wait(0) || status == .timeout, !wait.isUnregistered else { break }
            withKernelEntry {
                wait.isCallbackRunning = true
                if tracing { record(.note("\(wait.label) calls back (\(status == .timeout ? "timed out" : "signalled"))")) }
            }
            wait.callback(status == .timeout)
            withKernelEntry {
                wait.isCallbackRunning = false
                wait.callbackCount += 1
            }
            if wait.executeOnlyOnce { break }
        }
        withKernelEntry { finishRegisteredWait(wait) }
    }

    private func finishRegisteredWait(_ wait: RegisteredWait) {
        wait.isFinished = true
        dereference(wait.object, by: wait.label)
        for event in wait.completionEvents {
            signal(event)
            dereference(event, by: wait.label)
        }
        wait.completionEvents = []
    }

    /// What `UnregisterWaitEx` does once the wait is cancelled.
    package enum UnregisterCompletion {
        /// `NULL`: return at once; `STATUS_PENDING` (`ERROR_IO_PENDING`) if a callback runs.
        case none
        /// `INVALID_HANDLE_VALUE`: block until the running callback, if any, has returned.
        case waitForCallbacks
        /// An event handle: signalled when the last callback has returned (at once if none runs).
        case event(UInt)
    }

    /// `UnregisterWait`/`UnregisterWaitEx`: no callback starts after this; the wait handle is
    /// gone (unregistering it again is `STATUS_INVALID_HANDLE`). Called from the wait's own
    /// callback, it succeeds (Wine's thread.c test_RegisterWaitForSingleObject), and blocking
    /// there waits for itself: a hang, as Microsoft's documentation warns.
    package func unregisterWait(_ handleValue: UInt, completion: UnregisterCompletion) -> NTStatus {
        guard let wait = userMode.waits.removeValue(forKey: handleValue) else { return .invalidHandle }
        wait.isUnregistered = true
        guard let poolThread = wait.thread else { return .success }
        if !wait.isCallbackRunning, poolThread.life == .alive, poolThread.waitingFor != nil, poolThread.waitStatus == nil {
            // Blocked in its wait for the object: the wait ends and the thread returns.
            poolThread.waitStatus = .alerted
        }
        let running = wait.isCallbackRunning && poolThread !== current
        switch completion {
        case .none:
            return running ? .pending : .success
        case .waitForCallbacks:
            guard running || (wait.isCallbackRunning && poolThread === current), let thread = current else { return .success }
            let status = waitUntil(thread, reason: .objects([poolThread], all: false, alertable: false), deadline: nil)
            return status == .wait(0) ? .success : status
        case .event(let value):
            guard let event = handles.lookup(value) as? EventObject else { return .invalidHandle }
            if wait.isFinished || !wait.isCallbackRunning {
                signal(event)
            } else {
                reference(event, by: wait.label)
                wait.completionEvents.append(event)
            }
            return .success
        }
    }
}
