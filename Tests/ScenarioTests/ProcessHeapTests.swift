import IOKernel
import IOSimXCTest
import Win32Surface
import XCTest

/// Each process has its own heap (Microsoft's GetProcessHeap: "a handle to the default heap of
/// the calling process"), and a process's exit gives back all its memory ("Terminating a
/// Process": "all of the object handles opened by the process are closed … the memory is
/// freed"). The simulator tracks each block against the process that allocated it, frees a
/// child's heap when it exits, and reports what each process left behind.
final class ProcessHeapTests: XCTestCase {
    /// A child leaks two blocks (`HeapAlloc` and `LocalAlloc`, the local heap being the
    /// process heap) and exits: its exit frees them, no violation is recorded against the
    /// parent, and teardown reports them as the child's memory never freed.
    func testAChildsExitFreesItsHeapAndTheReportNamesTheChild() {
        let sim = checkedSimulation(expectingCleanFinish: false)
        var childHeap: HANDLE?
        var leaked: [UnsafeMutableRawPointer?] = []
        // Unowned: the simulation keeps its programs, and a program that kept the simulation
        // would keep both allocated for good.
        sim.installProgram(#"C:\tools\leaky.exe"#) { [unowned sim] in
            childHeap = GetProcessHeap()
            // The parent's heap handle names no heap of this process.
            XCTAssertNil(HeapAlloc(HANDLE(bitPattern: 0x00A7_0000), 0, 16))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_HANDLE))
            let freed = HeapAlloc(GetProcessHeap(), 0, 32)
            XCTAssertTrue(HeapFree(GetProcessHeap(), 0, freed))
            leaked.append(HeapAlloc(GetProcessHeap(), 0, 64))
            leaked.append(LocalAlloc(UINT(LPTR), 128))
            XCTAssertEqual(sim.process(id: GetCurrentProcessId())?.liveHeapBlockCount, 2)
            return 0
        }
        sim.run {
            XCTAssertEqual(GetProcessHeap(), HANDLE(bitPattern: 0x00A7_0000))
            let mine = HeapAlloc(GetProcessHeap(), 0, 16)
            var startup = STARTUPINFOW()
            startup.cb = DWORD(MemoryLayout<STARTUPINFOW>.size)
            var info = PROCESS_INFORMATION()
            var line = Array("leaky.exe".utf16) + [0]
            XCTAssertTrue(CreateProcessW(nil, &line, nil, nil, false, 0, nil, nil, &startup, &info))
            XCTAssertEqual(WaitForSingleObject(info.hProcess, INFINITE), WAIT_OBJECT_0)

            // Another process, another heap handle.
            XCTAssertEqual(childHeap, HANDLE(bitPattern: 0x00A8_0000))
            let child = sim.process(id: info.dwProcessId)!
            XCTAssertEqual(child.liveHeapBlockCount, 0)
            let block = sim.memory.block(containing: leaked[0])!
            XCTAssertEqual(block.process, "leaky.exe (pid 0x404)")
            XCTAssertEqual(block.freedAt?.description, "the exit of leaky.exe (pid 0x404)")
            XCTAssertEqual(sim.memory.block(containing: leaked[1])?.freedAt, block.freedAt)
            XCTAssertEqual(sim.memoryViolations, [])
            XCTAssertEqual(sim.process(id: 0x400)?.liveHeapBlockCount, 1)
            XCTAssertTrue(HeapFree(GetProcessHeap(), 0, mine))
            XCTAssertEqual(sim.process(id: 0x400)?.liveHeapBlockCount, 0)
            for handle in [info.hProcess, info.hThread] { XCTAssertTrue(CloseHandle(handle)) }
        }
        let report = sim.finish()
        XCTAssertEqual(report.memoryViolations, [])
        XCTAssertEqual(report.memoryNeverFreed.map(\.label), ["HeapAlloc(64)", "HeapAlloc(128)"])
        XCTAssertEqual(report.memoryNeverFreed.map(\.process), ["leaky.exe (pid 0x404)", "leaky.exe (pid 0x404)"])
        XCTAssertEqual(report.processes.map(\.name), ["leaky.exe (pid 0x404)"])
        XCTAssertEqual(report.processes.first?.exitCode, 0)
        XCTAssertEqual(report.processes.first?.memoryNeverFreed.map(\.size), [64, 128])
        XCTAssertEqual(report.openHandles, [])
        XCTAssertTrue(report.description.contains(
            "memory never freed: HeapAlloc(64) (64 bytes in the heap of leaky.exe (pid 0x404), allocated at "))
        XCTAssertTrue(report.description.contains(", freed at the exit of leaky.exe (pid 0x404))"))
    }

    /// A pointer into a child's heap means nothing to the parent's heap: `HeapFree` of it in the
    /// parent fails (`ERROR_INVALID_PARAMETER`, as for any pointer that is no block of the heap)
    /// and is recorded as an invalid free naming both processes; the child frees it itself.
    func testTheParentCannotFreeABlockOfTheChildsHeap() {
        let sim = checkedSimulation()
        var childBlock: LPVOID?
        var freeLine = 0
        var events: (ready: HANDLE?, go: HANDLE?) = (nil, nil)
        sim.installProgram(#"C:\tools\holder.exe"#) {
            childBlock = HeapAlloc(GetProcessHeap(), 0, 48)
            XCTAssertTrue(SetEvent(events.ready))
            XCTAssertEqual(WaitForSingleObject(events.go, INFINITE), WAIT_OBJECT_0)
            freeLine = #line; let freed = HeapFree(GetProcessHeap(), 0, childBlock)
            return freed ? 0 : 1
        }
        sim.run {
            var attributes = inheritable()
            events = (CreateEventW(&attributes, true, false, nil), CreateEventW(&attributes, true, false, nil))
            var startup = STARTUPINFOW()
            startup.cb = DWORD(MemoryLayout<STARTUPINFOW>.size)
            var info = PROCESS_INFORMATION()
            var line = Array("holder.exe".utf16) + [0]
            XCTAssertTrue(CreateProcessW(nil, &line, nil, nil, true, 0, nil, nil, &startup, &info))
            XCTAssertEqual(WaitForSingleObject(events.ready, INFINITE), WAIT_OBJECT_0)

            XCTAssertFalse(HeapFree(GetProcessHeap(), 0, childBlock))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_PARAMETER))
            let violations = sim.takeMemoryViolations()
            XCTAssertEqual(violations.map(\.kind), [.invalidFree])
            XCTAssertTrue(violations.first?.detail.hasSuffix(
                "of a block of the heap of holder.exe (pid 0x404), not of main (pid 0x400)") ?? false,
                "\(violations)")
            XCTAssertEqual(sim.memory.block(containing: childBlock)?.isFreed, false)

            XCTAssertTrue(SetEvent(events.go))
            XCTAssertEqual(WaitForSingleObject(info.hProcess, INFINITE), WAIT_OBJECT_0)
            var code: DWORD = 99
            XCTAssertTrue(GetExitCodeProcess(info.hProcess, &code))
            XCTAssertEqual(code, 0)
            XCTAssertEqual(sim.memory.block(containing: childBlock)?.freedAt?.line, freeLine)
            for handle in [info.hProcess, info.hThread, events.ready, events.go] { XCTAssertTrue(CloseHandle(handle)) }
        }
    }

    /// Teardown names what each process left: a child still blocked in a read on its
    /// inherited pipe end (its handle, its request in flight, its blocked thread) and the
    /// parent's forgotten handles, each named with its process.
    func testTeardownReportsEachProcessWithItsIdAndImageName() {
        let sim = checkedSimulation(expectingCleanFinish: false)
        sim.installProgram(#"C:\tools\reader.exe"#) {
            // On the stack, not an Array: the child ends inside ReadFile, and what its own frames
            // hold stays allocated, as a C++ vector would on Windows.
            var buffer: (UInt64, UInt64) = (0, 0)
            var read: DWORD = 0
            _ = withUnsafeMutableBytes(of: &buffer) { ReadFile(GetStdHandle(STD_INPUT_HANDLE), $0.baseAddress, 16, &read, nil) }
            return 0
        }
        var labels: [String] = []
        sim.run {
            let server = createPipeServer("forgotten")
            var attributes = inheritable()
            let client = CreateFileA(#"\\.\pipe\forgotten"#, GENERIC_READ | DWORD(GENERIC_WRITE), 0, &attributes,
                                     DWORD(OPEN_EXISTING), 0, nil)
            var startup = STARTUPINFOW()
            startup.cb = DWORD(MemoryLayout<STARTUPINFOW>.size)
            startup.dwFlags = DWORD(STARTF_USESTDHANDLES)
            startup.hStdInput = client
            var info = PROCESS_INFORMATION()
            var line = Array("reader.exe".utf16) + [0]
            XCTAssertTrue(CreateProcessW(nil, &line, nil, nil, true, 0, nil, nil, &startup, &info))
            XCTAssertEqual(WaitForSingleObject(info.hProcess, 10), DWORD(WAIT_TIMEOUT))
            labels = [sim.fileObject(server)!.label, sim.fileObject(client)!.label]
            XCTAssertTrue(CloseHandle(info.hThread))
            // The bug: the server end, the parent's client end and the process handle stay open.
        }
        let report = sim.finish()
        let (server, client) = (labels[0], labels[1])
        XCTAssertEqual(report.openHandles, [
            "0x4 \(server) in main (pid 0x400)", "0x8 \(client) in main (pid 0x400)", "0xc Process#\(4) in main (pid 0x400)",
            "0x8 \(client) in reader.exe (pid 0x404)",
        ])
        XCTAssertEqual(report.processes.map(\.name), ["main (pid 0x400)", "reader.exe (pid 0x404)"])
        let (parent, child) = (report.processes[0], report.processes[1])
        XCTAssertEqual(parent.openHandles, ["0x4 \(server)", "0x8 \(client)", "0xc Process#4"])
        XCTAssertEqual(parent.irpsInFlight, [])
        XCTAssertNil(child.exitCode)
        XCTAssertEqual(child.openHandles, ["0x8 \(client)"])
        XCTAssertEqual(child.irpsInFlight.map(\.thread), ["reader.exe:main"])
        XCTAssertEqual(child.irpsInFlight.map(\.major), [.read])
        XCTAssertEqual(report.irpsInFlight, child.irpsInFlight)
        XCTAssertEqual(report.blockedThreads.count, 1)
        XCTAssertTrue(report.blockedThreads[0].hasPrefix("reader.exe:main, waiting for "), report.blockedThreads[0])
    }
}
