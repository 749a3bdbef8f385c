import IOKernel

/// Locks a byte range of a file of the simulated volume, shared or exclusive, waiting for it if
/// need be.
///
/// The corresponding Win32 function is `LockFileEx`. The range starts at the `OVERLAPPED`'s
/// `Offset`/`OffsetHigh` (required); `LOCKFILE_EXCLUSIVE_LOCK` asks for an exclusive lock, else a
/// shared one. A lock nothing conflicts with is granted at once (`TRUE`). Otherwise, with
/// `LOCKFILE_FAIL_IMMEDIATELY`, the call fails with `ERROR_LOCK_VIOLATION`; without it, on an
/// overlapped handle it fails with `ERROR_IO_PENDING` and the request completes like any IRP when
/// the conflicting locks go (the `OVERLAPPED`, its event, the completion port; `CancelIoEx`
/// cancels it), and on a synchronous handle the caller waits. A non-zero `dwReserved` is
/// `ERROR_INVALID_PARAMETER`, as Wine's kernel32 checks it. See ``ByteRangeLock`` for the rules.
@discardableResult
public func LockFileEx(_ hFile: HANDLE!, _ dwFlags: DWORD, _ dwReserved: DWORD, _ nNumberOfBytesToLockLow: DWORD,
                       _ nNumberOfBytesToLockHigh: DWORD, _ lpOverlapped: LPOVERLAPPED!) -> Bool
{
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        let length = UInt64(nNumberOfBytesToLockHigh) << 32 | UInt64(nNumberOfBytesToLockLow)
        let result = thread.withKernel { kernel -> Bool in
            guard dwReserved == 0 else { return thread.fail(ERROR_INVALID_PARAMETER) }
            guard let overlapped = lpOverlapped, kernel.userOverlappedIsAccessible(overlapped) else {
                return thread.fail(ERROR_NOACCESS)
            }
            overlapped.pointee.Internal = ULONG_PTR(STATUS_PENDING)
            let event = overlapped.pointee.hEvent.map { UInt(bitPattern: $0) }
            let offset = UInt64(overlapped.pointee.OffsetHigh) << 32 | UInt64(overlapped.pointee.Offset)
            // As for ReadFile: the OVERLAPPED is the packet's context unless hEvent's low bit is set.
            let context = (event ?? 0) & 1 != 0 ? nil : UnsafeMutableRawPointer(overlapped)
            let status = kernel.withKernelEntry {
                kernel.ntLockFile(handle: value(hFile), event: event, apcContext: context,
                                  ioStatus: UnsafeMutableRawPointer(overlapped), offset: offset, length: length,
                                  exclusive: dwFlags & DWORD(LOCKFILE_EXCLUSIVE_LOCK) != 0,
                                  failImmediately: dwFlags & DWORD(LOCKFILE_FAIL_IMMEDIATELY) != 0)
            }
            if status == .pending { return thread.fail(ERROR_IO_PENDING) }
            return status.isSuccess ? true : thread.fail(status)
        }
        thread.traceBool("LockFileEx(\(hex(handle: hFile)), 0x\(String(dwFlags, radix: 16)), \(length) bytes, ov: \(thread.name(overlapped: lpOverlapped)))", result)
        return result
    }
}

/// Locks a byte range for exclusive access, without waiting. The corresponding Win32 function is
/// `LockFile`: ``LockFileEx(_:_:_:_:_:_:)`` with `LOCKFILE_EXCLUSIVE_LOCK |
/// LOCKFILE_FAIL_IMMEDIATELY` and the offset given directly (`ERROR_LOCK_VIOLATION` on a conflict).
@discardableResult
public func LockFile(_ hFile: HANDLE!, _ dwFileOffsetLow: DWORD, _ dwFileOffsetHigh: DWORD,
                     _ nNumberOfBytesToLockLow: DWORD, _ nNumberOfBytesToLockHigh: DWORD) -> Bool
{
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        let offset = UInt64(dwFileOffsetHigh) << 32 | UInt64(dwFileOffsetLow)
        let length = UInt64(nNumberOfBytesToLockHigh) << 32 | UInt64(nNumberOfBytesToLockLow)
        let (status, _) = issueWithOwnStatusBlock(thread, hFile) { ioStatus in
            thread.kernel.ntLockFile(handle: value(hFile), event: nil, apcContext: nil, ioStatus: ioStatus, offset: offset,
                                     length: length, exclusive: true, failImmediately: true)
        }
        let result = status.isSuccess && status != .pending ? true : thread.fail(status)
        thread.traceBool("LockFile(\(hex(handle: hFile)), \(offset), \(length))", result)
        return result
    }
}

/// Unlocks a byte range locked through this handle. The corresponding Win32 function is
/// `UnlockFileEx`: the range starts at the `OVERLAPPED`'s offset and must be exactly a range this
/// handle locked (`ERROR_NOT_LOCKED` otherwise); where the handle holds an exclusive and a shared
/// lock of it, the exclusive one goes first. Unlocking is synchronous: the `OVERLAPPED` only
/// gives the offset. A non-zero `dwReserved` is `ERROR_INVALID_PARAMETER`.
@discardableResult
public func UnlockFileEx(_ hFile: HANDLE!, _ dwReserved: DWORD, _ nNumberOfBytesToUnlockLow: DWORD,
                         _ nNumberOfBytesToUnlockHigh: DWORD, _ lpOverlapped: LPOVERLAPPED!) -> Bool
{
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        let length = UInt64(nNumberOfBytesToUnlockHigh) << 32 | UInt64(nNumberOfBytesToUnlockLow)
        let result = thread.withKernel { kernel -> Bool in
            guard dwReserved == 0 else { return thread.fail(ERROR_INVALID_PARAMETER) }
            guard let overlapped = lpOverlapped, kernel.userOverlappedIsAccessible(overlapped) else {
                return thread.fail(ERROR_NOACCESS)
            }
            let offset = UInt64(overlapped.pointee.OffsetHigh) << 32 | UInt64(overlapped.pointee.Offset)
            let status = kernel.withKernelEntry { kernel.ntUnlockFile(handle: value(hFile), offset: offset, length: length) }
            return status.isSuccess ? true : thread.fail(status)
        }
        thread.traceBool("UnlockFileEx(\(hex(handle: hFile)), \(length) bytes, ov: \(thread.name(overlapped: lpOverlapped)))", result)
        return result
    }
}

/// Unlocks a byte range locked through this handle. The corresponding Win32 function is
/// `UnlockFile`: ``UnlockFileEx(_:_:_:_:_:)`` with the offset given directly.
@discardableResult
public func UnlockFile(_ hFile: HANDLE!, _ dwFileOffsetLow: DWORD, _ dwFileOffsetHigh: DWORD,
                       _ nNumberOfBytesToUnlockLow: DWORD, _ nNumberOfBytesToUnlockHigh: DWORD) -> Bool
{
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        let offset = UInt64(dwFileOffsetHigh) << 32 | UInt64(dwFileOffsetLow)
        let length = UInt64(nNumberOfBytesToUnlockHigh) << 32 | UInt64(nNumberOfBytesToUnlockLow)
        let result = thread.withKernel { kernel -> Bool in
            let status = kernel.withKernelEntry { kernel.ntUnlockFile(handle: value(hFile), offset: offset, length: length) }
            return status.isSuccess ? true : thread.fail(status)
        }
        thread.traceBool("UnlockFile(\(hex(handle: hFile)), \(offset), \(length))", result)
        return result
    }
}
