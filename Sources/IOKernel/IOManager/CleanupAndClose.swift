/// The two teardown requests of a file object (nt-io-model §1.3).
extension Kernel {
    /// The last handle to the file object closed: send `IRP_MJ_CLEANUP` in the context of the
    /// closing thread, and wait (not alertably) while the driver pends it. What happens to the
    /// I/O still pending on the file object is the driver's decision.
    func sendCleanup(_ file: FileObject) {
        guard !file.cleanupSent else { return }
        file.cleanupSent = true
        if tracing { record(.cleanupSent(file: file.id)) }
        let irp = IRP(id: takeIRPID(), major: .cleanup, fileObject: file, thread: current, length: 0,
                      byteOffset: nil, userIOSB: nil, userBuffer: nil, userEvent: nil, synchronousAPI: true)
        // The cleanup IRP is the I/O manager's own: it is on no thread's list, so no
        // cancellation call can find it, and its completion needs no processing in a thread.
        irp.thread = nil
        let returned = callDriver(irp) { file.device.driver.cleanup(irp, driverContext) }
        if returned == .pending, let thread = current {
            _ = waitUntil(thread, reason: .irp(irp), deadline: nil)
        }
        // A cleanup still pending here (the wait ended in a hang or a termination) stays the
        // driver's: its later completion is legitimate, not a second one.
        guard irp.state == .completed || irp.state == .delivered else { return }
        irp.state = .delivered
        if tracing { record(.cleanupCompleted(file: file.id, status: irp.status)) }
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
