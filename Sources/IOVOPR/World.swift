import IOKernel
import Win32Surface

/// One episode's simulated program: the handles, memory and expectations the workload has made,
/// and the checks that run after every step.
///
/// Only one simulated thread runs at a time (the scheduler hands a baton), so the world is
/// never used by two OS threads at once, although workers run on OS threads of their own.
final class World {
    /// The episode's simulation, which the episode owns (``VOPR``). The world does not retain
    /// it: a worker still blocked when its episode ends, or terminated, leaves its own frames
    /// behind with what they hold (as on Windows), and a world they held must not keep the
    /// whole simulation alive with it.
    unowned(unsafe) let sim: Simulation
    var random: SeededGenerator
    let budget: Int
    let quarantineBudget: Int
    private(set) var calls = 0
    var failure: VOPRFailure?
    let episode: Int
    let episodeSeed: UInt64
    var counts: [VOPROperation: Int] = [:]

    /// Handle values the workload may use: live ones, closed ones (stale), and garbage.
    var handles: [HANDLE?] = [nil, HANDLE(bitPattern: 0x1234), HANDLE(bitPattern: UInt.max), HANDLE(bitPattern: 0x4)]
    var ports: [HANDLE?] = []
    var events: [HANDLE?] = []
    var workers: [HANDLE?] = []
    /// Child processes' handles (`C:\vopr\child.exe`), running, exited or terminated.
    var children: [HANDLE?] = []
    var manualDevices: [StockDriver] = []
    /// Heap blocks: OVERLAPPEDs and buffers, live or freed (a freed one is still used, on
    /// purpose, as a program with a lifetime bug would).
    var overlappeds: [LPOVERLAPPED] = []
    var buffers: [(pointer: UnsafeMutableRawPointer, size: Int)] = []
    var freed: Set<UInt> = []
    /// Handles bound to a port, and the notifications the model still expects, per OVERLAPPED:
    /// completion routines (ReadFileEx/WriteFileEx that returned TRUE) and packets (requests on
    /// a port-bound handle that did not fail at once).
    var portBound: Set<UInt> = []
    /// Handles opened without FILE_FLAG_OVERLAPPED (and their duplicates): `ReadFileEx` on one
    /// waits inside the call and may return FALSE with its routine queued all the same, as
    /// NtReadFile on a synchronous file object does; ReadFileEx documents such handles as unsupported.
    var synchronous: Set<UInt> = []
    var expectedRoutines: [UInt: Int] = [:]
    var expectedPackets: [UInt: Int] = [:]
    var lastTime = VirtualInstant.zero
    var pipeSerial = 0
    var peakArenaBytes = 0
    /// What the episode provoked (kept and dropped), read before its simulation goes.
    var memoryViolations = 0
    var hangs = 0
    var bugChecks = 0

    init(sim: Simulation, seed: UInt64, episode: Int, budget: Int, quarantineBudget: Int) {
        self.sim = sim
        self.random = SeededGenerator(seed: seed)
        self.episodeSeed = seed
        self.episode = episode
        self.budget = budget
        self.quarantineBudget = quarantineBudget
    }

    var done: Bool { calls >= budget || failure != nil }

    /// Runs steps until the episode's budget is spent or a check fails.
    func run(onWorker: Bool, steps: Int = .max) {
        var taken = 0
        while !done && taken < steps {
            let operation = VOPROperation.pick(&random, workerSafe: onWorker)
            calls += 1
            taken += 1
            counts[operation, default: 0] += 1
            perform(operation)
            check(after: operation)
        }
    }

    /// The checks after every step: the kernel's invariants, time, and host memory.
    func check(after operation: VOPROperation) {
        guard failure == nil else { return }
        var problems = sim.kernel.invariantViolations()
        if sim.now < lastTime { problems.append("virtual time went back from \(lastTime) to \(sim.now)") }
        lastTime = sim.now
        if sim.memory.quarantinedBytes > quarantineBudget {
            problems.append("the quarantine holds \(sim.memory.quarantinedBytes) bytes, over its budget of \(quarantineBudget)")
        }
        if sim.hangs.count > Simulation.hangReportLimit || sim.memoryViolations.count > Simulation.memoryViolationLimit {
            problems.append("diagnostics grew past their bounds")
        }
        if !problems.isEmpty { fail(operation, problems) }
    }

    func fail(_ operation: VOPROperation, _ problems: [String]) {
        guard failure == nil else { return }
        failure = VOPRFailure(episode: episode, episodeSeed: episodeSeed, call: calls, operation: operation, problems: problems)
        // With tracing on (a replay), the timeline's last entries show how it came to this.
        failure?.timeline = sim.trace.entries.suffix(40).map { "\($0.time) \($0.thread ?? "-") \(sim.trace.text(of: $0.event))" }
    }

    // MARK: - Picking arguments

    func anyHandle() -> HANDLE? { random.pick(handles) }

    func anyOverlapped() -> LPOVERLAPPED? {
        if overlappeds.isEmpty || random.chance(3) { return nil }
        return random.pick(overlappeds)
    }

    /// A buffer and a length: usually fitting, sometimes longer than the block, sometimes NULL.
    func anyBuffer() -> (UnsafeMutableRawPointer?, DWORD) {
        if buffers.isEmpty || random.chance(3) { return (nil, DWORD(random.below(2) * 8)) }
        let buffer = random.pick(buffers)
        let length = random.chance(5) ? buffer.size + 1 + random.below(64) : random.below(buffer.size + 1)
        return (buffer.pointer, DWORD(length))
    }

    /// A new block may take memory the quarantine gave back to the host (with a small budget):
    /// a stale pointer into it now points into the new, live block, as on a real heap, so the
    /// workload stops counting it as freed.
    func allocated(_ block: UnsafeMutableRawPointer, _ size: Int) {
        let start = UInt(bitPattern: block)
        let end = start + UInt(max(size, 1))
        freed = freed.filter { $0 < start || $0 >= end }
    }

    /// Whether the file object the handle names now is bound to a port (through this handle
    /// or a duplicate of it).
    func isPortBound(_ handle: HANDLE?) -> Bool { sim.fileObject(handle)?.completionPort != nil }

    /// A request on a port-bound handle that did not fail at once sends one packet, unless its
    /// event's low bit says not to.
    func expectPacket(_ handle: HANDLE?, _ ov: LPOVERLAPPED?, succeededOrPending: Bool) {
        guard succeededOrPending, let ov, isPortBound(handle), !freed.contains(UInt(bitPattern: ov)) else { return }
        if let event = ov.pointee.hEvent, UInt(bitPattern: event) & 1 != 0 { return }
        expectedPackets[UInt(bitPattern: ov), default: 0] += 1
    }

    /// A notification arrived for `ov`: one fewer expected; more than expected is a failure.
    func delivered(_ ov: UnsafeMutableRawPointer?, _ kind: String, from expectations: inout [UInt: Int], _ operation: VOPROperation) {
        guard let ov else { return }
        let key = UInt(bitPattern: ov)
        let left = (expectations[key] ?? 0) - 1
        if left < 0 {
            fail(operation, ["a \(kind) arrived for \(sim.trace.name(of: key, "ov")) with none expected: delivered twice, or for a request that failed at once"])
        }
        expectations[key] = max(0, left)
    }
}

/// The world of the episode running now: a worker, a completion routine or an APC (a C function
/// pointer, which captures nothing) finds it here. Only one simulated thread runs at a time,
/// and one VOPR runs at a time in a process. Unretained, and lent without a retain
/// (``withCurrentWorld(_:)``), so that a thread stopped inside one of these leaves no
/// reference to the world in its frames: such references kept whole episodes' simulations
/// alive, about 2 MB per 100,000 calls.
nonisolated(unsafe) var currentWorld: Unmanaged<World>?

/// Runs `body` with the current world, borrowed.
func withCurrentWorld(_ body: (World) -> Void) {
    currentWorld?._withUnsafeGuaranteedRef(body)
}
