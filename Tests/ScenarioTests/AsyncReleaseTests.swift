import Foundation
import IOKernel
import Win32Surface
import XCTest

/// What a simulation's release does with the tasks' leftovers.
final class AsyncReleaseTests: XCTestCase {
    /// A cancelled `Task.sleep` leaves its wake-up task scheduled for the original deadline (the
    /// runtime frees the sleep's state when the wake-up runs). The simulation is released long
    /// before that virtual instant: the release runs the wake-up, which only frees the state,
    /// and no task job is kept back. (Without it, LeakSanitizer reports the wake-up task, its
    /// allocator slab and the sleep's state.)
    func testACancelledSleepsWakeUpIsRunAndFreedWhenTheSimulationIsReleased() async throws {
        let wakeUpsBefore = TasksAtRelease.wakeUpsRun.load(ordering: .relaxed)
        let keptBefore = TasksAtRelease.jobsKept
        do {
            let sim = Simulation(options: SimulationOptions(tracing: true))
            let clock = sim.clock
            let results = try await sim.run { () async -> [String] in
                await withTaskGroup(of: String.self) { group in
                    group.addTask {
                        let slept = (try? await Task.sleep(for: .seconds(10))) != nil
                        return slept ? "the long sleep ended" : "the long sleep was cancelled at \(clock.now)"
                    }
                    group.addTask {
                        try? await Task.sleep(for: .seconds(1))
                        return "the short sleep ended at \(clock.now)"
                    }
                    var results: [String] = []
                    for await result in group {
                        group.cancelAll()
                        results.append(result)
                    }
                    return results
                }
            }
            XCTAssertEqual(results, ["the short sleep ended at 1000.000ms", "the long sleep was cancelled at 1000.000ms"])
            XCTAssertEqual(sim.now, VirtualInstant(nanoseconds: 1_000_000_000))
            XCTAssertTrue(sim.finish().isClean, "\(sim.finish())")
        }  // released here, 9 s of virtual time before the long sleep's deadline
        XCTAssertEqual(TasksAtRelease.wakeUpsRun.load(ordering: .relaxed) - wakeUpsBefore, 1)
        XCTAssertEqual(TasksAtRelease.jobsKept - keptBefore, 0)
    }

    /// Code isolated to the main actor runs on the host's main executor, never in the
    /// simulation: the 6.3 runtime hands main-actor jobs to its main executor without offering
    /// them to `swift_task_enqueueMainExecutor_hook`, and taking them would not be sound anyway
    /// (see the README). The body's task goes to the host's main queue, and what happens next
    /// is the host's to decide, which is the point: if the host's main thread is busy, the
    /// simulation sees nothing left to run and reports a hang at once, and once the simulation
    /// is released, the main thread runs the main-actor function and gives the task back to the
    /// released simulation's executor, which keeps it from running (it would act on freed
    /// memory); if the host's main thread is free (XCTest may be running its run loop), it runs
    /// the function at once, on the main thread, and the body finishes.
    func testMainActorCodeRunsOutsideAndItsTaskIsKeptFromAReleasedSimulation() async throws {
        let keptBefore = TasksAtRelease.jobsKept
        var hung = false
        do {
            let sim = Simulation(options: SimulationOptions(tracing: true))
            do {
                let onMainThread = try await sim.run { () async -> Bool in await isOnTheHostsMainThread() }
                XCTAssertTrue(onMainThread, "the main-actor function ran on the host's main thread")
            } catch AsyncRunError.hung(let report) {
                hung = true
                XCTAssertEqual(report.time, .zero)
                XCTAssertEqual(report.threads, ["main is blocked waiting for the task job queue to be signalled (not alertable)",
                                                AsyncDiagnosticsTests.unfinishedBody])
            }
        }  // released here
        await MainActor.run {}  // the host's main queue runs the body's main-actor job first
        XCTAssertEqual(TasksAtRelease.jobsKept - keptBefore, hung ? 1 : 0)
    }
}

@MainActor private func isOnTheHostsMainThread() -> Bool { Thread.isMainThread }
