import IOKernel
import IOSimXCTest
import WinSDK
import XCTest

/// Critical sections as Windows code uses them (swift-subprocess's Thread.swift allocates one
/// with `UnsafeMutablePointer<CRITICAL_SECTION>.allocate` and enters it around its queue).
/// The fields' values follow the debugger documentation's "Interpreting Critical Section
/// Fields" (LockCount: bit 0 clear while locked, bit 1 clear while a woken waiter has not run,
/// the rest the ones' complement of the waiters; -1 when free).
final class CriticalSectionTests: XCTestCase {
    func testEnterBlocksAnotherThreadUntilTheOwnerLeaves() {
        let sim = checkedSimulation()
        let log = StoryLog()
        sim.run {
            let section = UnsafeMutablePointer<CRITICAL_SECTION>.allocate(capacity: 1)
            defer { section.deallocate() }
            InitializeCriticalSection(section)
            XCTAssertEqual(section.pointee.LockCount, -1)
            XCTAssertEqual(section.pointee.RecursionCount, 0)
            XCTAssertNil(section.pointee.OwningThread)

            EnterCriticalSection(section)
            EnterCriticalSection(section)   // the owner enters again at once
            XCTAssertEqual(section.pointee.LockCount, -2)
            XCTAssertEqual(section.pointee.RecursionCount, 2)
            XCTAssertEqual(UInt(bitPattern: section.pointee.OwningThread), UInt(GetCurrentThreadId()))

            let worker = startThread {
                log.note("worker tries")
                XCTAssertFalse(TryEnterCriticalSection(section))
                log.note("worker waits")
                EnterCriticalSection(section)
                log.note("worker entered")
                XCTAssertEqual(section.pointee.RecursionCount, 1)
                LeaveCriticalSection(section)
                return 0
            }
            Sleep(10)   // the worker runs and blocks in EnterCriticalSection
            XCTAssertEqual(section.pointee.LockCount, -6, "locked, no thread woken, one waiter")
            LeaveCriticalSection(section)
            XCTAssertEqual(section.pointee.LockCount, -6, "still owned once")
            log.note("main leaves")
            LeaveCriticalSection(section)
            XCTAssertEqual(section.pointee.LockCount, -3, "free, and a woken waiter that has not run yet")
            XCTAssertEqual(section.pointee.RecursionCount, 0)
            XCTAssertEqual(WaitForSingleObject(worker, INFINITE), WAIT_OBJECT_0)
            XCTAssertEqual(section.pointee.LockCount, -1)
            XCTAssertTrue(TryEnterCriticalSection(section))
            LeaveCriticalSection(section)
            DeleteCriticalSection(section)
            CloseHandle(worker)
        }
        XCTAssertEqual(log.lines, ["0 ms: worker tries", "0 ms: worker waits", "10 ms: main leaves", "10 ms: worker entered"])
        XCTAssertTrue(sim.trace.timeline().contains("EnterCriticalSection(cs#1) → entered (recursion 1)"), sim.trace.timeline())
    }

    /// A section its owner never leaves: the waiter's wait can never end, and the simulation
    /// reports the hang with the section and its owner instead of blocking the test.
    func testASectionNeverLeftIsReportedAsAHang() {
        let sim = checkedSimulation(expectingCleanFinish: false)
        // Allocated outside the run: main never returns from its last EnterCriticalSection, so a
        // frame of the run would never free it.
        let section = UnsafeMutablePointer<CRITICAL_SECTION>.allocate(capacity: 1)
        defer { section.deallocate() }
        sim.run {
            XCTAssertTrue(InitializeCriticalSectionAndSpinCount(section, 4000))
            XCTAssertEqual(section.pointee.SpinCount, 4000)
            let owner = startThread {
                EnterCriticalSection(section)
                return 0   // exits owning it
            }
            WaitForSingleObject(owner, INFINITE)
            EnterCriticalSection(section)
            CloseHandle(owner)
        }
        XCTAssertEqual(sim.hangs.count, 1)
        XCTAssertEqual(sim.hangs.first?.threads, ["main is blocked waiting for critical section cs#1 to be left (owned by thread-4100)"])
    }
}
