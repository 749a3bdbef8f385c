import IOKernel

/// Requests cancellation of the I/O the *calling thread* issued on the handle's file object.
///
/// The corresponding Win32 function is `CancelIo`. It returns `TRUE` for any valid handle,
/// whether or not anything was pending, and does not wait: each request completes when its
/// driver completes it (at once for a driver whose cancel routine completes, later for a slow
/// one, normally or never for one that ignores cancellation). Requests issued by other
/// threads, or through another file object, are untouched. A closed or invalid handle gives
/// `ERROR_INVALID_HANDLE` (win32-facts F-CAN-1 … F-CAN-4).
@discardableResult
public func CancelIo(_ hFile: HANDLE!) -> Bool {
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        let kernel = thread.kernel
        let status = kernel.withKernelEntry { kernel.ntCancelIoFile(handle: value(hFile)) }
        let result = status.isSuccess ? true : thread.fail(status)
        thread.traceBool("CancelIo(\(hex(handle: hFile)))", result)
        return result
    }
}

/// Requests cancellation of the I/O on the handle's file object issued by any thread of the
/// process; with an `OVERLAPPED`, only the requests issued with that structure.
///
/// The corresponding Win32 function is `CancelIoEx`. It does not wait. It fails with
/// `ERROR_NOT_FOUND` when nothing matched, including a request the driver has already
/// completed, even if its completion has not yet been delivered (win32-facts F-CAN-5 …
/// F-CAN-7). Cancellation targets the file object, not the handle value: any handle to it
/// cancels I/O issued through any other (F-CAN-3).
@discardableResult
public func CancelIoEx(_ hFile: HANDLE!, _ lpOverlapped: LPOVERLAPPED!) -> Bool {
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        let kernel = thread.kernel
        let status = kernel.withKernelEntry { kernel.ntCancelIoFileEx(handle: value(hFile), ioStatus: lpOverlapped.map { UnsafeMutableRawPointer($0) }) }
        let result = status.isSuccess ? true : thread.fail(status)
        thread.traceBool("CancelIoEx(\(hex(handle: hFile)), ov: \(thread.name(overlapped: lpOverlapped)))", result)
        return result
    }
}

/// Requests cancellation of the synchronous I/O a thread is blocked in.
///
/// The corresponding Win32 function is `CancelSynchronousIo`. It does not wait; the blocked call
/// fails with `ERROR_OPERATION_ABORTED` once its driver completes the cancelled request. When the
/// thread is not blocked in synchronous I/O it fails with `ERROR_NOT_FOUND`; a bogus handle gives
/// `ERROR_INVALID_HANDLE` (win32-facts F-CAN-15, F-CAN-16). It cancels whatever synchronous call
/// the thread is in *now*: if that thread has moved on to its next call, that call is cancelled
/// (the race the seed `canceling-pending-io-operations` warns about).
@discardableResult
public func CancelSynchronousIo(_ hThread: HANDLE!) -> Bool {
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        let kernel = thread.kernel
        let status = kernel.withKernelEntry { kernel.ntCancelSynchronousIoFile(thread: value(hThread)) }
        let result = status.isSuccess ? true : thread.fail(status)
        thread.traceBool("CancelSynchronousIo(\(hex(handle: hThread)))", result)
        return result
    }
}
