import CWin32
import IOKernel

// pathcch.h's functions that write into a caller's buffer of `cchPathOut` characters rather
// than a LocalAlloc block: the same canonical forms as PathAllocCanonicalize and
// PathAllocCombine, with the buffer's size protocol of Wine's kernelbase path.c tests
// (test_PathCchCanonicalizeEx, test_PathCchCombineEx).

private let invalidArgument = HRESULT(bitPattern: 0x8007_0057)
private let filenameExceedsRange = HRESULT(bitPattern: 0x8007_00CE)

/// Canonicalizes a path into the caller's buffer. The corresponding Win32 function is
/// `PathCchCanonicalizeEx` (pathcch.h).
///
/// The result is ``PathAllocCanonicalize(_:_:_:)``'s, with its options and errors, except that
/// a bare drive (`C:`) becomes `C:\` when the buffer has room for it. Without
/// `PATHCCH_ALLOW_LONG_PATHS`, a path with no root (not `\…` or `X:\…`) longer than
/// `MAX_PATH - 4` characters is `HRESULT_FROM_WIN32(ERROR_FILENAME_EXCED_RANGE)`. A result that
/// does not fit is `STRSAFE_E_INSUFFICIENT_BUFFER` (or, for such a rootless path,
/// `ERROR_FILENAME_EXCED_RANGE`). On failure the buffer holds an empty string; a NULL buffer or
/// a size of 0 (the buffer then unchanged) or more than `PATHCCH_MAX_CCH` is `E_INVALIDARG`.
@discardableResult
public func PathCchCanonicalizeEx(_ pszPathOut: PWSTR!, _ cchPathOut: Int, _ pszPathIn: PCWSTR!, _ dwFlags: ULONG) -> HRESULT {
    return withCurrentThread(failure: invalidArgument) { (thread: borrowing SimThread) in
        guard let pszPathOut, cchPathOut > 0, cchPathOut <= Int(PATHCCH_MAX_CCH), let pszPathIn
        else { return invalidArgument }
        let input = callerWideString(pszPathIn)
        if dwFlags & ULONG(PATHCCH_ALLOW_LONG_PATHS.rawValue) == 0, !hasRoot(input), input.utf16.count > Int(MAX_PATH) - 4 {
            return fail(pszPathOut, filenameExceedsRange, thread, "PathCchCanonicalizeEx")
        }
        return deliver(canonicalize(input, options: dwFlags), rootedBy: input, into: pszPathOut, size: cchPathOut, thread,
                       "PathCchCanonicalizeEx")
    }
}

/// Canonicalizes a path into a buffer of `cchPathOut` characters (at most `MAX_PATH` count).
/// The corresponding Win32 function is `PathCchCanonicalize`: ``PathCchCanonicalizeEx(_:_:_:_:)``
/// without options.
@discardableResult
public func PathCchCanonicalize(_ pszPathOut: PWSTR!, _ cchPathOut: Int, _ pszPathIn: PCWSTR!) -> HRESULT {
    PathCchCanonicalizeEx(pszPathOut, cchPathOut, pszPathIn, 0)
}

/// Combines two paths into the caller's buffer. The corresponding Win32 function is
/// `PathCchCombineEx` (pathcch.h): ``PathAllocCombine(_:_:_:_:)``'s result (Wine's
/// combine_test: `C:\` + `a` is `C:\a`, `\\?\C:\` + `..` is `C:\`), with
/// ``PathCchCanonicalizeEx(_:_:_:_:)``'s buffer protocol: `STRSAFE_E_INSUFFICIENT_BUFFER` and an
/// empty string when it does not fit, `E_INVALIDARG` for a NULL buffer, a size of 0, or both
/// paths NULL.
@discardableResult
public func PathCchCombineEx(_ pszPathOut: PWSTR!, _ cchPathOut: Int, _ pszPathIn: PCWSTR!, _ pszMore: PCWSTR!,
                             _ dwFlags: ULONG) -> HRESULT
{
    return withCurrentThread(failure: invalidArgument) { (thread: borrowing SimThread) in
        guard let pszPathOut, cchPathOut > 0, cchPathOut <= Int(PATHCCH_MAX_CCH) else {
            return invalidArgument
        }
        let first = pszPathIn.map { callerWideString($0) }
        let second = pszMore.map { callerWideString($0) }
        guard first != nil || second != nil else { return fail(pszPathOut, invalidArgument, thread, "PathCchCombineEx") }
        let path = combined(first ?? "", second ?? "")
        return deliver(canonicalize(path, options: dwFlags), rootedBy: path, into: pszPathOut, size: cchPathOut, thread,
                       "PathCchCombineEx")
    }
}

/// Combines two paths into a buffer. The corresponding Win32 function is `PathCchCombine`:
/// ``PathCchCombineEx(_:_:_:_:_:)`` without options.
@discardableResult
public func PathCchCombine(_ pszPathOut: PWSTR!, _ cchPathOut: Int, _ pszPathIn: PCWSTR!, _ pszMore: PCWSTR!) -> HRESULT {
    PathCchCombineEx(pszPathOut, cchPathOut, pszPathIn, pszMore, 0)
}

/// `\…` or `X:\…`: the roots that let a long result count as a path rather than a name.
private func hasRoot(_ path: String) -> Bool {
    let units = Array(path.utf16.prefix(3))
    guard let first = units.first else { return false }
    if first == 0x5C { return true }
    guard units.count == 3, units[1] == 0x3A, units[2] == 0x5C, let letter = Unicode.Scalar(first) else { return false }
    return letter.properties.isAlphabetic && letter.isASCII
}

/// Writes a canonical result into the caller's buffer, or fails as the buffer protocol says.
private func deliver(_ result: Canonical, rootedBy input: String, into buffer: PWSTR, size: Int, _ thread: SimThread,
                     _ call: StaticString) -> HRESULT
{
    switch bufferedPath(result, rootedBy: input, size: size) {
    case .failure(let failure):
        return fail(buffer, failure.hresult, thread, call)
    case .success(let units):
        guard thread.writeToCaller(units, at: UnsafeMutableRawPointer(buffer), call: call) else { return invalidArgument }
        return S_OK
    }
}

/// A canonical result as a buffer of `size` characters holds it (its units and terminator), or
/// the buffer protocol's failure: `STRSAFE_E_INSUFFICIENT_BUFFER` when it does not fit (for a
/// rootless path over `MAX_PATH - 4`, `ERROR_FILENAME_EXCED_RANGE`). A bare drive gets its root's
/// backslash where there is room (test_PathCchCanonicalizeEx).
func bufferedPath(_ result: Canonical, rootedBy input: String, size: Int) -> Result<[WCHAR], PathBufferFailure> {
    switch result {
    case .failure(let hresult):
        return .failure(PathBufferFailure(hresult: hresult))
    case .success(var path):
        let length = path.utf16.count
        guard length + 1 <= size else {
            let tooLong = !hasRoot(input) && length > Int(MAX_PATH) - 4
            return .failure(PathBufferFailure(hresult: tooLong ? filenameExceedsRange : STRSAFE_E_INSUFFICIENT_BUFFER))
        }
        let units = Array(path.utf16)
        if units.count == 2, units[1] == 0x3A, size > 3 { path += #"\"# }
        return .success(Array(path.utf16) + [0])
    }
}

/// The `HRESULT` a path that cannot be delivered fails with.
struct PathBufferFailure: Error {
    let hresult: HRESULT
}

/// Leaves an empty string in the caller's buffer and returns `hresult`.
private func fail(_ buffer: PWSTR, _ hresult: HRESULT, _ thread: SimThread, _ call: StaticString) -> HRESULT {
    _ = thread.writeToCaller([WCHAR(0)], at: UnsafeMutableRawPointer(buffer), call: call)
    return hresult
}
