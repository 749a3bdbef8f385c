/// An intrusive list of IRPs, oldest first: a thread's IRP list (`ThreadListEntry`) or a file
/// object's list of thread-agnostic IRPs. An IRP is on at most one list (nt-io-model §8.1,
/// invariant 6), so one pair of links in the IRP serves both. Appending and removing are O(1).
/// The list does not own its IRPs (the ``IRPLookasideList`` does), so linking costs no
/// reference counting.
struct IRPList {
    private(set) unowned(unsafe) var head: IRP?
    private unowned(unsafe) var tail: IRP?
    private(set) var count = 0

    mutating func append(_ irp: IRP) {
        irp.listPrevious = tail
        irp.listNext = nil
        if let tail { tail.listNext = irp } else { head = irp }
        tail = irp
        irp.isOnList = true
        count += 1
    }

    mutating func remove(_ irp: IRP) {
        guard irp.isOnList else { return }
        if let previous = irp.listPrevious { previous.listNext = irp.listNext } else { head = irp.listNext }
        if let next = irp.listNext { next.listPrevious = irp.listPrevious } else { tail = irp.listPrevious }
        irp.listNext = nil
        irp.listPrevious = nil
        irp.isOnList = false
        count -= 1
    }

    /// The IRPs, oldest first.
    var all: [IRP] {
        var result: [IRP] = []
        result.reserveCapacity(count)
        var next = head
        while let irp = next {
            result.append(irp)
            next = irp.listNext
        }
        return result
    }
}
