import IOKernel
import Win32Surface
import XCTest

/// An APC that posts a packet to the port its parameter names, then ends its thread.
private let postThenExit: PAPCFUNC = { port in
    _ = PostQueuedCompletionStatus(HANDLE(bitPattern: UInt(port)), 3, 9, nil)
    ExitThread(5)
}

/// `ExitThread`, `TerminateThread`, `ExitProcess` and ``Simulation/runProcess(_:)``:
/// how a thread or the process ends, and what that does to the I/O in flight
/// (win32-facts F-EXIT-*, F-APC-8; nt-io-model §4).
final class ThreadTerminationTests: XCTestCase {
    /// F-EXIT-1, F-EXIT-4, F-EXIT-8: ExitThread never returns; the thread's pending read is
    /// cancelled (STATUS_CANCELLED, event signalled), its handle is signalled and
    /// GetExitCodeThread gives the code it passed.
    func testExitThreadCancelsTheThreadsIOAndNeverReturns() {
        let sim = Simulation()
        sim.installDevice(#"\\.\slow"#, driver: StockDriver(completion: .manual))
        let memory = scenarioMemory()
        sim.run {
            let h = openDevice(#"\\.\slow"#)
            let ov = memory.overlapped(event: manualEvent())
            let worker = spawn {
                XCTAssertFalse(ReadFile(h, memory.buffer(8), 8, nil, ov))
                ExitThread(7)
            }
            var code: DWORD = 0
            XCTAssertTrue(GetExitCodeThread(worker, &code))
            XCTAssertEqual(code, 259, "STILL_ACTIVE before the worker has run")
            XCTAssertEqual(WaitForSingleObject(worker, INFINITE), WAIT_OBJECT_0)
            XCTAssertTrue(GetExitCodeThread(worker, &code))
            XCTAssertEqual(code, 7)
            XCTAssertEqual(internalStatus(ov), STATUS_CANCELLED)
            XCTAssertEqual(WaitForSingleObject(ov.pointee.hEvent, 0), WAIT_OBJECT_0)
            XCTAssertTrue(CloseHandle(worker))
            XCTAssertTrue(CloseHandle(h))
        }
    }

    /// TerminateThread on a thread blocked in a synchronous ReadFile: the call returns TRUE at
    /// once; the victim's wait ends, its read is cancelled as it exits (F-EXIT-1), and it never
    /// runs another line: ReadFile does not return to it. The synchronous file object's lock
    /// is free again, so the terminator's own synchronous read on the handle goes through.
    func testTerminateThreadStopsAThreadBlockedInSynchronousIO() throws {
        let sim = Simulation()
        let device = StockDriver(completion: .after(.milliseconds(100)), source: .repeating(Array("data".utf8)))
        sim.installDevice(#"\\.\slow"#, driver: device)
        let memory = scenarioMemory()
        var readReturned = false
        try sim.run {
            let h = openDevice(#"\\.\slow"#, overlapped: false)
            let file = try XCTUnwrap(sim.fileObject(h))
            let worker = spawn {
                var n: DWORD = 0
                _ = ReadFile(h, memory.buffer(4), 4, &n, nil)
                readReturned = true
                return 0
            }
            Sleep(10)
            XCTAssertEqual(file.lockOwner?.name, "thread-4100", "the worker holds the lock, blocked in its read")
            XCTAssertEqual(device.pending.count, 1)
            XCTAssertTrue(TerminateThread(worker, 0xDEAD))
            XCTAssertEqual(WaitForSingleObject(worker, INFINITE), WAIT_OBJECT_0)
            var code: DWORD = 0
            XCTAssertTrue(GetExitCodeThread(worker, &code))
            XCTAssertEqual(code, 0xDEAD)
            XCTAssertFalse(readReturned, "a terminated thread runs none of its code")
            XCTAssertTrue(device.pending.isEmpty, "the exit cancelled the read")
            XCTAssertNil(file.lockOwner)

            let buffer = memory.buffer(4)
            var n: DWORD = 0
            XCTAssertTrue(ReadFile(h, buffer, 4, &n, nil))
            XCTAssertEqual(n, 4)
            XCTAssertEqual(string(buffer, 4), "data")
            XCTAssertEqual(GetTickCount64(), 110, "the terminator's own read took the device's 100 ms")
            XCTAssertTrue(CloseHandle(worker))
            XCTAssertTrue(CloseHandle(h))
        }
    }

    /// A thread terminated before it first ran never runs its routine; one that has already
    /// exited keeps its exit code (TerminateThread still returns TRUE). The main thread of
    /// `Simulation.run` is the test's own OS thread and cannot be stopped: FALSE,
    /// ERROR_NOT_SUPPORTED. An invalid handle is ERROR_INVALID_HANDLE.
    func testTerminateThreadBeforeStartAfterExitAndOnTheCallersThread() {
        let sim = Simulation()
        var ran = false
        sim.run {
            let never = spawn {
                ran = true
                return 1
            }
            XCTAssertTrue(TerminateThread(never, 42))
            XCTAssertEqual(WaitForSingleObject(never, INFINITE), WAIT_OBJECT_0)
            var code: DWORD = 0
            XCTAssertTrue(GetExitCodeThread(never, &code))
            XCTAssertEqual(code, 42)
            XCTAssertFalse(ran)

            XCTAssertTrue(TerminateThread(never, 43))
            XCTAssertTrue(GetExitCodeThread(never, &code))
            XCTAssertEqual(code, 42, "an exited thread keeps its code")

            XCTAssertFalse(TerminateThread(GetCurrentThread(), 1))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_NOT_SUPPORTED))
            XCTAssertFalse(TerminateThread(HANDLE(bitPattern: 0x7F0), 1))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_HANDLE))
            XCTAssertTrue(CloseHandle(never))
        }
    }

    /// F-APC-8, F-APC-3 with ExitThread called from inside an APC that an alertable
    /// GetQueuedCompletionStatusEx ran. The APC runs once the wait has ended, so the thread has
    /// left the port's waiters: the packet the APC posts before exiting, and one posted after
    /// the exit, both stay queued, in order, for the next thread that asks.
    func testExitThreadInsideAnAPCLeavesThePortsWaiters() {
        let sim = Simulation()
        sim.run {
            let port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, nil, 0, 1)
            let worker = spawn {
                // A value, not an Array: the thread ends inside the call, and what its own frames
                // hold stays allocated (as a C++ vector would on Windows).
                var entry = OVERLAPPED_ENTRY()
                var removed: ULONG = 0
                _ = GetQueuedCompletionStatusEx(port, &entry, 1, &removed, INFINITE, true)
                XCTFail("the APC ended the thread")
                return 0
            }
            Sleep(1)
            XCTAssertEqual(QueueUserAPC(postThenExit, worker, ULONG_PTR(UInt(bitPattern: port))), 1)
            XCTAssertEqual(WaitForSingleObject(worker, INFINITE), WAIT_OBJECT_0)
            XCTAssertTrue(PostQueuedCompletionStatus(port, 4, 10, nil))
            var bytes: DWORD = 0
            var key: ULONG_PTR = 0
            var ov: LPOVERLAPPED?
            for (expectedBytes, expectedKey) in [(DWORD(3), ULONG_PTR(9)), (4, 10)] {
                XCTAssertTrue(GetQueuedCompletionStatus(port, &bytes, &key, &ov, 0))
                XCTAssertEqual(bytes, expectedBytes)
                XCTAssertEqual(key, expectedKey)
            }
            var code: DWORD = 0
            XCTAssertTrue(GetExitCodeThread(worker, &code))
            XCTAssertEqual(code, 5)
            XCTAssertTrue(CloseHandle(worker))
            XCTAssertTrue(CloseHandle(port))
        }
    }

    // MARK: - Processes

    /// Returning from the main function ends the process, as the C runtime's ExitProcess
    /// does: a worker asleep forever is terminated, the main thread's pending read is cancelled
    /// by its exit, and rundown closes every handle, so the device gets cleanup and close.
    /// runProcess returns the exit code; the process object is signalled.
    func testReturningFromMainEndsTheProcessAndRunsItDown() throws {
        let sim = Simulation()
        let device = StockDriver(completion: .manual)
        sim.installDevice(#"\\.\slow"#, driver: device)
        let memory = scenarioMemory()
        var file: FileObject?
        var ov: LPOVERLAPPED?
        var workerHandle: HANDLE?
        var workerWokeUp = false
        let code = sim.runProcess {
            let h = openDevice(#"\\.\slow"#)
            file = sim.fileObject(h)
            ov = memory.overlapped(event: manualEvent())
            XCTAssertFalse(ReadFile(h, memory.buffer(8), 8, nil, ov))
            workerHandle = spawn {
                _ = SleepEx(INFINITE, false)
                workerWokeUp = true
                return 0
            }
            Sleep(1)
            var exitCode: DWORD = 0
            XCTAssertTrue(GetExitCodeProcess(GetCurrentProcess(), &exitCode))
            XCTAssertEqual(exitCode, 259, "STILL_ACTIVE")
            return 3
        }
        XCTAssertEqual(code, 3)
        XCTAssertEqual(sim.processExitCode, 3)
        XCTAssertFalse(workerWokeUp)
        let worker = try XCTUnwrap(sim.threads.first { $0.name != "main" })
        XCTAssertEqual(worker.exitCode, 3, "a thread killed by ExitProcess exits with the process's code")
        XCTAssertEqual(try XCTUnwrap(sim.mainThreadObject).exitCode, 3)
        XCTAssertEqual(internalStatus(try XCTUnwrap(ov)), STATUS_CANCELLED)
        XCTAssertTrue(try XCTUnwrap(file).cleanupSent)
        XCTAssertTrue(try XCTUnwrap(file).closeSent)
        XCTAssertNotNil(workerHandle)
        let report = sim.finish()
        XCTAssertTrue(report.openHandles.isEmpty, "rundown closed every handle: \(report)")
        XCTAssertTrue(report.irpsInFlight.isEmpty)
        XCTAssertTrue(report.blockedThreads.isEmpty)
    }

    /// A main thread that calls ExitThread does not end the process (MS ExitThread: the process
    /// ends with its last thread); the worker goes on, and its code becomes the process's.
    func testMainThreadExitLeavesTheProcessToItsLastThread() {
        let sim = Simulation()
        var workerFinished = false
        let code = sim.runProcess {
            _ = spawn {
                Sleep(1_000)
                workerFinished = true
                return 9
            }
            ExitThread(1)
        }
        XCTAssertTrue(workerFinished)
        XCTAssertEqual(code, 9)
        XCTAssertEqual(sim.mainThreadObject?.exitCode, 1)
    }

    /// ExitProcess from a worker while the main thread waits: the main thread's wait never
    /// returns to it; the process's thread-agnostic read on a port-bound handle, which survives
    /// a thread's exit (F-EXIT-2), is cancelled by the process's end (F-EXIT-5).
    func testExitProcessFromAWorkerCancelsEvenPortBoundIO() throws {
        let sim = Simulation()
        let device = StockDriver(completion: .manual)
        sim.installDevice(#"\\.\slow"#, driver: device)
        let memory = scenarioMemory()
        var mainWaitReturned = false
        let code = sim.runProcess {
            let h = openDevice(#"\\.\slow"#)
            let port = CreateIoCompletionPort(h, nil, 1, 0)
            XCTAssertNotNil(port)
            XCTAssertFalse(ReadFile(h, memory.buffer(8), 8, nil, memory.overlapped()))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_IO_PENDING))
            _ = spawn {
                Sleep(5)
                ExitProcess(12)
            }
            _ = WaitForSingleObject(manualEvent(), INFINITE)
            mainWaitReturned = true
            return 0
        }
        XCTAssertEqual(code, 12)
        XCTAssertFalse(mainWaitReturned)
        XCTAssertTrue(device.pending.isEmpty, "rundown cancelled the thread-agnostic read")
        XCTAssertEqual(sim.mainThreadObject?.exitCode, 12)
        XCTAssertTrue(sim.finish().openHandles.isEmpty)
    }

    /// A simulation holds one process: runProcess after run returns STILL_ACTIVE and runs
    /// nothing.
    func testOneProcessPerSimulation() {
        let sim = Simulation()
        sim.run {}
        var ran = false
        XCTAssertEqual(sim.runProcess { ran = true; return 0 }, 259)
        XCTAssertFalse(ran)
    }
}
