import IOKernel
import Win32Surface
import XCTest

/// What a simulated thread keeps to itself although every thread of a simulation runs on one OS
/// thread (simulated threads are fibers, Dispatcher/Fiber.swift).
final class FiberIsolationTests: XCTestCase {
    private final class Box {
        var values = [1, 2, 3]
    }

    /// Swift's dynamic exclusivity checks see each simulated thread's accesses on its own, as
    /// they would on OS threads of their own: a worker blocked inside a modifying access to a
    /// class's property (the runtime's access set is per OS thread) does not make the main
    /// thread's read of it a "simultaneous access". If the fiber switch did not carry the access
    /// set (swift_task_exitThreadLocalContext/enterThreadLocalContext), the read would stop the
    /// test process with "Fatal access conflict detected".
    func testAnAccessInProgressInABlockedThreadIsItsOwn() {
        let sim = Simulation()
        let box = Box()
        var seenByMain: [Int] = []
        sim.run {
            let release = CreateEventW(nil, true, false, nil)
            let worker = sim.createThread(name: "worker") {
                box.values.withUnsafeMutableBufferPointer { buffer in
                    buffer[0] = 10
                    // Blocks with the modifying access to box.values in progress.
                    _ = WaitForSingleObject(release, INFINITE)
                    buffer[2] = 30
                }
                return 0
            }
            Sleep(1)  // the worker runs and blocks
            XCTAssertEqual(worker.life, .alive)
            seenByMain = box.values  // a read access while the worker's modify is in progress
            XCTAssertTrue(SetEvent(release))
            Sleep(1)  // the worker finishes
            XCTAssertEqual(worker.life, .exited)
            XCTAssertTrue(CloseHandle(release))
        }
        XCTAssertEqual(seenByMain.count, 3)
        XCTAssertEqual(box.values, [10, 2, 30])
        XCTAssertEqual(sim.hangs, [])
    }
}
