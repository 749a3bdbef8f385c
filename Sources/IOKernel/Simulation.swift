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
    private var mainThread: SimThread?

    public init(options: SimulationOptions = SimulationOptions()) {
        kernel = Kernel(options: options)
    }

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

    /// Runs `body` as the simulation's main thread. Calling it again continues the same thread
    /// (same thread id, same last error, same I/O in flight).
    public func run<R>(_ body: () throws -> R) rethrows -> R {
        let thread = mainThread ?? makeThread(name: "main")
        mainThread = thread
        let previousOSBinding = SimThread.setCurrent(thread)
        let previousThread = kernel.current
        kernel.current = thread
        defer {
            kernel.current = previousThread
            _ = SimThread.setCurrent(previousOSBinding)
        }
        // Completion work that arrived while the thread was outside `run` runs first.
        kernel.call {}
        return try body()
    }

    private func makeThread(name: String) -> SimThread {
        let thread = SimThread(id: kernel.takeObjectID(), threadID: kernel.nextThreadID, name: name, kernel: kernel)
        kernel.nextThreadID += 4
        kernel.threads.append(thread)
        // The thread object is referenced by the kernel for as long as the thread exists.
        thread.pointerCount = 1
        return thread
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

    /// The number of open handles in the process.
    public var openHandleCount: Int { kernel.handles.count }

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

    /// Driver rule violations that would have crashed Windows, in order.
    public var bugChecks: [BugCheck] { kernel.bugChecks }

    /// Every time the simulation found itself unable to make progress.
    public var hangs: [HangReport] { kernel.hangs }

    /// Device events scheduled on the virtual clock that have not fired, earliest first.
    public var pendingDeviceEvents: [ScheduledEvent] { kernel.timers.pending }
}
