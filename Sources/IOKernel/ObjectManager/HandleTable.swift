/// A process's handle table.
///
/// Handle values are multiples of 4 starting at 4, as on Windows; the low two bits of a value
/// are tag bits the object manager ignores (so `h | 1` names the same object as `h`,
/// win32-facts F-SIG-5). A closed value is reused **last in, first out**: the next handle
/// created gets the value most recently closed, as the classic NT handle table's free list
/// does. Real bugs depend on this: a stale handle value used after close reaches whatever object
/// was opened next.
struct HandleTable {
    private struct Slot {
        var object: KernelObject?
        var access: UInt32
        var nextFree: Int
    }

    private var slots: [Slot] = []
    private var freeHead = -1
    private(set) var count = 0

    /// Index of the slot a handle value names, ignoring the tag bits; nil if out of range.
    @inline(__always)
    private func index(of value: UInt) -> Int? {
        let slot = Int(bitPattern: value >> 2) &- 1
        return slot >= 0 && slot < slots.count ? slot : nil
    }

    /// Inserts an entry and returns its handle value.
    mutating func insert(_ object: KernelObject, access: UInt32) -> UInt {
        count += 1
        if freeHead >= 0 {
            let slot = freeHead
            freeHead = slots[slot].nextFree
            slots[slot] = Slot(object: object, access: access, nextFree: -1)
            return UInt(slot + 1) << 2
        }
        slots.append(Slot(object: object, access: access, nextFree: -1))
        return UInt(slots.count) << 2
    }

    /// The object a handle value names, or nil for a free, never-used or out-of-range value.
    @inline(__always)
    func lookup(_ value: UInt) -> KernelObject? {
        guard let slot = index(of: value) else { return nil }
        return slots[slot].object
    }

    /// The access mask the entry was created with.
    func access(_ value: UInt) -> UInt32? {
        guard let slot = index(of: value), slots[slot].object != nil else { return nil }
        return slots[slot].access
    }

    /// Removes an entry and returns the object it referenced.
    mutating func remove(_ value: UInt) -> KernelObject? {
        guard let slot = index(of: value), let object = slots[slot].object else { return nil }
        slots[slot] = Slot(object: nil, access: 0, nextFree: freeHead)
        freeHead = slot
        count -= 1
        return object
    }

    /// Every open entry in handle-value order (for reports).
    var entries: [(value: UInt, object: KernelObject)] {
        slots.indices.compactMap { i in slots[i].object.map { (UInt(i + 1) << 2, $0) } }
    }
}
