/// Releasing a simulation (issue 10, finding 4).
///
/// A released ``Simulation`` ends the OS threads of its threads still parked (blocked, or not yet
/// back from a hand-over), and then breaks the kernel's reference cycles itself rather than
/// trusting that every frame let go: a thread that exited or was stopped abandoned its frames,
/// and a Win32 function's frames hold the kernel (and what the call uses). Everything the kernel owns
/// (threads' queues and requests, handles, file objects, devices and their drivers, ports,
/// device events, the user-memory arena's host memory) is dropped here, so at most the empty
/// kernel object itself can outlive the simulation.
extension Kernel {
    func releaseEverything() {
        // Requests still in flight hold their file object, and through it the device and its
        // driver, whose cancel-safe queue holds them (it is their armed cancel routine); a
        // port's packets hold theirs, and a bound file object holds its port.
        for thread in threads { for irp in thread.irps { letGo(irp) } }
        for file in fileObjects {
            for irp in file.agnosticIRPs { letGo(irp) }
            file.completionPort = nil
            file.lockOwner = nil
        }
        for port in ports {
            port.packets = RingQueue()
            port.waiters.removeAll()
            port.associated.removeAll()
        }
        for thread in threads {
            thread.startRoutine = nil
            thread.userAPCs.removeAll()
            thread.completionQueue = RingQueue()
            thread.irpList = IRPList()
            thread.cancelRequests.removeAll()
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
