/// The one place where the kernel touches the caller's memory.
///
/// The kernel keeps the addresses the caller passed (the `OVERLAPPED`, the buffer) and uses them
/// when the request completes, possibly long after the call returned. Every such access goes
/// through these functions, so that each one is traced and can be checked against the
/// lifetime of the memory it touches.
extension Kernel {
    /// Writes an `IO_STATUS_BLOCK` (the first two words of an `OVERLAPPED`): the 32-bit status
    /// into `Internal` (its upper half keeps what kernel32 stored, zero) and the information
    /// into `InternalHigh`.
    func writeIOStatus(_ ioStatus: UnsafeMutableRawPointer, status: NTStatus, information: Int, for irp: IRP) {
        ioStatus.storeBytes(of: status.rawValue, as: UInt32.self)
        ioStatus.storeBytes(of: UInt64(truncatingIfNeeded: information), toByteOffset: 8, as: UInt64.self)
        if tracing {
            record(.wroteStatus(address: UInt(bitPattern: ioStatus), status: status, information: information, irp: irp.id))
        }
    }

    /// Copies a read's data into the caller's buffer.
    func writeUserBuffer(_ buffer: UnsafeMutableRawPointer, from data: ArraySlice<UInt8>, count: Int, for irp: IRP) {
        data.withUnsafeBytes { source in
            if let base = source.baseAddress { buffer.copyMemory(from: base, byteCount: count) }
        }
        if tracing { record(.wroteData(address: UInt(bitPattern: buffer), count: count, irp: irp.id)) }
    }

    /// Captures a write's data from the caller's buffer at issue (buffered I/O).
    func readUserBuffer(_ buffer: UnsafeMutableRawPointer, count: Int, for irp: IRP) -> ArraySlice<UInt8> {
        ArraySlice(UnsafeRawBufferPointer(start: buffer, count: count))
    }
}
