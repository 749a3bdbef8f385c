import IOKernel

/// Milliseconds of virtual time since the simulation started, modulo 2^32. The corresponding
/// Win32 function is `GetTickCount` (it wraps after 49.7 days, as on Windows).
@discardableResult
public func GetTickCount() -> DWORD {
    DWORD(truncatingIfNeeded: GetTickCount64())
}

/// The system time in milliseconds, as `GetTickCount` counts it. The corresponding function is
/// winmm's `timeGetTime`, which condition-variable code uses to measure its timeouts.
@discardableResult
public func timeGetTime() -> DWORD {
    GetTickCount()
}
