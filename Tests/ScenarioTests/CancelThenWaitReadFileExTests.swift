import IOKernel
import Win32Surface
import XCTest

/// A request record as real ReadFileEx code keeps one: the OVERLAPPED first, so that the
/// completion routine (a C function pointer, which captures nothing) recovers the record from
/// the `lpOverlapped` it is handed.
private struct ReadRecord {
    var overlapped = OVERLAPPED()
    var calls: DWORD = 0
    var error: DWORD = 0xFFFF
    var bytes: DWORD = 0xFFFF
    var freedByRoutine = false
}

/// The completion routine: records what it was told, through the OVERLAPPED pointer.
private let recordCompletion: LPOVERLAPPED_COMPLETION_ROUTINE = { error, bytes, overlapped in
    guard let overlapped else { return }
    let record = UnsafeMutableRawPointer(overlapped).assumingMemoryBound(to: ReadRecord.self)
    record.pointee.calls += 1
    record.pointee.error = error
    record.pointee.bytes = bytes
}

/// A completion routine that frees the heap record as its final act: the pattern that works
/// (seed `cancel-then-wait-readfileex.txt`). It reports through the record's `Pointer` field of
/// a *second* record, passed in `hEvent`, which ReadFileEx leaves to the application (F-RFX-1).
private let recordAndFree: LPOVERLAPPED_COMPLETION_ROUTINE = { error, bytes, overlapped in
    guard let overlapped else { return }
    let report = overlapped.pointee.hEvent.assumingMemoryBound(to: ReadRecord.self)
    report.pointee.calls += 1
    report.pointee.error = error
    report.pointee.bytes = bytes
    report.pointee.freedByRoutine = true
    UnsafeMutableRawPointer(overlapped).assumingMemoryBound(to: ReadRecord.self).deallocate()
}

/// Raymond Chen, "Ready… cancel… wait for it! (part 2)": GetOverlappedResult does not
/// magically revoke completion callbacks.
final class CancelThenWaitReadFileExTests: XCTestCase {
    private var sim = Simulation()
    private var device = StockDriver(completion: .manual)
    private var records: [UnsafeMutablePointer<ReadRecord>] = []

    override func setUp() {
        sim = Simulation(options: SimulationOptions(tracing: true))
        device = StockDriver(completion: .manual)
        sim.installDevice(#"\\.\slow"#, driver: device)
    }

    override func tearDown() { for record in records { record.deallocate() } }

    private func record() -> UnsafeMutablePointer<ReadRecord> {
        let record = UnsafeMutablePointer<ReadRecord>.allocate(capacity: 1)
        record.initialize(to: ReadRecord())
        records.append(record)
        return record
    }

    private func overlapped(_ record: UnsafeMutablePointer<ReadRecord>) -> LPOVERLAPPED {
        UnsafeMutableRawPointer(record).assumingMemoryBound(to: OVERLAPPED.self)
    }

    /// The customer's sequence: ReadFileEx pending, CancelIoEx, GetOverlappedResult(bWait:
    /// TRUE). The wait is not alertable and eats nothing: the routine has not run when it
    /// returns, and the next SleepEx(…, TRUE) runs it with 995 and returns WAIT_IO_COMPLETION.
    func testCancelThenWaitLeavesTheCompletionRoutineQueued() {
        let memory = scenarioMemory()
        let r = record()
        sim.run {
            let h = openDevice(#"\\.\slow"#)
            let buffer = memory.buffer(64)
            XCTAssertTrue(ReadFileEx(h, buffer, 64, overlapped(r), recordCompletion))
            XCTAssertEqual(internalStatus(overlapped(r)), STATUS_PENDING)
            XCTAssertTrue(CancelIoEx(h, overlapped(r)))
            var n: DWORD = 0xFFFF
            XCTAssertFalse(GetOverlappedResult(h, overlapped(r), &n, true))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_OPERATION_ABORTED))
            XCTAssertEqual(n, 0)
            XCTAssertEqual(internalStatus(overlapped(r)), STATUS_CANCELLED)
            XCTAssertEqual(r.pointee.calls, 0, "GetOverlappedResult must not run the completion routine")
            XCTAssertEqual(sim.mainThreadObject?.queuedUserAPCCount, 1)

            XCTAssertEqual(SleepEx(0, true), WAIT_IO_COMPLETION)
            XCTAssertEqual(r.pointee.calls, 1)
            XCTAssertEqual(r.pointee.error, DWORD(ERROR_OPERATION_ABORTED))
            XCTAssertEqual(r.pointee.bytes, 0)
            // Nothing more is queued: the next alertable sleep just sleeps.
            XCTAssertEqual(SleepEx(0, true), 0)
            XCTAssertEqual(r.pointee.calls, 1)
            XCTAssertTrue(CloseHandle(h))
        }
    }

    /// "If an APC had been posted just before I called CancelIoEx": the I/O completed first,
    /// so there is nothing to cancel (ERROR_NOT_FOUND) and the routine runs with success.
    func testCompletionBeforeTheCancelRunsTheRoutineWithSuccess() {
        let memory = scenarioMemory()
        let r = record()
        sim.run {
            let h = openDevice(#"\\.\slow"#)
            let buffer = memory.buffer(64)
            XCTAssertTrue(ReadFileEx(h, buffer, 64, overlapped(r), recordCompletion))
            device.completeNext(data: Array("early".utf8))
            XCTAssertEqual(sim.mainThreadObject?.queuedUserAPCCount, 1, "the APC is posted")
            XCTAssertFalse(CancelIoEx(h, overlapped(r)))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_NOT_FOUND))
            var n: DWORD = 0
            XCTAssertTrue(GetOverlappedResult(h, overlapped(r), &n, true))
            XCTAssertEqual(n, 5)
            XCTAssertEqual(r.pointee.calls, 0)
            XCTAssertEqual(SleepEx(INFINITE, true), WAIT_IO_COMPLETION)
            XCTAssertEqual(r.pointee.calls, 1)
            XCTAssertEqual(r.pointee.error, DWORD(ERROR_SUCCESS))
            XCTAssertEqual(r.pointee.bytes, 5)
            XCTAssertEqual(string(buffer, 5), "early")
            XCTAssertTrue(CloseHandle(h))
        }
    }

    /// The fix: allocate the OVERLAPPED on the heap and let the completion routine free it as
    /// its final act. The kernel never touches it after handing it to the routine (F-RFX-10).
    func testTheRoutineFreesTheHeapOverlappedAsItsFinalAct() {
        let memory = scenarioMemory()
        let report = record()
        sim.run {
            let h = openDevice(#"\\.\slow"#)
            let heapRecord = UnsafeMutablePointer<ReadRecord>.allocate(capacity: 1)
            heapRecord.initialize(to: ReadRecord())
            heapRecord.pointee.overlapped.hEvent = UnsafeMutableRawPointer(report)
            XCTAssertTrue(ReadFileEx(h, memory.buffer(64), 64, overlapped(heapRecord), recordAndFree))
            XCTAssertTrue(CancelIoEx(h, overlapped(heapRecord)))
            XCTAssertEqual(SleepEx(INFINITE, true), WAIT_IO_COMPLETION)
            XCTAssertEqual(report.pointee.calls, 1)
            XCTAssertTrue(report.pointee.freedByRoutine)
            XCTAssertEqual(report.pointee.error, DWORD(ERROR_OPERATION_ABORTED))
            XCTAssertTrue(CloseHandle(h))
        }
        XCTAssertEqual(sim.irpsInFlight.count, 0)
        // After the routine ran, the trace shows no kernel write at all.
        let delivered = sim.trace.events.firstIndex { if case .apcDelivered = $0 { return true } else { return false } }
        let laterWrites = sim.trace.events.suffix(from: (delivered ?? 0) + 1).filter {
            if case .wroteStatus = $0 { return true } else { return false }
        }
        XCTAssertNotNil(delivered)
        XCTAssertEqual(laterWrites.count, 0)
    }

    /// F-RFX-2: a read that completes at once still returns TRUE, its OVERLAPPED is already
    /// filled, and its routine runs later, never before ReadFileEx returns.
    func testSynchronousSuccessStillQueuesTheRoutine() {
        let sim = Simulation()
        sim.installDevice(#"\\.\fast"#, driver: StockDriver(completion: .immediate, source: .repeating(Array("ab".utf8))))
        let memory = scenarioMemory()
        let r = record()
        sim.run {
            let h = openDevice(#"\\.\fast"#)
            SetLastError(0xDEAD)
            XCTAssertTrue(ReadFileEx(h, memory.buffer(4), 4, overlapped(r), recordCompletion))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_SUCCESS), "F-RFX-7: a clean synchronous success reports ERROR_SUCCESS")
            XCTAssertEqual(r.pointee.calls, 0)
            XCTAssertEqual(internalStatus(overlapped(r)), STATUS_SUCCESS)
            XCTAssertEqual(r.pointee.overlapped.InternalHigh, 4)
            XCTAssertEqual(SleepEx(0, true), WAIT_IO_COMPLETION)
            XCTAssertEqual(r.pointee.calls, 1)
            XCTAssertEqual(r.pointee.bytes, 4)
        }
    }

    /// F-RFX-3: FALSE means the routine never runs.
    func testSynchronousFailureNeverCallsTheRoutine() {
        let memory = scenarioMemory()
        let r = record()
        sim.run {
            let bogus = HANDLE(bitPattern: 0x1000)
            XCTAssertFalse(ReadFileEx(bogus, memory.buffer(4), 4, overlapped(r), recordCompletion))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_HANDLE))
            XCTAssertEqual(SleepEx(0, true), 0)
            XCTAssertEqual(r.pointee.calls, 0)
            XCTAssertFalse(ReadFileEx(bogus, memory.buffer(4), 4, nil, recordCompletion))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_PARAMETER))
        }
    }
}
