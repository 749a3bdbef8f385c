import IOKernel
import Win32Surface
import XCTest

/// The child program most process scenarios start: it writes `count` bytes of `A` to its
/// standard output and returns 0 (its exit code).
func installWriter(_ sim: Simulation, _ path: String = #"C:\tools\child.exe"#, count: Int = 1024) {
    sim.installProgram(path) {
        let out = GetStdHandle(STD_OUTPUT_HANDLE)
        let data = [UInt8](repeating: 0x41, count: count)
        var written: DWORD = 0
        let ok = data.withUnsafeBytes { WriteFile(out, $0.baseAddress, DWORD(count), &written, nil) }
        return ok && written == DWORD(count) ? 0 : 1
    }
}

/// `SECURITY_ATTRIBUTES` asking for an inheritable handle, as the "Creating a Child Process
/// with Redirected Input and Output" sample fills it in.
func inheritable() -> SECURITY_ATTRIBUTES {
    var attributes = SECURITY_ATTRIBUTES()
    attributes.nLength = DWORD(MemoryLayout<SECURITY_ATTRIBUTES>.size)
    attributes.bInheritHandle = true
    return attributes
}

/// The parent's side of a child's redirected standard output, as libuv and swift-subprocess
/// make it: an inbound, overlapped pipe server the parent reads, and a synchronous, inheritable
/// client end for the child to write.
func childOutputPipe(_ name: String) -> (read: HANDLE?, write: HANDLE?) {
    let read = CreateNamedPipeA(#"\\.\pipe\"# + name, DWORD(PIPE_ACCESS_INBOUND) | DWORD(FILE_FLAG_OVERLAPPED),
                                DWORD(PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT), 1, 4096, 4096, 0, nil)
    var attributes = inheritable()
    let write = CreateFileA(#"\\.\pipe\"# + name, DWORD(GENERIC_WRITE), 0, &attributes, DWORD(OPEN_EXISTING), 0, nil)
    return (read, write)
}

/// `CreateProcessW` with `STARTF_USESTDHANDLES` (the standard output given, input and error
/// none) and `bInheritHandles`; returns its result and the `PROCESS_INFORMATION`.
func startChild(_ commandLine: String, stdout: HANDLE?, inherit: Bool = true, flags: DWORD = 0,
                attributeList: LPPROC_THREAD_ATTRIBUTE_LIST? = nil) -> (ok: Bool, info: PROCESS_INFORMATION)
{
    var startup = STARTUPINFOEXW()
    startup.StartupInfo.cb = DWORD(MemoryLayout<STARTUPINFOEXW>.size)
    startup.StartupInfo.dwFlags = DWORD(STARTF_USESTDHANDLES)
    startup.StartupInfo.hStdOutput = stdout
    startup.lpAttributeList = attributeList
    var info = PROCESS_INFORMATION()
    var line = Array(commandLine.utf16) + [0]
    let extended = attributeList == nil ? 0 : DWORD(EXTENDED_STARTUPINFO_PRESENT)
    let ok = withUnsafeMutablePointer(to: &startup) { pointer in
        pointer.withMemoryRebound(to: STARTUPINFOW.self, capacity: 1) { startupInfo in
            CreateProcessW(nil, &line, nil, nil, inherit, flags | extended, nil, nil, startupInfo, &info)
        }
    }
    return (ok, info)
}
