/// Status blocks of kernel32's own: for a `ReadFile`, `WriteFile` or `FlushFileBuffers` without an
/// `OVERLAPPED`, kernel32 passes an `IO_STATUS_BLOCK` of its own and waits for the result.
///
/// The kernel owns these blocks rather than the frame of the call. A request can outlive its
/// call (a hang, a termination) and write its block later, so the block stays allocated until
/// the request is done; and a thread stopped inside the call never unwinds its frames, so a
/// block owned by them would never be freed. Those left when the simulation is released go
/// with it.
///
/// A block whose request is done is kept and used again (the last freed first) rather than
/// given back to the host: the timeline names a status block by its address (`ov#5`), and
/// which address the host's allocator hands out next depends on what other host threads
/// allocated meanwhile, so names taken from it differed from run to run of the same scenario.
extension Kernel {
    /// A new status block, `Status` = `STATUS_PENDING` and `Information` = 0 (kernelbase does the
    /// same: a wait on the handle that another completion ends finds the request still pending).
    package func allocateOwnStatusBlock() -> UnsafeMutableRawPointer {
        // Two 64-bit words (the status in the low half of the first, little-endian), typed: the
        // kernel's own memory, not the caller's (UserMemoryDisciplineTests).
        let words = spareStatusBlocks.popLast().map { $0.assumingMemoryBound(to: UInt64.self) }
            ?? UnsafeMutablePointer<UInt64>.allocate(capacity: 2)
        words.initialize(repeating: 0, count: 2)
        words[0] = UInt64(NTStatus.pending.rawValue)
        let block = UnsafeMutableRawPointer(words)
        ownStatusBlocks.insert(block)
        return block
    }

    /// The request is done and its result read: the block is kept for the next call.
    package func freeOwnStatusBlock(_ block: UnsafeMutableRawPointer) {
        guard ownStatusBlocks.remove(block) != nil else { return }
        spareStatusBlocks.append(block)
    }
}
