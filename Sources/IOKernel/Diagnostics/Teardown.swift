/// What a scenario left behind, as ``Simulation/finish()`` finds it: the bugs that real
/// Windows lets pass silently at process exit.
public struct TeardownReport: Equatable, Sendable, CustomStringConvertible {
    /// IRPs still in flight: in a driver, or completed but not yet through completion
    /// processing (`!irp` views).
    public let irpsInFlight: [IRPDump]
    /// Handles never closed: value and object (`0x4 File#2`).
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
    /// Heap memory never freed.
    public let memoryNeverFreed: [MemoryBlockInfo]

    /// A completion packet still queued to a port.
    public struct UndequeuedPacket: Equatable, Sendable {
        public let port: String
        public let key: UInt
        public let overlapped: UInt
        public let status: NTStatus
    }

    /// The same report without its memory violations: what was left behind.
    public var leftovers: TeardownReport {
        TeardownReport(irpsInFlight: irpsInFlight, openHandles: openHandles, undeliveredAPCs: undeliveredAPCs,
                       undequeuedPackets: undequeuedPackets, blockedThreads: blockedThreads,
                       pendingDeviceEvents: pendingDeviceEvents, bugChecks: bugChecks, hangs: hangs,
                       memoryViolations: [], memoryNeverFreed: memoryNeverFreed)
    }

    /// Nothing was left behind and nothing went wrong.
    public var isClean: Bool {
        irpsInFlight.isEmpty && openHandles.isEmpty && undeliveredAPCs.isEmpty && undequeuedPackets.isEmpty
            && blockedThreads.isEmpty && pendingDeviceEvents.isEmpty && bugChecks.isEmpty && hangs.isEmpty
            && memoryViolations.isEmpty && memoryNeverFreed.isEmpty
    }

    public var description: String { text { "0x" + String($0, radix: 16) } }

    /// The report with caller addresses by their stable timeline names (`ov#1`), as `iosim`
    /// prints it: the same on every run.
    public func description(naming trace: Trace) -> String { text { trace.name(of: $0, "ov") } }

    private func text(_ name: (UInt) -> String) -> String {
        guard !isClean else { return "clean: nothing left behind" }
        var lines = ["left behind at teardown:"]
        lines += irpsInFlight.map { "  IRP in flight: \($0.summary) on \($0.fileObject), issued by \($0.thread ?? "no thread")" }
        lines += openHandles.map { "  handle never closed: \($0)" }
        lines += undeliveredAPCs.map { "  APC never delivered: \($0)" }
        lines += undequeuedPackets.map {
            "  packet never dequeued from \($0.port): key \($0.key), OVERLAPPED \(name($0.overlapped)), \($0.status)"
        }
        lines += blockedThreads.map { "  thread still blocked: \($0)" }
        lines += pendingDeviceEvents.map { "  device event never fired: \($0)" }
        lines += bugChecks.map { "  bug check: \($0)" }
        lines += hangs.map { "  hang at \($0.time)" }
        lines += memoryViolations.map { "  memory violation: \($0)" }
        lines += memoryNeverFreed.map { "  memory never freed: \($0)" }
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
        var irps = threads.flatMap(\.irps)
        for file in fileObjects { irps += file.agnosticIRPs }
        let apcs = threads.flatMap { thread in thread.userAPCs.map { "\(thread.name): \($0.label)" } }
        let packets = ports.flatMap { port in
            port.packets.elements.map {
                TeardownReport.UndequeuedPacket(port: port.label, key: $0.key, overlapped: UInt(bitPattern: $0.overlapped),
                                                status: $0.status)
            }
        }
        let blocked = threads.compactMap { thread in
            thread.life == .alive && thread !== current ? thread.waitingFor.map { "\(thread.name), waiting for \($0.description)" } : nil
        }
        return TeardownReport(
            irpsInFlight: irps.map(\.dump),
            openHandles: openHandles.map { "0x" + String($0.value, radix: 16) + " " + $0.object.label },
            undeliveredAPCs: apcs, undequeuedPackets: packets, blockedThreads: blocked,
            pendingDeviceEvents: timers.pending.map { "\($0.label) at \($0.deadline)" },
            bugChecks: bugChecks, hangs: hangs, memoryViolations: memoryViolations,
            memoryNeverFreed: memory.blocks.indices.filter { memory.blocks[$0].region == .heap && !memory.blocks[$0].isFreed }
                .map { memory.info(Int32($0)) })
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
        if checkingFinish {
            let leftovers = finish().leftovers
            if !leftovers.isClean { lines.append(leftovers.description) }
        }
        return lines.isEmpty ? nil : lines.joined(separator: "\n")
    }
}
