/// The configuration `CreateNamedPipe` gives a pipe (`NtCreateNamedPipeFile`'s parameters).
public struct NamedPipeParameters: Sendable {
    /// `PIPE_TYPE_MESSAGE`: every write is a message; otherwise a byte stream.
    public var messageType: Bool
    /// `PIPE_READMODE_MESSAGE` for the server end (needs a message-type pipe).
    public var messageReadMode: Bool
    /// 1…254, or 255 (`PIPE_UNLIMITED_INSTANCES`).
    public var maximumInstances: Int
    /// `nInBufferSize`: how many bytes clients may write before their writes pend.
    public var inboundQuota: Int
    /// `nOutBufferSize`: how many bytes the server may write before its writes pend.
    public var outboundQuota: Int
    /// `FILE_FLAG_FIRST_PIPE_INSTANCE`: fail if the pipe exists.
    public var firstInstance: Bool

    public init(messageType: Bool, messageReadMode: Bool, maximumInstances: Int, inboundQuota: Int, outboundQuota: Int,
                firstInstance: Bool = false)
    {
        self.messageType = messageType
        self.messageReadMode = messageReadMode
        self.maximumInstances = maximumInstances
        self.inboundQuota = inboundQuota
        self.outboundQuota = outboundQuota
        self.firstInstance = firstInstance
    }
}

/// Where one end of a pipe instance is in its life, as `GetNamedPipeInfo`'s
/// `FILE_PIPE_*_STATE` names it.
public enum PipeState: String, Sendable {
    /// A server instance waiting for a client (created, or `ConnectNamedPipe` after a
    /// disconnect). Reads and writes fail with `STATUS_PIPE_LISTENING`.
    case listening
    /// Both ends open.
    case connected
    /// The other end closed its last handle: the data it wrote can still be read, then reads
    /// fail with `STATUS_PIPE_BROKEN`; writes fail with `STATUS_PIPE_CLOSING`.
    case closing
    /// `DisconnectNamedPipe` ran (or, for the server, before it listens again): everything
    /// fails with `STATUS_PIPE_DISCONNECTED`.
    case disconnected
}

/// The named-pipe file system (NPFS): the `\\.\pipe\` namespace, its instances, their data
/// queues, and the pipe semantics Wine's conformance tests pin down.
///
/// **The buffer model.** Each direction of an instance has a queue of written data and a
/// quota (`nInBufferSize` for data to the server, `nOutBufferSize` for data to the client).
/// - A write first satisfies the reads pending on the other end, oldest first (F-RW-17); what
///   is left is queued. The write completes at once if everything queued fits within the quota;
///   otherwise it pends, its data queued and readable all the same, and completes (with its full
///   length) once reads have drained the queue so far that its data fits (F-RW-18,
///   `test_blocking_rw`). Cancelling such a write removes its unread data.
/// - A read takes what is queued (in byte read mode across writes, in message read mode one
///   message, with `STATUS_BUFFER_OVERFLOW` if the buffer is shorter) or pends until data comes.
///   A zero-length read pends until data comes and consumes nothing (F-RW-13). A zero-length
///   write never blocks; in a message pipe it is an empty message that completes one read
///   (F-RW-19).
/// - `FlushFileBuffers` pends until the other end has read everything queued (F-SYNC-4).
///
/// **Teardown.** Closing the last handle of one end completes every request pending on that end
/// and the other end's pending reads and writes with `STATUS_PIPE_BROKEN`; what the closed end
/// wrote stays readable (F-CLOSE-4 … F-CLOSE-6). `DisconnectNamedPipe` discards both queues and
/// completes every pending request of both ends with `STATUS_PIPE_DISCONNECTED`.
public final class NamedPipeDriver: Driver {
    /// `FSCTL_PIPE_LISTEN`, `CTL_CODE(FILE_DEVICE_NAMED_PIPE, 2, METHOD_BUFFERED, FILE_ANY_ACCESS)`.
    public static let listenControlCode: UInt32 = 0x0011_0008

    /// Pipes by lower-cased name (names are case-insensitive). Only looked up; listings sort.
    @exclusivity(unchecked) private var pipes: [String: NamedPipe] = [:]
    /// The serial number of the next anonymous pipe (`CreatePipe`).
    @exclusivity(unchecked) private var anonymousSerial = 0

    init() {}

    /// Connected ends refer to each other: the simulation is gone, so let them go.
    public func simulationEnded() {
        for pipe in pipes.values {
            for end in pipe.instances {
                end.peer?.peer = nil
                end.peer = nil
            }
        }
        // The requests queued in the ends hold their file objects, their device and so this
        // driver, which holds the ends through its pipes.
        pipes.removeAll()
    }

    /// The pipe name in a `\\.\pipe\name` path (any case, `/` or `\`), or nil.
    static func pipeName(in path: String) -> String? {
        let prefixes = [#"\\.\pipe\"#, #"\\?\pipe\"#, #"\??\pipe\"#, #"//./pipe/"#]
        let lower = path.lowercased()
        for prefix in prefixes where lower.hasPrefix(prefix) {
            let name = String(path.dropFirst(prefix.count))
            return name.isEmpty ? nil : name
        }
        return nil
    }

    // MARK: - Inspection

    /// The names of the pipes that exist (have at least one server instance), sorted.
    public var pipeNames: [String] { pipes.values.map(\.name).sorted() }

    /// The state of each server instance of a pipe, in creation order; empty if there is no
    /// such pipe.
    public func instanceStates(of name: String) -> [PipeState] {
        pipes[name.lowercased()]?.instances.map(\.state) ?? []
    }

    /// A name for the next anonymous pipe, as kernel32's `CreatePipe` makes one
    /// (`Win32Pipes.<process id>.<serial>`).
    func nextAnonymousPipeName(processID: UInt32) -> String {
        anonymousSerial += 1
        return "Win32Pipes." + hex8(processID) + "." + hex8(UInt32(truncatingIfNeeded: anonymousSerial))
    }

    private func hex8(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }

    // MARK: - Driver: create

    public func create(_ irp: IRP, _ k: DriverContext) -> NTStatus {
        guard let parameters = irp.createParameters, let name = Self.pipeName(in: parameters.fileName) else {
            return k.complete(irp, status: .objectNameInvalid)
        }
        if let configuration = parameters.namedPipe {
            return createServer(irp, name: name, configuration, access: parameters.desiredAccess, k)
        }
        return openClient(irp, name: name, access: parameters.desiredAccess, k)
    }

    /// `CreateNamedPipe`: a new server instance, listening.
    private func createServer(_ irp: IRP, name: String, _ configuration: NamedPipeParameters, access: UInt32,
                              _ k: DriverContext) -> NTStatus
    {
        let key = name.lowercased()
        let pipe: NamedPipe
        if let existing = pipes[key] {
            // Later instances must not ask for a first instance, and must agree on the direction
            // (PIPE_ACCESS_*); type, quotas and instance count may differ (Wine's
            // test_CreateNamedPipe_instances_must_match).
            if configuration.firstInstance || CreateParameters.canRead(access) != existing.serverReads
                || CreateParameters.canWrite(access) != existing.serverWrites
            {
                return k.complete(irp, status: .accessDenied)
            }
            if existing.maximumInstances != 255 && existing.instances.count >= existing.maximumInstances {
                return k.complete(irp, status: .instanceNotAvailable)
            }
            pipe = existing
        } else {
            pipe = NamedPipe(name: name, maximumInstances: configuration.maximumInstances,
                             serverReads: CreateParameters.canRead(access), serverWrites: CreateParameters.canWrite(access))
            pipes[key] = pipe
        }
        let server = PipeEnd(pipe: pipe, isServer: true, messageType: configuration.messageType,
                             messageRead: configuration.messageReadMode,
                             inboundQuota: configuration.inboundQuota, state: .listening)
        server.outboundQuota = configuration.outboundQuota
        pipe.instances.append(server)
        irp.fileObject.driverContext = server
        k.trace("pipe \(name): server instance \(pipe.instances.count) created, listening")
        return k.complete(irp, status: .success, information: CreateInformation.created)
    }

    /// `CreateFile` on `\\.\pipe\name`: connects to the first listening instance.
    private func openClient(_ irp: IRP, name: String, access: UInt32, _ k: DriverContext) -> NTStatus {
        guard let pipe = pipes[name.lowercased()] else { return k.complete(irp, status: .objectNameNotFound) }
        // A client may not read from an inbound pipe nor write to an outbound one.
        if (CreateParameters.canRead(access) && !pipe.serverWrites) || (CreateParameters.canWrite(access) && !pipe.serverReads) {
            return k.complete(irp, status: .accessDenied)
        }
        guard let server = pipe.instances.first(where: { $0.state == .listening }) else {
            return k.complete(irp, status: .pipeNotAvailable)
        }
        let client = PipeEnd(pipe: pipe, isServer: false, messageType: server.messageType, messageRead: false, inboundQuota: server.outboundQuota,
                             state: .connected)
        client.peer = server
        server.peer = client
        server.state = .connected
        irp.fileObject.driverContext = client
        k.trace("pipe \(pipe.name): client connected")
        // The server's pending ConnectNamedPipe calls complete, with 0 bytes (F-GOR-16).
        while let listen = server.listens.removeNext(k) { k.complete(listen, status: .success, information: 0) }
        return k.complete(irp, status: .success, information: CreateInformation.opened)
    }

    // MARK: - Driver: requests

    public func dispatch(_ irp: IRP, _ k: DriverContext) -> NTStatus {
        // The end borrowed from the file object, which keeps it, and recognised by its exact
        // class (PipeEnd is final): no dynamic cast and no reference counting per request.
        guard let context = irp.fileObject.driverContext.map(Unmanaged.passUnretained),
              context._withUnsafeGuaranteedRef({ type(of: $0) == PipeEnd.self })
        else { return k.complete(irp, status: .invalidDeviceRequest) }
        return Unmanaged<PipeEnd>.fromOpaque(context.toOpaque())._withUnsafeGuaranteedRef { dispatch(irp, $0, k) }
    }

    private func dispatch(_ irp: IRP, _ end: PipeEnd, _ k: DriverContext) -> NTStatus {
        switch irp.major {
        case .read: return read(irp, end, k)
        case .write: return write(irp, end, k)
        case .fileSystemControl:
            guard irp.controlCode == Self.listenControlCode else { return k.complete(irp, status: .invalidDeviceRequest) }
            return listen(irp, end, k)
        case .flushBuffers: return flush(irp, end, k)
        // A file system fails a device control on anything but a volume open ("IRP_MJ_DEVICE_CONTROL
        // (FS and filter drivers)"): DeviceIoControl sends FSCTL_PIPE_* codes, whose device type is
        // FILE_DEVICE_NAMED_PIPE, this way (see DeviceIoControl).
        case .create, .cleanup, .directoryControl, .lockControl, .deviceControl:
            return k.complete(irp, status: .invalidDeviceRequest)
        }
    }

    private func read(_ irp: IRP, _ end: PipeEnd, _ k: DriverContext) -> NTStatus {
        guard CreateParameters.canRead(irp.fileObject.access) else { return k.complete(irp, status: .accessDenied) }
        switch end.state {
        case .listening: return k.complete(irp, status: .pipeListening)
        case .disconnected: return k.complete(irp, status: .pipeDisconnected)
        case .connected, .closing: break
        }
        let queue = end.inbound
        if !queue.isEmpty { return read(irp, from: queue, k) }
        // Drained, and the writer is gone: the pipe is broken (F-CLOSE-6).
        if end.state == .closing { return k.complete(irp, status: .pipeBroken) }
        queue.readers.insert(irp, k)
        return .pending
    }

    /// A read that finds data queued takes it at once. Out of line, so that a read that pends
    /// (the usual overlapped read) carries none of its work.
    @inline(never) private func read(_ irp: IRP, from queue: PipeQueue, _ k: DriverContext) -> NTStatus {
        let (status, data) = queue.take(length: irp.length, k)
        irp.systemBuffer = data
        k.complete(irp, status: status, information: data.count)
        queue.afterConsumption(k)
        return status
    }

    /// Why a write or a flush cannot go ahead on `end`, or nil: it needs write access and a
    /// connected end. Once the reader is gone it is `STATUS_PIPE_CLOSING`, `ERROR_NO_DATA`
    /// (F-CLOSE-6, F-DOC-10).
    private func refusal(ofWriter irp: IRP, _ end: PipeEnd) -> NTStatus? {
        guard CreateParameters.canWrite(irp.fileObject.access) else { return .accessDenied }
        switch end.state {
        case .listening: return .pipeListening
        case .disconnected: return .pipeDisconnected
        case .closing: return .pipeClosing
        case .connected: return nil
        }
    }

    private func write(_ irp: IRP, _ end: PipeEnd, _ k: DriverContext) -> NTStatus {
        if let refused = refusal(ofWriter: irp, end) { return k.complete(irp, status: refused) }
        // The other end and its queue borrowed, as the dispatch borrows this end: the ends keep
        // each other and their queues, and nothing in a dispatch lets them go.
        guard let peer = end.peer.map(Unmanaged.passUnretained) else { return k.complete(irp, status: .pipeDisconnected) }
        let messageType = end.messageType
        return peer._withUnsafeGuaranteedRef { peer in
            Unmanaged.passUnretained(peer.inbound)._withUnsafeGuaranteedRef { queue in
                write(irp, into: queue, messageType: messageType, k)
            }
        }
    }

    private func write(_ irp: IRP, into queue: PipeQueue, messageType: Bool, _ k: DriverContext) -> NTStatus {
        if irp.length == 0 {
            // A zero-length write never blocks. In a message pipe it is an empty message, which
            // completes exactly one pending read; in a byte pipe it is nothing (F-RW-19).
            if messageType {
                if let reader = queue.readers.removeNext(k) {
                    k.complete(reader, status: .success, information: 0)
                } else {
                    queue.append(PipeEntry(data: [], write: nil))
                }
            }
            return k.complete(irp, status: .success, information: 0)
        }
        // The written bytes, in the write's system buffer; `handed` of them have gone to readers.
        let data = UnsafeBufferPointer(rebasing: irp.systemBufferBytes.prefix(irp.length))
        // Pending reads exist only while the queue is empty: hand the data to them directly.
        let handed = queue.isEmpty ? Unmanaged.passUnretained(queue.readers)._withUnsafeGuaranteedRef {
            handOver(data, of: irp, to: $0, messageRead: queue.messageRead, k)
        } : 0
        if handed == data.count { return k.complete(irp, status: .success, information: irp.length) }
        // The rest waits in the pipe, copied out of the write (whose IRP goes back to the
        // lookaside list when it completes).
        queue.append(PipeEntry(data: ArraySlice(data[handed...]), write: nil))
        if queue.bytes <= queue.quota { return k.complete(irp, status: .success, information: irp.length) }
        // Over the quota: the write pends, its data readable, until the reader drains enough.
        queue.stall(irp, k)
        return .pending
    }

    /// Hands `data`, the bytes in `write`'s system buffer, to the reads pending in `readers`,
    /// oldest first (the readers borrowed: the lookaside list keeps them), and returns how many
    /// bytes went. A read that takes the whole write takes its system buffer, without a copy;
    /// a read that takes part of it gets its share copied into its own.
    @inline(__always)
    private func handOver(_ data: UnsafeBufferPointer<UInt8>, of write: IRP, to readers: CancelSafeQueue,
                          messageRead: Bool, _ k: DriverContext) -> Int
    {
        var handed = 0
        while handed < data.count, let next = readers.removeNextUnretained(k) {
            handed = next._withUnsafeGuaranteedRef { reader -> Int in
                if reader.length == 0 {
                    // Consumes nothing; in message read mode the message did not fit (F-RW-13).
                    k.complete(reader, status: messageRead ? .bufferOverflow : .success, information: 0)
                    return handed
                }
                let count = min(reader.length, data.count - handed)
                if count == data.count {
                    // The whole write (so this is the first read): `data` is the read's now, and
                    // the loop ends without looking at it again.
                    write.giveSystemBuffer(to: reader, count: count)
                } else {
                    reader.withSystemBuffer(count: count) { target in
                        if let base = data.baseAddress { target.baseAddress?.update(from: base + handed, count: count) }
                    }
                }
                let partial = messageRead && handed + count < data.count
                k.complete(reader, status: partial ? .bufferOverflow : .success, information: count)
                return handed + count
            }
        }
        return handed
    }

    /// `FSCTL_PIPE_LISTEN` (`ConnectNamedPipe`).
    private func listen(_ irp: IRP, _ end: PipeEnd, _ k: DriverContext) -> NTStatus {
        guard end.isServer else { return k.complete(irp, status: .illegalFunction) }
        switch end.state {
        case .connected: return k.complete(irp, status: .pipeConnected)
        case .closing: return k.complete(irp, status: .pipeClosing)
        case .disconnected, .listening:
            end.state = .listening
            end.listens.insert(irp, k)
            return .pending
        }
    }

    /// `FlushFileBuffers`: waits until the other end has read everything this end wrote.
    private func flush(_ irp: IRP, _ end: PipeEnd, _ k: DriverContext) -> NTStatus {
        if let refused = refusal(ofWriter: irp, end) { return k.complete(irp, status: refused) }
        guard let peer = end.peer, !peer.inbound.isEmpty else { return k.complete(irp, status: .success) }
        peer.inbound.flushes.insert(irp, k)
        return .pending
    }

    // MARK: - Driver: cleanup

    /// The last handle of one end closed: everything pending on it completes with
    /// `STATUS_PIPE_BROKEN`, and so do the other end's pending reads, writes and flushes; the
    /// other end is left closing (F-CLOSE-4 … F-CLOSE-6).
    public func cleanup(_ irp: IRP, _ k: DriverContext) -> NTStatus {
        guard let end = irp.fileObject.driverContext as? PipeEnd else { return k.complete(irp, status: .success) }
        end.inbound.failReaders(.pipeBroken, k)
        while let listen = end.listens.removeNext(k) { k.complete(listen, status: .pipeBroken, information: 0) }
        if let peer = end.peer {
            // This end's stalled writes and flushes, and the peer's: the data this end had
            // buffered stays readable for the peer, the rest goes.
            peer.inbound.failStalledWrites(.pipeBroken, k)
            peer.inbound.failFlushes(.pipeBroken, k)
            peer.inbound.failReaders(.pipeBroken, k)
            end.inbound.failStalledWrites(.pipeBroken, k)
            end.inbound.failFlushes(.pipeBroken, k)
            end.inbound.discard()
            peer.state = .closing
            peer.peer = nil
            end.peer = nil
            k.trace("pipe \(end.pipeName): \(end.isServer ? "server" : "client") end closed; the other end is broken")
        }
        end.state = .disconnected
        if end.isServer, let pipe = end.pipe {
            pipe.instances.removeAll { $0 === end }
            if pipe.instances.isEmpty, pipes[pipe.name.lowercased()] === pipe { pipes[pipe.name.lowercased()] = nil }
        }
        return k.complete(irp, status: .success)
    }

    // MARK: - Services the I/O manager calls directly

    /// `FSCTL_PIPE_DISCONNECT` (`DisconnectNamedPipe`): both queues are discarded and every
    /// request pending on either end completes with `STATUS_PIPE_DISCONNECTED`; the client's
    /// handle stays open but is disconnected for good (F-CLOSE-5).
    func disconnect(_ end: PipeEnd, _ k: DriverContext) -> NTStatus {
        guard end.isServer else { return .illegalFunction }
        switch end.state {
        case .disconnected:
            return .pipeDisconnected
        case .listening:
            while let listen = end.listens.removeNext(k) { k.complete(listen, status: .pipeDisconnected, information: 0) }
        case .closing:
            end.inbound.discard()
        case .connected:
            if let peer = end.peer {
                for queue in [end.inbound, peer.inbound] {
                    queue.failReaders(.pipeDisconnected, k)
                    queue.failStalledWrites(.pipeDisconnected, k)
                    queue.failFlushes(.pipeDisconnected, k)
                    queue.discard()
                }
                peer.state = .disconnected
                peer.peer = nil
            }
            end.peer = nil
        }
        end.state = .disconnected
        k.trace("pipe \(end.pipeName): server instance disconnected")
        return .success
    }

    /// `FSCTL_PIPE_PEEK`: what a read would find, without taking it.
    func peek(_ end: PipeEnd, maximum: Int) -> (NTStatus, PipePeek) {
        switch end.state {
        case .listening: return (.invalidPipeState, PipePeek())
        // Wine's test_DisconnectNamedPipe: the disconnected client gets ERROR_PIPE_NOT_CONNECTED,
        // the server ERROR_BAD_PIPE.
        case .disconnected: return (end.isServer ? .invalidPipeState : .pipeDisconnected, PipePeek())
        case .connected, .closing: break
        }
        let queue = end.inbound
        if queue.isEmpty && end.state == .closing { return (.pipeBroken, PipePeek()) }
        return (.success, queue.peek(maximum: maximum, messages: end.messageType))
    }

    /// `FilePipeInformation.ReadMode`: message read mode needs a message pipe.
    func setReadMode(_ end: PipeEnd, message: Bool) -> NTStatus {
        if message && !end.messageType { return .invalidParameter }
        end.inbound.messageRead = message
        return .success
    }
}

/// What `PeekNamedPipe` reports.
package struct PipePeek {
    /// The bytes copied (a message pipe copies from the first message only).
    package var data: [UInt8] = []
    /// `ReadDataAvailable`: every byte queued, including that of pending writes.
    package var available = 0
    /// `MessageLength`: the unread length of the first message (0 for a byte pipe).
    package var messageLength = 0
}

/// A pipe: its name, its direction, and its server instances (each with its own type).
final class NamedPipe {
    let name: String
    let maximumInstances: Int
    /// From the server's open mode: `PIPE_ACCESS_INBOUND` (server reads), `…OUTBOUND` (server
    /// writes), `…DUPLEX` (both).
    let serverReads: Bool
    let serverWrites: Bool
    /// Server ends, in creation order.
    @exclusivity(unchecked) var instances: [PipeEnd] = []

    init(name: String, maximumInstances: Int, serverReads: Bool, serverWrites: Bool) {
        self.name = name
        self.maximumInstances = maximumInstances
        self.serverReads = serverReads
        self.serverWrites = serverWrites
    }
}

/// One end of a pipe instance, kept in its file object's `driverContext` (NPFS's CCB end).
final class PipeEnd {
    /// Weak: the pipe lists its server ends, and the namespace drops a pipe when its last
    /// server end closes, while a client end may still be open.
    weak var pipe: NamedPipe?
    /// The pipe's name, for the trace (the pipe itself may be gone).
    let pipeName: String
    let isServer: Bool
    /// `PIPE_TYPE_MESSAGE`: the instance's type (a client end has its server's).
    let messageType: Bool
    /// The data the other end wrote, for this end to read.
    let inbound: PipeQueue
    /// The quota of the queue toward the client (a server end's `nOutBufferSize`).
    @exclusivity(unchecked) var outboundQuota = 0
    /// Two connected ends refer to each other; the driver breaks the cycle at disconnect, at
    /// cleanup, and when the simulation ends (``NamedPipeDriver/simulationEnded()``). Strong, not
    /// weak: a weak reference would move every retain and release of an end to the slow path.
    @exclusivity(unchecked) var peer: PipeEnd?
    @exclusivity(unchecked) var state: PipeState
    /// Pending `ConnectNamedPipe` calls (server ends).
    let listens = CancelSafeQueue()

    init(pipe: NamedPipe, isServer: Bool, messageType: Bool, messageRead: Bool, inboundQuota: Int, state: PipeState) {
        self.pipe = pipe
        self.pipeName = pipe.name
        self.isServer = isServer
        self.messageType = messageType
        self.inbound = PipeQueue(quota: inboundQuota, messageRead: messageRead)
        self.state = state
    }
}

/// Data written to one end, oldest first: the unread part of a write (a message, in a
/// message pipe) and, while it is over the quota, the write request waiting for the reader.
struct PipeEntry {
    var data: ArraySlice<UInt8>
    var write: IRP?
}

/// One direction of a pipe instance: the queued data, its quota, the reads pending on it, and
/// the flushes waiting for it to drain. It is also the cancel routine of the writes stalled in
/// it: cancelling one removes its unread data (F-RW-18).
final class PipeQueue: CancelRoutine {
    @exclusivity(unchecked) private var entries: [PipeEntry] = []
    @exclusivity(unchecked) private var head = 0
    /// Bytes queued, stalled writes' included.
    @exclusivity(unchecked) private(set) var bytes = 0
    /// How many entries carry a stalled write.
    @exclusivity(unchecked) private var stalled = 0
    let quota: Int
    /// The reading end's read mode.
    @exclusivity(unchecked) var messageRead: Bool
    /// Reads waiting for data, oldest first.
    let readers = CancelSafeQueue()
    /// `FlushFileBuffers` calls of the writing end, waiting for the queue to drain.
    let flushes = CancelSafeQueue()

    init(quota: Int, messageRead: Bool) {
        self.quota = max(0, quota)
        self.messageRead = messageRead
    }

    var isEmpty: Bool { head == entries.count }

    func append(_ entry: PipeEntry) {
        entries.append(entry)
        bytes += entry.data.count
    }

    /// Marks the last entry's write as stalled: pending, cancellable through this queue.
    func stall(_ irp: IRP, _ k: DriverContext) {
        k.markPending(irp)
        k.setCancelRoutine(irp, self)
        entries[entries.count - 1].write = irp
        stalled += 1
    }

    /// Takes what a read of `length` bytes gets; the queue must not be empty.
    func take(length: Int, _ k: DriverContext) -> (NTStatus, ArraySlice<UInt8>) {
        if messageRead {
            let data = entries[head].data
            if data.count <= length {
                removeHead(k)
                return (.success, data)
            }
            consumePart(of: head, length)
            return (.bufferOverflow, data.prefix(length))
        }
        // Byte read mode: a zero-length read consumes nothing.
        guard length > 0 else { return (.success, []) }
        let first = entries[head].data
        if first.count >= length {
            if first.count == length { removeHead(k) } else { consumePart(of: head, length) }
            return (.success, first.prefix(length))
        }
        // Across writes (and across messages, whose boundaries a byte read ignores).
        var gathered: [UInt8] = []
        gathered.reserveCapacity(min(length, bytes))
        while gathered.count < length, !isEmpty {
            let need = length - gathered.count
            let data = entries[head].data
            if data.count <= need {
                gathered.append(contentsOf: data)
                removeHead(k)
            } else {
                gathered.append(contentsOf: data.prefix(need))
                consumePart(of: head, need)
            }
        }
        return (.success, gathered[...])
    }

    private func consumePart(of index: Int, _ count: Int) {
        entries[index].data = entries[index].data.dropFirst(count)
        bytes -= count
    }

    private func removeHead(_ k: DriverContext) {
        let entry = entries[head]
        remove(at: head)
        // A stalled write whose data has all been read is complete.
        if let write = entry.write { completeStalled(write, k) }
    }

    private func remove(at index: Int) {
        bytes -= entries[index].data.count
        if entries[index].write != nil { stalled -= 1 }
        if index == head {
            head += 1
            if head == entries.count {
                entries.removeAll(keepingCapacity: true)
                head = 0
            } else if head > 64, head * 2 > entries.count {
                entries.removeFirst(head)
                head = 0
            }
        } else {
            entries.remove(at: index)
        }
    }

    private func completeStalled(_ irp: IRP, _ k: DriverContext) {
        // Taking the cancel routine back fails only if cancellation owns the request.
        if k.setCancelRoutine(irp, nil) != nil { k.complete(irp, status: .success, information: irp.length) }
    }

    /// After data left the queue: stalled writes whose data now fits within the quota
    /// complete, and once the queue is empty the waiting flushes do.
    func afterConsumption(_ k: DriverContext) {
        if stalled > 0 {
            var cumulative = 0
            var index = head
            while index < entries.count {
                cumulative += entries[index].data.count
                if cumulative > quota { break }
                if let write = entries[index].write {
                    entries[index].write = nil
                    stalled -= 1
                    completeStalled(write, k)
                }
                index += 1
            }
        }
        if isEmpty && !flushes.isEmpty {
            while let flush = flushes.removeNext(k) { k.complete(flush, status: .success, information: 0) }
        }
    }

    /// The cancel routine of a stalled write: its unread data leaves the pipe.
    func cancel(_ irp: IRP, _ context: DriverContext) {
        if let index = entries[head...].firstIndex(where: { $0.write === irp }) { remove(at: index) }
        context.complete(irp, status: .cancelled, information: 0)
        afterConsumption(context)
    }

    func failReaders(_ status: NTStatus, _ k: DriverContext) {
        while let reader = readers.removeNext(k) { k.complete(reader, status: status, information: 0) }
    }

    func failFlushes(_ status: NTStatus, _ k: DriverContext) {
        while let flush = flushes.removeNext(k) { k.complete(flush, status: status, information: 0) }
    }

    /// Completes every stalled write with `status` and removes its unread data; data of writes
    /// that completed stays.
    func failStalledWrites(_ status: NTStatus, _ k: DriverContext) {
        guard stalled > 0 else { return }
        var kept: [PipeEntry] = []
        var failed: [IRP] = []
        for entry in entries[head...] {
            if let write = entry.write { failed.append(write) } else { kept.append(entry) }
        }
        entries = kept
        head = 0
        bytes = kept.reduce(0) { $0 + $1.data.count }
        stalled = 0
        for write in failed where k.setCancelRoutine(write, nil) != nil {
            k.complete(write, status: status, information: 0)
        }
    }

    /// Drops everything queued (stalled writes must have been failed first).
    func discard() {
        entries.removeAll()
        head = 0
        bytes = 0
        stalled = 0
    }

    func peek(maximum: Int, messages: Bool) -> PipePeek {
        var result = PipePeek()
        result.available = bytes
        guard !isEmpty else { return result }
        if messages {
            let first = entries[head].data
            result.messageLength = first.count
            result.data = Array(first.prefix(max(0, maximum)))
            return result
        }
        var index = head
        while index < entries.count, result.data.count < maximum {
            result.data.append(contentsOf: entries[index].data.prefix(maximum - result.data.count))
            index += 1
        }
        return result
    }
}

extension Kernel {
    func makeNamedPipeDevice() -> Device {
        let driver = NamedPipeDriver()
        let device = Device(path: #"\Device\NamedPipe"#, driver: driver, requiresByteOffset: false)
        driver.installed(on: device, driverContext)
        builtInDevices.append(device)
        return device
    }

    /// The named-pipe file system's driver.
    package var namedPipes: NamedPipeDriver {
        // The device is made with a NamedPipeDriver, so the downcast cannot fail.
        unsafeDowncast(namedPipeDevice.driver as AnyObject, to: NamedPipeDriver.self)
    }

    /// The pipe end a handle names: `STATUS_INVALID_HANDLE` for a bad handle, and
    /// `STATUS_INVALID_DEVICE_REQUEST` for a file that is not a pipe.
    private func pipeEnd(_ handle: UInt) -> (PipeEnd?, NTStatus) {
        guard let object = handles.lookup(handle) else { return (nil, .invalidHandle) }
        guard let file = object as? FileObject else { return (nil, .objectTypeMismatch) }
        guard let end = file.driverContext as? PipeEnd else { return (nil, .invalidDeviceRequest) }
        return (end, .success)
    }

    /// `NtFsControlFile`: a file-system control request through the usual issue path (pending,
    /// cancellation, events, APCs and completion packets work as for reads).
    package func ntFsControlFile(handle: UInt, event: UInt?, apcRoutine: APCRoutine? = nil,
                                 apcContext: UnsafeMutableRawPointer?, ioStatus: UnsafeMutableRawPointer?,
                                 controlCode: UInt32) -> NTStatus
    {
        transfer(.fileSystemControl, handle: handle, event: event, apcRoutine: apcRoutine, apcContext: apcContext,
                 ioStatus: ioStatus, buffer: nil, length: 0, byteOffset: nil, controlCode: controlCode)
    }

    /// `NtFsControlFile(FSCTL_PIPE_DISCONNECT)`.
    package func ntDisconnectNamedPipe(handle: UInt) -> NTStatus {
        let (end, status) = pipeEnd(handle)
        guard let end else { return status }
        return namedPipes.disconnect(end, driverContext)
    }

    /// `NtFsControlFile(FSCTL_PIPE_PEEK)`.
    package func ntPeekNamedPipe(handle: UInt, buffer: UnsafeMutableRawPointer?, maximum: Int) -> (NTStatus, PipePeek) {
        let (end, status) = pipeEnd(handle)
        guard let end else { return (status, PipePeek()) }
        // The whole buffer the caller declared is probed, whatever the pipe holds: a buffer
        // shorter than nBufferSize fails with ERROR_NOACCESS (issue 10, finding 1).
        let maximum = buffer == nil ? 0 : maximum
        if let buffer, !probeUserBuffer(buffer, count: maximum, writing: true, call: "PeekNamedPipe", reportingFreed: true) {
            return (.accessViolation, PipePeek())
        }
        let (peekStatus, peek) = namedPipes.peek(end, maximum: maximum)
        if peekStatus.isSuccess, let buffer { copyToUser(buffer, peek.data) }
        return (peekStatus, peek)
    }

    /// `NtSetInformationFile(FilePipeInformation)`: the read mode of this end.
    package func ntSetPipeReadMode(handle: UInt, message: Bool) -> NTStatus {
        let (end, status) = pipeEnd(handle)
        guard let end else { return status }
        return namedPipes.setReadMode(end, message: message)
    }

    /// The next anonymous pipe's name (`CreatePipe`).
    package func nextAnonymousPipeName() -> String { namedPipes.nextAnonymousPipeName(processID: processID) }
}
