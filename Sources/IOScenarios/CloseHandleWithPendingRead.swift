import IOKernel
import Win32Surface

extension Scenario {
    /// Raymond Chen, "Why doesn't my asynchronous read operation complete when I close the
    /// handle?" (seed `close-handle-with-pending-read.txt`).
    static let closeHandleWithPendingRead = Scenario(
        name: "close-handle-with-pending-read",
        seed: "close-handle-with-pending-read.txt",
        summary: """
            A read is pending on a device whose driver ignores cleanup. Closing the handle drops the \
            handle count to 0, but the read's own reference keeps the file object alive (pointer count 1): \
            nothing completes, and IRP_MJ_CLOSE waits until the device finishes the read. Then the right \
            way: cancel, wait for the cancelled read, and only then close.
            """
    ) { sim in
        let device = StockDriver(completion: .after(.seconds(2)), cleanup: .ignoresPending)
        sim.installDevice(#"\\.\slow"#, driver: device)
        let heap = ScenarioHeap()
        sim.run {
            let flags = DWORD(FILE_FLAG_OVERLAPPED)
            let h = CreateFileA(#"\\.\slow"#, GENERIC_READ, 0, nil, DWORD(OPEN_EXISTING), flags, nil)
            let ov = heap.allocate(MemoryLayout<OVERLAPPED>.size).bindMemory(to: OVERLAPPED.self, capacity: 1)
            ov.pointee.hEvent = CreateEventW(nil, true, false, nil)
            let buffer = heap.allocate(64)
            _ = ReadFile(h, buffer, 64, nil, ov)
            let file = sim.fileObject(h)
            sim.note("shutting down: close the file handle, expecting the read to fail")
            _ = CloseHandle(h)
            if let file { sim.note("!object after CloseHandle:\n" + sim.dump(file).description) }
            sim.note("nothing completes: the read holds its own reference to the file object")
            _ = WaitForSingleObject(ov.pointee.hEvent, 500)
            sim.note("the device finishes the read on its own, much later; only then is IRP_MJ_CLOSE sent")
            var transferred: DWORD = 0
            _ = GetOverlappedResult(h, ov, &transferred, true)
            if let file { sim.note("!object at the end:\n" + sim.dump(file).description) }

            sim.note("the right way: CancelIoEx, wait for the cancelled read, then CloseHandle")
            let h2 = CreateFileA(#"\\.\slow"#, GENERIC_READ, 0, nil, DWORD(OPEN_EXISTING), flags, nil)
            _ = ReadFile(h2, buffer, 64, nil, ov)
            _ = CancelIoEx(h2, ov)
            _ = GetOverlappedResult(h2, ov, &transferred, true)
            _ = CloseHandle(h2)
            _ = CloseHandle(ov.pointee.hEvent)
        }
    }
}
