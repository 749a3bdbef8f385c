/// The simulated process's user memory: every block the scenario allocates through the
/// simulator (heap blocks, stack-frame locals), so that the kernel can tell, whenever it uses a
/// pointer the program gave it, whether that memory is still alive.
///
/// Each block is a separate host allocation that the arena owns until the simulation goes away.
/// A freed block is quarantined: filled with `0xFE` and kept, so that a late kernel write lands
/// in memory nobody else uses and the simulator never corrupts its own process. With
/// ``MemoryOptions/reuseFreedMemory`` a freed block's memory is handed to the next allocation of
/// the same size and region instead, as a real heap or stack would, so that the corruption
/// shows. Nothing here depends on host addresses except lookups by address, whose answers do
/// not depend on the order of the addresses.
final class MemoryArena {
    @exclusivity(unchecked) private(set) var blocks: [MemoryBlock] = []
    /// The host ranges the arena owns, sorted by start, each with its current occupant.
    @exclusivity(unchecked) private var ranges: [(start: UInt, end: UInt, block: Int32)] = []
    /// The two most recent lookups (an `OVERLAPPED` and a buffer, issued again and again).
    @exclusivity(unchecked) private var recent: (Int32, Int32) = (-1, -1)
    /// Freed blocks whose memory may be reused, by region and size, most recently freed last.
    /// Only looked up, never iterated.
    @exclusivity(unchecked) private var reusable: [ReuseKey: [Int32]] = [:]
    let reuseFreedMemory: Bool

    private struct ReuseKey: Hashable {
        let stack: Bool
        let size: Int
    }

    init(reuseFreedMemory: Bool) { self.reuseFreedMemory = reuseFreedMemory }

    deinit { releaseHostMemory() }

    /// Gives every block's host memory back (the simulation is gone; nothing uses it again).
    func releaseHostMemory() {
        for range in ranges { UnsafeMutableRawPointer(bitPattern: range.start)?.deallocate() }
        ranges.removeAll()
        blocks.removeAll()
        reusable.removeAll()
        recent = (-1, -1)
    }

    /// A new zeroed block; its index.
    func allocate(size: Int, label: String?, type: Any.Type?, region: MemoryRegion, at location: SourceLocation) -> Int32 {
        let index = Int32(blocks.count)
        // Static storage is never freed, so it never takes freed memory either.
        let key = ReuseKey(stack: region.isStack, size: size)
        if reuseFreedMemory, region != .static, var pool = reusable[key], let old = pool.popLast() {
            reusable[key] = pool
            let base = blocks[Int(old)].base
            base.initializeMemory(as: UInt8.self, repeating: 0, count: max(size, 1))
            blocks[Int(old)].reusedBy = index
            blocks.append(MemoryBlock(id: blocks.count + 1, givenLabel: label, type: type, size: size, region: region,
                                      allocatedAt: location, base: base))
            if let slot = rangeIndex(of: UInt(bitPattern: base)) { ranges[slot].block = index }
            return index
        }
        let base = UnsafeMutableRawPointer.allocate(byteCount: max(size, 1), alignment: 16)
        base.initializeMemory(as: UInt8.self, repeating: 0, count: max(size, 1))
        blocks.append(MemoryBlock(id: blocks.count + 1, givenLabel: label, type: type, size: size, region: region,
                                  allocatedAt: location, base: base))
        let start = UInt(bitPattern: base)
        let position = insertionPoint(for: start)
        ranges.insert((start, start + UInt(max(size, 1)), index), at: position)
        return index
    }

    /// Marks a block freed (the caller has checked it was live) and quarantines or pools it.
    func free(_ index: Int32, at location: SourceLocation) {
        let i = Int(index)
        blocks[i].freedAt = location
        blocks[i].base.initializeMemory(as: UInt8.self, repeating: 0xFE, count: max(blocks[i].size, 1))
        if reuseFreedMemory {
            reusable[ReuseKey(stack: blocks[i].region.isStack, size: blocks[i].size), default: []].append(index)
        }
    }

    /// The block that now occupies `address` (live, or freed and quarantined), if the arena
    /// owns it.
    @inline(__always) func lookup(_ address: UInt) -> Int32? {
        let (a, b) = recent
        if a >= 0, blocks[Int(a)].reusedBy < 0, blocks[Int(a)].contains(address) { return a }
        if b >= 0, blocks[Int(b)].reusedBy < 0, blocks[Int(b)].contains(address) {
            recent = (b, a)
            return b
        }
        guard let slot = rangeIndex(of: address) else { return nil }
        let found = ranges[slot].block
        recent = (found, a)
        return found
    }

    private func rangeIndex(of address: UInt) -> Int? {
        let position = insertionPoint(for: address &+ 1)
        guard position > 0 else { return nil }
        let range = ranges[position - 1]
        return address >= range.start && address < range.end ? position - 1 : nil
    }

    /// The first range whose start is not below `start`.
    private func insertionPoint(for start: UInt) -> Int {
        var low = 0
        var high = ranges.count
        while low < high {
            let middle = (low + high) / 2
            if ranges[middle].start < start { low = middle + 1 } else { high = middle }
        }
        return low
    }

    // MARK: - Holders

    func addHolder(_ index: Int32, irp: Int, address: UInt, asOverlapped: Bool) {
        blocks[Int(index)].holders.append((irp, address, asOverlapped))
    }

    func removeHolder(_ index: Int32, irp: Int, asOverlapped: Bool) {
        let i = Int(index)
        guard let position = blocks[i].holders.firstIndex(where: { $0.irp == irp && $0.asOverlapped == asOverlapped }) else { return }
        blocks[i].holders.swapAt(position, blocks[i].holders.count - 1)
        blocks[i].holders.removeLast()
    }

    /// The request whose I/O on the `OVERLAPPED` at `address` is still in flight.
    func irpInFlight(onOverlapped address: UInt, in index: Int32) -> Int? {
        blocks[Int(index)].holders.first { $0.asOverlapped && $0.address == address }?.irp
    }

    /// A block as diagnostics show it.
    func info(_ index: Int32) -> MemoryBlockInfo {
        let block = blocks[Int(index)]
        return MemoryBlockInfo(id: block.id, label: block.label, typeName: block.typeName, size: block.size,
                               region: block.region, allocatedAt: block.allocatedAt, freedAt: block.freedAt,
                               reusedBy: block.reusedBy >= 0 ? blocks[Int(block.reusedBy)].label : nil)
    }
}
