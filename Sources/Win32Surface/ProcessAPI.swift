import IOKernel

/// Starts a simulated program as a new process. The corresponding Win32 function is
/// `CreateProcessW`.
///
/// The program is one a test installed with ``Simulation/installProgram(_:_:)``:
/// `lpApplicationName` names it by path, or, when it is NULL, the first token of
/// `lpCommandLine` does (quoted, or up to the first space; `.exe` is appended to a name without
/// an extension; a bare file name finds the program installed under that name). A name that
/// matches no program fails with `ERROR_FILE_NOT_FOUND`, as Windows fails for a missing file.
///
/// The new process gets:
/// - the command line (`lpCommandLine`, or `lpApplicationName` when it is NULL), which its
///   code reads with `GetCommandLineW`;
/// - `lpEnvironment` (ANSI, or UTF-16 with `CREATE_UNICODE_ENVIRONMENT`), or a copy of the
///   parent's;
/// - with `bInheritHandles`, a copy of every inheritable handle of the parent, at the same
///   value and referencing the same object (handle count and pointer count +1 each); with a
///   `PROC_THREAD_ATTRIBUTE_HANDLE_LIST` (`EXTENDED_STARTUPINFO_PRESENT` and a `STARTUPINFOEXW`),
///   only the handles listed, each of which must be inheritable (else `ERROR_INVALID_PARAMETER`);
/// - its standard handles: with `STARTF_USESTDHANDLES`, `hStdInput`, `hStdOutput` and
///   `hStdError` (values that mean something in the child only if inherited, as the
///   documentation warns); otherwise the parent's values, except with `DETACHED_PROCESS`,
///   `CREATE_NEW_CONSOLE` or `CREATE_NO_WINDOW`, which leave them NULL.
///
/// `PROCESS_INFORMATION` receives new handles to the process and its main thread (inheritable
/// if `lpProcessAttributes`/`lpThreadAttributes` say so) and their ids. The main thread starts
/// when the scheduler first picks it (with the default strategy, when the parent blocks), or,
/// with `CREATE_SUSPENDED`, once `ResumeThread` lets it. `CREATE_NEW_PROCESS_GROUP` is recorded
/// (``SimProcess/isProcessGroupRoot``); consoles and console control events are not simulated,
/// so the console flags change nothing else. A parent in a job makes the child a member of its
/// job, unless `CREATE_BREAKAWAY_FROM_JOB` (or `JOB_OBJECT_LIMIT_SILENT_BREAKAWAY_OK`) and the
/// job's limits let it go; breaking away from a job that does not allow it gives
/// `ERROR_ACCESS_DENIED` (JobObject.swift). `lpCurrentDirectory` is ignored. Debugging
/// (`DEBUG_PROCESS`, `DEBUG_ONLY_THIS_PROCESS`) gives `ERROR_NOT_SUPPORTED`.
@discardableResult
public func CreateProcessW(_ lpApplicationName: LPCWSTR!, _ lpCommandLine: LPWSTR!,
                           _ lpProcessAttributes: LPSECURITY_ATTRIBUTES!, _ lpThreadAttributes: LPSECURITY_ATTRIBUTES!,
                           _ bInheritHandles: Bool, _ dwCreationFlags: DWORD, _ lpEnvironment: LPVOID!,
                           _ lpCurrentDirectory: LPCWSTR!, _ lpStartupInfo: LPSTARTUPINFOW!,
                           _ lpProcessInformation: LPPROCESS_INFORMATION!) -> Bool
{
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        guard let lpStartupInfo else { return thread.fail(ERROR_INVALID_PARAMETER) }
        guard let startup = thread.load(lpStartupInfo, call: "CreateProcessW") else { return thread.fail(ERROR_NOACCESS) }
        var attributeList: LPPROC_THREAD_ATTRIBUTE_LIST?
        if dwCreationFlags & DWORD(EXTENDED_STARTUPINFO_PRESENT) != 0 {
            let extended = UnsafeRawPointer(lpStartupInfo).assumingMemoryBound(to: STARTUPINFOEXW.self)
            guard let read = thread.load(extended, call: "CreateProcessW") else { return thread.fail(ERROR_NOACCESS) }
            attributeList = read.lpAttributeList
        }
        let standard = startup.dwFlags & DWORD(STARTF_USESTDHANDLES) != 0
            ? (value(startup.hStdInput), value(startup.hStdOutput), value(startup.hStdError)) : nil
        return createProcess(thread, "CreateProcessW", wideString(lpApplicationName), wideString(lpCommandLine), lpProcessAttributes,
                             lpThreadAttributes, bInheritHandles, dwCreationFlags, lpEnvironment, standard, attributeList,
                             lpProcessInformation)
    }
}

/// Starts a simulated program as a new process. The corresponding Win32 function is
/// `CreateProcessA`; see ``CreateProcessW(_:_:_:_:_:_:_:_:_:_:)``. Without
/// `CREATE_UNICODE_ENVIRONMENT`, `lpEnvironment` is read as ANSI.
@discardableResult
public func CreateProcessA(_ lpApplicationName: LPCSTR!, _ lpCommandLine: LPSTR!,
                           _ lpProcessAttributes: LPSECURITY_ATTRIBUTES!, _ lpThreadAttributes: LPSECURITY_ATTRIBUTES!,
                           _ bInheritHandles: Bool, _ dwCreationFlags: DWORD, _ lpEnvironment: LPVOID!,
                           _ lpCurrentDirectory: LPCSTR!, _ lpStartupInfo: LPSTARTUPINFOA!,
                           _ lpProcessInformation: LPPROCESS_INFORMATION!) -> Bool
{
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        guard let lpStartupInfo else { return thread.fail(ERROR_INVALID_PARAMETER) }
        guard let startup = thread.load(lpStartupInfo, call: "CreateProcessA") else { return thread.fail(ERROR_NOACCESS) }
        var attributeList: LPPROC_THREAD_ATTRIBUTE_LIST?
        if dwCreationFlags & DWORD(EXTENDED_STARTUPINFO_PRESENT) != 0 {
            let extended = UnsafeRawPointer(lpStartupInfo).assumingMemoryBound(to: STARTUPINFOEXA.self)
            guard let read = thread.load(extended, call: "CreateProcessA") else { return thread.fail(ERROR_NOACCESS) }
            attributeList = read.lpAttributeList
        }
        let standard = startup.dwFlags & DWORD(STARTF_USESTDHANDLES) != 0
            ? (value(startup.hStdInput), value(startup.hStdOutput), value(startup.hStdError)) : nil
        return createProcess(thread, "CreateProcessA", lpApplicationName.map(callerNarrowString),
                             lpCommandLine.map { callerNarrowString($0) }, lpProcessAttributes, lpThreadAttributes, bInheritHandles,
                             dwCreationFlags, lpEnvironment, standard, attributeList, lpProcessInformation)
    }
}

private func createProcess(_ thread: SimThread, _ function: String, _ applicationName: String?, _ commandLine: String?,
                           _ processAttributes: LPSECURITY_ATTRIBUTES?, _ threadAttributes: LPSECURITY_ATTRIBUTES?,
                           _ inheritHandles: Bool, _ flags: DWORD, _ environment: LPVOID?,
                           _ standardHandles: (UInt, UInt, UInt)?, _ attributeList: LPPROC_THREAD_ATTRIBUTE_LIST?,
                           _ information: LPPROCESS_INFORMATION?) -> Bool
{
    let kernel = thread.kernel
    let call = "\(function)(\(applicationName ?? "NULL"), \(commandLine.map { "\"\($0)\"" } ?? "NULL"))"
    func failed(_ error: Int32) -> Bool {
        let result = thread.fail(error)
        thread.traceBool(call, result)
        return result
    }
    guard let information else { return failed(ERROR_INVALID_PARAMETER) }
    guard flags & DWORD(DEBUG_PROCESS | DEBUG_ONLY_THIS_PROCESS) == 0 else { return failed(ERROR_NOT_SUPPORTED) }
    guard let line = commandLine ?? applicationName else { return failed(ERROR_INVALID_PARAMETER) }
    let found = kernel.withKernelEntry {
        applicationName.map { kernel.findProgram($0, appendExe: false) } ?? kernel.findProgram(firstToken(of: line), appendExe: true)
    }
    guard let imagePath = found else { return failed(ERROR_FILE_NOT_FOUND) }
    var standard = standardHandles
    if standard == nil, flags & DWORD(DETACHED_PROCESS | CREATE_NEW_CONSOLE | CREATE_NO_WINDOW) != 0 { standard = (0, 0, 0) }
    var creation = ProcessCreation(
        imagePath: imagePath, commandLine: line,
        environment: environment.map { environmentBlock($0, unicode: flags & DWORD(CREATE_UNICODE_ENVIRONMENT) != 0) },
        inheritHandles: inheritHandles,
        handleList: attributeList.flatMap { AttributeListLayout.handleList(in: UnsafeMutableRawPointer($0), kernel: kernel) },
        standardHandles: standard.map { (input: $0.0, output: $0.1, error: $0.2) },
        suspended: flags & DWORD(CREATE_SUSPENDED) != 0, newProcessGroup: flags & DWORD(CREATE_NEW_PROCESS_GROUP) != 0,
        inheritableProcessHandle: asksForInheritance(processAttributes),
        inheritableThreadHandle: asksForInheritance(threadAttributes))
    creation.breakawayFromJob = flags & DWORD(CREATE_BREAKAWAY_FROM_JOB) != 0
    let (status, created) = kernel.withKernelEntry { kernel.ntCreateUserProcess(creation) }
    guard let created else {
        let result = thread.fail(status)
        thread.traceBool(call, result)
        return result
    }
    thread.store(PROCESS_INFORMATION(
        hProcess: HANDLE(bitPattern: created.processHandle), hThread: HANDLE(bitPattern: created.threadHandle),
        dwProcessId: created.process.processID, dwThreadId: created.thread.threadID), into: information, call: "CreateProcessW")
    thread.traceResult(call, "TRUE: process \(hex(handle: HANDLE(bitPattern: created.processHandle))) (pid 0x"
        + String(created.process.processID, radix: 16) + "), thread \(hex(handle: HANDLE(bitPattern: created.threadHandle)))")
    return true
}

/// The module name at the start of a command line: quoted, or up to the first white space.
private func firstToken(of commandLine: String) -> String {
    let line = commandLine.drop { $0 == " " || $0 == "\t" }
    if line.first == "\"" {
        return String(line.dropFirst().prefix { $0 != "\"" })
    }
    return String(line.prefix { $0 != " " && $0 != "\t" })
}

/// An environment block: `name=value` strings, each NUL-terminated, ending with an empty one.
/// A leading `=` belongs to the name (`=C:=C:\`, the per-drive directories).
private func environmentBlock(_ block: UnsafeMutableRawPointer, unicode: Bool) -> [(name: String, value: String)] {
    var strings: [String] = []
    var offset = 0
    // A block is bounded by its terminating empty string, and never read past the end of its
    // tracked block (an unterminated one is a violation); 1 MiB of characters stops a malformed
    // one in memory the simulator cannot check.
    let unitSize = unicode ? 2 : 1
    let kernel = SimThread.current?.kernel
    let units = min(1 << 20, (kernel?.readableUserBytes(from: block, call: "CreateProcess") ?? Int.max) / unitSize)
    scan: while offset < units {
        var characters: [UInt16] = []
        while true {
            guard offset < units else {
                if units < 1 << 20 { kernel?.reportUnterminatedString(at: block, call: "CreateProcess") }
                break scan
            }
            let unit = unicode ? block.load(fromByteOffset: offset * 2, as: UInt16.self)
                : UInt16(block.load(fromByteOffset: offset, as: UInt8.self))
            offset += 1
            if unit == 0 { break }
            characters.append(unit)
        }
        if characters.isEmpty { break }
        strings.append(String(decoding: characters, as: UTF16.self))
    }
    return strings.compactMap { entry in
        guard let equals = entry.dropFirst().firstIndex(of: "=") else { return nil }
        return (String(entry[..<equals]), String(entry[entry.index(after: equals)...]))
    }
}

/// The id of the process a handle names (`GetCurrentProcess()` names the caller's). The
/// corresponding Win32 function is `GetProcessId`; an invalid handle gives 0 with
/// `ERROR_INVALID_HANDLE`.
@discardableResult
public func GetProcessId(_ Process: HANDLE!) -> DWORD {
    return withCurrentThread(failure: 0) { (thread: borrowing SimThread) in
        let kernel = thread.kernel
        guard let process = kernel.withKernelEntry({ kernel.process(forHandle: value(Process)) }) else {
            _ = thread.fail(ERROR_INVALID_HANDLE)
            return 0
        }
        return process.processID
    }
}

/// A new handle to the process with id `dwProcessId`. The corresponding Win32 function is
/// `OpenProcess`; an id that names no running process gives NULL with
/// `ERROR_INVALID_PARAMETER` (as documented). Access rights are recorded, not checked.
@discardableResult
public func OpenProcess(_ dwDesiredAccess: DWORD, _ bInheritHandle: Bool, _ dwProcessId: DWORD) -> HANDLE! {
    return withCurrentThread(failure: nil) { (thread: borrowing SimThread) in
        let kernel = thread.kernel
        let (status, handle) = kernel.withKernelEntry { kernel.ntOpenProcess(processID: dwProcessId, inherit: bInheritHandle) }
        guard status.isSuccess else {
            _ = thread.fail(status)
            thread.traceResult("OpenProcess(0x\(String(dwProcessId, radix: 16)))", "NULL")
            return nil
        }
        let result = HANDLE(bitPattern: handle)
        thread.traceResult("OpenProcess(0x\(String(dwProcessId, radix: 16)))", hex(handle: result))
        return result
    }
}

/// Terminates a process and all its threads. The corresponding Win32 function is
/// `TerminateProcess`.
///
/// As documented, it "initiates termination and returns immediately": each thread of the
/// process stops at its next return from the kernel (a wait it is blocked in ends first; a
/// thread never started, or suspended, runs none of its code), cancelling its I/O as it goes
/// (F-EXIT-5); the last one runs the process down (every handle of the process closed), and
/// the process object is signalled with exit code `uExitCode`. Wait on the process handle to
/// know it has exited. A process that has exited or is exiting gives `ERROR_ACCESS_DENIED`
/// (`STATUS_PROCESS_IS_TERMINATING`). Terminating the calling process is `ExitProcess`; the
/// process `Simulation.run` runs cannot be ended (`ERROR_NOT_SUPPORTED`).
@discardableResult
public func TerminateProcess(_ hProcess: HANDLE!, _ uExitCode: UINT) -> Bool {
    // The calling process ends as with ExitProcess, called once this call's own frames have
    // returned: ExitProcess does not come back, and what a frame it leaves holds (the kernel,
    // the process) would stay allocated.
    let outcome: Bool? = withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        let kernel = thread.kernel
        let call = "TerminateProcess(\(hex(handle: hProcess)), \(uExitCode))"
        guard let target = kernel.withKernelEntry({ kernel.process(forHandle: value(hProcess)) }) else {
            let result = thread.fail(ERROR_INVALID_HANDLE)
            thread.traceBool(call, result)
            return result
        }
        if target === thread.process, target.exitCode == nil, kernel.canExitProcess { return nil }
        let status = kernel.withKernelEntry { kernel.ntTerminateProcess(target, code: uExitCode) }
        let result = status.isSuccess ? true : thread.fail(status)
        thread.traceBool(call, result)
        return result
    }
    guard let outcome else { ExitProcess(uExitCode) }
    return outcome
}

/// Lets a suspended thread run: its suspend count goes down by one. The corresponding Win32
/// function is `ResumeThread`; it returns the previous count (1 for the main thread of a
/// process created with `CREATE_SUSPENDED`, 0 for a thread that was not suspended), or
/// `(DWORD)-1` with `ERROR_INVALID_HANDLE`.
@discardableResult
public func ResumeThread(_ hThread: HANDLE!) -> DWORD {
    return withCurrentThread(failure: DWORD.max) { (thread: borrowing SimThread) in
        let kernel = thread.kernel
        guard let target = kernel.withKernelEntry({ kernel.thread(forHandle: value(hThread)) }) else {
            _ = thread.fail(ERROR_INVALID_HANDLE)
            return DWORD.max
        }
        let previous = kernel.withKernelEntry { kernel.ntResumeThread(target) }
        thread.traceResult("ResumeThread(\(hex(handle: hThread)))", "\(previous)")
        return previous
    }
}
