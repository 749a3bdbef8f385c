import IOKernel
import IOSimXCTest
import Win32Surface
import XCTest

/// The completion routine that does what the seed recommends: free the heap OVERLAPPED as its
/// final act.
private let freeOverlappedRoutine: LPOVERLAPPED_COMPLETION_ROUTINE = { _, _, ov in
    _ = HeapFree(GetProcessHeap(), 0, ov)
}

/// A completion routine that only looks at its OVERLAPPED.
private let lookAtOverlappedRoutine: LPOVERLAPPED_COMPLETION_ROUTINE = { _, _, ov in
    _ = ov?.pointee.Internal
}

/// A per-request record that embeds its OVERLAPPED, as servers write them (recovered from the
/// OVERLAPPED pointer with CONTAINING_RECORD).
private struct IORequest {
    var id: Int
    var overlapped: OVERLAPPED
    var bytes: (UInt64, UInt64)
}

/// The lifetime bugs of overlapped I/O beyond the seed's stack frame: the `ReadFileEx`
/// variant, an `OVERLAPPED` reused while in flight, a port shut down before it is drained,
/// memory the simulator cannot check, and the heap API's own errors.
final class MemoryViolationTests: XCTestCase {
    private func heapOverlapped(file: StaticString = #fileID, line: UInt = #line) -> LPOVERLAPPED? {
        HeapAlloc(GetProcessHeap(), DWORD(HEAP_ZERO_MEMORY), SIZE_T(MemoryLayout<OVERLAPPED>.size), file: file, line: line)?
            .bindMemory(to: OVERLAPPED.self, capacity: 1)
    }

    private func heapBuffer(_ count: Int) -> LPVOID? { HeapAlloc(GetProcessHeap(), 0, SIZE_T(count)) }

    // MARK: - ReadFileEx (the seed's second exercise, cancel-then-wait-readfileex.txt)

    /// The proposed fix is incomplete with ReadFileEx: after GetOverlappedResult(bWait: TRUE)
    /// the I/O is over, but its completion routine has not run and will be handed the
    /// OVERLAPPED. Freeing it there is reported at the HeapFree (the request still carries it to
    /// its routine), and again when the routine is handed the freed OVERLAPPED.
    func testFreeingAfterGetOverlappedResultButBeforeTheRoutineIsReported() throws {
        let sim = checkedSimulation()
        sim.installDevice(#"\\.\slow"#, driver: StockDriver(completion: .manual))
        try sim.run {
            let h = openDevice(#"\\.\slow"#)
            let ov = try XCTUnwrap(heapOverlapped())
            let buffer = heapBuffer(16)
            XCTAssertTrue(ReadFileEx(h, buffer, 16, ov, lookAtOverlappedRoutine))
            XCTAssertTrue(CancelIoEx(h, ov))
            var n: DWORD = 0
            XCTAssertFalse(GetOverlappedResult(h, ov, &n, true))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_OPERATION_ABORTED))
            XCTAssertTrue(sim.memoryViolations.isEmpty, "the kernel is done writing: no violation yet")
            let freeLine = #line + 1
            XCTAssertTrue(HeapFree(GetProcessHeap(), 0, ov))
            let atFree = try XCTUnwrap(sim.memoryViolations.first)
            XCTAssertEqual(atFree.kind, .freedWhileInFlight)
            XCTAssertEqual(atFree.block?.freedAt?.line, freeLine)
            XCTAssertTrue(atFree.detail.contains("(as its OVERLAPPED)"), atFree.detail)

            XCTAssertEqual(SleepEx(0, true), WAIT_IO_COMPLETION)
            XCTAssertEqual(sim.memoryViolations.map(\.kind), [.freedWhileInFlight, .freedOverlappedHandedOut])
            XCTAssertTrue(HeapFree(GetProcessHeap(), 0, buffer))
            XCTAssertTrue(CloseHandle(h))
        }
        let taken = sim.takeMemoryViolations()
        XCTAssertEqual(taken.count, 2)
        XCTAssertTrue(taken[1].detail.contains("the completion routine of IRP#2"), taken[1].detail)
    }

    /// The pattern that works: the routine frees the OVERLAPPED as its final act. Clean.
    func testFreeingInTheCompletionRoutineIsClean() throws {
        let sim = checkedSimulation()
        sim.installDevice(#"\\.\slow"#, driver: StockDriver(completion: .manual))
        try sim.run {
            let h = openDevice(#"\\.\slow"#)
            let ov = try XCTUnwrap(heapOverlapped())
            let buffer = heapBuffer(16)
            XCTAssertTrue(ReadFileEx(h, buffer, 16, ov, freeOverlappedRoutine))
            XCTAssertTrue(CancelIoEx(h, ov))
            XCTAssertEqual(SleepEx(0, true), WAIT_IO_COMPLETION)
            XCTAssertTrue(sim.memory.block(containing: ov)?.isFreed ?? false, "the routine freed it")
            XCTAssertTrue(HeapFree(GetProcessHeap(), 0, buffer))
            XCTAssertTrue(CloseHandle(h))
        }
    }

    // MARK: - Reuse in flight (canceling-pending-io-operations.txt)

    /// "Do not reuse the OVERLAPPED until the cancelled operation has completed": a read is
    /// cancelled on a device that honours it slowly, and the OVERLAPPED is at once handed to a
    /// new read. Reported at the second ReadFile; both results then land in the same structure.
    func testReusingAnOverlappedWhileTheCancelledReadIsInFlightIsReported() throws {
        let sim = checkedSimulation()
        sim.installDevice(#"\\.\slow"#, driver: StockDriver(completion: .manual, cancellation: .slow(.milliseconds(5))))
        try sim.run {
            let h = openDevice(#"\\.\slow"#)
            let ov = try XCTUnwrap(heapOverlapped())
            let buffer = heapBuffer(16)
            XCTAssertFalse(ReadFile(h, buffer, 16, nil, ov))
            XCTAssertTrue(CancelIoEx(h, ov))
            XCTAssertFalse(ReadFile(h, buffer, 16, nil, ov))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_IO_PENDING))
            let reuse = try XCTUnwrap(sim.memoryViolations.first)
            XCTAssertEqual(reuse.kind, .overlappedReusedInFlight)
            XCTAssertEqual(reuse.irp, 3, "the new read")
            XCTAssertTrue(reuse.detail.contains("IRP#2 still uses"), reuse.detail)
            XCTAssertEqual(reuse.block?.label, "HeapAlloc(32)")
            // The cleanup: cancel the second read too and wait for both before freeing.
            XCTAssertTrue(CancelIoEx(h, ov))
            Sleep(10)
            XCTAssertTrue(HeapFree(GetProcessHeap(), 0, ov))
            XCTAssertTrue(HeapFree(GetProcessHeap(), 0, buffer))
            XCTAssertTrue(CloseHandle(h))
        }
        XCTAssertEqual(sim.takeMemoryViolations().map(\.kind), [.overlappedReusedInFlight])
    }

    /// The right way: wait for the cancelled read (GetOverlappedResult) before reusing. Clean.
    func testReusingAfterTheCancelledReadCompletedIsClean() throws {
        let sim = checkedSimulation()
        sim.installDevice(#"\\.\slow"#, driver: StockDriver(completion: .manual, cancellation: .slow(.milliseconds(5))))
        try sim.run {
            let h = openDevice(#"\\.\slow"#)
            let ov = try XCTUnwrap(heapOverlapped())
            let buffer = heapBuffer(16)
            XCTAssertFalse(ReadFile(h, buffer, 16, nil, ov))
            XCTAssertTrue(CancelIoEx(h, ov))
            var n: DWORD = 0
            XCTAssertFalse(GetOverlappedResult(h, ov, &n, true))
            XCTAssertFalse(ReadFile(h, buffer, 16, nil, ov))
            XCTAssertTrue(CancelIoEx(h, ov))
            XCTAssertFalse(GetOverlappedResult(h, ov, &n, true))
            XCTAssertTrue(HeapFree(GetProcessHeap(), 0, ov))
            XCTAssertTrue(HeapFree(GetProcessHeap(), 0, buffer))
            XCTAssertTrue(CloseHandle(h))
        }
    }

    // MARK: - Port shutdown

    /// A server shutting down frees its per-request OVERLAPPEDs before draining the port: the
    /// completed requests' packets still carry them. Reported at each HeapFree; then, draining,
    /// each dequeued packet hands out a freed OVERLAPPED, and the kernel (thread-agnostic
    /// I/O's OVERLAPPED is written by the dequeuing thread) writes into it.
    func testAPortShutdownThatFreesBeforeDrainingIsReported() throws {
        let sim = checkedSimulation()
        let device = StockDriver(completion: .manual)
        sim.installDevice(#"\\.\slow"#, driver: device)
        try sim.run {
            let h = openDevice(#"\\.\slow"#)
            let port = CreateIoCompletionPort(h, nil, 7, 0)
            let requests = try (0..<2).map { _ in try XCTUnwrap(heapOverlapped()) }
            let buffers = (0..<2).map { _ in heapBuffer(8) }
            for (ov, buffer) in zip(requests, buffers) { XCTAssertFalse(ReadFile(h, buffer, 8, nil, ov)) }
            XCTAssertNotNil(device.completeNext(bytes: 4))
            XCTAssertNotNil(device.completeNext(bytes: 4))
            // Shutdown, wrong order: free first.
            for ov in requests { XCTAssertTrue(HeapFree(GetProcessHeap(), 0, ov)) }
            XCTAssertEqual(sim.memoryViolations.map(\.kind), [.freedWhileInFlight, .freedWhileInFlight])
            var bytes: DWORD = 0
            var key: ULONG_PTR = 0
            var dequeued: LPOVERLAPPED?
            while GetQueuedCompletionStatus(port, &bytes, &key, &dequeued, 0) {}
            XCTAssertEqual(GetLastError(), DWORD(WAIT_TIMEOUT))
            for buffer in buffers { XCTAssertTrue(HeapFree(GetProcessHeap(), 0, buffer)) }
            XCTAssertTrue(CloseHandle(h))
            XCTAssertTrue(CloseHandle(port))
        }
        XCTAssertEqual(sim.takeMemoryViolations().map(\.kind), [
            .freedWhileInFlight, .freedWhileInFlight,
            .freedOverlappedHandedOut, .kernelWroteFreedMemory,
            .freedOverlappedHandedOut, .kernelWroteFreedMemory,
        ])
    }

    /// Draining first, then freeing: clean.
    func testAPortShutdownThatDrainsFirstIsClean() throws {
        let sim = checkedSimulation()
        let device = StockDriver(completion: .manual)
        sim.installDevice(#"\\.\slow"#, driver: device)
        try sim.run {
            let h = openDevice(#"\\.\slow"#)
            let port = CreateIoCompletionPort(h, nil, 7, 0)
            let ov = try XCTUnwrap(heapOverlapped())
            let buffer = heapBuffer(8)
            XCTAssertFalse(ReadFile(h, buffer, 8, nil, ov))
            XCTAssertNotNil(device.completeNext(bytes: 4))
            var bytes: DWORD = 0
            var key: ULONG_PTR = 0
            var dequeued: LPOVERLAPPED?
            XCTAssertTrue(GetQueuedCompletionStatus(port, &bytes, &key, &dequeued, 0))
            XCTAssertEqual(dequeued, ov)
            XCTAssertTrue(HeapFree(GetProcessHeap(), 0, ov))
            XCTAssertTrue(HeapFree(GetProcessHeap(), 0, buffer))
            XCTAssertTrue(CloseHandle(h))
            XCTAssertTrue(CloseHandle(port))
        }
    }

    /// A struct that embeds its OVERLAPPED is tracked as one block: the kernel's pointer is
    /// inside it, and freeing the struct while its packet is queued is reported, naming the
    /// struct and the OVERLAPPED's offset in it. Freed after the dequeue, it is clean.
    func testAStructEmbeddingItsOverlappedIsTrackedAsOneBlock() throws {
        let sim = Simulation()
        let device = StockDriver(completion: .manual)
        sim.installDevice(#"\\.\slow"#, driver: device)
        let offset = try XCTUnwrap(MemoryLayout<IORequest>.offset(of: \IORequest.overlapped))
        sim.run {
            let h = openDevice(#"\\.\slow"#)
            let port = CreateIoCompletionPort(h, nil, 1, 0)
            for freeEarly in [true, false] {
                let request = sim.memory.allocate(IORequest.self, label: "request")
                let ov = (UnsafeMutableRawPointer(request) + offset).assumingMemoryBound(to: OVERLAPPED.self)
                XCTAssertFalse(ReadFile(h, &request.pointee.bytes, 16, nil, ov))
                XCTAssertNotNil(device.completeNext())
                if freeEarly { sim.memory.free(request) }
                var bytes: DWORD = 0
                var key: ULONG_PTR = 0
                var dequeued: LPOVERLAPPED?
                XCTAssertTrue(GetQueuedCompletionStatus(port, &bytes, &key, &dequeued, 0))
                XCTAssertEqual(dequeued, ov)
                if !freeEarly { sim.memory.free(request) }
            }
            XCTAssertTrue(CloseHandle(h))
            XCTAssertTrue(CloseHandle(port))
        }
        let violations = sim.takeMemoryViolations()
        // Thread-agnostic I/O (a port, no event): the status and the data are written when the
        // packet is dequeued, into the freed struct.
        XCTAssertEqual(violations.map(\.kind),
                       [.freedWhileInFlight, .freedOverlappedHandedOut, .kernelWroteFreedMemory, .kernelWroteFreedMemory],
                       "only the early free: \(violations)")
        XCTAssertEqual(violations.map { $0.block?.label }, ["request", "request", "request", "request"])
        XCTAssertTrue(violations[0].detail.contains("IRP#2 (as its OVERLAPPED), IRP#2 (as its buffer)"), violations[0].detail)
        XCTAssertEqual(violations[0].offset, offset, "the OVERLAPPED inside the struct")
        XCTAssertEqual(violations[2].offset, offset)
        XCTAssertEqual(violations[0].address, violations[2].address)
        XCTAssertEqual(violations[0].block?.typeName, "IORequest")
    }

    /// Static storage never takes the memory of a freed stack local, even with reuse on: a late
    /// write into a dead frame is never reported as corrupting a global.
    func testStaticStorageNeverReusesFreedMemory() {
        let sim = Simulation(options: SimulationOptions(memory: MemoryOptions(reuseFreedMemory: true)))
        sim.run {
            var local: UnsafeMutableRawPointer?
            sim.memory.withFrame("f") { frame in local = UnsafeMutableRawPointer(frame.local(OVERLAPPED.self, "o")) }
            let global = UnsafeMutableRawPointer(sim.memory.allocateStatic(OVERLAPPED.self))
            XCTAssertNotEqual(local, global)
            let next = sim.memory.withFrame("g") { frame in UnsafeMutableRawPointer(frame.local(OVERLAPPED.self, "o2")) }
            XCTAssertEqual(next, local, "the next frame's local does take it")
        }
    }

    // MARK: - What the simulator cannot check, and the heap's own errors

    /// A Swift `&local` temporary (or any memory not from the simulator) cannot be checked:
    /// it is listed, once, as unchecked; with the option, it is a violation.
    func testPointersFromOutsideTheArenaAreReportedAsUnchecked() {
        for strict in [false, true] {
            let sim = Simulation(options: SimulationOptions(memory: MemoryOptions(uncheckedPointersAreViolations: strict)))
            sim.installDevice(#"\\.\fast"#, driver: StockDriver(completion: .immediate))
            sim.run {
                let h = openDevice(#"\\.\fast"#)
                var ov = OVERLAPPED()
                var bytes = [UInt8](repeating: 0, count: 4)
                for _ in 0..<2 { XCTAssertTrue(ReadFile(h, &bytes, 4, nil, &ov)) }
                XCTAssertTrue(CloseHandle(h))
            }
            XCTAssertEqual(sim.uncheckedPointers.map(\.name), ["ov#1", "buf#1"], "each address once")
            XCTAssertEqual(sim.uncheckedPointers.first?.call, "a read")
            XCTAssertEqual(sim.memoryViolations.map(\.kind), strict ? [.uncheckedPointer, .uncheckedPointer] : [])
        }
    }

    /// Without an OVERLAPPED, kernel32 passes a status block of its own: that is not the
    /// program's memory, so even the strict option reports nothing for it.
    func testKernel32sOwnStatusBlockIsNotTheProgramsMemory() throws {
        let sim = checkedSimulation(options: SimulationOptions(memory: MemoryOptions(uncheckedPointersAreViolations: true)))
        sim.installDevice(#"\\.\fast"#, driver: StockDriver(completion: .immediate))
        try sim.run {
            let h = openDevice(#"\\.\fast"#, overlapped: false)
            let buffer = try XCTUnwrap(HeapAlloc(GetProcessHeap(), 0, 4))
            var n: DWORD = 0
            XCTAssertTrue(ReadFile(h, buffer, 4, &n, nil))
            XCTAssertEqual(n, 4)
            XCTAssertTrue(HeapFree(GetProcessHeap(), 0, buffer))
            XCTAssertTrue(CloseHandle(h))
        }
        XCTAssertTrue(sim.uncheckedPointers.isEmpty, "\(sim.uncheckedPointers)")
    }

    /// HeapFree twice: FALSE, ERROR_INVALID_PARAMETER and a violation, not a crash. Another
    /// heap handle: ERROR_INVALID_HANDLE. NULL frees nothing and succeeds.
    func testHeapMisuseGetsAnErrorAndAViolation() throws {
        let sim = Simulation()
        try sim.run {
            let block = try XCTUnwrap(HeapAlloc(GetProcessHeap(), 0, 8))
            XCTAssertTrue(HeapFree(GetProcessHeap(), 0, block))
            XCTAssertFalse(HeapFree(GetProcessHeap(), 0, block))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_PARAMETER))
            XCTAssertTrue(HeapFree(GetProcessHeap(), 0, nil))
            XCTAssertNil(HeapAlloc(HANDLE(bitPattern: 0x1234), 0, 8))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_HANDLE))
            var local: UInt8 = 0
            XCTAssertFalse(HeapFree(GetProcessHeap(), 0, &local))
        }
        XCTAssertEqual(sim.memoryViolations.map(\.kind), [.invalidFree, .invalidFree])
        XCTAssertTrue(sim.memoryViolations[0].detail.contains("a block already freed"), sim.memoryViolations[0].detail)
        XCTAssertTrue(sim.memoryViolations[1].detail.contains("memory the simulator did not allocate"))
    }

    /// A read longer than its tracked buffer: the buffer is probed when the call is made, as
    /// `ProbeForWrite` does, and the call fails with `ERROR_NOACCESS` before any IRP exists; the
    /// simulator never writes past memory it owns (issue 10, finding 2's read side). Nothing is
    /// notified: `Internal` stays `STATUS_PENDING`.
    func testAReadLongerThanItsBufferFailsWithNoAccessAndIsReported() throws {
        let sim = Simulation()
        sim.installDevice(#"\\.\fast"#, driver: StockDriver(completion: .immediate, source: .repeating(Array("abcd".utf8))))
        try sim.run {
            let h = openDevice(#"\\.\fast"#)
            let ov = try XCTUnwrap(heapOverlapped())
            let small = try XCTUnwrap(heapBuffer(4))
            let neighbour = try XCTUnwrap(heapBuffer(4))
            XCTAssertFalse(ReadFile(h, small, 12, nil, ov))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_NOACCESS))
            XCTAssertEqual(internalStatus(ov), STATUS_PENDING)
            XCTAssertEqual(string(small, 4), "\0\0\0\0")
            XCTAssertEqual(string(neighbour, 4), "\0\0\0\0", "nothing written past the block")
            XCTAssertTrue(ReadFile(h, small, 4, nil, ov))
            XCTAssertEqual(string(small, 4), "abcd")
            XCTAssertTrue(CloseHandle(h))
        }
        XCTAssertEqual(sim.memoryViolations.map(\.kind), [.bufferTooShort])
        XCTAssertEqual(sim.memoryViolations[0].detail,
                       "a read was told the buffer holds 12 bytes, but HeapAlloc(4) has 4 from there: the call fails with ERROR_NOACCESS and writes nothing")
    }

    // MARK: - Teardown and the XCTest helper

    /// Memory never freed is part of the teardown report, and the checked simulation's report
    /// names both the violation (with its timeline) and what was left behind.
    func testTheCheckedReportNamesViolationsAndLeftovers() throws {
        let sim = Simulation(options: SimulationOptions(tracing: true))
        sim.installDevice(#"\\.\slow"#, driver: StockDriver(completion: .manual))
        sim.run {
            let h = openDevice(#"\\.\slow"#)
            let ov = sim.memory.allocate(OVERLAPPED.self, label: "request")
            XCTAssertFalse(ReadFile(h, nil, 0, nil, ov))
            sim.memory.free(ov)
            _ = sim.memory.allocateBytes(64, label: "leaked")
        }
        let report = sim.finish()
        XCTAssertFalse(report.isClean)
        XCTAssertEqual(report.memoryNeverFreed.map(\.label), ["leaked"])
        XCTAssertEqual(report.memoryViolations.map(\.kind), [.freedWhileInFlight])
        let text = try XCTUnwrap(sim.uncleanReport())
        XCTAssertTrue(text.contains("memory violation: "), text)
        XCTAssertTrue(text.contains("timeline around it:"), text)
        XCTAssertTrue(text.contains("memory never freed: leaked (64 bytes on the heap"), text)
        XCTAssertTrue(text.contains("IRP in flight"), text)
        _ = sim.takeMemoryViolations()
        XCTAssertFalse(sim.uncleanReport(checkingFinish: false) != nil)
    }
}
