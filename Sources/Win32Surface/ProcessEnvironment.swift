import IOKernel

/// The calling process's command line, as `CreateProcess` gave it (the simulation's first
/// process: `main`). The corresponding Win32 function is `GetCommandLineW`. The string lives as
/// long as the process; the program must not free it.
@discardableResult
public func GetCommandLineW() -> LPWSTR! {
    guard let thread = currentThread() else { return nil }
    let process = thread.process
    if let buffer = process.commandLineBuffer { return buffer }
    let units = Array(process.commandLine.utf16) + [0]
    let buffer = UnsafeMutablePointer<UInt16>.allocate(capacity: units.count)
    buffer.initialize(from: units, count: units.count)
    process.commandLineBuffer = buffer
    return buffer
}

/// The calling process's command line in the ANSI code page (here UTF-8). The corresponding
/// Win32 function is `GetCommandLineA`.
@discardableResult
public func GetCommandLineA() -> LPSTR! {
    guard let thread = currentThread() else { return nil }
    let process = thread.process
    if let buffer = process.commandLineBufferA { return buffer }
    let bytes = Array(process.commandLine.utf8CString)
    let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count)
    buffer.initialize(from: bytes, count: bytes.count)
    process.commandLineBufferA = buffer
    return buffer
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
    guard let thread = currentThread() else { return 0 }
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

/// Reads an environment variable. The corresponding Win32 function is
/// `GetEnvironmentVariableA`; see ``GetEnvironmentVariableW(_:_:_:)`` (sizes in bytes).
@discardableResult
public func GetEnvironmentVariableA(_ lpName: LPCSTR!, _ lpBuffer: LPSTR!, _ nSize: DWORD) -> DWORD {
    guard let thread = currentThread() else { return 0 }
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

/// Sets (or, with a NULL value, removes) an environment variable of the calling process;
/// children created later without an explicit environment inherit it. The corresponding Win32
/// function is `SetEnvironmentVariableW`. An empty name or one containing `=` gives
/// `ERROR_INVALID_PARAMETER`.
@discardableResult
public func SetEnvironmentVariableW(_ lpName: LPCWSTR!, _ lpValue: LPCWSTR!) -> Bool {
    guard let thread = currentThread() else { return false }
    return setVariable(thread, wideString(lpName), wideString(lpValue))
}

/// Sets or removes an environment variable. The corresponding Win32 function is
/// `SetEnvironmentVariableA`; see ``SetEnvironmentVariableW(_:_:)``.
@discardableResult
public func SetEnvironmentVariableA(_ lpName: LPCSTR!, _ lpValue: LPCSTR!) -> Bool {
    guard let thread = currentThread() else { return false }
    return setVariable(thread, lpName.map(callerNarrowString), lpValue.map(callerNarrowString))
}

private func setVariable(_ thread: SimThread, _ name: String?, _ value: String?) -> Bool {
    guard let name, !name.isEmpty, !name.contains("=") else { return thread.fail(ERROR_INVALID_PARAMETER) }
    thread.process.setEnvironmentValue(name, value)
    thread.traceBool("SetEnvironmentVariable(\(name), \(value ?? "NULL"))", true)
    return true
}
