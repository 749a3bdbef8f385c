import Dispatch
import IOKernel
import Win32Surface

/// Process spawns: the parent makes an inbound pipe, starts child.exe with the write end as
/// its inherited standard output, closes its copy, and reads until the pipe breaks; the child
/// writes 1 KiB and exits. One simulation, `count` children one after another. Returns spawns
/// per second and the simulated context switches each one cost.
func processSpawnRoundTrips(count: Int) -> (rate: Double, switchesPerSpawn: Double) {
    let sim = Simulation(options: options(tracking: false))
    sim.installProgram(#"C:\tools\child.exe"#) {
        let out = GetStdHandle(STD_OUTPUT_HANDLE)
        let data = [UInt8](repeating: 0x41, count: 1024)
        var written: DWORD = 0
        return data.withUnsafeBytes { WriteFile(out, $0.baseAddress, 1024, &written, nil) } ? 0 : 1
    }
    let buffer = UnsafeMutableRawPointer.allocate(byteCount: 4096, alignment: 16)
    defer { buffer.deallocate() }
    var failures = 0
    let start = DispatchTime.now().uptimeNanoseconds
    let switchesBefore = sim.contextSwitches
    sim.run {
        var attributes = SECURITY_ATTRIBUTES()
        attributes.nLength = DWORD(MemoryLayout<SECURITY_ATTRIBUTES>.size)
        attributes.bInheritHandle = true
        var commandLine = Array(#"C:\tools\child.exe"#.utf16) + [0]
        for _ in 0..<count {
            let name = #"\\.\pipe\spawn"#
            let read = CreateNamedPipeA(name, DWORD(PIPE_ACCESS_INBOUND), DWORD(PIPE_TYPE_BYTE), 1, 4096, 4096, 0, nil)
            let write = CreateFileA(name, DWORD(GENERIC_WRITE), 0, &attributes, DWORD(OPEN_EXISTING), 0, nil)
            var startup = STARTUPINFOW()
            startup.cb = DWORD(MemoryLayout<STARTUPINFOW>.size)
            startup.dwFlags = DWORD(STARTF_USESTDHANDLES)
            startup.hStdOutput = write
            var info = PROCESS_INFORMATION()
            _ = CreateProcessW(nil, &commandLine, nil, nil, true, 0, nil, nil, &startup, &info)
            _ = CloseHandle(write)
            _ = CloseHandle(info.hThread)
            var total: DWORD = 0
            var n: DWORD = 0
            while ReadFile(read, buffer, 4096, &n, nil) { total += n }
            if total != 1024 || GetLastError() != DWORD(ERROR_BROKEN_PIPE) { failures += 1 }
            _ = WaitForSingleObject(info.hProcess, INFINITE)
            _ = CloseHandle(info.hProcess)
            _ = CloseHandle(read)
        }
    }
    let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    if failures > 0 { print("warning: \(failures) spawns did not behave as expected") }
    return (Double(count) / elapsed, Double(sim.contextSwitches - switchesBefore) / Double(max(count, 1)))
}
