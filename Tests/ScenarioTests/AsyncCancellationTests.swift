import Foundation
import IOKernel
import Win32Surface
import XCTest

/// Task cancellation against I/O completion, over every schedule; hangs with suspended tasks;
/// Win32 calls from threads the simulation does not own.
final class AsyncCancellationTests: XCTestCase {
    /// A reader task reads a device that completes at 1 s; another task cancels the reader at
    /// 1 s, by `Task.sleep`. The device's completion and the sleeper's wake-up fall due at the
    /// same instant: the schedule decides which comes first.
    private func cancellationRace(_ strategy: SchedulingStrategy, waitsForCancelledRequests: Bool) async
        -> (outcome: String, violations: [MemoryViolation.Kind])
    {
        let sim = Simulation(options: SimulationOptions(tracing: true), strategy: strategy)
        sim.installDevice(#"\\.\device"#, driver: StockDriver(completion: .after(.seconds(1))))
        let clock = sim.clock
        let outcome = try? await sim.run { () async throws -> String in
            let io = try XCTUnwrap(AsyncIOPort(waitsForCancelledRequests: waitsForCancelledRequests))
            let device = try XCTUnwrap(SharedHandle(openDevice(#"\\.\device"#)))
            XCTAssertTrue(io.register(device.value))
            let reader = Task { try await io.read(device.value, upTo: 4) }
            let canceller = Task {
                try await Task.sleep(for: .seconds(1))
                reader.cancel()
            }
            var outcome: String
            do {
                outcome = "read \(String(decoding: try await reader.value, as: UTF8.self))"
            } catch {
                outcome = "read threw \(error)"
            }
            try await canceller.value
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
        let result = await ScheduleExplorer.explore { strategy in
            let (outcome, violations) = await cancellationRace(strategy, waitsForCancelledRequests: true)
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
        let result = await ScheduleExplorer.explore(stopAtFirstFailure: true) { strategy in
            await cancellationRace(strategy, waitsForCancelledRequests: false).violations.isEmpty
        }
        let token = try XCTUnwrap(result.failures.first)
        // The failing schedule, replayed from its token, fails the same way every time: the
        // wrapper frees the buffer and the OVERLAPPED while the cancelled read's packet is still
        // queued; the monitor is then handed the freed OVERLAPPED, which the dequeue writes
        // (a thread-agnostic request's OVERLAPPED is written at dequeue, F-OVL-11).
        for _ in 0..<2 {
            let replay = await cancellationRace(ReplayStrategy(token), waitsForCancelledRequests: false)
            XCTAssertEqual(replay.outcome, "read threw CancellationError() at 1000.000ms")
            XCTAssertEqual(replay.violations,
                           [.freedWhileInFlight, .freedWhileInFlight, .freedOverlappedHandedOut, .kernelWroteFreedMemory])
        }
        // Where the completion wins, the same wrapper is clean: only exploring finds the bug.
        let schedules = await ScheduleExplorer.explore { strategy in
            await cancellationRace(strategy, waitsForCancelledRequests: false).violations.isEmpty
        }
        XCTAssertTrue(schedules.isComplete)
        XCTAssertGreaterThan(schedules.failures.count, 0)
        XCTAssertLessThan(schedules.failures.count, schedules.runs)
    }
}
