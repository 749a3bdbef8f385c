/// The timeline as a picture a person can look at: one self-contained HTML file with an inline
/// SVG, no scripts, no network.
///
/// Most of a scenario happens at one instant of virtual time (a `ReadFile`, its IRP, the
/// driver's completion), so a scale proportional to time would draw it all on one line. The
/// picture gives every entry of the trace a column instead, in the order they happened, and
/// writes the virtual time on the axis wherever it moves (a dashed line marks the jump). So
/// order is exact and time is read off the axis.
///
/// - A lane per simulated thread: its Win32 calls as ticks with the function's name, the APCs
///   and packets it was handed, notes, hangs.
/// - A lane per device (by the name the file was opened as): each IRP as a bar from issue to
///   the end of completion processing, coloured by its final status, with a dark tick where the
///   driver completed it and an orange mark where a cancel was requested. A request still in
///   flight at the end is grey and open-ended.
/// - Memory violations as red lines through every lane at the entry that caused them, numbered,
///   with their text below the picture.
///
/// Every element carries a `<title>` with its line of the timeline, which browsers show on hover.
extension Trace {
    /// The timeline as a self-contained HTML page.
    public func html(title: String, summary: String = "") -> String {
        TimelineHTML(model: TimelineModel(self), trace: self, title: title, summary: summary).render()
    }
}

private struct TimelineHTML {
    let model: TimelineModel
    let trace: Trace
    let title: String
    let summary: String

    private let labelWidth = 190
    private let step = 14
    private let axisHeight = 64
    private let threadLaneHeight = 84
    private let rowHeight = 22

    private func x(_ entry: Int) -> Int { labelWidth + entry * step + step / 2 }

    private var laneTops: [Int] {
        var tops: [Int] = []
        var y = axisHeight
        for lane in model.lanes {
            tops.append(y)
            y += height(of: lane)
        }
        return tops
    }

    private func height(of lane: TimelineModel.Lane) -> Int {
        lane.kind == .thread ? threadLaneHeight : lane.rows * rowHeight + 34
    }

    func render() -> String {
        let tops = laneTops
        let width = labelWidth + max(model.times.count, 1) * step + 40
        var height = axisHeight + 16
        if let lastTop = tops.last, let lastLane = model.lanes.last { height = lastTop + self.height(of: lastLane) + 16 }
        var svg = "<svg class=\"timeline\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\" font-family=\"sans-serif\" font-size=\"11\">\n"
        svg += lanesSVG(tops, width: width)
        svg += axisSVG(height: height)
        svg += spansSVG(tops)
        svg += marksSVG(tops, height: height)
        svg += "</svg>\n"
        return page(svg)
    }

    private func lanesSVG(_ tops: [Int], width: Int) -> String {
        var out = ""
        for (index, lane) in model.lanes.enumerated() {
            let fill = index % 2 == 0 ? "#f7f7f9" : "#ffffff"
            let kind = lane.kind == .thread ? "thread" : "device"
            out += "<g class=\"lane \(kind)\"><rect x=\"0\" y=\"\(tops[index])\" width=\"\(width)\" height=\"\(height(of: lane))\" fill=\"\(fill)\"/>"
            out += "<text x=\"8\" y=\"\(tops[index] + 16)\" font-weight=\"bold\">\(htmlEscaped(lane.name))</text>"
            out += "<text x=\"8\" y=\"\(tops[index] + 30)\" fill=\"#777\">\(kind)</text></g>\n"
        }
        return out
    }

    /// The virtual time wherever it moves, and a dashed line at each jump.
    private func axisSVG(height: Int) -> String {
        var out = ""
        var previous: VirtualInstant?
        for (entry, time) in model.times.enumerated() where time != previous {
            let at = x(entry) - step / 2
            if previous != nil {
                out += "<line class=\"time-jump\" x1=\"\(at)\" y1=\"\(axisHeight - 6)\" x2=\"\(at)\" y2=\"\(height)\" stroke=\"#888\" stroke-dasharray=\"3,3\"/>"
            }
            out += "<text class=\"time\" x=\"\(at + 2)\" y=\"\(axisHeight - 10)\" transform=\"rotate(-35 \(at + 2) \(axisHeight - 10))\">\(time)</text>\n"
            previous = time
        }
        return out
    }

    private func spansSVG(_ tops: [Int]) -> String {
        var out = ""
        for span in model.spans {
            let top = tops[span.lane] + 6 + span.row * rowHeight
            let start = x(span.issued) - step / 2 + 1
            let end = model.end(of: span)
            let width = max(x(end) + step / 2 - 1 - start, step - 2)
            let inFlight = span.delivered == nil && span.completed == nil
            let status = span.status.map { "\($0), \(span.information) bytes" } ?? "still in flight"
            let detail = "\(span.label) issued by \(span.thread ?? "the kernel") at \(model.times[span.issued]): \(status)"
                + (span.delivered.map { ", delivered at \(model.times[$0])" } ?? "")
            out += "<g class=\"irp\" data-irp=\"\(span.irp)\"><title>\(htmlEscaped(detail))</title>"
            out += "<rect x=\"\(start)\" y=\"\(top)\" width=\"\(width)\" height=\"16\" rx=\"3\" fill=\"\(color(span.status))\""
            out += inFlight ? " stroke=\"#555\" stroke-dasharray=\"4,2\"/>" : "/>"
            if let completed = span.completed {
                out += "<line x1=\"\(x(completed))\" y1=\"\(top)\" x2=\"\(x(completed))\" y2=\"\(top + 16)\" stroke=\"#222\" stroke-width=\"2\"/>"
            }
            for cancel in span.cancelRequested {
                let cx = x(cancel)
                out += "<path d=\"M\(cx - 4) \(top - 2) L\(cx + 4) \(top - 2) L\(cx) \(top + 5) Z\" fill=\"#e65100\"><title>cancel requested at \(model.times[cancel])</title></path>"
            }
            // The label only where it fits inside the bar (the title always has it).
            if width >= span.label.count * 6 + 8 {
                out += "<text x=\"\(start + 4)\" y=\"\(top + 12)\" fill=\"#fff\" font-size=\"10\">\(htmlEscaped(span.label))</text>"
            }
            out += "</g>\n"
        }
        return out
    }

    private func marksSVG(_ tops: [Int], height: Int) -> String {
        var out = ""
        var violation = 0
        for mark in model.marks {
            let cx = x(mark.entry)
            let top = tops[mark.lane]
            // Thread marks sit under the call ticks' labels; device marks under the bars.
            let lane = model.lanes[mark.lane]
            let mid = lane.kind == .thread ? top + 46 : top + lane.rows * rowHeight + 20
            let title = "<title>\(htmlEscaped(model.times[mark.entry].description + "  " + mark.detail))</title>"
            switch mark.kind {
            case .call:
                out += "<g class=\"call\">\(title)<line x1=\"\(cx)\" y1=\"\(top + 54)\" x2=\"\(cx)\" y2=\"\(top + 78)\" stroke=\"#1565c0\" stroke-width=\"2\"/>"
                out += "<text x=\"\(cx)\" y=\"\(top + 50)\" transform=\"rotate(-50 \(cx) \(top + 50))\" fill=\"#1565c0\" font-size=\"10\">\(htmlEscaped(mark.label))</text></g>\n"
            case .violation:
                violation += 1
                out += "<g class=\"violation\">\(title)<line x1=\"\(cx)\" y1=\"\(axisHeight)\" x2=\"\(cx)\" y2=\"\(height)\" stroke=\"#d50000\" stroke-width=\"2\"/>"
                out += "<circle cx=\"\(cx)\" cy=\"\(axisHeight + 8)\" r=\"7\" fill=\"#d50000\"/><text x=\"\(cx)\" y=\"\(axisHeight + 12)\" fill=\"#fff\" font-size=\"10\" text-anchor=\"middle\">\(violation)</text></g>\n"
            default:
                out += "<g class=\"mark \(mark.kind.rawValue)\">\(title)\(shape(mark.kind, cx, mid))</g>\n"
            }
        }
        return out
    }

    private func shape(_ kind: TimelineModel.MarkKind, _ cx: Int, _ cy: Int) -> String {
        switch kind {
        case .apcDelivered: "<path d=\"M\(cx) \(cy - 6) L\(cx + 6) \(cy) L\(cx) \(cy + 6) L\(cx - 6) \(cy) Z\" fill=\"#6a1b9a\"/>"
        case .apcQueued: "<path d=\"M\(cx) \(cy - 6) L\(cx + 6) \(cy) L\(cx) \(cy + 6) L\(cx - 6) \(cy) Z\" fill=\"none\" stroke=\"#6a1b9a\"/>"
        case .packetDequeued: "<rect x=\"\(cx - 5)\" y=\"\(cy - 5)\" width=\"10\" height=\"10\" fill=\"#00838f\"/>"
        case .packetQueued: "<rect x=\"\(cx - 5)\" y=\"\(cy - 5)\" width=\"10\" height=\"10\" fill=\"none\" stroke=\"#00838f\"/>"
        case .signalled: "<circle cx=\"\(cx)\" cy=\"\(cy)\" r=\"3\" fill=\"#f9a825\"/>"
        case .cleanup, .close: "<rect x=\"\(cx - 2)\" y=\"\(cy - 8)\" width=\"4\" height=\"16\" fill=\"#455a64\"/>"
        case .deviceEvent: "<circle cx=\"\(cx)\" cy=\"\(cy)\" r=\"4\" fill=\"none\" stroke=\"#2e7d32\" stroke-width=\"2\"/>"
        case .hang, .bugCheck: "<path d=\"M\(cx - 6) \(cy - 6) L\(cx + 6) \(cy + 6) M\(cx + 6) \(cy - 6) L\(cx - 6) \(cy + 6)\" stroke=\"#000\" stroke-width=\"3\"/>"
        case .note, .call, .violation: "<circle cx=\"\(cx)\" cy=\"\(cy)\" r=\"3\" fill=\"#9e9e9e\"/>"
        }
    }

    /// Green for success, orange for cancelled, yellow for a warning, red for an error, grey
    /// while in flight.
    private func color(_ status: NTStatus?) -> String {
        guard let status else { return "#9e9e9e" }
        if status == .cancelled { return "#ef6c00" }
        if status.isError { return "#c62828" }
        if status.isWarning { return "#f9a825" }
        return "#2e7d32"
    }

    private func page(_ svg: String) -> String {
        var violations = ""
        for mark in model.marks where mark.kind == .violation {
            violations += "<li>\(model.times[mark.entry]) \(htmlEscaped(model.lanes[mark.lane].name)): \(htmlEscaped(mark.detail))</li>\n"
        }
        return """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>\(htmlEscaped(title))</title>
        <style>
        body { font-family: sans-serif; margin: 16px; color: #222; }
        .scroll { overflow-x: auto; border: 1px solid #ddd; }
        .legend span { display: inline-block; margin-right: 14px; }
        .legend i { display: inline-block; width: 14px; height: 10px; margin-right: 4px; vertical-align: middle; }
        pre { font-size: 12px; background: #f7f7f9; padding: 8px; }
        </style></head>
        <body>
        <h1>\(htmlEscaped(title))</h1>
        <p>\(htmlEscaped(summary))</p>
        <p class="legend"><span><i style="background:#2e7d32"></i>IRP succeeded</span><span><i style="background:#ef6c00"></i>cancelled</span><span><i style="background:#c62828"></i>failed</span><span><i style="background:#f9a825"></i>warning</span><span><i style="background:#9e9e9e"></i>in flight at the end</span><span><i style="background:#1565c0"></i>Win32 call</span><span><i style="background:#6a1b9a"></i>APC</span><span><i style="background:#00838f"></i>completion packet</span><span><i style="background:#d50000"></i>memory violation</span></p>
        <p>One column per event of the trace, in order; the axis gives the virtual time where it moves. Hover over anything for its line of the timeline.</p>
        <div class="scroll">
        \(svg)</div>
        <h2>Memory violations</h2>
        <ol>\(violations.isEmpty ? "<li>none</li>" : violations)</ol>
        <details><summary>The timeline as text</summary><pre>\(htmlEscaped(trace.timeline()))</pre></details>
        </body></html>

        """
    }
}

/// Text made safe for HTML and SVG.
func htmlEscaped(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for character in text {
        switch character {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        default: out.append(character)
        }
    }
    return out
}
