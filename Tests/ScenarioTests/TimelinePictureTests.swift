import Foundation
import IOKernel
import IOScenarios
import XCTest

/// The two pictures of a timeline: the HTML page with its SVG (`Trace.html`) and the Trace Event
/// Format export (`Trace.traceEventJSON`) that Perfetto and chrome://tracing open.
final class TimelinePictureTests: XCTestCase {
    private func seedScenario(_ name: String) throws -> Simulation {
        let scenario = try XCTUnwrap(Scenario.named(name))
        return scenario.run()
    }

    private func count(_ needle: String, in text: String) -> Int {
        text.components(separatedBy: needle).count - 1
    }

    /// The seed's wrong code (overlapped-must-outlive-the-io.txt): the read into the stack
    /// OVERLAPPED is cancelled at 1000 ms, the frame is freed, and the cancel lands at 1030 ms.
    /// The picture shows one thread lane, one device lane, the read as an orange (cancelled) bar
    /// from issue to completion processing, and the three violations as numbered red lines.
    func testTheSeedsWrongCodeAsAPicture() throws {
        let sim = try seedScenario("overlapped-must-outlive-the-io")
        let html = sim.trace.html(title: "overlapped-must-outlive-the-io", summary: "the seed's wrong code")

        XCTAssertTrue(html.hasPrefix("<!DOCTYPE html>"))
        XCTAssertEqual(count("class=\"lane thread\"", in: html), 1)
        XCTAssertEqual(count("class=\"lane device\"", in: html), 1)
        XCTAssertTrue(html.contains(">main</text>"))
        XCTAssertTrue(html.contains(">\\\\.\\disk</text>"))
        // IRP#1 is the open, IRP#2 the read; the cleanup IRP has no issue event of its own.
        XCTAssertEqual(count("class=\"irp\"", in: html), 2)
        let read = try XCTUnwrap(html.components(separatedBy: "data-irp=\"2\"").dropFirst().first)
        XCTAssertTrue(read.hasPrefix("><title>IRP#2 READ issued by main at 0.000ms: STATUS_CANCELLED, 0 bytes, delivered at 1030.000ms</title>"))
        XCTAssertTrue(read.contains("fill=\"#ef6c00\""), "a cancelled request is orange")
        XCTAssertTrue(read.contains("<title>cancel requested at 1000.000ms</title>"))
        // Two frees while the read was in flight, then the kernel's write into the freed frame.
        XCTAssertEqual(count("class=\"violation\"", in: html), 3)
        XCTAssertEqual(count("<li>1000.000ms main: MEMORY VIOLATION memory freed while an I/O request still uses it", in: html), 2)
        XCTAssertEqual(count("<li>1030.000ms main: MEMORY VIOLATION kernel wrote into freed memory", in: html), 1)
        // The axis: the time where it moves (0, 1000, 1030, 1100 ms), with a dashed line at each jump.
        XCTAssertEqual(count("class=\"time\"", in: html), 4)
        XCTAssertEqual(count("class=\"time-jump\"", in: html), 3)
        XCTAssertTrue(html.contains(">1030.000ms</text>"))
        // Eight Win32 calls as ticks: CreateFileA, CreateEventW, ReadFile, WaitForSingleObject,
        // CancelIo, CloseHandle, Sleep, CloseHandle.
        XCTAssertEqual(count("class=\"call\"", in: html), 8)
    }

    /// Self-contained: nothing is fetched, nothing runs; and the same scenario gives the same page.
    func testThePageIsSelfContainedAndTheSameOnEveryRun() throws {
        for scenario in Scenario.all {
            let first = scenario.run().trace.html(title: scenario.name, summary: scenario.summary)
            let second = scenario.run().trace.html(title: scenario.name, summary: scenario.summary)
            XCTAssertEqual(first, second, scenario.name)
            XCTAssertFalse(first.contains("<script"), scenario.name)
            XCTAssertFalse(first.contains("http:") || first.contains("https:"), scenario.name)
            XCTAssertFalse(first.contains(" src=") || first.contains(" href="), scenario.name)
            XCTAssertEqual(count("<svg", in: first), count("</svg>", in: first), scenario.name)
        }
    }

    /// Text from the program reaches the page only escaped.
    func testProgramTextIsEscaped() {
        let sim = Simulation(options: SimulationOptions(tracing: true))
        sim.note("<script>alert(\"&\")</script>")
        let html = sim.trace.html(title: "a <b> & c")
        XCTAssertFalse(html.contains("<script>"))
        XCTAssertTrue(html.contains("&lt;script&gt;alert(&quot;&amp;&quot;)&lt;/script&gt;"))
        XCTAssertTrue(html.contains("<title>a &lt;b&gt; &amp; c</title>"))
    }

    /// Every built-in scenario's export follows the rules of the Trace Event Format (the format's
    /// definition document, linked from catapult's docs/trace-event-format.md): a JSON object
    /// with a `traceEvents` array and a `displayTimeUnit` of "ms" or "ns"; every event has a
    /// `name`, a one-letter `ph`, a numeric `ts` in microseconds and integer `pid` and `tid`;
    /// instant events have a scope `s` of "g", "p" or "t"; nestable async events (`b`, `n`, `e`)
    /// have a `cat` and an `id`, every `b` is closed by one `e` with the same category and id and
    /// a timestamp no earlier, and every `n` falls inside its `b`…`e`; metadata events (`M`) are
    /// `process_name`/`thread_name` with `args.name` or `*_sort_index` with `args.sort_index`.
    func testTheTraceEventExportFollowsTheFormat() throws {
        for scenario in Scenario.all {
            for clock in [Trace.TraceClock.virtual, .steps] {
                let json = scenario.run().trace.traceEventJSON(title: scenario.name, clock: clock)
                try checkTraceEventFormat(json, scenario.name)
            }
        }
    }

    private func checkTraceEventFormat(_ json: String, _ name: String) throws {
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any], name)
        XCTAssertTrue(["ms", "ns"].contains(object["displayTimeUnit"] as? String), name)
        let events = try XCTUnwrap(object["traceEvents"] as? [[String: Any]], name)
        var open: [String: Double] = [:]
        var closed = 0
        var previous = -1.0
        for event in events {
            let ph = try XCTUnwrap(event["ph"] as? String, name)
            XCTAssertEqual(ph.count, 1, name)
            XCTAssertNotNil(event["name"] as? String, name)
            let ts = try XCTUnwrap((event["ts"] as? NSNumber)?.doubleValue, name)
            XCTAssertGreaterThanOrEqual(ts, 0, name)
            XCTAssertNotNil(event["pid"] as? Int, name)
            XCTAssertNotNil(event["tid"] as? Int, name)
            switch ph {
            case "M":
                let args = try XCTUnwrap(event["args"] as? [String: Any], name)
                switch event["name"] as? String {
                case "process_name", "thread_name": XCTAssertNotNil(args["name"] as? String, name)
                case "process_sort_index", "thread_sort_index": XCTAssertNotNil(args["sort_index"] as? Int, name)
                default: XCTFail("unknown metadata event in \(name)")
                }
                continue
            case "i":
                XCTAssertTrue(["g", "p", "t"].contains(event["s"] as? String), name)
            case "b", "n", "e":
                let key = "\(try XCTUnwrap(event["cat"] as? String, name))/\(try XCTUnwrap(event["id"] as? Int, name))"
                if ph == "b" {
                    XCTAssertNil(open[key], "\(key) opened twice in \(name)")
                    open[key] = ts
                } else {
                    let start = try XCTUnwrap(open[key], "\(ph) of \(key) outside its slice in \(name)")
                    XCTAssertGreaterThanOrEqual(ts, start, name)
                    if ph == "e" {
                        open[key] = nil
                        closed += 1
                    }
                }
            default:
                XCTFail("unexpected phase \(ph) in \(name)")
            }
            // Events come in time order, which the format does not require but viewers prefer.
            XCTAssertGreaterThanOrEqual(ts, previous, name)
            previous = ts
        }
        XCTAssertEqual(open, [:], "slices never closed in \(name)")
        XCTAssertGreaterThan(closed, 0, name)
    }

    /// With the virtual clock, timestamps are the virtual time in microseconds: the seed's
    /// cancel lands at 1030 ms, which is 1,030,000 µs (plus the nanoseconds that keep entries at
    /// one instant in order); `args.virtual_time` gives it exactly.
    func testVirtualTimestamps() throws {
        let json = try seedScenario("overlapped-must-outlive-the-io").trace.traceEventJSON()
        XCTAssertTrue(json.contains(#"{"name":"completed by the driver","ph":"n","ts":1030000.001,"cat":"irp","id":2,"pid":2,"tid":2,"args":{"status":"STATUS_CANCELLED","virtual_time":"1030.000ms"}}"#))
        XCTAssertTrue(json.contains(#""name":"thread_name","ph":"M","ts":0,"pid":2,"tid":2,"args":{"name":"\\\\.\\disk"}"#))
    }
}
