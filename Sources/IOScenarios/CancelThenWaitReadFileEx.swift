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
        let heap = ScenarioHeap()
        sim.run {
            let h = CreateFileA(#"\\.\slow"#, GENERIC_READ, 0, nil, DWORD(OPEN_EXISTING), DWORD(FILE_FLAG_OVERLAPPED), nil)
            let ov = heap.allocate(MemoryLayout<OVERLAPPED>.size).bindMemory(to: OVERLAPPED.self, capacity: 1)
            let buffer = heap.allocate(64)
            _ = ReadFileEx(h, buffer, 64, ov) { error, transferred, overlapped in
                // The completion routine: the OVERLAPPED is the routine's to free, as its final act.
                overlapped?.pointee.Pointer = UnsafeMutableRawPointer(bitPattern: 0x995)
            }
            _ = CancelIoEx(h, ov)
            var transferred: DWORD = 0
            _ = GetOverlappedResult(h, ov, &transferred, true)
            sim.note("GetOverlappedResult waited without being alertable: the completion routine is still queued")
            _ = SleepEx(0, true)
            sim.note("only now may the OVERLAPPED be freed: the routine has run")
            _ = CloseHandle(h)
        }
    }
}
