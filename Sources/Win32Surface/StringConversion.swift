import IOKernel

/// The code pages the simulation converts: UTF-8 under every name it can have. `CP_ACP` and
/// `CP_THREAD_ACP` are UTF-8 too (the simulated system's ANSI code page is 65001, as on a
/// Windows with "Use Unicode UTF-8 for worldwide language support" set).
private enum ConversionCodePage {
    case utf8
    case ansi

    init?(_ codePage: UINT) {
        switch Int32(bitPattern: codePage) {
        case CP_UTF8: self = .utf8
        case CP_ACP, CP_THREAD_ACP: self = .ansi
        default: return nil
        }
    }
}

/// Converts `cbMultiByte` bytes of UTF-8 at `lpMultiByteStr` to UTF-16. The corresponding
/// Win32 function is `MultiByteToWideChar`.
///
/// - `cbMultiByte` -1: the string is NUL-terminated and the NUL is converted (and counted).
/// - `cchWideChar` 0: nothing is written; the result is the number of `WCHAR`s needed.
/// - Otherwise the result is the number written; a buffer that is too small gives 0 and
///   `ERROR_INSUFFICIENT_BUFFER` and is left untouched.
/// - Invalid UTF-8 becomes U+FFFD (one per maximal invalid subsequence, as Swift's decoder and
///   Windows since Vista replace it), or, with `MB_ERR_INVALID_CHARS`, fails with
///   `ERROR_NO_UNICODE_TRANSLATION`.
/// - For `CP_UTF8`, `dwFlags` must be 0 or `MB_ERR_INVALID_CHARS` (`ERROR_INVALID_FLAGS`);
///   `CP_ACP` also accepts `MB_PRECOMPOSED`, `MB_COMPOSITE` (not both) and `MB_USEGLYPHCHARS`,
///   which change nothing in UTF-8. Other code pages, a NULL or overlapping buffer, a length of 0
///   or below -1: `ERROR_INVALID_PARAMETER`.
@discardableResult
public func MultiByteToWideChar(_ CodePage: UINT, _ dwFlags: DWORD, _ lpMultiByteStr: LPCCH!, _ cbMultiByte: Int32,
                                _ lpWideCharStr: LPWSTR!, _ cchWideChar: Int32) -> Int32
{
    return withCurrentThread(failure: 0) { (thread: borrowing SimThread) in
        guard let page = ConversionCodePage(CodePage) else { return failConversion(thread, ERROR_INVALID_PARAMETER) }
        let invalidFlags: DWORD =
            page == .utf8
            ? ~DWORD(MB_ERR_INVALID_CHARS)
            : ~DWORD(MB_PRECOMPOSED | MB_COMPOSITE | MB_USEGLYPHCHARS | MB_ERR_INVALID_CHARS)
        guard dwFlags & invalidFlags == 0, dwFlags & DWORD(MB_PRECOMPOSED | MB_COMPOSITE) != DWORD(MB_PRECOMPOSED | MB_COMPOSITE)
        else { return failConversion(thread, ERROR_INVALID_FLAGS) }
        guard let source = lpMultiByteStr, cbMultiByte != 0, cbMultiByte >= -1, cchWideChar >= 0,
              cchWideChar == 0 || lpWideCharStr != nil,
              UnsafeRawPointer(source) != UnsafeRawPointer(lpWideCharStr)
        else { return failConversion(thread, ERROR_INVALID_PARAMETER) }

        let count = cbMultiByte == -1 ? cStringLength(source) + 1 : Int(cbMultiByte)
        guard thread.userBufferIsAccessible(source, count: count, writing: false, call: "MultiByteToWideChar") else {
            return failConversion(thread, ERROR_NOACCESS)
        }
        var units: [UInt16] = []
        units.reserveCapacity(count)
        let bytes = UnsafeBufferPointer(start: UnsafeRawPointer(source).assumingMemoryBound(to: UInt8.self), count: count)
        let hadError = transcode(bytes.makeIterator(), from: UTF8.self, to: UTF16.self, stoppingOnError: false) {
            units.append($0)
        }
        if hadError, dwFlags & DWORD(MB_ERR_INVALID_CHARS) != 0 {
            return failConversion(thread, ERROR_NO_UNICODE_TRANSLATION)
        }
        return store(units, into: lpWideCharStr, capacity: cchWideChar, thread, call: "MultiByteToWideChar")
    }
}

/// Converts `cchWideChar` UTF-16 code units at `lpWideCharStr` to UTF-8. The corresponding
/// Win32 function is `WideCharToMultiByte`.
///
/// The size protocol is ``MultiByteToWideChar(_:_:_:_:_:_:)``'s, in bytes. An unpaired
/// surrogate becomes U+FFFD (EF BF BD), or, with `WC_ERR_INVALID_CHARS`, fails with
/// `ERROR_NO_UNICODE_TRANSLATION`. For `CP_UTF8`, `dwFlags` must be 0 or `WC_ERR_INVALID_CHARS`
/// (`ERROR_INVALID_FLAGS`) and `lpDefaultChar` and `lpUsedDefaultChar` must be NULL
/// (`ERROR_INVALID_PARAMETER`), as documented. For `CP_ACP` the other `WC_` flags are accepted
/// and change nothing, and `*lpUsedDefaultChar` says whether a replacement was made.
@discardableResult
public func WideCharToMultiByte(_ CodePage: UINT, _ dwFlags: DWORD, _ lpWideCharStr: LPCWCH!, _ cchWideChar: Int32,
                                _ lpMultiByteStr: LPSTR!, _ cbMultiByte: Int32, _ lpDefaultChar: LPCCH!,
                                _ lpUsedDefaultChar: LPBOOL!) -> Int32
{
    return withCurrentThread(failure: 0) { (thread: borrowing SimThread) in
        guard let page = ConversionCodePage(CodePage) else { return failConversion(thread, ERROR_INVALID_PARAMETER) }
        let ansiFlags = DWORD(WC_COMPOSITECHECK | WC_DISCARDNS | WC_SEPCHARS | WC_DEFAULTCHAR | WC_NO_BEST_FIT_CHARS)
        let validFlags = DWORD(WC_ERR_INVALID_CHARS) | (page == .utf8 ? 0 : ansiFlags)
        guard dwFlags & ~validFlags == 0 else { return failConversion(thread, ERROR_INVALID_FLAGS) }
        guard page == .ansi || (lpDefaultChar == nil && lpUsedDefaultChar == nil),
              let source = lpWideCharStr, cchWideChar != 0, cchWideChar >= -1, cbMultiByte >= 0,
              cbMultiByte == 0 || lpMultiByteStr != nil,
              UnsafeRawPointer(source) != UnsafeRawPointer(lpMultiByteStr)
        else { return failConversion(thread, ERROR_INVALID_PARAMETER) }

        let count = cchWideChar == -1 ? wideStringLength(source) + 1 : Int(cchWideChar)
        guard thread.userBufferIsAccessible(source, count: count * 2, writing: false, call: "WideCharToMultiByte") else {
            return failConversion(thread, ERROR_NOACCESS)
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(count * 3)
        let units = UnsafeBufferPointer(start: source, count: count)
        let hadError = transcode(units.makeIterator(), from: UTF16.self, to: UTF8.self, stoppingOnError: false) {
            bytes.append($0)
        }
        if hadError, dwFlags & DWORD(WC_ERR_INVALID_CHARS) != 0 {
            return failConversion(thread, ERROR_NO_UNICODE_TRANSLATION)
        }
        thread.store(WindowsBool(hadError), into: lpUsedDefaultChar, call: "WideCharToMultiByte")
        let signed = bytes.map { CChar(bitPattern: $0) }
        return store(signed, into: lpMultiByteStr, capacity: cbMultiByte, thread, call: "WideCharToMultiByte")
    }
}

private func failConversion(_ thread: SimThread, _ error: Int32) -> Int32 {
    _ = thread.fail(error)
    return 0
}

/// The size protocol of both conversions: capacity 0 asks for the size; a short buffer is
/// `ERROR_INSUFFICIENT_BUFFER` and stays untouched.
private func store<T: FixedWidthInteger>(_ units: [T], into buffer: UnsafeMutablePointer<T>?, capacity: Int32, _ thread: SimThread,
                      call: StaticString) -> Int32
{
    guard units.count <= Int(Int32.max) else { return failConversion(thread, ERROR_ARITHMETIC_OVERFLOW) }
    guard capacity != 0 else { return Int32(units.count) }
    guard units.count <= Int(capacity), let buffer else { return failConversion(thread, ERROR_INSUFFICIENT_BUFFER) }
    guard thread.writeToCaller(units, at: UnsafeMutableRawPointer(buffer), call: call) else {
        return failConversion(thread, ERROR_NOACCESS)
    }
    return Int32(units.count)
}

/// The length of a NUL-terminated narrow string in caller memory (see ``terminatedLength(_:call:)``).
func cStringLength(_ string: UnsafePointer<CChar>) -> Int {
    terminatedLength(string)
}

/// The length of a NUL-terminated wide string in caller memory (see ``terminatedLength(_:call:)``).
func wideStringLength(_ string: UnsafePointer<WCHAR>) -> Int {
    terminatedLength(string)
}
