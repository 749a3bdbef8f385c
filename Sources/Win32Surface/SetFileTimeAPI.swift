import IOKernel

/// Sets a file's creation, last-access and last-write times (any pointer may be NULL, leaving
/// that time). The corresponding Win32 function is `SetFileTime`: `NtSetInformationFile` with
/// `FileBasicInformation`, as ``SetFileInformationByHandle(_:_:_:_:)``'s `FileBasicInfo` does, so
/// the handle needs write access (`ERROR_ACCESS_DENIED`) and a handle that is no file or
/// directory on the simulated volume fails with the file system's status. A time of 0 leaves
/// it, and so does `0xFFFFFFFF_FFFFFFFF` (which on Windows also stops the system from updating
/// it for the handle's later writes; the simulation never updates times on its own afterwards
/// either way).
@discardableResult
public func SetFileTime(_ hFile: HANDLE!, _ lpCreationTime: UnsafePointer<FILETIME>!,
                        _ lpLastAccessTime: UnsafePointer<FILETIME>!, _ lpLastWriteTime: UnsafePointer<FILETIME>!) -> Bool
{
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        let result = thread.withKernel { kernel -> Bool in
            var times: [Int64] = []
            for pointer in [lpCreationTime, lpLastAccessTime, lpLastWriteTime] {
                guard let pointer else {
                    times.append(0)
                    continue
                }
                guard let time = thread.load(pointer, call: "SetFileTime") else { return thread.fail(ERROR_NOACCESS) }
                times.append(Int64(bitPattern: UInt64(time.dwHighDateTime) << 32 | UInt64(time.dwLowDateTime)))
            }
            let status = kernel.withKernelEntry {
                kernel.ntSetBasicInformation(handle: value(hFile), attributes: 0, creationTime: times[0],
                                             lastAccessTime: times[1], lastWriteTime: times[2], changeTime: 0)
            }
            return status.isSuccess ? true : thread.fail(status)
        }
        thread.traceBool("SetFileTime(\(hex(handle: hFile)))", result)
        return result
    }
}

/// Compares two file times. The corresponding Win32 function is `CompareFileTime`: -1 if the
/// first is earlier, 0 if they are equal, 1 if it is later.
@discardableResult
public func CompareFileTime(_ lpFileTime1: UnsafePointer<FILETIME>!, _ lpFileTime2: UnsafePointer<FILETIME>!) -> LONG {
    return withCurrentThread(failure: 0) { (thread: borrowing SimThread) in
        guard let first = lpFileTime1, let second = lpFileTime2,
              let a = thread.load(first, call: "CompareFileTime"), let b = thread.load(second, call: "CompareFileTime")
        else { return 0 }
        let left = UInt64(a.dwHighDateTime) << 32 | UInt64(a.dwLowDateTime)
        let right = UInt64(b.dwHighDateTime) << 32 | UInt64(b.dwLowDateTime)
        return left < right ? -1 : left == right ? 0 : 1
    }
}
