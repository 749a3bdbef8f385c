import IOKernel
import Win32Surface

extension Scenario {
    /// Microsoft Learn, "Canceling Pending I/O Operations", the synchronous part (seed
    /// `canceling-pending-io-operations.txt`): SynchronousIoWorker and the UI thread.
    static let cancelingSynchronousIO = Scenario(
        name: "canceling-synchronous-io",
        seed: "canceling-pending-io-operations.txt",
        summary: """
            The documentation's SynchronousIoWorker opens a file on a very slow device; the open blocks. The UI \
            thread, on the user's Cancel click, calls CancelSynchronousIo with the worker's handle: it returns at \
            once, the worker's CreateFile fails with ERROR_OPERATION_ABORTED, and WM_PROCESSDATA finds the \
            operation over and the status aborted.
            """
    ) { sim in
        sim.installDevice(#"\\.\veryslow"#, driver: StockDriver(open: .after(.seconds(30))))
        sim.run {
            var operationInProgress = false
            var completionStatus = DWORD(ERROR_SUCCESS)
            let worker = sim.createThread(name: "worker") {
                operationInProgress = true
                completionStatus = DWORD(ERROR_SUCCESS)
                let h = CreateFileA(#"\\.\veryslow"#, GENERIC_READ, 0, nil, DWORD(OPEN_EXISTING), 0, nil)
                if h != INVALID_HANDLE_VALUE {
                    _ = CloseHandle(h)
                } else {
                    completionStatus = GetLastError()
                }
                operationInProgress = false
                return 0
            }
            sim.note("WM_MYSYNCOPS: the worker thread is created; the UI thread goes on pumping messages")
            Sleep(200)
            sim.note("WM_MYCANCEL: the user clicks Cancel")
            let handle = OpenThread(0x1F_FFFF, false, worker.threadID)
            _ = CancelSynchronousIo(handle)
            Sleep(10)
            sim.note("WM_PROCESSDATA: in progress \(operationInProgress), status \(win32ErrorName(completionStatus))")
            _ = CloseHandle(handle)
        }
    }

    /// The same page: CancelIoEx(h, NULL) processes threads one at a time.
    static let cancelIoExThreadByThread = Scenario(
        name: "cancelioex-thread-by-thread",
        seed: "canceling-pending-io-operations.txt",
        summary: """
            Two threads each have a read pending on one file. CancelIoEx(h, NULL) cancels thread A's read in \
            thread A first; A sees its read aborted and starts a new one before thread B's read is cancelled, \
            so A's new read survives the call that was meant to cancel everything.
            """
    ) { sim in
        let device = StockDriver(completion: .manual)
        sim.installDevice(#"\\.\dev"#, driver: device)
        let heap = ScenarioHeap()
        sim.run {
            let h = CreateFileA(#"\\.\dev"#, GENERIC_READ, 0, nil, DWORD(OPEN_EXISTING), DWORD(FILE_FLAG_OVERLAPPED), nil)
            func overlapped() -> LPOVERLAPPED {
                let ov = heap.allocate(MemoryLayout<OVERLAPPED>.size).bindMemory(to: OVERLAPPED.self, capacity: 1)
                ov.pointee.hEvent = CreateEventW(nil, true, false, nil)
                return ov
            }
            let (ovA, ovB, retry) = (overlapped(), overlapped(), overlapped())
            sim.createThread(name: "A") {
                _ = ReadFile(h, heap.allocate(4), 4, nil, ovA)
                _ = WaitForSingleObject(ovA.pointee.hEvent, INFINITE)
                sim.note("A: my read was aborted; read again")
                _ = ReadFile(h, heap.allocate(4), 4, nil, retry)
                _ = WaitForSingleObject(retry.pointee.hEvent, INFINITE)
                return 0
            }
            sim.createThread(name: "B") {
                _ = ReadFile(h, heap.allocate(4), 4, nil, ovB)
                _ = WaitForSingleObject(ovB.pointee.hEvent, INFINITE)
                return 0
            }
            Sleep(1)
            sim.note("main: cancel every read on the file")
            _ = CancelIoEx(h, nil)
            sim.note("main: A's second read is still pending: \(device.pending.count) request(s) in the driver")
            device.completeNext()
            Sleep(1)
            for ov in [ovA, ovB, retry] { _ = CloseHandle(ov.pointee.hEvent) }
            _ = CloseHandle(h)
        }
    }
}
