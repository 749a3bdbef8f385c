import IOKernel
import Synchronization
import Win32Surface
import XCTest

/// A Win32 error an async wrapper throws.
struct Win32Error: Error, Equatable, CustomStringConvertible {
    let code: DWORD
    var description: String { win32ErrorName(code) }
}

/// How a request ended, as the monitor thread dequeued it: the last error of a failed
/// `GetQueuedCompletionStatus` (0 for success) and the byte count.
struct IOCompletion: Sendable, Equatable {
    let error: DWORD
    let bytes: DWORD
}

/// A handle and an `OVERLAPPED`, carried into a cancellation handler (which may run on another
/// task's thread: here, always a simulated one).
struct Request: @unchecked Sendable {
    let handle: HANDLE
    let overlapped: LPOVERLAPPED
}

/// A handle that tasks share (handles are plain values; the kernel serialises their use).
struct SharedHandle: @unchecked Sendable {
    let value: HANDLE
    init?(_ value: HANDLE?) {
        guard let value, value != INVALID_HANDLE_VALUE else { return nil }
        self.value = value
    }
}

/// An async I/O layer on a completion port, written the way swift-subprocess's Windows
/// `AsyncIO` is: handles are bound to one port; a monitor thread (made with `CreateThread`)
/// dequeues packets with `GetQueuedCompletionStatus` and resumes the continuation registered
/// for the packet's `OVERLAPPED`; tasks issue `ReadFile`/`WriteFile` and await that
/// continuation. Cancelling a task cancels its request with `CancelIoEx` and the wrapper still
/// waits for the request's packet before it frees the `OVERLAPPED` and the buffer (the seeds'
/// rule), which live on the process heap, so that memory tracking checks every use.
///
/// With `waitsForCancelledRequests: false` the wrapper is the classic bug: a cancelled read
/// returns at once and frees its `OVERLAPPED` while the kernel still holds it.
final class AsyncIOPort: @unchecked Sendable {
    /// The key the shutdown packet carries, as swift-subprocess's `shutdownPort`.
    static let shutdownKey = ULONG_PTR.max

    let port: HANDLE
    private(set) var monitor: HANDLE?
    private let waitsForCancelledRequests: Bool
    /// Continuations by `OVERLAPPED` address, resumed by the monitor thread.
    private let waiting = Mutex<[UInt: CheckedContinuation<IOCompletion, Never>]>([:])

    init?(waitsForCancelledRequests: Bool = true) {
        guard let port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, nil, 0, 0) else { return nil }
        self.port = port
        self.waitsForCancelledRequests = waitsForCancelledRequests
        // The monitor's parameter is this object, alive as long as the port is (as
        // swift-subprocess passes its context), so the timeline names one address throughout.
        monitor = CreateThread(nil, 0, { parameter in
            guard let parameter else { return 0 }
            return Unmanaged<AsyncIOPort>.fromOpaque(parameter).takeUnretainedValue().monitorLoop()
        }, Unmanaged.passUnretained(self).toOpaque(), 0, nil)
    }

    /// Binds a handle to the port (once, for good, as Windows does).
    func register(_ handle: HANDLE) -> Bool {
        CreateIoCompletionPort(handle, port, ULONG_PTR(UInt(bitPattern: handle)), 0) == port
    }

    /// Reads up to `count` bytes; an empty result is the end of the stream (the pipe broke).
    func read(_ handle: HANDLE, upTo count: Int) async throws -> [UInt8] {
        let heap = GetProcessHeap()
        guard let request = HeapAlloc(heap, DWORD(HEAP_ZERO_MEMORY), SIZE_T(MemoryLayout<OVERLAPPED>.size)),
              let buffer = HeapAlloc(heap, 0, SIZE_T(max(count, 1)))
        else { throw Win32Error(code: GetLastError()) }
        let overlapped = request.bindMemory(to: OVERLAPPED.self, capacity: 1)
        defer {
            _ = HeapFree(heap, 0, buffer)
            _ = HeapFree(heap, 0, request)
        }
        let completion = await perform(on: handle, overlapped, "ReadFile") {
            ReadFile(handle, buffer, DWORD(count), nil, overlapped)
        }
        switch Int32(bitPattern: completion.error) {
        case ERROR_SUCCESS: return Array(UnsafeRawBufferPointer(start: buffer, count: Int(completion.bytes)))
        case ERROR_BROKEN_PIPE: return []
        case ERROR_OPERATION_ABORTED: throw CancellationError()
        default: throw Win32Error(code: completion.error)
        }
    }

    /// Writes all of `data`; returns the byte count the packet reports.
    @discardableResult
    func write(_ handle: HANDLE, _ data: [UInt8]) async throws -> Int {
        let heap = GetProcessHeap()
        guard let request = HeapAlloc(heap, DWORD(HEAP_ZERO_MEMORY), SIZE_T(MemoryLayout<OVERLAPPED>.size)),
              let buffer = HeapAlloc(heap, 0, SIZE_T(max(data.count, 1)))
        else { throw Win32Error(code: GetLastError()) }
        let overlapped = request.bindMemory(to: OVERLAPPED.self, capacity: 1)
        defer {
            _ = HeapFree(heap, 0, buffer)
            _ = HeapFree(heap, 0, request)
        }
        data.withUnsafeBytes { buffer.copyMemory(from: $0.baseAddress!, byteCount: data.count) }
        let completion = await perform(on: handle, overlapped, "WriteFile") {
            WriteFile(handle, buffer, DWORD(data.count), nil, overlapped)
        }
        switch Int32(bitPattern: completion.error) {
        case ERROR_SUCCESS: return Int(completion.bytes)
        case ERROR_OPERATION_ABORTED: throw CancellationError()
        default: throw Win32Error(code: completion.error)
        }
    }

    /// Issues a request and awaits its packet. The continuation is registered before the
    /// request is issued, so the monitor always finds it. Cancellation cancels this request
    /// only (`CancelIoEx` with its `OVERLAPPED`); its packet still comes, with
    /// `ERROR_OPERATION_ABORTED` or, if the request won the race, its data.
    private func perform(on handle: HANDLE, _ overlapped: LPOVERLAPPED, _ label: String,
                         _ issue: () -> Bool) async -> IOCompletion
    {
        let key = UInt(bitPattern: overlapped)
        let request = Request(handle: handle, overlapped: overlapped)
        return await withTaskCancellationHandler {
            await withTrackedContinuation(label) { continuation in
                waiting.withLock { $0[key] = continuation }
                if !issue() {
                    let error = GetLastError()
                    if error != DWORD(ERROR_IO_PENDING) {
                        // A synchronous failure queues no packet (F-IOCP): resume at once.
                        let continuation = waiting.withLock { $0.removeValue(forKey: key) }
                        continuation?.resume(returning: IOCompletion(error: error, bytes: 0))
                        return
                    }
                }
                // A synchronous success on a bound handle still queues a packet: wait for it.
                // A task cancelled before it got here cancels now (its handler already ran).
                if Task.isCancelled { _ = CancelIoEx(handle, overlapped) }
            }
        } onCancel: {
            _ = CancelIoEx(request.handle, request.overlapped)
            if !waitsForCancelledRequests {
                // The bug: give up on the request without waiting for its completion.
                let continuation = waiting.withLock { $0.removeValue(forKey: key) }
                continuation?.resume(returning: IOCompletion(error: DWORD(ERROR_OPERATION_ABORTED), bytes: 0))
            }
        }
    }

    fileprivate func monitorLoop() -> DWORD {
        while true {
            var bytes: DWORD = 0
            var key: ULONG_PTR = 0
            var overlapped: LPOVERLAPPED?
            let ok = GetQueuedCompletionStatus(port, &bytes, &key, &overlapped, INFINITE)
            let error = ok ? DWORD(ERROR_SUCCESS) : GetLastError()
            if ok, key == Self.shutdownKey { return 0 }
            guard let overlapped else { return error }  // the port itself failed
            let continuation = waiting.withLock { $0.removeValue(forKey: UInt(bitPattern: overlapped)) }
            continuation?.resume(returning: IOCompletion(error: error, bytes: bytes))
        }
    }

    /// Stops the monitor (a shutdown packet, then waits for the thread) and closes the port.
    func shutdown() {
        guard let monitor else { return }
        _ = PostQueuedCompletionStatus(port, 0, Self.shutdownKey, nil)
        _ = WaitForSingleObject(monitor, INFINITE)
        _ = CloseHandle(monitor)
        _ = CloseHandle(port)
        self.monitor = nil
    }
}
