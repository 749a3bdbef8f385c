import IOKernel
import Win32Surface
import XCTest

/// A driver that finishes every read or write inside its dispatch routine with a fixed status,
/// the way a device rejects a request it cannot serve (a synchronous error) or hands back a
/// partial message (a synchronous warning).
private final class CompletesInDispatch: Driver {
    let status: NTStatus
    let data: [UInt8]

    init(_ status: NTStatus, data: [UInt8] = []) {
        self.status = status
        self.data = data
    }

    func dispatch(_ irp: IRP, _ k: DriverContext) -> NTStatus {
        irp.systemBuffer = ArraySlice(data)
        return k.complete(irp, status: status, information: status.isError ? 0 : data.count)
    }
}

private let slowPath = #"\\.\slow"#
private let fastPath = #"\\.\fast"#
private let rejectPath = #"\\.\reject"#

/// The exact overlapped-I/O protocol between the caller, kernel32 and the kernel: what
/// `ReadFile` does to the `OVERLAPPED`, the event, the file handle, the byte count and the last
/// error, in each outcome; what `GetOverlappedResult(Ex)` reads back; and how events, waits
/// and handle values behave (win32-facts §1, §2, §4, §5, §13).
final class OverlappedProtocolTests: XCTestCase {
    /// A simulation with a device the test completes by hand (`slow`), one that completes at
    /// once (`fast`), and one that fails every request in dispatch (`reject`).
    private func makeSimulation(reject status: NTStatus = .invalidDeviceRequest, data: [UInt8] = [])
        -> (Simulation, StockDriver)
    {
        let sim = Simulation()
        let slow = StockDriver(completion: .manual)
        sim.installDevice(slowPath, driver: slow)
        sim.installDevice(fastPath, driver: StockDriver(completion: .immediate))
        sim.installDevice(rejectPath, driver: CompletesInDispatch(status, data: data))
        return (sim, slow)
    }

    // MARK: - Issue: event reset, byte count, Internal, InternalHigh

    /// F-RW-8, F-OVL-1, F-OVL-3, F-RW-5, F-RW-1: a pending `ReadFile` resets the caller's event
    /// at issue, stores `STATUS_PENDING` in `Internal`, leaves `InternalHigh` alone (a sentinel
    /// of -1 survives), zeroes the byte count and returns `FALSE` with `ERROR_IO_PENDING`.
    /// `Offset` and `OffsetHigh` are never modified (F-OVL-9).
    func testPendingReadResetsTheEventAndMarksTheOverlappedPending() {
        let (sim, slow) = makeSimulation()
        let memory = scenarioMemory()
        sim.run {
            let h = openDevice(slowPath)
            let ev = manualEvent()
            XCTAssertTrue(SetEvent(ev))
            let ov = memory.overlapped(event: ev, offset: 0x1_0000_0200)
            ov.pointee.InternalHigh = ULONG_PTR.max
            var read: DWORD = 0xDEAD_BEEF

            XCTAssertFalse(ReadFile(h, memory.buffer(8), 8, &read, ov))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_IO_PENDING))
            XCTAssertEqual(read, 0)
            XCTAssertEqual(internalStatus(ov), STATUS_PENDING)
            XCTAssertEqual(ov.pointee.InternalHigh, ULONG_PTR.max)
            XCTAssertEqual(WaitForSingleObject(ev, 0), DWORD(WAIT_TIMEOUT), "the event was reset at issue")
            XCTAssertEqual(slow.pending.first?.byteOffset, 0x1_0000_0200)

            XCTAssertNotNil(slow.completeNext(data: Array("abc".utf8)))
            XCTAssertEqual(internalStatus(ov), STATUS_SUCCESS)
            XCTAssertEqual(ov.pointee.InternalHigh, 3)
            XCTAssertEqual(ov.pointee.Offset, 0x200)
            XCTAssertEqual(ov.pointee.OffsetHigh, 1)
            XCTAssertEqual(WaitForSingleObject(ev, 0), WAIT_OBJECT_0)
        }
    }

    /// F-RW-5: `*lpNumberOfBytesRead` / `*lpNumberOfBytesWritten` is set to 0 before any work
    /// or check, whatever the outcome: pending, an invalid handle, a synchronous error.
    func testByteCountIsZeroedBeforeAnything() {
        let (sim, _) = makeSimulation()
        let memory = scenarioMemory()
        sim.run {
            let slow = openDevice(slowPath)
            let reject = openDevice(rejectPath)
            let buffer = memory.buffer(8)
            let outcomes: [(String, (inout DWORD) -> Bool, Int32)] = [
                ("pending read", { ReadFile(slow, buffer, 8, &$0, memory.overlapped()) }, ERROR_IO_PENDING),
                ("pending write", { WriteFile(slow, buffer, 8, &$0, memory.overlapped()) }, ERROR_IO_PENDING),
                ("read on an invalid handle", { ReadFile(HANDLE(bitPattern: 0xDEAC), buffer, 8, &$0, memory.overlapped()) }, ERROR_INVALID_HANDLE),
                ("write on an invalid handle", { WriteFile(HANDLE(bitPattern: 0xDEAC), buffer, 8, &$0, nil) }, ERROR_INVALID_HANDLE),
                ("read failing in dispatch", { ReadFile(reject, buffer, 8, &$0, memory.overlapped()) }, ERROR_INVALID_FUNCTION),
                ("write failing in dispatch", { WriteFile(reject, buffer, 8, &$0, memory.overlapped()) }, ERROR_INVALID_FUNCTION),
            ]
            for (name, call, error) in outcomes {
                var count: DWORD = 0xDEAD_BEEF
                XCTAssertFalse(call(&count), name)
                XCTAssertEqual(GetLastError(), DWORD(error), name)
                XCTAssertEqual(count, 0, name)
            }
        }
    }

    // MARK: - Synchronous success on an overlapped handle

    /// F-RW-2, F-RW-3, F-OVL-7: a request the device completes at once returns `TRUE` even on an
    /// overlapped handle, with the byte count; `Internal` and `InternalHigh` are already filled
    /// in, the event is signalled anyway, and `GetOverlappedResult(bWait: FALSE)` agrees.
    func testSynchronousSuccessOnOverlappedHandleStillNotifies() {
        let (sim, _) = makeSimulation()
        let memory = scenarioMemory()
        sim.run {
            let h = openDevice(fastPath)
            let ev = manualEvent()
            let ov = memory.overlapped(event: ev)
            let buffer = memory.buffer(8)
            var read: DWORD = 0xDEAD_BEEF
            XCTAssertTrue(ReadFile(h, buffer, 6, &read, ov))
            XCTAssertEqual(read, 6)
            XCTAssertEqual(string(buffer, 6), "datada")
            XCTAssertEqual(internalStatus(ov), STATUS_SUCCESS)
            XCTAssertEqual(ov.pointee.InternalHigh, 6)
            XCTAssertTrue(HasOverlappedIoCompleted(ov))
            XCTAssertEqual(WaitForSingleObject(ev, 0), WAIT_OBJECT_0, "F-RW-3: the event is signalled on TRUE too")
            XCTAssertEqual(WaitForSingleObject(h, 0), DWORD(WAIT_TIMEOUT), "F-SIG-2: with an event, the file stays unsignalled")
            var bytes: DWORD = 0
            XCTAssertTrue(GetOverlappedResult(h, ov, &bytes, false))
            XCTAssertEqual(bytes, 6)

            // Without an event, the file object is what a synchronous success signals (F-SIG-3).
            let ov2 = memory.overlapped()
            var written: DWORD = 0
            XCTAssertTrue(WriteFile(h, buffer, 5, &written, ov2))
            XCTAssertEqual(written, 5)
            XCTAssertEqual(WaitForSingleObject(h, 0), WAIT_OBJECT_0)
        }
    }

    // MARK: - Synchronous error on an overlapped handle

    /// F-OVL-2, F-RW-9, F-RW-8: a request the driver fails inside dispatch returns `FALSE` with
    /// the mapped error (`STATUS_INVALID_DEVICE_REQUEST` → `ERROR_INVALID_FUNCTION`) and
    /// notifies nothing: `Internal` stays `STATUS_PENDING`, the `InternalHigh` sentinel survives,
    /// the event (reset at issue) is not set again, and `HasOverlappedIoCompleted` stays false.
    func testSynchronousErrorNotifiesNothingAndLeavesTheOverlappedPending() {
        let (sim, _) = makeSimulation()
        let memory = scenarioMemory()
        sim.run {
            let h = openDevice(rejectPath)
            let ev = manualEvent()
            XCTAssertTrue(SetEvent(ev))
            let ov = memory.overlapped(event: ev)
            ov.pointee.InternalHigh = 0xDEAD_BEEF
            let buffer = memory.buffer(8)
            var read: DWORD = 0xDEAD_BEEF

            XCTAssertFalse(ReadFile(h, buffer, 8, &read, ov))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_FUNCTION))
            XCTAssertEqual(read, 0)
            XCTAssertEqual(internalStatus(ov), STATUS_PENDING)
            XCTAssertEqual(ov.pointee.InternalHigh, 0xDEAD_BEEF)
            XCTAssertFalse(HasOverlappedIoCompleted(ov))
            XCTAssertEqual(WaitForSingleObject(ev, 0), DWORD(WAIT_TIMEOUT), "reset at issue, never set")
            XCTAssertEqual(sim.irpsInFlight.count, 0)
            XCTAssertEqual(sim.fileObject(h)?.pointerCount, 1)
            XCTAssertEqual(sim.object(ev)?.pointerCount, 1)
        }
        XCTAssertEqual(sim.bugChecks, [])
    }

    /// F-RW-9, F-SIG-1: without an event, a synchronous error does not signal the file handle
    /// either; the file object was reset when the request started and stays unsignalled.
    func testSynchronousErrorDoesNotSignalTheFileHandle() {
        let (sim, _) = makeSimulation()
        let memory = scenarioMemory()
        sim.run {
            let h = openDevice(rejectPath)
            XCTAssertEqual(WaitForSingleObject(h, 0), WAIT_OBJECT_0, "idle file objects are signalled")
            let ov = memory.overlapped()
            XCTAssertFalse(WriteFile(h, memory.buffer(8), 8, nil, ov))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_FUNCTION))
            XCTAssertEqual(WaitForSingleObject(h, 0), DWORD(WAIT_TIMEOUT))
            XCTAssertEqual(internalStatus(ov), STATUS_PENDING)
        }
    }

    // MARK: - Warnings

    /// F-GOR-6, C-5, F-OVL-6: a read completed later with the warning `STATUS_BUFFER_OVERFLOW`
    /// delivers like a success (data copied, `InternalHigh` = bytes copied, event signalled),
    /// but `GetOverlappedResult` reports it as a failure: `FALSE`, `ERROR_MORE_DATA`, with the
    /// byte count set to the bytes copied.
    func testBufferOverflowWarningIsFailureWithMoreDataAndTheBytesCopied() {
        let (sim, slow) = makeSimulation()
        let memory = scenarioMemory()
        sim.run {
            let h = openDevice(slowPath)
            let ev = manualEvent()
            let ov = memory.overlapped(event: ev)
            let buffer = memory.buffer(8)
            XCTAssertFalse(ReadFile(h, buffer, 8, nil, ov))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_IO_PENDING))

            XCTAssertNotNil(slow.completeNext(status: .bufferOverflow, data: [0x41, 0x42, 0x43]))
            XCTAssertEqual(internalStatus(ov), STATUS_BUFFER_OVERFLOW)
            XCTAssertEqual(ov.pointee.InternalHigh, 3)
            XCTAssertEqual(string(buffer, 4), "ABC\0")
            XCTAssertTrue(HasOverlappedIoCompleted(ov))
            XCTAssertEqual(WaitForSingleObject(ev, 0), WAIT_OBJECT_0)

            var bytes: DWORD = 0
            XCTAssertFalse(GetOverlappedResult(h, ov, &bytes, true))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_MORE_DATA))
            XCTAssertEqual(bytes, 3)
        }
    }

    /// F-RW-6: a warning returned at once splits the byte counts. With an `OVERLAPPED`:
    /// `FALSE` + `ERROR_MORE_DATA`, `*lpNumberOfBytesRead` = 0, `Internal` =
    /// `STATUS_BUFFER_OVERFLOW`, `InternalHigh` = bytes copied. Without one, on a synchronous
    /// handle: `FALSE` + `ERROR_MORE_DATA`, `*lpNumberOfBytesRead` = bytes copied.
    func testSynchronousWarningSplitsTheByteCounts() {
        let (sim, _) = makeSimulation(reject: .bufferOverflow, data: [0x5A])
        let memory = scenarioMemory()
        sim.run {
            let h = openDevice(rejectPath)
            let ev = manualEvent()
            let ov = memory.overlapped(event: ev)
            let buffer = memory.buffer(8)
            var read: DWORD = 0xDEAD_BEEF
            XCTAssertFalse(ReadFile(h, buffer, 8, &read, ov))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_MORE_DATA))
            XCTAssertEqual(read, 0)
            XCTAssertEqual(internalStatus(ov), STATUS_BUFFER_OVERFLOW)
            XCTAssertEqual(ov.pointee.InternalHigh, 1)
            XCTAssertEqual(string(buffer, 1), "Z")
            XCTAssertEqual(WaitForSingleObject(ev, 0), WAIT_OBJECT_0, "a warning notifies like a success")

            let sync = openDevice(rejectPath, overlapped: false)
            let buffer2 = memory.buffer(8)
            read = 0xDEAD_BEEF
            XCTAssertFalse(ReadFile(sync, buffer2, 8, &read, nil))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_MORE_DATA))
            XCTAssertEqual(read, 1)
            XCTAssertEqual(string(buffer2, 1), "Z")
        }
    }

    // MARK: - Last error

    /// F-RW-12: a successful `ReadFile` or `WriteFile` leaves the last error as it was (a preset
    /// 0xdeadbeef survives), overlapped or synchronous.
    func testSuccessfulTransfersLeaveTheLastErrorUnchanged() {
        let (sim, _) = makeSimulation()
        let memory = scenarioMemory()
        sim.run {
            let h = openDevice(fastPath)
            let sync = openDevice(fastPath, overlapped: false)
            let buffer = memory.buffer(8)
            let ov = memory.overlapped()
            var count: DWORD = 0
            SetLastError(0xDEAD_BEEF)
            XCTAssertTrue(ReadFile(h, buffer, 4, &count, ov))
            XCTAssertEqual(GetLastError(), 0xDEAD_BEEF)
            XCTAssertTrue(WriteFile(h, buffer, 4, &count, memory.overlapped()))
            XCTAssertEqual(GetLastError(), 0xDEAD_BEEF)
            XCTAssertTrue(ReadFile(sync, buffer, 4, &count, nil))
            XCTAssertEqual(GetLastError(), 0xDEAD_BEEF)
            XCTAssertTrue(WriteFile(sync, buffer, 4, &count, nil))
            XCTAssertEqual(GetLastError(), 0xDEAD_BEEF)
            XCTAssertEqual(count, 4)
        }
    }

    // MARK: - GetOverlappedResult / GetOverlappedResultEx while pending

    /// F-GOR-4: while the request is pending, `GetOverlappedResult(bWait: FALSE)` fails with
    /// `ERROR_IO_INCOMPLETE` (not `ERROR_IO_PENDING`) without waiting and without writing the
    /// byte count, even when the event has been set by someone else.
    func testGetOverlappedResultNoWaitOnPendingIsIOIncomplete() {
        let (sim, _) = makeSimulation()
        let memory = scenarioMemory()
        sim.run {
            let h = openDevice(slowPath)
            let ev = manualEvent()
            let ov = memory.overlapped(event: ev)
            XCTAssertFalse(ReadFile(h, memory.buffer(8), 8, nil, ov))
            var bytes: DWORD = 0xDEAD
            XCTAssertFalse(GetOverlappedResult(h, ov, &bytes, false))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_IO_INCOMPLETE))
            XCTAssertEqual(bytes, 0xDEAD)
            XCTAssertTrue(SetEvent(ev))
            XCTAssertFalse(GetOverlappedResult(h, ov, &bytes, false))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_IO_INCOMPLETE))
            XCTAssertEqual(bytes, 0xDEAD)
            XCTAssertEqual(GetTickCount64(), 0)
        }
    }

    /// F-GOR-13, F-GOR-12: `GetOverlappedResultEx` with a 250 ms timeout that expires returns
    /// `FALSE` with `WAIT_TIMEOUT` (258, not `ERROR_TIMEOUT`), after exactly 250 ms of virtual
    /// time; with a timeout of 0 it returns `ERROR_IO_INCOMPLETE` at once, even alertable. The
    /// byte count is not written and the request stays pending.
    func testGetOverlappedResultExTimeoutIsWaitTimeoutAfterExactlyTheTimeout() {
        let (sim, slow) = makeSimulation()
        let memory = scenarioMemory()
        sim.run {
            let h = openDevice(slowPath)
            let ov = memory.overlapped(event: manualEvent())
            XCTAssertFalse(ReadFile(h, memory.buffer(8), 8, nil, ov))
            var bytes: DWORD = 0xDEAD
            let start = GetTickCount64()
            XCTAssertFalse(GetOverlappedResultEx(h, ov, &bytes, 250, false))
            XCTAssertEqual(GetLastError(), DWORD(WAIT_TIMEOUT))
            XCTAssertEqual(GetTickCount64() - start, 250)
            XCTAssertEqual(bytes, 0xDEAD)

            XCTAssertFalse(GetOverlappedResultEx(h, ov, &bytes, 0, true))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_IO_INCOMPLETE))
            XCTAssertEqual(GetTickCount64() - start, 250)
            XCTAssertEqual(internalStatus(ov), STATUS_PENDING)
            XCTAssertEqual(slow.pending.count, 1)
        }
    }

    /// F-GOR-5: if the event was set by someone else while `Internal` is still
    /// `STATUS_PENDING`, `GetOverlappedResult(bWait: TRUE)` wakes, re-reads `Internal`, finds it
    /// still pending and returns `TRUE` with `InternalHigh` (0xabcd), leaving `Internal` at
    /// `STATUS_PENDING`. The request really is still in the driver.
    func testGetOverlappedResultWaitReturnsTrueWhenSomeoneElseSetTheEvent() {
        let (sim, slow) = makeSimulation()
        let memory = scenarioMemory()
        sim.run {
            let h = openDevice(slowPath)
            let ev = manualEvent()
            let ov = memory.overlapped(event: ev)
            XCTAssertFalse(ReadFile(h, memory.buffer(8), 8, nil, ov))
            ov.pointee.InternalHigh = 0xABCD
            XCTAssertTrue(SetEvent(ev))
            var bytes: DWORD = 0
            XCTAssertTrue(GetOverlappedResult(h, ov, &bytes, true))
            XCTAssertEqual(bytes, 0xABCD)
            XCTAssertEqual(internalStatus(ov), STATUS_PENDING)
            XCTAssertEqual(slow.pending.count, 1)
        }
    }

    /// F-EVT-3, F-GOR-8: `GetOverlappedResult`'s internal wait consumes an auto-reset event
    /// (the event is unsignalled afterwards). Once the request has completed, `Internal` is
    /// checked first, so a call whose auto-reset event another wait already consumed still
    /// returns at once instead of blocking forever.
    func testAutoResetEventIsConsumedByTheInternalWaitButInternalIsCheckedFirst() {
        let sim = Simulation()
        sim.installDevice(slowPath, driver: StockDriver(completion: .after(.milliseconds(5))))
        let memory = scenarioMemory()
        sim.run {
            let h = openDevice(slowPath)
            let auto = CreateEventW(nil, false, false, nil)
            let ov = memory.overlapped(event: auto)
            XCTAssertFalse(ReadFile(h, memory.buffer(8), 4, nil, ov))
            var bytes: DWORD = 0
            XCTAssertTrue(GetOverlappedResult(h, ov, &bytes, true))
            XCTAssertEqual(bytes, 4)
            XCTAssertEqual(GetTickCount64(), 5)
            XCTAssertEqual(WaitForSingleObject(auto, 0), DWORD(WAIT_TIMEOUT), "the internal wait consumed the event")

            let ov2 = memory.overlapped(event: auto)
            XCTAssertFalse(ReadFile(h, memory.buffer(8), 4, nil, ov2))
            XCTAssertEqual(WaitForSingleObject(auto, INFINITE), WAIT_OBJECT_0, "someone else consumes the event")
            XCTAssertTrue(GetOverlappedResult(h, ov2, &bytes, true), "Internal is checked before waiting")
            XCTAssertEqual(bytes, 4)
            XCTAssertEqual(GetTickCount64(), 10)
        }
        XCTAssertEqual(sim.hangs, [])
    }

    // MARK: - The file handle as the waitable object

    /// F-SIG-1, F-SIG-2: a file handle is signalled while idle, reset when I/O starts on it,
    /// and, for a request with no event, signalled at completion; `WaitForSingleObject` and
    /// `GetOverlappedResult(bWait: TRUE)` on the file handle then work. A request *with* an
    /// event leaves the file handle unsignalled when it completes.
    func testFileHandleIsSignalledByCompletionsWithoutAnEvent() {
        let sim = Simulation()
        sim.installDevice(slowPath, driver: StockDriver(completion: .after(.milliseconds(5))))
        let memory = scenarioMemory()
        sim.run {
            let h = openDevice(slowPath)
            XCTAssertEqual(WaitForSingleObject(h, 0), WAIT_OBJECT_0, "signalled after creation")
            let ov = memory.overlapped()
            XCTAssertFalse(ReadFile(h, memory.buffer(8), 4, nil, ov))
            XCTAssertEqual(WaitForSingleObject(h, 0), DWORD(WAIT_TIMEOUT), "reset by the start of I/O")
            XCTAssertEqual(WaitForSingleObject(h, INFINITE), WAIT_OBJECT_0)
            XCTAssertEqual(GetTickCount64(), 5)
            XCTAssertEqual(internalStatus(ov), STATUS_SUCCESS)
            var bytes: DWORD = 0
            XCTAssertTrue(GetOverlappedResult(h, ov, &bytes, true))
            XCTAssertEqual(bytes, 4)

            let ov2 = memory.overlapped()
            XCTAssertFalse(ReadFile(h, memory.buffer(8), 4, nil, ov2))
            XCTAssertTrue(GetOverlappedResult(h, ov2, &bytes, true), "waits on the file handle (F-GOR-9)")
            XCTAssertEqual(bytes, 4)
            XCTAssertEqual(GetTickCount64(), 10)

            let ev = manualEvent()
            let ov3 = memory.overlapped(event: ev)
            XCTAssertFalse(ReadFile(h, memory.buffer(8), 4, nil, ov3))
            XCTAssertEqual(WaitForSingleObject(ev, INFINITE), WAIT_OBJECT_0)
            XCTAssertEqual(WaitForSingleObject(h, 0), DWORD(WAIT_TIMEOUT), "F-SIG-2: only the event was signalled")
        }
    }

    /// F-GOR-9, F-SIG-6: with no event, `GetOverlappedResult(bWait: TRUE)` waits on the file
    /// handle, which *another* request's completion also signals. It then finds its own
    /// request still pending and returns `TRUE` with whatever `InternalHigh` holds: the
    /// documented hazard of waiting on the handle with several requests outstanding.
    func testAnotherRequestsCompletionSatisfiesAWaitOnTheFileHandle() {
        let (sim, slow) = makeSimulation()
        let memory = scenarioMemory()
        sim.run {
            let h = openDevice(slowPath)
            let first = memory.overlapped()
            first.pointee.InternalHigh = 0x77
            let second = memory.overlapped()
            XCTAssertFalse(ReadFile(h, memory.buffer(8), 8, nil, first))
            XCTAssertFalse(ReadFile(h, memory.buffer(8), 8, nil, second))
            guard slow.pending.count == 2, let secondIRP = slow.pending.last else {
                return XCTFail("both reads should be pending")
            }
            XCTAssertTrue(slow.complete(secondIRP, data: Array("xy".utf8)))
            XCTAssertEqual(internalStatus(second), STATUS_SUCCESS)

            var bytes: DWORD = 0
            XCTAssertTrue(GetOverlappedResult(h, first, &bytes, true))
            XCTAssertEqual(bytes, 0x77, "the result is InternalHigh of a request that has not completed")
            XCTAssertEqual(internalStatus(first), STATUS_PENDING)
            XCTAssertFalse(HasOverlappedIoCompleted(first))
            XCTAssertEqual(slow.pending.count, 1)
        }
    }

    /// F-SIG-5: bit 0 of `hEvent` is kernel32's flag; the kernel ignores the tag bits, so the
    /// event is still set when the request completes.
    func testTaggedEventHandleIsStillSignalled() {
        let (sim, slow) = makeSimulation()
        let memory = scenarioMemory()
        sim.run {
            let h = openDevice(slowPath)
            let ev = manualEvent()
            let tagged = HANDLE(bitPattern: UInt(bitPattern: ev) | 1)
            let ov = memory.overlapped(event: tagged)
            XCTAssertFalse(ReadFile(h, memory.buffer(8), 4, nil, ov))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_IO_PENDING))
            XCTAssertEqual(WaitForSingleObject(ev, 0), DWORD(WAIT_TIMEOUT))
            XCTAssertNotNil(slow.completeNext())
            XCTAssertEqual(WaitForSingleObject(ev, 0), WAIT_OBJECT_0)
            var bytes: DWORD = 0
            XCTAssertTrue(GetOverlappedResult(h, ov, &bytes, true))
            XCTAssertEqual(bytes, 4)
        }
    }

    // MARK: - HasOverlappedIoCompleted

    /// F-OVL-8: `HasOverlappedIoCompleted` is exactly `Internal != STATUS_PENDING`: true for an
    /// `OVERLAPPED` never used, false while pending, true once completed (even as a failure),
    /// and false forever after an immediate failure.
    func testHasOverlappedIoCompletedIsInternalNotPending() {
        let (sim, slow) = makeSimulation()
        let memory = scenarioMemory()
        sim.run {
            let h = openDevice(slowPath)
            let ov = memory.overlapped(event: manualEvent())
            XCTAssertTrue(HasOverlappedIoCompleted(ov), "never used")
            XCTAssertFalse(ReadFile(h, memory.buffer(8), 8, nil, ov))
            XCTAssertFalse(HasOverlappedIoCompleted(ov), "pending")
            XCTAssertNotNil(slow.completeNext(status: .endOfFile))
            XCTAssertTrue(HasOverlappedIoCompleted(ov), "completed with an error")
            XCTAssertEqual(internalStatus(ov), STATUS_END_OF_FILE)

            let failed = memory.overlapped(event: manualEvent())
            XCTAssertFalse(ReadFile(openDevice(rejectPath), memory.buffer(8), 8, nil, failed))
            Sleep(1000)
            XCTAssertFalse(HasOverlappedIoCompleted(failed), "an immediate failure looks pending forever")
        }
    }

    // MARK: - Events and waits

    /// F-EVT-1, F-WAIT-2: a manual-reset event stays signalled through any number of waits until
    /// `ResetEvent`; an auto-reset event is consumed by the one wait it satisfies, and stays
    /// signalled while nobody waits. Setting a set event and resetting a reset one succeed.
    /// Satisfied and timed-out waits leave the last error alone.
    func testManualAndAutoResetEvents() {
        let sim = Simulation()
        sim.run {
            let manual = CreateEventW(nil, true, false, nil)
            let auto = CreateEventW(nil, false, false, nil)
            SetLastError(0xDEAD_BEEF)
            XCTAssertEqual(WaitForSingleObject(manual, 0), DWORD(WAIT_TIMEOUT))
            XCTAssertTrue(SetEvent(manual))
            XCTAssertTrue(SetEvent(manual), "setting a set event is a no-op")
            XCTAssertEqual(WaitForSingleObject(manual, 0), WAIT_OBJECT_0)
            XCTAssertEqual(WaitForSingleObject(manual, 0), WAIT_OBJECT_0)
            XCTAssertTrue(ResetEvent(manual))
            XCTAssertTrue(ResetEvent(manual), "resetting a reset event is a no-op")
            XCTAssertEqual(WaitForSingleObject(manual, 0), DWORD(WAIT_TIMEOUT))

            XCTAssertTrue(SetEvent(auto))
            XCTAssertTrue(SetEvent(auto))
            XCTAssertTrue(sim.object(auto)?.isSignaled ?? false, "stays signalled while nobody waits")
            XCTAssertEqual(WaitForSingleObject(auto, 0), WAIT_OBJECT_0)
            XCTAssertEqual(WaitForSingleObject(auto, 0), DWORD(WAIT_TIMEOUT), "the first wait consumed it")
            XCTAssertEqual(GetLastError(), 0xDEAD_BEEF)

            let auto2 = CreateEventW(nil, false, true, nil)
            XCTAssertEqual(WaitForSingleObject(auto2, 0), WAIT_OBJECT_0, "initially signalled")
            XCTAssertEqual(WaitForSingleObject(auto2, 0), DWORD(WAIT_TIMEOUT))
        }
    }

    /// F-EVT-2: creating a named event that exists returns a new handle to the same event with
    /// `ERROR_ALREADY_EXISTS`, ignoring the type and initial state asked for; a fresh create
    /// sets the last error to 0. Names are case-sensitive.
    func testNamedEventAlreadyExists() {
        let sim = Simulation()
        sim.run {
            SetLastError(0xDEAD_BEEF)
            let first = CreateEventA(nil, true, false, "Local\\ready")
            XCTAssertEqual(GetLastError(), DWORD(ERROR_SUCCESS))
            let second = CreateEventA(nil, false, true, "Local\\ready")
            XCTAssertEqual(GetLastError(), DWORD(ERROR_ALREADY_EXISTS))
            XCTAssertNotNil(second)
            XCTAssertNotEqual(first, second, "a new handle…")
            XCTAssertTrue(sim.object(first) === sim.object(second), "…to the same event")
            XCTAssertEqual(WaitForSingleObject(second, 0), DWORD(WAIT_TIMEOUT), "initial state ignored")
            XCTAssertTrue(SetEvent(second))
            XCTAssertEqual(WaitForSingleObject(first, 0), WAIT_OBJECT_0)
            XCTAssertEqual(WaitForSingleObject(first, 0), WAIT_OBJECT_0, "still manual-reset: the type was ignored")

            let other = CreateEventA(nil, true, false, "Local\\READY")
            XCTAssertEqual(GetLastError(), DWORD(ERROR_SUCCESS), "names are case-sensitive")
            XCTAssertFalse(sim.object(other) === sim.object(first))
        }
    }

    /// F-WAIT-3: `WaitForMultipleObjects` in wait-any mode returns the *lowest* signalled index
    /// and changes only that object. With 64 signalled events (index 0 manual-reset, the rest
    /// auto-reset) it keeps returning 0; after `ResetEvent` of index 0 it returns 1, 2, 3… in
    /// order, each call consuming exactly one auto-reset event.
    func testWaitAnyReturnsLowestSignalledIndexAndConsumesOnlyThatOne() {
        let sim = Simulation()
        sim.run {
            var events: [HANDLE?] = [CreateEventW(nil, true, true, nil)]
            for _ in 1..<64 { events.append(CreateEventW(nil, false, true, nil)) }
            XCTAssertEqual(WaitForMultipleObjects(64, events, false, 0), WAIT_OBJECT_0)
            XCTAssertEqual(WaitForMultipleObjects(64, events, false, 0), WAIT_OBJECT_0)
            XCTAssertTrue(ResetEvent(events[0]))
            for index in 1..<64 {
                XCTAssertEqual(WaitForMultipleObjects(64, events, false, 0), WAIT_OBJECT_0 + DWORD(index))
                // Everything after the returned index is still signalled.
                if index + 1 < 64 { XCTAssertTrue(sim.object(events[index + 1])?.isSignaled ?? false) }
            }
            XCTAssertEqual(WaitForMultipleObjects(64, events, false, 0), DWORD(WAIT_TIMEOUT))

            // Lowest index wins even when a higher one was signalled first.
            XCTAssertTrue(SetEvent(events[5]))
            XCTAssertTrue(SetEvent(events[3]))
            XCTAssertEqual(WaitForMultipleObjects(64, events, false, 0), WAIT_OBJECT_0 + 3)
            XCTAssertEqual(WaitForSingleObject(events[5], 0), WAIT_OBJECT_0, "index 5 was not consumed")
        }
    }

    /// F-WAIT-4: in wait-all mode no object changes until all are signalled together; then the
    /// wait consumes every auto-reset event at once.
    func testWaitAllChangesNothingUntilAllAreSignalled() {
        let sim = Simulation()
        sim.run {
            let events: [HANDLE?] = [CreateEventW(nil, false, false, nil), CreateEventW(nil, false, false, nil)]
            XCTAssertTrue(SetEvent(events[0]))
            XCTAssertEqual(WaitForMultipleObjects(2, events, true, 100), DWORD(WAIT_TIMEOUT))
            XCTAssertEqual(GetTickCount64(), 100)
            XCTAssertTrue(sim.object(events[0])?.isSignaled ?? false, "not consumed by the failed wait-all")
            XCTAssertTrue(SetEvent(events[1]))
            XCTAssertEqual(WaitForMultipleObjects(2, events, true, 0), WAIT_OBJECT_0)
            XCTAssertFalse(sim.object(events[0])?.isSignaled ?? true)
            XCTAssertFalse(sim.object(events[1])?.isSignaled ?? true)
        }
    }

    // MARK: - Handle values

    /// nt-io-model §1.1, F-SIG-5: handle values are non-zero multiples of 4. A closed value is
    /// reused **last in, first out** — a deliberate choice modelled on the classic NT handle
    /// table, whose free list hands out the most recently freed entry first. Consequence (the
    /// real bug this reproduces): a stale handle value names whatever object was opened next.
    func testHandleValuesAreMultiplesOfFourAndClosedValuesAreReusedLastInFirstOut() {
        let sim = Simulation()
        sim.installDevice(slowPath, driver: StockDriver())
        sim.run {
            let handles = (0..<4).map { _ in manualEvent() }
            let values = handles.map { UInt(bitPattern: $0) }
            for value in values {
                XCTAssertNotEqual(value, 0)
                XCTAssertEqual(value % 4, 0)
            }
            XCTAssertEqual(Set(values).count, 4)

            XCTAssertTrue(CloseHandle(handles[1]))
            XCTAssertTrue(CloseHandle(handles[2]))
            let reused = UInt(bitPattern: manualEvent())
            XCTAssertEqual(reused, values[2], "the value closed last comes back first")
            let file = openDevice(slowPath)
            XCTAssertEqual(UInt(bitPattern: file), values[1])
            // The stale event handle now names the file object.
            XCTAssertTrue(sim.object(handles[1]) is FileObject)
            XCTAssertFalse(SetEvent(handles[1]))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_HANDLE))
            let fresh = UInt(bitPattern: manualEvent())
            XCTAssertFalse(values.contains(fresh), "with the free list empty, a new value")
            XCTAssertEqual(fresh % 4, 0)
        }
    }

    /// F-WAIT-1, F-SIG-5: the low two bits of a handle value are ignored: waiting on `h|1`,
    /// `h|2` or `h|3` is waiting on `h`, and `SetEvent(h|3)` sets `h`.
    func testLowTagBitsOfAHandleAreIgnored() {
        let sim = Simulation()
        sim.run {
            let ev = manualEvent()
            let base = UInt(bitPattern: ev)
            for tag: UInt in 1...3 {
                XCTAssertEqual(WaitForSingleObject(HANDLE(bitPattern: base | tag), 0), DWORD(WAIT_TIMEOUT), "h|\(tag)")
            }
            XCTAssertTrue(SetEvent(HANDLE(bitPattern: base | 3)))
            for tag: UInt in 0...3 {
                XCTAssertEqual(WaitForSingleObject(HANDLE(bitPattern: base | tag), 0), WAIT_OBJECT_0, "h|\(tag)")
            }
            XCTAssertTrue(ResetEvent(HANDLE(bitPattern: base | 2)))
            XCTAssertEqual(WaitForSingleObject(ev, 0), DWORD(WAIT_TIMEOUT))
        }
    }
}
