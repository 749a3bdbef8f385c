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

    /// Finding 5, the events behind the calls: the kernel's write of a status block and of a
    /// read's data, and a port's packets, carry the caller's addresses. A trace entry printed on
    /// its own once showed them in hex; it now says whose they are, and the simulation's
    /// timeline names them (`ov#1`, `buf#1`), so that no line of either depends on where the
    /// host put the memory.
    func testKernelWritesAndPacketsNeverShowAHostAddress() throws {
        let sim = Simulation(options: SimulationOptions(tracing: true))
        sim.installDevice(#"\\.\quick"#, driver: StockDriver(completion: .immediate))
        let memory = scenarioMemory()
        var addresses: [String] = []
        sim.run {
            let h = openDevice(#"\\.\quick"#)
            let port = CreateIoCompletionPort(h, nil, 3, 0)
            let ov = memory.overlapped()
            let buffer = memory.buffer(4)
            addresses = [UInt(bitPattern: ov), UInt(bitPattern: buffer)].map { String($0, radix: 16) }
            XCTAssertTrue(ReadFile(h, buffer, 4, nil, ov))
            var bytes: DWORD = 0
            var key: ULONG_PTR = 0
            var dequeued: LPOVERLAPPED?
            XCTAssertTrue(GetQueuedCompletionStatus(port, &bytes, &key, &dequeued, 0))
        }
        let kernelEvents = sim.trace.entries.filter {
            switch $0.event {
            case .wroteStatus, .wroteData, .packetQueued, .packetDequeued: true
            default: false
            }
        }
        XCTAssertEqual(kernelEvents.map(\.event.text), [
            "kernel wrote STATUS_SUCCESS, 4 bytes into the OVERLAPPED of IRP#2",
            "kernel copied 4 bytes into the buffer of IRP#2",
            "packet queued to IoCompletion#3: key 3, an OVERLAPPED, STATUS_SUCCESS, 4 bytes",
            "packet dequeued from IoCompletion#3: key 3, an OVERLAPPED",
        ])
        XCTAssertEqual(kernelEvents.map { sim.trace.text(of: $0.event) }, [
            "kernel wrote STATUS_SUCCESS, 4 bytes into ov#1 (IRP#2)",
            "kernel copied 4 bytes into buf#1 (IRP#2)",
            "packet queued to IoCompletion#3: key 3, ov#1, STATUS_SUCCESS, 4 bytes",
            "packet dequeued from IoCompletion#3: key 3, ov#1",
        ])
        let everything = sim.trace.entries.map(\.description).joined(separator: "\n") + sim.trace.timeline()
        for address in addresses { XCTAssertFalse(everything.contains(address), "host address \(address) in the trace") }
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

#if canImport(Glibc)
import Glibc
#endif

extension ReliabilityRegressionTests {
    /// Finding 6: `HeapAlloc` of 1 GiB under an address-space limit aborted the process
    /// ("failed to allocate"). The host's refusal is now the Win32 failure: NULL with
    /// `ERROR_NOT_ENOUGH_MEMORY`, and the simulation carries on.
    func testHeapAllocTheHostRefusesIsNotEnoughMemory() throws {
        #if os(Linux)
        // The process's address space now, plus 256 MiB: a 1 GiB block cannot fit.
        let statm = try String(contentsOfFile: "/proc/self/statm", encoding: .utf8)
        let pages = try XCTUnwrap(Int(statm.split(separator: " ")[0]))
        var saved = rlimit()
        XCTAssertEqual(getrlimit(__rlimit_resource_t(RLIMIT_AS.rawValue), &saved), 0)
        var limited = saved
        limited.rlim_cur = rlim_t(pages * Int(getpagesize()) + (256 << 20))
        let sim = Simulation()
        sim.run {
            XCTAssertEqual(setrlimit(__rlimit_resource_t(RLIMIT_AS.rawValue), &limited), 0)
            let block = HeapAlloc(GetProcessHeap(), 0, 1 << 30)
            let error = GetLastError()
            XCTAssertEqual(setrlimit(__rlimit_resource_t(RLIMIT_AS.rawValue), &saved), 0)
            XCTAssertNil(block)
            XCTAssertEqual(error, DWORD(ERROR_NOT_ENOUGH_MEMORY))
            let small = HeapAlloc(GetProcessHeap(), 0, 64)
            XCTAssertNotNil(small)
            XCTAssertTrue(HeapFree(GetProcessHeap(), 0, small))
        }
        XCTAssertEqual(sim.memoryViolations, [])
        XCTAssertEqual(sim.memory.liveHeapBlocks, [])
        #endif
    }

    /// Finding 6: every freed block stayed in quarantine at its full size, so each 1 GiB
    /// alloc+free pair added 1 GiB. Now the quarantine has a byte budget: ten pairs hold no
    /// host memory once freed (a block larger than the budget goes back at once). A buffer freed
    /// while its read is in flight is kept past the budget (the kernel still writes it at
    /// completion) and reported, and goes back once the request lets go; a call handed the
    /// released buffer then fails with `ERROR_NOACCESS`.
    func testTheQuarantineKeepsToItsBudgetAndStillReportsLateWrites() throws {
        let sim = Simulation(options: SimulationOptions(memory: MemoryOptions(quarantineBudget: 1 << 20)))
        let device = StockDriver(completion: .manual)
        sim.installDevice(#"\\.\slow"#, driver: device)
        let memory = scenarioMemory()
        try sim.run {
            for _ in 0..<10 {
                let block = try XCTUnwrap(HeapAlloc(GetProcessHeap(), 0, 1 << 30))
                XCTAssertEqual(sim.memory.hostBytes, 1 << 30)
                XCTAssertTrue(HeapFree(GetProcessHeap(), 0, block))
                XCTAssertEqual(sim.memory.hostBytes, 0)
            }
            XCTAssertEqual(sim.memory.releasedBlockCount, 10)

            // Small blocks stay quarantined until the budget is passed, oldest released first.
            for _ in 0..<3 {
                XCTAssertTrue(HeapFree(GetProcessHeap(), 0, HeapAlloc(GetProcessHeap(), 0, 400 << 10)))
            }
            XCTAssertEqual(sim.memory.quarantinedBytes, 800 << 10)
            XCTAssertEqual(sim.memory.releasedBlockCount, 11)

            let h = openDevice(#"\\.\slow"#)
            let ov = memory.overlapped(event: manualEvent())
            let buffer = try XCTUnwrap(HeapAlloc(GetProcessHeap(), 0, 2 << 20))
            XCTAssertFalse(ReadFile(h, buffer, 16, nil, ov))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_IO_PENDING))
            XCTAssertTrue(HeapFree(GetProcessHeap(), 0, buffer))
            // Oldest first: the two 400 KiB blocks go; the 2 MiB one, held by IRP#2, waits.
            XCTAssertEqual(sim.memory.releasedBlockCount, 13)
            XCTAssertEqual(sim.memory.quarantinedBytes, 0)
            XCTAssertEqual(sim.memory.heldFreedBytes, 2 << 20)
            XCTAssertNotNil(device.completeNext())
            var n: DWORD = 0
            XCTAssertTrue(GetOverlappedResult(h, ov, &n, true))
            XCTAssertEqual(n, 16)
            XCTAssertTrue(CloseHandle(ov.pointee.hEvent))
            // The request let go of it: back to the quarantine, and over the budget, to the host.
            XCTAssertEqual(sim.memory.heldFreedBytes, 0)
            XCTAssertEqual(sim.memory.releasedBlockCount, 14)
            XCTAssertFalse(ReadFile(h, buffer, 16, nil, memory.overlapped()))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_NOACCESS))

            // An OVERLAPPED whose memory went back to the host: kernel32 would write it, so the
            // call fails before touching it.
            let stale = try XCTUnwrap(HeapAlloc(GetProcessHeap(), 0, SIZE_T(MemoryLayout<OVERLAPPED>.size)))
            XCTAssertTrue(HeapFree(GetProcessHeap(), 0, stale))
            XCTAssertTrue(HeapFree(GetProcessHeap(), 0, HeapAlloc(GetProcessHeap(), 0, 2 << 20)))
            XCTAssertFalse(ReadFile(h, memory.buffer(16), 16, nil, stale.assumingMemoryBound(to: OVERLAPPED.self)))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_NOACCESS))
            XCTAssertTrue(CloseHandle(h))
        }
        let violations = sim.takeMemoryViolations()
        XCTAssertEqual(violations.map(\.kind),
                       [.freedWhileInFlight, .kernelWroteFreedMemory, .kernelWroteFreedMemory, .kernelWroteFreedMemory])
        XCTAssertEqual(violations.map(\.irp), [2, 2, nil, nil])
        XCTAssertEqual(violations[2].detail, "a read was handed HeapAlloc(2097152), freed and released: the call fails with ERROR_NOACCESS")
    }

    /// Finding 6: a 256 MiB `ReadFile` from a stock device built the whole source (256 MiB in
    /// the driver, kept), and with a 16-byte buffer reported 256 MiB after writing 16 bytes.
    /// Now a large read of a repeating source is laid out straight into the caller's buffer,
    /// the count reported is the count written, the source's phase carries on, and the short
    /// buffer fails at the call (`ERROR_NOACCESS`).
    func testALargeStockReadIsProducedAsItIsCopied() throws {
        let sim = Simulation()
        sim.installDevice(#"\\.\data"#, driver: StockDriver(completion: .immediate, source: .repeating(Array("abc".utf8))))
        try sim.run {
            let h = openDevice(#"\\.\data"#, overlapped: false)
            let size = 256 << 20
            let buffer = try XCTUnwrap(HeapAlloc(GetProcessHeap(), 0, SIZE_T(size)))
            var n: DWORD = 0
            // 2^28 - 2 bytes: 2 more than a multiple of the pattern's 3.
            XCTAssertTrue(ReadFile(h, buffer, DWORD(size - 2), &n, nil))
            XCTAssertEqual(n, DWORD(size - 2))
            XCTAssertEqual(string(buffer, 6), "abcabc")
            XCTAssertEqual(string(buffer + (size - 5), 4), "cab\0", "the last two bytes are beyond the read")
            XCTAssertTrue(ReadFile(h, buffer, 4, &n, nil))
            XCTAssertEqual(n, 4)
            XCTAssertEqual(string(buffer, 4), "cabc", "the source goes on where the large read stopped")

            let short = try XCTUnwrap(HeapAlloc(GetProcessHeap(), 0, 16))
            XCTAssertFalse(ReadFile(h, short, DWORD(size), &n, nil))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_NOACCESS))
            XCTAssertEqual(n, 0)
            XCTAssertTrue(HeapFree(GetProcessHeap(), 0, short))
            XCTAssertTrue(HeapFree(GetProcessHeap(), 0, buffer))
            XCTAssertTrue(CloseHandle(h))
        }
        XCTAssertEqual(sim.takeMemoryViolations().map(\.kind), [.bufferTooShort])
    }
}
