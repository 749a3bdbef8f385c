import IOKernel
import Win32Surface

/// The VOPR (after TigerBeetle's Viewstamped Operation Replicator, its randomised simulator): a
/// seeded random workload over the whole Win32 surface the simulator offers, with the kernel's
/// invariants checked after every call.
///
/// A run is a series of episodes, each a fresh ``Simulation`` with its devices, driven for
/// ``Options/episodeLength`` calls by one main thread and the workers it starts, and each with a
/// seed derived from the run's. The workload uses valid, closed and garbage handles, freed and
/// reused `OVERLAPPED`s, buffers shorter than the lengths given, cancel and close racing
/// pending requests, ports, pipes, disk files, APCs and threads. After every call:
///
/// - the kernel's invariants hold (`Kernel.invariantViolations()`: each live IRP on exactly one
///   list, handle counts equal the handle table's entries, file objects' pointer counts equal
///   their references);
/// - every completion routine and every completion packet matches a request that did not fail
///   at once, and none arrives twice (a packet for a synchronous failure would be one too many);
/// - virtual time never goes back;
/// - host memory stays bounded: the quarantine within its budget, diagnostics within their
///   caps.
///
/// A failure names the run's seed and the number of calls made, which replay it exactly:
/// `swift run iosim vopr --seed S --calls N`.
public enum VOPR {
    public struct Options: Sendable {
        public var seed: UInt64
        public var calls: Int
        /// Calls per simulation before a fresh one starts.
        public var episodeLength: Int
        /// Record each episode's timeline (slow; for replaying a failure).
        public var tracing: Bool
        /// The quarantine budget of each episode's memory. The default keeps every freed block
        /// for the episode: once the quarantine gives memory back, what a stale pointer meets
        /// depends on whether the host hands the address out again, and a replay could differ.
        public var quarantineBudget: Int

        public init(seed: UInt64, calls: Int, episodeLength: Int = 2_000, tracing: Bool = false,
                    quarantineBudget: Int = MemoryOptions.defaultQuarantineBudget)
        {
            self.seed = seed
            self.calls = calls
            self.episodeLength = episodeLength
            self.tracing = tracing
            self.quarantineBudget = quarantineBudget
        }
    }

    /// What a run did.
    public struct Report: Sendable, CustomStringConvertible {
        public let seed: UInt64
        public var calls = 0
        public var episodes = 0
        public var failure: VOPRFailure?
        /// How many times each operation ran.
        public var operations: [VOPROperation: Int] = [:]
        /// Memory violations, hangs and bug checks the workload provoked (expected: it misuses
        /// memory and waits on what never comes on purpose).
        public var memoryViolations = 0
        public var hangs = 0
        public var bugChecks = 0
        /// The largest host memory an episode's arena held.
        public var peakArenaBytes = 0

        public var description: String {
            var lines = ["VOPR seed \(seed): \(calls) calls in \(episodes) episodes, "
                + "\(memoryViolations) memory violations, \(hangs) hangs, \(bugChecks) bug checks provoked"]
            if let failure { lines.append(failure.description) } else { lines.append("every invariant held after every call") }
            return lines.joined(separator: "\n")
        }
    }

    /// Runs the workload; stops at the first failure.
    public static func run(_ options: Options) -> Report {
        var report = Report(seed: options.seed)
        var seeds = SeededGenerator(seed: options.seed)
        while report.calls < options.calls && report.failure == nil {
            let budget = min(options.episodeLength, options.calls - report.calls)
            let world = episode(report.episodes, seed: seeds.next(), budget: budget, options)
            report.calls += world.calls
            report.episodes += 1
            if var failure = world.failure {
                failure.seed = options.seed
                failure.callsBefore = report.calls - world.calls
                report.failure = failure
            }
            for (operation, count) in world.counts { report.operations[operation, default: 0] += count }
            report.memoryViolations += world.memoryViolations
            report.hangs += world.hangs
            report.bugChecks += world.bugChecks
            report.peakArenaBytes = max(report.peakArenaBytes, world.peakArenaBytes)
        }
        return report
    }

    private static func episode(_ index: Int, seed: UInt64, budget: Int, _ options: Options) -> World {
        let sim = Simulation(options: SimulationOptions(tracing: options.tracing,
                                                        memory: MemoryOptions(quarantineBudget: options.quarantineBudget)))
        var random = SeededGenerator(seed: seed)
        let world = World(sim: sim, seed: seed, episode: index, budget: budget, quarantineBudget: options.quarantineBudget)
        let manual = StockDriver(completion: .manual, cancellation: random.pick([.supported, .ignored, .slow(.milliseconds(5))]),
                                 cleanup: random.pick([.cancelsPending, .ignoresPending]))
        let stubborn = StockDriver(completion: .manual, cancellation: .ignored, cleanup: .ignoresPending)
        sim.installDevice(#"\\.\manual"#, driver: manual)
        sim.installDevice(#"\\.\stubborn"#, driver: stubborn)
        sim.installDevice(#"\\.\timed"#, driver: StockDriver(completion: .after(.milliseconds(random.pick([1, 10, 50]))),
                                                             cancellation: random.pick([.supported, .slow(.milliseconds(20))])))
        sim.installDevice(#"\\.\fast"#, driver: StockDriver(completion: .immediate))
        world.manualDevices = [manual, stubborn]
        installChildProgram(in: sim)
        currentWorld = Unmanaged.passUnretained(world)
        defer { currentWorld = nil }
        sim.run {
            world.run(onWorker: false)
            world.peakArenaBytes = max(world.peakArenaBytes, sim.memory.hostBytes)
            // The episode ends as a program does: every handle closed, the clock let run.
            guard world.failure == nil else { return }
            for handle in world.handles { _ = CloseHandle(handle) }
            _ = SleepEx(1000, true)
            world.check(after: .close)
        }
        world.memoryViolations = sim.memoryViolations.count + sim.droppedMemoryViolationCount
        world.hangs = sim.hangs.count + sim.droppedHangCount
        world.bugChecks = sim.bugChecks.count + sim.droppedBugCheckCount
        return world
    }
}

/// A broken invariant, with what replays it.
public struct VOPRFailure: Sendable, CustomStringConvertible {
    public let episode: Int
    public let episodeSeed: UInt64
    /// The call within the episode after which the check failed.
    public let call: Int
    public let operation: VOPROperation
    public let problems: [String]
    /// The run's seed and the calls made before this episode.
    public internal(set) var seed: UInt64 = 0
    public internal(set) var callsBefore = 0
    /// The last entries of the episode's timeline, when the run was tracing (`--trace`).
    public internal(set) var timeline: [String] = []

    init(episode: Int, episodeSeed: UInt64, call: Int, operation: VOPROperation, problems: [String]) {
        self.episode = episode
        self.episodeSeed = episodeSeed
        self.call = call
        self.operation = operation
        self.problems = problems
    }

    /// The command that replays the run up to this failure.
    public var replay: String { "swift run iosim vopr --seed \(seed) --calls \(callsBefore + call)" }

    public var description: String {
        (["FAILED in episode \(episode) (seed \(episodeSeed)) after call \(call) (\(operation.rawValue)):"]
            + problems.map { "  \($0)" } + ["replay: \(replay)" + (timeline.isEmpty ? " --trace" : "")]
            + (timeline.isEmpty ? [] : ["timeline (last \(timeline.count) entries):"] + timeline.map { "  \($0)" }))
            .joined(separator: "\n")
    }
}
