/// The async `run`: an async body as the simulation's main thread, and every task it starts
/// scheduled by the simulation.
extension Simulation {
    /// Runs an async `body` as the simulation's main thread, and returns (or throws) what it does.
    ///
    /// Every job of every task started inside it (child tasks, task groups, `async let`,
    /// `Task {}` and `Task.detached {}`) runs on the simulation's main thread, one at a time,
    /// in the order the scheduling strategy chooses; continuations resumed by simulated threads
    /// (a port thread) schedule their task through the simulation; `Task.sleep` and
    /// ``clock`` sleep on the virtual clock. So a task's Win32 calls act on this simulation,
    /// and its interleaving with I/O completions, APCs and device events is deterministic,
    /// replayable from a ``ScheduleToken`` and explorable like threads'.
    ///
    /// While no job is ready, the main thread waits in the simulation (other threads run,
    /// device events and timers fire, the clock moves); if nothing can ever make a job ready,
    /// the simulation has hung: the ``HangReport`` names the tasks suspended on tracked
    /// continuations (``withTrackedContinuation(_:function:fileID:line:_:)``), and this throws
    /// ``AsyncRunError/hung(_:)``.
    ///
    /// `run` returns once `body` has finished: tasks still suspended, jobs still ready and
    /// threads still blocked stay where they are (a later `run` goes on with them), and
    /// ``finish()`` reports them. The calling OS thread is blocked while `body` runs; the
    /// caller's task does not suspend. As with the synchronous ``run(_:)-(()->R)``, calling it
    /// again continues the same main thread.
    ///
    /// Code isolated to the main actor does not run on the simulation (the main actor's
    /// executor is the host's), and neither do tasks started inside the synchronous `run`:
    /// their Win32 calls fail with a ``ForeignThreadCall`` diagnostic.
    public func run<R>(_ body: @escaping () async throws -> R) async throws -> R {
        try runAsyncBody(body)
    }

    /// The synchronous `run` (chosen here because this context cannot await), with the main
    /// thread's job loop as its body.
    private func runAsyncBody<R>(_ body: @escaping () async throws -> R) throws -> R {
        try run { () throws -> R in try kernel.runAsyncMain(body) }
    }
}

extension Simulation {
    /// Suspends the calling task (of an async ``run(_:)-(()async->R)``) until the simulation has
    /// nothing else to do at this virtual instant: no other task job is ready and every other
    /// simulated thread is blocked. Virtual time does not move. What a test awaits to let
    /// other tasks issue their requests before it acts (`Task.yield()` lets only the jobs
    /// already ready run once).
    public func settle() async {
        guard let executor = kernel.concurrency.executor, SimThread.current?.kernel === kernel else { return }
        await withUnsafeContinuation { executor.settling.append($0) }
    }
}

/// Why an async ``Simulation/run(_:)-(()async->R)`` could not finish its body.
public enum AsyncRunError: Error, CustomStringConvertible {
    /// Every thread was blocked, no task job was ready and nothing was due: the body can never
    /// finish. The report names what each thread and each tracked task waited for.
    case hung(HangReport)
    /// The Swift runtime has no global-executor hooks, so tasks cannot be scheduled.
    case hooksUnavailable
    /// The main thread was terminated (`ExitProcess`, `TerminateThread`) while the body ran.
    case mainThreadTerminated

    public var description: String {
        switch self {
        case .hung(let report): "the async body can never finish: \(report)"
        case .hooksUnavailable: "the Swift runtime does not export swift_task_enqueueGlobal_hook"
        case .mainThreadTerminated: "the main thread was terminated while the async body ran"
        }
    }
}

/// A value that crosses from the body's task to the main thread's loop. Both run on the
/// simulation's main thread, one after the other, so nothing is shared at the same time.
private final class AsyncRunOutcome<R>: @unchecked Sendable {
    var result: Result<R, any Error>?
    let body: () async throws -> R
    /// Tells the simulation the body's task has finished (on the simulation's main thread).
    var finished: (() -> Void)?
    init(_ body: @escaping () async throws -> R) { self.body = body }
}

extension Kernel {
    /// The main thread's loop: start the body's task, then run ready jobs until it finishes,
    /// blocking in the simulation whenever none is ready.
    func runAsyncMain<R>(_ body: @escaping () async throws -> R) throws -> R {
        guard ConcurrencyHooks.installed else { throw AsyncRunError.hooksUnavailable }
        guard let thread = current else { throw AsyncRunError.mainThreadTerminated }
        let executor = concurrency.executor ?? SimulationExecutor(kernel: self)
        concurrency.executor = executor
        ConcurrencyHooks.started(executor)
        defer { ConcurrencyHooks.ended(executor) }
        let outcome = AsyncRunOutcome(body)
        if tracing { record(.note("the async body starts as a task")) }
        let bodyID = concurrency.nextSuspensionID
        concurrency.nextSuspensionID += 1
        concurrency.unfinishedBodies.append((bodyID, now))
        outcome.finished = { [unowned(unsafe) self] in self.concurrency.unfinishedBodies.removeAll { $0.id == bodyID } }
        // The body's task prefers the executor (SE-0417), and so do its child tasks: their
        // jobs come straight to it and need no hop between jobs. Unstructured tasks started
        // inside come through the hooks, from this simulated thread.
        Task.detached(executorPreference: executor) {
            do { outcome.result = .success(try await outcome.body()) } catch { outcome.result = .failure(error) }
            outcome.finished?()
        }
        while outcome.result == nil {
            if executor.runNextJob() || executor.settleIfIdle(on: thread) { continue }
            let status = call {
                waitUntil(thread, reason: .objects([executor.readiness], all: false, alertable: false), deadline: nil)
            }
            switch status {
            case .possibleDeadlock:
                throw AsyncRunError.hung(hangs.entries.last
                    ?? HangReport(time: now, threads: [], pendingIRPs: [], droppedThreads: 0, droppedIRPs: 0))
            case .threadIsTerminating:
                throw AsyncRunError.mainThreadTerminated
            default:
                continue
            }
        }
        if tracing { record(.note("the async body finished")) }
        switch outcome.result {
        case .success(let value): return value
        case .failure(let error): throw error
        case nil: throw AsyncRunError.mainThreadTerminated
        }
    }
}
