/// The I/O requests that hold each block (``MemoryBlockHolder``). A block is almost always
/// held by one request at a time (its `OVERLAPPED`'s, or its buffer's), which its state keeps
/// in place, so that holding and letting go is a few stores; the rare others wait in
/// ``MemoryArena/moreHolders``.
///
/// A block's holders keep the order diagnostics have always shown them in: a new holder goes
/// last, and one that lets go is replaced by the last (as an array's swap-and-remove would).
extension MemoryArena {
    /// `irp` starts using the block at `index`, through `address`.
    @inline(__always) func addHolder(_ index: Int32, irp: Int, address: UInt, asOverlapped: Bool) {
        let holder = MemoryBlockHolder(irp: irp, address: address, asOverlapped: asOverlapped)
        guard states[Int(index)].holderCount == 0 else { return addAnotherHolder(index, holder) }
        // A block may still wait for release with no holder (kernel32 reading it, pinned).
        states[Int(index)].firstHolder = holder
        states[Int(index)].holderCount = 1
    }

    /// ``addHolder(_:irp:address:asOverlapped:)`` for a block already held.
    @inline(never) private func addAnotherHolder(_ index: Int32, _ holder: MemoryBlockHolder) {
        moreHolders[index, default: []].append(holder)
        states[Int(index)].holderCount += 1
    }

    /// `irp` no longer uses the block (as its `OVERLAPPED`, or as its buffer).
    @inline(__always) func removeHolder(_ index: Int32, irp: Int, asOverlapped: Bool) {
        let i = Int(index)
        // Usually the block's only holder, and the block not waiting to be released.
        if states[i].holderCount == 1, states[i].firstHolder.irp == irp, states[i].firstHolder.asOverlapped == asOverlapped,
           !states[i].awaitsRelease
        {
            states[i].holderCount = 0
            return
        }
        removeOneOfHolders(index, irp: irp, asOverlapped: asOverlapped)
    }

    /// ``removeHolder(_:irp:asOverlapped:)`` for a holder known to hold the block (an IRP whose
    /// ``IRP/overlappedBlock`` or ``IRP/bufferBlock`` it is: the record was added with it, and
    /// only the IRP's own release takes it away). A block with one holder is then held by it
    /// alone, whatever that record says, so the usual case is a test and a store.
    @inline(__always) func removeKnownHolder(_ index: Int32, irp: Int, asOverlapped: Bool) {
        if states[Int(index)].letGoIfHeldAlone() { return }
        removeOneOfHolders(index, irp: irp, asOverlapped: asOverlapped)
    }

    /// ``removeHolder(_:irp:asOverlapped:)`` from several holders, or from a block waiting for
    /// its holders to let go.
    @inline(never) private func removeOneOfHolders(_ index: Int32, irp: Int, asOverlapped: Bool) {
        var holders = self.holders(of: index)
        guard let position = holders.firstIndex(where: { $0.irp == irp && $0.asOverlapped == asOverlapped }) else { return }
        // Usually the only holder, or the last: then nothing moves.
        let last = holders.count - 1
        if position != last { holders.swapAt(position, last) }
        holders.removeLast()
        states[Int(index)].holderCount = Int32(holders.count)
        if let first = holders.first { states[Int(index)].firstHolder = first }
        moreHolders[index] = holders.count > 1 ? Array(holders.dropFirst()) : nil
        if states[Int(index)].awaitsRelease { requeueIfLetGo(index) }
    }

    /// The request whose I/O on the `OVERLAPPED` at `address` is still in flight.
    func irpInFlight(onOverlapped address: UInt, in index: Int32) -> Int? {
        holders(of: index).first { $0.asOverlapped && $0.address == address }?.irp
    }

    /// The block's holders, in order, as diagnostics list them.
    func holders(of index: Int32) -> [MemoryBlockHolder] {
        let state = states[Int(index)]
        guard state.holderCount > 0 else { return [] }
        return [state.firstHolder] + (state.holderCount > 1 ? moreHolders[index] ?? [] : [])
    }
}
