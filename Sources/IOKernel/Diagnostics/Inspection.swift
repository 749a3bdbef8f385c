/// A snapshot of an object, in the spirit of WinDbg's `!object`.
public struct ObjectDump: Equatable, Sendable, CustomStringConvertible {
    public let label: String
    public let kind: ObjectKind
    public let handleCount: Int
    public let pointerCount: Int
    /// For file objects: whether `IRP_MJ_CLEANUP` and `IRP_MJ_CLOSE` were sent.
    public let cleanupSent: Bool?
    public let closeSent: Bool?
    public let isDeleted: Bool
    /// The IRPs in flight on the object (file objects), oldest first.
    public let liveIRPs: [IRPDump]

    public var description: String {
        var text = "Object: \(label)  Type: (\(kind.rawValue))\n"
        text += "    HandleCount: \(handleCount)  PointerCount: \(pointerCount)"
        if isDeleted { text += "  (deleted)" }
        if let cleanupSent, let closeSent {
            text += "\n    Cleanup sent: \(cleanupSent ? "yes" : "no")  Close sent: \(closeSent ? "yes" : "no")"
        }
        for irp in liveIRPs { text += "\n    \(irp.summary)" }
        return text
    }
}

/// A snapshot of an IRP, in the spirit of WinDbg's `!irp`.
public struct IRPDump: Equatable, Sendable, CustomStringConvertible {
    public let id: Int
    public let major: MajorFunction
    public let state: IRPState
    public let isCancelRequested: Bool
    public let isCancelRoutineArmed: Bool
    public let pendingReturned: Bool
    /// The issuing thread's name.
    public let thread: String?
    public let fileObject: String
    /// `UserIosb`: the address of the caller's `OVERLAPPED`.
    public let overlappedAddress: UInt?
    public let status: NTStatus
    public let information: Int

    /// One line: id, major function, state and cancel state.
    public var summary: String {
        "IRP#\(id) \(major.rawValue) \(state.rawValue)" + (isCancelRequested ? " cancel-requested" : "")
            + (isCancelRoutineArmed ? " cancel-routine-armed" : "")
    }

    public var description: String {
        var text = "Irp is active with \(major.rawValue): IRP#\(id) [\(state.rawValue)]\n"
        text += "    Cancel: \(isCancelRequested ? "yes" : "no")  CancelRoutine: \(isCancelRoutineArmed ? "armed" : "none")"
        text += "  PendingReturned: \(pendingReturned ? "yes" : "no")\n"
        text += "    Thread: \(thread ?? "none")  FileObject: \(fileObject)"
        text += "  UserIosb: " + (overlappedAddress.map { "0x" + String($0, radix: 16) } ?? "none") + "\n"
        text += "    IoStatus: \(status), Information: \(information)"
        return text
    }
}

extension IRP {
    /// The `!irp` view of this request.
    public var dump: IRPDump {
        IRPDump(id: id, major: major, state: state, isCancelRequested: isCancelRequested,
                isCancelRoutineArmed: isCancelRoutineArmed, pendingReturned: pendingReturned, thread: thread?.name,
                fileObject: fileObject.label, overlappedAddress: overlappedAddress, status: status, information: information)
    }
}
