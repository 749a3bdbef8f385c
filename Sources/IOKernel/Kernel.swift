/// The simulated kernel: all state of one simulation, driven one step at a time.
///
/// Only one simulated thread runs at a time, so the kernel needs no locks: every entry point
/// runs to completion before another thread can run. For the same reason the kernel's stored
/// properties opt out of Swift's dynamic exclusivity checks (`@exclusivity(unchecked)`): they
/// cost 40% of an I/O round trip, and no two accesses to kernel state can overlap. `Win32Surface` reaches the kernel through
/// the current ``SimThread``; tests reach it through ``Simulation``.
///
/// The class is public, and nothing in it is: the compiler inlines a type's `@inlinable`
/// members into other modules only when the type itself is public, so a package class would
/// make every kernel entry and exit, out-parameter store and `OVERLAPPED` check a call from
/// Win32Surface (measured: no cross-module inlining at all for a package class).
public final class Kernel {
    package let options: SimulationOptions
    /// The virtual clock.
    @exclusivity(unchecked) package internal(set) var now = VirtualInstant.zero
    @exclusivity(unchecked) var timers = TimerQueue()
    @usableFromInline package let trace: Trace
    /// Checked before any trace event is built, so that the hot path formats nothing. A copy
    /// of `trace.isEnabled` the trace keeps current, stored in the kernel so that each of the
    /// fifteen checks of a round trip is one load, not two. Read through ``tracing``: a stored
    /// property read in another module's code pays a dynamic exclusivity check, one read
    /// inside an inlinable accessor of this module does not.
    @exclusivity(unchecked) @usableFromInline var isTracing: Bool
    @inlinable package var tracing: Bool { isTracing }

    /// Every simulated thread of every process, in creation order: the scheduler's list.
    @exclusivity(unchecked) var threads: [SimThread] = []
    /// The processes, in creation order: the one the simulation starts with, then every child
    /// `CreateProcess` made (Processes/SimProcess.swift).
    @exclusivity(unchecked) package internal(set) var processes: [SimProcess] = []
    /// The process the simulation starts with: `Simulation.run` and `runProcess` run its
    /// main thread. A new one after ``Simulation/reset(strategy:)``.
    @exclusivity(unchecked) package internal(set) var initialProcess: SimProcess
    /// Executables `CreateProcess` can start, by lower-cased path (Processes/Programs.swift).
    /// Only looked up, never iterated.
    @exclusivity(unchecked) var programs: [String: Program] = [:]
    /// The installed programs' paths, in installation order (for a search by file name).
    @exclusivity(unchecked) var programOrder: [String] = []
    @exclusivity(unchecked) var nextProcessID: UInt32 = 0x404
    /// The device namespace, keyed by lower-cased path. Only looked up, never iterated.
    @exclusivity(unchecked) var devices: [String: Device] = [:]
    /// Named events, keyed by their case-sensitive name. Only looked up, never iterated.
    @exclusivity(unchecked) var namedEvents: [String: EventObject] = [:]
    /// What ntdll keeps in user mode: critical sections, SRW locks, condition variables and
    /// thread-pool waits (Runtime/UserModeLocks.swift, Runtime/ThreadPoolWaits.swift).
    @exclusivity(unchecked) package internal(set) var userMode = UserModeRuntime()
    /// Job objects created with a name (Processes/JobObject.swift).
    @exclusivity(unchecked) var namedJobs: [String: JobObject] = [:]
    /// Named sections and the files with views mapped (Memory/SectionObject.swift).
    @exclusivity(unchecked) package internal(set) var sections = SectionTable()
    /// Each process's primary token once opened, by process id (Security/AccessToken.swift).
    /// Only looked up, never iterated.
    @exclusivity(unchecked) var processTokens: [UInt32: AccessToken] = [:]

    /// Every completion port created, kept so that threads may refer to the port they are
    /// associated with without owning it.
    @exclusivity(unchecked) var ports: [CompletionPort] = []
    /// Every file object opened, for the teardown report (thread-agnostic IRPs live on them).
    @exclusivity(unchecked) var fileObjects: [FileObject] = []
    @exclusivity(unchecked) var nextObjectID = 1
    @exclusivity(unchecked) var nextIRPID = 1
    /// The status blocks kernel32 passes for calls without an `OVERLAPPED`, while their requests
    /// are in flight (OwnStatusBlocks.swift). Only added to and removed from, never iterated
    /// except to free them.
    @exclusivity(unchecked) var ownStatusBlocks: Set<UnsafeMutableRawPointer> = []
    /// Own status blocks whose requests are done, the last freed last: used again first.
    @exclusivity(unchecked) var spareStatusBlocks: [UnsafeMutableRawPointer] = []
    /// Where IRPs come from and go back to (IRPLookasideList.swift).
    let irpLookaside = IRPLookasideList()
    @exclusivity(unchecked) var nextThreadID: UInt32 = 0x1000

    /// The process of the running thread (the initial process when no thread runs).
    @inline(__always) var currentProcess: SimProcess { current?.process ?? initialProcess }
    /// The running process's handle table: handle values name entries here.
    @inline(__always) var handles: HandleTable { currentProcess.handles }
    /// The running process's id.
    package var processID: UInt32 { currentProcess.processID }

    /// The process's user memory, and whether the kernel checks the pointers it keeps against
    /// it (``MemoryOptions/tracking``).
    @usableFromInline let memory: MemoryArena
    @usableFromInline package let memoryTracking: Bool
    /// The scenario's view of ``memory``.
    package private(set) lazy var trackedMemory = TrackedMemory(kernel: self)
    /// Lifetime bugs caught and not taken yet: the first ``memoryViolationLimit``, then counted.
    @exclusivity(unchecked) var memoryViolationLog = BoundedLog<MemoryViolation>(limit: Kernel.memoryViolationLimit)
    package var memoryViolations: [MemoryViolation] { memoryViolationLog.entries }
    @exclusivity(unchecked) package internal(set) var uncheckedPointers: [UncheckedPointer] = []
    /// Addresses already reported as unchecked. Only looked up, never iterated.
    @exclusivity(unchecked) var uncheckedAddresses: Set<UInt> = []

    /// Diagnostics are bounded by what a scenario holds, not by how long it ran (``BoundedLog``):
    /// the first ones are kept, later ones counted.
    static let memoryViolationLimit = 4096
    static let bugCheckLimit = 256
    static let hangReportLimit = 32
    @exclusivity(unchecked) var bugCheckLog = BoundedLog<BugCheck>(limit: Kernel.bugCheckLimit)
    package var bugChecks: [BugCheck] { bugCheckLog.entries }
    @exclusivity(unchecked) var hangs = BoundedLog<HangReport>(limit: Kernel.hangReportLimit)
    /// Notifications Windows discards silently (DiscardedNotifications.swift): user APCs of
    /// threads that exited, completion packets of ports that closed.
    static let discardedNotificationLimit = 256
    @exclusivity(unchecked) var discardedAPCs = BoundedLog<String>(limit: Kernel.discardedNotificationLimit)
    @exclusivity(unchecked) var discardedPackets = BoundedLog<TeardownReport.UndequeuedPacket>(
        limit: Kernel.discardedNotificationLimit)

    /// The simulated thread that is running.
    @exclusivity(unchecked) @usableFromInline package internal(set) var current: SimThread?
    /// The running thread, unretained: the kernel's thread list keeps it alive, so the paths
    /// that only borrow it (`_withUnsafeGuaranteedRef`) cost no reference counting.
    @inline(__always) var runningThread: Unmanaged<SimThread>? { current.map { Unmanaged.passUnretained($0) } }
    /// Kernel entry depth of the running thread: completion work queued to it runs when the
    /// outermost kernel call returns (as an APC is delivered on the way back to user mode).
    @exclusivity(unchecked) @usableFromInline var depth = 0

    /// What drivers are handed: the NT primitives, on this kernel.
    @inline(__always) var driverContext: DriverContext { DriverContext(kernel: self) }
    /// The named-pipe file system (`\Device\NamedPipe`) and the simulated disk volume, made on
    /// first use (NamedPipe.swift, FileSystem.swift), and again on first use after a reset.
    var namedPipeDevice: Device {
        if let device = madeNamedPipeDevice { return device }
        let device = makeNamedPipeDevice()
        madeNamedPipeDevice = device
        return device
    }
    @exclusivity(unchecked) var madeNamedPipeDevice: Device?
    /// The built-in devices made so far (the two above).
    @exclusivity(unchecked) var builtInDevices: [Device] = []
    /// The drivers of installed devices, in installation order (for `simulationEnded`).
    @exclusivity(unchecked) var installedDrivers: [any Driver] = []
    var fileSystemDevice: Device {
        if let device = madeFileSystemDevice { return device }
        let device = makeFileSystemDevice()
        madeFileSystemDevice = device
        return device
    }
    @exclusivity(unchecked) var madeFileSystemDevice: Device?
    /// Who decides the order of threads and same-instant device events (another after a reset).
    @exclusivity(unchecked) var strategy: SchedulingStrategy
    /// Whether the strategy perturbs runs at kernel entries, and what it may still do
    /// (Perturbation.swift).
    @exclusivity(unchecked) @usableFromInline var perturbing = false
    @exclusivity(unchecked) var perturbationsLeft: PerturbationBudget?
    /// The thread stopped at a breakpoint, if any: the others are held too, devices go on.
    @exclusivity(unchecked) var stoppedInDebugger: SimThread?
    /// How many times the baton passed from one simulated thread to another.
    @exclusivity(unchecked) package internal(set) var contextSwitches: UInt64 = 0

    /// Whether the process was started by `Simulation.runProcess` (its main thread on an OS
    /// thread of its own); the caller's OS thread waits on `runner`.
    @exclusivity(unchecked) var processStarted = false
    /// What the OS thread of the caller of `runProcess` (or of `run`, once its main thread has
    /// exited) parks on until no simulated thread can run any more.
    @exclusivity(unchecked) var runner: Baton?
    /// What a thread unwound for the simulation's release hands control back on (SimulationRelease.swift).
    @exclusivity(unchecked) var releasingThreads: Baton?
    /// The main thread of `Simulation.run` has exited: when nothing more can run, control goes
    /// back to `run` (no hang is reported, as when `run`'s body returns with threads blocked).
    @exclusivity(unchecked) var callerWaitsForSettle = false
    /// Scratch arrays of the scheduler (runnable threads, same-instant device events), kept so
    /// that a scheduling step allocates nothing.
    @exclusivity(unchecked) var runnableScratch: [SimThread] = []
    @exclusivity(unchecked) var dueScratch: [ScheduledEvent] = []
    /// The perturbations offered at a kernel entry (Exploration/Perturbation.swift).
    @exclusivity(unchecked) var perturbationScratch: [Perturbation] = []
    /// The `runner` of a `run` whose main thread exited.
    @exclusivity(unchecked) var settleBaton = Baton()
    /// The initial process's exit code, once it is exiting (`GetExitCodeProcess`).
    package var processExitCode: UInt32? { initialProcess.exitCode }
    /// Swift concurrency in the simulation: its task executor, tracked continuations and
    /// foreign-thread diagnostics (Concurrency/).
    @exclusivity(unchecked) package internal(set) var concurrency = ConcurrencyState()

    /// The running thread's process: `GetCurrentProcess()` names it.
    var process: SimProcess { currentProcess }

    init(options: SimulationOptions, strategy: SchedulingStrategy) {
        self.options = options
        self.strategy = strategy
        self.perturbationsLeft = strategy.perturbations
        self.perturbing = strategy.perturbations != nil
        self.trace = Trace(enabled: options.tracing)
        self.isTracing = options.tracing
        self.memory = MemoryArena(reuseFreedMemory: options.memory.reuseFreedMemory,
                                  quarantineBudget: options.memory.quarantineBudget)
        self.memoryTracking = options.memory.tracking
        initialProcess = Self.makeInitialProcess()
        processes = [initialProcess]
        trace.kernel = self
    }

    /// The process a simulation starts with (and starts with again after a reset).
    static func makeInitialProcess() -> SimProcess {
        // Object id 0, so that the ids of the objects a scenario creates start at 1.
        let process = SimProcess(id: 0, processID: 0x400, imagePath: "main", commandLine: "main",
                                 environment: [], canExit: false, isProcessGroupRoot: false)
        // The kernel's own reference while the process exists.
        process.pointerCount = 1
        return process
    }

    func takeObjectID() -> Int {
        defer { nextObjectID += 1 }
        return nextObjectID
    }

    func takeIRPID() -> Int {
        defer { nextIRPID &+= 1 }
        return nextIRPID
    }

    /// A new IRP with the next id, from the lookaside list.
    func allocateIRP(_ major: MajorFunction, fileObject: FileObject, thread: SimThread?, length: Int = 0,
                     byteOffset: UInt64? = nil, userIOSB: UnsafeMutableRawPointer? = nil,
                     userBuffer: UnsafeMutableRawPointer? = nil, userEvent: Unmanaged<EventObject>? = nil, synchronousAPI: Bool) -> IRP
    {
        allocateUnretainedIRP(major, fileObject: fileObject, thread: thread, length: length, byteOffset: byteOffset,
                              userIOSB: userIOSB, userBuffer: userBuffer, userEvent: userEvent,
                              synchronousAPI: synchronousAPI).takeUnretainedValue()
    }

    /// ``allocateIRP(_:fileObject:thread:length:byteOffset:userIOSB:userBuffer:userEvent:synchronousAPI:)``
    /// for the hot path, which borrows the IRP: the lookaside list keeps it alive until it is freed.
    @inline(__always)
    func allocateUnretainedIRP(_ major: MajorFunction, fileObject: FileObject, thread: SimThread?, length: Int = 0,
                               byteOffset: UInt64? = nil, userIOSB: UnsafeMutableRawPointer? = nil,
                               userBuffer: UnsafeMutableRawPointer? = nil, userEvent: Unmanaged<EventObject>? = nil,
                               synchronousAPI: Bool) -> Unmanaged<IRP>
    {
        irpLookaside.allocate(id: takeIRPID(), major: major, fileObject: fileObject, thread: thread, length: length,
                              byteOffset: byteOffset, userIOSB: userIOSB, userBuffer: userBuffer, userEvent: userEvent,
                              synchronousAPI: synchronousAPI)
    }

    // MARK: - Kernel entry and exit

    /// Marks entry into the kernel from the running thread.
    /// At the outermost entry of a call, an exploring strategy may perturb the run first
    /// (``Kernel/explorationPoint()``): every Win32 call is a possible switch point.
    @inlinable @inline(__always) package func enter() {
        if depth == 0, perturbing { explorationPoint() }
        depth &+= 1
    }

    /// Marks the return to user mode: the running thread's queued completion work runs now.
    @inlinable @inline(__always) package func leave() {
        depth &-= 1
        // The thread borrowed, not retained (the kernel's thread list keeps it).
        if depth == 0, let thread = current.map(Unmanaged.passUnretained) {
            thread._withUnsafeGuaranteedRef { if $0.hasUserModeWork { returnToUserMode($0) } }
        }
    }

    /// ``leave()`` after a device-side action (a stock device completing a request), which
    /// usually completed a request of the running thread: the completions queued to it are
    /// finished here, inline, in the order ``returnToUserMode(_:)`` would finish them (nothing
    /// else due first: no release unwinding, no queued cancel requests); anything else still
    /// goes to ``returnToUserMode(_:)``.
    @inline(__always) func leaveAfterDeviceAction() {
        depth &-= 1
        guard depth == 0, let thread = current.map(Unmanaged.passUnretained) else { return }
        thread._withUnsafeGuaranteedRef { thread in
            // Nothing due (a port-bound request's completion went to its port): one test.
            guard thread.hasUserModeWork else { return }
            if !thread.unwindsForRelease && !thread.hasCancelRequests {
                while let irp = thread.takeCompletion() { irp._withUnsafeGuaranteedRef { finishCompletion($0) } }
            }
            if thread.hasUserModeWork { returnToUserMode(thread) }
        }
    }

    /// ``leave()`` for a call the Win32 layer made on `thread`, the running thread, which it
    /// already holds: the kernel's `current` is not read again.
    @inlinable @inline(__always) package func leave(_ thread: borrowing SimThread) {
        depth &-= 1
        if depth == 0, thread.hasUserModeWork { returnToUserMode(thread) }
    }

    /// Runs `body` as a kernel call of the running thread. Inlinable, so that the Win32
    /// surface's calls are specialised rather than generic at run time.
    @inlinable package func withKernelEntry<R>(_ body: () -> R) -> R {
        enter()
        defer { leave() }
        return body()
    }

    /// Runs `body` as a kernel call of the running thread.
    @inline(__always) package func call<R>(_ body: () -> R) -> R {
        enter()
        defer { leave() }
        return body()
    }

    // MARK: - Trace

    /// Out of line: every hot path records behind `if tracing`, and an inlined append (its
    /// uniqueness check, growth, the thread's name) would make each of them a larger function
    /// with more registers to save, paid when tracing is off too.
    @inline(never) func record(_ event: TraceEvent) {
        trace.record(event, at: now, thread: current)
    }

    /// Records a Win32 call that returned, with its arguments and result (only while tracing).
    package func recordCall(_ text: String, result: String) {
        record(.call(text, result: result))
    }

    func bugCheck(_ code: UInt32, _ name: String, irp: IRP?, _ detail: String) {
        let check = BugCheck(code: code, name: name, irp: irp?.id, detail: detail)
        bugCheckLog.append(check)
        if tracing { record(.bugCheck(check)) }
    }
}

/// Settings fixed when a simulation is created.
public struct SimulationOptions: Sendable {
    /// Record the timeline from the start (``Simulation/trace``).
    public var tracing: Bool
    /// `CancelIo` waits until the calling thread's cancelled requests have completed, as NT's
    /// `NtCancelIoFile` does internally (ReactOS `NtCancelIoFile` polls in 10 ms steps; public
    /// decompilations of ntoskrnl agree, nt-io-model §3.4). Off by default, because the
    /// documentation says `CancelIo` does not wait and code must not rely on either behaviour
    /// (win32-facts F-DOC-6). With it on, a driver that ignores cancellation blocks `CancelIo`
    /// until it completes the request.
    public var cancelIoWaitsForCompletion: Bool

    /// The number of processors of the simulated machine: the concurrency a completion port
    /// created with 0 gets.
    public var processorCount: Int

    /// How user memory is tracked: on by default, freed memory quarantined.
    public var memory: MemoryOptions

    /// The machine's names and its user's (``MachineIdentity``).
    public var machine: MachineIdentity

    public init(tracing: Bool = false, cancelIoWaitsForCompletion: Bool = false, processorCount: Int = 4,
                memory: MemoryOptions = MemoryOptions(), machine: MachineIdentity = MachineIdentity())
    {
        self.tracing = tracing
        self.cancelIoWaitsForCompletion = cancelIoWaitsForCompletion
        self.processorCount = processorCount
        self.memory = memory
        self.machine = machine
    }
}
