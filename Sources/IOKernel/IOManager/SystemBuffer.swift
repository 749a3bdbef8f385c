/// The system buffer of buffered I/O (`Irp->AssociatedIrp.SystemBuffer`): memory the I/O
/// manager owns for the request, into which it captures a write's data at issue and from which
/// it copies a read's data to the caller at completion.
///
/// The storage belongs to the IRP and is kept from one request to the next, as NT's lookaside
/// IRPs keep their stack locations: a round trip allocates nothing once it is large enough,
/// and no request counts references to a buffer shared with a driver (a driver that keeps its
/// data elsewhere copies it in). Storage larger than ``retainedCapacity`` goes when the IRP is
/// freed, so that the slab does not hoard a large transfer's memory.
extension IRP {
    /// The largest storage a free IRP keeps for its next request.
    static let retainedCapacity = 4096

    /// The system buffer: for a write, the caller's bytes captured at issue; for a read, the
    /// bytes the driver puts here are copied to the caller's buffer on completion. Reading it
    /// copies the bytes out; setting it copies them in (a driver on a hot path uses
    /// ``withSystemBuffer(count:_:)`` instead).
    public var systemBuffer: ArraySlice<UInt8> {
        get { ArraySlice(systemBufferBytes) }
        set {
            let count = newValue.count
            newValue.withUnsafeBufferPointer { source in
                withSystemBuffer(count: count) { target in
                    if let base = source.baseAddress, count > 0 { target.baseAddress?.update(from: base, count: count) }
                }
            }
        }
    }

    /// The system buffer's bytes in place, valid until the buffer is next set.
    var systemBufferBytes: UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: systemBufferStorage, count: systemBufferCount)
    }

    /// Makes the system buffer `count` bytes long and lets `body` fill them (they start
    /// undefined).
    @inline(__always)
    func withSystemBuffer<R>(count: Int, _ body: (UnsafeMutableBufferPointer<UInt8>) -> R) -> R {
        let count = max(0, count)
        if count > systemBufferCapacity { growSystemBuffer(to: count) }
        systemBufferCount = count
        return body(UnsafeMutableBufferPointer(start: systemBufferStorage, count: count))
    }

    /// Gives the first `count` bytes of this IRP's system buffer to `receiver` without copying
    /// them: the two IRPs exchange their storage, so that `receiver`'s system buffer holds the
    /// bytes and this IRP's is left empty (on `receiver`'s former storage, kept for its next
    /// request). The named-pipe file system hands a write to a pending read that takes all of
    /// it this way, where NPFS copies the write into the read's buffer: the buffer moves
    /// instead of the bytes, and the write, complete, needs its own no more.
    @inline(__always)
    func giveSystemBuffer(to receiver: IRP, count: Int) {
        let storage = systemBufferStorage
        let capacity = systemBufferCapacity
        systemBufferStorage = receiver.systemBufferStorage
        systemBufferCapacity = receiver.systemBufferCapacity
        systemBufferCount = 0
        receiver.systemBufferStorage = storage
        receiver.systemBufferCapacity = capacity
        receiver.systemBufferCount = min(max(0, count), capacity)
    }

    @inline(never) private func growSystemBuffer(to count: Int) {
        systemBufferStorage?.deallocate()
        let capacity = max(count, 64)
        systemBufferStorage = .allocate(capacity: capacity)
        systemBufferCapacity = capacity
    }

    /// The IRP goes back to the lookaside list: storage too large to keep goes.
    @inline(__always) func trimSystemBuffer() {
        guard systemBufferCapacity > Self.retainedCapacity else { return }
        systemBufferStorage?.deallocate()
        systemBufferStorage = nil
        systemBufferCapacity = 0
        systemBufferCount = 0
    }
}
