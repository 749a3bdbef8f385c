import IOKernel

/// Formats a message: the system's text for an error code, or a string of the caller's, with
/// its inserts and escapes expanded. The corresponding Win32 function is `FormatMessageW`.
///
/// - Sources: `FORMAT_MESSAGE_FROM_SYSTEM` gives the text Microsoft publishes for every system
///   error code (0–15999, SystemErrorTable) followed by a line break, in English:
///   `dwLanguageId` 0, `LANG_NEUTRAL` or `LANG_ENGLISH` with any sublanguage, else
///   `ERROR_RESOURCE_LANG_NOT_FOUND`; an unknown code is `ERROR_MR_MID_NOT_FOUND`.
///   `FORMAT_MESSAGE_FROM_STRING` formats `lpSource` (not with the other two:
///   `ERROR_INVALID_PARAMETER`). The simulation has no modules with message tables:
///   `FORMAT_MESSAGE_FROM_HMODULE` alone is `ERROR_RESOURCE_TYPE_NOT_FOUND`, and with
///   `FROM_SYSTEM` falls back to the system's table.
/// - Inserts `%1`…`%99`, with an optional printf format between `!`s (`%1!d!`, `%2!-4X!`;
///   `s` by default; `S`/`hs` narrow strings, `c`, `C`, `d`, `i`, `u`, `x`, `X`, `o`, `p`, width,
///   precision, `l`/`w`/`h`/`ll`/`I64` sizes), read from `Arguments` as the
///   `DWORD_PTR` slots of `FORMAT_MESSAGE_ARGUMENT_ARRAY` or of an x64 `va_list`, both indexed by
///   insert number. A NULL string is `(null)`. `*` widths are not simulated
///   (`ERROR_INVALID_PARAMETER`). Inserts with NULL `Arguments` are `ERROR_INVALID_PARAMETER`,
///   which is why code passes `FORMAT_MESSAGE_IGNORE_INSERTS`; with it, inserts are copied as
///   they are.
/// - Escapes `%0` (end, no line break), `%n` (CR LF), `%r`, `%t`, `%%`, `%.`, `%!`, `% `; a lone
///   `%` is `ERROR_INVALID_PARAMETER`. Line breaks in the text become CR LF, or a space when the
///   low byte of `dwFlags` (`FORMAT_MESSAGE_MAX_WIDTH_MASK`) is not 0; lines are not wrapped to
///   a smaller width.
/// - Output: `nSize` `WCHAR`s at `lpBuffer`, NUL included, else `ERROR_INSUFFICIENT_BUFFER` with
///   what fits written and terminated; or, with `FORMAT_MESSAGE_ALLOCATE_BUFFER`, a tracked
///   block of at least `nSize` characters whose address is stored where `lpBuffer` points, for
///   ``LocalFree(_:file:line:)`` (the block is attributed to the caller's line). Returns the
///   number of characters without the NUL; an empty result is 0 with `ERROR_NO_WORK_DONE`. These
///   follow Wine's format_msg.c conformance tests.
@discardableResult
public func FormatMessageW(_ dwFlags: DWORD, _ lpSource: LPCVOID!, _ dwMessageId: DWORD, _ dwLanguageId: DWORD,
                           _ lpBuffer: LPWSTR!, _ nSize: DWORD,
                           _ Arguments: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>!,
                           file: StaticString = #fileID, line: UInt = #line) -> DWORD
{
    return withCurrentThread(failure: 0) { (thread: borrowing SimThread) in
        guard lpBuffer != nil else { return failFormat(thread, ERROR_INVALID_PARAMETER) }
        let request = MessageRequest(flags: dwFlags, source: lpSource, messageID: dwMessageId, languageID: dwLanguageId,
                                     arguments: Arguments, wide: true)
        let text: String
        switch request.format(thread) {
        case .failure(let failure): return failFormat(thread, failure.code)
        case .success(let formatted): text = formatted
        }
        return deliver(Array(text.utf16), flags: dwFlags, to: UnsafeMutableRawPointer(lpBuffer), size: nSize,
                       truncatesShortBuffer: true, thread, call: "FormatMessageW", file: file, line: line)
    }
}

/// The ANSI form of ``FormatMessageW(_:_:_:_:_:_:_:file:line:)``: strings and output are UTF-8
/// (the simulated ANSI code page). As Wine's tests show on Windows: a NULL `lpBuffer` is
/// `ERROR_INSUFFICIENT_BUFFER` (or `ERROR_NOT_ENOUGH_MEMORY` with
/// `FORMAT_MESSAGE_ALLOCATE_BUFFER`), a short buffer is left untouched, and a result of 32,767
/// bytes or more is `ERROR_INVALID_PARAMETER`.
@discardableResult
public func FormatMessageA(_ dwFlags: DWORD, _ lpSource: LPCVOID!, _ dwMessageId: DWORD, _ dwLanguageId: DWORD,
                           _ lpBuffer: LPSTR!, _ nSize: DWORD,
                           _ Arguments: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>!,
                           file: StaticString = #fileID, line: UInt = #line) -> DWORD
{
    return withCurrentThread(failure: 0) { (thread: borrowing SimThread) in
        let request = MessageRequest(flags: dwFlags, source: lpSource, messageID: dwMessageId, languageID: dwLanguageId,
                                     arguments: Arguments, wide: false)
        let text: String
        switch request.format(thread) {
        case .failure(let failure): return failFormat(thread, failure.code)
        case .success(let formatted): text = formatted
        }
        let bytes = Array(text.utf8)
        guard bytes.count < 32767 else { return failFormat(thread, ERROR_INVALID_PARAMETER) }
        guard lpBuffer != nil else {
            let allocates = dwFlags & DWORD(FORMAT_MESSAGE_ALLOCATE_BUFFER) != 0
            return failFormat(thread, allocates ? ERROR_NOT_ENOUGH_MEMORY : ERROR_INSUFFICIENT_BUFFER)
        }
        return deliver(bytes, flags: dwFlags, to: UnsafeMutableRawPointer(lpBuffer), size: nSize,
                       truncatesShortBuffer: false, thread, call: "FormatMessageA", file: file, line: line)
    }
}

private func failFormat(_ thread: SimThread, _ error: Int32) -> DWORD {
    _ = thread.fail(error)
    return 0
}

/// Writes the formatted characters (and a NUL) to the caller's buffer, or to a new block.
private func deliver<Unit: FixedWidthInteger>(_ units: [Unit], flags: DWORD, to buffer: UnsafeMutableRawPointer?,
                                              size: DWORD, truncatesShortBuffer: Bool, _ thread: SimThread,
                                              call: StaticString, file: StaticString, line: UInt) -> DWORD
{
    let unitSize = MemoryLayout<Unit>.stride
    let allocates = flags & DWORD(FORMAT_MESSAGE_ALLOCATE_BUFFER) != 0
    guard let buffer else { return failFormat(thread, ERROR_INVALID_PARAMETER) }
    if units.isEmpty {
        // With FORMAT_MESSAGE_ALLOCATE_BUFFER the caller's pointer is set to NULL.
        if allocates { _ = thread.writeToCaller([UInt(0)], at: buffer, call: call) }
        return failFormat(thread, ERROR_NO_WORK_DONE)
    }
    guard units.count < 1 << 24 else { return failFormat(thread, ERROR_NOT_ENOUGH_MEMORY) }
    if allocates {
        guard thread.userBufferIsAccessible(buffer, count: MemoryLayout<UInt>.size, writing: true, call: call) else {
            return failFormat(thread, ERROR_NOACCESS)
        }
        let characters = max(Int(size), units.count + 1)
        guard let block = HeapAlloc(GetProcessHeap(), 0, SIZE_T(characters * unitSize), file: file, line: line) else {
            return 0
        }
        _ = thread.writeToCaller(units + [0], at: block, call: call)
        _ = thread.writeToCaller([UInt(bitPattern: block)], at: buffer, call: call)
        return DWORD(units.count)
    }
    guard units.count < Int(size) else {
        // FormatMessageW writes what fits and terminates it; FormatMessageA writes nothing.
        if truncatesShortBuffer, size > 0 {
            _ = thread.writeToCaller(Array(units.prefix(Int(size) - 1)) + [0], at: buffer, call: call)
        }
        return failFormat(thread, ERROR_INSUFFICIENT_BUFFER)
    }
    guard thread.writeToCaller(units + [0], at: buffer, call: call) else { return failFormat(thread, ERROR_NOACCESS) }
    return DWORD(units.count)
}
