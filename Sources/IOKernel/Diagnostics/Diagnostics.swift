/// A driver broke a rule that would crash Windows with a bug check (blue screen). The simulator
/// records it, keeps the IRP consistent, and carries on, so that the test can report it.
public struct BugCheck: Equatable, Sendable, CustomStringConvertible {
    /// The bug-check code Windows would raise (`0x44` MULTIPLE_IRP_COMPLETE_REQUESTS…).
    public let code: UInt32
    public let name: String
    /// The IRP involved, if any.
    public let irp: Int?
    public let detail: String

    public var description: String {
        "0x\(String(code, radix: 16, uppercase: true)) \(name)" + (irp.map { " (IRP#\($0))" } ?? "") + ": \(detail)"
    }

    /// `MULTIPLE_IRP_COMPLETE_REQUESTS`: an IRP completed twice.
    public static let multipleIRPCompleteRequests: UInt32 = 0x44
    /// `CANCEL_STATE_IN_COMPLETED_IRP`: a cancel routine called for a completed IRP.
    public static let cancelStateInCompletedIRP: UInt32 = 0x48
    /// `DRIVER_VERIFIER_IOMANAGER_VIOLATION`: completion with a cancel routine armed, with
    /// `STATUS_PENDING`, pending returned without marking, and the like.
    public static let ioManagerViolation: UInt32 = 0xC9
}
