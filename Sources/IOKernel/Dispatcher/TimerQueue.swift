/// A device event scheduled on the virtual clock by a driver (`DriverContext.schedule`).
///
/// Keep the token to cancel the event before it fires (a driver whose cancel routine wins the
/// race against its own completion timer does this).
public final class ScheduledEvent {
    let deadline: VirtualInstant
    let sequence: UInt64
    @exclusivity(unchecked) var action: (() -> Void)?
    /// What the event is for, shown in hang reports and the trace.
    public let label: String

    init(deadline: VirtualInstant, sequence: UInt64, label: String, action: @escaping () -> Void) {
        self.deadline = deadline
        self.sequence = sequence
        self.label = label
        self.action = action
    }

    /// True until the event fires or is cancelled.
    public var isPending: Bool { action != nil }

    /// Cancels the event if it has not fired yet.
    public func cancel() { action = nil }
}

/// The device events due on the virtual clock, earliest first; events due at the same instant
/// fire in the order they were scheduled. A binary min-heap keyed by (deadline, sequence).
struct TimerQueue {
    private var heap: [ScheduledEvent] = []
    private var nextSequence: UInt64 = 0

    /// Takes a sequence number, so that waits with a timeout order against device events that
    /// fall due at the same instant by when each was set up.
    mutating func takeSequence() -> UInt64 {
        defer { nextSequence &+= 1 }
        return nextSequence
    }

    mutating func schedule(at deadline: VirtualInstant, label: String, _ action: @escaping () -> Void) -> ScheduledEvent {
        let event = ScheduledEvent(deadline: deadline, sequence: takeSequence(), label: label, action: action)
        heap.append(event)
        siftUp(heap.count - 1)
        return event
    }

    /// Whether no event is scheduled (cancelled ones count until they are dropped).
    var isEmpty: Bool { heap.isEmpty }

    /// The earliest event that has not been cancelled, without removing it.
    mutating func peek() -> ScheduledEvent? {
        while let first = heap.first, first.action == nil { removeFirst() }
        return heap.first
    }

    mutating func popFirst() -> ScheduledEvent? {
        guard let first = peek() else { return nil }
        removeFirst()
        return first
    }

    /// The pending events due at the same instant as `first` (the earliest), in the order they
    /// were scheduled, into `due` (emptied first, its storage kept). A heap's descendants never
    /// precede their ancestor, so only the subtrees whose roots are due then are visited: the
    /// cost is the number of ties, not the number of pending events.
    func dueTogether(with first: ScheduledEvent, into due: inout [ScheduledEvent]) {
        while !due.isEmpty { due.removeLast() }
        collect(from: 0, through: first.deadline, into: &due)
        if due.count > 1 { due.sort { $0.sequence < $1.sequence } }
    }

    /// The pending events due after `now` and no later than `horizon`, earliest first (those
    /// due at the same instant in the order they were scheduled), into `due` (emptied first, its
    /// storage kept): what an exploring strategy may fire early (Perturbation.swift). As above,
    /// only the subtrees whose roots are due by `horizon` are visited, and only the events found
    /// are sorted.
    func pending(after now: VirtualInstant, through horizon: VirtualInstant, into due: inout [ScheduledEvent]) {
        while !due.isEmpty { due.removeLast() }
        collect(from: 0, through: horizon, into: &due)
        due.removeAll { $0.deadline <= now }
        if due.count > 1 { due.sort(by: Self.precedes) }
    }

    /// Appends the pending events of the subtree at `index` due no later than `deadline`.
    private func collect(from index: Int, through deadline: VirtualInstant, into due: inout [ScheduledEvent]) {
        guard index < heap.count, heap[index].deadline <= deadline else { return }
        if heap[index].isPending { due.append(heap[index]) }
        collect(from: 2 * index + 1, through: deadline, into: &due)
        collect(from: 2 * index + 2, through: deadline, into: &due)
    }

    /// Back to an empty queue whose sequence numbers start again at 0, as a new one
    /// (``Simulation/reset(strategy:)``); the heap's storage is kept for the next run.
    mutating func removeAll() {
        heap.removeAll(keepingCapacity: true)
        nextSequence = 0
    }

    /// The events still pending, earliest first (for reports; not on any hot path).
    var pending: [ScheduledEvent] {
        heap.filter(\.isPending).sorted { Self.precedes($0, $1) }
    }

    private static func precedes(_ a: ScheduledEvent, _ b: ScheduledEvent) -> Bool {
        a.deadline != b.deadline ? a.deadline < b.deadline : a.sequence < b.sequence
    }

    private mutating func removeFirst() {
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            siftDown(0)
        }
    }

    private mutating func siftUp(_ index: Int) {
        var child = index
        while child > 0 {
            let parent = (child - 1) / 2
            guard Self.precedes(heap[child], heap[parent]) else { return }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ index: Int) {
        var parent = index
        while true {
            let left = 2 * parent + 1
            guard left < heap.count else { return }
            var best = left
            let right = left + 1
            if right < heap.count, Self.precedes(heap[right], heap[left]) { best = right }
            guard Self.precedes(heap[best], heap[parent]) else { return }
            heap.swapAt(best, parent)
            parent = best
        }
    }
}
