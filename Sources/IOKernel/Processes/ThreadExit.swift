import CHostThreads

/// Thread exit and termination (nt-io-model §4, win32-facts F-EXIT).
///
/// A thread exits by returning from its start routine, by `ExitThread`, or because
/// `TerminateThread` or `ExitProcess` asked it to. As in NT, termination asked by another thread
/// is delivered like a kernel APC: the target's wait ends (`STATUS_THREAD_IS_TERMINATING`), its
/// system call unwinds, and the thread exits on its way back to user mode, so it never runs
/// another line of its own code. Exiting always does the same work: cancel the thread's I/O,
/// wait for it, drop its APCs, signal the thread object.
///
/// **How a thread that exits leaves its frames.** Swift frames cannot be unwound, so an exiting
/// thread abandons the frames of its own code, as `ExitThread` abandons C++ frames without
/// running destructors; the simulator's frames are never abandoned. A termination is carried
/// out at the outermost frame of the Win32 call it interrupted (``endWin32Call(_:)``), once the
/// rest of the call has returned; a thread's exit then jumps back to the exit point below its
/// code (``runExitable(_:_:)``), whose frames return and let go of the thread's routine, and its
/// fiber ends (with `IOSIM_THREADS=os`, its host OS thread goes back to the pool). The main
/// thread of ``Simulation/run(_:)`` runs on the caller's own OS thread and jumps back to `run`
/// instead (an unwind point, `longjmp`), once the other threads have run as far as they can;
/// `run` then returns. The exit path itself holds the thread and the kernel unretained
/// (`Unmanaged`), so a released ``Simulation`` frees its kernel whatever its threads did.
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
        // Its routine, if it exits inside it, is still held by the frame it exits back to.
        thread.startRoutine = nil
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
        recordDiscardedAPCs(of: thread)
        thread.userAPCs.removeAll()
        if let port = thread.associatedPort {
            port.associated.removeAll { $0 === thread }
            thread.associatedPort = nil
            releaseWaiters(of: port)
        }
        if isLastThreadOfExitingProcess(thread) {
            runDownProcess(in: thread, lastThreadCode: code)
        }
        thread.exitCode = code
        thread.life = .exited
        // Its fiber ends once it hands the baton on (its stack is recycled then).
        thread.fiber = nil
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

    /// The calling simulated thread exits now: `ExitThread`, `TerminateThread` on itself, or
    /// (with `processExit`) `ExitProcess`. Never returns. `call` is recorded in the trace.
    ///
    /// Outside any simulation there is no simulated thread to end, and ending the OS thread
    /// (a test runner's, perhaps) could take the test process with it: the call writes a
    /// diagnostic to standard error and parks the calling OS thread for good, so that every
    /// other test and thread goes on.
    package static func exitCallingThread(code: UInt32, processExit: Bool, call: @autoclosure () -> String) -> Never {
        guard let thread = SimThread.currentUnmanaged else {
            let message = "overlapped-sim: \(call()) was called outside any simulated thread; there is no simulated "
                + "thread to end, so this OS thread is parked for good (call it inside Simulation.run, "
                + "runProcess or a thread they created)\n"
            iosim_park_forever(message)
        }
        // Nothing here holds the kernel: the first statement's reference is released when it
        // completes, and the exit runs on a +0 (guaranteed) reference. Both matter: the frames
        // are abandoned, and the exit hands the baton on, after which another thread may release
        // the simulation while this one is still on its way out.
        let kernel = Unmanaged.passUnretained(thread.takeUnretainedValue().kernel)
        // Inside a user APC that interrupted a Win32 call: the call unwinds, and the thread
        // exits at its outermost frame with this code.
        if let point = thread._withUnsafeGuaranteedRef({ $0.apcExitPoint }) {
            kernel._withUnsafeGuaranteedRef {
                $0.askForExit(thread.takeUnretainedValue(), code: code, processExit: processExit, call: call())
            }
            leaveThread(to: point)
        }
        let way = kernel._withUnsafeGuaranteedRef {
            $0.exit(thread.takeUnretainedValue(), code: code, processExit: processExit, call: call())
        }
        leaveFrames(way)
    }

    /// An exit asked for inside a user APC: recorded, the process's exit begun if asked, and
    /// the thread terminated (it exits once the Win32 call the APC interrupted has returned).
    private func askForExit(_ thread: SimThread, code: UInt32, processExit: Bool, call: String) {
        if tracing { recordCall(call, result: "never returns") }
        if processExit { beginProcessExit(code: code, from: thread) }
        thread.terminationCode = code
    }

    /// How an exited thread leaves its frames.
    private enum WayOut {
        /// Back to `Simulation.run`'s unwind point: the main thread of `run`.
        case unwindToRun
        /// Back to the thread's exit point, below its code (``runExitable(_:_:)``).
        case exitPoint(UnsafeMutableRawPointer)
        /// Its fiber (or host OS thread) ends where it is.
        case end
    }

    /// The exit's work in the kernel, in `thread` (the running one): the trace, the process's
    /// exit if asked, the thread's exit, and for the main thread of `run` the wait until the
    /// others have run as far as they can. True if the thread then unwinds to `run`; false if
    /// its fiber (or host OS thread) ends.
    private func exit(_ thread: SimThread, code: UInt32, processExit: Bool, call: String?) -> WayOut {
        if tracing, let call { recordCall(call, result: "never returns") }
        if processExit { beginProcessExit(code: code, from: thread) }
        guard thread.runsOnCallersThread else {
            // Read before the baton passes on: with OS threads, the thread may be gone after.
            let point = thread.exitPoint
            thread.exitPoint = nil
            exitThread(thread, code: code)
            return point.map(WayOut.exitPoint) ?? .end
        }
        runner = settleBaton
        callerWaitsForSettle = true
        exitThread(thread, code: code)
        settleBaton.wait()
        runner = nil
        return .unwindToRun
    }

    /// Leaves the exited thread's frames: back to `run`'s unwind point, or its fiber (or OS
    /// thread) ends.
    private static func leaveFrames(_ way: WayOut) -> Never {
        switch way {
        case .unwindToRun: iosim_unwind()
        case .exitPoint(let point): leaveThread(to: point)
        case .end: iosim_end_simulated_thread()
        }
    }

    /// Whether `thread` is the main thread of ``Simulation/run(_:)``: the test's own flow, which
    /// `TerminateThread` from another thread may not stop (its remaining assertions would never
    /// run); it can still exit itself (`ExitThread`, `ExitProcess`).
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
        if thread.unwindsForRelease {
            guard !thread.inWin32Call else { return }
            leaveForRelease(thread)
        }
        if thread.hasCompletionWork { runCompletionWork(of: thread) }
        if let code = thread.terminationCode {
            // Inside a Win32 function, its outermost frame exits (``endWin32Call(_:)``), and no
            // user APC runs before.
            guard !thread.inWin32Call else { return }
            Self.leaveFrames(exit(thread, code: code, processExit: false, call: nil))
        }
        if thread.userAPCsDue {
            thread.userAPCsDue = false
            deliverUserAPCs(thread)
        }
    }

    /// A Win32 function starts on `thread` (the outermost, if it was in none): true if this call
    /// is the outermost, which then ends with ``endWin32Call(_:)``. Both are inlinable: every
    /// Win32 call begins and ends with them, a flag set and cleared (called from Win32Surface,
    /// they cost a call and the class's metadata accessor each).
    @inlinable package static func beginWin32Call(_ thread: borrowing SimThread) -> Bool {
        guard !thread.inWin32Call else { return false }
        thread.inWin32Call = true
        return true
    }

    /// The outermost Win32 function of `thread` returns to its caller: every frame of the call
    /// has returned, so a termination found inside it is carried out here, where the thread's
    /// exit abandons nothing of the simulator's. Until then the rest of the call ran as
    /// kernel32's user-mode code after a system call the thread never came back from: nothing
    /// it stores through the caller's pointers is stored and nothing is traced
    /// (``SimThread/isTerminating``), since on Windows that code never runs.
    @inlinable package static func endWin32Call(_ thread: borrowing SimThread) {
        thread.inWin32Call = false
        if thread.terminationCode != nil {
            thread.kernelReference._withUnsafeGuaranteedRef { (kernel: borrowing Kernel) in kernel.returnToUserMode(thread) }
        }
    }

    // MARK: - Process exit (the rest is in ProcessRundown.swift)

    /// Starts a process whose main thread runs on a fiber (or OS thread) of its own: the caller
    /// thread parks on `runner` until the process has exited.
    func startProcess(main thread: SimThread, runner: Baton) {
        processStarted = true
        initialProcess.canExit = true
        self.runner = runner
        thread.isProcessMain = true
        current = thread
        depth = 0
        thread.life = .alive
        guard launch(thread) else {
            thread.life = .exited
            current = nil
            self.runner = nil
            return
        }
        runner.wait()
        self.runner = nil
        current = nil
    }
}
