import IOKernel
import IOSimXCTest
import Win32Surface
import XCTest

/// Regressions from the review of thread exit and memory tracking: each of these once lost a
/// packet, leaked a reference, missed a violation or reported a false one.
final class ExitAndMemoryRegressionTests: XCTestCase {
    private func heapOverlapped() throws -> LPOVERLAPPED {
        try XCTUnwrap(HeapAlloc(GetProcessHeap(), 0, SIZE_T(MemoryLayout<OVERLAPPED>.size)))
            .bindMemory(to: OVERLAPPED.self, capacity: 1)
    }

    /// A completion whose packet goes to a port already closed lets go of its OVERLAPPED: reusing
    /// and freeing it afterwards is clean.
    func testAPacketDroppedAtAClosedPortReleasesItsOverlapped() throws {
        let sim = checkedSimulation()
        sim.installDevice(#"\\.\fast"#, driver: StockDriver(completion: .immediate))
        try sim.run {
            let h = openDevice(#"\\.\fast"#)
            XCTAssertTrue(CloseHandle(CreateIoCompletionPort(h, nil, 1, 0)))
            let ov = try heapOverlapped()
            ov.pointee.hEvent = manualEvent()
            let buffer = HeapAlloc(GetProcessHeap(), 0, 16)
            var n: DWORD = 0
            XCTAssertTrue(ReadFile(h, buffer, 16, &n, ov))
            XCTAssertTrue(ReadFile(h, buffer, 16, &n, ov))
            XCTAssertTrue(CloseHandle(ov.pointee.hEvent))
            XCTAssertTrue(HeapFree(GetProcessHeap(), 0, ov))
            XCTAssertTrue(HeapFree(GetProcessHeap(), 0, buffer))
            XCTAssertTrue(CloseHandle(h))
        }
    }

    /// A thread that exits inside a stack frame loses its stack: the frame's locals are freed
    /// by the exit, and the port-bound read it issued (which survives the exit, F-EXIT-2) is
    /// caught writing into them when its packet is dequeued.
    func testExitingInsideAFrameFreesItsLocals() throws {
        let sim = Simulation()
        sim.installDevice(#"\\.\slow"#, driver: StockDriver(completion: .after(.milliseconds(100))))
        sim.run {
            let h = openDevice(#"\\.\slow"#)
            let port = CreateIoCompletionPort(h, nil, 1, 0)
            // Taken here: `sim.memory` inside the worker would be a reference its frame holds
            // when it exits, and leaks as on Windows.
            let memory = sim.memory
            let worker = spawn {
                memory.withFrame("issue") { frame -> Void in
                    let o = frame.local(OVERLAPPED.self, "o")
                    let buffer = frame.localBytes(8, "buffer")
                    XCTAssertFalse(ReadFile(h, buffer, 8, nil, o))
                    ExitThread(0)
                }
                return 1
            }
            XCTAssertEqual(WaitForSingleObject(worker, INFINITE), WAIT_OBJECT_0)
            var bytes: DWORD = 0
            var key: ULONG_PTR = 0
            var ov: LPOVERLAPPED?
            XCTAssertTrue(GetQueuedCompletionStatus(port, &bytes, &key, &ov, INFINITE))
            XCTAssertEqual(bytes, 8)
            XCTAssertTrue(CloseHandle(worker))
            XCTAssertTrue(CloseHandle(port))
            XCTAssertTrue(CloseHandle(h))
        }
        let kinds = sim.memoryViolations.map(\.kind)
        XCTAssertEqual(kinds.filter { $0 == .freedWhileInFlight }.count, 2, "o and buffer, freed by the exit: \(kinds)")
        XCTAssertTrue(kinds.contains(.kernelWroteFreedMemory), "\(kinds)")
        XCTAssertTrue(sim.memoryViolations[0].detail.contains("the exit of thread-"), sim.memoryViolations[0].detail)
    }

    /// ExitThread from an APC inside an alertable wait on a file handle: the wait's reference to
    /// the file object goes with the wait, so closing the handle still sends IRP_MJ_CLOSE.
    func testExitThreadInAnAPCReleasesTheWaitsReferences() throws {
        let sim = Simulation()
        sim.installDevice(#"\\.\slow"#, driver: StockDriver(completion: .manual))
        var file: FileObject?
        try sim.run {
            let h = openDevice(#"\\.\slow"#)
            file = sim.fileObject(h)
            let ov = try heapOverlapped()
            let buffer = HeapAlloc(GetProcessHeap(), 0, 8)
            XCTAssertFalse(ReadFile(h, buffer, 8, nil, ov))
            let worker = spawn {
                _ = WaitForSingleObjectEx(h, INFINITE, true)
                return 0
            }
            Sleep(1)
            XCTAssertEqual(QueueUserAPC({ _ in ExitThread(0) }, worker, 0), 1)
            XCTAssertEqual(WaitForSingleObject(worker, INFINITE), WAIT_OBJECT_0)
            XCTAssertTrue(CloseHandle(worker))
            XCTAssertTrue(CancelIo(h))
            XCTAssertTrue(CloseHandle(h))
        }
        XCTAssertTrue(try XCTUnwrap(file).closeSent, "IRP_MJ_CLOSE was sent: no reference leaked")
    }

    /// F-APC-7 for a thread that is exiting (waiting out a read its driver ignores): no APC.
    func testQueueUserAPCToAnExitingThreadFails() throws {
        let sim = Simulation()
        sim.installDevice(#"\\.\deaf"#, driver: StockDriver(completion: .manual, cancellation: .ignored))
        try sim.run {
            let h = openDevice(#"\\.\deaf"#)
            let buffer = HeapAlloc(GetProcessHeap(), 0, 8)
            let ov = try heapOverlapped()
            let worker = spawn {
                _ = ReadFile(h, buffer, 8, nil, ov)
                ExitThread(0)
            }
            Sleep(1)
            XCTAssertEqual(QueueUserAPC({ _ in }, worker, 0), 0)
            XCTAssertEqual(GetLastError(), DWORD(ERROR_GEN_FAILURE))
            XCTAssertEqual(WaitForSingleObject(worker, INFINITE), WAIT_OBJECT_0)
        }
    }

    /// A request disassociated from its exited thread after five minutes will write nothing
    /// (nt-io-model §4.2): its OVERLAPPED and buffer may be freed, cleanly.
    func testADisassociatedRequestLetsGoOfItsMemory() throws {
        let sim = Simulation()
        sim.installDevice(#"\\.\deaf"#, driver: StockDriver(completion: .manual, cancellation: .ignored))
        try sim.run {
            let h = openDevice(#"\\.\deaf"#)
            let buffer = HeapAlloc(GetProcessHeap(), 0, 8)
            let ov = try heapOverlapped()
            let worker = spawn {
                _ = ReadFile(h, buffer, 8, nil, ov)
                return 0
            }
            XCTAssertEqual(WaitForSingleObject(worker, INFINITE), WAIT_OBJECT_0)
            XCTAssertEqual(GetTickCount64(), 300_000)
            XCTAssertTrue(HeapFree(GetProcessHeap(), 0, ov))
            XCTAssertTrue(HeapFree(GetProcessHeap(), 0, buffer))
        }
        XCTAssertEqual(sim.memoryViolations, [])
    }

    /// HeapAlloc of more than the simulated process could have: NULL, ERROR_NOT_ENOUGH_MEMORY.
    func testHeapAllocOfAnAbsurdSizeFails() {
        let sim = Simulation()
        sim.run {
            XCTAssertNil(HeapAlloc(GetProcessHeap(), 0, SIZE_T.max))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_NOT_ENOUGH_MEMORY))
        }
    }

    /// After a runProcess process has exited, `run` runs outside the simulation: no simulated
    /// thread, so Win32 calls fail as they do outside any simulation, and nothing can end the
    /// caller's OS thread.
    func testRunAfterTheProcessExitedRunsOutsideTheSimulation() {
        let sim = Simulation()
        XCTAssertEqual(sim.runProcess { 4 }, 4)
        sim.run {
            XCTAssertFalse(TerminateThread(GetCurrentThread(), 1))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_NOT_SUPPORTED))
        }
    }
}
