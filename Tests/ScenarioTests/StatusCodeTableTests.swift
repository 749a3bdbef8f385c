import IOKernel
import Win32Surface
import XCTest

/// `RtlNtStatusToDosError` from the generated table (scripts/generate-ntstatus-table.py), and
/// the `NT_SUCCESS` test of `GetOverlappedResult(Ex)` and `GetQueuedCompletionStatus`
/// (issue 11, "Status codes").
final class StatusCodeTableTests: XCTestCase {
    /// `ERROR_NO_SYSTEM_RESOURCES` (winerror.h).
    private let errorNoSystemResources: Int32 = 1450

    private func dosError(_ status: UInt32) -> DWORD { RtlNtStatusToDosError(NTSTATUS(bitPattern: status)) }

    /// Values from Microsoft's NTSTATUS-to-Win32 table (KB113996), as Windows 10 gives them
    /// (the recording the table is generated from): statuses the simulator's drivers produce and
    /// statuses a program or driver may put in an `OVERLAPPED`.
    func testStatusesMapAsWindowsMapsThem() {
        let expected: [(UInt32, Int32, String)] = [
            (0xC000_009A, errorNoSystemResources, "STATUS_INSUFFICIENT_RESOURCES"),
            (0x8000_0006, ERROR_NO_MORE_FILES, "STATUS_NO_MORE_FILES"),
            (0x0000_010C, ERROR_NOTIFY_ENUM_DIR, "STATUS_NOTIFY_ENUM_DIR"),
            (0x0000_010B, ERROR_NOTIFY_CLEANUP, "STATUS_NOTIFY_CLEANUP"),
            (0x0000_0001, 731, "STATUS_WAIT_1 → ERROR_WAIT_1"),
            (0x0000_0080, 128, "STATUS_ABANDONED_WAIT_0 → ERROR_WAIT_NO_CHILDREN"),
            (0xC000_0017, 8, "STATUS_NO_MEMORY → ERROR_NOT_ENOUGH_MEMORY"),
            (0xC000_00B5, 121, "STATUS_IO_TIMEOUT → ERROR_SEM_TIMEOUT"),
            (0x8000_0011, 170, "STATUS_DEVICE_BUSY → ERROR_BUSY"),
            (0xC000_0128, ERROR_INVALID_HANDLE, "STATUS_FILE_CLOSED"),
            (0xC000_00D9, ERROR_NO_DATA, "STATUS_PIPE_EMPTY"),
            (0xC000_00EF, ERROR_INVALID_PARAMETER, "STATUS_INVALID_PARAMETER_1"),
            (0xC000_0055, 33, "STATUS_LOCK_NOT_GRANTED → ERROR_LOCK_VIOLATION"),
            (0xC000_000E, ERROR_FILE_NOT_FOUND, "STATUS_NO_SUCH_DEVICE"),
        ]
        for (status, error, name) in expected {
            XCTAssertEqual(dosError(status), DWORD(error), name)
        }
    }

    /// Every status the kernel has a name for maps as the hand-written mapping it replaces did,
    /// value for value (nothing that matched before changes).
    func testEveryNamedStatusKeepsItsMapping() {
        let before: [(NTStatus, Int32)] = [
            (.success, ERROR_SUCCESS), (.userAPC, ERROR_USER_APC), (.alerted, ERROR_ALERTED), (.timeout, ERROR_TIMEOUT),
            (.pending, ERROR_IO_PENDING), (.bufferOverflow, ERROR_MORE_DATA), (.unsuccessful, ERROR_GEN_FAILURE),
            (.accessViolation, ERROR_NOACCESS), (.invalidHandle, ERROR_INVALID_HANDLE),
            (.objectTypeMismatch, ERROR_INVALID_HANDLE), (.invalidParameter, ERROR_INVALID_PARAMETER),
            (.invalidDeviceRequest, ERROR_INVALID_FUNCTION), (.endOfFile, ERROR_HANDLE_EOF),
            (.objectNameNotFound, ERROR_FILE_NOT_FOUND), (.threadIsTerminating, ERROR_ACCESS_DENIED),
            (.accessDenied, ERROR_ACCESS_DENIED), (.deletePending, ERROR_ACCESS_DENIED),
            (.objectNameInvalid, ERROR_INVALID_NAME), (.objectNameCollision, ERROR_ALREADY_EXISTS),
            (.sharingViolation, ERROR_SHARING_VIOLATION), (.instanceNotAvailable, ERROR_PIPE_BUSY),
            (.pipeNotAvailable, ERROR_PIPE_BUSY), (.invalidPipeState, ERROR_BAD_PIPE), (.diskFull, ERROR_DISK_FULL),
            (.illegalFunction, ERROR_INVALID_FUNCTION), (.pipeConnected, ERROR_PIPE_CONNECTED),
            (.pipeListening, ERROR_PIPE_LISTENING), (.notSupported, ERROR_NOT_SUPPORTED),
            (.pipeDisconnected, ERROR_PIPE_NOT_CONNECTED), (.pipeClosing, ERROR_NO_DATA),
            (.invalidUserBuffer, ERROR_INVALID_USER_BUFFER), (.cancelled, ERROR_OPERATION_ABORTED),
            (.pipeBroken, ERROR_BROKEN_PIPE), (.possibleDeadlock, ERROR_POSSIBLE_DEADLOCK), (.notFound, ERROR_NOT_FOUND),
            (.connectionAborted, ERROR_CONNECTION_ABORTED), (.notifyCleanup, ERROR_NOTIFY_CLEANUP),
            (.notifyEnumDirectory, ERROR_NOTIFY_ENUM_DIR), (.noMoreFiles, ERROR_NO_MORE_FILES),
            (.noSuchFile, ERROR_FILE_NOT_FOUND), (.objectPathNotFound, ERROR_PATH_NOT_FOUND),
            (.fileIsADirectory, ERROR_ACCESS_DENIED), (.cannotDelete, ERROR_ACCESS_DENIED),
            (.notSameDevice, ERROR_NOT_SAME_DEVICE), (.directoryNotEmpty, ERROR_DIR_NOT_EMPTY),
            (.notADirectory, ERROR_DIRECTORY),
        ]
        for (status, error) in before {
            XCTAssertEqual(dosError(status.rawValue), DWORD(error), status.name)
        }
    }

    /// ntdll's rules around the table (Wine's dlls/ntdll/error.c): a `0xD…` status is looked up
    /// as `0xC…`; a Win32 error wrapped in a status or an HRESULT is its low word; a customer
    /// status (bit 29) is returned as it is; anything else unknown is ERROR_MR_MID_NOT_FOUND.
    func testTheLookupRules() {
        XCTAssertEqual(dosError(0xD000_009A), DWORD(errorNoSystemResources))
        XCTAssertEqual(dosError(0xC007_0005), DWORD(ERROR_ACCESS_DENIED))
        XCTAssertEqual(dosError(0x8007_0020), DWORD(ERROR_SHARING_VIOLATION))
        XCTAssertEqual(dosError(0xC001_0057), 0x57)
        XCTAssertEqual(dosError(0xE000_1234), 0xE000_1234)
        XCTAssertEqual(dosError(0xC0DE_0001), DWORD(ERROR_MR_MID_NOT_FOUND))
        XCTAssertEqual(dosError(0xC000_FFFF), DWORD(ERROR_MR_MID_NOT_FOUND))
        XCTAssertEqual(dosError(0x0000_0000), DWORD(ERROR_SUCCESS))
    }

    /// `GetOverlappedResult(Ex)` tests `NT_SUCCESS` (ReactOS's kernel32, written to match
    /// Windows): informational statuses are successes, with the byte count from
    /// `InternalHigh` and the last error untouched; a warning is a failure that still reports
    /// its byte count; an error maps through the table.
    func testGetOverlappedResultTestsNTSuccess() {
        let sim = Simulation()
        let memory = scenarioMemory()
        sim.run {
            let ov = memory.overlapped()
            func result(_ status: UInt32, _ information: UInt) -> (Bool, DWORD, DWORD) {
                ov.pointee.Internal = ULONG_PTR(status)
                ov.pointee.InternalHigh = ULONG_PTR(information)
                SetLastError(0xBEEF)
                var bytes: DWORD = 0xAAAA
                let ok = GetOverlappedResult(nil, ov, &bytes, false)
                return (ok, GetLastError(), bytes)
            }
            XCTAssertTrue(result(0x10B, 0) == (true, 0xBEEF, 0), "STATUS_NOTIFY_CLEANUP")
            XCTAssertTrue(result(0x102, 7) == (true, 0xBEEF, 7), "STATUS_TIMEOUT")
            XCTAssertTrue(result(0x1, 3) == (true, 0xBEEF, 3), "STATUS_WAIT_1")
            XCTAssertTrue(result(0x10C, 0) == (true, 0xBEEF, 0), "STATUS_NOTIFY_ENUM_DIR")
            XCTAssertTrue(result(0x8000_0005, 5) == (false, DWORD(ERROR_MORE_DATA), 5), "STATUS_BUFFER_OVERFLOW")
            XCTAssertTrue(result(0x8000_0006, 0) == (false, DWORD(ERROR_NO_MORE_FILES), 0), "STATUS_NO_MORE_FILES")
            XCTAssertTrue(result(0xC000_009A, 0) == (false, DWORD(errorNoSystemResources), 0))

            ov.pointee.Internal = 0x10B
            ov.pointee.InternalHigh = 0
            var bytes: DWORD = 9
            SetLastError(0xBEEF)
            XCTAssertTrue(GetOverlappedResultEx(nil, ov, &bytes, 0, true))
            XCTAssertEqual(bytes, 0)
            XCTAssertEqual(GetLastError(), 0xBEEF)
        }
        XCTAssertTrue(sim.finish().isClean)
    }

    /// A packet whose request ended with an informational status is a success to
    /// `GetQueuedCompletionStatus` (`TRUE`, its byte count); one with a warning is `FALSE` with
    /// the error and its byte count; the packet's `OVERLAPPED` is handed out either way.
    func testGetQueuedCompletionStatusTestsNTSuccess() {
        let sim = Simulation()
        let device = StockDriver(completion: .manual)
        sim.installDevice(#"\\.\dev"#, driver: device)
        let memory = scenarioMemory()
        sim.run {
            let h = openDevice(#"\\.\dev"#)
            let port = CreateIoCompletionPort(h, nil, 5, 0)
            var outcomes: [String] = []
            for (status, count) in [(NTStatus.notifyCleanup, 0), (.bufferOverflow, 4), (NTStatus(rawValue: 0xC000_009A), 0)] {
                let ov = memory.overlapped()
                XCTAssertFalse(ReadFile(h, memory.buffer(8), 8, nil, ov))
                XCTAssertNotNil(device.completeNext(status: status, bytes: count, data: count > 0 ? [1, 2, 3, 4] : nil))
                var bytes: DWORD = 0xAAAA
                var key: ULONG_PTR = 0
                var dequeued: LPOVERLAPPED?
                SetLastError(0xBEEF)
                let ok = GetQueuedCompletionStatus(port, &bytes, &key, &dequeued, 0)
                XCTAssertEqual(dequeued, ov)
                outcomes.append("\(ok) \(win32ErrorName(GetLastError())) \(bytes)")
            }
            XCTAssertEqual(outcomes, ["true error 48879 0", "false ERROR_MORE_DATA 4", "false ERROR_NO_SYSTEM_RESOURCES 0"])
            for handle in [h, port] { XCTAssertTrue(CloseHandle(handle)) }
        }
        XCTAssertTrue(sim.finish().isClean)
    }
}
