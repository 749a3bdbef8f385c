import IOKernel
import Win32Surface
import XCTest

/// The classic overlapped pipe server: one instance per client, every instance bound to one
/// completion port, a pool of worker threads dequeuing packets and driving each instance's
/// state machine (connect, read, echo the bytes back, read again), several clients talking to
/// it with synchronous handles. Everything a packet reports is what Windows would report:
/// connections complete with 0 bytes, reads with the bytes read, and a client's close completes
/// the pending read with `ERROR_BROKEN_PIPE` (F-CLOSE-4).
final class PipeEchoServerTests: XCTestCase {
    private final class Instance {
        enum State { case connecting, reading, writing, done }
        let pipe: HANDLE?
        let overlapped: LPOVERLAPPED
        let buffer: UnsafeMutableRawPointer
        var state = State.connecting

        init(pipe: HANDLE?, memory: ScenarioMemory) {
            self.pipe = pipe
            overlapped = memory.overlapped()
            buffer = memory.buffer(256)
        }
    }

    private static let quitKey: ULONG_PTR = 0xFFFF

    func testEchoServerOnACompletionPortWithSeveralClients() {
        let sim = Simulation()
        let memory = scenarioMemory()
        let clientCount = 3
        var serverLog: [String] = []
        var echoes: [[String]] = Array(repeating: [], count: clientCount)
        sim.run {
            let port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, nil, 0, 2)
            var instances: [Instance] = []
            for index in 0..<clientCount {
                let pipe = createPipeServer("echo", message: true, instances: DWORD(PIPE_UNLIMITED_INSTANCES))
                XCTAssertNotEqual(pipe, INVALID_HANDLE_VALUE)
                XCTAssertEqual(CreateIoCompletionPort(pipe, port, ULONG_PTR(index), 0), port)
                let instance = Instance(pipe: pipe, memory: memory)
                instances.append(instance)
                XCTAssertFalse(ConnectNamedPipe(pipe, instance.overlapped))
                XCTAssertEqual(GetLastError(), DWORD(ERROR_IO_PENDING))
            }
            XCTAssertEqual(sim.namedPipes.instanceStates(of: "echo"), [.listening, .listening, .listening])

            // Starts the next read; its completion, immediate or not, comes through the port.
            func startRead(_ instance: Instance) {
                instance.state = .reading
                if !ReadFile(instance.pipe, instance.buffer, 256, nil, instance.overlapped) {
                    XCTAssertEqual(GetLastError(), DWORD(ERROR_IO_PENDING))
                }
            }

            var workers: [HANDLE?] = []
            for worker in 0..<2 {
                workers.append(spawn {
                    while true {
                        var bytes: DWORD = 0
                        var key: ULONG_PTR = 0
                        var ov: LPOVERLAPPED?
                        let ok = GetQueuedCompletionStatus(port, &bytes, &key, &ov, INFINITE)
                        if key == Self.quitKey { return 0 }
                        guard ov != nil, Int(key) < instances.count else {
                            XCTFail("unexpected packet: \(ok) \(win32ErrorName(GetLastError()))")
                            return 1
                        }
                        let instance = instances[Int(key)]
                        XCTAssertEqual(ov, instance.overlapped)
                        switch (instance.state, ok) {
                        case (.connecting, true):
                            XCTAssertEqual(bytes, 0, "a connection completes with 0 bytes (F-GOR-16)")
                            serverLog.append("worker\(worker): instance \(key) connected")
                            startRead(instance)
                        case (.reading, true):
                            let message = string(instance.buffer, Int(bytes))
                            serverLog.append("worker\(worker): instance \(key) echoes \(message)")
                            instance.state = .writing
                            if !WriteFile(instance.pipe, instance.buffer, bytes, nil, instance.overlapped) {
                                XCTAssertEqual(GetLastError(), DWORD(ERROR_IO_PENDING))
                            }
                        case (.writing, true):
                            startRead(instance)
                        case (.reading, false):
                            XCTAssertEqual(GetLastError(), DWORD(ERROR_BROKEN_PIPE))
                            XCTAssertEqual(internalStatus(instance.overlapped), STATUS_PIPE_BROKEN)
                            serverLog.append("worker\(worker): instance \(key) client gone")
                            XCTAssertTrue(DisconnectNamedPipe(instance.pipe))
                            instance.state = .done
                        default:
                            XCTFail("instance \(key) in \(instance.state): \(ok) \(win32ErrorName(GetLastError()))")
                            return 1
                        }
                    }
                })
            }

            var clients: [HANDLE?] = []
            for client in 0..<clientCount {
                clients.append(spawn {
                    let h = openPipeClient("echo", overlapped: false)
                    guard h != INVALID_HANDLE_VALUE else {
                        XCTFail("client \(client) could not open the pipe: \(win32ErrorName(GetLastError()))")
                        return 1
                    }
                    var mode = DWORD(PIPE_READMODE_MESSAGE)
                    XCTAssertTrue(SetNamedPipeHandleState(h, &mode, nil, nil))
                    for round in 0..<3 {
                        let message = Array("client\(client)-\(round)".utf8)
                        var written: DWORD = 0
                        XCTAssertTrue(WriteFile(h, message, DWORD(message.count), &written, nil))
                        XCTAssertEqual(written, DWORD(message.count))
                        var reply = [UInt8](repeating: 0, count: 64)
                        var read: DWORD = 0
                        XCTAssertTrue(ReadFile(h, &reply, 64, &read, nil))
                        echoes[client].append(String(decoding: reply.prefix(Int(read)), as: UTF8.self))
                        Sleep(DWORD(1 + client))
                    }
                    XCTAssertTrue(CloseHandle(h))
                    return 0
                })
            }

            var clientHandles = clients
            XCTAssertEqual(WaitForMultipleObjects(DWORD(clientCount), &clientHandles, true, INFINITE), WAIT_OBJECT_0)
            // Let the workers see the last clients go, then tell them to stop.
            Sleep(10)
            XCTAssertEqual(instances.map(\.state).filter { $0 == .done }.count, clientCount)
            for _ in workers { XCTAssertTrue(PostQueuedCompletionStatus(port, 0, Self.quitKey, nil)) }
            var workerHandles = workers
            XCTAssertEqual(WaitForMultipleObjects(DWORD(workers.count), &workerHandles, true, INFINITE), WAIT_OBJECT_0)
            for handle in workers + clients { XCTAssertTrue(CloseHandle(handle)) }
            for instance in instances { XCTAssertTrue(CloseHandle(instance.pipe)) }
            XCTAssertTrue(CloseHandle(port))
        }
        XCTAssertEqual(echoes, (0..<clientCount).map { client in (0..<3).map { "client\(client)-\($0)" } })
        XCTAssertEqual(serverLog.filter { $0.hasSuffix("connected") }.count, clientCount)
        XCTAssertEqual(serverLog.filter { $0.contains(" echoes ") }.count, 9)
        XCTAssertEqual(serverLog.filter { $0.hasSuffix("client gone") }.count, clientCount)
        // Every instance echoed exactly its own client's messages, in order.
        for instance in 0..<clientCount {
            let echoed = serverLog.filter { $0.contains("instance \(instance) echoes") }.map { $0.split(separator: " ").last.map(String.init) ?? "" }
            XCTAssertEqual(echoed, (0..<3).map { "client\(instance)-\($0)" })
        }
        XCTAssertEqual(sim.bugChecks, [])
        XCTAssertEqual(sim.hangs, [])
        XCTAssertEqual(serverLog.count, 15)
        XCTAssertTrue(sim.finish().isClean, sim.finish().description)
    }
}
