/// What a scenario left behind, as ``Simulation/finish()`` finds it: the bugs that real
/// Windows lets pass silently at process exit.
///
/// Each list keeps at most ``entryLimit`` entries (the first ones: oldest IRPs, lowest handles,
/// earliest events) and ``dropped`` counts the rest, so that a report on a scenario holding
/// 100,000 requests costs what one on 100 does.
public struct TeardownReport: Equatable, Sendable, CustomStringConvertible {
    /// Entries each list keeps.
    public static let entryLimit = 100

    /// IRPs still in flight: in a driver, or completed but not yet through completion
    /// processing (`!irp` views).
    public let irpsInFlight: [IRPDump]
    /// Handles never closed, in every process: value and object (`0x4 File#2`); with more
    /// than one process, each names its process (`0x8 File#3 in child.exe (pid 0x404)`).
    public let openHandles: [String]
    /// User APCs queued to threads that never waited alertably again: thread and APC.
    public let undeliveredAPCs: [String]
    /// Completion packets never dequeued: the port, the key, and the `OVERLAPPED` address the
    /// packet will hand out, whose memory the program may already have freed.
    public let undequeuedPackets: [UndequeuedPacket]
    /// Threads still blocked, with what they wait for.
    public let blockedThreads: [String]
    /// Device events scheduled on the virtual clock that never fired.
    public let pendingDeviceEvents: [String]
    public let bugChecks: [BugCheck]
    public let hangs: [HangReport]
    /// Lifetime bugs caught during the run and not taken by the test
    /// (``Simulation/takeMemoryViolations()``).
    public let memoryViolations: [MemoryViolation]
    /// Heap memory never freed, of every process; a child that exited with blocks in use
    /// left them here (its exit freed them: ``MemoryBlockInfo/freedAt`` names the exit, and
    /// ``MemoryBlockInfo/process`` the process).
    public let memoryNeverFreed: [MemoryBlockInfo]
    /// Views of files never unmapped (`UnmapViewOfFile`), in every process still running: the
    /// section and the view's name, size and file offset (`Section#3 at view#1: 8192 bytes of
    /// C:\data\a.bin from offset 0`); with more than one process, each names its process. Each
    /// keeps its section, and so the file object, alive, as it would on Windows until the
    /// process exits.
    public let viewsLeftMapped: [String]
    /// What each process left behind (its handles, requests in flight and heap blocks), in
    /// creation order, for the processes that left something.
    public let processes: [ProcessLeftovers]
    /// How many entries of each list were left out (beyond ``entryLimit``, or beyond what the
    /// kernel keeps of its hangs, bug checks and violations).
    public let dropped: Dropped

    /// Counts of entries left out of a ``TeardownReport``, list by list.
    public struct Dropped: Equatable, Sendable {
        public var irpsInFlight = 0
        public var openHandles = 0
        public var undeliveredAPCs = 0
        public var undequeuedPackets = 0
        public var blockedThreads = 0
        public var pendingDeviceEvents = 0
        public var bugChecks = 0
        public var hangs = 0
        public var memoryViolations = 0
        public var memoryNeverFreed = 0
        public var viewsLeftMapped = 0

        /// Every count, with its list's name, in the report's order.
        var named: [(String, Int)] {
            [("IRPs in flight", irpsInFlight), ("handles never closed", openHandles), ("APCs never delivered", undeliveredAPCs),
             ("packets never dequeued", undequeuedPackets), ("threads still blocked", blockedThreads),
             ("device events never fired", pendingDeviceEvents), ("bug checks", bugChecks), ("hangs", hangs),
             ("memory violations", memoryViolations), ("blocks of memory never freed", memoryNeverFreed),
             ("views never unmapped", viewsLeftMapped)]
        }

        public var total: Int { named.reduce(0) { $0 + $1.1 } }
    }

    /// A completion packet still queued to a port, or discarded because the port's last handle
    /// closed (the program never learned that its request ended).
    public struct UndequeuedPacket: Equatable, Sendable {
        public let port: String
        public let key: UInt
        public let overlapped: UInt
        /// The `OVERLAPPED`'s stable name in the simulation's timeline (`ov#1`), which the
        /// report prints instead of the host address.
        public let overlappedName: String
        public let status: NTStatus
        /// The port closed with the packet queued (or it arrived after): Windows freed it.
        public var discardedWhenPortClosed = false
    }

    /// The same report without its memory violations: what was left behind.
    public var leftovers: TeardownReport {
        TeardownReport(irpsInFlight: irpsInFlight, openHandles: openHandles, undeliveredAPCs: undeliveredAPCs,
                       undequeuedPackets: undequeuedPackets, blockedThreads: blockedThreads,
                       pendingDeviceEvents: pendingDeviceEvents, bugChecks: bugChecks, hangs: hangs,
                       memoryViolations: [], memoryNeverFreed: memoryNeverFreed, viewsLeftMapped: viewsLeftMapped,
                       processes: processes,
                       dropped: { var d = dropped; d.memoryViolations = 0; return d }())
    }

    /// Nothing was left behind and nothing went wrong.
    public var isClean: Bool {
        irpsInFlight.isEmpty && openHandles.isEmpty && undeliveredAPCs.isEmpty && undequeuedPackets.isEmpty
            && blockedThreads.isEmpty && pendingDeviceEvents.isEmpty && bugChecks.isEmpty && hangs.isEmpty
            && memoryViolations.isEmpty && memoryNeverFreed.isEmpty && viewsLeftMapped.isEmpty && dropped.total == 0
    }

    /// The report, with caller addresses by their stable timeline names (`ov#1`): the same on
    /// every run.
    public var description: String { text }

    /// The report as ``description`` prints it (the names were taken from `trace` when the
    /// report was made; kept for source compatibility).
    public func description(naming trace: Trace) -> String { text }

    private var text: String {
        guard !isClean else { return "clean: nothing left behind" }
        var lines = ["left behind at teardown:"]
        lines += irpsInFlight.map { "  IRP in flight: \($0.summary) on \($0.fileObject), issued by \($0.thread ?? "no thread")" }
        lines += openHandles.map { "  handle never closed: \($0)" }
        lines += undeliveredAPCs.map { "  APC never delivered: \($0)" }
        lines += undequeuedPackets.map {
            ($0.discardedWhenPortClosed ? "  packet discarded when \($0.port) closed" : "  packet never dequeued from \($0.port)")
                + ": key \($0.key), OVERLAPPED \($0.overlappedName), \($0.status)"
        }
        lines += blockedThreads.map { "  thread still blocked: \($0)" }
        lines += pendingDeviceEvents.map { "  device event never fired: \($0)" }
        lines += bugChecks.map { "  bug check: \($0)" }
        lines += hangs.map { "  hang at \($0.time)" }
        lines += memoryViolations.map { "  memory violation: \($0)" }
        lines += memoryNeverFreed.map { "  memory never freed: \($0)" }
        lines += viewsLeftMapped.map { "  view never unmapped: \($0)" }
        for (what, count) in dropped.named where count > 0 { lines.append("  … and \(count) more \(what), not listed") }
        return lines.joined(separator: "\n")
    }
}

extension Kernel {
    /// The simulation is going away: drivers' per-file and per-request state (a pipe end, a
    /// timer) can refer back to the file objects and requests that hold it, so it is dropped
    /// here to let all of it go.
    func releaseDriverState() {
        for file in fileObjects {
            for irp in file.agnosticIRPs { irp.driverContext = nil }
            file.driverContext = nil
        }
        for thread in threads { for irp in thread.irps { irp.driverContext = nil } }
        // Each driver once, in the order it was installed.
        var told: Set<ObjectIdentifier> = []
        for driver in installedDrivers + builtInDevices.map(\.driver) where told.insert(ObjectIdentifier(driver)).inserted {
            driver.simulationEnded()
        }
    }

    func teardownReport() -> TeardownReport {
        let limit = TeardownReport.entryLimit
        var dropped = TeardownReport.Dropped()
        // Each list stops being built at the limit and counts the rest.
        var irps: [IRPDump] = []
        func add(_ irp: IRP) {
            if irps.count < limit { irps.append(irp.dump) } else { dropped.irpsInFlight += 1 }
        }
        for thread in threads { for irp in thread.irps { add(irp) } }
        for file in fileObjects { for irp in file.agnosticIRPs { add(irp) } }
        var apcs: [String] = []
        for thread in threads {
            for apc in thread.userAPCs {
                if apcs.count < limit { apcs.append("\(thread.name): \(apc.label)") } else { dropped.undeliveredAPCs += 1 }
            }
        }
        for discarded in discardedAPCs.entries {
            if apcs.count < limit { apcs.append(discarded) } else { dropped.undeliveredAPCs += 1 }
        }
        dropped.undeliveredAPCs += discardedAPCs.dropped
        var packets: [TeardownReport.UndequeuedPacket] = []
        for port in ports {
            for packet in port.packets.elements {
                guard packets.count < limit else {
                    dropped.undequeuedPackets += 1
                    continue
                }
                let address = UInt(bitPattern: packet.overlapped)
                packets.append(TeardownReport.UndequeuedPacket(port: port.label, key: packet.key, overlapped: address,
                                                               overlappedName: trace.name(of: address, "ov"), status: packet.status))
            }
        }
        for discarded in discardedPackets.entries {
            if packets.count < limit { packets.append(discarded) } else { dropped.undequeuedPackets += 1 }
        }
        dropped.undequeuedPackets += discardedPackets.dropped
        let blocked = threads.filter { $0.life == .alive && $0 !== current && $0.waitingFor != nil }.capped(at: limit)
        dropped.blockedThreads = blocked.dropped
        var handles: [String] = []
        for process in processes {
            let owner = processes.count > 1 ? " in \(process.imageName) (pid 0x\(String(process.processID, radix: 16)))" : ""
            for entry in process.handles.entries {
                guard handles.count < limit else {
                    dropped.openHandles += 1
                    continue
                }
                handles.append("0x" + String(entry.value, radix: 16) + " " + entry.object.label + owner)
            }
        }
        // A sleeping task's wake-up is no device event (a cancelled sleep leaves its timer behind).
        let events = timers.pending.filter { !concurrency.isTaskTimer($0) }.capped(at: limit)
        dropped.pendingDeviceEvents = events.dropped
        let checks = bugChecks.capped(at: limit)
        dropped.bugChecks = checks.dropped + bugCheckLog.dropped
        dropped.hangs = hangs.dropped
        let violations = memoryViolations.capped(at: limit)
        dropped.memoryViolations = violations.dropped + memoryViolationLog.dropped
        var neverFreed: [MemoryBlockInfo] = []
        for index in memory.blocks.indices
        where memory.blocks[index].region == .heap && (!memory.blocks[index].isFreed || memory.blocks[index].leftAtExit) {
            if neverFreed.count < limit { neverFreed.append(blockInfo(Int32(index))) } else { dropped.memoryNeverFreed += 1 }
        }
        var views: [String] = []
        for process in processes where process.exitCode == nil {
            let owner = processes.count > 1 ? " in \(process.imageName) (pid 0x\(String(process.processID, radix: 16)))" : ""
            for view in process.mappedViews {
                guard views.count < limit else {
                    dropped.viewsLeftMapped += 1
                    continue
                }
                let file = view.section.dataFile.path.isEmpty ? "the paging file" : view.section.dataFile.path
                views.append("\(view.section.label) at \(trace.name(of: UInt(bitPattern: view.base), "view")): "
                    + "\(view.size) bytes of \(file) from offset \(view.offset)\(owner)")
            }
        }
        return TeardownReport(
            irpsInFlight: irps,
            openHandles: handles,
            undeliveredAPCs: apcs, undequeuedPackets: packets,
            blockedThreads: blocked.kept.compactMap { thread in thread.waitingFor.map { "\(thread.name), waiting for \($0.description)" } }
                + concurrency.suspendedTaskLines().prefix(limit),
            pendingDeviceEvents: events.kept.map { "\($0.label) at \($0.deadline)" },
            bugChecks: checks.kept, hangs: hangs.entries, memoryViolations: violations.kept, memoryNeverFreed: neverFreed,
            viewsLeftMapped: views, processes: processLeftovers(), dropped: dropped)
    }
}

extension Simulation {
    /// Why this simulation should fail a test, or nil: the memory violations not taken, with
    /// the timeline around each, and (with `checkingFinish`) the teardown report if it is not
    /// clean.
    /// Test frameworks' helpers (`IOSimXCTest`, `IOSimTesting`) fail a test with this text.
    public func uncleanReport(checkingFinish: Bool = true) -> String? {
        var lines: [String] = []
        for violation in memoryViolations {
            lines.append("memory violation: \(violation)")
            let around = trace(around: violation)
            if !around.isEmpty {
                lines.append("    timeline around it:")
                lines += around.map { "      \($0.time) \($0.thread ?? "-") \(trace.text(of: $0.event))" }
            }
        }
        // Win32 calls that failed because they ran outside every simulated thread.
        lines += foreignThreadCalls.prefix(TeardownReport.entryLimit).map { "call from outside the simulation: \($0)" }
        if checkingFinish {
            let leftovers = finish().leftovers
            if !leftovers.isClean { lines.append(leftovers.description) }
        }
        return lines.isEmpty ? nil : lines.joined(separator: "\n")
    }
}
