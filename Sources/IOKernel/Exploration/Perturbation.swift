/// Device timing and preemption as choices of the schedule.
///
/// Without them, a device event due 30 ms from now can never land between two calls of a
/// running thread, and a thread is never switched out between two calls that do not block: the
/// races the seeds are about (the read that completes just as `CancelIoEx` is issued, the
/// cancellation that lands before the function returns, as under a debugger) would only be
/// reachable by writing their timing into the scenario. With a ``PerturbationBudget``, every
/// kernel entry of a Win32 call is a choice point (as CHESS and loom make every synchronisation
/// operation one): nothing happens, or a device event due within the window fires now (the
/// device was that much faster), or another thread that can run runs first (a preemption).
/// The budget bounds how many of each a run may use, as iterative context bounding does: most
/// bugs need very few.

/// How many perturbations of each kind a run may make, and how far ahead a device event may be
/// pulled.
public struct PerturbationBudget: Sendable, Equatable {
    /// Switches to another runnable thread at a kernel entry.
    public var preemptions: Int
    /// Device events fired before they were due.
    public var earlyFirings: Int
    /// How far in the future a device event may be due and still be fired now.
    public var window: Duration

    public init(preemptions: Int = 1, earlyFirings: Int = 1, window: Duration = .seconds(1)) {
        self.preemptions = max(preemptions, 0)
        self.earlyFirings = max(earlyFirings, 0)
        self.window = window
    }
}

/// What may happen at a kernel entry.
public enum Perturbation {
    /// The call goes on.
    case none
    /// This device event, due within the window, fires now.
    case fireEarly(ScheduledEvent)
    /// The running thread is switched out, still runnable, and this thread runs.
    case preempt(SimThread)
}

extension Kernel {
    /// The outermost kernel entry of a call, when the strategy perturbs runs: offers the
    /// strategy the events due within the window and the threads that could run instead, and
    /// carries out its choice.
    @usableFromInline func explorationPoint() {
        // The thread borrowed, and the choice carried out in a frame that has returned before a
        // preempted thread parks: a parked thread's frames hold no thread (a simulation released
        // meanwhile never lets them unwind).
        guard let running = runningThread else { return }
        running._withUnsafeGuaranteedRef { thread in
            guard perturb(thread) else { return }
            park(thread)
            thread.waitingFor = nil
        }
    }

    /// Offers the strategy its choices and carries out the one it makes; true if the thread was
    /// preempted (the baton handed on) and must park. The candidates are gathered in the
    /// kernel's scratch arrays, and the events that may fire early found without sorting the
    /// pending ones (``TimerQueue/pending(after:through:into:)``): a kernel entry allocates
    /// nothing.
    private func perturb(_ thread: SimThread) -> Bool {
        guard var budget = perturbationsLeft else { return false }
        while !perturbationScratch.isEmpty { perturbationScratch.removeLast() }
        perturbationScratch.append(.none)
        if budget.earlyFirings > 0, !timers.isEmpty {
            timers.pending(after: now, through: now.advanced(by: budget.window), into: &dueScratch)
            for event in dueScratch { perturbationScratch.append(.fireEarly(event)) }
        }
        if budget.preemptions > 0, threads.count > 1 {
            collectRunnableThreads(after: thread)
            for other in runnableScratch { perturbationScratch.append(.preempt(other)) }
        }
        guard perturbationScratch.count > 1 else { return false }
        let pick = strategy.choosePerturbation(among: perturbationScratch, running: thread)
        // Taken out before it is carried out: a preempted thread's successor perturbs too.
        let chosen = perturbationScratch[min(max(pick, 0), perturbationScratch.count - 1)]
        switch chosen {
        case .none:
            return false
        case .fireEarly(let event):
            budget.earlyFirings -= 1
            perturbationsLeft = budget
            if tracing { record(.note("exploration: fired early (due at \(event.deadline)): \(event.label)")) }
            fireEarly(event)
            return false
        case .preempt(let other):
            budget.preemptions -= 1
            perturbationsLeft = budget
            if tracing { record(.note("exploration: \(thread.name) preempted before its call; \(other.name) runs")) }
            return preempt(thread, for: other)
        }
    }

    /// Fires a device event before its time: the clock stays where it is.
    private func fireEarly(_ event: ScheduledEvent) {
        guard let action = event.action else { return }
        event.action = nil
        if tracing { record(.deviceEvent(event.label)) }
        action()
    }

    /// Hands the baton from the running `thread` to `other`; `thread` stays runnable (its wait is
    /// one that is always satisfied) and goes on from where it parks when the scheduler picks it
    /// again. True if it must park.
    private func preempt(_ thread: SimThread, for other: SimThread) -> Bool {
        thread.waitingFor = .preempted
        guard handOff(to: other, from: thread) else {
            thread.waitingFor = nil
            return false
        }
        return true
    }
}
