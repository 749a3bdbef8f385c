import IOKernel
import IOScenarios
import Win32Surface
import XCTest

/// The overlapped half of "Canceling Pending I/O Operations" (seed
/// `canceling-pending-io-operations.txt`): its `DoCancelableRead` (ReadFile, poll with
/// GetOverlappedResult every 100 ms until a timeout, then CancelIoEx and wait) against devices
/// chosen by behaviour.
final class DoCancelableReadTests: XCTestCase {
    private struct Outcome: Equatable {
        var result: Bool
        var error: DWORD
        var bytes: DWORD
        var cancelCalled: Bool
        var internalStatus: DWORD
        var time: UInt64
    }

    /// Runs DoCancelableRead with a 1000 ms timeout on a device with `driver`'s behaviour.
    private func cancelableRead(_ driver: StockDriver, timeout: DWORD = 1000, asWritten: Bool = false) -> Outcome {
        let sim = Simulation()
        sim.installDevice(#"\\.\dev"#, driver: driver)
        let memory = scenarioMemory()
        return sim.run {
            let h = openDevice(#"\\.\dev"#)
            let ov = memory.overlapped(event: manualEvent())
            var read: DWORD = 0xFFFF
            var cancelCalled = false
            SetLastError(0)
            let result = doCancelableRead(h, memory.buffer(4), 4, &read, ov, timeout, &cancelCalled, asWritten: asWritten)
            return Outcome(result: result, error: GetLastError(), bytes: read, cancelCalled: cancelCalled,
                           internalStatus: internalStatus(ov), time: GetTickCount64())
        }
    }

    /// The device finishes at 250 ms: polls at 0, 100 and 200 see ERROR_IO_INCOMPLETE, the poll
    /// at 300 sees the result. No cancel. A success leaves the last error alone, so it still
    /// says ERROR_IO_INCOMPLETE from the earlier polls: only the return value counts.
    func testDeviceThatFinishesInTime() {
        XCTAssertEqual(cancelableRead(StockDriver(completion: .after(.milliseconds(250)))),
                       Outcome(result: true, error: DWORD(ERROR_IO_INCOMPLETE), bytes: 4, cancelCalled: false,
                               internalStatus: STATUS_SUCCESS, time: 300))
    }

    /// The device never finishes: after ten polls (1000 ms) the read is cancelled and the wait
    /// for it returns ERROR_OPERATION_ABORTED with 0 bytes (F-GOR-7).
    func testDeviceThatDoesNotFinishIsCancelled() {
        XCTAssertEqual(cancelableRead(StockDriver(completion: .manual)),
                       Outcome(result: false, error: DWORD(ERROR_OPERATION_ABORTED), bytes: 0, cancelCalled: true,
                               internalStatus: STATUS_CANCELLED, time: 1000))
    }

    /// A device that ignores cancellation: CancelIoEx finds the read (TRUE), and the wait
    /// blocks until the device completes it normally at 5 s, with its data: the cancel came too
    /// late to matter, and completion is not failure (F-CAN-8, F-RC-4, F-RC-5).
    func testDeviceThatIgnoresCancellationCompletesNormallyLater() {
        XCTAssertEqual(cancelableRead(StockDriver(completion: .after(.seconds(5)), cancellation: .ignored)),
                       Outcome(result: true, error: DWORD(ERROR_IO_INCOMPLETE), bytes: 4, cancelCalled: true,
                               internalStatus: STATUS_SUCCESS, time: 5000))
    }

    /// A device that completes just as the cancel is issued (at 1000 ms, when the last Sleep
    /// ends and before CancelIoEx): the read succeeded, CancelIoEx returns FALSE with
    /// ERROR_NOT_FOUND, the sample skips the wait and returns that FALSE, although the read
    /// succeeded: its caller must look at the OVERLAPPED (F-CAN-7, F-RC-4).
    func testDeviceThatCompletesJustAsTheCancelIsIssued() {
        XCTAssertEqual(cancelableRead(StockDriver(completion: .after(.milliseconds(1000)))),
                       Outcome(result: false, error: DWORD(ERROR_NOT_FOUND), bytes: 0, cancelCalled: true,
                               internalStatus: STATUS_SUCCESS, time: 1000))
    }

    /// F-DOC-1: the sample as written treats any error but ERROR_IO_PENDING as fatal; Windows
    /// reports ERROR_IO_INCOMPLETE while the read is pending, so it returns FALSE on its first
    /// poll, at 0 ms, with the read still in flight and its OVERLAPPED still in use.
    func testTheSampleAsWrittenGivesUpOnItsFirstPoll() {
        XCTAssertEqual(cancelableRead(StockDriver(completion: .after(.milliseconds(250))), asWritten: true),
                       Outcome(result: false, error: DWORD(ERROR_IO_INCOMPLETE), bytes: 0, cancelCalled: false,
                               internalStatus: STATUS_PENDING, time: 0))
    }

    /// F-CAN-5, F-CAN-6: CancelIoEx with an OVERLAPPED that no request uses finds nothing and
    /// touches nothing; CancelIoEx(h, NULL) cancels every request on the file object.
    func testTargetedAndUntargetedCancelIoEx() {
        let sim = Simulation()
        sim.installDevice(#"\\.\dev"#, driver: StockDriver(completion: .manual))
        let memory = scenarioMemory()
        sim.run {
            let h = openDevice(#"\\.\dev"#)
            let reads = (0..<3).map { _ in memory.overlapped(event: manualEvent()) }
            for ov in reads { XCTAssertFalse(ReadFile(h, memory.buffer(4), 4, nil, ov)) }
            XCTAssertFalse(CancelIoEx(h, memory.overlapped()))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_NOT_FOUND))
            XCTAssertEqual(reads.map(internalStatus), [STATUS_PENDING, STATUS_PENDING, STATUS_PENDING])
            XCTAssertTrue(CancelIoEx(h, nil))
            XCTAssertEqual(reads.map(internalStatus), [STATUS_CANCELLED, STATUS_CANCELLED, STATUS_CANCELLED])
            XCTAssertEqual(reads.map { WaitForSingleObject($0.pointee.hEvent, 0) }, [WAIT_OBJECT_0, WAIT_OBJECT_0, WAIT_OBJECT_0])
            XCTAssertFalse(CancelIoEx(h, nil), "nothing left")
            XCTAssertEqual(GetLastError(), DWORD(ERROR_NOT_FOUND))
        }
    }

    /// F-OVL-10: two pending requests sharing one OVERLAPPED (a bug) are both cancelled by one
    /// CancelIoEx(h, &ov).
    func testOneCancelIoExCancelsBothRequestsSharingAnOverlapped() {
        let sim = Simulation()
        let device = StockDriver(completion: .manual)
        sim.installDevice(#"\\.\dev"#, driver: device)
        let memory = scenarioMemory()
        sim.run {
            let h = openDevice(#"\\.\dev"#)
            let shared = memory.overlapped(event: manualEvent())
            XCTAssertFalse(ReadFile(h, memory.buffer(4), 4, nil, shared))
            XCTAssertFalse(ReadFile(h, memory.buffer(4), 4, nil, shared))
            XCTAssertEqual(device.pending.count, 2)
            XCTAssertTrue(CancelIoEx(h, shared))
            XCTAssertEqual(device.pending.count, 0)
            XCTAssertEqual(sim.irpsInFlight.count, 0)
        }
    }
}
