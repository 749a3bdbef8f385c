import IOKernel
import Win32Surface
import XCTest

/// A driver that misbehaves in the two ways a review found the kernel mishandled.
private final class OddDriver: Driver {
    enum Mode { case negativeCount, completeThenPendWithoutMarking }
    let mode: Mode
    init(_ mode: Mode) { self.mode = mode }

    func dispatch(_ irp: IRP, _ k: DriverContext) -> NTStatus {
        switch mode {
        case .negativeCount:
            return k.complete(irp, status: .success, information: -1)
        case .completeThenPendWithoutMarking:
            k.complete(irp, status: .success, information: 3)
            return .pending
        }
    }
}

/// A driver whose cleanup pends until the test completes it.
private final class StuckCleanupDriver: Driver {
    var cleanupIRP: IRP?
    var context: DriverContext?
    func installed(on device: Device, _ k: DriverContext) { context = k }
    func dispatch(_ irp: IRP, _ k: DriverContext) -> NTStatus { k.complete(irp, status: .success) }
    func cleanup(_ irp: IRP, _ k: DriverContext) -> NTStatus {
        k.markPending(irp)
        cleanupIRP = irp
        return .pending
    }
    /// The request it holds holds its file object, its device and so this driver.
    func simulationEnded() { cleanupIRP = nil }
}

private let postFromAPC: PAPCFUNC = { port in
    _ = PostQueuedCompletionStatus(HANDLE(bitPattern: UInt(port)), 7, 42, nil)
}

/// Regressions from the first code review: each of these once trapped, lost a packet, or
/// left a request undelivered.
final class ReviewRegressionTests: XCTestCase {
    /// A custom driver reporting -1 bytes on a synchronous handle: 0 bytes, no trap.
    func testNegativeInformationFromACustomDriverIsZero() {
        let sim = Simulation()
        sim.installDevice(#"\\.\odd"#, driver: OddDriver(.negativeCount))
        sim.run {
            let h = openDevice(#"\\.\odd"#, overlapped: false)
            var buffer = [UInt8](repeating: 0, count: 4)
            var n: DWORD = 99
            XCTAssertTrue(ReadFile(h, &buffer, 4, &n, nil))
            XCTAssertEqual(n, 0)
        }
    }

    /// Completing inside dispatch and then returning STATUS_PENDING without marking is a bug
    /// check; the kernel still delivers the request, as a pended one.
    func testRepairedPendingReturnStillDelivers() {
        let sim = Simulation()
        sim.installDevice(#"\\.\odd"#, driver: OddDriver(.completeThenPendWithoutMarking))
        let memory = scenarioMemory()
        sim.run {
            let h = openDevice(#"\\.\odd"#)
            let ov = memory.overlapped(event: manualEvent())
            XCTAssertFalse(ReadFile(h, memory.buffer(4), 4, nil, ov))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_IO_PENDING))
            var n: DWORD = 0
            XCTAssertTrue(GetOverlappedResult(h, ov, &n, false))
            XCTAssertEqual(n, 3)
            XCTAssertTrue(CloseHandle(h))
        }
        XCTAssertEqual(sim.bugChecks.map(\.code), [BugCheck.ioManagerViolation])
        XCTAssertEqual(sim.finish().irpsInFlight, [])
    }

    /// A packet posted by an APC that an alertable port wait ran is kept. The APC runs once the
    /// wait has ended with STATUS_USER_APC, on the way back to user mode (F-APC-3: the wait is
    /// not re-checked), so GetQueuedCompletionStatusEx returns FALSE with WAIT_IO_COMPLETION and
    /// no entries, and the packet is still queued for the next call.
    func testPacketPostedByAnAPCDuringAnAlertablePortWaitIsKept() {
        let sim = Simulation()
        sim.run {
            let port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, nil, 0, 0)
            XCTAssertNotEqual(QueueUserAPC(postFromAPC, GetCurrentThread(), ULONG_PTR(UInt(bitPattern: port))), 0)
            var entries = [OVERLAPPED_ENTRY](repeating: OVERLAPPED_ENTRY(), count: 1)
            var removed: ULONG = 9
            XCTAssertFalse(GetQueuedCompletionStatusEx(port, &entries, 1, &removed, INFINITE, true))
            XCTAssertEqual(GetLastError(), WAIT_IO_COMPLETION)
            XCTAssertEqual(removed, 0)
            XCTAssertTrue(GetQueuedCompletionStatusEx(port, &entries, 1, &removed, 0, true))
            XCTAssertEqual(removed, 1)
            XCTAssertEqual(entries[0].lpCompletionKey, 42)
            XCTAssertTrue(CloseHandle(port))
        }
    }

    /// A thread-agnostic read completing after its port's handle was closed is retired: the
    /// file object is still closed and nothing is left behind but the report of its discarded
    /// packet (the program never learned how the read ended).
    func testCompletionToAClosedPortDoesNotPinTheFileObject() throws {
        let sim = Simulation()
        sim.installDevice(#"\\.\dev"#, driver: StockDriver(completion: .manual, cleanup: .cancelsPending))
        let memory = scenarioMemory()
        try sim.run {
            let h = openDevice(#"\\.\dev"#)
            let file = try XCTUnwrap(sim.fileObject(h))
            let port = CreateIoCompletionPort(h, nil, 1, 0)
            XCTAssertFalse(ReadFile(h, memory.buffer(4), 4, nil, memory.overlapped()))
            XCTAssertTrue(CloseHandle(port))
            XCTAssertTrue(CloseHandle(h))
            XCTAssertTrue(file.closeSent)
        }
        let report = sim.finish()
        XCTAssertEqual(report.undequeuedPackets.map(\.status), [.cancelled])
        XCTAssertEqual(report.undequeuedPackets.map(\.discardedWhenPortClosed), [true])
        XCTAssertEqual(report.irpsInFlight, [])
        XCTAssertEqual(report.openHandles, [])
        XCTAssertEqual(report.memoryNeverFreed, [])
    }

    /// A cleanup the driver pends forever makes CloseHandle hang (reported); when the driver
    /// finally completes it, that is its first completion, not a second one: no bug check 0x44.
    func testACleanupThatHungCanStillBeCompletedOnce() throws {
        let sim = Simulation()
        let driver = StuckCleanupDriver()
        sim.installDevice(#"\.\stuck"#, driver: driver)
        try sim.run {
            let h = openDevice(#"\.\stuck"#)
            XCTAssertTrue(CloseHandle(h), "the handle is gone even though cleanup never finished")
            XCTAssertEqual(sim.hangs.count, 1)
            let irp = try XCTUnwrap(driver.cleanupIRP)
            XCTAssertEqual(irp.state, .pending)
            _ = driver.context?.deviceAction { driver.context?.complete(irp, status: .success) }
            XCTAssertEqual(irp.state, .completed)
        }
        XCTAssertTrue(sim.bugChecks.isEmpty, "\(sim.bugChecks)")
    }
}
