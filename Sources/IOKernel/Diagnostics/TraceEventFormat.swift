/// The timeline in the Trace Event Format (JSON), which Perfetto's UI (ui.perfetto.dev, "Open
/// trace file") and `chrome://tracing` open.
///
/// - Process 1, "simulated threads", has a track per simulated thread: each Win32 call, APC,
///   packet, note and hang is an instant event (`"ph": "i"`) on it.
/// - Process 2, "devices", has a track per device (by the name the file was opened as): each
///   IRP is a nestable async slice (`"b"`/`"e"`, category `irp`, id the IRP number) from issue
///   to the end of completion processing, with the driver's completion as an async instant
///   (`"n"`) inside it; its status and byte count are in `args`.
/// - Memory violations are global instant events (`"s": "g"`), drawn across every track.
///
/// Timestamps are microseconds. The format draws time to scale, and most of a scenario happens
/// at one virtual instant; so entries that share an instant are spread 1 ns apart, in trace
/// order, and every event's `args.virtual_time` gives its exact virtual time
/// (``TraceClock/virtual``). ``TraceClock/steps`` instead gives every entry 1 µs of its own.
extension Trace {
    /// How trace entries are placed on the exported time axis.
    public enum TraceClock: Sendable {
        /// Virtual time, with entries at the same instant 1 ns apart in trace order.
        case virtual
        /// One microsecond per entry: order only.
        case steps
    }

    /// The timeline as a Trace Event Format JSON object.
    public func traceEventJSON(title: String = "overlapped-sim", clock: TraceClock = .virtual) -> String {
        TraceEventWriter(model: TimelineModel(self), trace: self, clock: clock).write(title: title)
    }
}

private struct TraceEventWriter {
    let model: TimelineModel
    let trace: Trace
    let clock: Trace.TraceClock

    static let threadsProcess = 1
    static let devicesProcess = 2

    /// The timestamp of each entry, in nanoseconds.
    private var stamps: [UInt64] {
        var out: [UInt64] = []
        out.reserveCapacity(model.times.count)
        var last: UInt64?
        for (index, time) in model.times.enumerated() {
            switch clock {
            case .steps:
                out.append(UInt64(index) * 1_000)
            case .virtual:
                let next = last.map { max(time.nanoseconds, $0 + 1) } ?? time.nanoseconds
                out.append(next)
                last = next
            }
        }
        return out
    }

    func write(title: String) -> String {
        let stamps = self.stamps
        func ts(_ entry: Int) -> String { microseconds(stamps.isEmpty ? 0 : stamps[entry]) }
        // Metadata first, then every event in the order of the entry it comes from.
        var events: [String] = []
        var timed: [(entry: Int, json: String)] = []
        events.append(metadata("process_name", process: Self.threadsProcess, thread: 0, name: "\(title): simulated threads"))
        events.append(metadata("process_name", process: Self.devicesProcess, thread: 0, name: "\(title): devices"))
        for (index, lane) in model.lanes.enumerated() {
            let process = lane.kind == .thread ? Self.threadsProcess : Self.devicesProcess
            events.append(metadata("thread_name", process: process, thread: index + 1, name: lane.name))
            events.append("{\"name\":\"thread_sort_index\",\"ph\":\"M\",\"ts\":0,\"pid\":\(process),\"tid\":\(index + 1),\"args\":{\"sort_index\":\(index)}}")
        }
        for span in model.spans {
            let end = model.end(of: span)
            let status = span.status.map { "\"\(jsonEscaped($0.description))\"" } ?? "null"
            let common = "\"cat\":\"irp\",\"id\":\(span.irp),\"pid\":\(Self.devicesProcess),\"tid\":\(span.lane + 1)"
            timed.append((span.issued, "{\"name\":\"\(jsonEscaped(span.label))\",\"ph\":\"b\",\"ts\":\(ts(span.issued)),\(common),\"args\":{\"thread\":\"\(jsonEscaped(span.thread ?? "kernel"))\",\"status\":\(status),\"bytes\":\(span.information),\"virtual_time\":\"\(model.times[span.issued])\"}}"))
            if let completed = span.completed {
                timed.append((completed, "{\"name\":\"completed by the driver\",\"ph\":\"n\",\"ts\":\(ts(completed)),\(common),\"args\":{\"status\":\(status),\"virtual_time\":\"\(model.times[completed])\"}}"))
            }
            for cancel in span.cancelRequested {
                timed.append((cancel, "{\"name\":\"cancel requested\",\"ph\":\"n\",\"ts\":\(ts(cancel)),\(common),\"args\":{\"virtual_time\":\"\(model.times[cancel])\"}}"))
            }
            timed.append((end, "{\"name\":\"\(jsonEscaped(span.label))\",\"ph\":\"e\",\"ts\":\(ts(end)),\(common),\"args\":{\"delivered\":\(span.delivered != nil)}}"))
        }
        for mark in model.marks {
            let lane = model.lanes[mark.lane]
            let process = lane.kind == .thread ? Self.threadsProcess : Self.devicesProcess
            let scope = mark.kind == .violation ? "g" : "t"
            let name = mark.kind == .call ? mark.label : "\(mark.kind.rawValue): \(mark.label)"
            timed.append((mark.entry, "{\"name\":\"\(jsonEscaped(name))\",\"cat\":\"\(mark.kind.rawValue)\",\"ph\":\"i\",\"s\":\"\(scope)\",\"ts\":\(ts(mark.entry)),\"pid\":\(process),\"tid\":\(mark.lane + 1),\"args\":{\"text\":\"\(jsonEscaped(mark.detail))\",\"virtual_time\":\"\(model.times[mark.entry])\"}}"))
        }
        // A stable sort: Swift's sort is not guaranteed stable, so the original position breaks ties.
        let ordered = timed.enumerated().sorted { ($0.element.entry, $0.offset) < ($1.element.entry, $1.offset) }
        events += ordered.map(\.element.json)
        return "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n" + events.joined(separator: ",\n") + "\n]}\n"
    }

    private func metadata(_ kind: String, process: Int, thread: Int, name: String) -> String {
        "{\"name\":\"\(kind)\",\"ph\":\"M\",\"ts\":0,\"pid\":\(process),\"tid\":\(thread),\"args\":{\"name\":\"\(jsonEscaped(name))\"}}"
    }

    /// Nanoseconds as microseconds with three decimals, exactly (no floating point).
    private func microseconds(_ nanoseconds: UInt64) -> String {
        let fraction = String(nanoseconds % 1_000 + 1_000).dropFirst()
        return "\(nanoseconds / 1_000).\(fraction)"
    }
}

/// Text as the inside of a JSON string.
func jsonEscaped(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where scalar.value < 0x20:
            out += "\\u" + String(String(scalar.value + 0x10000, radix: 16).dropFirst())
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out
}
