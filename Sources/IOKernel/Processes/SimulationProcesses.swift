/// Processes as a test sees them: programs to start, and the processes started.
extension Simulation {
    /// Installs a program at `path` (`C:\tools\child.exe`): `CreateProcessW` on that path (or on
    /// a command line whose first token names it) starts a new process whose main thread runs
    /// `main`, and whose exit code is what `main` returns (returning is `ExitProcess`, as a C
    /// program's `main` is). Inside, the Win32 functions act on the new process: its own handle
    /// table (with the handles it inherited, at the parent's values), its command line
    /// (`GetCommandLineW`), environment (`GetEnvironmentVariableW`) and standard handles
    /// (`GetStdHandle`). Installing a path again replaces the program.
    public func installProgram(_ path: String, _ main: @escaping () -> UInt32) {
        kernel.installProgram(path: path, main: main)
    }

    /// Every process, in creation order: the simulation's first process (the one ``run(_:)``
    /// and ``runProcess(_:)`` run), then each one `CreateProcess` started.
    public var processes: [SimProcess] { kernel.processes }

    /// The process with id `processID` (as `PROCESS_INFORMATION.dwProcessId` gives it), if any.
    public func process(id processID: UInt32) -> SimProcess? {
        kernel.processes.first { $0.processID == processID }
    }
}
