import IOKernel
import IOSimXCTest
import Win32Surface
import XCTest

/// Byte-range locks on the simulated volume (`LockFile(Ex)`, `UnlockFile(Ex)`): the rules of
/// Wine's kernel32 `file.c` test_LockFile, the lock that waits and completes like any IRP, and
/// what a lock does to other handles' reads and writes (LockFileEx's remarks).
final class ByteRangeLockTests: XCTestCase {
    private static let path = #"C:\data\locked.bin"#

    private func open(_ flags: DWORD = 0) -> HANDLE? {
        CreateFileA(Self.path, GENERIC_READ | DWORD(GENERIC_WRITE), DWORD(FILE_SHARE_READ | FILE_SHARE_WRITE), nil,
                    DWORD(OPEN_EXISTING), flags, nil)
    }

    private func result(_ ok: Bool) -> String { ok ? "TRUE" : win32ErrorName(GetLastError()) }

    /// test_LockFile, step by step, with the error each refusal gives: overlapping exclusive
    /// locks fail (`ERROR_LOCK_VIOLATION`), adjacent ones do not; an unlock must name exactly a
    /// locked range (`ERROR_NOT_LOCKED`); shared locks overlap; a handle's shared lock may overlap
    /// its own exclusive one, and the exclusive one is unlocked first; a lock reaching the last
    /// byte of the 64-bit range is allowed; a zero-byte lock conflicts with ranges that contain
    /// its offset.
    func testTheRulesOfWinesTestLockFile() {
        let sim = checkedSimulation()
        sim.fileSystem.setContents(Array("This is a silly test".utf8), of: Self.path)
        let memory = scenarioMemory()
        var steps: [String] = []
        sim.run {
            let handle = open(), handle2 = open()
            let ov = memory.overlapped()
            func lock(_ offset: DWORD, _ length: DWORD) -> String { result(LockFile(handle, offset, 0, length, 0)) }
            func unlock(_ offset: DWORD, _ length: DWORD) -> String { result(UnlockFile(handle, offset, 0, length, 0)) }
            func lockEx(_ h: HANDLE?, _ flags: Int32, at offset: DWORD, _ length: DWORD) -> String {
                ov.pointee.Offset = offset
                return result(LockFileEx(h, DWORD(flags), 0, length, 0, ov))
            }
            func unlockEx(_ h: HANDLE?, at offset: DWORD, _ length: DWORD) -> String {
                ov.pointee.Offset = offset
                return result(UnlockFileEx(h, 0, length, 0, ov))
            }
            steps.append("lock 0+0 \(lock(0, 0)), unlock \(unlock(0, 0)), again \(unlock(0, 0))")
            steps.append("lock 10+20 \(lock(10, 20)), 12+10 \(lock(12, 10)), 5+6 \(lock(5, 6)), 5+5 \(lock(5, 5))")
            steps.append("unlock 10+10 \(unlock(10, 10)), 10+20 \(unlock(10, 20)), again \(unlock(10, 20)), 5+5 \(unlock(5, 5))")
            steps.append("shared 100+100 \(lockEx(handle, 0, at: 100, 100)), again \(lockEx(handle, 0, at: 100, 100)), 150+100 \(lockEx(handle, 0, at: 150, 100))")
            steps.append("exclusive 150+50 \(lockEx(handle, LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY, at: 150, 50))")
            steps.append("unlock 150+100 \(unlockEx(handle, at: 150, 100)), 100+100 \(unlockEx(handle, at: 100, 100)), \(unlockEx(handle, at: 100, 100)), again \(unlockEx(handle, at: 100, 100))")
            steps.append("exclusive 300+100 \(lockEx(handle, LOCKFILE_EXCLUSIVE_LOCK, at: 300, 100)), handle2 shared \(lockEx(handle2, LOCKFILE_FAIL_IMMEDIATELY, at: 300, 100)), same handle shared \(lockEx(handle, LOCKFILE_FAIL_IMMEDIATELY, at: 300, 100))")
            steps.append("unlock \(unlockEx(handle, at: 300, 100)), handle2 shared \(lockEx(handle2, LOCKFILE_FAIL_IMMEDIATELY, at: 300, 100)), unlocks \(unlockEx(handle2, at: 300, 100)) \(unlockEx(handle, at: 300, 100))")
            steps.append("top half \(result(LockFile(handle, 0, 0x1000_0000, 0, 0xF000_0000))), last byte \(result(LockFile(handle, ~0, ~0, 1, 0))), inside \(result(LockFile(handle, 0, 0x2000_0000, 20, 0))), unlock \(result(UnlockFile(handle, 0, 0x1000_0000, 0, 0xF000_0000)))")
            steps.append("wrapping \(result(LockFile(handle, 0, 0x1000_0000, 0, 0xF000_0001))), last byte \(result(LockFile(handle, ~0, ~0, 1, 0))), unlock \(result(UnlockFile(handle, ~0, ~0, 1, 0)))")
            steps.append("zero at 100 \(lock(100, 0)), 98+4 \(lock(98, 4)), 90+10 \(lock(90, 10)), 100+10 \(lock(100, 10))")
            steps.append("unlock 90+10 \(unlock(90, 10)), 100+10 \(unlock(100, 10)), 100+0 \(unlock(100, 0))")
            XCTAssertTrue(CloseHandle(handle2))
            XCTAssertTrue(CloseHandle(handle))
        }
        XCTAssertEqual(steps, [
            "lock 0+0 TRUE, unlock TRUE, again ERROR_NOT_LOCKED",
            "lock 10+20 TRUE, 12+10 ERROR_LOCK_VIOLATION, 5+6 ERROR_LOCK_VIOLATION, 5+5 TRUE",
            "unlock 10+10 ERROR_NOT_LOCKED, 10+20 TRUE, again ERROR_NOT_LOCKED, 5+5 TRUE",
            "shared 100+100 TRUE, again TRUE, 150+100 TRUE",
            "exclusive 150+50 ERROR_LOCK_VIOLATION",
            "unlock 150+100 TRUE, 100+100 TRUE, TRUE, again ERROR_NOT_LOCKED",
            "exclusive 300+100 TRUE, handle2 shared ERROR_LOCK_VIOLATION, same handle shared TRUE",
            "unlock TRUE, handle2 shared TRUE, unlocks TRUE TRUE",
            "top half TRUE, last byte ERROR_LOCK_VIOLATION, inside ERROR_LOCK_VIOLATION, unlock TRUE",
            "wrapping ERROR_INVALID_LOCK_RANGE, last byte TRUE, unlock TRUE",
            "zero at 100 TRUE, 98+4 ERROR_LOCK_VIOLATION, 90+10 TRUE, 100+10 ERROR_LOCK_VIOLATION",
            "unlock 90+10 TRUE, 100+10 ERROR_NOT_LOCKED, 100+0 TRUE",
        ])
        XCTAssertTrue(sim.fileSystem.locks(of: Self.path).isEmpty)
    }

    /// A lock that waits is an IRP like any other: on an overlapped handle bound to a port,
    /// `LockFileEx` without `LOCKFILE_FAIL_IMMEDIATELY` over another handle's exclusive lock
    /// fails with `ERROR_IO_PENDING`, `Internal` still `STATUS_PENDING`; when the other thread
    /// unlocks at 10 ms, the lock is granted and its packet (the key, the `OVERLAPPED`, 0
    /// bytes) comes out of the port (LockFileEx: "When the lock is granted, the system signals
    /// the event specified in the OVERLAPPED structure").
    func testAWaitingLockCompletesThroughThePortWhenTheRangeIsUnlocked() {
        let sim = checkedSimulation()
        sim.fileSystem.setContents([UInt8](repeating: 7, count: 64), of: Self.path)
        let memory = scenarioMemory()
        var log: [String] = []
        sim.run {
            let holder = open()
            XCTAssertTrue(LockFile(holder, 0, 0, 100, 0))
            let waiter = open(DWORD(FILE_FLAG_OVERLAPPED))
            let port = CreateIoCompletionPort(waiter, nil, 42, 0)
            let ov = memory.overlapped(offset: 50)
            let unlocker = spawn {
                Sleep(10)
                log.append("unlock at \(GetTickCount64()): \(self.result(UnlockFile(holder, 0, 0, 100, 0)))")
                return 0
            }
            log.append("LockFileEx: \(result(LockFileEx(waiter, DWORD(LOCKFILE_EXCLUSIVE_LOCK), 0, 10, 0, ov))), Internal 0x\(String(internalStatus(ov), radix: 16))")
            var bytes: DWORD = 99
            var key: ULONG_PTR = 0
            var done: LPOVERLAPPED?
            let dequeued = GetQueuedCompletionStatus(port, &bytes, &key, &done, INFINITE)
            log.append("packet at \(GetTickCount64()): \(dequeued) key \(key) bytes \(bytes) ov \(done == ov) Internal \(internalStatus(ov))")
            log.append("locks: \(sim.fileSystem.locks(of: Self.path).map { "\($0.offset)+\($0.length)\($0.exclusive ? " exclusive" : "")" })")
            XCTAssertEqual(WaitForSingleObject(unlocker, INFINITE), WAIT_OBJECT_0)
            for handle in [unlocker, holder, waiter, port] { XCTAssertTrue(CloseHandle(handle)) }
        }
        XCTAssertEqual(log, [
            "LockFileEx: ERROR_IO_PENDING, Internal 0x103",
            "unlock at 10: TRUE",
            "packet at 10: true key 42 bytes 0 ov true Internal 0",
            "locks: [\"50+10 exclusive\"]",
        ])
    }

    /// On a synchronous handle the caller waits in the call: the second thread's `LockFileEx`
    /// returns TRUE at 5 ms, when the first thread unlocks (LockFileEx: "this call waits until
    /// the lock is granted"). A waiting request that is cancelled completes with
    /// `ERROR_OPERATION_ABORTED` and takes no lock.
    func testASynchronousHandleWaitsAndAWaitingLockCanBeCancelled() {
        let sim = checkedSimulation()
        sim.fileSystem.setContents([UInt8](repeating: 1, count: 8), of: Self.path)
        let memory = scenarioMemory()
        var log: [String] = []
        sim.run {
            let holder = open()
            XCTAssertTrue(LockFile(holder, 0, 0, 8, 0))
            let blocked = spawn {
                let mine = self.open()
                let ov = memory.overlapped()
                let ok = LockFileEx(mine, DWORD(LOCKFILE_EXCLUSIVE_LOCK), 0, 8, 0, ov)
                log.append("synchronous LockFileEx at \(GetTickCount64()): \(self.result(ok))")
                XCTAssertTrue(UnlockFileEx(mine, 0, 8, 0, ov))
                XCTAssertTrue(CloseHandle(mine))
                return 0
            }
            Sleep(5)
            XCTAssertTrue(UnlockFile(holder, 0, 0, 8, 0))
            XCTAssertEqual(WaitForSingleObject(blocked, INFINITE), WAIT_OBJECT_0)

            XCTAssertTrue(LockFile(holder, 0, 0, 8, 0))
            let waiter = open(DWORD(FILE_FLAG_OVERLAPPED))
            let event = manualEvent()
            let ov = memory.overlapped(event: event)
            log.append("overlapped LockFileEx: \(result(LockFileEx(waiter, 0, 0, 4, 0, ov)))")
            log.append("CancelIoEx: \(result(CancelIoEx(waiter, ov)))")
            var bytes: DWORD = 0
            log.append("result: \(result(GetOverlappedResult(waiter, ov, &bytes, true))), Internal 0x\(String(internalStatus(ov), radix: 16))")
            log.append("locks: \(sim.fileSystem.locks(of: Self.path).count)")
            for handle in [blocked, holder, waiter, event] { XCTAssertTrue(CloseHandle(handle)) }
        }
        XCTAssertEqual(log, [
            "synchronous LockFileEx at 5: TRUE",
            "overlapped LockFileEx: ERROR_IO_PENDING",
            "CancelIoEx: TRUE",
            "result: ERROR_OPERATION_ABORTED, Internal 0xc0000120",
            "locks: 1",
        ])
    }

    /// What a lock does to reads and writes (LockFileEx's remarks): another handle cannot read or
    /// write a range locked exclusively (`ERROR_LOCK_VIOLATION`), the holder can; nobody may
    /// write a range locked shared, not even the holder, and everybody may read it; bytes outside
    /// the range are free. Closing the holder's handle releases its locks.
    func testLockedRangesRefuseOtherHandlesReadsAndWrites() {
        let sim = checkedSimulation()
        sim.fileSystem.setContents(Array("0123456789abcdefghij".utf8), of: Self.path)
        let memory = scenarioMemory()
        var log: [String] = []
        sim.run {
            let holder = open(), other = open()
            let buffer = memory.buffer(4)
            func read(_ h: HANDLE?, at offset: UInt32) -> String {
                XCTAssertNotEqual(SetFilePointer(h, LONG(offset), nil, DWORD(FILE_BEGIN)), INVALID_SET_FILE_POINTER)
                var count: DWORD = 0
                return ReadFile(h, buffer, 4, &count, nil) ? "read \(count)" : win32ErrorName(GetLastError())
            }
            func write(_ h: HANDLE?, at offset: UInt32) -> String {
                XCTAssertNotEqual(SetFilePointer(h, LONG(offset), nil, DWORD(FILE_BEGIN)), INVALID_SET_FILE_POINTER)
                var count: DWORD = 0
                return WriteFile(h, buffer, 4, &count, nil) ? "wrote \(count)" : win32ErrorName(GetLastError())
            }
            XCTAssertTrue(LockFile(holder, 4, 0, 4, 0))
            log.append("exclusive 4+4: other \(read(other, at: 2)), \(write(other, at: 6)), \(read(other, at: 8)); holder \(read(holder, at: 4)), \(write(holder, at: 4))")
            XCTAssertTrue(UnlockFile(holder, 4, 0, 4, 0))
            let ov = memory.overlapped(offset: 10)
            XCTAssertTrue(LockFileEx(holder, 0, 0, 5, 0, ov))
            log.append("shared 10+5: other \(read(other, at: 10)), \(write(other, at: 12)); holder \(read(holder, at: 12)), \(write(holder, at: 10)); past it \(write(other, at: 15))")
            XCTAssertTrue(CloseHandle(holder))
            log.append("after the holder's close: \(write(other, at: 10)), locks \(sim.fileSystem.locks(of: Self.path).count)")
            XCTAssertTrue(CloseHandle(other))
        }
        XCTAssertEqual(log, [
            "exclusive 4+4: other ERROR_LOCK_VIOLATION, ERROR_LOCK_VIOLATION, read 4; holder read 4, wrote 4",
            "shared 10+5: other read 4, ERROR_LOCK_VIOLATION; holder read 4, ERROR_LOCK_VIOLATION; past it wrote 4",
            "after the holder's close: wrote 4, locks 0",
        ])
    }

    /// Closing a handle whose lock request is still waiting completes the request with
    /// `STATUS_RANGE_NOT_LOCKED` (`ERROR_NOT_LOCKED`), as Windows does (Samba's smbtorture.h,
    /// `range_not_locked_on_file_close`); the event is set and nothing is locked for it.
    /// `dwReserved` must be 0, and the `OVERLAPPED` is required.
    func testClosingAHandleFailsItsWaitingLockAndBadArgumentsAreRefused() {
        let sim = checkedSimulation()
        sim.fileSystem.setContents([UInt8](repeating: 0, count: 16), of: Self.path)
        let memory = scenarioMemory()
        var log: [String] = []
        sim.run {
            let holder = open()
            XCTAssertTrue(LockFile(holder, 0, 0, 16, 0))
            let waiter = open(DWORD(FILE_FLAG_OVERLAPPED))
            let event = manualEvent()
            let ov = memory.overlapped(event: event)
            log.append("LockFileEx: \(result(LockFileEx(waiter, 0, 0, 1, 0, ov)))")
            XCTAssertTrue(CloseHandle(waiter))
            log.append("after close: event \(WaitForSingleObject(event, 0) == WAIT_OBJECT_0 ? "set" : "clear"), Internal 0x\(String(internalStatus(ov), radix: 16)) (\(win32ErrorName(RtlNtStatusToDosError(NTSTATUS(bitPattern: internalStatus(ov))))))")
            log.append("reserved: \(result(LockFileEx(holder, 0, 1, 1, 0, ov))), \(result(UnlockFileEx(holder, 1, 1, 0, ov)))")
            log.append("no OVERLAPPED: \(result(LockFileEx(holder, 0, 0, 1, 0, nil))), \(result(UnlockFileEx(holder, 0, 1, 0, nil)))")
            log.append("bad handle: \(result(LockFile(HANDLE(bitPattern: 0x999), 0, 0, 1, 0))), \(result(UnlockFile(HANDLE(bitPattern: 0x999), 0, 0, 1, 0)))")
            XCTAssertTrue(CloseHandle(holder))
            XCTAssertTrue(CloseHandle(event))
        }
        XCTAssertEqual(log, [
            "LockFileEx: ERROR_IO_PENDING",
            "after close: event set, Internal 0xc000007e (ERROR_NOT_LOCKED)",
            "reserved: ERROR_INVALID_PARAMETER, ERROR_INVALID_PARAMETER",
            "no OVERLAPPED: ERROR_NOACCESS, ERROR_NOACCESS",
            "bad handle: ERROR_INVALID_HANDLE, ERROR_INVALID_HANDLE",
        ])
    }
}
