import IOKernel
import Win32Surface

extension Scenario {
    /// A parent reads its child's standard output through an overlapped pipe on a completion
    /// port, as subprocess libraries on Windows do, following Microsoft's "Creating a Child
    /// Process with Redirected Input and Output" (issue 14).
    static let parentReadsChildOutput = Scenario(
        name: "parent-reads-child-output",
        seed: "close-handle-with-pending-read.txt",
        summary: """
            A parent makes an inbound overlapped pipe, binds its end to a completion port, passes the other end \
            to child.exe as its inheritable standard output and closes its own copy, as Microsoft's sample says it \
            must. The child writes 1 KiB and exits; its rundown closes the last handle of the write end, so the \
            parent's read completes with the data, and the next read fails with ERROR_BROKEN_PIPE. The timeline \
            shows both processes' threads.
            """
    ) { sim in
        sim.installProgram(#"C:\tools\child.exe"#) {
            let out = GetStdHandle(STD_OUTPUT_HANDLE)
            let data = [UInt8](repeating: 0x41, count: 1024)
            var written: DWORD = 0
            let ok = data.withUnsafeBytes { WriteFile(out, $0.baseAddress, 1024, &written, nil) }
            return ok ? 0 : 1
        }
        let heap = ScenarioHeap()
        sim.run {
            let name = #"\\.\pipe\child-out"#
            let read = CreateNamedPipeA(name, DWORD(PIPE_ACCESS_INBOUND) | DWORD(FILE_FLAG_OVERLAPPED),
                                        DWORD(PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT), 1, 4096, 4096, 0, nil)
            var attributes = SECURITY_ATTRIBUTES()
            attributes.nLength = DWORD(MemoryLayout<SECURITY_ATTRIBUTES>.size)
            attributes.bInheritHandle = true
            let write = CreateFileA(name, DWORD(GENERIC_WRITE), 0, &attributes, DWORD(OPEN_EXISTING), 0, nil)
            let port = CreateIoCompletionPort(read, nil, 1, 0)
            let ov = heap.allocate(MemoryLayout<OVERLAPPED>.size).bindMemory(to: OVERLAPPED.self, capacity: 1)
            let buffer = heap.allocate(4096)
            _ = ReadFile(read, buffer, 4096, nil, ov)

            var startup = STARTUPINFOW()
            startup.cb = DWORD(MemoryLayout<STARTUPINFOW>.size)
            startup.dwFlags = DWORD(STARTF_USESTDHANDLES)
            startup.hStdOutput = write
            var info = PROCESS_INFORMATION()
            var commandLine = Array(#"C:\tools\child.exe"#.utf16) + [0]
            _ = CreateProcessW(nil, &commandLine, nil, nil, true, 0, nil, nil, &startup, &info)
            sim.note("the parent closes its copy of the child's end: the child's exit can now break the pipe")
            _ = CloseHandle(write)
            _ = CloseHandle(info.hThread)

            var bytes: DWORD = 0
            var key: ULONG_PTR = 0
            var completed: LPOVERLAPPED?
            _ = GetQueuedCompletionStatus(port, &bytes, &key, &completed, INFINITE)
            sim.note("the parent has the child's \(bytes) bytes; the next read finds the pipe broken")
            _ = ReadFile(read, buffer, 4096, nil, ov)
            _ = WaitForSingleObject(info.hProcess, INFINITE)
            var code: DWORD = 0
            _ = GetExitCodeProcess(info.hProcess, &code)
            _ = CloseHandle(info.hProcess)
            _ = CloseHandle(port)
            _ = CloseHandle(read)
        }
    }
}
