import IOKernel
import IOSimXCTest
import Win32Surface
import XCTest

/// What is each process's own: its id, its threads' last errors, its handle values; and
/// `DuplicateHandle`'s handle values within one process, as Wine's conformance tests see
/// Windows give them.
final class ProcessIdentityTests: XCTestCase {
    /// Ids are multiples of 4 in creation order (0x400, 0x404, 0x408); `GetProcessId` of a
    /// process handle and `PROCESS_INFORMATION.dwProcessId` agree with the child's own
    /// `GetCurrentProcessId`. The last error is the thread's (Microsoft's GetLastError: "the
    /// calling thread's last-error code … Multiple threads do not overwrite each other's
    /// last-error code"): a child's failure leaves the parent's untouched, and each child starts
    /// with none.
    func testEachProcessHasItsOwnIdAndItsThreadsTheirOwnLastError() {
        let sim = checkedSimulation()
        var seen: [String] = []
        sim.installProgram(#"C:\tools\child.exe"#) {
            seen.append("start: error \(GetLastError()), pid 0x\(String(GetCurrentProcessId(), radix: 16)), "
                + "thread 0x\(String(GetCurrentThreadId(), radix: 16))")
            XCTAssertFalse(CloseHandle(HANDLE(bitPattern: 0x7FF0)))
            seen.append("after a bad close: error \(GetLastError())")
            return GetCurrentProcessId()
        }
        sim.run {
            SetLastError(1234)
            var ids: [DWORD] = []
            for _ in 0..<2 {
                var startup = STARTUPINFOW()
                startup.cb = DWORD(MemoryLayout<STARTUPINFOW>.size)
                var info = PROCESS_INFORMATION()
                var line = Array("child.exe".utf16) + [0]
                XCTAssertTrue(CreateProcessW(nil, &line, nil, nil, false, 0, nil, nil, &startup, &info))
                XCTAssertEqual(WaitForSingleObject(info.hProcess, INFINITE), WAIT_OBJECT_0)
                var code: DWORD = 0
                XCTAssertTrue(GetExitCodeProcess(info.hProcess, &code))
                XCTAssertEqual(code, info.dwProcessId)
                XCTAssertEqual(GetProcessId(info.hProcess), info.dwProcessId)
                ids.append(info.dwProcessId)
                for handle in [info.hProcess, info.hThread] { XCTAssertTrue(CloseHandle(handle)) }
            }
            XCTAssertEqual(ids, [0x404, 0x408])
            XCTAssertEqual(GetCurrentProcessId(), 0x400)
            XCTAssertEqual(GetProcessId(GetCurrentProcess()), 0x400)
            // The children's ERROR_INVALID_HANDLE never reached this thread.
            SetLastError(1234)
            XCTAssertEqual(GetLastError(), 1234)
        }
        XCTAssertEqual(seen, [
            "start: error 0, pid 0x404, thread 0x1004", "after a bad close: error 6",
            "start: error 0, pid 0x408, thread 0x1008", "after a bad close: error 6",
        ])
    }

    /// Wine's `test_DuplicateHandle` (dlls/kernel32/tests/process.c): within one process,
    /// `DUPLICATE_CLOSE_SOURCE` gives back the source's own value (`ok(f == out)`), with the
    /// attributes `bInheritHandle` asks for; a source protected from close is duplicated to a
    /// new value and stays open (`ok(f != out)`, and `SetHandleInformation(f, …)` still
    /// succeeds); and the value is the source's even when a lower one is free ("Test if
    /// DuplicateHandle allocates first free handle": `ok(f == out)`). The object never loses
    /// its handle, so no cleanup is sent.
    func testDuplicateCloseSourceWithinOneProcessKeepsTheSourcesValue() {
        let sim = checkedSimulation()
        sim.run {
            let f = createPipeServer("dup-same")
            let end = sim.fileObject(f)!
            var out: HANDLE?
            var info: DWORD = 0xFF
            XCTAssertTrue(DuplicateHandle(GetCurrentProcess(), f, GetCurrentProcess(), &out, 0, false,
                                          DWORD(DUPLICATE_SAME_ACCESS | DUPLICATE_CLOSE_SOURCE)))
            XCTAssertEqual(out, f)
            XCTAssertTrue(GetHandleInformation(out, &info))
            XCTAssertEqual(info, 0)
            XCTAssertTrue(DuplicateHandle(GetCurrentProcess(), f, GetCurrentProcess(), &out, 0, true,
                                          DWORD(DUPLICATE_SAME_ACCESS | DUPLICATE_CLOSE_SOURCE)))
            XCTAssertEqual(out, f)
            XCTAssertTrue(GetHandleInformation(out, &info))
            XCTAssertEqual(info, DWORD(HANDLE_FLAG_INHERIT))
            XCTAssertEqual(end.handleCount, 1)
            XCTAssertEqual(end.pointerCount, 1)
            XCTAssertFalse(end.cleanupSent)

            // Protected from close: a new value, and the source stays.
            XCTAssertTrue(SetHandleInformation(f, DWORD(HANDLE_FLAG_PROTECT_FROM_CLOSE), DWORD(HANDLE_FLAG_PROTECT_FROM_CLOSE)))
            XCTAssertTrue(DuplicateHandle(GetCurrentProcess(), f, GetCurrentProcess(), &out, 0, true,
                                          DWORD(DUPLICATE_SAME_ACCESS | DUPLICATE_CLOSE_SOURCE)))
            XCTAssertNotEqual(out, f)
            XCTAssertEqual(out, HANDLE(bitPattern: 0x8))
            XCTAssertTrue(GetHandleInformation(out, &info))
            XCTAssertEqual(info, DWORD(HANDLE_FLAG_INHERIT))
            XCTAssertTrue(SetHandleInformation(f, DWORD(HANDLE_FLAG_PROTECT_FROM_CLOSE), 0))
            XCTAssertEqual(end.handleCount, 2)

            // The lower value (f, 0x4) is freed; duplicating 0x8 with DUPLICATE_CLOSE_SOURCE still
            // gives 0x8, not the first free value.
            let higher = out
            XCTAssertTrue(CloseHandle(f))
            XCTAssertTrue(DuplicateHandle(GetCurrentProcess(), higher, GetCurrentProcess(), &out, 0, true,
                                          DWORD(DUPLICATE_SAME_ACCESS | DUPLICATE_CLOSE_SOURCE)))
            XCTAssertEqual(out, higher)
            XCTAssertEqual(end.handleCount, 1)
            XCTAssertFalse(end.cleanupSent)

            // The pseudo-handle of the process: a real handle, never the pseudo-handle itself.
            var process: HANDLE?
            XCTAssertTrue(DuplicateHandle(GetCurrentProcess(), GetCurrentProcess(), GetCurrentProcess(), &process, 0, false,
                                          DWORD(DUPLICATE_SAME_ACCESS | DUPLICATE_CLOSE_SOURCE)))
            XCTAssertNotEqual(process, GetCurrentProcess())
            XCTAssertTrue(GetHandleInformation(process, &info))
            XCTAssertEqual(info, 0)
            for handle in [out, process] { XCTAssertTrue(CloseHandle(handle)) }
            XCTAssertTrue(end.cleanupSent)
        }
    }
}
