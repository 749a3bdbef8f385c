import IOKernel
import Win32Surface
import XCTest

/// Every schedule of a scenario, explored; a schedule replayed from its token (DESIGN.md:
/// "exhaustive within a bound, and a failing run can be replayed from a short token").
final class ScheduleExplorationTests: XCTestCase {
    /// Two workers each issue a read on a device that completes every read 10 ms later, so
    /// both completions are due at the same instant and either may fire first; each worker
    /// records when its read is over. Returns the order in which they finished.
    private func twoReaders(_ strategy: SchedulingStrategy) -> [String] {
        let sim = Simulation(strategy: strategy)
        sim.installDevice(#"\\.\disk"#, driver: StockDriver(completion: .after(.milliseconds(10))))
        let memory = scenarioMemory()
        var finished: [String] = []
        sim.run {
            let h = openDevice(#"\\.\disk"#)
            var workers: [HANDLE?] = []
            for name in ["A", "B"] {
                workers.append(spawn {
                    let ov = memory.overlapped(event: manualEvent())
                    XCTAssertFalse(ReadFile(h, memory.buffer(4), 4, nil, ov))
                    XCTAssertEqual(WaitForSingleObject(ov.pointee.hEvent, INFINITE), WAIT_OBJECT_0)
                    finished.append(name)
                    return 0
                })
            }
            XCTAssertEqual(WaitForMultipleObjects(2, workers, true, INFINITE), WAIT_OBJECT_0)
            XCTAssertEqual(GetTickCount64(), 10)
            for worker in workers { XCTAssertTrue(CloseHandle(worker)) }
            XCTAssertTrue(CloseHandle(h))
        }
        return finished
    }

    /// The default schedule always finishes A first; exploring every schedule finds the one
    /// where B's read completes first, and its token replays it exactly, every time.
    func testExplorationFindsTheOtherOrderAndItsTokenReplaysIt() throws {
        XCTAssertEqual(twoReaders(RunUntilBlocked()), ["A", "B"])
        var outcomes: [ScheduleToken: [String]] = [:]
        let result = ScheduleExplorer.explore { strategy in
            let order = twoReaders(strategy)
            outcomes[strategy.token] = order
            return order == ["A", "B"]
        }
        XCTAssertTrue(result.isComplete)
        XCTAssertEqual(result.runs, outcomes.count)
        XCTAssertGreaterThan(result.runs, 1)
        XCTAssertEqual(Set(outcomes.values), [["A", "B"], ["B", "A"]])
        let failing = try XCTUnwrap(result.failures.first)
        XCTAssertEqual(outcomes[failing], ["B", "A"])

        // The token, as a string, is all a bug report needs.
        let token = try XCTUnwrap(ScheduleToken(failing.description))
        for _ in 0..<3 { XCTAssertEqual(twoReaders(ReplayStrategy(token)), ["B", "A"]) }
    }

    /// Tokens parse and print; malformed ones are rejected, and a bound stops the exploration.
    func testTokensAndTheBound() {
        XCTAssertEqual(ScheduleToken("1.0.2")?.choices, [1, 0, 2])
        XCTAssertEqual(ScheduleToken("")?.choices, [])
        XCTAssertNil(ScheduleToken("1..2"))
        XCTAssertNil(ScheduleToken("-1"))
        XCTAssertEqual(ScheduleToken(choices: [3, 1]).description, "3.1")
        let bounded = ScheduleExplorer.explore(maxRuns: 1) { strategy in
            twoReaders(strategy) == ["A", "B"]
        }
        XCTAssertEqual(bounded.runs, 1)
        XCTAssertFalse(bounded.isComplete)
    }
}
