#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Thread exit and termination (nt-io-model §4, win32-facts F-EXIT).
///
/// A thread exits by returning from its start routine, by `ExitThread`, or because
/// `TerminateThread` or `ExitProcess` asked it to. As in NT, termination asked by another thread
/// is delivered like a kernel APC: the target's wait ends (`STATUS_THREAD_IS_TERMINATING`), its
/// system call unwinds, and the thread exits on its way back to user mode, so it never runs
/// another line of its own code. Exiting always does the same work: cancel the thread's I/O,
/// wait for it, drop its APCs, signal the thread object.
extension Kernel {
    /// A thread exits with `code`: cancel the I/O it issued (not thread-agnostic requests,
    /// F-EXIT-2) and wait up to five minutes of virtual time for it; requests still in a driver
    /// after that are disassociated, so their completion notifies no one (nt-io-model §4.2).
    /// Queued user APCs are discarded (F-APC-8). Waits the thread was in are abandoned. If it
    /// was the last thread of a process started with ``Simulation/runProcess(_:)``, the process
    /// runs down. The thread object is signalled, and the baton passes on for good.
    func exitThread(_ thread: SimThread, code: UInt32) {
        thread.terminationCode = nil
        thread.isExiting = true
        depth = 1
        abandonWaits(of: thread)
        let inFlight = thread.irps
        for irp in inFlight where irp.isInDriver { cancelIRP(irp) }
        if !inFlight.isEmpty {
            let status = waitUntil(thread, reason: .irps(inFlight), deadline: now.advanced(by: .seconds(300)))
            if status == .timeout {
                for irp in thread.irps {
                    thread.removeIRP(irp)
                    irp.thread = nil
                    // Its completion will write nothing: its memory is the program's again.
                    if memoryTracking {
                        releaseBuffer(of: irp)
                        releaseOverlapped(of: irp)
                    }
                    if tracing { record(.note("\(irp.label) disassociated from \(thread.name) after 5 minutes (IO_DRIVER_CANCEL_TIMEOUT)")) }
                }
            }
        }
        if thread.hasCompletionWork { runCompletionWork(of: thread) }
        // Its stack goes: frames it exited inside are freed, innermost first.
        while let frame = thread.openFrames.popLast() { frame.pop(because: "the exit of \(thread.name)") }
        thread.userAPCsDue = false
        if memoryTracking { for apc in thread.userAPCs { if let irp = apc.irp { releaseOverlapped(of: irp) } } }
        thread.userAPCs.removeAll()
        if let port = thread.associatedPort {
            port.associated.removeAll { $0 === thread }
            thread.associatedPort = nil
            releaseWaiters(of: port)
        }
        if processStarted, !threads.contains(where: { $0 !== thread && $0.life != .exited }) {
            runDownProcess(in: thread, lastThreadCode: code)
        }
        thread.exitCode = code
        thread.life = .exited
        depth = 0
        signal(thread)
        if tracing { record(.note("\(thread.name) exited with code \(code)")) }
        dereference(thread, by: "the thread's own run")
        passBatonForGood(from: thread)
    }

    /// What an exiting thread leaves behind in kernel waits it was in when it was stopped: its
    /// place among a port's waiters, a synchronous file object's lock, a packet handed to it.
    /// Termination unwinds waits before the exit and user APCs run only after a wait has
    /// unwound, so an exiting thread is normally in no wait at all; the scans below are a
    /// safety net that costs nothing in that case.
    private func abandonWaits(of thread: SimThread) {
        guard thread.waitingFor != nil || thread.releasedPacket != nil else { return }
        for port in ports { port.waiters.removeAll { $0 === thread } }
        thread.releasedPacket = nil
        for file in fileObjects where file.lockOwner === thread { file.lockOwner = nil }
    }

    /// The running thread exits now (`ExitThread`, or `TerminateThread` on itself). Returns
    /// only when that is impossible: the main thread of ``Simulation/run(_:)`` runs on the
    /// caller's own OS thread, whose frames cannot be unwound.
    package func exitCurrentThread(code: UInt32) {
        guard let thread = current, !isCallersThread(thread) else { return }
        exitThread(thread, code: code)
        pthread_exit(nil)
    }

    /// Whether `thread` runs on the OS thread of the code that called ``Simulation/run(_:)``.
    package func isCallersThread(_ thread: SimThread) -> Bool { thread.runsOnCallersThread }

    /// `NtTerminateThread` on another thread: it stops at its next return to user mode (its
    /// wait ends first). A thread that has not started never runs its code. Terminating a
    /// thread that has exited, or is exiting, does nothing. The caller checks
    /// ``isCallersThread(_:)`` first: that thread cannot be stopped.
    package func ntTerminateThread(_ target: SimThread, code: UInt32) {
        guard target.life != .exited, !target.isExiting, target.terminationCode == nil else { return }
        target.terminationCode = code
        if tracing { record(.note("\(target.name) is terminated with code \(code)")) }
    }

    /// On the way back to user mode: completion work queued to the thread runs, and a thread
    /// that was terminated exits instead of returning.
    @usableFromInline func returnToUserMode(_ thread: SimThread) {
        if thread.hasCompletionWork { runCompletionWork(of: thread) }
        if let code = thread.terminationCode, !isCallersThread(thread) {
            exitThread(thread, code: code)
            pthread_exit(nil)
        }
        if thread.userAPCsDue {
            thread.userAPCsDue = false
            deliverUserAPCs(thread)
        }
    }

    // MARK: - Process exit

    /// Whether the process can exit: only one started by `Simulation.runProcess`, whose
    /// threads all run on OS threads of their own.
    package var canExitProcess: Bool { processStarted }

    /// Whether a handle names the process (`GetCurrentProcess()` or a real handle to it).
    package func isProcessHandle(_ value: UInt) -> Bool {
        value == UInt.max || handles.lookup(value)?.kind == .process
    }

    /// `NtTerminateProcess` on the process, from `thread`: every other thread is terminated
    /// with `code`; the calling thread then exits on its own. The last thread to exit runs the
    /// process down. A second call while the process is exiting changes nothing.
    package func beginProcessExit(code: UInt32, from thread: SimThread) {
        guard processExitCode == nil else { return }
        processExitCode = code
        if tracing { record(.note("the process is exiting with code \(code)")) }
        for other in threads where other !== thread && other.life != .exited && !other.isExiting {
            other.terminationCode = code
        }
    }

    /// Process rundown, in its last thread (ObKillProcess): requests that belong to the process
    /// rather than a thread (thread-agnostic I/O) are cancelled (F-EXIT-5), then every handle
    /// in the table is closed in handle order, so that each file object whose last handle this
    /// was gets `IRP_MJ_CLEANUP` (and its driver may complete what it still holds). The process
    /// object is signalled.
    private func runDownProcess(in thread: SimThread, lastThreadCode: UInt32) {
        let code = processExitCode ?? lastThreadCode
        processExitCode = code
        for file in fileObjects {
            for irp in file.agnosticList.all where irp.isInDriver { cancelIRP(irp) }
        }
        for entry in handles.entries.sorted(by: { $0.value < $1.value }) { _ = ntClose(entry.value) }
        if thread.hasCompletionWork { runCompletionWork(of: thread) }
        signal(process)
        if tracing { record(.note("the process exited with code \(code)")) }
    }

    /// Starts a process whose main thread runs on an OS thread of its own: the caller's OS
    /// thread parks on `runner` until the process has exited.
    func startProcess(main thread: SimThread, runner: Baton) {
        processStarted = true
        processRunner = runner
        thread.isProcessMain = true
        current = thread
        depth = 0
        thread.life = .alive
        guard launch(thread) else {
            thread.life = .exited
            current = nil
            processRunner = nil
            return
        }
        runner.wait()
        processRunner = nil
        current = nil
    }
}
