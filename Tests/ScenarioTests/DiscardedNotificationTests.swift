import IOKernel
import Win32Surface
import XCTest

/// What Windows discards silently is reported (issue 11, "Diagnostics"): the program goes on,
/// so the teardown report and the hang report keep the evidence of its bug.
final class DiscardedNotificationTests: XCTestCase {
    /// A user APC queued to a thread that exits without another alertable wait is discarded
    /// (nt-io-model §4; win32-facts F-APC-7: the thread takes no APCs once it exits). The
    /// teardown report lists it with the APCs never delivered: its thread, what it is, and who
    /// queued it when.
    func testAnAPCDiscardedByItsThreadsExitIsReported() {
        let sim = Simulation()
        sim.run {
            let go = manualEvent()
            let worker = spawn {
                XCTAssertEqual(WaitForSingleObject(go, INFINITE), WAIT_OBJECT_0)
                return 0  // exits without an alertable wait
            }
            Sleep(10)
            XCTAssertEqual(QueueUserAPC({ _ in XCTFail("a discarded APC never runs") }, worker, 7), 1)
            XCTAssertTrue(SetEvent(go))
            XCTAssertEqual(WaitForSingleObject(worker, INFINITE), WAIT_OBJECT_0)
            for h in [go, worker] { XCTAssertTrue(CloseHandle(h)) }
        }
        let report = sim.finish()
        XCTAssertEqual(report.undeliveredAPCs, [
            "thread-4100: QueueUserAPC routine, queued by main at 10.000ms; discarded when thread-4100 exited",
        ])
        XCTAssertTrue(report.description.contains("APC never delivered: thread-4100: QueueUserAPC routine, queued by main"),
                      report.description)
        XCTAssertFalse(report.isClean)
    }

    /// The same for a completion routine: the worker's `ReadFileEx` completed, its routine was
    /// queued to it, and it exited before waiting alertably, so the program never learned the
    /// read's result.
    func testACompletionRoutineDiscardedByItsThreadsExitIsReported() {
        let sim = Simulation()
        let device = StockDriver(completion: .after(.milliseconds(5)))
        sim.installDevice(#"\\.\dev"#, driver: device)
        let memory = scenarioMemory()
        sim.run {
            let worker = spawn {
                let h = openDevice(#"\\.\dev"#)
                XCTAssertTrue(ReadFileEx(h, memory.buffer(4), 4, memory.overlapped()) { _, _, _ in XCTFail("never runs") })
                Sleep(20)  // not alertable: the routine stays queued
                XCTAssertTrue(CloseHandle(h))
                return 0
            }
            XCTAssertEqual(WaitForSingleObject(worker, INFINITE), WAIT_OBJECT_0)
            XCTAssertTrue(CloseHandle(worker))
        }
        XCTAssertEqual(sim.finish().undeliveredAPCs, [
            "thread-4100: completion routine of IRP#2 (STATUS_SUCCESS), queued by thread-4100 at 5.000ms; "
                + "discarded when thread-4100 exited",
        ])
    }

    /// Completion packets still queued when the port's last handle closes are freed with it
    /// (nt-io-model §6.1), and a packet for a port already closed goes nowhere: the teardown
    /// report lists both with the packets never dequeued, with their key and `OVERLAPPED`.
    func testPacketsDiscardedWithTheirPortAreReported() {
        let sim = Simulation()
        let device = StockDriver(completion: .manual)
        sim.installDevice(#"\\.\dev"#, driver: device)
        let memory = scenarioMemory()
        var addresses: [UInt] = []
        sim.run {
            let h = openDevice(#"\\.\dev"#)
            let port = CreateIoCompletionPort(h, nil, 7, 0)
            let first = memory.overlapped()
            let second = memory.overlapped()
            addresses = [first, second].map { UInt(bitPattern: $0) }
            XCTAssertFalse(ReadFile(h, memory.buffer(4), 4, nil, first))
            XCTAssertFalse(ReadFile(h, memory.buffer(4), 4, nil, second))
            XCTAssertNotNil(device.completeNext(bytes: 0))
            XCTAssertTrue(CloseHandle(port))  // the first read's packet is discarded
            XCTAssertNotNil(device.completeNext(status: .cancelled))  // the second's has nowhere to go
            XCTAssertEqual(internalStatus(first), DWORD(STATUS_PENDING), "the program never learns")
            XCTAssertTrue(CloseHandle(h))
        }
        let report = sim.finish()
        let port = "IoCompletion#3"
        XCTAssertEqual(report.undequeuedPackets.map { "\($0.port) key \($0.key) \($0.status) discarded: \($0.discardedWhenPortClosed)" }, [
            "\(port) key 7 STATUS_SUCCESS discarded: true", "\(port) key 7 STATUS_CANCELLED discarded: true",
        ])
        XCTAssertEqual(report.undequeuedPackets.map(\.overlapped), addresses)
        // By their stable names, never by host address (issue 10, finding 5).
        XCTAssertEqual(report.undequeuedPackets.map(\.overlappedName), ["ov#1", "ov#2"])
        XCTAssertTrue(report.description.contains("packet discarded when \(port) closed: key 7, OVERLAPPED ov#1, STATUS_SUCCESS"),
                      report.description)
        XCTAssertEqual(report.irpsInFlight, [])
    }

    /// A hang report names the evidence behind the waits: a port holding a packet no thread
    /// waits on, and an awaited event that no request in flight can set.
    func testAHangReportNamesPacketsNoOneWaitsForAndEventsNoOneCanSet() throws {
        let sim = Simulation()
        sim.run {
            let port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, nil, 0, 0)
            XCTAssertTrue(PostQueuedCompletionStatus(port, 0, 42, nil))
            let done = manualEvent()
            XCTAssertEqual(WaitForSingleObject(done, INFINITE), WAIT_FAILED)
            XCTAssertEqual(GetLastError(), DWORD(ERROR_POSSIBLE_DEADLOCK))
            for h in [port, done] { XCTAssertTrue(CloseHandle(h)) }
        }
        let hang = try XCTUnwrap(sim.hangs.first)
        XCTAssertEqual(hang.evidence, [
            "IoCompletion#2 holds 1 completion packet(s) and no thread waits on it",
            "Event#3, awaited by main, is the event of no request in flight: only SetEvent could set it, and every thread is blocked",
        ])
        XCTAssertTrue(hang.description.contains("  evidence: IoCompletion#2 holds 1 completion packet(s)"), hang.description)
    }

    /// An event that a request in flight will set is no evidence (the request is, and the
    /// report lists it as pending); a file handle awaited with no request on it is.
    func testAHangReportTellsAnEventARequestCanSetFromAFileNothingSignals() throws {
        let sim = Simulation()
        let device = StockDriver(completion: .manual)
        sim.installDevice(#"\\.\dev"#, driver: device)
        let memory = scenarioMemory()
        sim.run {
            let h = openDevice(#"\\.\dev"#)
            let ov = memory.overlapped(event: manualEvent())
            XCTAssertFalse(ReadFile(h, memory.buffer(4), 4, nil, ov))
            XCTAssertEqual(WaitForSingleObject(ov.pointee.hEvent, INFINITE), WAIT_FAILED)
            XCTAssertNotNil(device.completeNext())
            XCTAssertEqual(WaitForSingleObject(h, 0), DWORD(WAIT_TIMEOUT), "a request with an event leaves the file reset")
            XCTAssertEqual(WaitForSingleObject(h, INFINITE), WAIT_FAILED)
            for handle in [ov.pointee.hEvent, h] { XCTAssertTrue(CloseHandle(handle)) }
        }
        XCTAssertEqual(sim.hangs.count, 2)
        XCTAssertEqual(sim.hangs[0].evidence, [], "the pending read can set its event")
        XCTAssertEqual(sim.hangs[0].pendingIRPs.count, 1)
        XCTAssertEqual(sim.hangs[1].evidence, ["File#2, awaited by main, has no request in flight to signal it"])
    }

    /// The evidence is bounded like the rest of the report: 16 lines, the rest counted.
    func testHangEvidenceIsBounded() throws {
        let sim = Simulation()
        sim.run {
            var ports: [HANDLE?] = []
            for key in 0..<20 {
                let port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, nil, 0, 0)
                XCTAssertTrue(PostQueuedCompletionStatus(port, 0, ULONG_PTR(key), nil))
                ports.append(port)
            }
            let never = manualEvent()
            XCTAssertEqual(WaitForSingleObject(never, INFINITE), WAIT_FAILED)
            XCTAssertEqual(GetLastError(), DWORD(ERROR_POSSIBLE_DEADLOCK))
            for handle in ports + [never] { XCTAssertTrue(CloseHandle(handle)) }
        }
        let hang = try XCTUnwrap(sim.hangs.first)
        XCTAssertEqual(hang.evidence.count, HangReport.lineLimit)
        XCTAssertEqual(hang.droppedEvidence, 5, "20 ports and the event")
        XCTAssertTrue(hang.description.contains("… and 5 more evidence"))
    }
}
