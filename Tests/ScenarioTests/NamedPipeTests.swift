import IOKernel
import Win32Surface
import XCTest

/// Named pipes, as Windows' own named-pipe file system behaves (issue 6, win32-facts F-RW-13 …
/// F-RW-19, F-CLOSE-4 … F-CLOSE-6, F-SYNC-4; Wine `dlls/kernel32/tests/pipe.c`).
final class NamedPipeTests: XCTestCase {
    // MARK: - Connecting

    /// `ConnectNamedPipe` pends while no client has come and completes, with 0 bytes, when one
    /// opens the pipe (F-GOR-16, Wine `create_overlapped_pipe`); a second client finds no
    /// listening instance (`ERROR_PIPE_BUSY`); an unknown name is `ERROR_FILE_NOT_FOUND`.
    func testConnectPendsUntilTheClientOpensThePipe() {
        let sim = Simulation()
        let memory = scenarioMemory()
        sim.run {
            let server = createPipeServer("connect")
            XCTAssertNotEqual(server, INVALID_HANDLE_VALUE)
            XCTAssertEqual(sim.namedPipes.pipeNames, ["connect"])
            XCTAssertEqual(sim.namedPipes.instanceStates(of: "CONNECT"), [.listening])
            let ev = manualEvent()
            let ov = memory.overlapped(event: ev)
            ov.pointee.InternalHigh = 0xDEAD
            SetLastError(0)
            XCTAssertFalse(ConnectNamedPipe(server, ov))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_IO_PENDING))
            XCTAssertEqual(internalStatus(ov), STATUS_PENDING)
            XCTAssertEqual(WaitForSingleObject(ev, 0), DWORD(WAIT_TIMEOUT))
            XCTAssertEqual(WaitForSingleObject(server, 0), DWORD(WAIT_TIMEOUT), "I/O start resets the file handle (F-SIG-1)")

            let client = openPipeClient("Connect")  // names are case-insensitive
            XCTAssertNotEqual(client, INVALID_HANDLE_VALUE)
            XCTAssertEqual(GetLastError(), DWORD(ERROR_SUCCESS))
            XCTAssertEqual(WaitForSingleObject(ev, 0), WAIT_OBJECT_0)
            XCTAssertEqual(internalStatus(ov), STATUS_SUCCESS)
            XCTAssertEqual(ov.pointee.InternalHigh, 0)
            var transferred: DWORD = 0xFFFF
            XCTAssertTrue(GetOverlappedResult(server, ov, &transferred, false))
            XCTAssertEqual(transferred, 0)
            XCTAssertEqual(sim.namedPipes.instanceStates(of: "connect"), [.connected])

            XCTAssertEqual(openPipeClient("connect"), INVALID_HANDLE_VALUE)
            XCTAssertEqual(GetLastError(), DWORD(ERROR_PIPE_BUSY))
            XCTAssertEqual(openPipeClient("nosuchpipe"), INVALID_HANDLE_VALUE)
            XCTAssertEqual(GetLastError(), DWORD(ERROR_FILE_NOT_FOUND))

            XCTAssertTrue(CloseHandle(client))
            XCTAssertTrue(CloseHandle(server))
            XCTAssertEqual(sim.namedPipes.pipeNames, [])
            XCTAssertTrue(CloseHandle(ev))
        }
        XCTAssertTrue(sim.finish().isClean, sim.finish().description)
    }

    /// The client came first: `ConnectNamedPipe` fails at once with `ERROR_PIPE_CONNECTED`. The
    /// event is reset, nothing is notified, and `Internal` stays `STATUS_PENDING` (F-OVL-2,
    /// F-RW-8, F-RW-9).
    func testConnectAfterTheClientCameFirstFailsWithPipeConnected() {
        let sim = Simulation()
        let memory = scenarioMemory()
        sim.run {
            let server = createPipeServer("first")
            let client = openPipeClient("first")
            let ev = manualEvent()
            XCTAssertTrue(SetEvent(ev))
            let ov = memory.overlapped(event: ev)
            ov.pointee.InternalHigh = 0xDEAD_BEEF
            let port = CreateIoCompletionPort(server, nil, 7, 0)
            XCTAssertFalse(ConnectNamedPipe(server, ov))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_PIPE_CONNECTED))
            XCTAssertEqual(internalStatus(ov), STATUS_PENDING)
            XCTAssertEqual(ov.pointee.InternalHigh, 0xDEAD_BEEF)
            XCTAssertEqual(WaitForSingleObject(ev, 0), DWORD(WAIT_TIMEOUT), "the event was reset at issue")
            var packetBytes: DWORD = 0
            var key: ULONG_PTR = 0
            var dequeued: LPOVERLAPPED?
            XCTAssertFalse(GetQueuedCompletionStatus(port, &packetBytes, &key, &dequeued, 0))
            XCTAssertEqual(GetLastError(), DWORD(WAIT_TIMEOUT), "no packet for an immediate failure")
            XCTAssertNil(dequeued)
            // ConnectNamedPipe on the client end is not a pipe-server operation.
            XCTAssertFalse(ConnectNamedPipe(client, memory.overlapped()))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_FUNCTION))
            for h in [client, server, port, ev] { XCTAssertTrue(CloseHandle(h)) }
        }
    }

    /// F-CAN-18: cancelling a pending `ConnectNamedPipe` signals its event and
    /// `GetOverlappedResult(bWait: TRUE)` reports `ERROR_OPERATION_ABORTED`; the instance keeps
    /// listening, so a client can still connect.
    func testCancellingAPendingConnect() {
        let sim = Simulation()
        let memory = scenarioMemory()
        sim.run {
            let server = createPipeServer("cancel-connect")
            let ov = memory.overlapped(event: manualEvent())
            XCTAssertFalse(ConnectNamedPipe(server, ov))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_IO_PENDING))
            XCTAssertTrue(CancelIoEx(server, ov))
            // Cancellation of a pipe request is complete when CancelIoEx returns (F-CAN-10).
            XCTAssertEqual(internalStatus(ov), STATUS_CANCELLED)
            XCTAssertEqual(WaitForSingleObject(ov.pointee.hEvent, 0), WAIT_OBJECT_0)
            var transferred: DWORD = 0xFFFF
            XCTAssertFalse(GetOverlappedResult(server, ov, &transferred, true))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_OPERATION_ABORTED))
            XCTAssertEqual(transferred, 0)
            XCTAssertFalse(CancelIoEx(server, ov))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_NOT_FOUND))
            XCTAssertEqual(sim.namedPipes.instanceStates(of: "cancel-connect"), [.listening])
            let client = openPipeClient("cancel-connect")
            XCTAssertNotEqual(client, INVALID_HANDLE_VALUE)
            XCTAssertTrue(CloseHandle(client))
            XCTAssertTrue(CloseHandle(server))
        }
    }

    /// Before a client connects, reads and writes on the server fail with
    /// `ERROR_PIPE_LISTENING` (Wine `test_DisconnectNamedPipe`); more instances than allowed
    /// fail with `ERROR_PIPE_BUSY`; `FILE_FLAG_FIRST_PIPE_INSTANCE` on an existing pipe with
    /// `ERROR_ACCESS_DENIED`; bad parameters with `ERROR_INVALID_PARAMETER` / `ERROR_INVALID_NAME`.
    func testInstancesAndListeningState() {
        let sim = Simulation()
        sim.run {
            let first = createPipeServer("instances", overlapped: false, instances: 2)
            let second = createPipeServer("instances", overlapped: false, instances: 2)
            XCTAssertNotEqual(second, INVALID_HANDLE_VALUE)
            XCTAssertEqual(createPipeServer("instances", instances: 2), INVALID_HANDLE_VALUE)
            XCTAssertEqual(GetLastError(), DWORD(ERROR_PIPE_BUSY))
            XCTAssertEqual(CreateNamedPipeA(#"\\.\pipe\instances"#, DWORD(PIPE_ACCESS_DUPLEX) | DWORD(FILE_FLAG_FIRST_PIPE_INSTANCE),
                                            0, 2, 0, 0, 0, nil), INVALID_HANDLE_VALUE)
            XCTAssertEqual(GetLastError(), DWORD(ERROR_ACCESS_DENIED))
            XCTAssertEqual(sim.namedPipes.instanceStates(of: "instances"), [.listening, .listening])

            var buffer = [UInt8](repeating: 0, count: 8)
            var count: DWORD = 0xFFFF
            XCTAssertFalse(WriteFile(first, buffer, 8, &count, nil))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_PIPE_LISTENING))
            XCTAssertEqual(count, 0)
            XCTAssertFalse(ReadFile(first, &buffer, 8, &count, nil))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_PIPE_LISTENING))
            XCTAssertNil(peek(first))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_BAD_PIPE))

            // Two clients take the two instances, in creation order.
            let a = openPipeClient("instances", overlapped: false)
            XCTAssertEqual(sim.namedPipes.instanceStates(of: "instances"), [.connected, .listening])
            let b = openPipeClient("instances", overlapped: false)
            XCTAssertEqual(sim.namedPipes.instanceStates(of: "instances"), [.connected, .connected])
            XCTAssertEqual(openPipeClient("instances"), INVALID_HANDLE_VALUE)
            XCTAssertEqual(GetLastError(), DWORD(ERROR_PIPE_BUSY))

            // Parameter checks.
            XCTAssertEqual(CreateNamedPipeA(#"\\.\pipe\bad"#, 0, 0, 1, 0, 0, 0, nil), INVALID_HANDLE_VALUE)
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_PARAMETER))
            XCTAssertEqual(CreateNamedPipeA(#"\\.\pipe\bad"#, DWORD(PIPE_ACCESS_DUPLEX), DWORD(PIPE_READMODE_MESSAGE), 1, 0, 0, 0, nil),
                           INVALID_HANDLE_VALUE)
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_PARAMETER))
            XCTAssertEqual(CreateNamedPipeA(#"\\.\pipe\bad"#, DWORD(PIPE_ACCESS_DUPLEX), 0, 0, 0, 0, 0, nil), INVALID_HANDLE_VALUE)
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_PARAMETER))
            XCTAssertEqual(CreateNamedPipeA(#"\\.\pipe\bad"#, DWORD(PIPE_ACCESS_DUPLEX), 0, 256, 0, 0, 0, nil), INVALID_HANDLE_VALUE)
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_PARAMETER))
            XCTAssertEqual(CreateNamedPipeA(#"C:\not-a-pipe"#, DWORD(PIPE_ACCESS_DUPLEX), 0, 1, 0, 0, 0, nil), INVALID_HANDLE_VALUE)
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_NAME))
            XCTAssertEqual(CreateNamedPipeA(nil, DWORD(PIPE_ACCESS_DUPLEX), 0, 1, 0, 0, 0, nil), INVALID_HANDLE_VALUE)
            XCTAssertEqual(GetLastError(), DWORD(ERROR_PATH_NOT_FOUND))
            XCTAssertEqual(sim.namedPipes.pipeNames, ["instances"])

            for h in [a, b, first, second] { XCTAssertTrue(CloseHandle(h)) }
        }
        XCTAssertTrue(sim.finish().isClean, sim.finish().description)
    }

    /// A client may not read from an inbound pipe nor write to an outbound one: the open fails
    /// with `ERROR_ACCESS_DENIED`; the server end of an inbound pipe cannot write.
    func testPipeDirectionLimitsAccess() {
        let sim = Simulation()
        sim.run {
            let inbound = createPipeServer("inbound", access: DWORD(PIPE_ACCESS_INBOUND))
            XCTAssertEqual(openPipeClient("inbound"), INVALID_HANDLE_VALUE)
            XCTAssertEqual(GetLastError(), DWORD(ERROR_ACCESS_DENIED))
            let writer = openPipeClient("inbound", access: DWORD(GENERIC_WRITE))
            XCTAssertNotEqual(writer, INVALID_HANDLE_VALUE)
            XCTAssertEqual(writeNow(writer, bytes("up")), 2)
            XCTAssertFalse(WriteFile(inbound, bytes("down"), 4, nil, scenarioMemory().overlapped()))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_ACCESS_DENIED))
            let read = readNow(inbound, 8)
            XCTAssertTrue(read.ok)
            XCTAssertEqual(read.data, "up")
            for h in [writer, inbound] { XCTAssertTrue(CloseHandle(h)) }
        }
    }

    // MARK: - Reads and writes

    /// A read pends until data comes; the write on the other end completes it with the byte
    /// count. Pending reads are satisfied oldest first (F-RW-17); a read that finds data
    /// returns `TRUE` at once and still signals its event (F-RW-2, F-RW-3).
    func testPendingReadsCompleteInIssueOrderWhenDataArrives() {
        let sim = Simulation()
        let memory = scenarioMemory()
        sim.run {
            let server = createPipeServer("fifo")
            let client = openPipeClient("fifo")
            let ov1 = memory.overlapped(event: manualEvent())
            let ov2 = memory.overlapped(event: manualEvent())
            let buffer1 = memory.buffer(4)
            let buffer2 = memory.buffer(16)
            var read: DWORD = 0xDEAD
            ov1.pointee.InternalHigh = 0xFFFF_FFFF
            XCTAssertFalse(ReadFile(server, buffer1, 4, &read, ov1))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_IO_PENDING))
            XCTAssertEqual(read, 0, "F-RW-5")
            XCTAssertEqual(ov1.pointee.InternalHigh, 0xFFFF_FFFF, "F-OVL-3: pending leaves InternalHigh alone")
            XCTAssertFalse(ReadFile(server, buffer2, 16, nil, ov2))
            XCTAssertEqual(peek(server)?.available, 0)

            SetLastError(0xBEEF)
            XCTAssertEqual(writeNow(client, bytes("hello, pipe")), 11)
            XCTAssertEqual(GetLastError(), 0xBEEF, "a successful WriteFile leaves the last error (F-RW-12)")
            // The first read took 4 bytes, the second the other 7.
            XCTAssertEqual(internalStatus(ov1), STATUS_SUCCESS)
            XCTAssertEqual(ov1.pointee.InternalHigh, 4)
            XCTAssertEqual(string(buffer1, 4), "hell")
            XCTAssertEqual(internalStatus(ov2), STATUS_SUCCESS)
            XCTAssertEqual(ov2.pointee.InternalHigh, 7)
            XCTAssertEqual(string(buffer2, 7), "o, pipe")
            XCTAssertEqual(WaitForSingleObject(ov1.pointee.hEvent, 0), WAIT_OBJECT_0)
            XCTAssertEqual(WaitForSingleObject(ov2.pointee.hEvent, 0), WAIT_OBJECT_0)

            // Data already there: TRUE at once, with the count.
            XCTAssertEqual(writeNow(server, bytes("back")), 4)
            let ov3 = memory.overlapped(event: manualEvent())
            XCTAssertTrue(ReadFile(client, buffer2, 16, &read, ov3))
            XCTAssertEqual(read, 4)
            XCTAssertEqual(internalStatus(ov3), STATUS_SUCCESS)
            XCTAssertEqual(ov3.pointee.InternalHigh, 4)
            XCTAssertEqual(WaitForSingleObject(ov3.pointee.hEvent, 0), WAIT_OBJECT_0)
            for h in [client, server] { XCTAssertTrue(CloseHandle(h)) }
        }
    }

    /// F-RW-13 (Wine `test_readfileex_pending`): a zero-length read on an empty byte pipe pends,
    /// completes with `STATUS_SUCCESS` and 0 bytes when data arrives, and consumes nothing; in
    /// message read mode it completes with `STATUS_BUFFER_OVERFLOW`, 0 bytes.
    func testZeroLengthReadPendsUntilDataAndConsumesNothing() {
        let sim = Simulation()
        let memory = scenarioMemory()
        sim.run {
            for message in [false, true] {
                let name = message ? "zero-msg" : "zero-byte"
                let server = createPipeServer(name, message: message)
                let client = openPipeClient(name)
                let ov = memory.overlapped(event: manualEvent())
                ov.pointee.InternalHigh = 0xFFFF_FFFF
                var read: DWORD = 0xDEAD
                XCTAssertFalse(ReadFile(server, memory.buffer(1), 0, &read, ov))
                XCTAssertEqual(GetLastError(), DWORD(ERROR_IO_PENDING))
                XCTAssertEqual(read, 0)
                XCTAssertEqual(WaitForSingleObject(ov.pointee.hEvent, 100), DWORD(WAIT_TIMEOUT))
                XCTAssertEqual(internalStatus(ov), STATUS_PENDING)

                XCTAssertEqual(writeNow(client, bytes("x")), 1)
                XCTAssertEqual(WaitForSingleObject(ov.pointee.hEvent, 0), WAIT_OBJECT_0)
                XCTAssertEqual(internalStatus(ov), message ? STATUS_BUFFER_OVERFLOW : STATUS_SUCCESS)
                XCTAssertEqual(ov.pointee.InternalHigh, 0)
                var transferred: DWORD = 0xFFFF
                XCTAssertEqual(GetOverlappedResult(server, ov, &transferred, false), !message)
                if message { XCTAssertEqual(GetLastError(), DWORD(ERROR_MORE_DATA)) }
                XCTAssertEqual(transferred, 0)
                // The byte is still there.
                XCTAssertEqual(peek(server)?.available, 1)
                let after = readNow(server, 1)
                XCTAssertTrue(after.ok)
                XCTAssertEqual(after.data, "x")
                for h in [client, server] { XCTAssertTrue(CloseHandle(h)) }
            }
        }
    }

    /// F-RW-6: a message longer than the read's buffer. With an `OVERLAPPED`: `FALSE`,
    /// `ERROR_MORE_DATA`, `*lpNumberOfBytesRead` 0, `Internal` `STATUS_BUFFER_OVERFLOW`,
    /// `InternalHigh` the bytes copied. On a synchronous handle without one: `FALSE`,
    /// `ERROR_MORE_DATA`, and the bytes copied. The rest of the message is the next read.
    func testShortReadOfAMessageGivesMoreData() {
        let sim = Simulation()
        let memory = scenarioMemory()
        sim.run {
            let server = createPipeServer("messages", message: true)
            let client = openPipeClient("messages", overlapped: false)
            var mode = DWORD(PIPE_READMODE_MESSAGE)
            XCTAssertTrue(SetNamedPipeHandleState(client, &mode, nil, nil))

            XCTAssertEqual(writeNow(server, bytes("first message")), 13)
            XCTAssertEqual(writeNow(server, bytes("second")), 6)
            // Peek copies from the first message only (Wine test_peek_pipe).
            XCTAssertEqual(peek(client)?.read, 13)
            XCTAssertEqual(peek(client)?.available, 19)
            XCTAssertEqual(peek(client)?.left, 0)

            let ov = memory.overlapped(event: manualEvent())
            let buffer = memory.buffer(16)
            var read: DWORD = 0xDEAD
            XCTAssertFalse(ReadFile(client, buffer, 5, &read, ov))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_MORE_DATA))
            XCTAssertEqual(read, 0)
            XCTAssertEqual(internalStatus(ov), STATUS_BUFFER_OVERFLOW)
            XCTAssertEqual(ov.pointee.InternalHigh, 5)
            XCTAssertEqual(string(buffer, 5), "first")
            XCTAssertEqual(WaitForSingleObject(ov.pointee.hEvent, 0), WAIT_OBJECT_0, "a warning still notifies")
            XCTAssertEqual(peek(client)?.left, 8 &- 8)

            // Synchronous, no OVERLAPPED: the byte count is the bytes copied.
            var small = [UInt8](repeating: 0, count: 4)
            XCTAssertFalse(ReadFile(client, &small, 4, &read, nil))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_MORE_DATA))
            XCTAssertEqual(read, 4)
            XCTAssertEqual(String(decoding: small, as: UTF8.self), " mes")
            var rest = [UInt8](repeating: 0, count: 16)
            XCTAssertTrue(ReadFile(client, &rest, 16, &read, nil))
            XCTAssertEqual(read, 4)
            XCTAssertEqual(String(decoding: rest.prefix(4), as: UTF8.self), "sage")
            XCTAssertTrue(ReadFile(client, &rest, 16, &read, nil))
            XCTAssertEqual(read, 6)

            // Message read mode needs a message pipe.
            let bytePipe = createPipeServer("bytes-only")
            XCTAssertFalse(SetNamedPipeHandleState(bytePipe, &mode, nil, nil))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_PARAMETER))
            XCTAssertFalse(SetNamedPipeHandleState(manualEvent(), &mode, nil, nil))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_HANDLE))
            for h in [client, server, bytePipe] { XCTAssertTrue(CloseHandle(h)) }
        }
    }

    /// F-RW-18, Wine `test_blocking_rw`: a write that does not fit the quota pends, its data
    /// readable all the same (peek counts it); it completes with its full length once the
    /// reader has drained the pipe so far that it fits. A later write waits behind it.
    /// `PeekNamedPipe`'s "left this message" is `MessageLength - bytes read`, wrapping for a
    /// byte pipe as kernelbase computes it.
    func testPendingWriteCompletesWhenTheReaderDrains() {
        let sim = Simulation()
        let memory = scenarioMemory()
        sim.run {
            let server = createPipeServer("quota", outBuffer: 100, inBuffer: 100)
            let client = openPipeClient("quota")
            let payload = [UInt8](repeating: 0xAA, count: 130)
            XCTAssertEqual(writeNow(client, Array(payload.prefix(30))), 30)
            let w1 = memory.overlapped(event: manualEvent())
            var written: DWORD = 0xDEAD
            XCTAssertFalse(WriteFile(client, payload, 100, &written, w1))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_IO_PENDING))
            XCTAssertEqual(written, 0)
            let w2 = memory.overlapped(event: manualEvent())
            XCTAssertFalse(WriteFile(client, payload, 1, nil, w2))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_IO_PENDING))
            // An empty write never blocks (F-RW-19).
            XCTAssertEqual(writeNow(client, []), 0)
            let seen = peek(server)
            XCTAssertEqual(seen?.read, 131)
            XCTAssertEqual(seen?.available, 131)
            XCTAssertEqual(seen?.left, 0 &- 131)

            // Reading the first 30 bytes leaves 101 queued: the 100-byte write fits, the 1-byte
            // one does not yet.
            XCTAssertEqual(readNow(server, 30).bytes, 30)
            XCTAssertEqual(internalStatus(w1), STATUS_SUCCESS)
            XCTAssertEqual(w1.pointee.InternalHigh, 100)
            XCTAssertEqual(internalStatus(w2), STATUS_PENDING)
            XCTAssertEqual(WaitForSingleObject(w2.pointee.hEvent, 0), DWORD(WAIT_TIMEOUT))
            XCTAssertEqual(readNow(server, 1).bytes, 1)
            XCTAssertEqual(internalStatus(w2), STATUS_SUCCESS)
            XCTAssertEqual(w2.pointee.InternalHigh, 1)
            XCTAssertEqual(readNow(server, 1000).bytes, 100)
            XCTAssertEqual(peek(server)?.available, 0)
            for h in [client, server] { XCTAssertTrue(CloseHandle(h)) }
        }
    }

    /// F-RW-17, F-RW-18 and F-CAN-6 (Wine `test_blocking_rw`): cancelling the later of two
    /// pending reads leaves the earlier pending, and the next write completes it; cancelling
    /// the same request twice gives `ERROR_NOT_FOUND`; cancelling a pending write removes its
    /// unread data, so the next write's data is what the reader gets.
    func testCancellingPendingReadsAndWrites() {
        let sim = Simulation()
        let memory = scenarioMemory()
        sim.run {
            let server = createPipeServer("cancel", outBuffer: 10, inBuffer: 10)
            let client = openPipeClient("cancel")
            let r1 = memory.overlapped(event: manualEvent())
            let r2 = memory.overlapped(event: manualEvent())
            XCTAssertFalse(ReadFile(server, memory.buffer(1), 1, nil, r1))
            XCTAssertFalse(ReadFile(server, memory.buffer(1), 1, nil, r2))
            XCTAssertTrue(CancelIoEx(server, r2))
            XCTAssertEqual(internalStatus(r2), STATUS_CANCELLED)
            XCTAssertEqual(r2.pointee.InternalHigh, 0)
            XCTAssertFalse(CancelIoEx(server, r2))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_NOT_FOUND))
            XCTAssertEqual(WaitForSingleObject(r1.pointee.hEvent, 0), DWORD(WAIT_TIMEOUT))
            XCTAssertEqual(writeNow(client, bytes("z")), 1)
            XCTAssertEqual(internalStatus(r1), STATUS_SUCCESS)
            XCTAssertEqual(r1.pointee.InternalHigh, 1)

            // Two writes pend behind the 10-byte quota; a few bytes of the first are read, then
            // it is cancelled: the rest of its data goes, and the second write's byte is next.
            let big = [UInt8](repeating: 0x41, count: 30)
            let w1 = memory.overlapped(event: manualEvent())
            let w2 = memory.overlapped(event: manualEvent())
            XCTAssertFalse(WriteFile(client, big, 30, nil, w1))
            XCTAssertFalse(WriteFile(client, bytes("B"), 1, nil, w2))
            XCTAssertEqual(peek(server)?.available, 31)
            XCTAssertEqual(readNow(server, 10).bytes, 10)
            XCTAssertEqual(internalStatus(w1), STATUS_PENDING)
            XCTAssertTrue(CancelIoEx(client, w1))
            XCTAssertEqual(internalStatus(w1), STATUS_CANCELLED)
            XCTAssertEqual(w1.pointee.InternalHigh, 0)
            var transferred: DWORD = 0xFFFF
            XCTAssertFalse(GetOverlappedResult(client, w1, &transferred, false))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_OPERATION_ABORTED))
            XCTAssertEqual(transferred, 0)
            XCTAssertEqual(peek(server)?.available, 1)
            XCTAssertEqual(internalStatus(w2), STATUS_SUCCESS, "with the cancelled data gone, the second write fits")
            XCTAssertEqual(readNow(server, 1000).data, "B")
            for h in [client, server] { XCTAssertTrue(CloseHandle(h)) }
        }
    }

    /// F-RW-19: a zero-length write never blocks; in a message pipe it is an empty message that
    /// completes exactly one pending read with 0 bytes; in a byte pipe it wakes no one.
    func testZeroLengthWrites() {
        let sim = Simulation()
        let memory = scenarioMemory()
        sim.run {
            for message in [true, false] {
                let name = message ? "empty-msg" : "empty-byte"
                let server = createPipeServer(name, message: message)
                let client = openPipeClient(name)
                let r0 = memory.overlapped(event: manualEvent())
                let r1 = memory.overlapped(event: manualEvent())
                XCTAssertFalse(ReadFile(server, memory.buffer(1), 0, nil, r0))
                XCTAssertFalse(ReadFile(server, memory.buffer(1), 1, nil, r1))
                XCTAssertEqual(writeNow(client, []), 0)
                XCTAssertEqual(internalStatus(r0), message ? STATUS_SUCCESS : STATUS_PENDING)
                XCTAssertEqual(internalStatus(r1), STATUS_PENDING)
                XCTAssertEqual(writeNow(client, bytes("1")), 1)
                XCTAssertEqual(internalStatus(r1), STATUS_SUCCESS)
                XCTAssertEqual(r1.pointee.InternalHigh, 1)
                // In a byte pipe the zero-length read completed with the byte too, taking none.
                XCTAssertEqual(internalStatus(r0), STATUS_SUCCESS)
                XCTAssertEqual(r0.pointee.InternalHigh, 0)
                for h in [client, server] { XCTAssertTrue(CloseHandle(h)) }
            }
        }
    }

    // MARK: - Closing and disconnecting

    /// F-CLOSE-4: closing the last handle of the end that has a read pending completes the read
    /// with `STATUS_PIPE_BROKEN`; through a completion port, `GetQueuedCompletionStatus` returns
    /// `FALSE`, `ERROR_BROKEN_PIPE`, the key and the `OVERLAPPED` (compare the seed
    /// `close-handle-with-pending-read`, where a driver that ignores cleanup leaves it pending).
    func testClosingTheHandleWithAReadPendingCompletesItWithBrokenPipe() {
        let sim = Simulation()
        let memory = scenarioMemory()
        sim.run {
            let server = createPipeServer("close-pending")
            let client = openPipeClient("close-pending")
            let port = CreateIoCompletionPort(client, nil, 42, 0)
            let ov = memory.overlapped()
            XCTAssertFalse(ReadFile(client, memory.buffer(16), 16, nil, ov))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_IO_PENDING))
            guard let file = sim.fileObject(client) else { return XCTFail("no file object") }
            XCTAssertEqual(file.pointerCount, 2)

            XCTAssertTrue(CloseHandle(client))
            var packetBytes: DWORD = 0xFFFF
            var key: ULONG_PTR = 0
            var dequeued: LPOVERLAPPED?
            XCTAssertFalse(GetQueuedCompletionStatus(port, &packetBytes, &key, &dequeued, 0))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_BROKEN_PIPE))
            XCTAssertEqual(dequeued, ov)
            XCTAssertEqual(key, 42)
            XCTAssertEqual(packetBytes, 0)
            XCTAssertEqual(internalStatus(ov), STATUS_PIPE_BROKEN)
            XCTAssertEqual(ov.pointee.InternalHigh, 0)
            XCTAssertTrue(file.isDeleted, "the read's reference went with its completion: IRP_MJ_CLOSE was sent")
            // The server sees a broken pipe.
            XCTAssertEqual(sim.namedPipes.instanceStates(of: "close-pending"), [.closing])
            XCTAssertTrue(CloseHandle(server))
            XCTAssertTrue(CloseHandle(port))
        }
        XCTAssertTrue(sim.finish().isClean, sim.finish().description)
    }

    /// The timeline of the same story: the close sends `IRP_MJ_CLEANUP`, the pipe driver
    /// completes the read with `STATUS_PIPE_BROKEN` inside it, the completion reaches the
    /// `OVERLAPPED` and the event, and only then does the last reference go (`IRP_MJ_CLOSE`).
    func testTimelineOfClosingWithAReadPending() {
        let sim = Simulation(options: SimulationOptions(tracing: true))
        let memory = scenarioMemory()
        sim.run {
            let server = createPipeServer("timeline")
            let client = openPipeClient("timeline")
            let ov = memory.overlapped(event: manualEvent())
            XCTAssertFalse(ReadFile(client, memory.buffer(8), 8, nil, ov))
            guard let file = sim.fileObject(client), let read = sim.irps(on: file).first else {
                return XCTFail("the read is not in flight")
            }
            sim.trace.removeAll()
            XCTAssertTrue(CloseHandle(client))
            let lifecycle = sim.trace.events.filter { event in
                switch event {
                case .cleanupSent(let id), .closeSent(let id): id == file.id
                case .cleanupCompleted(let id, _): id == file.id
                case .irpCompleted(let irp, _, _), .irpDelivered(let irp, _): irp == read.id
                case .wroteStatus(_, _, _, let irp): irp == read.id
                default: false
                }
            }
            XCTAssertEqual(lifecycle, [
                .cleanupSent(file: file.id),
                .irpCompleted(irp: read.id, status: .pipeBroken, information: 0),
                .cleanupCompleted(file: file.id, status: .success),
                .wroteStatus(address: UInt(bitPattern: ov), status: .pipeBroken, information: 0, irp: read.id),
                .irpDelivered(irp: read.id, notified: true),
                .closeSent(file: file.id),
            ])
            XCTAssertTrue(sim.trace.events.contains(.note("pipe timeline: client end closed; the other end is broken")))
            XCTAssertTrue(CloseHandle(server))
            XCTAssertTrue(CloseHandle(ov.pointee.hEvent))
        }
    }

    /// F-CLOSE-5, F-CLOSE-6 (Wine `test_CloseHandle`): closing the client completes the
    /// server's pending read with `STATUS_PIPE_BROKEN`. Data the client wrote before closing is
    /// still readable; after it, reads and peeks fail with `ERROR_BROKEN_PIPE` and writes with
    /// `ERROR_NO_DATA`, as immediate failures that reset the event and notify nothing.
    func testClosingTheOtherEndBreaksThePipe() {
        let sim = Simulation()
        let memory = scenarioMemory()
        sim.run {
            let server = createPipeServer("broken")
            let client = openPipeClient("broken")
            let pending = memory.overlapped(event: manualEvent())
            XCTAssertFalse(ReadFile(server, memory.buffer(8), 8, nil, pending))
            XCTAssertTrue(CloseHandle(client))
            XCTAssertEqual(internalStatus(pending), STATUS_PIPE_BROKEN)
            XCTAssertEqual(WaitForSingleObject(pending.pointee.hEvent, 0), WAIT_OBJECT_0)
            var transferred: DWORD = 0xFFFF
            XCTAssertFalse(GetOverlappedResult(server, pending, &transferred, false))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_BROKEN_PIPE))
            XCTAssertEqual(transferred, 0)

            // The other direction: data written before the close stays readable.
            let server2 = createPipeServer("broken2")
            let client2 = openPipeClient("broken2")
            XCTAssertEqual(writeNow(client2, bytes("last words")), 10)
            XCTAssertTrue(CloseHandle(client2))
            XCTAssertEqual(peek(server2)?.available, 10)
            let zero = readNow(server2, 0)
            XCTAssertTrue(zero.ok, "a zero-length read with data still queued succeeds")
            let words = readNow(server2, 64)
            XCTAssertTrue(words.ok)
            XCTAssertEqual(words.data, "last words")

            XCTAssertNil(peek(server2))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_BROKEN_PIPE))
            let port = CreateIoCompletionPort(server2, nil, 1, 0)
            let ev = manualEvent()
            XCTAssertTrue(SetEvent(ev))
            let failing = memory.overlapped(event: ev)
            var count: DWORD = 0xDEAD
            XCTAssertFalse(ReadFile(server2, memory.buffer(8), 8, &count, failing))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_BROKEN_PIPE))
            XCTAssertEqual(count, 0)
            XCTAssertEqual(internalStatus(failing), STATUS_PENDING, "an immediate failure leaves Internal alone (F-OVL-2)")
            XCTAssertEqual(WaitForSingleObject(ev, 0), DWORD(WAIT_TIMEOUT), "the event was reset at issue (F-RW-8)")
            XCTAssertFalse(ReadFile(server2, memory.buffer(8), 0, &count, failing))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_BROKEN_PIPE), "Wine test_CloseHandle: a zero-length read too")
            XCTAssertFalse(WriteFile(server2, bytes("anyone?"), 7, &count, failing))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_NO_DATA))
            var packetBytes: DWORD = 0
            var key: ULONG_PTR = 0
            var dequeued: LPOVERLAPPED?
            XCTAssertFalse(GetQueuedCompletionStatus(port, &packetBytes, &key, &dequeued, 0))
            XCTAssertEqual(GetLastError(), DWORD(WAIT_TIMEOUT), "immediate failures queue no packet (F-RW-9)")
            // A broken instance cannot listen again until it is disconnected.
            XCTAssertFalse(ConnectNamedPipe(server2, memory.overlapped()))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_NO_DATA))
            XCTAssertTrue(DisconnectNamedPipe(server2))
            let reconnect = memory.overlapped(event: manualEvent())
            XCTAssertFalse(ConnectNamedPipe(server2, reconnect))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_IO_PENDING))
            let client3 = openPipeClient("broken2")
            XCTAssertEqual(internalStatus(reconnect), STATUS_SUCCESS)
            XCTAssertEqual(writeNow(client3, bytes("again")), 5)
            XCTAssertEqual(readNow(server2, 8).data, "again")
            for h in [server, server2, client3, port, ev] { XCTAssertTrue(CloseHandle(h)) }
        }
    }

    /// F-CLOSE-1: with a duplicated handle still open, closing one handle does nothing to the
    /// pipe or the pending read; only the last close breaks it.
    func testDuplicatedHandleKeepsThePipeOpen() {
        let sim = Simulation()
        let memory = scenarioMemory()
        sim.run {
            let server = createPipeServer("dup")
            let client = openPipeClient("dup")
            var duplicate: HANDLE?
            XCTAssertTrue(DuplicateHandle(GetCurrentProcess(), client, GetCurrentProcess(), &duplicate, 0, false,
                                          DWORD(DUPLICATE_SAME_ACCESS)))
            let serverRead = memory.overlapped(event: manualEvent())
            let clientRead = memory.overlapped(event: manualEvent())
            XCTAssertFalse(ReadFile(server, memory.buffer(8), 8, nil, serverRead))
            XCTAssertFalse(ReadFile(client, memory.buffer(8), 8, nil, clientRead))
            XCTAssertTrue(CloseHandle(client))
            XCTAssertEqual(internalStatus(serverRead), STATUS_PENDING)
            XCTAssertEqual(internalStatus(clientRead), STATUS_PENDING)
            XCTAssertEqual(sim.namedPipes.instanceStates(of: "dup"), [.connected])
            XCTAssertEqual(writeNow(server, bytes("still")), 5)
            XCTAssertEqual(internalStatus(clientRead), STATUS_SUCCESS)
            XCTAssertEqual(clientRead.pointee.InternalHigh, 5)
            XCTAssertTrue(CloseHandle(duplicate))
            XCTAssertEqual(internalStatus(serverRead), STATUS_PIPE_BROKEN)
            XCTAssertTrue(CloseHandle(server))
        }
    }

    /// F-CLOSE-5 (Wine `test_overlapped_transport`, "disconnect with pending writes"):
    /// `DisconnectNamedPipe` completes the client's pending read and write, and the server's
    /// own pending write, with `ERROR_PIPE_NOT_CONNECTED` (`STATUS_PIPE_DISCONNECTED`); queued
    /// data is discarded, and every later call on the client fails the same way, immediately.
    func testDisconnectCompletesTheClientsPendingIO() {
        let sim = Simulation()
        let memory = scenarioMemory()
        sim.run {
            // Both ends have a write pending behind a 4-byte quota.
            let server = createPipeServer("disconnect", outBuffer: 4, inBuffer: 4)
            let client = openPipeClient("disconnect")
            let clientWrite = memory.overlapped(event: manualEvent())
            let serverWrite = memory.overlapped(event: manualEvent())
            XCTAssertFalse(WriteFile(client, bytes("too long"), 8, nil, clientWrite))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_IO_PENDING))
            XCTAssertFalse(WriteFile(server, bytes("also long"), 9, nil, serverWrite))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_IO_PENDING))

            XCTAssertTrue(DisconnectNamedPipe(server))
            for ov in [clientWrite, serverWrite] {
                XCTAssertEqual(internalStatus(ov), STATUS_PIPE_DISCONNECTED)
                XCTAssertEqual(ov.pointee.InternalHigh, 0)
                XCTAssertEqual(WaitForSingleObject(ov.pointee.hEvent, 0), WAIT_OBJECT_0)
                var transferred: DWORD = 0xFFFF
                XCTAssertFalse(GetOverlappedResult(client, ov, &transferred, false))
                XCTAssertEqual(GetLastError(), DWORD(ERROR_PIPE_NOT_CONNECTED))
                XCTAssertEqual(transferred, 0)
            }
            XCTAssertEqual(sim.namedPipes.instanceStates(of: "disconnect"), [.disconnected])
            let late = memory.overlapped()
            XCTAssertFalse(ReadFile(client, memory.buffer(8), 8, nil, late))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_PIPE_NOT_CONNECTED))
            XCTAssertEqual(internalStatus(late), STATUS_PENDING, "F-OVL-2")
            XCTAssertFalse(WriteFile(client, bytes("x"), 1, nil, late))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_PIPE_NOT_CONNECTED))
            XCTAssertFalse(ReadFile(server, memory.buffer(8), 8, nil, late))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_PIPE_NOT_CONNECTED))
            XCTAssertNil(peek(client))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_PIPE_NOT_CONNECTED))
            XCTAssertFalse(DisconnectNamedPipe(server))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_PIPE_NOT_CONNECTED))
            XCTAssertFalse(DisconnectNamedPipe(client))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_FUNCTION))
            // A disconnected instance takes no client until it listens again.
            XCTAssertEqual(openPipeClient("disconnect"), INVALID_HANDLE_VALUE)
            XCTAssertEqual(GetLastError(), DWORD(ERROR_PIPE_BUSY))

            // A client's pending read, and data queued for the server, at the next disconnect.
            let listen = memory.overlapped(event: manualEvent())
            XCTAssertFalse(ConnectNamedPipe(server, listen))
            let client2 = openPipeClient("disconnect")
            XCTAssertEqual(internalStatus(listen), STATUS_SUCCESS)
            let clientRead = memory.overlapped(event: manualEvent())
            XCTAssertFalse(ReadFile(client2, memory.buffer(8), 8, nil, clientRead))
            XCTAssertEqual(writeNow(client2, bytes("gone")), 4)
            XCTAssertEqual(peek(server)?.available, 4)
            XCTAssertTrue(DisconnectNamedPipe(server))
            XCTAssertEqual(internalStatus(clientRead), STATUS_PIPE_DISCONNECTED)
            let relisten = memory.overlapped(event: manualEvent())
            XCTAssertFalse(ConnectNamedPipe(server, relisten))
            let client3 = openPipeClient("disconnect")
            XCTAssertEqual(peek(server)?.available, 0, "the queued data was discarded")
            for h in [client, client2, client3, server] { XCTAssertTrue(CloseHandle(h)) }
        }
    }

    /// F-SYNC-4 (Wine `test_blocking_rw`, `test_overlapped_transport`): `FlushFileBuffers` on a
    /// pipe blocks until the reader has drained it, and fails with `ERROR_BROKEN_PIPE` when the
    /// reader closes instead.
    func testFlushWaitsForTheReader() {
        let sim = Simulation()
        var flushResults: [String] = []
        sim.run {
            let server = createPipeServer("flush")
            let client = openPipeClient("flush")
            XCTAssertTrue(FlushFileBuffers(client), "nothing queued: at once")
            XCTAssertEqual(writeNow(client, bytes("drain me")), 8)
            let flusher = spawn {
                let ok = FlushFileBuffers(client)
                flushResults.append("\(ok ? "TRUE" : win32ErrorName(GetLastError())) at \(GetTickCount64())")
                return 0
            }
            Sleep(50)
            XCTAssertEqual(flushResults, [], "the flush is blocked")
            XCTAssertEqual(readNow(server, 4).data, "drai")
            Sleep(10)
            XCTAssertEqual(flushResults, [])
            XCTAssertEqual(readNow(server, 4).data, "n me")
            XCTAssertEqual(WaitForSingleObject(flusher, INFINITE), WAIT_OBJECT_0)
            XCTAssertEqual(flushResults, ["TRUE at 60"])

            XCTAssertEqual(writeNow(client, bytes("never read")), 10)
            let flusher2 = spawn {
                let ok = FlushFileBuffers(client)
                flushResults.append("\(ok ? "TRUE" : win32ErrorName(GetLastError())) at \(GetTickCount64())")
                return 0
            }
            Sleep(50)
            XCTAssertTrue(CloseHandle(server))
            XCTAssertEqual(WaitForSingleObject(flusher2, INFINITE), WAIT_OBJECT_0)
            XCTAssertEqual(flushResults, ["TRUE at 60", "ERROR_BROKEN_PIPE at 110"])
            for h in [client, flusher, flusher2] { XCTAssertTrue(CloseHandle(h)) }
        }
    }

    // MARK: - Synchronous handles

    /// Synchronous pipe handles block the calling thread: a worker's `ReadFile` waits for the
    /// writer, virtual time passes, and the call returns the bytes. `CancelSynchronousIo` aborts a
    /// blocked read with `ERROR_OPERATION_ABORTED` (F-CAN-15), and so does `CancelIoEx` from
    /// another thread (F-CAN-12, F-RC-7).
    func testSynchronousPipeReadsBlockAndCanBeCancelled() {
        let sim = Simulation()
        var log: [String] = []
        sim.run {
            let server = createPipeServer("sync", overlapped: false)
            let client = openPipeClient("sync", overlapped: false)
            let reader = spawn {
                var buffer = [UInt8](repeating: 0, count: 16)
                for _ in 0..<3 {
                    var read: DWORD = 0xDEAD
                    let ok = ReadFile(server, &buffer, 16, &read, nil)
                    let outcome = ok ? String(decoding: buffer.prefix(Int(read)), as: UTF8.self) : win32ErrorName(GetLastError())
                    log.append("\(outcome), \(read) bytes at \(GetTickCount64())")
                }
                return 0
            }
            Sleep(100)
            var written: DWORD = 0
            XCTAssertTrue(WriteFile(client, bytes("ping"), 4, &written, nil))
            XCTAssertEqual(written, 4)
            Sleep(100)
            XCTAssertEqual(log, ["ping, 4 bytes at 100"])
            SetLastError(0xBEEF)
            XCTAssertTrue(CancelSynchronousIo(reader))
            XCTAssertEqual(GetLastError(), 0xBEEF)
            Sleep(100)
            XCTAssertTrue(CancelIoEx(server, nil))
            XCTAssertEqual(WaitForSingleObject(reader, INFINITE), WAIT_OBJECT_0)
            XCTAssertEqual(log, ["ping, 4 bytes at 100", "ERROR_OPERATION_ABORTED, 0 bytes at 200",
                                 "ERROR_OPERATION_ABORTED, 0 bytes at 300"])
            for h in [client, server, reader] { XCTAssertTrue(CloseHandle(h)) }
        }
        XCTAssertEqual(sim.hangs, [])
    }

    /// F-CAN-15 (Wine `test_CancelSynchronousIo`): a blocking `ConnectNamedPipe` on a
    /// synchronous handle waits for a client, and `CancelSynchronousIo` aborts it; a second one
    /// then connects when the client opens.
    func testBlockingConnectIsCancelledWithCancelSynchronousIo() {
        let sim = Simulation()
        var log: [String] = []
        sim.run {
            let server = createPipeServer("sync-connect", overlapped: false)
            let waiter = spawn {
                for _ in 0..<2 {
                    let ok = ConnectNamedPipe(server, nil)
                    log.append("\(ok ? "TRUE" : win32ErrorName(GetLastError())) at \(GetTickCount64())")
                }
                return 0
            }
            Sleep(10)
            XCTAssertEqual(WaitForSingleObject(waiter, 0), DWORD(WAIT_TIMEOUT))
            XCTAssertTrue(CancelSynchronousIo(waiter))
            Sleep(10)
            let client = openPipeClient("sync-connect", overlapped: false)
            XCTAssertNotEqual(client, INVALID_HANDLE_VALUE)
            XCTAssertEqual(WaitForSingleObject(waiter, INFINITE), WAIT_OBJECT_0)
            XCTAssertEqual(log, ["ERROR_OPERATION_ABORTED at 10", "TRUE at 20"])
            for h in [client, server, waiter] { XCTAssertTrue(CloseHandle(h)) }
        }
    }

    /// F-RW-15: `ReadFile` without an `OVERLAPPED` on an overlapped pipe handle works: kernel32
    /// waits on the file handle and returns the result.
    func testReadWithoutOverlappedOnAnOverlappedPipeHandle() {
        let sim = Simulation()
        sim.run {
            let server = createPipeServer("no-ov")
            let client = openPipeClient("no-ov")
            let writer = spawn {
                Sleep(25)
                var written: DWORD = 0
                XCTAssertTrue(WriteFile(client, bytes("late"), 4, &written, nil))
                return 0
            }
            var buffer = [UInt8](repeating: 0, count: 8)
            var read: DWORD = 0
            XCTAssertTrue(ReadFile(server, &buffer, 8, &read, nil))
            XCTAssertEqual(read, 4)
            XCTAssertEqual(GetTickCount64(), 25)
            XCTAssertEqual(WaitForSingleObject(writer, INFINITE), WAIT_OBJECT_0)
            for h in [client, server, writer] { XCTAssertTrue(CloseHandle(h)) }
        }
    }

    // MARK: - Anonymous pipes

    /// `CreatePipe`: a synchronous byte pipe with a unique name. The reader gets the data, then,
    /// once the write end is closed and the pipe drained, `ERROR_BROKEN_PIPE`; writing after the
    /// read end closed gives `ERROR_NO_DATA` (F-CLOSE-6, F-DOC-10).
    func testAnonymousPipe() {
        let sim = Simulation()
        sim.run {
            var readEnd: HANDLE?
            var writeEnd: HANDLE?
            XCTAssertTrue(CreatePipe(&readEnd, &writeEnd, nil, 0))
            XCTAssertEqual(sim.namedPipes.pipeNames, ["Win32Pipes.00000400.00000001"])
            var written: DWORD = 0
            XCTAssertTrue(WriteFile(writeEnd, bytes("stdout line\n"), 12, &written, nil))
            XCTAssertEqual(written, 12)
            // The read end cannot write, the write end cannot read.
            XCTAssertFalse(WriteFile(readEnd, bytes("x"), 1, &written, nil))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_ACCESS_DENIED))
            XCTAssertTrue(CloseHandle(writeEnd))
            var buffer = [UInt8](repeating: 0, count: 64)
            var read: DWORD = 0
            XCTAssertTrue(ReadFile(readEnd, &buffer, 64, &read, nil))
            XCTAssertEqual(String(decoding: buffer.prefix(Int(read)), as: UTF8.self), "stdout line\n")
            XCTAssertFalse(ReadFile(readEnd, &buffer, 64, &read, nil))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_BROKEN_PIPE))
            XCTAssertEqual(read, 0)
            XCTAssertTrue(CloseHandle(readEnd))

            XCTAssertTrue(CreatePipe(&readEnd, &writeEnd, nil, 16))
            XCTAssertTrue(CloseHandle(readEnd))
            XCTAssertFalse(WriteFile(writeEnd, bytes("nobody"), 6, &written, nil))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_NO_DATA))
            XCTAssertEqual(written, 0)
            XCTAssertTrue(CloseHandle(writeEnd))
            XCTAssertFalse(CreatePipe(nil, &writeEnd, nil, 0))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_PARAMETER))
            XCTAssertEqual(sim.namedPipes.pipeNames, [])
        }
        XCTAssertTrue(sim.finish().isClean, sim.finish().description)
    }

    /// The pipe calls on handles that are not pipes, or not handles, never crash: they fail
    /// with `ERROR_INVALID_FUNCTION` or `ERROR_INVALID_HANDLE`.
    func testPipeCallsOnOtherHandles() {
        let sim = Simulation()
        sim.installDevice(#"\\.\dev"#, driver: StockDriver())
        sim.run {
            let device = openDevice(#"\\.\dev"#)
            let event = manualEvent()
            XCTAssertFalse(DisconnectNamedPipe(device))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_FUNCTION))
            XCTAssertFalse(DisconnectNamedPipe(event))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_HANDLE))
            XCTAssertFalse(DisconnectNamedPipe(HANDLE(bitPattern: 0x7770)))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_HANDLE))
            var available: DWORD = 0
            XCTAssertFalse(PeekNamedPipe(device, nil, 0, nil, &available, nil))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_FUNCTION))
            XCTAssertFalse(PeekNamedPipe(nil, nil, 0, nil, nil, nil))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_HANDLE))
            XCTAssertFalse(ConnectNamedPipe(INVALID_HANDLE_VALUE, nil))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_HANDLE))
            XCTAssertFalse(FlushFileBuffers(nil))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_HANDLE))
            for h in [device, event] { XCTAssertTrue(CloseHandle(h)) }
        }
    }
}

/// What the pipe completion routine below was called with, in order.
nonisolated(unsafe) private var pipeRoutineCalls: [String] = []

private let pipeCompletionRoutine: LPOVERLAPPED_COMPLETION_ROUTINE = { error, bytes, _ in
    pipeRoutineCalls.append("error \(error), \(bytes) bytes")
}

final class NamedPipeCompletionRoutineTests: XCTestCase {
    /// `ReadFileEx` on a pipe: the routine runs in an alertable wait of the issuing thread, once
    /// the write came (F-RFX-2); a read pending when the other end closes gets its routine with
    /// `ERROR_BROKEN_PIPE` and 0 bytes (F-CLOSE-5: "APC queued").
    func testReadFileExOnAPipe() {
        pipeRoutineCalls = []
        let sim = Simulation()
        let memory = scenarioMemory()
        sim.run {
            let server = createPipeServer("apc")
            let client = openPipeClient("apc")
            let ov = memory.overlapped()
            XCTAssertTrue(ReadFileEx(client, memory.buffer(8), 8, ov, pipeCompletionRoutine))
            XCTAssertEqual(writeNow(server, bytes("hello")), 5)
            XCTAssertEqual(pipeRoutineCalls, [], "routines run only in alertable waits")
            XCTAssertEqual(SleepEx(0, true), WAIT_IO_COMPLETION)
            XCTAssertEqual(pipeRoutineCalls, ["error 0, 5 bytes"])

            XCTAssertTrue(ReadFileEx(client, memory.buffer(8), 8, ov, pipeCompletionRoutine))
            XCTAssertTrue(CloseHandle(server))
            XCTAssertEqual(internalStatus(ov), STATUS_PIPE_BROKEN)
            XCTAssertEqual(SleepEx(0, true), WAIT_IO_COMPLETION)
            XCTAssertEqual(pipeRoutineCalls, ["error 0, 5 bytes", "error 109, 0 bytes"])
            XCTAssertTrue(CloseHandle(client))
        }
        XCTAssertTrue(sim.finish().isClean, sim.finish().description)
    }
}
