/// What an exploration searches, and how much of it.
public struct ExplorationOptions: Sendable {
    /// How schedules are chosen.
    public enum Search: Sendable, Equatable {
        /// Every sequence of choices, depth first (bounded by `maxRuns`).
        case exhaustive
        /// Iterative context bounding (Musuvathi and Qadeer, PLDI 2007; CHESS, loom): every
        /// schedule with no preemption, then every one with exactly one, … up to the budget's
        /// `preemptions`, so the first failure found needs the fewest preemptions.
        case iterativeBounding
        /// Runs whose choices are drawn from a seeded generator, one seed per run.
        case random(seed: UInt64)
        /// Probabilistic concurrency testing with bug depth `depth` (``PCTStrategy``), one seed
        /// per run.
        case pct(seed: UInt64, depth: Int)
    }

    /// One part of a search split `count` ways, so that a CI matrix explores a large space in
    /// parallel: shard `index` (from 0) of `count`. Every run belongs to exactly one shard,
    /// chosen from the run itself, so the shards together explore what one search would, and
    /// each shard's tokens replay anywhere.
    public struct Shard: Sendable, Equatable, CustomStringConvertible {
        public let index: Int
        public let count: Int

        public init?(index: Int, count: Int) {
            guard count >= 1, index >= 0, index < count else { return nil }
            self.index = index
            self.count = count
        }

        /// Parses `i/n`, as `iosim explore --shard 2/4` takes it.
        public init?(_ text: String) {
            let parts = text.split(separator: "/")
            guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]) else { return nil }
            self.init(index: index, count: count)
        }

        public var description: String { "\(index)/\(count)" }
    }

    public var search: Search
    /// The most runs the search makes (for a shard, of its own runs).
    public var maxRuns: Int
    /// The kernel-entry perturbations each run may make; nil explores only the choices the
    /// scheduler always offers (which thread runs when one blocks, same-instant device events).
    public var perturbations: PerturbationBudget?
    public var shard: Shard?
    /// In an exhaustive search, how many leading choices decide a run's shard.
    public var shardDepth: Int
    /// Whether the first failing token is shrunk to the fewest perturbations and choices that
    /// still fail.
    public var shrinks: Bool
    public var stopAtFirstFailure: Bool

    public init(search: Search = .exhaustive, maxRuns: Int = 10_000, perturbations: PerturbationBudget? = nil,
                shard: Shard? = nil, shardDepth: Int = 2, shrinks: Bool = true, stopAtFirstFailure: Bool = false)
    {
        self.search = search
        self.maxRuns = max(maxRuns, 0)
        self.perturbations = perturbations
        self.shard = shard
        self.shardDepth = max(shardDepth, 1)
        self.shrinks = shrinks
        self.stopAtFirstFailure = stopAtFirstFailure
    }
}
