import IOKernel
import Win32Surface
import XCTest

private final class APCCounter {
    var ranOnThread: [DWORD] = []
}

private let countAPC: PAPCFUNC = { data in
    let counter = Unmanaged<APCCounter>.fromOpaque(UnsafeRawPointer(bitPattern: UInt(data))!).takeUnretainedValue()
    counter.ranOnThread.append(GetCurrentThreadId())
}

/// What a thread's exit does to its I/O and its APCs (win32-facts F-EXIT-*, F-APC-7, F-APC-8;
/// nt-io-model §4.2), and APCs queued across threads.
final class ThreadExitTests: XCTestCase {
    /// F-EXIT-1, F-EXIT-4: a thread that exits cancels the overlapped I/O it issued; the read
    /// completes with STATUS_CANCELLED and its event is signalled.
    func testThreadExitCancelsItsPendingOverlappedRead() {
        let sim = Simulation()
        sim.installDevice(#"\\.\slow"#, driver: StockDriver(completion: .manual))
        let memory = scenarioMemory()
        sim.run {
            let h = openDevice(#"\\.\slow"#)
            let ov = memory.overlapped(event: manualEvent())
            let worker = spawn {
                XCTAssertFalse(ReadFile(h, memory.buffer(8), 8, nil, ov))
                return 3  // exits with the read still pending
            }
            XCTAssertEqual(WaitForSingleObject(worker, INFINITE), WAIT_OBJECT_0)
            XCTAssertEqual(GetTickCount64(), 0)
            XCTAssertEqual(internalStatus(ov), STATUS_CANCELLED)
            XCTAssertEqual(WaitForSingleObject(ov.pointee.hEvent, 0), WAIT_OBJECT_0)
            var n: DWORD = 0
            XCTAssertFalse(GetOverlappedResult(h, ov, &n, false))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_OPERATION_ABORTED))
            XCTAssertTrue(CloseHandle(h))
            XCTAssertTrue(CloseHandle(worker))
        }
    }

    /// nt-io-model §4.2 and §8.6 #8: when the driver ignores the cancel, the exiting thread
    /// waits five minutes (virtual) for its I/O, then disassociates it: the thread object is
    /// signalled at 300 s, and the read's later completion notifies no one (OVERLAPPED
    /// untouched, event not signalled) but still releases the file object.
    func testThreadExitWaitsFiveMinutesForADriverThatIgnoresCancel() throws {
        let sim = Simulation()
        let device = StockDriver(completion: .manual, cancellation: .ignored)
        sim.installDevice(#"\\.\stubborn"#, driver: device)
        let memory = scenarioMemory()
        try sim.run {
            let h = openDevice(#"\\.\stubborn"#)
            let file = try XCTUnwrap(sim.fileObject(h))
            let ov = memory.overlapped(event: manualEvent())
            let worker = spawn {
                XCTAssertFalse(ReadFile(h, memory.buffer(8), 8, nil, ov))
                return 0
            }
            XCTAssertEqual(WaitForSingleObject(worker, INFINITE), WAIT_OBJECT_0)
            XCTAssertEqual(GetTickCount64(), 300_000)
            XCTAssertEqual(file.pointerCount, 2, "the handle and the disassociated IRP")
            XCTAssertNotNil(device.completeNext())
            XCTAssertEqual(internalStatus(ov), STATUS_PENDING, "a disassociated IRP completes silently")
            XCTAssertEqual(WaitForSingleObject(ov.pointee.hEvent, 0), DWORD(WAIT_TIMEOUT))
            XCTAssertEqual(file.pointerCount, 1)
            XCTAssertEqual(file.liveIRPCount, 0)
            XCTAssertTrue(CloseHandle(h))
            XCTAssertTrue(file.closeSent)
        }
    }

    /// F-APC-8: APCs still queued when a thread exits are discarded; F-APC-7: queueing one to
    /// an exited thread fails with ERROR_GEN_FAILURE.
    func testAPCsOfAThreadThatExitsAreDiscarded() {
        let sim = Simulation()
        let counter = APCCounter()
        let data = ULONG_PTR(UInt(bitPattern: Unmanaged.passUnretained(counter).toOpaque()))
        sim.run {
            let go = manualEvent()
            let worker = spawn {
                _ = WaitForSingleObject(go, INFINITE)  // not alertable: the APC waits
                return 0
            }
            Sleep(1)
            XCTAssertNotEqual(QueueUserAPC(countAPC, worker, data), 0)
            _ = SetEvent(go)
            XCTAssertEqual(WaitForSingleObject(worker, INFINITE), WAIT_OBJECT_0)
            XCTAssertEqual(counter.ranOnThread, [])
            XCTAssertEqual(QueueUserAPC(countAPC, worker, data), 0)
            XCTAssertEqual(GetLastError(), DWORD(ERROR_GEN_FAILURE))
        }
    }

    /// F-APC-1, F-RFX-4: an APC queued to another thread runs in that thread, at its alertable
    /// wait; the queueing thread's own alertable waits do not run it.
    func testAPCQueuedToAnotherThreadRunsInItsAlertableWait() {
        let sim = Simulation()
        let counter = APCCounter()
        let data = ULONG_PTR(UInt(bitPattern: Unmanaged.passUnretained(counter).toOpaque()))
        var workerID: DWORD = 0
        sim.run {
            let go = manualEvent()
            let worker = spawn {
                workerID = GetCurrentThreadId()
                _ = WaitForSingleObject(go, INFINITE)
                XCTAssertEqual(SleepEx(INFINITE, true), WAIT_IO_COMPLETION)
                return 0
            }
            Sleep(1)
            XCTAssertNotEqual(QueueUserAPC(countAPC, worker, data), 0)
            XCTAssertEqual(SleepEx(0, true), 0, "not this thread's APC")
            XCTAssertEqual(counter.ranOnThread, [])
            _ = SetEvent(go)
            XCTAssertEqual(WaitForSingleObject(worker, INFINITE), WAIT_OBJECT_0)
        }
        XCTAssertEqual(counter.ranOnThread, [workerID])
        XCTAssertNotEqual(workerID, 0x1000)
    }

    /// F-APC-9: an APC queued before a thread starts runs first, as the thread starts.
    func testAPCQueuedBeforeTheThreadStartsRunsFirst() {
        let sim = Simulation()
        let counter = APCCounter()
        let data = ULONG_PTR(UInt(bitPattern: Unmanaged.passUnretained(counter).toOpaque()))
        var sawAPCAtStart = false
        sim.run {
            let worker = spawn {
                sawAPCAtStart = counter.ranOnThread.count == 1
                return 0
            }
            XCTAssertNotEqual(QueueUserAPC(countAPC, worker, data), 0)
            _ = WaitForSingleObject(worker, INFINITE)
        }
        XCTAssertTrue(sawAPCAtStart)
    }

    /// Issue 3: when every thread is blocked and nothing is due, the hang report names each
    /// thread and what it waits for; the main thread's wait fails with ERROR_POSSIBLE_DEADLOCK.
    func testDeadlockBetweenTwoThreadsIsReported() throws {
        let sim = Simulation()
        sim.run {
            let never = manualEvent()
            let worker = spawn {
                _ = WaitForSingleObject(never, INFINITE)
                return 0
            }
            XCTAssertEqual(WaitForSingleObject(worker, INFINITE), WAIT_FAILED)
            XCTAssertEqual(GetLastError(), DWORD(ERROR_POSSIBLE_DEADLOCK))
        }
        // The worker is still blocked; the simulation ends its OS thread when it goes away.
        XCTAssertEqual(sim.threads.map(\.life), [.alive, .alive])
        let hang = try XCTUnwrap(sim.hangs.first)
        XCTAssertEqual(hang.threads, [
            "main is blocked waiting for Thread#3 to be signalled (not alertable)",
            "thread-4100 is blocked waiting for Event#2 to be signalled (not alertable)",
        ])
    }
}
