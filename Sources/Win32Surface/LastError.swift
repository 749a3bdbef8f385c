import IOKernel

/// The calling simulated thread's last error.
///
/// The corresponding Win32 function is `GetLastError`. Each simulated thread has its own value;
/// outside a simulation it is `ERROR_NOT_SUPPORTED`, because no thread exists to hold one.
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

/// The `ERROR_…` name of a Win32 error code, for timelines and failure messages.
public func win32ErrorName(_ code: DWORD) -> String {
    switch Int32(bitPattern: code) {
    case ERROR_SUCCESS: "ERROR_SUCCESS"
    case ERROR_INVALID_FUNCTION: "ERROR_INVALID_FUNCTION"
    case ERROR_FILE_NOT_FOUND: "ERROR_FILE_NOT_FOUND"
    case ERROR_PATH_NOT_FOUND: "ERROR_PATH_NOT_FOUND"
    case ERROR_ACCESS_DENIED: "ERROR_ACCESS_DENIED"
    case ERROR_INVALID_HANDLE: "ERROR_INVALID_HANDLE"
    case ERROR_GEN_FAILURE: "ERROR_GEN_FAILURE"
    case ERROR_HANDLE_EOF: "ERROR_HANDLE_EOF"
    case ERROR_NOT_SUPPORTED: "ERROR_NOT_SUPPORTED"
    case ERROR_INVALID_PARAMETER: "ERROR_INVALID_PARAMETER"
    case ERROR_BROKEN_PIPE: "ERROR_BROKEN_PIPE"
    case ERROR_ALREADY_EXISTS: "ERROR_ALREADY_EXISTS"
    case ERROR_SHARING_VIOLATION: "ERROR_SHARING_VIOLATION"
    case ERROR_FILE_EXISTS: "ERROR_FILE_EXISTS"
    case ERROR_INVALID_NAME: "ERROR_INVALID_NAME"
    case ERROR_NEGATIVE_SEEK: "ERROR_NEGATIVE_SEEK"
    case ERROR_BAD_PIPE: "ERROR_BAD_PIPE"
    case ERROR_DISK_FULL: "ERROR_DISK_FULL"
    case ERROR_PIPE_BUSY: "ERROR_PIPE_BUSY"
    case ERROR_PIPE_CONNECTED: "ERROR_PIPE_CONNECTED"
    case ERROR_PIPE_LISTENING: "ERROR_PIPE_LISTENING"
    case ERROR_ABANDONED_WAIT_0: "ERROR_ABANDONED_WAIT_0"
    case ERROR_NO_DATA: "ERROR_NO_DATA"
    case ERROR_PIPE_NOT_CONNECTED: "ERROR_PIPE_NOT_CONNECTED"
    case ERROR_MORE_DATA: "ERROR_MORE_DATA"
    case WAIT_TIMEOUT: "WAIT_TIMEOUT"
    case ERROR_OPERATION_ABORTED: "ERROR_OPERATION_ABORTED"
    case ERROR_IO_INCOMPLETE: "ERROR_IO_INCOMPLETE"
    case ERROR_IO_PENDING: "ERROR_IO_PENDING"
    case ERROR_NOACCESS: "ERROR_NOACCESS"
    case ERROR_POSSIBLE_DEADLOCK: "ERROR_POSSIBLE_DEADLOCK"
    case ERROR_NOT_FOUND: "ERROR_NOT_FOUND"
    case ERROR_INVALID_USER_BUFFER: "ERROR_INVALID_USER_BUFFER"
    case ERROR_NO_MORE_FILES: "ERROR_NO_MORE_FILES"
    case ERROR_NOT_SAME_DEVICE: "ERROR_NOT_SAME_DEVICE"
    case ERROR_DIR_NOT_EMPTY: "ERROR_DIR_NOT_EMPTY"
    case ERROR_DIRECTORY: "ERROR_DIRECTORY"
    case ERROR_NOTIFY_ENUM_DIR: "ERROR_NOTIFY_ENUM_DIR"
    case ERROR_NOTIFY_CLEANUP: "ERROR_NOTIFY_CLEANUP"
    default: code == WAIT_IO_COMPLETION ? "WAIT_IO_COMPLETION" : "error \(code)"
    }
}
