import IOKernel
import Win32Surface
import XCTest

// MARK: - Fixture

/// What a bad call returned, whatever the function's return type, so that one table can hold
/// `BOOL`, `DWORD` and `HANDLE` functions alike.
private enum Returned: Equatable, CustomStringConvertible {
    case bool(Bool)
    case dword(DWORD)
    case handle(UInt)

    static func of(_ handle: HANDLE?) -> Returned { .handle(UInt(bitPattern: handle)) }
    static let invalidHandleValue = Returned.handle(UInt.max)

    var description: String {
        switch self {
        case .bool(let value): value ? "TRUE" : "FALSE"
        case .dword(let value): "0x" + String(value, radix: 16)
        case .handle(let value): "HANDLE 0x" + String(value, radix: 16)
        }
    }
}

/// One simulated process with a few good handles and one stale handle value, for bad calls to
/// be made against.
private struct BadInputWorld {
    static let streamPath = #"\\.\good"#
    static let diskPath = #"\\.\disk"#

    let sim: Simulation
    let memory: ScenarioMemory
    /// An overlapped handle on a stream device that completes every request at once with the
    /// bytes "data", repeated.
    let file: HANDLE?
    /// A synchronous handle on the same device.
    let syncFile: HANDLE?
    /// An overlapped handle on a seekable device (`requiresByteOffset: true`).
    let disk: HANDLE?
    /// A manual-reset event, not signalled.
    let event: HANDLE?
    /// A value that named a file object and has been closed. Nothing is opened after it, so it
    /// names nothing (the handle table reuses a closed value for the next handle created).
    let closed: HANDLE?
    let buffer: UnsafeMutableRawPointer

    /// Never opened: multiples of 4, beyond the handle table.
    static var madeUp: HANDLE? { HANDLE(bitPattern: 0xDEAC) }
    static var madeUpHigh: HANDLE? { HANDLE(bitPattern: 0xDEAD_0000) }

    /// Builds the world in a new simulation and runs `body` as its main thread.
    static func run(_ test: XCTestCase, _ body: (BadInputWorld) -> Void) {
        let sim = Simulation()
        sim.installDevice(streamPath, driver: StockDriver(completion: .immediate))
        sim.installDevice(diskPath, driver: StockDriver(completion: .immediate), requiresByteOffset: true)
        let memory = test.scenarioMemory()
        sim.run {
            let file = openDevice(streamPath)
            let syncFile = openDevice(streamPath, overlapped: false)
            let disk = openDevice(diskPath)
            let event = manualEvent()
            let victim = openDevice(streamPath)
            XCTAssertTrue(CloseHandle(victim))
            body(BadInputWorld(sim: sim, memory: memory, file: file, syncFile: syncFile, disk: disk, event: event,
                               closed: victim, buffer: memory.buffer(64)))
        }
    }

    /// A good overlapped read on a valid handle works: the simulation is still usable.
    func assertGoodReadWorks(after what: String, file: StaticString = #filePath, line: UInt = #line) {
        let ov = memory.overlapped(event: manualEvent())
        let target = memory.buffer(8)
        var read: DWORD = 0xDEAD_BEEF
        XCTAssertTrue(ReadFile(self.file, target, 4, &read, ov), "good ReadFile after \(what)", file: file, line: line)
        XCTAssertEqual(read, 4, "good ReadFile after \(what)", file: file, line: line)
        XCTAssertEqual(string(target, 4), "data", "good ReadFile after \(what)", file: file, line: line)
        XCTAssertEqual(internalStatus(ov), STATUS_SUCCESS, "good ReadFile after \(what)", file: file, line: line)
        XCTAssertEqual(WaitForSingleObject(ov.pointee.hEvent, 0), WAIT_OBJECT_0, "good ReadFile after \(what)",
                       file: file, line: line)
        XCTAssertTrue(CloseHandle(ov.pointee.hEvent), file: file, line: line)
    }
}

/// One bad call: what it is, the fact it checks, what Windows returns and what `GetLastError`
/// then says.
private struct BadCall {
    let name: String
    let fact: String
    let returns: Returned
    let error: Int32
    let call: (BadInputWorld) -> Returned
}

private func wfmo(_ handles: [HANDLE?], count: DWORD? = nil) -> Returned {
    .dword(WaitForMultipleObjects(count ?? DWORD(handles.count), handles, false, 0))
}

/// Bad input gets the error Windows gives, and never crashes or wedges the simulator
/// (DESIGN.md, "Principles"). Every case leaves the process as it found it: no reference
/// leaked, no IRP left in flight, and a good read still works.
final class BadInputTests: XCTestCase {
    private var table: [BadCall] {
        let madeUp = BadInputWorld.madeUp
        let madeUpHigh = BadInputWorld.madeUpHigh
        return [
            // Handles that name nothing (F-RW-10, F-CLOSE-10..12, F-WAIT-1).
            BadCall(name: "ReadFile on a made-up handle value", fact: "F-RW-10", returns: .bool(false), error: ERROR_INVALID_HANDLE) { w in
                var n: DWORD = 7
                return .bool(ReadFile(madeUp, w.buffer, 4, &n, w.memory.overlapped()))
            },
            BadCall(name: "WriteFile on a made-up high handle value", fact: "F-RW-10", returns: .bool(false), error: ERROR_INVALID_HANDLE) { w in
                var n: DWORD = 7
                return .bool(WriteFile(madeUpHigh, w.buffer, 4, &n, w.memory.overlapped()))
            },
            BadCall(name: "ReadFile on a null handle", fact: "F-RW-10", returns: .bool(false), error: ERROR_INVALID_HANDLE) { w in
                var n: DWORD = 7
                return .bool(ReadFile(nil, w.buffer, 4, &n, w.memory.overlapped()))
            },
            BadCall(name: "ReadFile on INVALID_HANDLE_VALUE", fact: "F-RW-10", returns: .bool(false), error: ERROR_INVALID_HANDLE) { w in
                var n: DWORD = 7
                return .bool(ReadFile(INVALID_HANDLE_VALUE, w.buffer, 4, &n, w.memory.overlapped()))
            },
            BadCall(name: "ReadFile on INVALID_HANDLE_VALUE with a null buffer (handle checked first)", fact: "F-RW-10",
                    returns: .bool(false), error: ERROR_INVALID_HANDLE) { w in
                var n: DWORD = 7
                return .bool(ReadFile(INVALID_HANDLE_VALUE, nil, 4, &n, w.memory.overlapped()))
            },
            BadCall(name: "ReadFile on a closed handle", fact: "F-CLOSE-12", returns: .bool(false), error: ERROR_INVALID_HANDLE) { w in
                var n: DWORD = 7
                return .bool(ReadFile(w.closed, w.buffer, 4, &n, w.memory.overlapped()))
            },
            BadCall(name: "WriteFile on a closed handle without OVERLAPPED", fact: "F-CLOSE-12", returns: .bool(false), error: ERROR_INVALID_HANDLE) { w in
                var n: DWORD = 7
                return .bool(WriteFile(w.closed, w.buffer, 4, &n, nil))
            },
            BadCall(name: "ReadFile on an event handle (wrong type)", fact: "F-RW-10, C-3 STATUS_OBJECT_TYPE_MISMATCH",
                    returns: .bool(false), error: ERROR_INVALID_HANDLE) { w in
                var n: DWORD = 7
                return .bool(ReadFile(w.event, w.buffer, 4, &n, w.memory.overlapped()))
            },
            BadCall(name: "ReadFile whose OVERLAPPED.hEvent is made up", fact: "C-3 STATUS_INVALID_HANDLE",
                    returns: .bool(false), error: ERROR_INVALID_HANDLE) { w in
                var n: DWORD = 7
                return .bool(ReadFile(w.file, w.buffer, 4, &n, w.memory.overlapped(event: madeUp)))
            },
            BadCall(name: "ReadFile whose OVERLAPPED.hEvent is a file handle (wrong type)", fact: "C-3 STATUS_OBJECT_TYPE_MISMATCH",
                    returns: .bool(false), error: ERROR_INVALID_HANDLE) { w in
                var n: DWORD = 7
                return .bool(ReadFile(w.file, w.buffer, 4, &n, w.memory.overlapped(event: w.syncFile)))
            },
            BadCall(name: "SetEvent on a file handle (wrong type)", fact: "C-3 STATUS_OBJECT_TYPE_MISMATCH",
                    returns: .bool(false), error: ERROR_INVALID_HANDLE) { w in .bool(SetEvent(w.file)) },
            BadCall(name: "ResetEvent on a file handle (wrong type)", fact: "C-3 STATUS_OBJECT_TYPE_MISMATCH",
                    returns: .bool(false), error: ERROR_INVALID_HANDLE) { w in .bool(ResetEvent(w.file)) },
            BadCall(name: "SetEvent on a null handle", fact: "C-3", returns: .bool(false), error: ERROR_INVALID_HANDLE) { _ in .bool(SetEvent(nil)) },
            BadCall(name: "SetEvent on a closed handle", fact: "F-CLOSE-12", returns: .bool(false), error: ERROR_INVALID_HANDLE) { w in .bool(SetEvent(w.closed)) },

            // Buffers (F-RW-11).
            BadCall(name: "overlapped ReadFile with a null buffer and a non-zero length", fact: "F-RW-11",
                    returns: .bool(false), error: ERROR_NOACCESS) { w in
                var n: DWORD = 7
                return .bool(ReadFile(w.file, nil, 10, &n, w.memory.overlapped()))
            },
            BadCall(name: "synchronous ReadFile with a null buffer and a non-zero length", fact: "F-RW-11",
                    returns: .bool(false), error: ERROR_NOACCESS) { w in
                var n: DWORD = 7
                return .bool(ReadFile(w.syncFile, nil, 10, &n, nil))
            },
            BadCall(name: "overlapped WriteFile with a null buffer and a non-zero length", fact: "F-RW-11",
                    returns: .bool(false), error: ERROR_INVALID_USER_BUFFER) { w in
                var n: DWORD = 7
                return .bool(WriteFile(w.file, nil, 10, &n, w.memory.overlapped()))
            },
            BadCall(name: "synchronous WriteFile with a null buffer and a non-zero length", fact: "F-RW-11",
                    returns: .bool(false), error: ERROR_INVALID_USER_BUFFER) { w in
                var n: DWORD = 7
                return .bool(WriteFile(w.syncFile, nil, 10, &n, nil))
            },

            // A null OVERLAPPED on an asynchronous handle to a seekable device (F-RW-15).
            BadCall(name: "ReadFile without OVERLAPPED on an overlapped disk handle", fact: "F-RW-15",
                    returns: .bool(false), error: ERROR_INVALID_PARAMETER) { w in
                var n: DWORD = 7
                return .bool(ReadFile(w.disk, w.buffer, 4, &n, nil))
            },
            BadCall(name: "WriteFile without OVERLAPPED on an overlapped disk handle", fact: "F-RW-15",
                    returns: .bool(false), error: ERROR_INVALID_PARAMETER) { w in
                var n: DWORD = 7
                return .bool(WriteFile(w.disk, w.buffer, 4, &n, nil))
            },
            // Windows would fault on the null pointer; the simulator reports the parameter
            // instead (DESIGN.md: bad input never crashes the simulator).
            BadCall(name: "GetOverlappedResult with a null OVERLAPPED (simulator's choice)", fact: "DESIGN",
                    returns: .bool(false), error: ERROR_INVALID_PARAMETER) { w in
                var n: DWORD = 7
                return .bool(GetOverlappedResult(w.file, nil, &n, false))
            },

            // Waits (F-WAIT-1, F-WAIT-5, F-WAIT-6).
            BadCall(name: "WaitForMultipleObjects with 0 handles", fact: "F-WAIT-5",
                    returns: .dword(WAIT_FAILED), error: ERROR_INVALID_PARAMETER) { w in wfmo([w.event], count: 0) },
            BadCall(name: "WaitForMultipleObjects with 65 handles", fact: "F-WAIT-5, C-2",
                    returns: .dword(WAIT_FAILED), error: ERROR_INVALID_PARAMETER) { _ in
                // 65 distinct, valid events: only the count is wrong.
                wfmo((0..<65).map { _ in manualEvent() })
            },
            BadCall(name: "WaitForMultipleObjects with the same handle twice", fact: "F-WAIT-5",
                    returns: .dword(WAIT_FAILED), error: ERROR_INVALID_PARAMETER) { w in wfmo([w.event, w.event]) },
            BadCall(name: "WaitForMultipleObjects on GetCurrentThread()", fact: "F-WAIT-6",
                    returns: .dword(WAIT_FAILED), error: ERROR_INVALID_HANDLE) { _ in wfmo([GetCurrentThread()]) },
            BadCall(name: "WaitForMultipleObjects on GetCurrentProcess()", fact: "F-WAIT-6",
                    returns: .dword(WAIT_FAILED), error: ERROR_INVALID_HANDLE) { _ in wfmo([GetCurrentProcess()]) },
            BadCall(name: "WaitForMultipleObjects with one made-up handle among good ones", fact: "F-WAIT-1",
                    returns: .dword(WAIT_FAILED), error: ERROR_INVALID_HANDLE) { w in wfmo([w.event, madeUp]) },
            BadCall(name: "WaitForSingleObject on a made-up handle", fact: "F-WAIT-1",
                    returns: .dword(WAIT_FAILED), error: ERROR_INVALID_HANDLE) { _ in .dword(WaitForSingleObject(madeUp, 0)) },
            BadCall(name: "WaitForSingleObject (INFINITE) on a made-up handle", fact: "F-WAIT-1",
                    returns: .dword(WAIT_FAILED), error: ERROR_INVALID_HANDLE) { _ in .dword(WaitForSingleObject(madeUpHigh, INFINITE)) },
            BadCall(name: "WaitForSingleObject on a null handle", fact: "F-WAIT-1",
                    returns: .dword(WAIT_FAILED), error: ERROR_INVALID_HANDLE) { _ in .dword(WaitForSingleObject(nil, 0)) },
            BadCall(name: "WaitForSingleObject on a closed handle", fact: "F-WAIT-1, F-CLOSE-12",
                    returns: .dword(WAIT_FAILED), error: ERROR_INVALID_HANDLE) { w in .dword(WaitForSingleObject(w.closed, 0)) },

            // Cancellation (F-CAN-4, F-CAN-5).
            BadCall(name: "CancelIo on a made-up handle", fact: "F-CAN-4", returns: .bool(false), error: ERROR_INVALID_HANDLE) { _ in .bool(CancelIo(madeUp)) },
            BadCall(name: "CancelIo on a closed handle", fact: "F-CAN-4", returns: .bool(false), error: ERROR_INVALID_HANDLE) { w in .bool(CancelIo(w.closed)) },
            BadCall(name: "CancelIo on a null handle", fact: "F-CAN-4", returns: .bool(false), error: ERROR_INVALID_HANDLE) { _ in .bool(CancelIo(nil)) },
            BadCall(name: "CancelIoEx on a made-up handle", fact: "F-CAN-4", returns: .bool(false), error: ERROR_INVALID_HANDLE) { _ in .bool(CancelIoEx(madeUp, nil)) },
            BadCall(name: "CancelIoEx on INVALID_HANDLE_VALUE", fact: "F-CAN-4", returns: .bool(false), error: ERROR_INVALID_HANDLE) { w in
                .bool(CancelIoEx(INVALID_HANDLE_VALUE, w.memory.overlapped()))
            },
            BadCall(name: "CancelIoEx on an event handle (wrong type)", fact: "F-CAN-4", returns: .bool(false), error: ERROR_INVALID_HANDLE) { w in
                .bool(CancelIoEx(w.event, nil))
            },
            BadCall(name: "CancelIoEx with an OVERLAPPED never used", fact: "F-CAN-5", returns: .bool(false), error: ERROR_NOT_FOUND) { w in
                .bool(CancelIoEx(w.file, w.memory.overlapped()))
            },

            // Opening and closing (F-CLOSE-10, F-CLOSE-11, F-DUP-1).
            BadCall(name: "CreateFileA on a path no device is installed at", fact: "C-3 STATUS_OBJECT_NAME_NOT_FOUND",
                    returns: .invalidHandleValue, error: ERROR_FILE_NOT_FOUND) { _ in
                .of(CreateFileA(#"\\.\nosuch"#, GENERIC_READ, 0, nil, DWORD(OPEN_EXISTING), DWORD(FILE_FLAG_OVERLAPPED), nil))
            },
            BadCall(name: "CreateFileA with a null path", fact: "CreateFile", returns: .invalidHandleValue, error: ERROR_PATH_NOT_FOUND) { _ in
                .of(CreateFileA(nil, GENERIC_READ, 0, nil, DWORD(OPEN_EXISTING), DWORD(FILE_FLAG_OVERLAPPED), nil))
            },
            BadCall(name: "CreateFileA with creation disposition 0", fact: "CreateFile", returns: .invalidHandleValue, error: ERROR_INVALID_PARAMETER) { _ in
                .of(CreateFileA(BadInputWorld.streamPath, GENERIC_READ, 0, nil, 0, DWORD(FILE_FLAG_OVERLAPPED), nil))
            },
            BadCall(name: "CloseHandle twice", fact: "F-CLOSE-10", returns: .bool(false), error: ERROR_INVALID_HANDLE) { w in .bool(CloseHandle(w.closed)) },
            BadCall(name: "CloseHandle(NULL)", fact: "F-CLOSE-11", returns: .bool(false), error: ERROR_INVALID_HANDLE) { _ in .bool(CloseHandle(nil)) },
            BadCall(name: "CloseHandle on a made-up handle", fact: "F-CLOSE-10", returns: .bool(false), error: ERROR_INVALID_HANDLE) { _ in .bool(CloseHandle(madeUp)) },
            BadCall(name: "DuplicateHandle of a closed handle", fact: "F-DUP-1", returns: .bool(false), error: ERROR_INVALID_HANDLE) { w in
                var target: HANDLE?
                return .bool(DuplicateHandle(GetCurrentProcess(), w.closed, GetCurrentProcess(), &target, 0, false,
                                             DWORD(DUPLICATE_SAME_ACCESS)))
            },
        ]
    }

    /// The table: each bad call returns what Windows returns and sets the last error Windows
    /// sets (a preset last error must be overwritten). Afterwards the good handles hold exactly
    /// the references they held before (no reference leaked on the error path), no IRP is in
    /// flight, nothing crashed or hung, and a good read on a valid handle still works.
    func testEachBadCallGetsTheWindowsErrorAndLeavesTheSimulationUsable() {
        let cases = table
        XCTAssertGreaterThanOrEqual(cases.count, 40)
        for bad in cases {
            BadInputWorld.run(self) { w in
                let label = "\(bad.name) [\(bad.fact)]"
                guard let file = w.sim.fileObject(w.file), let event = w.sim.object(w.event) else {
                    return XCTFail("\(label): the fixture did not open its handles")
                }
                let filePointers = file.pointerCount
                let eventPointers = event.pointerCount
                SetLastError(0x1234_5678)

                let returned = bad.call(w)

                XCTAssertEqual(returned, bad.returns, label)
                XCTAssertEqual(GetLastError(), DWORD(bad.error), "\(label): last error \(win32ErrorName(GetLastError()))")
                XCTAssertEqual(file.pointerCount, filePointers, "\(label): a reference to the file object leaked")
                XCTAssertEqual(event.pointerCount, eventPointers, "\(label): a reference to the event leaked")
                XCTAssertEqual(w.sim.irpsInFlight.count, 0, "\(label): an IRP was left in flight")
                XCTAssertEqual(w.sim.bugChecks, [], label)
                XCTAssertEqual(w.sim.hangs, [], label)
                w.assertGoodReadWorks(after: label)
            }
        }
    }

    // MARK: - Invalid handles and the caller's OVERLAPPED and event

    /// F-RW-8, F-CLOSE-12, F-OVL-1, F-RW-5: a read on an invalid or closed file handle fails
    /// before the request exists, so it does not reset the caller's event (a signalled event
    /// stays signalled). kernel32 had already stored `STATUS_PENDING` in `Internal` and 0 in
    /// the byte count, and nothing writes them again: `InternalHigh` keeps its sentinel.
    func testInvalidFileHandleLeavesTheEventAloneAndInternalPending() {
        BadInputWorld.run(self) { w in
            for handle in [BadInputWorld.madeUp, w.closed, nil, INVALID_HANDLE_VALUE] {
                let ev = manualEvent()
                XCTAssertTrue(SetEvent(ev))
                let ov = w.memory.overlapped(event: ev)
                ov.pointee.Internal = 0x1234
                ov.pointee.InternalHigh = 0xDEAD_BEEF
                var read: DWORD = 0xDEAD_BEEF

                XCTAssertFalse(ReadFile(handle, w.buffer, 4, &read, ov))
                XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_HANDLE))
                XCTAssertEqual(read, 0, "F-RW-5: the byte count is zeroed before any check")
                XCTAssertEqual(internalStatus(ov), STATUS_PENDING, "F-OVL-1: kernel32 stored STATUS_PENDING before the call")
                XCTAssertEqual(ov.pointee.InternalHigh, 0xDEAD_BEEF, "F-OVL-2: InternalHigh untouched")
                XCTAssertFalse(HasOverlappedIoCompleted(ov), "F-OVL-8: it looks pending forever")
                XCTAssertEqual(WaitForSingleObject(ev, 0), WAIT_OBJECT_0, "F-RW-8: the event was not reset")
                XCTAssertTrue(CloseHandle(ev))
            }
            w.assertGoodReadWorks(after: "reads on invalid handles")
        }
    }

    /// F-RW-8 (the other half): a read on a *valid* handle that then fails on its buffer does
    /// reset the caller's event, because the event is taken before the request is built; and
    /// no completion sets it again (F-RW-9).
    func testValidHandleWithBadBufferResetsTheEventAndNotifiesNothing() {
        BadInputWorld.run(self) { w in
            let ev = manualEvent()
            XCTAssertTrue(SetEvent(ev))
            let ov = w.memory.overlapped(event: ev)
            XCTAssertFalse(ReadFile(w.file, nil, 16, nil, ov))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_NOACCESS))
            XCTAssertEqual(WaitForSingleObject(ev, 0), DWORD(WAIT_TIMEOUT))
            XCTAssertEqual(internalStatus(ov), STATUS_PENDING)
            w.assertGoodReadWorks(after: "a null-buffer read")
        }
    }

    // MARK: - Null OVERLAPPED on an overlapped handle

    /// F-RW-15: on a seekable device an asynchronous handle has no current position, so a
    /// read without an `OVERLAPPED` fails with `ERROR_INVALID_PARAMETER` and 0 bytes, and no
    /// request reaches the driver.
    func testNullOverlappedOnSeekableOverlappedHandleIsInvalidParameter() {
        let sim = Simulation()
        let disk = StockDriver(completion: .manual)
        sim.installDevice(#"\\.\disk"#, driver: disk, requiresByteOffset: true)
        let memory = scenarioMemory()
        sim.run {
            let h = openDevice(#"\\.\disk"#)
            var read: DWORD = 0xFFFF_FFFF
            XCTAssertFalse(ReadFile(h, memory.buffer(8), 8, &read, nil))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_PARAMETER))
            XCTAssertEqual(read, 0)
            XCTAssertEqual(disk.pending.count, 0, "no request was issued")
            XCTAssertEqual(sim.irpsInFlight.count, 0)
            // The same handle with an OVERLAPPED is fine.
            let ov = memory.overlapped(event: manualEvent(), offset: 0)
            XCTAssertFalse(ReadFile(h, memory.buffer(8), 8, nil, ov))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_IO_PENDING))
            XCTAssertEqual(disk.pending.count, 1)
        }
    }

    /// F-RW-15: on a stream device a read without an `OVERLAPPED` on an overlapped handle works:
    /// kernel32 waits on the file handle and returns the result. The device takes 10 ms, so
    /// the call returns 10 ms of virtual time later with the data.
    func testNullOverlappedOnStreamOverlappedHandleWaitsOnTheFileHandle() {
        let sim = Simulation()
        sim.installDevice(#"\\.\pipe"#, driver: StockDriver(completion: .after(.milliseconds(10))))
        let memory = scenarioMemory()
        sim.run {
            let h = openDevice(#"\\.\pipe"#)
            let buffer = memory.buffer(8)
            var read: DWORD = 0xFFFF_FFFF
            SetLastError(0xDEAD_BEEF)
            XCTAssertTrue(ReadFile(h, buffer, 4, &read, nil))
            XCTAssertEqual(read, 4)
            XCTAssertEqual(string(buffer, 4), "data")
            XCTAssertEqual(GetTickCount64(), 10)
            XCTAssertEqual(GetLastError(), 0xDEAD_BEEF, "F-RW-12: success leaves the last error alone")
            var written: DWORD = 0
            XCTAssertTrue(WriteFile(h, buffer, 3, &written, nil))
            XCTAssertEqual(written, 3)
            XCTAssertEqual(GetTickCount64(), 20)
            XCTAssertEqual(sim.irpsInFlight.count, 0)
        }
        XCTAssertEqual(sim.hangs, [])
    }

    // MARK: - Zero-length transfers

    /// F-RW-11: `ReadFile(h, NULL, 0, …)` and `WriteFile(h, NULL, 0, …)` are legal: `TRUE`,
    /// 0 bytes, last error unchanged, on a synchronous handle and on an overlapped one (where
    /// the status block says `STATUS_SUCCESS`, 0 bytes).
    func testZeroLengthTransfersWithNullBufferAreLegal() {
        BadInputWorld.run(self) { w in
            var count: DWORD = 0xDEAD_BEEF
            SetLastError(0xDEAD_BEEF)
            XCTAssertTrue(ReadFile(w.syncFile, nil, 0, &count, nil))
            XCTAssertEqual(count, 0)
            count = 0xDEAD_BEEF
            XCTAssertTrue(WriteFile(w.syncFile, nil, 0, &count, nil))
            XCTAssertEqual(count, 0)
            XCTAssertEqual(GetLastError(), 0xDEAD_BEEF)

            let ov = w.memory.overlapped(event: manualEvent())
            ov.pointee.InternalHigh = 0xABCD
            count = 0xDEAD_BEEF
            SetLastError(0xDEAD_BEEF)  // CreateEventW set it to 0 (F-EVT-2)
            XCTAssertTrue(ReadFile(w.file, nil, 0, &count, ov))
            XCTAssertEqual(count, 0)
            XCTAssertEqual(internalStatus(ov), STATUS_SUCCESS)
            XCTAssertEqual(ov.pointee.InternalHigh, 0)
            XCTAssertEqual(GetLastError(), 0xDEAD_BEEF)
            w.assertGoodReadWorks(after: "zero-length transfers")
        }
    }

    // MARK: - GetOverlappedResult on OVERLAPPEDs that were never issued

    /// F-GOR-1, F-GOR-2, F-GOR-3: with `Internal` not `STATUS_PENDING` the result comes from the
    /// structure alone, and the handle is not even looked at (null works). A zeroed, never-used
    /// `OVERLAPPED` is `TRUE` with 0 bytes, or with whatever `InternalHigh` holds; an error
    /// status is `FALSE` with its Win32 code, and the byte count is still written.
    func testGetOverlappedResultOnOverlappedNeverUsed() {
        BadInputWorld.run(self) { w in
            let ov = w.memory.overlapped()
            var bytes: DWORD = 0xDEAD_BEEF
            SetLastError(0xDEAD_BEEF)
            XCTAssertTrue(GetOverlappedResult(w.file, ov, &bytes, false))
            XCTAssertEqual(bytes, 0)
            XCTAssertTrue(GetOverlappedResult(nil, ov, &bytes, true), "F-GOR-1: hFile is not validated")
            XCTAssertEqual(bytes, 0)
            XCTAssertEqual(GetLastError(), 0xDEAD_BEEF)

            ov.pointee.InternalHigh = 0xABCD
            XCTAssertTrue(GetOverlappedResult(BadInputWorld.madeUp, ov, &bytes, true))
            XCTAssertEqual(bytes, 0xABCD)

            ov.pointee.Internal = ULONG_PTR(STATUS_INVALID_HANDLE)
            bytes = 0
            XCTAssertFalse(GetOverlappedResult(nil, ov, &bytes, false))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_HANDLE))
            XCTAssertEqual(bytes, 0xABCD, "F-GOR-3: the byte count is set even on failure")
            XCTAssertEqual(GetTickCount64(), 0, "nothing waited")
            w.assertGoodReadWorks(after: "GetOverlappedResult on unused OVERLAPPEDs")
        }
    }

    /// F-GOR-15: when the operation is pending and the event handle GetOverlappedResult must
    /// wait on has been closed, the internal wait fails and so does the call, with
    /// `ERROR_INVALID_HANDLE`; it neither hangs nor crashes. The request itself held its own
    /// reference to the event and completes normally later.
    func testGetOverlappedResultWaitingOnAClosedEventFailsWithInvalidHandle() {
        let sim = Simulation()
        let device = StockDriver(completion: .manual)
        sim.installDevice(#"\\.\slow"#, driver: device)
        let memory = scenarioMemory()
        sim.run {
            let h = openDevice(#"\\.\slow"#)
            let ev = manualEvent()
            let ov = memory.overlapped(event: ev)
            XCTAssertFalse(ReadFile(h, memory.buffer(8), 4, nil, ov))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_IO_PENDING))
            XCTAssertTrue(CloseHandle(ev))
            var bytes: DWORD = 0xDEAD
            XCTAssertFalse(GetOverlappedResult(h, ov, &bytes, true))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_HANDLE))
            XCTAssertFalse(GetOverlappedResultEx(h, ov, &bytes, 100, false))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_HANDLE))
            XCTAssertEqual(bytes, 0xDEAD)
            XCTAssertNotNil(device.completeNext())
            XCTAssertEqual(internalStatus(ov), STATUS_SUCCESS)
            XCTAssertTrue(GetOverlappedResult(h, ov, &bytes, true))
            XCTAssertEqual(bytes, 4)
        }
        XCTAssertEqual(sim.hangs, [])
    }

    // MARK: - Pseudo-handles

    /// F-WAIT-6, F-WAIT-1: `GetCurrentThread()` and `GetCurrentProcess()` are valid for
    /// `WaitForSingleObject` (a running thread or process is not signalled, so a zero-timeout
    /// wait times out) even though `WaitForMultipleObjects` rejects them. Note that
    /// `INVALID_HANDLE_VALUE` *is* `GetCurrentProcess()`.
    func testWaitForSingleObjectAcceptsPseudoHandles() {
        BadInputWorld.run(self) { w in
            SetLastError(0xDEAD_BEEF)
            XCTAssertEqual(WaitForSingleObject(GetCurrentThread(), 0), DWORD(WAIT_TIMEOUT))
            XCTAssertEqual(WaitForSingleObject(GetCurrentProcess(), 0), DWORD(WAIT_TIMEOUT),
                           "the current process is a valid, non-signalled object (F-WAIT-6)")
            XCTAssertEqual(GetLastError(), 0xDEAD_BEEF, "F-WAIT-2: WAIT_TIMEOUT leaves the last error alone")
            w.assertGoodReadWorks(after: "waits on pseudo-handles")
        }
    }

    /// F-CLOSE-11: closing a pseudo-handle is a no-op that succeeds, and closes nothing.
    func testCloseHandleOnPseudoHandlesIsANoOp() {
        BadInputWorld.run(self) { w in
            let open = w.sim.openHandleCount
            XCTAssertTrue(CloseHandle(GetCurrentProcess()))
            XCTAssertTrue(CloseHandle(GetCurrentThread()))
            XCTAssertEqual(w.sim.openHandleCount, open)
            w.assertGoodReadWorks(after: "closing pseudo-handles")
        }
    }

    // MARK: - Faulty drivers

    /// nt-io-model §2.3, §8.1 invariant 1: a driver that completes a read twice gets exactly one
    /// `MULTIPLE_IRP_COMPLETE_REQUESTS` (0x44) bug check naming the IRP; the caller sees one
    /// ordinary completion, and later I/O on other devices still works.
    func testDriverCompletingTwiceIsOneBugCheckAndTheReadStillCompletesOnce() {
        let sim = Simulation()
        sim.installDevice(#"\\.\twice"#, driver: FaultyDriver(.completesTwice))
        sim.installDevice(#"\\.\good"#, driver: StockDriver(completion: .immediate))
        let memory = scenarioMemory()
        sim.run {
            let h = openDevice(#"\\.\twice"#)
            let ev = manualEvent()
            let ov = memory.overlapped(event: ev)
            ov.pointee.InternalHigh = 0xDEAD_BEEF
            var read: DWORD = 0xDEAD_BEEF
            XCTAssertTrue(ReadFile(h, memory.buffer(8), 8, &read, ov))
            XCTAssertEqual(read, 0)
            XCTAssertEqual(internalStatus(ov), STATUS_SUCCESS)
            XCTAssertEqual(ov.pointee.InternalHigh, 0)
            XCTAssertEqual(WaitForSingleObject(ev, 0), WAIT_OBJECT_0)
            XCTAssertEqual(sim.bugChecks.count, 1)
            XCTAssertEqual(sim.bugChecks.first?.code, 0x44)
            XCTAssertEqual(sim.bugChecks.first?.name, "MULTIPLE_IRP_COMPLETE_REQUESTS")
            XCTAssertNotNil(sim.bugChecks.first?.irp)
            XCTAssertEqual(sim.irpsInFlight.count, 0)
            XCTAssertEqual(sim.fileObject(h)?.pointerCount, 1, "the IRP's reference was released exactly once")
            XCTAssertEqual(sim.object(ev)?.pointerCount, 1)

            let good = openDevice(#"\\.\good"#)
            let ov2 = memory.overlapped(event: manualEvent())
            let buffer = memory.buffer(8)
            XCTAssertTrue(ReadFile(good, buffer, 4, &read, ov2))
            XCTAssertEqual(read, 4)
            XCTAssertEqual(string(buffer, 4), "data")
        }
        XCTAssertEqual(sim.bugChecks.count, 1)
    }

    /// nt-io-model §8.1 invariant 1: the *first* completion is the one the caller sees; the
    /// second is reported and ignored (it neither rewrites the OVERLAPPED nor the buffer).
    func testFirstOfTwoCompletionsWins() {
        let sim = Simulation()
        sim.installDevice(#"\\.\twice"#, driver: CompletesTwiceDifferently())
        let memory = scenarioMemory()
        sim.run {
            let h = openDevice(#"\\.\twice"#)
            let ov = memory.overlapped(event: manualEvent())
            let buffer = memory.buffer(8)
            var read: DWORD = 0
            XCTAssertTrue(ReadFile(h, buffer, 8, &read, ov))
            XCTAssertEqual(read, 3)
            XCTAssertEqual(internalStatus(ov), STATUS_SUCCESS)
            XCTAssertEqual(ov.pointee.InternalHigh, 3)
            XCTAssertEqual(string(buffer, 4), "one\0")
            var bytes: DWORD = 0
            XCTAssertTrue(GetOverlappedResult(h, ov, &bytes, false))
            XCTAssertEqual(bytes, 3)
        }
        XCTAssertEqual(sim.bugChecks.map(\.code), [0x44])
    }

    /// The other rule breakers of `FaultyDriver` each get one `DRIVER_VERIFIER_IOMANAGER_VIOLATION`
    /// (0xC9) bug check, and the caller still gets a consistent answer: the request either
    /// completes once (the kernel repairs it) or stays pending, and nothing crashes.
    func testFaultyDriversAreReportedAndTheCallerSeesAConsistentRequest() {
        struct Expectation {
            let fault: FaultyDriver.Fault
            let returns: Bool
            let error: Int32?
            let status: DWORD
        }
        let expectations = [
            Expectation(fault: .returnsPendingWithoutMarking, returns: false, error: ERROR_IO_PENDING, status: STATUS_PENDING),
            Expectation(fault: .completesWithCancelRoutineArmed, returns: true, error: nil, status: STATUS_SUCCESS),
            Expectation(fault: .returnsWithoutCompleting, returns: true, error: nil, status: STATUS_SUCCESS),
        ]
        for expected in expectations {
            let sim = Simulation()
            sim.installDevice(#"\\.\faulty"#, driver: FaultyDriver(expected.fault))
            sim.installDevice(#"\\.\good"#, driver: StockDriver(completion: .immediate))
            let memory = scenarioMemory()
            sim.run {
                let label = "\(expected.fault)"
                let h = openDevice(#"\\.\faulty"#)
                let ov = memory.overlapped(event: manualEvent())
                SetLastError(0xDEAD_BEEF)
                XCTAssertEqual(ReadFile(h, memory.buffer(8), 8, nil, ov), expected.returns, label)
                XCTAssertEqual(GetLastError(), expected.error.map { DWORD($0) } ?? 0xDEAD_BEEF, label)
                XCTAssertEqual(internalStatus(ov), expected.status, label)
                XCTAssertEqual(sim.bugChecks.map(\.code), [0xC9], label)
                XCTAssertEqual(sim.bugChecks.first?.name, "DRIVER_VERIFIER_IOMANAGER_VIOLATION", label)

                let good = openDevice(#"\\.\good"#)
                var read: DWORD = 0
                XCTAssertTrue(ReadFile(good, memory.buffer(8), 4, &read, memory.overlapped()), label)
                XCTAssertEqual(read, 4, label)
            }
        }
    }

    /// DESIGN.md "Time, threads and determinism": a driver that never completes makes
    /// `GetOverlappedResult(bWait: TRUE)` unable to ever return. Instead of hanging the test it
    /// fails with `ERROR_POSSIBLE_DEADLOCK`, and `sim.hangs` holds one report that names the
    /// blocked thread (`main`) and the IRP stuck in the driver. The simulation stays usable.
    func testDriverThatNeverCompletesIsReportedAsAHangNotAHungTest() {
        let sim = Simulation()
        let never = FaultyDriver(.neverCompletes)
        sim.installDevice(#"\\.\never"#, driver: never)
        sim.installDevice(#"\\.\good"#, driver: StockDriver(completion: .immediate))
        let memory = scenarioMemory()
        sim.run {
            let h = openDevice(#"\\.\never"#)
            let ov = memory.overlapped(event: manualEvent())
            XCTAssertFalse(ReadFile(h, memory.buffer(8), 8, nil, ov))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_IO_PENDING))
            guard let irp = never.dropped.first, let file = sim.fileObject(h) else {
                return XCTFail("the read did not reach the driver")
            }

            var bytes: DWORD = 0xDEAD
            XCTAssertFalse(GetOverlappedResult(h, ov, &bytes, true))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_POSSIBLE_DEADLOCK))
            XCTAssertEqual(bytes, 0xDEAD)
            XCTAssertEqual(internalStatus(ov), STATUS_PENDING)

            XCTAssertEqual(sim.hangs.count, 1)
            guard let hang = sim.hangs.first else { return }
            XCTAssertEqual(hang.threads.count, 1)
            XCTAssertTrue(hang.threads.first?.hasPrefix("main ") ?? false, "\(hang.threads)")
            XCTAssertEqual(hang.pendingIRPs.count, 1)
            let line = hang.pendingIRPs.first ?? ""
            XCTAssertTrue(line.contains(irp.label), line)
            XCTAssertTrue(line.contains(file.label), line)
            XCTAssertTrue(line.contains("issued by main"), line)
            XCTAssertEqual(irp.state, .pending)

            // Later I/O still works.
            let good = openDevice(#"\\.\good"#)
            var read: DWORD = 0
            XCTAssertTrue(ReadFile(good, memory.buffer(8), 4, &read, memory.overlapped()))
            XCTAssertEqual(read, 4)
        }
        XCTAssertEqual(sim.hangs.count, 1)
        XCTAssertEqual(sim.bugChecks, [])
    }
}

/// Completes each read twice, first with "one" (3 bytes) and then as cancelled.
private final class CompletesTwiceDifferently: Driver {
    func dispatch(_ irp: IRP, _ k: DriverContext) -> NTStatus {
        irp.systemBuffer = ArraySlice(Array("one".utf8))
        let first = k.complete(irp, status: .success, information: 3)
        k.complete(irp, status: .cancelled, information: 0)
        return first
    }
}
