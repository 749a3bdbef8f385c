import IOKernel
import Win32Surface
import XCTest

/// The synchronous half of "Canceling Pending I/O Operations" (seed
/// `canceling-pending-io-operations.txt`): a worker thread blocked in synchronous I/O, a UI
/// thread that cancels it, and the races the page warns about.
final class CancelingSynchronousIOTests: XCTestCase {
    /// The seed's SynchronousIoWorker and its UI thread: the worker is blocked in a synchronous
    /// ReadFile on a slow device; CancelSynchronousIo from the main thread returns TRUE at once
    /// (leaving the last error alone) and the worker's call fails with ERROR_OPERATION_ABORTED
    /// (F-CAN-15).
    func testWorkerBlockedInSynchronousReadIsCancelledFromTheMainThread() {
        let sim = Simulation()
        sim.installDevice(#"\\.\slow"#, driver: StockDriver(completion: .after(.seconds(5))))
        var completionStatus: DWORD = 0xFFFF
        var finishedAt: UInt64 = 0
        sim.run {
            let worker = spawn {
                let h = openDevice(#"\\.\slow"#, overlapped: false)
                var buffer = [UInt8](repeating: 0, count: 16)
                var read: DWORD = 0xFFFF
                let ok = ReadFile(h, &buffer, 16, &read, nil)
                completionStatus = ok ? DWORD(ERROR_SUCCESS) : GetLastError()
                finishedAt = GetTickCount64()
                XCTAssertEqual(read, 0)
                _ = CloseHandle(h)
                return 0
            }
            Sleep(100)  // the user clicks Cancel a little later
            SetLastError(0xBEEF)
            XCTAssertTrue(CancelSynchronousIo(worker))
            XCTAssertEqual(GetLastError(), 0xBEEF)
            XCTAssertEqual(WaitForSingleObject(worker, INFINITE), WAIT_OBJECT_0)
        }
        XCTAssertEqual(completionStatus, DWORD(ERROR_OPERATION_ABORTED))
        XCTAssertEqual(finishedAt, 100)
    }

    /// F-CAN-16: nothing to cancel is ERROR_NOT_FOUND: a thread waiting on an event, the
    /// calling thread itself, a thread whose only I/O is overlapped (which keeps running);
    /// a bogus handle is ERROR_INVALID_HANDLE.
    func testCancelSynchronousIoWithNothingToCancel() {
        let sim = Simulation()
        let device = StockDriver(completion: .manual)
        sim.installDevice(#"\\.\dev"#, driver: device)
        let memory = scenarioMemory()
        sim.run {
            let go = manualEvent()
            let ov = memory.overlapped(event: manualEvent())
            let waiter = spawn {
                _ = WaitForSingleObject(go, INFINITE)
                return 0
            }
            let overlappedReader = spawn {
                let h = openDevice(#"\\.\dev"#)
                XCTAssertFalse(ReadFile(h, memory.buffer(8), 8, nil, ov))
                _ = WaitForSingleObject(go, INFINITE)
                return 0
            }
            Sleep(1)
            XCTAssertFalse(CancelSynchronousIo(waiter))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_NOT_FOUND))
            XCTAssertFalse(CancelSynchronousIo(GetCurrentThread()))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_NOT_FOUND))
            XCTAssertFalse(CancelSynchronousIo(overlappedReader))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_NOT_FOUND))
            XCTAssertEqual(internalStatus(ov), STATUS_PENDING, "the overlapped read keeps running")
            XCTAssertFalse(CancelSynchronousIo(HANDLE(bitPattern: 0x7770)))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_HANDLE))
            XCTAssertNotNil(device.completeNext())
            // Completion processing runs in the issuing thread, which has not run since.
            XCTAssertEqual(internalStatus(ov), STATUS_PENDING)
            Sleep(1)
            XCTAssertEqual(internalStatus(ov), STATUS_SUCCESS)
            _ = SetEvent(go)
            var both: [HANDLE?] = [waiter, overlappedReader]
            XCTAssertEqual(WaitForMultipleObjects(2, &both, true, INFINITE), WAIT_OBJECT_0)
        }
    }

    /// "The wrong call in a series of calls could get canceled": the UI thread means to cancel
    /// the worker's first read, but by the time its CancelSynchronousIo runs, that read has
    /// finished and the worker is blocked in its second one, which is what gets cancelled.
    func testCancelArrivingBetweenTwoCallsHitsTheNextOne() {
        let sim = Simulation()
        sim.installDevice(#"\\.\dev"#, driver: StockDriver(completion: .after(.milliseconds(100))))
        var results: [String] = []
        sim.run {
            let worker = spawn {
                let h = openDevice(#"\\.\dev"#, overlapped: false)
                var buffer = [UInt8](repeating: 0, count: 4)
                var read: DWORD = 0
                for call in ["X", "X again"] {
                    let ok = ReadFile(h, &buffer, 4, &read, nil)
                    results.append("\(call): \(ok ? "ok" : win32ErrorName(GetLastError())) at \(GetTickCount64())")
                }
                _ = CloseHandle(h)
                return 0
            }
            Sleep(150)  // the cancel meant for X arrives after X finished at 100
            XCTAssertTrue(CancelSynchronousIo(worker))
            _ = WaitForSingleObject(worker, INFINITE)
        }
        XCTAssertEqual(results, ["X: ok at 100", "X again: ERROR_OPERATION_ABORTED at 150"])
    }

    /// "A race condition can exist whenever a thread is shared between different parts of an
    /// application, for example, with a thread-pool thread": the pool thread finished job A
    /// and took job B from the queue; the cancel meant for A aborts B.
    func testThreadPoolWorkerReusedForAnotherJobHasThatJobCancelled() {
        let sim = Simulation()
        sim.installDevice(#"\\.\jobA"#, driver: StockDriver(completion: .after(.milliseconds(50))))
        sim.installDevice(#"\\.\jobB"#, driver: StockDriver(completion: .after(.seconds(10))))
        var outcomes: [String: DWORD] = [:]
        sim.run {
            let pool = spawn {
                for job in [#"\\.\jobA"#, #"\\.\jobB"#] {
                    let h = openDevice(job, overlapped: false)
                    var buffer = [UInt8](repeating: 0, count: 4)
                    var read: DWORD = 0
                    outcomes[job] = ReadFile(h, &buffer, 4, &read, nil) ? DWORD(ERROR_SUCCESS) : GetLastError()
                    _ = CloseHandle(h)
                }
                return 0
            }
            Sleep(60)  // the part of the application that owned job A gives up on it
            XCTAssertTrue(CancelSynchronousIo(pool))
            _ = WaitForSingleObject(pool, INFINITE)
            XCTAssertEqual(GetTickCount64(), 60)
        }
        XCTAssertEqual(outcomes[#"\\.\jobA"#], DWORD(ERROR_SUCCESS))
        XCTAssertEqual(outcomes[#"\\.\jobB"#], DWORD(ERROR_OPERATION_ABORTED))
    }

    /// Raymond Chen, "CancelIoEx can cancel synchronous I/O" (F-RC-7, F-CAN-12).
    func testCancelIoExFromAnotherThreadAbortsABlockingSynchronousRead() {
        let sim = Simulation()
        sim.installDevice(#"\\.\slow"#, driver: StockDriver(completion: .manual))
        var error: DWORD = 0
        sim.run {
            let h = openDevice(#"\\.\slow"#, overlapped: false)
            let worker = spawn {
                var buffer = [UInt8](repeating: 0, count: 4)
                var read: DWORD = 0
                error = ReadFile(h, &buffer, 4, &read, nil) ? 0 : GetLastError()
                return 0
            }
            Sleep(1)
            XCTAssertTrue(CancelIoEx(h, nil))
            _ = WaitForSingleObject(worker, INFINITE)
            XCTAssertTrue(CloseHandle(h))
        }
        XCTAssertEqual(error, DWORD(ERROR_OPERATION_ABORTED))
    }

    /// Issue 3, suite 4 (F-CAN-1): CancelIo from a thread that did not issue the I/O cancels
    /// nothing, though it returns TRUE; CancelIoEx does cancel it. CancelIoEx has the issuing
    /// thread cancel its own request and waits for that (nt-io-model §3.4), so with a driver
    /// whose cancel routine completes at once, the OVERLAPPED already says STATUS_CANCELLED
    /// when CancelIoEx returns (F-CAN-10).
    func testCancelIoFromAnotherThreadCancelsNothing() {
        let sim = Simulation()
        sim.installDevice(#"\\.\slow"#, driver: StockDriver(completion: .manual))
        let memory = scenarioMemory()
        sim.run {
            let h = openDevice(#"\\.\slow"#)
            let ov = memory.overlapped(event: manualEvent())
            let done = manualEvent()
            let worker = spawn {
                XCTAssertFalse(ReadFile(h, memory.buffer(4), 4, nil, ov))
                _ = WaitForSingleObject(done, INFINITE)
                return 0
            }
            Sleep(1)
            XCTAssertTrue(CancelIo(h))
            XCTAssertEqual(internalStatus(ov), STATUS_PENDING)
            XCTAssertEqual(sim.irpsInFlight.count, 1)
            XCTAssertTrue(CancelIoEx(h, ov))
            XCTAssertEqual(internalStatus(ov), STATUS_CANCELLED)
            XCTAssertEqual(sim.irpsInFlight.count, 0)
            XCTAssertFalse(CancelIoEx(h, ov), "already completed: nothing left to cancel (F-CAN-7)")
            XCTAssertEqual(GetLastError(), DWORD(ERROR_NOT_FOUND))
            _ = SetEvent(done)
            _ = WaitForSingleObject(worker, INFINITE)
        }
    }

    /// nt-io-model §5 and §8.6 #10: two threads reading one synchronous handle are serialised
    /// by the file object's lock. The second waits for the lock before any IRP exists, so
    /// CancelSynchronousIo finds nothing in it; cancelling the first lets the second go on.
    func testSecondThreadWaitsForTheSynchronousFileObjectLock() {
        let sim = Simulation()
        let device = StockDriver(completion: .manual)
        sim.installDevice(#"\\.\dev"#, driver: device)
        var results: [String: DWORD] = [:]
        sim.run {
            let h = openDevice(#"\\.\dev"#, overlapped: false)
            func reader(_ name: String) -> HANDLE? {
                spawn {
                    var buffer = [UInt8](repeating: 0, count: 4)
                    var read: DWORD = 0
                    results[name] = ReadFile(h, &buffer, 4, &read, nil) ? 0 : GetLastError()
                    return 0
                }
            }
            let first = reader("first")
            let second = reader("second")
            Sleep(1)
            XCTAssertEqual(device.pending.count, 1, "only the first read reached the driver")
            XCTAssertFalse(CancelSynchronousIo(second))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_NOT_FOUND))
            XCTAssertTrue(CancelSynchronousIo(first))
            Sleep(1)
            XCTAssertEqual(results["first"], DWORD(ERROR_OPERATION_ABORTED))
            XCTAssertEqual(device.pending.count, 1, "now the second read is in the driver")
            XCTAssertNotNil(device.completeNext())
            var both: [HANDLE?] = [first, second]
            XCTAssertEqual(WaitForMultipleObjects(2, &both, true, INFINITE), WAIT_OBJECT_0)
            XCTAssertTrue(CloseHandle(h))
        }
        XCTAssertEqual(results["second"], 0)
    }

    /// Issue 3: a CreateFile on a device whose open pends can be cancelled with
    /// CancelSynchronousIo, and fails with ERROR_OPERATION_ABORTED (the seed's CreateFile
    /// "blocked because the call is to a very slow device").
    func testSlowOpenIsCancelledWithCancelSynchronousIo() {
        let sim = Simulation()
        sim.installDevice(#"\\.\veryslow"#, driver: StockDriver(open: .after(.seconds(30))))
        var opened: HANDLE? = nil
        var error: DWORD = 0
        sim.run {
            let worker = spawn {
                opened = CreateFileA(#"\\.\veryslow"#, GENERIC_READ, 0, nil, DWORD(OPEN_EXISTING), 0, nil)
                error = GetLastError()
                return 0
            }
            Sleep(10)
            XCTAssertTrue(CancelSynchronousIo(worker))
            _ = WaitForSingleObject(worker, INFINITE)
            XCTAssertEqual(GetTickCount64(), 10)
            XCTAssertTrue(CloseHandle(worker))
        }
        XCTAssertEqual(opened, INVALID_HANDLE_VALUE)
        XCTAssertEqual(error, DWORD(ERROR_OPERATION_ABORTED))
        XCTAssertEqual(sim.openHandleCount, 0)
    }

    /// "Each thread is processed individually, so after a thread has been processed it may start
    /// another I/O on the file before all the other threads have had their I/O for the file
    /// canceled" (F-CAN-14). Threads A and B each have a read pending; CancelIoEx(h, NULL)
    /// reaches A first; A sees its read aborted and at once starts a new one, before B's read is
    /// cancelled. That new read survives the call that was meant to cancel everything.
    func testCancelIoExProcessesThreadsOneAtATime() {
        let sim = Simulation()
        let device = StockDriver(completion: .manual)
        sim.installDevice(#"\\.\dev"#, driver: device)
        let memory = scenarioMemory()
        var log: [String] = []
        sim.run {
            let h = openDevice(#"\\.\dev"#)
            let ovA = memory.overlapped(event: manualEvent())
            let ovB = memory.overlapped(event: manualEvent())
            let retry = memory.overlapped(event: manualEvent())
            let a = spawn {
                XCTAssertFalse(ReadFile(h, memory.buffer(4), 4, nil, ovA))
                _ = WaitForSingleObject(ovA.pointee.hEvent, INFINITE)
                log.append("A: read aborted, B's read still \(internalStatus(ovB) == STATUS_PENDING ? "pending" : "done"); A reads again")
                XCTAssertFalse(ReadFile(h, memory.buffer(4), 4, nil, retry))
                _ = WaitForSingleObject(retry.pointee.hEvent, INFINITE)
                return 0
            }
            let b = spawn {
                XCTAssertFalse(ReadFile(h, memory.buffer(4), 4, nil, ovB))
                _ = WaitForSingleObject(ovB.pointee.hEvent, INFINITE)
                log.append("B: read aborted")
                return 0
            }
            Sleep(1)
            XCTAssertTrue(CancelIoEx(h, nil))
            log.append("main: CancelIoEx(h, NULL) returned")
            XCTAssertEqual(internalStatus(ovA), STATUS_CANCELLED)
            XCTAssertEqual(internalStatus(ovB), STATUS_CANCELLED)
            XCTAssertEqual(internalStatus(retry), STATUS_PENDING, "A's new read was not cancelled")
            XCTAssertEqual(device.pending.count, 1)
            XCTAssertNotNil(device.completeNext())
            var both: [HANDLE?] = [a, b]
            XCTAssertEqual(WaitForMultipleObjects(2, &both, true, INFINITE), WAIT_OBJECT_0)
            XCTAssertEqual(internalStatus(retry), STATUS_SUCCESS)
        }
        XCTAssertEqual(log, [
            "A: read aborted, B's read still pending; A reads again",
            "B: read aborted",
            "main: CancelIoEx(h, NULL) returned",
        ])
    }
}
