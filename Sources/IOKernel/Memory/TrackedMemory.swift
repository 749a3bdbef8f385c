/// The simulated process's user memory, as a scenario allocates it: heap blocks and stack
/// frames whose locals are freed when the frame returns.
///
/// Memory from here is *tracked*: whenever the kernel uses a pointer into it (an `OVERLAPPED`,
/// a buffer) it checks the block is still alive, and a free while an I/O request still uses a
/// block is reported at the line that did it (``MemoryViolation``). Pointers from anywhere else
/// (a Swift `&local`, `UnsafeMutablePointer.allocate`) still work but cannot be checked; they
/// are listed in ``Simulation/uncheckedPointers``.
///
/// ```swift
/// sim.run {
///     sim.memory.withFrame("readWithTimeout") { frame in
///         let o = frame.local(OVERLAPPED.self, "o")
///         let buffer = frame.localBytes(1024, "buffer")
///         …
///     }   // o and buffer are freed here, as a C function's locals are when it returns
/// }
/// ```
public final class TrackedMemory {
    unowned(unsafe) let kernel: Kernel

    init(kernel: Kernel) { self.kernel = kernel }

    /// A zeroed heap block holding one `T` (`HeapAlloc(GetProcessHeap(), HEAP_ZERO_MEMORY, …)`).
    public func allocate<T>(_ type: T.Type, label: String? = nil, file: StaticString = #fileID, line: UInt = #line)
        -> UnsafeMutablePointer<T>
    {
        block(of: T.self, label, .heap, SourceLocation(file, line))
    }

    /// A zeroed heap block of `count` bytes. Like `UnsafeMutableRawPointer.allocate`, it traps
    /// if the host cannot allocate that much; `HeapAlloc` is the call that fails gracefully.
    public func allocateBytes(_ count: Int, label: String? = nil, file: StaticString = #fileID, line: UInt = #line)
        -> UnsafeMutableRawPointer
    {
        block(bytes: count, label, .heap, SourceLocation(file, line))
    }

    /// A zeroed block of static storage holding one `T` (a C global or `static` variable): it
    /// lives as long as the simulation and is never reported as memory never freed.
    public func allocateStatic<T>(_ type: T.Type, label: String? = nil, file: StaticString = #fileID, line: UInt = #line)
        -> UnsafeMutablePointer<T>
    {
        block(of: T.self, label, .static, SourceLocation(file, line))
    }

    /// A zeroed block of `count` bytes of static storage.
    public func allocateStaticBytes(_ count: Int, label: String? = nil, file: StaticString = #fileID, line: UInt = #line)
        -> UnsafeMutableRawPointer
    {
        block(bytes: count, label, .static, SourceLocation(file, line))
    }

    /// A new zeroed block holding one `T`, in `region`.
    func block<T>(of type: T.Type, _ label: String?, _ region: MemoryRegion, _ location: SourceLocation)
        -> UnsafeMutablePointer<T>
    {
        let index = kernel.memory.allocate(size: MemoryLayout<T>.stride, label: label, type: T.self, region: region, at: location,
                                           owner: kernel.allocatingProcessID)
        if index != nil, region == .heap { kernel.currentProcess.liveHeapBlockCount += 1 }
        return hostAllocationSucceeded(index).bindMemory(to: T.self, capacity: 1)
    }

    /// A new zeroed block of `count` bytes, in `region`.
    func block(bytes count: Int, _ label: String?, _ region: MemoryRegion, _ location: SourceLocation) -> UnsafeMutableRawPointer {
        let index = kernel.memory.allocate(size: max(0, count), label: label, type: nil, region: region, at: location,
                                           owner: kernel.allocatingProcessID)
        if index != nil, region == .heap { kernel.currentProcess.liveHeapBlockCount += 1 }
        return hostAllocationSucceeded(index)
    }

    /// A new zeroed heap block of `count` bytes, or nil if the host cannot allocate it: what
    /// `HeapAlloc` uses, so that an allocation the host refuses (a 1 GiB block under an
    /// address-space limit) is `ERROR_NOT_ENOUGH_MEMORY`, never a trap (issue 10, finding 6).
    package func heapBlockIfAvailable(_ count: Int, label: String? = nil, file: StaticString, line: UInt) -> UnsafeMutableRawPointer? {
        guard let index = kernel.memory.allocate(size: max(0, count), label: label, type: nil, region: .heap,
                                                 at: SourceLocation(file, line), owner: kernel.allocatingProcessID)
        else { return nil }
        kernel.currentProcess.liveHeapBlockCount += 1
        return kernel.memory.blocks[Int(index)].base
    }

    /// The block's memory. The Swift allocation functions trap when the host has no memory
    /// left, as `UnsafeMutableRawPointer.allocate` does (they are not reachable from Win32
    /// input: `HeapAlloc` uses ``heapBlockIfAvailable(_:file:line:)``).
    func hostAllocationSucceeded(_ index: Int32?) -> UnsafeMutableRawPointer {
        guard let index else { fatalError("the host could not allocate a tracked block") }
        return kernel.memory.blocks[Int(index)].base
    }

    /// Frees a heap block of the running process (`HeapFree`). Returns false, recording an
    /// ``MemoryViolation/Kind/invalidFree`` violation, for a pointer that is not the start of a
    /// live block of that process's heap (a double free, a stack local, foreign memory, a block
    /// of another process's heap).
    @discardableResult
    public func free(_ pointer: UnsafeMutableRawPointer?, file: StaticString = #fileID, line: UInt = #line) -> Bool {
        guard let pointer else { return true }
        let location = SourceLocation(file, line)
        let address = UInt(bitPattern: pointer)
        if let problem = kernel.heapBlockProblem(address, in: kernel.currentProcess) {
            kernel.violation(.invalidFree, irp: nil, block: problem.index, address: address, "free at \(location) of \(problem.reason)")
            return false
        }
        guard let index = kernel.memory.lookup(address) else { return false }
        kernel.freeBlock(index, at: location, by: "HeapFree")
        return true
    }

    /// Frees a typed heap block. See ``free(_:file:line:)-(UnsafeMutableRawPointer?,_,_)``.
    @discardableResult
    public func free<T>(_ pointer: UnsafeMutablePointer<T>?, file: StaticString = #fileID, line: UInt = #line) -> Bool {
        free(UnsafeMutableRawPointer(pointer), file: file, line: line)
    }

    /// Runs `body` as a function with a stack frame: locals allocated with
    /// ``StackFrame/local(_:_:file:line:)`` are freed, in reverse order, when `body` returns
    /// (the seed's "returning from the function implicitly frees the automatic variable").
    ///
    /// The running thread's list of open frames owns the frame while `body` runs, and this
    /// function's own frame holds no reference to it: a thread that exits inside `body` never
    /// returns here (the exit frees the frame's locals itself).
    public func withFrame<R>(_ function: String, file: StaticString = #fileID, line: UInt = #line,
                             _ body: (StackFrame) throws -> R) rethrows -> R
    {
        let (frame, owner) = openFrame(function, SourceLocation(file, line))
        defer { closeFrame(frame, function) }
        return try withExtendedLifetime(owner) { try frame._withUnsafeGuaranteedRef { try body($0) } }
    }

    /// A new frame, owned by the running thread's open frames; outside any thread, the second
    /// value owns it.
    private func openFrame(_ function: String, _ location: SourceLocation) -> (Unmanaged<StackFrame>, StackFrame?) {
        let frame = StackFrame(kernel: kernel, function: function, location: location)
        guard let thread = kernel.current else { return (Unmanaged.passUnretained(frame), frame) }
        thread.openFrames.append(frame)
        return (Unmanaged.passUnretained(frame), nil)
    }

    /// `body` returned: the frame's locals are freed and the thread lets go of it.
    private func closeFrame(_ reference: Unmanaged<StackFrame>, _ function: String) {
        let frame = reference.takeUnretainedValue()
        if let thread = kernel.current, let index = thread.openFrames.lastIndex(where: { $0 === frame }) {
            thread.openFrames.remove(at: index)
        }
        frame.pop(because: "the return from \(function)")
    }

    /// The block that holds `address`, as diagnostics show it; nil for memory the simulator
    /// did not allocate.
    public func block(containing address: UnsafeRawPointer?) -> MemoryBlockInfo? {
        guard let address, let index = kernel.memory.lookup(UInt(bitPattern: address)) else { return nil }
        return kernel.blockInfo(index)
    }

    /// Host memory the arena holds for the scenario: the bytes of live blocks, of freed blocks
    /// still in quarantine (bounded by ``MemoryOptions/quarantineBudget``), and of freed blocks
    /// an I/O request still holds (``heldFreedBytes``).
    public var hostBytes: Int { kernel.memory.hostBytes }

    /// The bytes of freed blocks still in quarantine.
    public var quarantinedBytes: Int { kernel.memory.quarantinedBytes }

    /// The bytes of freed blocks that an I/O request still holds (an `OVERLAPPED` or a buffer
    /// freed while its request was in flight). They are kept past the quarantine's budget, since
    /// the kernel and kernel32 still use them, and go back when the request lets go.
    public var heldFreedBytes: Int { kernel.memory.heldFreedBytes }

    /// Freed blocks whose memory went back to the host (their records stay).
    public var releasedBlockCount: Int { kernel.memory.releasedCount }

    /// Heap blocks not freed yet, of every process, in allocation order.
    public var liveHeapBlocks: [MemoryBlockInfo] {
        kernel.memory.blocks.indices.filter { kernel.memory.blocks[$0].region == .heap && !kernel.memory.blocks[$0].isFreed }
            .map { kernel.blockInfo(Int32($0)) }
    }
}

/// A simulated function's stack frame: its locals live until it returns.
public final class StackFrame {
    unowned(unsafe) let kernel: Kernel
    /// The function's name, as violations show it.
    public let function: String
    let location: SourceLocation
    private var locals: [Int32] = []

    init(kernel: Kernel, function: String, location: SourceLocation) {
        self.kernel = kernel
        self.function = function
        self.location = location
    }

    /// A zeroed local variable of type `T` named `name` (`OVERLAPPED o;`).
    public func local<T>(_ type: T.Type, _ name: String, file: StaticString = #fileID, line: UInt = #line)
        -> UnsafeMutablePointer<T>
    {
        let allocated = kernel.memory.allocate(size: MemoryLayout<T>.stride, label: name, type: T.self,
                                               region: .stack(function: function), at: SourceLocation(file, line),
                                               owner: kernel.allocatingProcessID)
        let base = kernel.trackedMemory.hostAllocationSucceeded(allocated)
        if let allocated { locals.append(allocated) }
        return base.bindMemory(to: T.self, capacity: 1)
    }

    /// A zeroed local byte array named `name` (`BYTE buffer[1024];`).
    public func localBytes(_ count: Int, _ name: String, file: StaticString = #fileID, line: UInt = #line)
        -> UnsafeMutableRawPointer
    {
        let allocated = kernel.memory.allocate(size: max(0, count), label: name, type: nil,
                                               region: .stack(function: function), at: SourceLocation(file, line),
                                               owner: kernel.allocatingProcessID)
        let base = kernel.trackedMemory.hostAllocationSucceeded(allocated)
        if let allocated { locals.append(allocated) }
        return base
    }

    /// The return (or the thread's exit): every local is freed, last declared first.
    func pop(because reason: String) {
        for index in locals.reversed() {
            kernel.freeBlock(index, at: location, by: reason)
        }
        locals.removeAll()
    }
}
