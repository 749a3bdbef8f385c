import IOKernel
import IOSimXCTest
import Win32Surface
import XCTest

/// The two ways a child's output pipe never breaks, and their fixes: the parent keeps its own
/// copy of the child's write end, or a second child inherits it by accident. Either way the
/// parent's read waits for ever after the child exits; the simulator reports the hang and names
/// the handles that keep the pipe alive.
final class ChildProcessLeakTests: XCTestCase {
    /// The classic leak: the sample's "Close handles to the stdin and stdout pipes no longer
    /// needed by the child process" is skipped.
    func testAParentThatKeepsTheWriteEndWaitsForeverAndTheHangNamesItsHandle() {
        let sim = checkedSimulation(expectingCleanFinish: false)
        let memory = scenarioMemory()
        installWriter(sim)
        sim.run {
            let (read, write) = childOutputPipe("leak")
            let port = CreateIoCompletionPort(read, nil, 7, 0)
            let ov = memory.overlapped()
            let buffer = memory.buffer(4096)
            XCTAssertFalse(ReadFile(read, buffer, 4096, nil, ov))
            let (ok, info) = startChild(#"C:\tools\child.exe"#, stdout: write)
            XCTAssertTrue(ok)
            // The bug: no CloseHandle(write).

            var bytes: DWORD = 0
            var key: ULONG_PTR = 0
            var completed: LPOVERLAPPED?
            XCTAssertTrue(GetQueuedCompletionStatus(port, &bytes, &key, &completed, INFINITE))
            XCTAssertEqual(bytes, 1024)
            XCTAssertEqual(WaitForSingleObject(info.hProcess, 0), WAIT_OBJECT_0)
            // The child has exited, but the parent's own handle keeps the write end open: the
            // next read pends instead of failing with ERROR_BROKEN_PIPE …
            XCTAssertFalse(ReadFile(read, buffer, 4096, nil, ov))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_IO_PENDING))
            XCTAssertEqual(sim.fileObject(write)?.handleCount, 1)
            // … and waits for ever: the simulator says so, and names the handle.
            XCTAssertFalse(GetQueuedCompletionStatus(port, &bytes, &key, &completed, INFINITE))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_POSSIBLE_DEADLOCK))
            XCTAssertNil(completed)
            XCTAssertEqual(sim.hangs.count, 1)
            XCTAssertEqual(sim.hangs.first?.pendingIRPs, [
                #"IRP#5 (IRP_MJ_READ on File#2, \Device\NamedPipe) issued by main; the other end, File#3, is kept open by "#
                    + "handle 0x8 in main (pid 0x400)",
            ])

            // The fix, late: closing it breaks the pipe, and the read completes.
            XCTAssertTrue(CloseHandle(write))
            XCTAssertFalse(GetQueuedCompletionStatus(port, &bytes, &key, &completed, INFINITE))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_BROKEN_PIPE))
            XCTAssertEqual(completed, ov)
            XCTAssertEqual(internalStatus(ov), STATUS_PIPE_BROKEN)
            for handle in [info.hProcess, info.hThread, port, read] { XCTAssertTrue(CloseHandle(handle)) }
        }
        XCTAssertTrue(sim.finish().leftovers.irpsInFlight.isEmpty)
        XCTAssertTrue(sim.finish().leftovers.openHandles.isEmpty)
    }

    /// A handle inherited by accident: the write end of the first child's pipe is inheritable
    /// while the second child is created with `bInheritHandles`, so the second child holds it
    /// too, and the first child's exit does not break the pipe. With a
    /// `PROC_THREAD_ATTRIBUTE_HANDLE_LIST` naming only its own handle, each child inherits
    /// only what it should (as swift-subprocess does it, emulating `POSIX_SPAWN_CLOEXEC_DEFAULT`).
    func testAHandleInheritedByAccidentKeepsThePipeOpenAndTheHandleListFixesIt() {
        for useHandleList in [false, true] {
            let sim = checkedSimulation(expectingCleanFinish: false)
            let memory = scenarioMemory()
            installWriter(sim, #"C:\tools\first.exe"#)
            sim.installProgram(#"C:\tools\second.exe"#) {
                let stop = CreateEventW(nil, true, false, Array("stop".utf16) + [0])
                _ = WaitForSingleObject(stop, INFINITE)
                _ = CloseHandle(stop)
                return 0
            }
            sim.run {
                let stop = CreateEventW(nil, true, false, Array("stop".utf16) + [0])
                let (firstRead, firstWrite) = childOutputPipe("first")
                let (secondRead, secondWrite) = childOutputPipe("second")
                XCTAssertEqual([firstRead, firstWrite, secondRead, secondWrite].map { UInt(bitPattern: $0) }, [0x8, 0xc, 0x10, 0x14])
                let port = CreateIoCompletionPort(firstRead, nil, 1, 0)
                let ov = memory.overlapped()
                let buffer = memory.buffer(4096)

                let first = startChild(#"C:\tools\first.exe"#, stdout: firstWrite, attributeList: useHandleList
                                       ? handleList(memory, [firstWrite]) : nil)
                let second = startChild(#"C:\tools\second.exe"#, stdout: secondWrite, attributeList: useHandleList
                                        ? handleList(memory, [secondWrite]) : nil)
                XCTAssertTrue(first.ok && second.ok)
                let secondChild = sim.process(id: second.info.dwProcessId)!
                XCTAssertEqual(secondChild.openHandles.map(\.value), useHandleList ? [0x14] : [0xc, 0x14])
                XCTAssertTrue(CloseHandle(firstWrite))
                XCTAssertTrue(CloseHandle(secondWrite))

                XCTAssertFalse(ReadFile(firstRead, buffer, 4096, nil, ov))
                var bytes: DWORD = 0
                var key: ULONG_PTR = 0
                var completed: LPOVERLAPPED?
                XCTAssertTrue(GetQueuedCompletionStatus(port, &bytes, &key, &completed, INFINITE))
                XCTAssertEqual(bytes, 1024)
                XCTAssertEqual(WaitForSingleObject(first.info.hProcess, INFINITE), WAIT_OBJECT_0)
                if useHandleList {
                    XCTAssertFalse(ReadFile(firstRead, buffer, 4096, nil, ov))
                    XCTAssertEqual(GetLastError(), DWORD(ERROR_BROKEN_PIPE))
                    XCTAssertTrue(sim.hangs.isEmpty)
                } else {
                    XCTAssertFalse(ReadFile(firstRead, buffer, 4096, nil, ov))
                    XCTAssertEqual(GetLastError(), DWORD(ERROR_IO_PENDING))
                    XCTAssertFalse(GetQueuedCompletionStatus(port, &bytes, &key, &completed, INFINITE))
                    XCTAssertEqual(GetLastError(), DWORD(ERROR_POSSIBLE_DEADLOCK))
                    XCTAssertEqual(sim.hangs.first?.pendingIRPs.first?.hasSuffix(
                        "the other end, File#4, is kept open by handle 0xc in second.exe (pid 0x408)"), true,
                        sim.hangs.first?.pendingIRPs.first ?? "no hang")
                    // Once the second child exits, the pipe breaks.
                    XCTAssertTrue(SetEvent(stop))
                    XCTAssertFalse(GetQueuedCompletionStatus(port, &bytes, &key, &completed, INFINITE))
                    XCTAssertEqual(GetLastError(), DWORD(ERROR_BROKEN_PIPE))
                }
                XCTAssertTrue(SetEvent(stop))
                XCTAssertEqual(WaitForSingleObject(second.info.hProcess, INFINITE), WAIT_OBJECT_0)
                for handle in [first.info.hProcess, first.info.hThread, second.info.hProcess, second.info.hThread, port,
                               firstRead, secondRead, stop]
                {
                    XCTAssertTrue(CloseHandle(handle))
                }
            }
            XCTAssertEqual(sim.finish().leftovers.openHandles, [])
            XCTAssertEqual(sim.finish().leftovers.irpsInFlight, [])
            XCTAssertEqual(sim.hangs.count, useHandleList ? 0 : 1)
        }
    }
}

/// An attribute list holding a `PROC_THREAD_ATTRIBUTE_HANDLE_LIST` of `handles`, built as
/// swift-subprocess builds it (size query, initialise, update); the list and the array live in
/// the scenario's memory, as the documentation requires, until the test ends.
func handleList(_ memory: ScenarioMemory, _ handles: [HANDLE?]) -> LPPROC_THREAD_ATTRIBUTE_LIST? {
    var size: SIZE_T = 0
    XCTAssertFalse(InitializeProcThreadAttributeList(nil, 1, 0, &size))
    XCTAssertEqual(GetLastError(), DWORD(ERROR_INSUFFICIENT_BUFFER))
    XCTAssertEqual(size, 48)
    let list = LPPROC_THREAD_ATTRIBUTE_LIST(memory.buffer(Int(size)))
    XCTAssertTrue(InitializeProcThreadAttributeList(list, 1, 0, &size))
    let array = memory.buffer(MemoryLayout<HANDLE>.stride * handles.count).bindMemory(to: HANDLE?.self, capacity: handles.count)
    for (index, handle) in handles.enumerated() { array[index] = handle }
    XCTAssertTrue(UpdateProcThreadAttribute(list, 0, DWORD_PTR(PROC_THREAD_ATTRIBUTE_HANDLE_LIST), array,
                                            SIZE_T(MemoryLayout<HANDLE>.stride * handles.count), nil, nil))
    return list
}
