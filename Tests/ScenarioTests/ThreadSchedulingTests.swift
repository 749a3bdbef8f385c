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
