import IOKernel

/// The calling simulated thread's id. The corresponding Win32 function is `GetCurrentThreadId`.
@discardableResult
public func GetCurrentThreadId() -> DWORD { currentThread()?.threadID ?? 0 }

/// The simulated process's id. The corresponding Win32 function is `GetCurrentProcessId`.
@discardableResult
public func GetCurrentProcessId() -> DWORD { currentThread()?.kernel.processID ?? 0 }

/// The performance counter's frequency: 10 MHz, as on current Windows (one tick per 100 ns).
/// The corresponding Win32 function is `QueryPerformanceFrequency`.
///
/// A NULL `lpFrequency` gives `FALSE` with `ERROR_NOACCESS`. Windows has no error for it: the
/// function writes through the pointer in user mode and the program takes an access violation.
/// The simulator fails softly instead, with the error the kernel gives for an output pointer it
/// cannot write (`STATUS_ACCESS_VIOLATION` from the probe of `NtQueryPerformanceCounter`'s
/// output, which maps to `ERROR_NOACCESS`), so that the failure is never silent (issue 10,
/// finding 7).
@discardableResult
public func QueryPerformanceFrequency(_ lpFrequency: UnsafeMutablePointer<LARGE_INTEGER>!) -> Bool {
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        guard let lpFrequency else { return thread.fail(ERROR_NOACCESS) }
        thread.store(largeInteger(10_000_000), into: lpFrequency, call: "QueryPerformanceFrequency")
        return true
    }
}

/// The performance counter, on the virtual clock: 100-ns ticks since the simulation started.
/// The corresponding Win32 function is `QueryPerformanceCounter`. A NULL `lpPerformanceCount`
/// gives `FALSE` with `ERROR_NOACCESS`, for the reason ``QueryPerformanceFrequency(_:)`` gives.
@discardableResult
public func QueryPerformanceCounter(_ lpPerformanceCount: UnsafeMutablePointer<LARGE_INTEGER>!) -> Bool {
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        guard let lpPerformanceCount else { return thread.fail(ERROR_NOACCESS) }
        thread.store(largeInteger(Int64(thread.kernel.now.nanoseconds / 100)), into: lpPerformanceCount,
                     call: "QueryPerformanceCounter")
        return true
    }
}

/// Ends the simulated process with exit code `uExitCode`. The corresponding Win32 function is
/// `ExitProcess`; it never returns.
///
/// Every other thread is terminated (each cancels its I/O as it exits, F-EXIT-1), then the
/// calling thread exits; the last thread to go runs the process down: requests that belong to
/// the process rather than a thread (thread-agnostic I/O) are cancelled, and every handle is
/// closed, so each file object gets `IRP_MJ_CLEANUP` and `IRP_MJ_CLOSE` as its last handle
/// goes (F-EXIT-5). ``Simulation/runProcess(_:)`` then returns `uExitCode`.
///
/// Under ``Simulation/run(_:)`` the process exits the same way, and `run` returns once its
/// main thread has gone; later `run` calls run outside the simulation. Outside any simulation
/// there is no process to end: a diagnostic goes to standard error and the calling OS thread is
/// parked for good (never the test process).
public func ExitProcess(_ uExitCode: UINT) -> Never {
    Kernel.exitCallingThread(code: uExitCode, processExit: true, call: "ExitProcess(\(uExitCode))")
}

/// The exit code of a process: `STILL_ACTIVE` (259) while it runs. The corresponding Win32
/// function is `GetExitCodeProcess`; `hProcess` is `GetCurrentProcess()` or a handle to a
/// process. The code is reported once the process is exiting (after `ExitProcess`,
/// `TerminateProcess`, or its last thread's exit); wait on the process handle to know it has
/// exited.
@discardableResult
public func GetExitCodeProcess(_ hProcess: HANDLE!, _ lpExitCode: LPDWORD!) -> Bool {
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        let kernel = thread.kernel
        guard let process = kernel.withKernelEntry({ kernel.process(forHandle: value(hProcess)) }) else {
            return thread.fail(ERROR_INVALID_HANDLE)
        }
        guard let lpExitCode else { return thread.fail(ERROR_NOACCESS) }
        thread.store(process.exitCode ?? STILL_ACTIVE, into: lpExitCode, call: "GetExitCodeProcess")
        return true
    }
}
