import IOKernel
import Win32Surface
import XCTest

// MARK: - The seed's DoCancelableRead, ported

/// The `DoCancelableRead` of "Canceling Pending I/O Operations" (seed
/// `canceling-pending-io-operations.txt`), line for line against the Win32 surface, with the one
/// correction the seed needs (win32-facts F-DOC-1): while the read is pending,
/// `GetOverlappedResult(bWait: FALSE)` reports `ERROR_IO_INCOMPLETE` (F-GOR-4), so that is the
/// error the poll loop must tolerate.
///
/// `afterCancelIoEx` is a test probe, not part of the sample: it runs right after `CancelIoEx`
/// returns (with its result), so a test can look at the `OVERLAPPED` at that exact moment. It
/// must not change the last error.
private func DoCancelableRead(_ hFile: HANDLE?, _ lpBuffer: LPVOID?, _ nNumberOfBytesToRead: DWORD,
                              _ lpNumberOfBytesRead: inout DWORD, _ lpOverlapped: LPOVERLAPPED, _ dwTimeout: DWORD,
                              _ pbCancelCalled: inout Bool, afterCancelIoEx: (Bool) -> Void = { _ in }) -> Bool
{
    cancelableRead(hFile, lpBuffer, nNumberOfBytesToRead, &lpNumberOfBytesRead, lpOverlapped, dwTimeout, &pbCancelCalled,
                   stillPendingError: ERROR_IO_INCOMPLETE, afterCancelIoEx: afterCancelIoEx)
}

/// The sample exactly as Microsoft wrote it: the poll loop treats every error other than
/// `ERROR_IO_PENDING` as fatal (F-DOC-1).
private func DoCancelableReadAsWritten(_ hFile: HANDLE?, _ lpBuffer: LPVOID?, _ nNumberOfBytesToRead: DWORD,
                                       _ lpNumberOfBytesRead: inout DWORD, _ lpOverlapped: LPOVERLAPPED, _ dwTimeout: DWORD,
                                       _ pbCancelCalled: inout Bool) -> Bool
{
    cancelableRead(hFile, lpBuffer, nNumberOfBytesToRead, &lpNumberOfBytesRead, lpOverlapped, dwTimeout, &pbCancelCalled,
                   stillPendingError: ERROR_IO_PENDING, afterCancelIoEx: { _ in })
}

/// The body of the sample; `stillPendingError` is the one line where the two versions differ.
private func cancelableRead(_ hFile: HANDLE?, _ lpBuffer: LPVOID?, _ nNumberOfBytesToRead: DWORD,
                            _ lpNumberOfBytesRead: inout DWORD, _ lpOverlapped: LPOVERLAPPED, _ dwTimeout: DWORD,
                            _ pbCancelCalled: inout Bool, stillPendingError: Int32,
                            afterCancelIoEx: (Bool) -> Void) -> Bool
{
    var result: Bool
    var waitTimer: DWORD
    var bIoComplete = false
    let PollInterval: DWORD = 100  // milliseconds

    // Initialize "out" parameters
    pbCancelCalled = false
    lpNumberOfBytesRead = 0

    // Perform the I/O, in this case a read operation.
    result = ReadFile(hFile, lpBuffer, nNumberOfBytesToRead, &lpNumberOfBytesRead, lpOverlapped)
    if result == false {
        if GetLastError() != DWORD(ERROR_IO_PENDING) {
            // The function call failed.
            return false
        }
    } else {
        // The I/O completed, done.
        return true
    }

    // The I/O is pending, so wait and see if the call times out.
    // If so, cancel the I/O using the CancelIoEx function.
    waitTimer = 0
    while waitTimer < dwTimeout {
        result = GetOverlappedResult(hFile, lpOverlapped, &lpNumberOfBytesRead, false)
        if result == false {
            if GetLastError() != DWORD(stillPendingError) {
                // The function call failed.
                return false
            }
            Sleep(PollInterval)
        } else {
            bIoComplete = true
            break
        }
        waitTimer += PollInterval
    }

    if bIoComplete == false {
        result = CancelIoEx(hFile, lpOverlapped)
        afterCancelIoEx(result)

        pbCancelCalled = true

        if result == true || GetLastError() != DWORD(ERROR_NOT_FOUND) {
            // Wait for the I/O subsystem to acknowledge our cancellation: the read completes
            // cancelled, or normally if it was completing anyway or the device does not support
            // cancellation.
            result = GetOverlappedResult(hFile, lpOverlapped, &lpNumberOfBytesRead, true)
        }
    }

    return result
}

// MARK: - Helpers

/// What every test device reads: a known message, once (so "bytes == data length" is the
/// message's length, not the request's).
private let message = Array("cancel me if you can".utf8)

/// The trace entries recording a Win32 call whose text starts with `prefix`.
private func calls(_ trace: Trace, _ prefix: String) -> [TraceEntry] {
    trace.entries.filter { if case .call(let text, _) = $0.event { text.hasPrefix(prefix) } else { false } }
}

/// The index and time of the first trace entry equal to `event`.
private func firstEntry(_ trace: Trace, _ event: TraceEvent) -> (index: Int, ms: UInt64)? {
    guard let index = trace.entries.firstIndex(where: { $0.event == event }) else { return nil }
    return (index, trace.entries[index].time.milliseconds)
}

/// Every `cancelRequested` event in the trace.
private func cancelRequests(_ trace: Trace) -> [TraceEvent] {
    trace.events.filter { if case .cancelRequested = $0 { true } else { false } }
}

/// The id of the read IRP the device holds, oldest first.
private func pendingReadIDs(_ device: StockDriver) -> [Int] { device.pending.map(\.id) }

/// Whether the event behind `handle` is signalled, read without a kernel call (a wait would
/// consume nothing from a manual-reset event, but this changes no state at all).
private func isSignalled(_ sim: Simulation, _ handle: HANDLE?) -> Bool { sim.object(handle)?.isSignaled ?? false }

// MARK: - The tests

/// "Canceling Pending I/O Operations" (seed `canceling-pending-io-operations.txt`): the
/// asynchronous half. Its `DoCancelableRead` runs against devices chosen by behaviour, and the
/// rules it relies on (CancelIo, CancelIoEx targeted and not, what "found" means) are pinned
/// one by one.
final class CancelingPendingIOTests: XCTestCase {
    // MARK: DoCancelableRead against devices chosen by behaviour

    /// F-DOC-1: the sample as written checks ERROR_IO_PENDING in its poll loop, but Windows
    /// reports ERROR_IO_INCOMPLETE for a pending request (F-GOR-4). So it gives up on its very
    /// first poll, at 0 ms, returning FALSE while the read is still in flight; its caller now
    /// believes the OVERLAPPED and the buffer are free, and the kernel writes both at 250 ms
    /// anyway (the free-too-early bug of F-RC-2).
    func testTheSampleAsWrittenGivesUpOnItsFirstPollWhileTheReadIsInFlight() {
        let sim = Simulation(options: SimulationOptions(tracing: true))
        let device = StockDriver(completion: .after(.milliseconds(250)), source: .bytes(message))
        sim.installDevice(#"\\.\disk"#, driver: device)
        let memory = scenarioMemory()
        sim.run {
            let h = openDevice(#"\\.\disk"#)
            let ov = memory.overlapped(event: manualEvent())
            let buffer = memory.buffer(64)
            var read: DWORD = 0xDEAD
            var cancelCalled = true

            let ok = DoCancelableReadAsWritten(h, buffer, 64, &read, ov, 1000, &cancelCalled)

            XCTAssertFalse(ok, "the sample reports failure")
            XCTAssertEqual(GetLastError(), DWORD(ERROR_IO_INCOMPLETE), "…because of the pending poll's error")
            XCTAssertEqual(GetTickCount64(), 0, "on its first poll, before any Sleep")
            XCTAssertFalse(cancelCalled)
            XCTAssertEqual(read, 0)
            XCTAssertEqual(internalStatus(ov), STATUS_PENDING, "the OVERLAPPED is still in use")
            XCTAssertEqual(pendingReadIDs(device).count, 1, "the read is still in the device")
            XCTAssertEqual(calls(sim.trace, "GetOverlappedResult(").count, 1)
            XCTAssertEqual(calls(sim.trace, "Sleep(").count, 0)
            XCTAssertEqual(calls(sim.trace, "CancelIoEx(").count, 0)

            // The caller moves on; the kernel still owns its memory and writes it at 250 ms.
            Sleep(300)
            XCTAssertEqual(internalStatus(ov), STATUS_SUCCESS)
            XCTAssertEqual(ov.pointee.InternalHigh, ULONG_PTR(message.count))
            XCTAssertEqual(string(buffer, message.count), String(decoding: message, as: UTF8.self))
        }
        let write = sim.trace.entries.first { if case .wroteStatus = $0.event { true } else { false } }
        XCTAssertEqual(write?.time.milliseconds, 250, "the kernel wrote the 'finished' OVERLAPPED after the sample returned")
    }

    /// A device that finishes in time (250 ms, timeout 1000 ms). The corrected loop polls at
    /// 0, 100 and 200 ms (each ERROR_IO_INCOMPLETE, then Sleep(100)); the device completes the
    /// read at 250 ms, inside the third Sleep, and the poll at 300 ms sees it. So the routine
    /// returns TRUE at exactly 300 ms virtual time, after four polls and three sleeps, without
    /// calling CancelIoEx.
    func testDeviceThatFinishesInTimeIsNotCancelled() {
        let sim = Simulation(options: SimulationOptions(tracing: true))
        let device = StockDriver(completion: .after(.milliseconds(250)), source: .bytes(message))
        sim.installDevice(#"\\.\disk"#, driver: device)
        let memory = scenarioMemory()
        sim.run {
            let h = openDevice(#"\\.\disk"#)
            let ov = memory.overlapped(event: manualEvent())
            let buffer = memory.buffer(64)
            var read: DWORD = 0xDEAD
            var cancelCalled = true

            let ok = DoCancelableRead(h, buffer, 64, &read, ov, 1000, &cancelCalled)

            XCTAssertTrue(ok)
            XCTAssertEqual(read, DWORD(message.count), "the bytes the device had, not the 64 asked for")
            XCTAssertEqual(string(buffer, message.count), String(decoding: message, as: UTF8.self))
            XCTAssertFalse(cancelCalled)
            XCTAssertEqual(internalStatus(ov), STATUS_SUCCESS)
            XCTAssertEqual(GetTickCount64(), 300)
        }
        XCTAssertEqual(calls(sim.trace, "GetOverlappedResult(").map(\.time.milliseconds), [0, 100, 200, 300])
        XCTAssertEqual(calls(sim.trace, "Sleep(").map(\.time.milliseconds), [100, 200, 300], "each Sleep(100) returning")
        XCTAssertEqual(calls(sim.trace, "CancelIoEx(").count, 0)
        XCTAssertEqual(cancelRequests(sim.trace), [])
        let completed = sim.trace.entries.first { if case .irpCompleted(_, .success, message.count) = $0.event { true } else { false } }
        XCTAssertEqual(completed?.time.milliseconds, 250)
    }

    /// A device that never finishes on its own but supports cancellation. After ten polls
    /// (0…900 ms) and ten sleeps the timeout is reached at 1000 ms; CancelIoEx finds the read
    /// and the driver's cancel routine completes it inside the call, so the OVERLAPPED already
    /// says STATUS_CANCELLED when CancelIoEx returns (F-CAN-10). The bWait wait returns at once:
    /// FALSE, ERROR_OPERATION_ABORTED, 0 bytes (F-GOR-7, F-OVL-5).
    func testDeviceThatDoesNotFinishIsCancelledAtTheTimeout() throws {
        let sim = Simulation(options: SimulationOptions(tracing: true))
        let device = StockDriver(completion: .manual, cancellation: .supported, source: .bytes(message))
        sim.installDevice(#"\\.\slow"#, driver: device)
        let memory = scenarioMemory()
        sim.run {
            let h = openDevice(#"\\.\slow"#)
            let event = manualEvent()
            let ov = memory.overlapped(event: event)
            var read: DWORD = 0xDEAD
            var cancelCalled = false
            var statusWhenCancelReturned: DWORD = 0
            var signalledWhenCancelReturned = false

            let ok = DoCancelableRead(h, memory.buffer(64), 64, &read, ov, 1000, &cancelCalled) { found in
                XCTAssertTrue(found, "CancelIoEx found the pending read")
                statusWhenCancelReturned = internalStatus(ov)
                signalledWhenCancelReturned = isSignalled(sim, event)
            }

            XCTAssertFalse(ok)
            XCTAssertEqual(GetLastError(), DWORD(ERROR_OPERATION_ABORTED))
            XCTAssertEqual(read, 0)
            XCTAssertTrue(cancelCalled)
            XCTAssertEqual(internalStatus(ov), STATUS_CANCELLED)
            XCTAssertEqual(ov.pointee.InternalHigh, 0)
            XCTAssertEqual(statusWhenCancelReturned, STATUS_CANCELLED)
            XCTAssertTrue(signalledWhenCancelReturned)
            XCTAssertEqual(GetTickCount64(), 1000, "exactly the timeout: the cancel did not wait")
        }
        XCTAssertTrue(sim.irpsInFlight.isEmpty, "nothing left in flight")
        XCTAssertEqual(calls(sim.trace, "GetOverlappedResult(").count, 11, "ten polls and the final wait")
        XCTAssertEqual(calls(sim.trace, "Sleep(").count, 10)

        // The order: cancel routine called, driver completes the IRP as cancelled, the kernel
        // writes the OVERLAPPED, and only then does CancelIoEx return; all at 1000 ms.
        let cancel = try XCTUnwrap(cancelRequests(sim.trace).first)
        guard case .cancelRequested(let irp, true) = cancel else { return XCTFail("no cancel routine was called: \(cancel)") }
        let requested = try XCTUnwrap(firstEntry(sim.trace, cancel))
        let completed = try XCTUnwrap(firstEntry(sim.trace, .irpCompleted(irp: irp, status: .cancelled, information: 0)))
        let cancelReturned = try XCTUnwrap(calls(sim.trace, "CancelIoEx(").first)
        let cancelReturnedIndex = try XCTUnwrap(sim.trace.entries.firstIndex(of: cancelReturned))
        XCTAssertLessThan(requested.index, completed.index)
        XCTAssertLessThan(completed.index, cancelReturnedIndex)
        XCTAssertEqual([requested.ms, completed.ms, cancelReturned.time.milliseconds], [1000, 1000, 1000])
        XCTAssertEqual(cancelReturned.event, .call(cancelText(cancelReturned), result: "TRUE"))
        XCTAssertTrue(sim.bugChecks.isEmpty)
    }

    /// A device that ignores cancellation (no cancel routine) and finishes at 5 s. CancelIoEx
    /// at the 1000 ms timeout still *finds* the read, so it returns TRUE (found is not
    /// cancelled, nt-io-model §3.4), and the read is still pending when it returns. The sample's
    /// bWait wait then blocks until the device completes the read normally at 5000 ms: TRUE,
    /// with the data. The cancel came too late to matter, and completion is not failure
    /// (F-CAN-8, F-RC-4, F-RC-5).
    func testDeviceThatIgnoresCancellationCompletesNormallyAfterTheCancel() throws {
        let sim = Simulation(options: SimulationOptions(tracing: true))
        let device = StockDriver(completion: .after(.seconds(5)), cancellation: .ignored, source: .bytes(message))
        sim.installDevice(#"\\.\stubborn"#, driver: device)
        let memory = scenarioMemory()
        sim.run {
            let h = openDevice(#"\\.\stubborn"#)
            let ov = memory.overlapped(event: manualEvent())
            let buffer = memory.buffer(64)
            var read: DWORD = 0xDEAD
            var cancelCalled = false
            var cancelResult: Bool?
            var statusWhenCancelReturned: DWORD = 0

            let ok = DoCancelableRead(h, buffer, 64, &read, ov, 1000, &cancelCalled) { found in
                cancelResult = found
                statusWhenCancelReturned = internalStatus(ov)
            }

            XCTAssertEqual(cancelResult, true, "CancelIoEx found the read")
            XCTAssertEqual(statusWhenCancelReturned, STATUS_PENDING, "…and left it running")
            XCTAssertTrue(ok, "the read succeeded despite the cancel")
            XCTAssertTrue(cancelCalled)
            XCTAssertEqual(read, DWORD(message.count))
            XCTAssertEqual(string(buffer, message.count), String(decoding: message, as: UTF8.self))
            XCTAssertEqual(internalStatus(ov), STATUS_SUCCESS)
            XCTAssertEqual(GetTickCount64(), 5000, "the bWait wait blocked until the device finished")
        }
        let cancel = try XCTUnwrap(cancelRequests(sim.trace).first)
        guard case .cancelRequested(let irp, false) = cancel else { return XCTFail("a cancel routine was called: \(cancel)") }
        let requested = try XCTUnwrap(firstEntry(sim.trace, cancel))
        let completed = try XCTUnwrap(firstEntry(sim.trace, .irpCompleted(irp: irp, status: .success, information: message.count)))
        XCTAssertLessThan(requested.index, completed.index)
        XCTAssertEqual(requested.ms, 1000)
        XCTAssertEqual(completed.ms, 5000)
        let wait = try XCTUnwrap(calls(sim.trace, "GetOverlappedResult(").last)
        XCTAssertEqual(wait.time.milliseconds, 5000)
        XCTAssertTrue(sim.bugChecks.isEmpty)
    }

    /// A device that completes just as the cancel is issued: it finishes at 1000 ms, the
    /// instant the tenth Sleep(100) ends. The device's timer was set at 0 ms (by ReadFile), the
    /// Sleep's deadline at 900 ms, so at the tie the device fires first, and the read's
    /// completion processing runs in the sleeping thread before Sleep returns. The loop has
    /// then used up its timeout (no eleventh poll), so CancelIoEx is called on a request that is
    /// no longer outstanding: FALSE, ERROR_NOT_FOUND (F-CAN-7). The sample skips the bWait wait
    /// and returns that FALSE, although the read succeeded: its caller must still read the
    /// result from the OVERLAPPED (F-RC-4).
    func testDeviceThatCompletesJustAsTheCancelIsIssued() throws {
        let sim = Simulation(options: SimulationOptions(tracing: true))
        let device = StockDriver(completion: .after(.milliseconds(1000)), source: .bytes(message))
        sim.installDevice(#"\\.\disk"#, driver: device)
        let memory = scenarioMemory()
        sim.run {
            let h = openDevice(#"\\.\disk"#)
            let ov = memory.overlapped(event: manualEvent())
            let buffer = memory.buffer(64)
            var read: DWORD = 0xDEAD
            var cancelCalled = false
            var cancelResult: Bool?
            var errorWhenCancelReturned: DWORD = 0
            var statusWhenCancelReturned: DWORD = 0

            let ok = DoCancelableRead(h, buffer, 64, &read, ov, 1000, &cancelCalled) { found in
                cancelResult = found
                errorWhenCancelReturned = GetLastError()
                statusWhenCancelReturned = internalStatus(ov)
            }

            XCTAssertEqual(cancelResult, false)
            XCTAssertEqual(errorWhenCancelReturned, DWORD(ERROR_NOT_FOUND))
            XCTAssertEqual(statusWhenCancelReturned, STATUS_SUCCESS, "already completed when CancelIoEx ran")
            XCTAssertFalse(ok, "the sample returns CancelIoEx's FALSE")
            XCTAssertEqual(GetLastError(), DWORD(ERROR_NOT_FOUND))
            XCTAssertTrue(cancelCalled)
            XCTAssertEqual(read, 0, "no poll ever saw the result")
            XCTAssertEqual(GetTickCount64(), 1000)

            // The read did succeed: the caller has to look.
            var bytes: DWORD = 0xDEAD
            XCTAssertTrue(GetOverlappedResult(h, ov, &bytes, false))
            XCTAssertEqual(bytes, DWORD(message.count))
            XCTAssertEqual(string(buffer, message.count), String(decoding: message, as: UTF8.self))
        }
        XCTAssertEqual(cancelRequests(sim.trace), [], "nothing was left to cancel")
        XCTAssertEqual(calls(sim.trace, "GetOverlappedResult(").map(\.time.milliseconds),
                       [0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000],
                       "ten polls, no bWait wait, then the caller's own check")
        let completed = try XCTUnwrap(sim.trace.entries.firstIndex {
            if case .irpCompleted(_, .success, message.count) = $0.event { true } else { false }
        })
        let lastSleep = try XCTUnwrap(calls(sim.trace, "Sleep(").last)
        let lastSleepIndex = try XCTUnwrap(sim.trace.entries.firstIndex(of: lastSleep))
        let cancel = try XCTUnwrap(calls(sim.trace, "CancelIoEx(").first)
        let cancelIndex = try XCTUnwrap(sim.trace.entries.firstIndex(of: cancel))
        XCTAssertLessThan(completed, lastSleepIndex, "the device fired before the last Sleep returned")
        XCTAssertLessThan(lastSleepIndex, cancelIndex)
        XCTAssertEqual(sim.trace.entries[completed].time.milliseconds, 1000)
        XCTAssertEqual(cancel.event, .call(cancelText(cancel), result: "FALSE, ERROR_NOT_FOUND"))
    }

    /// A device whose cancel path is slow (it takes 40 ms to finish a cancelled read).
    /// CancelIoEx only requests the cancellation and never waits (F-CAN-10, F-DOC-6): it
    /// returns TRUE at 1000 ms with the OVERLAPPED still STATUS_PENDING and the event not set.
    /// The sample's bWait wait is what waits: it returns at 1040 ms with
    /// ERROR_OPERATION_ABORTED (F-CAN-13).
    func testSlowCancelIsOnlyRequestedByCancelIoExAndAwaitedByTheWait() throws {
        let sim = Simulation(options: SimulationOptions(tracing: true))
        let device = StockDriver(completion: .manual, cancellation: .slow(.milliseconds(40)), source: .bytes(message))
        sim.installDevice(#"\\.\busy"#, driver: device)
        let memory = scenarioMemory()
        sim.run {
            let h = openDevice(#"\\.\busy"#)
            let event = manualEvent()
            let ov = memory.overlapped(event: event)
            var read: DWORD = 0xDEAD
            var cancelCalled = false
            var cancelResult: Bool?
            var statusWhenCancelReturned: DWORD = 0
            var signalledWhenCancelReturned = true
            var timeWhenCancelReturned: UInt64 = 0

            let ok = DoCancelableRead(h, memory.buffer(64), 64, &read, ov, 1000, &cancelCalled) { found in
                cancelResult = found
                statusWhenCancelReturned = internalStatus(ov)
                signalledWhenCancelReturned = isSignalled(sim, event)
                timeWhenCancelReturned = GetTickCount64()
            }

            XCTAssertEqual(cancelResult, true)
            XCTAssertEqual(statusWhenCancelReturned, STATUS_PENDING, "CancelIoEx does not wait")
            XCTAssertFalse(signalledWhenCancelReturned)
            XCTAssertEqual(timeWhenCancelReturned, 1000)
            XCTAssertFalse(ok)
            XCTAssertEqual(GetLastError(), DWORD(ERROR_OPERATION_ABORTED))
            XCTAssertEqual(read, 0)
            XCTAssertTrue(cancelCalled)
            XCTAssertEqual(internalStatus(ov), STATUS_CANCELLED)
            XCTAssertEqual(GetTickCount64(), 1040, "timeout + the driver's 40 ms")
        }
        let cancel = try XCTUnwrap(cancelRequests(sim.trace).first)
        guard case .cancelRequested(let irp, true) = cancel else { return XCTFail("no cancel routine was called: \(cancel)") }
        let requested = try XCTUnwrap(firstEntry(sim.trace, cancel))
        let completed = try XCTUnwrap(firstEntry(sim.trace, .irpCompleted(irp: irp, status: .cancelled, information: 0)))
        let cancelReturned = try XCTUnwrap(calls(sim.trace, "CancelIoEx(").first)
        let cancelReturnedIndex = try XCTUnwrap(sim.trace.entries.firstIndex(of: cancelReturned))
        XCTAssertLessThan(requested.index, cancelReturnedIndex)
        XCTAssertLessThan(cancelReturnedIndex, completed.index, "CancelIoEx returned before the IRP completed")
        XCTAssertEqual(requested.ms, 1000)
        XCTAssertEqual(cancelReturned.time.milliseconds, 1000)
        XCTAssertEqual(completed.ms, 1040)
        XCTAssertTrue(sim.bugChecks.isEmpty)
    }

    // MARK: Targeted CancelIoEx

    /// F-CAN-5, F-CAN-6, F-OVL-10: CancelIoEx matches on the OVERLAPPED's address. With an
    /// OVERLAPPED that no request in flight uses, it finds nothing: FALSE, ERROR_NOT_FOUND, and
    /// the pending read is untouched (no cancel request reaches it, it later completes
    /// normally).
    func testCancelIoExWithAnOverlappedNotInFlightFindsNothing() {
        let sim = Simulation(options: SimulationOptions(tracing: true))
        let device = StockDriver(completion: .manual, source: .bytes(message))
        sim.installDevice(#"\\.\slow"#, driver: device)
        let memory = scenarioMemory()
        sim.run {
            let h = openDevice(#"\\.\slow"#)
            let event = manualEvent()
            let ov = memory.overlapped(event: event)
            let other = memory.overlapped(event: manualEvent())
            let buffer = memory.buffer(64)
            XCTAssertFalse(ReadFile(h, buffer, 64, nil, ov))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_IO_PENDING))

            XCTAssertFalse(CancelIoEx(h, other))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_NOT_FOUND))

            XCTAssertEqual(internalStatus(ov), STATUS_PENDING)
            XCTAssertFalse(isSignalled(sim, event))
            XCTAssertEqual(device.pending.count, 1)
            XCTAssertEqual(device.pending.first?.isCancelRequested, false)
            XCTAssertEqual(internalStatus(other), STATUS_SUCCESS, "the unused OVERLAPPED is not written either")

            device.completeNext()
            var bytes: DWORD = 0xDEAD
            XCTAssertTrue(GetOverlappedResult(h, ov, &bytes, false))
            XCTAssertEqual(bytes, DWORD(message.count))
            XCTAssertEqual(string(buffer, message.count), String(decoding: message, as: UTF8.self))
        }
        XCTAssertEqual(cancelRequests(sim.trace), [])
    }

    /// F-CAN-6, F-CAN-7: the first CancelIoEx on a pending OVERLAPPED finds it (TRUE) and the
    /// read completes cancelled; the second finds nothing, because a completed request is no
    /// longer outstanding: FALSE, ERROR_NOT_FOUND. Only one cancel request reaches the IRP.
    func testCancelIoExTwiceOnTheSameOverlapped() {
        let sim = Simulation(options: SimulationOptions(tracing: true))
        sim.installDevice(#"\\.\slow"#, driver: StockDriver(completion: .manual))
        let memory = scenarioMemory()
        sim.run {
            let h = openDevice(#"\\.\slow"#)
            let ov = memory.overlapped(event: manualEvent())
            XCTAssertFalse(ReadFile(h, memory.buffer(64), 64, nil, ov))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_IO_PENDING))

            XCTAssertTrue(CancelIoEx(h, ov))
            XCTAssertEqual(internalStatus(ov), STATUS_CANCELLED)

            XCTAssertFalse(CancelIoEx(h, ov))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_NOT_FOUND))
            XCTAssertEqual(internalStatus(ov), STATUS_CANCELLED, "unchanged")

            var bytes: DWORD = 0xDEAD
            XCTAssertFalse(GetOverlappedResult(h, ov, &bytes, true))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_OPERATION_ABORTED))
            XCTAssertEqual(bytes, 0)
        }
        XCTAssertEqual(cancelRequests(sim.trace).count, 1)
    }

    // MARK: CancelIoEx(h, NULL)

    /// F-CAN-5, F-CAN-9: CancelIoEx(h, NULL) cancels every request on the file object. Three
    /// reads pending on three OVERLAPPEDs all complete with STATUS_CANCELLED, 0 bytes, and all
    /// three events are signalled (completion is not success). Afterwards nothing is pending, so
    /// the same call finds nothing: FALSE, ERROR_NOT_FOUND (F-CAN-6).
    func testCancelIoExWithNullCancelsEveryRequestOnTheFileObject() {
        let sim = Simulation(options: SimulationOptions(tracing: true))
        let device = StockDriver(completion: .manual)
        sim.installDevice(#"\\.\slow"#, driver: device)
        let memory = scenarioMemory()
        var ids: [Int] = []
        sim.run {
            let h = openDevice(#"\\.\slow"#)
            let events = (0..<3).map { _ in manualEvent() }
            let reads = events.map { memory.overlapped(event: $0) }
            for ov in reads {
                XCTAssertFalse(ReadFile(h, memory.buffer(64), 64, nil, ov))
                XCTAssertEqual(GetLastError(), DWORD(ERROR_IO_PENDING))
            }
            ids = pendingReadIDs(device)
            XCTAssertEqual(ids.count, 3)
            XCTAssertEqual(events.map { isSignalled(sim, $0) }, [false, false, false])

            XCTAssertTrue(CancelIoEx(h, nil))

            XCTAssertEqual(reads.map(internalStatus), [STATUS_CANCELLED, STATUS_CANCELLED, STATUS_CANCELLED])
            XCTAssertEqual(events.map { isSignalled(sim, $0) }, [true, true, true])
            for ov in reads {
                var bytes: DWORD = 0xDEAD
                XCTAssertFalse(GetOverlappedResult(h, ov, &bytes, false))
                XCTAssertEqual(GetLastError(), DWORD(ERROR_OPERATION_ABORTED))
                XCTAssertEqual(bytes, 0)
            }
            XCTAssertTrue(device.pending.isEmpty)

            XCTAssertFalse(CancelIoEx(h, nil), "nothing left to cancel")
            XCTAssertEqual(GetLastError(), DWORD(ERROR_NOT_FOUND))
        }
        XCTAssertEqual(cancelRequests(sim.trace), ids.map { .cancelRequested(irp: $0, cancelRoutineCalled: true) })
        for id in ids {
            XCTAssertNotNil(firstEntry(sim.trace, .irpCompleted(irp: id, status: .cancelled, information: 0)), "IRP#\(id)")
        }
    }

    /// F-CAN-6: CancelIoEx(h, NULL) on a file object with nothing pending: FALSE,
    /// ERROR_NOT_FOUND. (CancelIo, by contrast, says TRUE: see
    /// `testCancelIoReturnsTrueWithNothingPending`.)
    func testCancelIoExWithNullAndNothingPendingFindsNothing() {
        let sim = Simulation()
        sim.installDevice(#"\\.\slow"#, driver: StockDriver(completion: .manual))
        sim.run {
            let h = openDevice(#"\\.\slow"#)
            SetLastError(0)
            XCTAssertFalse(CancelIoEx(h, nil))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_NOT_FOUND))
        }
    }

    // MARK: The file object, not the handle

    /// F-CAN-3: cancellation targets the file object. Two handles opened separately on the
    /// same device are two file objects: CancelIoEx on one finds neither the other's OVERLAPPED
    /// (ERROR_NOT_FOUND) nor, with NULL, its read. A *duplicate* of the second handle names the
    /// same file object as it does, so it cancels that read.
    func testCancellationTargetsTheFileObjectNotTheHandle() throws {
        let sim = Simulation(options: SimulationOptions(tracing: true))
        let device = StockDriver(completion: .manual)
        sim.installDevice(#"\\.\slow"#, driver: device)
        let memory = scenarioMemory()
        sim.run {
            let h1 = openDevice(#"\\.\slow"#)
            let h2 = openDevice(#"\\.\slow"#)
            let file1 = sim.fileObject(h1)
            let file2 = sim.fileObject(h2)
            XCTAssertNotNil(file1)
            XCTAssertNotNil(file2)
            XCTAssertFalse(file1 === file2, "two opens, two file objects")

            let ov1 = memory.overlapped(event: manualEvent())
            let ov2 = memory.overlapped(event: manualEvent())
            XCTAssertFalse(ReadFile(h1, memory.buffer(64), 64, nil, ov1))
            XCTAssertFalse(ReadFile(h2, memory.buffer(64), 64, nil, ov2))
            XCTAssertEqual(device.pending.count, 2)

            XCTAssertFalse(CancelIoEx(h1, ov2), "ov2's read is on the other file object")
            XCTAssertEqual(GetLastError(), DWORD(ERROR_NOT_FOUND))
            XCTAssertEqual(internalStatus(ov2), STATUS_PENDING)

            XCTAssertTrue(CancelIoEx(h1, nil))
            XCTAssertEqual(internalStatus(ov1), STATUS_CANCELLED)
            XCTAssertEqual(internalStatus(ov2), STATUS_PENDING, "the other file object's read is untouched")
            XCTAssertEqual(device.pending.count, 1)
            XCTAssertEqual(device.pending.first.map { $0.fileObject === file2 }, true)
            XCTAssertEqual(device.pending.first?.isCancelRequested, false)

            var dup: HANDLE?
            XCTAssertTrue(DuplicateHandle(GetCurrentProcess(), h2, GetCurrentProcess(), &dup, 0, false,
                                          DWORD(DUPLICATE_SAME_ACCESS)))
            XCTAssertTrue(sim.fileObject(dup) === file2)
            XCTAssertTrue(CancelIoEx(dup, ov2), "another handle to the same file object")
            XCTAssertEqual(internalStatus(ov2), STATUS_CANCELLED)
            XCTAssertTrue(device.pending.isEmpty)
        }
        XCTAssertEqual(cancelRequests(sim.trace).count, 2)
    }

    // MARK: CancelIo

    /// F-CAN-2: CancelIo returns TRUE for a valid handle even when nothing is pending (NtCancelIoFile
    /// reports STATUS_SUCCESS), unlike CancelIoEx.
    func testCancelIoReturnsTrueWithNothingPending() {
        let sim = Simulation(options: SimulationOptions(tracing: true))
        sim.installDevice(#"\\.\slow"#, driver: StockDriver(completion: .manual))
        sim.run {
            let h = openDevice(#"\\.\slow"#)
            XCTAssertTrue(CancelIo(h))
            XCTAssertFalse(CancelIoEx(h, nil))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_NOT_FOUND))
        }
        XCTAssertEqual(cancelRequests(sim.trace), [])
    }

    /// F-CAN-1, F-CAN-5: CancelIo cancels the requests the *calling thread* issued on the file
    /// object; a read another thread issued on the same handle stays pending. CancelIoEx(h,
    /// NULL) reaches every thread of the process, so it then cancels the worker's read too
    /// (in the worker, which runs the cancel before the caller's CancelIoEx returns).
    func testCancelIoCancelsOnlyTheCallingThreadsRequests() {
        let sim = Simulation(options: SimulationOptions(tracing: true))
        let device = StockDriver(completion: .manual)
        sim.installDevice(#"\\.\slow"#, driver: device)
        let memory = scenarioMemory()
        sim.run {
            let h = openDevice(#"\\.\slow"#)
            let mainOv = memory.overlapped(event: manualEvent())
            let workerEvent = manualEvent()
            let workerOv = memory.overlapped(event: workerEvent)
            let done = manualEvent()
            XCTAssertFalse(ReadFile(h, memory.buffer(64), 64, nil, mainOv))

            // The worker issues its own read on the same handle, then waits (it must stay
            // alive: thread exit would cancel its I/O).
            var workerIssued = false
            let worker = spawn {
                workerIssued = !ReadFile(h, memory.buffer(64), 64, nil, workerOv) && GetLastError() == DWORD(ERROR_IO_PENDING)
                _ = WaitForSingleObject(done, INFINITE)
                return 0
            }
            Sleep(10)  // lets the worker run until it blocks
            XCTAssertTrue(workerIssued)
            XCTAssertEqual(device.pending.count, 2)

            XCTAssertTrue(CancelIo(h))
            XCTAssertEqual(internalStatus(mainOv), STATUS_CANCELLED, "the caller's own read")
            XCTAssertEqual(internalStatus(workerOv), STATUS_PENDING, "another thread's read is untouched")
            XCTAssertEqual(device.pending.count, 1)
            XCTAssertEqual(device.pending.first?.isCancelRequested, false)

            XCTAssertTrue(CancelIoEx(h, nil))
            XCTAssertEqual(internalStatus(workerOv), STATUS_CANCELLED)
            XCTAssertTrue(isSignalled(sim, workerEvent))
            XCTAssertTrue(device.pending.isEmpty)

            XCTAssertTrue(SetEvent(done))
            XCTAssertEqual(WaitForSingleObject(worker, INFINITE), WAIT_OBJECT_0)
        }
        XCTAssertEqual(cancelRequests(sim.trace).count, 2)
        XCTAssertTrue(sim.hangs.isEmpty)
    }

    // MARK: After completion

    /// F-CAN-7: CancelIoEx after the device completed the read finds nothing (FALSE,
    /// ERROR_NOT_FOUND), and the OVERLAPPED already holds the success result: STATUS_SUCCESS,
    /// the byte count, the data in the buffer.
    func testCancelIoExAfterTheDeviceCompletedFindsNothing() {
        let sim = Simulation(options: SimulationOptions(tracing: true))
        sim.installDevice(#"\\.\disk"#, driver: StockDriver(completion: .after(.milliseconds(50)), source: .bytes(message)))
        let memory = scenarioMemory()
        sim.run {
            let h = openDevice(#"\\.\disk"#)
            let ov = memory.overlapped(event: manualEvent())
            let buffer = memory.buffer(64)
            XCTAssertFalse(ReadFile(h, buffer, 64, nil, ov))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_IO_PENDING))
            Sleep(100)  // the device finishes at 50 ms

            XCTAssertFalse(CancelIoEx(h, ov))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_NOT_FOUND))

            XCTAssertEqual(internalStatus(ov), STATUS_SUCCESS)
            XCTAssertEqual(ov.pointee.InternalHigh, ULONG_PTR(message.count))
            var bytes: DWORD = 0xDEAD
            XCTAssertTrue(GetOverlappedResult(h, ov, &bytes, false))
            XCTAssertEqual(bytes, DWORD(message.count))
            XCTAssertEqual(string(buffer, message.count), String(decoding: message, as: UTF8.self))
        }
        XCTAssertEqual(cancelRequests(sim.trace), [])
    }

    /// nt-io-model §3.4: "found" means still in the driver. Once the driver has completed the
    /// read (stage 1), CancelIoEx no longer finds it, even though the completion processing
    /// that writes the OVERLAPPED has not run yet (it runs in the issuing thread). So another
    /// thread's CancelIoEx can fail with ERROR_NOT_FOUND while the OVERLAPPED still says
    /// STATUS_PENDING: only the issuer's next kernel transition fills it in, with success.
    func testCancelIoExBetweenDriverCompletionAndCompletionProcessingFindsNothing() {
        let sim = Simulation(options: SimulationOptions(tracing: true))
        let device = StockDriver(completion: .manual, source: .bytes(message))
        sim.installDevice(#"\\.\slow"#, driver: device)
        let memory = scenarioMemory()
        sim.run {
            let h = openDevice(#"\\.\slow"#)
            let ov = memory.overlapped(event: manualEvent())
            let buffer = memory.buffer(64)
            let go = manualEvent()
            XCTAssertFalse(ReadFile(h, buffer, 64, nil, ov))

            var cancelFound: Bool?
            var cancelError: DWORD = 0
            var statusSeenByWorker: DWORD = 0
            _ = spawn {
                device.completeNext()  // stage 1; stage 2 is queued to the main thread
                cancelFound = CancelIoEx(h, ov)
                cancelError = GetLastError()
                statusSeenByWorker = internalStatus(ov)
                _ = SetEvent(go)
                return 0
            }
            XCTAssertEqual(WaitForSingleObject(go, INFINITE), WAIT_OBJECT_0)

            XCTAssertEqual(cancelFound, false)
            XCTAssertEqual(cancelError, DWORD(ERROR_NOT_FOUND))
            XCTAssertEqual(statusSeenByWorker, STATUS_PENDING, "completed by the driver, not yet written")
            XCTAssertEqual(internalStatus(ov), STATUS_SUCCESS, "written once the main thread ran its completion work")
            var bytes: DWORD = 0xDEAD
            XCTAssertTrue(GetOverlappedResult(h, ov, &bytes, false))
            XCTAssertEqual(bytes, DWORD(message.count))
        }
        XCTAssertEqual(cancelRequests(sim.trace), [])
        XCTAssertTrue(sim.hangs.isEmpty)
    }
}

/// The text of a `.call` trace event (for comparing a whole call event with a result).
private func cancelText(_ entry: TraceEntry) -> String {
    if case .call(let text, _) = entry.event { return text }
    return ""
}
