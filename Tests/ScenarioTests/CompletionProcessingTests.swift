import IOKernel
import Win32Surface
import XCTest

/// When completion processing reaches the program, and what it signals (issue 11, "Completion
/// processing"; nt-io-model §2.3–§2.6; win32-facts F-SIG-*).
final class CompletionProcessingTests: XCTestCase {
    /// One `GetQueuedCompletionStatus` with no wait: (result, bytes, key, OVERLAPPED).
    private func dequeue(_ port: HANDLE?) -> (ok: Bool, bytes: DWORD, key: ULONG_PTR, overlapped: LPOVERLAPPED?) {
        var bytes: DWORD = 0xAAAA
        var key: ULONG_PTR = 0xBBBB
        var ov: LPOVERLAPPED?
        let ok = GetQueuedCompletionStatus(port, &bytes, &key, &ov, 0)
        return (ok, bytes, key, ov)
    }

    /// A thread's `WriteFile` satisfies the read the same thread pended on the other end of
    /// the pipe. NT completes the read with `IoCompleteRequest` inside the write, which queues
    /// its completion processing as a special kernel APC to the issuing thread; that thread is
    /// the one running, at PASSIVE_LEVEL, so the APC is delivered at once, inside the write and
    /// before the write's own completion processing (nt-io-model §2.3, §2.4, §2.6). With both
    /// ends bound to one port, the read's packet is therefore queued, and dequeued, first; and
    /// when `WriteFile` returns, the read's `OVERLAPPED` is final and its event set (Wine's ntdll
    /// pipe.c test_completion: `io.Status` and the event are checked right after the write).
    func testACompletionCausedByTheIssuingThreadsOwnCallIsDeliveredInsideIt() {
        let sim = Simulation(options: SimulationOptions(tracing: true))
        let memory = scenarioMemory()
        sim.run {
            let server = createPipeServer("own-completion", message: true)
            let client = openPipeClient("own-completion")
            let port = CreateIoCompletionPort(server, nil, 0x5E, 0)
            XCTAssertEqual(CreateIoCompletionPort(client, port, 0xC1, 0), port)

            // The read has an event, so it is bound to this thread (not thread-agnostic).
            let readOV = memory.overlapped(event: manualEvent())
            let buffer = memory.buffer(16)
            XCTAssertFalse(ReadFile(server, buffer, 16, nil, readOV))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_IO_PENDING))

            let writeOV = memory.overlapped(event: manualEvent())
            var written: DWORD = 0
            XCTAssertTrue(WriteFile(client, Array("testdata".utf8), 8, &written, writeOV))
            XCTAssertEqual(written, 8)
            XCTAssertEqual(internalStatus(readOV), DWORD(STATUS_SUCCESS))
            XCTAssertEqual(readOV.pointee.InternalHigh, 8)
            XCTAssertEqual(WaitForSingleObject(readOV.pointee.hEvent, 0), WAIT_OBJECT_0)
            XCTAssertEqual(string(buffer, 8), "testdata")

            let first = self.dequeue(port)
            XCTAssertEqual(first.ok, true)
            XCTAssertEqual(first.key, 0x5E, "the read's packet comes first")
            XCTAssertEqual(first.overlapped, readOV)
            XCTAssertEqual(first.bytes, 8)
            let second = self.dequeue(port)
            XCTAssertEqual(second.ok, true)
            XCTAssertEqual(second.key, 0xC1)
            XCTAssertEqual(second.overlapped, writeOV)
            XCTAssertEqual(second.bytes, 8)
            XCTAssertFalse(self.dequeue(port).ok)

            for h in [readOV.pointee.hEvent, writeOV.pointee.hEvent, client, server, port] { XCTAssertTrue(CloseHandle(h)) }
        }
        // The read finished its completion processing before the write did.
        var read: Int?
        var write: Int?
        var delivered: [Int] = []
        for event in sim.trace.events {
            switch event {
            case .irpIssued(let irp, .read, _): read = irp
            case .irpIssued(let irp, .write, _): write = irp
            case .irpDelivered(let irp, _) where irp == read || irp == write: delivered.append(irp)
            default: break
            }
        }
        XCTAssertEqual(delivered, [read, write].compactMap { $0 })
        XCTAssertTrue(sim.finish().isClean)
    }

    /// A request that another thread's call completes is still finished by its own thread,
    /// when that thread next runs (nt-io-model §2.6): the immediate delivery above is only for
    /// the running thread's own requests.
    func testACompletionCausedByAnotherThreadWaitsForTheIssuingThread() {
        let sim = Simulation()
        let memory = scenarioMemory()
        sim.run {
            let server = createPipeServer("other-thread", message: true)
            let client = openPipeClient("other-thread")
            let readOV = memory.overlapped(event: manualEvent())
            XCTAssertFalse(ReadFile(server, memory.buffer(16), 16, nil, readOV))
            var statusSeenByWriter: DWORD = 0
            let writer = spawn {
                var written: DWORD = 0
                XCTAssertTrue(WriteFile(client, Array("hi".utf8), 2, &written, memory.overlapped()))
                statusSeenByWriter = internalStatus(readOV)
                return 0
            }
            XCTAssertEqual(WaitForSingleObject(writer, INFINITE), WAIT_OBJECT_0)
            XCTAssertEqual(statusSeenByWriter, DWORD(STATUS_PENDING), "the reader had not run yet")
            XCTAssertEqual(internalStatus(readOV), DWORD(STATUS_SUCCESS))
            XCTAssertEqual(readOV.pointee.InternalHigh, 2)
            for h in [readOV.pointee.hEvent, writer, client, server] { XCTAssertTrue(CloseHandle(h)) }
        }
        XCTAssertTrue(sim.finish().isClean)
    }

    /// `FILE_SKIP_SET_EVENT_ON_HANDLE` takes effect at once: a handle signalled by a completion
    /// stops being signalled when the mode is set, and no later completion signals it. The
    /// story is Wine's ntdll pipe.c test_completion from "skipping completion on success:
    /// handle is signaled" to "skipping set event on handle: handle is never signaled"
    /// (F-SIG-4, F-SKIP-5), in Win32 calls.
    func testSkipSetEventOnHandleResetsTheHandleAtOnce() {
        let sim = Simulation()
        let memory = scenarioMemory()
        sim.run {
            let server = createPipeServer("skip-event", message: true)
            let client = openPipeClient("skip-event")
            XCTAssertEqual(WaitForSingleObject(client, 0), WAIT_OBJECT_0, "a fresh handle is signalled")
            let port = CreateIoCompletionPort(client, nil, 0xDEAD_BEEF, 0)
            XCTAssertTrue(SetFileCompletionNotificationModes(client, UCHAR(FILE_SKIP_COMPLETION_PORT_ON_SUCCESS)))
            XCTAssertEqual(WaitForSingleObject(client, 0), WAIT_OBJECT_0)

            let ov = memory.overlapped()
            XCTAssertFalse(ReadFile(client, memory.buffer(16), 16, nil, ov))
            XCTAssertEqual(WaitForSingleObject(client, 0), DWORD(WAIT_TIMEOUT), "reset at issue")
            var count: DWORD = 0
            XCTAssertTrue(WriteFile(client, Array("t".utf8), 1, &count, nil))
            XCTAssertEqual(WaitForSingleObject(client, 0), WAIT_OBJECT_0, "the write, with no event, signals it")

            XCTAssertTrue(SetFileCompletionNotificationModes(client, UCHAR(FILE_SKIP_SET_EVENT_ON_HANDLE)))
            XCTAssertEqual(WaitForSingleObject(client, 0), DWORD(WAIT_TIMEOUT), "no longer signalled, at once")

            // The server's write completes the pending read: the handle stays non-signalled,
            // and the read's packet is queued.
            XCTAssertTrue(WriteFile(server, Array("testdata\0".utf8), 9, &count, nil))
            XCTAssertEqual(WaitForSingleObject(client, 0), DWORD(WAIT_TIMEOUT))
            let packet = self.dequeue(port)
            XCTAssertEqual(packet.ok, true)
            XCTAssertEqual(packet.key, 0xDEAD_BEEF)
            XCTAssertEqual(packet.overlapped, ov)
            XCTAssertEqual(packet.bytes, 9)
            XCTAssertEqual(internalStatus(ov), DWORD(STATUS_SUCCESS))
            XCTAssertEqual(WaitForSingleObject(client, 0), DWORD(WAIT_TIMEOUT), "nor after the dequeue")

            // Nor does a synchronous write of its own, which did signal it before.
            XCTAssertTrue(WriteFile(client, Array("t".utf8), 1, &count, nil))
            XCTAssertEqual(WaitForSingleObject(client, 0), DWORD(WAIT_TIMEOUT))
            for h in [client, server, port] { XCTAssertTrue(CloseHandle(h)) }
        }
        XCTAssertTrue(sim.finish().isClean)
    }

    /// With `FILE_SKIP_SET_EVENT_ON_HANDLE` on a synchronous handle, the completions of its
    /// calls do not signal it either, not even one given an `OVERLAPPED` with an event, which
    /// otherwise sets the file object's event too (F-SYNC-3: the event the mode suppresses;
    /// F-SIG-4: "completions never signal the handle").
    func testSkipSetEventOnHandleOnASynchronousHandle() {
        let sim = Simulation()
        let memory = scenarioMemory()
        sim.run {
            let server = createPipeServer("skip-sync", overlapped: false, message: true)
            let client = openPipeClient("skip-sync", overlapped: false)
            var count: DWORD = 0
            XCTAssertTrue(WriteFile(server, Array("abc".utf8), 3, &count, nil))
            XCTAssertTrue(WriteFile(server, Array("def".utf8), 3, &count, nil))

            // Without the mode, a read with an event signals the event and the handle.
            let ov = memory.overlapped(event: manualEvent())
            let buffer = memory.buffer(3)
            XCTAssertTrue(ReadFile(client, buffer, 3, &count, ov))
            XCTAssertEqual(count, 3)
            XCTAssertEqual(WaitForSingleObject(ov.pointee.hEvent, 0), WAIT_OBJECT_0)
            XCTAssertEqual(WaitForSingleObject(client, 0), WAIT_OBJECT_0)

            XCTAssertTrue(SetFileCompletionNotificationModes(client, UCHAR(FILE_SKIP_SET_EVENT_ON_HANDLE)))
            XCTAssertEqual(WaitForSingleObject(client, 0), DWORD(WAIT_TIMEOUT))
            XCTAssertTrue(ResetEvent(ov.pointee.hEvent))
            XCTAssertTrue(ReadFile(client, buffer, 3, &count, ov))
            XCTAssertEqual(count, 3)
            XCTAssertEqual(WaitForSingleObject(ov.pointee.hEvent, 0), WAIT_OBJECT_0, "the caller's event still is")
            XCTAssertEqual(WaitForSingleObject(client, 0), DWORD(WAIT_TIMEOUT))
            XCTAssertEqual(WaitForSingleObject(server, 0), WAIT_OBJECT_0, "the other end is unaffected")
            for h in [ov.pointee.hEvent, client, server] { XCTAssertTrue(CloseHandle(h)) }
        }
        XCTAssertTrue(sim.finish().isClean)
    }

    /// A freshly opened handle is signalled, for disk files as for pipes: the file object's
    /// event is signalled until a request resets it (Wine's ntdll pipe.c test_completion
    /// checks `is_signaled(client)` right after the open; Wine's server reports regular files
    /// as always signalled; F-SIG-1).
    func testAFreshlyOpenedDiskFileHandleIsSignalled() {
        let sim = Simulation()
        sim.fileSystem.setContents(Array("data".utf8), of: #"C:\fresh.txt"#)
        sim.run {
            let overlapped = CreateFileA(#"C:\fresh.txt"#, GENERIC_READ, DWORD(FILE_SHARE_READ), nil, DWORD(OPEN_EXISTING),
                                         DWORD(FILE_FLAG_OVERLAPPED), nil)
            XCTAssertEqual(WaitForSingleObject(overlapped, 0), WAIT_OBJECT_0)
            let synchronous = CreateFileA(#"C:\fresh.txt"#, GENERIC_READ, DWORD(FILE_SHARE_READ), nil, DWORD(OPEN_EXISTING), 0, nil)
            XCTAssertEqual(WaitForSingleObject(synchronous, 0), WAIT_OBJECT_0)
            let created = CreateFileA(#"C:\new.txt"#, DWORD(GENERIC_WRITE), 0, nil, DWORD(CREATE_NEW), DWORD(FILE_FLAG_OVERLAPPED), nil)
            XCTAssertEqual(WaitForSingleObject(created, 0), WAIT_OBJECT_0)
            for h in [overlapped, synchronous, created] { XCTAssertTrue(CloseHandle(h)) }
        }
        XCTAssertTrue(sim.finish().isClean)
    }
}
