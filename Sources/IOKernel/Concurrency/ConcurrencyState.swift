import Synchronization

/// What a simulation keeps for Swift concurrency: its task executor (made by the first async
/// ``Simulation/run(_:)-(()async->R)``), the continuations its tasks are suspended on, the
/// timers `Task.sleep` set, and the Win32 calls made from OS threads outside it.
///
/// The executor and the continuation records are touched only by the simulated thread that
/// holds the baton; the foreign-call log is written by any OS thread, so it has a lock.
package final class ConcurrencyState: @unchecked Sendable {
    /// The executor that runs the simulation's task jobs, once an async `run` has made it.
    @exclusivity(unchecked) var executor: SimulationExecutor?
    /// Tasks suspended in ``withTrackedContinuation(_:function:fileID:line:_:)``, oldest first.
    @exclusivity(unchecked) var suspensions: [TaskSuspension] = []
    @exclusivity(unchecked) var nextSuspensionID = 1
    /// The virtual-clock events that wake sleeping tasks (`Task.sleep`, ``SimulationClock``):
    /// not device events, so teardown does not list them as such (a cancelled sleep leaves its
    /// timer behind, harmlessly).
    @exclusivity(unchecked) var taskTimers: Set<ObjectIdentifier> = []
    /// When each async body whose task has not finished started, oldest first: a body that hung
    /// stays here, so that the hang and teardown reports say so even when the task is suspended
    /// where nothing can name it.
    @exclusivity(unchecked) var unfinishedBodies: [(id: Int, started: VirtualInstant)] = []
    /// Win32 calls made on OS threads that belong to no simulated thread, attributed to this
    /// simulation.
    let foreignCalls = Mutex<[ForeignThreadCall]>([])

    init() {
        // Installed before any code of the simulation can start a task, so that a task started
        // inside the synchronous `run` is noticed too.
        _ = ConcurrencyHooks.installed
        ForeignThreadCall.simulationCreated(self)
    }

    /// Whether `event` wakes a sleeping task rather than being a device's.
    func isTaskTimer(_ event: ScheduledEvent) -> Bool { taskTimers.contains(ObjectIdentifier(event)) }

    /// Lines for the hang and teardown reports: tasks suspended on tracked continuations, and
    /// task jobs that are ready but were never run.
    func suspendedTaskLines() -> [String] {
        var lines = suspensions.map(\.description)
        for body in unfinishedBodies {
            lines.append("the async body started at \(body.started) never finished (a task suspended outside "
                + "withTrackedContinuation, on a plain continuation, an AsyncStream or the main actor, cannot be named)")
        }
        if let executor, !executor.ready.isEmpty {
            lines.append("\(executor.ready.count) task job(s) ready but never run: "
                + executor.ready.map(\.label).joined(separator: ", "))
        }
        return lines
    }
}
