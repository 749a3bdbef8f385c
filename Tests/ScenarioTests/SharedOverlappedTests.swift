import IOKernel
import Win32Surface
import XCTest

/// One OVERLAPPED shared by two requests in flight: the misuse the documentation warns about
/// (F-OVL-9), and what cancellation does with it.
final class SharedOverlappedTests: XCTestCase {
    /// F-OVL-10: two pending requests sharing one OVERLAPPED (a bug) are both cancelled by one
    /// CancelIoEx(h, &ov). Windows lets the second ReadFile through; the simulator lets it
    /// through too, and reports the reuse at that call.
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
        let reuse = sim.takeMemoryViolations()
        XCTAssertEqual(reuse.map(\.kind), [.overlappedReusedInFlight])
        XCTAssertEqual(reuse.first?.irp, 3, "reported at the second ReadFile")
    }

    /// Bad input from the test's side of the device: a negative byte count is reported as 0
    /// rather than trapping the simulator.
    func testNegativeByteCountFromTheDeviceIsZero() {
        let sim = Simulation()
        let device = StockDriver(completion: .manual)
        sim.installDevice(#"\\.\dev"#, driver: device)
        let memory = scenarioMemory()
        sim.run {
            let h = openDevice(#"\\.\dev"#)
            let ov = memory.overlapped(event: manualEvent())
            XCTAssertFalse(WriteFile(h, memory.buffer(4), 4, nil, ov))
            XCTAssertNotNil(device.completeNext(bytes: -5))
            var n: DWORD = 99
            XCTAssertTrue(GetOverlappedResult(h, ov, &n, false))
            XCTAssertEqual(n, 0)
            XCTAssertEqual(device.written, [])
        }
    }
}

/// `SimulationOptions.cancelIoWaitsForCompletion`: NT's `NtCancelIoFile` waits until the
/// caller's cancelled requests have completed (nt-io-model §3.4); by default, as documented,
/// `CancelIo` does not wait (F-DOC-6).
final class CancelIoWaitOptionTests: XCTestCase {
    private func cancelIoDuration(waits: Bool) -> (UInt64, DWORD) {
        let sim = Simulation(options: SimulationOptions(cancelIoWaitsForCompletion: waits))
        sim.installDevice(#"\\.\dev"#, driver: StockDriver(completion: .after(.milliseconds(700)), cancellation: .ignored))
        let memory = scenarioMemory()
        return sim.run {
            let h = openDevice(#"\\.\dev"#)
            let ov = memory.overlapped(event: manualEvent())
            XCTAssertFalse(ReadFile(h, memory.buffer(4), 4, nil, ov))
            XCTAssertTrue(CancelIo(h))
            return (GetTickCount64(), internalStatus(ov))
        }
    }

    func testCancelIoReturnsAtOnceByDefault() {
        let (time, status) = cancelIoDuration(waits: false)
        XCTAssertEqual(time, 0)
        XCTAssertEqual(status, STATUS_PENDING)
    }

    func testCancelIoWaitsForTheDriverWhenAsked() {
        let (time, status) = cancelIoDuration(waits: true)
        XCTAssertEqual(time, 700, "the driver ignored the cancel and finished the read at 700 ms")
        XCTAssertEqual(status, STATUS_SUCCESS)
    }
}
