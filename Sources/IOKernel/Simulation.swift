/// One independent simulated Windows machine: a process, its threads, the devices installed in
/// it, and a virtual clock.
///
/// A scenario installs devices by their behaviour, then runs a closure as the main simulated
/// thread; inside it, the Win32 free functions of `Win32Surface` act on this simulation.
///
/// ```swift
/// let sim = Simulation()
/// let disk = StockDriver(completion: .after(.milliseconds(50)))
/// sim.installDevice(#"\\.\disk"#, driver: disk)
/// sim.run {
///     let h = CreateFileA(#"\\.\disk"#, GENERIC_READ, 0, nil, DWORD(OPEN_EXISTING),
///                         DWORD(FILE_FLAG_OVERLAPPED), nil)
///     // ReadFile, GetOverlappedResult, CancelIoEx, CloseHandle …
/// }
/// XCTAssertTrue(sim.bugChecks.isEmpty)
/// ```
///
/// Simulations share nothing, so tests stay isolated. A simulation is not thread-safe: drive it
/// from one OS thread.
public final class Simulation {
    package let kernel: Kernel
    /// The main thread, once `run` or `runProcess` made it (none again after ``reset(strategy:)``).
    @exclusivity(unchecked) var mainThread: SimThread?

    /// - Parameters:
    ///   - options: Settings fixed for the simulation's life.
    ///   - strategy: Who orders threads and same-instant device events (by default, a thread
    ///     runs until it blocks, then the next in round-robin order).
    public init(options: SimulationOptions = SimulationOptions(), strategy: SchedulingStrategy = RunUntilBlocked()) {
        kernel = Kernel(options: options, strategy: strategy)
    }

    deinit {
        kernel.concurrency.executor?.releaseWakeUps()
        kernel.unwindBlockedThreads()
        kernel.endParkedThreads()
        kernel.releaseDriverState()
        kernel.releaseEverything()
    }

    /// Creates a simulated thread that runs `body` once the scheduler picks it: when the
    /// running thread blocks (the default strategy runs a thread until it blocks). The thread
    /// exits when `body` returns, with its result as exit code.
    @discardableResult
    public func createThread(name: String, _ body: @escaping () -> UInt32) -> SimThread {
        kernel.createThread(name: name, body)
    }

    /// Every simulated thread, in creation order (the main thread first).
    public var threads: [SimThread] { kernel.threads }

    /// How many times the baton passed between simulated threads.
    public var contextSwitches: UInt64 { kernel.contextSwitches }

    /// The timeline (recording is off unless enabled here or in the options).
    public var trace: Trace { kernel.trace }

    /// The virtual time now.
    public var now: VirtualInstant { kernel.now }

    /// Installs a device that `CreateFile` opens by `path` (for example `\\.\slow`).
    ///
    /// - Parameter requiresByteOffset: Whether reads and writes on an asynchronous handle must
    ///   carry an offset (true for seekable devices such as disk files, see
    ///   ``Device/requiresByteOffset``).
    @discardableResult
    public func installDevice(_ path: String, driver: any Driver, requiresByteOffset: Bool = false) -> Device {
        kernel.installDevice(path: path, driver: driver, requiresByteOffset: requiresByteOffset)
    }

    /// The simulated disk volume that `CreateFile` reaches for ordinary paths (`C:\data\a.txt`):
    /// seed and inspect its files, and choose its latency.
    public var fileSystem: FileSystemDriver { kernel.fileSystem }

    /// The named-pipe file system behind `\\.\pipe\…`: which pipes exist and the state of
    /// their instances.
    public var namedPipes: NamedPipeDriver { kernel.namedPipes }

    /// Runs `body` as the simulation's main thread. Calling it again continues the same thread
    /// (same thread id, same last error, same I/O in flight).
    ///
    /// The body runs on the caller's own OS thread (no OS thread switch as `run` starts or
    /// ends), so task-local values and the test framework's context are those of the caller.
    /// If the main thread exits (`ExitThread`, or `ExitProcess` from any thread), the other
    /// threads run until none can go on, and `run` returns (the body's remaining code never
    /// runs: its frames are abandoned, as Windows abandons them). An exit leaves no value to
    /// return: `run` returns `()` or, for an optional result, `nil`; for any other result it
    /// stops the program with a message. A closure that is only `ExitThread(0)` has the type
    /// `() -> Never`, so write `sim.run { () -> Void in ExitThread(0) }`.
    ///
    /// After the main thread or the process has exited (or a process started by
    /// ``runProcess(_:)`` has ended), `body` runs outside the simulation: no simulated thread
    /// is current, so Win32 calls fail as they do outside any.
    public func run<R, E: Error>(_ body: () throws(E) -> R) throws(E) -> R {
        // Inside one of this simulation's threads already: just run it there.
        if let running = SimThread.current, running.kernel === kernel { return try body() }
        guard !kernel.processStarted, kernel.processExitCode == nil, mainThread?.life != .exited else { return try body() }
        let thread = mainThread ?? makeMainThread()
        mainThread = thread
        let previousOSBinding = SimThread.setCurrent(thread)
        let previousThread = kernel.current
        kernel.current = thread
        var outcome: Result<R, E>?
        let exited = runUnwindable {
            // Completion work that arrived while the thread was outside `run` runs first.
            kernel.call {}
            outcome = Result { () throws(E) -> R in try body() }
        }
        // A store into a read-only view since the last thread switch is found now, not lost
        // with the view (FileDataSection).
        if !kernel.sections.mapped.isEmpty { kernel.synchronizeAllMappedViews() }
        kernel.current = previousThread
        SimThread.setCurrent(previousOSBinding)
        if let outcome { return try outcome.get() }
        guard exited, let nothing = Self.noValue(R.self) else {
            fatalError("Simulation.run: the main thread exited inside a body that returns \(R.self); it has no value to return")
        }
        return nothing
    }

    /// What `run` returns when its main thread exited: `()` or `nil`; nil if `R` has neither.
    private static func noValue<R>(_: R.Type) -> R? {
        if let void = () as? R { return void }
        return (Optional<Never>.none as Any) as? R
    }

    /// Runs `main` as the main thread of a process that can exit, and returns the process's
    /// exit code once it has.
    ///
    /// The main thread runs on a fiber of its own (the caller waits), and
    /// `TerminateThread` may stop it like any other thread. As with a C program's `main`, returning from `main` is `ExitProcess` with the
    /// value returned; if the main thread calls `ExitThread` instead, the process lives on until
    /// its last thread exits, and ends with that thread's code. The process runs down as
    /// Windows runs it down: every thread's I/O cancelled, every handle closed (so cleanup and
    /// close reach the drivers), the process object signalled.
    ///
    /// A simulation holds one process: after ``run(_:)`` or a first `runProcess`, this returns
    /// `STILL_ACTIVE` (259) without calling `main`.
    ///
    /// `main` is escaping because a thread that exits never returns through its frames: what
    /// they hold is not released.
    public func runProcess(_ main: @escaping () -> UInt32) -> UInt32 {
        guard mainThread == nil, kernel.current == nil else { return 259 }
        let thread = kernel.createThread(name: "main", main)
        // The main thread comes first, as the one ``run(_:)`` makes does.
        kernel.threads.removeAll { $0 === thread }
        kernel.threads.insert(thread, at: 0)
        kernel.initialProcess.threads.removeAll { $0 === thread }
        kernel.initialProcess.threads.insert(thread, at: 0)
        mainThread = thread
        kernel.startProcess(main: thread, runner: Baton())
        return kernel.processExitCode ?? thread.exitCode
    }

    /// The process's exit code once it has begun to exit (`ExitProcess`, or the last thread of
    /// a ``runProcess(_:)`` process exiting); nil while it runs.
    public var processExitCode: UInt32? { kernel.processExitCode }

    private func makeMainThread() -> SimThread {
        let thread = SimThread(id: kernel.takeObjectID(), threadID: kernel.nextThreadID, name: "main", kernel: kernel,
                               process: kernel.initialProcess)
        thread.runsOnCallersThread = true
        kernel.nextThreadID += 4
        kernel.threads.insert(thread, at: 0)
        kernel.initialProcess.threads.insert(thread, at: 0)
        // The thread object is referenced by the kernel for as long as the thread exists.
        thread.pointerCount = 1
        return thread
    }

    /// The process's user memory: tracked heap blocks and stack frames.
    public var memory: TrackedMemory { kernel.trackedMemory }

    /// Lifetime bugs caught so far, in order (see ``MemoryViolation``).
    public var memoryViolations: [MemoryViolation] { kernel.memoryViolations }

    /// Takes the violations caught so far, leaving none: what a test that expects violations
    /// calls to say so and assert on them, so that a check at the end of the test (such as
    /// `IOSimXCTest`'s) sees only the unexpected ones.
    public func takeMemoryViolations() -> [MemoryViolation] {
        defer { kernel.memoryViolationLog.removeAll() }
        return kernel.memoryViolations
    }

    /// Pointers handed to the kernel that the simulator cannot check (not from ``memory``),
    /// each once, in the order first seen.
    public var uncheckedPointers: [UncheckedPointer] { kernel.uncheckedPointers }

    /// The timeline around a violation: up to `before` entries before it and `after` after it
    /// (empty when the simulation was not tracing).
    public func trace(around violation: MemoryViolation, before: Int = 8, after: Int = 4) -> [TraceEntry] {
        guard let index = violation.traceIndex else { return [] }
        let entries = kernel.trace.entries
        let lower = max(0, index - before)
        let upper = min(entries.count, index + 1 + after)
        return lower < upper ? Array(entries[lower..<upper]) : []
    }

    /// The main thread, once `run` has been called.
    public var mainThreadObject: SimThread? { mainThread }

    /// Adds a line of narration to the timeline (while tracing), at the current time and in the
    /// running thread: what the scenario's code is about to do, or what it means.
    public func note(_ text: @autoclosure () -> String) {
        if kernel.tracing { kernel.record(.note(text())) }
    }

    // MARK: - Inspection

    /// The object a handle value names now (low tag bits ignored), or nil for an invalid handle.
    public func object(_ handle: UnsafeMutableRawPointer?) -> KernelObject? {
        kernel.object(forHandle: UInt(bitPattern: handle))
    }

    /// The file object a handle names now, or nil if it names none.
    public func fileObject(_ handle: UnsafeMutableRawPointer?) -> FileObject? {
        object(handle) as? FileObject
    }

    /// The number of open handles in the initial process (each process's own count:
    /// ``SimProcess/openHandleCount``).
    public var openHandleCount: Int { kernel.initialProcess.handles.count }

    /// The IRPs in flight on a file object (issued and not yet through completion processing),
    /// oldest first.
    public func irps(on file: FileObject) -> [IRP] {
        kernel.threads.flatMap { $0.irps.filter { $0.fileObject === file } }
    }

    /// Every IRP in flight, by thread in creation order, oldest first.
    public var irpsInFlight: [IRP] { kernel.threads.flatMap(\.irps) }

    /// The `!object` view of an object.
    public func dump(_ object: KernelObject) -> ObjectDump {
        let file = object as? FileObject
        return ObjectDump(label: object.label, kind: object.kind, handleCount: object.handleCount,
                          pointerCount: object.pointerCount, cleanupSent: file?.cleanupSent, closeSent: file?.closeSent,
                          isDeleted: object.isDeleted, liveIRPs: file.map { irps(on: $0).map(\.dump) } ?? [])
    }

    /// What the scenario left behind: IRPs in flight, handles never closed, APCs never
    /// delivered, packets never dequeued, threads still blocked, device events never fired,
    /// bug checks and hangs. `isClean` when there is none. It changes nothing, so a test can
    /// look at a scenario's leftovers at any point.
    public func finish() -> TeardownReport { kernel.teardownReport() }

    /// Driver rule violations that would have crashed Windows, in order.
    public var bugChecks: [BugCheck] { kernel.bugChecks }

    /// Every time the simulation found itself unable to make progress: the first
    /// ``hangReportLimit`` times; later hangs are counted in ``droppedHangCount``.
    public var hangs: [HangReport] { kernel.hangs.entries }

    /// Hangs after the first ``hangReportLimit``: counted, not described.
    public var droppedHangCount: Int { kernel.hangs.dropped }

    /// How many hang reports a simulation keeps.
    public static var hangReportLimit: Int { Kernel.hangReportLimit }

    /// Bug checks after the first ``bugCheckLimit``, and memory violations after the first
    /// ``memoryViolationLimit`` not taken: counted, not kept, so that a long run's diagnostics
    /// stay bounded.
    public var droppedBugCheckCount: Int { kernel.bugCheckLog.dropped }
    public var droppedMemoryViolationCount: Int { kernel.memoryViolationLog.dropped }
    public static var bugCheckLimit: Int { Kernel.bugCheckLimit }
    public static var memoryViolationLimit: Int { Kernel.memoryViolationLimit }

    /// Device events scheduled on the virtual clock that have not fired, earliest first.
    public var pendingDeviceEvents: [ScheduledEvent] { kernel.timers.pending }
}
