import IOKernel
import Win32Surface

extension Scenario {
    /// Raymond Chen, "Ready… cancel… wait for it! (part 2)" (seed
    /// `cancel-then-wait-readfileex.txt`).
    static let cancelThenWaitReadFileEx = Scenario(
        name: "cancel-then-wait-readfileex",
        seed: "cancel-then-wait-readfileex.txt",
        summary: """
            ReadFileEx pends; CancelIoEx; GetOverlappedResult(bWait: TRUE) returns ERROR_OPERATION_ABORTED, but it \
            waited non-alertably and neither ran nor revoked the completion routine. The next SleepEx(…, TRUE) \
            runs the routine with error 995, and the routine frees the heap OVERLAPPED as its final act: the \
            pattern that works.
            """
    ) { sim in
        let device = StockDriver(completion: .manual)
        sim.installDevice(#"\\.\slow"#, driver: device)
        sim.run {
            let h = CreateFileA(#"\\.\slow"#, GENERIC_READ, 0, nil, DWORD(OPEN_EXISTING), DWORD(FILE_FLAG_OVERLAPPED), nil)
            let ov = HeapAlloc(GetProcessHeap(), DWORD(HEAP_ZERO_MEMORY), SIZE_T(MemoryLayout<OVERLAPPED>.size))?
                .bindMemory(to: OVERLAPPED.self, capacity: 1)
            let buffer = HeapAlloc(GetProcessHeap(), 0, 64)
            _ = ReadFileEx(h, buffer, 64, ov) { error, transferred, overlapped in
                // The completion routine: the OVERLAPPED is the routine's to free, as its final act.
                _ = HeapFree(GetProcessHeap(), 0, overlapped)
            }
            _ = CancelIoEx(h, ov)
            var transferred: DWORD = 0
            _ = GetOverlappedResult(h, ov, &transferred, true)
            sim.note("GetOverlappedResult waited without being alertable: the completion routine is still queued")
            _ = SleepEx(0, true)
            sim.note("the routine has run and freed the OVERLAPPED; the buffer is free to go too")
            _ = HeapFree(GetProcessHeap(), 0, buffer)
            _ = CloseHandle(h)
        }
    }
}
