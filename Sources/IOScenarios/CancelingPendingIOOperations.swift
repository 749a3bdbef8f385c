import IOKernel
import Win32Surface

extension Scenario {
    /// Microsoft Learn, "Canceling Pending I/O Operations" (seed
    /// `canceling-pending-io-operations.txt`): the `DoCancelableRead` sample.
    static let cancelingPendingIOOperations = Scenario(
        name: "canceling-pending-io-operations",
        seed: "canceling-pending-io-operations.txt",
        summary: """
            The documentation's DoCancelableRead, with a 500 ms timeout, on a device that takes 2 seconds. \
            It polls GetOverlappedResult(bWait: FALSE) every 100 ms (checking ERROR_IO_INCOMPLETE, which is what \
            Windows reports, rather than the sample's ERROR_IO_PENDING), times out, calls CancelIoEx, and waits \
            with GetOverlappedResult(bWait: TRUE): the read ends with ERROR_OPERATION_ABORTED and 0 bytes.
            """
    ) { sim in
        let device = StockDriver(completion: .after(.seconds(2)))
        sim.installDevice(#"\\.\slow"#, driver: device)
        let heap = ScenarioHeap()
        sim.run {
            let h = CreateFileA(#"\\.\slow"#, GENERIC_READ, 0, nil, DWORD(OPEN_EXISTING), DWORD(FILE_FLAG_OVERLAPPED), nil)
            let ov = heap.allocate(MemoryLayout<OVERLAPPED>.size).bindMemory(to: OVERLAPPED.self, capacity: 1)
            ov.pointee.hEvent = CreateEventW(nil, true, false, nil)
            let buffer = heap.allocate(64)
            var read: DWORD = 0
            var cancelCalled = false
            let ok = doCancelableRead(h, buffer, 64, &read, ov, 500, &cancelCalled)
            sim.note("DoCancelableRead returned \(ok ? "TRUE" : "FALSE"), last error \(win32ErrorName(GetLastError())), "
                + "\(read) bytes, cancel called: \(cancelCalled)")
            _ = CloseHandle(h)
            _ = CloseHandle(ov.pointee.hEvent)
        }
    }
}

/// The documentation's `DoCancelableRead` ("Canceling Pending I/O Operations"), in Swift against
/// the simulated Win32 surface.
/// It has the one correction the simulator shows is needed: a pending poll reports
/// `ERROR_IO_INCOMPLETE`, not `ERROR_IO_PENDING` (win32-facts F-DOC-1).
func doCancelableRead(_ hFile: HANDLE?, _ lpBuffer: LPVOID?, _ nNumberOfBytesToRead: DWORD,
                             _ lpNumberOfBytesRead: inout DWORD, _ lpOverlapped: LPOVERLAPPED, _ dwTimeout: DWORD,
                             _ pbCancelCalled: inout Bool) -> Bool
{
    let pollInterval: DWORD = 100
    let stillPending = DWORD(ERROR_IO_INCOMPLETE)
    pbCancelCalled = false
    lpNumberOfBytesRead = 0
    var result = ReadFile(hFile, lpBuffer, nNumberOfBytesToRead, &lpNumberOfBytesRead, lpOverlapped)
    if result { return true }
    if GetLastError() != DWORD(ERROR_IO_PENDING) { return false }

    var ioComplete = false
    var waitTimer: DWORD = 0
    while waitTimer < dwTimeout {
        result = GetOverlappedResult(hFile, lpOverlapped, &lpNumberOfBytesRead, false)
        if result {
            ioComplete = true
            break
        }
        if GetLastError() != stillPending { return false }
        Sleep(pollInterval)
        waitTimer += pollInterval
    }
    if !ioComplete {
        result = CancelIoEx(hFile, lpOverlapped)
        pbCancelCalled = true
        if result || GetLastError() != DWORD(ERROR_NOT_FOUND) {
            result = GetOverlappedResult(hFile, lpOverlapped, &lpNumberOfBytesRead, true)
        }
    }
    return result
}
