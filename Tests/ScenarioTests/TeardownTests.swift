import IOKernel
import Win32Surface
import XCTest

/// `Simulation.finish()`: what a scenario left behind (DESIGN.md, "Diagnostics are the
/// product").
final class TeardownTests: XCTestCase {
    /// The right way, to the end: cancel, wait, close. Nothing is left.
    func testACleanScenarioFinishesClean() {
        let sim = Simulation()
        sim.installDevice(#"\\.\dev"#, driver: StockDriver(completion: .manual))
        let memory = scenarioMemory()
        sim.run {
            let h = openDevice(#"\\.\dev"#)
            let ov = memory.overlapped(event: manualEvent())
            XCTAssertFalse(ReadFile(h, memory.buffer(4), 4, nil, ov))
            XCTAssertTrue(CancelIoEx(h, ov))
            var n: DWORD = 0
            XCTAssertFalse(GetOverlappedResult(h, ov, &n, true))
            XCTAssertTrue(CloseHandle(ov.pointee.hEvent))
            XCTAssertTrue(CloseHandle(h))
        }
        XCTAssertTrue(sim.finish().isClean, sim.finish().description)
        XCTAssertEqual(sim.finish().description, "clean: nothing left behind")
    }

    /// Everything the seeds warn about, left at once: a read still pending after its handle
    /// was closed, an event handle never closed, a completion routine whose thread never waited
    /// alertably, a worker still blocked, and a device timer that never fired.
    func testEveryKindOfLeftoverIsReported() throws {
        let sim = Simulation()
        sim.installDevice(#"\\.\stuck"#, driver: StockDriver(completion: .manual, cleanup: .ignoresPending))
        sim.installDevice(#"\\.\later"#, driver: StockDriver(completion: .after(.seconds(60))))
        let memory = scenarioMemory()
        sim.run {
            let stuck = openDevice(#"\\.\stuck"#)
            XCTAssertFalse(ReadFile(stuck, memory.buffer(4), 4, nil, memory.overlapped(event: manualEvent())))
            XCTAssertTrue(CloseHandle(stuck))
            let later = openDevice(#"\\.\later"#)
            XCTAssertTrue(ReadFileEx(later, memory.buffer(4), 4, memory.overlapped(), { _, _, _ in }))
            XCTAssertTrue(CancelIo(later))  // the routine is queued, never run
            let never = manualEvent()
            _ = spawn {
                _ = WaitForSingleObject(never, INFINITE)
                return 0
            }
            XCTAssertEqual(WaitForSingleObject(never, 10), DWORD(WAIT_TIMEOUT))
        }
        let report = sim.finish()
        XCTAssertEqual(report.irpsInFlight.map(\.summary), ["IRP#2 IRP_MJ_READ pending cancel-routine-armed"])
        // The stuck file's handle value 0x4 was closed and handed out again, last-in-first-out.
        XCTAssertEqual(report.openHandles, ["0x4 File#4", "0x8 Event#3", "0xc Event#5", "0x10 Thread#6"])
        XCTAssertEqual(report.undeliveredAPCs, ["main: completion routine of IRP#5 (STATUS_CANCELLED)"])
        XCTAssertEqual(report.blockedThreads, ["thread-4100, waiting for Event#5 to be signalled (not alertable)"])
        XCTAssertEqual(report.pendingDeviceEvents, [])
        XCTAssertEqual(report.undequeuedPackets, [])
        XCTAssertFalse(report.isClean)
        XCTAssertTrue(report.description.hasPrefix("left behind at teardown:\n  IRP in flight: IRP#2"))
    }

    /// A view never unmapped is a leftover, as a handle never closed is: with every handle
    /// closed, the view alone keeps its section, and the section its file object, alive
    /// (CreateFileMapping: "Mapped views of a file mapping object maintain internal references to
    /// the object"), until the process exits, which unmaps it (a child's view is not listed). The
    /// report names the section, the view by its timeline name, its size and its file offset.
    func testAViewNeverUnmappedIsReported() {
        let sim = Simulation()
        sim.fileSystem.setContents(Array("mapped".utf8), of: #"C:\data\a.bin"#)
        sim.installProgram(#"C:\tools\child.exe"#) {
            let file = CreateFileA(#"C:\data\a.bin"#, GENERIC_READ, DWORD(FILE_SHARE_READ), nil, DWORD(OPEN_EXISTING), 0, nil)
            let mapping = CreateFileMappingW(file, nil, DWORD(PAGE_READONLY), 0, 0, nil)
            _ = MapViewOfFile(mapping, DWORD(FILE_MAP_READ), 0, 0, 0)
            CloseHandle(mapping)
            CloseHandle(file)
            return 0
        }
        sim.run {
            let file = CreateFileA(#"C:\data\a.bin"#, GENERIC_READ, DWORD(FILE_SHARE_READ), nil, DWORD(OPEN_EXISTING), 0, nil)
            let mapping = CreateFileMappingW(file, nil, DWORD(PAGE_READONLY), 0, 0, nil)
            XCTAssertNotNil(MapViewOfFile(mapping, DWORD(FILE_MAP_READ), 0, 0, 0))
            XCTAssertTrue(CloseHandle(mapping))
            XCTAssertTrue(CloseHandle(file))
            let (started, info) = startChild(#"C:\tools\child.exe"#, stdout: nil, inherit: false)
            XCTAssertTrue(started)
            WaitForSingleObject(info.hProcess, INFINITE)
            CloseHandle(info.hThread)
            CloseHandle(info.hProcess)
        }
        let report = sim.finish()
        XCTAssertEqual(report.viewsLeftMapped, [#"Section#3 at view#1: 4096 bytes of C:\data\a.bin from offset 0 in main (pid 0x400)"#])
        XCTAssertFalse(report.isClean)
        XCTAssertTrue(report.description.contains("  view never unmapped: Section#3 at view#1"), report.description)
    }
}
