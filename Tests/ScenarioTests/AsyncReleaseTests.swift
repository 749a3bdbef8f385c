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
        let keptBefore = TasksAtRelease.jobsKept.load(ordering: .relaxed)
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
        XCTAssertEqual(TasksAtRelease.jobsKept.load(ordering: .relaxed) - keptBefore, 0)
    }
}
