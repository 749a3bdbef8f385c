import IOKernel
import IOScenarios
import Win32Surface
import XCTest

/// Exploration that finds the seeds' races by itself (issue 16): device timing and preemption
/// as choices at every kernel entry, outcomes, shrinking, PCT, shards, and the debugger pause.
final class PerturbedExplorationTests: XCTestCase {
    private func scenario(_ name: String) throws -> Scenario { try XCTUnwrap(Scenario.named(name)) }

    /// A budget wide enough to pull the seed's 10-second read to the 1-second timeout.
    private let wide = ExplorationOptions(perturbations: PerturbationBudget(preemptions: 1, earlyFirings: 1, window: .seconds(10)))

    /// Seed `overlapped-must-outlive-the-io.txt`, the wrong code as written: the explorer finds
    /// the three endings the seed tells of. The cancellation lands after the return and the
    /// kernel writes into the freed frame (outside the debugger); it lands before the return
    /// (as under the debugger: "no memory corruption"); or the read completes before the
    /// cancel and the result is success, not STATUS_CANCELLED (the seed's first exercise).
    func testTheSeedsWrongCodeHasEveryOutcomeTheSeedDescribes() throws {
        let report = try scenario("overlapped-must-outlive-the-io").explore(wide)
        XCTAssertTrue(report.isComplete)
        XCTAssertEqual(report.outcomes.map(\.verdict), [
            .failed("READ STATUS_CANCELLED; memory: freedWhileInFlight; freedWhileInFlight; kernelWroteFreedMemory"),
            .held("READ STATUS_CANCELLED; memory clean"),
            .held("READ STATUS_SUCCESS; memory clean"),
        ])
        // The default schedule is the failing one: nothing to shrink.
        XCTAssertEqual(report.firstFailure, ScheduleToken(choices: [0, 0, 0, 0]))
        XCTAssertEqual(report.shrunkFailure, ScheduleToken(choices: []))
        XCTAssertEqual(report.shrunkPerturbations, 0)
    }

    /// The seed's fix under the same search: the cancel lands early or late, the read wins or
    /// loses, and memory rules hold in every schedule.
    func testTheSeedsFixHoldsInEverySchedule() throws {
        let report = try scenario("overlapped-must-outlive-the-io-fixed").explore(wide)
        XCTAssertTrue(report.isComplete)
        XCTAssertEqual(report.failures, [])
        XCTAssertEqual(Set(report.outcomes.map(\.verdict.description)),
                       ["READ STATUS_CANCELLED; memory clean", "READ STATUS_SUCCESS; memory clean"])
    }

    /// Each outcome's token replays its run byte for byte: the same timeline, the same verdict.
    func testEveryOutcomeReplaysFromItsToken() throws {
        let scenario = try scenario("overlapped-must-outlive-the-io")
        let report = scenario.explore(wide)
        for outcome in report.outcomes {
            let first = scenario.run(strategy: ReplayStrategy(outcome.token, perturbations: report.perturbations))
            let again = scenario.run(strategy: ReplayStrategy(outcome.token, perturbations: report.perturbations))
            XCTAssertEqual(Scenario.verdict(of: first), outcome.verdict)
            XCTAssertEqual(first.trace.timeline(), again.trace.timeline())
        }
        // The outcome where the read beats the cancel, as its timeline shows it: the read's
        // completion, due at 10 s, fires at a kernel entry before the 1-second wait ends.
        let success = try XCTUnwrap(report.outcomes.first { $0.verdict.description.hasPrefix("READ STATUS_SUCCESS") })
        let sim = scenario.run(strategy: ReplayStrategy(success.token, perturbations: report.perturbations))
        XCTAssertTrue(sim.trace.events.contains(.note("exploration: fired early (due at 10000.000ms): device finishes IRP#2")))
        XCTAssertTrue(sim.trace.events.contains(.irpCompleted(irp: 2, status: .success, information: 1024)))
    }

    /// Seed `cancel-then-wait-readfileex.txt`: the customer's code (part 1's fix applied to
    /// ReadFileEx) hands the completion routine a freed OVERLAPPED whether the cancel wins or,
    /// as the seed warns, the read completes just before CancelIoEx and reports success.
    /// The seed's fix (a heap OVERLAPPED the routine frees) holds in both.
    func testTheReadFileExSeedBothWays() throws {
        let wrong = try scenario("cancel-then-wait-readfileex-race").explore(wide)
        XCTAssertTrue(wrong.isComplete)
        XCTAssertEqual(wrong.outcomes.map(\.verdict), [
            .failed("READ STATUS_CANCELLED; memory: freedWhileInFlight; freedOverlappedHandedOut"),
            .failed("READ STATUS_SUCCESS; memory: freedWhileInFlight; freedOverlappedHandedOut"),
        ])
        let fixed = try scenario("cancel-then-wait-readfileex-race-fixed").explore(wide)
        XCTAssertTrue(fixed.isComplete)
        XCTAssertEqual(fixed.outcomes.map(\.verdict), [.held("READ STATUS_CANCELLED; memory clean"),
                                                        .held("READ STATUS_SUCCESS; memory clean")])
    }

    /// The debugger-pause story: the same wrong code with a breakpoint on the return. The
    /// device goes on while the program stands still, the cancellation lands during the pause,
    /// and no schedule corrupts memory: the bug "cannot be reproduced" under the debugger.
    func testUnderTheDebuggerNoScheduleCorruptsMemory() throws {
        let scenario = try scenario("overlapped-must-outlive-the-io-debugger")
        let sim = scenario.run()
        XCTAssertEqual(sim.memoryViolations.count, 0)
        let entries = sim.trace.entries
        let stopped = try XCTUnwrap(entries.firstIndex { $0.event.text.contains("stopped in the debugger for 0.1 seconds") })
        let cancelled = try XCTUnwrap(entries.firstIndex { $0.event == .irpCompleted(irp: 2, status: .cancelled, information: 0) })
        let resumed = try XCTUnwrap(entries.firstIndex { $0.event.text.hasPrefix("resumed from the breakpoint") })
        XCTAssertLessThan(stopped, cancelled)
        XCTAssertLessThan(cancelled, resumed)
        XCTAssertEqual(entries[cancelled].time, VirtualInstant(nanoseconds: 1_030_000_000))
        XCTAssertEqual(entries[resumed].time, VirtualInstant(nanoseconds: 1_100_000_000))
        let report = scenario.explore(wide)
        XCTAssertEqual(report.failures, [])
    }

    // MARK: - Preemption, PCT, shards

    /// Two threads and no blocking between A's two steps: without preemption B can only run
    /// when main blocks, so the order is always A1, A2, B. Every Win32 call is a possible switch
    /// point, so one preemption at SetEvent's entry gives A1, B, A2.
    private func twoSteps(_ strategy: SchedulingStrategy) -> [String] {
        let sim = Simulation(strategy: strategy)
        var log: [String] = []
        sim.run {
            let event = manualEvent()
            let worker = spawn {
                log.append("B")
                return 0
            }
            log.append("A1")
            XCTAssertTrue(SetEvent(event))
            log.append("A2")
            XCTAssertEqual(WaitForSingleObject(worker, INFINITE), WAIT_OBJECT_0)
            XCTAssertTrue(CloseHandle(worker))
            XCTAssertTrue(CloseHandle(event))
        }
        return log
    }

    private func judge(_ log: [String]) -> RunVerdict {
        log == ["A1", "A2", "B"] ? .held(log.joined(separator: " ")) : .failed(log.joined(separator: " "))
    }

    func testPreemptionAtAKernelEntryFindsTheOtherOrder() throws {
        XCTAssertEqual(twoSteps(RunUntilBlocked()), ["A1", "A2", "B"])
        let unperturbed = ScheduleExplorer.explore(ExplorationOptions()) { judge(twoSteps($0)) }
        XCTAssertEqual(unperturbed.outcomes.map(\.verdict), [.held("A1 A2 B")])

        let budget = PerturbationBudget(preemptions: 1, earlyFirings: 0)
        let report = ScheduleExplorer.explore(ExplorationOptions(perturbations: budget)) { judge(twoSteps($0)) }
        XCTAssertTrue(report.isComplete)
        XCTAssertEqual(report.outcomes.map(\.verdict), [.held("A1 A2 B"), .failed("A1 B A2")])
        XCTAssertEqual(report.shrunkPerturbations, 1)
        let shrunk = try XCTUnwrap(report.shrunkFailure)
        for _ in 0..<2 { XCTAssertEqual(twoSteps(ReplayStrategy(shrunk, perturbations: budget)), ["A1", "B", "A2"]) }
    }

    /// Iterative context bounding: every schedule without preemption first, then those with
    /// exactly one, … so the first failure found is one with the fewest preemptions, and each
    /// outcome replays with the bound it was found under.
    func testIterativeContextBoundingFindsTheFailureWithTheFewestPreemptions() throws {
        let budget = PerturbationBudget(preemptions: 2, earlyFirings: 0)
        let report = ScheduleExplorer.explore(ExplorationOptions(search: .iterativeBounding, perturbations: budget,
                                                                 stopAtFirstFailure: true)) { judge(twoSteps($0)) }
        XCTAssertEqual(report.outcomes.map(\.verdict), [.held("A1 A2 B"), .failed("A1 B A2")])
        XCTAssertEqual(report.outcomes.map { $0.perturbations?.preemptions }, [0, 1])
        XCTAssertEqual(report.failureBudgets.first??.preemptions, 1)
        XCTAssertEqual(report.shrunkPerturbations, 1)
        for outcome in report.outcomes {
            XCTAssertEqual(judge(twoSteps(outcome.replay())), outcome.verdict)
        }
        let whole = ScheduleExplorer.explore(ExplorationOptions(search: .iterativeBounding, perturbations: budget)) { judge(twoSteps($0)) }
        XCTAssertTrue(whole.isComplete)
        let plain = ScheduleExplorer.explore(ExplorationOptions(perturbations: budget)) { judge(twoSteps($0)) }
        XCTAssertEqual(whole.runs, plain.runs, "each schedule counted once, under the bound of its own preemptions")
    }

    /// Shrinking drops the perturbations a failure does not need: a token that also fires
    /// nothing early and preempts at a later entry shrinks to the one preemption that matters.
    func testShrinkingKeepsOnlyWhatTheFailureNeeds() throws {
        let budget = PerturbationBudget(preemptions: 2, earlyFirings: 0)
        let report = ScheduleExplorer.explore(ExplorationOptions(perturbations: budget)) { judge(twoSteps($0)) }
        let longest = try XCTUnwrap(report.failures.max { $0.choices.filter { $0 != 0 }.count < $1.choices.filter { $0 != 0 }.count })
        XCTAssertGreaterThanOrEqual(longest.choices.filter { $0 != 0 }.count, 1)
        XCTAssertEqual(report.shrunkPerturbations, 1)
        XCTAssertLessThanOrEqual(try XCTUnwrap(report.shrunkFailure).choices.count, longest.choices.count)
    }

    /// PCT (a bug of depth 2) and seeded random search find the same failure; the same seed
    /// gives the same report on every run.
    func testPCTAndRandomSearchFindTheFailureDeterministically() {
        let budget = PerturbationBudget(preemptions: 4, earlyFirings: 0)
        for search in [ExplorationOptions.Search.pct(seed: 7, depth: 2), .random(seed: 7)] {
            let options = ExplorationOptions(search: search, maxRuns: 40, perturbations: budget)
            let first = ScheduleExplorer.explore(options) { judge(twoSteps($0)) }
            let second = ScheduleExplorer.explore(options) { judge(twoSteps($0)) }
            XCTAssertEqual(first.runs, 40)
            XCTAssertFalse(first.isComplete)
            XCTAssertTrue(first.outcomes.contains { $0.verdict == .failed("A1 B A2") }, "\(search)")
            XCTAssertEqual(first.failures, second.failures)
            XCTAssertEqual(first.outcomes.map(\.token), second.outcomes.map(\.token))
        }
    }

    /// Shards split an exhaustive search without overlap or gap: together they run exactly the
    /// schedules one search runs, and each shard's tokens replay anywhere.
    func testShardsCoverTheSearchExactlyOnce() throws {
        let budget = PerturbationBudget(preemptions: 2, earlyFirings: 0)
        var whole: [ScheduleToken] = []
        _ = ScheduleExplorer.explore(ExplorationOptions(perturbations: budget, shrinks: false)) { strategy in
            let verdict = judge(twoSteps(strategy))
            whole.append(strategy.token)
            return verdict
        }
        XCTAssertGreaterThanOrEqual(whole.count, 3)
        var union: [ScheduleToken] = []
        var owners: Set<Int> = []
        var failures: [ScheduleToken] = []
        for index in 0..<2 {
            let shard = try XCTUnwrap(ExplorationOptions.Shard("\(index)/2"))
            var mine: [ScheduleToken] = []
            let report = ScheduleExplorer.explore(ExplorationOptions(perturbations: budget, shard: shard, shardDepth: 2, shrinks: false)) { strategy in
                let verdict = judge(twoSteps(strategy))
                mine.append(strategy.token)
                return verdict
            }
            XCTAssertTrue(report.isComplete)
            // A shard runs its own schedules plus the first run of each part it skips.
            XCTAssertEqual(mine.count, report.runs + report.discoveryRuns)
            let owned = mine.filter { token in ScheduleExplorer.shardIndex(of: token, depth: 2, count: 2) == index }
            XCTAssertEqual(owned.count, report.runs)
            if !owned.isEmpty { owners.insert(index) }
            union += owned
            failures += report.failures
        }
        XCTAssertEqual(union.sorted { $0.description < $1.description }, whole.sorted { $0.description < $1.description })
        XCTAssertGreaterThan(owners.count, 1, "the work is split")
        for failure in failures { XCTAssertEqual(judge(twoSteps(ReplayStrategy(failure, perturbations: budget))).isFailure, true) }
        XCTAssertNil(ExplorationOptions.Shard("3/3"))
        XCTAssertNil(ExplorationOptions.Shard("1-3"))
    }
}
