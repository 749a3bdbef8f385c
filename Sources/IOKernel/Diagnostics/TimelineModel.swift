/// The timeline laid out for a picture: lanes, the requests as spans, and the marks on them.
///
/// Both pictures of a trace (``Trace/html(title:summary:)`` and
/// ``Trace/traceEventJSON(clock:)``) are drawn from this one reading of the entries, so they
/// always agree. Everything is kept in arrays in the order the trace recorded it: nothing in a
/// picture depends on hash order or host addresses.
struct TimelineModel {
    enum LaneKind { case thread, device }

    /// A row of the picture: a simulated thread (its calls, the APCs and packets it was handed)
    /// or a device (the requests it served, by the name the file was opened as).
    struct Lane {
        let name: String
        let kind: LaneKind
        /// Requests on a device lane are stacked in rows so that bars never overlap.
        var rows = 1
    }

    /// One IRP from issue to the end of completion processing.
    struct Span {
        let irp: Int
        let major: MajorFunction
        let lane: Int
        /// The thread that issued it.
        let thread: String?
        let issued: Int
        var completed: Int?
        var delivered: Int?
        var cancelRequested: [Int] = []
        var status: NTStatus?
        var information = 0
        var row = 0

        /// `IRP#2 READ`.
        var label: String { "IRP#\(irp) \(major.shortName)" }
    }

    enum MarkKind: String, CaseIterable {
        case call, note, apcQueued, apcDelivered, packetQueued, packetDequeued, signalled, cleanup, close,
             deviceEvent, violation, hang, bugCheck
    }

    /// Something that happened at one entry, on one lane.
    struct Mark {
        let entry: Int
        let lane: Int
        let kind: MarkKind
        /// A few words (the function's name for a call).
        let label: String
        /// The whole line of the timeline.
        let detail: String
    }

    private(set) var lanes: [Lane] = []
    private(set) var spans: [Span] = []
    private(set) var marks: [Mark] = []
    /// The virtual time of each entry.
    private(set) var times: [VirtualInstant] = []
    private var laneIndex: [String: Int] = [:]

    init(_ trace: Trace) {
        let entries = trace.entries
        var spanOfIRP: [Int: Int] = [:]
        var laneOfFile: [Int: Int] = [:]
        // Thread lanes come first, in the order the threads first appear.
        for entry in entries { _ = lane(threadLane(entry.thread), .thread) }
        for (index, entry) in entries.enumerated() {
            times.append(entry.time)
            let threadLane = lane(threadLane(entry.thread), .thread)
            let text = trace.text(of: entry.event)
            func mark(_ kind: MarkKind, _ label: String, on lane: Int = threadLane) {
                marks.append(Mark(entry: index, lane: lane, kind: kind, label: label, detail: text))
            }
            func deviceLane(ofFile file: Int) -> Int {
                if let known = laneOfFile[file] { return known }
                let found = lane(trace.fileName(file) ?? "File#\(file)", .device)
                laneOfFile[file] = found
                return found
            }
            switch entry.event {
            case .call(let call, _):
                mark(.call, String(call.prefix { $0 != "(" }))
            case .irpIssued(let irp, let major, let file):
                spanOfIRP[irp] = spans.count
                spans.append(Span(irp: irp, major: major, lane: deviceLane(ofFile: file), thread: entry.thread, issued: index))
            case .irpCompleted(let irp, let status, let information):
                if let at = spanOfIRP[irp] {
                    spans[at].completed = index
                    spans[at].status = status
                    spans[at].information = information
                }
            case .irpDelivered(let irp, _):
                if let at = spanOfIRP[irp] { spans[at].delivered = index }
            case .cancelRequested(let irp, _):
                if let at = spanOfIRP[irp] { spans[at].cancelRequested.append(index) }
            case .cleanupSent(let file), .cleanupCompleted(let file, _):
                mark(.cleanup, "cleanup", on: deviceLane(ofFile: file))
            case .closeSent(let file):
                mark(.close, "close", on: deviceLane(ofFile: file))
            case .signalled(let object):
                mark(.signalled, object)
            case .apcQueued(let thread, _):
                mark(.apcQueued, "APC queued", on: lane(thread, .thread))
            case .apcDelivered(let thread, _):
                mark(.apcDelivered, "APC", on: lane(thread, .thread))
            case .packetQueued(let port, _, _, _, _):
                mark(.packetQueued, "packet → \(port)")
            case .packetDequeued(let port, _, _):
                mark(.packetDequeued, "packet ← \(port)")
            case .deviceEvent(let label):
                let irp = Self.irpNumber(in: label).flatMap { spanOfIRP[$0] }
                mark(.deviceEvent, label, on: irp.map { spans[$0].lane } ?? lane("devices", .device))
            case .memoryViolation:
                mark(.violation, "violation")
            case .hang:
                mark(.hang, "hang")
            case .bugCheck:
                mark(.bugCheck, "bug check")
            case .note:
                mark(.note, "note")
            case .wroteStatus, .wroteData, .irpPending, .referenced, .dereferenced, .handleOpened, .handleClosed:
                break
            }
        }
        stackSpans()
    }

    /// The lane of `name`, made on first use.
    private mutating func lane(_ name: String, _ kind: LaneKind) -> Int {
        if let known = laneIndex[name] { return known }
        laneIndex[name] = lanes.count
        lanes.append(Lane(name: name, kind: kind))
        return lanes.count - 1
    }

    private func threadLane(_ thread: String?) -> String { thread ?? "kernel" }

    /// The last entry a span covers: its delivery, else its completion, else the end of the
    /// trace (a request still in flight).
    func end(of span: Span) -> Int { span.delivered ?? span.completed ?? max(times.count - 1, span.issued) }

    /// Gives each span the first row of its lane where it overlaps no earlier span.
    private mutating func stackSpans() {
        var rowEnds: [[Int]] = Array(repeating: [], count: lanes.count)
        for index in spans.indices {
            let span = spans[index]
            let lane = span.lane
            let row = rowEnds[lane].firstIndex { $0 < span.issued } ?? rowEnds[lane].count
            if row == rowEnds[lane].count { rowEnds[lane].append(0) }
            rowEnds[lane][row] = end(of: span)
            spans[index].row = row
            lanes[lane].rows = max(lanes[lane].rows, rowEnds[lane].count)
        }
    }

    /// The number after the first `IRP#` in a device event's label.
    private static func irpNumber(in label: String) -> Int? {
        let parts = label.split(separator: "IRP#", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        return Int(parts[1].prefix { $0.isNumber })
    }
}

extension MajorFunction {
    /// The name without `IRP_MJ_` (`READ`), as pictures and verdicts show it.
    public var shortName: String { String(rawValue.dropFirst(rawValue.hasPrefix("IRP_MJ_") ? 7 : 0)) }
}
