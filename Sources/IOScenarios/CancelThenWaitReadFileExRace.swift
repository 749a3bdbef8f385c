import IOKernel
import Win32Surface

extension Scenario {
    /// Raymond Chen, "Ready… cancel… wait for it! (part 2)" (seed
    /// `cancel-then-wait-readfileex.txt`): the customer's code, which applies part 1's fix to a
    /// `ReadFileEx`, and is still wrong.
    static let cancelThenWaitReadFileExRace = Scenario(
        name: "cancel-then-wait-readfileex-race",
        seed: "cancel-then-wait-readfileex.txt",
        summary: """
            The customer's code: ReadFileEx into a stack OVERLAPPED on a device that takes 50 ms, 20 ms of other \
            work, CancelIoEx, GetOverlappedResult(bWait: TRUE), return. GetOverlappedResult waited without being \
            alertable, so the completion routine is still queued when the frame is freed, and the next alertable \
            wait hands it the freed OVERLAPPED. Explored (iosim explore), the cancel can also lose the race: the \
            read completes just before CancelIoEx, and the routine is told success, not ERROR_OPERATION_ABORTED.
            """
    ) { sim in
        sim.installDevice(#"\\.\disk"#, driver: StockDriver(completion: .after(.milliseconds(50)), cancellation: .supported))
        sim.run {
            let h = CreateFileA(#"\\.\disk"#, GENERIC_READ, 0, nil, DWORD(OPEN_EXISTING), DWORD(FILE_FLAG_OVERLAPPED), nil)
            sim.memory.withFrame("readThenCancel") { frame in
                let o = frame.local(OVERLAPPED.self, "o")
                let buffer = frame.localBytes(64, "buffer")
                _ = ReadFileEx(h, buffer, 64, o) { _, _, _ in }
                Sleep(20)
                _ = CancelIoEx(h, o)
                var transferred: DWORD = 0
                _ = GetOverlappedResult(h, o, &transferred, true)
                sim.note("GetOverlappedResult is back: the customer assumes the routine will not be called, and returns")
            }
            _ = SleepEx(100, true)
            _ = CloseHandle(h)
        }
    }

    /// The seed's fix for the same code: the OVERLAPPED lives on the heap and the completion
    /// routine frees it as its final act.
    static let cancelThenWaitReadFileExRaceFixed = Scenario(
        name: "cancel-then-wait-readfileex-race-fixed",
        seed: "cancel-then-wait-readfileex.txt",
        summary: """
            The seed's fix, with the same timing: the OVERLAPPED is allocated on the heap and the completion \
            routine frees it as its final act, so whichever way the cancel races the read, nothing is freed \
            while the kernel or the routine still has it.
            """
    ) { sim in
        sim.installDevice(#"\\.\disk"#, driver: StockDriver(completion: .after(.milliseconds(50)), cancellation: .supported))
        sim.run {
            let h = CreateFileA(#"\\.\disk"#, GENERIC_READ, 0, nil, DWORD(OPEN_EXISTING), DWORD(FILE_FLAG_OVERLAPPED), nil)
            let o = HeapAlloc(GetProcessHeap(), DWORD(HEAP_ZERO_MEMORY), SIZE_T(MemoryLayout<OVERLAPPED>.size))?
                .bindMemory(to: OVERLAPPED.self, capacity: 1)
            let buffer = HeapAlloc(GetProcessHeap(), 0, 64)
            _ = ReadFileEx(h, buffer, 64, o) { _, _, overlapped in
                _ = HeapFree(GetProcessHeap(), 0, overlapped)
            }
            Sleep(20)
            _ = CancelIoEx(h, o)
            var transferred: DWORD = 0
            _ = GetOverlappedResult(h, o, &transferred, true)
            _ = SleepEx(100, true)
            sim.note("the routine has run and freed the OVERLAPPED; the buffer is free to go too")
            _ = HeapFree(GetProcessHeap(), 0, buffer)
            _ = CloseHandle(h)
        }
    }

    /// The seed's wrong code under a debugger: a breakpoint on the return statement.
    static let overlappedMustOutliveTheIODebugger = Scenario(
        name: "overlapped-must-outlive-the-io-debugger",
        seed: "overlapped-must-outlive-the-io.txt",
        summary: """
            The seed's wrong code with a breakpoint on its return statement: the program stands still for 100 ms \
            in the debugger while the device goes on, the cancellation lands at 1030 ms, and when the function \
            returns the I/O is over. "No memory corruption": the bug does not reproduce under the debugger.
            """
    ) { sim in
        let device = StockDriver(completion: .after(.seconds(10)), cancellation: .slow(.milliseconds(30)))
        sim.installDevice(#"\\.\disk"#, driver: device)
        sim.run {
            let h = CreateFileA(#"\\.\disk"#, GENERIC_READ, 0, nil, DWORD(OPEN_EXISTING), DWORD(FILE_FLAG_OVERLAPPED), nil)
            _ = readWithTimeout(sim, h) { _, _ in sim.breakpoint("return WAIT_TIMEOUT", for: .milliseconds(100)) }
            Sleep(100)
            _ = CloseHandle(h)
        }
    }
}
