#if !os(Windows)
@_exported import CRuntime

// The CRT's string and memory functions that Windows I/O code calls beside the Win32 API:
// `_strdup`, `_wcsdup`, `malloc`, `free`, `strnlen` and `atexit` come from the CRuntime C target
// (see CRuntime.h for why in C). Their memory is the host's `malloc`, as the CRT's is its own
// heap, not the process heap that HeapAlloc and LocalAlloc track. `atexit` functions run at the
// host's exit, not the simulated process's.

/// The length of a wide (UTF-16) string, in `WCHAR`s. The corresponding CRT function is
/// `wcslen`; Windows' `wchar_t` is 16 bits, so this is not the host's `wcslen`.
@discardableResult
public func wcslen(_ string: UnsafePointer<UInt16>!) -> Int {
    var length = 0
    while string[length] != 0 { length += 1 }
    return length
}
#endif
