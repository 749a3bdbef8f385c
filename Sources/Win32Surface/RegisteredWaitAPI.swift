import IOKernel

/// Has a pool thread call `Callback(Context, TimerOrWaitFired)` when `hObject` is signalled
/// (FALSE) or `dwMilliseconds` pass on the virtual clock (TRUE). The corresponding Win32
/// function is `RegisterWaitForSingleObject`.
///
/// Each registration gets a simulated pool thread of its own (`tpwait#1`, IOKernel's
/// Runtime/ThreadPoolWaits.swift) that waits with the dispatcher, so the callback's timing is
/// deterministic and a hang report shows what the pool waits for. The wait consumes an
/// auto-reset event's signal, as any wait does. Without `WT_EXECUTEONLYONCE` the pool waits
/// again after each callback (the timeout restarts). The other `WT_*` flags choose the kind of
/// pool thread on Windows and change nothing here. The wait holds a reference to the object
/// until it ends; the wait handle written to `phNewWaitObject` is not a kernel handle and must
/// be given to ``UnregisterWait(_:)`` or ``UnregisterWaitEx(_:_:)`` (never `CloseHandle`).
/// A handle that names no object fails with `ERROR_INVALID_HANDLE`; a NULL out-pointer or
/// callback with `ERROR_INVALID_PARAMETER`.
@discardableResult
public func RegisterWaitForSingleObject(_ phNewWaitObject: PHANDLE!, _ hObject: HANDLE!, _ Callback: WAITORTIMERCALLBACK!,
                                        _ Context: PVOID!, _ dwMilliseconds: ULONG, _ dwFlags: ULONG) -> Bool
{
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        let call = "RegisterWaitForSingleObject(\(hex(handle: hObject)), \(dwMilliseconds), 0x\(String(dwFlags, radix: 16)))"
        guard let phNewWaitObject, let Callback else {
            let result = thread.fail(ERROR_INVALID_PARAMETER)
            thread.traceBool(call, result)
            return result
        }
        let kernel = thread.kernel
        let context = Context
        let (status, wait) = kernel.withKernelEntry {
            kernel.registerWait(objectHandle: value(hObject), timeout: .win32Timeout(dwMilliseconds),
                                executeOnlyOnce: dwFlags & ULONG(WT_EXECUTEONLYONCE) != 0) { timedOut in
                Callback(context, timedOut ? 1 : 0)
            }
        }
        guard status.isSuccess, let wait else {
            let result = thread.fail(status)
            thread.traceBool(call, result)
            return result
        }
        thread.store(HANDLE(bitPattern: wait.handleValue), into: phNewWaitObject, call: "RegisterWaitForSingleObject")
        thread.traceResult(call, "TRUE (\(wait.label))")
        return true
    }
}

/// Cancels a registered wait: no callback starts after it. The corresponding Win32 function is
/// `UnregisterWait`. While the callback runs on another thread it fails with
/// `ERROR_IO_PENDING` (the wait is cancelled all the same; Wine's thread.c
/// test_RegisterWaitForSingleObject); called from the callback itself it succeeds. A handle
/// that is not a registered wait (NULL, or one already unregistered) gives
/// `ERROR_INVALID_HANDLE`.
@discardableResult
public func UnregisterWait(_ WaitHandle: HANDLE!) -> Bool {
    unregister(WaitHandle, .none, "UnregisterWait(\(hex(handle: WaitHandle)))")
}

/// Cancels a registered wait, then: with `INVALID_HANDLE_VALUE`, waits for a callback that is
/// running to return; with an event, signals it once no callback runs (at once if none does);
/// with NULL, as ``UnregisterWait(_:)``. The corresponding Win32 function is
/// `UnregisterWaitEx`. A blocking call from the wait's own callback waits for itself, as
/// Microsoft's documentation warns: the simulation reports the hang.
@discardableResult
public func UnregisterWaitEx(_ WaitHandle: HANDLE!, _ CompletionEvent: HANDLE!) -> Bool {
    let completion: Kernel.UnregisterCompletion = switch value(CompletionEvent) {
    case 0: .none
    case UInt.max: .waitForCallbacks
    case let event: .event(event)
    }
    return unregister(WaitHandle, completion, "UnregisterWaitEx(\(hex(handle: WaitHandle)), \(hex(handle: CompletionEvent)))")
}

private func unregister(_ handle: HANDLE?, _ completion: Kernel.UnregisterCompletion, _ call: @autoclosure () -> String) -> Bool {
    return withCurrentThread(named: "UnregisterWait", failure: false) { (thread: borrowing SimThread) in
        let kernel = thread.kernel
        let status = kernel.withKernelEntry { kernel.unregisterWait(value(handle), completion: completion) }
        let result: Bool
        switch status {
        case .success: result = true
        case .pending: result = thread.fail(ERROR_IO_PENDING)
        default: result = thread.fail(status)
        }
        thread.traceBool(call(), result)
        return result
    }
}
