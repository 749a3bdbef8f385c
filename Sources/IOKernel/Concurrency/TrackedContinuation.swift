/// A task suspended on a tracked continuation: where, since when, and what for.
struct TaskSuspension: CustomStringConvertible {
    let id: Int
    let label: String
    let site: String
    let since: VirtualInstant

    var description: String { "a task is suspended in \(label) (\(site)) since \(since), its continuation never resumed" }
}

/// `withCheckedContinuation` for code that runs in a simulation's tasks: while the task is
/// suspended, the simulation knows it, so a hang report and the teardown report name it, with
/// `label` and the call site, if nothing ever resumes it.
///
/// The Swift runtime offers no hook on continuations, so tasks suspended in the plain
/// `withCheckedContinuation` (or an `AsyncStream`) cannot be named; a hang report still shows
/// that the async body never finished, and which threads and timers were left. Outside a
/// simulated thread this is `withCheckedContinuation`.
public func withTrackedContinuation<T>(_ label: String, function: String = #function, fileID: String = #fileID,
                                       line: Int = #line,
                                       _ body: (CheckedContinuation<T, Never>) -> Void) async -> T
{
    let record = TaskSuspension.begin(label, function: function, fileID: fileID, line: line)
    defer { TaskSuspension.end(record) }
    return await withCheckedContinuation(function: function, body)
}

/// The throwing form of ``withTrackedContinuation(_:function:fileID:line:_:)``.
public func withTrackedThrowingContinuation<T>(_ label: String, function: String = #function, fileID: String = #fileID,
                                               line: Int = #line,
                                               _ body: (CheckedContinuation<T, any Error>) -> Void) async throws -> T
{
    let record = TaskSuspension.begin(label, function: function, fileID: fileID, line: line)
    defer { TaskSuspension.end(record) }
    return try await withCheckedThrowingContinuation(function: function, body)
}

extension TaskSuspension {
    /// Records the suspension in the simulation of the calling simulated thread.
    static func begin(_ label: String, function: String, fileID: String, line: Int) -> (ConcurrencyState, Int)? {
        guard let kernel = SimThread.current?.kernel else { return nil }
        let state = kernel.concurrency
        let id = state.nextSuspensionID
        state.nextSuspensionID += 1
        state.suspensions.append(TaskSuspension(id: id, label: "\"\(label)\"", site: "\(function) at \(fileID):\(line)",
                                                since: kernel.now))
        return (state, id)
    }

    /// The task resumed and runs again (on a simulated thread of the same simulation).
    static func end(_ record: (ConcurrencyState, Int)?) {
        guard let (state, id) = record else { return }
        state.suspensions.removeAll { $0.id == id }
    }
}
