import Foundation
import IOKernel
import IOScenarios
import Win32Surface
import XCTest

/// The built-in scenarios `iosim` prints: each tells its seed's story in its timeline, the same
/// on every run.
final class SeedScenarioTimelineTests: XCTestCase {
    private func scenario(_ name: String) throws -> Scenario {
        try XCTUnwrap(Scenario.named(name), "no scenario \(name)")
    }

    /// Same scenario, same timeline: no host address, clock or hash order leaks into it.
    func testEveryScenarioTimelineIsTheSameOnEveryRun() throws {
        XCTAssertEqual(Scenario.all.count, 14)
        for scenario in Scenario.all {
            let first = scenario.run()
            let second = scenario.run()
            XCTAssertEqual(first.trace.timeline(), second.trace.timeline(), scenario.name)
            XCTAssertNil(first.trace.timeline().range(of: "0x[0-9a-f]{6,}", options: .regularExpression),
                         "\(scenario.name) shows a host address")
            XCTAssertEqual(first.bugChecks, [], scenario.name)
            XCTAssertEqual(first.hangs, [], scenario.name)
            // Every story cleans up after itself, except the seed's wrong code, whose memory
            // violations are the point.
            let report = first.finish()
            let wrongCode = ["overlapped-must-outlive-the-io", "overlapped-must-outlive-the-io-reused-memory",
                             "cancel-then-wait-readfileex-race"]
            XCTAssertEqual(report.isClean, !wrongCode.contains(scenario.name), "\(scenario.name): \(report)")
            XCTAssertTrue(report.leftovers.isClean, "\(scenario.name): \(report)")
        }
    }

    /// Chen 2021: after CloseHandle the file object has handle count 0 and pointer count 1,
    /// nothing completes, and IRP_MJ_CLOSE follows the read's completion at 2 s.
    func testCloseHandleWithPendingReadTimeline() throws {
        let sim = try scenario("close-handle-with-pending-read").run()
        let entries = sim.trace.entries
        let dump = try XCTUnwrap(entries.first { $0.event.text.hasPrefix("!object after CloseHandle") })
        XCTAssertTrue(dump.event.text.contains("HandleCount: 0  PointerCount: 1"))
        XCTAssertTrue(dump.event.text.contains("Cleanup sent: yes  Close sent: no"))
        XCTAssertTrue(entries.contains { $0.event == .call("WaitForSingleObject(0x8, 500)", result: "WAIT_TIMEOUT") })
        let completed = try XCTUnwrap(entries.firstIndex { $0.event == .irpCompleted(irp: 2, status: .success, information: 64) })
        let closed = try XCTUnwrap(entries.firstIndex { $0.event == .closeSent(file: 2) })
        XCTAssertLessThan(completed, closed)
        XCTAssertEqual(entries[closed].time, VirtualInstant(nanoseconds: 2_000_000_000))
        // The right way: cancel, wait, close: the cancelled read is delivered before cleanup.
        let cancelled = try XCTUnwrap(entries.firstIndex { $0.event == .irpCompleted(irp: 5, status: .cancelled, information: 0) })
        let cleanup = try XCTUnwrap(entries.firstIndex { $0.event == .cleanupSent(file: 4) })
        XCTAssertLessThan(cancelled, cleanup)
    }

    /// DoCancelableRead with a 500 ms timeout on a 2 s device: cancelled at 500 ms.
    func testCancelingPendingIOTimeline() throws {
        let sim = try scenario("canceling-pending-io-operations").run()
        let entries = sim.trace.entries
        let verdict = try XCTUnwrap(entries.first { $0.event.text.hasPrefix("DoCancelableRead returned") })
        XCTAssertEqual(verdict.event,
                       .note("DoCancelableRead returned FALSE, last error ERROR_OPERATION_ABORTED, 0 bytes, cancel called: true"))
        XCTAssertEqual(verdict.time, VirtualInstant(nanoseconds: 500_000_000))
        // Five polls see ERROR_IO_INCOMPLETE (at 0, 100, 200, 300, 400 ms).
        let polls = entries.filter { $0.event.text.contains("wait: false) → FALSE, ERROR_IO_INCOMPLETE") }
        XCTAssertEqual(polls.map(\.time.milliseconds), [0, 100, 200, 300, 400])
    }

    /// The seed's table: the kernel writes STATUS_CANCELLED into the OVERLAPPED 30 ms after the
    /// function returned; with the fix, before it returns.
    func testOverlappedMustOutliveTheIOTimelines() throws {
        for (name, writeAfterReturn) in [("overlapped-must-outlive-the-io", true), ("overlapped-must-outlive-the-io-fixed", false)] {
            let entries = try scenario(name).run().trace.entries
            let returned = try XCTUnwrap(entries.firstIndex { $0.event.text.hasPrefix("return WAIT_TIMEOUT") }, name)
            let write = try XCTUnwrap(entries.firstIndex {
                if case .wroteStatus(_, .cancelled, 0, 2) = $0.event { return true }
                return false
            }, name)
            XCTAssertEqual(write > returned, writeAfterReturn, name)
            XCTAssertEqual(entries[write].time, VirtualInstant(nanoseconds: 1_030_000_000), name)
            XCTAssertTrue(entries.contains { $0.event == .call("ReadFile(0x4, buf#1, 1024, ov: ov#1)", result: "FALSE, ERROR_IO_PENDING") },
                          name)
            XCTAssertEqual(entries[returned].time.milliseconds, writeAfterReturn ? 1000 : 1030, name)
        }
    }

    /// With freed memory reused, the timeline shows the next function's o2 corrupted by the
    /// cancelled read's late write, and the violation names o2 as the victim.
    func testReusedMemoryTimelineShowsTheCorruption() throws {
        let sim = try scenario("overlapped-must-outlive-the-io-reused-memory").run()
        let texts = sim.trace.entries.map { sim.trace.text(of: $0.event) }
        XCTAssertTrue(texts.contains("enter nextFunction: its OVERLAPPED o2 reads Internal = 0"))
        XCTAssertTrue(texts.contains("nextFunction looks at o2 again: Internal = STATUS_CANCELLED, written by no one it knows"))
        XCTAssertEqual(sim.memoryViolations.map(\.kind), [.freedWhileInFlight, .freedWhileInFlight, .kernelWroteFreedMemory])
        XCTAssertEqual(sim.memoryViolations.last?.block?.reusedBy, "o2")
    }

    /// The seed's story on a pipe: the read completes inside CloseHandle with
    /// STATUS_PIPE_BROKEN before IRP_MJ_CLOSE, the heap OVERLAPPED is freed only after, and the
    /// server's zero-length write then fails with ERROR_NO_DATA. No memory violation.
    func testCloseHandleWithPendingReadOnAPipeTimeline() throws {
        let sim = try scenario("close-handle-with-pending-read-on-a-pipe").run()
        let texts = sim.trace.entries.map { sim.trace.text(of: $0.event) }
        func index(_ prefix: String) throws -> Int { try XCTUnwrap(texts.firstIndex { $0.hasPrefix(prefix) }, prefix) }
        let wrote = try index("kernel wrote STATUS_PIPE_BROKEN, 0 bytes into ov#1")
        let close = try index("IRP_MJ_CLOSE sent for File#3")
        let closeReturned = try index("CloseHandle(0x8) → TRUE")
        let freed = try index("HeapFree(ov#1) → TRUE")
        XCTAssertLessThan(wrote, close)
        XCTAssertLessThan(close, closeReturned)
        XCTAssertLessThan(closeReturned, freed)
        XCTAssertTrue(texts.contains("GetOverlappedResult(0x8, ov: ov#1, wait: false) → FALSE, ERROR_BROKEN_PIPE"))
        XCTAssertTrue(texts.contains("WriteFile(0x4, NULL, 0, ov: ov#2) → FALSE, ERROR_NO_DATA"))
        XCTAssertTrue(sim.memoryViolations.isEmpty)
        XCTAssertTrue(sim.finish().isClean, sim.finish().description)
    }
}
