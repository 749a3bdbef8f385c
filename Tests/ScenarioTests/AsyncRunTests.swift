import IOKernel
import Win32Surface
import XCTest

/// The async `run`: tasks, sleeps and clocks inside the simulation.
final class AsyncRunTests: XCTestCase {
    func testTheBodyAndEveryKindOfTaskRunOnTheMainSimulatedThread() async throws {
        let sim = checkedSimulation()
        let mainID = try await sim.run { () async -> DWORD in
            let mainID = GetCurrentThreadId()
            async let child = GetCurrentThreadId()
            let unstructured = Task { GetCurrentThreadId() }
            let detached = Task.detached { GetCurrentThreadId() }
            let group = await withTaskGroup(of: DWORD.self) { group in
                for _ in 0..<3 { group.addTask { GetCurrentThreadId() } }
                return await group.reduce(into: [DWORD]()) { $0.append($1) }
            }
            let ids = await [child, unstructured.value, detached.value] + group
            XCTAssertEqual(ids, Array(repeating: mainID, count: 6))
            return mainID
        }
        XCTAssertEqual(mainID, sim.mainThreadObject?.threadID)
    }

    func testTaskSleepAndTheSimulationClockRunOnVirtualTime() async throws {
        let sim = checkedSimulation()
        let clock = sim.clock
        let times = try await sim.run { () async throws -> [UInt64] in
            var times: [UInt64] = []
            try await Task.sleep(for: .seconds(5))
            times.append(GetTickCount64())
            try await clock.sleep(for: .milliseconds(250))
            times.append(GetTickCount64())
            try await Task.sleep(for: .milliseconds(750), clock: clock)
            times.append(clock.now.instant.milliseconds)
            return times
        }
        XCTAssertEqual(times, [5000, 5250, 6000])
        XCTAssertEqual(sim.now, VirtualInstant(nanoseconds: 6_000_000_000))
    }

    func testSleepingTasksWakeInDeadlineOrder() async throws {
        let sim = checkedSimulation()
        let clock = sim.clock
        let order = try await sim.run { () async -> [String] in
            await withTaskGroup(of: String.self) { group in
                for (name, ms) in [("c", 30), ("a", 10), ("b", 20)] {
                    group.addTask {
                        try? await clock.sleep(for: .milliseconds(ms))
                        return "\(name)@\(clock.now)"
                    }
                }
                return await group.reduce(into: [String]()) { $0.append($1) }
            }
        }
        XCTAssertEqual(order, ["a@10.000ms", "b@20.000ms", "c@30.000ms"])
    }
}

/// The README's async example, with what its comments claim.
final class AsyncReadmeExampleTests: XCTestCase {
    func testTheReadmeExample() async throws {
        let sim = checkedSimulation()
        sim.installDevice(#"\\.\slow"#, driver: StockDriver(completion: .after(.seconds(2))))
        let clock = sim.clock
        let (result, now) = try await sim.run { () async throws -> (Result<[UInt8], any Error>, String) in
            let io = AsyncIOPort()!                            // a port, its monitor thread, continuations
            let h = SharedHandle(CreateFileA(#"\\.\slow"#, GENERIC_READ, 0, nil, DWORD(OPEN_EXISTING),
                                             DWORD(FILE_FLAG_OVERLAPPED), nil))!
            _ = io.register(h.value)
            let reader = Task { try await io.read(h.value, upTo: 4) }  // ReadFile, then await the packet
            try await clock.sleep(for: .seconds(1))            // the timeout: 1 s of virtual time
            reader.cancel()                                    // CancelIoEx for the read's OVERLAPPED
            let result = await reader.result                   // the read completes (cancelled) first
            _ = CloseHandle(h.value)
            io.shutdown()
            return (result, "\(clock.now)")                    // 1000.000ms, on every run
        }
        XCTAssertThrowsError(try result.get()) { XCTAssertTrue($0 is CancellationError) }
        XCTAssertEqual(now, "1000.000ms")
    }
}
