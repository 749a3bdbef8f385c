import IOKernel
import Win32Surface
import XCTest

/// A continuation carried through a registered wait's context pointer.
private final class ExitWaiter {
    let continuation: CheckedContinuation<Bool, Never>
    init(_ continuation: CheckedContinuation<Bool, Never>) { self.continuation = continuation }
}

/// Awaits a process's exit the way subprocess libraries do on Windows: a registered wait
/// (`RegisterWaitForSingleObject`, `WT_EXECUTEONLYONCE`) whose callback, on a wait thread of
/// the simulation, resumes the awaiting task; then `UnregisterWait` and the exit code.
func processExit(_ process: HANDLE) async -> DWORD? {
    var registration: HANDLE?
    let registered = await withTrackedContinuation("the child's exit") { (continuation: CheckedContinuation<Bool, Never>) in
        let context = Unmanaged.passRetained(ExitWaiter(continuation)).toOpaque()
        let callback: WAITORTIMERCALLBACK = { context, _ in
            guard let context else { return }
            Unmanaged<ExitWaiter>.fromOpaque(context).takeRetainedValue().continuation.resume(returning: true)
        }
        if !RegisterWaitForSingleObject(&registration, process, callback, context, INFINITE, ULONG(WT_EXECUTEONLYONCE)) {
            Unmanaged<ExitWaiter>.fromOpaque(context).release()
            continuation.resume(returning: false)
        }
    }
    guard registered, let registration else { return nil }
    _ = UnregisterWait(registration)
    var code: DWORD = 0
    return GetExitCodeProcess(process, &code) ? code : nil
}

/// A parent task and a child process over overlapped pipes: the shape of swift-subprocess's
/// Windows `run` (a task group of the process monitor and the body that writes the child's
/// stdin and reads its stdout through a completion port's monitor thread), inside
/// `try await sim.run { … }`.
final class AsyncProcessTests: XCTestCase {
    /// The child echoes its standard input: synchronous reads until the parent closes its end
    /// (`ERROR_BROKEN_PIPE`), then "echo: " and the input in two writes 50 ms apart, exit code 7.
    private static func echoChild() -> UInt32 {
        let input = GetStdHandle(STD_INPUT_HANDLE)
        let output = GetStdHandle(STD_OUTPUT_HANDLE)
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64)
        while true {
            var count: DWORD = 0
            let ok = buffer.withUnsafeMutableBytes { ReadFile(input, $0.baseAddress, 64, &count, nil) }
            if !ok { break }
            received += buffer[0..<Int(count)]
        }
        guard GetLastError() == DWORD(ERROR_BROKEN_PIPE) else { return 1 }
        for part in [bytes("echo: "), received] {
            Sleep(50)
            var written: DWORD = 0
            guard part.withUnsafeBytes({ WriteFile(output, $0.baseAddress, DWORD($0.count), &written, nil) }) else { return 2 }
        }
        return 7
    }

    private func parentAndChild(_ sim: Simulation) async throws -> [String] {
        sim.installProgram(#"C:\tools\echo.exe"#) { Self.echoChild() }
        let clock = sim.clock
        return try await sim.run { () async throws -> [String] in
            let io = try XCTUnwrap(AsyncIOPort())
            var inheritable = SECURITY_ATTRIBUTES()
            inheritable.nLength = DWORD(MemoryLayout<SECURITY_ATTRIBUTES>.size)
            inheritable.bInheritHandle = true
            // Microsoft's "Creating a Child Process with Redirected Input and Output": the
            // child's ends inheritable, the parent's ends overlapped and bound to the port.
            let stdinWrite = try XCTUnwrap(SharedHandle(createPipeServer("child-in", access: DWORD(PIPE_ACCESS_OUTBOUND))))
            let stdinRead = CreateFileA(#"\\.\pipe\child-in"#, GENERIC_READ, 0, &inheritable, DWORD(OPEN_EXISTING), 0, nil)
            let stdoutRead = try XCTUnwrap(SharedHandle(createPipeServer("child-out", access: DWORD(PIPE_ACCESS_INBOUND))))
            let stdoutWrite = CreateFileA(#"\\.\pipe\child-out"#, DWORD(GENERIC_WRITE), 0, &inheritable, DWORD(OPEN_EXISTING), 0, nil)
            XCTAssertTrue(io.register(stdinWrite.value))
            XCTAssertTrue(io.register(stdoutRead.value))
            var startup = STARTUPINFOW()
            startup.cb = DWORD(MemoryLayout<STARTUPINFOW>.size)
            startup.dwFlags = DWORD(STARTF_USESTDHANDLES)
            startup.hStdInput = stdinRead
            startup.hStdOutput = stdoutWrite
            var info = PROCESS_INFORMATION()
            var commandLine = Array(#"C:\tools\echo.exe"#.utf16) + [0]
            XCTAssertTrue(CreateProcessW(nil, &commandLine, nil, nil, true, 0, nil, nil, &startup, &info))
            // The parent closes its copies of the child's ends, so that the child's exit breaks
            // the stdout pipe and the parent's close of stdin breaks the child's.
            XCTAssertTrue(CloseHandle(stdinRead))
            XCTAssertTrue(CloseHandle(stdoutWrite))
            let process = try XCTUnwrap(SharedHandle(info.hProcess))

            let transcript = try await withThrowingTaskGroup(of: [String].self) { group in
                group.addTask {
                    let code = await processExit(process.value)
                    return ["the child exited with \(code.map { "\($0)" } ?? "?") at \(clock.now)"]
                }
                group.addTask {
                    var lines = ["wrote \(try await io.write(stdinWrite.value, bytes("hello from the parent"))) bytes at \(clock.now)"]
                    XCTAssertTrue(CloseHandle(stdinWrite.value))
                    while true {
                        let chunk = try await io.read(stdoutRead.value, upTo: 64)
                        if chunk.isEmpty { break }  // ERROR_BROKEN_PIPE: the child has exited
                        lines.append("read \"\(String(decoding: chunk, as: UTF8.self))\" at \(clock.now)")
                    }
                    return lines + ["the end of stdout at \(clock.now)"]
                }
                var parts: [[String]] = []
                for try await part in group { parts.append(part) }
                return parts.sorted { $0.count > $1.count }.flatMap { $0 }
            }
            XCTAssertTrue(CloseHandle(stdoutRead.value))
            XCTAssertTrue(CloseHandle(process.value))
            XCTAssertTrue(CloseHandle(info.hThread))
            io.shutdown()
            return transcript
        }
    }

    func testAParentTaskWritesAChildsInputAndReadsItsOutputAndAwaitsItsExit() async throws {
        let sim = checkedSimulation()
        let transcript = try await parentAndChild(sim)
        XCTAssertEqual(transcript, [
            "wrote 21 bytes at 0.000ms",
            "read \"echo: \" at 50.000ms",
            "read \"hello from the parent\" at 100.000ms",
            "the end of stdout at 100.000ms",
            "the child exited with 7 at 100.000ms",
        ])
        XCTAssertEqual(sim.now, VirtualInstant(nanoseconds: 100_000_000))
    }

    func testTheParentAndTheChildGiveTheSameTimelineOnEveryRun() async throws {
        var timelines: Set<String> = []
        for _ in 0..<3 {
            let sim = checkedSimulation()
            _ = try await parentAndChild(sim)
            timelines.insert(sim.trace.timeline())
        }
        XCTAssertEqual(timelines.count, 1)
        XCTAssertTrue(timelines.first?.contains("RegisterWaitForSingleObject(") == true, timelines.first ?? "")
    }

    func testEveryScheduleOfTheTasksAndThreadsGivesTheSameTranscript() async {
        var transcripts: Set<[String]> = []
        let result = await ScheduleExplorer.explore(maxRuns: 2_000) { strategy in
            let sim = Simulation(options: SimulationOptions(tracing: false), strategy: strategy)
            guard let transcript = try? await parentAndChild(sim) else { return false }
            transcripts.insert(transcript)
            return sim.finish().isClean
        }
        XCTAssertTrue(result.isComplete)
        XCTAssertEqual(result.failures, [])
        XCTAssertGreaterThan(result.runs, 1)
        XCTAssertEqual(transcripts.count, 1, "\(transcripts)")
    }
}
