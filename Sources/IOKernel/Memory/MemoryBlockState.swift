/// What the checks on the I/O path read about a block, and the first request that holds it:
/// plain values, one small record a block, kept apart from the block's description
/// (``MemoryBlock``: its label, type, region and locations), so that a check reads a few words
/// and no reference count moves. The arena keeps one per block, at the block's index.
@usableFromInline struct MemoryBlockState: BitwiseCopyable {
    @usableFromInline var start: UInt
    @usableFromInline var size: Int
    /// Zero for a live block the program may write; otherwise ``freed`` and ``readOnly`` bits.
    /// One byte, so that the checks on the I/O path test both with one comparison
    /// (``MemoryArena/isLive(_:from:count:)``) and only a block with a restriction takes the
    /// slower path.
    @usableFromInline var restrictions: UInt8 = 0
    @usableFromInline static let freed: UInt8 = 1
    /// A view mapped without `FILE_MAP_WRITE` or `FILE_MAP_COPY`: its pages are read-only, and a
    /// write into them is an access violation on Windows ("An attempt to write to the committed
    /// region results in an access violation", `PAGE_READONLY` in Memory Protection Constants).
    @usableFromInline static let readOnly: UInt8 = 2
    @usableFromInline var isFreed: Bool {
        get { restrictions & Self.freed != 0 }
        set { restrictions = newValue ? restrictions | Self.freed : restrictions & ~Self.freed }
    }
    var isReadOnly: Bool {
        get { restrictions & Self.readOnly != 0 }
        set { restrictions = newValue ? restrictions | Self.readOnly : restrictions & ~Self.readOnly }
    }
    /// Its host memory went back to the host (``MemoryArena``'s quarantine budget).
    var isReleased = false
    /// The block a later allocation gave this one's memory to, or -1.
    var reusedBy: Int32 = -1
    /// How many I/O requests hold the block, with ``awaitsReleaseBit`` when it waits for them:
    /// one word, so that "held by one request alone, and not waiting" is one comparison with 1.
    private var holds: Int32 = 0
    private static let awaitsReleaseBit: Int32 = 1 << 30
    /// How many I/O requests hold the block (``MemoryBlockHolder``); the first is kept here,
    /// the others (rare: two requests on one block) in the arena's ``MemoryArena/moreHolders``.
    var holderCount: Int32 {
        get { holds & ~Self.awaitsReleaseBit }
        set { holds = newValue | (holds & Self.awaitsReleaseBit) }
    }
    /// Freed, held by a request, and past the budget: it waits for its last holder.
    var awaitsRelease: Bool {
        get { holds & Self.awaitsReleaseBit != 0 }
        set { holds = newValue ? holds | Self.awaitsReleaseBit : holds & ~Self.awaitsReleaseBit }
    }
    var firstHolder = MemoryBlockHolder(irp: 0, address: 0, asOverlapped: false)

    init(start: UInt, size: Int) {
        self.start = start
        self.size = size
    }

    var isHeld: Bool { holderCount > 0 }

    /// Neither held nor waiting for a holder: what a new holder may take alone
    /// (``holdAlone(irp:address:asOverlapped:)``).
    @inline(__always) var isUnheld: Bool { holds == 0 }

    /// Held by one request from now (the block was ``isUnheld``).
    @inline(__always) mutating func holdAlone(irp: Int, address: UInt, asOverlapped: Bool) {
        firstHolder = MemoryBlockHolder(irp: irp, address: address, asOverlapped: asOverlapped)
        holds = 1
    }

    /// Held by nobody from now, if one request, the one letting go, held it and it is not
    /// waiting to be released (``MemoryArena/removeKnownHolder(_:irp:asOverlapped:)``); false,
    /// changing nothing, otherwise.
    @inline(__always) mutating func letGoIfHeldAlone() -> Bool {
        guard holds == 1 else { return false }
        holds = 0
        return true
    }
}

/// An I/O request that uses a block: as its `OVERLAPPED` (until the caller has been handed its
/// last notification) or as its buffer (until completion processing).
struct MemoryBlockHolder: BitwiseCopyable {
    var irp: Int
    var address: UInt
    var asOverlapped: Bool
}

/// A growable table of plain values in memory it owns: reading or writing an element is a load
/// or a store, with none of the uniqueness checks an `Array` of structs mutated in place makes
/// on every write. Its owner frees it (``deallocate()``); a copy is the same table, so only its
/// owner keeps one.
@usableFromInline struct PlainTable<Element: BitwiseCopyable> {
    @usableFromInline private(set) var base: UnsafeMutablePointer<Element>
    private(set) var count = 0
    private var capacity: Int

    init(capacity: Int = 16) {
        self.capacity = capacity
        self.base = UnsafeMutablePointer<Element>.allocate(capacity: capacity)
    }

    /// The element at `index`, which the owner got from ``append(_:)`` (never from its caller).
    @inlinable subscript(index: Int) -> Element {
        @inline(__always) unsafeAddress { UnsafePointer(base + index) }
        @inline(__always) nonmutating unsafeMutableAddress { base + index }
    }

    var indices: Range<Int> { 0..<count }

    mutating func append(_ element: Element) {
        if count == capacity {
            let larger = UnsafeMutablePointer<Element>.allocate(capacity: capacity * 2)
            larger.initialize(from: base, count: count)
            base.deallocate()
            base = larger
            capacity *= 2
        }
        (base + count).initialize(to: element)
        count += 1
    }

    /// Empty again, its storage kept.
    mutating func removeAll() { count = 0 }

    func deallocate() { base.deallocate() }
}
