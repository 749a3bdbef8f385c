import IOKernel

/// The calling simulated thread's id. The corresponding Win32 function is `GetCurrentThreadId`.
public func GetCurrentThreadId() -> DWORD { currentThread()?.threadID ?? 0 }

/// The simulated process's id. The corresponding Win32 function is `GetCurrentProcessId`.
public func GetCurrentProcessId() -> DWORD { currentThread()?.kernel.processID ?? 0 }

/// The performance counter's frequency: 10 MHz, as on current Windows (one tick per 100 ns).
/// The corresponding Win32 function is `QueryPerformanceFrequency`.
public func QueryPerformanceFrequency(_ lpFrequency: UnsafeMutablePointer<LARGE_INTEGER>!) -> Bool {
    guard let lpFrequency else { return false }
    lpFrequency.pointee.QuadPart = 10_000_000
    return true
}

/// The performance counter, on the virtual clock: 100-ns ticks since the simulation started.
/// The corresponding Win32 function is `QueryPerformanceCounter`.
public func QueryPerformanceCounter(_ lpPerformanceCount: UnsafeMutablePointer<LARGE_INTEGER>!) -> Bool {
    guard let lpPerformanceCount, let thread = currentThread() else { return false }
    lpPerformanceCount.pointee.QuadPart = LONGLONG(thread.kernel.now.nanoseconds / 100)
    return true
}
