/// A cancel-safe IRP queue (`IoCsq*`), the way drivers should hold pending requests.
///
/// Inserting marks the IRP pending and arms the queue's own cancel routine; removing takes the
/// routine back first, and skips an IRP whose cancellation is already under way (its cancel
/// routine will remove and complete it). A request therefore completes exactly once however
/// cancellation races with the driver (nt-io-model §3.3).
///
/// A queue created with `cancellable: false` arms no cancel routine: cancelling its IRPs only
/// sets their cancel flag, and they complete whenever the driver completes them.
public final class CancelSafeQueue: CancelRoutine {
    /// What the queue does with an IRP cancelled while queued; by default it completes it with
    /// `STATUS_CANCELLED` and 0 bytes at once (as a cancel routine must, "Implementing a Cancel
    /// Routine"). A driver with a slow cancel path completes it later instead.
    public typealias CancelledHandler = (IRP, DriverContext) -> Void

    public let isCancellable: Bool
    private let onCancelled: CancelledHandler?
    @exclusivity(unchecked) private var irps: [IRP] = []
    @exclusivity(unchecked) private var head = 0

    public init(cancellable: Bool = true, onCancelled: CancelledHandler? = nil) {
        self.isCancellable = cancellable
        self.onCancelled = onCancelled
    }

    /// The IRPs queued, oldest first.
    public var queued: [IRP] { Array(irps[head...]) }
    public var count: Int { irps.count - head }
    public var isEmpty: Bool { head == irps.count }

    /// `IoCsqInsertIrp`: marks the IRP pending and queues it. If it was already cancelled (and
    /// the queue is cancellable), it is completed as cancelled instead and `false` returned.
    @discardableResult
    public func insert(_ irp: IRP, _ k: DriverContext) -> Bool {
        k.markPending(irp)
        if isCancellable {
            if irp.isCancelRequested {
                cancelled(irp, k)
                return false
            }
            // Armed without a reference count (IRP.cancelQueue): the queue holds the IRP
            // meanwhile, and its deinit disarms what it still holds.
            irp.cancelQueue = Unmanaged.passUnretained(self)
        }
        irps.append(irp)
        return true
    }

    deinit {
        for irp in irps[head...] where irp.cancelQueue?.toOpaque() == Unmanaged.passUnretained(self).toOpaque() {
            irp.cancelQueue = nil
        }
    }

    /// `IoCsqRemoveNextIrp`: the oldest queued IRP (of `fileObject`, if given) whose cancel
    /// routine could be taken back, removed from the queue.
    public func removeNext(for fileObject: FileObject? = nil, _ k: DriverContext) -> IRP? {
        var index = head
        while index < irps.count {
            let irp = irps[index]
            if fileObject == nil || irp.fileObject === fileObject, takeBack(irp, k) {
                removeAt(index)
                return irp
            }
            index += 1
        }
        return nil
    }

    /// `IoCsqRemoveIrp`: removes this IRP if it is queued and not being cancelled.
    public func remove(_ irp: IRP, _ k: DriverContext) -> Bool {
        guard let index = irps[head...].firstIndex(where: { $0 === irp }), takeBack(irp, k) else { return false }
        removeAt(index)
        return true
    }

    /// The queue's cancel routine.
    public func cancel(_ irp: IRP, _ context: DriverContext) {
        if let index = irps[head...].firstIndex(where: { $0 === irp }) { removeAt(index) }
        cancelled(irp, context)
    }

    private func cancelled(_ irp: IRP, _ k: DriverContext) {
        if let onCancelled { onCancelled(irp, k) } else { k.complete(irp, status: .cancelled, information: 0) }
    }

    /// Takes the cancel routine back; false when cancellation already owns the IRP.
    /// The simulation is released with requests still queued: the queue lets go of them (each
    /// holds its file object, and through it the device and the driver that holds the queue).
    /// The kernel calls it for a queue armed as an IRP's cancel routine; a driver's
    /// `simulationEnded()` calls it for a queue that arms none.
    package func releaseQueued() {
        irps.removeAll()
        head = 0
    }

    private func takeBack(_ irp: IRP, _ k: DriverContext) -> Bool {
        guard isCancellable else { return true }
        // The common case, the queue's own routine still armed, without materialising it.
        if irp.cancelQueue != nil {
            irp.cancelQueue = nil
            return true
        }
        return k.setCancelRoutine(irp, nil) != nil
    }

    private func removeAt(_ index: Int) {
        // The common case, a queue of one: removeLast is cheap where removeAll is a generic call.
        if index == 0 && irps.count == 1 {
            irps.removeLast()
            head = 0
            return
        }
        if index == head {
            head += 1
            if head == irps.count {
                irps.removeAll(keepingCapacity: true)
                head = 0
            } else if head > 64, head * 2 > irps.count {
                irps.removeFirst(head)
                head = 0
            }
        } else {
            irps.remove(at: index)
        }
    }
}
