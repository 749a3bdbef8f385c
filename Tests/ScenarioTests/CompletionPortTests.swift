import IOKernel
import Win32Surface
import XCTest

/// I/O completion ports (nt-io-model §6; win32-facts F-IOCP-*, F-SKIP-*, F-OVL-11).
final class CompletionPortTests: XCTestCase {
    /// The result of one GetQueuedCompletionStatus call.
    private struct Dequeued: Equatable {
        var ok: Bool
        var error: DWORD
        var bytes: DWORD
        var key: ULONG_PTR
        var overlapped: LPOVERLAPPED?
    }

    private func dequeue(_ port: HANDLE?, _ milliseconds: DWORD = 0) -> Dequeued {
        var bytes: DWORD = 0xAAAA
        var key: ULONG_PTR = 0xBBBB
        var ov: LPOVERLAPPED? = UnsafeMutablePointer(bitPattern: 0x1234)
        SetLastError(0xDEAD)
        let ok = GetQueuedCompletionStatus(port, &bytes, &key, &ov, milliseconds)
        return Dequeued(ok: ok, error: GetLastError(), bytes: bytes, key: key, overlapped: ov)
    }

    /// Suite 1, an echo loop: reads pending on three files bound to one port with keys 1, 2, 3;
    /// the device completes them in an order of the test's choosing; one thread drains the
    /// port and gets each packet in completion order with its exact key and byte count
    /// (F-IOCP-6, F-IOCP-16).
    func testEchoLoopDrainsPacketsInCompletionOrder() {
        let sim = Simulation()
        let device = StockDriver(completion: .manual)
        sim.installDevice(#"\\.\echo"#, driver: device)
        let memory = scenarioMemory()
        sim.run {
            let port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, nil, 0, 1)
            XCTAssertNotNil(port)
            var files: [HANDLE?] = []
            var overlapped: [LPOVERLAPPED] = []
            for key in 1...3 {
                let h = openDevice(#"\\.\echo"#)
                XCTAssertEqual(CreateIoCompletionPort(h, port, ULONG_PTR(key), 0), port, "F-IOCP-2: the same port handle")
                let ov = memory.overlapped()
                XCTAssertFalse(ReadFile(h, memory.buffer(16), 16, nil, ov))
                XCTAssertEqual(GetLastError(), DWORD(ERROR_IO_PENDING))
                files.append(h)
                overlapped.append(ov)
            }
            let pending = device.pending
            XCTAssertEqual(pending.count, 3)
            device.complete(pending[2], data: Array("three".utf8))
            device.complete(pending[0], data: Array("1".utf8))
            device.complete(pending[1], data: Array("two".utf8))
            XCTAssertEqual(dequeue(port), Dequeued(ok: true, error: 0xDEAD, bytes: 5, key: 3, overlapped: overlapped[2]))
            XCTAssertEqual(dequeue(port), Dequeued(ok: true, error: 0xDEAD, bytes: 1, key: 1, overlapped: overlapped[0]))
            XCTAssertEqual(dequeue(port), Dequeued(ok: true, error: 0xDEAD, bytes: 3, key: 2, overlapped: overlapped[1]))
            // F-IOCP-12: nothing left: FALSE, WAIT_TIMEOUT, a null OVERLAPPED, bytes and key untouched.
            XCTAssertEqual(dequeue(port, 50), Dequeued(ok: false, error: DWORD(WAIT_TIMEOUT), bytes: 0xAAAA, key: 0xBBBB,
                                                       overlapped: nil))
            XCTAssertEqual(GetTickCount64(), 50)
            for h in files { XCTAssertTrue(CloseHandle(h)) }
            XCTAssertTrue(CloseHandle(port))
        }
    }

    /// Suite 2 (F-OVL-11, F-CAN-9, F-CAN-11, F-IOCP-10): CancelIoEx of a pending read on a
    /// port-bound handle (no event: thread-agnostic) returns at once; the packet arrives after
    /// it, and the OVERLAPPED is written only when the packet is dequeued, so it must stay
    /// valid until then. GQCS gives FALSE, ERROR_OPERATION_ABORTED, the OVERLAPPED, 0 bytes.
    func testCancelledReadDeliversItsPacketAfterTheCancelReturns() {
        let sim = Simulation(options: SimulationOptions(tracing: true))
        sim.installDevice(#"\\.\dev"#, driver: StockDriver(completion: .manual))
        let memory = scenarioMemory()
        sim.run {
            let h = openDevice(#"\\.\dev"#)
            let port = CreateIoCompletionPort(h, nil, 7, 0)
            let ov = memory.overlapped()
            XCTAssertFalse(ReadFile(h, memory.buffer(8), 8, nil, ov))
            XCTAssertTrue(CancelIoEx(h, ov))
            XCTAssertEqual(internalStatus(ov), STATUS_PENDING, "not written until the packet is dequeued")
            XCTAssertEqual(dequeue(port), Dequeued(ok: false, error: DWORD(ERROR_OPERATION_ABORTED), bytes: 0, key: 7,
                                                  overlapped: ov))
            XCTAssertEqual(internalStatus(ov), STATUS_CANCELLED)
            XCTAssertEqual(ov.pointee.InternalHigh, 0)
            XCTAssertTrue(CloseHandle(h))
            XCTAssertTrue(CloseHandle(port))
        }
        let events = sim.trace.events
        let cancelReturned = events.firstIndex { if case .call(let c, _) = $0 { return c.hasPrefix("CancelIoEx") } else { return false } }
        let written = events.firstIndex { if case .wroteStatus(_, .cancelled, 0, _) = $0 { return true } else { return false } }
        XCTAssertNotNil(cancelReturned)
        XCTAssertNotNil(written)
        XCTAssertLessThan(cancelReturned ?? 0, written ?? 0)
    }

    /// Suite 3 (F-RW-3, F-IOCP-7, F-SKIP-1, F-SKIP-6): a read that succeeds at once returns
    /// TRUE *and* queues a packet, unless FILE_SKIP_COMPLETION_PORT_ON_SUCCESS is set. Code that
    /// handles the TRUE and then the packet too processes the same read twice.
    func testSynchronousSuccessQueuesAPacketUnlessSkipped() {
        let sim = Simulation()
        sim.installDevice(#"\\.\fast"#, driver: StockDriver(completion: .immediate, source: .repeating([0x41])))
        let memory = scenarioMemory()
        sim.run {
            let h = openDevice(#"\\.\fast"#)
            let port = CreateIoCompletionPort(h, nil, 1, 0)
            let ov = memory.overlapped()
            var processed = 0
            var n: DWORD = 0
            // The double-handling bug: handle the synchronous result…
            if ReadFile(h, memory.buffer(4), 4, &n, ov) { processed += 1 }
            XCTAssertEqual(n, 4)
            XCTAssertEqual(internalStatus(ov), STATUS_SUCCESS, "F-OVL-7: filled in when the call returns")
            // …and then the packet for the same read.
            if dequeue(port).overlapped == ov { processed += 1 }
            XCTAssertEqual(processed, 2, "the same read handled twice")

            XCTAssertTrue(SetFileCompletionNotificationModes(h, UCHAR(FILE_SKIP_COMPLETION_PORT_ON_SUCCESS)))
            XCTAssertTrue(ReadFile(h, memory.buffer(4), 4, &n, ov))
            XCTAssertEqual(dequeue(port), Dequeued(ok: false, error: DWORD(WAIT_TIMEOUT), bytes: 0xAAAA, key: 0xBBBB,
                                                  overlapped: nil), "F-SKIP-6: nothing was queued")
            XCTAssertTrue(CloseHandle(h))
            XCTAssertTrue(CloseHandle(port))
        }
    }

    /// Suite 4: shutting down by closing the file with reads pending on a driver that cancels
    /// at cleanup; every read then delivers its packet, and the loop drains them all before
    /// freeing the OVERLAPPEDs.
    func testShutdownDrainsEveryPendingReadsPacket() {
        let sim = Simulation()
        sim.installDevice(#"\\.\dev"#, driver: StockDriver(completion: .manual, cleanup: .cancelsPending))
        let memory = scenarioMemory()
        sim.run {
            let h = openDevice(#"\\.\dev"#)
            let port = CreateIoCompletionPort(h, nil, 9, 0)
            var outstanding = Set<UInt>()
            for _ in 0..<4 {
                let ov = memory.overlapped()
                XCTAssertFalse(ReadFile(h, memory.buffer(8), 8, nil, ov))
                outstanding.insert(UInt(bitPattern: ov))
            }
            XCTAssertTrue(CloseHandle(h))
            var drained = 0
            while !outstanding.isEmpty {
                let packet = dequeue(port, 1000)
                XCTAssertEqual(packet.error, DWORD(ERROR_OPERATION_ABORTED))
                XCTAssertEqual(packet.key, 9)
                guard let ov = packet.overlapped else { break }
                XCTAssertEqual(internalStatus(ov), STATUS_CANCELLED)
                outstanding.remove(UInt(bitPattern: ov))
                drained += 1
            }
            XCTAssertEqual(drained, 4)
            XCTAssertEqual(GetTickCount64(), 0, "all four were already queued")
            XCTAssertTrue(CloseHandle(port))
        }
    }

    /// Suite 5 (F-EXIT-1, F-EXIT-2, nt-io-model §4.3): when the issuing thread exits, its
    /// port-bound read (no event) survives and later completes to the port normally; its read
    /// issued with an event is cancelled.
    func testThreadExitSparesPortBoundIOAndCancelsEventIO() {
        let sim = Simulation()
        let device = StockDriver(completion: .manual)
        sim.installDevice(#"\\.\dev"#, driver: device)
        let memory = scenarioMemory()
        sim.run {
            let h = openDevice(#"\\.\dev"#)
            let port = CreateIoCompletionPort(h, nil, 5, 0)
            let agnostic = memory.overlapped()
            let withEvent = memory.overlapped(event: manualEvent())
            let worker = spawn {
                XCTAssertFalse(ReadFile(h, memory.buffer(12), 12, nil, agnostic))
                XCTAssertFalse(ReadFile(h, memory.buffer(12), 12, nil, withEvent))
                return 0
            }
            XCTAssertEqual(WaitForSingleObject(worker, INFINITE), WAIT_OBJECT_0)
            XCTAssertEqual(internalStatus(withEvent), STATUS_CANCELLED)
            XCTAssertEqual(WaitForSingleObject(withEvent.pointee.hEvent, 0), WAIT_OBJECT_0)
            XCTAssertEqual(device.pending.count, 1, "the port-bound read is still in the driver")
            // Its event-bound sibling still queues a packet (it has a completion context).
            XCTAssertEqual(dequeue(port), Dequeued(ok: false, error: DWORD(ERROR_OPERATION_ABORTED), bytes: 0, key: 5,
                                                  overlapped: withEvent))
            device.completeNext(data: Array("hello, world".utf8))
            XCTAssertEqual(dequeue(port), Dequeued(ok: true, error: 0xDEAD, bytes: 12, key: 5, overlapped: agnostic))
            XCTAssertEqual(internalStatus(agnostic), STATUS_SUCCESS)
            XCTAssertTrue(CloseHandle(h))
            XCTAssertTrue(CloseHandle(port))
        }
    }

    /// F-SIG-5, F-IOCP-8: with the low bit of hEvent set, the event is still set at completion
    /// but no packet is queued.
    func testEventLowBitSuppressesThePacket() {
        let sim = Simulation()
        let device = StockDriver(completion: .manual)
        sim.installDevice(#"\\.\dev"#, driver: device)
        let memory = scenarioMemory()
        sim.run {
            let h = openDevice(#"\\.\dev"#)
            let port = CreateIoCompletionPort(h, nil, 1, 0)
            let event = manualEvent()
            let ov = memory.overlapped(event: HANDLE(bitPattern: UInt(bitPattern: event) | 1))
            XCTAssertFalse(ReadFile(h, memory.buffer(4), 4, nil, ov))
            device.completeNext()
            XCTAssertEqual(WaitForSingleObject(event, 0), WAIT_OBJECT_0)
            XCTAssertEqual(internalStatus(ov), STATUS_SUCCESS)
            XCTAssertEqual(dequeue(port).overlapped, nil)
            XCTAssertEqual(GetLastError(), DWORD(WAIT_TIMEOUT))
        }
    }

    /// F-IOCP-14, F-IOCP-16, F-IOCP-17, F-IOCP-18: posted packets come back verbatim and in
    /// order; GQCSEx removes a batch; an empty port times out with 0 entries.
    func testPostedPacketsAndBatches() {
        let sim = Simulation()
        sim.run {
            let port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, nil, 0, 0)
            let fake = UnsafeMutablePointer<OVERLAPPED>(bitPattern: 0xABC0)
            XCTAssertTrue(PostQueuedCompletionStatus(port, 11, 100, nil))
            XCTAssertTrue(PostQueuedCompletionStatus(port, 22, 200, fake))
            XCTAssertTrue(PostQueuedCompletionStatus(port, 33, 300, nil))
            var entries = [OVERLAPPED_ENTRY](repeating: OVERLAPPED_ENTRY(), count: 2)
            var removed: ULONG = 99
            XCTAssertTrue(GetQueuedCompletionStatusEx(port, &entries, 2, &removed, 0, false))
            XCTAssertEqual(removed, 2)
            XCTAssertEqual(entries.map(\.lpCompletionKey), [100, 200])
            XCTAssertEqual(entries.map(\.dwNumberOfBytesTransferred), [11, 22])
            XCTAssertEqual(entries[1].lpOverlapped, fake)
            XCTAssertEqual(entries.map(\.Internal), [0, 0])
            XCTAssertEqual(dequeue(port), Dequeued(ok: true, error: 0xDEAD, bytes: 33, key: 300, overlapped: nil),
                           "F-IOCP-13: TRUE with a NULL OVERLAPPED is a posted packet")
            XCTAssertFalse(GetQueuedCompletionStatusEx(port, &entries, 2, &removed, 0, false))
            XCTAssertEqual(GetLastError(), DWORD(WAIT_TIMEOUT))
            XCTAssertEqual(removed, 0)
        }
    }

    /// F-IOCP-19: GQCSEx alertable on an empty port runs the queued APC and returns FALSE with
    /// WAIT_IO_COMPLETION; with a packet there, a thread associated with the port gets the
    /// packet and the APC stays queued (for one not yet associated, see
    /// AlertablePortWaitTests).
    func testAlertableBatchDequeue() {
        let sim = Simulation()
        sim.run {
            let port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, nil, 0, 0)
            var entries = [OVERLAPPED_ENTRY](repeating: OVERLAPPED_ENTRY(), count: 1)
            var removed: ULONG = 0
            XCTAssertEqual(dequeue(port).error, DWORD(WAIT_TIMEOUT), "associates the thread with the port")
            XCTAssertNotEqual(QueueUserAPC({ _ in }, GetCurrentThread(), 0), 0)
            XCTAssertTrue(PostQueuedCompletionStatus(port, 1, 1, nil))
            XCTAssertTrue(GetQueuedCompletionStatusEx(port, &entries, 1, &removed, INFINITE, true))
            XCTAssertEqual(removed, 1)
            XCTAssertEqual(sim.mainThreadObject?.queuedUserAPCCount, 1)
            XCTAssertFalse(GetQueuedCompletionStatusEx(port, &entries, 1, &removed, INFINITE, true))
            XCTAssertEqual(GetLastError(), WAIT_IO_COMPLETION)
            XCTAssertEqual(sim.mainThreadObject?.queuedUserAPCCount, 0)
            // GQCS itself is not alertable (F-IOCP-20): it times out with the APC still queued.
            XCTAssertNotEqual(QueueUserAPC({ _ in }, GetCurrentThread(), 0), 0)
            XCTAssertEqual(dequeue(port, 10).error, DWORD(WAIT_TIMEOUT))
            XCTAssertEqual(sim.mainThreadObject?.queuedUserAPCCount, 1)
        }
    }

    /// F-IOCP-3, F-IOCP-4, F-RFX-8, F-SKIP-3, F-SKIP-4: what cannot be bound or done.
    func testBindingRules() {
        let sim = Simulation()
        sim.installDevice(#"\\.\dev"#, driver: StockDriver(completion: .manual))
        let memory = scenarioMemory()
        sim.run {
            let synchronous = openDevice(#"\\.\dev"#, overlapped: false)
            XCTAssertNil(CreateIoCompletionPort(synchronous, nil, 1, 0))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_PARAMETER))
            XCTAssertFalse(SetFileCompletionNotificationModes(synchronous, UCHAR(FILE_SKIP_COMPLETION_PORT_ON_SUCCESS)))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_PARAMETER))

            let h = openDevice(#"\\.\dev"#)
            let port = CreateIoCompletionPort(h, nil, 1, 0)
            XCTAssertNotNil(port)
            XCTAssertNil(CreateIoCompletionPort(h, port, 2, 0), "a file object binds to one port, once")
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_PARAMETER))
            XCTAssertNil(CreateIoCompletionPort(INVALID_HANDLE_VALUE, port, 0, 0))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_PARAMETER))
            XCTAssertNil(CreateIoCompletionPort(HANDLE(bitPattern: 0x7770), nil, 0, 0))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_HANDLE))

            XCTAssertFalse(ReadFileEx(h, memory.buffer(4), 4, memory.overlapped(), { _, _, _ in }))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_PARAMETER))

            XCTAssertTrue(SetFileCompletionNotificationModes(h, UCHAR(FILE_SKIP_SET_EVENT_ON_HANDLE)))
            XCTAssertTrue(SetFileCompletionNotificationModes(h, 0))
            XCTAssertEqual(sim.fileObject(h)?.notificationModes, 2, "modes are sticky")
            XCTAssertTrue(SetFileCompletionNotificationModes(h, 0xFF))
            XCTAssertEqual(sim.fileObject(h)?.notificationModes, 3, "unknown bits are dropped")
        }
    }

    /// F-SIG-4: with FILE_SKIP_SET_EVENT_ON_HANDLE, completions do not signal the file handle,
    /// but an explicit hEvent still is.
    func testSkipSetEventOnHandle() {
        let sim = Simulation()
        let device = StockDriver(completion: .manual)
        sim.installDevice(#"\\.\dev"#, driver: device)
        let memory = scenarioMemory()
        sim.run {
            let h = openDevice(#"\\.\dev"#)
            XCTAssertTrue(SetFileCompletionNotificationModes(h, UCHAR(FILE_SKIP_SET_EVENT_ON_HANDLE)))
            XCTAssertFalse(ReadFile(h, memory.buffer(4), 4, nil, memory.overlapped()))
            device.completeNext()
            XCTAssertEqual(WaitForSingleObject(h, 0), DWORD(WAIT_TIMEOUT), "the handle stays non-signalled")
            let ov = memory.overlapped(event: manualEvent())
            XCTAssertFalse(ReadFile(h, memory.buffer(4), 4, nil, ov))
            device.completeNext()
            XCTAssertEqual(WaitForSingleObject(ov.pointee.hEvent, 0), WAIT_OBJECT_0)
        }
    }

    /// F-IOCP-21: waiting threads are released last-in-first-out; a packet releases a waiter
    /// only while fewer than `concurrency` associated threads run, and a thread blocked
    /// elsewhere stops counting as running. F-IOCP-15: closing the port releases its waiters
    /// with ERROR_ABANDONED_WAIT_0.
    func testWaitersAreReleasedLastInFirstOut() {
        let sim = Simulation()
        var served: [String] = []
        sim.run {
            let port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, nil, 0, 1)
            var workers: [HANDLE?] = []
            for name in ["first", "second", "third"] {
                workers.append(spawn {
                    var bytes: DWORD = 0
                    var key: ULONG_PTR = 0
                    var ov: LPOVERLAPPED?
                    while GetQueuedCompletionStatus(port, &bytes, &key, &ov, INFINITE) {
                        served.append("\(name) got \(key)")
                    }
                    served.append("\(name): \(win32ErrorName(GetLastError()))")
                    return 0
                })
            }
            Sleep(1)  // all three now wait on the port: first, second, third
            XCTAssertTrue(PostQueuedCompletionStatus(port, 0, 1, nil))
            Sleep(1)
            XCTAssertTrue(PostQueuedCompletionStatus(port, 0, 2, nil))
            Sleep(1)
            XCTAssertTrue(CloseHandle(port))
            XCTAssertEqual(WaitForMultipleObjects(3, &workers, true, INFINITE), WAIT_OBJECT_0)
        }
        // Closing the port releases all three at once; the order they then run in is the
        // scheduler's (round-robin for the default strategy), not the port's.
        XCTAssertEqual(served, [
            "third got 1", "third got 2",
            "first: ERROR_ABANDONED_WAIT_0", "second: ERROR_ABANDONED_WAIT_0", "third: ERROR_ABANDONED_WAIT_0",
        ])
    }

    /// F-IOCP-21, the KQUEUE rules: a packet is handed to the most recent waiter the moment it
    /// is queued (so with room for two, the second waiter still gets the first packet even
    /// though the scheduler runs the first waiter first); with a concurrency of 1, the second
    /// packet waits until the running thread blocks somewhere else, and then goes to the other
    /// waiter while that thread sleeps.
    func testPacketsGoToTheLatestWaiterWithinTheConcurrencyLimit() {
        func run(concurrency: DWORD) -> [String] {
            let sim = Simulation()
            var log: [String] = []
            sim.run {
                let port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, nil, 0, concurrency)
                var workers: [HANDLE?] = []
                for name in ["W1", "W2"] {
                    workers.append(spawn {
                        var bytes: DWORD = 0
                        var key: ULONG_PTR = 0
                        var ov: LPOVERLAPPED?
                        while GetQueuedCompletionStatus(port, &bytes, &key, &ov, INFINITE) {
                            log.append("\(name) got \(key) at \(GetTickCount64())")
                            Sleep(10)  // blocked elsewhere: no longer running for the port
                        }
                        return 0
                    })
                }
                Sleep(1)  // W1 waits, then W2: W2 is the most recent waiter
                XCTAssertTrue(PostQueuedCompletionStatus(port, 0, 1, nil))
                XCTAssertTrue(PostQueuedCompletionStatus(port, 0, 2, nil))
                Sleep(100)
                XCTAssertTrue(CloseHandle(port))
                XCTAssertEqual(WaitForMultipleObjects(2, &workers, true, INFINITE), WAIT_OBJECT_0)
            }
            return log
        }
        XCTAssertEqual(run(concurrency: 2), ["W1 got 2 at 1", "W2 got 1 at 1"])
        XCTAssertEqual(run(concurrency: 1), ["W2 got 1 at 1", "W1 got 2 at 1"])
    }

    /// Suite 4, the buggy shutdown: the file is closed (the driver cancels its reads at
    /// cleanup) and the OVERLAPPEDs are freed without draining the port. The four packets are
    /// still queued, each carrying the address of an OVERLAPPED that no longer exists; the
    /// teardown report lists them.
    func testShutdownThatForgetsToDrainLeavesPacketsForFreedOverlappeds() throws {
        let sim = Simulation()
        sim.installDevice(#"\\.\dev"#, driver: StockDriver(completion: .manual, cleanup: .cancelsPending))
        var addresses: [UInt] = []
        sim.run {
            let h = openDevice(#"\\.\dev"#)
            _ = CreateIoCompletionPort(h, nil, 9, 0)
            for _ in 0..<4 {
                let ov = UnsafeMutablePointer<OVERLAPPED>.allocate(capacity: 1)
                ov.initialize(to: OVERLAPPED())
                addresses.append(UInt(bitPattern: ov))
                XCTAssertFalse(ReadFile(h, nil, 0, nil, ov))
            }
            XCTAssertTrue(CloseHandle(h))
            // The bug: free the OVERLAPPEDs (the port is never drained). Kept allocated here,
            // so that the simulator's own process is not corrupted by the demonstration.
        }
        let report = sim.finish()
        XCTAssertFalse(report.isClean)
        XCTAssertEqual(report.undequeuedPackets.map(\.overlapped), addresses)
        XCTAssertEqual(report.undequeuedPackets.map(\.key), [9, 9, 9, 9])
        XCTAssertEqual(report.undequeuedPackets.map(\.status), [.cancelled, .cancelled, .cancelled, .cancelled])
        XCTAssertEqual(report.irpsInFlight.count, 4, "thread-agnostic: their completion waits for the dequeue")
        XCTAssertEqual(report.openHandles, ["0x8 IoCompletion#3"])
        for address in addresses { UnsafeMutablePointer<OVERLAPPED>(bitPattern: address)?.deallocate() }
    }

    /// A synchronous failure on a port-bound handle queues no packet (F-RW-9, F-IOCP-7).
    func testSynchronousFailureQueuesNoPacket() {
        let sim = Simulation()
        sim.installDevice(#"\\.\dev"#, driver: StockDriver(completion: .immediate, source: .bytes([])))
        let memory = scenarioMemory()
        sim.run {
            let h = openDevice(#"\\.\dev"#)
            let port = CreateIoCompletionPort(h, nil, 1, 0)
            let ov = memory.overlapped()
            XCTAssertFalse(ReadFile(h, memory.buffer(4), 4, nil, ov))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_HANDLE_EOF))
            XCTAssertEqual(internalStatus(ov), STATUS_PENDING, "F-OVL-2: untouched")
            XCTAssertEqual(dequeue(port).error, DWORD(WAIT_TIMEOUT))
        }
    }
}
