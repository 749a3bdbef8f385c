/// Probabilistic concurrency testing (Burckhardt, Kothari, Musuvathi, Nagarakatte, "A
/// Randomized Scheduler with Probabilistic Guarantees of Finding Bugs", ASPLOS 2010), as
/// shuttle implements it for Rust: each thread gets a random priority, the highest-priority
/// thread that can run always runs, and at `depth - 1` random steps the running thread drops
/// below every other. A bug that needs `depth` ordering constraints is then found with
/// probability at least 1/(n·k^(depth-1)) per run (n threads, k steps), whatever the scenario.
///
/// Its steps are the kernel entries (with a ``PerturbationBudget``, where it may preempt) and
/// the blocking points. At a change point it also fires the earliest device event due within
/// the window, so that "the device was faster" is one of the orderings it tries.
public final class PCTStrategy: SchedulingStrategy {
    private let random: SeededRandomStrategy
    private let depth: Int
    /// The steps at which the running thread's priority drops, in increasing order.
    private var changePoints: [Int]
    private var step = 0
    /// Priorities by thread id; higher runs first. Initial priorities are at least `depth`, so
    /// that a dropped priority (`depth - i`) is below all of them.
    private var priorities: [UInt32: Int] = [:]

    /// - Parameters:
    ///   - seed: The seed of its random choices.
    ///   - depth: The bug depth `d`: `d - 1` priority change points.
    ///   - expectedSteps: The number of steps `k` the change points are drawn from.
    public init(seed: UInt64, depth: Int = 2, expectedSteps: Int = 64) {
        random = SeededRandomStrategy(seed: seed)
        self.depth = max(depth, 1)
        let steps = max(expectedSteps, 1)
        var points: [Int] = []
        for _ in 0..<(self.depth - 1) { points.append(1 + random.next(below: steps)) }
        changePoints = points.sorted()
    }

    /// The priority of `thread`, given at random among the initial ones when first seen.
    private func priority(of thread: SimThread) -> Int {
        if let known = priorities[thread.threadID] { return known }
        // A random place among the threads seen so far: shift the priorities above it up.
        let seen = priorities.count
        let value = depth + random.next(below: seen + 1)
        for (id, p) in priorities where p >= value { priorities[id] = p + 1 }
        priorities[thread.threadID] = value
        return value
    }

    /// Counts a step; at a change point, the running thread drops below every initial priority.
    private func advance(running: SimThread?) -> Bool {
        step += 1
        guard let first = changePoints.first, step >= first else { return false }
        changePoints.removeFirst()
        // The i-th change point (1-based) gives priority depth - i.
        let i = depth - 1 - changePoints.count
        if let running { priorities[running.threadID] = depth - i }
        return true
    }

    public func chooseThread(among candidates: [SimThread]) -> Int {
        _ = advance(running: nil)
        var best = 0
        for index in candidates.indices where priority(of: candidates[index]) > priority(of: candidates[best]) {
            best = index
        }
        return best
    }

    public func chooseEvent(among candidates: [ScheduledEvent]) -> Int { random.chooseEvent(among: candidates) }

    public func choosePerturbation(among candidates: [Perturbation], running: SimThread) -> Int {
        let changed = advance(running: running)
        var best = 0
        var bestPriority = priority(of: running)
        var firstEarly: Int?
        for (index, candidate) in candidates.enumerated() {
            switch candidate {
            case .preempt(let other) where priority(of: other) > bestPriority:
                best = index
                bestPriority = priority(of: other)
            case .fireEarly where firstEarly == nil:
                firstEarly = index
            default:
                break
            }
        }
        if best == 0, changed, let firstEarly { return firstEarly }
        return best
    }
}
