import IOKernel
import IOSimXCTest
import Win32Surface
import XCTest

/// A parent reads a child's standard output, as every subprocess library on Windows does
/// (swift-subprocess, libuv's `uv_spawn`, Foundation's `Process`): the child's end of the pipe
/// is inherited, the parent's end is overlapped and bound to a completion port. The story
/// follows Microsoft's "Creating a Child Process with Redirected Input and Output": "Close
/// handles to the stdin and stdout pipes no longer needed by the child process. If they are
/// not explicitly closed, there is no way to recognize that the child process has ended."
final class ChildProcessOutputTests: XCTestCase {
    func testTheParentReadsTheOutputThenTheBrokenPipe() {
        let sim = checkedSimulation()
        let memory = scenarioMemory()
        installWriter(sim)
        sim.run {
            let (read, write) = childOutputPipe("child-out")
            XCTAssertEqual(read, HANDLE(bitPattern: 0x4))
            XCTAssertEqual(write, HANDLE(bitPattern: 0x8))
            var flags: DWORD = 0xDEAD
            XCTAssertTrue(GetHandleInformation(write, &flags))
            XCTAssertEqual(flags, DWORD(HANDLE_FLAG_INHERIT))
            XCTAssertTrue(GetHandleInformation(read, &flags))
            XCTAssertEqual(flags, 0)
            let port = CreateIoCompletionPort(read, nil, 7, 0)
            let ov = memory.overlapped()
            let buffer = memory.buffer(4096)
            XCTAssertFalse(ReadFile(read, buffer, 4096, nil, ov))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_IO_PENDING))

            let (ok, info) = startChild(#"C:\tools\child.exe --write 1024"#, stdout: write)
            XCTAssertTrue(ok)
            XCTAssertEqual(info.dwProcessId, 0x404)
            XCTAssertEqual(info.dwThreadId, 0x1004)
            XCTAssertEqual(info.hProcess, HANDLE(bitPattern: 0x10))
            XCTAssertEqual(info.hThread, HANDLE(bitPattern: 0x14))
            // The child got the write end at the same value: one more handle and reference.
            let writeEnd = sim.fileObject(write)!
            XCTAssertEqual(writeEnd.handleCount, 2)
            XCTAssertEqual(writeEnd.pointerCount, 2)
            let child = sim.process(id: info.dwProcessId)!
            XCTAssertEqual(child.openHandles.map(\.value), [0x8])
            XCTAssertTrue(child.openHandles[0].object === writeEnd)
            var code: DWORD = 0
            XCTAssertTrue(GetExitCodeProcess(info.hProcess, &code))
            XCTAssertEqual(code, STILL_ACTIVE)
            XCTAssertEqual(GetProcessId(info.hProcess), 0x404)

            // The parent's own copy goes, as the sample says it must.
            XCTAssertTrue(CloseHandle(write))
            XCTAssertTrue(CloseHandle(info.hThread))
            XCTAssertEqual(writeEnd.handleCount, 1)

            // The child runs when the parent blocks: it writes 1 KiB and exits.
            var bytes: DWORD = 0
            var key: ULONG_PTR = 0
            var completed: LPOVERLAPPED?
            XCTAssertTrue(GetQueuedCompletionStatus(port, &bytes, &key, &completed, INFINITE))
            XCTAssertEqual(bytes, 1024)
            XCTAssertEqual(key, 7)
            XCTAssertEqual(completed, ov)
            XCTAssertEqual(internalStatus(ov), STATUS_SUCCESS)
            XCTAssertEqual(string(buffer, 4), "AAAA")

            // It has exited: its handle table ran down, which closed the last handle of the
            // write end, so the pipe is broken.
            XCTAssertEqual(WaitForSingleObject(info.hProcess, 0), WAIT_OBJECT_0)
            XCTAssertTrue(GetExitCodeProcess(info.hProcess, &code))
            XCTAssertEqual(code, 0)
            XCTAssertTrue(child.hasExited)
            XCTAssertEqual(child.openHandleCount, 0)
            XCTAssertEqual(writeEnd.handleCount, 0)
            XCTAssertTrue(writeEnd.closeSent)
            XCTAssertFalse(ReadFile(read, buffer, 4096, nil, ov))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_BROKEN_PIPE))

            XCTAssertTrue(CloseHandle(info.hProcess))
            XCTAssertTrue(CloseHandle(port))
            XCTAssertTrue(CloseHandle(read))
        }
        XCTAssertEqual(sim.processes.map(\.imageName), ["main", "child.exe"])
    }
}
