import IOKernel
import Win32Surface
import XCTest

/// What an APC routine can reach: a log it appends to, passed as `dwData`.
private final class APCLog {
    var entries: [String] = []
    var eventToSet: HANDLE?
}

private func log(_ data: ULONG_PTR) -> APCLog {
    Unmanaged<APCLog>.fromOpaque(UnsafeRawPointer(bitPattern: UInt(data))!).takeUnretainedValue()
}

private let appendA: PAPCFUNC = { data in log(data).entries.append("A") }
private let appendB: PAPCFUNC = { data in log(data).entries.append("B") }
private let appendAndSetEvent: PAPCFUNC = { data in
    let log = log(data)
    log.entries.append("set")
    _ = SetEvent(log.eventToSet)
}

/// The rules of user APCs and alertable waits (win32-facts F-APC-*, F-GOR-12 … F-GOR-14,
/// F-WAIT-8, F-WAIT-9), on the simulation's main thread.
final class AlertableWaitTests: XCTestCase {
    private func data(_ log: APCLog) -> ULONG_PTR { ULONG_PTR(UInt(bitPattern: Unmanaged.passUnretained(log).toOpaque())) }

    /// F-APC-3, F-APC-6: an alertable wait runs every queued APC, oldest first, then returns
    /// WAIT_IO_COMPLETION; F-APC-7: queueing to the current thread runs nothing yet.
    func testAlertableWaitRunsAllQueuedAPCsInOrder() {
        let sim = Simulation()
        let apcs = APCLog()
        sim.run {
            XCTAssertNotEqual(QueueUserAPC(appendA, GetCurrentThread(), data(apcs)), 0)
            XCTAssertNotEqual(QueueUserAPC(appendB, GetCurrentThread(), data(apcs)), 0)
            XCTAssertEqual(apcs.entries, [])
            XCTAssertEqual(SleepEx(1000, true), WAIT_IO_COMPLETION)
            XCTAssertEqual(apcs.entries, ["A", "B"])
            XCTAssertEqual(GetTickCount64(), 0, "F-APC-4: APCs already queued end the wait at once")
        }
    }

    /// F-APC-2: non-alertable waits never run user APCs: Sleep, SleepEx(…, FALSE),
    /// WaitForSingleObject, WaitForSingleObjectEx(…, FALSE), GetOverlappedResult.
    func testNonAlertableWaitsNeverRunAPCs() {
        let sim = Simulation()
        let apcs = APCLog()
        sim.run {
            let event = manualEvent()
            _ = QueueUserAPC(appendA, GetCurrentThread(), data(apcs))
            Sleep(10)
            XCTAssertEqual(SleepEx(10, false), 0)
            XCTAssertEqual(WaitForSingleObject(event, 10), DWORD(WAIT_TIMEOUT))
            XCTAssertEqual(WaitForSingleObjectEx(event, 10, false), DWORD(WAIT_TIMEOUT))
            var handles: [HANDLE?] = [event]
            XCTAssertEqual(WaitForMultipleObjectsEx(1, &handles, false, 10, false), DWORD(WAIT_TIMEOUT))
            XCTAssertEqual(apcs.entries, [])
            XCTAssertEqual(GetTickCount64(), 50)
            XCTAssertEqual(WaitForMultipleObjectsEx(1, &handles, false, 10, true), WAIT_IO_COMPLETION)
            XCTAssertEqual(apcs.entries, ["A"])
        }
    }

    /// F-APC-5: a wait that can be satisfied at once returns that result and leaves the APCs
    /// queued for the next alertable wait.
    func testSatisfiedAlertableWaitLeavesAPCsQueued() {
        let sim = Simulation()
        let apcs = APCLog()
        sim.run {
            let event = CreateEventW(nil, true, true, nil)
            _ = QueueUserAPC(appendA, GetCurrentThread(), data(apcs))
            XCTAssertEqual(WaitForSingleObjectEx(event, INFINITE, true), WAIT_OBJECT_0)
            XCTAssertEqual(apcs.entries, [])
            XCTAssertEqual(sim.mainThreadObject?.queuedUserAPCCount, 1)
            XCTAssertEqual(SleepEx(0, true), WAIT_IO_COMPLETION)
            XCTAssertEqual(apcs.entries, ["A"])
        }
    }

    /// F-WAIT-9: an APC that signals the very object the thread waits on still makes the wait
    /// return WAIT_IO_COMPLETION; the object stays signalled for the next wait.
    func testAPCThatSignalsTheAwaitedObject() {
        let sim = Simulation()
        let apcs = APCLog()
        sim.run {
            let event = manualEvent()
            apcs.eventToSet = event
            _ = QueueUserAPC(appendAndSetEvent, GetCurrentThread(), data(apcs))
            XCTAssertEqual(WaitForSingleObjectEx(event, INFINITE, true), WAIT_IO_COMPLETION)
            XCTAssertEqual(apcs.entries, ["set"])
            XCTAssertEqual(WaitForSingleObjectEx(event, INFINITE, true), WAIT_OBJECT_0)
        }
    }

    /// F-GOR-12: GetOverlappedResultEx with a zero timeout does not wait, so it runs no APC,
    /// even when alertable. F-GOR-14: with a timeout and alertable, the APC runs and the call
    /// returns FALSE with WAIT_IO_COMPLETION while the I/O is still pending. F-GOR-13: the
    /// non-alertable timeout gives WAIT_TIMEOUT.
    func testGetOverlappedResultExAndAPCs() {
        let sim = Simulation()
        sim.installDevice(#"\\.\slow"#, driver: StockDriver(completion: .manual))
        let memory = scenarioMemory()
        let apcs = APCLog()
        sim.run {
            let h = openDevice(#"\\.\slow"#)
            let ov = memory.overlapped(event: manualEvent())
            XCTAssertFalse(ReadFile(h, memory.buffer(8), 8, nil, ov))
            _ = QueueUserAPC(appendA, GetCurrentThread(), data(apcs))
            var n: DWORD = 0
            XCTAssertFalse(GetOverlappedResultEx(h, ov, &n, 0, true))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_IO_INCOMPLETE))
            XCTAssertEqual(apcs.entries, [])
            XCTAssertFalse(GetOverlappedResultEx(h, ov, &n, 100, false))
            XCTAssertEqual(GetLastError(), DWORD(WAIT_TIMEOUT))
            XCTAssertEqual(GetTickCount64(), 100)
            XCTAssertEqual(apcs.entries, [])
            XCTAssertFalse(GetOverlappedResultEx(h, ov, &n, 100, true))
            XCTAssertEqual(GetLastError(), WAIT_IO_COMPLETION)
            XCTAssertEqual(apcs.entries, ["A"])
            XCTAssertEqual(internalStatus(ov), STATUS_PENDING)
            XCTAssertEqual(GetTickCount64(), 100, "the APC ended the wait at once")
        }
    }

    /// Issue 3, suite 5: the only thread waits, not alertably, for an event that its
    /// completion routine would set. The routine can only run in an alertable wait, so the
    /// simulation can never progress: the wait fails with ERROR_POSSIBLE_DEADLOCK and the hang
    /// report says why.
    func testWaitingNonAlertablyForACompletionRoutineIsReportedAsAHang() throws {
        let sim = Simulation()
        let device = StockDriver(completion: .after(.milliseconds(5)))
        sim.installDevice(#"\\.\dev"#, driver: device)
        let memory = scenarioMemory()
        sim.run {
            let h = openDevice(#"\\.\dev"#)
            let done = manualEvent()
            let ov = memory.overlapped(event: done)
            XCTAssertTrue(ReadFileEx(h, memory.buffer(4), 4, ov) { _, _, overlapped in
                _ = SetEvent(overlapped?.pointee.hEvent)
            })
            XCTAssertEqual(WaitForSingleObject(done, INFINITE), WAIT_FAILED)
            XCTAssertEqual(GetLastError(), DWORD(ERROR_POSSIBLE_DEADLOCK))
            XCTAssertEqual(GetTickCount64(), 5, "the read completed; only the routine is missing")
            // An alertable wait runs the routine, which sets the event.
            XCTAssertEqual(WaitForSingleObjectEx(done, INFINITE, true), WAIT_IO_COMPLETION)
            XCTAssertEqual(WaitForSingleObject(done, 0), WAIT_OBJECT_0)
        }
        XCTAssertEqual(sim.hangs.count, 1)
        let hang = try XCTUnwrap(sim.hangs.first)
        XCTAssertEqual(hang.time, VirtualInstant(nanoseconds: 5_000_000))
        XCTAssertEqual(hang.threads, [
            "main is blocked waiting for Event#3 to be signalled (not alertable); 1 user APC(s) are queued to it "
                + "(completion routine of IRP#2 (STATUS_SUCCESS)) and can only run in an alertable wait",
        ])
        XCTAssertEqual(hang.pendingIRPs, [])
    }

    /// QueryPerformanceCounter runs on the virtual clock at 10 MHz.
    func testPerformanceCounterFollowsVirtualTime() {
        let sim = Simulation()
        sim.run {
            var frequency = LARGE_INTEGER()
            var before = LARGE_INTEGER()
            var after = LARGE_INTEGER()
            XCTAssertTrue(QueryPerformanceFrequency(&frequency))
            XCTAssertEqual(frequency.QuadPart, 10_000_000)
            XCTAssertTrue(QueryPerformanceCounter(&before))
            Sleep(250)
            XCTAssertTrue(QueryPerformanceCounter(&after))
            XCTAssertEqual(after.QuadPart - before.QuadPart, 2_500_000)
            XCTAssertEqual(GetCurrentProcessId(), 0x400)
            XCTAssertEqual(GetCurrentThreadId(), 0x1000)
        }
    }
}
