import IOKernel
import Win32Surface

extension Scenario {
    /// The seed `close-handle-with-pending-read.txt` again, on a named pipe: unlike the driver
    /// that ignores cleanup, the pipe driver completes the pending read at `IRP_MJ_CLEANUP`.
    static let closeHandleWithPendingReadOnAPipe = Scenario(
        name: "close-handle-with-pending-read-on-a-pipe",
        seed: "close-handle-with-pending-read.txt",
        summary: """
            The same story on a named pipe, whose driver does handle cleanup: closing the client's last handle \
            sends IRP_MJ_CLEANUP, the pipe driver completes the pending read with STATUS_PIPE_BROKEN \
            (ERROR_BROKEN_PIPE), the completion reaches the OVERLAPPED and the event, and then the file object's \
            last reference goes (IRP_MJ_CLOSE). The server end is broken from then on.
            """
    ) { sim in
        sim.run {
            let overlapped = DWORD(FILE_FLAG_OVERLAPPED)
            let server = CreateNamedPipeA(#"\\.\pipe\seed"#, DWORD(PIPE_ACCESS_DUPLEX) | overlapped, DWORD(PIPE_TYPE_BYTE), 1,
                                          4096, 4096, 0, nil)
            let client = CreateFileA(#"\\.\pipe\seed"#, GENERIC_READ | DWORD(GENERIC_WRITE), 0, nil, DWORD(OPEN_EXISTING),
                                     overlapped, nil)
            let ov = HeapAlloc(GetProcessHeap(), DWORD(HEAP_ZERO_MEMORY), SIZE_T(MemoryLayout<OVERLAPPED>.size))?
                .bindMemory(to: OVERLAPPED.self, capacity: 1)
            ov?.pointee.hEvent = CreateEventW(nil, true, false, nil)
            let buffer = HeapAlloc(GetProcessHeap(), 0, 64)
            _ = ReadFile(client, buffer, 64, nil, ov)
            sim.note("shutting down: close the client's handle with the read pending")
            _ = CloseHandle(client)
            var transferred: DWORD = 0
            _ = GetOverlappedResult(client, ov, &transferred, false)
            sim.note("the read completed inside CloseHandle: the OVERLAPPED is final, so it may be freed")
            _ = CloseHandle(ov?.pointee.hEvent)
            _ = HeapFree(GetProcessHeap(), 0, ov)
            _ = HeapFree(GetProcessHeap(), 0, buffer)
            var written: DWORD = 0
            var writeOverlapped = OVERLAPPED()
            _ = WriteFile(server, nil, 0, &written, &writeOverlapped)
            sim.note("the server's end is broken: its writes fail with ERROR_NO_DATA")
            _ = CloseHandle(server)
        }
    }
}
