import Dispatch
import Foundation
import IOKernel
import Synchronization
import Win32Surface
import XCTest

/// Continuations held by a test so that a suspended task's continuation is never dropped
/// (the runtime would report a leak), and resumed when the test is done with it.
private final class HeldContinuation: @unchecked Sendable {
    var continuation: CheckedContinuation<Int, Never>?
}

/// What the simulation says when tasks can never go on, and when code runs outside it.
final class AsyncDiagnosticsTests: XCTestCase {
    /// The line the hang and teardown reports give a body whose task never finished.
    static let unfinishedBody = "the async body started at 0.000ms never finished (a task suspended outside "
        + "withTrackedContinuation, on a plain continuation, an AsyncStream or the main actor, cannot be named)"

    func testATaskSuspendedForeverIsInTheHangReportAndTheTeardownReport() async throws {
        let sim = Simulation(options: SimulationOptions(tracing: true))
        let held = HeldContinuation()
        do {
            _ = try await sim.run { () async -> Int in
                try? await Task.sleep(for: .milliseconds(5))
                return await withTrackedContinuation("a reply nobody sends") { held.continuation = $0 }
            }
            XCTFail("the body can never finish")
        } catch AsyncRunError.hung(let report) {
            XCTAssertEqual(report.time, VirtualInstant(nanoseconds: 5_000_000))
            XCTAssertEqual(report.threads.count, 3, "\(report)")
            XCTAssertEqual(report.threads.first, "main is blocked waiting for the task job queue to be signalled (not alertable)")
            XCTAssertTrue(report.threads[1].hasPrefix("a task is suspended in \"a reply nobody sends\" ("), "\(report)")
            XCTAssertTrue(report.threads[1].hasSuffix("since 5.000ms, its continuation never resumed"), "\(report)")
            XCTAssertEqual(report.threads.last, Self.unfinishedBody)
        }
        let teardown = sim.finish()
        XCTAssertEqual(teardown.blockedThreads.count, 2, "\(teardown)")
        XCTAssertTrue(teardown.blockedThreads[0].contains("\"a reply nobody sends\""), "\(teardown)")
        XCTAssertEqual(teardown.blockedThreads[1], Self.unfinishedBody)
        XCTAssertEqual(teardown.hangs.count, 1)
        held.continuation?.resume(returning: 0)  // let the task end (outside the simulation now)
    }

    func testAWin32CallFromAThreadTheSimulationDoesNotOwnFailsAndIsRecorded() {
        let sim = Simulation()
        let done = DispatchSemaphore(value: 0)
        let seen = Mutex<(event: Bool, error: DWORD)>((true, 0))
        let worker = Thread {
            let event = CreateEventW(nil, true, false, nil)
            seen.withLock { $0 = (event != nil, GetLastError()) }
            done.signal()
        }
        worker.name = "worker"
        worker.start()
        done.wait()
        XCTAssertEqual(seen.withLock { $0.event }, false)
        XCTAssertEqual(seen.withLock { $0.error }, DWORD(ERROR_NOT_SUPPORTED))
        let calls = sim.foreignThreadCalls
        XCTAssertEqual(calls.map(\.function), ["CreateEventW"])
        XCTAssertEqual(calls.map(\.kind), [.win32Call])
        XCTAssertTrue(calls[0].description.hasPrefix("CreateEventW was called on OS thread "), calls[0].description)
        XCTAssertTrue(Simulation.processForeignThreadCalls.contains(calls[0]))
        XCTAssertTrue(sim.uncleanReport()?.contains("call from outside the simulation: CreateEventW") == true)
    }

    func testADispatchQueueIsRefusedTheSameWay() {
        let sim = Simulation()
        let queue = DispatchQueue(label: "io")
        let handle = queue.sync { () -> Bool in
            // `sync` may run on the caller's thread: make sure this is none of the simulation's.
            CreateIoCompletionPort(INVALID_HANDLE_VALUE, nil, 0, 0) != nil
        }
        XCTAssertFalse(handle)
        XCTAssertEqual(sim.foreignThreadCalls.map(\.function), ["CreateIoCompletionPort"])
    }

    /// In an async function, `sim.run` is the async variant; the synchronous one is called from
    /// synchronous code.
    private func startTaskInSynchronousRun(_ sim: Simulation, signalling finished: DispatchSemaphore) {
        sim.run {
            _ = Task.detached { () async -> Void in
                _ = CreateEventW(nil, true, false, nil)
                finished.signal()
            }
        }
    }

    func testATaskStartedInsideTheSynchronousRunRunsOutsideAndSaysSo() async {
        let sim = Simulation()
        let finished = DispatchSemaphore(value: 0)
        startTaskInSynchronousRun(sim, signalling: finished)
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                finished.wait()
                continuation.resume()
            }
        }
        XCTAssertEqual(sim.foreignThreadCalls.map(\.kind), [.taskInSynchronousRun, .win32Call])
        XCTAssertEqual(sim.foreignThreadCalls.map(\.function), ["Task", "CreateEventW"])
    }
}
