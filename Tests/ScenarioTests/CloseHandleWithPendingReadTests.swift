import IOKernel
import Win32Surface
import XCTest

/// Raymond Chen, "Why doesn't my asynchronous read operation complete when I close the handle?"
/// (seeds `close-handle-with-pending-read.txt` and `…-and-comments.txt`; win32-facts F-RC-1).
///
/// A customer closed the file handle to make a pending overlapped read fail, and nothing
/// completed: the read holds its own reference to the file object, so closing the handle only
/// drops the handle count. Whether the read ever completes is the driver's decision at
/// `IRP_MJ_CLEANUP`; the right way is to cancel, wait, and only then close.
///
/// Every test asserts the file object's handle count and pointer count at each step, and when
/// `IRP_MJ_CLEANUP` and `IRP_MJ_CLOSE` were sent (nt-io-model §1, §8.2).
///
/// Handles are all created before the first close: the handle table reuses a closed value for
/// the next handle created (last in, first out), and a stale handle would then name the new
/// object instead of nothing.
final class CloseHandleWithPendingReadTests: XCTestCase {
    private let path = #"\\.\slow"#

    /// The stage every story here starts from: a device with `device`'s policies at `path`, an
    /// overlapped handle `h` to it, an `OVERLAPPED` with its own manual-reset event `ev`, a
    /// 64-byte buffer, and the handle's file object. The story runs as the main thread, and no
    /// driver rule may be broken along the way.
    private func onDevice(_ device: StockDriver, tracing: Bool = false,
                          _ story: (Simulation, StockDriver, HANDLE?, HANDLE?, LPOVERLAPPED, UnsafeMutableRawPointer, FileObject) -> Void,
                          file: StaticString = #filePath, line: UInt = #line)
    {
        let sim = Simulation(options: SimulationOptions(tracing: tracing))
        sim.installDevice(path, driver: device)
        let memory = scenarioMemory()
        sim.run {
            let h = openDevice(path)
            let ev = manualEvent()
            let ov = memory.overlapped(event: ev)
            let buffer = memory.buffer(64)
            guard let fileObject = sim.fileObject(h) else {
                return XCTFail("CreateFileA did not open a file object", file: file, line: line)
            }
            story(sim, device, h, ev, ov, buffer, fileObject)
        }
        XCTAssertEqual(sim.bugChecks, [], file: file, line: line)
    }

    // MARK: - The seed: closing the handle does not complete the read

    /// The seed's story on a driver that ignores cleanup (nt-io-model §8.6 item 1): after
    /// `CloseHandle` the `!object` picture is HandleCount 0 / PointerCount 1, cleanup sent, close
    /// not sent, and the read is still pending however long one waits. When the device finally
    /// finishes, the read completes normally, and only then is `IRP_MJ_CLOSE` sent.
    func testPendingReadSurvivesCloseOnDriverThatIgnoresCleanup() {
        let sim = Simulation(options: SimulationOptions(tracing: true))
        let device = StockDriver(completion: .manual, cleanup: .ignoresPending)
        sim.installDevice(path, driver: device)
        let memory = scenarioMemory()
        sim.run {
            let h = openDevice(path)
            let ev = manualEvent()
            let ov = memory.overlapped(event: ev)
            let buffer = memory.buffer(64)
            guard let file = sim.fileObject(h), let event = sim.object(ev) else {
                return XCTFail("CreateFileA or CreateEventW did not open an object")
            }
            // The handle holds the only reference.
            assertState(file, handles: 1, pointers: 1, cleanupSent: false, closeSent: false)

            XCTAssertFalse(ReadFile(h, buffer, 64, nil, ov))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_IO_PENDING))
            // The read references the file object and the event for as long as it lives
            // (nt-io-model §1.2).
            assertState(file, handles: 1, pointers: 2, cleanupSent: false, closeSent: false)
            XCTAssertEqual(event.pointerCount, 2)
            guard let read = device.pending.first else { return XCTFail("the read is not pending in the driver") }
            XCTAssertEqual(device.pending.count, 1)

            sim.note("shutting down: close the handle, expecting the read to fail")
            XCTAssertTrue(CloseHandle(h))
            // The last handle went: cleanup was sent and the driver ignored it. The read's own
            // reference keeps the object alive (F-CLOSE-2, F-CLOSE-3; nt-io-model §1.5).
            assertState(file, handles: 0, pointers: 1, cleanupSent: true, closeSent: false)
            XCTAssertFalse(file.isDeleted)
            XCTAssertEqual(device.cleanupCount, 1)
            XCTAssertEqual(device.closeCount, 0)
            XCTAssertNil(sim.fileObject(h), "the handle value names nothing any more")
            XCTAssertEqual(sim.irps(on: file).map(\.id), [read.id])
            XCTAssertEqual(read.state, .pending)
            XCTAssertFalse(read.isCancelRequested, "closing a handle cancels nothing")
            let dump = sim.dump(file)
            XCTAssertEqual(dump.handleCount, 0)
            XCTAssertEqual(dump.pointerCount, 1)
            XCTAssertEqual(dump.cleanupSent, true)
            XCTAssertEqual(dump.closeSent, false)
            XCTAssertEqual(dump.liveIRPs.map(\.id), [read.id])

            // Nothing completed: not ERROR_INVALID_HANDLE, not anything (F-RC-1).
            XCTAssertEqual(internalStatus(ov), STATUS_PENDING)
            XCTAssertEqual(ov.pointee.InternalHigh, 0)
            XCTAssertFalse(HasOverlappedIoCompleted(ov))
            XCTAssertEqual(WaitForSingleObject(ev, 0), DWORD(WAIT_TIMEOUT))
            // F-GOR-4: still pending, so ERROR_IO_INCOMPLETE and the byte count is not written.
            var transferred: DWORD = 0xDEAD
            XCTAssertFalse(GetOverlappedResult(h, ov, &transferred, false))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_IO_INCOMPLETE))
            XCTAssertEqual(transferred, 0xDEAD)

            // Waiting does not help: the customer's read "remained outstanding".
            let beforeWait = GetTickCount64()
            XCTAssertEqual(WaitForSingleObject(ev, 500), DWORD(WAIT_TIMEOUT))
            XCTAssertEqual(GetTickCount64() - beforeWait, 500)
            XCTAssertEqual(internalStatus(ov), STATUS_PENDING)
            assertState(file, handles: 0, pointers: 1, cleanupSent: true, closeSent: false)

            sim.note("much later, the device finishes the read")
            XCTAssertTrue(device.completeNext(data: Array("hello".utf8)) === read)
            // An ordinary, successful completion, delivered through the OVERLAPPED and the
            // event, then the last reference goes and IRP_MJ_CLOSE is sent (nt-io-model §2.5).
            XCTAssertEqual(internalStatus(ov), STATUS_SUCCESS)
            XCTAssertEqual(ov.pointee.InternalHigh, 5)
            XCTAssertEqual(string(buffer, 6), "hello\0")
            XCTAssertEqual(WaitForSingleObject(ev, 0), WAIT_OBJECT_0)
            assertState(file, handles: 0, pointers: 0, cleanupSent: true, closeSent: true)
            XCTAssertTrue(file.isDeleted)
            XCTAssertEqual(device.cleanupCount, 1)
            XCTAssertEqual(device.closeCount, 1)
            XCTAssertEqual(event.pointerCount, 1, "the read released the event")
            XCTAssertEqual(sim.irpsInFlight.count, 0)
            // F-GOR-1: a completed OVERLAPPED is read without looking at the (closed) handle.
            XCTAssertTrue(GetOverlappedResult(h, ov, &transferred, true))
            XCTAssertEqual(transferred, 5)

            XCTAssertTrue(CloseHandle(ev))
            XCTAssertEqual(sim.openHandleCount, 0)

            // The timeline: cleanup at the close, the completion 500 ms later, close after it.
            let lifecycle = lifecycleEntries(sim.trace, file: file, read: read)
            XCTAssertEqual(lifecycle.map(\.event), [
                .cleanupSent(file: file.id),
                .cleanupCompleted(file: file.id, status: .success),
                .irpCompleted(irp: read.id, status: .success, information: 5),
                .irpDelivered(irp: read.id, notified: true),
                .closeSent(file: file.id),
            ])
            XCTAssertEqual(lifecycle.map(\.time.milliseconds), [0, 0, 500, 500, 500])
        }
        XCTAssertEqual(sim.bugChecks, [])
        XCTAssertEqual(sim.hangs, [])
    }

    /// F-CAN-4, F-CLOSE-12: once the handle is closed it cannot reach the orphaned read.
    /// `CancelIoEx` (with or without the `OVERLAPPED`) and `CancelIo` fail with
    /// `ERROR_INVALID_HANDLE` and request nothing; a new read fails the same way without
    /// touching its event. Only the device can still end the read.
    func testCancelOnClosedHandleFailsWithInvalidHandle() {
        let sim = Simulation()
        let device = StockDriver(completion: .manual, cleanup: .ignoresPending)
        sim.installDevice(path, driver: device)
        let memory = scenarioMemory()
        sim.run {
            let h = openDevice(path)
            let ov = memory.overlapped(event: manualEvent())
            let signalled = manualEvent()
            let ov2 = memory.overlapped(event: signalled)
            let buffer = memory.buffer(64)
            guard let file = sim.fileObject(h) else { return XCTFail("CreateFileA did not open a file object") }

            XCTAssertFalse(ReadFile(h, buffer, 64, nil, ov))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_IO_PENDING))
            guard let read = device.pending.first else { return XCTFail("the read is not pending in the driver") }
            assertState(file, handles: 1, pointers: 2, cleanupSent: false, closeSent: false)

            XCTAssertTrue(CloseHandle(h))
            assertState(file, handles: 0, pointers: 1, cleanupSent: true, closeSent: false)

            SetLastError(0)
            XCTAssertFalse(CancelIoEx(h, ov))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_HANDLE))
            SetLastError(0)
            XCTAssertFalse(CancelIoEx(h, nil))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_HANDLE))
            SetLastError(0)
            XCTAssertFalse(CancelIo(h))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_HANDLE))
            // Nothing was even requested of the driver.
            XCTAssertFalse(read.isCancelRequested)
            XCTAssertEqual(read.state, .pending)
            XCTAssertEqual(internalStatus(ov), STATUS_PENDING)
            XCTAssertEqual(WaitForSingleObject(ov.pointee.hEvent, 0), DWORD(WAIT_TIMEOUT))
            assertState(file, handles: 0, pointers: 1, cleanupSent: true, closeSent: false)

            // F-CLOSE-12: a new read on the closed handle fails at once and leaves its event alone.
            XCTAssertTrue(SetEvent(signalled))
            XCTAssertFalse(ReadFile(h, buffer, 64, nil, ov2))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_HANDLE))
            XCTAssertEqual(WaitForSingleObject(signalled, 0), WAIT_OBJECT_0)
            XCTAssertEqual(device.pending.count, 1)
            assertState(file, handles: 0, pointers: 1, cleanupSent: true, closeSent: false)

            // The device is the only way out.
            XCTAssertTrue(device.completeNext() === read)
            XCTAssertEqual(internalStatus(ov), STATUS_SUCCESS)
            XCTAssertEqual(ov.pointee.InternalHigh, 64)
            assertState(file, handles: 0, pointers: 0, cleanupSent: true, closeSent: true)
            XCTAssertEqual(device.closeCount, 1)
        }
        XCTAssertEqual(sim.bugChecks, [])
    }

    /// The seed's customer used a completion port, so the `OVERLAPPED` had no event. Without one,
    /// `GetOverlappedResult(bWait: TRUE)` waits on the file handle itself (F-GOR-5); once that
    /// handle is closed the wait fails with `ERROR_INVALID_HANDLE` while the read stays pending.
    /// The error describes the wait, not the read.
    func testWaitingOnTheClosedHandleFailsWhileTheReadStaysPending() {
        let sim = Simulation()
        let device = StockDriver(completion: .manual, cleanup: .ignoresPending)
        sim.installDevice(path, driver: device)
        let memory = scenarioMemory()
        sim.run {
            let h = openDevice(path)
            let ov = memory.overlapped()
            let buffer = memory.buffer(64)
            guard let file = sim.fileObject(h) else { return XCTFail("CreateFileA did not open a file object") }

            XCTAssertFalse(ReadFile(h, buffer, 64, nil, ov))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_IO_PENDING))
            XCTAssertTrue(CloseHandle(h))
            assertState(file, handles: 0, pointers: 1, cleanupSent: true, closeSent: false)

            var transferred: DWORD = 99
            XCTAssertFalse(GetOverlappedResult(h, ov, &transferred, true))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_HANDLE))
            XCTAssertEqual(transferred, 99, "nothing completed, so no byte count")
            XCTAssertEqual(internalStatus(ov), STATUS_PENDING)
            assertState(file, handles: 0, pointers: 1, cleanupSent: true, closeSent: false)

            XCTAssertNotNil(device.completeNext(data: Array("late".utf8)))
            XCTAssertTrue(GetOverlappedResult(h, ov, &transferred, true))
            XCTAssertEqual(transferred, 4)
            XCTAssertTrue(file.isSignaled, "with no event, the file object is signalled (F-SIG-1)")
            assertState(file, handles: 0, pointers: 0, cleanupSent: true, closeSent: true)
            XCTAssertEqual(device.closeCount, 1)
        }
        XCTAssertEqual(sim.bugChecks, [])
        XCTAssertEqual(sim.hangs, [])
    }

    // MARK: - The right way: cancel, wait, close

    /// The seed's advice (F-CLOSE-2, F-RC-1): `CancelIoEx`, then wait with
    /// `GetOverlappedResult(bWait: TRUE)`, which reports `ERROR_OPERATION_ABORTED` with 0 bytes
    /// (F-GOR-7); then `CloseHandle` finds no I/O left, so cleanup and close are sent together,
    /// even on a driver that would have ignored the read at cleanup.
    func testCancelThenWaitThenCloseSendsCleanupAndCloseTogether() {
        onDevice(StockDriver(completion: .manual, cleanup: .ignoresPending), tracing: true) { sim, device, h, ev, ov, buffer, file in
            XCTAssertFalse(ReadFile(h, buffer, 64, nil, ov))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_IO_PENDING))
            guard let read = device.pending.first else { return XCTFail("the read is not pending in the driver") }
            assertState(file, handles: 1, pointers: 2, cleanupSent: false, closeSent: false)

            XCTAssertTrue(CancelIoEx(h, ov))
            XCTAssertTrue(read.isCancelRequested)
            var transferred: DWORD = 99
            XCTAssertFalse(GetOverlappedResult(h, ov, &transferred, true))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_OPERATION_ABORTED))
            XCTAssertEqual(transferred, 0)
            XCTAssertEqual(internalStatus(ov), STATUS_CANCELLED)
            XCTAssertEqual(ov.pointee.InternalHigh, 0)
            XCTAssertEqual(WaitForSingleObject(ev, 0), WAIT_OBJECT_0)
            // The read released its reference; the handle still holds one.
            assertState(file, handles: 1, pointers: 1, cleanupSent: false, closeSent: false)
            XCTAssertEqual(device.cleanupCount, 0)

            XCTAssertTrue(CloseHandle(h))
            // Nothing in flight: the last handle is also the last reference.
            assertState(file, handles: 0, pointers: 0, cleanupSent: true, closeSent: true)
            XCTAssertTrue(file.isDeleted)
            XCTAssertEqual(device.cleanupCount, 1)
            XCTAssertEqual(device.closeCount, 1)
            XCTAssertTrue(CloseHandle(ev))

            let lifecycle = lifecycleEntries(sim.trace, file: file, read: read)
            XCTAssertEqual(lifecycle.map(\.event), [
                .irpCompleted(irp: read.id, status: .cancelled, information: 0),
                .irpDelivered(irp: read.id, notified: true),
                .cleanupSent(file: file.id),
                .cleanupCompleted(file: file.id, status: .success),
                .closeSent(file: file.id),
            ])
        }
    }

    /// Cancellation is a request, not an outcome (DESIGN.md; F-RC-2): on a device whose cancel
    /// path takes 30 ms, `CancelIoEx` returns at once with the read still pending, and the wait
    /// is what makes it safe to close: it returns after exactly 30 ms of virtual time.
    func testCancelThenWaitThenCloseWaitsForSlowCancellation() {
        onDevice(StockDriver(completion: .manual, cancellation: .slow(.milliseconds(30)), cleanup: .ignoresPending)) { sim, device, h, ev, ov, buffer, file in
            XCTAssertFalse(ReadFile(h, buffer, 64, nil, ov))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_IO_PENDING))
            let start = GetTickCount64()
            XCTAssertTrue(CancelIoEx(h, ov))
            XCTAssertEqual(GetTickCount64() - start, 0, "CancelIoEx never waits")
            XCTAssertEqual(internalStatus(ov), STATUS_PENDING)
            assertState(file, handles: 1, pointers: 2, cleanupSent: false, closeSent: false)

            var transferred: DWORD = 99
            XCTAssertFalse(GetOverlappedResult(h, ov, &transferred, true))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_OPERATION_ABORTED))
            XCTAssertEqual(transferred, 0)
            XCTAssertEqual(GetTickCount64() - start, 30)
            XCTAssertEqual(internalStatus(ov), STATUS_CANCELLED)
            assertState(file, handles: 1, pointers: 1, cleanupSent: false, closeSent: false)

            XCTAssertTrue(CloseHandle(h))
            assertState(file, handles: 0, pointers: 0, cleanupSent: true, closeSent: true)
            XCTAssertEqual(GetTickCount64() - start, 30, "nothing left to wait for at close")
            XCTAssertEqual(device.closeCount, 1)
        }
    }

    // MARK: - Drivers that complete the read at cleanup

    /// nt-io-model §8.6 item 2, F-CLOSE-3: a driver that does what the WDK asks completes the
    /// read with `STATUS_CANCELLED` inside `CloseHandle`; by the time the call returns the
    /// `OVERLAPPED` holds the status, the event is set, and the last reference is gone.
    func testDriverThatCancelsOnCleanupCompletesReadDuringClose() {
        assertCleanupCompletesPendingRead(.cancelsPending, status: STATUS_CANCELLED, error: ERROR_OPERATION_ABORTED)
    }

    /// F-CLOSE-4: a named pipe completes the read with `STATUS_PIPE_BROKEN` when the last handle
    /// of its end closes; `GetOverlappedResult` reports `ERROR_BROKEN_PIPE` (109).
    func testPipeLikeDriverCompletesReadWithPipeBrokenDuringClose() {
        assertCleanupCompletesPendingRead(.cancelsPending(.pipeBroken), status: STATUS_PIPE_BROKEN, error: ERROR_BROKEN_PIPE)
    }

    /// F-CLOSE-7: a socket completes a pending receive with `STATUS_CONNECTION_ABORTED`, which
    /// `GetOverlappedResult` reports as `ERROR_CONNECTION_ABORTED` (1236).
    func testSocketLikeDriverCompletesReadWithConnectionAbortedDuringClose() {
        assertCleanupCompletesPendingRead(.cancelsPending(.connectionAborted), status: STATUS_CONNECTION_ABORTED,
                                          error: ERROR_CONNECTION_ABORTED)
    }

    /// nt-io-model §1.3 step 3: `CloseHandle` waits, not alertably, while the driver pends
    /// `IRP_MJ_CLEANUP`. Here cleanup takes 250 ms and then cancels the read: the call returns
    /// exactly 250 ms of virtual time later, with the read already completed and the object
    /// closed.
    func testCloseHandleBlocksWhileDriverPendsCleanup() {
        let sim = Simulation(options: SimulationOptions(tracing: true))
        let device = StockDriver(completion: .manual, cleanup: .pends(.milliseconds(250), thenCancelsPendingWith: .cancelled))
        sim.installDevice(path, driver: device)
        let memory = scenarioMemory()
        sim.run {
            let h = openDevice(path)
            let ev = manualEvent()
            let ov = memory.overlapped(event: ev)
            let buffer = memory.buffer(64)
            guard let file = sim.fileObject(h) else { return XCTFail("CreateFileA did not open a file object") }

            XCTAssertFalse(ReadFile(h, buffer, 64, nil, ov))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_IO_PENDING))
            guard let read = device.pending.first else { return XCTFail("the read is not pending in the driver") }
            assertState(file, handles: 1, pointers: 2, cleanupSent: false, closeSent: false)

            let before = GetTickCount64()
            XCTAssertTrue(CloseHandle(h))
            XCTAssertEqual(GetTickCount64() - before, 250)
            XCTAssertEqual(internalStatus(ov), STATUS_CANCELLED)
            XCTAssertEqual(ov.pointee.InternalHigh, 0)
            XCTAssertEqual(WaitForSingleObject(ev, 0), WAIT_OBJECT_0)
            assertState(file, handles: 0, pointers: 0, cleanupSent: true, closeSent: true)
            XCTAssertEqual(device.cleanupCount, 1)
            XCTAssertEqual(device.closeCount, 1)
            var transferred: DWORD = 99
            XCTAssertFalse(GetOverlappedResult(h, ov, &transferred, false))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_OPERATION_ABORTED))
            XCTAssertEqual(transferred, 0)

            // Cleanup was sent at 0 ms and finished at 250 ms; the read completed inside it.
            let lifecycle = lifecycleEntries(sim.trace, file: file, read: read)
            XCTAssertEqual(lifecycle.map(\.event), [
                .cleanupSent(file: file.id),
                .irpCompleted(irp: read.id, status: .cancelled, information: 0),
                .irpDelivered(irp: read.id, notified: true),
                .cleanupCompleted(file: file.id, status: .success),
                .closeSent(file: file.id),
            ])
            XCTAssertEqual(lifecycle.map(\.time.milliseconds), [0, 250, 250, 250, 250])
        }
        XCTAssertEqual(sim.bugChecks, [])
        XCTAssertEqual(sim.hangs, [])
    }

    /// nt-io-model §1.3: blocking on cleanup is independent of what the driver does with the
    /// read. A driver that pends cleanup for 250 ms and then leaves the read alone makes
    /// `CloseHandle` block 250 ms and still leaves the read pending, holding the object open.
    func testCloseHandleBlocksOnPendedCleanupThatLeavesReadPending() {
        let sim = Simulation()
        let device = StockDriver(completion: .manual, cleanup: .pends(.milliseconds(250), thenCancelsPendingWith: nil))
        sim.installDevice(path, driver: device)
        let memory = scenarioMemory()
        sim.run {
            let h = openDevice(path)
            let ov = memory.overlapped(event: manualEvent())
            let buffer = memory.buffer(64)
            guard let file = sim.fileObject(h) else { return XCTFail("CreateFileA did not open a file object") }

            XCTAssertFalse(ReadFile(h, buffer, 64, nil, ov))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_IO_PENDING))
            let before = GetTickCount64()
            XCTAssertTrue(CloseHandle(h))
            XCTAssertEqual(GetTickCount64() - before, 250)
            XCTAssertEqual(internalStatus(ov), STATUS_PENDING)
            XCTAssertEqual(WaitForSingleObject(ov.pointee.hEvent, 0), DWORD(WAIT_TIMEOUT))
            assertState(file, handles: 0, pointers: 1, cleanupSent: true, closeSent: false)

            XCTAssertNotNil(device.completeNext(data: Array("late".utf8)))
            XCTAssertEqual(internalStatus(ov), STATUS_SUCCESS)
            XCTAssertEqual(ov.pointee.InternalHigh, 4)
            XCTAssertEqual(string(buffer, 4), "late")
            assertState(file, handles: 0, pointers: 0, cleanupSent: true, closeSent: true)
            XCTAssertEqual(device.closeCount, 1)
        }
        XCTAssertEqual(sim.bugChecks, [])
    }

    // MARK: - Duplicated handles

    /// F-CLOSE-1, F-DUP-1, nt-io-model §1.4: with a duplicate still open, closing the handle the
    /// read was issued through is not the last close. No cleanup reaches the driver (even one
    /// that would cancel the read at cleanup), the counts go from 2 handles to 1, and the read
    /// stays pending, untouched. It can still be cancelled through the duplicate (F-CAN-3); the
    /// closed value cannot reach it (F-CAN-4). Closing the duplicate, the last handle, sends
    /// cleanup, and close with it since nothing is in flight any more.
    func testClosingOneOfTwoHandlesSendsNoCleanupAndCancelWorksThroughTheDuplicate() {
        onDevice(StockDriver(completion: .manual, cleanup: .cancelsPending)) { sim, device, h, ev, ov, buffer, file in
            XCTAssertFalse(ReadFile(h, buffer, 64, nil, ov))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_IO_PENDING))
            guard let read = device.pending.first else { return XCTFail("the read is not pending in the driver") }
            assertState(file, handles: 1, pointers: 2, cleanupSent: false, closeSent: false)

            var dup: HANDLE?
            XCTAssertTrue(DuplicateHandle(GetCurrentProcess(), h, GetCurrentProcess(), &dup, 0, false,
                                          DWORD(DUPLICATE_SAME_ACCESS)))
            XCTAssertNotNil(dup)
            XCTAssertNotEqual(dup, h)
            XCTAssertTrue(sim.fileObject(dup) === file, "the duplicate names the same file object")
            assertState(file, handles: 2, pointers: 3, cleanupSent: false, closeSent: false)

            XCTAssertTrue(CloseHandle(h))
            assertState(file, handles: 1, pointers: 2, cleanupSent: false, closeSent: false)
            XCTAssertEqual(device.cleanupCount, 0)
            XCTAssertEqual(read.state, .pending)
            XCTAssertFalse(read.isCancelRequested)
            XCTAssertEqual(internalStatus(ov), STATUS_PENDING)
            XCTAssertEqual(WaitForSingleObject(ev, 0), DWORD(WAIT_TIMEOUT))

            XCTAssertFalse(CancelIoEx(h, ov))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_HANDLE))
            XCTAssertEqual(internalStatus(ov), STATUS_PENDING)

            XCTAssertTrue(CancelIoEx(dup, ov))
            XCTAssertEqual(internalStatus(ov), STATUS_CANCELLED)
            XCTAssertEqual(WaitForSingleObject(ev, 0), WAIT_OBJECT_0)
            var transferred: DWORD = 99
            XCTAssertFalse(GetOverlappedResult(dup, ov, &transferred, true))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_OPERATION_ABORTED))
            XCTAssertEqual(transferred, 0)
            assertState(file, handles: 1, pointers: 1, cleanupSent: false, closeSent: false)
            XCTAssertEqual(device.cleanupCount, 0)

            XCTAssertTrue(CloseHandle(dup))
            assertState(file, handles: 0, pointers: 0, cleanupSent: true, closeSent: true)
            XCTAssertEqual(device.cleanupCount, 1)
            XCTAssertEqual(device.closeCount, 1)
        }
    }

    /// F-CAN-3: `CancelIo` also targets the file object, not the handle value: called on a
    /// duplicate by the issuing thread, it cancels the read issued through the original.
    func testCancelIoThroughDuplicateCancelsReadIssuedThroughOriginal() {
        onDevice(StockDriver(completion: .manual, cleanup: .ignoresPending)) { sim, device, h, ev, ov, buffer, file in
            var dup: HANDLE?
            XCTAssertTrue(DuplicateHandle(GetCurrentProcess(), h, GetCurrentProcess(), &dup, 0, false,
                                          DWORD(DUPLICATE_SAME_ACCESS)))
            assertState(file, handles: 2, pointers: 2, cleanupSent: false, closeSent: false)

            XCTAssertFalse(ReadFile(h, buffer, 64, nil, ov))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_IO_PENDING))
            assertState(file, handles: 2, pointers: 3, cleanupSent: false, closeSent: false)

            XCTAssertTrue(CancelIo(dup))
            XCTAssertEqual(internalStatus(ov), STATUS_CANCELLED)
            assertState(file, handles: 2, pointers: 2, cleanupSent: false, closeSent: false)

            XCTAssertTrue(CloseHandle(dup))
            assertState(file, handles: 1, pointers: 1, cleanupSent: false, closeSent: false)
            XCTAssertTrue(CloseHandle(h))
            assertState(file, handles: 0, pointers: 0, cleanupSent: true, closeSent: true)
            XCTAssertEqual(device.cleanupCount, 1)
            XCTAssertEqual(device.closeCount, 1)
        }
    }

    /// F-CLOSE-1, F-CLOSE-3: cleanup belongs to the last handle, whichever it is. The read was
    /// issued through `h`; `h` closes first (nothing happens), and closing the duplicate sends
    /// cleanup, where this driver cancels the read: it completes inside that second
    /// `CloseHandle`.
    func testClosingTheLastDuplicateSendsCleanupThatCompletesReadIssuedThroughTheOther() {
        onDevice(StockDriver(completion: .manual, cleanup: .cancelsPending)) { sim, device, h, ev, ov, buffer, file in
            XCTAssertFalse(ReadFile(h, buffer, 64, nil, ov))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_IO_PENDING))
            var dup: HANDLE?
            XCTAssertTrue(DuplicateHandle(GetCurrentProcess(), h, GetCurrentProcess(), &dup, 0, false,
                                          DWORD(DUPLICATE_SAME_ACCESS)))
            assertState(file, handles: 2, pointers: 3, cleanupSent: false, closeSent: false)

            XCTAssertTrue(CloseHandle(h))
            assertState(file, handles: 1, pointers: 2, cleanupSent: false, closeSent: false)
            XCTAssertEqual(device.cleanupCount, 0)
            XCTAssertEqual(internalStatus(ov), STATUS_PENDING)

            XCTAssertTrue(CloseHandle(dup))
            XCTAssertEqual(device.cleanupCount, 1)
            XCTAssertEqual(device.closeCount, 1)
            XCTAssertEqual(internalStatus(ov), STATUS_CANCELLED)
            XCTAssertEqual(WaitForSingleObject(ev, 0), WAIT_OBJECT_0)
            assertState(file, handles: 0, pointers: 0, cleanupSent: true, closeSent: true)
        }
    }

    /// F-DUP-1: `DUPLICATE_CLOSE_SOURCE` moves the handle. Within one process the duplicate
    /// takes the source's own value (Wine's `test_DuplicateHandle`: `ok(f == out)`); the object
    /// keeps its handle throughout, so no cleanup is sent and the read stays pending.
    func testDuplicateCloseSourceMovesTheHandleWithoutCleanup() {
        onDevice(StockDriver(completion: .manual, cleanup: .cancelsPending)) { sim, device, h, ev, ov, buffer, file in
            XCTAssertFalse(ReadFile(h, buffer, 64, nil, ov))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_IO_PENDING))
            assertState(file, handles: 1, pointers: 2, cleanupSent: false, closeSent: false)

            var dup: HANDLE?
            XCTAssertTrue(DuplicateHandle(GetCurrentProcess(), h, GetCurrentProcess(), &dup, 0, false,
                                          DWORD(DUPLICATE_CLOSE_SOURCE | DUPLICATE_SAME_ACCESS)))
            XCTAssertEqual(dup, h)
            XCTAssertTrue(sim.fileObject(dup) === file)
            assertState(file, handles: 1, pointers: 2, cleanupSent: false, closeSent: false)
            XCTAssertEqual(device.cleanupCount, 0)
            XCTAssertEqual(internalStatus(ov), STATUS_PENDING)

            // The cleanup-cancelling driver ends the read when the moved handle closes.
            XCTAssertTrue(CloseHandle(dup))
            XCTAssertEqual(internalStatus(ov), STATUS_CANCELLED)
            assertState(file, handles: 0, pointers: 0, cleanupSent: true, closeSent: true)
            XCTAssertEqual(device.cleanupCount, 1)
            XCTAssertEqual(device.closeCount, 1)
            // The value is closed now: closing it again is a double close (F-CLOSE-10).
            XCTAssertFalse(CloseHandle(h))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_HANDLE))
        }
    }

    /// F-DUP-1: `DUPLICATE_CLOSE_SOURCE` closes the source "regardless of any error status". A
    /// target process handle that is not a process (an event here) fails the call with
    /// `ERROR_INVALID_HANDLE`, and the source, the last handle, is closed anyway: cleanup is
    /// sent, and on a driver that ignores it the read stays pending (F-RC-1).
    func testDuplicateCloseSourceClosesTheSourceEvenWhenDuplicationFails() {
        onDevice(StockDriver(completion: .manual, cleanup: .ignoresPending)) { sim, device, h, ev, ov, buffer, file in
            XCTAssertFalse(ReadFile(h, buffer, 64, nil, ov))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_IO_PENDING))

            var dup: HANDLE?
            XCTAssertFalse(DuplicateHandle(GetCurrentProcess(), h, ev, &dup, 0, false,
                                           DWORD(DUPLICATE_CLOSE_SOURCE | DUPLICATE_SAME_ACCESS)))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_HANDLE))
            XCTAssertNil(sim.fileObject(h))
            assertState(file, handles: 0, pointers: 1, cleanupSent: true, closeSent: false)
            XCTAssertEqual(device.cleanupCount, 1)
            XCTAssertEqual(internalStatus(ov), STATUS_PENDING)

            XCTAssertNotNil(device.completeNext())
            XCTAssertEqual(internalStatus(ov), STATUS_SUCCESS)
            assertState(file, handles: 0, pointers: 0, cleanupSent: true, closeSent: true)
            XCTAssertEqual(device.closeCount, 1)
        }
    }

    // MARK: - Double close

    /// The seed's comments: "someone ignorant calling CloseHandle twice as a workaround". Handles
    /// are not reference-counted: the second close fails with `ERROR_INVALID_HANDLE`
    /// (F-CLOSE-10) and changes nothing, so the read is still pending and the object still has
    /// its one reference. `CloseHandle(NULL)` fails the same way; closing a pseudo-handle is a
    /// no-op that returns `TRUE` (F-CLOSE-11).
    func testSecondCloseFailsWithInvalidHandleAndDoesNotCompleteTheRead() {
        onDevice(StockDriver(completion: .manual, cleanup: .ignoresPending)) { sim, device, h, ev, ov, buffer, file in
            XCTAssertFalse(ReadFile(h, buffer, 64, nil, ov))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_IO_PENDING))
            XCTAssertEqual(sim.openHandleCount, 2)

            XCTAssertTrue(CloseHandle(h))
            assertState(file, handles: 0, pointers: 1, cleanupSent: true, closeSent: false)
            XCTAssertEqual(sim.openHandleCount, 1)

            SetLastError(0)
            XCTAssertFalse(CloseHandle(h))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_HANDLE))
            assertState(file, handles: 0, pointers: 1, cleanupSent: true, closeSent: false)
            XCTAssertEqual(device.cleanupCount, 1, "cleanup is sent once")
            XCTAssertEqual(device.closeCount, 0)
            XCTAssertEqual(internalStatus(ov), STATUS_PENDING)
            XCTAssertEqual(WaitForSingleObject(ev, 0), DWORD(WAIT_TIMEOUT))

            SetLastError(0)
            XCTAssertFalse(CloseHandle(nil))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_HANDLE))

            XCTAssertTrue(CloseHandle(GetCurrentProcess()))
            XCTAssertTrue(CloseHandle(GetCurrentThread()))
            XCTAssertTrue(CloseHandle(INVALID_HANDLE_VALUE), "INVALID_HANDLE_VALUE is GetCurrentProcess()")
            XCTAssertEqual(sim.openHandleCount, 1, "pseudo-handles close nothing")
            assertState(file, handles: 0, pointers: 1, cleanupSent: true, closeSent: false)

            XCTAssertNotNil(device.completeNext())
            assertState(file, handles: 0, pointers: 0, cleanupSent: true, closeSent: true)
            XCTAssertEqual(device.closeCount, 1)
        }
    }

    /// Why the double close is no workaround (seed comments; F-CLOSE-10): a closed handle value
    /// is free for the next handle created, and the simulated handle table, like NT's, hands
    /// it out again at once. The "harmless" second close then closes someone else's handle.
    func testSecondCloseAfterTheValueIsReusedClosesAnotherObject() {
        onDevice(StockDriver(completion: .manual, cleanup: .ignoresPending)) { sim, device, h, ev, ov, buffer, file in
            XCTAssertFalse(ReadFile(h, buffer, 64, nil, ov))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_IO_PENDING))

            XCTAssertTrue(CloseHandle(h))
            let other = manualEvent()
            XCTAssertEqual(other, h, "the freed value is handed out again")
            guard let otherEvent = sim.object(other) else { return XCTFail("CreateEventW did not open an event") }

            XCTAssertTrue(CloseHandle(h), "the stale value now names the event")
            XCTAssertEqual(otherEvent.handleCount, 0)
            XCTAssertEqual(WaitForSingleObject(other, 0), WAIT_FAILED)
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_HANDLE))
            // The file object and its read are untouched by either close after the first.
            assertState(file, handles: 0, pointers: 1, cleanupSent: true, closeSent: false)
            XCTAssertEqual(internalStatus(ov), STATUS_PENDING)

            XCTAssertNotNil(device.completeNext())
            assertState(file, handles: 0, pointers: 0, cleanupSent: true, closeSent: true)
        }
    }

    // MARK: - Helpers

    /// Closes the last handle while a read is pending on a driver whose cleanup completes pending
    /// requests with `policy`'s status, and checks that the read has completed with that status
    /// by the time `CloseHandle` returns, the caller sees the mapped `error`, and the object was
    /// closed after the read's completion processing released it.
    private func assertCleanupCompletesPendingRead(_ policy: StockDriver.Cleanup, status: DWORD, error: Int32,
                                                   file path: StaticString = #filePath, line: UInt = #line)
    {
        onDevice(StockDriver(completion: .manual, cleanup: policy), tracing: true, { sim, device, h, ev, ov, buffer, file in
            XCTAssertFalse(ReadFile(h, buffer, 64, nil, ov), file: path, line: line)
            XCTAssertEqual(GetLastError(), DWORD(ERROR_IO_PENDING), file: path, line: line)
            guard let read = device.pending.first else {
                return XCTFail("the read is not pending in the driver", file: path, line: line)
            }
            assertState(file, handles: 1, pointers: 2, cleanupSent: false, closeSent: false, file: path, line: line)

            XCTAssertTrue(CloseHandle(h), file: path, line: line)
            // Right after CloseHandle returns: completed with the driver's status, 0 bytes,
            // event set, and the object gone.
            XCTAssertEqual(internalStatus(ov), status, file: path, line: line)
            XCTAssertEqual(ov.pointee.InternalHigh, 0, file: path, line: line)
            XCTAssertEqual(WaitForSingleObject(ev, 0), WAIT_OBJECT_0, file: path, line: line)
            XCTAssertEqual(read.state, .delivered, file: path, line: line)
            XCTAssertEqual(device.pending.count, 0, file: path, line: line)
            assertState(file, handles: 0, pointers: 0, cleanupSent: true, closeSent: true, file: path, line: line)
            XCTAssertEqual(device.cleanupCount, 1, file: path, line: line)
            XCTAssertEqual(device.closeCount, 1, file: path, line: line)
            XCTAssertEqual(string(buffer, 4), "\0\0\0\0", "a failed read copies no data", file: path, line: line)

            // F-GOR-1, F-GOR-3: the result comes from Internal alone; the closed handle is not
            // looked at, and the byte count (0) is still written.
            var transferred: DWORD = 99
            XCTAssertFalse(GetOverlappedResult(h, ov, &transferred, true), file: path, line: line)
            XCTAssertEqual(GetLastError(), DWORD(error), file: path, line: line)
            XCTAssertEqual(transferred, 0, file: path, line: line)

            let events = sim.trace.events
            let cleanupSent = events.firstIndex(of: .cleanupSent(file: file.id))
            let completed = events.firstIndex(of: .irpCompleted(irp: read.id, status: NTStatus(rawValue: status), information: 0))
            let delivered = events.firstIndex(of: .irpDelivered(irp: read.id, notified: true))
            let closeSent = events.firstIndex(of: .closeSent(file: file.id))
            guard let cleanupSent, let completed, let delivered, let closeSent else {
                return XCTFail("missing lifecycle events in the trace:\n\(sim.trace.timeline())", file: path, line: line)
            }
            XCTAssertLessThan(cleanupSent, completed, "the driver completes the read in its cleanup", file: path, line: line)
            XCTAssertLessThan(completed, delivered, file: path, line: line)
            XCTAssertLessThan(delivered, closeSent, "close waits for the read's reference to go", file: path, line: line)
            XCTAssertEqual(events.filter { $0 == .closeSent(file: file.id) }.count, 1, file: path, line: line)
        }, file: path, line: line)
    }

    /// The file object's `!object` state: both counts, and whether cleanup and close were sent.
    private func assertState(_ object: FileObject, handles: Int, pointers: Int, cleanupSent: Bool, closeSent: Bool,
                             file path: StaticString = #filePath, line: UInt = #line)
    {
        XCTAssertEqual(object.handleCount, handles, "handle count", file: path, line: line)
        XCTAssertEqual(object.pointerCount, pointers, "pointer count", file: path, line: line)
        XCTAssertEqual(object.cleanupSent, cleanupSent, "cleanup sent", file: path, line: line)
        XCTAssertEqual(object.closeSent, closeSent, "close sent", file: path, line: line)
    }

    /// The trace entries of the file object's teardown and of the read's completion, in order.
    private func lifecycleEntries(_ trace: Trace, file: FileObject, read: IRP) -> [TraceEntry] {
        trace.entries.filter { entry in
            switch entry.event {
            case .cleanupSent(let id), .closeSent(let id):
                return id == file.id
            case .cleanupCompleted(let id, _):
                return id == file.id
            case .irpCompleted(let irp, _, _), .irpDelivered(let irp, _):
                return irp == read.id
            default:
                return false
            }
        }
    }
}
