import IOKernel

/// Timeline formatting for Win32 calls. Only reached while the trace is recording, so the hot
/// path formats nothing.
extension SimThread {
    @inline(__always) var isTracing: Bool { kernelReference._withUnsafeGuaranteedRef { $0.tracing } }

    /// Records `call` with a `BOOL` result: `TRUE`, or `FALSE` and the last error.
    func traceBool(_ call: @autoclosure () -> String, _ result: Bool) {
        guard isTracing, !isTerminating else { return }
        kernel.recordCall(call(), result: result ? "TRUE" : "FALSE, \(win32ErrorName(lastError))")
    }

    func traceResult(_ call: @autoclosure () -> String, _ result: @autoclosure () -> String) {
        guard isTracing, !isTerminating else { return }
        kernel.recordCall(call(), result: result())
    }
}

/// `0x4`, `NULL`.
func hex(handle: HANDLE?) -> String {
    guard let handle else { return "NULL" }
    let bits = Int(bitPattern: handle)
    return bits < 0 ? "\(bits)" : "0x" + String(UInt(bitPattern: bits), radix: 16)
}

extension SimThread {
    /// The stable timeline name of an `OVERLAPPED` (`ov#1`).
    func name<T>(overlapped pointer: UnsafeMutablePointer<T>?) -> String {
        kernel.trace.name(of: UInt(bitPattern: pointer), "ov")
    }

    /// The stable timeline name of a buffer (`buf#1`).
    func name(buffer pointer: UnsafeRawPointer?) -> String {
        kernel.trace.name(of: UInt(bitPattern: pointer), "buf")
    }

    /// A pointer-sized parameter as the timeline shows it (`CreateThread`'s `lpParameter`,
    /// `QueueUserAPC`'s `dwData`): a small value (below 64 KiB, where Windows never maps memory)
    /// as itself, `0x5`; anything else is taken for an address and gets a stable name,
    /// `param#1`, because host addresses differ from run to run (issue 10, finding 5).
    func name(parameter value: UInt) -> String {
        value < 0x1_0000 ? (value == 0 ? "NULL" : "0x" + String(value, radix: 16)) : kernel.trace.name(of: value, "param")
    }
}

func waitResultName(_ result: DWORD) -> String {
    switch result {
    case WAIT_FAILED: "WAIT_FAILED"
    case WAIT_IO_COMPLETION: "WAIT_IO_COMPLETION"
    case DWORD(WAIT_TIMEOUT): "WAIT_TIMEOUT"
    default: result < 64 ? "WAIT_OBJECT_0 + \(result)" : "\(result)"
    }
}
