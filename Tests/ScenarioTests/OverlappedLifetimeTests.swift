import IOKernel
import IOScenarios
import IOSimXCTest
import Win32Surface
import XCTest

/// The seed `overlapped-must-outlive-the-io.txt`, run with tracked memory: the simulator
/// catches the freed `OVERLAPPED` at the line that freed it, and the kernel's late write into
/// it, which real Windows never reports.
final class OverlappedLifetimeTests: XCTestCase {
    /// The seed's device: "busy reading from the hard drive" (10 s), and slow to honour a
    /// cancel (30 ms).
    private func busyDisk(_ sim: Simulation, cancellation: StockDriver.Cancellation = .slow(.milliseconds(30))) {
        sim.installDevice(#"\\.\disk"#, driver: StockDriver(completion: .after(.seconds(10)), cancellation: cancellation))
    }

    private func openDisk() -> HANDLE? {
        CreateFileA(#"\\.\disk"#, GENERIC_READ, 0, nil, DWORD(OPEN_EXISTING), DWORD(FILE_FLAG_OVERLAPPED), nil)
    }

    /// The wrong code: the frame is freed at the return while the cancelled read still holds
    /// `o` and `buffer` (violation 2, reported at the return), and 30 ms later the kernel writes
    /// STATUS_CANCELLED into the freed `o` (violation 1). Freed memory is quarantined, so the
    /// write lands there and corrupts nothing.
    func testTheWrongCodeIsCaughtAtTheReturnAndAtTheKernelsWrite() throws {
        let sim = checkedSimulation()
        busyDisk(sim)
        try sim.run {
            let h = openDisk()
            XCTAssertEqual(readWithTimeout(sim, h), DWORD(WAIT_TIMEOUT))
            XCTAssertEqual(GetTickCount64(), 1000)
            let atReturn = sim.memoryViolations
            XCTAssertEqual(atReturn.map(\.kind), [.freedWhileInFlight, .freedWhileInFlight])
            XCTAssertEqual(atReturn.map { $0.block?.label }, ["buffer", "o"], "locals are freed last declared first")
            XCTAssertEqual(atReturn.map(\.irp), [2, 2])
            XCTAssertEqual(atReturn.map(\.address), ["buf#1", "ov#1"], "the names the timeline gives them")
            XCTAssertEqual(atReturn[1].block?.region, .stack(function: "readWithTimeout"))
            XCTAssertEqual(atReturn[1].block?.typeName, "OVERLAPPED")
            XCTAssertTrue(atReturn[1].detail.contains("IRP#2 (as its OVERLAPPED)"), atReturn[1].detail)

            Sleep(100)  // the caller goes on; the cancellation finishes at 1030 ms
            let late = try XCTUnwrap(sim.memoryViolations.last)
            XCTAssertEqual(late.kind, .kernelWroteFreedMemory)
            XCTAssertEqual(late.time, .zero.advanced(by: .milliseconds(1030)))
            XCTAssertEqual(late.block?.label, "o")
            XCTAssertEqual(late.address, "ov#1")
            XCTAssertNotNil(late.block?.freedAt)
            XCTAssertTrue(late.detail.contains("STATUS_CANCELLED"), late.detail)
            XCTAssertTrue(CloseHandle(h))
        }
        let violations = sim.takeMemoryViolations()
        XCTAssertEqual(violations.map(\.kind), [.freedWhileInFlight, .freedWhileInFlight, .kernelWroteFreedMemory])
        // Where: the block was allocated inside readWithTimeout, freed by its return.
        let o = try XCTUnwrap(violations[2].block)
        XCTAssertEqual(o.allocatedAt.file, "IOScenarios/OverlappedMustOutliveTheIO.swift")
        XCTAssertEqual(o.freedAt?.file, "IOScenarios/OverlappedMustOutliveTheIO.swift")
        XCTAssertEqual(o.freedAt?.line, o.allocatedAt.line - 2, "freed by the return of the frame opened two lines above o")
        // The timeline shows the write into freed memory where it happened.
        let around = sim.trace(around: violations[2]).map { sim.trace.text(of: $0.event) }
        XCTAssertTrue(around.contains { $0.hasPrefix("kernel wrote STATUS_CANCELLED, 0 bytes into ov#") }, "\(around)")
    }

    /// With freed memory reused, as a real stack reuses it: the next function's local `o2`
    /// takes the freed `o`'s place, and the kernel's late write shows up in it, the corruption
    /// the seed describes ("corrupting the stack of whatever function happens to be running").
    func testWithReuseTheNextFunctionsLocalIsCorrupted() {
        let sim = Simulation(options: SimulationOptions(memory: MemoryOptions(reuseFreedMemory: true)))
        busyDisk(sim)
        sim.run {
            let h = openDisk()
            XCTAssertEqual(readWithTimeout(sim, h), DWORD(WAIT_TIMEOUT))
            sim.memory.withFrame("nextFunction") { frame in
                let o2 = frame.local(OVERLAPPED.self, "o2")
                XCTAssertEqual(o2.pointee.Internal, 0, "o2 starts out clean")
                Sleep(100)
                XCTAssertEqual(internalStatus(o2), STATUS_CANCELLED, "the kernel wrote the old read's result into o2")
            }
            XCTAssertTrue(CloseHandle(h))
        }
        let late = sim.memoryViolations.last
        XCTAssertEqual(late?.kind, .kernelWroteFreedMemory)
        XCTAssertEqual(late?.block?.reusedBy, "o2")
        XCTAssertTrue(late?.detail.contains("corrupting o2") ?? false, late?.detail ?? "")
    }

    /// The same code under a debugger: the thread is held at the return's breakpoint while the
    /// device finishes (the seed's second timeline), so the I/O completes before the frame is
    /// freed and nothing is wrong, which is why the bug "cannot be reproduced" in the debugger.
    func testADebuggerPauseHidesTheBug() {
        let sim = checkedSimulation()
        busyDisk(sim)
        sim.run {
            let h = openDisk()
            let result = readWithTimeout(sim, h) { _, _ in
                sim.note("breakpoint on the return: stopped in the debugger for 100 ms")
                Sleep(100)
            }
            XCTAssertEqual(result, DWORD(WAIT_TIMEOUT))
            XCTAssertTrue(CloseHandle(h))
        }
        XCTAssertTrue(sim.memoryViolations.isEmpty)
    }

    /// The seed's fix: `GetOverlappedResult(bWait: TRUE)` after the cancel waits for the read
    /// to be over (ERROR_OPERATION_ABORTED, 30 ms later) before the frame goes. Clean: the
    /// checked simulation fails the test otherwise.
    func testTheFixedCodeIsClean() {
        let sim = checkedSimulation()
        busyDisk(sim)
        var fixRan = false
        sim.run {
            let h = openDisk()
            XCTAssertNotEqual(h, INVALID_HANDLE_VALUE)
            _ = readWithTimeout(sim, h) { h, o in
                fixRan = true
                var n: DWORD = 0
                XCTAssertFalse(GetOverlappedResult(h, o, &n, true))
                XCTAssertEqual(GetLastError(), DWORD(ERROR_OPERATION_ABORTED))
                XCTAssertEqual(GetTickCount64(), 1030)
            }
            XCTAssertTrue(CloseHandle(h))
        }
        XCTAssertTrue(fixRan, "the read timed out and was cancelled")
    }

    /// The seed's first exercise: after the cancel, the status may be something other than
    /// cancelled. A driver that was just completing the read (it ignores the cancel) finishes
    /// it with success, and the fixed code's GetOverlappedResult returns TRUE with the data.
    func testAfterTheCancelTheReadMaySucceedAnyway() {
        let sim = checkedSimulation()
        sim.installDevice(#"\\.\disk"#, driver: StockDriver(completion: .after(.milliseconds(1010)), cancellation: .ignored))
        var fixRan = false
        sim.run {
            let h = openDisk()
            XCTAssertNotEqual(h, INVALID_HANDLE_VALUE)
            _ = readWithTimeout(sim, h) { h, o in
                fixRan = true
                var n: DWORD = 0
                XCTAssertTrue(GetOverlappedResult(h, o, &n, true))
                XCTAssertEqual(n, 1024)
                XCTAssertEqual(internalStatus(o), STATUS_SUCCESS, "not STATUS_CANCELLED: the read won the race")
                XCTAssertEqual(GetTickCount64(), 1010)
            }
            XCTAssertTrue(CloseHandle(h))
        }
        XCTAssertTrue(fixRan, "the read timed out and was cancelled")
    }

    /// The README's tracked-memory example, kept compiling and passing.
    func testTheReadmeExample() {
        let sim = checkedSimulation()   // unexpected violations or leftovers fail the test
        sim.installDevice(#"\\.\disk"#, driver: StockDriver(completion: .after(.seconds(10)),
                                                              cancellation: .slow(.milliseconds(30))))
        sim.run {
            let h = CreateFileA(#"\\.\disk"#, GENERIC_READ, 0, nil, DWORD(OPEN_EXISTING),
                                DWORD(FILE_FLAG_OVERLAPPED), nil)
            sim.memory.withFrame("readWithTimeout") { frame in
                let o = frame.local(OVERLAPPED.self, "o")           // OVERLAPPED o;
                let buffer = frame.localBytes(1024, "buffer")       // BYTE buffer[1024];
                o.pointee.hEvent = CreateEventW(nil, true, false, nil)
                _ = ReadFile(h, buffer, 1024, nil, o)
                if WaitForSingleObject(o.pointee.hEvent, 1000) != WAIT_OBJECT_0 { _ = CancelIo(h) }
                _ = CloseHandle(o.pointee.hEvent)
            }                                                        // return: o and buffer freed
            Sleep(100)                                               // the cancel lands at 1030 ms
            _ = CloseHandle(h)
        }
        // This test expects its violations: it takes them and asserts on them.
        XCTAssertEqual(sim.takeMemoryViolations().map(\.kind),
                       [.freedWhileInFlight, .freedWhileInFlight, .kernelWroteFreedMemory])
    }
}
