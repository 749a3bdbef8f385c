/// The one place where the kernel touches the caller's memory, and where it checks it.
///
/// The kernel keeps the addresses the caller passed (the `OVERLAPPED`, the buffer) and uses them
/// when the request completes, possibly long after the call returned. Every such access goes
/// through these functions, so that each one is traced and checked against the lifetime of the
/// memory it touches (``MemoryArena``): an IRP *holds* its `OVERLAPPED` from issue until the
/// program has been handed its last notification (completion processing, the completion
/// routine, or the dequeued packet), and a read's buffer until completion processing copied the
/// data. Freeing held memory, reusing a held `OVERLAPPED`, writing into freed memory and handing
/// a freed `OVERLAPPED` to the program are violations (``MemoryViolation``).
///
/// A buffer is probed when the call is made (``probeUserBuffer(_:count:writing:call:)``), as
/// `ProbeForRead`/`ProbeForWrite` do in a system call: a length that runs past the end of its
/// tracked block fails the call with `STATUS_ACCESS_VIOLATION` (`ERROR_NOACCESS`), so that no
/// copy ever reads or writes host memory the block does not own. `UserMemoryDisciplineTests`
/// (IOKernelTests) enforces that no other kernel or surface file copies bytes through a
/// caller's pointer.
extension Kernel {
    /// Writes an `IO_STATUS_BLOCK` (the first two words of an `OVERLAPPED`): the 32-bit status
    /// into `Internal` (its upper half keeps what kernel32 stored, zero) and the information
    /// into `InternalHigh`.
    @inline(__always)
    func writeIOStatus(_ ioStatus: UnsafeMutableRawPointer, status: NTStatus, information: Int, for irp: IRP) {
        // Untracked, or into a block that is live (the round trip's hot path), and untraced:
        // two stores, inline.
        let block = irp.overlappedBlock
        if (block < 0 || memory.isLive(block, from: UInt(bitPattern: ioStatus), count: 16)) && !tracing {
            ioStatus.storeBytes(of: status.rawValue, as: UInt32.self)
            ioStatus.storeBytes(of: UInt64(truncatingIfNeeded: information), toByteOffset: 8, as: UInt64.self)
            return
        }
        writeCheckedIOStatus(ioStatus, status: status, information: information, for: irp)
    }

    /// ``writeIOStatus(_:status:information:for:)`` into tracked memory, or traced.
    @inline(never)
    private func writeCheckedIOStatus(_ ioStatus: UnsafeMutableRawPointer, status: NTStatus, information: Int, for irp: IRP) {
        let block = irp.overlappedBlock
        if block >= 0, !memory.isLive(block, from: UInt(bitPattern: ioStatus), count: 16) {
            reportStatusWrite(block, at: UInt(bitPattern: ioStatus), status: status, information: information, irp: irp)
        }
        // A block whose memory the arena released keeps its record, so the write is reported
        // above; the memory itself is no longer the simulator's to write.
        if block < 0 || !memory.state(block).isReleased {
            ioStatus.storeBytes(of: status.rawValue, as: UInt32.self)
            ioStatus.storeBytes(of: UInt64(truncatingIfNeeded: information), toByteOffset: 8, as: UInt64.self)
        }
        if tracing {
            record(.wroteStatus(address: UInt(bitPattern: ioStatus), status: status, information: information, irp: irp.id))
        }
    }

    /// Copies a read's data into the caller's buffer: `count` bytes of `source` (the system
    /// buffer's bytes, borrowed), or with `repeating`, `source` laid out again and again until
    /// `count` bytes are written.
    @inline(__always)
    func writeUserBuffer(_ buffer: UnsafeMutableRawPointer, from source: UnsafeRawBufferPointer, count: Int, repeating: Bool = false,
                         for irp: IRP)
    {
        // Untracked or into a live block long enough, untraced, one period (the round trip's hot
        // path): one copy, inline.
        let block = irp.bufferBlock
        if !repeating && !tracing, let base = source.baseAddress,
           block < 0 || memory.isLive(block, from: UInt(bitPattern: buffer), count: count)
        {
            if count > 0 { buffer.copyMemory(from: base, byteCount: min(count, source.count)) }
            return
        }
        writeCheckedUserBuffer(buffer, from: source, count: count, repeating: repeating, for: irp)
    }

    /// ``writeUserBuffer(_:from:count:repeating:for:)`` into tracked memory, traced, or repeating.
    @inline(never)
    private func writeCheckedUserBuffer(_ buffer: UnsafeMutableRawPointer, from source: UnsafeRawBufferPointer, count: Int,
                                        repeating: Bool, for irp: IRP)
    {
        var count = count
        if irp.bufferBlock >= 0 {
            let address = UInt(bitPattern: buffer)
            if !memory.isLive(irp.bufferBlock, from: address, count: count) {
                reportDataWrite(irp.bufferBlock, at: address, count: count, irp: irp)
                // Never past the end of a tracked block: that would corrupt the simulator itself.
                let block = memory.state(irp.bufferBlock)
                count = block.isReleased ? 0 : min(count, max(0, Int(block.start + UInt(block.size)) - Int(address)))
            }
        }
        if let base = source.baseAddress, count > 0, !repeating {
            buffer.copyMemory(from: base, byteCount: min(count, source.count))
        } else if let base = source.baseAddress, count > 0 {
            // One period, then the bytes already written doubled until the count is reached.
            var done = min(count, source.count)
            buffer.copyMemory(from: base, byteCount: done)
            while done < count {
                let chunk = min(done, count - done)
                (buffer + done).copyMemory(from: buffer, byteCount: chunk)
                done += chunk
            }
        }
        if tracing { record(.wroteData(address: UInt(bitPattern: buffer), count: count, irp: irp.id)) }
    }

    /// Captures a write's data (or a control's input) from the caller's buffer into the IRP's system
    /// buffer at issue (buffered I/O). The buffer has been probed for `count` bytes
    /// (``probeUserBuffer(_:count:writing:call:)``).
    func captureUserBuffer(_ buffer: UnsafeRawPointer, count: Int, into irp: IRP) {
        irp.withSystemBuffer(count: count) { UnsafeMutableRawPointer($0.baseAddress)?.copyMemory(from: buffer, byteCount: count) }
    }

    /// Copies bytes the kernel returns from a call at once (`PeekNamedPipe`'s data) into the
    /// caller's buffer, which has been probed for at least `bytes.count` bytes.
    package func copyToUser(_ buffer: UnsafeMutableRawPointer, _ bytes: [UInt8]) {
        bytes.withUnsafeBytes { source in
            if let base = source.baseAddress, !bytes.isEmpty { buffer.copyMemory(from: base, byteCount: bytes.count) }
        }
    }

    /// Stores a call's result through one of the caller's out-parameters (`*lpNumberOfBytesRead`,
    /// a dequeued packet's `*lpOverlapped`, a `PROCESS_INFORMATION`…), as kernel32 does after
    /// the system call returns.
    ///
    /// On Windows such a store into freed heap memory silently corrupts whatever the heap has put
    /// there since, and one into a block too short for the value corrupts the block after it; a
    /// program rarely notices where. Here each is a violation at the call that made it. The
    /// store is made into a freed block the quarantine still holds (the memory is the arena's,
    /// and Windows would make it), and *not* made into a block too short for the value or into
    /// memory the quarantine gave back to the host, so that the simulator never writes memory it
    /// does not own. The call's result is unchanged: the violation is the diagnostic where
    /// Windows would fault or corrupt. Memory the simulator did not allocate (the stack, a Swift
    /// value) is trusted, and with ``MemoryOptions/tracking`` off nothing is checked.
    @inline(__always) @inlinable package func storeToUser<T>(_ value: T, at pointer: UnsafeMutablePointer<T>, call: StaticString) {
        // Inlined into each Win32 function, so that an untracked store is a plain store (the
        // generic function called across modules cost 30 instructions a store).
        // With tracking, a live block (or memory the arena does not hold) is found inline too.
        guard memoryTracking else { return pointer.pointee = value }
        let address = UInt(bitPattern: pointer)
        // Usually a local of the caller's stack, outside the arena.
        guard memory.spans(address), let index = memory.lookup(address),
              !memory.isLive(index, from: address, count: MemoryLayout<T>.size)
        else {
            return pointer.pointee = value
        }
        if outParameterIsWritable(index, address, count: MemoryLayout<T>.size, call: call) { pointer.pointee = value }
    }

    /// ``storeToUser(_:at:call:)`` through a kernel borrowed (a thread's `kernelReference`), for
    /// kernel32's out-parameters: untracked, a plain store, with nothing left to the inliner
    /// (a closure around the whole store was left out of line, 20–60 instructions a store).
    @inline(__always) @inlinable package static func storeToUser<T>(_ value: T, at pointer: UnsafeMutablePointer<T>,
                                                                  call: StaticString, in kernel: Unmanaged<Kernel>)
    {
        guard kernel._withUnsafeGuaranteedRef({ $0.memoryTracking }) else { return pointer.pointee = value }
        kernel._withUnsafeGuaranteedRef { $0.storeToUser(value, at: pointer, call: call) }
    }

    /// ``storeToUser(_:at:call:in:)`` for three out-parameters of one call at once (null ones
    /// skipped): the tracking flag is read once, where each store would read it again (as far as
    /// the compiler knows, a store through a caller's pointer may have changed it).
    @inline(__always) @inlinable package static func storeToUser<A, B, C>(
        _ a: A, at pa: UnsafeMutablePointer<A>?, _ b: B, at pb: UnsafeMutablePointer<B>?, _ c: C, at pc: UnsafeMutablePointer<C>?,
        call: StaticString, in kernel: Unmanaged<Kernel>
    ) {
        guard kernel._withUnsafeGuaranteedRef({ $0.memoryTracking }) else {
            pa?.pointee = a
            pb?.pointee = b
            pc?.pointee = c
            return
        }
        kernel._withUnsafeGuaranteedRef { kernel in
            if let pa { kernel.storeToUser(a, at: pa, call: call) }
            if let pb { kernel.storeToUser(b, at: pb, call: call) }
            if let pc { kernel.storeToUser(c, at: pc, call: call) }
        }
    }

    /// Whether `count` bytes at `address`, in the block at `index`, which is freed or too short,
    /// may be stored into by a call's result, recording the violation when they may not (or when
    /// they are freed).
    @usableFromInline @inline(never) func outParameterIsWritable(_ index: Int32, _ address: UInt, count: Int, call: StaticString) -> Bool {
        let block = memory.state(index)
        if block.isReleased {
            violation(.kernelWroteFreedMemory, irp: nil, block: index, address: address,
                      "\(call) was to store its result into \(memory.label(index)), freed and released to the host: nothing is stored")
            return false
        }
        if block.isReadOnly, !block.isFreed {
            violation(.wroteReadOnlyMemory, irp: nil, block: index, address: address,
                      "\(call) was to store its result into \(memory.label(index)), which is read-only: nothing is stored")
            return false
        }
        let available = block.size - Int(address - block.start)
        if count > available {
            violation(.bufferTooShort, irp: nil, block: index, address: address,
                      "\(call) was to store \(count) bytes of its result into \(memory.label(index)), which has \(available) from there: "
                          + "nothing is stored")
            return false
        }
        if block.isFreed {
            violation(.kernelWroteFreedMemory, irp: nil, block: index, address: address,
                      "\(call) stored its result into \(memory.label(index)), which was freed")
        }
        return true
    }

    /// How many bytes of caller memory from `address` its tracked block holds, so that a
    /// NUL-terminated string argument is scanned no further (`CreateFileW`'s path, an event's
    /// name, `WideCharToMultiByte`'s input with length -1). Nil for memory the simulator did not
    /// allocate, or with tracking off: unbounded, and trusted. Zero, with a violation, for a
    /// block whose memory the quarantine gave back to the host.
    package func readableUserBytes(from address: UnsafeRawPointer, call: StaticString) -> Int? {
        guard memoryTracking else { return nil }
        let start = UInt(bitPattern: address)
        guard let index = memory.lookup(start) else { return nil }
        let block = memory.state(index)
        if block.isReleased {
            violation(.kernelReadFreedMemory, irp: nil, block: index, address: start,
                      "\(call) was handed a string in \(memory.label(index)), freed and released: it reads as empty")
            return 0
        }
        if block.isFreed {
            violation(.kernelReadFreedMemory, irp: nil, block: index, address: start,
                      "\(call) read a string from \(memory.label(index)), which was freed")
        }
        return block.size - Int(start - block.start)
    }

    /// A NUL-terminated string argument ran to the end of its tracked block: Windows reads on
    /// into whatever memory follows; the simulator stops at the block's end and reports it.
    package func reportUnterminatedString(at address: UnsafeRawPointer, call: StaticString) {
        let start = UInt(bitPattern: address)
        guard let index = memory.lookup(start) else { return }
        violation(.bufferTooShort, irp: nil, block: index, address: start,
                  "\(call) was handed a string that \(memory.label(index)) ends before its terminating NUL: "
                      + "it is read as far as the block goes")
    }

    /// Whether kernel32 may read and write the `OVERLAPPED` at `pointer` in the calling thread
    /// (it sets `Internal` to `STATUS_PENDING` before the system call, and reads the offset and
    /// the result). False, with a violation, for a tracked block too short for an `OVERLAPPED`
    /// (kernel32 would read its neighbour's bytes as the offset, and the kernel's probe of the
    /// status block fails) or one whose memory the quarantine gave back to the host (on Windows
    /// that access faults): the call fails with `ERROR_NOACCESS` instead of touching memory that
    /// is not the simulator's. Memory the simulator did not allocate is trusted.
    @inline(__always)
    @inlinable package func userOverlappedIsAccessible<T>(_ pointer: UnsafeMutablePointer<T>) -> Bool {
        // Inlined, so that without tracking the check is one load (see storeToUser).
        guard memoryTracking else { return true }
        let address = UInt(bitPattern: pointer)
        // The block an OVERLAPPED was found in last, live: nothing else is read.
        return memory.recentOverlapped.holdsLive(address, count: MemoryLayout<T>.size)
            || userOverlappedIsAccessible(address, size: MemoryLayout<T>.size)
    }

    /// The check for an `OVERLAPPED` of `size` bytes at `address` in another block than the
    /// one found last, or in one that is freed, too short or read-only.
    @usableFromInline @inline(never) func userOverlappedIsAccessible(_ address: UInt, size: Int) -> Bool {
        guard let index = memory.lookup(overlapped: address) else { return true }
        if memory.isLive(index, from: address, count: size) { return true }
        let block = memory.state(index)
        if block.isReleased {
            violation(.kernelWroteFreedMemory, irp: nil, block: index, address: address,
                      "an OVERLAPPED in \(memory.label(index)), freed and released, was handed to a call: it fails with ERROR_NOACCESS")
            return false
        }
        if block.isReadOnly, !block.isFreed {
            violation(.wroteReadOnlyMemory, irp: nil, block: index, address: address,
                      "an OVERLAPPED in \(memory.label(index)), which is read-only, was handed to a call: it fails with ERROR_NOACCESS")
            return false
        }
        let available = block.size - Int(address - block.start)
        guard available < size else { return true }
        violation(.bufferTooShort, irp: nil, block: index, address: address,
                  "an OVERLAPPED needs \(size) bytes, but \(memory.label(index)) has \(available) from there: "
                      + "the call fails with ERROR_NOACCESS")
        return false
    }

    /// Probes `count` bytes of the caller's memory at `address` before the kernel uses them, as
    /// `ProbeForRead`/`ProbeForWrite` do at the start of a system call. Returns false when the
    /// range runs past the end of its tracked block (a ``MemoryViolation/Kind/bufferTooShort``
    /// violation; the call fails with `STATUS_ACCESS_VIOLATION`, `ERROR_NOACCESS`, as Windows
    /// fails a buffer that is not all accessible), or lies in a freed block whose memory the
    /// arena has released to the host (a violation too: the memory may now be anybody's).
    ///
    /// Memory the simulator did not allocate cannot be checked and is trusted (``trackIssue``
    /// lists it as unchecked); with ``MemoryOptions/tracking`` off nothing is checked. A freed
    /// block still in quarantine passes, as freed heap memory is still mapped on Windows: its
    /// memory is the arena's. The use is reported here with `reportingFreed` (a call that
    /// copies at once), or where an I/O request takes the buffer (``trackIssue``).
    @inline(__always)
    package func probeUserBuffer(_ address: UnsafeRawPointer, count: Int, writing: Bool, call: StaticString,
                                 reportingFreed: Bool = false) -> Bool
    {
        guard memoryTracking, count > 0 else { return true }
        let start = UInt(bitPattern: address)
        // The block a buffer was found in last, live and long enough: nothing else is read.
        return memory.recentBuffer.holdsLive(start, count: count)
            || probeUserBuffer(start, count: count, writing: writing, call: call, reportingFreed: reportingFreed)
    }

    /// ``probeUserBuffer(_:count:writing:call:reportingFreed:)`` in another block than the one
    /// found last, or in one that is freed, too short, or read-only (a view mapped for reading:
    /// `ProbeForWrite` fails on its pages).
    @inline(never) private func probeUserBuffer(_ start: UInt, count: Int, writing: Bool, call: StaticString,
                                                reportingFreed: Bool) -> Bool
    {
        guard let index = memory.lookup(buffer: start) else { return true }
        if memory.isLive(index, from: start, count: count) { return true }
        let block = memory.state(index)
        if reportingFreed, block.isFreed, !block.isReleased {
            violation(writing ? .kernelWroteFreedMemory : .kernelReadFreedMemory, irp: nil, block: index, address: start,
                      "\(call) was handed \(memory.label(index)), which was freed")
        }
        if block.isReleased {
            violation(writing ? .kernelWroteFreedMemory : .kernelReadFreedMemory, irp: nil, block: index, address: start,
                      "\(call) was handed \(memory.label(index)), freed and released: the call fails with ERROR_NOACCESS")
            return false
        }
        if writing, block.isReadOnly, !block.isFreed {
            violation(.wroteReadOnlyMemory, irp: nil, block: index, address: start,
                      "\(call) was handed \(memory.label(index)), which is read-only, to write into: the call fails with ERROR_NOACCESS and writes nothing")
            return false
        }
        let available = block.size - Int(start - block.start)
        guard count > available else { return true }
        violation(.bufferTooShort, irp: nil, block: index, address: start,
                  "\(call) was told the buffer holds \(count) bytes, but \(memory.label(index)) has \(available) from there: "
                      + "the call fails with ERROR_NOACCESS and \(writing ? "writes" : "reads") nothing")
        return false
    }

    // MARK: - Checks

    /// At issue: the `OVERLAPPED` (the IRP's status block) must be live and not in flight
    /// already; the IRP starts holding it, and a read's buffer. Pointers from outside the arena
    /// are noted as unchecked.
    @inline(never) func trackIssue(_ irp: IRP) {
        // Out of line, once, so that the untracked issue path carries none of it. The round
        // trip's case first, with nothing to check further: a read whose OVERLAPPED and buffer
        // lie in two live blocks that no request holds, each the block found last for its
        // kind (one comparison finds it and tells it is live). Then the IRP holds both, a few
        // stores. Anything else is checked in full, and reported, by trackIssueChecking.
        // A null pointer, and kernel32's own status block (host memory), lie in no live block:
        // they take the full check, as a miss does.
        let memory = self.memory
        let overlapped = UInt(bitPattern: irp.userIOSB)
        let buffer = UInt(bitPattern: irp.userBuffer)
        if irp.major == .read, irp.length > 0, memory.recentOverlapped.isLive(at: overlapped), memory.recentBuffer.isLive(at: buffer) {
            let overlappedIndex = memory.recentOverlapped.index
            let bufferIndex = memory.recentBuffer.index
            // The table and the id read once (the stores below might otherwise be taken to
            // change them).
            let states = memory.states
            let id = irp.id
            if overlappedIndex != bufferIndex, states[Int(overlappedIndex)].isUnheld, states[Int(bufferIndex)].isUnheld {
                states[Int(overlappedIndex)].holdAlone(irp: id, address: overlapped, asOverlapped: true)
                states[Int(bufferIndex)].holdAlone(irp: id, address: buffer, asOverlapped: false)
                irp.overlappedBlock = overlappedIndex
                irp.bufferBlock = bufferIndex
                return
            }
        }
        trackIssueChecking(irp)
    }

    /// ``trackIssue(_:)`` in full: each pointer found, checked, reported and held.
    @inline(never) private func trackIssueChecking(_ irp: IRP) {
        let call = irp.major.callName
        // The IRP's thread issued it (kernel32's own status block is not the caller's memory).
        if let overlapped = irp.userIOSB, irp.thread?.issuingWithOwnStatusBlock != true {
            let address = UInt(bitPattern: overlapped)
            if let index = memory.lookup(overlapped: address) {
                let block = memory.states[Int(index)]
                if block.isFreed || block.holderCount > 0 { checkIssuedOverlapped(irp, index, address, call) }
                memory.addHolder(index, irp: irp.id, address: address, asOverlapped: true)
                irp.overlappedBlock = index
            } else {
                unchecked(address, "ov", call)
            }
        }
        if let buffer = irp.userBuffer, irp.length > 0 {
            let address = UInt(bitPattern: buffer)
            if let index = memory.lookup(buffer: address) {
                if memory.states[Int(index)].isFreed { reportFreedBuffer(irp, index, address, call) }
                if irp.major == .read {
                    memory.addHolder(index, irp: irp.id, address: address, asOverlapped: false)
                    irp.bufferBlock = index
                }
            } else {
                unchecked(address, "buf", call)
            }
        }
    }

    /// A request was handed a buffer in freed memory: the kernel reads it (a write) or writes
    /// it (a read).
    @inline(never) private func reportFreedBuffer(_ irp: IRP, _ index: Int32, _ address: UInt, _ call: StaticString) {
        let reads = irp.major == .write
        violation(reads ? .kernelReadFreedMemory : .kernelWroteFreedMemory, irp: irp.id, block: index,
                  address: address, "\(call) was handed a buffer in freed memory")
    }

    /// An `OVERLAPPED` handed to a call is in a block that is freed or that a request holds: is
    /// it freed, or in flight already?
    @inline(never) private func checkIssuedOverlapped(_ irp: IRP, _ index: Int32, _ address: UInt, _ call: StaticString) {
        if memory.state(index).isFreed {
            violation(.kernelWroteFreedMemory, irp: irp.id, block: index, address: address,
                      "\(call) was handed an OVERLAPPED in freed memory and wrote STATUS_PENDING into it")
        } else if let earlier = memory.irpInFlight(onOverlapped: address, in: index) {
            violation(.overlappedReusedInFlight, irp: irp.id, block: index, address: address,
                      "\(call) was handed an OVERLAPPED that IRP#\(earlier) still uses: the kernel will write both results into it")
        }
    }

    /// ``reportKernelWrite(_:at:count:irp:what:)`` for an I/O status block.
    @inline(never) private func reportStatusWrite(_ index: Int32, at address: UInt, status: NTStatus, information: Int, irp: IRP) {
        reportKernelWrite(index, at: address, count: 16, irp: irp, what: "\(status.name), \(information) bytes")
    }

    /// ``reportKernelWrite(_:at:count:irp:what:)`` for a read's data.
    @inline(never) private func reportDataWrite(_ index: Int32, at address: UInt, count: Int, irp: IRP) {
        reportKernelWrite(index, at: address, count: count, irp: irp, what: "\(count) bytes of data")
    }

    /// The kernel was about to write into a block an IRP holds, and it is not live or too
    /// short (``MemoryArena/isLive(_:from:count:)``).
    private func reportKernelWrite(_ index: Int32, at address: UInt, count: Int, irp: IRP, what: String) {
        let block = memory.state(index)
        if block.isFreed {
            let victim = block.reusedBy >= 0 ? ", corrupting \(memory.label(block.reusedBy)) which now lives there" : ""
            violation(.kernelWroteFreedMemory, irp: irp.id, block: index, address: address,
                      "completion of IRP#\(irp.id) wrote \(what) into \(memory.label(index)) after it was freed\(victim)")
        } else if Int(address - block.start) + count > block.size {
            violation(.kernelWroteFreedMemory, irp: irp.id, block: index, address: address,
                      "completion of IRP#\(irp.id) would write \(what) past the end of \(memory.label(index)) (\(block.size) bytes); the write was cut short")
        }
    }

    /// The IRP no longer uses its buffer (completion processing copied the data).
    @inline(__always) func releaseBuffer(of irp: IRP) {
        guard irp.bufferBlock >= 0 else { return }
        memory.removeKnownHolder(irp.bufferBlock, irp: irp.id, asOverlapped: false)
        irp.bufferBlock = -1
    }

    /// At the end of completion processing: the IRP no longer uses its buffer, nor its
    /// `OVERLAPPED` unless a completion routine or a packet still carries it
    /// (``releaseBuffer(of:)``, ``releaseOverlapped(of:)``). Each block's state is read once,
    /// and a block the IRP alone holds is let go with one store.
    @inline(__always) func releaseHeldMemory(of irp: IRP) {
        // The table read once: letting go never adds a block, so its storage stays where it is.
        let states = memory.states
        let bufferBlock = irp.bufferBlock
        if bufferBlock >= 0 {
            if !states[Int(bufferBlock)].letGoIfHeldAlone() { memory.removeKnownHolder(bufferBlock, irp: irp.id, asOverlapped: false) }
            irp.bufferBlock = -1
        }
        guard !irp.notificationCarriesOverlapped else { return }
        let overlappedBlock = irp.overlappedBlock
        if overlappedBlock >= 0 {
            if !states[Int(overlappedBlock)].letGoIfHeldAlone() {
                memory.removeKnownHolder(overlappedBlock, irp: irp.id, asOverlapped: true)
            }
            irp.overlappedBlock = -1
        }
    }

    /// The IRP no longer uses its `OVERLAPPED` (the program was handed its last notification).
    @inline(__always) func releaseOverlapped(of irp: IRP) {
        guard irp.overlappedBlock >= 0 else { return }
        memory.removeKnownHolder(irp.overlappedBlock, irp: irp.id, asOverlapped: true)
        irp.overlappedBlock = -1
    }

    /// A completion routine or a dequeued packet hands `address` (an `OVERLAPPED`) to the
    /// program: it must not be freed.
    func checkHandedOut(_ address: UnsafeMutableRawPointer?, irp: IRP?, to whom: String) {
        checkHandedOut(address, irp: irp, to: whom, block: -1, id: 0)
    }

    /// ``checkHandedOut(_:irp:to:)`` for a completion packet, which names a delivered request
    /// by its id and the `OVERLAPPED` block it carries (`block`, -1 for none) rather than by
    /// the IRP, whose slot a new request may have taken.
    func checkHandedOut(_ address: UnsafeMutableRawPointer?, irp: IRP?, to whom: String, block: Int32, id: Int) {
        guard let address else { return }
        let value = UInt(bitPattern: address)
        let carried = irp.map { $0.overlappedBlock } ?? block
        let index = carried >= 0 ? carried : memory.lookup(value)
        guard let index, memory.state(index).isFreed else { return }
        violation(.freedOverlappedHandedOut, irp: irp?.id ?? (id != 0 ? id : nil), block: index, address: value,
                  "\(whom) was handed \(memory.label(index)), which was freed")
    }

    /// The program has been handed the packet: the delivered request behind it no longer uses
    /// its `OVERLAPPED` (``releaseOverlapped(of:)`` for a request whose IRP is gone).
    func releaseCarriedOverlapped(of packet: CompletionPacket) {
        guard packet.carriedOverlappedBlock >= 0 else { return }
        memory.removeHolder(packet.carriedOverlappedBlock, irp: packet.originID, asOverlapped: true)
    }

    /// Frees a tracked block (`HeapFree`, a frame's return). Freeing memory an IRP still holds
    /// is reported here, at the line that did it; the block is freed all the same.
    func freeBlock(_ index: Int32, at location: SourceLocation, by what: String) {
        let block = memory.blocks[Int(index)]
        if memory.state(index).isHeld {
            let holders = memory.holders(of: index)
            let users = holders.map { "IRP#\($0.irp) (as its \($0.asOverlapped ? "OVERLAPPED" : "buffer"))" }
            // The address the requests use (the OVERLAPPED's, if any), so that the violation
            // names it as the timeline does.
            let used = holders.first(where: \.asOverlapped) ?? holders.first
            violation(.freedWhileInFlight, irp: used?.irp, block: index, address: used?.address ?? block.start,
                      "\(what) freed \(memory.label(index)) at \(location) while \(users.joined(separator: ", ")) still uses it",
                      freedAt: location)
        }
        memory.free(index, at: location)
        if block.region == .heap, let owner = process(withID: block.owner) { owner.liveHeapBlockCount -= 1 }
        if tracing { record(.note("\(what) freed \(memory.label(index)) (block#\(block.id))")) }
    }

    @inline(never) private func unchecked(_ address: UInt, _ prefix: String, _ call: StaticString) {
        guard uncheckedAddresses.insert(address).inserted else { return }
        let pointer = UncheckedPointer(name: trace.name(of: address, prefix), call: call.description, time: now)
        uncheckedPointers.append(pointer)
        if options.memory.uncheckedPointersAreViolations {
            violation(.uncheckedPointer, irp: nil, block: nil, address: address, pointer.description)
        }
    }

    func violation(_ kind: MemoryViolation.Kind, irp: Int?, block: Int32?, address: UInt, _ detail: String,
                   freedAt: SourceLocation? = nil)
    {
        var info = block.map { blockInfo($0) }
        if let freedAt, let current = info {
            info = MemoryBlockInfo(id: current.id, label: current.label, typeName: current.typeName, size: current.size,
                                   region: current.region, allocatedAt: current.allocatedAt, freedAt: freedAt,
                                   reusedBy: current.reusedBy)
        }
        let offset = block.map { Int(address &- memory.state($0).start) } ?? 0
        let isOverlapped = info?.typeName == "OVERLAPPED" || kind == .overlappedReusedInFlight || kind == .freedOverlappedHandedOut
            || (block.map { index in memory.irpInFlight(onOverlapped: address, in: index) != nil } ?? false)
        let name = trace.name(of: address, isOverlapped ? "ov" : "buf")
        let found = MemoryViolation(kind: kind, time: now, thread: current?.name, irp: irp, address: name, block: info, offset: offset,
                                    detail: detail, traceIndex: tracing ? trace.entries.count : nil)
        memoryViolationLog.append(found)
        if tracing { record(.memoryViolation(found.kind.rawValue + ": " + detail)) }
    }
}
