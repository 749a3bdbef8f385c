import IOKernel

/// The surface's access to caller memory: every read or write kernel32 makes through a caller's
/// pointer goes through the kernel's checked path (`Memory/UserMemory.swift`), so that a short,
/// freed or released block is a recorded violation and never a host over-read or over-write
/// (`UserMemoryDisciplineTests` enforces it).
extension SimThread {
    /// Stores a call's result through one of the caller's out-parameters, as kernel32 does after
    /// the system call, through the kernel's checked path (``Kernel/storeToUser(_:at:call:)``):
    /// a store into freed memory is a violation at this call, and one that would run past the
    /// end of a tracked block or into memory the simulator no longer owns is not made. A null
    /// pointer is skipped, as Windows skips the optional out-parameters.
    @inline(__always)
    func store<T>(_ value: T, into pointer: UnsafeMutablePointer<T>?, call: StaticString) {
        guard let pointer, !isTerminating else { return }
        // The kernel borrowed: `kernel` would be retained around the store.
        Kernel.storeToUser(value, at: pointer, call: call, in: kernelReference)
    }

    /// Stores a call's results through three of the caller's out-parameters, each as
    /// ``store(_:into:call:)`` stores it, with the thread's termination and the kernel's tracking
    /// tested once for the three (GetQueuedCompletionStatus's byte count, key and `OVERLAPPED`).
    @inline(__always)
    func store<A, B, C>(_ a: A, into pa: UnsafeMutablePointer<A>?, _ b: B, into pb: UnsafeMutablePointer<B>?, _ c: C,
                        into pc: UnsafeMutablePointer<C>?, call: StaticString)
    {
        guard !isTerminating else { return }
        Kernel.storeToUser(a, at: pa, b, at: pb, c, at: pc, call: call, in: kernelReference)
    }

    /// Reads a value the caller passes by pointer (a `STARTUPINFOW`, a pipe mode, the high half
    /// of a distance) through the kernel's checked path: nil, with a violation recorded, when the
    /// tracked block is too short for a `T` or its memory was given back to the host; the call
    /// then fails with `ERROR_NOACCESS` where Windows would fault or read a neighbour's bytes.
    @inline(__always)
    func load<T>(_ pointer: UnsafePointer<T>, call: StaticString) -> T? {
        guard kernel.probeUserBuffer(pointer, count: MemoryLayout<T>.size, writing: false, call: call, reportingFreed: true)
        else { return nil }
        return pointer.pointee
    }

    /// Checks caller memory that a user-mode function reads or writes at once: the tracked
    /// block must hold `count` bytes from `address` (otherwise a recorded violation, and the
    /// caller fails with `ERROR_NOACCESS` where Windows would fault).
    func userBufferIsAccessible(_ address: UnsafeRawPointer, count: Int, writing: Bool, call: StaticString) -> Bool {
        kernel.withKernelEntry {
            kernel.probeUserBuffer(address, count: count, writing: writing, call: call, reportingFreed: true)
        }
    }

    /// Writes `values` into caller memory through the kernel's checked path (probed first);
    /// false, having written nothing, when the memory cannot take them.
    func writeToCaller<T: FixedWidthInteger>(_ values: [T], at address: UnsafeMutableRawPointer, call: StaticString) -> Bool {
        let bytes = values.withUnsafeBytes { Array($0) }
        guard userBufferIsAccessible(address, count: bytes.count, writing: true, call: call) else { return false }
        kernel.withKernelEntry { kernel.copyToUser(address, bytes) }
        return true
    }
}

/// A `LARGE_INTEGER` holding `value`, to store through an out-parameter whole.
func largeInteger(_ value: Int64) -> LARGE_INTEGER {
    var result = LARGE_INTEGER()
    result.QuadPart = LONGLONG(value)
    return result
}

/// The length in units of the NUL-terminated string at `pointer` in caller memory (a path, a
/// name, a command line), scanning no further than the end of its tracked block: a block that
/// ends before the terminator is a violation, and the string is read as far as the block goes,
/// where Windows would read on into whatever memory follows. Untracked memory is trusted.
func terminatedLength<Unit: FixedWidthInteger>(_ pointer: UnsafePointer<Unit>,
                                               call: StaticString = "a call with a string argument") -> Int
{
    let kernel = SimThread.current?.kernel
    let limit = kernel?.readableUserBytes(from: pointer, call: call).map { $0 / MemoryLayout<Unit>.size } ?? Int.max
    var length = 0
    while length < limit, pointer[length] != 0 { length += 1 }
    if length == limit, limit > 0, limit != Int.max { kernel?.reportUnterminatedString(at: pointer, call: call) }
    return length
}

/// The caller's NUL-terminated UTF-16 string, read through ``terminatedLength(_:call:)``.
func callerWideString(_ pointer: UnsafePointer<WCHAR>) -> String {
    String(decoding: UnsafeBufferPointer(start: pointer, count: terminatedLength(pointer)), as: UTF16.self)
}

/// The caller's NUL-terminated narrow string (the simulated ANSI code page is UTF-8), read
/// through ``terminatedLength(_:call:)``.
func callerNarrowString(_ pointer: UnsafePointer<CChar>) -> String {
    let length = terminatedLength(pointer)
    return UnsafeRawPointer(pointer).withMemoryRebound(to: UInt8.self, capacity: length) {
        String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
    }
}
