/// A device driver, as the simulated I/O manager calls it.
///
/// Each routine receives the IRP and a ``DriverContext`` with the NT primitives. A routine
/// either completes the IRP (`return k.complete(irp, status: …)`) or marks it pending and
/// returns `.pending`, exactly as a WDM dispatch routine does; anything else is a driver bug
/// that the kernel reports as a ``BugCheck``.
///
/// - `create`: `IRP_MJ_CREATE`, when `CreateFile` opens the device. Pending it makes the open
///   slow (the caller blocks).
/// - `dispatch`: `IRP_MJ_READ` and `IRP_MJ_WRITE`.
/// - `cleanup`: `IRP_MJ_CLEANUP`, when the last handle to a file object closes. This is where a
///   driver completes the requests it still holds for that file object, or does not.
///   Pending it blocks `CloseHandle`.
/// - `close`: `IRP_MJ_CLOSE`, when the last reference goes; it cannot fail.
public protocol Driver: AnyObject {
    func create(_ irp: IRP, _ k: DriverContext) -> NTStatus
    func dispatch(_ irp: IRP, _ k: DriverContext) -> NTStatus
    func cleanup(_ irp: IRP, _ k: DriverContext) -> NTStatus
    func close(_ fileObject: FileObject, _ k: DriverContext)
    /// Called once when the device is installed, so that the driver can keep the context for
    /// work it starts itself (a test completing requests by hand).
    func installed(on device: Device, _ k: DriverContext)
    /// Called when the simulation the driver is installed in goes away (once per simulation,
    /// however many devices it serves): a driver whose state refers to itself in cycles (two
    /// connected pipe ends) breaks them here.
    func simulationEnded()
}

/// The defaults: an open that succeeds at once, a cleanup that completes at once and leaves
/// pending requests alone, a close that does nothing.
extension Driver {
    public func create(_ irp: IRP, _ k: DriverContext) -> NTStatus { k.complete(irp, status: .success) }
    public func cleanup(_ irp: IRP, _ k: DriverContext) -> NTStatus { k.complete(irp, status: .success) }
    public func close(_ fileObject: FileObject, _ k: DriverContext) {}
    public func installed(on device: Device, _ k: DriverContext) {}
    public func simulationEnded() {}
}

/// The NT primitives a driver uses: `IoMarkIrpPending`, `IoCompleteRequest`,
/// `IoSetCancelRoutine`, timers on the virtual clock.
///
/// The race rules are built in: completing an IRP takes it from the driver exactly once;
/// `setCancelRoutine` is an atomic exchange, so a driver that gets `nil` back from
/// `setCancelRoutine(irp, nil)` knows the cancel routine owns the IRP and must not complete it.
///
/// A struct holding an unretained reference to the kernel: passing it to every dispatch routine
/// costs nothing (no reference counting). Like the drivers that keep it, it must not outlive
/// its simulation.
public struct DriverContext {
    /// The kernel, unretained. Every primitive borrows it (`_withUnsafeGuaranteedRef`): an
    /// `unowned(unsafe)` reference would be copied into a strong one, retained and released,
    /// at each use.
    let kernelReference: Unmanaged<Kernel>

    /// The kernel, for the paths off the hot path.
    var kernel: Kernel { kernelReference.takeUnretainedValue() }

    init(kernel: Kernel) { self.kernelReference = Unmanaged.passUnretained(kernel) }

    /// The virtual time now.
    public var now: VirtualInstant { kernel.now }

    /// `IoMarkIrpPending`: the dispatch routine will return `.pending`. Call it before the IRP
    /// becomes reachable from anywhere else (a queue, a timer, a cancel routine).
    public func markPending(_ irp: IRP) {
        irp.isMarkedPending = true
    }

    /// `IoCompleteRequest`: the driver is done with the IRP. Completion processing then runs in
    /// the issuing thread. Returns `status`, so that a dispatch routine can
    /// `return k.complete(irp, status: …)`.
    @discardableResult
    public func complete(_ irp: IRP, status: NTStatus, information: Int = 0) -> NTStatus {
        kernelReference._withUnsafeGuaranteedRef { $0.completeRequest(irp, status: status, information: information) }
        return status
    }

    /// `IoSetCancelRoutine`: arms (or, with nil, disarms) the IRP's cancel routine and returns
    /// the one that was armed before. A nil result from disarming means the I/O manager has
    /// already taken the routine to call it: the cancel routine owns the IRP.
    @discardableResult
    public func setCancelRoutine(_ irp: IRP, _ routine: CancelRoutine?) -> CancelRoutine? {
        let previous = irp.cancelRoutine
        irp.cancelRoutine = routine
        return previous
    }

    /// Schedules `action` on the virtual clock, `delay` from now. Device events due at the same
    /// instant run in the order they were scheduled.
    @discardableResult
    public func schedule(after delay: Duration, _ label: String, _ action: @escaping () -> Void) -> ScheduledEvent {
        kernel.timers.schedule(at: kernel.now.advanced(by: delay), label: label, action)
    }

    /// Runs device-side work started from outside the kernel (a test completing a request by
    /// hand) as a kernel call of the running thread, so that completion work queued to that
    /// thread runs before control returns to it.
    public func deviceAction<R>(_ body: () -> R) -> R { kernel.call(body) }

    /// Adds a line to the trace.
    public func trace(_ note: @autoclosure () -> String) {
        if kernel.tracing { kernel.record(.note(note())) }
    }
}
