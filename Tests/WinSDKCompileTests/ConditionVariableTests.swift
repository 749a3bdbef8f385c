import IOKernel
import IOSimXCTest
import WinSDK
import XCTest

/// Condition variables with critical sections and SRW locks, after Wine's test_condvars_base
/// (dlls/kernel32/tests/sync.c): a sleep nobody wakes times out with ERROR_TIMEOUT, a wake
/// with no sleeper is lost, and a sleeper woken while the waker still holds the section
/// returns TRUE once it has the section again, even past its timeout. Times are virtual.
final class ConditionVariableTests: XCTestCase {
    func testWineBaseSequenceOnTheVirtualClock() {
        let sim = checkedSimulation()
        let log = StoryLog()
        sim.run {
            let section = UnsafeMutablePointer<CRITICAL_SECTION>.allocate(capacity: 1)
            let condition = UnsafeMutablePointer<CONDITION_VARIABLE>.allocate(capacity: 1)
            defer { section.deallocate(); condition.deallocate() }
            InitializeCriticalSection(section)
            InitializeConditionVariable(condition)

            // Untriggered: FALSE with ERROR_TIMEOUT after 10 ms, the section held again.
            EnterCriticalSection(section)
            XCTAssertFalse(SleepConditionVariableCS(condition, section, 10))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_TIMEOUT))
            XCTAssertEqual(section.pointee.RecursionCount, 1)
            LeaveCriticalSection(section)
            XCTAssertEqual(GetTickCount64(), 10)

            // A wake with no sleeper is lost.
            WakeConditionVariable(condition)
            WakeAllConditionVariable(condition)
            EnterCriticalSection(section)
            XCTAssertFalse(SleepConditionVariableCS(condition, section, 10))
            LeaveCriticalSection(section)

            // Woken while the waker holds the section for 50 ms: TRUE, at 50 ms, past the 20 ms.
            let producer = startThread {
                EnterCriticalSection(section)
                log.note("producer wakes")
                WakeConditionVariable(condition)
                Sleep(50)
                log.note("producer leaves")
                LeaveCriticalSection(section)
                return 0
            }
            EnterCriticalSection(section)
            let start = GetTickCount64()
            XCTAssertTrue(SleepConditionVariableCS(condition, section, 20))
            log.note("consumer returns after \(GetTickCount64() - start) ms")
            LeaveCriticalSection(section)
            WaitForSingleObject(producer, INFINITE)
            CloseHandle(producer)
            DeleteCriticalSection(section)
        }
        XCTAssertEqual(log.lines, ["20 ms: producer wakes", "70 ms: producer leaves", "70 ms: consumer returns after 50 ms"])
    }

    /// The worker queue of swift-subprocess's Thread.swift: a worker sleeps on the condition
    /// variable while the queue is empty; the main thread enqueues under the section and wakes
    /// it; shutdown wakes it for the last time.
    func testAWorkerQueueAsSwiftSubprocessWritesIt() {
        let sim = checkedSimulation()
        let log = StoryLog()
        sim.run {
            let mutex = UnsafeMutablePointer<CRITICAL_SECTION>.allocate(capacity: 1)
            let waitCondition = UnsafeMutablePointer<CONDITION_VARIABLE>.allocate(capacity: 1)
            defer { mutex.deallocate(); waitCondition.deallocate() }
            InitializeCriticalSection(mutex)
            InitializeConditionVariable(waitCondition)
            var queue: [String] = []
            var isShuttingDown = false
            let worker = startThread {
                while true {
                    EnterCriticalSection(mutex)
                    while queue.isEmpty && !isShuttingDown {
                        SleepConditionVariableCS(waitCondition, mutex, INFINITE)
                    }
                    let item = queue.isEmpty ? nil : queue.removeFirst()
                    LeaveCriticalSection(mutex)
                    guard let item else { return 0 }
                    log.note("worker runs \(item)")
                    Sleep(5)
                }
            }
            for item in ["a", "b"] {
                EnterCriticalSection(mutex)
                queue.append(item)
                WakeConditionVariable(waitCondition)
                LeaveCriticalSection(mutex)
                Sleep(20)
            }
            EnterCriticalSection(mutex)
            isShuttingDown = true
            WakeConditionVariable(waitCondition)
            LeaveCriticalSection(mutex)
            XCTAssertEqual(WaitForSingleObject(worker, INFINITE), WAIT_OBJECT_0)
            DeleteCriticalSection(mutex)
            CloseHandle(worker)
        }
        XCTAssertEqual(log.lines, ["0 ms: worker runs a", "20 ms: worker runs b"])
    }

    /// Sleeping with an SRW lock, exclusive and shared (CONDITION_VARIABLE_LOCKMODE_SHARED):
    /// the lock is released while asleep and held again, in the same mode, afterwards.
    func testSleepWithAnSRWLockInBothModes() {
        let sim = checkedSimulation()
        sim.run {
            var condition = CONDITION_VARIABLE()
            var lock = SRWLOCK()
            InitializeSRWLock(&lock)
            AcquireSRWLockExclusive(&lock)
            XCTAssertFalse(SleepConditionVariableSRW(&condition, &lock, 10, 0))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_TIMEOUT))
            XCTAssertEqual(TryAcquireSRWLockShared(&lock), 0, "held exclusively again")
            ReleaseSRWLockExclusive(&lock)
            AcquireSRWLockShared(&lock)
            XCTAssertFalse(SleepConditionVariableSRW(&condition, &lock, 10, ULONG(CONDITION_VARIABLE_LOCKMODE_SHARED)))
            XCTAssertEqual(TryAcquireSRWLockShared(&lock), 1, "held shared again: another shared hold is granted")
            ReleaseSRWLockShared(&lock)
            ReleaseSRWLockShared(&lock)
            XCTAssertEqual(TryAcquireSRWLockExclusive(&lock), 1)
            ReleaseSRWLockExclusive(&lock)
            XCTAssertEqual(GetTickCount64(), 20)
        }
    }
}
