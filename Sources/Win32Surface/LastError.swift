import IOKernel

/// The calling simulated thread's last error.
///
/// The corresponding Win32 function is `GetLastError`. Each simulated thread has its own value;
/// outside a simulation it is `ERROR_NOT_SUPPORTED`, because no thread exists to hold one.
@discardableResult
public func GetLastError() -> DWORD {
    // Not recorded as a foreign call: it reads what the failed call (recorded) left. The thread
    // is borrowed (+0): every overlapped round trip asks for ERROR_IO_PENDING.
    guard let thread = SimThread.currentUnmanaged else { return DWORD(ERROR_NOT_SUPPORTED) }
    return thread._withUnsafeGuaranteedRef { $0.lastErrorCode() }
}

/// Sets the calling simulated thread's last error. The corresponding Win32 function is
/// `SetLastError`.
public func SetLastError(_ dwErrCode: DWORD) {
    SimThread.currentUnmanaged?._withUnsafeGuaranteedRef { $0.setLastError(dwErrCode) }
}

/// The Win32 error code for an NT status, as `ntdll!RtlNtStatusToDosError` maps it
/// (win32-facts C-3; the full table and its sources: IOKernel's `NTStatus.dosError`). A status
/// without a mapping gives `ERROR_MR_MID_NOT_FOUND` (317), as on Windows. Wait results are not
/// errors: `WAIT_TIMEOUT` and `WAIT_IO_COMPLETION` are reported by the wait functions themselves
/// (C-4).
@discardableResult
public func RtlNtStatusToDosError(_ Status: NTSTATUS) -> ULONG {
    ULONG(NTStatus(rawValue: UInt32(bitPattern: Status)).dosError)
}

/// The `ERROR_…` name of a Win32 error code, for timelines and failure messages: every system
/// error code Microsoft lists (0–15999), and "error N" for any other value.
///
/// 192 is named `WAIT_IO_COMPLETION`, what the wait functions return when APCs ran, since
/// timelines print wait results with this function too (as a last error, 192 would be
/// `ERROR_EXE_MARKED_INVALID`).
public func win32ErrorName(_ code: DWORD) -> String {
    if code == WAIT_IO_COMPLETION { return "WAIT_IO_COMPLETION" }
    return SystemErrorTable.entry(code)?.name ?? "error \(code)"
}
