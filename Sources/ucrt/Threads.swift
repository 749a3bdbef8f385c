#if !os(Windows)
import IOKernel
import Win32Surface

/// Starts a simulated thread running `_StartAddress(_ArgList)`. The corresponding CRT function
/// is `_beginthreadex`: a ``CreateThread(_:_:_:_:_:_:)`` (the CRT's per-thread data needs
/// nothing more here), returning the thread's handle, which the caller closes; 0 with `errno`
/// `EINVAL` for a NULL routine, `EAGAIN` when the thread cannot be made.
@discardableResult
public func _beginthreadex(_ _Security: UnsafeMutableRawPointer!, _ _StackSize: UInt32,
                           _ _StartAddress: (@convention(c) (UnsafeMutableRawPointer?) -> UInt32)!,
                           _ _ArgList: UnsafeMutableRawPointer!, _ _InitFlag: UInt32,
                           _ _ThrdAddr: UnsafeMutablePointer<UInt32>!) -> uintptr_t
{
    guard RuntimeLibraryState.current() != nil else { return 0 }
    guard let routine = _StartAddress else {
        errno = EINVAL
        return 0
    }
    let attributes = _Security?.assumingMemoryBound(to: SECURITY_ATTRIBUTES.self)
    guard let thread = CreateThread(attributes, SIZE_T(_StackSize), routine, _ArgList, _InitFlag, _ThrdAddr) else {
        errno = GetLastError() == DWORD(ERROR_INVALID_PARAMETER) ? EINVAL : EAGAIN
        return 0
    }
    return UInt(bitPattern: thread)
}

/// Ends the calling thread with `_ReturnCode`. The corresponding CRT function is
/// `_endthreadex`: ``ExitThread(_:)``, which never returns.
public func _endthreadex(_ _ReturnCode: UInt32) -> Never {
    ExitThread(_ReturnCode)
}
#endif
