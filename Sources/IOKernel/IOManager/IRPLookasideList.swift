/// Where IRPs come from: the I/O manager's lookaside list (`IopLargeIrpLookasideList` in NT,
/// `ExAllocateFromNPagedLookasideList`), so that issuing a request allocates nothing once the
/// list has grown to the number of requests in flight at once.
///
/// The list owns every IRP the kernel made (its slab, one slot each) and keeps the free ones
/// on a stack chained through the IRPs themselves, most recently freed first, as NT's lookaside list pops the block freed
/// last (it is the one most likely still in the cache). Because the slab owns them, the kernel's
/// own lists of IRPs (a thread's, a file object's) link them without reference counting.
///
/// An IRP is a class that drivers and tests may keep (``StockDriver/completeNext(status:bytes:data:)``
/// returns it). A freed IRP is reused only if nothing but the slab holds it and no cancel-safe
/// queue links it (a driver that completed a request it left queued); one still held keeps its
/// final state for its holder and the slot gets a fresh IRP (a queued one is kept alive among
/// the list's retired IRPs, since the queue's links do not own it). So holding an IRP is always
/// safe, and a loop that holds none recycles one IRP forever.
final class IRPLookasideList {
    /// Every IRP the kernel owns, by slot: storage of the list's own (not an array), so that
    /// taking an IRP from it checks no array for uniqueness.
    private var slab: UnsafeMutablePointer<IRP>
    private var slabCapacity: Int
    /// How many slots of the slab are made.
    private(set) var capacity = 0
    /// The free IRPs, most recently freed first, chained through their list link
    /// (``IRP/listNext``: a free IRP is on no list).
    private var freeHead: Unmanaged<IRP>?
    /// IRPs replaced in their slot while a cancel-safe queue still linked them: kept alive for
    /// the queue's unowned links until the simulation is released.
    private var retired: [IRP] = []

    init() {
        slabCapacity = 16
        slab = .allocate(capacity: slabCapacity)
    }

    deinit {
        slab.deinitialize(count: capacity)
        slab.deallocate()
    }

    /// Empties the list for a simulation reset: the old slab's IRPs are let go (one the
    /// scenario kept from the last run stays its holder's, and never comes to name a request
    /// of the next run), and the list starts again from none.
    func reset() {
        slab.deinitialize(count: capacity)
        capacity = 0
        freeHead = nil
        retired.removeAll()
    }

    /// The IRPs in use (allocated and not yet freed), by slot: what the invariant checks walk.
    var inUse: [IRP] { (0..<capacity).map { slab[$0] }.filter { !$0.isFree } }

    /// `IoAllocateIrp`: a free IRP made ready for a new request, or a new one. Unretained: the
    /// slab keeps it alive until it is freed, so the hot path borrows it.
    @inline(__always)
    func allocate(id: Int, major: MajorFunction, fileObject: FileObject, thread: SimThread?, length: Int,
                  byteOffset: UInt64?, userIOSB: UnsafeMutableRawPointer?, userBuffer: UnsafeMutableRawPointer?,
                  userEvent: Unmanaged<EventObject>?, synchronousAPI: Bool) -> Unmanaged<IRP>
    {
        if let free = freeHead {
            let reusable = free._withUnsafeGuaranteedRef { irp -> Bool in
                freeHead = irp.listNext
                irp.listNext = nil
                return irp.queue == nil && isKnownUniquelyReferenced(&slab[Int(irp.slot)])
            }
            if reusable {
                free._withUnsafeGuaranteedRef {
                    $0.reuse(id: id, major: major, fileObject: fileObject, thread: thread, length: length, byteOffset: byteOffset,
                             userIOSB: userIOSB, userBuffer: userBuffer, userEvent: userEvent, synchronousAPI: synchronousAPI)
                }
                return free
            }
            return replace(free, id: id, major: major, fileObject: fileObject, thread: thread, length: length,
                           byteOffset: byteOffset, userIOSB: userIOSB, userBuffer: userBuffer, userEvent: userEvent,
                           synchronousAPI: synchronousAPI)
        }
        return makeIRP(id: id, major: major, fileObject: fileObject, thread: thread, length: length, byteOffset: byteOffset,
                       userIOSB: userIOSB, userBuffer: userBuffer, userEvent: userEvent, synchronousAPI: synchronousAPI)
    }

    /// Someone still holds the free IRP `held` (or a queue links it): it stays theirs, as it
    /// was, and its slot gets a fresh IRP.
    @inline(never)
    private func replace(_ held: Unmanaged<IRP>, id: Int, major: MajorFunction, fileObject: FileObject, thread: SimThread?,
                         length: Int, byteOffset: UInt64?, userIOSB: UnsafeMutableRawPointer?,
                         userBuffer: UnsafeMutableRawPointer?, userEvent: Unmanaged<EventObject>?, synchronousAPI: Bool) -> Unmanaged<IRP>
    {
        let old = held.takeUnretainedValue()
        if old.queue != nil { retired.append(old) }
        let irp = IRP(slot: old.slot, id: id, major: major, fileObject: fileObject, thread: thread, length: length,
                      byteOffset: byteOffset, userIOSB: userIOSB, userBuffer: userBuffer, userEvent: userEvent,
                      synchronousAPI: synchronousAPI)
        slab[Int(old.slot)] = irp
        return Unmanaged.passUnretained(irp)
    }

    /// A new slot, the slab grown when full.
    @inline(never)
    private func makeIRP(id: Int, major: MajorFunction, fileObject: FileObject, thread: SimThread?, length: Int,
                         byteOffset: UInt64?, userIOSB: UnsafeMutableRawPointer?, userBuffer: UnsafeMutableRawPointer?,
                         userEvent: Unmanaged<EventObject>?, synchronousAPI: Bool) -> Unmanaged<IRP>
    {
        if capacity == slabCapacity {
            let grown = UnsafeMutablePointer<IRP>.allocate(capacity: slabCapacity * 2)
            grown.moveInitialize(from: slab, count: capacity)
            slab.deallocate()
            slab = grown
            slabCapacity *= 2
        }
        let irp = IRP(slot: Int32(capacity), id: id, major: major, fileObject: fileObject, thread: thread, length: length,
                      byteOffset: byteOffset, userIOSB: userIOSB, userBuffer: userBuffer, userEvent: userEvent,
                      synchronousAPI: synchronousAPI)
        (slab + capacity).initialize(to: irp)
        capacity += 1
        return Unmanaged.passUnretained(irp)
    }

    /// `IoFreeIrp`: the request is over (completion processing ran, or it was retired). The
    /// driver's scratch space is cleared so that nothing it stored there (a timer whose action
    /// captures the IRP) outlives the request. Freeing twice does nothing.
    @inline(__always)
    func free(_ irp: IRP) {
        guard !irp.isFree else { return }
        irp.isFree = true
        if irp.driverContext != nil { irp.driverContext = nil }
        // A large transfer's storage goes, unless someone still holds the IRP (and may read it).
        if irp.systemBufferCapacity > IRP.retainedCapacity && isKnownUniquelyReferenced(&slab[Int(irp.slot)]) {
            irp.trimSystemBuffer()
        }
        irp.listNext = freeHead
        freeHead = Unmanaged.passUnretained(irp)
    }

    /// The simulation is released: every cancel-safe queue that still links one of the IRPs
    /// lets go of all it holds, now, while the IRPs exist (a queue that outlived them would
    /// otherwise follow its links into freed memory).
    func releaseQueues() {
        for slot in 0..<capacity where slab[slot].queue != nil { slab[slot].queue?._withUnsafeGuaranteedRef { $0.releaseQueued() } }
        for irp in retired where irp.queue != nil { irp.queue?._withUnsafeGuaranteedRef { $0.releaseQueued() } }
    }
}
