/// An I/O completion port: a queue of completion packets (FIFO) and the threads waiting on it,
/// released last-in-first-out while fewer than `concurrency` of its threads are running
/// (nt-io-model §6, win32-facts F-IOCP-21).
public final class CompletionPort: KernelObject {
    /// How many associated threads may run at once.
    public let concurrency: Int
    @exclusivity(unchecked) var packets = CompletionPacketQueue()
    /// Threads blocked in `GetQueuedCompletionStatus(Ex)` on this port, oldest first; the last
    /// one is released first.
    @exclusivity(unchecked) var waiters: [SimThread] = []
    /// Threads associated with the port (by their first wait on it), in association order.
    @exclusivity(unchecked) var associated: [SimThread] = []
    /// The last handle was closed: waiters are released with `STATUS_ABANDONED_WAIT_0` and no
    /// one can dequeue again.
    @exclusivity(unchecked) public internal(set) var isClosed = false

    init(id: Int, concurrency: Int) {
        self.concurrency = concurrency
        super.init(id: id, kind: .completionPort)
    }

    /// Packets waiting to be dequeued.
    public var queuedPacketCount: Int { packets.count }

    @inline(__always) func dequeue() -> CompletionPacket? { packets.popFirst() }
}

/// What a port wait for one packet tells the program (`GetQueuedCompletionStatus`'s result and
/// out-parameters): whether a packet was dequeued and, if one was, its key, its completion
/// context (for I/O, the `OVERLAPPED`), its status and its byte count.
///
/// The two statuses first, side by side, so that they share a word and the kernel call returns
/// the whole in four registers (with a word each, it went through memory: ten instructions a
/// dequeue).
package struct DequeuedPacket {
    /// `STATUS_SUCCESS` when a packet was dequeued, else why none was (`STATUS_TIMEOUT`,
    /// `STATUS_ABANDONED_WAIT_0`, `STATUS_INVALID_HANDLE`...); the other fields are then 0.
    package let waitStatus: NTStatus
    package let status: NTStatus
    package let key: UInt
    package let overlapped: UnsafeMutableRawPointer?
    package let information: Int

    /// No packet, for `waitStatus`.
    @inline(__always) init(failed waitStatus: NTStatus) {
        self.waitStatus = waitStatus
        status = waitStatus
        key = 0
        overlapped = nil
        information = 0
    }

    /// `packet`'s values, dequeued.
    @inline(__always) init(_ packet: CompletionPacket) {
        waitStatus = .success
        status = packet.status
        key = packet.key
        overlapped = packet.overlapped
        information = packet.information
    }
}

extension SimThread {
    /// Whether the thread is associated with `port`, compared without reference counting.
    @inline(__always) func isAssociated(with port: CompletionPort) -> Bool {
        associatedPortLink?.toOpaque() == Unmanaged.passUnretained(port).toOpaque()
    }
}

extension Kernel {
    /// `NtCreateIoCompletion`: a new port and a handle to it. A concurrency of 0 means the
    /// number of processors (``SimulationOptions/processorCount``).
    package func ntCreateIoCompletion(concurrency: Int) -> UInt {
        let port = CompletionPort(id: takeObjectID(), concurrency: concurrency == 0 ? options.processorCount : concurrency)
        ports.append(port)
        return insertHandle(port, access: 0x1F0003)
    }

    /// `NtSetInformationFile(FileCompletionInformation)`: binds a file object to a port with a
    /// key, for good. A synchronous file object, or one already bound, is
    /// `STATUS_INVALID_PARAMETER` (F-IOCP-3, F-IOCP-4). The file object holds a reference to the
    /// port until it is closed.
    package func ntAssociateCompletionPort(file fileHandle: UInt, port portHandle: UInt, key: UInt) -> NTStatus {
        guard let fileObject = handles.lookup(fileHandle) else { return .invalidHandle }
        guard let file = fileObject as? FileObject else { return .objectTypeMismatch }
        guard let portObject = handles.lookup(portHandle) else { return .invalidHandle }
        guard let port = portObject as? CompletionPort else { return .objectTypeMismatch }
        guard !file.isSynchronous, file.completionPort == nil else { return .invalidParameter }
        file.completionPort = port
        file.completionKey = key
        reference(port, by: "\(file.label)'s completion binding")
        return .success
    }

    /// `NtSetIoCompletion` (`PostQueuedCompletionStatus`): queues a packet with these values,
    /// uninterpreted (F-IOCP-14).
    package func ntSetIoCompletion(port portHandle: UInt, key: UInt, overlapped: UnsafeMutableRawPointer?,
                                   status: NTStatus, information: Int) -> NTStatus
    {
        guard let object = handles.lookup(portHandle) else { return .invalidHandle }
        guard let port = object as? CompletionPort else { return .objectTypeMismatch }
        queuePacket(CompletionPacket(key: key, overlapped: overlapped, status: status, information: information, origin: nil,
                                     finishesCompletion: false),
                    to: port)
        return .success
    }

    /// Queues a packet to its port (`KeInsertQueue`): the most recent waiter, if the port's
    /// concurrency lets one run, is handed it at once.
    @inline(__always) func queuePacket(_ packet: CompletionPacket, to port: CompletionPort) {
        queuePacket(to: port) { packet }
    }

    /// ``queuePacket(_:to:)`` with the packet made where it goes: in the ring, once the ring has
    /// room for it, so that its fields are not first laid out on the stack across the ring's
    /// growth.
    @inline(__always) func queuePacket(to port: CompletionPort, _ makePacket: () -> CompletionPacket) {
        // No one can dequeue from a closed port: the request behind the packet is retired.
        guard !port.isClosed else { return discardPacket(makePacket(), of: port) }
        port.packets.append(makePacket)
        if tracing { recordQueued(to: port) }
        if !port.waiters.isEmpty { releaseWaiters(of: port) }
    }

    /// Records the packet just queued, the newest in the port's queue.
    @inline(never) private func recordQueued(to port: CompletionPort) {
        guard let packet = port.packets.newest else { return }
        record(.packetQueued(port: port.label, key: packet.key, overlapped: UInt(bitPattern: packet.overlapped),
                             status: packet.status, information: packet.information))
    }

    /// A pended thread-agnostic request's packet goes to its file object's port (`port`); the
    /// thread that dequeues it finishes the request's completion processing.
    @inline(__always) func queueAgnosticPacket(_ irp: IRP, to port: Unmanaged<CompletionPort>) {
        port._withUnsafeGuaranteedRef { port in
            queuePacket(to: port) { CompletionPacket(agnostic: irp, key: irp.fileObject.completionKey) }
        }
    }

    /// Completion processing's port channel for a request that is not thread-agnostic, or that
    /// did not pend: a packet carrying its `OVERLAPPED`, unless it succeeded at once on a file
    /// object that skips the port on success (F-SKIP-1). Out of line, so that completion
    /// processing without a port carries none of the queue's code.
    @inline(never) func queueCompletionPacket(of irp: IRP, file: FileObject, to port: Unmanaged<CompletionPort>) {
        let skipped = !irp.pendingReturned && file.notificationModes & FileObject.skipCompletionPortOnSuccess != 0
        guard !skipped else { return }
        irp.notificationCarriesOverlapped = true
        let packet = CompletionPacket(key: file.completionKey, overlapped: irp.apcContext, status: irp.status,
                                      information: irp.information, origin: irp, finishesCompletion: false)
        port._withUnsafeGuaranteedRef { queuePacket(packet, to: $0) }
    }

    /// A packet no one can dequeue (its port is closed) is dropped, and the request behind it
    /// retired without writing its `OVERLAPPED`.
    @inline(never) func discardPacket(_ packet: CompletionPacket, of port: CompletionPort) {
        recordDiscardedPacket(packet, of: port)
        if let irp = packet.agnosticIRP {
            irp._withUnsafeGuaranteedRef { retireSilently($0) }
        } else if memoryTracking {
            releaseCarriedOverlapped(of: packet)
        }
    }

    /// `KiWaitTest` for a queue: while packets are queued and fewer than `concurrency` of the
    /// port's threads run, the most recent waiter is released and handed the oldest packet
    /// itself; it counts as running from then on (F-IOCP-21).
    func releaseWaiters(of port: CompletionPort) {
        while !port.packets.isEmpty, let waiter = port.waiters.last,
              port.associated.count < port.concurrency || runningCount(of: port, excluding: nil) < port.concurrency,
              let packet = port.dequeue()
        {
            port.waiters.removeLast()
            waiter.releasedPacket = packet
            waiter.waitStatus = .success
        }
    }

    /// The port's threads that count as running: alive and not blocked, or released and about
    /// to run. A thread blocked in another wait does not count. Only associated threads count,
    /// so a port with fewer associated threads than its concurrency has room without counting
    /// (its callers test that first: a port with one thread never counts).
    func runningCount(of port: CompletionPort, excluding thread: SimThread?) -> Int {
        var count = 0
        for associated in port.associated where associated !== thread && associated.life == .alive {
            if associated.waitingFor == nil || associated.waitStatus != nil { count += 1 }
        }
        return count
    }

    /// `NtRemoveIoCompletion` (`GetQueuedCompletionStatus`): dequeues one packet, waiting up to
    /// `timeoutMilliseconds` for it, not alertably. The calling thread becomes associated with
    /// the port. The result's `waitStatus` is `STATUS_SUCCESS` when a packet was dequeued, else
    /// `STATUS_TIMEOUT` or `STATUS_ABANDONED_WAIT_0` (the port was closed while waiting).
    /// ``ntRemoveIoCompletion(port:maximum:timeoutMilliseconds:alertable:in:_:)`` for one
    /// packet, with no closure: the packet's values are handed back as they are.
    /// `thread` is the running thread, which the Win32 call already holds (borrowed). The
    /// timeout is the Win32 call's milliseconds (`INFINITE` waits for ever), converted to a
    /// duration only if the thread has to wait.
    package func ntRemoveIoCompletion(port portHandle: UInt, timeoutMilliseconds: UInt32, in thread: SimThread) -> DequeuedPacket {
        withPort(portHandle, of: thread) { port in
            var status = NTStatus.success
            guard prepareToDequeue(thread, from: port, alertable: false, status: &status) else { return DequeuedPacket(failed: status) }
            // A queued packet is taken where it is handed out, apart from one a wait brings: what
            // a thread-agnostic request's packet reports is then read from it alone.
            if mayTakeQueuedPacket(thread, from: port), let packet = port.dequeue() { return handOut(packet, from: port) }
            guard let packet = waitForPacket(thread, port, timeoutMilliseconds: timeoutMilliseconds, alertable: false,
                                             status: &status)
            else { return DequeuedPacket(failed: status) }
            return handOut(packet, from: port)
        } failure: { DequeuedPacket(failed: $0) }
    }

    /// ``handOut(_:key:overlapped:from:)`` for `GetQueuedCompletionStatus`: what the packet
    /// reports, read before its request's completion processing frees it.
    @inline(__always) private func handOut(_ packet: CompletionPacket, from port: CompletionPort) -> DequeuedPacket {
        let dequeued = DequeuedPacket(packet)
        handOut(packet, key: dequeued.key, overlapped: dequeued.overlapped, from: port)
        return dequeued
    }

    /// `NtRemoveIoCompletionEx`: dequeues up to `maximum` packets, waiting up to
    /// `timeoutMilliseconds` (`INFINITE` for ever) for the first, and hands each to `receive` in
    /// order. `thread` is the running thread, borrowed; it becomes associated with the port.
    /// Returns `STATUS_SUCCESS` when packets were dequeued, else `STATUS_TIMEOUT`,
    /// `STATUS_USER_APC` (alertable and nothing queued, or alertable with user APCs queued to a
    /// thread not associated with the port; the APCs ran) or `STATUS_ABANDONED_WAIT_0` (the port
    /// was closed while waiting).
    package func ntRemoveIoCompletion(
        port portHandle: UInt, maximum: Int, timeoutMilliseconds: UInt32, alertable: Bool, in thread: SimThread,
        _ receive: (_ key: UInt, _ overlapped: UnsafeMutableRawPointer?, _ status: NTStatus, _ information: Int) -> Void
    ) -> NTStatus {
        withPort(portHandle, of: thread) { port in
            var status = NTStatus.success
            guard let first = firstPacket(for: thread, from: port, timeoutMilliseconds: timeoutMilliseconds, alertable: alertable,
                                          status: &status)
            else { return status }
            var next: CompletionPacket? = first
            var removed = 0
            while removed < maximum, let packet = next {
                // What the packet reports, read before its request's completion processing frees it.
                let dequeued = DequeuedPacket(packet)
                handOut(packet, key: dequeued.key, overlapped: dequeued.overlapped, from: port)
                receive(dequeued.key, dequeued.overlapped, dequeued.status, dequeued.information)
                removed += 1
                next = removed < maximum ? port.dequeue() : nil
            }
            return .success
        } failure: { $0 }
    }

    /// Runs `body` with the port `portHandle` names in `thread`'s process, borrowed: the kernel
    /// keeps every port it made until the simulation is released, and the thread is running.
    /// A handle that names no port is `failure(STATUS_INVALID_HANDLE)` or
    /// `failure(STATUS_OBJECT_TYPE_MISMATCH)`.
    @inline(__always) private func withPort<Result>(_ portHandle: UInt, of thread: SimThread,
                                                    _ body: (CompletionPort) -> Result,
                                                    failure: (NTStatus) -> Result) -> Result
    {
        let handles = Unmanaged.passUnretained(thread.process.handles)
        guard let entry = handles._withUnsafeGuaranteedRef({ $0.unretainedObject(portHandle) }) else { return failure(.invalidHandle) }
        return entry._withUnsafeGuaranteedRef { object in
            guard object.kind == .completionPort else { return failure(.objectTypeMismatch) }
            return body(unsafeDowncast(object, to: CompletionPort.self))
        }
    }

    /// The first packet a port wait takes: a queued one at once if the port's concurrency lets
    /// the thread run, else the one a packet's arrival hands it while it waits; nil, with the
    /// wait's `status`, when none came.
    @inline(__always) private func firstPacket(for thread: SimThread, from port: CompletionPort, timeoutMilliseconds: UInt32,
                                               alertable: Bool, status: inout NTStatus) -> CompletionPacket?
    {
        guard prepareToDequeue(thread, from: port, alertable: alertable, status: &status) else { return nil }
        if mayTakeQueuedPacket(thread, from: port) { return port.dequeue() }
        return waitForPacket(thread, port, timeoutMilliseconds: timeoutMilliseconds, alertable: alertable, status: &status)
    }

    /// What a port wait does before it looks at the queue: false, with `status`, when it runs
    /// the thread's user APCs instead; otherwise the thread is associated with the port.
    @inline(__always) private func prepareToDequeue(_ thread: SimThread, from port: CompletionPort, alertable: Bool,
                                                    status: inout NTStatus) -> Bool
    {
        // An alertable call by a thread not (yet) associated with this port runs the queued
        // user APCs before anything else: STATUS_USER_APC, the packets left queued, and the
        // thread still not associated. A thread associated with the port gets a queued packet
        // first (Wine's ntdll file.c test_set_io_completion, passing on Windows).
        if alertable, !thread.isAssociated(with: port), !thread.userAPCs.isEmpty {
            thread.userAPCsDue = true
            status = .userAPC
            return false
        }
        if !thread.isAssociated(with: port) { associate(thread, with: port) }
        return true
    }

    /// Whether the thread, associated with the port, takes a queued packet at once: one is
    /// queued and the port's concurrency lets the thread run.
    @inline(__always) private func mayTakeQueuedPacket(_ thread: SimThread, from port: CompletionPort) -> Bool {
        // The thread is one of the port's associated threads now: the others are one fewer.
        !port.packets.isEmpty
            && (port.associated.count &- 1 < port.concurrency || runningCount(of: port, excluding: thread) < port.concurrency)
    }

    /// The thread waits among the port's waiters (the last one is released first) until a
    /// packet is handed to it, the port closes or the timeout passes.
    @inline(never) private func waitForPacket(_ thread: SimThread, _ port: CompletionPort, timeoutMilliseconds: UInt32, alertable: Bool,
                                              status: inout NTStatus) -> CompletionPacket?
    {
        reference(port, by: "wait")
        defer { dereference(port, by: "wait") }
        port.waiters.append(thread)
        // This thread no longer runs: another waiter may be released for a packet.
        releaseWaiters(of: port)
        let deadline = Duration.win32Timeout(timeoutMilliseconds).map { now.advanced(by: $0) }
        let waited = waitUntil(thread, reason: .port(port, alertable: alertable), deadline: deadline)
        if let index = port.waiters.lastIndex(where: { $0 === thread }) { port.waiters.remove(at: index) }
        // A packet handed over while the thread ran its APCs is still its packet.
        let packet = thread.releasedPacket
        thread.releasedPacket = nil
        if packet == nil { status = waited == .success ? .abandonedWait0 : waited }
        return packet
    }

    /// A dequeued packet goes to the program: a thread-agnostic request finishes its completion
    /// processing here, in the thread that dequeued it, and its `OVERLAPPED` is written now
    /// (F-OVL-11). `key` and `overlapped` are the packet's, read before.
    @inline(__always) private func handOut(_ packet: CompletionPacket, key: UInt, overlapped: UnsafeMutableRawPointer?,
                                           from port: CompletionPort)
    {
        if memoryTracking {
            checkHandedOut(overlapped, of: packet.agnosticIRP, carrying: packet.carriedOverlappedBlock, id: packet.originID)
        }
        if let irp = packet.agnosticIRP { irp._withUnsafeGuaranteedRef { finishCompletionInline($0) } }
        if tracing { recordDequeued(key: key, overlapped: overlapped, from: port) }
    }

    @inline(never) private func recordDequeued(key: UInt, overlapped: UnsafeMutableRawPointer?, from port: CompletionPort) {
        record(.packetDequeued(port: port.label, key: key, overlapped: UInt(bitPattern: overlapped)))
    }

    /// The `OVERLAPPED` a dequeued packet hands the program must not be freed; the delivered
    /// request behind the packet (`IRP#id`, or a thread-agnostic `irp` still to finish) no
    /// longer holds the block the packet carries. The packet's fields one by one, so that the
    /// hot path need not lay the packet out in memory for the call.
    @inline(never) private func checkHandedOut(_ overlapped: UnsafeMutableRawPointer?, of irp: Unmanaged<IRP>?,
                                               carrying block: Int32, id: Int)
    {
        if let irp {
            irp._withUnsafeGuaranteedRef {
                checkHandedOut(overlapped, irp: $0, to: "a dequeued completion packet", block: block, id: id)
            }
        } else {
            checkHandedOut(overlapped, irp: nil, to: "a dequeued completion packet", block: block, id: id)
        }
        if block >= 0 { memory.removeHolder(block, irp: id, asOverlapped: true) }
    }

    /// A thread is associated with one port at a time: its first wait on a port, until it
    /// waits on another (F-IOCP-21).
    private func associate(_ thread: SimThread, with port: CompletionPort) {
        guard !thread.isAssociated(with: port) else { return }
        thread.associatedPort?.associated.removeAll { $0 === thread }
        thread.associatedPort = port
        port.associated.append(thread)
    }

    /// The last handle to a port closed: waiting threads are released with
    /// `STATUS_ABANDONED_WAIT_0` (F-IOCP-15) and queued packets are discarded; the requests
    /// behind them are retired without writing their `OVERLAPPED`s.
    func closePort(_ port: CompletionPort) {
        port.isClosed = true
        for waiter in port.waiters { waiter.waitStatus = .abandonedWait0 }
        port.waiters.removeAll()
        while let packet = port.dequeue() { discardPacket(packet, of: port) }
    }
}

extension Kernel {
    /// `NtSetInformationFile(FileIoCompletionNotificationInformation)`: ORs notification modes
    /// in; they can never be cleared. Skipping the port on success needs an asynchronous file
    /// object (F-SKIP-3, F-SKIP-4).
    package func ntSetCompletionNotificationModes(file handle: UInt, flags: UInt8) -> NTStatus {
        guard let object = handles.lookup(handle) else { return .invalidHandle }
        guard let file = object as? FileObject else { return .objectTypeMismatch }
        let known = flags & (FileObject.skipCompletionPortOnSuccess | FileObject.skipSetEventOnHandle)
        if known & FileObject.skipCompletionPortOnSuccess != 0 && file.isSynchronous { return .invalidParameter }
        // Skipping the handle's event takes effect at once: the handle stops being signalled
        // now, not only at the next completion (Wine's ntdll pipe.c test_completion, "handle is
        // never signaled", checked right after the call; its server resets the state here too).
        if known & FileObject.skipSetEventOnHandle != 0 { file.signaled = false }
        file.notificationModes |= known
        return .success
    }
}
