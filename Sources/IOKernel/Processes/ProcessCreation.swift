/// An executable installed in the simulation (``Simulation/installProgram(_:_:)``): the code
/// the main thread of each process started from it runs. Its result is the exit code, as a C
/// program's `main` returns one.
final class Program {
    let path: String
    let main: () -> UInt32

    init(path: String, main: @escaping () -> UInt32) {
        self.path = path
        self.main = main
    }
}

/// What `CreateProcess` asks of the kernel, once kernel32 has read its arguments.
package struct ProcessCreation {
    /// The program, as `findProgram` resolved it.
    package var imagePath: String
    package var commandLine: String
    /// nil: a copy of the parent's environment.
    package var environment: [(name: String, value: String)]?
    /// `bInheritHandles`.
    package var inheritHandles: Bool
    /// `PROC_THREAD_ATTRIBUTE_HANDLE_LIST`: only these handles are inherited (each must be
    /// inheritable).
    package var handleList: [UInt]?
    /// `STARTF_USESTDHANDLES`: input, output, error; nil copies the parent's.
    package var standardHandles: (input: UInt, output: UInt, error: UInt)?
    package var suspended: Bool
    package var newProcessGroup: Bool
    /// `lpProcessAttributes.bInheritHandle` and `lpThreadAttributes.bInheritHandle`: the new
    /// handles in `PROCESS_INFORMATION` are inheritable.
    package var inheritableProcessHandle: Bool
    package var inheritableThreadHandle: Bool
    /// `CREATE_BREAKAWAY_FROM_JOB`.
    package var breakawayFromJob = false

    package init(imagePath: String, commandLine: String, environment: [(name: String, value: String)]?,
                 inheritHandles: Bool, handleList: [UInt]?, standardHandles: (input: UInt, output: UInt, error: UInt)?,
                 suspended: Bool, newProcessGroup: Bool, inheritableProcessHandle: Bool, inheritableThreadHandle: Bool)
    {
        self.imagePath = imagePath
        self.commandLine = commandLine
        self.environment = environment
        self.inheritHandles = inheritHandles
        self.handleList = handleList
        self.standardHandles = standardHandles
        self.suspended = suspended
        self.newProcessGroup = newProcessGroup
        self.inheritableProcessHandle = inheritableProcessHandle
        self.inheritableThreadHandle = inheritableThreadHandle
    }
}

/// What `NtCreateUserProcess` returns: handles, in the parent, to the new process and its main
/// thread.
package struct CreatedProcess {
    package let processHandle: UInt
    package let threadHandle: UInt
    package let process: SimProcess
    package let thread: SimThread
}

extension Kernel {
    /// Installs (or replaces) the program at `path`.
    func installProgram(path: String, main: @escaping () -> UInt32) {
        programs[Self.programKey(path)] = Program(path: path, main: main)
        programOrder.removeAll { Self.programKey($0) == Self.programKey(path) }
        programOrder.append(path)
    }

    /// The installed program an application name or command-line token names, as
    /// `CreateProcess` resolves it: a path names the program installed at that path (paths are
    /// case-insensitive, `/` is `\`, a relative path is relative to `C:\`); a bare file name
    /// (no directory) names the first program installed with that file name, standing for
    /// Windows' search of the application's directory, the current directory, the system
    /// directories and `PATH`. With `appendExe` (a command-line token), `.exe` is appended to
    /// a name without an extension, as documented for `lpCommandLine`.
    package func findProgram(_ name: String, appendExe: Bool) -> String? {
        var name = name
        if appendExe, !(name.split(whereSeparator: { $0 == "\\" || $0 == "/" }).last ?? "").contains(".") {
            name += ".exe"
        }
        let bareName = !name.contains("\\") && !name.contains("/")
        if let program = programs[Self.programKey(name)] ?? (bareName ? nil : programs[Self.programKey("C:\\" + name)]) {
            return program.path
        }
        guard bareName else { return nil }
        let key = name.lowercased()
        return programOrder.first { path in
            (path.split(whereSeparator: { $0 == "\\" || $0 == "/" }).last.map { $0.lowercased() } ?? "") == key
        }
    }

    private static func programKey(_ path: String) -> String {
        String(path.lowercased().map { $0 == "/" ? "\\" : $0 })
    }

    /// `NtCreateUserProcess`: a new process running the program at `creation.imagePath`, with
    /// the inheritable handles of the running process copied into its table at the same values
    /// (each a new handle to the same object: handle count and pointer count +1), its standard
    /// handles, environment and command line, and a main thread that starts when the scheduler
    /// picks it (or, with `suspended`, after `ResumeThread`). The new handles to the process
    /// and the thread go into the parent's table.
    package func ntCreateUserProcess(_ creation: ProcessCreation) -> (NTStatus, CreatedProcess?) {
        guard let program = programs[Self.programKey(creation.imagePath)] else { return (.objectNameNotFound, nil) }
        let parent = currentProcess
        let (jobStatus, job) = jobForNewProcess(of: parent, breakaway: creation.breakawayFromJob)
        guard jobStatus.isSuccess else { return (jobStatus, nil) }
        var inherited: [(value: UInt, object: KernelObject, access: UInt32, attributes: HandleAttributes)] = []
        if creation.inheritHandles {
            let candidates = parent.handles.fullEntries.filter { $0.attributes.contains(.inherit) }
            if let list = creation.handleList {
                // Every handle in the list must be an inheritable handle of the parent
                // (UpdateProcThreadAttribute: "These handles must be created as inheritable
                // handles"); the list may name one twice.
                for value in list where !candidates.contains(where: { $0.value == value & ~3 }) {
                    return (.invalidParameter, nil)
                }
                inherited = candidates.filter { entry in list.contains { $0 & ~3 == entry.value } }
            } else {
                inherited = candidates
            }
        }
        let process = SimProcess(id: takeObjectID(), processID: nextProcessID, imagePath: program.path,
                                 commandLine: creation.commandLine, environment: creation.environment ?? parent.environment,
                                 canExit: true, isProcessGroupRoot: creation.newProcessGroup)
        nextProcessID += 4
        process.pointerCount = 1  // the kernel's own reference while the process exists
        processes.append(process)
        enterJob(process, job)
        process.handles.inherit(inherited)
        for entry in inherited {
            entry.object.handleCount += 1
            if tracing { record(.handleOpened(handle: entry.value, object: entry.object.label)) }
            reference(entry.object, by: "handle inherited by \(process.imageName)")
        }
        let standard = creation.standardHandles ?? (parent.standardInput, parent.standardOutput, parent.standardError)
        process.standardInput = standard.input
        process.standardOutput = standard.output
        process.standardError = standard.error
        let thread = createThread(name: "main", in: process, program.main)
        thread.isProcessMain = true
        if creation.suspended { thread.suspendCount = 1 }
        if tracing {
            let values = inherited.map { "0x" + String($0.value, radix: 16) }.joined(separator: ", ")
            record(.note("\(describe(process)) created" + (creation.suspended ? " suspended" : "")
                + (inherited.isEmpty ? ", inheriting no handle" : ", inheriting \(values)")))
        }
        let processHandle = insertHandle(process, access: 0x1F_FFFF,
                                         attributes: creation.inheritableProcessHandle ? .inherit : [], in: parent)
        let threadHandle = insertHandle(thread, access: 0x1F_FFFF,
                                        attributes: creation.inheritableThreadHandle ? .inherit : [], in: parent)
        return (.success, CreatedProcess(processHandle: processHandle, threadHandle: threadHandle, process: process,
                                         thread: thread))
    }

    /// `NtOpenProcess` by process id: a new handle to a process whose object still exists.
    /// An id that names no process gives `STATUS_INVALID_PARAMETER` (`ERROR_INVALID_PARAMETER`,
    /// as `OpenProcess` documents for an unknown id).
    package func ntOpenProcess(processID: UInt32, inherit: Bool) -> (NTStatus, UInt) {
        guard let process = processes.first(where: { $0.processID == processID && !$0.hasExited }) else {
            return (.invalidParameter, 0)
        }
        return (.success, insertHandle(process, access: 0x1F_FFFF, attributes: inherit ? .inherit : []))
    }

    /// `NtResumeThread`: the suspend count goes down by one (not below 0); returns the previous
    /// count. A thread whose count reaches 0 can be scheduled.
    package func ntResumeThread(_ thread: SimThread) -> UInt32 {
        let previous = thread.suspendCount
        if previous > 0 { thread.suspendCount = previous - 1 }
        if tracing, previous == 1 { record(.note("\(thread.name) resumed")) }
        return previous
    }
}
