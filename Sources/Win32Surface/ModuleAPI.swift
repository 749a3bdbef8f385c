import IOKernel

// Modules. The simulation loads no DLLs: a process has its image and the three system modules
// every process has (ntdll.dll, kernel32.dll, KernelBase.dll), each with a stand-in base
// address (the x64 image base 0x140000000 for the image), and none exports a function that
// `GetProcAddress` can hand out: the Win32 functions are Swift functions of this package, not
// C entry points, so it fails with `ERROR_PROC_NOT_FOUND`, which code that looks up optional
// functions (swift-subprocess's NtSuspendProcess) handles as "not available". Any other module
// is not found (`ERROR_MOD_NOT_FOUND`).

/// A module's stand-in base, by its lower-cased base name without extension.
private let systemModules: [(name: String, base: UInt)] = [
    ("ntdll", 0x7FFD_0000_0000), ("kernel32", 0x7FFC_0000_0000), ("kernelbase", 0x7FFB_0000_0000),
]
private let imageBase: UInt = 0x1_4000_0000

/// The base of the module `name` names in `thread`'s process, if it is loaded.
private func moduleBase(_ thread: SimThread, _ name: String) -> UInt? {
    var base = name.split(whereSeparator: { $0 == "\\" || $0 == "/" }).last.map(String.init)?.lowercased() ?? ""
    if base.hasSuffix(".dll") { base.removeLast(4) }
    if let module = systemModules.first(where: { $0.name == base }) { return module.base }
    let image = thread.process.imageName.lowercased()
    if base == image || base + ".exe" == image || base == image + ".exe" || (base.hasSuffix(".exe") && base.dropLast(4) == image) {
        return imageBase
    }
    return nil
}

/// The full path of a loaded module: the system modules in `C:\Windows\System32`, the image as
/// the process was created with it (made absolute on `C:\`, with `.exe` if it had no extension).
private func modulePath(_ thread: SimThread, _ base: UInt) -> String? {
    if base == imageBase {
        let path = thread.process.imagePath
        let absolute = path.hasPrefix("\\\\") || (path.count > 2 && path.dropFirst().hasPrefix(":\\"))
        let withExtension = path.split(separator: "\\").last?.contains(".") == true ? path : path + ".exe"
        return absolute ? withExtension : #"C:\"# + withExtension
    }
    guard let module = systemModules.first(where: { $0.base == base }) else { return nil }
    let file = module.name == "kernelbase" ? "KernelBase.dll" : module.name + ".dll"
    return #"C:\Windows\System32\"# + file
}

/// A loaded module's handle (its base address): NULL names the process's image. The
/// corresponding Win32 function is `GetModuleHandleW`; a module that is not loaded gives NULL
/// with `ERROR_MOD_NOT_FOUND`.
@discardableResult
public func GetModuleHandleW(_ lpModuleName: LPCWSTR!) -> HMODULE! {
    return withCurrentThread(failure: nil) { (thread: borrowing SimThread) in
        return moduleHandle(thread, lpModuleName.map { callerWideString($0) }, "GetModuleHandleW")
    }
}

/// A loaded module's handle. The corresponding Win32 function is `GetModuleHandleA`; see
/// ``GetModuleHandleW(_:)``.
@discardableResult
public func GetModuleHandleA(_ lpModuleName: LPCSTR!) -> HMODULE! {
    return withCurrentThread(failure: nil) { (thread: borrowing SimThread) in
        return moduleHandle(thread, lpModuleName.map { callerNarrowString($0) }, "GetModuleHandleA")
    }
}

/// Loads a module: the modules every process has are found (as loaded already); any other
/// fails with `ERROR_MOD_NOT_FOUND`, as no DLL can be loaded in the simulation. The
/// corresponding Win32 function is `LoadLibraryW`.
@discardableResult
public func LoadLibraryW(_ lpLibFileName: LPCWSTR!) -> HMODULE! {
    return withCurrentThread(failure: nil) { (thread: borrowing SimThread) in
        guard let lpLibFileName else {
            _ = thread.fail(ERROR_INVALID_PARAMETER)
            return nil
        }
        return moduleHandle(thread, callerWideString(lpLibFileName), "LoadLibraryW")
    }
}

/// See ``LoadLibraryW(_:)``. The corresponding Win32 function is `LoadLibraryA`.
@discardableResult
public func LoadLibraryA(_ lpLibFileName: LPCSTR!) -> HMODULE! {
    return withCurrentThread(failure: nil) { (thread: borrowing SimThread) in
        guard let lpLibFileName else {
            _ = thread.fail(ERROR_INVALID_PARAMETER)
            return nil
        }
        return moduleHandle(thread, callerNarrowString(lpLibFileName), "LoadLibraryA")
    }
}

/// See ``LoadLibraryW(_:)``; the flags (`LOAD_LIBRARY_SEARCH_*`) choose where Windows searches
/// and change nothing here. The corresponding Win32 function is `LoadLibraryExW`; `hFile` must
/// be NULL (`ERROR_INVALID_PARAMETER`).
@discardableResult
public func LoadLibraryExW(_ lpLibFileName: LPCWSTR!, _ hFile: HANDLE!, _ dwFlags: DWORD) -> HMODULE! {
    return withCurrentThread(failure: nil) { (thread: borrowing SimThread) in
        guard let lpLibFileName, hFile == nil else {
            _ = thread.fail(ERROR_INVALID_PARAMETER)
            return nil
        }
        return moduleHandle(thread, callerWideString(lpLibFileName), "LoadLibraryExW")
    }
}

/// Releases a module handle from ``LoadLibraryW(_:)``. The corresponding Win32 function is
/// `FreeLibrary`; the modules every process has stay loaded; a handle that names no module
/// gives `ERROR_MOD_NOT_FOUND`.
@discardableResult
public func FreeLibrary(_ hLibModule: HMODULE!) -> Bool {
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        let result = modulePath(thread, value(hLibModule)) != nil ? true : thread.fail(ERROR_MOD_NOT_FOUND)
        thread.traceBool("FreeLibrary(\(hex(handle: hLibModule)))", result)
        return result
    }
}

/// The address of a module's exported function. The corresponding Win32 function is
/// `GetProcAddress`: a module handle that names no loaded module gives `ERROR_MOD_NOT_FOUND`;
/// every name (or ordinal) in a loaded one gives NULL with `ERROR_PROC_NOT_FOUND`, as no
/// simulated module exports a C entry point.
@discardableResult
public func GetProcAddress(_ hModule: HMODULE!, _ lpProcName: LPCSTR!) -> FARPROC! {
    return withCurrentThread(failure: nil) { (thread: borrowing SimThread) in
        let name = lpProcName.map { UInt(bitPattern: $0) < 0x1_0000 ? "#\(UInt(bitPattern: $0))" : callerNarrowString($0) } ?? "NULL"
        let known = modulePath(thread, value(hModule)) != nil
        _ = thread.fail(known ? ERROR_PROC_NOT_FOUND : ERROR_MOD_NOT_FOUND)
        thread.traceResult("GetProcAddress(\(hex(handle: hModule)), \(name))", "NULL, \(win32ErrorName(thread.lastError))")
        return nil
    }
}

/// The full path of a loaded module (NULL: the process's image). The corresponding Win32
/// function is `GetModuleFileNameW`. Returns the length copied without the terminator; a buffer
/// of `nSize` characters too small for the path gets the path truncated to `nSize - 1`
/// characters and a terminator, the result is `nSize` and the last error
/// `ERROR_INSUFFICIENT_BUFFER` (its documentation, Windows Vista and later). A handle that names
/// no module gives 0 with `ERROR_MOD_NOT_FOUND`.
@discardableResult
public func GetModuleFileNameW(_ hModule: HMODULE!, _ lpFilename: LPWSTR!, _ nSize: DWORD) -> DWORD {
    return withCurrentThread(failure: 0) { (thread: borrowing SimThread) in
        let result = moduleFileName(thread, hModule, lpFilename, nSize, "GetModuleFileNameW") { Array($0.utf16) }
        thread.traceResult("GetModuleFileNameW(\(hex(handle: hModule)), \(nSize))", "\(result)")
        return result
    }
}

/// See ``GetModuleFileNameW(_:_:_:)``. The corresponding Win32 function is `GetModuleFileNameA`
/// (UTF-8, the simulation's ANSI code page).
@discardableResult
public func GetModuleFileNameA(_ hModule: HMODULE!, _ lpFilename: LPSTR!, _ nSize: DWORD) -> DWORD {
    return withCurrentThread(failure: 0) { (thread: borrowing SimThread) in
        let result = moduleFileName(thread, hModule, lpFilename, nSize, "GetModuleFileNameA") { $0.utf8.map { CHAR(bitPattern: $0) } }
        thread.traceResult("GetModuleFileNameA(\(hex(handle: hModule)), \(nSize))", "\(result)")
        return result
    }
}

private func moduleFileName<Unit: FixedWidthInteger>(_ thread: SimThread, _ module: HMODULE?, _ buffer: UnsafeMutablePointer<Unit>?,
                                                     _ size: DWORD, _ call: StaticString, _ encode: (String) -> [Unit]) -> DWORD
{
    let base = module == nil ? imageBase : value(module)
    guard let path = modulePath(thread, base) else {
        _ = thread.fail(ERROR_MOD_NOT_FOUND)
        return 0
    }
    guard let buffer, size > 0 else {
        _ = thread.fail(ERROR_INSUFFICIENT_BUFFER)
        return 0
    }
    let units = encode(path)
    let fits = units.count < Int(size)
    let copied = fits ? units : Array(units.prefix(Int(size) - 1))
    guard thread.writeToCaller(copied + [0], at: UnsafeMutableRawPointer(buffer), call: call) else {
        _ = thread.fail(ERROR_NOACCESS)
        return 0
    }
    if fits { return DWORD(units.count) }
    _ = thread.fail(ERROR_INSUFFICIENT_BUFFER)
    return size
}

private func moduleHandle(_ thread: SimThread, _ name: String?, _ call: StaticString) -> HMODULE? {
    let base = name.map { moduleBase(thread, $0) } ?? imageBase
    guard let base else {
        _ = thread.fail(ERROR_MOD_NOT_FOUND)
        thread.traceResult("\(call)(\"\(name ?? "NULL")\")", "NULL, ERROR_MOD_NOT_FOUND")
        return nil
    }
    let handle = HMODULE(bitPattern: base)
    thread.traceResult("\(call)(\(name.map { "\"\($0)\"" } ?? "NULL"))", hex(handle: handle))
    return handle
}
