import IOKernel
import IOSimXCTest
import Win32Surface
import XCTest

/// Issue 10's findings, each as it was found: the simulator's memory stays bounded by what the
/// scenario holds, and bad input gets the Win32 error Windows gives or a recorded violation,
/// never corrupts the simulator.
final class ReliabilityRegressionTests: XCTestCase {
    /// Finding 3: 4,000 impossible waits with 4,000 reads pending once made 892 MB of hang
    /// reports, each copying every pending IRP. Now each report describes 16 IRPs and counts
    /// the rest, the simulation keeps 32 reports and counts the rest, and the teardown report
    /// lists 100 of each kind and says how many it left out.
    func testHangReportsStayBoundedWhateverTheScenarioHolds() {
        let sim = Simulation()
        sim.installDevice(#"\\.\stuck"#, driver: StockDriver(completion: .manual))
        let memory = scenarioMemory()
        sim.run {
            let h = openDevice(#"\\.\stuck"#)
            let buffer = memory.buffer(8)
            for _ in 0..<4_000 {
                XCTAssertFalse(ReadFile(h, buffer, 8, nil, memory.overlapped()))
            }
            XCTAssertEqual(GetLastError(), DWORD(ERROR_IO_PENDING))
            let never = manualEvent()
            var failures = 0
            for _ in 0..<4_000 where WaitForSingleObject(never, INFINITE) == WAIT_FAILED
                && GetLastError() == DWORD(ERROR_POSSIBLE_DEADLOCK)
            {
                failures += 1
            }
            XCTAssertEqual(failures, 4_000)
        }
        XCTAssertEqual(sim.hangs.count, 32)
        XCTAssertEqual(Simulation.hangReportLimit, 32)
        XCTAssertEqual(sim.droppedHangCount, 3_968)
        let first = sim.hangs[0]
        XCTAssertEqual(first.threads, ["main is blocked waiting for Event#3 to be signalled (not alertable)"])
        XCTAssertEqual(first.droppedThreads, 0)
        XCTAssertEqual(first.pendingIRPs.count, 16)
        XCTAssertEqual(first.droppedIRPs, 3_984)
        XCTAssertEqual(first.pendingIRPs[0], #"IRP#2 (IRP_MJ_READ on File#2, \\.\stuck) issued by main"#)
        XCTAssertTrue(first.description.hasSuffix("; … and 3984 more"), first.description)

        let report = sim.finish()
        XCTAssertEqual(report.irpsInFlight.count, 100)
        XCTAssertEqual(report.dropped.irpsInFlight, 3_900)
        XCTAssertEqual(report.hangs.count, 32)
        XCTAssertEqual(report.dropped.hangs, 3_968)
        XCTAssertTrue(report.description.contains("… and 3900 more IRPs in flight, not listed"))
        XCTAssertTrue(report.description.contains("… and 3968 more hangs, not listed"))
        XCTAssertFalse(report.isClean)
    }
}

extension ReliabilityRegressionTests {
    /// A connected byte pipe whose server end holds `data` to read; returns (server, client).
    private func pipeHolding(_ data: [UInt8]) -> (HANDLE?, HANDLE?) {
        let server = CreateNamedPipeA(#"\\.\pipe\peek"#, DWORD(PIPE_ACCESS_DUPLEX), DWORD(PIPE_TYPE_BYTE), 1, 4096, 4096, 0, nil)
        let client = CreateFileA(#"\\.\pipe\peek"#, GENERIC_READ | DWORD(GENERIC_WRITE), 0, nil, DWORD(OPEN_EXISTING), 0, nil)
        var written: DWORD = 0
        XCTAssertTrue(data.withUnsafeBytes { WriteFile(client, $0.baseAddress, DWORD($0.count), &written, nil) })
        XCTAssertEqual(written, DWORD(data.count))
        return (server, client)
    }

    /// Finding 1: `PeekNamedPipe` into an 8-byte heap block with `nBufferSize` 4096 once copied
    /// the pipe's 100 bytes over the simulator's own heap (ASan: heap-buffer-overflow WRITE).
    /// Now the buffer is probed for the size the call declares: `FALSE`, `ERROR_NOACCESS`, a
    /// `bufferTooShort` violation, and nothing written, not even into the block itself. The
    /// same peek with the block's true size works.
    func testPeekNamedPipeIntoAShortBlockFailsWithNoAccess() throws {
        let sim = Simulation()
        try sim.run {
            let (server, client) = pipeHolding(Array(repeating: 0x41, count: 100))
            let small = try XCTUnwrap(HeapAlloc(GetProcessHeap(), 0, 8))
            let neighbour = try XCTUnwrap(HeapAlloc(GetProcessHeap(), 0, 8))
            var read: DWORD = 0xDEAD
            var available: DWORD = 0xDEAD
            XCTAssertFalse(PeekNamedPipe(server, small, 4096, &read, &available, nil))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_NOACCESS))
            XCTAssertEqual(read, 0xDEAD, "nothing reported")
            XCTAssertEqual(string(small, 8), String(repeating: "\0", count: 8))
            XCTAssertEqual(string(neighbour, 8), String(repeating: "\0", count: 8))

            XCTAssertTrue(PeekNamedPipe(server, small, 8, &read, &available, nil))
            XCTAssertEqual(read, 8)
            XCTAssertEqual(available, 100)
            XCTAssertEqual(string(small, 8), "AAAAAAAA")
            XCTAssertEqual(string(neighbour, 8), String(repeating: "\0", count: 8))
            XCTAssertTrue(HeapFree(GetProcessHeap(), 0, small))
            XCTAssertTrue(HeapFree(GetProcessHeap(), 0, neighbour))
            XCTAssertTrue(CloseHandle(client))
            XCTAssertTrue(CloseHandle(server))
        }
        let violations = sim.takeMemoryViolations()
        XCTAssertEqual(violations.map(\.kind), [.bufferTooShort])
        XCTAssertEqual(violations.first?.block?.label, "HeapAlloc(8)")
        XCTAssertEqual(violations.first?.detail,
                       "PeekNamedPipe was told the buffer holds 4096 bytes, but HeapAlloc(8) has 8 from there: the call fails with ERROR_NOACCESS and writes nothing")
    }

    /// Finding 1's second half: peeking into a freed block recorded nothing. Freed heap memory
    /// is still mapped on Windows, so the copy succeeds (`TRUE`, into the quarantined block) and
    /// is reported as the kernel writing freed memory.
    func testPeekNamedPipeIntoAFreedBlockIsReported() throws {
        let sim = Simulation()
        try sim.run {
            let (server, client) = pipeHolding(Array("hello".utf8))
            let block = try XCTUnwrap(HeapAlloc(GetProcessHeap(), 0, 16))
            XCTAssertTrue(HeapFree(GetProcessHeap(), 0, block))
            var read: DWORD = 0
            XCTAssertTrue(PeekNamedPipe(server, block, 16, &read, nil, nil))
            XCTAssertEqual(read, 5)
            XCTAssertTrue(CloseHandle(client))
            XCTAssertTrue(CloseHandle(server))
        }
        let violations = sim.takeMemoryViolations()
        XCTAssertEqual(violations.map(\.kind), [.kernelWroteFreedMemory])
        XCTAssertEqual(violations.first?.detail, "PeekNamedPipe was handed HeapAlloc(16), which was freed")
    }

    /// Finding 2: `WriteFile` of 4096 bytes (and of 1 GiB) from a 16-byte tracked block once read
    /// past it (ASan READ of 4096; SIGSEGV with 1 GiB). Windows fails such a call with
    /// `ERROR_NOACCESS` when its probe of the buffer faults; here the probe checks the block:
    /// `FALSE`, `ERROR_NOACCESS`, a `bufferTooShort` violation, no IRP, nothing written to the
    /// device, and `Internal` left at `STATUS_PENDING` (a failure before any IRP notifies nothing).
    func testWriteFileFromAShortBlockFailsWithNoAccess() throws {
        let sim = Simulation()
        let device = StockDriver(completion: .immediate)
        sim.installDevice(#"\\.\sink"#, driver: device)
        let memory = scenarioMemory()
        try sim.run {
            let h = openDevice(#"\\.\sink"#)
            let block = try XCTUnwrap(HeapAlloc(GetProcessHeap(), 0, 16))
            for length: DWORD in [4096, 1 << 30] {
                let ov = memory.overlapped()
                var written: DWORD = 0xDEAD
                XCTAssertFalse(WriteFile(h, block, length, &written, ov))
                XCTAssertEqual(GetLastError(), DWORD(ERROR_NOACCESS))
                XCTAssertEqual(written, 0)
                XCTAssertEqual(internalStatus(ov), STATUS_PENDING)
            }
            XCTAssertEqual(sim.irpsInFlight.count, 0)
            var written: DWORD = 0
            XCTAssertTrue(WriteFile(h, block, 16, &written, memory.overlapped()))
            XCTAssertEqual(written, 16)
            XCTAssertTrue(HeapFree(GetProcessHeap(), 0, block))
            XCTAssertTrue(CloseHandle(h))
        }
        XCTAssertEqual(device.written, Array(repeating: 0, count: 16))
        XCTAssertEqual(sim.takeMemoryViolations().map(\.kind), [.bufferTooShort, .bufferTooShort])
        XCTAssertTrue(sim.finish().isClean, sim.finish().description)
    }
}

extension ReliabilityRegressionTests {
    /// Finding 5: `CreateThread` recorded the host address of `lpParameter`, different on every
    /// run under ASLR, so two runs of one scenario gave two timelines. Now a parameter that
    /// looks like an address gets a stable name (`param#1`), as buffers do (`buf#1`), and a
    /// small value shows as itself. Two runs whose parameters live at different host addresses
    /// record the same timeline.
    func testCreateThreadsParameterIsNamedStablyInTheTimeline() {
        let first = UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 16)
        let second = UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 16)
        defer {
            first.deallocate()
            second.deallocate()
        }
        XCTAssertNotEqual(first, second)
        func timeline(_ parameter: UnsafeMutableRawPointer) -> [String] {
            let sim = Simulation(options: SimulationOptions(tracing: true))
            sim.run {
                let worker = CreateThread(nil, 0, { _ in 7 }, parameter, 0, nil)
                XCTAssertEqual(WaitForSingleObject(worker, INFINITE), WAIT_OBJECT_0)
                XCTAssertEqual(QueueUserAPC({ _ in }, GetCurrentThread(), 5), 1)
                XCTAssertEqual(SleepEx(0, true), WAIT_IO_COMPLETION)
                XCTAssertTrue(CloseHandle(worker))
            }
            return sim.trace.entries.compactMap {
                guard case .call(let text, let result) = $0.event else { return nil }
                return "\(text) → \(result)"
            }
        }
        let one = timeline(first)
        XCTAssertEqual(one.first, "CreateThread(param#1) → 0x4 (thread-4100)")
        XCTAssertTrue(one.contains("QueueUserAPC(-2, 0x5) → TRUE"), "\(one)")
        XCTAssertEqual(one, timeline(second))
    }

    /// Finding 7: `QueryPerformanceCounter(NULL)` and `QueryPerformanceFrequency(NULL)` returned
    /// `FALSE` with the last error unchanged. Windows takes an access violation writing through
    /// the pointer; the simulator fails softly with `ERROR_NOACCESS`, the error the kernel's
    /// probe of an output pointer gives (STATUS_ACCESS_VIOLATION).
    func testQueryPerformanceFunctionsWithNullSetNoAccess() {
        let sim = Simulation()
        sim.run {
            SetLastError(DWORD(ERROR_INVALID_FUNCTION))
            XCTAssertFalse(QueryPerformanceCounter(nil))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_NOACCESS))
            SetLastError(DWORD(ERROR_INVALID_FUNCTION))
            XCTAssertFalse(QueryPerformanceFrequency(nil))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_NOACCESS))
            var value = LARGE_INTEGER()
            XCTAssertTrue(QueryPerformanceFrequency(&value))
            XCTAssertEqual(value.QuadPart, 10_000_000)
            Sleep(3)
            XCTAssertTrue(QueryPerformanceCounter(&value))
            XCTAssertEqual(value.QuadPart, 30_000)
        }
    }
}
