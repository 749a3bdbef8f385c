import IOKernel

// Consoles are not simulated: no simulated process has one, and no console event is ever
// generated. The functions validate their arguments and give what Windows gives a process
// without a console: control handlers are registered and removed (and never called), attaching
// to a console fails with ERROR_INVALID_HANDLE ("the specified process does not have a
// console", AttachConsole's documentation), generating an event fails with
// ERROR_INVALID_HANDLE, console modes and screen buffers are refused for every handle with
// ERROR_INVALID_HANDLE (no handle is a console handle), and FreeConsole succeeds (its
// documentation: it succeeds when the process has no console).

/// Adds or removes a console control handler, or with a NULL handler sets or clears whether
/// the process ignores CTRL+C. The corresponding Win32 function is `SetConsoleCtrlHandler`.
/// Removing a handler that was never added fails with `ERROR_INVALID_PARAMETER`. Handlers are
/// kept per process and never called: no console event happens in the simulation.
@discardableResult
public func SetConsoleCtrlHandler(_ HandlerRoutine: PHANDLER_ROUTINE!, _ Add: Bool) -> Bool {
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        let kernel = thread.kernel
        let process = thread.process.processID
        let routine = HandlerRoutine.map { UInt(bitPattern: unsafeBitCast($0, to: UnsafeRawPointer.self)) }
        let result = kernel.withKernelEntry { () -> Bool in
            let runtime = kernel.userMode
            guard let routine else {
                if Add { runtime.ignoresCtrlC.insert(process) } else { runtime.ignoresCtrlC.remove(process) }
                return true
            }
            if Add {
                runtime.consoleCtrlHandlers[process, default: []].append(routine)
                return true
            }
            guard let index = runtime.consoleCtrlHandlers[process]?.lastIndex(of: routine) else { return false }
            runtime.consoleCtrlHandlers[process]?.remove(at: index)
            return true
        }
        if !result { _ = thread.fail(ERROR_INVALID_PARAMETER) }
        thread.traceBool("SetConsoleCtrlHandler(\(HandlerRoutine == nil ? "NULL" : "handler"), \(Add))", result)
        return result
    }
}

/// Sends CTRL+C or CTRL+BREAK to the processes sharing the caller's console. The corresponding
/// Win32 function is `GenerateConsoleCtrlEvent`. An event other than `CTRL_C_EVENT` and
/// `CTRL_BREAK_EVENT` fails with `ERROR_INVALID_PARAMETER`; any other call with
/// `ERROR_INVALID_HANDLE`, as in a process without a console.
@discardableResult
public func GenerateConsoleCtrlEvent(_ dwCtrlEvent: DWORD, _ dwProcessGroupId: DWORD) -> Bool {
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        let valid = dwCtrlEvent == DWORD(CTRL_C_EVENT) || dwCtrlEvent == DWORD(CTRL_BREAK_EVENT)
        let result = thread.fail(valid ? ERROR_INVALID_HANDLE : ERROR_INVALID_PARAMETER)
        thread.traceBool("GenerateConsoleCtrlEvent(\(dwCtrlEvent), \(dwProcessGroupId)): no console is simulated", result)
        return result
    }
}

/// Attaches to the console of a process. The corresponding Win32 function is `AttachConsole`.
/// No simulated process has a console: `ERROR_INVALID_HANDLE` for a process that exists (or
/// `ATTACH_PARENT_PROCESS`), `ERROR_INVALID_PARAMETER` for one that does not (the errors of
/// AttachConsole's documentation).
@discardableResult
public func AttachConsole(_ dwProcessId: DWORD) -> Bool {
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        let kernel = thread.kernel
        let exists = dwProcessId == ATTACH_PARENT_PROCESS
            || kernel.withKernelEntry { kernel.processes.contains { $0.processID == dwProcessId && !$0.hasExited } }
        let result = thread.fail(exists ? ERROR_INVALID_HANDLE : ERROR_INVALID_PARAMETER)
        thread.traceBool("AttachConsole(\(dwProcessId)): no console is simulated", result)
        return result
    }
}

/// Detaches the process from its console. The corresponding Win32 function is `FreeConsole`;
/// a process without a console (every simulated one) succeeds, as documented.
@discardableResult
public func FreeConsole() -> Bool {
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        thread.traceBool("FreeConsole()", true)
        return true
    }
}

/// A console handle's mode. The corresponding Win32 function is `GetConsoleMode`: no handle is
/// a console handle in the simulation, so it fails with `ERROR_INVALID_HANDLE` (what Windows
/// gives for a file or pipe handle, which is how code tells a console from a redirection).
@discardableResult
public func GetConsoleMode(_ hConsoleHandle: HANDLE!, _ lpMode: LPDWORD!) -> Bool {
    notAConsole("GetConsoleMode(\(hex(handle: hConsoleHandle)))")
}

/// Sets a console handle's mode. The corresponding Win32 function is `SetConsoleMode`; see
/// ``GetConsoleMode(_:_:)``.
@discardableResult
public func SetConsoleMode(_ hConsoleHandle: HANDLE!, _ dwMode: DWORD) -> Bool {
    notAConsole("SetConsoleMode(\(hex(handle: hConsoleHandle)), 0x\(String(dwMode, radix: 16)))")
}

/// A console screen buffer's size and window. The corresponding Win32 function is
/// `GetConsoleScreenBufferInfo`; see ``GetConsoleMode(_:_:)`` (terminal-width code falls back
/// to its default width).
@discardableResult
public func GetConsoleScreenBufferInfo(_ hConsoleOutput: HANDLE!, _ lpConsoleScreenBufferInfo: PCONSOLE_SCREEN_BUFFER_INFO!)
    -> Bool
{
    notAConsole("GetConsoleScreenBufferInfo(\(hex(handle: hConsoleOutput)))")
}

private func notAConsole(_ call: @autoclosure () -> String, function: StaticString = #function) -> Bool {
    return withCurrentThread(function, failure: false) { (thread: borrowing SimThread) in
        let result = thread.fail(ERROR_INVALID_HANDLE)
        thread.traceBool(call() + ": not a console handle", result)
        return result
    }
}
