import IOKernel
import Win32Surface
import XCTest

/// Async Win32 I/O in the style of swift-subprocess's Windows `AsyncIO`: tasks issue overlapped
/// requests on a completion port and await continuations that a monitor thread resumes
/// (``AsyncIOPort``), all inside `try await sim.run { … }`.
final class AsyncIOTests: XCTestCase {
    func testAPipeReaderAndWriterOnACompletionPortWithAMonitorThread() async throws {
        let sim = checkedSimulation()
        let clock = sim.clock
        try await sim.run {
            let io = try XCTUnwrap(AsyncIOPort())
            let server = try XCTUnwrap(SharedHandle(createPipeServer("async")))
            let client = try XCTUnwrap(SharedHandle(openPipeClient("async")))
            XCTAssertTrue(io.register(server.value))
            XCTAssertTrue(io.register(client.value))

            // The reader's ReadFile pends; the writer's WriteFile feeds it and completes at once;
            // both packets reach the monitor thread, which resumes both continuations.
            async let received = io.read(server.value, upTo: 64)
            await sim.settle()  // the reader's ReadFile goes first, and pends
            let written = try await io.write(client.value, bytes("hello"))
            XCTAssertEqual(written, 5)
            let data = try await received
            XCTAssertEqual(String(decoding: data, as: UTF8.self), "hello")
            XCTAssertEqual(clock.now, .init(.zero))

            XCTAssertTrue(CloseHandle(client.value))
            XCTAssertTrue(CloseHandle(server.value))
            io.shutdown()
        }
        let calls = sim.trace.events.compactMap { event -> String? in
            if case .call(let text, let result) = event { return "\(text) = \(result)" }
            return nil
        }
        XCTAssertEqual(calls.filter { $0.hasPrefix("ReadFile(") || $0.hasPrefix("WriteFile(") || $0.hasPrefix("GetQueued") }, [
            "ReadFile(0xc, buf#1, 64, ov: ov#1) = FALSE, ERROR_IO_PENDING",
            "WriteFile(0x10, buf#2, 5, ov: ov#2) = TRUE",
            // The monitor thread: the read's packet, the write's, and the shutdown packet.
            "GetQueuedCompletionStatus(0x4, 4294967295) → ov: ov#1 = TRUE",
            "GetQueuedCompletionStatus(0x4, 4294967295) → ov: ov#2 = TRUE",
            "GetQueuedCompletionStatus(0x4, 4294967295) → ov: NULL = TRUE",
        ])
    }

    /// A server task echoes what a client task writes until the client closes its end.
    private func echoScenario(_ sim: Simulation) async throws -> [String] {
        try await sim.run {
            let io = try XCTUnwrap(AsyncIOPort())
            let server = try XCTUnwrap(SharedHandle(createPipeServer("echo")))
            let client = try XCTUnwrap(SharedHandle(openPipeClient("echo")))
            XCTAssertTrue(io.register(server.value))
            XCTAssertTrue(io.register(client.value))

            let echoServer = Task {
                var echoed = 0
                while true {
                    let data = try await io.read(server.value, upTo: 64)
                    if data.isEmpty { return echoed }  // ERROR_BROKEN_PIPE: the client is gone
                    echoed += try await io.write(server.value, data)
                }
            }
            var transcript: [String] = []
            for message in ["one", "two", "three"] {
                try await io.write(client.value, bytes(message))
                let reply = try await io.read(client.value, upTo: 64)
                transcript.append("\(message) -> \(String(decoding: reply, as: UTF8.self))")
            }
            XCTAssertTrue(CloseHandle(client.value))
            transcript.append("echoed \(try await echoServer.value) bytes")
            XCTAssertTrue(CloseHandle(server.value))
            io.shutdown()
            return transcript
        }
    }

    func testATaskBasedEchoServer() async throws {
        let sim = checkedSimulation()
        let transcript = try await echoScenario(sim)
        XCTAssertEqual(transcript, ["one -> one", "two -> two", "three -> three", "echoed 11 bytes"])
    }

    func testTheSameOutputAndTheSameTimelineOnEveryRun() async throws {
        var outputs: [[String]] = []
        var timelines: [String] = []
        for _ in 0..<3 {
            let sim = checkedSimulation()
            outputs.append(try await echoScenario(sim))
            timelines.append(sim.trace.timeline())
        }
        XCTAssertEqual(Set(outputs).count, 1)
        XCTAssertEqual(Set(timelines).count, 1, timelines.joined(separator: "\n=====\n"))
        XCTAssertTrue(timelines[0].contains("runs task job#1"), timelines[0])
    }

    /// A read on a slow device against a timeout written with `Task.sleep`: whichever comes
    /// first on the virtual clock wins, and the loser is cancelled and waited for.
    private func readWithTimeout(deviceTakes latency: Duration) async throws -> [String] {
        let sim = checkedSimulation()
        sim.installDevice(#"\\.\slow"#, driver: StockDriver(completion: .after(latency)))
        let clock = sim.clock
        return try await sim.run {
            let io = try XCTUnwrap(AsyncIOPort())
            let device = try XCTUnwrap(SharedHandle(openDevice(#"\\.\slow"#)))
            XCTAssertTrue(io.register(device.value))
            let outcome = await withTaskGroup(of: String.self) { group in
                group.addTask {
                    do {
                        let data = try await io.read(device.value, upTo: 4)
                        return "read \(String(decoding: data, as: UTF8.self)) at \(clock.now)"
                    } catch {
                        return "read threw \(error) at \(clock.now)"
                    }
                }
                group.addTask {
                    do {
                        try await Task.sleep(for: .seconds(1))
                        return "timed out at \(clock.now)"
                    } catch {
                        return "timeout cancelled at \(clock.now)"
                    }
                }
                var outcome: [String] = []
                if let first = await group.next() { outcome.append(first) }
                group.cancelAll()
                if let second = await group.next() { outcome.append(second) }
                return outcome
            }
            XCTAssertTrue(CloseHandle(device.value))
            io.shutdown()
            return outcome
        }
    }

    func testATimeoutBySleepWinsAgainstASlowDevice() async throws {
        let outcome = try await readWithTimeout(deviceTakes: .seconds(2))
        // The cancelled read completes inside CancelIoEx (the driver's cancel routine) and its
        // packet still reaches the monitor: the wrapper returns only then.
        XCTAssertEqual(outcome, ["timed out at 1000.000ms", "read threw CancellationError() at 1000.000ms"])
    }

    func testAFastDeviceWinsAgainstTheTimeout() async throws {
        let outcome = try await readWithTimeout(deviceTakes: .milliseconds(500))
        XCTAssertEqual(outcome, ["read data at 500.000ms", "timeout cancelled at 500.000ms"])
    }

    func testACancelledTaskWithAReadPendingWaitsForTheCancelledRead() async throws {
        let sim = checkedSimulation()
        try await sim.run {
            let io = try XCTUnwrap(AsyncIOPort())
            let server = try XCTUnwrap(SharedHandle(createPipeServer("cancel")))
            let client = try XCTUnwrap(SharedHandle(openPipeClient("cancel")))
            XCTAssertTrue(io.register(server.value))
            let reader = Task { try await io.read(server.value, upTo: 16) }
            // Let the reader issue its read (it pends: nothing was written).
            await sim.settle()
            // Thread-agnostic (a bound handle, no event): the file object holds it.
            XCTAssertEqual(sim.finish().irpsInFlight.map(\.summary), ["IRP#3 IRP_MJ_READ pending cancel-routine-armed"])
            reader.cancel()
            do {
                _ = try await reader.value
                XCTFail("the read should have been cancelled")
            } catch {
                XCTAssertTrue(error is CancellationError, "\(error)")
            }
            // The request went through completion processing before the wrapper freed it.
            XCTAssertEqual(sim.finish().irpsInFlight.count, 0)
            XCTAssertTrue(CloseHandle(client.value))
            XCTAssertTrue(CloseHandle(server.value))
            io.shutdown()
        }
        XCTAssertTrue(sim.trace.timeline().contains("CancelIoEx("), sim.trace.timeline())
    }

    func testAPeerThatClosesMidReadEndsTheReadAsEndOfStream() async throws {
        let sim = checkedSimulation()
        try await sim.run {
            let io = try XCTUnwrap(AsyncIOPort())
            let server = try XCTUnwrap(SharedHandle(createPipeServer("close")))
            let client = try XCTUnwrap(SharedHandle(openPipeClient("close")))
            XCTAssertTrue(io.register(server.value))
            async let first = io.read(server.value, upTo: 16)
            async let second: [UInt8] = {
                try await Task.sleep(for: .milliseconds(10))
                writeNow(client.value, bytes("partial"))
                try await Task.sleep(for: .milliseconds(10))
                XCTAssertTrue(CloseHandle(client.value))  // mid-read: the server's next read pends
                return []
            }()
            let data = try await first
            XCTAssertEqual(String(decoding: data, as: UTF8.self), "partial")
            let eof = try await io.read(server.value, upTo: 16)  // pends, then ERROR_BROKEN_PIPE
            XCTAssertEqual(eof, [])
            let closed = try await second
            XCTAssertEqual(closed, [])
            XCTAssertEqual(sim.now, VirtualInstant(nanoseconds: 20_000_000))
            XCTAssertTrue(CloseHandle(server.value))
            io.shutdown()
        }
    }
}
