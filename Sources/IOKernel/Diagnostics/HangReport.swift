/// Every simulated thread was blocked and nothing was due: the simulation could never make
/// progress. The blocked call returns `STATUS_POSSIBLE_DEADLOCK` (`ERROR_POSSIBLE_DEADLOCK`)
/// instead of hanging the test, and this report says what each thread waited for.
///
/// A report is bounded, whatever the scenario holds: it describes at most
/// ``lineLimit`` blocked threads and ``lineLimit`` pending IRPs (the first ones, in thread
/// creation and issue order) and counts the rest, and a thread's queued APCs are named up to
/// ``apcLabelLimit``. The kernel keeps the first ``Simulation/hangReportLimit`` reports and
/// counts later ones (``Simulation/droppedHangCount``). Without these bounds 4,000 impossible
/// waits with 4,000 reads pending made 892 MB of reports (issue 10, finding 3).
public struct HangReport: Equatable, Sendable, CustomStringConvertible {
    /// Lines of each kind a report describes; the rest are counted.
    public static let lineLimit = 16
    /// Queued APCs named in a blocked thread's line; the rest are counted.
    public static let apcLabelLimit = 4

    public let time: VirtualInstant
    /// One line per blocked thread, up to ``lineLimit``: its name and what it waited for.
    public let threads: [String]
    /// IRPs still in a driver that could have ended the wait, with where they are, up to
    /// ``lineLimit``.
    public let pendingIRPs: [String]
    /// Blocked threads beyond ``lineLimit``: counted, not described.
    public let droppedThreads: Int
    /// Pending IRPs beyond ``lineLimit``: counted, not described.
    public let droppedIRPs: Int
    /// What explains the hang besides the waits, up to ``lineLimit`` lines
    /// (HangEvidence.swift): packets queued on a port that no thread can dequeue, and awaited
    /// events and file objects that nothing left could signal. (User APCs queued to a thread
    /// that waits non-alertably are named in that thread's line.)
    public var evidence: [String] = []
    /// Evidence beyond ``lineLimit``: counted, not described.
    public var droppedEvidence = 0

    public var description: String {
        var text = "hang at \(time): every thread is blocked and nothing is due\n"
        for line in threads { text += "  \(line)\n" }
        if droppedThreads > 0 { text += "  … and \(droppedThreads) more blocked thread(s)\n" }
        for line in evidence { text += "  evidence: \(line)\n" }
        if droppedEvidence > 0 { text += "  … and \(droppedEvidence) more evidence\n" }
        if pendingIRPs.isEmpty {
            text += "  no IRP is pending in any driver"
        } else {
            text += "  pending in drivers: " + pendingIRPs.joined(separator: "; ")
            if droppedIRPs > 0 { text += "; … and \(droppedIRPs) more" }
        }
        return text
    }
}

extension Kernel {
    /// Records a hang: what each thread waits for and which IRPs are stuck where, bounded as
    /// ``HangReport`` says. Once the kernel's log is full a hang is only counted, so that a run
    /// of impossible waits costs no more than counting them.
    func reportHang() {
        guard hangs.hasRoom else {
            hangs.countDropped()
            if tracing { record(.hang("hang at \(now): not described (\(hangs.limit) reports kept already)")) }
            return
        }
        var blocked: [String] = []
        var droppedThreads = 0
        var pending: [String] = []
        var droppedIRPs = 0
        for thread in threads {
            guard let reason = thread.waitingFor else { continue }
            guard blocked.count < HangReport.lineLimit else {
                droppedThreads += 1
                continue
            }
            var line = "\(thread.name) is blocked waiting for \(reason.description)"
            if !thread.userAPCs.isEmpty && !reason.isAlertable {
                let labels = thread.userAPCs.prefix(HangReport.apcLabelLimit).map(\.label)
                let more = thread.userAPCs.count - labels.count
                line += "; \(thread.userAPCs.count) user APC(s) are queued to it ("
                    + labels.joined(separator: ", ") + (more > 0 ? ", … and \(more) more" : "")
                    + ") and can only run in an alertable wait"
            }
            blocked.append(line)
        }
        // Tasks suspended on tracked continuations (Concurrency/TrackedContinuation.swift).
        for line in concurrency.suspendedTaskLines() {
            if blocked.count < HangReport.lineLimit { blocked.append(line) } else { droppedThreads += 1 }
        }
        // Thread-bound requests by thread, then thread-agnostic ones (port-bound) by file object.
        let stuck = threads.flatMap { $0.irps.filter(\.isInDriver) } + fileObjects.flatMap { $0.agnosticIRPs.filter(\.isInDriver) }
        for irp in stuck {
            guard pending.count < HangReport.lineLimit else {
                droppedIRPs += 1
                continue
            }
            pending.append("\(irp.label) (\(irp.major.rawValue) on \(irp.fileObject.label), \(irp.fileObject.device.path)) "
                + "issued by \(irp.thread?.name ?? "no thread")" + (irp.isCancelRequested ? ", cancel requested" : "")
                + otherEndHolders(of: irp))
        }
        var report = HangReport(time: now, threads: blocked, pendingIRPs: pending, droppedThreads: droppedThreads,
                                droppedIRPs: droppedIRPs)
        (report.evidence, report.droppedEvidence) = hangEvidence().capped(at: HangReport.lineLimit)
        hangs.append(report)
        if tracing { record(.hang(report.description)) }
    }
}
