import IOVOPR
import XCTest

/// The VOPR in the test suite: a short seeded run holds every invariant, provokes the misuse
/// it is built to provoke, and replays exactly from its seed. CI runs a million calls
/// (`.ci/run`, `iosim vopr`).
final class VOPRTests: XCTestCase {
    func testAShortRunHoldsEveryInvariantAndReplaysFromItsSeed() {
        let options = VOPR.Options(seed: 42, calls: 4_000, episodeLength: 1_000)
        let first = VOPR.run(options)
        XCTAssertNil(first.failure, first.description)
        XCTAssertEqual(first.calls, 4_000)
        XCTAssertEqual(first.episodes, 4)
        // It misuses memory and waits for what never comes, on purpose.
        XCTAssertGreaterThan(first.memoryViolations, 0)
        XCTAssertGreaterThan(first.hangs, 0)
        XCTAssertEqual(Set(first.operations.keys), Set(VOPROperation.allCases), "every operation ran")

        let again = VOPR.run(options)
        XCTAssertEqual(again.operations, first.operations)
        XCTAssertEqual(again.memoryViolations, first.memoryViolations)
        XCTAssertEqual(again.hangs, first.hangs)
    }
}
