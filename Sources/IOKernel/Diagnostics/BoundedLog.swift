/// A diagnostic record that keeps its first `limit` entries and counts the rest.
///
/// What the simulator records about a run (hangs, bug checks, memory violations) must be
/// bounded by what the scenario holds, not by how long it ran: a stress run that makes millions
/// of the same mistake keeps the first few in full and says how many more there were. The first
/// ones are kept because they are the ones that explain the rest.
struct BoundedLog<Element> {
    let limit: Int
    private(set) var entries: [Element] = []
    /// Entries recorded after the log was full: counted, not kept.
    private(set) var dropped = 0

    init(limit: Int) { self.limit = limit }

    /// Whether the next entry would be kept: a caller can skip building a dropped one.
    var hasRoom: Bool { entries.count < limit }

    mutating func append(_ entry: Element) {
        if entries.count < limit { entries.append(entry) } else { dropped += 1 }
    }

    /// Counts an entry without building it (the log is full).
    mutating func countDropped() { dropped += 1 }

    /// Empties the log (a test took its entries).
    mutating func removeAll() {
        entries.removeAll()
        dropped = 0
    }
}

extension Array {
    /// The first `limit` elements, and how many were left out.
    func capped(at limit: Int) -> (kept: [Element], dropped: Int) {
        count <= limit ? (self, 0) : (Array(prefix(limit)), count - limit)
    }
}
