/// Process exit and the per-process rules of closing (nt-io-model §1.3 and §4, win32-facts
/// F-EXIT-5, F-CLOSE-9).
///
/// A process exits when its last thread exits: after `ExitProcess` or `TerminateProcess` asked
/// every thread to stop (each cancels its own I/O as it goes, F-EXIT-1), or when the last one
/// simply returns. That last thread runs the process down: the process's thread-agnostic
/// requests are cancelled, then every handle in *its* table is closed, so a file object whose
/// last handle in the whole system this was gets `IRP_MJ_CLEANUP` (a pipe end breaks for the
/// other side), while an object another process still holds stays open. A child's heap is
/// freed (ProcessHeap.swift). The process object is then signalled.
extension Kernel {
    /// Whether `thread` is the last thread of a process that exits with it, so that its exit
    /// runs the process down: a child, a process started by `Simulation.runProcess`, or one
    /// that called `ExitProcess` (under `Simulation.run`, the process lives on when its threads
    /// merely return).
    func isLastThreadOfExitingProcess(_ thread: SimThread) -> Bool {
        let process = thread.process
        return (process.canExit || process.exitCode != nil) && !process.threads.contains { $0 !== thread && $0.life != .exited }
    }

    /// Whether the process can exit: always (under `Simulation.run`, its main thread's exit
    /// unwinds to `run`).
    package var canExitProcess: Bool { true }

    /// The process a handle names in the running process (`GetCurrentProcess()` names the
    /// running process), or nil.
    package func process(forHandle value: UInt) -> SimProcess? {
        if value == UInt.max { return currentProcess }
        return handles.lookup(value) as? SimProcess
    }

    /// `NtTerminateProcess` from the running thread on its own process (`ExitProcess`): every
    /// other thread of the process is terminated with `code`; the caller then exits on its own.
    package func beginProcessExit(code: UInt32, from thread: SimThread) {
        beginExit(of: thread.process, code: code, from: thread)
    }

    /// Termination of `process` begins: its exit code is fixed and each of its threads other
    /// than `thread` stops at its next return to user mode (a thread never started, or still
    /// suspended, runs none of its code). A second call while the process is exiting changes
    /// nothing.
    func beginExit(of process: SimProcess, code: UInt32, from thread: SimThread?) {
        guard process.exitCode == nil else { return }
        process.exitCode = code
        if tracing { record(.note("\(describe(process)) is exiting with code \(code)")) }
        for other in process.threads where other !== thread && other.life != .exited && !other.isExiting {
            other.terminationCode = code
        }
    }

    /// `NtTerminateProcess` on another process (`TerminateProcess`): asynchronous, as
    /// documented ("initiates termination and returns immediately"); wait on the process to
    /// know it has exited. A process that has exited, or is exiting, gives
    /// `STATUS_PROCESS_IS_TERMINATING`, which Win32 reports as `ERROR_ACCESS_DENIED`. The
    /// process of `Simulation.run` is the test's own flow, which another process may not stop
    /// (`STATUS_NOT_SUPPORTED`).
    package func ntTerminateProcess(_ target: SimProcess, code: UInt32) -> NTStatus {
        guard target.canExit else { return .notSupported }
        guard target.exitCode == nil else { return .accessDenied }
        beginExit(of: target, code: code, from: nil)
        return .success
    }

    /// Process rundown, in its last thread (`PspExitProcess`, `ObKillProcess`): requests that
    /// belong to the process rather than a thread (thread-agnostic I/O) are cancelled
    /// (F-EXIT-5), then every handle in the process's table is closed in handle order, so that
    /// each file object whose last handle this was gets `IRP_MJ_CLEANUP`. Objects other
    /// processes hold stay open. The process object is signalled.
    func runDownProcess(in thread: SimThread, lastThreadCode: UInt32) {
        let process = thread.process
        let code = process.exitCode ?? lastThreadCode
        process.exitCode = code
        for file in fileObjects {
            for irp in file.agnosticList.all where irp.isInDriver && irp.thread?.process === process { _ = cancelIRP(irp) }
        }
        for entry in process.handles.entries { _ = ntClose(entry.value, in: process, rundown: true) }
        if thread.hasCompletionWork { runCompletionWork(of: thread) }
        unmapViews(of: process)
        // A child's heap goes with it; the first process's memory stays for the test to
        // inspect after `run` returns (teardown reports what it never freed).
        if process !== initialProcess { freeHeap(of: process) }
        process.hasExited = true
        if process.job != nil { processOfJobExited(process) }
        signal(process)
        if tracing { record(.note("\(describe(process)) exited with code \(code)")) }
    }

    /// nt-io-model §1.3 step 2: the last handle of `file` in `process` closed while another
    /// process still holds one. The process's thread-agnostic requests on it (a port, a
    /// completion context, no event) are cancelled; requests with an event, or without a
    /// completion context, stay pending (win32-facts F-CLOSE-9, Wine's
    /// `test_async_cancel_on_handle_close`).
    func lastHandleClosed(in process: SimProcess, on file: FileObject) {
        let mine = file.agnosticList.all.filter { $0.isInDriver && $0.thread?.process === process }
        if tracing {
            record(.note("last handle of \(file.label) in \(describe(process)) closed; \(file.handleCount) open elsewhere"
                + (mine.isEmpty ? "" : ": its thread-agnostic " + mine.map(\.label).joined(separator: ", ") + " cancelled")))
        }
        for irp in mine { _ = cancelIRP(irp) }
    }

    /// How timelines name a process: "the process" while the simulation has one, else its
    /// image name and id (`child.exe (pid 0x404)`).
    func describe(_ process: SimProcess) -> String {
        processes.count == 1 ? "the process" : "\(process.imageName) (pid 0x\(String(process.processID, radix: 16)))"
    }
}
