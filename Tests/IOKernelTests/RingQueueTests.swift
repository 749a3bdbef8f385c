@testable import IOKernel
import XCTest

/// The kernel's FIFO: against an array, over seeded random schedules of appends and pops
/// (deterministic: SplitMix64 from a fixed seed), and the wrap-then-grow case directly.
final class RingQueueTests: XCTestCase {
    private struct SplitMix64: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    func testBehavesAsAnArrayUnderRandomAppendsAndPops() {
        var random = SplitMix64(state: 20261121)
        for trial in 0..<300 {
            var ring = RingQueue<Int>()
            var model: [Int] = []
            var next = 0
            let appendBias = Int.random(in: 1...9, using: &random)
            for _ in 0..<Int.random(in: 0...200, using: &random) {
                if Int.random(in: 0..<10, using: &random) < appendBias {
                    ring.append(next)
                    model.append(next)
                    next += 1
                } else {
                    XCTAssertEqual(ring.popFirst(), model.isEmpty ? nil : model.removeFirst(), "trial \(trial)")
                }
                guard ring.elements == model, ring.count == model.count, ring.isEmpty == model.isEmpty else {
                    return XCTFail("trial \(trial): \(ring.elements) is not \(model)")
                }
            }
        }
    }

    /// The ring is full with its head in the middle when it grows: order is kept.
    func testGrowingWhileWrappedKeepsTheOrder() {
        var ring = RingQueue<Int>()
        for i in 0..<8 { ring.append(i) }
        for _ in 0..<5 { _ = ring.popFirst() }
        for i in 8..<13 { ring.append(i) }
        ring.append(13)
        XCTAssertEqual(ring.elements, Array(5...13))
    }

    /// A popped element is not kept alive by its slot.
    func testAPoppedElementIsReleased() {
        final class Box {}
        weak var box: Box?
        var ring = RingQueue<Box>()
        do {
            let b = Box()
            box = b
            ring.append(b)
        }
        _ = ring.popFirst()
        XCTAssertNil(box)
    }
}
