#if compiler(>=6.3)
@_spi(ExperimentalScheduling) import _Concurrency
#endif
import CConcurrencyHooks
import Synchronization

/// The executor that runs a simulation's task jobs: every job of every task started inside an
/// async ``Simulation/run(_:)-(()async->R)`` (child tasks, groups, `async let`, `Task {}`,
/// detached tasks) comes here, through the Swift runtime's global-executor hooks
/// (``ConcurrencyHooks``) or as this task executor's own jobs, and runs on the simulation's
/// main thread, one at a time.
///
/// Jobs wait in a ready queue owned by the kernel. The main thread runs them until the queue is
/// empty, then blocks in the simulation like any waiting thread: other simulated threads run,
/// device events fire, the virtual clock moves, and a continuation one of them resumes makes its
/// task's job ready again. So job execution is simulated-thread work: the scheduler, its
/// strategies, replay tokens and hang detection cover it. When several jobs are ready, a
/// strategy other than ``RunUntilBlocked`` chooses which runs next (through
/// ``SchedulingStrategy/chooseEvent(among:)``, each job presented as a ``ScheduledEvent``
/// labelled `job#N`); the default runs them in the order they became ready.
///
/// Timed jobs (`Task.sleep`, ``SimulationClock``) become ready when the virtual clock reaches
/// their deadline.
final class SimulationExecutor: TaskExecutor, @unchecked Sendable {
    unowned(unsafe) let kernel: Kernel
    /// Jobs ready to run, in the order they became ready. Touched only by the simulated thread
    /// that holds the baton.
    @exclusivity(unchecked) var ready: [ScheduledEvent] = []
    /// Signalled while a job is ready: what the main thread waits on when it has none to run.
    let readiness: TaskJobQueue
    /// Jobs enqueued from OS threads outside the simulation, moved to `ready` when the main
    /// thread next looks for work (their arrival is not deterministic).
    private let inbox = Mutex<[(UnownedJob, Duration?)]>([])
    private let inboxCount = Atomic<Int>(0)
    @exclusivity(unchecked) private var nextJobNumber = 1
    /// The running task's job after it hopped (``acceptHop(_:)``): runs before `ready`.
    @exclusivity(unchecked) private var hop: ScheduledEvent?
    /// The wake-up jobs whose timers have not fired, by the order they were set.
    @exclusivity(unchecked) private var pendingWakeUps: [Int: UnownedJob] = [:]
    @exclusivity(unchecked) private var nextWakeUpKey = 0
    /// Whether the simulation is being released (``releaseWakeUps()``), and whether it is gone.
    @exclusivity(unchecked) private var releasing = false
    private let released = Atomic<Bool>(false)
    /// Jobs of tasks that were ready, or made ready by a wake-up, when the simulation was
    /// released: never run, so their tasks are not freed.
    @exclusivity(unchecked) private(set) var leftOverJobs = 0
    /// The job each event of `ready` (and `hop`) runs, for the release to park.
    @exclusivity(unchecked) private var queuedJobs: [ObjectIdentifier: UnownedJob] = [:]
    /// The job the main thread is running now.
    @exclusivity(unchecked) private var runningJob: UnownedJob?
    /// Tasks waiting in ``Simulation/settle()`` for the simulation to have nothing else to do.
    @exclusivity(unchecked) var settling: [UnsafeContinuation<Void, Never>] = []
    /// How many jobs ran.
    @exclusivity(unchecked) private(set) var jobsRun: UInt64 = 0

    init(kernel: Kernel) {
        self.kernel = kernel
        readiness = TaskJobQueue(id: kernel.takeObjectID())
    }

    // MARK: - Enqueueing

    func enqueue(_ job: consuming ExecutorJob) {
        accept(UnownedJob(job), after: nil)
    }

    /// Takes a job, from whichever OS thread: a simulated thread of this simulation queues it
    /// (or sets its timer) at once; any other thread leaves it in the inbox.
    func accept(_ job: UnownedJob, after delay: Duration?) {
        if released.load(ordering: .acquiring) {
            // The simulation is gone (its kernel with it); a task that prefers this executor
            // keeps it alive, and may still be given back to it (its main-actor job ran on the
            // host's main thread afterwards): it can never run again.
            TasksAtRelease.park(job)
            return
        }
        if releasing, iosim_job_sink() != nil {
            keepFromRunning(job)
            return
        }
        if let thread = SimThread.current, thread.kernel === kernel {
            if let delay { schedule(job, after: delay) } else { makeReady(job) }
            return
        }
        // Checked again under the inbox's lock, which the release takes to mark the executor
        // released: while it is held the kernel is alive, and the state is retained from here.
        let state = inbox.withLock { jobs -> ConcurrencyState? in
            guard !released.load(ordering: .acquiring) else { return nil }
            jobs.append((job, delay))
            return kernel.concurrency
        }
        guard let state else {
            TasksAtRelease.park(job)
            return
        }
        inboxCount.add(1, ordering: .releasing)
        ForeignThreadCall.record(function: "a task job", kind: .taskJob, into: state)
    }

    /// Takes the job of the task that is running now, which has just hopped to the global
    /// executor: it runs next, before any other ready job and without a scheduling choice.
    ///
    /// Jobs of a task that prefers no executor (an unstructured or detached task) run on this
    /// task executor, so the runtime sees every call of a nonisolated async function as a switch
    /// of task executor, and gives the task to the global executor. On the runtime's own global
    /// executor that switch would not happen (the task goes on on its thread), so running the
    /// hop at once is what the task would do outside the simulation. It also keeps
    /// `Task.sleep(for:)` exact in such tasks: the host deadline it computes and the wake-up it
    /// enqueues are a few hops apart, with no other task's job (and its host time) between.
    /// A task's jobs are the task itself, so the hop is the job that is running. False (the job
    /// is queued as usual) if it is not.
    func acceptHop(_ job: UnownedJob) -> Bool {
        guard let running = runningJob, unsafeBitCast(running, to: UInt.self) == unsafeBitCast(job, to: UInt.self),
              hop == nil else { return false }
        hop = jobEvent(job, hop: true)
        readiness.signaled = true
        return true
    }

    /// Queues a job to run: the main thread runs it when it next looks for work.
    func makeReady(_ job: UnownedJob, onGenericExecutor generic: Bool = false) {
        ready.append(jobEvent(job, onGenericExecutor: generic))
        readiness.signaled = true
    }

    /// The ready-queue entry that runs `job`, numbered in the order jobs became ready: on this
    /// task executor, or on the generic executor (a sleep's wake-up task, which prefers no
    /// executor: run there, it ends in one job, without a hop).
    ///
    /// While the job runs, the OS thread notes its host-clock reads (``HostDeadline``); a job
    /// starts with none noted, a hop goes on with the notes of the job it continues.
    private func jobEvent(_ job: UnownedJob, onGenericExecutor generic: Bool = false, hop: Bool = false) -> ScheduledEvent {
        let number = nextJobNumber
        nextJobNumber += 1
        let event = ScheduledEvent(deadline: kernel.now, sequence: kernel.timers.takeSequence(), label: "job#\(number)") {
            [unowned(unsafe) self] in
            self.runningJob = job
            iosim_host_clock_capture(true, !hop)
            defer {
                iosim_host_clock_capture(false, false)
                self.runningJob = nil
            }
            if generic {
                iosim_run_job_on_generic_executor(unsafeBitCast(job, to: UnsafeMutableRawPointer.self))
            } else {
                job.runSynchronously(on: self.asUnownedTaskExecutor())
            }
        }
        queuedJobs[ObjectIdentifier(event)] = job
        return event
    }

    /// Sets a timer on the virtual clock that makes the job ready `delay` from now. A delayed job
    /// is a sleep's wake-up task; it runs on the generic executor.
    func schedule(_ job: UnownedJob, after delay: Duration) {
        let deadline = kernel.now.advanced(by: delay)
        let key = nextWakeUpKey
        nextWakeUpKey += 1
        pendingWakeUps[key] = job
        let event = kernel.timers.schedule(at: deadline, label: "a sleeping task's wake-up") { [unowned(unsafe) self] in
            self.pendingWakeUps[key] = nil
            self.makeReady(job, onGenericExecutor: true)
        }
        kernel.concurrency.taskTimers.insert(ObjectIdentifier(event))
    }

    // MARK: - Release

    /// Runs the wake-up jobs whose timers had not fired when the simulation is released, so
    /// that the runtime frees them (and what they hold); every job they make ready is kept from
    /// running, here or anywhere. Called once, by the releasing OS thread, before the kernel
    /// lets go of its objects.
    ///
    /// A delayed job is a sleep's wake-up task (`Task.sleep` makes one per sleep, with the
    /// deadline). When the sleep was cancelled, the sleeping task has long gone on, and the
    /// wake-up only frees the sleep's state, as the runtime's own executor would have done at
    /// the deadline. When it was not, the wake-up resumes the sleeping task: that task's job is
    /// kept back with the other jobs left (``leftOverJobs``), because running a task's code
    /// after its simulation is gone would act on freed memory and released handles.
    func releaseWakeUps() {
        releasing = true
        iosim_set_job_sink(Unmanaged.passUnretained(self).toOpaque())
        defer { iosim_set_job_sink(nil) }
        while let key = pendingWakeUps.keys.min() {
            guard let job = pendingWakeUps.removeValue(forKey: key) else { break }
            iosim_run_job_on_generic_executor(unsafeBitCast(job, to: UnsafeMutableRawPointer.self))
            TasksAtRelease.wakeUpsRun.add(1, ordering: .relaxed)
        }
        for event in ready + (hop.map { [$0] } ?? []) {
            if let job = queuedJobs.removeValue(forKey: ObjectIdentifier(event)) { keepFromRunning(job) }
        }
        let stranded = inbox.withLock { jobs in
            defer { jobs.removeAll() }
            released.store(true, ordering: .releasing)
            return jobs
        }
        for (job, _) in stranded { keepFromRunning(job) }
        ready.removeAll()
        hop = nil
    }

    /// A job enqueued while the simulation is released, or left ready: parked, never run.
    func keepFromRunning(_ job: UnownedJob) {
        leftOverJobs += 1
        TasksAtRelease.park(job)
    }

    /// Moves jobs that OS threads outside the simulation enqueued into the simulation.
    func drainInbox() {
        guard inboxCount.load(ordering: .acquiring) > 0 else { return }
        let jobs = inbox.withLock { jobs in
            defer { jobs.removeAll() }
            return jobs
        }
        inboxCount.subtract(jobs.count, ordering: .releasing)
        for (job, delay) in jobs {
            if let delay { schedule(job, after: delay) } else { makeReady(job) }
        }
    }

    // MARK: - Running

    /// The main thread has no job to run: it resumes a task waiting in ``Simulation/settle()``
    /// once every other simulated thread is blocked too, letting them run first. False if no
    /// task is settling.
    func settleIfIdle(on thread: SimThread) -> Bool {
        guard !settling.isEmpty else { return false }
        if kernel.hasRunnableThread(besides: thread) {
            yieldToRunnableThreads(from: thread)
        } else {
            settling.removeFirst().resume()
        }
        return true
    }

    /// Lets the other threads that can run go first (the strategy chooses which); the main
    /// thread is runnable meanwhile, so it gets the baton back as soon as one of them blocks.
    private func yieldToRunnableThreads(from thread: SimThread) {
        kernel.enter()
        thread.waitingFor = .objects([readiness], all: false, alertable: false)
        readiness.signaled = true
        _ = kernel.nextStep(blocked: thread)
        thread.waitingFor = nil
        readiness.signaled = !ready.isEmpty || hop != nil
        kernel.leave()
    }

    /// Runs one ready job (the strategy's choice when there are several); false if none is ready.
    func runNextJob() -> Bool {
        drainInbox()
        let event: ScheduledEvent
        if let hopped = hop {
            hop = nil
            event = hopped
        } else {
            guard !ready.isEmpty else { return false }
            var index = 0
            if ready.count > 1, !(kernel.strategy is RunUntilBlocked) {
                index = min(max(kernel.strategy.chooseEvent(among: ready), 0), ready.count - 1)
            }
            event = ready.remove(at: index)
        }
        readiness.signaled = !ready.isEmpty  // (a hop is made only while a job runs)
        queuedJobs[ObjectIdentifier(event)] = nil
        jobsRun &+= 1
        if kernel.tracing { kernel.record(.note("runs task \(event.label)")) }
        if let action = event.action {
            event.action = nil
            action()
        }
        return true
    }
}

#if compiler(>=6.3)
/// `Task.sleep` and clock sleeps ask the current task executor for a timed enqueue (SE-0505's
/// `SchedulingExecutor`, in the 6.3 runtime): the job becomes ready when the *virtual* clock
/// reaches the deadline.
///
/// A ``SimulationClock`` deadline is exact. `ContinuousClock` and `SuspendingClock` deadlines
/// are host instants (`Task.sleep(for:)` adds the duration to the host's `now`): the delay is
/// the deadline minus the host read it was computed from, noted while the job ran, so it is
/// the duration asked for however long the host took before the enqueue (``HostDeadline``).
extension SimulationExecutor: SchedulingExecutor {
    func enqueue<C: Clock>(_ job: consuming ExecutorJob, after delay: C.Duration, tolerance: C.Duration?, clock: C) {
        accept(UnownedJob(job), after: (delay as? Duration) ?? .zero)
    }

    func enqueue<C: Clock>(_ job: consuming ExecutorJob, at instant: C.Instant, tolerance: C.Duration?, clock: C) {
        let delay: Duration
        if let virtual = instant as? SimulationClock.Instant {
            delay = kernel.now.duration(to: virtual.instant)
        } else if let host = HostDeadline.delay(until: instant, clock: clock) {
            delay = host
        } else if let left = clock.now.duration(to: instant) as? Duration {
            delay = left.roundedUpToMilliseconds
        } else {
            delay = .zero
        }
        accept(UnownedJob(job), after: delay)
    }
}
#endif

extension Duration {
    /// The duration rounded up to a whole millisecond (negative durations are zero).
    var roundedUpToMilliseconds: Duration {
        let nanoseconds = virtualNanoseconds
        let milliseconds = nanoseconds / 1_000_000 + (nanoseconds % 1_000_000 == 0 ? 0 : 1)
        return .milliseconds(Int64(clamping: milliseconds))
    }
}

/// What simulations' releases did with their tasks, process-wide (a test reads the change
/// across one release).
package enum TasksAtRelease {
    /// Sleeps' wake-up jobs run at release (``SimulationExecutor/releaseWakeUps()``).
    package static let wakeUpsRun = Atomic<Int>(0)
    /// Task jobs left ready at release, made ready by a wake-up at release, or given back to a
    /// released simulation's executor afterwards (a task that prefers it, back from the main
    /// actor): never run, because their code would act on the simulation's freed memory and
    /// closed handles.
    package static var jobsKept: Int { parked.withLock { $0.count } }

    /// The jobs kept, parked here for the rest of the process: a task is freed only by running
    /// to its end, so these stay allocated, referenced rather than lost.
    private static let parked = Mutex<[UInt]>([])

    static func park(_ job: UnownedJob) {
        parked.withLock { $0.append(unsafeBitCast(job, to: UInt.self)) }
    }
}

/// The kernel object a simulation's executor thread waits on when no task job is ready:
/// signalled while one is. Hang reports name it.
final class TaskJobQueue: KernelObject {
    init(id: Int) { super.init(id: id, kind: .event) }

    override public var label: String { "the task job queue" }
}
