import IOKernel

/// Sends a control code to the driver behind a handle. The corresponding Win32 function is
/// `DeviceIoControl`.
///
/// As kernel32 does it (Wine's kernel32 `DeviceIoControl`): a code whose device type
/// (`code >> 16`) is `FILE_DEVICE_FILE_SYSTEM` goes to `NtFsControlFile`
/// (`IRP_MJ_FILE_SYSTEM_CONTROL`), any other to `NtDeviceIoControlFile`
/// (`IRP_MJ_DEVICE_CONTROL`). The request is an IRP like a read's, so the driver decides whether
/// it completes at once or pends, and the notifications follow the usual rules:
/// - With an `OVERLAPPED`, `Internal` is set to `STATUS_PENDING` and `InternalHigh` to 0 and the
///   request carries the structure's event (reset at issue) and, unless `hEvent`'s low bit is set,
///   the structure as its completion context. `FALSE` with `ERROR_IO_PENDING` means it is in
///   flight: it completes through the `OVERLAPPED`, its event (or the file object), and a packet
///   to the port the handle is bound to, and `CancelIoEx` cancels it (`ERROR_OPERATION_ABORTED`).
///   `TRUE` means it completed at once, and still notified (the event, and a packet unless
///   `FILE_SKIP_COMPLETION_PORT_ON_SUCCESS`). `*lpBytesReturned` is `InternalHigh` as the call
///   returns.
/// - Without one, the call waits for the result (on a synchronous handle inside the kernel, on
///   an overlapped one on the handle, as for `ReadFile`).
/// - `STATUS_BUFFER_OVERFLOW` (output too small for all the data, part copied) is `FALSE` with
///   `ERROR_MORE_DATA` and the bytes copied counted; other failures count 0.
///
/// The drivers answer:
/// - The disk volume: `FSCTL_GET_REPARSE_POINT` and `FSCTL_SET_REPARSE_POINT` (see
///   `FileSystemDriver.fileSystemControl`), at once; every other code `ERROR_INVALID_FUNCTION`,
///   and every `IRP_MJ_DEVICE_CONTROL` too, as a file system fails one that is not on a volume
///   open (Microsoft's "IRP_MJ_DEVICE_CONTROL (FS and filter drivers)").
/// - Named pipes: `FSCTL_PIPE_*` codes have the device type `FILE_DEVICE_NAMED_PIPE`, so
///   `DeviceIoControl` sends them as `IRP_MJ_DEVICE_CONTROL`, which the named-pipe file system
///   fails the same way (`ERROR_INVALID_FUNCTION`): `ConnectNamedPipe` and `PeekNamedPipe` are
///   the way to them, as they call `NtFsControlFile`.
/// - A device installed with `Simulation.installDevice`: its driver's policy (a
///   `StockDriver(completion: .manual)` pends every control until the test completes it with its
///   output, `completeNext(status:bytes:data:)`).
@discardableResult
public func DeviceIoControl(_ hDevice: HANDLE!, _ dwIoControlCode: DWORD, _ lpInBuffer: LPVOID!, _ nInBufferSize: DWORD,
                            _ lpOutBuffer: LPVOID!, _ nOutBufferSize: DWORD, _ lpBytesReturned: LPDWORD!,
                            _ lpOverlapped: LPOVERLAPPED!) -> Bool
{
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        let fileSystem = dwIoControlCode >> 16 == DWORD(FILE_DEVICE_FILE_SYSTEM)
        let result = thread.withKernel { kernel -> Bool in
            /// The request, with the status block and completion context given.
            func issue(_ event: UInt?, _ context: UnsafeMutableRawPointer?, _ ioStatus: UnsafeMutableRawPointer) -> NTStatus {
                kernel.ntDeviceIoControlFile(handle: value(hDevice), event: event, apcContext: context, ioStatus: ioStatus,
                                             controlCode: dwIoControlCode, fileSystem: fileSystem,
                                             input: UnsafeRawPointer(lpInBuffer), inputLength: Int(nInBufferSize),
                                             output: lpOutBuffer, outputLength: Int(nOutBufferSize))
            }
            if let overlapped = lpOverlapped {
                guard kernel.userOverlappedIsAccessible(overlapped) else { return thread.fail(ERROR_NOACCESS) }
                overlapped.pointee.Internal = ULONG_PTR(STATUS_PENDING)
                overlapped.pointee.InternalHigh = 0
                let event = overlapped.pointee.hEvent.map { UInt(bitPattern: $0) }
                // As ReadFile: the packet's context is the OVERLAPPED unless hEvent's low bit is set.
                let context = (event ?? 0) & 1 != 0 ? nil : UnsafeMutableRawPointer(overlapped)
                let status = kernel.withKernelEntry { issue(event, context, UnsafeMutableRawPointer(overlapped)) }
                let bytes = status == .pending ? 0 : DWORD(truncatingIfNeeded: overlapped.pointee.InternalHigh)
                thread.store(bytes, into: lpBytesReturned, call: "DeviceIoControl")
                if status == .pending { return thread.fail(ERROR_IO_PENDING) }
                return status == .success ? true : thread.fail(status)
            }
            // No OVERLAPPED: kernel32 passes a status block of its own and waits for the result.
            let (status, information) = issueWithOwnStatusBlock(thread, hDevice) { ioStatus in issue(nil, nil, ioStatus) }
            if status == .pending { return thread.fail(ERROR_IO_PENDING) }
            // A warning (STATUS_BUFFER_OVERFLOW) counts the bytes copied; an error none.
            thread.store(status.isError ? 0 : DWORD(truncatingIfNeeded: information), into: lpBytesReturned, call: "DeviceIoControl")
            return status == .success ? true : thread.fail(status)
        }
        thread.traceBool("DeviceIoControl(\(hex(handle: hDevice)), 0x\(String(dwIoControlCode, radix: 16)), in \(nInBufferSize), out \(nOutBufferSize), ov: \(thread.name(overlapped: lpOverlapped)))", result)
        return result
    }
}
