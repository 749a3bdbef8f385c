import IOKernel
import IOSimXCTest
import WinSDK
import XCTest

/// The C runtime's descriptors over the simulation's handles, used as Windows code uses them
/// next to Win32 calls. `ucrt.` qualifies the names Glibc (through XCTest's Foundation) also has.
/// Behaviour from the CRT reference pages of each function (return values, errno).
final class CRuntimeTests: XCTestCase {
    func testAPipeAsDescriptors() {
        let sim = checkedSimulation()
        sim.run {
            var fds: [Int32] = [-1, -1]
            XCTAssertEqual(_pipe(&fds, 0, _O_BINARY | _O_NOINHERIT), 0)
            // 0, 1 and 2 are the standard streams: the pipe gets the next two.
            XCTAssertEqual(fds, [3, 4])
            XCTAssertEqual(_get_osfhandle(0), -2)   // no standard handle in the simulation
            let hello = Array("hello".utf8)
            XCTAssertEqual(_write(fds[1], hello, UInt32(hello.count)), 5)
            var buffer = [UInt8](repeating: 0, count: 16)
            XCTAssertEqual(_read(fds[0], &buffer, 16), 5)
            XCTAssertEqual(Array(buffer.prefix(5)), hello)
            // The handle behind a descriptor is the pipe end: Win32 calls work on it.
            let writeEnd = HANDLE(bitPattern: _get_osfhandle(fds[1]))!
            var written: DWORD = 0
            XCTAssertTrue(WriteFile(writeEnd, hello, 2, &written, nil))
            XCTAssertEqual(_read(fds[0], &buffer, 16), 2)
            // Closing the write end ends the reader's stream: 0, not an error.
            XCTAssertEqual(_close(fds[1]), 0)
            XCTAssertEqual(_read(fds[0], &buffer, 16), 0)
            XCTAssertEqual(_close(fds[0]), 0)
            XCTAssertEqual(_close(fds[0]), -1)
            XCTAssertEqual(ucrt.errno, ucrt.EBADF)
            XCTAssertEqual(_get_osfhandle(99), -1)
        }
    }

    func testFilesThroughOpenDupAndSeek() {
        let sim = checkedSimulation()
        sim.run {
            let fd = _open("C:\\crt.txt", _O_CREAT | _O_EXCL | _O_RDWR | _O_BINARY, 0)
            XCTAssertEqual(fd, 3)
            XCTAssertEqual(_write(fd, Array("abcdef".utf8), 6), 6)
            XCTAssertEqual(_lseeki64(fd, 2, ucrt.SEEK_SET), 2)
            let second = _dup(fd)
            XCTAssertEqual(second, 4)
            var byte: UInt8 = 0
            // A duplicate shares the file object, so it shares the position.
            XCTAssertEqual(_read(second, &byte, 1), 1)
            XCTAssertEqual(byte, UInt8(ascii: "c"))
            XCTAssertEqual(_lseek(fd, 0, ucrt.SEEK_END), 6)
            XCTAssertEqual(_dup2(fd, 10), 0)
            XCTAssertNotEqual(_get_osfhandle(10), -1)
            XCTAssertEqual(_close(10), 0)
            XCTAssertEqual(_close(second), 0)
            XCTAssertEqual(_close(fd), 0)
            // _O_EXCL on an existing file: EEXIST; no such file: ENOENT.
            XCTAssertEqual(_open("C:\\crt.txt", _O_CREAT | _O_EXCL | _O_WRONLY, 0), -1)
            XCTAssertEqual(ucrt.errno, ucrt.EEXIST)
            XCTAssertEqual(_open("C:\\missing.txt", _O_RDONLY), -1)
            XCTAssertEqual(ucrt.errno, ucrt.ENOENT)
            var value: Int32 = 0
            XCTAssertEqual(_set_errno(ucrt.EPIPE), 0)
            XCTAssertEqual(_get_errno(&value), 0)
            XCTAssertEqual(value, 32)
        }
    }

    func testBeginThreadExStartsASimulatedThread() {
        let sim = checkedSimulation()
        sim.run {
            var id: UInt32 = 0
            let handle = _beginthreadex(nil, 0, { parameter in
                UInt32(UInt(bitPattern: parameter)) * 2
            }, UnsafeMutableRawPointer(bitPattern: 21), 0, &id)
            XCTAssertNotEqual(handle, 0)
            XCTAssertNotEqual(id, 0)
            let thread = HANDLE(bitPattern: handle)
            XCTAssertEqual(WaitForSingleObject(thread, INFINITE), WAIT_OBJECT_0)
            var code: DWORD = 0
            XCTAssertTrue(GetExitCodeThread(thread, &code))
            XCTAssertEqual(code, 42)
            CloseHandle(thread)
            XCTAssertEqual(_beginthreadex(nil, 0, nil, nil, 0, nil), 0)
            XCTAssertEqual(ucrt.errno, ucrt.EINVAL)
        }
    }
}
