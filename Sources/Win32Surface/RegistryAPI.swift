import IOKernel

// The predefined registry keys, as WinSDK's Swift overlay gives them: winreg.h's macros cast a
// sign-extended `LONG` to `HKEY`, which Swift cannot import.

/// `HKEY_CLASSES_ROOT`.
public var HKEY_CLASSES_ROOT: HKEY { predefinedKey(0x8000_0000) }
/// `HKEY_CURRENT_USER`.
public var HKEY_CURRENT_USER: HKEY { predefinedKey(0x8000_0001) }
/// `HKEY_LOCAL_MACHINE`.
public var HKEY_LOCAL_MACHINE: HKEY { predefinedKey(0x8000_0002) }
/// `HKEY_USERS`.
public var HKEY_USERS: HKEY { predefinedKey(0x8000_0003) }

private func predefinedKey(_ value: UInt32) -> HKEY {
    // Non-zero, so the force unwrap cannot fail.
    HKEY(bitPattern: Int(Int32(bitPattern: value)))!
}

/// Reads a registry value. The corresponding Win32 function is `RegGetValueW`.
///
/// **The registry is not simulated**: the simulated machine has no keys, so every read of a
/// predefined key's subkey or value gives `ERROR_FILE_NOT_FOUND` (what Windows gives for a key
/// or value that does not exist), and code takes its "not configured" path. The arguments are
/// checked first, as advapi32 checks them: a key that is not one of the predefined keys is
/// `ERROR_INVALID_HANDLE` (no key can be opened); `dwFlags` without an `RRF_RT_*` type is
/// `ERROR_INVALID_PARAMETER`, and so is a data buffer without `pcbData` ("pcbData can be NULL
/// only if pvData is NULL"). The result is the error itself (an `LSTATUS`), not the last error.
@discardableResult
public func RegGetValueW(_ hkey: HKEY!, _ lpSubKey: LPCWSTR!, _ lpValue: LPCWSTR!, _ dwFlags: DWORD,
                         _ pdwType: LPDWORD!, _ pvData: PVOID!, _ pcbData: LPDWORD!) -> LSTATUS
{
    return withCurrentThread(failure: LSTATUS(ERROR_INVALID_FUNCTION)) { (thread: borrowing SimThread) in
        let subKey = wideString(lpSubKey) ?? ""
        let name = wideString(lpValue) ?? ""
        let predefined = [HKEY_CLASSES_ROOT, HKEY_CURRENT_USER, HKEY_LOCAL_MACHINE, HKEY_USERS]
        let result: Int32
        if hkey == nil || !predefined.contains(hkey) {
            result = ERROR_INVALID_HANDLE
        } else if dwFlags & DWORD(RRF_RT_ANY) == 0 || (pvData != nil && pcbData == nil) {
            result = ERROR_INVALID_PARAMETER
        } else {
            result = ERROR_FILE_NOT_FOUND
        }
        thread.traceResult("RegGetValueW(\(hex(handle: hkey)), \"\(subKey)\", \"\(name)\", 0x\(String(dwFlags, radix: 16)))",
                           win32ErrorName(DWORD(result)))
        return LSTATUS(result)
    }
}
