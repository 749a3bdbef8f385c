/// A job object (`EJOB`): a group of processes managed as a unit (Microsoft's "Job Objects"
/// and "Nested Jobs").
///
/// A process belongs to a job for good once assigned ("the association cannot be broken"), and
/// to every job above it when jobs nest: each job may have a parent, and a process's *immediate*
/// job is the end of its chain. Children a process creates join its immediate job unless they
/// break away (`CREATE_BREAKAWAY_FROM_JOB` with `JOB_OBJECT_LIMIT_BREAKAWAY_OK`, or
/// `JOB_OBJECT_LIMIT_SILENT_BREAKAWAY_OK`). `TerminateJobObject` terminates every process in
/// the job and its child jobs and signals the job; with `JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE`,
/// closing the job's last handle does the same.
///
/// The job is waitable: signalled by `TerminateJobObject` (and by a kill on close), and it
/// stays signalled; assigning new processes does not reset it (Wine's
/// `test_WaitForJobObject`). Each process in a job holds a reference to its immediate job (for
/// as long as the process object lives, which in the simulation is for good: `IsProcessInJob`
/// still answers TRUE after the process exited, as in Wine's `test_IsProcessInJob`), and each
/// job to its parent.
public final class JobObject: KernelObject {
    /// The name given to `CreateJobObjectW`, if any.
    public let name: String?
    /// The job this one is nested in, if any.
    @exclusivity(unchecked) public internal(set) var parent: JobObject?
    /// `JOBOBJECT_BASIC_LIMIT_INFORMATION.LimitFlags` as set (only the flags the simulator
    /// honours: kill on close, breakaway, silent breakaway, die on unhandled exception).
    @exclusivity(unchecked) public internal(set) var limitFlags: UInt32 = 0
    /// Processes ever assigned to this job or one nested in it (`TotalProcesses`).
    @exclusivity(unchecked) public internal(set) var totalProcesses = 0
    /// Processes of the job terminated by `TerminateJobObject` or a kill on close
    /// (`TotalTerminatedProcesses`).
    @exclusivity(unchecked) public internal(set) var terminatedProcesses = 0
    /// Whether a job nested in this one exists: a job with processes or children is not empty.
    @exclusivity(unchecked) var hasChildJobs = false
    /// `JOBOBJECT_ASSOCIATE_COMPLETION_PORT`: the port the job's messages go to, and their key.
    @exclusivity(unchecked) var completionPort: CompletionPort?
    @exclusivity(unchecked) var completionKey: UInt = 0

    static let killOnJobClose: UInt32 = 0x2000
    static let breakawayOK: UInt32 = 0x0800
    static let silentBreakawayOK: UInt32 = 0x1000
    static let dieOnUnhandledException: UInt32 = 0x0400

    init(id: Int, name: String?) {
        self.name = name
        super.init(id: id, kind: .job)
    }

    /// Whether this job is `job` or nested in it.
    func isWithin(_ job: JobObject) -> Bool {
        var next: JobObject? = self
        while let current = next {
            if current === job { return true }
            next = current.parent
        }
        return false
    }
}

extension SimProcess {
    /// Whether the process is in `job` (directly or through a job nested in it), or with nil,
    /// in any job.
    public func isInJob(_ job: JobObject?) -> Bool {
        guard let immediate = self.job else { return false }
        guard let job else { return true }
        return immediate.isWithin(job)
    }
}

extension Kernel {
    /// `NtCreateJobObject`: a new job, or with a name that exists, a new handle to that job
    /// (`alreadyExisted`, `ERROR_ALREADY_EXISTS`). A name an event or a file mapping holds is
    /// `STATUS_OBJECT_TYPE_MISMATCH` (`ERROR_INVALID_HANDLE`): "If lpName matches the name of an
    /// existing event, semaphore, mutex, waitable timer, or file-mapping object, the function
    /// fails and the GetLastError function returns ERROR_INVALID_HANDLE" (CreateJobObject).
    package func ntCreateJobObject(name: String?, inherit: Bool) -> (status: NTStatus, handle: UInt, alreadyExisted: Bool) {
        let attributes: HandleAttributes = inherit ? .inherit : []
        if let name, let existing = namedJobs[name] {
            return (.success, insertHandle(existing, access: 0x1F_001F, attributes: attributes), true)
        }
        if let name, namedEvents[name] != nil || sections.named[name] != nil { return (.objectTypeMismatch, 0, false) }
        let job = JobObject(id: takeObjectID(), name: name)
        if let name { namedJobs[name] = job }
        if tracing { record(.note("\(job.label) created" + (name.map { " as \($0)" } ?? ""))) }
        return (.success, insertHandle(job, access: 0x1F_001F, attributes: attributes), false)
    }

    /// The job a handle of the running process names (`STATUS_OBJECT_TYPE_MISMATCH` for
    /// another object, which Win32 reports as `ERROR_INVALID_HANDLE`).
    package func job(forHandle value: UInt) -> (JobObject?, NTStatus) {
        guard let object = handles.lookup(value) else { return (nil, .invalidHandle) }
        guard let job = object as? JobObject else { return (nil, .objectTypeMismatch) }
        return (job, .success)
    }

    /// Whether `job` has no process and no nested job: only an empty job can be nested under
    /// the job of a process already in one.
    private func isEmpty(_ job: JobObject) -> Bool {
        !job.hasChildJobs && !processes.contains { $0.isInJob(job) }
    }

    /// `NtAssignProcessToJobObject`. A process that has exited or is exiting cannot join
    /// (`STATUS_ACCESS_DENIED`; Wine's `test_TerminateJobObject`). A process in no job joins
    /// `job`. A process already in jobs (AssignProcessToJobObject: "the job specified by hJob
    /// must be empty or it must be in the hierarchy of nested jobs to which the process already
    /// belongs"): a job the process is already in changes nothing; a job nested below the
    /// process's immediate job becomes its immediate job; an empty job without a parent is
    /// nested under the process's immediate job and becomes it; any other is
    /// `STATUS_ACCESS_DENIED`.
    package func ntAssignProcessToJobObject(_ job: JobObject, _ process: SimProcess) -> NTStatus {
        guard !process.hasExited, process.exitCode == nil else { return .accessDenied }
        if let immediate = process.job {
            if immediate.isWithin(job) { return .success }
            if job.isWithin(immediate) {
                // Already below the process's job: it moves down the chain.
            } else if job.parent == nil, isEmpty(job) {
                job.parent = immediate
                reference(immediate, by: "nested job \(job.label)")
                immediate.hasChildJobs = true
            } else {
                return .accessDenied
            }
            dereference(immediate, by: "process \(process.imageName) in job")
        }
        join(process, job)
        return .success
    }

    /// `process` is now in `job` (and in every job above it); each job it newly joins posts
    /// `JOB_OBJECT_MSG_NEW_PROCESS` to its port.
    private func join(_ process: SimProcess, _ job: JobObject) {
        let previous = process.job
        process.job = job
        reference(job, by: "process \(process.imageName) in job")
        var next: JobObject? = job
        while let current = next, current !== previous {
            current.totalProcesses += 1
            postJobMessage(6, of: current, about: process)  // JOB_OBJECT_MSG_NEW_PROCESS
            next = current.parent
        }
        if tracing { record(.note("\(describe(process)) is in \(job.label)")) }
    }

    /// The job a new process created by `parent` joins (`PspCreateProcess`): the parent's
    /// immediate job, unless it breaks away. A job with `JOB_OBJECT_LIMIT_SILENT_BREAKAWAY_OK`
    /// lets every child go; `CREATE_BREAKAWAY_FROM_JOB` lets it go from a job with
    /// `JOB_OBJECT_LIMIT_BREAKAWAY_OK`, and from each job above that allows it, up to the first
    /// that does not ("Nested Jobs"). Breaking away from a job that does not allow it is
    /// `STATUS_ACCESS_DENIED` (Wine's `test_BreakawayOk`: `CreateProcess` fails with
    /// `ERROR_ACCESS_DENIED`).
    package func jobForNewProcess(of parent: SimProcess, breakaway: Bool) -> (NTStatus, JobObject?) {
        guard var job = parent.job else { return (.success, nil) }
        func letsGo(_ job: JobObject) -> Bool {
            job.limitFlags & JobObject.silentBreakawayOK != 0 || (breakaway && job.limitFlags & JobObject.breakawayOK != 0)
        }
        guard letsGo(job) else { return breakaway ? (.accessDenied, nil) : (.success, job) }
        while letsGo(job) {
            guard let parent = job.parent else { return (.success, nil) }
            job = parent
        }
        return (.success, job)
    }

    /// A new process joins the job `jobForNewProcess` chose.
    func enterJob(_ process: SimProcess, _ job: JobObject?) {
        if let job { join(process, job) }
    }

    /// The processes in `job` or a job nested in it, in creation order.
    package func processes(in job: JobObject) -> [SimProcess] {
        processes.filter { $0.isInJob(job) }
    }

    /// `NtTerminateJobObject`: every running process of the job (and of the jobs nested in
    /// it) is terminated with `code`, as `TerminateProcess` does it (asynchronously: wait on the
    /// processes to know they have exited), and the job is signalled. The process of
    /// `Simulation.run` cannot be ended by another process and is left running; the caller's
    /// own process is terminated last, by the caller (it returns whether it must exit).
    package func ntTerminateJobObject(_ job: JobObject, code: UInt32) -> (status: NTStatus, exitCaller: Bool) {
        var exitCaller = false
        for process in processes(in: job) where process.exitCode == nil {
            if process === currentProcess {
                exitCaller = true
                continue
            }
            if ntTerminateProcess(process, code: code).isSuccess { job.terminatedProcesses += 1 }
        }
        if exitCaller { job.terminatedProcesses += 1 }
        signal(job)
        if tracing { record(.note("\(job.label) terminated with code \(code)")) }
        return (.success, exitCaller)
    }

    /// `JOBOBJECT_BASIC_LIMIT_INFORMATION.LimitFlags` set. The flags the simulator honours
    /// are kept; limits it does not enforce (working sets, times, process counts, memory,
    /// affinity, priority, scheduling class) are refused with `STATUS_NOT_SUPPORTED` rather than
    /// accepted and ignored. `extended` is `JobObjectExtendedLimitInformation`: the breakaway,
    /// kill-on-close and exception flags need it (`STATUS_INVALID_PARAMETER` with
    /// `JobObjectBasicLimitInformation`, whose valid flags are the low eight).
    package func ntSetJobLimits(_ job: JobObject, flags: UInt32, extended: Bool) -> NTStatus {
        let valid: UInt32 = extended ? 0x7FFF : 0xFF
        guard flags & ~valid == 0 else { return .invalidParameter }
        let honoured = JobObject.killOnJobClose | JobObject.breakawayOK | JobObject.silentBreakawayOK
            | JobObject.dieOnUnhandledException
        guard flags & ~honoured == 0 else { return .notSupported }
        job.limitFlags = flags
        if tracing { record(.note("\(job.label) limit flags 0x\(String(flags, radix: 16))")) }
        return .success
    }

    /// `JobObjectAssociateCompletionPortInformation`: the job's messages go to `port` with
    /// `key` (the packet's key; the message is its byte count and the process id its
    /// `OVERLAPPED` pointer, as `JOBOBJECT_ASSOCIATE_COMPLETION_PORT` documents). The processes
    /// already in the job are announced (`JOB_OBJECT_MSG_NEW_PROCESS`), as Wine's
    /// `test_CompletionPort` sees. A job has one port for good: a second association is
    /// `STATUS_INVALID_PARAMETER`.
    package func ntAssociateJobCompletionPort(_ job: JobObject, portHandle: UInt, key: UInt) -> NTStatus {
        guard let object = handles.lookup(portHandle) else { return .invalidHandle }
        guard let port = object as? CompletionPort else { return .objectTypeMismatch }
        guard job.completionPort == nil else { return .invalidParameter }
        job.completionPort = port
        job.completionKey = key
        reference(port, by: "\(job.label)'s completion port")
        for process in processes(in: job) where !process.hasExited { postJobMessage(6, of: job, about: process) }
        return .success
    }

    /// Posts a job message to the port of `job` (nested jobs: Microsoft's "Nested Jobs" sends
    /// it to every port up the chain; each job's own join or exit posts to its own port here).
    private func postJobMessage(_ message: Int, of job: JobObject, about process: SimProcess?) {
        guard let port = job.completionPort else { return }
        let pid = process.map { UnsafeMutableRawPointer(bitPattern: UInt($0.processID)) } ?? nil
        queuePacket(CompletionPacket(key: job.completionKey, overlapped: pid, status: .success, information: message,
                                     origin: nil, finishesCompletion: false),
                    to: port)
    }

    /// A process of a job has exited: each job it is in posts `JOB_OBJECT_MSG_EXIT_PROCESS`, and
    /// a job with no running process left, `JOB_OBJECT_MSG_ACTIVE_PROCESS_ZERO` (Wine's
    /// `test_CompletionPort`).
    func processOfJobExited(_ process: SimProcess) {
        var next = process.job
        while let job = next {
            postJobMessage(7, of: job, about: process)  // JOB_OBJECT_MSG_EXIT_PROCESS
            if !processes(in: job).contains(where: { !$0.hasExited }) {
                postJobMessage(4, of: job, about: nil)  // JOB_OBJECT_MSG_ACTIVE_PROCESS_ZERO
            }
            next = job.parent
        }
    }

    /// The last handle of a job closed (`PspCloseJob`): with `JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE`,
    /// every process in it is terminated ("closing the last job object handle terminates all
    /// associated processes"; Wine's `test_KillOnJobClose`).
    func closeLastJobHandle(_ job: JobObject) {
        // The name leaves the namespace with the last handle, as a section's does (the job
        // itself lives on while its processes run).
        if let name = job.name, namedJobs[name] === job { namedJobs[name] = nil }
        // The port lets go of the job's messages (`PspCloseJob` clears it).
        if let port = job.completionPort {
            job.completionPort = nil
            dereference(port, by: "\(job.label)'s completion port")
        }
        guard job.limitFlags & JobObject.killOnJobClose != 0 else { return }
        if tracing { record(.note("last handle of \(job.label) closed: JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE terminates its processes")) }
        for process in processes(in: job) where process.exitCode == nil && process !== currentProcess {
            if ntTerminateProcess(process, code: 0).isSuccess { job.terminatedProcesses += 1 }
        }
        signal(job)
    }
}
