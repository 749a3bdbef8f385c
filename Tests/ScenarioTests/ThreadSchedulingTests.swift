import IOKernel
import Win32Surface
import XCTest

private final class Shared {
    var log: [String] = []
    var event: HANDLE?
}

private func shared(_ parameter: LPVOID?) -> Shared {
    Unmanaged<Shared>.fromOpaque(UnsafeRawPointer(parameter!)).takeUnretainedValue()
}

private let sleepThenSet: LPTHREAD_START_ROUTINE = { parameter in
    let state = shared(parameter)
    state.log.append("worker starts at \(GetTickCount64())")
    Sleep(100)
    state.log.append("worker sets the event at \(GetTickCount64())")
    _ = SetEvent(state.event)
    return 7
}

/// Simulated threads: one runs at a time; a blocked thread hands the baton on; virtual time
/// moves only when every thread is blocked.
final class ThreadSchedulingTests: XCTestCase {
    func testWorkerRunsWhenMainBlocksAndWakesIt() throws {
        let sim = Simulation()
        let state = Shared()
        sim.run {
            state.event = manualEvent()
            var tid: DWORD = 0
            let worker = CreateThread(nil, 0, sleepThenSet, Unmanaged.passUnretained(state).toOpaque(), 0, &tid)
            XCTAssertNotNil(worker)
            XCTAssertEqual(tid, 0x1004)
            var code: DWORD = 0
            XCTAssertTrue(GetExitCodeThread(worker, &code))
            XCTAssertEqual(code, 259, "STILL_ACTIVE: the worker has not even started")
            XCTAssertEqual(WaitForSingleObject(worker, 0), DWORD(WAIT_TIMEOUT))
            state.log.append("main waits at \(GetTickCount64())")
            XCTAssertEqual(WaitForSingleObject(state.event, INFINITE), WAIT_OBJECT_0)
            state.log.append("main wakes at \(GetTickCount64())")
            // The worker kept running after SetEvent until it returned: it has exited by now.
            XCTAssertEqual(WaitForSingleObject(worker, 0), WAIT_OBJECT_0)
            XCTAssertTrue(GetExitCodeThread(worker, &code))
            XCTAssertEqual(code, 7)
            XCTAssertTrue(CloseHandle(worker))
        }
        XCTAssertEqual(state.log, [
            "main waits at 0", "worker starts at 0", "worker sets the event at 100", "main wakes at 100",
        ])
        XCTAssertEqual(sim.hangs, [])
    }
}

/// Several threads blocked in different Win32 waits at once, the scheduler running exactly one
/// at a time, and every choice going through the strategy.
final class SchedulerTests: XCTestCase {
    /// Issue 3: one thread in GetOverlappedResult(bWait: TRUE), one in a synchronous ReadFile,
    /// one in SleepEx; each is released by what it waits for, at the right virtual time, and
    /// the main thread sees them finish in that order.
    func testThreadsBlockedInThreeKindsOfWaitAtOnce() {
        let sim = Simulation()
        sim.installDevice(#"\\.\overlapped"#, driver: StockDriver(completion: .after(.milliseconds(300))))
        sim.installDevice(#"\\.\sync"#, driver: StockDriver(completion: .after(.milliseconds(200))))
        let memory = scenarioMemory()
        var finished: [String] = []
        sim.run {
            let overlapped = spawn {
                let h = openDevice(#"\\.\overlapped"#)
                let ov = memory.overlapped(event: manualEvent())
                XCTAssertFalse(ReadFile(h, memory.buffer(4), 4, nil, ov))
                var n: DWORD = 0
                XCTAssertTrue(GetOverlappedResult(h, ov, &n, true))
                finished.append("GetOverlappedResult at \(GetTickCount64())")
                return 0
            }
            let synchronous = spawn {
                let h = openDevice(#"\\.\sync"#, overlapped: false)
                var buffer = [UInt8](repeating: 0, count: 4)
                var n: DWORD = 0
                XCTAssertTrue(ReadFile(h, &buffer, 4, &n, nil))
                finished.append("synchronous ReadFile at \(GetTickCount64())")
                return 0
            }
            let sleeper = spawn {
                XCTAssertEqual(SleepEx(100, true), 0)
                finished.append("SleepEx at \(GetTickCount64())")
                return 0
            }
            var all: [HANDLE?] = [overlapped, synchronous, sleeper]
            XCTAssertEqual(WaitForMultipleObjects(3, &all, true, INFINITE), WAIT_OBJECT_0)
            XCTAssertEqual(GetTickCount64(), 300)
        }
        XCTAssertEqual(finished, ["SleepEx at 100", "synchronous ReadFile at 200", "GetOverlappedResult at 300"])
        XCTAssertEqual(sim.threads.map(\.life), [.alive, .exited, .exited, .exited])
    }

    /// DESIGN.md: the single-threaded case pays for none of this.
    func testSingleThreadScenarioMakesNoContextSwitch() {
        let sim = Simulation()
        sim.installDevice(#"\\.\dev"#, driver: StockDriver(completion: .after(.milliseconds(5))))
        let memory = scenarioMemory()
        sim.run {
            let h = openDevice(#"\\.\dev"#)
            let ov = memory.overlapped(event: manualEvent())
            for _ in 0..<10 {
                _ = ReadFile(h, memory.buffer(4), 4, nil, ov)
                var n: DWORD = 0
                XCTAssertTrue(GetOverlappedResult(h, ov, &n, true))
            }
            XCTAssertEqual(GetTickCount64(), 50)
        }
        XCTAssertEqual(sim.contextSwitches, 0)
    }

    /// Three workers append their names after a sleep of the same length: the order in which
    /// they run is the strategy's choice. The default is round-robin creation order; a seeded
    /// random strategy gives the same order for the same seed, every run.
    func testThreadOrderIsTheStrategysChoiceAndReplaysFromTheSeed() {
        func order(_ strategy: SchedulingStrategy) -> [String] {
            let sim = Simulation(strategy: strategy)
            var log: [String] = []
            sim.run {
                var workers: [HANDLE?] = []
                for name in ["a", "b", "c", "d"] {
                    workers.append(spawn {
                        log.append(name)
                        Sleep(10)
                        log.append(name.uppercased())
                        return 0
                    })
                }
                XCTAssertEqual(WaitForMultipleObjects(4, &workers, true, INFINITE), WAIT_OBJECT_0)
            }
            return log
        }
        XCTAssertEqual(order(RunUntilBlocked()), ["a", "b", "c", "d", "A", "B", "C", "D"])
        let seeded = order(SeededRandomStrategy(seed: 42))
        XCTAssertEqual(order(SeededRandomStrategy(seed: 42)), seeded)
        XCTAssertEqual(Set(seeded), Set(["a", "b", "c", "d", "A", "B", "C", "D"]))
        let orders = Set((1...8).map { order(SeededRandomStrategy(seed: UInt64($0))) })
        XCTAssertGreaterThan(orders.count, 1, "different seeds explore different schedules")
    }
}

/// PulseEvent across threads (the corresponding Win32 function's documented behaviour).
final class PulseEventTests: XCTestCase {
    /// A pulse of a manual-reset event releases every thread waiting at that moment, and
    /// leaves the event reset, so a thread that starts waiting afterwards stays blocked; an
    /// auto-reset event's pulse releases one waiter.
    func testPulseReleasesTheCurrentWaitersOnly() {
        let sim = Simulation()
        var released: [String] = []
        sim.run {
            let manual = CreateEventW(nil, true, false, nil)
            let automatic = CreateEventW(nil, false, false, nil)
            var workers: [HANDLE?] = []
            for (name, event) in [("m1", manual), ("m2", manual), ("a1", automatic), ("a2", automatic)] {
                workers.append(spawn {
                    if WaitForSingleObject(event, 1000) == WAIT_OBJECT_0 { released.append("\(name) at \(GetTickCount64())") }
                    return 0
                })
            }
            Sleep(10)
            XCTAssertTrue(PulseEvent(manual))
            XCTAssertTrue(PulseEvent(automatic))
            XCTAssertEqual(WaitForSingleObject(manual, 0), DWORD(WAIT_TIMEOUT), "a pulse leaves the event reset")
            XCTAssertEqual(WaitForMultipleObjects(4, &workers, true, INFINITE), WAIT_OBJECT_0)
            XCTAssertEqual(GetTickCount64(), 1000, "a2 was not released: it timed out")
        }
        XCTAssertEqual(released, ["m1 at 10", "m2 at 10", "a1 at 10"])
    }
}
