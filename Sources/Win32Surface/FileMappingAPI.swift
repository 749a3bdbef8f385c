import IOKernel

// Memory-mapped files: file mapping objects (sections) over files of the simulated volume or
// the paging file, and views of them (IOKernel's Memory/SectionObject.swift, MappedView.swift
// and FileDataSection.swift say how a view's memory relates to the file).

/// Creates or opens a file mapping object over a file of the simulated volume, or over the
/// paging file when `hFile` is `INVALID_HANDLE_VALUE`.
///
/// The corresponding Win32 function is `CreateFileMappingW`. `flProtect` is `PAGE_READONLY`,
/// `PAGE_READWRITE`, `PAGE_WRITECOPY` or an `EXECUTE` form, optionally with `SEC_COMMIT` or
/// `SEC_RESERVE` and with them `SEC_NOCACHE` or `SEC_WRITECOMBINE` (which change nothing here);
/// any other protection is `ERROR_INVALID_PARAMETER` (`PAGE_NOACCESS` too, as Wine's virtual.c
/// test_MapViewOfFile shows), and so are the attribute combinations test_CreateFileMapping finds
/// Windows refusing (`SEC_NOCACHE` alone, `SEC_RESERVE | SEC_COMMIT`, `SEC_FILE`,
/// `SEC_LARGE_PAGES` but with `SEC_COMMIT` over the paging file, which is not simulated:
/// `ERROR_NOT_SUPPORTED`). `SEC_IMAGE` (alone or with `SEC_NOCACHE`) of the paging file or of a
/// file that is not an executable is `ERROR_BAD_EXE_FORMAT`; an executable image is not simulated
/// (`ERROR_NOT_SUPPORTED`). The size 0 means the file's size, and an empty file cannot be mapped
/// (`ERROR_FILE_INVALID`, test_MapFile in Wine's file.c); a size beyond the file's end extends
/// the file for a writable mapping and is `ERROR_NOT_ENOUGH_MEMORY` for another. The file must
/// have been opened for reading, and for writing too for `PAGE_READWRITE`
/// (`ERROR_ACCESS_DENIED`); a pipe or a directory is `ERROR_BAD_EXE_FORMAT`. A paging-file
/// mapping needs a size (`ERROR_INVALID_PARAMETER`). A name another mapping has gives a new
/// handle to that one with `ERROR_ALREADY_EXISTS` (the other arguments are ignored); the name of
/// an event is `ERROR_INVALID_HANDLE` (`Local\` and `Global\` as for ``CreateEventW(_:_:_:_:)``).
/// Returns NULL on failure.
@discardableResult
public func CreateFileMappingW(_ hFile: HANDLE!, _ lpFileMappingAttributes: LPSECURITY_ATTRIBUTES!, _ flProtect: DWORD,
                               _ dwMaximumSizeHigh: DWORD, _ dwMaximumSizeLow: DWORD, _ lpName: LPCWSTR!) -> HANDLE!
{
    let handle = createFileMapping("CreateFileMappingW", hFile, flProtect, dwMaximumSizeHigh, dwMaximumSizeLow,
                                   lpName.map(callerWideString))
    applyInheritance(handle, lpFileMappingAttributes)
    return handle
}

/// Creates or opens a file mapping object. The corresponding Win32 function is
/// `CreateFileMappingA`; see ``CreateFileMappingW(_:_:_:_:_:_:)``.
@discardableResult
public func CreateFileMappingA(_ hFile: HANDLE!, _ lpFileMappingAttributes: LPSECURITY_ATTRIBUTES!, _ flProtect: DWORD,
                               _ dwMaximumSizeHigh: DWORD, _ dwMaximumSizeLow: DWORD, _ lpName: LPCSTR!) -> HANDLE!
{
    let handle = createFileMapping("CreateFileMappingA", hFile, flProtect, dwMaximumSizeHigh, dwMaximumSizeLow,
                                   lpName.map(callerNarrowString))
    applyInheritance(handle, lpFileMappingAttributes)
    return handle
}

private func createFileMapping(_ function: String, _ hFile: HANDLE?, _ flProtect: DWORD, _ high: DWORD, _ low: DWORD,
                               _ name: String?) -> HANDLE?
{
    withCurrentThread(named: function, failure: nil) { (thread: borrowing SimThread) in
        let size = UInt64(high) << 32 | UInt64(low)
        let file: UInt? = hFile == INVALID_HANDLE_VALUE ? nil : value(hFile)
        let (status, handle, existed) = createNamedObject(name) { key in
            thread.withKernel { kernel in
                kernel.withKernelEntry {
                    kernel.ntCreateSection(fileHandle: file, protection: flProtect, maximumSize: size, name: key, inherit: false)
                }
            }
        }
        let result: HANDLE?
        if status.isSuccess {
            thread.setLastError(existed ? DWORD(ERROR_ALREADY_EXISTS) : DWORD(ERROR_SUCCESS))
            result = HANDLE(bitPattern: handle)
        } else {
            _ = thread.fail(status)
            result = nil
        }
        thread.traceResult("\(function)(\(hex(handle: hFile)), 0x\(String(flProtect, radix: 16)), \(size), \(name ?? "NULL"))",
                           result == nil ? "NULL, \(win32ErrorName(thread.lastError))" : hex(handle: result))
        return result
    }
}

/// Opens a named file mapping object. The corresponding Win32 function is `OpenFileMappingW`:
/// a new handle with `dwDesiredAccess` (`FILE_MAP_READ`, `FILE_MAP_WRITE`,
/// `FILE_MAP_ALL_ACCESS`…), which limits the views it can map; `ERROR_FILE_NOT_FOUND` if no
/// mapping has the name (a mapping leaves the namespace when its last handle closes, even if a
/// view keeps it alive), `ERROR_INVALID_HANDLE` for an event's name, `ERROR_INVALID_PARAMETER`
/// for NULL. Returns NULL on failure.
@discardableResult
public func OpenFileMappingW(_ dwDesiredAccess: DWORD, _ bInheritHandle: Bool, _ lpName: LPCWSTR!) -> HANDLE! {
    openFileMapping("OpenFileMappingW", dwDesiredAccess, bInheritHandle, lpName.map(callerWideString))
}

/// Opens a named file mapping object. The corresponding Win32 function is `OpenFileMappingA`;
/// see ``OpenFileMappingW(_:_:_:)``.
@discardableResult
public func OpenFileMappingA(_ dwDesiredAccess: DWORD, _ bInheritHandle: Bool, _ lpName: LPCSTR!) -> HANDLE! {
    openFileMapping("OpenFileMappingA", dwDesiredAccess, bInheritHandle, lpName.map(callerNarrowString))
}

private func openFileMapping(_ function: String, _ access: DWORD, _ inherit: Bool, _ name: String?) -> HANDLE? {
    withCurrentThread(named: function, failure: nil) { (thread: borrowing SimThread) in
        guard let name else {
            _ = thread.fail(ERROR_INVALID_PARAMETER)
            thread.traceResult("\(function)(0x\(String(access, radix: 16)), NULL)", "NULL, ERROR_INVALID_PARAMETER")
            return nil
        }
        let (status, handle): (NTStatus, UInt)
        if let key = ObjectNamespace.key(for: name) {
            (status, handle) = thread.withKernel { kernel in
                kernel.withKernelEntry { kernel.ntOpenSection(name: key, access: access, inherit: inherit) }
            }
        } else {
            (status, handle) = (.objectPathNotFound, 0)
        }
        let result = status.isSuccess ? HANDLE(bitPattern: handle) : nil
        if result == nil { _ = thread.fail(status) }
        thread.traceResult("\(function)(0x\(String(access, radix: 16)), \(name))",
                           result == nil ? "NULL, \(win32ErrorName(thread.lastError))" : hex(handle: result))
        return result
    }
}

/// Maps a view of a file mapping into the process. The corresponding Win32 function is
/// `MapViewOfFile`: ``MapViewOfFileEx(_:_:_:_:_:_:)`` with no base address.
@discardableResult
public func MapViewOfFile(_ hFileMappingObject: HANDLE!, _ dwDesiredAccess: DWORD, _ dwFileOffsetHigh: DWORD,
                          _ dwFileOffsetLow: DWORD, _ dwNumberOfBytesToMap: SIZE_T) -> LPVOID!
{
    mapView("MapViewOfFile", hFileMappingObject, dwDesiredAccess, dwFileOffsetHigh, dwFileOffsetLow, dwNumberOfBytesToMap, nil)
}

/// Maps a view of a file mapping into the process: memory that shows the file from the offset,
/// which the program reads and (with `FILE_MAP_WRITE`) writes.
///
/// The corresponding Win32 function is `MapViewOfFileEx`. `FILE_MAP_WRITE` (or
/// `FILE_MAP_ALL_ACCESS`) maps a read-write view, which needs a handle with `FILE_MAP_WRITE`
/// access to a `PAGE_READWRITE` mapping; `FILE_MAP_COPY` a copy-on-write view (stores stay in
/// the view); `FILE_MAP_READ` a read-only one, which needs `FILE_MAP_READ` access
/// (`ERROR_ACCESS_DENIED` otherwise) and whose memory no call may write (`ReadFile` into it is
/// `ERROR_NOACCESS`, and a store the program makes is a violation). The offset must be a multiple of the allocation
/// granularity, 64 KiB (`ERROR_MAPPED_ALIGNMENT`); `dwNumberOfBytesToMap` 0 maps to the end of
/// the mapping, and a view that would reach past it is `ERROR_ACCESS_DENIED`. Stores through a
/// read-write view are in the file for `ReadFile`, other views and other processes without a
/// flush (see IOKernel's `FileDataSection`). `lpBaseAddress` must be 64 KiB aligned
/// (`ERROR_MAPPED_ALIGNMENT`) and is never available (`ERROR_INVALID_ADDRESS`): the simulator
/// places views in memory it owns. Returns NULL on failure.
@discardableResult
public func MapViewOfFileEx(_ hFileMappingObject: HANDLE!, _ dwDesiredAccess: DWORD, _ dwFileOffsetHigh: DWORD,
                            _ dwFileOffsetLow: DWORD, _ dwNumberOfBytesToMap: SIZE_T, _ lpBaseAddress: LPVOID!) -> LPVOID!
{
    mapView("MapViewOfFileEx", hFileMappingObject, dwDesiredAccess, dwFileOffsetHigh, dwFileOffsetLow, dwNumberOfBytesToMap,
            lpBaseAddress)
}

private func mapView(_ function: String, _ mapping: HANDLE?, _ access: DWORD, _ high: DWORD, _ low: DWORD, _ count: SIZE_T,
                     _ base: LPVOID?) -> LPVOID?
{
    withCurrentThread(named: function, failure: nil) { (thread: borrowing SimThread) in
        let offset = UInt64(high) << 32 | UInt64(low)
        let (status, view) = thread.withKernel { kernel in
            kernel.withKernelEntry {
                kernel.ntMapViewOfSection(handle: value(mapping), desiredAccess: access, offset: offset, length: UInt64(count),
                                          baseAddress: base.map { UInt(bitPattern: $0) })
            }
        }
        if view == nil { _ = thread.fail(status) }
        thread.traceResult("\(function)(\(hex(handle: mapping)), 0x\(String(access, radix: 16)), \(offset), \(count))",
                           view == nil ? "NULL, \(win32ErrorName(thread.lastError))" : "a view")
        return view
    }
}

/// Unmaps a view. The corresponding Win32 function is `UnmapViewOfFile`: what the view stored
/// is in the file, its memory is freed (a later use of it is a use of freed memory), and the
/// mapping object goes once its handles are closed too. Any address inside the view is
/// accepted, as `NtUnmapViewOfSection` accepts it; another address (NULL, a heap block, a view
/// already unmapped) is `ERROR_INVALID_ADDRESS`.
@discardableResult
public func UnmapViewOfFile(_ lpBaseAddress: LPCVOID!) -> Bool {
    withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        let address = lpBaseAddress.map { UInt(bitPattern: $0) } ?? 0
        let status = thread.withKernel { kernel in kernel.withKernelEntry { kernel.ntUnmapViewOfSection(address: address) } }
        let result = status.isSuccess ? true : thread.fail(status)
        thread.traceBool("UnmapViewOfFile(\(lpBaseAddress == nil ? "NULL" : "a view"))", result)
        return result
    }
}

/// Writes a view's changes to the file. The corresponding Win32 function is `FlushViewOfFile`:
/// the bytes stored through the view in the pages from `lpBaseAddress` (`dwNumberOfBytesToFlush`
/// 0: to the end of the view) are in the file and the other views; here every view's stores
/// also are whenever the file is read (the file is its own cache). The range must lie in one
/// view: an address in no view, or a range past the end of its view, is `ERROR_INVALID_ADDRESS`,
/// and a count that runs past the user address space `ERROR_INVALID_PARAMETER`
/// (ZwFlushVirtualMemory's `STATUS_NOT_MAPPED_VIEW` and `STATUS_INVALID_PARAMETER_2`).
@discardableResult
public func FlushViewOfFile(_ lpBaseAddress: LPCVOID!, _ dwNumberOfBytesToFlush: SIZE_T) -> Bool {
    withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        let address = lpBaseAddress.map { UInt(bitPattern: $0) } ?? 0
        let status = thread.withKernel { kernel in
            kernel.withKernelEntry { kernel.ntFlushViewOfSection(address: address, count: Int(clamping: dwNumberOfBytesToFlush)) }
        }
        let result = status.isSuccess ? true : thread.fail(status)
        thread.traceBool("FlushViewOfFile(\(lpBaseAddress == nil ? "NULL" : "a view"), \(dwNumberOfBytesToFlush))", result)
        return result
    }
}
