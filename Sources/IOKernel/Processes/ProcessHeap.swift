/// Each process's heap (`GetProcessHeap`): the tracked memory the process allocates.
///
/// On Windows every process has its own address space and its own default heap; a block of one
/// process means nothing in another, and a process's exit returns all its memory at once. Here
/// the simulation's processes share one arena (``MemoryArena``), and each block records the
/// process it was allocated in (its owner: the running process, or the simulation's first
/// process outside any simulated thread). So:
/// - `HeapAlloc`, `LocalAlloc`, ``TrackedMemory`` and stack frames allocate in the running
///   process; `GetProcessHeap` returns a heap handle of that process, which another process's
///   `HeapAlloc` refuses (`ERROR_INVALID_HANDLE`);
/// - `HeapFree` frees only a block of the calling process's heap: one of another process is an
///   invalid free (as a pointer into another address space is not a block of this heap);
/// - a process's exit frees its heap: blocks still in use are freed (``MemoryBlock/leftAtExit``)
///   and reported at teardown as *that process's* memory never freed, never as a violation of
///   the process that created it.
extension Kernel {
    /// The heap handle `GetProcessHeap` returns in `process`: an address, not a kernel handle,
    /// different in each process so that a heap handle passed to another process is caught.
    package func processHeapHandle(of process: SimProcess) -> UInt {
        0x00A7_0000 + UInt(process.processID &- initialProcess.processID) << 14
    }

    /// The process whose memory a block allocated now belongs to.
    var allocatingProcessID: UInt32 { currentProcess.processID }

    /// The process with id `processID`, if any.
    func process(withID processID: UInt32) -> SimProcess? {
        processes.first { $0.processID == processID }
    }

    /// How diagnostics show a block: the arena's record, with its process named when it is not
    /// the simulation's first.
    func blockInfo(_ index: Int32) -> MemoryBlockInfo {
        var info = memory.info(index)
        let owner = memory.blocks[Int(index)].owner
        if owner != initialProcess.processID, let process = process(withID: owner) {
            info.process = "\(process.imageName) (pid 0x\(String(owner, radix: 16)))"
        }
        return info
    }

    /// Why `pointer`, handed to `HeapFree` in `process`, is no block of that process's heap:
    /// nil if it is one (the start of a live heap block the process owns).
    func heapBlockProblem(_ address: UInt, in process: SimProcess) -> (index: Int32?, reason: String)? {
        guard let index = memory.lookup(address) else { return (nil, "memory the simulator did not allocate") }
        let block = memory.blocks[Int(index)]
        if block.isFreed { return (index, "a block already freed") }
        if block.start != address || block.region != .heap { return (index, "not the start of a heap block") }
        if block.owner != process.processID {
            let owner = self.process(withID: block.owner).map { "\($0.imageName) (pid 0x\(String($0.processID, radix: 16)))" }
                ?? "another process"
            return (index, "a block of the heap of \(owner), not of \(process.imageName) (pid 0x\(String(process.processID, radix: 16)))")
        }
        return nil
    }

    /// The exit of `process` frees its heap: each heap block it still holds is freed and marked
    /// as left at exit, so that teardown reports it as the process's memory never freed. A
    /// block an I/O request still holds is freed all the same (the process's address space is
    /// gone); a later kernel write into it is reported where it happens. Stack locals of its
    /// threads went with their frames; static storage stays.
    func freeHeap(of process: SimProcess) {
        guard process.liveHeapBlockCount > 0 else { return }
        process.liveHeapBlockCount = 0
        let pid = process.processID
        let exit = SourceLocation(file: "the exit of \(process.imageName) (pid 0x\(String(pid, radix: 16)))", line: 0)
        var freed = 0
        for index in memory.blocks.indices
        where memory.blocks[index].owner == pid && memory.blocks[index].region == .heap && !memory.blocks[index].isFreed {
            memory.free(Int32(index), at: exit, byProcessExit: true)
            freed += 1
        }
        if tracing, freed > 0 { record(.note("\(describe(process)) exited with \(freed) heap block(s) in use; its heap is freed")) }
    }
}
