import IOKernel
import Win32Surface
import XCTest

final class SmokeTests: XCTestCase {
    func testPendingReadThenManualCompletion() {
        let sim = Simulation(options: SimulationOptions(tracing: true))
        let device = StockDriver(completion: .manual)
        sim.installDevice(#"\\.\dev"#, driver: device)
        sim.run {
            let h = CreateFileA(#"\\.\dev"#, GENERIC_READ, 0, nil, DWORD(OPEN_EXISTING), DWORD(FILE_FLAG_OVERLAPPED), nil)
            XCTAssertNotEqual(h, INVALID_HANDLE_VALUE)
            let ov = UnsafeMutablePointer<OVERLAPPED>.allocate(capacity: 1)
            ov.initialize(to: OVERLAPPED())
            ov.pointee.hEvent = CreateEventW(nil, true, false, nil)
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: 16, alignment: 1)
            XCTAssertFalse(ReadFile(h, buffer, 16, nil, ov))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_IO_PENDING))
            var n: DWORD = 99
            XCTAssertFalse(GetOverlappedResult(h, ov, &n, false))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_IO_INCOMPLETE))
            device.completeNext(data: Array("hello".utf8))
            XCTAssertTrue(GetOverlappedResult(h, ov, &n, true))
            XCTAssertEqual(n, 5)
            XCTAssertTrue(CloseHandle(h))
            XCTAssertFalse(CloseHandle(h))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_HANDLE))
        }
        print(sim.trace.timeline())
    }
}
