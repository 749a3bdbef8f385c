import IOKernel

/// Whether a `SECURITY_ATTRIBUTES` asks for an inheritable handle (`bInheritHandle` nonzero).
/// The field is read as the 32-bit `BOOL` it is in memory, whatever type Swift gives it.
func asksForInheritance(_ attributes: LPSECURITY_ATTRIBUTES?) -> Bool {
    guard let attributes else { return false }
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        guard let read = thread.load(UnsafePointer(attributes), call: "a create function's SECURITY_ATTRIBUTES") else { return false }
        return read.bInheritHandle.boolValue
    }
}

/// Marks a handle a create function returned as inheritable when its `SECURITY_ATTRIBUTES`
/// asks for it (`CreateFile`, `CreateNamedPipe`, `CreatePipe`, `CreateEvent`, `CreateThread`),
/// so that a child created with `bInheritHandles` gets a copy at the same value.
func applyInheritance(_ handle: HANDLE?, _ attributes: LPSECURITY_ATTRIBUTES?) {
    guard let handle, handle != INVALID_HANDLE_VALUE, asksForInheritance(attributes) else { return }
    withCurrentThread(failure: ()) { (thread: borrowing SimThread) in
        let kernel = thread.kernel
        _ = kernel.withKernelEntry {
            kernel.setHandleAttributes(value(handle), mask: .inherit, flags: .inherit)
        }
    }
}
