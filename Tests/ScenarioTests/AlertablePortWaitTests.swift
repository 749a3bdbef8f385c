import IOKernel
import Win32Surface
import XCTest

/// An alertable `GetQueuedCompletionStatusEx` with a user APC queued: who goes first, the APC
/// or a queued packet, depends on whether the thread is associated with the port (F-IOCP-19,
/// F-IOCP-21). The story is Wine's ntdll file.c test_set_io_completion, asserted there without
/// todo_wine, told with the Win32 calls (`NtSetIoCompletion` is `PostQueuedCompletionStatus`,
/// `NtRemoveIoCompletionEx` is `GetQueuedCompletionStatusEx`).
final class AlertablePortWaitTests: XCTestCase {
    /// One alertable `GetQueuedCompletionStatusEx` with no wait, as the story's lines read it:
    /// "TRUE n" with the entries removed, or "FALSE error".
    private func dequeueAlertably(_ port: HANDLE?) -> String {
        var entries = [OVERLAPPED_ENTRY](repeating: OVERLAPPED_ENTRY(), count: 2)
        var removed: ULONG = 0xDEAD
        if GetQueuedCompletionStatusEx(port, &entries, 2, &removed, 0, true) { return "TRUE \(removed)" }
        return "FALSE " + win32ErrorName(GetLastError())
    }

    func testAnAlertablePortWaitRunsTheAPCFirstUnlessTheThreadIsAssociated() {
        let sim = Simulation()
        var apcCount = 0
        let countAPC: PAPCFUNC = { parameter in
            UnsafeMutablePointer<Int>(bitPattern: UInt(parameter))?.pointee += 1
        }
        withUnsafeMutablePointer(to: &apcCount) { counter in
            let parameter = ULONG_PTR(UInt(bitPattern: counter))
            sim.run {
                // The thread dequeues from a first port, and so is associated with it.
                let first = CreateIoCompletionPort(INVALID_HANDLE_VALUE, nil, 0, 0)
                XCTAssertTrue(PostQueuedCompletionStatus(first, 3, 123, nil))
                XCTAssertEqual(self.dequeueAlertably(first), "TRUE 1")

                // On a second port, with an APC and a packet queued, the APC goes first: the
                // thread is associated with another port.
                let port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, nil, 0, 0)
                XCTAssertEqual(QueueUserAPC(countAPC, GetCurrentThread(), parameter), 1)
                XCTAssertTrue(PostQueuedCompletionStatus(port, 3, 123, nil))
                XCTAssertEqual(self.dequeueAlertably(port), "FALSE WAIT_IO_COMPLETION")
                XCTAssertEqual(counter.pointee, 1)
                XCTAssertEqual(sim.object(port).flatMap { $0 as? CompletionPort }?.queuedPacketCount, 1, "the packet is left queued")
                XCTAssertTrue(CloseHandle(first))

                // That call did not associate the thread: the APC goes first again.
                counter.pointee = 0
                XCTAssertEqual(QueueUserAPC(countAPC, GetCurrentThread(), parameter), 1)
                XCTAssertEqual(self.dequeueAlertably(port), "FALSE WAIT_IO_COMPLETION")
                XCTAssertEqual(counter.pointee, 1)

                // With no APC queued, the packet: now the thread is associated with the port.
                XCTAssertEqual(self.dequeueAlertably(port), "TRUE 1")

                // Associated, it gets a queued packet first; the APC waits for the next
                // alertable wait.
                counter.pointee = 0
                XCTAssertEqual(QueueUserAPC(countAPC, GetCurrentThread(), parameter), 1)
                XCTAssertTrue(PostQueuedCompletionStatus(port, 3, 123, nil))
                XCTAssertEqual(self.dequeueAlertably(port), "TRUE 1")
                XCTAssertEqual(counter.pointee, 0)
                XCTAssertEqual(SleepEx(0, true), WAIT_IO_COMPLETION)
                XCTAssertEqual(counter.pointee, 1)

                // Associated and nothing queued, the APC runs (F-IOCP-19).
                counter.pointee = 0
                XCTAssertEqual(QueueUserAPC(countAPC, GetCurrentThread(), parameter), 1)
                XCTAssertEqual(self.dequeueAlertably(port), "FALSE WAIT_IO_COMPLETION")
                XCTAssertEqual(counter.pointee, 1)
                XCTAssertTrue(CloseHandle(port))
            }
        }
        XCTAssertTrue(sim.finish().isClean)
    }

    /// The same rule holds for a packet of real I/O: a worker that has never waited on the port
    /// runs its APC and leaves the read's packet queued, with the read's `OVERLAPPED` not yet
    /// written (a thread-agnostic request finishes when its packet is dequeued, F-OVL-11).
    func testAnUnassociatedWorkerLeavesAnIOPacketQueued() {
        let sim = Simulation()
        let device = StockDriver(completion: .manual)
        sim.installDevice(#"\\.\dev"#, driver: device)
        let memory = scenarioMemory()
        sim.run {
            let h = openDevice(#"\\.\dev"#)
            let port = CreateIoCompletionPort(h, nil, 7, 0)
            let ov = memory.overlapped()
            XCTAssertFalse(ReadFile(h, memory.buffer(4), 4, nil, ov))
            XCTAssertNotNil(device.completeNext(data: Array("data".utf8)))
            XCTAssertEqual(QueueUserAPC({ _ in }, GetCurrentThread(), 0), 1)
            XCTAssertEqual(self.dequeueAlertably(port), "FALSE WAIT_IO_COMPLETION")
            XCTAssertEqual(internalStatus(ov), DWORD(STATUS_PENDING))
            XCTAssertEqual(self.dequeueAlertably(port), "TRUE 1")
            XCTAssertEqual(internalStatus(ov), DWORD(STATUS_SUCCESS))
            XCTAssertEqual(ov.pointee.InternalHigh, 4)
            for handle in [h, port] { XCTAssertTrue(CloseHandle(handle)) }
        }
        XCTAssertTrue(sim.finish().isClean)
    }
}
