#if !os(Windows)
import IOKernel

/// The CRT's `FILE` (corecrt_wstdio.h: `struct _iobuf { void *_Placeholder; }`), as Swift
/// imports it on Windows: a stream's public face, whose state the CRT keeps to itself. Code
/// only ever holds `UnsafeMutablePointer<FILE>`s the CRT gave it.
public struct _iobuf {
    public var _Placeholder: UnsafeMutableRawPointer?
    public init() { _Placeholder = nil }
    public init(_Placeholder: UnsafeMutableRawPointer?) { self._Placeholder = _Placeholder }
}

/// `FILE`, a stream of the C runtime (stdio.h).
public typealias FILE = _iobuf

/// The addresses of `stdin`, `stdout` and `stderr`: the same in every simulated process, each
/// naming that process's own stream, as `__acrt_iob_func(0...2)` gives every Windows process
/// its own streams at fixed places in its CRT. Made once, for the host's life.
enum StandardFiles {
    nonisolated(unsafe) static let base: UnsafeMutablePointer<FILE> = {
        let files = UnsafeMutablePointer<FILE>.allocate(capacity: 3)
        files.initialize(repeating: FILE(), count: 3)
        return files
    }()

    /// 0, 1 or 2 for the standard streams' addresses, nil for any other.
    static func index(of file: UnsafeMutablePointer<FILE>) -> Int? {
        let offset = file - base
        return (0..<3).contains(offset) ? offset : nil
    }
}

/// A stream's state (the fields the CRT keeps behind `FILE`): its descriptor, what it may do,
/// its buffer and its end-of-file and error indicators.
///
/// Buffering follows the Universal CRT: a stream gets its buffer (4,096 bytes, "the default
/// size of a stream buffer", Microsoft's Stream I/O page) at its first I/O; a write that does
/// not fit goes out when the buffer is full, and a write of a buffer's size or more goes
/// straight to the descriptor in whole buffers once the buffer is flushed. `_IOLBF` is full
/// buffering ("for Win32, the behavior is the same as _IOFBF", setvbuf's page). `stdout` and
/// `stderr` writing to a character device are flushed at the end of each call.
final class CRTStream {
    enum Access { case read, write, update }

    var descriptor: Int32
    let access: Access
    /// Written to at the end of each call (a standard output stream on a character device).
    let flushesEachCall: Bool
    /// `_IONBF` from `setvbuf`: every write goes to the descriptor at once.
    var unbuffered = false
    /// The buffer's size (`setvbuf`'s, rounded down to an even number).
    var bufferSize = 4096
    /// Whether the stream has its buffer yet (it gets it at its first I/O).
    var hasBuffer = false
    /// Bytes written and not yet given to the descriptor.
    var pending: [UInt8] = []
    /// The read buffer: made at the first refill at the buffer's size (uninitialised: a huge
    /// `setvbuf` size costs address space, not zeroing) and kept for every later refill, as
    /// the CRT keeps its stream buffer; made again if `setvbuf` changes the size.
    private var readBuffer: UnsafeMutableRawBufferPointer?
    /// How many bytes of ``readBuffer`` the last refill read from the descriptor.
    private(set) var readAheadCount = 0
    /// How many of them were given to the program.
    var readPosition = 0
    var atEnd = false
    var failed = false
    /// Some I/O has been done (setvbuf is meant to come before any).
    var used = false
    /// The stream's lock (`_lock_file`), made at its first explicit use (StreamLocks.swift).
    var lock: UserLock?

    init(descriptor: Int32, access: Access, flushesEachCall: Bool = false) {
        self.descriptor = descriptor
        self.access = access
        self.flushesEachCall = flushesEachCall
    }

    deinit { readBuffer?.deallocate() }

    /// Bytes read from the descriptor and not yet given to the program.
    var unreadCount: Int { readAheadCount - readPosition }

    /// Forgets what was read ahead without moving the descriptor (a seek sets it anyway).
    func discardReadAhead() {
        readAheadCount = 0
        readPosition = 0
    }

    var canWrite: Bool { access != .read }
    var canRead: Bool { access != .write }

    /// Gives the pending bytes to the descriptor (`_write`, again after a partial write): true
    /// when all went; false with the error indicator set and `errno` from `_write` otherwise.
    func flushPending() -> Bool {
        var offset = 0
        defer { pending.removeFirst(min(offset, pending.count)) }
        while offset < pending.count {
            let written = pending[offset...].withUnsafeBytes { _write(descriptor, $0.baseAddress, UInt32($0.count)) }
            guard written > 0 else {
                failed = true
                pending.removeAll()
                return false
            }
            offset += Int(written)
        }
        return true
    }

    /// Forgets what was read ahead (before a seek or a write), moving the descriptor back over
    /// it so that its position is the stream's again.
    func dropReadAhead() {
        let unread = unreadCount
        if unread > 0 { _ = _lseeki64(descriptor, Int64(-unread), SEEK_CUR) }
        discardReadAhead()
    }

    /// Writes `bytes` as the CRT's `fwrite` does, returning how many went into the stream
    /// (buffered or written); fewer than all with the error indicator set.
    func write(_ bytes: UnsafeRawBufferPointer) -> Int {
        used = true
        if readAheadCount > 0 { dropReadAhead() }
        if unbuffered {
            guard let base = bytes.baseAddress, !bytes.isEmpty else { return 0 }
            pending.append(contentsOf: UnsafeRawBufferPointer(start: base, count: bytes.count))
            return flushPending() ? bytes.count : 0
        }
        var done = 0
        while done < bytes.count {
            let remaining = bytes.count - done
            let room = hasBuffer ? bufferSize - pending.count : 0
            if room > 0 {
                let chunk = min(remaining, room)
                pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[done..<done + chunk]))
                done += chunk
            } else if remaining >= bufferSize {
                // A full buffer goes first, then whole buffers' worth straight from the caller.
                if hasBuffer, !flushPending() { return done }
                let direct = remaining - remaining % bufferSize
                let written = _write(descriptor, bytes.baseAddress! + done, UInt32(min(direct, Int(Int32.max))))
                guard written > 0 else {
                    failed = true
                    return done
                }
                done += Int(written)
                if Int(written) < direct {
                    failed = true
                    return done
                }
            } else {
                // The buffer is full (or not made yet): it goes out, and the rest starts a new one.
                if hasBuffer, !flushPending() { return done }
                hasBuffer = true
            }
        }
        if flushesEachCall, !flushPending() { return bytes.count }
        return done
    }

    /// Reads up to `count` bytes as the CRT's `fread` does: from what was read ahead, then
    /// whole buffers straight from the descriptor, then a buffer's worth into the stream; until
    /// `count` bytes or the end (the end-of-file indicator) or an error (the error indicator).
    func read(into destination: UnsafeMutableRawBufferPointer, kernel: Kernel) -> Int {
        used = true
        if !pending.isEmpty, !flushPending() { return 0 }
        var done = 0
        while done < destination.count {
            let available = unreadCount
            if available > 0, let readBuffer {
                let chunk = min(available, destination.count - done)
                kernel.copyToUser(destination.baseAddress! + done, Array(readBuffer[readPosition..<readPosition + chunk]))
                readPosition += chunk
                done += chunk
                continue
            }
            discardReadAhead()
            let remaining = destination.count - done
            let size = unbuffered ? 1 : bufferSize
            if remaining >= size {
                let wanted = unbuffered ? remaining : remaining - remaining % size
                let got = _read(descriptor, destination.baseAddress! + done, UInt32(min(wanted, Int(Int32.max))))
                if got < 0 { failed = true; return done }
                if got == 0 { atEnd = true; return done }
                done += Int(got)
            } else {
                hasBuffer = true
                if readBuffer?.count != size {
                    readBuffer?.deallocate()
                    readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 16)
                }
                let got = _read(descriptor, readBuffer?.baseAddress, UInt32(size))
                if got < 0 { failed = true; return done }
                if got == 0 { atEnd = true; return done }
                readAheadCount = Int(got)
            }
        }
        return done
    }
}
#endif
