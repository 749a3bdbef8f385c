import CWin32
import IOKernel

// pathcch.h's functions that edit a path in the caller's buffer: appending a path, adding a
// trailing backslash, finding the extension. Behaviour as Microsoft documents them and as Wine's
// kernelbase path.c tests record Windows' results (append_tests, addbackslash_tests,
// findextension_tests).

private let invalidArgument = HRESULT(bitPattern: 0x8007_0057)

/// Appends `pszMore` to the path in the caller's buffer. The corresponding Win32 function is
/// `PathCchAppendEx` (pathcch.h): ``PathCchCombineEx(_:_:_:_:_:)``'s result (a backslash
/// between the two, then canonicalized: `C:\b` + `..\a` is `C:\a`; a fully qualified `pszMore`,
/// `C:`, `\\server` or `\\?\…`, replaces the path), except that a `pszMore` beginning with a
/// single backslash is appended, not rooted (`C:\a\b` + `\1` is `C:\a\b\1`). A NULL `pszMore`
/// canonicalizes the path alone. `E_INVALIDARG` for a NULL path, a size of 0 or more than
/// `PATHCCH_MAX_CCH`; a result that does not fit is `STRSAFE_E_INSUFFICIENT_BUFFER`. On failure
/// the buffer is unchanged (Wine's test_PathCchAppendEx).
@discardableResult
public func PathCchAppendEx(_ pszPath: PWSTR!, _ cchPath: Int, _ pszMore: PCWSTR!, _ dwFlags: ULONG) -> HRESULT {
    return withCurrentThread(failure: invalidArgument) { (thread: borrowing SimThread) in
        guard let pszPath, cchPath > 0, cchPath <= Int(PATHCCH_MAX_CCH) else { return invalidArgument }
        let first = callerWideString(pszPath)
        var more = pszMore.map { callerWideString($0) } ?? ""
        if more.hasPrefix(#"\"#), !more.hasPrefix(#"\\"#) { more.removeFirst() }
        let path = combined(first, more)
        switch bufferedPath(canonicalize(path, options: dwFlags), rootedBy: path, size: cchPath) {
        case .failure(let failure):
            return failure.hresult
        case .success(let units):
            guard thread.writeToCaller(units, at: UnsafeMutableRawPointer(pszPath), call: "PathCchAppendEx") else {
                return invalidArgument
            }
            return S_OK
        }
    }
}

/// Appends a path to the one in the caller's buffer. The corresponding Win32 function is
/// `PathCchAppend`: ``PathCchAppendEx(_:_:_:_:)`` without options.
@discardableResult
public func PathCchAppend(_ pszPath: PWSTR!, _ cchPath: Int, _ pszMore: PCWSTR!) -> HRESULT {
    PathCchAppendEx(pszPath, cchPath, pszMore, 0)
}

/// Ends the path in the caller's buffer with a backslash. The corresponding Win32 function is
/// `PathCchAddBackslashEx` (pathcch.h): `S_OK` when it added one (`C:` → `C:\`, `a/b` → `a/b\`),
/// `S_FALSE` when the path is empty or ends with one already; `STRSAFE_E_INSUFFICIENT_BUFFER`
/// when the path fills the buffer (a size of 0 included) or the backslash and the terminator
/// do not fit. On success `*ppszEnd` is the path's terminator and `*pcchRemaining` the size
/// less the path's length; on failure NULL and 0 (Wine's addbackslash_tests).
@discardableResult
public func PathCchAddBackslashEx(_ pszPath: PWSTR!, _ cchPath: Int, _ ppszEnd: UnsafeMutablePointer<PWSTR?>!,
                                  _ pcchRemaining: UnsafeMutablePointer<Int>!) -> HRESULT
{
    return withCurrentThread(failure: invalidArgument) { (thread: borrowing SimThread) in
        thread.store(nil, into: ppszEnd, call: "PathCchAddBackslashEx")
        thread.store(0, into: pcchRemaining, call: "PathCchAddBackslashEx")
        guard let pszPath else { return invalidArgument }
        let length = cchPath > 0 ? terminatedLength(pszPath, call: "PathCchAddBackslashEx") : 0
        guard length < cchPath else { return STRSAFE_E_INSUFFICIENT_BUFFER }
        var end = length
        let result: HRESULT
        if length == 0 || pszPath[length - 1] == 0x5C {
            result = S_FALSE
        } else {
            guard length + 2 <= cchPath else { return STRSAFE_E_INSUFFICIENT_BUFFER }
            guard thread.writeToCaller([WCHAR(0x5C), 0], at: UnsafeMutableRawPointer(pszPath + length), call: "PathCchAddBackslashEx")
            else { return invalidArgument }
            end += 1
            result = S_OK
        }
        thread.store(pszPath + end, into: ppszEnd, call: "PathCchAddBackslashEx")
        thread.store(cchPath - end, into: pcchRemaining, call: "PathCchAddBackslashEx")
        return result
    }
}

/// Ends the path in the caller's buffer with a backslash. The corresponding Win32 function is
/// `PathCchAddBackslash`: ``PathCchAddBackslashEx(_:_:_:_:)`` without its out-parameters.
@discardableResult
public func PathCchAddBackslash(_ pszPath: PWSTR!, _ cchPath: Int) -> HRESULT {
    PathCchAddBackslashEx(pszPath, cchPath, nil, nil)
}

/// Finds a path's extension. The corresponding Win32 function is `PathCchFindExtension`
/// (pathcch.h): `*ppszExt` is the last `.` after the last backslash or space (`C:\1.exe` → `.exe`,
/// `.a.b.` → the last `.`), or the path's terminator when there is none (`a. ` and `a.\` have
/// none); `S_OK`. `E_INVALIDARG`, with `*ppszExt` NULL, for a NULL path, a size of 0 or more
/// than `PATHCCH_MAX_CCH`, or a path not terminated within the size (Wine's
/// test_PathCchFindExtension).
@discardableResult
public func PathCchFindExtension(_ pszPath: PCWSTR!, _ cchPath: Int, _ ppszExt: UnsafeMutablePointer<PCWSTR?>!) -> HRESULT {
    return withCurrentThread(failure: invalidArgument) { (thread: borrowing SimThread) in
        thread.store(nil, into: ppszExt, call: "PathCchFindExtension")
        guard let pszPath, cchPath > 0, cchPath <= Int(PATHCCH_MAX_CCH) else { return invalidArgument }
        let length = terminatedLength(pszPath, call: "PathCchFindExtension")
        guard length < cchPath else { return invalidArgument }
        var extensionStart = length
        for index in 0..<length {
            switch pszPath[index] {
            case 0x5C, 0x20: extensionStart = length
            case 0x2E: extensionStart = index
            default: break
            }
        }
        thread.store(pszPath + extensionStart, into: ppszExt, call: "PathCchFindExtension")
        return S_OK
    }
}
