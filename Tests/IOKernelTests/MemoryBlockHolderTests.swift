@testable import IOKernel
import XCTest

/// A block's holders (the first kept in the block's state, the rest aside) against the array
/// they replaced, whose order diagnostics show ("IRP#3 (as its OVERLAPPED), IRP#5 (as its
/// buffer)"): a new holder goes last and one that lets go is replaced by the last. Seeded random
/// schedules of holds and releases (deterministic: SplitMix64 from a fixed seed).
final class MemoryBlockHolderTests: XCTestCase {
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

    private func newArena() -> (MemoryArena, [Int32]) {
        let arena = MemoryArena(reuseFreedMemory: false)
        let blocks = (0..<3).compactMap { n in
            arena.allocate(size: 32 * (n + 1), label: "b\(n)", type: nil, region: .heap, at: SourceLocation(file: "T.swift", line: n))
        }
        return (arena, blocks)
    }

    func testHoldersKeepTheOrderOfAnArrayWithSwapAndRemove() {
        var random = SplitMix64(state: 20261206)
        for _ in 0..<200 {
            let (arena, blocks) = newArena()
            var model: [Int32: [(irp: Int, asOverlapped: Bool)]] = [:]
            var nextIRP = 1
            for _ in 0..<Int.random(in: 0...60, using: &random) {
                let block = blocks[Int.random(in: 0..<blocks.count, using: &random)]
                let held = model[block] ?? []
                if held.isEmpty || Int.random(in: 0..<2, using: &random) == 0 {
                    let asOverlapped = Bool.random(using: &random)
                    arena.addHolder(block, irp: nextIRP, address: arena.state(block).start, asOverlapped: asOverlapped)
                    model[block, default: []].append((nextIRP, asOverlapped))
                    nextIRP += 1
                } else {
                    let position = Int.random(in: 0..<held.count, using: &random)
                    let leaving = held[position]
                    arena.removeHolder(block, irp: leaving.irp, asOverlapped: leaving.asOverlapped)
                    var after = held
                    if position != after.count - 1 { after.swapAt(position, after.count - 1) }
                    after.removeLast()
                    model[block] = after
                }
                for block in blocks {
                    let expected = (model[block] ?? []).map { "\($0.irp)\($0.asOverlapped ? "o" : "b")" }
                    XCTAssertEqual(arena.holders(of: block).map { "\($0.irp)\($0.asOverlapped ? "o" : "b")" }, expected)
                    XCTAssertEqual(arena.state(block).isHeld, !expected.isEmpty)
                }
            }
        }
    }

    func testAnOverlappedInFlightIsFoundAmongSeveralHolders() {
        let (arena, blocks) = newArena()
        let start = arena.state(blocks[1]).start
        arena.addHolder(blocks[1], irp: 7, address: start, asOverlapped: false)
        XCTAssertNil(arena.irpInFlight(onOverlapped: start, in: blocks[1]))
        arena.addHolder(blocks[1], irp: 8, address: start + 32, asOverlapped: true)
        XCTAssertEqual(arena.irpInFlight(onOverlapped: start + 32, in: blocks[1]), 8)
        XCTAssertNil(arena.irpInFlight(onOverlapped: start, in: blocks[1]))
        arena.removeHolder(blocks[1], irp: 7, asOverlapped: false)
        XCTAssertEqual(arena.irpInFlight(onOverlapped: start + 32, in: blocks[1]), 8)
        // Letting go as the other role changes nothing.
        arena.removeHolder(blocks[1], irp: 8, asOverlapped: false)
        XCTAssertEqual(arena.holders(of: blocks[1]).map(\.irp), [8])
    }

    func testLookupFindsEachBlockFromEveryAddressInItAndNothingOutside() {
        let (arena, blocks) = newArena()
        // Found again and again in turns (the two recent blocks), then each from a search.
        for _ in 0..<3 {
            for block in blocks {
                let state = arena.state(block)
                XCTAssertEqual(arena.lookup(state.start), block)
                XCTAssertEqual(arena.lookup(state.start + UInt(state.size) - 1), block)
                XCTAssertNotEqual(arena.lookup(state.start + UInt(state.size)), block)
            }
        }
        var local = 0
        withUnsafeMutablePointer(to: &local) { XCTAssertNil(arena.lookup(UInt(bitPattern: $0))) }
    }
}
