import IOKernel
import Win32Surface
import XCTest

/// One OVERLAPPED shared by two requests in flight: the misuse the documentation warns about
/// (F-OVL-9), and what cancellation does with it.
final class SharedOverlappedTests: XCTestCase {
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
