extension ScheduleExplorer {
    /// ``explore(maxRuns:stopAtFirstFailure:_:)`` for scenarios that use an async
    /// ``Simulation/run(_:)-(()async->R)``: the same depth-first enumeration of the scheduler's
    /// choices, which now include the order of ready task jobs; with `perturbations`, also
    /// the kernel-entry preemptions and early device events within that budget (a failing
    /// token then replays with `ReplayStrategy(token, perturbations: budget)`).
    public static func explore(maxRuns: Int = 10_000, stopAtFirstFailure: Bool = false,
                               perturbations: PerturbationBudget? = nil,
                               _ run: (ReplayStrategy) async -> Bool) async -> Result
    {
        var next: ScheduleToken? = ScheduleToken(choices: [])
        var runs = 0
        var failures: [ScheduleToken] = []
        while let token = next, runs < maxRuns {
            let strategy = ReplayStrategy(token, perturbations: perturbations)
            let held = await run(strategy)
            runs += 1
            if !held {
                failures.append(strategy.token)
                if stopAtFirstFailure { return Result(runs: runs, isComplete: false, failures: failures) }
            }
            next = successor(of: strategy.made)
        }
        return Result(runs: runs, isComplete: next == nil, failures: failures)
    }

    /// ``explore(in:maxRuns:stopAtFirstFailure:_:)`` for scenarios that use an async
    /// ``Simulation/run(_:)-(()async->R)``: every schedule runs in `simulation`, reset before
    /// it with the schedule's strategy (``Simulation/reset(strategy:)``), rather than in a new
    /// simulation per schedule, and finds the same schedules, choices and failures. A reset
    /// lets go of what an async run leaves as a release does (tasks' wake-ups, the threads that
    /// ran task jobs). `run` installs its devices in the simulation it is given, runs the
    /// scenario and says whether it held; afterwards `simulation` holds the last run's state.
    public static func explore(in simulation: Simulation, maxRuns: Int = 10_000, stopAtFirstFailure: Bool = false,
                               perturbations: PerturbationBudget? = nil,
                               _ run: (Simulation) async -> Bool) async -> Result
    {
        await explore(maxRuns: maxRuns, stopAtFirstFailure: stopAtFirstFailure, perturbations: perturbations) { strategy in
            simulation.reset(strategy: strategy)
            return await run(simulation)
        }
    }
}
