import Foundation
import IOKernel
import Win32Surface
import XCTest

/// The debugger's views: `!object` (nt-io-model §1.5) and `!irp`, for the state the seed
/// `close-handle-with-pending-read` is about.
final class InspectionTests: XCTestCase {
    func testObjectAndIRPDumpsOfAReadPendingAfterClose() throws {
        let sim = Simulation()
        sim.installDevice(#"\\.\slow"#, driver: StockDriver(completion: .manual, cleanup: .ignoresPending))
        let memory = scenarioMemory()
        try sim.run {
            let h = openDevice(#"\\.\slow"#)
            let ov = memory.overlapped(event: manualEvent())
            XCTAssertFalse(ReadFile(h, memory.buffer(8), 8, nil, ov))
            let file = try XCTUnwrap(sim.fileObject(h))
            XCTAssertTrue(CloseHandle(h))

            let dump = sim.dump(file)
            XCTAssertEqual(dump.handleCount, 0)
            XCTAssertEqual(dump.pointerCount, 1)
            XCTAssertEqual(dump.cleanupSent, true)
            XCTAssertEqual(dump.closeSent, false)
            XCTAssertEqual(dump.description, """
                Object: File#2  Type: (File)
                    HandleCount: 0  PointerCount: 1
                    Cleanup sent: yes  Close sent: no
                    IRP#2 IRP_MJ_READ pending cancel-routine-armed
                """)

            let irp = try XCTUnwrap(sim.irps(on: file).first)
            XCTAssertEqual(irp.dump.state, .pending)
            XCTAssertEqual(irp.dump.overlappedAddress, UInt(bitPattern: ov))
            XCTAssertEqual(irp.dump.thread, "main")
            let text = irp.dump.description.replacingOccurrences(
                of: "0x" + String(UInt(bitPattern: ov), radix: 16), with: "<ov>")
            XCTAssertEqual(text, """
                Irp is active with IRP_MJ_READ: IRP#2 [pending]
                    Cancel: no  CancelRoutine: armed  PendingReturned: yes
                    Thread: main  FileObject: File#2  UserIosb: <ov>
                    IoStatus: STATUS_PENDING, Information: 0
                """)
        }
    }
}
