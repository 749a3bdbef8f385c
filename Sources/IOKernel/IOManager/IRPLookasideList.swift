/// Where IRPs come from: the I/O manager's lookaside list (`IopLargeIrpLookasideList` in NT,
/// `ExAllocateFromNPagedLookasideList`), so that issuing a request allocates nothing once the
/// list has grown to the number of requests in flight at once.
///
/// The list owns every IRP the kernel made (its slab, one slot each) and keeps the free ones'
/// slots on a stack, most recently freed first, as NT's lookaside list pops the block freed
/// last (it is the one most likely still in the cache). Because the slab owns them, the kernel's
/// own lists of IRPs (a thread's, a file object's) link them without reference counting.
///
/// An IRP is a class that drivers and tests may keep (``StockDriver/completeNext(status:bytes:data:)``
/// returns it). A freed IRP is reused only if nothing but the slab holds it; one still held
/// keeps its final state for its holder and the slot gets a fresh IRP. So holding an IRP is
/// always safe, and a loop that holds none recycles one IRP forever.
struct IRPLookasideList {
    /// Every IRP the kernel owns, by slot.
    private var slab: ContiguousArray<IRP> = []
    /// The slots of the free IRPs, the most recently freed last.
    private var freeSlots: [Int32] = []

    /// How many IRPs the slab holds (in flight and free): its high-water mark.
    var capacity: Int { slab.count }

    /// The IRPs in use (allocated and not yet freed), by slot: what the invariant checks walk.
    var inUse: [IRP] { slab.filter { !$0.isFree } }

    /// `IoAllocateIrp`: a free IRP made ready for a new request, or a new one. Unretained: the
    /// slab keeps it alive until it is freed, so the hot path borrows it.
    mutating func allocate(id: Int, major: MajorFunction, fileObject: FileObject, thread: SimThread?, length: Int,
                           byteOffset: UInt64?, userIOSB: UnsafeMutableRawPointer?, userBuffer: UnsafeMutableRawPointer?,
                           userEvent: EventObject?, synchronousAPI: Bool) -> Unmanaged<IRP>
    {
        if !freeSlots.isEmpty {
            let slot = freeSlots.removeLast()
            let index = Int(slot)
            if isKnownUniquelyReferenced(&slab[index]) {
                let irp = Unmanaged.passUnretained(slab[index])
                irp._withUnsafeGuaranteedRef {
                    $0.reuse(id: id, major: major, fileObject: fileObject, thread: thread, length: length, byteOffset: byteOffset,
                             userIOSB: userIOSB, userBuffer: userBuffer, userEvent: userEvent, synchronousAPI: synchronousAPI)
                }
                return irp
            }
            // Someone still holds the IRP that was here: it stays theirs, as it was.
            let irp = IRP(slot: slot, id: id, major: major, fileObject: fileObject, thread: thread, length: length,
                          byteOffset: byteOffset, userIOSB: userIOSB, userBuffer: userBuffer, userEvent: userEvent,
                          synchronousAPI: synchronousAPI)
            slab[index] = irp
            return Unmanaged.passUnretained(irp)
        }
        let irp = IRP(slot: Int32(slab.count), id: id, major: major, fileObject: fileObject, thread: thread, length: length,
                      byteOffset: byteOffset, userIOSB: userIOSB, userBuffer: userBuffer, userEvent: userEvent,
                      synchronousAPI: synchronousAPI)
        slab.append(irp)
        return Unmanaged.passUnretained(irp)
    }

    /// `IoFreeIrp`: the request is over (completion processing ran, or it was retired). The
    /// driver's scratch space is cleared so that nothing it stored there (a timer whose action
    /// captures the IRP) outlives the request. Freeing twice does nothing.
    mutating func free(_ irp: IRP) {
        guard !irp.isFree else { return }
        irp.isFree = true
        if irp.driverContext != nil { irp.driverContext = nil }
        freeSlots.append(irp.slot)
    }
}
