/// A driver that breaks one rule of the IRP life cycle, so that a test can see the simulator
/// report it as a bug check (Windows would crash) and keep the request consistent.
public final class FaultyDriver: Driver {
    public enum Fault: Sendable {
        /// Completes every read twice (`MULTIPLE_IRP_COMPLETE_REQUESTS`, 0x44).
        case completesTwice
        /// Returns `STATUS_PENDING` without `IoMarkIrpPending` (0xC9).
        case returnsPendingWithoutMarking
        /// Completes with its cancel routine still armed (0xC9).
        case completesWithCancelRoutineArmed
        /// Returns success without completing the IRP (0xC9).
        case returnsWithoutCompleting
        /// Marks requests pending and then forgets them: they never complete.
        case neverCompletes
    }

    public let fault: Fault
    /// Requests the driver dropped (``Fault/neverCompletes``), so a test can see them.
    public private(set) var dropped: [IRP] = []

    public init(_ fault: Fault) { self.fault = fault }

    public func dispatch(_ irp: IRP, _ k: DriverContext) -> NTStatus {
        switch fault {
        case .completesTwice:
            k.complete(irp, status: .success, information: 0)
            return k.complete(irp, status: .success, information: 0)
        case .returnsPendingWithoutMarking:
            return .pending
        case .completesWithCancelRoutineArmed:
            k.setCancelRoutine(irp, NeverCalled.shared)
            return k.complete(irp, status: .success, information: 0)
        case .returnsWithoutCompleting:
            return .success
        case .neverCompletes:
            k.markPending(irp)
            dropped.append(irp)
            return .pending
        }
    }

    /// The requests it dropped hold their file object, its device and so this driver.
    public func simulationEnded() { dropped.removeAll() }

    private final class NeverCalled: CancelRoutine {
        nonisolated(unsafe) static let shared = NeverCalled()
        func cancel(_ irp: IRP, _ context: DriverContext) {}
    }
}
