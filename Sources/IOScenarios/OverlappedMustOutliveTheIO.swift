import IOKernel
import Win32Surface

extension Scenario {
    /// Raymond Chen, "The OVERLAPPED structure must remain valid until the I/O completes"
    /// (seed `overlapped-must-outlive-the-io.txt`): the wrong code.
    static let overlappedMustOutliveTheIO = Scenario(
        name: "overlapped-must-outlive-the-io",
        seed: "overlapped-must-outlive-the-io.txt",
        summary: """
            The seed's wrong code: a read into a stack OVERLAPPED and buffer, a 1-second wait that times out, \
            CancelIo, and return. The device's cancellation takes 30 ms, so the kernel writes STATUS_CANCELLED \
            into the OVERLAPPED and signals the event after the function has returned and its frame is gone. \
            The simulator reports the free at the return and the kernel's write into the freed frame.
            """
    ) { sim in
        let device = StockDriver(completion: .after(.seconds(10)), cancellation: .slow(.milliseconds(30)))
        sim.installDevice(#"\\.\disk"#, driver: device)
        sim.run {
            let h = CreateFileA(#"\\.\disk"#, GENERIC_READ, 0, nil, DWORD(OPEN_EXISTING), DWORD(FILE_FLAG_OVERLAPPED), nil)
            _ = readWithTimeout(sim, h)
            sim.note("the caller goes on; the frame that held o and buffer belongs to other code now")
            Sleep(100)
            _ = CloseHandle(h)
        }
    }

    /// The wrong code again, with freed memory reused as a real stack reuses it.
    static let overlappedMustOutliveTheIOReusedMemory = Scenario(
        name: "overlapped-must-outlive-the-io-reused-memory",
        seed: "overlapped-must-outlive-the-io.txt",
        summary: """
            The wrong code with freed memory reused, as on Windows: after readWithTimeout returns, the caller \
            calls another function whose local OVERLAPPED o2 takes the freed o's place. 30 ms later the kernel \
            writes the cancelled read's STATUS_CANCELLED into o2: "corrupting the stack of whatever function \
            happens to be running right now", caught and named.
            """,
        memory: MemoryOptions(reuseFreedMemory: true)
    ) { sim in
        let device = StockDriver(completion: .after(.seconds(10)), cancellation: .slow(.milliseconds(30)))
        sim.installDevice(#"\\.\disk"#, driver: device)
        sim.run {
            let h = CreateFileA(#"\\.\disk"#, GENERIC_READ, 0, nil, DWORD(OPEN_EXISTING), DWORD(FILE_FLAG_OVERLAPPED), nil)
            _ = readWithTimeout(sim, h)
            sim.memory.withFrame("nextFunction") { frame in
                let o2 = frame.local(OVERLAPPED.self, "o2")
                sim.note("enter nextFunction: its OVERLAPPED o2 reads Internal = \(o2.pointee.Internal)")
                Sleep(100)
                sim.note("nextFunction looks at o2 again: Internal = \(NTStatus(rawValue: UInt32(truncatingIfNeeded: o2.pointee.Internal)).name), written by no one it knows")
            }
            _ = CloseHandle(h)
        }
    }

    /// The same code with the seed's fix: wait for the cancelled read before returning.
    static let overlappedMustOutliveTheIOFixed = Scenario(
        name: "overlapped-must-outlive-the-io-fixed",
        seed: "overlapped-must-outlive-the-io.txt",
        summary: """
            The seed's fix: after CancelIo, GetOverlappedResult(bWait: TRUE) waits for the cancelled read, so \
            the kernel writes the OVERLAPPED 30 ms later but before the function returns and frees it.
            """
    ) { sim in
        let device = StockDriver(completion: .after(.seconds(10)), cancellation: .slow(.milliseconds(30)))
        sim.installDevice(#"\\.\disk"#, driver: device)
        sim.run {
            let h = CreateFileA(#"\\.\disk"#, GENERIC_READ, 0, nil, DWORD(OPEN_EXISTING), DWORD(FILE_FLAG_OVERLAPPED), nil)
            _ = readWithTimeout(sim, h) { h, o in
                var transferred: DWORD = 0
                _ = GetOverlappedResult(h, o, &transferred, true)
                sim.note("the read is over (\(win32ErrorName(GetLastError()))): now it is safe to return")
            }
            Sleep(100)
            _ = CloseHandle(h)
        }
    }
}

/// The seed's function, as the seed writes it, with its locals in a tracked stack frame:
/// `OVERLAPPED o` and `BYTE buffer[1024]` are freed when it returns. It reads with a 1-second
/// timeout and, on timeout, calls `CancelIo`, then `afterCancel` (nothing in the seed's wrong
/// code; the seed's fix, or a debugger pause, in its variants), and returns `WAIT_TIMEOUT`.
public func readWithTimeout(_ sim: Simulation, _ h: HANDLE?,
                            afterCancel: (HANDLE?, LPOVERLAPPED) -> Void = { _, _ in }) -> DWORD
{
    sim.memory.withFrame("readWithTimeout") { frame in
        sim.note("enter readWithTimeout: OVERLAPPED o and BYTE buffer[1024] live in its stack frame")
        let o = frame.local(OVERLAPPED.self, "o")
        let buffer = frame.localBytes(1024, "buffer")
        o.pointee.hEvent = CreateEventW(nil, true, false, nil)
        defer { _ = CloseHandle(o.pointee.hEvent) }
        if ReadFile(h, buffer, 1024, nil, o) || GetLastError() == DWORD(ERROR_IO_PENDING) {
            if WaitForSingleObject(o.pointee.hEvent, 1000) != WAIT_OBJECT_0 {
                sim.note("took longer than 1 second: cancel it and give up")
                _ = CancelIo(h)
                afterCancel(h, o)
                sim.note("return WAIT_TIMEOUT: the frame holding o and buffer is freed here")
                return DWORD(WAIT_TIMEOUT)
            }
        }
        return 0
    }
}
