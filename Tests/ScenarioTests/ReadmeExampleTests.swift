import IOKernel
import Win32Surface
import XCTest

/// The README's examples, kept compiling and passing (the tracked-memory one is
/// OverlappedLifetimeTests.testTheReadmeExample, the async one AsyncReadmeExampleTests).
final class ReadmeExampleTests: XCTestCase {
    /// The README's named-pipe example, kept compiling, with what its comments claim checked.
    func testThePipeExample() {
        let sim = Simulation()
        sim.run {
            let server = CreateNamedPipeA(#"\\.\pipe\demo"#, DWORD(PIPE_ACCESS_DUPLEX) | DWORD(FILE_FLAG_OVERLAPPED),
                                          DWORD(PIPE_TYPE_MESSAGE | PIPE_READMODE_MESSAGE), 1, 4096, 4096, 0, nil)
            // ConnectNamedPipe pends (ERROR_IO_PENDING) until a client opens the pipe …
            let connect = UnsafeMutablePointer<OVERLAPPED>.allocate(capacity: 1)
            defer { connect.deallocate() }
            connect.initialize(to: OVERLAPPED())
            XCTAssertFalse(ConnectNamedPipe(server, connect))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_IO_PENDING))
            let client = CreateFileA(#"\\.\pipe\demo"#, GENERIC_READ | DWORD(GENERIC_WRITE), 0, nil,
                                     DWORD(OPEN_EXISTING), DWORD(FILE_FLAG_OVERLAPPED), nil)
            XCTAssertEqual(internalStatus(connect), STATUS_SUCCESS)
            // … reads pend until the other end writes; closing one end completes the other end's
            // pending read with ERROR_BROKEN_PIPE.
            let read = UnsafeMutablePointer<OVERLAPPED>.allocate(capacity: 1)
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: 8, alignment: 8)
            defer {
                read.deallocate()
                buffer.deallocate()
            }
            read.initialize(to: OVERLAPPED())
            XCTAssertFalse(ReadFile(server, buffer, 8, nil, read))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_IO_PENDING))
            _ = CloseHandle(client)
            XCTAssertEqual(internalStatus(read), STATUS_PIPE_BROKEN)
            _ = CloseHandle(server)
        }
    }

    func testClosingTheHandleDoesNotCompleteThePendingRead() throws {
        let sim = Simulation()
        let device = StockDriver(completion: .manual, cleanup: .ignoresPending)
        sim.installDevice(#"\\.\slow"#, driver: device)
        let ov = UnsafeMutablePointer<OVERLAPPED>.allocate(capacity: 1)
        ov.initialize(to: OVERLAPPED())
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 8)
        defer {
            ov.deallocate()
            buffer.deallocate()
        }
        try sim.run {
            let h = CreateFileA(#"\\.\slow"#, GENERIC_READ, 0, nil, DWORD(OPEN_EXISTING), DWORD(FILE_FLAG_OVERLAPPED), nil)
            ov.pointee.hEvent = CreateEventW(nil, true, false, nil)
            XCTAssertFalse(ReadFile(h, buffer, 64, nil, ov))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_IO_PENDING))
            let file = try XCTUnwrap(sim.fileObject(h))
            XCTAssertTrue(CloseHandle(h))
            XCTAssertEqual(file.handleCount, 0)
            XCTAssertEqual(file.pointerCount, 1)
            XCTAssertTrue(file.cleanupSent)
            XCTAssertFalse(file.closeSent)
            XCTAssertEqual(DWORD(truncatingIfNeeded: ov.pointee.Internal), STATUS_PENDING)
            device.completeNext(data: Array("hello".utf8))
            var n: DWORD = 0
            XCTAssertTrue(GetOverlappedResult(h, ov, &n, true))
            XCTAssertEqual(n, 5)
            XCTAssertTrue(file.closeSent)
            XCTAssertEqual(string(buffer, 5), "hello")
        }
    }
}
