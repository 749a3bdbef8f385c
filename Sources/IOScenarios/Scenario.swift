import IOKernel

/// A story from one of the seed documents, as a runnable simulation: the devices it needs and
/// the Win32 code it runs, with narration in the timeline.
public struct Scenario: Sendable {
    /// The name `iosim` runs it by.
    public let name: String
    /// The seed document it comes from (in `shared/seeds/`).
    public let seed: String
    /// One paragraph: what happens and what it shows.
    public let summary: String
    /// The simulation's settings (tracing is always on).
    var memory = MemoryOptions()
    let body: @Sendable (Simulation) -> Void

    /// Runs the scenario in a new simulation with tracing on, and returns that simulation for
    /// inspection (its `trace`, `bugChecks`, `hangs`, `memoryViolations`).
    public func run() -> Simulation { run(strategy: RunUntilBlocked()) }

    /// Runs the scenario with `strategy` making the scheduler's choices (a ``ReplayStrategy``
    /// replays a token that ``explore(_:)`` reported).
    public func run(strategy: SchedulingStrategy, tracing: Bool = true) -> Simulation {
        let sim = Simulation(options: SimulationOptions(tracing: tracing, memory: memory), strategy: strategy)
        body(sim)
        return sim
    }

    /// Every built-in scenario, in the order `iosim` lists them.
    public static let all: [Scenario] = [
        .closeHandleWithPendingRead,
        .closeHandleWithPendingReadOnAPipe,
        .cancelingPendingIOOperations,
        .overlappedMustOutliveTheIO,
        .overlappedMustOutliveTheIOReusedMemory,
        .overlappedMustOutliveTheIOFixed,
        .cancelThenWaitReadFileEx,
        .cancelThenWaitReadFileExRace,
        .cancelThenWaitReadFileExRaceFixed,
        .overlappedMustOutliveTheIODebugger,
        .parentReadsChildOutput,
        .cancelingSynchronousIO,
        .cancelIoExThreadByThread,
        .watchADirectory,
    ]

    /// The scenario with this name, if any.
    public static func named(_ name: String) -> Scenario? { all.first { $0.name == name } }
}

/// Memory that lives at a stable address for the whole scenario, as an `OVERLAPPED` and a
/// buffer must for as long as the kernel may write them.
final class ScenarioHeap {
    private var blocks: [UnsafeMutableRawPointer] = []

    func allocate(_ count: Int) -> UnsafeMutableRawPointer {
        let block = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1), alignment: 16)
        block.initializeMemory(as: UInt8.self, repeating: 0, count: max(count, 1))
        blocks.append(block)
        return block
    }

    deinit { for block in blocks { block.deallocate() } }
}
