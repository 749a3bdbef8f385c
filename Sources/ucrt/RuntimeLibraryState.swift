#if !os(Windows)
import IOKernel
import Synchronization

/// The C runtime's state in one simulated process: the descriptor table and each thread's
/// `errno`. It lives beside the simulation, keyed by its kernel, and goes when the kernel does.
///
/// As the Universal CRT sets them up at startup, descriptors 0, 1 and 2 are taken by the
/// standard streams. The simulation starts processes without standard handles, so they map to
/// -2, what `_get_osfhandle` returns for a standard stream with no handle.
final class RuntimeLibraryState: @unchecked Sendable {
    struct Descriptor {
        var handle: Int
        var flags: Int32
    }

    /// The lowest free slot is reused first, as the CRT's table does.
    var descriptors: [Descriptor?] = Array(repeating: Descriptor(handle: -2, flags: _O_TEXT), count: 3)
    var errnos: [UInt32: Int32] = [:]

    /// The CRT caps its table at 8,192 descriptors (`_NHANDLE_`); the next open is `EMFILE`.
    static let maximumDescriptors = 8192

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

    private struct Entry {
        weak var kernel: Kernel?
        let state: RuntimeLibraryState
    }

    /// Simulations may run on several host threads at once: the registry is locked.
    private static let lock = Mutex(())
    nonisolated(unsafe) private static var states: [ObjectIdentifier: Entry] = [:]

    /// The state of the calling simulated thread's process, made on first use. Entries of
    /// released simulations are dropped as new ones are made.
    static func current() -> (SimThread, RuntimeLibraryState)? {
        guard let thread = SimThread.current else { return nil }
        let kernel = thread.kernel
        let key = ObjectIdentifier(kernel)
        let state = lock.withLock { _ -> RuntimeLibraryState in
            if let entry = states[key], entry.kernel === kernel { return entry.state }
            states = states.filter { $0.value.kernel != nil }
            let state = RuntimeLibraryState()
            states[key] = Entry(kernel: kernel, state: state)
            return state
        }
        return (thread, state)
    }
}

/// The calling thread's `errno`, as the CRT keeps one per thread (errno.h's `(*_errno())`).
/// Outside a simulation it reads 0 and ignores writes.
///
/// On Linux, a file that imports both this module (or `WinSDK`) and Glibc (Foundation brings it)
/// sees two `errno`s and two `EINVAL`s…: write `ucrt.errno`, as the values differ.
public var errno: Int32 {
    get {
        guard let (thread, state) = RuntimeLibraryState.current() else { return 0 }
        return state.errnos[thread.threadID] ?? 0
    }
    set {
        guard let (thread, state) = RuntimeLibraryState.current() else { return }
        state.errnos[thread.threadID] = newValue
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
