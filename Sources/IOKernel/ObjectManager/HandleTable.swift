/// A process's handle table: each process has its own.
///
/// Handle values are multiples of 4 starting at 4, as on Windows; the low two bits of a value
/// are tag bits the object manager ignores (so `h | 1` names the same object as `h`,
/// win32-facts F-SIG-5). A closed value is reused **last in, first out**: the next handle
/// created gets the value most recently closed, as the classic NT handle table's free list
/// does. Real bugs depend on this: a stale handle value used after close reaches whatever object
/// was opened next.
///
/// Each entry carries the handle's attributes (`HANDLE_FLAG_INHERIT`,
/// `HANDLE_FLAG_PROTECT_FROM_CLOSE`), which belong to the handle, not to the object: a
/// duplicate of an inheritable handle need not be inheritable (nt-io-model §1.1).
/// A class, so that the kernel reaches the running process's table without copying it.
final class HandleTable {
    private struct Slot {
        var object: KernelObject?
        var access: UInt32
        var attributes: HandleAttributes
        var nextFree: Int
    }

    // Unchecked for exclusivity, as the kernel's own state is (Kernel.swift): only the running
    // simulated thread touches a handle table, and the checks cost a lookup more than it does.
    @exclusivity(unchecked) private var slots: [Slot] = []
    @exclusivity(unchecked) private var freeHead = -1
    @exclusivity(unchecked) private(set) var count = 0

    /// Index of the slot a handle value names, ignoring the tag bits; nil if out of range.
    @inline(__always)
    private func index(of value: UInt) -> Int? {
        let slot = Int(bitPattern: value >> 2) &- 1
        return slot >= 0 && slot < slots.count ? slot : nil
    }

    /// Inserts an entry and returns its handle value.
    func insert(_ object: KernelObject, access: UInt32, attributes: HandleAttributes = []) -> UInt {
        count += 1
        if freeHead >= 0 {
            let slot = freeHead
            freeHead = slots[slot].nextFree
            slots[slot] = Slot(object: object, access: access, attributes: attributes, nextFree: -1)
            return UInt(slot + 1) << 2
        }
        slots.append(Slot(object: object, access: access, attributes: attributes, nextFree: -1))
        return UInt(slots.count) << 2
    }

    /// Fills a new process's table with inherited entries at the values they have in the
    /// parent. The values between them stay free and are handed out lowest first, then the
    /// table grows. Only for an empty table.
    func inherit(_ entries: [(value: UInt, object: KernelObject, access: UInt32, attributes: HandleAttributes)]) {
        guard count == 0, let highest = entries.map({ Int($0.value >> 2) }).max() else { return }
        slots = Array(repeating: Slot(object: nil, access: 0, attributes: [], nextFree: -1), count: highest)
        for entry in entries {
            slots[Int(entry.value >> 2) - 1] = Slot(object: entry.object, access: entry.access, attributes: entry.attributes,
                                                    nextFree: -1)
        }
        count = entries.count
        freeHead = -1
        for slot in slots.indices.reversed() where slots[slot].object == nil {
            slots[slot].nextFree = freeHead
            freeHead = slot
        }
    }

    /// The object a handle value names, or nil for a free, never-used or out-of-range value.
    @inline(__always)
    func lookup(_ value: UInt) -> KernelObject? {
        guard let slot = index(of: value) else { return nil }
        return slots[slot].object
    }

    /// The object a handle value names, unretained: the table keeps it alive while the entry
    /// exists, so the I/O path reads it without reference counting.
    @inline(__always)
    func unretainedObject(_ value: UInt) -> Unmanaged<KernelObject>? {
        guard let slot = index(of: value) else { return nil }
        return slots[slot].object.map { Unmanaged.passUnretained($0) }
    }

    /// The access mask the entry was created with.
    func access(_ value: UInt) -> UInt32? {
        guard let slot = index(of: value), slots[slot].object != nil else { return nil }
        return slots[slot].access
    }

    /// The entry's attributes, or nil for an invalid handle.
    func attributes(_ value: UInt) -> HandleAttributes? {
        guard let slot = index(of: value), slots[slot].object != nil else { return nil }
        return slots[slot].attributes
    }

    /// Changes the entry's attributes; false for an invalid handle.
    func setAttributes(_ value: UInt, _ attributes: HandleAttributes) -> Bool {
        guard let slot = index(of: value), slots[slot].object != nil else { return false }
        slots[slot].attributes = attributes
        return true
    }

    /// Removes an entry and returns the object it referenced.
    func remove(_ value: UInt) -> KernelObject? {
        guard let slot = index(of: value), let object = slots[slot].object else { return nil }
        slots[slot] = Slot(object: nil, access: 0, attributes: [], nextFree: freeHead)
        freeHead = slot
        count -= 1
        return object
    }

    /// Drops every entry without closing it (a released simulation).
    func removeAll() {
        slots.removeAll()
        freeHead = -1
        count = 0
    }

    /// Whether some entry references `object`.
    func contains(_ object: KernelObject) -> Bool { slots.contains { $0.object === object } }

    /// Every open entry in handle-value order (for reports).
    var entries: [(value: UInt, object: KernelObject)] {
        slots.indices.compactMap { i in slots[i].object.map { (UInt(i + 1) << 2, $0) } }
    }

    /// Every open entry with its access and attributes, in handle-value order.
    var fullEntries: [(value: UInt, object: KernelObject, access: UInt32, attributes: HandleAttributes)] {
        slots.indices.compactMap { i in
            slots[i].object.map { (UInt(i + 1) << 2, $0, slots[i].access, slots[i].attributes) }
        }
    }
}

/// A handle's attributes, with the values of `HANDLE_FLAG_INHERIT` and
/// `HANDLE_FLAG_PROTECT_FROM_CLOSE`.
package struct HandleAttributes: OptionSet, Sendable {
    package let rawValue: UInt32
    package init(rawValue: UInt32) { self.rawValue = rawValue }
    /// A child created with `bInheritHandles` gets a copy of the handle, at the same value.
    package static let inherit = HandleAttributes(rawValue: 0x1)
    /// `CloseHandle` refuses to close it.
    package static let protectFromClose = HandleAttributes(rawValue: 0x2)
}
