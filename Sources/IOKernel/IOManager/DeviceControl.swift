/// The control-request system services: `NtDeviceIoControlFile` and `NtFsControlFile`.
extension Kernel {
    /// `NtDeviceIoControlFile` (`fileSystem` false, `IRP_MJ_DEVICE_CONTROL`) or `NtFsControlFile`
    /// (`IRP_MJ_FILE_SYSTEM_CONTROL`): a control request through the usual issue path, so that it
    /// is pended, cancelled and completed like a read (the status block, the event or the file
    /// object, an APC, a completion packet to the port the file is bound to).
    ///
    /// Buffered, as METHOD_BUFFERED is: the input's `inputLength` bytes are probed and captured
    /// into the IRP's system buffer at issue (the caller may reuse its buffer as soon as the call
    /// returns), the output buffer is probed for writing, and the bytes the driver leaves in the
    /// system buffer (the completion's count of them) are copied to it when the request
    /// completes. A null input or output with a non-zero length is `STATUS_ACCESS_VIOLATION`.
    package func ntDeviceIoControlFile(handle: UInt, event: UInt?, apcRoutine: APCRoutine? = nil,
                                       apcContext: UnsafeMutableRawPointer?, ioStatus: UnsafeMutableRawPointer?,
                                       controlCode: UInt32, fileSystem: Bool, input: UnsafeRawPointer?, inputLength: Int,
                                       output: UnsafeMutableRawPointer?, outputLength: Int) -> NTStatus
    {
        guard inputLength == 0 || input != nil else { return .accessViolation }
        let controlInput = input.map { ControlInput(address: $0, count: inputLength) }
        return transfer(fileSystem ? .fileSystemControl : .deviceControl, handle: handle, event: event,
                        apcRoutine: apcRoutine, apcContext: apcContext, ioStatus: ioStatus, buffer: output,
                        length: outputLength, byteOffset: nil, controlCode: controlCode, controlInput: controlInput)
    }
}

/// A control's input buffer, as the caller gave it: read whole at issue, into the IRP's system
/// buffer, after the probe.
struct ControlInput {
    let address: UnsafeRawPointer
    let count: Int
}
