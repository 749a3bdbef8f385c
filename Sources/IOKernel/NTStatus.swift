/// An NT status code, as the kernel and drivers report it and as Windows stores it in
/// `OVERLAPPED.Internal`.
///
/// The top two bits give the severity: `00` success, `01` informational, `10` warning,
/// `11` error. `NT_SUCCESS` is "success or informational"; a warning such as
/// ``bufferOverflow`` is not a success to Win32 callers, but a warning still delivers data and
/// notifications like a success does (nt-io-model §2.5).
public struct NTStatus: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32

    @inlinable public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// `NT_SUCCESS(status)`: success or informational.
    @inlinable public var isSuccess: Bool { Int32(bitPattern: rawValue) >= 0 }
    /// `NT_WARNING(status)`.
    @inlinable public var isWarning: Bool { rawValue >> 30 == 2 }
    /// `NT_ERROR(status)`.
    @inlinable public var isError: Bool { rawValue >> 30 == 3 }

    public static let success = NTStatus(rawValue: 0x0000_0000)
    public static let abandonedWait0 = NTStatus(rawValue: 0x0000_0080)
    public static let userAPC = NTStatus(rawValue: 0x0000_00C0)
    public static let alerted = NTStatus(rawValue: 0x0000_0101)
    public static let timeout = NTStatus(rawValue: 0x0000_0102)
    public static let pending = NTStatus(rawValue: 0x0000_0103)
    public static let bufferOverflow = NTStatus(rawValue: 0x8000_0005)
    public static let unsuccessful = NTStatus(rawValue: 0xC000_0001)
    public static let accessViolation = NTStatus(rawValue: 0xC000_0005)
    public static let invalidHandle = NTStatus(rawValue: 0xC000_0008)
    public static let invalidParameter = NTStatus(rawValue: 0xC000_000D)
    public static let invalidDeviceRequest = NTStatus(rawValue: 0xC000_0010)
    public static let endOfFile = NTStatus(rawValue: 0xC000_0011)
    public static let objectTypeMismatch = NTStatus(rawValue: 0xC000_0024)
    public static let objectNameNotFound = NTStatus(rawValue: 0xC000_0034)
    public static let threadIsTerminating = NTStatus(rawValue: 0xC000_004B)
    public static let pipeDisconnected = NTStatus(rawValue: 0xC000_00B0)
    public static let pipeClosing = NTStatus(rawValue: 0xC000_00B1)
    public static let invalidUserBuffer = NTStatus(rawValue: 0xC000_00E8)
    public static let cancelled = NTStatus(rawValue: 0xC000_0120)
    public static let pipeBroken = NTStatus(rawValue: 0xC000_014B)
    public static let possibleDeadlock = NTStatus(rawValue: 0xC000_0194)
    public static let notFound = NTStatus(rawValue: 0xC000_0225)
    public static let connectionAborted = NTStatus(rawValue: 0xC000_0241)

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
        case .pipeDisconnected: "STATUS_PIPE_DISCONNECTED"
        case .pipeClosing: "STATUS_PIPE_CLOSING"
        case .invalidUserBuffer: "STATUS_INVALID_USER_BUFFER"
        case .cancelled: "STATUS_CANCELLED"
        case .pipeBroken: "STATUS_PIPE_BROKEN"
        case .possibleDeadlock: "STATUS_POSSIBLE_DEADLOCK"
        case .notFound: "STATUS_NOT_FOUND"
        case .connectionAborted: "STATUS_CONNECTION_ABORTED"
        default: "0x" + String(rawValue, radix: 16, uppercase: true)
        }
    }

    public var description: String { name }
}
