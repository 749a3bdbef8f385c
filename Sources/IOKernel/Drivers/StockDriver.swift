/// A ready-made driver whose behaviour is picked by policy, so that a test chooses a device by
/// what it does: how it completes requests, whether it honours cancellation, what it does at
/// cleanup, how it opens, and where its data comes from.
///
/// ```swift
/// // A device that never finishes on its own and ignores cancellation: the test completes
/// // each request by hand.
/// let stubborn = StockDriver(completion: .manual, cancellation: .ignored, cleanup: .ignoresPending)
/// sim.installDevice(#"\\.\stubborn"#, driver: stubborn)
/// …
/// stubborn.completeNext(status: .success, data: Array("hello".utf8))
/// ```
///
/// Pending requests wait in a ``CancelSafeQueue``, oldest first, so they complete exactly once
/// whatever races with them.
public final class StockDriver: Driver {
    /// How reads and writes complete.
    public enum Completion: Sendable {
        /// They pend until the test completes them (``completeNext(status:bytes:data:)``).
        case manual
        /// They pend and complete successfully after a virtual delay.
        case after(Duration)
        /// They complete successfully inside the call (the call returns `TRUE` even on an
        /// overlapped handle).
        case immediate
    }

    /// What a cancel request does to a pending request.
    public enum Cancellation: Sendable {
        /// The cancel routine completes it at once with `STATUS_CANCELLED`, 0 bytes, so the
        /// result is visible when `CancelIoEx` returns (as named pipes behave, F-CAN-10).
        case supported
        /// No cancel routine is ever armed: cancelling sets the flag and nothing else, and the
        /// request completes when the device finishes it, successfully.
        case ignored
        /// The cancel routine takes the request and completes it with `STATUS_CANCELLED` after
        /// a virtual delay (the seed's disk "busy reading from the hard drive").
        case slow(Duration)
    }

    /// What `IRP_MJ_CLEANUP` (the last handle closing) does to the requests still pending on
    /// that file object.
    public enum Cleanup: Sendable {
        /// Completes them with `status` (`STATUS_CANCELLED` for most drivers, as the WDK asks;
        /// named pipes use `STATUS_PIPE_BROKEN`).
        case cancelsPending(NTStatus)
        /// Leaves them pending: they keep the file object alive, and `IRP_MJ_CLOSE` waits for
        /// them (the seed `close-handle-with-pending-read`).
        case ignoresPending
        /// Pends the cleanup request for a virtual delay (so `CloseHandle` blocks), then
        /// completes the pending requests with the status, if one is given.
        case pends(Duration, thenCancelsPendingWith: NTStatus?)

        /// Completes pending requests with `STATUS_CANCELLED`.
        public static let cancelsPending = Cleanup.cancelsPending(.cancelled)
    }

    /// How `IRP_MJ_CREATE` completes.
    public enum Open: Sendable {
        case immediate
        /// The open pends for a virtual delay (a slow device); `CreateFile` blocks meanwhile.
        case after(Duration)
        /// The open fails with this status.
        case fails(NTStatus)
    }

    /// Where read data comes from.
    public enum ByteSource: Sendable {
        /// These bytes, repeated forever.
        case repeating([UInt8])
        /// These bytes once; a read after them ends with `STATUS_END_OF_FILE`.
        case bytes([UInt8])
    }

    public let completion: Completion
    public let cancellation: Cancellation
    public let cleanupPolicy: Cleanup
    public let open: Open
    @exclusivity(unchecked) public private(set) var source: ByteSource
    @exclusivity(unchecked) private var sourceOffset = 0
    /// A repeating source's pattern laid out several times over (memory the driver owns), so
    /// that a read's data is one copy from it; `patternLength` is 0 for any other source.
    @exclusivity(unchecked) private var repeated: UnsafeMutablePointer<UInt8>?
    @exclusivity(unchecked) private var repeatedCount = 0
    private let patternLength: Int

    /// Every byte written to the device, in completion order (the byte sink).
    @exclusivity(unchecked) public private(set) var written: [UInt8] = []
    /// How many times each request type reached the driver.
    @exclusivity(unchecked) public private(set) var createCount = 0
    @exclusivity(unchecked) public private(set) var cleanupCount = 0
    @exclusivity(unchecked) public private(set) var closeCount = 0

    private let queue: CancelSafeQueue
    /// Slow opens; a cancelled one (`CancelSynchronousIo`) takes its timer with it.
    private let opening = CancelSafeQueue { irp, k in
        (irp.driverContext as? ScheduledEvent)?.cancel()
        k.complete(irp, status: .cancelled, information: 0)
    }
    @exclusivity(unchecked) private var context: DriverContext?

    public init(completion: Completion = .manual, cancellation: Cancellation = .supported,
                cleanup: Cleanup = .cancelsPending, open: Open = .immediate,
                source: ByteSource = .repeating(Array("data".utf8)))
    {
        self.completion = completion
        self.cancellation = cancellation
        self.cleanupPolicy = cleanup
        self.open = open
        self.source = source
        if case .repeating(let pattern) = source { patternLength = pattern.count } else { patternLength = 0 }
        // A cancelled request's own completion timer is cancelled too, as a careful driver does.
        switch cancellation {
        case .supported:
            queue = CancelSafeQueue { irp, k in
                (irp.driverContext as? ScheduledEvent)?.cancel()
                k.complete(irp, status: .cancelled, information: 0)
            }
        case .ignored:
            queue = CancelSafeQueue(cancellable: false)
        case .slow(let delay):
            queue = CancelSafeQueue { irp, k in
                (irp.driverContext as? ScheduledEvent)?.cancel()
                k.schedule(after: delay, "\(irp.label) cancellation finishes") {
                    k.complete(irp, status: .cancelled, information: 0)
                }
            }
        }
    }

    deinit { repeated?.deallocate() }

    public func installed(on device: Device, _ k: DriverContext) { context = k }

    /// The read and write requests pending in the device, oldest first.
    public var pending: [IRP] { queue.queued }

    // MARK: - Driver

    public func create(_ irp: IRP, _ k: DriverContext) -> NTStatus {
        createCount += 1
        switch open {
        case .immediate:
            return k.complete(irp, status: .success)
        case .fails(let status):
            return k.complete(irp, status: status)
        case .after(let delay):
            guard opening.insert(irp, k) else { return .pending }
            irp.driverContext = k.schedule(after: delay, "\(irp.label) open finishes") { [opening] in
                if opening.remove(irp, k) { k.complete(irp, status: .success) }
            }
            return .pending
        }
    }

    @inline(__always) public func dispatch(_ irp: IRP, _ k: DriverContext) -> NTStatus {
        // A manual device's request goes straight to the queue, inline in the I/O manager's
        // call: the round trip's hot path.
        if case .manual = completion {
            queue.insert(irp, k)
            return .pending
        }
        return dispatchTimed(irp, k)
    }

    /// ``dispatch(_:_:)`` for a device that completes requests by itself.
    @inline(never) private func dispatchTimed(_ irp: IRP, _ k: DriverContext) -> NTStatus {
        switch completion {
        case .immediate:
            return finish(irp, k, status: .success, bytes: nil, data: nil)
        case .manual:
            queue.insert(irp, k)
            return .pending
        case .after(let delay):
            if queue.insert(irp, k) {
                // Unowned: the kernel whose timer this is keeps its installed drivers alive (and a
                // weak reference's side table would outlive a timer left when the simulation goes).
                irp.driverContext = k.schedule(after: delay, "device finishes \(irp.label)") { [unowned self] in
                    guard self.queue.remove(irp, k) else { return }
                    self.finish(irp, k, status: .success, bytes: nil, data: nil)
                }
            }
            return .pending
        }
    }

    public func cleanup(_ irp: IRP, _ k: DriverContext) -> NTStatus {
        cleanupCount += 1
        switch cleanupPolicy {
        case .cancelsPending(let status):
            completePending(of: irp.fileObject, with: status, k)
            return k.complete(irp, status: .success)
        case .ignoresPending:
            return k.complete(irp, status: .success)
        case .pends(let delay, let status):
            k.markPending(irp)
            k.schedule(after: delay, "cleanup of \(irp.fileObject.label) finishes") { [unowned self] in
                if let status { self.completePending(of: irp.fileObject, with: status, k) }
                k.complete(irp, status: .success)
            }
            return .pending
        }
    }

    public func close(_ fileObject: FileObject, _ k: DriverContext) { closeCount += 1 }

    /// The requests still queued hold their file object, its device and so this driver (a
    /// queue that arms no cancel routine is not one the kernel can find from its IRPs).
    public func simulationEnded() { queue.releaseQueued() }

    private func completePending(of file: FileObject, with status: NTStatus, _ k: DriverContext) {
        while let pending = queue.removeNext(for: file, k) {
            (pending.driverContext as? ScheduledEvent)?.cancel()
            k.complete(pending, status: status, information: 0)
        }
    }

    // MARK: - Completing by hand

    /// Completes the oldest pending request the driver still owns, as the device finishing it.
    ///
    /// - Parameters:
    ///   - status: The completion status.
    ///   - bytes: The byte count to report; by default, the bytes delivered (reads) or the
    ///     request's length (writes). Ignored (0) for an error status.
    ///   - data: For a read, the bytes to deliver; by default the next bytes of the source. For
    ///     a `DeviceIoControl` (`IRP_MJ_DEVICE_CONTROL` or `IRP_MJ_FILE_SYSTEM_CONTROL`), its
    ///     output, cut to the output buffer's size; by default none. The control's code and
    ///     input are the request's ``IRP/controlCode`` and ``IRP/systemBuffer``.
    /// - Returns: The request completed, or nil if none was pending (a request whose
    ///   cancellation is under way belongs to its cancel routine and is skipped).
    @discardableResult @inlinable
    public func completeNext(status: NTStatus = .success, bytes: Int? = nil, data: [UInt8]? = nil) -> IRP? {
        // Inlined into the caller, so that a caller that drops the IRP (a loop completing
        // requests) does not retain and release it: only a caller that keeps it holds it.
        completeNextUnretained(status: status, bytes: bytes, data: data)?.takeUnretainedValue()
    }

    /// ``completeNext(status:bytes:data:)``, returning the IRP unretained: the lookaside list
    /// keeps it, and nothing runs before the caller takes it (a held IRP is never reused).
    @usableFromInline func completeNextUnretained(status: NTStatus, bytes: Int?, data: [UInt8]?) -> Unmanaged<IRP>? {
        guard let k = context else { return nil }
        // A device-side action: completion work for the running thread runs before it returns.
        // The kernel is borrowed: the driver's context holds it unowned.
        return k.kernelReference._withUnsafeGuaranteedRef { kernel -> Unmanaged<IRP>? in
            kernel.enter()
            // The IRP borrowed (the lookaside list keeps it until it is freed, and one the
            // caller then holds is never reused). One exit, no `defer`: a deferred leave was
            // compiled as a function of its own.
            let irp = queue.removeNextUnretained(k)
            #if DEBUG
            // Unoptimised, a nested function's context is heap memory (see withCurrentThread).
            if let irp { _ = irp._withUnsafeGuaranteedRef { finish($0, k, status: status, bytes: bytes, data: data) } }
            #else
            // Optimised, a nested function marked for inlining, not a closure: the closure was
            // compiled as a function of its own (its frame and saved registers, 20 instructions).
            @inline(__always) func finishBorrowed(_ irp: IRP) -> NTStatus { finish(irp, k, status: status, bytes: bytes, data: data) }
            if let irp { _ = irp._withUnsafeGuaranteedRef(finishBorrowed) }
            #endif
            kernel.leaveAfterDeviceAction()
            return irp
        }
    }

    /// Completes a specific pending request; false if the driver no longer owns it.
    @discardableResult
    public func complete(_ irp: IRP, status: NTStatus = .success, bytes: Int? = nil, data: [UInt8]? = nil) -> Bool {
        guard let k = context else { return false }
        return k.deviceAction {
            guard queue.remove(irp, k) else { return false }
            finish(irp, k, status: status, bytes: bytes, data: data)
            return true
        }
    }

    @discardableResult @inline(__always)
    private func finish(_ irp: IRP, _ k: DriverContext, status: NTStatus, bytes: Int?, data: [UInt8]?) -> NTStatus {
        guard !status.isError else { return k.complete(irp, status: status, information: 0) }
        switch irp.major {
        case .read:
            if data == nil, irp.length > Self.largestBuiltRead, let period = repeatingPeriod(for: irp.length) {
                // A large read of a repeating source: one period, laid out by completion
                // processing straight into the caller's buffer (nothing of the read's size is
                // built, issue 10, finding 6).
                irp.systemBuffer = period
                irp.systemBufferRepeats = true
                return k.complete(irp, status: status, information: min(max(0, bytes ?? irp.length), irp.length))
            }
            let delivered: Int
            if let data {
                irp.systemBuffer = data[...]
                delivered = data.count
            } else {
                delivered = deliverFromSource(irp, irp.length)
                if delivered == 0, irp.length > 0, case .bytes = source {
                    return k.complete(irp, status: .endOfFile, information: 0)
                }
            }
            // Never more than the bytes delivered: the count reported is the count copied.
            return k.complete(irp, status: status, information: min(max(0, bytes ?? delivered), delivered, irp.length))
        case .write:
            let count = max(0, min(bytes ?? irp.length, irp.systemBufferCount))
            written.append(contentsOf: irp.systemBufferBytes.prefix(count))
            return k.complete(irp, status: status, information: max(0, bytes ?? count))
        case .fileSystemControl, .deviceControl:
            // A control's output, if the test gives one, as a read's data (buffered: the
            // output replaces the input in the system buffer); else none.
            guard let data else { return k.complete(irp, status: status, information: 0) }
            let delivered = min(data.count, irp.length)
            irp.systemBuffer = data[..<delivered]
            return k.complete(irp, status: status, information: min(max(0, bytes ?? delivered), delivered))
        case .create, .cleanup, .flushBuffers, .directoryControl:
            return k.complete(irp, status: status)
        case .lockControl:
            // No byte-range locks on a device (IopInvalidDeviceRequest).
            return k.complete(irp, status: .invalidDeviceRequest)
        }
    }

    /// Reads up to this size of a repeating source are copied from the pattern the driver lays out;
    /// larger ones are produced as they are copied (``repeatingPeriod(for:)``), so the driver
    /// never holds more than this.
    static let largestBuiltRead = 64 << 10

    /// For a read larger than ``largestBuiltRead`` of a repeating source: one period of the
    /// pattern starting where the source stands, and the source moved past the read.
    private func repeatingPeriod(for count: Int) -> ArraySlice<UInt8>? {
        guard count > Self.largestBuiltRead, case .repeating(let pattern) = source else { return nil }
        guard !pattern.isEmpty else { return [0] }
        let start = sourceOffset
        sourceOffset = (sourceOffset + count) % pattern.count
        return ArraySlice(pattern[start...] + pattern[..<start])
    }

    /// Puts the next `count` bytes of the source into the IRP's system buffer and returns how
    /// many there were. A repeating source's bytes are one copy from the pattern laid out in
    /// the driver's own memory: no reference counting and no allocation per read.
    @inline(__always) private func deliverFromSource(_ irp: IRP, _ count: Int) -> Int {
        guard count > 0 else {
            irp.systemBuffer = []
            return 0
        }
        guard patternLength > 0 else {
            let chunk = takeFromSource(count)
            irp.systemBuffer = chunk
            return chunk.count
        }
        let start = sourceOffset
        sourceOffset = (start + count) % patternLength
        if repeatedCount < start + count { layOutPattern(covering: start + count) }
        guard let repeated else { return 0 }
        irp.withSystemBuffer(count: count) { $0.baseAddress?.update(from: repeated + start, count: count) }
        return count
    }

    /// Lays the repeating pattern out over at least `count` bytes.
    @inline(never) private func layOutPattern(covering count: Int) {
        guard case .repeating(let pattern) = source, !pattern.isEmpty else { return }
        let laidOut = Array(repeating: pattern, count: count / pattern.count + 2).flatMap { $0 }
        repeated?.deallocate()
        let storage = UnsafeMutablePointer<UInt8>.allocate(capacity: laidOut.count)
        storage.initialize(from: laidOut, count: laidOut.count)
        repeated = storage
        repeatedCount = laidOut.count
    }

    /// The next `count` bytes of a source that is not a non-empty pattern.
    private func takeFromSource(_ count: Int) -> ArraySlice<UInt8> {
        switch source {
        case .repeating:
            return ArraySlice(repeating: 0, count: count)
        case .bytes(let bytes):
            let end = min(bytes.count, sourceOffset + count)
            let chunk = bytes[min(sourceOffset, end)..<end]
            sourceOffset = end
            return chunk
        }
    }
}
