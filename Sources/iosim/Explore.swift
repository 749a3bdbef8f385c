// iosim explore: the schedules of a scenario, and what each can come to.
//
//     swift run iosim explore <scenario>       exhaustive search, one perturbation of each kind
//       --runs N                               at most N runs (default 2000)
//       --window MS                            how far ahead a device event may be pulled (1000)
//       --preemptions N  --early N             the perturbation budget of a run (1 and 1)
//       --random SEED | --pct SEED:DEPTH       seeded random or PCT search instead
//       --iterative                            iterative context bounding: 0 preemptions, then 1, …
//       --shard I/N                            this shard of a search split N ways
//
//     swift run iosim <scenario> --token T     replays one schedule (same budget flags)
import IOKernel
import IOScenarios

/// The perturbation budget and search the flags ask for.
func explorationOptions(_ arguments: [String]) -> ExplorationOptions? {
    func value(_ flag: String) -> String? {
        guard let at = arguments.firstIndex(of: flag), at + 1 < arguments.count else { return nil }
        return arguments[at + 1]
    }
    func number(_ flag: String, _ fallback: Int) -> Int? {
        guard let text = value(flag) else { return fallback }
        return Int(text).flatMap { $0 >= 0 ? $0 : nil }
    }
    guard let runs = number("--runs", 2000), let window = number("--window", 1000),
          let preemptions = number("--preemptions", 1), let early = number("--early", 1)
    else { return nil }
    var options = ExplorationOptions(maxRuns: runs, perturbations: PerturbationBudget(
        preemptions: preemptions, earlyFirings: early, window: .milliseconds(Int64(window))))
    if let seed = value("--random") {
        guard let seed = UInt64(seed) else { return nil }
        options.search = .random(seed: seed)
    }
    if let pct = value("--pct") {
        let parts = pct.split(separator: ":")
        guard parts.count == 2, let seed = UInt64(parts[0]), let depth = Int(parts[1]), depth >= 1 else { return nil }
        options.search = .pct(seed: seed, depth: depth)
    }
    if arguments.contains("--iterative") { options.search = .iterativeBounding }
    if let shard = value("--shard") {
        guard let parsed = ExplorationOptions.Shard(shard) else { return nil }
        options.shard = parsed
    }
    return options
}

/// Runs `iosim explore`: prints the outcomes, the first failure and its shrunk token, and how
/// to replay them.
func explore(_ scenario: Scenario, _ arguments: [String]) -> Int32 {
    guard let options = explorationOptions(arguments) else {
        print("iosim explore: bad option (see the comment at the top of Sources/iosim/Explore.swift)")
        return 2
    }
    print("\(scenario.name)   [seed: \(scenario.seed)]\n\(scenario.summary)\n")
    let report = scenario.explore(options)
    print(report)
    if let shrunk = report.shrunkFailure {
        let budget = report.shrunkBudget.map { "--preemptions \($0.preemptions) --early \($0.earlyFirings) --window \($0.window.components.seconds * 1000 + $0.window.components.attoseconds / 1_000_000_000_000_000)" } ?? ""
        print("\nreplay: swift run iosim \(scenario.name) --token '\(shrunk)' \(budget)")
    }
    return report.failures.isEmpty ? 0 : 1
}
