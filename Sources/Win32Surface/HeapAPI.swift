import IOKernel

/// The heap of the calling thread's process: a heap handle is an address, not a kernel handle.
private func processHeap(of thread: SimThread) -> HANDLE? {
    HANDLE(bitPattern: thread.kernel.processHeapHandle(of: thread.process))
}

/// The default heap of the calling process. The corresponding Win32 function is
/// `GetProcessHeap`.
///
/// Each process has its own (ProcessHeap.swift): its blocks are tracked per process, freed
/// when a child process exits, and reported at teardown against that process. The simulation's
/// first process's heap is `0x00A70000`; another process's heap handle is refused by this
/// process's `HeapAlloc` and `HeapFree` (`ERROR_INVALID_HANDLE`).
@discardableResult
public func GetProcessHeap() -> HANDLE! {
    currentThread().flatMap(processHeap(of:))
}

/// Allocates `dwBytes` of tracked memory from the calling process's heap. The corresponding
/// Win32 function is `HeapAlloc`.
///
/// The block is tracked (``TrackedMemory``): the kernel checks it is alive whenever it uses a
/// pointer into it, and the allocation's file and line (the trailing defaulted parameters)
/// name it in violations. Blocks are always zeroed, with or without `HEAP_ZERO_MEMORY`. A heap
/// other than `GetProcessHeap()` gives NULL with `ERROR_INVALID_HANDLE`; more than 1 GiB, or a
/// block the host cannot allocate, gives NULL with `ERROR_NOT_ENOUGH_MEMORY`.
@discardableResult
public func HeapAlloc(_ hHeap: HANDLE!, _ dwFlags: DWORD, _ dwBytes: SIZE_T,
                      file: StaticString = #fileID, line: UInt = #line) -> LPVOID!
{
    return withCurrentThread(failure: nil) { (thread: borrowing SimThread) in
        guard hHeap == processHeap(of: thread) else {
            _ = thread.fail(ERROR_INVALID_HANDLE)
            return nil
        }
        // More than the simulated process could have: NULL, as HeapAlloc without
        // HEAP_GENERATE_EXCEPTIONS fails (the simulator caps a block at 1 GiB).
        guard dwBytes <= 1 << 30 else {
            _ = thread.fail(ERROR_NOT_ENOUGH_MEMORY)
            return nil
        }
        let memory = thread.kernel.trackedMemory
        // The host may refuse even a block under the cap (an address-space limit): the same NULL
        // with ERROR_NOT_ENOUGH_MEMORY, never a trap (issue 10, finding 6).
        guard let block = memory.heapBlockIfAvailable(Int(clamping: dwBytes), file: file, line: line) else {
            _ = thread.fail(ERROR_NOT_ENOUGH_MEMORY)
            thread.traceResult("HeapAlloc(\(dwBytes))", "NULL, ERROR_NOT_ENOUGH_MEMORY")
            return nil
        }
        thread.traceResult("HeapAlloc(\(dwBytes))", "block#\(memory.block(containing: block)?.id ?? 0)")
        return block
    }
}

/// Frees a block from ``HeapAlloc(_:_:_:file:line:)``. The corresponding Win32 function is
/// `HeapFree`.
///
/// Freeing memory that an I/O request still uses is a ``MemoryViolation`` reported here, at
/// this line; the block is freed all the same, as on Windows. A pointer that is not a live heap
/// block of the calling process's heap (a double free, a block of another process) gives `FALSE`
/// with `ERROR_INVALID_PARAMETER` and a violation. NULL is `TRUE`.
@discardableResult
public func HeapFree(_ hHeap: HANDLE!, _ dwFlags: DWORD, _ lpMem: LPVOID!,
                     file: StaticString = #fileID, line: UInt = #line) -> Bool
{
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        guard hHeap == processHeap(of: thread) else { return thread.fail(ERROR_INVALID_HANDLE) }
        let freed = thread.kernel.trackedMemory.free(lpMem, file: file, line: line)
        let result = freed ? true : thread.fail(ERROR_INVALID_PARAMETER)
        thread.traceBool("HeapFree(\(thread.name(buffer: lpMem)))", result)
        return result
    }
}
