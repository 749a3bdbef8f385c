import IOKernel

/// Creates a job object, or opens the one with that name. The corresponding Win32 function is
/// `CreateJobObjectW`.
///
/// A new job has no processes, no limits and is not signalled. A name that exists already
/// gives a new handle to that job with `ERROR_ALREADY_EXISTS` (as for events); a name an event
/// or a file mapping holds is NULL with `ERROR_INVALID_HANDLE`, as the namespace is shared
/// (`Local\` and `Global\` as for ``CreateEventW(_:_:_:_:)``).
/// `lpJobAttributes.bInheritHandle` makes the handle inheritable; security descriptors are not
/// checked. See JobObject.swift for what jobs do in the simulation.
@discardableResult
public func CreateJobObjectW(_ lpJobAttributes: LPSECURITY_ATTRIBUTES!, _ lpName: LPCWSTR!) -> HANDLE! {
    return withCurrentThread(failure: nil) { (thread: borrowing SimThread) in
        return createJob(thread, lpJobAttributes, lpName.map(callerWideString))
    }
}

/// Creates or opens a job object. The corresponding Win32 function is `CreateJobObjectA`; see
/// ``CreateJobObjectW(_:_:)``.
@discardableResult
public func CreateJobObjectA(_ lpJobAttributes: LPSECURITY_ATTRIBUTES!, _ lpName: LPCSTR!) -> HANDLE! {
    return withCurrentThread(failure: nil) { (thread: borrowing SimThread) in
        return createJob(thread, lpJobAttributes, lpName.map(callerNarrowString))
    }
}

private func createJob(_ thread: SimThread, _ attributes: LPSECURITY_ATTRIBUTES?, _ name: String?) -> HANDLE? {
    let kernel = thread.kernel
    let (status, handle, existed) = createNamedObject(name) { key in
        kernel.withKernelEntry { kernel.ntCreateJobObject(name: key, inherit: asksForInheritance(attributes)) }
    }
    guard status.isSuccess else {
        _ = thread.fail(status)
        thread.traceResult("CreateJobObject(\(name ?? "NULL"))", "NULL, \(win32ErrorName(thread.lastError))")
        return nil
    }
    thread.setLastError(existed ? DWORD(ERROR_ALREADY_EXISTS) : DWORD(ERROR_SUCCESS))
    let result = HANDLE(bitPattern: handle)
    thread.traceResult("CreateJobObject(\(name ?? "NULL"))", hex(handle: result))
    return result
}

/// Puts a process in a job. The corresponding Win32 function is `AssignProcessToJobObject`.
///
/// After this the process is in the job for good, and the children it creates join the job
/// too (unless they break away). A process already in a job can be put in another only to
/// nest: the job must be empty (it is nested under the process's job) or already in the
/// process's hierarchy of jobs (Microsoft's AssignProcessToJobObject and "Nested Jobs"); any
/// other is `ERROR_ACCESS_DENIED`, as is a process that has exited or is exiting (Wine's
/// `test_TerminateJobObject`). A handle that is not a job, or not a process, gives
/// `ERROR_INVALID_HANDLE`.
@discardableResult
public func AssignProcessToJobObject(_ hJob: HANDLE!, _ hProcess: HANDLE!) -> Bool {
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        let kernel = thread.kernel
        let status: NTStatus = kernel.withKernelEntry {
            let (job, status) = kernel.job(forHandle: value(hJob))
            guard let job else { return status }
            guard let process = kernel.process(forHandle: value(hProcess)) else { return .invalidHandle }
            return kernel.ntAssignProcessToJobObject(job, process)
        }
        let result = status.isSuccess ? true : thread.fail(status)
        thread.traceBool("AssignProcessToJobObject(\(hex(handle: hJob)), \(hex(handle: hProcess)))", result)
        return result
    }
}

/// Terminates every process in a job. The corresponding Win32 function is `TerminateJobObject`.
///
/// Each process of the job, and of the jobs nested in it, is terminated with exit code
/// `uExitCode` as `TerminateProcess` terminates one (asynchronously: wait on a process to know
/// it has exited), and the job object is signalled (Wine's `test_TerminateJobObject` and
/// `test_WaitForJobObject`). If the calling process is in the job, it is terminated last,
/// and the call does not return. The process `Simulation.run` runs cannot be ended by another
/// process and is left running. A handle that is not a job gives `ERROR_INVALID_HANDLE`.
@discardableResult
public func TerminateJobObject(_ hJob: HANDLE!, _ uExitCode: UINT) -> Bool {
    // The calling process, if in the job, ends once this call's own frames have returned (see
    // TerminateProcess).
    let outcome: Bool? = withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        let kernel = thread.kernel
        let call = "TerminateJobObject(\(hex(handle: hJob)), \(uExitCode))"
        let (status, exitCaller): (NTStatus, Bool) = kernel.withKernelEntry {
            let (job, status) = kernel.job(forHandle: value(hJob))
            guard let job else { return (status, false) }
            return kernel.ntTerminateJobObject(job, code: uExitCode)
        }
        guard status.isSuccess else {
            let result = thread.fail(status)
            thread.traceBool(call, result)
            return result
        }
        thread.traceBool(call, true)
        return exitCaller ? nil : true
    }
    guard let outcome else { ExitProcess(uExitCode) }
    return outcome
}

/// Whether a process is in a job. The corresponding Win32 function is `IsProcessInJob`.
///
/// `*Result` is TRUE if the process is in `JobHandle` (directly or through a job nested in
/// it), or with a NULL job, in any job; a process stays in its jobs after it exits (Wine's
/// `test_IsProcessInJob`). An invalid process or job handle gives `ERROR_INVALID_HANDLE`; a
/// NULL `Result` gives `ERROR_NOACCESS`.
@discardableResult
public func IsProcessInJob(_ ProcessHandle: HANDLE!, _ JobHandle: HANDLE!, _ Result: PBOOL!) -> Bool {
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        let kernel = thread.kernel
        let answer: (NTStatus, Bool) = kernel.withKernelEntry {
            guard let process = kernel.process(forHandle: value(ProcessHandle)) else { return (.invalidHandle, false) }
            guard JobHandle != nil else { return (.success, process.isInJob(nil)) }
            let (job, status) = kernel.job(forHandle: value(JobHandle))
            guard let job else { return (status, false) }
            return (.success, process.isInJob(job))
        }
        guard answer.0.isSuccess else { return thread.fail(answer.0) }
        guard let Result else { return thread.fail(ERROR_NOACCESS) }
        guard thread.writeToCaller([Int32(answer.1 ? 1 : 0)], at: UnsafeMutableRawPointer(Result), call: "IsProcessInJob") else {
            return thread.fail(ERROR_NOACCESS)
        }
        thread.traceBool("IsProcessInJob(\(hex(handle: ProcessHandle)), \(hex(handle: JobHandle))) → \(answer.1)", true)
        return true
    }
}

/// Sets a job's limits. The corresponding Win32 function is `SetInformationJobObject`.
///
/// `JobObjectExtendedLimitInformation` (a `JOBOBJECT_EXTENDED_LIMIT_INFORMATION`) and
/// `JobObjectBasicLimitInformation` (a `JOBOBJECT_BASIC_LIMIT_INFORMATION`) set `LimitFlags`:
/// the length must be the structure's size and the flags valid for the class (else
/// `ERROR_INVALID_PARAMETER`, as Wine's `NtSetInformationJobObject` checks; the breakaway and
/// kill-on-close flags are extended ones). The simulator honours
/// `JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE`, `JOB_OBJECT_LIMIT_BREAKAWAY_OK`,
/// `JOB_OBJECT_LIMIT_SILENT_BREAKAWAY_OK` (and records `…_DIE_ON_UNHANDLED_EXCEPTION`); limits it
/// does not enforce (working set, times, active processes, memory, affinity, priority,
/// scheduling class) and the other classes (UI restrictions, …) give `ERROR_NOT_SUPPORTED`
/// rather than being accepted and ignored. `JobObjectAssociateCompletionPortInformation` (a
/// `JOBOBJECT_ASSOCIATE_COMPLETION_PORT`) sends the job's messages to a port: the message in
/// the byte count, `CompletionKey` as the key, the process id as the `OVERLAPPED` pointer
/// (`JOB_OBJECT_MSG_NEW_PROCESS`, `…_EXIT_PROCESS`, `…_ACTIVE_PROCESS_ZERO`).
@discardableResult
public func SetInformationJobObject(_ hJob: HANDLE!, _ JobObjectInformationClass: JOBOBJECTINFOCLASS,
                                    _ lpJobObjectInformation: LPVOID!, _ cbJobObjectInformationLength: DWORD) -> Bool
{
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        let kernel = thread.kernel
        let call = "SetInformationJobObject(\(hex(handle: hJob)), \(JobObjectInformationClass.rawValue))"
        func finish(_ status: NTStatus) -> Bool {
            let result = status.isSuccess ? true : thread.fail(status)
            thread.traceBool(call, result)
            return result
        }
        let (found, lookup) = kernel.withKernelEntry { kernel.job(forHandle: value(hJob)) }
        guard let job = found else { return finish(lookup) }
        if JobObjectInformationClass == JobObjectAssociateCompletionPortInformation {
            guard Int(cbJobObjectInformationLength) == MemoryLayout<JOBOBJECT_ASSOCIATE_COMPLETION_PORT>.size,
                  let lpJobObjectInformation
            else { return finish(.invalidParameter) }
            guard let association = thread.load(UnsafePointer(lpJobObjectInformation.assumingMemoryBound(
                      to: JOBOBJECT_ASSOCIATE_COMPLETION_PORT.self)), call: "SetInformationJobObject")
            else { return finish(.accessViolation) }
            return finish(kernel.withKernelEntry {
                kernel.ntAssociateJobCompletionPort(job, portHandle: value(association.CompletionPort),
                                                    key: UInt(bitPattern: association.CompletionKey))
            })
        }
        let extended = JobObjectInformationClass == JobObjectExtendedLimitInformation
        guard extended || JobObjectInformationClass == JobObjectBasicLimitInformation else { return finish(.notSupported) }
        let size = extended ? MemoryLayout<JOBOBJECT_EXTENDED_LIMIT_INFORMATION>.size
            : MemoryLayout<JOBOBJECT_BASIC_LIMIT_INFORMATION>.size
        guard Int(cbJobObjectInformationLength) == size, let lpJobObjectInformation else { return finish(.invalidParameter) }
        guard thread.userBufferIsAccessible(lpJobObjectInformation, count: size, writing: false, call: "SetInformationJobObject"),
              let limits = thread.load(UnsafePointer(lpJobObjectInformation.assumingMemoryBound(to: JOBOBJECT_BASIC_LIMIT_INFORMATION.self)),
                                       call: "SetInformationJobObject")
        else { return finish(.accessViolation) }
        let flags = limits.LimitFlags
        return finish(kernel.withKernelEntry { kernel.ntSetJobLimits(job, flags: flags, extended: extended) })
    }
}

/// Reads a job's limits, accounting or process list. The corresponding Win32 function is
/// `QueryInformationJobObject`.
///
/// As Wine's `test_QueryInformationJobObject` sees Windows answer: `JobObjectBasicLimitInformation`
/// and `JobObjectExtendedLimitInformation` give the limit flags (everything else zero);
/// `JobObjectBasicAccountingInformation` the process counts (total, active, terminated; times
/// are zero); `JobObjectBasicProcessIdList` the ids of the job's running processes, or, when
/// they do not all fit, those that fit and `ERROR_MORE_DATA`. A buffer shorter than the
/// structure (for the list, the header and one id) gives `ERROR_BAD_LENGTH`. Other classes give
/// `ERROR_NOT_SUPPORTED`. `lpReturnLength`, if given, receives the bytes written.
@discardableResult
public func QueryInformationJobObject(_ hJob: HANDLE!, _ JobObjectInformationClass: JOBOBJECTINFOCLASS,
                                      _ lpJobObjectInformation: LPVOID!, _ cbJobObjectInformationLength: DWORD,
                                      _ lpReturnLength: LPDWORD!) -> Bool
{
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        let kernel = thread.kernel
        let (found, lookup) = kernel.withKernelEntry { kernel.job(forHandle: value(hJob)) }
        guard let job = found else { return thread.fail(lookup) }
        let length = Int(cbJobObjectInformationLength)
        var bytes: [UInt8]
        var moreData = false
        switch JobObjectInformationClass {
        case JobObjectBasicLimitInformation:
            var info = JOBOBJECT_BASIC_LIMIT_INFORMATION()
            info.LimitFlags = job.limitFlags
            bytes = withUnsafeBytes(of: &info) { Array($0) }
        case JobObjectExtendedLimitInformation:
            var info = JOBOBJECT_EXTENDED_LIMIT_INFORMATION()
            info.BasicLimitInformation.LimitFlags = job.limitFlags
            bytes = withUnsafeBytes(of: &info) { Array($0) }
        case JobObjectBasicAccountingInformation:
            var info = JOBOBJECT_BASIC_ACCOUNTING_INFORMATION()
            let active = kernel.withKernelEntry { kernel.processes(in: job).filter { !$0.hasExited }.count }
            info.TotalProcesses = DWORD(job.totalProcesses)
            info.ActiveProcesses = DWORD(active)
            info.TotalTerminatedProcesses = DWORD(job.terminatedProcesses)
            bytes = withUnsafeBytes(of: &info) { Array($0) }
        case JobObjectBasicProcessIdList:
            let header = MemoryLayout<JOBOBJECT_BASIC_PROCESS_ID_LIST>.offset(of: \.ProcessIdList)!
            // The structure with its one id is the least (Wine's NtQueryInformationJobObject).
            guard length >= MemoryLayout<JOBOBJECT_BASIC_PROCESS_ID_LIST>.size else { return thread.fail(ERROR_BAD_LENGTH) }
            let ids = kernel.withKernelEntry { kernel.processes(in: job).filter { !$0.hasExited }.map(\.processID) }
            let fitting = min(ids.count, (length - header) / MemoryLayout<ULONG_PTR>.size)
            bytes = withUnsafeBytes(of: (UInt32(ids.count), UInt32(fitting))) { Array($0) }
            for id in ids.prefix(fitting) { bytes += withUnsafeBytes(of: UInt(id)) { Array($0) } }
            moreData = fitting < ids.count  // STATUS_MORE_ENTRIES, which Win32 reports as ERROR_MORE_DATA
        default:
            return thread.fail(ERROR_NOT_SUPPORTED)
        }
        guard length >= bytes.count || JobObjectInformationClass == JobObjectBasicProcessIdList else {
            return thread.fail(ERROR_BAD_LENGTH)
        }
        guard let lpJobObjectInformation,
              thread.writeToCaller(bytes, at: lpJobObjectInformation, call: "QueryInformationJobObject")
        else { return thread.fail(ERROR_NOACCESS) }
        if let lpReturnLength, !thread.writeToCaller([UInt32(bytes.count)], at: UnsafeMutableRawPointer(lpReturnLength),
                                                     call: "QueryInformationJobObject")
        {
            return thread.fail(ERROR_NOACCESS)
        }
        return moreData ? thread.fail(ERROR_MORE_DATA) : true
    }
}
