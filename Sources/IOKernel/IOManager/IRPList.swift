/// An intrusive list of IRPs, oldest first: a thread's IRP list (`ThreadListEntry`) or a file
/// object's list of thread-agnostic IRPs. An IRP is on at most one list (nt-io-model §8.1,
/// invariant 6), so one pair of links in the IRP serves both. Appending and removing are O(1).
/// The list does not own its IRPs (the ``IRPLookasideList`` does), so its links are unmanaged
/// and every neighbour is borrowed (`_withUnsafeGuaranteedRef`): linking and unlinking cost no
/// reference counting (a strong local for a neighbour would retain and release it).
struct IRPList {
    private(set) var head: Unmanaged<IRP>?
    private var tail: Unmanaged<IRP>?
    /// The IRPs on the list, counted by walking it: only diagnostics ask, and a count kept up
    /// to date was two instructions more on every append and every removal.
    var count: Int {
        var count = 0
        var next = head
        while let link = next {
            count += 1
            next = link._withUnsafeGuaranteedRef { $0.listNext }
        }
        return count
    }

    mutating func append(_ irp: IRP) {
        let link = Unmanaged.passUnretained(irp)
        irp.listPrevious = tail
        irp.listNext = nil
        if let tail { tail._withUnsafeGuaranteedRef { $0.listNext = link } } else { head = link }
        tail = link
        irp.isOnList = true
    }

    mutating func remove(_ irp: IRP) {
        guard irp.isOnList else { return }
        let previous = irp.listPrevious
        let next = irp.listNext
        if let previous { previous._withUnsafeGuaranteedRef { $0.listNext = next } } else { head = next }
        if let next { next._withUnsafeGuaranteedRef { $0.listPrevious = previous } } else { tail = previous }
        irp.listNext = nil
        irp.listPrevious = nil
        irp.isOnList = false
    }

    /// The IRPs, oldest first.
    var all: [IRP] {
        var result: [IRP] = []
        result.reserveCapacity(count)
        var next = head
        while let link = next {
            let irp = link.takeUnretainedValue()
            result.append(irp)
            next = irp.listNext
        }
        return result
    }
}
