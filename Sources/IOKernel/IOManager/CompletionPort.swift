/// A completion packet: what `GetQueuedCompletionStatus` hands out.
///
/// Plain values only, so that copying a packet into and out of its port's queue costs no
/// reference counting: the request behind it is named by id and by what the packet still needs
/// of it (its `OVERLAPPED`'s tracked block), and a thread-agnostic request, whose completion
/// processing the dequeuing thread runs, is held unretained: it stays allocated in the IRP
/// lookaside list until that processing frees it.
struct CompletionPacket {
    let key: UInt
    /// The completion context: for I/O, the caller's `OVERLAPPED`.
    let overlapped: UnsafeMutableRawPointer?
    let status: NTStatus
    let information: Int
    /// The request the packet reports (`IRP#id`), 0 for a posted packet.
    let originID: Int
    /// The tracked block of the `OVERLAPPED` the packet carries to the program for a request
    /// already delivered, which the dequeue lets go (-1 for none).
    let carriedOverlappedBlock: Int32
    /// The request's system call returned `STATUS_PENDING` (a packet of a request that
    /// succeeded at once, and was told so by the call's `TRUE`, is not reported when discarded).
    let originPendingReturned: Bool
    /// The thread-agnostic request whose completion processing (the `OVERLAPPED` write) runs in
    /// the thread that dequeues the packet.
    let agnosticIRP: Unmanaged<IRP>?

    /// A packet reporting `origin` (nil for a posted packet). With `finishesCompletion`, the
    /// request is thread-agnostic and its completion processing is still to run.
    init(key: UInt, overlapped: UnsafeMutableRawPointer?, status: NTStatus, information: Int, origin: IRP?,
         finishesCompletion: Bool)
    {
        self.key = key
        self.overlapped = overlapped
        self.status = status
        self.information = information
        originID = origin?.id ?? 0
        originPendingReturned = origin?.pendingReturned ?? true
        carriedOverlappedBlock = finishesCompletion ? -1 : origin?.overlappedBlock ?? -1
        agnosticIRP = finishesCompletion ? origin.map(Unmanaged.passUnretained) : nil
    }

    /// The packet reports a request (it was not posted).
    var hasOrigin: Bool { originID != 0 }
}

/// An I/O completion port: a queue of completion packets (FIFO) and the threads waiting on it,
/// released last-in-first-out while fewer than `concurrency` of its threads are running
/// (nt-io-model §6, win32-facts F-IOCP-21).
public final class CompletionPort: KernelObject {
    /// How many associated threads may run at once.
    public let concurrency: Int
    @exclusivity(unchecked) var packets = RingQueue<CompletionPacket>()
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

    func enqueue(_ packet: CompletionPacket) { packets.append(packet) }

    func dequeue() -> CompletionPacket? { packets.popFirst() }
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

    func queuePacket(_ packet: CompletionPacket, to port: CompletionPort) {
        // No one can dequeue from a closed port: the request behind the packet is retired.
        guard !port.isClosed else {
            recordDiscardedPacket(packet, of: port)
            if let irp = packet.agnosticIRP {
                irp._withUnsafeGuaranteedRef { retireSilently($0) }
            } else if memoryTracking {
                releaseCarriedOverlapped(of: packet)
            }
            return
        }
        port.enqueue(packet)
        if tracing {
            record(.packetQueued(port: port.label, key: packet.key, overlapped: UInt(bitPattern: packet.overlapped),
                                 status: packet.status, information: packet.information))
        }
        if !port.waiters.isEmpty { releaseWaiters(of: port) }
    }

    /// `KiWaitTest` for a queue: while packets are queued and fewer than `concurrency` of the
    /// port's threads run, the most recent waiter is released and handed the oldest packet
    /// itself; it counts as running from then on (F-IOCP-21).
    func releaseWaiters(of port: CompletionPort) {
        while port.queuedPacketCount > 0, let waiter = port.waiters.last,
              runningCount(of: port, excluding: nil) < port.concurrency, let packet = port.dequeue()
        {
            port.waiters.removeLast()
            waiter.releasedPacket = packet
            waiter.waitStatus = .success
        }
    }

    /// The port's threads that count as running: alive and not blocked, or released and about
    /// to run. A thread blocked in another wait does not count.
    func runningCount(of port: CompletionPort, excluding thread: SimThread?) -> Int {
        var count = 0
        for associated in port.associated where associated !== thread && associated.life == .alive {
            if associated.waitingFor == nil || associated.waitStatus != nil { count += 1 }
        }
        return count
    }

    /// `NtRemoveIoCompletionEx`: dequeues up to `maximum` packets, waiting up to `timeout` for
    /// the first, and hands each to `receive` in order. The calling thread becomes associated
    /// with the port. Returns `STATUS_SUCCESS` when packets were dequeued, else
    /// `STATUS_TIMEOUT`, `STATUS_USER_APC` (alertable and nothing queued, or alertable with user
    /// APCs queued to a thread not associated with the port; the APCs ran) or
    /// `STATUS_ABANDONED_WAIT_0` (the port was closed while waiting).
    package func ntRemoveIoCompletion(
        port portHandle: UInt, maximum: Int, timeout: Duration?, alertable: Bool,
        _ receive: (_ key: UInt, _ overlapped: UnsafeMutableRawPointer?, _ status: NTStatus, _ information: Int) -> Void
    ) -> NTStatus {
        // The thread and the port borrowed, not retained: the kernel keeps every thread and every
        // port it made until the simulation is released.
        guard let running = runningThread else { return .invalidHandle }
        return running._withUnsafeGuaranteedRef { thread in
            let handles = Unmanaged.passUnretained(thread.process.handles)
            guard let entry = handles._withUnsafeGuaranteedRef({ $0.unretainedObject(portHandle) }) else { return .invalidHandle }
            return entry._withUnsafeGuaranteedRef { object in
                guard object.kind == .completionPort else { return .objectTypeMismatch }
                return removeIoCompletion(thread, unsafeDowncast(object, to: CompletionPort.self), maximum: maximum,
                                          timeout: timeout, alertable: alertable, receive)
            }
        }
    }

    private func removeIoCompletion(
        _ thread: SimThread, _ port: CompletionPort, maximum: Int, timeout: Duration?, alertable: Bool,
        _ receive: (_ key: UInt, _ overlapped: UnsafeMutableRawPointer?, _ status: NTStatus, _ information: Int) -> Void
    ) -> NTStatus {
        // An alertable call by a thread not (yet) associated with this port runs the queued
        // user APCs before anything else: STATUS_USER_APC, the packets left queued, and the
        // thread still not associated. A thread associated with the port gets a queued packet
        // first (Wine's ntdll file.c test_set_io_completion, passing on Windows).
        if alertable, thread.associatedPort !== port, !thread.userAPCs.isEmpty {
            thread.userAPCsDue = true
            return .userAPC
        }
        associate(thread, with: port)
        var first: CompletionPacket?
        if port.queuedPacketCount > 0 && runningCount(of: port, excluding: thread) < port.concurrency {
            first = port.dequeue()
        } else {
            reference(port, by: "wait")
            defer { dereference(port, by: "wait") }
            port.waiters.append(thread)
            // This thread no longer runs: another waiter may be released for a packet.
            releaseWaiters(of: port)
            let status = waitUntil(thread, reason: .port(port, alertable: alertable), deadline: timeout.map { now.advanced(by: $0) })
            if let index = port.waiters.lastIndex(where: { $0 === thread }) { port.waiters.remove(at: index) }
            // A packet handed over while the thread ran its APCs is still its packet.
            first = thread.releasedPacket
            thread.releasedPacket = nil
            guard first != nil else { return status == .success ? .abandonedWait0 : status }
        }
        var removed = 0
        while removed < maximum, let packet = first ?? port.dequeue() {
            first = nil
            // A thread-agnostic request finishes its completion processing here, in the thread
            // that dequeued it: its OVERLAPPED is written now (F-OVL-11).
            if memoryTracking {
                checkHandedOut(packet.overlapped, irp: packet.agnosticIRP?.takeUnretainedValue(), to: "a dequeued completion packet",
                               block: packet.carriedOverlappedBlock, id: packet.originID)
                releaseCarriedOverlapped(of: packet)
            }
            if let irp = packet.agnosticIRP { irp._withUnsafeGuaranteedRef { finishCompletion($0) } }
            if tracing { record(.packetDequeued(port: port.label, key: packet.key, overlapped: UInt(bitPattern: packet.overlapped))) }
            receive(packet.key, packet.overlapped, packet.status, packet.information)
            removed += 1
        }
        return .success
    }

    /// A thread is associated with one port at a time: its first wait on a port, until it
    /// waits on another (F-IOCP-21).
    private func associate(_ thread: SimThread, with port: CompletionPort) {
        // Compared by object id (unique in the kernel), so that the check retains nothing.
        guard thread.associatedPort?.id != port.id else { return }
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
        while let packet = port.dequeue() {
            recordDiscardedPacket(packet, of: port)
            if let irp = packet.agnosticIRP {
                irp._withUnsafeGuaranteedRef { retireSilently($0) }
            } else if memoryTracking {
                releaseCarriedOverlapped(of: packet)
            }
        }
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
