import IOKernel
import IOSimXCTest
import Win32Surface
import XCTest

/// `DeviceIoControl` is a request like any other: an IRP that the driver completes at once or
/// pends, with the `OVERLAPPED`, its event, a completion packet and cancellation working as for
/// a read (Microsoft's DeviceIoControl: "For overlapped operations, DeviceIoControl returns
/// immediately, and the event object is signaled when the operation has been completed"; Wine's
/// kernel32 DeviceIoControl for `Internal`, `InternalHigh`, the completion context and the
/// routing of `FILE_DEVICE_FILE_SYSTEM` codes to `NtFsControlFile`; Wine's ntdll `pipe.c`
/// test_completion for the packet a control queues, test_cancelio for cancelling one).
final class DeviceIoControlTests: XCTestCase {
    /// `CTL_CODE`, as Windows Swift code computes it (Swift does not import the macro).
    private func controlCode(_ deviceType: Int32, _ function: Int32, _ method: Int32, _ access: Int32) -> DWORD {
        DWORD(deviceType) << 16 | DWORD(access) << 14 | DWORD(function) << 2 | DWORD(method)
    }

    /// A driver's own control: `CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED,
    /// FILE_ANY_ACCESS)`, 0x222000.
    private var ping: DWORD { controlCode(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS) }

    private func result(_ ok: Bool) -> String { ok ? "TRUE" : "FALSE \(win32ErrorName(GetLastError()))" }

    /// One `GetQueuedCompletionStatus` with a zero timeout, as text.
    private func dequeue(_ port: HANDLE?) -> String {
        var bytes: DWORD = 0
        var key: ULONG_PTR = 0
        var ov: LPOVERLAPPED?
        let ok = GetQueuedCompletionStatus(port, &bytes, &key, &ov, 0)
        guard ov != nil || ok else { return "FALSE \(win32ErrorName(GetLastError())), no packet" }
        return "\(result(ok)), \(bytes) bytes, key \(key)"
    }

    private func isSignaled(_ handle: HANDLE?) -> Bool { WaitForSingleObject(handle, 0) == WAIT_OBJECT_0 }

    /// A device whose driver pends every control: the call fails with `ERROR_IO_PENDING` and
    /// counts 0 bytes, `Internal` is `STATUS_PENDING` and the event is reset. The driver finds
    /// the code and the input in its IRP (`IRP_MJ_DEVICE_CONTROL`, the input captured at issue,
    /// so the caller may reuse its buffer at once); when the device finishes with its output,
    /// the output buffer, `Internal`/`InternalHigh`, the event, `GetOverlappedResult` and a
    /// packet on the port the handle is bound to all report it.
    func testAPendedControlCompletesThroughTheOverlappedTheEventAndThePort() {
        let sim = checkedSimulation()
        let device = StockDriver(completion: .manual)
        sim.installDevice(#"\\.\ctl"#, driver: device)
        let memory = scenarioMemory()
        sim.run {
            let h = openDevice(#"\\.\ctl"#)
            let port = CreateIoCompletionPort(h, nil, 5, 0)
            let event = CreateEventW(nil, true, true, nil)
            let ov = memory.overlapped(event: event)
            let input = memory.buffer(4), output = memory.buffer(16)
            input.copyMemory(from: Array("ping".utf8), byteCount: 4)
            var returned: DWORD = 0xFFFF
            XCTAssertEqual(result(DeviceIoControl(h, ping, input, 4, output, 16, &returned, ov)), "FALSE ERROR_IO_PENDING")
            XCTAssertEqual(returned, 0)
            XCTAssertEqual(internalStatus(ov), STATUS_PENDING)
            XCTAssertFalse(isSignaled(event), "reset at issue")
            input.copyMemory(from: Array("junk".utf8), byteCount: 4)

            let pending = device.pending
            XCTAssertEqual(pending.map(\.major), [.deviceControl])
            XCTAssertEqual(pending.first?.controlCode, 0x0022_2000)
            XCTAssertEqual(pending.first.map { Array($0.systemBuffer) }, Array("ping".utf8), "captured at issue")
            XCTAssertEqual(pending.first?.length, 16, "the output buffer's size")
            XCTAssertEqual(dequeue(port), "FALSE WAIT_TIMEOUT, no packet")

            device.completeNext(data: Array("pong!".utf8))
            XCTAssertEqual(internalStatus(ov), STATUS_SUCCESS)
            XCTAssertEqual(ov.pointee.InternalHigh, 5)
            XCTAssertEqual(string(output, 5), "pong!")
            XCTAssertTrue(isSignaled(event))
            var transferred: DWORD = 0
            XCTAssertEqual(result(GetOverlappedResult(h, ov, &transferred, false)), "TRUE")
            XCTAssertEqual(transferred, 5)
            XCTAssertEqual(dequeue(port), "TRUE, 5 bytes, key 5")
            XCTAssertEqual(dequeue(port), "FALSE WAIT_TIMEOUT, no packet")
            XCTAssertTrue(CloseHandle(h))
            XCTAssertTrue(CloseHandle(port))
            XCTAssertTrue(CloseHandle(event))
        }
    }

    /// A pended control is cancelled like a read: `CancelIoEx` finds it by its `OVERLAPPED`, the
    /// packet reports `ERROR_OPERATION_ABORTED` with 0 bytes, and a second `CancelIoEx` finds
    /// nothing (Wine's ntdll pipe.c test_cancelio, for the listen control: `STATUS_CANCELLED` in
    /// the status block, then `STATUS_NOT_FOUND`).
    func testCancelIoExCancelsAPendedControl() {
        let sim = checkedSimulation()
        sim.installDevice(#"\\.\ctl"#, driver: StockDriver(completion: .manual))
        let memory = scenarioMemory()
        sim.run {
            let h = openDevice(#"\\.\ctl"#)
            let port = CreateIoCompletionPort(h, nil, 3, 0)
            let ov = memory.overlapped()
            XCTAssertEqual(result(DeviceIoControl(h, ping, nil, 0, memory.buffer(8), 8, nil, ov)), "FALSE ERROR_IO_PENDING")
            XCTAssertEqual(result(CancelIoEx(h, ov)), "TRUE")
            XCTAssertEqual(dequeue(port), "FALSE ERROR_OPERATION_ABORTED, 0 bytes, key 3")
            XCTAssertEqual(internalStatus(ov), STATUS_CANCELLED)
            XCTAssertEqual(result(CancelIoEx(h, ov)), "FALSE ERROR_NOT_FOUND")
            XCTAssertTrue(CloseHandle(h))
            XCTAssertTrue(CloseHandle(port))
        }
    }

    /// `FSCTL_GET_REPARSE_POINT` on an overlapped handle to a link of the volume completes inside
    /// the call: `TRUE` with the byte count, and yet the event is set and a packet queued, as for
    /// a read that completes at once (F-RW-3, F-IOCP-7), unless the handle skips packets on
    /// success (F-SKIP-1) or `hEvent`'s low bit is set (F-SIG-5). An output too small for the data
    /// is a warning, `ERROR_MORE_DATA` with the part copied, which still notifies; a failure
    /// notifies nothing and leaves `Internal` at `STATUS_PENDING` (F-OVL-2).
    func testAVolumeControlCompletesAtOnceAndStillQueuesAPacket() {
        let sim = checkedSimulation()
        sim.fileSystem.setContents(Array("hello".utf8), of: #"C:\data\target.txt"#)
        let memory = scenarioMemory()
        var log: [String] = []
        sim.run {
            let made = wide(#"C:\data\link.txt"#).withUnsafeBufferPointer { l in
                wide(#"C:\data\target.txt"#).withUnsafeBufferPointer { t in CreateSymbolicLinkW(l.baseAddress, t.baseAddress, 0) }
            }
            XCTAssertEqual(made, 1)
            let h = wide(#"C:\data\link.txt"#).withUnsafeBufferPointer {
                CreateFileW($0.baseAddress, GENERIC_READ, DWORD(FILE_SHARE_READ), nil, DWORD(OPEN_EXISTING),
                            DWORD(FILE_FLAG_OPEN_REPARSE_POINT | FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OVERLAPPED), nil)
            }
            let port = CreateIoCompletionPort(h, nil, 9, 0)
            let event = manualEvent()
            let output = memory.buffer(512)
            var returned: DWORD = 0
            func control(_ code: DWORD, _ ov: LPOVERLAPPED, size: DWORD = 512) -> String {
                returned = 0xFFFF
                let ok = DeviceIoControl(h, code, nil, 0, output, size, &returned, ov)
                return "\(result(ok)), \(returned) bytes, Internal 0x\(String(internalStatus(ov), radix: 16)), event \(isSignaled(event))"
            }
            let ov = memory.overlapped(event: event)
            log.append("get: \(control(DWORD(FSCTL_GET_REPARSE_POINT), ov)); port: \(dequeue(port))")
            ResetEvent(event)
            log.append("too small: \(control(DWORD(FSCTL_GET_REPARSE_POINT), ov, size: 24)); port: \(dequeue(port))")
            ResetEvent(event)
            log.append("unknown code: \(control(0x0009_0000, ov)); port: \(dequeue(port))")
            XCTAssertTrue(SetFileCompletionNotificationModes(h, UCHAR(FILE_SKIP_COMPLETION_PORT_ON_SUCCESS)))
            log.append("skipping: \(control(DWORD(FSCTL_GET_REPARSE_POINT), ov)); port: \(dequeue(port))")
            XCTAssertTrue(SetFileCompletionNotificationModes(h, 0))
            ResetEvent(event)
            let marked = memory.overlapped(event: HANDLE(bitPattern: UInt(bitPattern: event) | 1))
            returned = 0
            log.append("hEvent|1: \(result(DeviceIoControl(h, DWORD(FSCTL_GET_REPARSE_POINT), nil, 0, output, 512, &returned, marked))), \(returned) bytes, event \(isSignaled(event)); port: \(dequeue(port))")
            XCTAssertTrue(CloseHandle(h))
            XCTAssertTrue(CloseHandle(port))
            XCTAssertTrue(CloseHandle(event))
        }
        XCTAssertEqual(log, [
            "get: TRUE, 100 bytes, Internal 0x0, event true; port: TRUE, 100 bytes, key 9",
            "too small: FALSE ERROR_MORE_DATA, 24 bytes, Internal 0x80000005, event true; port: FALSE ERROR_MORE_DATA, 24 bytes, key 9",
            "unknown code: FALSE ERROR_INVALID_FUNCTION, 0 bytes, Internal 0x103, event false; port: FALSE WAIT_TIMEOUT, no packet",
            "skipping: TRUE, 100 bytes, Internal 0x0, event true; port: FALSE WAIT_TIMEOUT, no packet",
            "hEvent|1: TRUE, 100 bytes, event true; port: FALSE WAIT_TIMEOUT, no packet",
        ])
    }

    /// `FSCTL_PIPE_LISTEN` is `CTL_CODE(FILE_DEVICE_NAMED_PIPE, 2, METHOD_BUFFERED,
    /// FILE_ANY_ACCESS)`: its device type is not `FILE_DEVICE_FILE_SYSTEM`, so `DeviceIoControl`
    /// sends it as `IRP_MJ_DEVICE_CONTROL` (Wine's kernel32 DeviceIoControl), which the named-pipe
    /// file system fails as a file system fails a device control that is not on a volume open
    /// (Microsoft's "IRP_MJ_DEVICE_CONTROL (FS and filter drivers)"): `ERROR_INVALID_FUNCTION`,
    /// nothing notified. `ConnectNamedPipe`, which calls `NtFsControlFile`, listens.
    func testANamedPipeFailsItsFsctlsSentAsDeviceControls() {
        let sim = checkedSimulation()
        let memory = scenarioMemory()
        sim.run {
            let server = CreateNamedPipeA(#"\\.\pipe\ctl"#, DWORD(PIPE_ACCESS_DUPLEX) | DWORD(FILE_FLAG_OVERLAPPED), 0, 1, 64, 64, 0, nil)
            let listen = controlCode(FILE_DEVICE_NAMED_PIPE, 2, METHOD_BUFFERED, FILE_ANY_ACCESS)
            XCTAssertEqual(listen, 0x0011_0008)
            let ov = memory.overlapped(event: manualEvent())
            XCTAssertEqual(result(DeviceIoControl(server, listen, nil, 0, nil, 0, nil, ov)), "FALSE ERROR_INVALID_FUNCTION")
            XCTAssertEqual(internalStatus(ov), STATUS_PENDING)
            XCTAssertFalse(isSignaled(ov.pointee.hEvent))
            XCTAssertEqual(result(ConnectNamedPipe(server, ov)), "FALSE ERROR_IO_PENDING")
            let client = openDevice(#"\\.\pipe\ctl"#)
            XCTAssertNotEqual(client, INVALID_HANDLE_VALUE)
            XCTAssertEqual(internalStatus(ov), STATUS_SUCCESS)
            XCTAssertTrue(isSignaled(ov.pointee.hEvent))
            XCTAssertTrue(CloseHandle(client))
            XCTAssertTrue(CloseHandle(server))
            XCTAssertTrue(CloseHandle(ov.pointee.hEvent))
        }
    }

    /// Without an `OVERLAPPED` the call waits for a pended control: on a synchronous handle in
    /// the kernel, on an overlapped one on the handle (as `ReadFile` does), here for a device
    /// that takes 10 ms of virtual time. A control on a synchronous handle leaves the file
    /// position where it was, and so does a lock request (only reads and writes move it).
    func testWithoutAnOverlappedTheCallWaitsAndTheFilePositionStays() {
        let sim = checkedSimulation()
        sim.installDevice(#"\\.\slow"#, driver: StockDriver(completion: .after(.milliseconds(10))))
        sim.fileSystem.setContents(Array("hello".utf8), of: #"C:\data\file.txt"#)
        sim.run {
            var returned: DWORD = 0xFFFF
            let synchronous = openDevice(#"\\.\slow"#, overlapped: false)
            XCTAssertEqual(result(DeviceIoControl(synchronous, ping, nil, 0, nil, 0, &returned, nil)), "TRUE")
            XCTAssertEqual(returned, 0)
            XCTAssertEqual(GetTickCount64(), 10)
            let overlapped = openDevice(#"\\.\slow"#)
            XCTAssertEqual(result(DeviceIoControl(overlapped, ping, nil, 0, nil, 0, &returned, nil)), "TRUE")
            XCTAssertEqual(GetTickCount64(), 20)
            XCTAssertTrue(CloseHandle(synchronous))
            XCTAssertTrue(CloseHandle(overlapped))

            let file = wide(#"C:\data\file.txt"#).withUnsafeBufferPointer {
                CreateFileW($0.baseAddress, GENERIC_READ, DWORD(FILE_SHARE_READ), nil, DWORD(OPEN_EXISTING), 0, nil)
            }
            var position = LARGE_INTEGER()
            XCTAssertEqual(result(DeviceIoControl(file, DWORD(FSCTL_GET_REPARSE_POINT), nil, 0, nil, 0, &returned, nil)),
                           "FALSE ERROR_NOT_A_REPARSE_POINT")
            var lockAt = OVERLAPPED()
            lockAt.Offset = 100
            XCTAssertEqual(result(LockFileEx(file, DWORD(LOCKFILE_EXCLUSIVE_LOCK), 0, 10, 0, &lockAt)), "TRUE")
            XCTAssertEqual(result(SetFilePointerEx(file, LARGE_INTEGER(), &position, DWORD(FILE_CURRENT))), "TRUE")
            XCTAssertEqual(position.QuadPart, 0)
            XCTAssertTrue(CloseHandle(file))
        }
    }

    /// Bad arguments: a handle that is not open is `ERROR_INVALID_HANDLE`; an input buffer that
    /// is null with a non-zero size is `ERROR_NOACCESS`, and so is an output buffer, before the
    /// driver sees anything.
    func testBadHandlesAndBuffers() {
        let sim = checkedSimulation()
        let device = StockDriver(completion: .manual)
        sim.installDevice(#"\\.\ctl"#, driver: device)
        sim.run {
            var returned: DWORD = 0
            XCTAssertEqual(result(DeviceIoControl(HANDLE(bitPattern: 0x1234), ping, nil, 0, nil, 0, &returned, nil)),
                           "FALSE ERROR_INVALID_HANDLE")
            let h = openDevice(#"\\.\ctl"#, overlapped: false)
            XCTAssertEqual(result(DeviceIoControl(h, ping, nil, 8, nil, 0, &returned, nil)), "FALSE ERROR_NOACCESS")
            XCTAssertEqual(result(DeviceIoControl(h, ping, nil, 0, nil, 8, &returned, nil)), "FALSE ERROR_NOACCESS")
            XCTAssertEqual(device.pending.count, 0)
            XCTAssertTrue(CloseHandle(h))
        }
    }
}
