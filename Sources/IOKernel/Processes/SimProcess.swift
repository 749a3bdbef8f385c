/// A simulated process (`EPROCESS`): its own handle table, threads, id, command line,
/// environment and standard handles. Threads of every process share the simulation's scheduler
/// and virtual clock; objects (file objects, events, ports) are system-wide and a handle in
/// any process references them.
///
/// The process object is waitable: it is signalled when the process has exited, that is when
/// its last thread has exited and its handle table has been run down (nt-io-model §4.2). It
/// lives on while handles to it are open, so `GetExitCodeProcess` works after the exit.
public final class SimProcess: KernelObject {
    /// The id `GetCurrentProcessId` and `GetProcessId` report (a multiple of 4).
    public let processID: UInt32
    /// The executable's path as it was installed (`C:\tools\child.exe`), or `main` for the
    /// process the simulation starts with.
    public let imagePath: String
    /// The command line `GetCommandLineW` returns.
    public let commandLine: String
    /// The environment block, in the order the variables were set.
    @exclusivity(unchecked) package var environment: [(name: String, value: String)]
    /// The standard handles (`GetStdHandle`), as handle values in this process's table (0 for none).
    @exclusivity(unchecked) package var standardInput: UInt = 0
    @exclusivity(unchecked) package var standardOutput: UInt = 0
    @exclusivity(unchecked) package var standardError: UInt = 0
    /// Created with `CREATE_NEW_PROCESS_GROUP`: the root of a new console process group (only
    /// recorded: console control events are not simulated).
    public let isProcessGroupRoot: Bool

    /// The process's handle table.
    let handles = HandleTable()
    /// The threads of the process, in creation order (the main thread first).
    @exclusivity(unchecked) public internal(set) var threads: [SimThread] = []
    /// Whether the process can exit: a child started by `CreateProcess`, or a process started
    /// by `Simulation.runProcess`, whose threads all run on OS threads of their own.
    @exclusivity(unchecked) var canExit: Bool
    /// The exit code once the process has begun to exit (`ExitProcess`, `TerminateProcess`, or
    /// its last thread's exit); nil while it runs. `GetExitCodeProcess` reports `STILL_ACTIVE`
    /// until then.
    @exclusivity(unchecked) public internal(set) var exitCode: UInt32?
    /// True once the process has run down: every handle closed, the object signalled.
    @exclusivity(unchecked) public internal(set) var hasExited = false
    /// The process's immediate job (JobObject.swift), if it is in one; a process stays in its
    /// jobs for good, after its exit too.
    @exclusivity(unchecked) public internal(set) var job: JobObject?
    /// How many blocks of the process's heap are in use: the exit looks for them (and frees
    /// them) only if there are some (ProcessHeap.swift).
    @exclusivity(unchecked) public internal(set) var liveHeapBlockCount = 0
    /// The views of sections mapped into the process (Memory/MappedView.swift), in mapping order.
    @exclusivity(unchecked) var mappedViews: [MappedView] = []
    /// The `GetCommandLineW` buffer, made on first request and kept for the process's life.
    @exclusivity(unchecked) package var commandLineBuffer: UnsafeMutablePointer<UInt16>?
    @exclusivity(unchecked) package var commandLineBufferA: UnsafeMutablePointer<CChar>?

    init(id: Int, processID: UInt32, imagePath: String, commandLine: String,
         environment: [(name: String, value: String)], canExit: Bool, isProcessGroupRoot: Bool)
    {
        self.processID = processID
        self.imagePath = imagePath
        self.commandLine = commandLine
        self.environment = environment
        self.canExit = canExit
        self.isProcessGroupRoot = isProcessGroupRoot
        super.init(id: id, kind: .process)
    }

    deinit {
        commandLineBuffer?.deallocate()
        commandLineBufferA?.deallocate()
    }

    /// The executable's file name (`child.exe`): how timelines and reports name the process.
    public var imageName: String {
        let name = imagePath.split(whereSeparator: { $0 == "\\" || $0 == "/" }).last.map(String.init) ?? imagePath
        return name.isEmpty ? imagePath : name
    }

    /// The number of open handles in the process's table.
    public var openHandleCount: Int { handles.count }

    /// The open handles, in handle-value order.
    package var openHandles: [(value: UInt, object: KernelObject)] { handles.entries }

    /// The value of an environment variable; names are case-insensitive, as on Windows.
    package func environmentValue(_ name: String) -> String? {
        let key = name.lowercased()
        return environment.first { $0.name.lowercased() == key }?.value
    }

    /// Sets (or with nil, removes) an environment variable. A new variable goes where it
    /// sorts, by upper-cased name, as `RtlSetEnvironmentVariable` keeps the block sorted
    /// ("All strings in the environment block must be sorted alphabetically by name. The sort
    /// is case-insensitive": Microsoft's "Changing Environment Variables"); a block
    /// `CreateProcess` was given keeps the order it was given in.
    package func setEnvironmentValue(_ name: String, _ value: String?) {
        let key = name.lowercased()
        if let index = environment.firstIndex(where: { $0.name.lowercased() == key }) {
            if let value { environment[index].value = value } else { environment.remove(at: index) }
        } else if let value {
            let upper = Array(name.uppercased().utf16)
            let position = environment.firstIndex { Array($0.name.uppercased().utf16).lexicographicallyPrecedes(upper) == false }
            environment.insert((name, value), at: position ?? environment.endIndex)
        }
    }

    /// The environment block, as `GetEnvironmentStringsW` returns it: `name=value` strings,
    /// each NUL-terminated, and an empty string at the end.
    package var environmentBlock: [UInt16] {
        var units: [UInt16] = []
        for (name, value) in environment { units += Array("\(name)=\(value)".utf16) + [0] }
        return units.isEmpty ? [0, 0] : units + [0]
    }
}
