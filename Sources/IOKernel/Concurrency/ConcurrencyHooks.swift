import CConcurrencyHooks
import Synchronization

/// Routes the Swift runtime's global-executor jobs to the simulation they belong to.
///
/// The hooks (`swift_task_enqueueGlobal_hook` and its delayed and deadline variants, installed
/// from the `CConcurrencyHooks` C target when the first simulation is created, and left
/// installed) offer every job the runtime would give its global executor. The job goes:
/// - to the simulation of the calling OS thread, if that is a simulated thread of a simulation
///   that has run an async body: a task started, or a continuation resumed, by simulated code
///   (a port thread resuming a read's continuation) is scheduled through its simulation;
/// - else to the simulation whose async `run` is in progress (the most recent one, if several
///   are), recorded as a foreign enqueue: such a job's arrival depends on the host's timing;
/// - else to the runtime's own executor, untouched: code outside simulations runs as usual.
///
/// A job that is the running task itself is that task hopping to the global executor on its way
/// into a nonisolated async function (an unstructured task's job runs on the simulation's task
/// executor, which it does not prefer): it runs next, before any other job
/// (``SimulationExecutor/acceptHop(_:)``).
///
/// Two simulations running async bodies at once (parallel Swift Testing tests in one process)
/// stay apart for everything their own simulated threads enqueue, which is everything unless
/// an OS thread outside both resumes a continuation; such a job goes to the most recent one.
enum ConcurrencyHooks {
    /// Installs the hooks once per process; false if the runtime does not have them.
    static let installed: Bool = iosim_install_concurrency_hooks { job, timing, seconds, nanoseconds, clock in
        ConcurrencyHooks.route(job, timing, seconds, nanoseconds, clock)
    }

    /// The executors whose async `run` is in progress, most recent last. Held strongly, and
    /// only while the run is in progress (a weak reference's side table would outlive it).
    private static let running = Mutex<[RunningExecutor]>([])

    private struct RunningExecutor: @unchecked Sendable {
        let executor: SimulationExecutor
    }

    static func started(_ executor: SimulationExecutor) {
        running.withLock { $0.append(RunningExecutor(executor: executor)) }
    }

    static func ended(_ executor: SimulationExecutor) {
        running.withLock { list in
            if let index = list.lastIndex(where: { $0.executor === executor }) { list.remove(at: index) }
        }
    }

    /// The state of the simulation whose async `run` is in progress (the most recent one).
    static func runningState() -> ConcurrencyState? {
        running.withLock { $0.last?.executor.kernel.concurrency }
    }

    private static func route(_ raw: UnsafeMutableRawPointer, _ timing: IOSimJobTiming, _ seconds: Int64,
                              _ nanoseconds: Int64, _ clock: Int32) -> Bool
    {
        let job = unsafeBitCast(raw, to: UnownedJob.self)
        let delay: Duration? =
            switch timing {
            case IOSimJobAfterDelay: .nanoseconds(nanoseconds)
            case IOSimJobAtDeadline: HostDeadline.delay(until: seconds, nanoseconds, clock: clock)
            default: nil
            }
        if let sink = iosim_job_sink() {
            Unmanaged<SimulationExecutor>.fromOpaque(sink).takeUnretainedValue().keepFromRunning(job)
            return true
        }
        if let thread = SimThread.current {
            guard let executor = thread.kernel.concurrency.executor else {
                // A task started inside the synchronous `run`: nothing would ever run its jobs
                // in the simulation, so it runs outside, where its Win32 calls fail and say so.
                ForeignThreadCall.record(function: "Task", kind: .taskInSynchronousRun, into: thread.kernel.concurrency)
                return false
            }
            if delay == nil, executor.acceptHop(job) { return true }
            executor.accept(job, after: delay)
            return true
        }
        guard let executor = running.withLock({ $0.last?.executor }) else { return false }
        executor.accept(job, after: delay)
        return true
    }
}
