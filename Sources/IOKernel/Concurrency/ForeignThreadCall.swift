import CConcurrencyHooks
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A Win32 call made on an OS thread that is no simulated thread, which no simulation could
/// claim: a `Foundation.Thread`, a Dispatch queue, a task started outside an async
/// ``Simulation/run(_:)-(()async->R)``, or code after the simulation ended.
///
/// Such a call fails (`FALSE`, `INVALID_HANDLE_VALUE`, `NULL`) with `GetLastError()` giving
/// `ERROR_NOT_SUPPORTED` on that thread, and is recorded here, so that a test that finds a bare
/// failure can read why. The rule for threads the program makes itself: `CreateThread` and
/// `_beginthreadex` make simulated threads; `Foundation.Thread` and Dispatch threads are
/// refused, never adopted, because their code would run at moments the host chooses, outside
/// the scheduler, and no schedule could replay them. Swift tasks run inside the simulation when
/// they are started within an async `run`.
///
/// Where it is recorded: in ``Simulation/foreignThreadCalls`` of the simulation whose async
/// `run` is in progress, or else of the simulation created last (``IOSimXCTest``'s
/// `checkedSimulation()` and `expectClean()` fail a test with them), and in the process-wide
/// ``Simulation/processForeignThreadCalls``, which keeps the last 1,000. The first such call on
/// each OS thread also prints one line to standard error.
public struct ForeignThreadCall: Equatable, Sendable, CustomStringConvertible {
    /// What reached the simulation from outside.
    public enum Kind: Equatable, Sendable {
        /// A Win32 function, which failed.
        case win32Call
        /// A task job enqueued to the simulation's executor from an OS thread outside it (a
        /// continuation resumed there): it waits for the main thread, at a moment the host chose.
        case taskJob
        /// A task started inside the synchronous `run`: it runs outside the simulation.
        case taskInSynchronousRun
    }

    public let kind: Kind
    /// The Win32 function called, or what reached the simulation.
    public let function: String
    /// The OS thread's id (`gettid`) and name, as a debugger shows them.
    public let osThreadID: Int
    public let osThreadName: String

    public var description: String {
        let thread = "OS thread \(osThreadID) \"\(osThreadName)\", which is no simulated thread"
        switch kind {
        case .win32Call:
            return "\(function) was called on \(thread): the call failed with ERROR_NOT_SUPPORTED. Make the call from "
                + "a simulated thread: inside Simulation.run, a thread made by CreateThread or _beginthreadex, or a task "
                + "started inside `try await sim.run { … }` (Foundation.Thread and Dispatch threads are not simulated)."
        case .taskJob:
            return "a task job was enqueued to the simulation from \(thread) (a continuation resumed there): it runs "
                + "when the simulation's main thread next looks for work, at a moment the host chose. Resume "
                + "continuations from simulated threads to keep runs deterministic."
        case .taskInSynchronousRun:
            return "a task was started inside the synchronous Simulation.run, on \(thread) afterwards: its jobs run "
                + "outside the simulation. Start it inside `try await sim.run { … }`."
        }
    }

    private static let processLog = Mutex<[ForeignThreadCall]>([])
    private static let processLogLimit = 1_000
    /// The simulation created last, and the OS threads already told on standard error.
    private static let lastCreated = Mutex<WeakState>(WeakState())
    private static let told = Mutex<Set<Int>>([])

    private struct WeakState: @unchecked Sendable {
        weak var state: ConcurrencyState?
    }

    static func simulationCreated(_ state: ConcurrencyState) {
        lastCreated.withLock { $0.state = state }
    }

    /// The process-wide log, oldest first.
    static var processCalls: [ForeignThreadCall] { processLog.withLock { $0 } }

    /// Records a call made outside every simulated thread: in `state` if given, else in the
    /// simulation whose async `run` is in progress or the one created last.
    package static func record(function: String, kind: Kind = .win32Call, into state: ConcurrencyState? = nil) {
        let call = ForeignThreadCall(kind: kind, function: function, osThreadID: currentOSThreadID(),
                                     osThreadName: currentOSThreadName())
        processLog.withLock { log in
            if log.count == processLogLimit { log.removeFirst() }
            log.append(call)
        }
        let target = state ?? ConcurrencyHooks.runningState() ?? lastCreated.withLock { $0.state }
        target?.foreignCalls.withLock { $0.append(call) }
        if told.withLock({ $0.insert(call.osThreadID).inserted }) {
            let line = "overlapped-sim: " + call.description + "\n"
            _ = line.withCString { write(2, $0, strlen($0)) }
        }
    }

    private static func currentOSThreadID() -> Int { iosim_os_thread_id() }

    private static func currentOSThreadName() -> String {
        var buffer = [CChar](repeating: 0, count: 64)
        iosim_os_thread_name(&buffer, UInt(buffer.count))
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

extension Simulation {
    /// Win32 calls made on OS threads outside this simulation's threads and attributed to it
    /// (see ``ForeignThreadCall``), in order.
    public var foreignThreadCalls: [ForeignThreadCall] { kernel.concurrency.foreignCalls.withLock { $0 } }

    /// Every Win32 call made in this process on an OS thread that was no simulated thread (the
    /// last 1,000), whichever simulation it was attributed to.
    public static var processForeignThreadCalls: [ForeignThreadCall] { ForeignThreadCall.processCalls }
}
