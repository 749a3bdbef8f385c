@testable import IOKernel
import Win32Surface
import XCTest

/// Issue 10, finding 4: a released simulation releases everything, whatever its threads did.
/// The kernel and a driver are watched through weak references: they are gone once the
/// simulation is. A thread that exits abandons only the frames of its own code: a terminated
/// thread's Win32 call returns through all of its frames before the thread exits, and a thread
/// still blocked when the simulation goes is unwound out of its wait and its call first; the
/// exit path holds nothing. Whatever survives, the kernel must at least be empty.
final class SimulationReleaseTests: XCTestCase {
    private final class Watch {
        weak var kernel: Kernel?
        weak var driver: StockDriver?
    }

    /// Runs `scenario` in a fresh simulation `count` times and says how many kernels and
    /// drivers outlived their simulation.
    private func survivors(_ count: Int = 20, _ scenario: (Simulation) -> Void) -> (kernels: Int, drivers: Int) {
        var watches: [Watch] = []
        for _ in 0..<count {
            let watch = Watch()
            do {
                let sim = Simulation()
                let driver = StockDriver(completion: .manual)
                sim.installDevice(#"\\.\slow"#, driver: driver)
                watch.kernel = sim.kernel
                watch.driver = driver
                scenario(sim)
            }
            watches.append(watch)
        }
        for kernel in watches.compactMap(\.kernel) {
            XCTAssertTrue(kernel.threads.isEmpty && kernel.handles.count == 0 && kernel.fileObjects.isEmpty,
                          "a released simulation's kernel keeps nothing")
        }
        return (watches.filter { $0.kernel != nil }.count, watches.filter { $0.driver != nil }.count)
    }

    func testASimulationThatDidNothingSpecial() {
        let left = survivors { sim in
            sim.run { XCTAssertTrue(CloseHandle(openDevice(#"\\.\slow"#))) }
        }
        XCTAssertEqual(left.kernels, 0)
        XCTAssertEqual(left.drivers, 0)
    }

    func testAThreadThatCalledExitThread() {
        let left = survivors { sim in
            sim.run {
                let worker = CreateThread(nil, 0, { _ in
                    _ = openDevice(#"\\.\slow"#)
                    ExitThread(5)
                }, nil, 0, nil)
                XCTAssertEqual(WaitForSingleObject(worker, INFINITE), WAIT_OBJECT_0)
                XCTAssertTrue(CloseHandle(worker))
            }
        }
        XCTAssertEqual(left.kernels, 0)
        XCTAssertEqual(left.drivers, 0)
    }

    func testAThreadThatWasTerminated() {
        let left = survivors { sim in
            sim.run {
                let worker = CreateThread(nil, 0, { _ in
                    _ = SleepEx(INFINITE, false)
                    return 0
                }, nil, 0, nil)
                Sleep(1)
                XCTAssertTrue(TerminateThread(worker, 9))
                XCTAssertEqual(WaitForSingleObject(worker, INFINITE), WAIT_OBJECT_0)
                XCTAssertTrue(CloseHandle(worker))
            }
        }
        XCTAssertEqual(left.kernels, 0, "the terminated thread's SleepEx returned through its frames before it exited")
        XCTAssertEqual(left.drivers, 0)
    }

    func testAThreadStillBlockedWhenTheSimulationIsReleased() {
        let left = survivors { sim in
            sim.run {
                let worker = CreateThread(nil, 0, { _ in
                    let h = openDevice(#"\\.\slow"#)
                    var n: DWORD = 0
                    var byte: UInt8 = 0
                    _ = ReadFile(h, &byte, 1, &n, nil)  // never completes
                    return 0
                }, nil, 0, nil)
                Sleep(1)
                XCTAssertTrue(CloseHandle(worker))
            }
        }
        // The blocked ReadFile returned through its frames (which held its file object, and so
        // its device and driver) when the simulation was released.
        XCTAssertEqual(left.kernels, 0)
        XCTAssertEqual(left.drivers, 0)
    }

    /// ExitThread inside a user APC that an alertable SleepEx ran: the APC's routine comes
    /// back to where it was delivered, SleepEx returns through its frames, and the thread
    /// exits at its outermost one with the APC's code.
    func testAThreadThatExitedInsideAnAPC() {
        let left = survivors { sim in
            sim.run {
                let worker = CreateThread(nil, 0, { _ in
                    _ = openDevice(#"\\.\slow"#)
                    _ = SleepEx(INFINITE, true)
                    return 0
                }, nil, 0, nil)
                Sleep(1)
                XCTAssertEqual(QueueUserAPC({ _ in ExitThread(3) }, worker, 0), 1)
                XCTAssertEqual(WaitForSingleObject(worker, INFINITE), WAIT_OBJECT_0)
                var code: DWORD = 0
                XCTAssertTrue(GetExitCodeThread(worker, &code))
                XCTAssertEqual(code, 3)
                XCTAssertTrue(CloseHandle(worker))
            }
        }
        XCTAssertEqual(left.kernels, 0)
        XCTAssertEqual(left.drivers, 0)
    }

    func testAMainThreadThatExitedUnderRun() {
        let left = survivors { sim in
            sim.run {
                _ = openDevice(#"\\.\slow"#)
                ExitThread(1)
            }
        }
        XCTAssertEqual(left.kernels, 0)
        XCTAssertEqual(left.drivers, 0)
    }

    /// A process that terminates itself (`TerminateProcess(GetCurrentProcess())`, or
    /// `TerminateJobObject` on a job it is in) exits as with `ExitProcess`, once the call's own
    /// frames have returned: they held the kernel, and the VOPR leaked a whole simulation each
    /// time a handle it terminated turned out to be its own process's.
    func testAProcessThatTerminatedItself() {
        let byProcess = survivors { sim in
            sim.run {
                let worker = CreateThread(nil, 0, { _ in
                    _ = openDevice(#"\\.\slow"#)
                    _ = TerminateProcess(GetCurrentProcess(), 3)
                    return 0
                }, nil, 0, nil)
                _ = WaitForSingleObject(worker, INFINITE)
            }
            XCTAssertEqual(sim.processExitCode, 3)
        }
        XCTAssertEqual(byProcess.kernels, 0)
        XCTAssertEqual(byProcess.drivers, 0)
        let byJob = survivors { sim in
            sim.run {
                let job = CreateJobObjectW(nil, nil)
                XCTAssertTrue(AssignProcessToJobObject(job, GetCurrentProcess()))
                _ = openDevice(#"\\.\slow"#)
                _ = TerminateJobObject(job, 4)
            }
            XCTAssertEqual(sim.processExitCode, 4)
        }
        XCTAssertEqual(byJob.kernels, 0)
        XCTAssertEqual(byJob.drivers, 0)
    }

    func testTheScheduleExplorerReleasesEverySimulation() {
        let watch = Watch()
        var kernels = 0
        let result = ScheduleExplorer.explore(maxRuns: 50) { strategy in
            let sim = Simulation(strategy: strategy)
            watch.kernel = sim.kernel
            kernels += 1
            return sim.run {
                let event = manualEvent()
                let worker = CreateThread(nil, 0, { event in
                    _ = SetEvent(event)
                    ExitThread(0)
                }, event, 0, nil)
                _ = WaitForSingleObject(event, INFINITE)
                _ = WaitForSingleObject(worker, INFINITE)
                return CloseHandle(worker) && CloseHandle(event)
            }
        }
        XCTAssertEqual(result.failures, [])
        XCTAssertEqual(kernels, result.runs)
        XCTAssertNil(watch.kernel)
    }
}
