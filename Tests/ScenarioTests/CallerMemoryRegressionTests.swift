import IOKernel
import IOSimXCTest
import Win32Surface
import XCTest

/// Issue 10's first rule carried to every pointer a call is handed, not only its buffers: the
/// out-parameters kernel32 stores results through, the arrays a system service reads or fills,
/// the `OVERLAPPED` itself, and NUL-terminated strings. Each is read and written through the
/// kernel's checked path, so a block too short for what the call does with it, or a freed one,
/// is a violation at the call that used it and never a host over-read or over-write.
final class CallerMemoryRegressionTests: XCTestCase {
    /// A port with one completed read's packet queued: the device completes the read inside the
    /// call (`TRUE`), and a request on a port-bound handle that succeeds at once still queues its
    /// packet (F-IOCP-7), so the packet (4 bytes, key 7) is there when the call returns.
    private func portWithOnePacket(_ memory: ScenarioMemory) -> HANDLE? {
        let h = openDevice(#"\\.\quick"#)
        let port = CreateIoCompletionPort(h, nil, 7, 0)
        XCTAssertTrue(ReadFile(h, memory.buffer(4), 4, nil, memory.overlapped()))
        return port
    }

    /// `GetQueuedCompletionStatus` stores the byte count, the key and the `OVERLAPPED` through
    /// three out-parameters. A byte count pointing into a 2-byte heap block would once have
    /// written 4 bytes over the simulator's heap; now the packet is still dequeued (`TRUE`, key
    /// and `OVERLAPPED` stored), the count is not stored, the block keeps its bytes, and the
    /// call is named in a `bufferTooShort` violation. A key stored into a freed block is made
    /// (freed heap memory stays mapped on Windows) and reported.
    func testDequeueStoresNothingIntoABlockTooShortAndReportsAFreedOne() throws {
        let sim = Simulation()
        sim.installDevice(#"\\.\quick"#, driver: StockDriver(completion: .immediate))
        let memory = scenarioMemory()
        try sim.run {
            let port = portWithOnePacket(memory)
            let short = try XCTUnwrap(HeapAlloc(GetProcessHeap(), DWORD(HEAP_ZERO_MEMORY), 2))
            let freedKey = try XCTUnwrap(HeapAlloc(GetProcessHeap(), 0, 8))
            XCTAssertTrue(HeapFree(GetProcessHeap(), 0, freedKey))
            var ov: LPOVERLAPPED?
            XCTAssertTrue(GetQueuedCompletionStatus(port, short.assumingMemoryBound(to: DWORD.self),
                                                    freedKey.assumingMemoryBound(to: ULONG_PTR.self), &ov, 0))
            XCTAssertNotNil(ov)
            XCTAssertEqual(short.load(as: UInt16.self), 0, "nothing stored into the 2-byte block")
            XCTAssertEqual(freedKey.load(as: ULONG_PTR.self), 7, "the key went into the quarantined block")
        }
        let violations = sim.takeMemoryViolations()
        XCTAssertEqual(violations.map(\.kind), [.bufferTooShort, .kernelWroteFreedMemory])
        XCTAssertEqual(violations.map(\.detail), [
            "GetQueuedCompletionStatus was to store 4 bytes of its result into HeapAlloc(2), which has 2 from there: nothing is stored",
            "GetQueuedCompletionStatus stored its result into HeapAlloc(8), which was freed",
        ])
    }

    /// `GetQueuedCompletionStatusEx` fills `ulCount` entries. An array of one entry with a count
    /// of 8 once let the kernel write up to 8 × 32 bytes; `NtRemoveIoCompletionEx` probes the
    /// whole array first, as system services probe user buffers at entry (nt-io-model §2.1):
    /// `FALSE`, `ERROR_NOACCESS`, nothing dequeued, so the packet is still there for a call
    /// that gives the array's true size.
    func testDequeueManyIntoAnArrayShorterThanItsCountFailsWithNoAccess() throws {
        let sim = Simulation()
        sim.installDevice(#"\\.\quick"#, driver: StockDriver(completion: .immediate))
        let memory = scenarioMemory()
        try sim.run {
            let port = portWithOnePacket(memory)
            let entries = try XCTUnwrap(HeapAlloc(GetProcessHeap(), DWORD(HEAP_ZERO_MEMORY),
                                                  SIZE_T(MemoryLayout<OVERLAPPED_ENTRY>.stride)))
                .assumingMemoryBound(to: OVERLAPPED_ENTRY.self)
            var removed: ULONG = 0xDEAD
            XCTAssertFalse(GetQueuedCompletionStatusEx(port, entries, 8, &removed, 0, false))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_NOACCESS))
            XCTAssertEqual(removed, 0xDEAD)
            XCTAssertTrue(GetQueuedCompletionStatusEx(port, entries, 1, &removed, 0, false))
            XCTAssertEqual(removed, 1)
            XCTAssertEqual(entries[0].lpCompletionKey, 7)
            XCTAssertEqual(entries[0].dwNumberOfBytesTransferred, 4)
        }
        let violations = sim.takeMemoryViolations()
        XCTAssertEqual(violations.map(\.kind), [.bufferTooShort])
        XCTAssertEqual(violations.first?.detail,
                       "GetQueuedCompletionStatusEx was told the buffer holds 256 bytes, but HeapAlloc(32) has 32 from there: the call fails with ERROR_NOACCESS and writes nothing")
    }

    /// `WaitForMultipleObjects` reads `nCount` handles. Two handles in a 16-byte block with a
    /// count of 4 would have read past it; the array is probed: `WAIT_FAILED`, `ERROR_NOACCESS`.
    func testWaitingOnAHandleArrayShorterThanItsCountFailsWithNoAccess() throws {
        let sim = Simulation()
        try sim.run {
            let handles = try XCTUnwrap(HeapAlloc(GetProcessHeap(), 0, 16)).assumingMemoryBound(to: HANDLE?.self)
            handles[0] = CreateEventW(nil, true, true, nil)
            handles[1] = CreateEventW(nil, true, true, nil)
            XCTAssertEqual(WaitForMultipleObjects(4, handles, false, 0), WAIT_FAILED)
            XCTAssertEqual(GetLastError(), DWORD(ERROR_NOACCESS))
            XCTAssertEqual(WaitForMultipleObjects(2, handles, true, 0), WAIT_OBJECT_0)
        }
        XCTAssertEqual(sim.takeMemoryViolations().map(\.detail), [
            "WaitForMultipleObjects was told the buffer holds 32 bytes, but HeapAlloc(16) has 16 from there: the call fails with ERROR_NOACCESS and reads nothing",
        ])
    }

    /// An `OVERLAPPED` is 32 bytes: kernel32 writes `Internal` and reads the offset and event
    /// from it. A 16-byte block handed as one would have been read past (its `hEvent` is the
    /// neighbour's bytes); the call fails with `ERROR_NOACCESS`, issues no IRP, and says why.
    func testAnOverlappedInABlockTooShortFailsTheCall() throws {
        let sim = Simulation()
        let device = StockDriver(completion: .manual)
        sim.installDevice(#"\\.\slow"#, driver: device)
        let memory = scenarioMemory()
        try sim.run {
            let h = openDevice(#"\\.\slow"#)
            let small = try XCTUnwrap(HeapAlloc(GetProcessHeap(), DWORD(HEAP_ZERO_MEMORY), 16))
            XCTAssertFalse(ReadFile(h, memory.buffer(4), 4, nil, small.assumingMemoryBound(to: OVERLAPPED.self)))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_NOACCESS))
            XCTAssertEqual(small.load(as: UInt64.self), 0, "Internal not touched")
        }
        XCTAssertEqual(device.pending.count, 0, "no IRP was issued")
        XCTAssertEqual(sim.takeMemoryViolations().map(\.detail), [
            "an OVERLAPPED needs 32 bytes, but HeapAlloc(16) has 16 from there: the call fails with ERROR_NOACCESS",
        ])
    }

    /// A path that its heap block ends before terminating: Windows reads on into whatever
    /// follows the block. The simulator reads it as far as the block goes, reports it, and the
    /// open goes on with what was read (here a name no device has: `ERROR_FILE_NOT_FOUND`).
    func testAnUnterminatedPathIsReadOnlyAsFarAsItsBlock() throws {
        let sim = Simulation()
        try sim.run {
            let units = Array(#"\\.\nul"#.utf16)
            let block = try XCTUnwrap(HeapAlloc(GetProcessHeap(), 0, SIZE_T(units.count * 2)))
            let path = block.assumingMemoryBound(to: WCHAR.self)
            for (index, unit) in units.enumerated() { path[index] = unit }
            XCTAssertEqual(CreateFileW(path, GENERIC_READ, 0, nil, DWORD(OPEN_EXISTING), 0, nil), INVALID_HANDLE_VALUE)
            XCTAssertEqual(GetLastError(), DWORD(ERROR_FILE_NOT_FOUND))
        }
        XCTAssertEqual(sim.takeMemoryViolations().map(\.detail), [
            "a call with a string argument was handed a string that HeapAlloc(14) ends before its terminating NUL: it is read as far as the block goes",
        ])
    }

    /// An `OVERLAPPED` freed while its `ReadFileEx` is in flight, with a quarantine budget of
    /// nothing: the quarantine would once have given its memory back to the host at once, and
    /// kernel32's completion-routine caller then read the status out of host memory the
    /// simulator no longer owned. A block a request still holds is now kept past the budget
    /// (`heldFreedBytes`) and given back when the routine has been called: the routine gets
    /// the read's result, and each misuse is reported where it happened.
    func testAnOverlappedFreedInFlightStaysTheArenasUntilItsRoutineRan() throws {
        let sim = Simulation(options: SimulationOptions(memory: MemoryOptions(quarantineBudget: 0)))
        sim.installDevice(#"\\.\dev"#, driver: StockDriver(completion: .after(.milliseconds(5))))
        let memory = scenarioMemory()
        try sim.run {
            let h = openDevice(#"\\.\dev"#)
            let ov = try XCTUnwrap(HeapAlloc(GetProcessHeap(), DWORD(HEAP_ZERO_MEMORY), SIZE_T(MemoryLayout<OVERLAPPED>.size)))
                .assumingMemoryBound(to: OVERLAPPED.self)
            XCTAssertTrue(ReadFileEx(h, memory.buffer(4), 4, ov) { error, bytes, _ in
                XCTAssertEqual(error, DWORD(ERROR_SUCCESS))
                XCTAssertEqual(bytes, 4)
            })
            XCTAssertTrue(HeapFree(GetProcessHeap(), 0, ov))
            XCTAssertEqual(sim.memory.heldFreedBytes, MemoryLayout<OVERLAPPED>.size)
            XCTAssertEqual(sim.memory.releasedBlockCount, 0)
            XCTAssertEqual(SleepEx(INFINITE, true), DWORD(WAIT_IO_COMPLETION))
            XCTAssertEqual(sim.memory.heldFreedBytes, 0)
            XCTAssertEqual(sim.memory.releasedBlockCount, 1)
        }
        XCTAssertEqual(sim.takeMemoryViolations().map(\.kind), [.freedWhileInFlight, .kernelWroteFreedMemory, .freedOverlappedHandedOut])
    }

    /// A block the quarantine released once went back to the host whole, and the host handed
    /// part of it to a new block, which took the old block's whole address range off the books:
    /// a stale pointer into the rest looked like memory the simulator does not track, and the
    /// kernel wrote there (the host heap's own memory by then: a VOPR run with a 4 KiB
    /// quarantine died in glibc's "corrupted size vs. prev_size"). Now a released block's
    /// addresses stay the arena's (its pages go back) and, if the host ever reuses them, only
    /// the part a new block takes changes hands: every address of the old range is a new
    /// block's or still the released block's, and a read into the released part fails with
    /// `ERROR_NOACCESS`.
    func testMemoryTheHostHandsOutAgainStaysTrackedAroundTheNewBlock() throws {
        let sim = Simulation(options: SimulationOptions(memory: MemoryOptions(quarantineBudget: 0)))
        sim.installDevice(#"\\.\quick"#, driver: StockDriver(completion: .immediate))
        try sim.run {
            // Opened first: from here on the test hands the simulator no host memory of its own
            // (a Swift string's bytes), which the host may place in the released range too.
            let h = openDevice(#"\\.\quick"#, overlapped: false)
            let old = try XCTUnwrap(HeapAlloc(GetProcessHeap(), 0, 4096))
            XCTAssertTrue(HeapFree(GetProcessHeap(), 0, old))
            XCTAssertEqual(sim.memory.releasedBlockCount, 1)
            let newBlocks = (0..<64).compactMap { _ in HeapAlloc(GetProcessHeap(), 0, 48) }
            var released: [Int] = []
            for offset in stride(from: 0, to: 4096, by: 8) {
                let info = try XCTUnwrap(sim.memory.block(containing: old + offset), "offset \(offset) is tracked")
                if info.label == "HeapAlloc(4096)" {
                    XCTAssertNotNil(info.freedAt)
                    released.append(offset)
                } else {
                    XCTAssertEqual(info.label, "HeapAlloc(48)")
                }
            }
            for offset in released.prefix(3) {
                var read: DWORD = 0
                XCTAssertFalse(ReadFile(h, old + offset, 4, &read, nil))
                XCTAssertEqual(GetLastError(), DWORD(ERROR_NOACCESS))
            }
            for block in newBlocks { XCTAssertTrue(HeapFree(GetProcessHeap(), 0, block)) }
        }
    }
}
