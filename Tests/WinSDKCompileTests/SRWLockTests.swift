import IOKernel
import IOSimXCTest
import WinSDK
import XCTest

/// SRW locks after Wine's test_srwlock_base (dlls/kernel32/tests/sync.c): a thread waiting for
/// exclusive access is preferred to later shared requests, the try functions fail while it
/// waits, any thread may release the lock, and a lock is not recursive.
final class SRWLockTests: XCTestCase {
    func testAnExclusiveWaiterIsPreferredToLaterReaders() {
        let sim = checkedSimulation()
        let log = StoryLog()
        sim.run {
            let lock = UnsafeMutablePointer<SRWLOCK>.allocate(capacity: 1)
            defer { lock.deallocate() }
            lock.initialize(to: SRWLOCK())   // SRWLOCK_INIT
            AcquireSRWLockShared(lock)
            let writer = startThread {
                AcquireSRWLockExclusive(lock)
                log.note("writer has it")
                Sleep(10)
                ReleaseSRWLockExclusive(lock)
                return 0
            }
            Sleep(5)   // the writer waits
            XCTAssertEqual(TryAcquireSRWLockShared(lock), 0, "a writer waits: no new reader")
            XCTAssertEqual(TryAcquireSRWLockExclusive(lock), 0)
            let reader = startThread {
                AcquireSRWLockShared(lock)
                log.note("reader has it")
                ReleaseSRWLockShared(lock)
                return 0
            }
            Sleep(5)   // the reader waits too, behind the writer
            log.note("main releases")
            ReleaseSRWLockShared(lock)
            var threads = [writer, reader]
            XCTAssertEqual(WaitForMultipleObjects(2, &threads, true, INFINITE), WAIT_OBJECT_0)
            CloseHandle(writer)
            CloseHandle(reader)
        }
        XCTAssertEqual(log.lines, ["10 ms: main releases", "10 ms: writer has it", "20 ms: reader has it"])
    }

    /// An SRW lock has no owner: another thread may release it (Wine's sequence 2, where
    /// thread 1 releases the lock thread 2 took).
    func testAnotherThreadReleasesTheLock() {
        let sim = checkedSimulation()
        sim.run {
            var lock = SRWLOCK()
            AcquireSRWLockExclusive(&lock)
            let releaser = startThread {
                ReleaseSRWLockExclusive(&lock)
                return 0
            }
            WaitForSingleObject(releaser, INFINITE)
            XCTAssertEqual(TryAcquireSRWLockExclusive(&lock), 1)
            ReleaseSRWLockExclusive(&lock)
            CloseHandle(releaser)
        }
    }

    /// Taking an SRW lock again on the thread that holds it waits for itself.
    func testTakingTheLockTwiceIsAHang() {
        let sim = checkedSimulation(expectingCleanFinish: false)
        sim.run {
            var lock = SRWLOCK()
            AcquireSRWLockExclusive(&lock)
            AcquireSRWLockExclusive(&lock)
        }
        XCTAssertEqual(sim.hangs.first?.threads, ["main is blocked waiting for SRW lock srw#1 to be released (held exclusively by main)"])
    }
}
