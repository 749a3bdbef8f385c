import CHostThreads

/// Releasing a simulation (issue 10, finding 4).
///
/// A released ``Simulation`` first unwinds its threads still blocked (``unwindBlockedThreads()``):
/// each returns from its wait, through the kernel and the Win32 call it was in, to its exit point
/// (``runExitable(_:_:)``), so that the simulator's frames let go of what they hold; only the
/// frames of the thread's own code are abandoned, as on Windows. Threads parked elsewhere (one
/// still waiting out its exit's I/O) are ended where they are. The kernel then breaks its reference
/// cycles itself rather than trusting that every frame let go: a thread that exited abandoned
/// its own code's frames. Everything the kernel owns
/// (threads' queues and requests, handles, file objects, devices and their drivers, ports,
/// device events, the user-memory arena's host memory) is dropped here, so at most the empty
/// kernel object itself can outlive the simulation.
extension Kernel {
    /// Each thread blocked in its code is run once more: its wait ends
    /// (``SimThread/unwindsForRelease``), the kernel services and the Win32 function it was in
    /// return (kernel32 stores nothing more, as for a termination), and at that function's
    /// outermost frame it goes back to its exit point, without the exit's work (no I/O is
    /// cancelled, no completion runs: the simulation is going, and the program's memory may be
    /// gone already). Its fiber then ends, and control comes back here.
    func unwindBlockedThreads() {
        guard current == nil else { return }
        let releaser = Baton()
        for thread in threads where thread.life == .alive && thread.exitPoint != nil && !thread.isExiting {
            thread.unwindsForRelease = true
            thread.terminationCode = thread.terminationCode ?? 0
            releasingThreads = releaser
            current = thread
            depth = thread.savedDepth
            thread.baton.signal()
            releaser.wait()
            current = nil
            depth = 0
        }
        releasingThreads = nil
    }

    /// A thread unwound for the release leaves for its exit point; once the frames below it
    /// have returned too, it hands control back (``runThread(_:)``).
    func leaveForRelease(_ thread: SimThread) -> Never {
        let point = thread.exitPoint
        thread.life = .exited
        thread.fiber = nil
        guard let point else {
            releasingThreads?.signal()
            iosim_end_simulated_thread()
        }
        leaveThread(to: point, releasing: true)
    }

    func releaseEverything() {
        // Requests still in flight hold their file object, and through it the device and its
        // driver, whose cancel-safe queue holds them (it is their armed cancel routine); a
        // port's packets hold theirs, and a bound file object holds its port.
        irpLookaside.releaseQueues()
        for thread in threads { for irp in thread.irps { letGo(irp) } }
        for file in fileObjects {
            for irp in file.agnosticIRPs { letGo(irp) }
            file.completionPort = nil
            file.lockOwner = nil
        }
        for port in ports {
            port.packets.removeAll()
            port.waiters.removeAll()
            port.associated.removeAll()
        }
        for thread in threads {
            thread.startRoutine = nil
            thread.userAPCs.removeAll()
            thread.dropCompletions()
            thread.irpList = IRPList()
            thread.dropCancelRequests()
            thread.openFrames.removeAll()
            thread.releasedPacket = nil
            thread.waitingFor = nil
            thread.waitObjects.removeAll()
            thread.associatedPort = nil
        }
        for file in fileObjects { file.agnosticList = IRPList() }
        threads.removeAll()
        for process in processes {
            process.handles.removeAll()
            process.threads.removeAll()
            process.job?.completionPort = nil
            process.job = nil
        }
        namedJobs.removeAll()
        sections = SectionTable()
        processTokens.removeAll()
        programs.removeAll()
        devices.removeAll()
        namedEvents.removeAll()
        ports.removeAll()
        fileObjects.removeAll()
        installedDrivers.removeAll()
        builtInDevices.removeAll()
        timers = TimerQueue()
        current = nil
        for block in ownStatusBlocks { block.deallocate() }
        ownStatusBlocks.removeAll()
        for block in spareStatusBlocks { block.deallocate() }
        spareStatusBlocks.removeAll()
        memory.releaseHostMemory()
    }

    /// An IRP in flight at release lets go of what refers back to it.
    private func letGo(_ irp: IRP) {
        (irp.cancelRoutine as? CancelSafeQueue)?.releaseQueued()
        irp.cancelRoutine = nil
        irp.thread = nil
        irp.userEvent = nil
    }
}
