import IOKernel

extension Scenario {
    /// Explores the scenario's schedules (ScheduleExplorer) and judges each run with
    /// ``verdict(of:)``: what its requests ended with, and whether memory rules held. Every run
    /// is made in one simulation, reset before it (``Simulation/reset(strategy:)``), as
    /// ``run(strategy:tracing:)`` would make it in a new one.
    public func explore(_ options: ExplorationOptions) -> ExplorationReport {
        let sim = Simulation(options: SimulationOptions(tracing: true, memory: memory))
        return ScheduleExplorer.explore(options, in: sim) { sim in
            body(sim)
            return Scenario.verdict(of: sim)
        }
    }

    /// What a run came to: the final status of each read, write, control and flush request in
    /// the order they were issued, then the memory violations by kind (or "memory clean"). A run
    /// with a memory violation, a bug check or a hang fails. Needs the trace.
    public static func verdict(of sim: Simulation) -> RunVerdict {
        var requests: [(irp: Int, text: String)] = []
        var final: [Int: String] = [:]
        for event in sim.trace.events {
            switch event {
            case .irpIssued(let irp, let major, _) where major != .create && major != .cleanup:
                requests.append((irp, major.shortName))
            case .irpCompleted(let irp, let status, _):
                final[irp] = status.description
            default:
                break
            }
        }
        let results = requests.map { "\($0.text) \(final[$0.irp] ?? "still pending")" }
        let violations = sim.memoryViolations.map { String(describing: $0.kind) }
        var parts = [results.isEmpty ? "no requests" : results.joined(separator: ", ")]
        parts.append(violations.isEmpty ? "memory clean" : "memory: " + violations.joined(separator: "; "))
        if !sim.bugChecks.isEmpty { parts.append("\(sim.bugChecks.count) bug check(s)") }
        if !sim.hangs.isEmpty { parts.append("hung") }
        let text = parts.joined(separator: "; ")
        return violations.isEmpty && sim.bugChecks.isEmpty && sim.hangs.isEmpty ? .held(text) : .failed(text)
    }
}
