/// Follows a token's choices, then another strategy's (by default the first candidate, as
/// ``RunUntilBlocked``) once they run out, and records every choice it makes with how many
/// candidates there were: so any run, however its choices were made, replays from its token.
///
/// Replaying: `Simulation(strategy: ReplayStrategy(token))` makes the run the token describes;
/// a token recorded with a ``PerturbationBudget`` replays with the same budget. A choice out of
/// range (the scenario changed) is clamped to the last candidate.
public final class ReplayStrategy: SchedulingStrategy {
    /// What a recorded choice was about.
    public enum ChoiceKind: Sendable, Equatable {
        case thread, event, perturbation
    }

    private let prefix: [Int]
    private let after: SchedulingStrategy?
    /// Every choice made so far: the index chosen and the number of candidates.
    public private(set) var made: [(chosen: Int, among: Int)] = []
    /// What each choice in ``made`` was about.
    public private(set) var kinds: [ChoiceKind] = []
    public let perturbations: PerturbationBudget?
    /// How many of the run's perturbations were preemptions.
    public private(set) var preemptionCount = 0

    /// - Parameters:
    ///   - token: The choices to make first.
    ///   - perturbations: The kernel-entry choices the run may make (Perturbation.swift).
    ///   - after: Who chooses once the token runs out; nil takes the first candidate.
    public init(_ token: ScheduleToken = ScheduleToken(choices: []), perturbations: PerturbationBudget? = nil,
                after: SchedulingStrategy? = nil)
    {
        prefix = token.choices
        self.perturbations = perturbations
        self.after = after
        // Room for the token's choices and a few more up front: an explorer makes thousands of
        // these, and growing the two arrays one doubling at a time was most of their cost.
        made.reserveCapacity(prefix.count + 8)
        kinds.reserveCapacity(prefix.count + 8)
    }

    /// The token of the run so far: replaying it makes the same choices.
    public var token: ScheduleToken { ScheduleToken(choices: made.map(\.chosen)) }

    /// How many perturbations (early firings, preemptions) the run made.
    public var perturbationCount: Int {
        zip(made, kinds).filter { $0.1 == .perturbation && $0.0.chosen != 0 }.count
    }

    private func choose(among count: Int, _ kind: ChoiceKind, _ fallback: () -> Int) -> Int {
        // A choice of one is no choice: it is not recorded, so tokens stay short.
        guard count > 1 else { return 0 }
        let position = made.count
        let chosen = position < prefix.count ? min(prefix[position], count - 1) : min(max(fallback(), 0), count - 1)
        made.append((chosen, count))
        kinds.append(kind)
        return chosen
    }

    public func chooseThread(among candidates: [SimThread]) -> Int {
        choose(among: candidates.count, .thread) { after?.chooseThread(among: candidates) ?? 0 }
    }

    public func chooseEvent(among candidates: [ScheduledEvent]) -> Int {
        choose(among: candidates.count, .event) { after?.chooseEvent(among: candidates) ?? 0 }
    }

    public func choosePerturbation(among candidates: [Perturbation], running: SimThread) -> Int {
        let chosen = choose(among: candidates.count, .perturbation) {
            after?.choosePerturbation(among: candidates, running: running) ?? 0
        }
        if case .preempt = candidates[chosen] { preemptionCount += 1 }
        return chosen
    }
}
