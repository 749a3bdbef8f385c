/// Recording, replaying and exhaustively exploring the scheduler's choices.
///
/// Every choice a run makes (which thread runs next, which of the device events due at the same
/// instant fires first) goes through a ``SchedulingStrategy``. Written down in order, the choices
/// *are* the run: a ``ScheduleToken`` replays it exactly, on any machine, and enumerating every
/// sequence of choices explores every schedule the scenario can have (as loom and shuttle do).

/// A run's choices, in order, as a short string: each choice's index, `.`-separated (`"1.0.2"`).
/// The empty token is the default schedule (every choice 0, ``RunUntilBlocked``).
public struct ScheduleToken: Equatable, Hashable, Sendable, CustomStringConvertible {
    public let choices: [Int]

    public init(choices: [Int]) { self.choices = choices }

    /// Parses a token; nil if it is not a `.`-separated list of non-negative integers.
    public init?(_ text: String) {
        guard !text.isEmpty else {
            choices = []
            return
        }
        var parsed: [Int] = []
        for part in text.split(separator: ".", omittingEmptySubsequences: false) {
            guard let value = Int(part), value >= 0 else { return nil }
            parsed.append(value)
        }
        choices = parsed
    }

    public var description: String { choices.map(String.init).joined(separator: ".") }
}

/// Runs a scenario under every schedule, depth first, up to a bound.
///
/// "Every schedule" means every sequence of the scheduler's choices: which thread runs when the
/// running one blocks (threads switch only at blocking points, as with ``RunUntilBlocked``) and
/// which of several device events due at the same instant fires first. Interleavings inside a
/// thread's run between two blocking points are not explored: one simulated thread runs at a
/// time and is never preempted.
///
/// `run` builds a fresh simulation with the strategy it is given, runs the scenario and says
/// whether it held (true) or broke (false). The explorer enumerates choice sequences in order:
/// after each run it takes the last choice that had an untried alternative, moves it on by one,
/// and replays the choices before it.
public enum ScheduleExplorer {
    /// What an exploration found.
    public struct Result: Sendable {
        /// How many schedules ran.
        public let runs: Int
        /// Whether every schedule was run (false when `maxRuns` stopped it first).
        public let isComplete: Bool
        /// The tokens of the schedules under which the scenario broke, in the order found.
        public let failures: [ScheduleToken]
    }

    /// Explores every schedule of `run`, up to `maxRuns` runs; with `stopAtFirstFailure`, stops
    /// at the first schedule that breaks it.
    public static func explore(maxRuns: Int = 10_000, stopAtFirstFailure: Bool = false,
                               _ run: (ReplayStrategy) -> Bool) -> Result
    {
        var next: ScheduleToken? = ScheduleToken(choices: [])
        var runs = 0
        var failures: [ScheduleToken] = []
        while let token = next, runs < maxRuns {
            let strategy = ReplayStrategy(token)
            let held = run(strategy)
            runs += 1
            if !held {
                failures.append(strategy.token)
                if stopAtFirstFailure { return Result(runs: runs, isComplete: false, failures: failures) }
            }
            next = successor(of: strategy.made)
        }
        return Result(runs: runs, isComplete: next == nil, failures: failures)
    }

    /// Explores every schedule of a scenario that runs in `simulation`, reset before each run
    /// with the run's strategy (``Simulation/reset(strategy:)``), rather than in a new simulation
    /// per run: the same schedules, choices and failures, without building and freeing a kernel
    /// each time. `run` installs its devices in the simulation it is given, runs the scenario
    /// and says whether it held. Afterwards `simulation` holds the last run's state.
    public static func explore(in simulation: Simulation, maxRuns: Int = 10_000, stopAtFirstFailure: Bool = false,
                               _ run: (Simulation) -> Bool) -> Result
    {
        explore(maxRuns: maxRuns, stopAtFirstFailure: stopAtFirstFailure) { strategy in
            simulation.reset(strategy: strategy)
            return run(simulation)
        }
    }

    /// The next choice sequence in depth-first order: the deepest choice with an untried
    /// alternative, moved on by one, after the same choices before it.
    static func successor(of made: [(chosen: Int, among: Int)]) -> ScheduleToken? {
        var position = made.count - 1
        while position >= 0 {
            if made[position].chosen + 1 < made[position].among {
                return ScheduleToken(choices: made[..<position].map(\.chosen) + [made[position].chosen + 1])
            }
            position -= 1
        }
        return nil
    }
}
