import IOKernel

/// The calling process's standard input, output or error handle. The corresponding Win32
/// function is `GetStdHandle`.
///
/// `nStdHandle` is `STD_INPUT_HANDLE`, `STD_OUTPUT_HANDLE` or `STD_ERROR_HANDLE`. A child gets
/// them from `CreateProcess` (`STARTUPINFOW.hStd*` with `STARTF_USESTDHANDLES`, or its
/// parent's); the simulation's first process starts with none. A process without one gets NULL,
/// as documented. Any other value gives `INVALID_HANDLE_VALUE` with `ERROR_INVALID_HANDLE`.
/// The value is returned as stored: it may name nothing in this process (a handle the parent
/// did not let the child inherit), as on Windows.
@discardableResult
public func GetStdHandle(_ nStdHandle: DWORD) -> HANDLE! {
    return withCurrentThread(failure: INVALID_HANDLE_VALUE) { (thread: borrowing SimThread) in
        let process = thread.process
        switch nStdHandle {
        case STD_INPUT_HANDLE: return HANDLE(bitPattern: process.standardInput)
        case STD_OUTPUT_HANDLE: return HANDLE(bitPattern: process.standardOutput)
        case STD_ERROR_HANDLE: return HANDLE(bitPattern: process.standardError)
        default:
            _ = thread.fail(ERROR_INVALID_HANDLE)
            return INVALID_HANDLE_VALUE
        }
    }
}

/// Sets the calling process's standard input, output or error handle. The corresponding Win32
/// function is `SetStdHandle`; an `nStdHandle` other than the three `STD_*_HANDLE` values gives
/// `ERROR_INVALID_HANDLE`. The handle is not checked, as on Windows. Children created later
/// without `STARTF_USESTDHANDLES` get these values.
@discardableResult
public func SetStdHandle(_ nStdHandle: DWORD, _ hHandle: HANDLE!) -> Bool {
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        let process = thread.process
        switch nStdHandle {
        case STD_INPUT_HANDLE: process.standardInput = value(hHandle)
        case STD_OUTPUT_HANDLE: process.standardOutput = value(hHandle)
        case STD_ERROR_HANDLE: process.standardError = value(hHandle)
        default: return thread.fail(ERROR_INVALID_HANDLE)
        }
        thread.traceBool("SetStdHandle(\(nStdHandle), \(hex(handle: hHandle)))", true)
        return true
    }
}
