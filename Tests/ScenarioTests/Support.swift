import IOKernel
import Win32Surface
import XCTest

/// Memory that outlives the Win32 calls using it, as real overlapped code must arrange: the
/// kernel writes an `OVERLAPPED` and a buffer when the request completes, long after the call
/// returned.
///
/// Inside a simulation it is the simulation's own static storage, so every scenario test runs
/// with its memory tracked: the kernel checks each use of it, and a lifetime bug in a test (or a
/// false report by the simulator) would show as a memory violation. Outside one it is host
/// memory, freed when the test ends.
final class ScenarioMemory {
    private var blocks: [UnsafeMutableRawPointer] = []
    /// The simulations whose memory this handed out, checked for violations when the test ends.
    private(set) var kernels: [Kernel] = []

    /// Lets go of the simulations once they are checked.
    func forgetKernels() { kernels.removeAll() }

    private func allocate(_ count: Int) -> UnsafeMutableRawPointer {
        if let kernel = SimThread.current?.kernel {
            if !kernels.contains(where: { $0 === kernel }) { kernels.append(kernel) }
            return kernel.trackedMemory.allocateStaticBytes(count)
        }
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1), alignment: 8)
        raw.initializeMemory(as: UInt8.self, repeating: 0, count: max(count, 1))
        blocks.append(raw)
        return raw
    }

    /// A zeroed `OVERLAPPED` at a stable address, with `hEvent` set if given.
    func overlapped(event: HANDLE? = nil, offset: UInt64 = 0) -> LPOVERLAPPED {
        let ov = allocate(MemoryLayout<OVERLAPPED>.size).bindMemory(to: OVERLAPPED.self, capacity: 1)
        ov.initialize(to: OVERLAPPED())
        ov.pointee.hEvent = event
        ov.pointee.Offset = DWORD(truncatingIfNeeded: offset)
        ov.pointee.OffsetHigh = DWORD(truncatingIfNeeded: offset >> 32)
        return ov
    }

    /// A zeroed buffer of `count` bytes.
    func buffer(_ count: Int) -> UnsafeMutableRawPointer { allocate(max(count, 1)) }

    deinit { for block in blocks { block.deallocate() } }
}

extension XCTestCase {
    /// Memory for one test, freed when the test ends. When the test ends, the simulations it
    /// was used in must have no memory violations left (a test that expects some takes them
    /// with `takeMemoryViolations()`).
    func scenarioMemory(file: StaticString = #filePath, line: UInt = #line) -> ScenarioMemory {
        let memory = ScenarioMemory()
        addTeardownBlock {
            for kernel in memory.kernels {
                XCTAssertEqual(kernel.memoryViolations.map(\.description), [], "memory violations", file: file, line: line)
            }
            // XCTest keeps its test cases and their teardown blocks for the whole run.
            memory.forgetKernels()
        }
        return memory
    }
}

/// Opens a device path with `CreateFileA`, overlapped unless told otherwise.
func openDevice(_ path: String, overlapped: Bool = true, access: DWORD = GENERIC_READ | DWORD(GENERIC_WRITE)) -> HANDLE? {
    CreateFileA(path, access, 0, nil, DWORD(OPEN_EXISTING), overlapped ? DWORD(FILE_FLAG_OVERLAPPED) : 0, nil)
}

/// A manual-reset event, initially non-signalled (what an `OVERLAPPED.hEvent` should be).
func manualEvent() -> HANDLE? { CreateEventW(nil, true, false, nil) }

/// The bytes at `buffer`, as a string.
func string(_ buffer: UnsafeMutableRawPointer, _ count: Int) -> String {
    String(decoding: UnsafeRawBufferPointer(start: buffer, count: count), as: UTF8.self)
}

/// `OVERLAPPED.Internal` as the NTSTATUS it holds.
func internalStatus(_ ov: LPOVERLAPPED) -> DWORD { DWORD(truncatingIfNeeded: ov.pointee.Internal) }

/// Starts a simulated thread running `body` with `CreateThread`, and returns its handle. Like
/// any new thread, it first runs when the calling thread blocks. The closure is the kernel's to
/// hold (``CreateThread(running:)``), so what it captures is released even when the thread
/// exits, is terminated or is still blocked when the simulation goes.
func spawn(_ body: @escaping () -> DWORD) -> HANDLE? {
    CreateThread(running: body)
}
