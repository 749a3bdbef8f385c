import IOKernel
import IOSimXCTest
import Win32Surface
import XCTest

/// Issue 10's findings, each as it was found: the simulator's memory stays bounded by what the
/// scenario holds, and bad input gets the Win32 error Windows gives or a recorded violation,
/// never corrupts the simulator.
final class ReliabilityRegressionTests: XCTestCase {
    /// Finding 3: 4,000 impossible waits with 4,000 reads pending once made 892 MB of hang
    /// reports, each copying every pending IRP. Now each report describes 16 IRPs and counts
    /// the rest, the simulation keeps 32 reports and counts the rest, and the teardown report
    /// lists 100 of each kind and says how many it left out.
    func testHangReportsStayBoundedWhateverTheScenarioHolds() {
        let sim = Simulation()
        sim.installDevice(#"\\.\stuck"#, driver: StockDriver(completion: .manual))
        let memory = scenarioMemory()
        sim.run {
            let h = openDevice(#"\\.\stuck"#)
            let buffer = memory.buffer(8)
            for _ in 0..<4_000 {
                XCTAssertFalse(ReadFile(h, buffer, 8, nil, memory.overlapped()))
            }
            XCTAssertEqual(GetLastError(), DWORD(ERROR_IO_PENDING))
            let never = manualEvent()
            var failures = 0
            for _ in 0..<4_000 where WaitForSingleObject(never, INFINITE) == WAIT_FAILED
                && GetLastError() == DWORD(ERROR_POSSIBLE_DEADLOCK)
            {
                failures += 1
            }
            XCTAssertEqual(failures, 4_000)
        }
        XCTAssertEqual(sim.hangs.count, 32)
        XCTAssertEqual(Simulation.hangReportLimit, 32)
        XCTAssertEqual(sim.droppedHangCount, 3_968)
        let first = sim.hangs[0]
        XCTAssertEqual(first.threads, ["main is blocked waiting for Event#3 to be signalled (not alertable)"])
        XCTAssertEqual(first.droppedThreads, 0)
        XCTAssertEqual(first.pendingIRPs.count, 16)
        XCTAssertEqual(first.droppedIRPs, 3_984)
        XCTAssertEqual(first.pendingIRPs[0], #"IRP#2 (IRP_MJ_READ on File#2, \\.\stuck) issued by main"#)
        XCTAssertTrue(first.description.hasSuffix("; … and 3984 more"), first.description)

        let report = sim.finish()
        XCTAssertEqual(report.irpsInFlight.count, 100)
        XCTAssertEqual(report.dropped.irpsInFlight, 3_900)
        XCTAssertEqual(report.hangs.count, 32)
        XCTAssertEqual(report.dropped.hangs, 3_968)
        XCTAssertTrue(report.description.contains("… and 3900 more IRPs in flight, not listed"))
        XCTAssertTrue(report.description.contains("… and 3968 more hangs, not listed"))
        XCTAssertFalse(report.isClean)
    }
}
