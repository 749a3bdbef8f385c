#if !os(Windows)
import IOKernel
import Synchronization
// `errno` is the host C library's own declaration, re-exported: one variable, so that a file that
// imports both this module (or `WinSDK`) and Foundation (which brings Glibc) sees one `errno`,
// not two ambiguous ones, as a Windows file sees one. The host keeps it per OS thread, and the
// fiber switch carries it (CHostThreads' Fibers.c), so each simulated thread has its own, as
// each thread has its own on Windows.
#if canImport(Glibc)
@_exported import var Glibc.errno
#elseif canImport(Darwin)
@_exported import var Darwin.errno
#endif

/// The C runtime's state in one simulated process: the descriptor table and the streams. It
/// lives beside the simulation, keyed by the process, and goes when the process object does.
///
/// As the Universal CRT sets them up at startup, descriptors 0, 1 and 2 are the process's
/// standard handles (`GetStdHandle`); one the process does not have (the simulation's first
/// process has none) maps to -2, what `_get_osfhandle` and `_fileno` return for a standard
/// stream with no handle. The table is made at the process's first CRT call, from the standard
/// handles it has then.
final class RuntimeLibraryState: @unchecked Sendable {
    struct Descriptor {
        var handle: Int
        var flags: Int32
        /// The handle is to a character device (`GetFileType`'s `FILE_TYPE_CHAR`): the CRT's
        /// `FDEV` flag, which `_isatty` reports.
        var isCharacterDevice = false
    }

    /// The lowest free slot is reused first, as the CRT's table does.
    var descriptors: [Descriptor?]
    /// The streams `fopen` and its kind opened, in the order they were opened (`fflush(NULL)`
    /// flushes them in that order); the standard streams are `standardStreams`.
    var openedStreams: [(file: UnsafeMutablePointer<FILE>, stream: CRTStream)] = []
    /// Every `FILE` this process's streams have had, in the order they were first needed: a
    /// stream gets the first one no open stream has, as the Universal CRT's stream table
    /// gives out its first free entry, so a `FILE *` after `fclose` names the next stream
    /// opened at the same place on every run, whatever the host's allocator does. Freed with
    /// the process's CRT state.
    private var streamSlots: [UnsafeMutablePointer<FILE>] = []
    /// `stdin`, `stdout` and `stderr` of this process; nil once closed.
    var standardStreams: [CRTStream?]

    /// The CRT caps its table at 8,192 descriptors (`_NHANDLE_`); the next open is `EMFILE`.
    static let maximumDescriptors = 8192

    init(process: SimProcess, kernel: Kernel) {
        var standard: [Descriptor?] = []
        for handle in [process.standardInput, process.standardOutput, process.standardError] {
            let kind = handle == 0 || handle == UInt.max ? nil : kernel.withKernelEntry { kernel.ntQueryDeviceKind(handle: handle).1 }
            if let kind {
                // The CRT does not restrict a standard descriptor to reading or writing: the
                // handle's access decides.
                standard.append(Descriptor(handle: Int(bitPattern: handle), flags: _O_TEXT | _O_RDWR,
                                           isCharacterDevice: kind == .character))
            } else {
                standard.append(Descriptor(handle: -2, flags: _O_TEXT))
            }
        }
        descriptors = standard
        standardStreams = (0..<3).map { fd in
            let descriptor = standard[fd]
            // Microsoft's Stream I/O page: stdout and stderr are flushed when full or, writing
            // to a character device, after each library call.
            return CRTStream(descriptor: Int32(fd), access: fd == 0 ? .read : .write,
                             flushesEachCall: fd != 0 && descriptor?.isCharacterDevice == true)
        }
    }

    deinit {
        for file in streamSlots { file.deallocate() }
    }

    /// The `FILE` for a stream being opened: the first slot no open stream has, or a new one.
    func takeStreamSlot() -> UnsafeMutablePointer<FILE> {
        if let free = streamSlots.first(where: { slot in !openedStreams.contains { $0.file == slot } }) { return free }
        let file = UnsafeMutablePointer<FILE>.allocate(capacity: 1)
        file.initialize(to: FILE())
        streamSlots.append(file)
        return file
    }

    func allocate(_ descriptor: Descriptor, at wanted: Int? = nil) -> Int32? {
        if let wanted {
            while descriptors.count <= wanted { descriptors.append(nil) }
            descriptors[wanted] = descriptor
            return Int32(wanted)
        }
        if let free = descriptors.firstIndex(where: { $0 == nil }) {
            descriptors[free] = descriptor
            return Int32(free)
        }
        guard descriptors.count < Self.maximumDescriptors else { return nil }
        descriptors.append(descriptor)
        return Int32(descriptors.count - 1)
    }

    func descriptor(_ fd: Int32) -> Descriptor? {
        guard fd >= 0, Int(fd) < descriptors.count else { return nil }
        return descriptors[Int(fd)]
    }

    /// The stream a `FILE *` names in this process: one of the three standard ones (the same
    /// addresses in every process, as `__acrt_iob_func` gives each process its own at the same
    /// place), or one `fopen` returned and `fclose` has not closed. Nil for anything else.
    func stream(_ file: UnsafeMutablePointer<FILE>) -> CRTStream? {
        if let index = StandardFiles.index(of: file) { return standardStreams[index] }
        return openedStreams.first(where: { $0.file == file })?.stream
    }

    private struct Entry {
        weak var process: SimProcess?
        let state: RuntimeLibraryState
    }

    /// Simulations may run on several host threads at once: the registry is locked.
    private static let lock = Mutex(())
    nonisolated(unsafe) private static var states: [ObjectIdentifier: Entry] = [:]

    /// The state of the calling simulated thread's process, made on first use. Entries of
    /// processes that are gone are dropped as new ones are made.
    static func current() -> (SimThread, RuntimeLibraryState)? {
        guard let thread = SimThread.current else { return nil }
        let process = thread.process
        let key = ObjectIdentifier(process)
        if let state = lock.withLock({ _ in states[key].flatMap { $0.process === process ? $0.state : nil } }) {
            return (thread, state)
        }
        // Made outside the lock: reading the standard handles enters the kernel.
        let made = RuntimeLibraryState(process: process, kernel: thread.kernel)
        let state = lock.withLock { _ -> RuntimeLibraryState in
            if let entry = states[key], entry.process === process { return entry.state }
            states = states.filter { $0.value.process != nil }
            states[key] = Entry(process: process, state: made)
            return made
        }
        return (thread, state)
    }
}

/// Sets the calling thread's `errno`. The corresponding CRT function is `_set_errno`.
@discardableResult
public func _set_errno(_ value: Int32) -> errno_t {
    errno = value
    return 0
}

/// Reads the calling thread's `errno`. The corresponding CRT function is `_get_errno`; a NULL
/// pointer is `EINVAL`.
@discardableResult
public func _get_errno(_ pValue: UnsafeMutablePointer<Int32>!) -> errno_t {
    guard let pValue else { return EINVAL }
    pValue.pointee = errno
    return 0
}
#endif
