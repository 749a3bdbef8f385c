import IOKernel
import Win32Surface
import XCTest

/// Regressions from the review of named pipes and disk files: each of these once failed.
final class PipeReviewRegressionTests: XCTestCase {
    /// kernel32's own status block starts as STATUS_PENDING, as kernelbase's `ReadFile` sets
    /// it. `ReadFile(…, NULL)` on an overlapped pipe handle waits on the file handle (F-RW-15);
    /// when another completion on that handle wakes it first, the block still reads
    /// STATUS_PENDING: FALSE, ERROR_IO_PENDING, and the block stays allocated for the read
    /// still in flight (it once read as success and was freed under the request).
    func testOwnStatusBlockOfAWokenWaitIsStillPending() {
        let sim = Simulation()
        let memory = scenarioMemory()
        var log: [String] = []
        sim.run {
            let server = createPipeServer("own-block")
            let client = openPipeClient("own-block")
            let ov = memory.overlapped()  // no event: its completion signals the file object
            XCTAssertFalse(ReadFile(client, memory.buffer(8), 8, nil, ov))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_IO_PENDING))
            let park = manualEvent()
            let buffer = memory.buffer(8)
            _ = spawn {
                var read: DWORD = 0xDEAD
                let ok = ReadFile(client, buffer, 8, &read, nil)
                log.append(ok ? "TRUE, \(read) bytes" : win32ErrorName(GetLastError()))
                _ = WaitForSingleObject(park, INFINITE)  // never: keep the stray read from completing
                return 0
            }
            Sleep(10)
            XCTAssertEqual(log, [])
            // Completes the first (overlapped) read, FIFO; this signals the client's file object.
            XCTAssertEqual(writeNow(server, bytes("abc")), 3)
            Sleep(10)
            XCTAssertEqual(internalStatus(ov), STATUS_SUCCESS)
            XCTAssertEqual(log, ["ERROR_IO_PENDING"], "the woken wait finds the request still pending")
        }
    }

    /// `FlushFileBuffers` on an overlapped pipe handle blocks until the reader drains
    /// (F-SYNC-4): `NtFlushBuffersFile` waits for its own request on an asynchronous file
    /// object, so the completion of the client's own pending read does not end it.
    func testFlushIsNotWokenByAnotherCompletionOnTheSameHandle() {
        let sim = Simulation()
        let memory = scenarioMemory()
        var flushResults: [String] = []
        sim.run {
            let server = createPipeServer("flush-wake")
            let client = openPipeClient("flush-wake")
            let ov = memory.overlapped()  // no event: its completion signals the file object
            XCTAssertFalse(ReadFile(client, memory.buffer(8), 8, nil, ov))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_IO_PENDING))
            XCTAssertEqual(writeNow(client, bytes("drain me")), 8)
            let park = manualEvent()
            _ = spawn {
                let ok = FlushFileBuffers(client)
                flushResults.append(ok ? "TRUE" : win32ErrorName(GetLastError()))
                _ = WaitForSingleObject(park, INFINITE)  // keep a stray flush from completing
                return 0
            }
            Sleep(10)
            XCTAssertEqual(flushResults, [], "the flush is blocked")
            XCTAssertEqual(writeNow(server, bytes("x")), 1)  // completes the client's read
            Sleep(10)
            XCTAssertEqual(flushResults, [], "the flush must still be blocked: nothing was read")
        }
    }

    /// Wine `test_CreateNamedPipe_instances_must_match`: a later instance may use another
    /// pipe type, instance count and buffer sizes ("check everything else" succeeds), but not
    /// another PIPE_ACCESS_* direction (ERROR_ACCESS_DENIED).
    func testLaterInstancesMustMatchAccessButNotType() {
        let sim = Simulation()
        sim.run {
            let byteDuplex = createPipeServer("match", overlapped: false, instances: 4)
            XCTAssertNotEqual(byteDuplex, INVALID_HANDLE_VALUE)
            let messageInstance = CreateNamedPipeA(#"\\.\pipe\match"#, DWORD(PIPE_ACCESS_DUPLEX), DWORD(PIPE_TYPE_MESSAGE),
                                                   3, 102, 24, 1234, nil)
            XCTAssertNotEqual(messageInstance, INVALID_HANDLE_VALUE, "a different type is allowed (Wine 'check everything else')")
            let inbound = CreateNamedPipeA(#"\\.\pipe\match"#, DWORD(PIPE_ACCESS_INBOUND), DWORD(PIPE_TYPE_BYTE),
                                           4, 1024, 1024, 0, nil)
            XCTAssertEqual(inbound, INVALID_HANDLE_VALUE, "PIPE_ACCESS_* mismatch allowed")
            XCTAssertEqual(GetLastError(), DWORD(ERROR_ACCESS_DENIED))
            for h in [byteDuplex, messageInstance, inbound] where h != INVALID_HANDLE_VALUE { XCTAssertTrue(CloseHandle(h)) }
        }
    }

    /// Wine `test_DisconnectNamedPipe`: after `DisconnectNamedPipe`, `PeekNamedPipe` on the
    /// client gives ERROR_PIPE_NOT_CONNECTED but on the server ERROR_BAD_PIPE.
    func testPeekOnADisconnectedServerIsBadPipe() {
        let sim = Simulation()
        sim.run {
            let server = createPipeServer("peek-disc", overlapped: false)
            let client = openPipeClient("peek-disc", overlapped: false)
            XCTAssertTrue(DisconnectNamedPipe(server))
            var available: DWORD = 0
            XCTAssertFalse(PeekNamedPipe(client, nil, 0, nil, &available, nil))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_PIPE_NOT_CONNECTED))
            XCTAssertFalse(PeekNamedPipe(server, nil, 0, nil, &available, nil))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_BAD_PIPE))
            for h in [client, server] { XCTAssertTrue(CloseHandle(h)) }
        }
    }

    /// Pipe ends are freed with their simulation even when a pipe handle is still open (the
    /// teardown report flags the handle; the host memory must still go).
    func testPipeEndsAreFreedWithTheSimulation() {
        weak var serverEnd: AnyObject?
        weak var clientEnd: AnyObject?
        do {
            let sim = Simulation()
            sim.run {
                let server = createPipeServer("leak")
                let client = openPipeClient("leak")
                let lookup = { (h: HANDLE?) in sim.fileObject(h)?.driverContext }
                serverEnd = lookup(server)
                clientEnd = lookup(client)
                XCTAssertNotNil(serverEnd)
            }
        }
        XCTAssertNil(serverEnd, "the server end (NamedPipe <-> PipeEnd cycle) outlives its simulation")
        XCTAssertNil(clientEnd, "the client end (peer <-> peer cycle) outlives its simulation")
    }

    /// The server's last instance closes while the client's end is open: the pipe leaves the
    /// namespace, and the client end, which only names it now, still closes cleanly (with the
    /// timeline naming the pipe).
    func testAClientEndOutlivesItsPipe() {
        let sim = Simulation(options: SimulationOptions(tracing: true))
        sim.run {
            let server = createPipeServer("outlived")
            let client = openPipeClient("outlived")
            XCTAssertTrue(CloseHandle(server))
            XCTAssertEqual(sim.namedPipes.instanceStates(of: "outlived"), [])
            var ov = OVERLAPPED()
            var byte: UInt8 = 0
            XCTAssertFalse(ReadFile(client, &byte, 1, nil, &ov))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_BROKEN_PIPE))
            XCTAssertTrue(CloseHandle(client))
        }
        XCTAssertTrue(sim.trace.events.contains(.note("pipe outlived: server end closed; the other end is broken")))
        XCTAssertTrue(sim.finish().isClean, sim.finish().description)
    }
}
