/// A first-in, first-out queue in a ring buffer: appending and taking the oldest element never
/// shift, never allocate once the ring is large enough, and emptying it costs nothing. The
/// kernel's FIFOs (a port's packets, a thread's completion work) fill and empty on every I/O,
/// where an array's `removeAll(keepingCapacity:)` took a tenth of a round trip.
@usableFromInline
struct RingQueue<Element> {
    @usableFromInline var slots: [Element?] = []
    @usableFromInline var head = 0
    @usableFromInline private(set) var count = 0

    @usableFromInline init() {}

    @inlinable var isEmpty: Bool { count == 0 }

    mutating func append(_ element: Element) {
        if count == slots.count { grow() }
        slots[(head + count) & (slots.count - 1)] = element
        count += 1
    }

    /// Takes the oldest element.
    mutating func popFirst() -> Element? {
        guard count > 0 else { return nil }
        let element = slots[head]
        slots[head] = nil
        head = (head + 1) & (slots.count - 1)
        count -= 1
        return element
    }

    /// The oldest element, left in place.
    var first: Element? { count > 0 ? slots[head] : nil }

    /// The elements, oldest first.
    var elements: [Element] {
        (0..<count).compactMap { slots[(head + $0) & (slots.count - 1)] }
    }

    /// Doubles the ring (a power of two, so that positions wrap with a mask).
    private mutating func grow() {
        var larger = [Element?](repeating: nil, count: max(8, slots.count * 2))
        for offset in 0..<count { larger[offset] = slots[(head + offset) & (slots.count - 1)] }
        slots = larger
        head = 0
    }
}
