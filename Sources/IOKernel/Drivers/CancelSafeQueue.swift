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
    // The queue is a list linked through its IRPs (``IRP/queueNext``), as `IoCsq` links
    // `Irp->Tail.Overlay.ListEntry`: the kernel's lookaside list owns the IRPs, so neither the
    // links nor the IRPs' pointer back to the queue are reference counted.
    @exclusivity(unchecked) private var head: Unmanaged<IRP>?
    @exclusivity(unchecked) private var tail: Unmanaged<IRP>?
    @exclusivity(unchecked) public private(set) var count = 0

    public init(cancellable: Bool = true, onCancelled: CancelledHandler? = nil) {
        self.isCancellable = cancellable
        self.onCancelled = onCancelled
    }

    /// The IRPs queued, oldest first.
    public var queued: [IRP] {
        var result: [IRP] = []
        result.reserveCapacity(count)
        var next = head
        while let link = next {
            let irp = link.takeUnretainedValue()
            result.append(irp)
            next = irp.queueNext
        }
        return result
    }
    public var isEmpty: Bool { head == nil }

    /// `IoCsqInsertIrp`: marks the IRP pending and queues it. If it was already cancelled (and
    /// the queue is cancellable), it is completed as cancelled instead and `false` returned.
    /// An IRP is in one queue at a time (it has one list entry): inserting it into another
    /// takes it out of the first.
    @discardableResult @inline(__always)
    public func insert(_ irp: IRP, _ k: DriverContext) -> Bool {
        k.markPending(irp)
        // The rare cases out of line: an IRP already cancelled, or one still in a queue.
        if (isCancellable && irp.isCancelRequested) || irp.queue != nil { return insertRarely(irp, k) }
        link(irp)
        return true
    }

    /// ``insert(_:_:)`` for an IRP already cancelled or still in another queue.
    @inline(never) private func insertRarely(_ irp: IRP, _ k: DriverContext) -> Bool {
        if isCancellable && irp.isCancelRequested {
            cancelled(irp, k)
            return false
        }
        if let other = irp.queue { other._withUnsafeGuaranteedRef { $0.unlink(irp) } }
        link(irp)
        return true
    }

    /// Links the IRP in at the tail and arms the queue's cancel routine.
    @inline(__always) private func link(_ irp: IRP) {
        let link = Unmanaged.passUnretained(irp)
        irp.queue = Unmanaged.passUnretained(self)
        // Armed without a reference count: the IRP is in the queue for as long as it is armed.
        irp.isArmedByQueue = isCancellable
        irp.queuePrevious = tail
        irp.queueNext = nil
        if let tail { tail._withUnsafeGuaranteedRef { $0.queueNext = link } } else { head = link }
        tail = link
        count &+= 1
    }

    deinit { releaseQueued() }

    /// `IoCsqRemoveNextIrp`: the oldest queued IRP (of `fileObject`, if given) whose cancel
    /// routine could be taken back, removed from the queue.
    public func removeNext(for fileObject: FileObject? = nil, _ k: DriverContext) -> IRP? {
        removeNextUnretained(for: fileObject, k)?.takeUnretainedValue()
    }

    /// ``removeNext(for:_:)`` for the hot path, which borrows the IRP (the lookaside list keeps
    /// it): no reference counting.
    @inline(__always)
    func removeNextUnretained(for fileObject: FileObject? = nil, _ k: DriverContext) -> Unmanaged<IRP>? {
        // The common case inline: the oldest IRP of any file, its cancel routine the queue's own.
        if fileObject == nil, let first = head {
            let taken = first._withUnsafeGuaranteedRef { irp -> Bool in
                guard !isCancellable || irp.isArmedByQueue else { return false }
                unlink(irp)
                return true
            }
            if taken { return first }
        }
        return searchNext(for: fileObject, k)
    }

    /// ``removeNextUnretained(for:_:)`` past the head: the oldest IRP whose cancel routine can
    /// be taken back.
    @inline(never) private func searchNext(for fileObject: FileObject?, _ k: DriverContext) -> Unmanaged<IRP>? {
        var next = head
        while let link = next {
            let taken = link._withUnsafeGuaranteedRef { irp -> Bool in
                next = irp.queueNext
                guard fileObject == nil || irp.fileObject === fileObject, takeBack(irp, k) else { return false }
                unlink(irp)
                return true
            }
            if taken { return link }
        }
        return nil
    }

    /// `IoCsqRemoveIrp`: removes this IRP if it is queued and not being cancelled.
    public func remove(_ irp: IRP, _ k: DriverContext) -> Bool {
        guard isQueued(irp), takeBack(irp, k) else { return false }
        unlink(irp)
        return true
    }

    /// The queue's cancel routine.
    public func cancel(_ irp: IRP, _ context: DriverContext) {
        if isQueued(irp) { unlink(irp) }
        cancelled(irp, context)
    }

    private func cancelled(_ irp: IRP, _ k: DriverContext) {
        if let onCancelled { onCancelled(irp, k) } else { k.complete(irp, status: .cancelled, information: 0) }
    }

    /// The simulation is released (or the queue goes away) with requests still queued: the
    /// queue lets go of them, so that none points back to it. The kernel calls it for every
    /// queue that still holds an IRP (``IRPLookasideList/releaseQueues()``), while the IRPs
    /// still exist; a driver's `simulationEnded()` may call it too.
    package func releaseQueued() {
        var next = head
        while let link = next {
            link._withUnsafeGuaranteedRef { irp in
                next = irp.queueNext
                irp.queue = nil
                irp.isArmedByQueue = false
                irp.queueNext = nil
                irp.queuePrevious = nil
            }
        }
        head = nil
        tail = nil
        count = 0
    }

    @inline(__always) private func isQueued(_ irp: IRP) -> Bool {
        irp.queue?.toOpaque() == Unmanaged.passUnretained(self).toOpaque()
    }

    /// Takes the cancel routine back; false when cancellation already owns the IRP.
    private func takeBack(_ irp: IRP, _ k: DriverContext) -> Bool {
        guard isCancellable else { return true }
        // The common case, the queue's own routine still armed, without materialising it.
        if irp.isArmedByQueue {
            irp.isArmedByQueue = false
            return true
        }
        return k.setCancelRoutine(irp, nil) != nil
    }

    /// Takes a queued IRP out of the list.
    @inline(__always) fileprivate func unlink(_ irp: IRP) {
        let previous = irp.queuePrevious
        let next = irp.queueNext
        if let previous { previous._withUnsafeGuaranteedRef { $0.queueNext = next } } else { head = next }
        if let next { next._withUnsafeGuaranteedRef { $0.queuePrevious = previous } } else { tail = previous }
        irp.queueNext = nil
        irp.queuePrevious = nil
        irp.queue = nil
        irp.isArmedByQueue = false
        count &-= 1
    }
}
