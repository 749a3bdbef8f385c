import IOKernel
import Win32Surface
import XCTest

/// Closing the last handle of a synchronous file object takes the file-object lock, as every
/// I/O call on it does (nt-io-model §5: "close of the last handle blocks behind an in-progress
/// synchronous I/O on the same FO"). A `CloseHandle` meant to unblock a reader therefore blocks
/// with it: golang/go issue 28477 ("internal/poll: cancel pending I/O in FD.Close() on
/// Windows"), whose fix cancels the I/O with `CancelIoEx` before closing; bazelbuild/bazel issue
/// 1708 ("My call to CloseHandle() was hanging, and the thread calling ReadFile() didn't exit").
final class SynchronousCloseTests: XCTestCase {
    /// A reader blocked in a synchronous `ReadFile` on the client end of a pipe; the main thread
    /// closes that end. Nothing can end the read, so the close can never take the lock: the
    /// simulation hangs, `CloseHandle` returns `FALSE` with `ERROR_POSSIBLE_DEADLOCK` (the
    /// simulator's answer to a wait that cannot end), the hang report names the lock and its
    /// holder, and the read is still pending, not completed by the close. Cancelling it then
    /// lets the reader go on, and the file object's cleanup and close follow its last reference.
    func testClosingUnderABlockedSynchronousReadHangs() {
        let sim = Simulation(options: SimulationOptions(tracing: true))
        var readResult = "not returned"
        sim.run {
            let server = createPipeServer("go-28477", overlapped: false)
            let client = openPipeClient("go-28477", overlapped: false)
            let file = sim.fileObject(client)
            let reader = spawn {
                var buffer = [UInt8](repeating: 0, count: 16)
                var read: DWORD = 0xFFFF
                let ok = ReadFile(client, &buffer, 16, &read, nil)
                readResult = ok ? "read \(read)" : "\(win32ErrorName(GetLastError())), \(read) bytes"
                return 0
            }
            Sleep(10)  // the reader is blocked in its read, holding the file object's lock
            XCTAssertFalse(CloseHandle(client))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_POSSIBLE_DEADLOCK))
            XCTAssertEqual(readResult, "not returned", "the close did not complete the read")
            XCTAssertEqual(sim.hangs.count, 1)
            XCTAssertTrue(sim.hangs.first?.description.contains("the lock of synchronous \(file?.label ?? "?"), held by thread") ?? false,
                          sim.hangs.first?.description ?? "no hang")
            XCTAssertEqual(file?.handleCount, 0)
            XCTAssertEqual(file?.cleanupSent, false)

            XCTAssertTrue(CancelSynchronousIo(reader))
            XCTAssertEqual(WaitForSingleObject(reader, INFINITE), WAIT_OBJECT_0)
            XCTAssertEqual(readResult, "ERROR_OPERATION_ABORTED, 0 bytes")
            XCTAssertEqual(file?.cleanupSent, true)
            XCTAssertEqual(file?.closeSent, true)
            for h in [reader, server] { XCTAssertTrue(CloseHandle(h)) }
        }
    }

    /// The close blocks until a third thread cancels the read with `CancelSynchronousIo`; then
    /// both go on, the read first (`ERROR_OPERATION_ABORTED`), then the close (`TRUE`), at the
    /// virtual instant of the cancel. A `CancelIoEx` on the handle being closed cannot help: the
    /// handle left the table before the close waited (`ObpCloseHandleTableEntry` destroys the
    /// entry, then `IopCloseFile` runs), so it fails with `ERROR_INVALID_HANDLE`.
    func testCancelSynchronousIoReleasesTheReaderAndTheClose() {
        let sim = Simulation(options: SimulationOptions(tracing: true))
        var log: [String] = []
        sim.run {
            let server = createPipeServer("close-blocks", overlapped: false)
            let client = openPipeClient("close-blocks", overlapped: false)
            let file = sim.fileObject(client)
            let reader = spawn {
                var buffer = [UInt8](repeating: 0, count: 16)
                var read: DWORD = 0xFFFF
                let ok = ReadFile(client, &buffer, 16, &read, nil)
                log.append("reader at \(GetTickCount64()): " + (ok ? "read \(read)" : win32ErrorName(GetLastError())))
                return 0
            }
            let canceller = spawn {
                Sleep(50)
                if !CancelIoEx(client, nil) { log.append("CancelIoEx on the closed handle: \(win32ErrorName(GetLastError()))") }
                log.append("CancelSynchronousIo: \(CancelSynchronousIo(reader))")
                return 0
            }
            Sleep(10)
            XCTAssertTrue(file?.lockOwner === sim.object(reader), "the reader holds the lock")
            XCTAssertTrue(CloseHandle(client))
            log.append("close at \(GetTickCount64())")
            XCTAssertEqual(file?.cleanupSent, true)
            XCTAssertEqual(file?.closeSent, true)
            var both: [HANDLE?] = [reader, canceller]
            XCTAssertEqual(WaitForMultipleObjects(2, &both, true, INFINITE), WAIT_OBJECT_0)
            for h in [reader, canceller, server] { XCTAssertTrue(CloseHandle(h)) }
        }
        XCTAssertEqual(log, [
            "CancelIoEx on the closed handle: ERROR_INVALID_HANDLE",
            "CancelSynchronousIo: true",
            "reader at 50: ERROR_OPERATION_ABORTED",
            "close at 50",
        ])
        XCTAssertEqual(sim.hangs.count, 0)
        XCTAssertTrue(sim.finish().isClean)
    }

    /// Data that ends the read also ends the close's wait: the server writes from another
    /// thread, the reader gets its bytes, and the close goes on.
    func testDataThatEndsTheReadLetsTheCloseGoOn() {
        let sim = Simulation()
        var log: [String] = []
        sim.run {
            let server = createPipeServer("close-after-data", overlapped: false)
            let client = openPipeClient("close-after-data", overlapped: false)
            let reader = spawn {
                var buffer = [UInt8](repeating: 0, count: 16)
                var read: DWORD = 0
                XCTAssertTrue(ReadFile(client, &buffer, 16, &read, nil))
                log.append("reader: \(string(&buffer, Int(read)))")
                return 0
            }
            let writer = spawn {
                Sleep(30)
                var written: DWORD = 0
                XCTAssertTrue(WriteFile(server, Array("late".utf8), 4, &written, nil))
                return 0
            }
            Sleep(10)
            XCTAssertTrue(CloseHandle(client))
            log.append("close at \(GetTickCount64())")
            var both: [HANDLE?] = [reader, writer]
            XCTAssertEqual(WaitForMultipleObjects(2, &both, true, INFINITE), WAIT_OBJECT_0)
            for h in [reader, writer, server] { XCTAssertTrue(CloseHandle(h)) }
        }
        XCTAssertEqual(log, ["reader: late", "close at 30"])
        XCTAssertTrue(sim.finish().isClean)
    }

    /// Go's fix, in order: `CancelIoEx(h, NULL)` while the handle is still open ends the
    /// blocked read (`ERROR_OPERATION_ABORTED`), and the `CloseHandle` after it does not block.
    func testCancelIoExBeforeClosingIsGosFix() {
        let sim = Simulation()
        var readResult = ""
        sim.run {
            let server = createPipeServer("go-fix", overlapped: false)
            let client = openPipeClient("go-fix", overlapped: false)
            let reader = spawn {
                var buffer = [UInt8](repeating: 0, count: 16)
                var read: DWORD = 0xFFFF
                let ok = ReadFile(client, &buffer, 16, &read, nil)
                readResult = ok ? "read \(read)" : win32ErrorName(GetLastError())
                return 0
            }
            Sleep(10)
            XCTAssertTrue(CancelIoEx(client, nil))
            XCTAssertTrue(CloseHandle(client))
            XCTAssertEqual(GetTickCount64(), 10, "the close did not wait")
            XCTAssertEqual(readResult, "ERROR_OPERATION_ABORTED")
            XCTAssertEqual(WaitForSingleObject(reader, INFINITE), WAIT_OBJECT_0)
            for h in [reader, server] { XCTAssertTrue(CloseHandle(h)) }
        }
        XCTAssertTrue(sim.finish().isClean)
    }

    /// The lock is only the last handle's: closing one of two handles to the file object
    /// sends no cleanup and does not wait.
    func testClosingAHandleThatIsNotTheLastDoesNotWait() {
        let sim = Simulation()
        sim.run {
            let server = createPipeServer("not-last", overlapped: false)
            let client = openPipeClient("not-last", overlapped: false)
            var duplicate: HANDLE?
            XCTAssertTrue(DuplicateHandle(GetCurrentProcess(), client, GetCurrentProcess(), &duplicate, 0, false,
                                          DWORD(DUPLICATE_SAME_ACCESS)))
            let reader = spawn {
                var buffer = [UInt8](repeating: 0, count: 16)
                var read: DWORD = 0
                _ = ReadFile(duplicate, &buffer, 16, &read, nil)
                return 0
            }
            Sleep(10)
            XCTAssertTrue(CloseHandle(client))
            XCTAssertEqual(GetTickCount64(), 10)
            XCTAssertTrue(CancelIoEx(duplicate, nil))
            XCTAssertEqual(WaitForSingleObject(reader, INFINITE), WAIT_OBJECT_0)
            for h in [reader, duplicate, server] { XCTAssertTrue(CloseHandle(h)) }
        }
        XCTAssertTrue(sim.finish().isClean)
    }
}
