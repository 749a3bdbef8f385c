/// An NT status code, as the kernel and drivers report it and as Windows stores it in
/// `OVERLAPPED.Internal`.
///
/// The top two bits give the severity: `00` success, `01` informational, `10` warning,
/// `11` error. `NT_SUCCESS` is "success or informational"; a warning such as
/// ``bufferOverflow`` is not a success to Win32 callers, but a warning still delivers data and
/// notifications like a success does (nt-io-model §2.5).
public struct NTStatus: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The 32-bit status value.
    public var rawValue: UInt32

    /// The status with this value.
    @inlinable public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// `NT_SUCCESS(status)`: success or informational.
    @inlinable public var isSuccess: Bool { Int32(bitPattern: rawValue) >= 0 }
    /// `NT_WARNING(status)`.
    @inlinable public var isWarning: Bool { rawValue >> 30 == 2 }
    /// `NT_ERROR(status)`.
    @inlinable public var isError: Bool { rawValue >> 30 == 3 }

    // The statuses are inlinable literals rather than stored statics: a stored static read from
    // another module (every Win32 function compares with `.pending` or `.success`) is a call to
    // its lazy initialiser's accessor, 5 instructions and a branch each time.

    /// `STATUS_SUCCESS`: Win32 reports ERROR_SUCCESS.
    @inlinable public static var success: NTStatus { NTStatus(rawValue: 0x0000_0000) }
    /// `STATUS_ABANDONED_WAIT_0`: Win32 reports WAIT_ABANDONED_0 from the wait functions.
    @inlinable public static var abandonedWait0: NTStatus { NTStatus(rawValue: 0x0000_0080) }
    /// `STATUS_USER_APC`: Win32 reports WAIT_IO_COMPLETION from the wait functions.
    @inlinable public static var userAPC: NTStatus { NTStatus(rawValue: 0x0000_00C0) }
    /// `STATUS_ALERTED`: Win32 reports ERROR_ALERTED.
    @inlinable public static var alerted: NTStatus { NTStatus(rawValue: 0x0000_0101) }
    /// `STATUS_TIMEOUT`: Win32 reports WAIT_TIMEOUT from the wait functions.
    @inlinable public static var timeout: NTStatus { NTStatus(rawValue: 0x0000_0102) }
    /// `STATUS_PENDING`: Win32 reports ERROR_IO_PENDING.
    @inlinable public static var pending: NTStatus { NTStatus(rawValue: 0x0000_0103) }
    /// `STATUS_BUFFER_OVERFLOW`: Win32 reports ERROR_MORE_DATA (a warning).
    @inlinable public static var bufferOverflow: NTStatus { NTStatus(rawValue: 0x8000_0005) }
    /// `STATUS_UNSUCCESSFUL`: Win32 reports ERROR_GEN_FAILURE.
    @inlinable public static var unsuccessful: NTStatus { NTStatus(rawValue: 0xC000_0001) }
    /// `STATUS_ACCESS_VIOLATION`: Win32 reports ERROR_NOACCESS.
    @inlinable public static var accessViolation: NTStatus { NTStatus(rawValue: 0xC000_0005) }
    /// `STATUS_INVALID_HANDLE`: Win32 reports ERROR_INVALID_HANDLE.
    @inlinable public static var invalidHandle: NTStatus { NTStatus(rawValue: 0xC000_0008) }
    /// `STATUS_INVALID_PARAMETER`: Win32 reports ERROR_INVALID_PARAMETER.
    @inlinable public static var invalidParameter: NTStatus { NTStatus(rawValue: 0xC000_000D) }
    /// `STATUS_INVALID_DEVICE_REQUEST`: Win32 reports ERROR_INVALID_FUNCTION.
    @inlinable public static var invalidDeviceRequest: NTStatus { NTStatus(rawValue: 0xC000_0010) }
    /// `STATUS_END_OF_FILE`: Win32 reports ERROR_HANDLE_EOF.
    @inlinable public static var endOfFile: NTStatus { NTStatus(rawValue: 0xC000_0011) }
    /// `STATUS_OBJECT_TYPE_MISMATCH`: Win32 reports ERROR_INVALID_HANDLE.
    @inlinable public static var objectTypeMismatch: NTStatus { NTStatus(rawValue: 0xC000_0024) }
    /// `STATUS_OBJECT_NAME_NOT_FOUND`: Win32 reports ERROR_FILE_NOT_FOUND.
    @inlinable public static var objectNameNotFound: NTStatus { NTStatus(rawValue: 0xC000_0034) }
    /// `STATUS_ACCESS_DENIED`: Win32 reports ERROR_ACCESS_DENIED.
    @inlinable public static var accessDenied: NTStatus { NTStatus(rawValue: 0xC000_0022) }
    /// `STATUS_OBJECT_NAME_INVALID`: Win32 reports ERROR_INVALID_NAME.
    @inlinable public static var objectNameInvalid: NTStatus { NTStatus(rawValue: 0xC000_0033) }
    /// `STATUS_OBJECT_NAME_COLLISION`: Win32 reports ERROR_ALREADY_EXISTS (`CreateFile` turns
    /// it into ERROR_FILE_EXISTS).
    @inlinable public static var objectNameCollision: NTStatus { NTStatus(rawValue: 0xC000_0035) }
    /// `STATUS_SHARING_VIOLATION`: Win32 reports ERROR_SHARING_VIOLATION.
    @inlinable public static var sharingViolation: NTStatus { NTStatus(rawValue: 0xC000_0043) }
    /// `STATUS_DELETE_PENDING`: Win32 reports ERROR_ACCESS_DENIED.
    @inlinable public static var deletePending: NTStatus { NTStatus(rawValue: 0xC000_0056) }
    /// `STATUS_DISK_FULL`: Win32 reports ERROR_DISK_FULL.
    @inlinable public static var diskFull: NTStatus { NTStatus(rawValue: 0xC000_007F) }
    /// `STATUS_INSTANCE_NOT_AVAILABLE`: Win32 reports ERROR_PIPE_BUSY.
    @inlinable public static var instanceNotAvailable: NTStatus { NTStatus(rawValue: 0xC000_00AB) }
    /// `STATUS_PIPE_NOT_AVAILABLE`: Win32 reports ERROR_PIPE_BUSY.
    @inlinable public static var pipeNotAvailable: NTStatus { NTStatus(rawValue: 0xC000_00AC) }
    /// `STATUS_INVALID_PIPE_STATE`: Win32 reports ERROR_BAD_PIPE.
    @inlinable public static var invalidPipeState: NTStatus { NTStatus(rawValue: 0xC000_00AD) }
    /// `STATUS_ILLEGAL_FUNCTION`: Win32 reports ERROR_INVALID_FUNCTION.
    @inlinable public static var illegalFunction: NTStatus { NTStatus(rawValue: 0xC000_00AF) }
    /// `STATUS_PIPE_CONNECTED`: Win32 reports ERROR_PIPE_CONNECTED.
    @inlinable public static var pipeConnected: NTStatus { NTStatus(rawValue: 0xC000_00B2) }
    /// `STATUS_PIPE_LISTENING`: Win32 reports ERROR_PIPE_LISTENING.
    @inlinable public static var pipeListening: NTStatus { NTStatus(rawValue: 0xC000_00B3) }
    /// `STATUS_NOT_SUPPORTED`: Win32 reports ERROR_NOT_SUPPORTED.
    @inlinable public static var notSupported: NTStatus { NTStatus(rawValue: 0xC000_00BB) }
    /// `STATUS_THREAD_IS_TERMINATING`: Win32 reports ERROR_ACCESS_DENIED.
    @inlinable public static var threadIsTerminating: NTStatus { NTStatus(rawValue: 0xC000_004B) }
    /// `STATUS_PIPE_DISCONNECTED`: Win32 reports ERROR_PIPE_NOT_CONNECTED.
    @inlinable public static var pipeDisconnected: NTStatus { NTStatus(rawValue: 0xC000_00B0) }
    /// `STATUS_PIPE_CLOSING`: Win32 reports ERROR_NO_DATA.
    @inlinable public static var pipeClosing: NTStatus { NTStatus(rawValue: 0xC000_00B1) }
    /// `STATUS_INVALID_USER_BUFFER`: Win32 reports ERROR_INVALID_USER_BUFFER.
    @inlinable public static var invalidUserBuffer: NTStatus { NTStatus(rawValue: 0xC000_00E8) }
    /// `STATUS_CANCELLED`: Win32 reports ERROR_OPERATION_ABORTED.
    @inlinable public static var cancelled: NTStatus { NTStatus(rawValue: 0xC000_0120) }
    /// `STATUS_PIPE_BROKEN`: Win32 reports ERROR_BROKEN_PIPE.
    @inlinable public static var pipeBroken: NTStatus { NTStatus(rawValue: 0xC000_014B) }
    /// `STATUS_POSSIBLE_DEADLOCK`: Win32 reports ERROR_POSSIBLE_DEADLOCK.
    @inlinable public static var possibleDeadlock: NTStatus { NTStatus(rawValue: 0xC000_0194) }
    /// `STATUS_NOT_FOUND`: Win32 reports ERROR_NOT_FOUND.
    @inlinable public static var notFound: NTStatus { NTStatus(rawValue: 0xC000_0225) }
    /// `STATUS_CONNECTION_ABORTED`: Win32 reports ERROR_CONNECTION_ABORTED.
    @inlinable public static var connectionAborted: NTStatus { NTStatus(rawValue: 0xC000_0241) }

    // The statuses of the disk volume's names and change notification.

    /// `STATUS_NOTIFY_CLEANUP` (informational): a change watch ended because its handle
    /// closed; a success to Win32 callers, with 0 bytes.
    @inlinable public static var notifyCleanup: NTStatus { NTStatus(rawValue: 0x0000_010B) }
    /// `STATUS_NOTIFY_ENUM_DIR` (informational): more changes than the watch's buffer holds;
    /// the application must list the directory again. Win32 reports ERROR_NOTIFY_ENUM_DIR.
    @inlinable public static var notifyEnumDirectory: NTStatus { NTStatus(rawValue: 0x0000_010C) }
    /// `STATUS_NO_MORE_FILES` (a warning): a listing is over. Win32 reports ERROR_NO_MORE_FILES.
    @inlinable public static var noMoreFiles: NTStatus { NTStatus(rawValue: 0x8000_0006) }
    /// `STATUS_NO_SUCH_FILE`: nothing matches a listing's pattern. Win32 reports ERROR_FILE_NOT_FOUND.
    @inlinable public static var noSuchFile: NTStatus { NTStatus(rawValue: 0xC000_000F) }
    /// `STATUS_OBJECT_PATH_NOT_FOUND`: a directory of the path is missing. Win32 reports
    /// ERROR_PATH_NOT_FOUND.
    @inlinable public static var objectPathNotFound: NTStatus { NTStatus(rawValue: 0xC000_003A) }
    /// `STATUS_FILE_IS_A_DIRECTORY`: Win32 reports ERROR_ACCESS_DENIED.
    @inlinable public static var fileIsADirectory: NTStatus { NTStatus(rawValue: 0xC000_00BA) }
    /// `STATUS_NOT_SAME_DEVICE`: a rename across volumes. Win32 reports ERROR_NOT_SAME_DEVICE.
    @inlinable public static var notSameDevice: NTStatus { NTStatus(rawValue: 0xC000_00D4) }
    /// `STATUS_DIRECTORY_NOT_EMPTY`: Win32 reports ERROR_DIR_NOT_EMPTY.
    @inlinable public static var directoryNotEmpty: NTStatus { NTStatus(rawValue: 0xC000_0101) }
    /// `STATUS_NOT_A_DIRECTORY`: Win32 reports ERROR_DIRECTORY.
    @inlinable public static var notADirectory: NTStatus { NTStatus(rawValue: 0xC000_0103) }
    /// `STATUS_CANNOT_DELETE`: Win32 reports ERROR_ACCESS_DENIED.
    @inlinable public static var cannotDelete: NTStatus { NTStatus(rawValue: 0xC000_0121) }

    /// `STATUS_WAIT_0 + index`, the result of a satisfied wait.
    @inlinable public static func wait(_ index: Int) -> NTStatus { NTStatus(rawValue: UInt32(index)) }

    /// The `STATUS_…` name, or the hexadecimal value for a status without one here.
    public var name: String {
        switch self {
        case .success: "STATUS_SUCCESS"
        case .abandonedWait0: "STATUS_ABANDONED_WAIT_0"
        case .userAPC: "STATUS_USER_APC"
        case .alerted: "STATUS_ALERTED"
        case .timeout: "STATUS_TIMEOUT"
        case .pending: "STATUS_PENDING"
        case .bufferOverflow: "STATUS_BUFFER_OVERFLOW"
        case .unsuccessful: "STATUS_UNSUCCESSFUL"
        case .accessViolation: "STATUS_ACCESS_VIOLATION"
        case .invalidHandle: "STATUS_INVALID_HANDLE"
        case .invalidParameter: "STATUS_INVALID_PARAMETER"
        case .invalidDeviceRequest: "STATUS_INVALID_DEVICE_REQUEST"
        case .endOfFile: "STATUS_END_OF_FILE"
        case .objectTypeMismatch: "STATUS_OBJECT_TYPE_MISMATCH"
        case .objectNameNotFound: "STATUS_OBJECT_NAME_NOT_FOUND"
        case .threadIsTerminating: "STATUS_THREAD_IS_TERMINATING"
        case .accessDenied: "STATUS_ACCESS_DENIED"
        case .objectNameInvalid: "STATUS_OBJECT_NAME_INVALID"
        case .objectNameCollision: "STATUS_OBJECT_NAME_COLLISION"
        case .sharingViolation: "STATUS_SHARING_VIOLATION"
        case .deletePending: "STATUS_DELETE_PENDING"
        case .diskFull: "STATUS_DISK_FULL"
        case .instanceNotAvailable: "STATUS_INSTANCE_NOT_AVAILABLE"
        case .pipeNotAvailable: "STATUS_PIPE_NOT_AVAILABLE"
        case .invalidPipeState: "STATUS_INVALID_PIPE_STATE"
        case .illegalFunction: "STATUS_ILLEGAL_FUNCTION"
        case .pipeConnected: "STATUS_PIPE_CONNECTED"
        case .pipeListening: "STATUS_PIPE_LISTENING"
        case .notSupported: "STATUS_NOT_SUPPORTED"
        case .pipeDisconnected: "STATUS_PIPE_DISCONNECTED"
        case .pipeClosing: "STATUS_PIPE_CLOSING"
        case .invalidUserBuffer: "STATUS_INVALID_USER_BUFFER"
        case .cancelled: "STATUS_CANCELLED"
        case .pipeBroken: "STATUS_PIPE_BROKEN"
        case .possibleDeadlock: "STATUS_POSSIBLE_DEADLOCK"
        case .notFound: "STATUS_NOT_FOUND"
        case .connectionAborted: "STATUS_CONNECTION_ABORTED"
        case .notifyCleanup: "STATUS_NOTIFY_CLEANUP"
        case .notifyEnumDirectory: "STATUS_NOTIFY_ENUM_DIR"
        case .noMoreFiles: "STATUS_NO_MORE_FILES"
        case .noSuchFile: "STATUS_NO_SUCH_FILE"
        case .objectPathNotFound: "STATUS_OBJECT_PATH_NOT_FOUND"
        case .fileIsADirectory: "STATUS_FILE_IS_A_DIRECTORY"
        case .notSameDevice: "STATUS_NOT_SAME_DEVICE"
        case .directoryNotEmpty: "STATUS_DIRECTORY_NOT_EMPTY"
        case .notADirectory: "STATUS_NOT_A_DIRECTORY"
        case .cannotDelete: "STATUS_CANNOT_DELETE"
        default: "0x" + String(rawValue, radix: 16, uppercase: true)
        }
    }

    public var description: String { name }
}
