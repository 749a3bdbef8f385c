/// A completion packet: what `GetQueuedCompletionStatus` hands out.
///
/// Plain values only, so that copying a packet into and out of its port's queue costs no
/// reference counting. A pended thread-agnostic request is queued itself, as NT queues the IRP
/// (`IopCompleteRequest`'s `KeInsertQueue` of the IRP's list entry): the packet holds it
/// unretained, with the port's key, and what it reports is the request's own, read when it is
/// dequeued; it stays allocated in the IRP lookaside list until the dequeuing thread finishes
/// its completion processing. Any other packet (posted, a job's message, or the port channel of
/// a request already finished) carries its values, the request behind it named by id and by
/// what the packet still needs of it (its `OVERLAPPED`'s tracked block).
enum CompletionPacket {
    /// A pended thread-agnostic request, completed, whose completion processing (the
    /// `OVERLAPPED` write) runs in the thread that dequeues it. Its system call's
    /// `STATUS_PENDING` is noted when the packet is queued: a request completed inside its
    /// dispatch routine is queued before its call returns.
    case request(Unmanaged<IRP>, key: UInt, pendingReturned: Bool)
    case values(CompletionValues)

    /// A packet reporting `origin` (nil for a posted packet). With `finishesCompletion`, the
    /// request is thread-agnostic and its completion processing is still to run.
    @inline(__always)
    init(key: UInt, overlapped: UnsafeMutableRawPointer?, status: NTStatus, information: Int, origin: IRP?,
         finishesCompletion: Bool)
    {
        if finishesCompletion, let origin {
            self = .request(Unmanaged.passUnretained(origin), key: key, pendingReturned: origin.pendingReturned)
            return
        }
        self = .values(CompletionValues(key: key, overlapped: overlapped, information: information, originID: origin?.id ?? 0,
                                        status: status, carriedOverlappedBlock: origin?.overlappedBlock ?? -1,
                                        originPendingReturned: origin?.pendingReturned ?? true))
    }

    /// The packet of a pended thread-agnostic request: everything it reports is the IRP's own,
    /// and the IRP's completion processing runs when the packet is dequeued.
    @inline(__always)
    init(agnostic irp: IRP, key: UInt) {
        self = .request(Unmanaged.passUnretained(irp), key: key, pendingReturned: irp.pendingReturned)
    }

    @inline(__always) var key: UInt {
        switch self {
        case .request(_, let key, _): key
        case .values(let values): values.key
        }
    }

    /// The completion context: for I/O, the caller's `OVERLAPPED`.
    @inline(__always) var overlapped: UnsafeMutableRawPointer? {
        switch self {
        case .request(let irp, _, _): irp._withUnsafeGuaranteedRef { $0.apcContext }
        case .values(let values): values.overlapped
        }
    }

    @inline(__always) var information: Int {
        switch self {
        case .request(let irp, _, _): irp._withUnsafeGuaranteedRef { $0.information }
        case .values(let values): values.information
        }
    }

    @inline(__always) var status: NTStatus {
        switch self {
        case .request(let irp, _, _): irp._withUnsafeGuaranteedRef { $0.status }
        case .values(let values): values.status
        }
    }

    /// The request the packet reports (`IRP#id`), 0 for a posted packet.
    var originID: Int {
        switch self {
        case .request(let irp, _, _): irp._withUnsafeGuaranteedRef { $0.id }
        case .values(let values): values.originID
        }
    }

    /// The thread-agnostic request whose completion processing (the `OVERLAPPED` write) runs in
    /// the thread that dequeues the packet.
    @inline(__always) var agnosticIRP: Unmanaged<IRP>? {
        if case .request(let irp, _, _) = self { return irp }
        return nil
    }

    /// The tracked block of the `OVERLAPPED` the packet carries to the program for a request
    /// already delivered, which the dequeue lets go (-1 for none).
    var carriedOverlappedBlock: Int32 {
        if case .values(let values) = self { return values.carriedOverlappedBlock }
        return -1
    }

    /// The request's system call returned `STATUS_PENDING` (a packet of a request that
    /// succeeded at once, and was told so by the call's `TRUE`, is not reported when discarded).
    var originPendingReturned: Bool {
        switch self {
        case .request(_, _, let pendingReturned): pendingReturned
        case .values(let values): values.originPendingReturned
        }
    }

    /// The packet reports a request (it was not posted).
    var hasOrigin: Bool { originID != 0 }
}

/// The values a packet carries that is not a thread-agnostic request (see ``CompletionPacket``).
struct CompletionValues {
    let key: UInt
    let overlapped: UnsafeMutableRawPointer?
    let information: Int
    let originID: Int
    let status: NTStatus
    let carriedOverlappedBlock: Int32
    let originPendingReturned: Bool
}

/// A port's queued packets, oldest first (the queue's entry list of NT's `KQUEUE`): a ring of
/// packets in storage the queue owns, a power of two long so that a position wraps with a mask,
/// doubled when full and never shrunk. Queueing a packet is one copy in and an index moved,
/// dequeueing one copy out: no optionals, no array uniqueness or bounds checks and no reference
/// counting (a packet is plain values). Not copyable: the storage has exactly one owner, the
/// port, and goes with it.
struct CompletionPacketQueue: ~Copyable {
    private var storage: UnsafeMutablePointer<CompletionPacket>?
    /// The ring's length: 0 until the first packet, then a power of two.
    private var capacity = 0
    private var head = 0
    private(set) var count = 0

    init() {}

    deinit { storage?.deallocate() }

    @inline(__always) var isEmpty: Bool { count == 0 }

    /// Appends the packet `makePacket` makes, once there is room for it: made after the ring's
    /// growth, it is built in its slot rather than kept across the call.
    @inline(__always) mutating func append(_ makePacket: () -> CompletionPacket) {
        if count == capacity { grow() }
        // `count < capacity` now, so the storage exists.
        (storage.unsafelyUnwrapped + ((head &+ count) & (capacity &- 1))).initialize(to: makePacket())
        count &+= 1
    }

    /// The packet queued last.
    var newest: CompletionPacket? {
        guard count > 0, let storage else { return nil }
        return storage[(head + count - 1) & (capacity - 1)]
    }

    /// Takes the oldest packet.
    @inline(__always) mutating func popFirst() -> CompletionPacket? {
        guard count > 0 else { return nil }
        let packet = (storage.unsafelyUnwrapped + head).move()
        head = (head &+ 1) & (capacity &- 1)
        count &-= 1
        return packet
    }

    /// The packets, oldest first (for reports).
    var elements: [CompletionPacket] {
        guard let storage else { return [] }
        return (0..<count).map { storage[(head + $0) & (capacity - 1)] }
    }

    /// Forgets every packet (they are plain values: nothing to release); the storage stays.
    mutating func removeAll() {
        head = 0
        count = 0
    }

    /// Doubles the ring (8 packets at first), the packets moved to its start in order.
    @inline(never) private mutating func grow() {
        let larger = max(8, capacity * 2)
        let moved = UnsafeMutablePointer<CompletionPacket>.allocate(capacity: larger)
        if let storage {
            for offset in 0..<count { (moved + offset).initialize(to: (storage + ((head + offset) & (capacity - 1))).move()) }
            storage.deallocate()
        }
        storage = moved
        capacity = larger
        head = 0
    }
}
