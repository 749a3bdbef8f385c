import IOKernel

/// The calling process's command line, as `CreateProcess` gave it (the simulation's first
/// process: `main`). The corresponding Win32 function is `GetCommandLineW`. The string lives as
/// long as the process; the program must not free it.
@discardableResult
public func GetCommandLineW() -> LPWSTR! {
    return withCurrentThread(failure: nil) { (thread: borrowing SimThread) in
        let process = thread.process
        if let buffer = process.commandLineBuffer { return buffer }
        let units = Array(process.commandLine.utf16) + [0]
        let buffer = UnsafeMutablePointer<UInt16>.allocate(capacity: units.count)
        buffer.initialize(from: units, count: units.count)
        process.commandLineBuffer = buffer
        return buffer
    }
}

/// The calling process's command line in the ANSI code page (here UTF-8). The corresponding
/// Win32 function is `GetCommandLineA`.
@discardableResult
public func GetCommandLineA() -> LPSTR! {
    return withCurrentThread(failure: nil) { (thread: borrowing SimThread) in
        let process = thread.process
        if let buffer = process.commandLineBufferA { return buffer }
        let bytes = Array(process.commandLine.utf8CString)
        let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count)
        buffer.initialize(from: bytes, count: bytes.count)
        process.commandLineBufferA = buffer
        return buffer
    }
}

/// Reads an environment variable of the calling process (names are case-insensitive). The
/// corresponding Win32 function is `GetEnvironmentVariableW`.
///
/// As documented: when the value and its terminating NUL fit in `nSize` characters, they are
/// copied and the length without the NUL is returned; otherwise the size needed, NUL included,
/// is returned and nothing is copied. A variable that is not set gives 0 with
/// `ERROR_ENVVAR_NOT_FOUND`.
@discardableResult
public func GetEnvironmentVariableW(_ lpName: LPCWSTR!, _ lpBuffer: LPWSTR!, _ nSize: DWORD) -> DWORD {
    return withCurrentThread(failure: 0) { (thread: borrowing SimThread) in
        guard let name = wideString(lpName), let found = thread.process.environmentValue(name) else {
            _ = thread.fail(ERROR_ENVVAR_NOT_FOUND)
            return 0
        }
        let units = Array(found.utf16)
        guard let lpBuffer, units.count < Int(nSize) else { return DWORD(units.count + 1) }
        lpBuffer.update(from: units, count: units.count)
        lpBuffer[units.count] = 0
        thread.setLastError(DWORD(ERROR_SUCCESS))
        return DWORD(units.count)
    }
}

/// Reads an environment variable. The corresponding Win32 function is
/// `GetEnvironmentVariableA`; see ``GetEnvironmentVariableW(_:_:_:)`` (sizes in bytes).
@discardableResult
public func GetEnvironmentVariableA(_ lpName: LPCSTR!, _ lpBuffer: LPSTR!, _ nSize: DWORD) -> DWORD {
    return withCurrentThread(failure: 0) { (thread: borrowing SimThread) in
        guard let lpName, let found = thread.process.environmentValue(callerNarrowString(lpName)) else {
            _ = thread.fail(ERROR_ENVVAR_NOT_FOUND)
            return 0
        }
        let bytes = Array(found.utf8).map { CChar(bitPattern: $0) }
        guard let lpBuffer, bytes.count < Int(nSize) else { return DWORD(bytes.count + 1) }
        lpBuffer.update(from: bytes, count: bytes.count)
        lpBuffer[bytes.count] = 0
        thread.setLastError(DWORD(ERROR_SUCCESS))
        return DWORD(bytes.count)
    }
}

/// Sets (or, with a NULL value, removes) an environment variable of the calling process;
/// children created later without an explicit environment inherit it. The corresponding Win32
/// function is `SetEnvironmentVariableW`. An empty name or one containing `=` gives
/// `ERROR_INVALID_PARAMETER`.
@discardableResult
public func SetEnvironmentVariableW(_ lpName: LPCWSTR!, _ lpValue: LPCWSTR!) -> Bool {
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        return setVariable(thread, wideString(lpName), wideString(lpValue))
    }
}

/// Sets or removes an environment variable. The corresponding Win32 function is
/// `SetEnvironmentVariableA`; see ``SetEnvironmentVariableW(_:_:)``.
@discardableResult
public func SetEnvironmentVariableA(_ lpName: LPCSTR!, _ lpValue: LPCSTR!) -> Bool {
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        return setVariable(thread, lpName.map(callerNarrowString), lpValue.map(callerNarrowString))
    }
}

private func setVariable(_ thread: SimThread, _ name: String?, _ value: String?) -> Bool {
    guard let name, !name.isEmpty, !name.contains("=") else { return thread.fail(ERROR_INVALID_PARAMETER) }
    thread.process.setEnvironmentValue(name, value)
    thread.traceBool("SetEnvironmentVariable(\(name), \(value ?? "NULL"))", true)
    return true
}

/// A copy of the calling process's environment block. The corresponding Win32 function is
/// `GetEnvironmentStringsW`.
///
/// The block is `name=value` strings, each NUL-terminated, ending with an empty string (two NULs
/// in a row): the block `CreateProcess` gave the process (`lpEnvironment`, in its order, or a
/// copy of the parent's), with the changes `SetEnvironmentVariable` made since (a new variable
/// goes where it sorts, as on Windows). It is a tracked block of the process heap, labelled
/// `environment strings`: free it with ``FreeEnvironmentStringsW(_:file:line:)``, or teardown
/// reports it as memory never freed. NULL with `ERROR_NOT_ENOUGH_MEMORY` if it cannot be
/// allocated.
@discardableResult
public func GetEnvironmentStringsW(file: StaticString = #fileID, line: UInt = #line) -> LPWCH! {
    return withCurrentThread(failure: nil) { (thread: borrowing SimThread) in
        let units = thread.process.environmentBlock
        let bytes = units.withUnsafeBytes { Array($0) }
        guard let block = environmentCopy(thread, bytes, file: file, line: line) else { return nil }
        thread.traceResult("GetEnvironmentStringsW()", "\(units.count) characters")
        return block.bindMemory(to: WCHAR.self, capacity: units.count)
    }
}

/// A copy of the calling process's environment block in the ANSI code page (here UTF-8). The
/// corresponding Win32 function is `GetEnvironmentStrings` (`GetEnvironmentStringsA`); see
/// ``GetEnvironmentStringsW(file:line:)``. Free it with ``FreeEnvironmentStringsA(_:file:line:)``.
@discardableResult
public func GetEnvironmentStringsA(file: StaticString = #fileID, line: UInt = #line) -> LPCH! {
    return withCurrentThread(failure: nil) { (thread: borrowing SimThread) in
        var bytes: [UInt8] = []
        for (name, value) in thread.process.environment { bytes += Array("\(name)=\(value)".utf8) + [0] }
        bytes += bytes.isEmpty ? [0, 0] : [0]
        guard let block = environmentCopy(thread, bytes, file: file, line: line) else { return nil }
        thread.traceResult("GetEnvironmentStringsA()", "\(bytes.count) bytes")
        return block.bindMemory(to: CChar.self, capacity: bytes.count)
    }
}

/// A copy of the calling process's environment block in the ANSI code page. The corresponding
/// Win32 function is `GetEnvironmentStrings`, which WinSDK also names `GetEnvironmentStringsA`;
/// see ``GetEnvironmentStringsA(file:line:)``.
@discardableResult
public func GetEnvironmentStrings(file: StaticString = #fileID, line: UInt = #line) -> LPCH! {
    GetEnvironmentStringsA(file: file, line: line)
}

/// `bytes` in a new block of the calling process's heap.
private func environmentCopy(_ thread: SimThread, _ bytes: [UInt8], file: StaticString, line: UInt) -> UnsafeMutableRawPointer? {
    let kernel = thread.kernel
    let block = kernel.withKernelEntry {
        kernel.trackedMemory.heapBlockIfAvailable(bytes.count, label: "environment strings", file: file, line: line)
    }
    guard let block else {
        _ = thread.fail(ERROR_NOT_ENOUGH_MEMORY)
        return nil
    }
    kernel.withKernelEntry { kernel.copyToUser(block, bytes) }
    return block
}

/// Frees a block from ``GetEnvironmentStringsW(file:line:)``. The corresponding Win32 function
/// is `FreeEnvironmentStringsW`.
///
/// The block goes back to the process heap (as `HeapFree`); a pointer that is no live block of
/// the calling process's heap gives `FALSE` with `ERROR_INVALID_PARAMETER` and an invalid-free
/// violation.
@discardableResult
public func FreeEnvironmentStringsW(_ penv: LPWCH!, file: StaticString = #fileID, line: UInt = #line) -> Bool {
    guard currentThread() != nil else { return false }
    return HeapFree(GetProcessHeap(), 0, penv, file: file, line: line)
}

/// Frees a block from ``GetEnvironmentStringsA(file:line:)``. The corresponding Win32 function
/// is `FreeEnvironmentStringsA`; see ``FreeEnvironmentStringsW(_:file:line:)``.
@discardableResult
public func FreeEnvironmentStringsA(_ penv: LPCH!, file: StaticString = #fileID, line: UInt = #line) -> Bool {
    guard currentThread() != nil else { return false }
    return HeapFree(GetProcessHeap(), 0, penv, file: file, line: line)
}
