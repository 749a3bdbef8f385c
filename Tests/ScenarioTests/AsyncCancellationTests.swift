import Foundation
import IOKernel
import Win32Surface
import XCTest

/// Task cancellation against I/O completion, over every schedule; hangs with suspended tasks;
/// Win32 calls from threads the simulation does not own.
final class AsyncCancellationTests: XCTestCase {
    private static let options = SimulationOptions(tracing: true)

    /// A reader task reads a device that completes at 1 s; a sibling task cancels the reader at
    /// 1 s, after a `Task.sleep`. The device's completion and the sleeper's wake-up fall due at the
    /// same instant: the schedule decides which comes first. Runs in `sim` (new, or reset by
    /// the explorer with the schedule's strategy).
    private func cancellationRace(_ sim: Simulation, waitsForCancelledRequests: Bool) async
        -> (outcome: String, violations: [MemoryViolation.Kind])
    {
        sim.installDevice(#"\\.\device"#, driver: StockDriver(completion: .after(.seconds(1))))
        let clock = sim.clock
        let outcome = try? await sim.run { () async throws -> String in
            let io = try XCTUnwrap(AsyncIOPort(waitsForCancelledRequests: waitsForCancelledRequests))
            let device = try XCTUnwrap(SharedHandle(openDevice(#"\\.\device"#)))
            XCTAssertTrue(io.register(device.value))
            // The reader and a canceller, as child tasks of a group: whichever finishes first
            // cancels the other (the group's cancelAll).
            var outcome = await withTaskGroup(of: String?.self) { group in
                group.addTask {
                    do {
                        return "read \(String(decoding: try await io.read(device.value, upTo: 4), as: UTF8.self))"
                    } catch {
                        return "read threw \(error)"
                    }
                }
                group.addTask {
                    try? await Task.sleep(for: .seconds(1))
                    return nil
                }
                var read = "no read"
                for await result in group {
                    group.cancelAll()
                    if let result { read = result }
                }
                return read
            }
            outcome += " at \(clock.now)"
            await sim.settle()  // the monitor dequeues what is left
            XCTAssertTrue(CloseHandle(device.value))
            io.shutdown()
            return outcome
        }
        return (outcome ?? "the run failed", sim.takeMemoryViolations().map(\.kind))
    }

    func testCancellationRacingCompletionHoldsOnEverySchedule() async {
        var outcomes: Set<String> = []
        let result = await ScheduleExplorer.explore(in: Simulation(options: Self.options)) { sim in
            let (outcome, violations) = await cancellationRace(sim, waitsForCancelledRequests: true)
            outcomes.insert(outcome)
            return violations.isEmpty
                && ["read data at 1000.000ms", "read threw CancellationError() at 1000.000ms"].contains(outcome)
        }
        XCTAssertTrue(result.isComplete)
        XCTAssertEqual(result.failures, [])
        XCTAssertGreaterThan(result.runs, 1)
        // Both orders happen: the completion first (the cancel finds nothing, ERROR_NOT_FOUND),
        // and the cancel first (the driver completes the read as cancelled).
        XCTAssertEqual(outcomes, ["read data at 1000.000ms", "read threw CancellationError() at 1000.000ms"])
    }

    func testAWrapperThatDoesNotWaitIsCaughtAndItsScheduleReplays() async throws {
        let result = await ScheduleExplorer.explore(in: Simulation(options: Self.options), stopAtFirstFailure: true) { sim in
            await cancellationRace(sim, waitsForCancelledRequests: false).violations.isEmpty
        }
        let token = try XCTUnwrap(result.failures.first)
        // The failing schedule, replayed from its token, fails the same way every time: the
        // wrapper frees the buffer and the OVERLAPPED while the cancelled read's packet is still
        // queued; the monitor is then handed the freed OVERLAPPED, which the dequeue writes
        // (a thread-agnostic request's OVERLAPPED is written at dequeue, F-OVL-11).
        for _ in 0..<2 {
            let replay = await cancellationRace(Simulation(options: Self.options, strategy: ReplayStrategy(token)),
                                                waitsForCancelledRequests: false)
            XCTAssertEqual(replay.outcome, "read threw CancellationError() at 1000.000ms")
            XCTAssertEqual(replay.violations,
                           [.freedWhileInFlight, .freedWhileInFlight, .freedOverlappedHandedOut, .kernelWroteFreedMemory])
        }
        // Where the completion wins, the same wrapper is clean: only exploring finds the bug.
        let schedules = await ScheduleExplorer.explore(in: Simulation(options: Self.options)) { sim in
            await cancellationRace(sim, waitsForCancelledRequests: false).violations.isEmpty
        }
        XCTAssertTrue(schedules.isComplete)
        XCTAssertGreaterThan(schedules.failures.count, 0)
        XCTAssertLessThan(schedules.failures.count, schedules.runs)
    }
}
