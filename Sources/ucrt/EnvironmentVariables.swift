#if !os(Windows)
import CWin32
import Win32Surface

// The CRT's environment functions over the simulated process's environment block: the CRT
// keeps its table and the OS environment in step, so a variable set here is what
// GetEnvironmentVariableW reads, and what a child process created after it inherits.

/// Sets, changes or removes an environment variable. The corresponding CRT function is
/// `_putenv`: `envstring` is `name=value`, and `name=` removes the variable (Microsoft's
/// documentation). 0 on success; -1 with `errno` `EINVAL` for a NULL string, one without `=`
/// or with an empty name.
@discardableResult
public func _putenv(_ envstring: UnsafePointer<CChar>!) -> Int32 {
    guard let envstring else { return invalidEnvironmentString() }
    let text = String(decoding: UnsafeRawBufferPointer(start: envstring, count: strlen(envstring)), as: UTF8.self)
    return putEnvironment(text)
}

/// The wide form of ``_putenv(_:)``. The corresponding CRT function is `_wputenv`.
@discardableResult
public func _wputenv(_ envstring: UnsafePointer<UInt16>!) -> Int32 {
    guard let envstring else { return invalidEnvironmentString() }
    return putEnvironment(String(decoding: UnsafeBufferPointer(start: envstring, count: wcslen(envstring)), as: UTF16.self))
}

private func putEnvironment(_ text: String) -> Int32 {
    guard let equals = text.firstIndex(of: "="), equals != text.startIndex else { return invalidEnvironmentString() }
    let name = Array(text[..<equals].utf16) + [0]
    let value = text[text.index(after: equals)...]
    let done = value.isEmpty ? SetEnvironmentVariableW(name, nil) || GetLastError() == DWORD(ERROR_ENVVAR_NOT_FOUND)
                             : SetEnvironmentVariableW(name, Array(value.utf16) + [0])
    return done ? 0 : invalidEnvironmentString()
}

private func invalidEnvironmentString() -> Int32 {
    errno = EINVAL
    return -1
}
#endif
