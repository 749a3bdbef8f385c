/// What one run of a scenario came to, as the exploring test judges it.
public struct RunVerdict: Sendable, Equatable {
    /// The outcome in words; runs with the same description are the same outcome.
    public let description: String
    public let isFailure: Bool

    public static func held(_ description: String) -> RunVerdict { RunVerdict(description: description, isFailure: false) }
    public static func failed(_ description: String) -> RunVerdict { RunVerdict(description: description, isFailure: true) }
}

/// One distinct outcome an exploration saw: how often, and the first schedule that showed it.
public struct ExploredOutcome: Sendable, CustomStringConvertible {
    public let verdict: RunVerdict
    public internal(set) var runs: Int
    /// Replays a run with this outcome, with ``perturbations``.
    public let token: ScheduleToken
    /// The budget the token was recorded with (under iterative bounding, its bound).
    public let perturbations: PerturbationBudget?

    /// A strategy that replays the run.
    public func replay() -> ReplayStrategy { ReplayStrategy(token, perturbations: perturbations) }

    public var description: String {
        "\(verdict.isFailure ? "FAILS" : "holds"): \(verdict.description) (\(runs) run\(runs == 1 ? "" : "s"), token \(token.description.isEmpty ? "<default>" : token.description))"
    }
}

/// What an exploration found.
public struct ExplorationReport: Sendable, CustomStringConvertible {
    /// Runs whose outcome this search (or shard) counts.
    public let runs: Int
    /// Runs made only to find where another shard's runs begin.
    public let discoveryRuns: Int
    /// Whether the whole space (of this shard) was searched: only an exhaustive search can be.
    public let isComplete: Bool
    /// The distinct outcomes, in the order first seen.
    public let outcomes: [ExploredOutcome]
    /// The tokens of the failing runs, in the order found.
    public let failures: [ScheduleToken]
    /// The budget each failing token replays with (``perturbations``, except under iterative
    /// bounding, where it is the bound its search ran with).
    public let failureBudgets: [PerturbationBudget?]
    /// The first failing token shrunk: the fewest perturbations and non-default choices that
    /// still fail (nil if nothing failed or shrinking was off).
    public let shrunkFailure: ScheduleToken?
    /// How many perturbations the shrunk token makes.
    public let shrunkPerturbations: Int?
    /// The budget the search was given: tokens replay with `ReplayStrategy(token,
    /// perturbations: budget)` (under iterative bounding, with their own bound: see
    /// ``failureBudgets`` and ``ExploredOutcome/perturbations``).
    public let perturbations: PerturbationBudget?
    /// The budget ``shrunkFailure`` replays with.
    public let shrunkBudget: PerturbationBudget?

    public var firstFailure: ScheduleToken? { failures.first }

    public var description: String {
        var lines = ["\(runs) runs\(discoveryRuns > 0 ? " (+\(discoveryRuns) to find this shard's part)" : "")"
                     + (isComplete ? ", every schedule" : ", not every schedule") + "; \(outcomes.count) outcome\(outcomes.count == 1 ? "" : "s"):"]
        lines += outcomes.map { "  \($0)" }
        if let first = firstFailure {
            lines.append("first failure: \(first.description.isEmpty ? "<default>" : first.description)")
            if let shrunk = shrunkFailure, let count = shrunkPerturbations {
                lines.append("shrunk: \(shrunk.description.isEmpty ? "<default>" : shrunk.description) (\(count) perturbation\(count == 1 ? "" : "s"))")
            }
        } else {
            lines.append("no failure")
        }
        return lines.joined(separator: "\n")
    }
}
