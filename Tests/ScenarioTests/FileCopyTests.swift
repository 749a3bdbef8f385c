import IOKernel
import Win32Surface
import XCTest

/// A file copy with overlapped reads and writes, the way `CopyFileEx`-style code does it: read a
/// chunk at its offset, write it at the same offset, and give up, deleting the partial copy,
/// when the user cancels (F-CAN-8, F-COPY-1's clean-up, on the simulated disk).
final class FileCopyTests: XCTestCase {
    private static let chunk = 4096
    private static let source = #"C:\src\big.bin"#
    private static let destination = #"D:\backup\big.bin"#

    /// 16 chunks of a recognisable pattern.
    private static let payload: [UInt8] = (0..<16 * chunk).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 12) }

    /// Copies `source` to `destination` chunk by chunk with overlapped I/O; on a failure it
    /// deletes the destination and returns the error. Returns the chunks copied and the error.
    private func copy(_ memory: ScenarioMemory, log: inout [String]) -> (chunks: Int, error: DWORD) {
        let src = CreateFileA(Self.source, GENERIC_READ, DWORD(FILE_SHARE_READ), nil, DWORD(OPEN_EXISTING),
                              DWORD(FILE_FLAG_OVERLAPPED), nil)
        let dst = CreateFileA(Self.destination, DWORD(GENERIC_WRITE), 0, nil, DWORD(CREATE_ALWAYS),
                              DWORD(FILE_FLAG_OVERLAPPED), nil)
        guard src != INVALID_HANDLE_VALUE, dst != INVALID_HANDLE_VALUE else { return (0, GetLastError()) }
        sourceHandle = src
        destinationHandle = dst
        let buffer = memory.buffer(Self.chunk)
        let ov = memory.overlapped(event: manualEvent())
        var offset: UInt64 = 0
        var chunks = 0
        var failure = DWORD(ERROR_SUCCESS)
        while failure == DWORD(ERROR_SUCCESS) {
            ov.pointee.Offset = DWORD(truncatingIfNeeded: offset)
            ov.pointee.OffsetHigh = DWORD(truncatingIfNeeded: offset >> 32)
            var count: DWORD = 0
            // Disk reads pend (F-RW-4): TRUE is possible too, and handled the same way.
            if !ReadFile(src, buffer, DWORD(Self.chunk), nil, ov), GetLastError() != DWORD(ERROR_IO_PENDING) {
                failure = GetLastError()
                break
            }
            if !GetOverlappedResult(src, ov, &count, true) {
                // The end of the file shows up here, after pending (F-EOF-3).
                if GetLastError() != DWORD(ERROR_HANDLE_EOF) { failure = GetLastError() }
                log.append("read at \(offset): \(win32ErrorName(GetLastError())) at \(GetTickCount64())")
                break
            }
            log.append("read \(count) at \(offset) at \(GetTickCount64())")
            if !WriteFile(dst, buffer, count, nil, ov), GetLastError() != DWORD(ERROR_IO_PENDING) {
                failure = GetLastError()
                break
            }
            var written: DWORD = 0
            if !GetOverlappedResult(dst, ov, &written, true) {
                failure = GetLastError()
                log.append("write at \(offset): \(win32ErrorName(failure)) at \(GetTickCount64())")
                break
            }
            log.append("wrote \(written) at \(offset) at \(GetTickCount64())")
            offset += UInt64(written)
            chunks += 1
        }
        XCTAssertTrue(CloseHandle(src))
        XCTAssertTrue(CloseHandle(dst))
        XCTAssertTrue(CloseHandle(ov.pointee.hEvent))
        if failure != DWORD(ERROR_SUCCESS) {
            partialSize = sizeOf(Self.destination)
            XCTAssertTrue(DeleteFileA(Self.destination))
        }
        return (chunks, failure)
    }

    private var sourceHandle: HANDLE?
    private var destinationHandle: HANDLE?
    private var partialSize: Int?
    /// Weak: XCTest keeps its test cases for the whole run, and the simulation should not live as long.
    private weak var simulation: Simulation?

    private func sizeOf(_ path: String) -> Int? { simulation?.fileSystem.contents(of: path)?.count }

    /// The whole copy: each read pends for the disk's latency, then its write does; the copy
    /// ends when a read at the end of the file fails with `ERROR_HANDLE_EOF` after pending.
    func testOverlappedCopyCopiesEveryByte() {
        let sim = Simulation()
        simulation = sim
        sim.fileSystem.latency = .milliseconds(2)
        sim.fileSystem.setContents(Self.payload, of: Self.source)
        sim.fileSystem.createDirectory(#"D:\backup"#)
        let memory = scenarioMemory()
        var log: [String] = []
        let result = sim.run { copy(memory, log: &log) }
        XCTAssertEqual(result.chunks, 16)
        XCTAssertEqual(result.error, DWORD(ERROR_SUCCESS))
        XCTAssertEqual(sim.fileSystem.contents(of: Self.destination), Self.payload)
        XCTAssertEqual(log.count, 33)
        XCTAssertEqual(log.first, "read 4096 at 0 at 2")
        XCTAssertEqual(log[1], "wrote 4096 at 0 at 4")
        XCTAssertEqual(log.last, "read at 65536: ERROR_HANDLE_EOF at 66")
        XCTAssertEqual(sim.now.milliseconds, 66)
        XCTAssertEqual(sim.fileSystem.paths, [Self.source, Self.destination])
        XCTAssertTrue(sim.finish().isClean, sim.finish().description)
    }

    /// Half-way through, the user cancels: another thread calls `CancelIoEx` on both files at
    /// 15 ms. Nothing is pending on the source then (`ERROR_NOT_FOUND`, F-CAN-6); the write of
    /// the fourth chunk, issued at 14 ms and due at 16 ms, is cancelled: it completes with
    /// `ERROR_OPERATION_ABORTED` and writes nothing (F-CAN-8). The copy stops and deletes the
    /// three chunks it wrote.
    func testCancellingTheCopyHalfWay() {
        let sim = Simulation()
        simulation = sim
        sim.fileSystem.latency = .milliseconds(2)
        sim.fileSystem.setContents(Self.payload, of: Self.source)
        sim.fileSystem.createDirectory(#"D:\backup"#)
        let memory = scenarioMemory()
        var log: [String] = []
        var cancelResults: [String] = []
        let result = sim.run { () -> (chunks: Int, error: DWORD) in
            let canceller = spawn { [self] in
                Sleep(15)
                for (name, handle) in [("source", sourceHandle), ("destination", destinationHandle)] {
                    let ok = CancelIoEx(handle, nil)
                    cancelResults.append("\(name): \(ok ? "TRUE" : win32ErrorName(GetLastError())) at \(GetTickCount64())")
                }
                return 0
            }
            let outcome = copy(memory, log: &log)
            XCTAssertEqual(WaitForSingleObject(canceller, INFINITE), WAIT_OBJECT_0)
            XCTAssertTrue(CloseHandle(canceller))
            return outcome
        }
        XCTAssertEqual(cancelResults, ["source: ERROR_NOT_FOUND at 15", "destination: TRUE at 15"])
        XCTAssertEqual(result.chunks, 3)
        XCTAssertEqual(result.error, DWORD(ERROR_OPERATION_ABORTED))
        XCTAssertEqual(log, [
            "read 4096 at 0 at 2", "wrote 4096 at 0 at 4",
            "read 4096 at 4096 at 6", "wrote 4096 at 4096 at 8",
            "read 4096 at 8192 at 10", "wrote 4096 at 8192 at 12",
            "read 4096 at 12288 at 14", "write at 12288: ERROR_OPERATION_ABORTED at 15",
        ])
        XCTAssertEqual(partialSize, 3 * Self.chunk, "the cancelled write wrote nothing")
        XCTAssertFalse(sim.fileSystem.fileExists(Self.destination))
        XCTAssertEqual(sim.fileSystem.contents(of: Self.source), Self.payload)
        XCTAssertEqual(sim.pendingDeviceEvents.count, 0)
        XCTAssertTrue(sim.finish().isClean, sim.finish().description)
    }
}
