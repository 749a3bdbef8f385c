#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The simulated process's user memory: every block the scenario allocates through the
/// simulator (heap blocks, stack-frame locals), so that the kernel can tell, whenever it uses a
/// pointer the program gave it, whether that memory is still alive.
///
/// Each block is a separate host allocation (`calloc`: zeroed, and for large blocks committed
/// only as pages are touched) that the arena owns until the simulation goes away or the
/// quarantine releases it. A host allocation that fails is reported to the caller (`HeapAlloc`
/// returns NULL with `ERROR_NOT_ENOUGH_MEMORY`), never a trap.
///
/// A freed block is quarantined: filled with `0xFE` and kept, so that a late kernel write lands
/// in memory nobody else uses and the simulator never corrupts its own process. The quarantine
/// has a byte budget (``MemoryOptions/quarantineBudget``): past it, the oldest freed blocks are
/// released (``MemoryBlock/isReleased``): their records stay, so that a request still holding
/// one, or a call handed a pointer into one, is reported and writes nothing, and their pages go
/// back to the host (`MADV_DONTNEED`) while their *addresses* stay the arena's, kept for a later
/// block of the same size, oldest released first, as a heap reuses memory. So no address the
/// scenario ever saw is handed out by the host to anyone else, a stale pointer means the same
/// thing on every run (a released block, or the block that reused its memory), and runs with a
/// small budget replay exactly. Only past ``releasedMemoryCap`` bytes of such kept memory does
/// the oldest go back to the host whole (its range then stays the released block's until a new
/// block takes part of it). With
/// ``MemoryOptions/reuseFreedMemory`` a freed block's memory is handed to the next allocation of
/// the same size and region instead, as a real heap or stack would, so that the corruption
/// shows. Nothing here depends on host addresses except lookups by address, whose answers do
/// not depend on the order of the addresses.
@usableFromInline final class MemoryArena {
    /// Each block's description, by index (its id less one).
    @exclusivity(unchecked) private(set) var blocks: [MemoryBlock] = []
    /// Each block's state, by the same index: what the checks read (``MemoryBlockState``).
    @exclusivity(unchecked) @usableFromInline private(set) var states = PlainTable<MemoryBlockState>(capacity: 64)
    /// The holders of a block after its first (``MemoryBlockState/firstHolder``), in order, for
    /// the blocks that have more than one. Only looked up, never iterated.
    @exclusivity(unchecked) var moreHolders: [Int32: [MemoryBlockHolder]] = [:]
    /// The host ranges the arena owns, sorted by start, each with its current occupant.
    @exclusivity(unchecked) private var ranges: [(start: UInt, end: UInt, block: Int32)] = []
    /// The lowest and highest address of any range: an address outside them (a caller's stack
    /// variable, usually) is found untracked without a search.
    @exclusivity(unchecked) @usableFromInline private(set) var lowestAddress = UInt.max
    @exclusivity(unchecked) private(set) var highestAddress: UInt = 0
    /// `highestAddress - lowestAddress` (zero for no range), so that an address is tested
    /// against both with one comparison.
    @exclusivity(unchecked) @usableFromInline private(set) var addressSpan: UInt = 0
    /// The block an `OVERLAPPED` was last found in, and the block a buffer or anything else was
    /// last found in (the same two, used again and again), with their ranges and the bytes a
    /// check may pass at once, so that checking them again reads nothing else: each kind of
    /// lookup keeps its own, so that an `OVERLAPPED` and a buffer used in turns are each found
    /// first time. Cleared whenever an address changes blocks (a reuse, a range taken over); a
    /// block that is freed or made read-only passes no check from here any more.
    @exclusivity(unchecked) @usableFromInline var recentOverlapped = RecentBlock()
    @exclusivity(unchecked) @usableFromInline var recentBuffer = RecentBlock()
    /// Freed blocks whose memory may be reused, by region and size, most recently freed last.
    /// Only looked up, never iterated.
    @exclusivity(unchecked) private var reusable: [ReuseKey: [Int32]] = [:]
    let reuseFreedMemory: Bool
    /// The bytes of freed blocks the arena keeps before it gives the oldest back to the host.
    let quarantineBudget: Int
    /// Freed blocks still holding their memory, oldest first, and their bytes.
    @exclusivity(unchecked) private var quarantine = RingQueue<Int32>()
    @exclusivity(unchecked) private(set) var quarantinedBytes = 0
    /// Bytes of live blocks (allocated and not freed): what the scenario holds.
    @exclusivity(unchecked) private(set) var liveBytes = 0
    /// Bytes of freed blocks that an I/O request still holds, kept past the budget until it lets
    /// go (bounded by what the scenario has in flight).
    @exclusivity(unchecked) private(set) var heldFreedBytes = 0
    /// Blocks kernel32 is still reading after the kernel let go of them (a completion routine's
    /// `OVERLAPPED`, whose status kernel32 reads to call the routine): never given back to the
    /// host meanwhile. A stack, since a routine may wait alertably and run another.
    @exclusivity(unchecked) private var pinned: [Int32] = []
    /// Released blocks whose memory the arena keeps for reuse, by capacity, oldest released
    /// first; and their bytes. Only looked up, never iterated (except to free them at the end).
    @exclusivity(unchecked) private var releasedMemory: [Int: RingQueue<Int32>] = [:]
    @exclusivity(unchecked) private(set) var keptReleasedBytes = 0
    /// The address space kept for released blocks before the oldest goes back to the host.
    static let releasedMemoryCap = 1 << 30
    /// Freed blocks whose memory went back to the host.
    @exclusivity(unchecked) private(set) var releasedCount = 0

    private struct ReuseKey: Hashable {
        let stack: Bool
        let size: Int
    }

    /// A block found recently, the range it spans, and how many bytes from the range's start a
    /// check passes without reading the block's state: the block's size when it is live and
    /// writable and the range is all of it, otherwise zero (a freed, read-only or released
    /// block, or an empty slot), so that every check of it takes the slower way.
    @usableFromInline struct RecentBlock {
        @usableFromInline var start: UInt = 0
        @usableFromInline var capacity: UInt = 0
        @usableFromInline var liveBytes: UInt = 0
        @usableFromInline var index: Int32 = -1

        @usableFromInline init(start: UInt = 0, capacity: UInt = 0, liveBytes: UInt = 0, index: Int32 = -1) {
            self.start = start
            self.capacity = capacity
            self.liveBytes = liveBytes
            self.index = index
        }

        /// The block, if `address` lies in its range.
        @inlinable @inline(__always) func find(_ address: UInt) -> Int32? {
            index >= 0 && address &- start < capacity ? index : nil
        }

        /// Whether `address` lies in the live part of the block (``holdsLive(_:count:)`` of one
        /// byte).
        @inlinable @inline(__always) func isLive(at address: UInt) -> Bool { address &- start < liveBytes }

        /// Whether `count` bytes from `address` lie in the live part of the block: what a check
        /// passes on, with nothing else read. A false answer says nothing: the caller asks the
        /// arena (``MemoryArena/isLive(_:from:count:)``).
        @inlinable @inline(__always) func holdsLive(_ address: UInt, count: Int) -> Bool {
            let offset = address &- start
            guard offset < liveBytes else { return false }
            return UInt(bitPattern: count) <= liveBytes &- offset
        }
    }

    init(reuseFreedMemory: Bool, quarantineBudget: Int = MemoryOptions.defaultQuarantineBudget) {
        self.reuseFreedMemory = reuseFreedMemory
        self.quarantineBudget = max(0, quarantineBudget)
    }

    deinit {
        releaseHostMemory()
        states.deallocate()
    }

    /// Back to an empty arena, as a new one (``Simulation/reset(strategy:)``): every block's
    /// host memory given back, the arena's own arrays kept for the next run.
    func reset() {
        releaseHostMemory()
        releasedCount = 0
    }

    /// Gives every block's host memory back (the simulation is gone; nothing uses it again).
    /// Blocks the quarantine released have given theirs already.
    func releaseHostMemory() {
        for range in ranges where !states[Int(range.block)].isReleased {
            UnsafeMutableRawPointer(bitPattern: range.start).map(releaseToHost)
        }
        for (_, var kept) in releasedMemory {
            while let index = kept.popFirst() { releaseToHost(blocks[Int(index)].base) }
        }
        releasedMemory.removeAll()
        keptReleasedBytes = 0
        ranges.removeAll(keepingCapacity: true)
        lowestAddress = .max
        highestAddress = 0
        addressSpan = 0
        blocks.removeAll(keepingCapacity: true)
        states.removeAll()
        moreHolders.removeAll()
        reusable.removeAll()
        quarantine = RingQueue()
        quarantinedBytes = 0
        heldFreedBytes = 0
        pinned.removeAll()
        liveBytes = 0
        forgetRecentBlocks()
    }

    /// A new zeroed block; its index, or nil if the host could not allocate it.
    func allocate(size: Int, label: String?, type: Any.Type?, region: MemoryRegion, at location: SourceLocation,
                  owner: UInt32 = 0) -> Int32?
    {
        let index = Int32(blocks.count)
        // Static storage is never freed, so it never takes freed memory either.
        let key = ReuseKey(stack: region.isStack, size: size)
        if reuseFreedMemory, region != .static, var pool = reusable[key] {
            while let old = pool.popLast() {
                // A block the quarantine released has no memory to hand on.
                guard !states[Int(old)].isReleased else { continue }
                reusable[key] = pool
                let base = blocks[Int(old)].base
                base.initializeMemory(as: UInt8.self, repeating: 0, count: max(size, 1))
                states[Int(old)].reusedBy = index
                quarantinedBytes -= blocks[Int(old)].size
                liveBytes += size
                append(MemoryBlock(id: blocks.count + 1, givenLabel: label, type: type, size: size, region: region,
                                   allocatedAt: location, base: base, owner: owner))
                if let slot = rangeIndex(of: UInt(bitPattern: base)) { ranges[slot].block = index }
                forgetRecentBlocks()
                return index
            }
            reusable[key] = pool
        }
        if let kept = reuseReleasedMemory(capacity: max(size, 1)) {
            append(MemoryBlock(id: blocks.count + 1, givenLabel: label, type: type, size: size, region: region,
                               allocatedAt: location, base: blocks[Int(kept)].base, owner: owner))
            states[Int(kept)].reusedBy = index
            liveBytes += size
            if let slot = rangeIndex(of: UInt(bitPattern: blocks[Int(kept)].base)) { ranges[slot].block = index }
            forgetRecentBlocks()
            return index
        }
        guard let base = calloc(1, max(size, 1)) else { return nil }
        append(MemoryBlock(id: blocks.count + 1, givenLabel: label, type: type, size: size, region: region,
                           allocatedAt: location, base: base, owner: owner))
        liveBytes += size
        let start = UInt(bitPattern: base)
        let end = start + UInt(max(size, 1))
        lowestAddress = min(lowestAddress, start)
        highestAddress = max(highestAddress, end)
        addressSpan = highestAddress - lowestAddress
        var position = insertionPoint(for: start)
        // The host may hand out again memory the quarantine released. Only the part the new
        // block takes changes hands: the rest of a released block's range stays the released
        // block's, so that a stale pointer there is still refused, never taken for memory the
        // simulator does not track (the host may have given it to anyone since).
        var displaced = false
        var pieces: [(start: UInt, end: UInt, block: Int32)] = [(start, end, index)]
        while position > 0, ranges[position - 1].end > start {
            let old = ranges.remove(at: position - 1)
            position -= 1
            if old.start < start { pieces.append((old.start, start, old.block)) }
            if old.end > end { pieces.append((end, old.end, old.block)) }
            displaced = true
        }
        while position < ranges.count, ranges[position].start < end {
            let old = ranges.remove(at: position)
            if old.end > end { pieces.append((end, old.end, old.block)) }
            displaced = true
        }
        if displaced {
            forgetRecentBlocks()
            pieces.sort { $0.start < $1.start }
        }
        ranges.insert(contentsOf: pieces, at: position)
        return index
    }

    /// Marks a live block read-only (a view mapped for reading only).
    func markReadOnly(_ index: Int32) {
        states[Int(index)].isReadOnly = true
        noLongerLive(index)
    }

    /// The block is no longer live and writable: the recent blocks pass no check of it at once.
    private func noLongerLive(_ index: Int32) {
        if recentOverlapped.index == index { recentOverlapped.liveBytes = 0 }
        if recentBuffer.index == index { recentBuffer.liveBytes = 0 }
    }

    /// A new block's description and state.
    private func append(_ block: MemoryBlock) {
        blocks.append(block)
        states.append(MemoryBlockState(start: block.start, size: block.size))
    }

    /// Marks a block freed (the caller has checked it was live) and quarantines or pools it;
    /// past the quarantine's budget, the oldest freed blocks' memory goes back to the host.
    /// `byProcessExit`: the block was still in use when its process exited.
    func free(_ index: Int32, at location: SourceLocation, byProcessExit: Bool = false) {
        let i = Int(index)
        blocks[i].freedAt = location
        blocks[i].leftAtExit = byProcessExit
        states[i].isFreed = true
        noLongerLive(index)
        liveBytes -= blocks[i].size
        quarantinedBytes += blocks[i].size
        quarantine.append(index)
        if reuseFreedMemory {
            reusable[ReuseKey(stack: blocks[i].region.isStack, size: blocks[i].size), default: []].append(index)
        }
        enforceQuarantineBudget()
        // Poisoned only if it stays: a block larger than the budget goes at once, untouched.
        if !states[i].isReleased {
            blocks[i].base.initializeMemory(as: UInt8.self, repeating: 0xFE, count: max(blocks[i].size, 1))
        }
    }

    /// Gives the oldest quarantined blocks' memory back to the host until the quarantine fits
    /// its budget. A block whose memory a later allocation took (reuse) has left it already.
    ///
    /// A block an I/O request still holds (its `OVERLAPPED` or buffer, freed too early) is never
    /// given back: the kernel still writes its status there at completion and kernel32 reads it
    /// to call a completion routine, so its memory must stay the arena's. It leaves the
    /// quarantine and waits for its last holder (``removeHolder(_:irp:asOverlapped:)``).
    private func enforceQuarantineBudget() {
        while quarantinedBytes > quarantineBudget, let oldest = quarantine.popFirst() {
            let i = Int(oldest)
            guard states[i].reusedBy < 0, !states[i].isReleased else { continue }
            if states[i].isHeld || pinned.contains(oldest) {
                states[i].awaitsRelease = true
                quarantinedBytes -= blocks[i].size
                heldFreedBytes += blocks[i].size
                continue
            }
            keepReleasedMemory(oldest)
            states[i].isReleased = true
            quarantinedBytes -= blocks[i].size
            releasedCount += 1
        }
    }

    /// A released block's memory: its pages back to the host, its addresses kept for a later
    /// block of the same capacity, unless the kept memory would pass its cap (then the oldest
    /// kept goes back whole first).
    private func keepReleasedMemory(_ index: Int32) {
        let capacity = max(blocks[Int(index)].size, 1)
        discardPages(blocks[Int(index)].base, capacity)
        releasedMemory[capacity, default: RingQueue()].append(index)
        keptReleasedBytes += capacity
        while keptReleasedBytes > Self.releasedMemoryCap, let (oldestCapacity, oldest) = oldestKept() {
            _ = releasedMemory[oldestCapacity]?.popFirst()
            if releasedMemory[oldestCapacity]?.isEmpty == true { releasedMemory[oldestCapacity] = nil }
            keptReleasedBytes -= oldestCapacity
            releaseToHost(blocks[Int(oldest)].base)
        }
    }

    /// The kept released block of this capacity that was released first, taken out of the
    /// kept memory, zeroed, for a new block.
    private func reuseReleasedMemory(capacity: Int) -> Int32? {
        guard var kept = releasedMemory[capacity], let index = kept.popFirst() else { return nil }
        releasedMemory[capacity] = kept.isEmpty ? nil : kept
        keptReleasedBytes -= capacity
        zeroKeptMemory(blocks[Int(index)].base, capacity)
        return index
    }

    /// The kept block released earliest (the lowest block index: blocks are released in the
    /// order they are numbered within each capacity, and indices order them across them).
    private func oldestKept() -> (Int, Int32)? {
        var best: (Int, Int32)?
        for (capacity, kept) in releasedMemory {
            guard let first = kept.first else { continue }
            if best.map({ first < $0.1 }) ?? true { best = (capacity, first) }
        }
        return best
    }

    /// Host memory the arena holds for the scenario: live blocks and the quarantine.
    var hostBytes: Int { liveBytes + quarantinedBytes + heldFreedBytes }

    /// The block that now occupies `address` (live, freed and quarantined, or released), if the
    /// arena owns it. The two blocks found last are tested first, from their ranges alone; a
    /// block found by a search becomes the recent buffer's.
    @inlinable @inline(__always) func lookup(_ address: UInt) -> Int32? {
        if let index = recentOverlapped.find(address) ?? recentBuffer.find(address) { return index }
        // Outside every range (a caller's stack variable, usually): untracked without a search.
        guard spans(address) else { return nil }
        return search(address, overlapped: false)
    }

    /// ``lookup(_:)`` for an `OVERLAPPED`: the block an `OVERLAPPED` was found in last is tested,
    /// and one found by a search takes its place.
    @inlinable @inline(__always) func lookup(overlapped address: UInt) -> Int32? {
        if let index = recentOverlapped.find(address) { return index }
        guard spans(address) else { return nil }
        return search(address, overlapped: true)
    }

    /// ``lookup(_:)`` for a buffer: the block a buffer was found in last is tested, and one
    /// found by a search takes its place.
    @inlinable @inline(__always) func lookup(buffer address: UInt) -> Int32? {
        if let index = recentBuffer.find(address) { return index }
        guard spans(address) else { return nil }
        return search(address, overlapped: false)
    }

    /// Whether `address` lies between the arena's lowest and highest address: if not, no
    /// block holds it (an out-parameter on the caller's stack, usually), which this finds
    /// before ``lookup(_:)`` tries the recent blocks.
    @inlinable @inline(__always) func spans(_ address: UInt) -> Bool { address &- lowestAddress < addressSpan }

    /// ``lookup(_:)`` past the recent blocks: the range that holds `address`, which becomes the
    /// recent `OVERLAPPED`'s or buffer's. A range may be only part of its block (a released
    /// block some of whose memory a new block took), so the range, not the block, is
    /// remembered.
    @usableFromInline func search(_ address: UInt, overlapped: Bool) -> Int32? {
        guard let slot = rangeIndex(of: address) else { return nil }
        let range = ranges[slot]
        let state = states[Int(range.block)]
        let live = state.restrictions == 0 && state.start == range.start ? UInt(state.size) : 0
        let found = RecentBlock(start: range.start, capacity: range.end - range.start, liveBytes: min(live, range.end - range.start),
                                index: range.block)
        if overlapped { recentOverlapped = found } else { recentBuffer = found }
        return range.block
    }

    /// Forgets the recent blocks: an address changed blocks.
    private func forgetRecentBlocks() {
        recentOverlapped = RecentBlock()
        recentBuffer = RecentBlock()
    }

    private func rangeIndex(of address: UInt) -> Int? {
        // Outside every range (a caller's stack variable, usually): no search.
        guard let last = ranges.last, address < last.end, address >= ranges[0].start else { return nil }
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

    /// A block's state, read in place (no copy of its description, no reference count).
    @inline(__always) func state(_ index: Int32) -> MemoryBlockState { states[Int(index)] }

    /// Whether the block is live, writable, and holds `count` bytes from `address` (which it
    /// contains): the check every use of caller memory passes when nothing is wrong. A read-only
    /// block (``MemoryBlockState/readOnly``) fails it, so that the caller's slower path decides:
    /// reading it is allowed, writing it is not.
    @inlinable @inline(__always) func isLive(_ index: Int32, from address: UInt, count: Int) -> Bool {
        let block = states[Int(index)]
        return block.restrictions == 0 && count <= block.size &- Int(bitPattern: address &- block.start)
    }

    /// Keeps a block's memory the arena's while kernel32 reads it (see ``pinned``).
    func pin(_ index: Int32) { pinned.append(index) }

    /// kernel32 has read the block: it may go back to the host again.
    func unpin(_ index: Int32) {
        guard let position = pinned.lastIndex(of: index) else { return }
        pinned.remove(at: position)
        requeueIfLetGo(index)
    }

    /// A freed block that waited for its users to let go, and now has none: back into the
    /// quarantine, as its youngest block, and the budget applies again.
    func requeueIfLetGo(_ index: Int32) {
        let i = Int(index)
        guard states[i].awaitsRelease, !states[i].isHeld, !pinned.contains(index) else { return }
        states[i].awaitsRelease = false
        heldFreedBytes -= blocks[i].size
        quarantinedBytes += blocks[i].size
        quarantine.append(index)
        enforceQuarantineBudget()
    }

    /// A block's name as reports show it.
    func label(_ index: Int32) -> String { blocks[Int(index)].label }

    /// A block as diagnostics show it.
    func info(_ index: Int32) -> MemoryBlockInfo {
        let block = blocks[Int(index)]
        let reusedBy = states[Int(index)].reusedBy
        return MemoryBlockInfo(id: block.id, label: block.label, typeName: block.typeName, size: block.size,
                               region: block.region, allocatedAt: block.allocatedAt, freedAt: block.freedAt,
                               reusedBy: reusedBy >= 0 ? blocks[Int(reusedBy)].label : nil)
    }
}

/// Gives a block's memory back to the host (`calloc`'s counterpart).
private func releaseToHost(_ base: UnsafeMutableRawPointer) { free(base) }

/// The whole pages inside `count` bytes at `base`, as a start and an end address (equal when
/// there is none).
private func wholePages(_ base: UnsafeMutableRawPointer, _ count: Int) -> (start: UInt, end: UInt) {
    let page = UInt(max(4096, Int(sysconf(Int32(_SC_PAGESIZE)))))
    let start = (UInt(bitPattern: base) + page - 1) & ~(page - 1)
    let end = (UInt(bitPattern: base) + UInt(count)) & ~(page - 1)
    return end > start ? (start, end) : (start, start)
}

/// Gives the whole pages inside a released block back to the host while keeping their
/// addresses: on Linux they read as zero when touched again.
private func discardPages(_ base: UnsafeMutableRawPointer, _ count: Int) {
    let (start, end) = wholePages(base, count)
    guard end > start, let first = UnsafeMutableRawPointer(bitPattern: start) else { return }
    _ = madvise(first, Int(end - start), MADV_DONTNEED)
}

/// Zeroes kept memory for a new block, as `calloc` would give it. On Linux the discarded pages
/// are zero already (and zeroing them would bring a large block's pages back at once), so only
/// the partial pages at the ends are written; elsewhere all of it.
private func zeroKeptMemory(_ base: UnsafeMutableRawPointer, _ count: Int) {
    #if os(Linux)
    let (start, end) = wholePages(base, count)
    guard end > start else {
        base.initializeMemory(as: UInt8.self, repeating: 0, count: count)
        return
    }
    let head = Int(start - UInt(bitPattern: base))
    base.initializeMemory(as: UInt8.self, repeating: 0, count: head)
    let tailStart = base + Int(end - UInt(bitPattern: base))
    tailStart.initializeMemory(as: UInt8.self, repeating: 0, count: Int(UInt(bitPattern: base) + UInt(count) - end))
    #else
    base.initializeMemory(as: UInt8.self, repeating: 0, count: count)
    #endif
}
