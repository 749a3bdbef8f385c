#if !os(Windows)
import IOKernel
import Win32Surface

// The CRT's stream locks. Every stream function of the Universal CRT locks its stream for the
// length of the call ("This function locks the calling thread and is therefore thread-safe",
// fwrite's reference page; `_fwrite_nolock` is the version that does not), and `_lock_file`
// holds the same lock across several calls ("locks the FILE object specified by file; the
// underlying file is not locked", `_lock_file`'s page), so that a thread's output is not
// interleaved with another thread's. The lock is a critical section: recursive for its owner,
// a wait for any other thread. A simulated thread switches only inside the kernel, so a stream
// call can be overtaken only while it waits (a full pipe, a slow device); the lock is therefore
// made at a stream's first `_lock_file`, and until then a call has nothing to take.

/// Locks a stream for the calling thread, waiting while another thread holds it. The
/// corresponding CRT function is `_lock_file`; a NULL or unknown stream sets `errno` to
/// `EINVAL` (the invalid-parameter handler's continuation) and locks nothing.
public func _lock_file(_ file: UnsafeMutablePointer<FILE>!) {
    guard let (thread, _, stream) = openStream(file) else { return }
    let kernel = thread.kernel
    let lock = stream.lock ?? kernel.makeUnregisteredUserLock(.criticalSection, label: "FILE lock of descriptor \(stream.descriptor)")
    stream.lock = lock
    _ = kernel.withKernelEntry { kernel.rtlEnterCriticalSection(lock) }
}

/// Unlocks a stream `_lock_file` locked. The corresponding CRT function is `_unlock_file`: the
/// last unlock of the owning thread lets the first waiting thread have it. Unlocking a stream
/// no thread holds changes nothing.
public func _unlock_file(_ file: UnsafeMutablePointer<FILE>!) {
    guard let (thread, _, stream) = openStream(file), let lock = stream.lock else { return }
    let kernel = thread.kernel
    _ = kernel.withKernelEntry { kernel.rtlLeaveCriticalSection(lock) }
}

/// Runs a stream call under the stream's lock, as every stream function of the CRT does; a
/// stream that was never locked explicitly has no lock to take.
func withStreamLock<R>(_ stream: CRTStream, _ kernel: Kernel, _ body: () -> R) -> R {
    guard let lock = stream.lock else { return body() }
    guard kernel.withKernelEntry({ kernel.rtlEnterCriticalSection(lock) }) == .success else { return body() }
    defer { _ = kernel.withKernelEntry { kernel.rtlLeaveCriticalSection(lock) } }
    return body()
}

/// Writes one character. The corresponding CRT function is `putc`, `fputc` as a function.
@discardableResult
public func putc(_ character: Int32, _ stream: UnsafeMutablePointer<FILE>!) -> Int32 {
    fputc(character, stream)
}

/// Ends the calling process at once with `status` as its exit code. The corresponding CRT
/// function is `_exit`: no `atexit` functions run and no stream is flushed (the reference page
/// of `exit`, `_Exit` and `_exit`); the process ends as by `ExitProcess`.
public func _exit(_ status: Int32) -> Never {
    ExitProcess(UINT(bitPattern: status))
}
#endif
