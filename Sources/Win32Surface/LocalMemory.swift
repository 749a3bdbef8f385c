import IOKernel

/// Allocates `uBytes` from the process heap. The corresponding Win32 function is `LocalAlloc`.
///
/// As on Windows, the local heap is the process heap: the block is a tracked ``HeapAlloc``
/// block (always zeroed), freed by ``LocalFree`` (or `HeapFree`), with the same checks and
/// limits. `LMEM_FIXED` and `LMEM_ZEROINIT` (`LPTR`) are what code that takes a pointer asks
/// for; `LMEM_MOVEABLE` memory, which hands out a handle for `LocalLock`, is not simulated
/// (NULL, `ERROR_NOT_SUPPORTED`), and flags outside `LMEM_VALID_FLAGS` are
/// `ERROR_INVALID_PARAMETER`.
@discardableResult
public func LocalAlloc(_ uFlags: UINT, _ uBytes: SIZE_T, file: StaticString = #fileID, line: UInt = #line) -> HLOCAL! {
    return withCurrentThread(failure: nil) { (thread: borrowing SimThread) in
        guard uFlags & ~UINT(LMEM_VALID_FLAGS) == 0 else {
            _ = thread.fail(ERROR_INVALID_PARAMETER)
            return nil
        }
        guard uFlags & UINT(LMEM_MOVEABLE) == 0 else {
            _ = thread.fail(ERROR_NOT_SUPPORTED)
            return nil
        }
        return HeapAlloc(GetProcessHeap(), 0, uBytes, file: file, line: line)
    }
}

/// Frees a block from ``LocalAlloc(_:_:file:line:)`` (or one a function allocated for the
/// caller, as `FormatMessageW` and `SetEntriesInAclW` do). The corresponding Win32 function is
/// `LocalFree`.
///
/// Returns NULL on success, and NULL for NULL; a pointer that is not a live heap block is
/// returned unchanged with `ERROR_INVALID_HANDLE` (and recorded as an invalid free).
@discardableResult
public func LocalFree(_ hMem: HLOCAL!, file: StaticString = #fileID, line: UInt = #line) -> HLOCAL! {
    return withCurrentThread(failure: hMem) { (thread: borrowing SimThread) in
        guard let hMem else { return nil }
        guard HeapFree(GetProcessHeap(), 0, hMem, file: file, line: line) else {
            _ = thread.fail(ERROR_INVALID_HANDLE)
            return hMem
        }
        return nil
    }
}
