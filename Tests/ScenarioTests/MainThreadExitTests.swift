import IOKernel
import Win32Surface
import XCTest

/// Issue 10, finding 8: `ExitThread` and `ExitProcess` never abort the test process. Under
/// `Simulation.run` the main thread's exit unwinds to `run`, which returns once the other
/// threads have run as far as they can (MS ExitThread: "the process ends when its last thread
/// exits"; MS ExitProcess: every thread is terminated, then the process runs down, F-EXIT-5).
final class MainThreadExitTests: XCTestCase {
    /// ExitThread on the main thread of run: the rest of the body never runs, run returns, the
    /// thread's pending read is cancelled by its exit (F-EXIT-1), its handle is signalled with
    /// the code, and a worker waiting for it finishes before run returns.
    func testExitThreadOnTheMainThreadOfRunReturnsFromRun() throws {
        let sim = Simulation()
        let device = StockDriver(completion: .manual)
        sim.installDevice(#"\\.\slow"#, driver: device)
        let memory = scenarioMemory()
        var ov: LPOVERLAPPED?
        var mainCodeSeenByWorker: DWORD = 0
        sim.run {
            let main = OpenThread(0x1F_FFFF, false, GetCurrentThreadId())
            let h = openDevice(#"\\.\slow"#)
            ov = memory.overlapped(event: manualEvent())
            XCTAssertFalse(ReadFile(h, memory.buffer(8), 8, nil, ov))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_IO_PENDING))
            _ = spawn {
                XCTAssertEqual(WaitForSingleObject(main, INFINITE), WAIT_OBJECT_0)
                XCTAssertTrue(GetExitCodeThread(main, &mainCodeSeenByWorker))
                XCTAssertTrue(CloseHandle(main))
                return 0
            }
            ExitThread(7)
        }
        let main = try XCTUnwrap(sim.mainThreadObject)
        XCTAssertEqual(main.life, .exited)
        XCTAssertEqual(main.exitCode, 7)
        XCTAssertEqual(mainCodeSeenByWorker, 7, "the worker ran to the end before run returned")
        XCTAssertEqual(internalStatus(try XCTUnwrap(ov)), STATUS_CANCELLED)
        XCTAssertTrue(device.pending.isEmpty)
        XCTAssertNil(sim.processExitCode, "the main thread's exit does not end the process")
        XCTAssertTrue(sim.threads.allSatisfy { $0.life == .exited })
        // Later bodies run outside the simulation: no simulated thread is current.
        sim.run { XCTAssertEqual(GetCurrentThreadId(), 0) }
    }

    /// A worker still blocked when the main thread exits stays blocked: run returns (no hang
    /// is reported, as when run's body returns with threads blocked), and the teardown report
    /// lists it.
    func testRunReturnsWhenTheOthersCanGoNoFurther() {
        let sim = Simulation()
        sim.run {
            let never = manualEvent()
            _ = spawn {
                _ = WaitForSingleObject(never, INFINITE)
                XCTFail("nothing signals the event")
                return 0
            }
            Sleep(1)
            ExitThread(0)
        }
        XCTAssertTrue(sim.hangs.isEmpty)
        XCTAssertEqual(sim.finish().blockedThreads.count, 1)
    }

    /// ExitProcess from a worker under run: the main thread's wait never returns to it, every
    /// thread exits with the process's code, and rundown closes every handle, so the device
    /// gets cleanup and close. run returns; the process's code is 12.
    func testExitProcessFromAWorkerUnderRun() throws {
        let sim = Simulation()
        sim.installDevice(#"\\.\slow"#, driver: StockDriver(completion: .manual))
        var mainWaitReturned = false
        var file: FileObject?
        sim.run {
            let h = openDevice(#"\\.\slow"#)
            file = sim.fileObject(h)
            _ = spawn {
                Sleep(5)
                ExitProcess(12)
            }
            _ = WaitForSingleObject(manualEvent(), INFINITE)
            mainWaitReturned = true
        }
        XCTAssertFalse(mainWaitReturned)
        XCTAssertEqual(sim.processExitCode, 12)
        XCTAssertEqual(sim.threads.map(\.exitCode), [12, 12])
        XCTAssertTrue(try XCTUnwrap(file).cleanupSent)
        XCTAssertTrue(try XCTUnwrap(file).closeSent)
        XCTAssertEqual(sim.openHandleCount, 0)
    }

    /// ExitProcess on the main thread of run, with a worker that never started: the worker never
    /// runs its routine, the process exits with the code, run returns.
    func testExitProcessOnTheMainThreadOfRun() {
        let sim = Simulation()
        var workerRan = false
        sim.run {
            _ = spawn {
                workerRan = true
                return 0
            }
            ExitProcess(3)
        }
        XCTAssertFalse(workerRan)
        XCTAssertEqual(sim.processExitCode, 3)
        XCTAssertEqual(sim.threads.map(\.life), [.exited, .exited])
        XCTAssertEqual(sim.openHandleCount, 0, "rundown closed the worker's handle")
    }

    /// A run whose body returns a value and whose main thread exits: an optional result is nil.
    func testAnOptionalResultIsNilAfterTheMainThreadExits() {
        let sim = Simulation()
        let result: Int? = sim.run {
            ExitThread(0)
        }
        XCTAssertNil(result)
    }

    /// Many simulations in a row whose main threads exit: each unwinds to its own run, on the
    /// same OS thread, and the thread stays usable.
    func testManyExitsInARowOnTheSameOSThread() {
        for code in 0..<50 {
            let sim = Simulation()
            sim.run { () -> Void in ExitThread(DWORD(code)) }
            XCTAssertEqual(sim.mainThreadObject?.exitCode, DWORD(code))
        }
    }
}
