/// The two teardown requests of a file object (nt-io-model §1.3).
extension Kernel {
    /// The last handle to the file object closed (`IopCloseFile`). On a synchronous file object
    /// the closing thread first takes the file-object lock, as every I/O call on it does
    /// (nt-io-model §5): while another thread is blocked in a synchronous call on the file
    /// object, the close waits, not alertably, until that call ends (its data arrives, or
    /// `CancelSynchronousIo` or an earlier `CancelIoEx` cancels it). The handle is already gone
    /// from the table by then, so a `CancelIoEx` on it fails with `ERROR_INVALID_HANDLE`: programs
    /// hang here (golang/go issue 28477, whose fix cancels the I/O before closing).
    func closeLastHandle(_ file: FileObject) -> NTStatus {
        guard file.isSynchronous, let thread = current, file.lockOwner !== thread else {
            sendCleanup(file)
            return .success
        }
        if file.lockOwner == nil {
            file.lockOwner = thread
        } else {
            let locked = waitUntil(thread, reason: .fileLock(file), deadline: nil)
            // A hang or a termination: no cleanup now; the close of the last reference sends it.
            guard locked == .success else { return locked }
        }
        sendCleanup(file)
        if file.lockOwner === thread { file.lockOwner = nil }
        return .success
    }

    /// The last handle to the file object closed: send `IRP_MJ_CLEANUP` in the context of the
    /// closing thread, and wait (not alertably) while the driver pends it. What happens to the
    /// I/O still pending on the file object is the driver's decision.
    func sendCleanup(_ file: FileObject) {
        guard !file.cleanupSent else { return }
        file.cleanupSent = true
        if tracing { record(.cleanupSent(file: file.id)) }
        // The cleanup IRP is the I/O manager's own: it is on no thread's list, so no
        // cancellation call can find it, and its completion needs no processing in a thread.
        let irp = allocateIRP(.cleanup, fileObject: file, thread: nil, synchronousAPI: true)
        let returned = callDriver(irp) { file.device.driver.cleanup(irp, driverContext) }
        if returned == .pending, let thread = current {
            _ = waitUntil(thread, reason: .irp(irp), deadline: nil)
        }
        // A cleanup still pending here (the wait ended in a hang or a termination) stays the
        // driver's: its later completion is legitimate, not a second one.
        guard irp.state == .completed || irp.state == .delivered else { return }
        irp.state = .delivered
        if tracing { record(.cleanupCompleted(file: file.id, status: irp.status)) }
        irpLookaside.free(irp)
    }

    /// The last reference to the file object went: send `IRP_MJ_CLOSE`. By now every request
    /// on the file object has finished completion processing.
    func sendClose(_ file: FileObject) {
        if !file.cleanupSent { sendCleanup(file) }
        file.closeSent = true
        if tracing { record(.closeSent(file: file.id)) }
        file.device.driver.close(file, driverContext)
        // The file object's reference to its completion port goes with it (nt-io-model §1.3).
        if let port = file.completionPort { dereference(port, by: "\(file.label)'s completion binding") }
    }
}
