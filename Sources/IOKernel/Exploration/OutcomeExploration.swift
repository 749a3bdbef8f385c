/// Exploration that reports what a scenario can come to: the distinct outcomes, the first
/// failing schedule, and that schedule shrunk to the fewest perturbations that still fail.
extension ScheduleExplorer {
    /// Runs `run` under the schedules `options` chooses and collects the outcomes.
    ///
    /// `run` builds a fresh simulation with the strategy it is given (which records every
    /// choice, so each run's token replays it byte for byte), runs the scenario and judges it.
    public static func explore(_ options: ExplorationOptions, _ run: (ReplayStrategy) -> RunVerdict) -> ExplorationReport {
        let search = withoutActuallyEscaping(run) { run in
            var search = Search(options: options, run: run)
            switch options.search {
            case .exhaustive: search.exhaustive()
            case .iterativeBounding: search.iterativeBounding()
            case .random(let seed): search.seeded(seed) { SeededRandomStrategy(seed: $0) }
            case .pct(let seed, let depth): search.seeded(seed) { PCTStrategy(seed: $0, depth: depth) }
            }
            return (runs: search.runs, discoveryRuns: search.discoveryRuns, isComplete: search.isComplete,
                    outcomes: search.outcomes, failures: search.failures, failureBudgets: search.failureBudgets)
        }
        var shrunk: (ScheduleToken, Int)?
        let firstBudget = search.failureBudgets.first ?? options.perturbations
        if options.shrinks, let first = search.failures.first {
            shrunk = shrink(first, budget: firstBudget, run)
        }
        return ExplorationReport(runs: search.runs, discoveryRuns: search.discoveryRuns, isComplete: search.isComplete,
                                 outcomes: search.outcomes, failures: search.failures,
                                 failureBudgets: search.failureBudgets, shrunkFailure: shrunk?.0,
                                 shrunkPerturbations: shrunk?.1, perturbations: options.perturbations,
                                 shrunkBudget: shrunk == nil ? nil : firstBudget)
    }

    /// Runs a scenario in `simulation` under the schedules `options` chooses, reset before each
    /// run with the run's strategy (``Simulation/reset(strategy:)``), and collects the outcomes:
    /// the same report as a new simulation per run, without building and freeing a kernel each
    /// time. `run` installs its devices in the simulation it is given, runs the scenario and
    /// judges it. Afterwards `simulation` holds the state of the last run (the last replay of
    /// the shrinking, when it shrinks).
    public static func explore(_ options: ExplorationOptions, in simulation: Simulation,
                               _ run: (Simulation) -> RunVerdict) -> ExplorationReport
    {
        explore(options) { strategy in
            simulation.reset(strategy: strategy)
            return run(simulation)
        }
    }

    /// The search's state, as it goes.
    private struct Search {
        let options: ExplorationOptions
        let run: (ReplayStrategy) -> RunVerdict
        var runs = 0
        var discoveryRuns = 0
        var isComplete = false
        var outcomes: [ExploredOutcome] = []
        var failures: [ScheduleToken] = []
        var failureBudgets: [PerturbationBudget?] = []

        init(options: ExplorationOptions, run: @escaping (ReplayStrategy) -> RunVerdict) {
            self.options = options
            self.run = run
        }

        var done: Bool { runs >= options.maxRuns || (options.stopAtFirstFailure && !failures.isEmpty) }

        mutating func record(_ verdict: RunVerdict, _ strategy: ReplayStrategy) {
            runs += 1
            if verdict.isFailure {
                failures.append(strategy.token)
                failureBudgets.append(strategy.perturbations)
            }
            if let known = outcomes.firstIndex(where: { $0.verdict == verdict }) {
                outcomes[known].runs += 1
            } else {
                outcomes.append(ExploredOutcome(verdict: verdict, runs: 1, token: strategy.token, perturbations: strategy.perturbations))
            }
        }

        /// Depth first over every sequence of choices. With a shard, a run belongs to the shard
        /// its first `shardDepth` choices hash to; the first run of another shard's part is made
        /// only to learn where that part ends, and the search moves past it.
        /// Exhaustive searches with a preemption bound of 0, 1, …, each counting only the
        /// schedules that use exactly that many preemptions (the others were counted before).
        mutating func iterativeBounding() {
            let budget = options.perturbations ?? PerturbationBudget(preemptions: 0, earlyFirings: 0)
            var complete = true
            for bound in 0...budget.preemptions where !done {
                var step = budget
                step.preemptions = bound
                exhaustive(budget: step, counting: { $0.preemptionCount == bound })
                complete = complete && isComplete
            }
            isComplete = complete && !done
        }

        mutating func exhaustive() { exhaustive(budget: options.perturbations, counting: { _ in true }) }

        mutating func exhaustive(budget: PerturbationBudget?, counting counts: (ReplayStrategy) -> Bool) {
            var next: ScheduleToken? = ScheduleToken(choices: [])
            while let token = next, !done {
                let strategy = ReplayStrategy(token, perturbations: budget)
                let verdict = run(strategy)
                let made = strategy.made
                if let shard = options.shard,
                   ScheduleExplorer.shardIndex(of: strategy.token, depth: options.shardDepth, count: shard.count) != shard.index
                {
                    discoveryRuns += 1
                    next = ScheduleExplorer.successor(of: Array(made.prefix(options.shardDepth)))
                    continue
                }
                if counts(strategy) { record(verdict, strategy) }
                next = ScheduleExplorer.successor(of: made)
            }
            isComplete = next == nil
        }

        /// Runs `0, 1, 2, …` each with a strategy seeded from `seed` and the run's number; a shard
        /// takes the runs whose number is its index modulo the count.
        mutating func seeded(_ seed: UInt64, _ strategy: (UInt64) -> SchedulingStrategy) {
            var number = options.shard?.index ?? 0
            let stride = options.shard?.count ?? 1
            while !done {
                let recorder = ReplayStrategy(perturbations: options.perturbations,
                                              after: strategy(ScheduleExplorer.mix(seed, UInt64(number))))
                record(run(recorder), recorder)
                number += stride
            }
        }
    }

    /// The shard (of `count`) a run belongs to: a stable hash (FNV-1a) of its first `depth`
    /// choices, so every machine splits a search the same way.
    public static func shardIndex(of token: ScheduleToken, depth: Int, count: Int) -> Int {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for choice in token.choices.prefix(depth) {
            hash ^= UInt64(choice) &+ 1
            hash &*= 0x0000_0100_0000_01B3
        }
        return Int(hash % UInt64(max(count, 1)))
    }

    /// A seed for run `number` of a search seeded with `seed` (SplitMix64's finaliser).
    static func mix(_ seed: UInt64, _ number: UInt64) -> UInt64 {
        var z = seed &+ number &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Shrinks a failing token: sets one non-default choice at a time back to the default,
    /// perturbations first and the latest first, and keeps the change whenever the run still
    /// fails, until no single change keeps it failing. Trailing default choices are dropped
    /// (a token that runs out takes the default). Returns the token and its perturbation count.
    static func shrink(_ failing: ScheduleToken, budget: PerturbationBudget?, maxRuns: Int = 500,
                       _ run: (ReplayStrategy) -> RunVerdict) -> (ScheduleToken, Int)
    {
        func replay(_ token: ScheduleToken) -> ReplayStrategy? {
            let strategy = ReplayStrategy(token, perturbations: budget)
            return run(strategy).isFailure ? strategy : nil
        }
        guard var best = replay(failing) else { return (failing, 0) }
        var runs = 1
        var improved = true
        while improved, runs < maxRuns {
            improved = false
            let kinds = best.kinds
            let choices = best.made.map(\.chosen)
            let order = choices.indices.filter { choices[$0] != 0 }
                .sorted { (kinds[$0] == .perturbation ? 0 : 1, -$0) < (kinds[$1] == .perturbation ? 0 : 1, -$1) }
            for position in order where runs < maxRuns {
                var candidate = choices
                candidate[position] = 0
                runs += 1
                if let smaller = replay(trimmed(candidate)) {
                    best = smaller
                    improved = true
                    break
                }
            }
        }
        return (trimmed(best.made.map(\.chosen)), best.perturbationCount)
    }

    /// The token without its trailing default choices.
    static func trimmed(_ choices: [Int]) -> ScheduleToken {
        var end = choices.count
        while end > 0, choices[end - 1] == 0 { end -= 1 }
        return ScheduleToken(choices: Array(choices[..<end]))
    }
}
