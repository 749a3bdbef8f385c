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

    /// `STATUS_SUCCESS`: Win32 reports ERROR_SUCCESS.
    public static let success = NTStatus(rawValue: 0x0000_0000)
    /// `STATUS_ABANDONED_WAIT_0`: Win32 reports WAIT_ABANDONED_0 from the wait functions.
    public static let abandonedWait0 = NTStatus(rawValue: 0x0000_0080)
    /// `STATUS_USER_APC`: Win32 reports WAIT_IO_COMPLETION from the wait functions.
    public static let userAPC = NTStatus(rawValue: 0x0000_00C0)
    /// `STATUS_ALERTED`: Win32 reports ERROR_ALERTED.
    public static let alerted = NTStatus(rawValue: 0x0000_0101)
    /// `STATUS_TIMEOUT`: Win32 reports WAIT_TIMEOUT from the wait functions.
    public static let timeout = NTStatus(rawValue: 0x0000_0102)
    /// `STATUS_PENDING`: Win32 reports ERROR_IO_PENDING.
    public static let pending = NTStatus(rawValue: 0x0000_0103)
    /// `STATUS_BUFFER_OVERFLOW`: Win32 reports ERROR_MORE_DATA (a warning).
    public static let bufferOverflow = NTStatus(rawValue: 0x8000_0005)
    /// `STATUS_UNSUCCESSFUL`: Win32 reports ERROR_GEN_FAILURE.
    public static let unsuccessful = NTStatus(rawValue: 0xC000_0001)
    /// `STATUS_ACCESS_VIOLATION`: Win32 reports ERROR_NOACCESS.
    public static let accessViolation = NTStatus(rawValue: 0xC000_0005)
    /// `STATUS_INVALID_HANDLE`: Win32 reports ERROR_INVALID_HANDLE.
    public static let invalidHandle = NTStatus(rawValue: 0xC000_0008)
    /// `STATUS_INVALID_PARAMETER`: Win32 reports ERROR_INVALID_PARAMETER.
    public static let invalidParameter = NTStatus(rawValue: 0xC000_000D)
    /// `STATUS_INVALID_DEVICE_REQUEST`: Win32 reports ERROR_INVALID_FUNCTION.
    public static let invalidDeviceRequest = NTStatus(rawValue: 0xC000_0010)
    /// `STATUS_END_OF_FILE`: Win32 reports ERROR_HANDLE_EOF.
    public static let endOfFile = NTStatus(rawValue: 0xC000_0011)
    /// `STATUS_OBJECT_TYPE_MISMATCH`: Win32 reports ERROR_INVALID_HANDLE.
    public static let objectTypeMismatch = NTStatus(rawValue: 0xC000_0024)
    /// `STATUS_OBJECT_NAME_NOT_FOUND`: Win32 reports ERROR_FILE_NOT_FOUND.
    public static let objectNameNotFound = NTStatus(rawValue: 0xC000_0034)
    /// `STATUS_ACCESS_DENIED`: Win32 reports ERROR_ACCESS_DENIED.
    public static let accessDenied = NTStatus(rawValue: 0xC000_0022)
    /// `STATUS_OBJECT_NAME_INVALID`: Win32 reports ERROR_INVALID_NAME.
    public static let objectNameInvalid = NTStatus(rawValue: 0xC000_0033)
    /// `STATUS_OBJECT_NAME_COLLISION`: Win32 reports ERROR_ALREADY_EXISTS (`CreateFile` turns
    /// it into ERROR_FILE_EXISTS).
    public static let objectNameCollision = NTStatus(rawValue: 0xC000_0035)
    /// `STATUS_SHARING_VIOLATION`: Win32 reports ERROR_SHARING_VIOLATION.
    public static let sharingViolation = NTStatus(rawValue: 0xC000_0043)
    /// `STATUS_DELETE_PENDING`: Win32 reports ERROR_ACCESS_DENIED.
    public static let deletePending = NTStatus(rawValue: 0xC000_0056)
    /// `STATUS_DISK_FULL`: Win32 reports ERROR_DISK_FULL.
    public static let diskFull = NTStatus(rawValue: 0xC000_007F)
    /// `STATUS_INSTANCE_NOT_AVAILABLE`: Win32 reports ERROR_PIPE_BUSY.
    public static let instanceNotAvailable = NTStatus(rawValue: 0xC000_00AB)
    /// `STATUS_PIPE_NOT_AVAILABLE`: Win32 reports ERROR_PIPE_BUSY.
    public static let pipeNotAvailable = NTStatus(rawValue: 0xC000_00AC)
    /// `STATUS_INVALID_PIPE_STATE`: Win32 reports ERROR_BAD_PIPE.
    public static let invalidPipeState = NTStatus(rawValue: 0xC000_00AD)
    /// `STATUS_ILLEGAL_FUNCTION`: Win32 reports ERROR_INVALID_FUNCTION.
    public static let illegalFunction = NTStatus(rawValue: 0xC000_00AF)
    /// `STATUS_PIPE_CONNECTED`: Win32 reports ERROR_PIPE_CONNECTED.
    public static let pipeConnected = NTStatus(rawValue: 0xC000_00B2)
    /// `STATUS_PIPE_LISTENING`: Win32 reports ERROR_PIPE_LISTENING.
    public static let pipeListening = NTStatus(rawValue: 0xC000_00B3)
    /// `STATUS_NOT_SUPPORTED`: Win32 reports ERROR_NOT_SUPPORTED.
    public static let notSupported = NTStatus(rawValue: 0xC000_00BB)
    /// `STATUS_THREAD_IS_TERMINATING`: Win32 reports ERROR_ACCESS_DENIED.
    public static let threadIsTerminating = NTStatus(rawValue: 0xC000_004B)
    /// `STATUS_PIPE_DISCONNECTED`: Win32 reports ERROR_PIPE_NOT_CONNECTED.
    public static let pipeDisconnected = NTStatus(rawValue: 0xC000_00B0)
    /// `STATUS_PIPE_CLOSING`: Win32 reports ERROR_NO_DATA.
    public static let pipeClosing = NTStatus(rawValue: 0xC000_00B1)
    /// `STATUS_INVALID_USER_BUFFER`: Win32 reports ERROR_INVALID_USER_BUFFER.
    public static let invalidUserBuffer = NTStatus(rawValue: 0xC000_00E8)
    /// `STATUS_CANCELLED`: Win32 reports ERROR_OPERATION_ABORTED.
    public static let cancelled = NTStatus(rawValue: 0xC000_0120)
    /// `STATUS_PIPE_BROKEN`: Win32 reports ERROR_BROKEN_PIPE.
    public static let pipeBroken = NTStatus(rawValue: 0xC000_014B)
    /// `STATUS_POSSIBLE_DEADLOCK`: Win32 reports ERROR_POSSIBLE_DEADLOCK.
    public static let possibleDeadlock = NTStatus(rawValue: 0xC000_0194)
    /// `STATUS_NOT_FOUND`: Win32 reports ERROR_NOT_FOUND.
    public static let notFound = NTStatus(rawValue: 0xC000_0225)
    /// `STATUS_CONNECTION_ABORTED`: Win32 reports ERROR_CONNECTION_ABORTED.
    public static let connectionAborted = NTStatus(rawValue: 0xC000_0241)

    // The statuses of the disk volume's names and change notification.

    /// `STATUS_NOTIFY_CLEANUP` (informational): a change watch ended because its handle
    /// closed; a success to Win32 callers, with 0 bytes.
    public static let notifyCleanup = NTStatus(rawValue: 0x0000_010B)
    /// `STATUS_NOTIFY_ENUM_DIR` (informational): more changes than the watch's buffer holds;
    /// the application must list the directory again. Win32 reports ERROR_NOTIFY_ENUM_DIR.
    public static let notifyEnumDirectory = NTStatus(rawValue: 0x0000_010C)
    /// `STATUS_NO_MORE_FILES` (a warning): a listing is over. Win32 reports ERROR_NO_MORE_FILES.
    public static let noMoreFiles = NTStatus(rawValue: 0x8000_0006)
    /// `STATUS_NO_SUCH_FILE`: nothing matches a listing's pattern. Win32 reports ERROR_FILE_NOT_FOUND.
    public static let noSuchFile = NTStatus(rawValue: 0xC000_000F)
    /// `STATUS_OBJECT_PATH_NOT_FOUND`: a directory of the path is missing. Win32 reports
    /// ERROR_PATH_NOT_FOUND.
    public static let objectPathNotFound = NTStatus(rawValue: 0xC000_003A)
    /// `STATUS_FILE_IS_A_DIRECTORY`: Win32 reports ERROR_ACCESS_DENIED.
    public static let fileIsADirectory = NTStatus(rawValue: 0xC000_00BA)
    /// `STATUS_NOT_SAME_DEVICE`: a rename across volumes. Win32 reports ERROR_NOT_SAME_DEVICE.
    public static let notSameDevice = NTStatus(rawValue: 0xC000_00D4)
    /// `STATUS_DIRECTORY_NOT_EMPTY`: Win32 reports ERROR_DIR_NOT_EMPTY.
    public static let directoryNotEmpty = NTStatus(rawValue: 0xC000_0101)
    /// `STATUS_NOT_A_DIRECTORY`: Win32 reports ERROR_DIRECTORY.
    public static let notADirectory = NTStatus(rawValue: 0xC000_0103)
    /// `STATUS_CANNOT_DELETE`: Win32 reports ERROR_ACCESS_DENIED.
    public static let cannotDelete = NTStatus(rawValue: 0xC000_0121)

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
