import IOKernel

/// The calling simulated thread's last error.
///
/// The corresponding Win32 function is `GetLastError`. Each simulated thread has its own value;
/// outside a simulation it is `ERROR_NOT_SUPPORTED`, because no thread exists to hold one.
@discardableResult
public func GetLastError() -> DWORD {
    currentThread()?.lastError ?? DWORD(ERROR_NOT_SUPPORTED)
}

/// Sets the calling simulated thread's last error. The corresponding Win32 function is
/// `SetLastError`.
public func SetLastError(_ dwErrCode: DWORD) {
    currentThread()?.setLastError(dwErrCode)
}

/// The Win32 error code for an NT status, as `ntdll!RtlNtStatusToDosError` maps it
/// (win32-facts C-3). A status without a mapping gives `ERROR_MR_MID_NOT_FOUND` (317), as on
/// Windows. Wait results are not errors: `WAIT_TIMEOUT` and `WAIT_IO_COMPLETION` are reported by
/// the wait functions themselves (C-4).
@discardableResult
public func RtlNtStatusToDosError(_ Status: NTSTATUS) -> ULONG {
    let status = NTStatus(rawValue: UInt32(bitPattern: Status))
    let error: Int32 =
        switch status {
        case .success: ERROR_SUCCESS
        case .userAPC: ERROR_USER_APC
        case .alerted: ERROR_ALERTED
        case .timeout: ERROR_TIMEOUT
        case .pending: ERROR_IO_PENDING
        case .bufferOverflow: ERROR_MORE_DATA
        case .unsuccessful: ERROR_GEN_FAILURE
        case .accessViolation: ERROR_NOACCESS
        case .invalidHandle, .objectTypeMismatch: ERROR_INVALID_HANDLE
        case .invalidParameter: ERROR_INVALID_PARAMETER
        case .invalidDeviceRequest: ERROR_INVALID_FUNCTION
        case .endOfFile: ERROR_HANDLE_EOF
        case .objectNameNotFound: ERROR_FILE_NOT_FOUND
        case .threadIsTerminating, .accessDenied, .deletePending: ERROR_ACCESS_DENIED
        case .objectNameInvalid: ERROR_INVALID_NAME
        case .objectNameCollision: ERROR_ALREADY_EXISTS
        case .sharingViolation: ERROR_SHARING_VIOLATION
        case .instanceNotAvailable, .pipeNotAvailable: ERROR_PIPE_BUSY
        case .invalidPipeState: ERROR_BAD_PIPE
        case .diskFull: ERROR_DISK_FULL
        case .illegalFunction: ERROR_INVALID_FUNCTION
        case .pipeConnected: ERROR_PIPE_CONNECTED
        case .pipeListening: ERROR_PIPE_LISTENING
        case .notSupported: ERROR_NOT_SUPPORTED
        case .pipeDisconnected: ERROR_PIPE_NOT_CONNECTED
        case .pipeClosing: ERROR_NO_DATA
        case .invalidUserBuffer: ERROR_INVALID_USER_BUFFER
        case .cancelled: ERROR_OPERATION_ABORTED
        case .pipeBroken: ERROR_BROKEN_PIPE
        case .possibleDeadlock: ERROR_POSSIBLE_DEADLOCK
        case .notFound: ERROR_NOT_FOUND
        case .connectionAborted: ERROR_CONNECTION_ABORTED
        case .notifyCleanup: ERROR_NOTIFY_CLEANUP
        case .notifyEnumDirectory: ERROR_NOTIFY_ENUM_DIR
        case .noMoreFiles: ERROR_NO_MORE_FILES
        case .noSuchFile: ERROR_FILE_NOT_FOUND
        case .objectPathNotFound: ERROR_PATH_NOT_FOUND
        case .fileIsADirectory, .cannotDelete: ERROR_ACCESS_DENIED
        case .notSameDevice: ERROR_NOT_SAME_DEVICE
        case .directoryNotEmpty: ERROR_DIR_NOT_EMPTY
        case .notADirectory: ERROR_DIRECTORY
        default: ERROR_MR_MID_NOT_FOUND
        }
    return ULONG(error)
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
