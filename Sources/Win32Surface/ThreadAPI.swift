import IOKernel

/// Creates a simulated thread running `lpStartAddress(lpParameter)`.
///
/// The corresponding Win32 function is `CreateThread`. The thread starts when the scheduler
/// first picks it: with the default strategy, when the creating thread blocks. Its handle is
/// signalled when it exits; `GetExitCodeThread` then gives the routine's result.
/// `CREATE_SUSPENDED` is not simulated (`ERROR_NOT_SUPPORTED`).
@discardableResult
public func CreateThread(_ lpThreadAttributes: LPSECURITY_ATTRIBUTES!, _ dwStackSize: SIZE_T,
                         _ lpStartAddress: LPTHREAD_START_ROUTINE!, _ lpParameter: LPVOID!, _ dwCreationFlags: DWORD,
                         _ lpThreadId: LPDWORD!) -> HANDLE!
{
    return withCurrentThread(failure: nil) { (thread: borrowing SimThread) in
        guard let routine = lpStartAddress else {
            _ = thread.fail(ERROR_INVALID_PARAMETER)
            return nil
        }
        guard dwCreationFlags & 0x4 == 0 else {
            _ = thread.fail(ERROR_NOT_SUPPORTED)
            return nil
        }
        let (handle, created) = thread.withKernel { kernel in
            kernel.withKernelEntry { kernel.ntCreateThread(startAddress: routine, parameter: lpParameter) }
        }
        thread.store(created.threadID, into: lpThreadId, call: "CreateThread")
        let result = HANDLE(bitPattern: handle)
        applyInheritance(result, lpThreadAttributes)
        thread.traceResult("CreateThread(\(thread.name(parameter: UInt(bitPattern: lpParameter))))", "\(hex(handle: result)) (\(created.name))")
        return result
    }
}

/// `CreateThread` for Swift code whose thread is a closure rather than a C routine and a
/// parameter (the tests' `spawn`). The kernel holds the closure, and calls it in a frame below
/// the thread's exit point (`runExitable`), so that what it captures is released however the
/// thread ends: by returning, by `ExitThread`, by `TerminateThread`, or still blocked when its
/// simulation is released. A closure boxed into `lpParameter` would stay allocated in each of
/// the last three cases, held by the frame of the routine that unboxed it. The timeline shows
/// `CreateThread(closure)`.
package func CreateThread(running body: @escaping () -> DWORD) -> HANDLE? {
    return withCurrentThread(failure: nil) { (thread: borrowing SimThread) in
        let (handle, created) = thread.withKernel { kernel in kernel.withKernelEntry { kernel.ntCreateThread(body) } }
        let result = HANDLE(bitPattern: handle)
        thread.traceResult("CreateThread(closure)", "\(hex(handle: result)) (\(created.name))")
        return result
    }
}

/// The exit code of a thread: `STILL_ACTIVE` (259) while it runs. The corresponding Win32
/// function is `GetExitCodeThread`.
@discardableResult
public func GetExitCodeThread(_ hThread: HANDLE!, _ lpExitCode: LPDWORD!) -> Bool {
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        guard let target = thread.kernel.thread(forHandle: value(hThread)) else { return thread.fail(ERROR_INVALID_HANDLE) }
        thread.store(target.exitCode, into: lpExitCode, call: "GetExitCodeThread")
        return true
    }
}

/// A handle to the thread with id `dwThreadId`. The corresponding Win32 function is
/// `OpenThread`; an id that names no running thread gives `ERROR_INVALID_PARAMETER`.
@discardableResult
public func OpenThread(_ dwDesiredAccess: DWORD, _ bInheritHandle: Bool, _ dwThreadId: DWORD) -> HANDLE! {
    return withCurrentThread(failure: nil) { (thread: borrowing SimThread) in
        let kernel = thread.kernel
        let (status, handle) = kernel.withKernelEntry { kernel.ntOpenThread(threadID: dwThreadId) }
        guard status.isSuccess else {
            _ = thread.fail(status)
            return nil
        }
        return HANDLE(bitPattern: handle)
    }
}

/// Ends the calling thread with exit code `dwExitCode`. The corresponding Win32 function is
/// `ExitThread`; it never returns.
///
/// The thread's I/O that is not bound to a completion port is cancelled and waited for (up to
/// five virtual minutes, nt-io-model §4.2), its queued APCs are discarded, its handle is
/// signalled and `GetExitCodeThread` reports `dwExitCode`. The last thread of a process
/// started with ``Simulation/runProcess(_:)`` ends the process. What the thread's frames hold
/// is abandoned, as on Windows (no destructor runs).
///
/// On the main thread of ``Simulation/run(_:)`` the other threads run until none can go on,
/// then `run` returns. Outside any simulation there is no simulated thread to end: a diagnostic
/// goes to standard error and the calling OS thread is parked for good (never the test
/// process).
public func ExitThread(_ dwExitCode: DWORD) -> Never {
    Kernel.exitCallingThread(code: dwExitCode, processExit: false, call: "ExitThread(\(dwExitCode))")
}

/// Terminates a thread. The corresponding Win32 function is `TerminateThread`.
///
/// As on Windows, termination is asynchronous: the call returns `TRUE` at once, and the target
/// stops at its next return from the kernel (a wait it is blocked in ends first), without
/// running another line of its code; a thread that has not started never runs. It then exits
/// as ``ExitThread(_:)`` describes: its I/O is cancelled, its handle signalled. Terminating a
/// thread that has already exited succeeds and changes nothing. Terminating the calling thread
/// is `ExitThread`.
///
/// The main thread of ``Simulation/run(_:)`` is the test's own flow, which another thread may
/// not stop (the test's remaining assertions would silently never run): `FALSE` with
/// `ERROR_NOT_SUPPORTED`. It can end itself with ``ExitThread(_:)``.
@discardableResult
public func TerminateThread(_ hThread: HANDLE!, _ dwExitCode: DWORD) -> Bool {
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        let kernel = thread.kernel
        guard let target = kernel.thread(forHandle: value(hThread)) else {
            let result = thread.fail(ERROR_INVALID_HANDLE)
            thread.traceBool("TerminateThread(\(hex(handle: hThread)), \(dwExitCode))", result)
            return result
        }
        guard !kernel.isCallersThread(target) else {
            let result = thread.fail(ERROR_NOT_SUPPORTED)
            thread.traceBool("TerminateThread(\(hex(handle: hThread)), \(dwExitCode)): the main thread of Simulation.run cannot be stopped", result)
            return result
        }
        if thread.isSame(target) {
            Kernel.exitCallingThread(code: dwExitCode, processExit: false, call: "TerminateThread(GetCurrentThread(), \(dwExitCode))")
        }
        thread.traceBool("TerminateThread(\(hex(handle: hThread)), \(dwExitCode))", true)
        kernel.call { kernel.ntTerminateThread(target, code: dwExitCode) }
        return true
    }
}
