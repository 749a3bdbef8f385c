import CHostThreads
import Dispatch

/// Makes the scheduler's choices. Every choice the simulation makes about order goes through
/// one of these calls, so that a strategy can explore schedules and a run can be replayed
/// from its choices.
public protocol SchedulingStrategy: AnyObject {
    /// Which of the threads that can run goes next. `candidates` is in round-robin order,
    /// starting after the thread that just blocked. Returns an index into it.
    func chooseThread(among candidates: [SimThread]) -> Int
    /// Which of the device events due at the same instant fires first; `candidates` is in the
    /// order they were scheduled. Returns an index into it. Called only when there is a choice.
    func chooseEvent(among candidates: [ScheduledEvent]) -> Int
    /// Whether and how much this strategy perturbs runs at kernel entries (a device event due
    /// soon fired now, a preemption); nil, the default, offers no such choice and costs nothing.
    /// Read once, when the simulation is made.
    var perturbations: PerturbationBudget? { get }
    /// At a kernel entry of `running`, which perturbation happens: an index into `candidates`,
    /// whose first element is always ``Perturbation/none``. Called only when there is a choice.
    func choosePerturbation(among candidates: [Perturbation], running: SimThread) -> Int
}

extension SchedulingStrategy {
    public var perturbations: PerturbationBudget? { nil }
    public func choosePerturbation(among candidates: [Perturbation], running: SimThread) -> Int { 0 }
}

/// The default: a thread runs until it blocks; then the next thread that can run, in
/// round-robin order, runs; device events due at the same instant fire in the order they were
/// scheduled. Deterministic.
public final class RunUntilBlocked: SchedulingStrategy {
    public init() {}
    public func chooseThread(among candidates: [SimThread]) -> Int { 0 }
    public func chooseEvent(among candidates: [ScheduledEvent]) -> Int { 0 }
}

/// Choices drawn from a seeded pseudo-random generator (SplitMix64): the same seed gives the
/// same schedule on every run and every machine.
public final class SeededRandomStrategy: SchedulingStrategy {
    @exclusivity(unchecked) private var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// A number in `0..<count`.
    func next(below count: Int) -> Int {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Int(z % UInt64(count))
    }

    public func chooseThread(among candidates: [SimThread]) -> Int { next(below: candidates.count) }
    public func chooseEvent(among candidates: [ScheduledEvent]) -> Int { next(below: candidates.count) }
    /// When runs are perturbed (inside a ``ReplayStrategy`` with a budget), one kernel entry in
    /// four is perturbed, the perturbation chosen uniformly.
    public func choosePerturbation(among candidates: [Perturbation], running: SimThread) -> Int {
        next(below: 4) == 0 ? 1 + next(below: candidates.count - 1) : 0
    }
}

/// What happened while a blocked thread let the simulation go on.
enum SchedulingStep {
    /// Something ran (another thread, a device event); the thread should test its wait again.
    case resumed
    /// The thread's own deadline came first.
    case timedOut
    /// Nothing can ever happen again.
    case hung
}

/// The scheduler: exactly one simulated thread runs at a time. Each thread runs on a fiber of
/// its own (``Fiber``; the main thread of `Simulation.run` on the caller's own stack), or with
/// `IOSIM_THREADS=os` on a pooled host OS thread (``HostThread``), and parks on its baton while
/// another runs; a thread that blocks hands the baton on. A simulation with a single thread
/// never switches.
extension Kernel {
    /// The thread `blocked` cannot go on: run another thread that can, or the next due device
    /// event, or let its deadline pass; or report a hang.
    func nextStep(blocked thread: SimThread) -> SchedulingStep {
        // The choice is made, and the baton handed on, in a frame that has returned before this
        // thread parks: the thread handed to is never held by the frames of a parked thread
        // (one that never comes back, if its simulation is released, would keep it alive).
        switch chooseStep(blocked: thread) {
        case .park:
            park(thread)
            return .resumed
        case .yieldToCaller:
            yieldToCaller(from: thread)
            return .resumed
        case .step(let step):
            return step
        }
    }

    /// What ``nextStep(blocked:)`` does once its choice is made.
    private enum StepChoice {
        /// The baton went to another thread: park until it comes back.
        case park
        /// Control goes back to the caller of `run`, whose main thread exited.
        case yieldToCaller
        case step(SchedulingStep)
    }

    private func chooseStep(blocked thread: SimThread) -> StepChoice {
        let ownDeadlinePassed = thread.waitDeadline.map { $0 <= now } ?? false
        if threads.count > 1, !ownDeadlinePassed {
            if let next = chooseRunnableThread(after: thread) {
                return handOff(to: next, from: thread) ? .park : .step(.resumed)
            }
        }
        switch earliestDue(for: thread) {
        case .ownDeadline:
            return .step(.timedOut)
        case .event(let event):
            fire(chooseDueEvent(event))
            return .step(.resumed)
        case .threadDeadline(let other, let deadline):
            if deadline > now { now = deadline }
            return handOff(to: other, from: thread) ? .park : .step(.resumed)
        case .nothing:
            // The main thread of `Simulation.run` has exited and waits for the others to settle:
            // nothing more can happen, so `run` returns, and this thread stays blocked (as
            // threads still blocked when `run`'s body returns do).
            if callerWaitsForSettle { return .yieldToCaller }
            reportHang()
            // The main thread, if it is blocked too, is the one told: it is the test's own flow.
            if let main = threads.first, main !== thread, main.life == .alive, main.waitingFor != nil {
                main.waitStatus = .possibleDeadlock
                return handOff(to: main, from: thread) ? .park : .step(.resumed)
            }
            return .step(.hung)
        }
    }

    private enum Due {
        case ownDeadline
        case event(ScheduledEvent)
        case threadDeadline(SimThread, VirtualInstant)
        case nothing
    }

    /// The earliest of: the next device event, this thread's deadline, another blocked
    /// thread's deadline. Ties go to whichever was set up first. An event found here is the
    /// earliest one; the strategy chooses among those due with it only once the event has won
    /// (``chooseDueEvent(_:)``), so that a step whose thread deadline comes first records no
    /// choice (it had none: no event fires).
    private func earliestDue(for thread: SimThread) -> Due {
        var best: Due = .nothing
        var bestKey: (VirtualInstant, UInt64)?
        func consider(_ due: Due, _ key: (VirtualInstant, UInt64)) {
            if let current = bestKey, current.0 < key.0 || (current.0 == key.0 && current.1 < key.1) { return }
            best = due
            bestKey = key
        }
        if let event = timers.peek() { consider(.event(event), (event.deadline, event.sequence)) }
        if let deadline = thread.waitDeadline { consider(.ownDeadline, (deadline, thread.waitSequence)) }
        if threads.count > 1, stoppedInDebugger == nil {
            for other in threads where other !== thread && other.life == .alive {
                if let deadline = other.waitDeadline, other.waitingFor != nil {
                    consider(.threadDeadline(other, deadline), (deadline, other.waitSequence))
                }
            }
        }
        return best
    }

    /// The strategy may pick any of the events due at the earliest instant (found without
    /// sorting the pending events, into an array kept from step to step).
    private func chooseDueEvent(_ first: ScheduledEvent) -> ScheduledEvent {
        guard !(strategy is RunUntilBlocked) else { return first }
        timers.dueTogether(with: first, into: &dueScratch)
        guard dueScratch.count > 1 else { return first }
        return dueScratch[chosen(strategy.chooseEvent(among: dueScratch), of: dueScratch.count)]
    }

    /// A strategy's choice, kept in range whatever it returned.
    private func chosen(_ index: Int, of count: Int) -> Int { min(max(index, 0), count - 1) }

    /// Threads other than `thread` that can run now, in round-robin order after it.
    /// The thread the strategy picks among those that can run, or nil if none can. The
    /// candidates are gathered in the kernel's scratch array, so a step allocates nothing.
    private func chooseRunnableThread(after thread: SimThread) -> SimThread? {
        collectRunnableThreads(after: thread)
        guard !runnableScratch.isEmpty else { return nil }
        return runnableScratch[chosen(strategy.chooseThread(among: runnableScratch), of: runnableScratch.count)]
    }

    /// Whether a thread other than `thread` can run now (the async `run`'s executor thread asks
    /// before it lets others go first, Concurrency/SimulationExecutor.swift).
    func hasRunnableThread(besides thread: SimThread) -> Bool {
        collectRunnableThreads(after: thread)
        return !runnableScratch.isEmpty
    }

    func collectRunnableThreads(after thread: SimThread?) {
        // Emptied element by element: removeAll(keepingCapacity:) costs more than a few
        // removeLast, and there are seldom more than one or two.
        while !runnableScratch.isEmpty { runnableScratch.removeLast() }
        let count = threads.count
        var index = 0
        if let thread {
            for position in 0..<count where threads[position] === thread {
                index = position + 1
                break
            }
        }
        // Each thread looked at borrowed (the thread list keeps it); only those that can run
        // are retained, by the scratch array.
        for _ in 0..<count {
            if index == count { index = 0 }
            let candidate = Unmanaged.passUnretained(threads[index])
            index += 1
            if candidate._withUnsafeGuaranteedRef({ $0 !== thread && canRun($0) }) {
                runnableScratch.append(candidate.takeUnretainedValue())
            }
        }
    }

    /// A thread can run if it has not started yet, or it is blocked but its wait would now end.
    private func canRun(_ thread: SimThread) -> Bool {
        // While one thread is stopped at a breakpoint, the debugger holds every other (DebuggerPause.swift).
        if let stopped = stoppedInDebugger, stopped !== thread { return false }
        switch thread.life {
        case .exited: return false
        case .notStarted: return thread.suspendCount == 0 || thread.terminationCode != nil
        case .alive:
            guard thread !== current else { return false }
            guard let reason = thread.waitingFor else { return false }
            if thread.waitStatus != nil || thread.hasCompletionWork || thread.terminationCode != nil { return true }
            if reason.isAlertable && !thread.userAPCs.isEmpty { return true }
            if let deadline = thread.waitDeadline, deadline <= now { return true }
            return satisfy(reason, consume: false) != nil
        }
    }

    /// Parks the OS thread of `thread` until the baton comes back to it. A simulation released
    /// while the thread is parked ends its OS thread here, touching nothing of the kernel.
    func park(_ thread: SimThread) {
        thread.baton.wait()
        if thread.terminating { iosim_end_os_thread() }
    }

    /// Control goes back to the caller of `Simulation.run` (whose main thread exited) while
    /// `thread` stays blocked.
    private func yieldToCaller(from thread: SimThread) {
        thread.savedDepth = depth
        current = nil
        runner?.signal()
        park(thread)
    }

    /// Makes `next` the running thread and wakes (or starts) it, without parking the caller.
    /// False if `next` could not be started (the host refused an OS thread): it is marked
    /// exited, and `thread` stays the running one.
    @discardableResult
    func handOff(to next: SimThread, from thread: SimThread) -> Bool {
        if !sections.mapped.isEmpty { synchronizeMappedViews() }
        thread.savedDepth = depth
        depth = next.savedDepth
        current = next
        contextSwitches &+= 1
        if tracing { record(.note("switch to \(next.name)")) }
        if next.life == .notStarted {
            next.life = .alive
            guard launch(next) else {
                next.life = .exited
                next.startRoutine = nil
                signal(next)
                if tracing { record(.note("\(next.name) could not be started: the host refused an OS thread")) }
                current = thread
                depth = thread.savedDepth
                return false
            }
        } else {
            next.baton.signal()
        }
        return true
    }

    // MARK: - Thread life

    /// Creates a thread that will run `body` when the scheduler first picks it, in `process`
    /// (by default the running thread's). A child process's threads are named after its
    /// image (`child.exe:main`), so that timelines show which process acts.
    package func createThread(name: String?, in process: SimProcess? = nil, _ body: @escaping () -> UInt32) -> SimThread {
        let process = process ?? currentProcess
        let threadID = nextThreadID
        nextThreadID += 4
        var threadName = name ?? "thread-\(threadID)"
        if process !== initialProcess { threadName = process.imageName + ":" + threadName }
        let thread = SimThread(id: takeObjectID(), threadID: threadID, name: threadName, kernel: self, process: process)
        thread.life = .notStarted
        thread.startRoutine = body
        thread.pointerCount = 1  // the kernel's own reference while the thread exists
        threads.append(thread)
        process.threads.append(thread)
        return thread
    }

    /// `NtCreateThread`: a thread running `body`, and a handle to it.
    package func ntCreateThread(_ body: @escaping () -> UInt32) -> (UInt, SimThread) {
        let thread = createThread(name: nil, body)
        return (insertHandle(thread, access: 0x1F_FFFF), thread)
    }

    /// `NtCreateThread` for `CreateThread`: a thread running the C routine `startAddress` with
    /// `parameter`. Both are plain values, so the thread's first frame holds no closure that an
    /// exit inside the routine would leave allocated.
    package func ntCreateThread(startAddress: @escaping @convention(c) (UnsafeMutableRawPointer?) -> UInt32,
                                parameter: UnsafeMutableRawPointer?) -> (UInt, SimThread)
    {
        let thread = createThread(name: nil) { 0 }
        thread.startRoutine = nil
        thread.startAddress = startAddress
        thread.startParameter = parameter
        return (insertHandle(thread, access: 0x1F_FFFF), thread)
    }

    /// `NtOpenThread` by thread id: a new handle to a thread that has not exited.
    package func ntOpenThread(threadID: UInt32) -> (NTStatus, UInt) {
        guard let thread = threads.first(where: { $0.threadID == threadID && $0.life != .exited }) else {
            return (.invalidParameter, 0)
        }
        return (.success, insertHandle(thread, access: 0x1F_FFFF))
    }

    /// The thread a handle names (`GetCurrentThread()` names the running one).
    package func thread(forHandle value: UInt) -> SimThread? {
        if value == UInt.max - 1 { return current }
        return handles.lookup(value) as? SimThread
    }

    /// Starts `thread` on a fiber (it runs when the running thread parks), or with OS threads on
    /// a host OS thread (an idle pooled one if there is one).
    func launch(_ thread: SimThread) -> Bool {
        thread.osThreadStarted = true
        if Fiber.enabled {
            thread.fiber = Fiber.start(thread)
            if thread.fiber == nil { thread.osThreadStarted = false }
            return thread.fiber != nil
        }
        guard HostThread.start(thread) else {
            thread.osThreadStarted = false
            return false
        }
        return true
    }

    /// The body of a started thread: APCs queued before it started run first (F-APC-9), then
    /// its code; returning from it exits the thread.
    func runThread(_ thread: SimThread) {
        // Handed back once the thread's frames have all returned (its simulation waits for it).
        runThreadCode(thread)?.signal()
    }

    /// ``runThread(_:)``'s work: nil, or what to hand control back on when the thread was
    /// unwound for its simulation's release.
    private func runThreadCode(_ thread: SimThread) -> Baton? {
        // A thread terminated before it first ran never runs its code.
        if let code = thread.terminationCode {
            thread.startRoutine = nil
            exitThread(thread, code: code)
            return nil
        }
        // The routine is held here, below the thread's exit point: an exit inside it comes back
        // to this frame (runExitable), which then returns and lets go of it.
        // (Not optional: unwrapping it inside would copy it into a frame an exit abandons.)
        let routine = thread.startRoutine ?? { 0 }
        var code: UInt32 = 0
        let end = runExitable(thread) {
            if !thread.userAPCs.isEmpty { deliverUserAPCs(thread) }
            if let startAddress = thread.startAddress {
                code = startAddress(thread.startParameter)
            } else {
                code = call(routine)
            }
        }
        switch end {
        case .returned: break
        // An exited thread is gone (with OS threads, so may its simulation be): touch nothing.
        case .exited: return nil
        case .unwoundForRelease: return releasingThreads
        }
        thread.startRoutine = nil
        // Returning from a process's main function is ExitProcess (what the C runtime does).
        if thread.isProcessMain { beginProcessExit(code: code, from: thread) }
        exitThread(thread, code: code)
        return nil
    }

    /// Calls a thread's routine without retaining it (`borrowing`): the frame that calls it is
    /// abandoned if the thread exits inside it.
    private func call(_ routine: borrowing @escaping () -> UInt32) -> UInt32 { routine() }

    /// The exiting thread gives the baton to whoever can run, firing device events until
    /// someone can; if no one ever can, the blocked threads have hung, and the main thread (or
    /// the first blocked one) gets `STATUS_POSSIBLE_DEADLOCK`.
    func passBatonForGood(from thread: SimThread) {
        while true {
            if let next = chooseRunnableThread(after: thread) {
                if handOff(to: next, from: thread) { return }
                continue
            }
            switch earliestDue(for: thread) {
            case .event(let event):
                fire(chooseDueEvent(event))
            case .threadDeadline(let other, let deadline):
                if deadline > now { now = deadline }
                handOff(to: other, from: thread)
                return
            case .ownDeadline, .nothing:
                let blocked = threads.filter { $0.life == .alive && $0.waitingFor != nil }
                guard !callerWaitsForSettle, let victim = blocked.first(where: { $0.name == "main" }) ?? blocked.first else {
                    current = nil
                    runner?.signal()
                    return
                }
                reportHang()
                victim.waitStatus = .possibleDeadlock
                handOff(to: victim, from: thread)
                return
            }
        }
    }

    /// Ends simulated threads that are parked for good (the simulation is going away): their
    /// fibers' stacks go back to the pool, or their OS threads end (waited for, so that nothing
    /// runs on them once the kernel is gone). They stop where they are, as `TerminateThread` would stop them; what
    /// their frames hold is abandoned with them.
    func endParkedThreads() {
        if Fiber.enabled {
            // A parked fiber is never switched to again: its stack goes back to the pool as it is.
            for thread in threads where thread.life == .alive && thread !== current {
                iosim_fiber_discard(thread.fiber)
                thread.fiber = nil
            }
            return
        }
        let ended = DispatchSemaphore(value: 0)
        var count = 0
        for thread in threads where thread.osThreadStarted && thread.life == .alive && thread !== current {
            guard let host = thread.host else { continue }
            host.ended = ended
            thread.terminating = true
            thread.baton.signal()
            count += 1
        }
        for _ in 0..<count { ended.wait() }
    }
}
