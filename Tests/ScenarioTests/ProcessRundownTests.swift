import IOKernel
import IOSimXCTest
import Win32Surface
import XCTest

/// What a process's end does to I/O shared with another process (nt-io-model §1.3, §4;
/// win32-facts F-EXIT-5, F-CLOSE-9).
final class ProcessRundownTests: XCTestCase {
    /// `TerminateProcess` of a child blocked in a read on a pipe end the parent holds too: the
    /// child's read is cancelled with its thread (it takes no data), the child's handles go,
    /// and the end stays open for the parent, whose own data is still there to read
    /// (F-EXIT-5: a killed child's pending I/O vanishes; Wine's `test_exit_process_async`).
    func testTerminatingAChildCancelsItsPendingReadAndLeavesTheSharedEndOpen() {
        let sim = checkedSimulation()
        sim.installProgram(#"C:\tools\reader.exe"#) {
            // On the stack, not an Array: the child ends inside ReadFile, and what its own frames
            // hold stays allocated, as a C++ vector would on Windows.
            var buffer: (UInt64, UInt64) = (0, 0)
            var read: DWORD = 0
            _ = withUnsafeMutableBytes(of: &buffer) { ReadFile(GetStdHandle(STD_INPUT_HANDLE), $0.baseAddress, 16, &read, nil) }
            return 99  // never reached: the child is terminated inside ReadFile
        }
        sim.run {
            let server = createPipeServer("shared")
            var attributes = inheritable()
            let client = CreateFileA(#"\\.\pipe\shared"#, GENERIC_READ | DWORD(GENERIC_WRITE), 0, &attributes,
                                     DWORD(OPEN_EXISTING), 0, nil)
            var startup = STARTUPINFOW()
            startup.cb = DWORD(MemoryLayout<STARTUPINFOW>.size)
            startup.dwFlags = DWORD(STARTF_USESTDHANDLES)
            startup.hStdInput = client
            var info = PROCESS_INFORMATION()
            var line = Array("reader.exe".utf16) + [0]
            XCTAssertTrue(CreateProcessW(nil, &line, nil, nil, true, 0, nil, nil, &startup, &info))
            // The child runs until its read blocks.
            XCTAssertEqual(WaitForSingleObject(info.hProcess, 0), DWORD(WAIT_TIMEOUT))
            XCTAssertEqual(WaitForSingleObject(info.hProcess, 10), DWORD(WAIT_TIMEOUT))
            let childThread = sim.threads.first { $0.name == "reader.exe:main" }!
            XCTAssertEqual(childThread.irpCount, 1)

            XCTAssertTrue(TerminateProcess(info.hProcess, 3))
            var code: DWORD = 0
            XCTAssertEqual(WaitForSingleObject(info.hProcess, INFINITE), WAIT_OBJECT_0)
            XCTAssertTrue(GetExitCodeProcess(info.hProcess, &code))
            XCTAssertEqual(code, 3)
            XCTAssertEqual(childThread.exitCode, 3)
            XCTAssertEqual(childThread.irpCount, 0)
            // Terminating it again: STATUS_PROCESS_IS_TERMINATING, ERROR_ACCESS_DENIED.
            XCTAssertFalse(TerminateProcess(info.hProcess, 4))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_ACCESS_DENIED))
            // The client end lives on in the parent: not broken, and the cancelled read took
            // nothing of what the server writes now.
            XCTAssertEqual(sim.fileObject(client)?.handleCount, 1)
            XCTAssertFalse(sim.fileObject(client)!.cleanupSent)
            writeNow(server, bytes("hello"))
            XCTAssertEqual(peek(client)?.available, 5)
            let echoed = readNow(client, 16)
            XCTAssertEqual(echoed.data, "hello")
            for handle in [info.hProcess, info.hThread, client, server] { XCTAssertTrue(CloseHandle(handle)) }
        }
    }

    /// nt-io-model §1.3 step 2, F-CLOSE-9: the parent duplicates its pipe end into a child and
    /// closes its own. It was the parent's last handle, but the child still holds one: no
    /// cleanup, yet the parent's thread-agnostic read (port, completion context, no event) is
    /// cancelled, its packet queued with `OVERLAPPED.Internal` still `STATUS_PENDING` until it
    /// is dequeued; the read issued with an event stays pending. Closing the child's handle
    /// from the parent (`DUPLICATE_CLOSE_SOURCE`) is the last close: cleanup breaks that read.
    func testTheLastHandleInOneProcessCancelsItsPortReadsWhileAnotherProcessHoldsTheEnd() {
        let sim = checkedSimulation()
        let memory = scenarioMemory()
        sim.installProgram(#"C:\tools\holder.exe"#) { 0 }
        sim.run {
            let server = createPipeServer("dup")
            let client = openPipeClient("dup")
            let port = CreateIoCompletionPort(server, nil, 5, 0)
            let agnostic = memory.overlapped()
            let withEvent = memory.overlapped(event: manualEvent())
            let buffer = memory.buffer(64)
            let other = memory.buffer(64)
            XCTAssertFalse(ReadFile(server, buffer, 64, nil, agnostic))
            XCTAssertFalse(ReadFile(server, other, 64, nil, withEvent))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_IO_PENDING))

            var startup = STARTUPINFOW()
            startup.cb = DWORD(MemoryLayout<STARTUPINFOW>.size)
            var info = PROCESS_INFORMATION()
            var line = Array("holder.exe".utf16) + [0]
            XCTAssertTrue(CreateProcessW(nil, &line, nil, nil, false, DWORD(CREATE_SUSPENDED), nil, nil, &startup, &info))
            let child = sim.process(id: info.dwProcessId)!
            XCTAssertEqual(child.openHandleCount, 0)
            var inChild: HANDLE?
            XCTAssertTrue(DuplicateHandle(GetCurrentProcess(), server, info.hProcess, &inChild, 0, false,
                                          DWORD(DUPLICATE_SAME_ACCESS)))
            XCTAssertEqual(inChild, HANDLE(bitPattern: 0x4))
            let end = sim.fileObject(server)!
            XCTAssertEqual(end.handleCount, 2)

            XCTAssertTrue(CloseHandle(server))
            XCTAssertEqual(end.handleCount, 1)
            XCTAssertFalse(end.cleanupSent)
            // The port read was cancelled; its status reaches the OVERLAPPED only at dequeue.
            XCTAssertEqual(internalStatus(agnostic), STATUS_PENDING)
            var bytes: DWORD = 0
            var key: ULONG_PTR = 0
            var completed: LPOVERLAPPED?
            XCTAssertFalse(GetQueuedCompletionStatus(port, &bytes, &key, &completed, 0))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_OPERATION_ABORTED))
            XCTAssertEqual(completed, agnostic)
            XCTAssertEqual(key, 5)
            XCTAssertEqual(internalStatus(agnostic), STATUS_CANCELLED)
            // The read with an event is the parent's still, pending.
            XCTAssertEqual(internalStatus(withEvent), STATUS_PENDING)
            XCTAssertEqual(WaitForSingleObject(withEvent.pointee.hEvent, 0), DWORD(WAIT_TIMEOUT))

            // The child's handle closed from here: the last one anywhere, so cleanup runs and the
            // pipe driver completes what is pending on the end.
            XCTAssertTrue(DuplicateHandle(info.hProcess, inChild, nil, nil, 0, false, DWORD(DUPLICATE_CLOSE_SOURCE)))
            XCTAssertEqual(child.openHandleCount, 0)
            XCTAssertTrue(end.cleanupSent)
            XCTAssertFalse(GetOverlappedResult(nil, withEvent, &bytes, true))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_BROKEN_PIPE))
            // Its handle is bound to the port, so its completion is queued there too.
            XCTAssertFalse(GetQueuedCompletionStatus(port, &bytes, &key, &completed, 0))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_BROKEN_PIPE))
            XCTAssertEqual(completed, withEvent)

            // The suspended child never ran; terminating it ends it with the code given.
            XCTAssertEqual(ResumeThread(info.hThread), 1)
            XCTAssertEqual(ResumeThread(info.hThread), 0)
            XCTAssertTrue(TerminateProcess(info.hProcess, 7))
            XCTAssertEqual(WaitForSingleObject(info.hProcess, INFINITE), WAIT_OBJECT_0)
            var code: DWORD = 0
            XCTAssertTrue(GetExitCodeProcess(info.hProcess, &code))
            XCTAssertEqual(code, 7)
            for handle in [info.hProcess, info.hThread, port, client, withEvent.pointee.hEvent] { XCTAssertTrue(CloseHandle(handle)) }
        }
    }
}
