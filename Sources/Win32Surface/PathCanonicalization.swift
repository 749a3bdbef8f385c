import IOKernel

/// `E_INVALIDARG` and `HRESULT_FROM_WIN32(ERROR_FILENAME_EXCED_RANGE)`, `E_OUTOFMEMORY`.
private let invalidArgument = HRESULT(bitPattern: 0x8007_0057)
private let filenameExceedsRange = HRESULT(bitPattern: 0x8007_00CE)
private let outOfMemory = HRESULT(bitPattern: 0x8007_000E)

/// Converts a path into its canonical form in a `LocalAlloc` buffer the caller frees with
/// `LocalFree`. The corresponding Win32 function is `PathAllocCanonicalize` (pathcch.h).
///
/// As Microsoft's documentation and Wine's kernelbase path.c tests
/// (test_PathAllocCanonicalize) describe it: `.` segments are removed and `..` removes the
/// segment before it (never the root: `C:\`, `\`, `\\`, `\\?\`, `\\?\UNC\`); trailing dots of
/// a segment are removed unless `PATHCCH_DO_NOT_NORMALIZE_SEGMENTS` (or
/// `PATHCCH_ENSURE_IS_EXTENDED_LENGTH_PATH`) is given; an empty result is `\`; forward slashes
/// are kept unless `PATHCCH_CANONICALIZE_SLASHES`. A result of `MAX_PATH` characters or more
/// needs `PATHCCH_ALLOW_LONG_PATHS` (else `HRESULT_FROM_WIN32(ERROR_FILENAME_EXCED_RANGE)`) and
/// then gets the `\\?\` prefix (`\\?\UNC\` for a UNC path) unless
/// `PATHCCH_FORCE_ENABLE_LONG_NAME_PROCESS`; `PATHCCH_ENSURE_IS_EXTENDED_LENGTH_PATH` prefixes
/// a drive path of any length; `PATHCCH_ENSURE_TRAILING_SLASH` ends it with `\`. A NULL out
/// pointer, unknown flags, the FORCE flags without `PATHCCH_ALLOW_LONG_PATHS` or together, and
/// `PATHCCH_ENSURE_IS_EXTENDED_LENGTH_PATH` with `PATHCCH_ALLOW_LONG_PATHS` give `E_INVALIDARG`
/// (so does a NULL path, which Windows does not check). On failure `*ppszPathOut` is NULL.
@discardableResult
public func PathAllocCanonicalize(_ pszPathIn: PCWSTR!, _ dwFlags: ULONG, _ ppszPathOut: UnsafeMutablePointer<PWSTR?>!)
    -> HRESULT
{
    return withCurrentThread(failure: invalidArgument) { (thread: borrowing SimThread) in
        guard let ppszPathOut else { return invalidArgument }
        thread.store(nil, into: ppszPathOut, call: "PathAllocCanonicalize")
        let path = pszPathIn.map { callerWideString($0) }
        let result = path.map { canonicalize($0, options: dwFlags) } ?? .failure(invalidArgument)
        let call = "PathAllocCanonicalize(\"\(path ?? "NULL")\", 0x\(String(dwFlags, radix: 16)))"
        return allocate(result, into: ppszPathOut, thread, call, "PathAllocCanonicalize")
    }
}

/// Combines two paths and canonicalizes the result into a `LocalAlloc` buffer. The
/// corresponding Win32 function is `PathAllocCombine` (pathcch.h).
///
/// As Wine's kernelbase path.c tests (test_PathAllocCombine) show it: a NULL or empty second
/// path leaves the first; a fully qualified second path (`C:`, `\\server`, `\\?\`) replaces the
/// first; one starting with a single `\` goes to the first path's drive (`C:\a\b` + `\1` is
/// `C:\1`); otherwise the second is appended with a separator (`C:` + `a` is `C:\a`). The result is
/// canonicalized as ``PathAllocCanonicalize(_:_:_:)`` does, with the same options and errors;
/// both paths NULL, or a NULL out pointer, give `E_INVALIDARG`.
@discardableResult
public func PathAllocCombine(_ pszPathIn: PCWSTR!, _ pszMore: PCWSTR!, _ dwFlags: ULONG,
                             _ ppszPathOut: UnsafeMutablePointer<PWSTR?>!) -> HRESULT
{
    return withCurrentThread(failure: invalidArgument) { (thread: borrowing SimThread) in
        guard let ppszPathOut else { return invalidArgument }
        thread.store(nil, into: ppszPathOut, call: "PathAllocCombine")
        let first = pszPathIn.map { callerWideString($0) }
        let second = pszMore.map { callerWideString($0) }
        let call = "PathAllocCombine(\"\(first ?? "NULL")\", \"\(second ?? "NULL")\", 0x\(String(dwFlags, radix: 16)))"
        guard first != nil || second != nil else {
            thread.traceResult(call, "0x80070057")
            return invalidArgument
        }
        return allocate(canonicalize(combined(first ?? "", second ?? ""), options: dwFlags), into: ppszPathOut, thread, call,
                        "PathAllocCombine")
    }
}

/// The two paths as one, before canonicalization.
func combined(_ first: String, _ second: String) -> String {
    if second.isEmpty { return first }
    let characters = Array(second)
    let qualified = second.hasPrefix(#"\\"#) || (characters.count >= 2 && characters[1] == ":" && characters[0].isLetter)
    // A bare drive (`C:`) is its root (`C:\`).
    if characters.count == 2, characters[1] == ":", characters[0].isLetter { return second + #"\"# }
    if qualified || first.isEmpty { return second }
    if second.hasPrefix(#"\"#) {
        let head = Array(first)
        if head.count >= 2, head[1] == ":", head[0].isLetter { return String(head[0...1]) + second }
        if first.hasPrefix(#"\\"#) {
            // \\server\share keeps its share: the root of a UNC path is two components deep.
            let components = first.dropFirst(2).split(separator: "\\", maxSplits: 2, omittingEmptySubsequences: false)
            return #"\\"# + components.prefix(2).joined(separator: #"\"#) + second
        }
        return second
    }
    return first + (first.hasSuffix(#"\"#) ? "" : #"\"#) + second
}

/// Hands a canonical path to the caller in a `LocalAlloc` block, or returns the failure.
private func allocate(_ result: Canonical, into out: UnsafeMutablePointer<PWSTR?>, _ thread: SimThread, _ call: String,
                      _ function: StaticString) -> HRESULT
{
    switch result {
    case .failure(let hresult):
        thread.traceResult(call, "0x" + String(UInt32(bitPattern: hresult), radix: 16))
        return hresult
    case .success(let canonical):
        let units = Array(canonical.utf16) + [0]
        guard let block = LocalAlloc(UINT(LMEM_FIXED), SIZE_T(units.count * 2)) else { return outOfMemory }
        guard thread.writeToCaller(units, at: block, call: function) else {
            LocalFree(block)
            return outOfMemory
        }
        thread.store(block.assumingMemoryBound(to: WCHAR.self), into: out, call: function)
        thread.traceResult(call, "S_OK, \"\(canonical)\"")
        return S_OK
    }
}

enum Canonical {
    case success(String)
    case failure(HRESULT)
}

func canonicalize(_ input: String, options flags: ULONG) -> Canonical {
    func has(_ option: PATHCCH_OPTIONS) -> Bool { flags & ULONG(option.rawValue) != 0 }
    let known: ULONG = 0x7F
    let forceEnable = has(PATHCCH_FORCE_ENABLE_LONG_NAME_PROCESS), forceDisable = has(PATHCCH_FORCE_DISABLE_LONG_NAME_PROCESS)
    let allowLong = has(PATHCCH_ALLOW_LONG_PATHS), extended = has(PATHCCH_ENSURE_IS_EXTENDED_LENGTH_PATH)
    if flags & ~known != 0 || ((forceEnable || forceDisable) && !allowLong) || (forceEnable && forceDisable)
        || (extended && allowLong)
    {
        return .failure(invalidArgument)
    }
    guard input.utf16.count < Int(PATHCCH_MAX_CCH) else { return .failure(filenameExceedsRange) }
    var path = input
    if has(PATHCCH_CANONICALIZE_SLASHES) {
        path = path.replacingSlashes()
    }
    let normalizeSegments = !has(PATHCCH_DO_NOT_NORMALIZE_SEGMENTS) && !extended

    // The root, which `..` never removes, and whether its first segment follows a separator.
    var root = ""
    var rest = Substring(path)
    func take(_ prefix: String) -> Bool {
        guard rest.hasPrefix(prefix) else { return false }
        root += prefix
        rest = rest.dropFirst(prefix.count)
        return true
    }
    func takeDrive() -> Bool {
        let characters = Array(rest.prefix(2))
        guard characters.count == 2, characters[0].isASCII, characters[0].isLetter, characters[1] == ":" else { return false }
        root += String(characters)
        rest = rest.dropFirst(2)
        return true
    }
    var isUNC = false
    var isDrive = false
    if take(#"\\?\UNC\"#) {
        isUNC = true
    } else if take(#"\\?\"#) {
        if takeDrive() {
            isDrive = true
            // `\\?\C:` is the drive's root (Wine's alloccanonicalize_tests: `C:\`).
            if !take(#"\"#) { root += #"\"# }
        }
    } else if take(#"\\"#) {
        isUNC = true
    } else if takeDrive() {
        isDrive = true
        _ = take(#"\"#)
    } else {
        _ = take(#"\"#)
    }
    let navigable = root.isEmpty || root.hasSuffix(#"\"#)

    var segments: [Substring] = []
    let parts = rest.split(separator: "\\", omittingEmptySubsequences: false)
    var trailingSeparator = rest.hasSuffix(#"\"#)
    for (index, part) in parts.enumerated() {
        let isLast = index == parts.count - 1
        if index == parts.count - 1, part.isEmpty { break }
        if navigable || index > 0 {
            if part == "." {
                if isLast { trailingSeparator = false }
                continue
            }
            if part == ".." {
                if !segments.isEmpty { segments.removeLast() }
                if isLast { trailingSeparator = false }
                continue
            }
        }
        var segment = part
        if normalizeSegments {
            while segment.hasSuffix(".") { segment = segment.dropLast() }
            if segment.isEmpty { continue }
        }
        segments.append(segment)
    }
    var result = root + segments.joined(separator: #"\"#)
    if trailingSeparator, !segments.isEmpty { result += #"\"# }
    if result.isEmpty { result = #"\"# }
    if has(PATHCCH_ENSURE_TRAILING_SLASH), !result.hasSuffix(#"\"#) { result += #"\"# }

    // The `\\?\` of a drive or UNC path goes (`\\?\C:\a` is `C:\a`, `\\?\UNC\a` is `\\a`), to come
    // back below if the result needs it (Wine's alloccanonicalize_tests).
    if isDrive, result.hasPrefix(#"\\?\"#) {
        result.removeFirst(4)
    } else if isUNC, result.hasPrefix(#"\\?\UNC\"#) {
        result = #"\\"# + result.dropFirst(8)
    }
    let prefixed = result.hasPrefix(#"\\?\"#)
    if extended, isDrive, !prefixed { result = #"\\?\"# + result }
    if result.utf16.count >= Int(MAX_PATH) {
        guard allowLong else { return .failure(filenameExceedsRange) }
        if !forceEnable, !result.hasPrefix(#"\\?\"#) {
            if isDrive {
                result = #"\\?\"# + result
            } else if isUNC {
                result = #"\\?\UNC\"# + result.dropFirst(2)
            }
        }
    }
    guard result.utf16.count < Int(PATHCCH_MAX_CCH) else { return .failure(filenameExceedsRange) }
    return .success(result)
}

private extension String {
    /// `/` as `\`, and runs of separators after the first character as one.
    func replacingSlashes() -> String {
        var out = ""
        for character in self {
            let c: Character = character == "/" ? "\\" : character
            if c == "\\", out.count > 1, out.last == "\\" { continue }
            out.append(c)
        }
        return out
    }
}

/// Removes the `\\?\` prefix of a DOS path in place (`\\?\C:\a` becomes `C:\a`,
/// `\\?\UNC\server\share` becomes `\\server\share`). The corresponding Win32 function is
/// `PathCchStripPrefix` (pathcch.h): `S_OK` when it removed a prefix, `S_FALSE` when there was
/// none to remove (a `\\?\Volume{…}` path keeps its own), `E_INVALIDARG` for a NULL path or a
/// size of 0 or more than `PATHCCH_MAX_CCH`.
@discardableResult
public func PathCchStripPrefix(_ pszPath: PWSTR!, _ cchPath: Int) -> HRESULT {
    return withCurrentThread(failure: invalidArgument) { (thread: borrowing SimThread) in
        guard let pszPath, cchPath > 0, cchPath <= Int(PATHCCH_MAX_CCH) else { return invalidArgument }
        let path = callerWideString(pszPath)
        let characters = Array(path)
        let stripped: String
        if path.uppercased().hasPrefix(#"\\?\UNC\"#) {
            stripped = #"\\"# + path.dropFirst(8)
        } else if path.hasPrefix(#"\\?\"#), characters.count >= 6, characters[4].isLetter, characters[5] == ":" {
            stripped = String(path.dropFirst(4))
        } else {
            return S_FALSE
        }
        guard thread.writeToCaller(Array(stripped.utf16) + [0], at: UnsafeMutableRawPointer(pszPath), call: "PathCchStripPrefix")
        else { return invalidArgument }
        return S_OK
    }
}

/// Whether a path is relative. The corresponding Win32 function is shlwapi's `PathIsRelativeW`:
/// FALSE for a path that starts with `\` or a drive (`C:`), TRUE otherwise, NULL and the empty
/// string included.
@discardableResult
public func PathIsRelativeW(_ pszPath: LPCWSTR!) -> Bool {
    guard currentThread() != nil else { return true }
    guard let pszPath else { return true }
    let characters = Array(callerWideString(pszPath).utf16.prefix(2))
    guard let first = characters.first else { return true }
    return !(first == 0x5C || (characters.count == 2 && characters[1] == 0x3A))
}
