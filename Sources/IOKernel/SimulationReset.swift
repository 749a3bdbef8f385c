/// Running a scenario again in the same simulation (issue 12: cheap schedules).
///
/// A schedule explorer runs one scenario thousands of times. Each run in a new ``Simulation``
/// allocates the kernel and everything it keeps (its lists, the trace, the user-memory arena,
/// the initial process) and frees them again at the end. ``Simulation/reset(strategy:)`` ends
/// the run the way releasing the simulation ends it (parked threads' stacks back to the pool,
/// drivers told, every object, handle, request and tracked block let go) and then puts the
/// kernel back to the state a new simulation starts in, keeping the storage that took
/// allocations to grow: the kernel's lists and scratch arrays, the timer heap, the trace's
/// entries and the arena's tables. Threads' stacks are pooled by the fiber layer whether or not
/// the simulation is reset (CHostThreads/Fibers.c).
///
/// What the next run sees is exactly what a new simulation with the same options and the new
/// strategy would show: virtual time 0, object ids from 1, thread ids from 0x1000, process ids
/// from 0x404, handle values from the first, an empty trace whose caller-memory names start
/// again at `#1`, no devices, programs, pipes or files, no diagnostics. So the same scenario
/// run after a reset makes the same trace, choices and reports as in a fresh simulation
/// (SimulationResetTests holds it to that).
extension Simulation {
    /// Brings the simulation back to the state `Simulation(options:strategy:)` made it in, with
    /// `strategy` as its scheduling strategy and the same options, so that a scenario can run
    /// again in it. What the previous run left is let go as a released simulation lets it go:
    /// threads still blocked are unwound out of their calls and stop (their stacks go back to
    /// the pool), I/O still in
    /// flight is dropped after the drivers are told the simulation ended, handles are forgotten,
    /// and tracked memory goes back to the host.
    ///
    /// Devices and programs are not kept: the scenario installs them again, each run with new
    /// drivers, as it would in a new simulation (a driver keeps state of its own, such as the
    /// requests it holds, that a second run must not inherit). Read what you want to keep from a
    /// run (``trace``'s entries, ``finish()``, ``memoryViolations``, ``hangs``) before resetting:
    /// the ``Trace`` object is the same and starts again empty. Objects of the previous run
    /// that the scenario still holds (``SimThread``, ``Device``, pointers from ``memory``) belong
    /// to no simulation any more and must not be used.
    ///
    /// - Returns: False, changing nothing, when called from inside one of this simulation's
    ///   threads (a run cannot reset the simulation it runs in) or while a thread of it runs.
    @discardableResult
    public func reset(strategy: SchedulingStrategy = RunUntilBlocked()) -> Bool {
        if let running = SimThread.current, running.kernel === kernel { return false }
        guard kernel.current == nil else { return false }
        // As `deinit` does: what the run left behind is let go.
        kernel.concurrency.executor?.releaseWakeUps()
        kernel.unwindBlockedThreads()
        kernel.endParkedThreads()
        kernel.releaseDriverState()
        kernel.releaseEverything()
        kernel.resetToInitialState(strategy: strategy)
        mainThread = nil
        return true
    }
}

extension Kernel {
    /// After ``releaseEverything()``: every stored property back to what `init` gives it, in
    /// the order they are declared (Kernel.swift), keeping the storage of the lists.
    func resetToInitialState(strategy: SchedulingStrategy) {
        now = .zero
        timers.removeAll()
        trace.reset(enabled: options.tracing)
        threads.removeAll(keepingCapacity: true)
        initialProcess = Self.makeInitialProcess()
        processes.removeAll(keepingCapacity: true)
        processes.append(initialProcess)
        programs.removeAll(keepingCapacity: true)
        programOrder.removeAll(keepingCapacity: true)
        nextProcessID = 0x404
        devices.removeAll(keepingCapacity: true)
        namedEvents.removeAll(keepingCapacity: true)
        userMode = UserModeRuntime()
        namedJobs.removeAll(keepingCapacity: true)
        sections = SectionTable()
        processTokens.removeAll(keepingCapacity: true)
        ports.removeAll(keepingCapacity: true)
        fileObjects.removeAll(keepingCapacity: true)
        nextObjectID = 1
        nextIRPID = 1
        ownStatusBlocks.removeAll(keepingCapacity: true)
        // The old slab let go rather than reused: an `IRP` the scenario kept from the last run
        // must not come to name a request of this one.
        irpLookaside.reset()
        nextThreadID = 0x1000
        memory.reset()
        memoryViolationLog = BoundedLog(limit: Kernel.memoryViolationLimit)
        uncheckedPointers.removeAll(keepingCapacity: true)
        uncheckedAddresses.removeAll(keepingCapacity: true)
        bugCheckLog = BoundedLog(limit: Kernel.bugCheckLimit)
        hangs = BoundedLog(limit: Kernel.hangReportLimit)
        discardedAPCs = BoundedLog(limit: Kernel.discardedNotificationLimit)
        discardedPackets = BoundedLog(limit: Kernel.discardedNotificationLimit)
        current = nil
        depth = 0
        madeNamedPipeDevice = nil
        madeFileSystemDevice = nil
        builtInDevices.removeAll(keepingCapacity: true)
        installedDrivers.removeAll(keepingCapacity: true)
        self.strategy = strategy
        perturbationsLeft = strategy.perturbations
        perturbing = strategy.perturbations != nil
        stoppedInDebugger = nil
        contextSwitches = 0
        processStarted = false
        runner = nil
        callerWaitsForSettle = false
        while !runnableScratch.isEmpty { runnableScratch.removeLast() }
        while !dueScratch.isEmpty { dueScratch.removeLast() }
        while !perturbationScratch.isEmpty { perturbationScratch.removeLast() }
        settleBaton = Baton()
        concurrency = ConcurrencyState()
    }
}
