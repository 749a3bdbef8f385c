/// Notifications that Windows throws away without a word, kept for the teardown report.
///
/// A user APC queued to a thread that exits without another alertable wait is discarded
/// (nt-io-model §4: `KeRundownThread` flushes the user APC queue), and the completion packets
/// still queued to a port whose last handle closes are freed with it (nt-io-model §6.1). Either
/// way the program never learns that the requests behind them ended, which is a bug in it, so
/// ``Simulation/finish()`` lists them with what was never delivered or dequeued. The kernel keeps
/// the first ``Kernel/discardedNotificationLimit`` of each and counts the rest.
extension Kernel {
    /// A thread is exiting with user APCs queued: each is reported with its thread, what it is
    /// and where it was queued.
    func recordDiscardedAPCs(of thread: SimThread) {
        for apc in thread.userAPCs {
            guard discardedAPCs.hasRoom else {
                discardedAPCs.countDropped()
                continue
            }
            discardedAPCs.append("\(thread.name): \(apc.label), \(apc.origin); discarded when \(thread.name) exited")
        }
    }

    /// A packet that no one can dequeue any more: its port's last handle closed. A packet of a
    /// request that succeeded at once is not reported: the call's `TRUE` told the program.
    func recordDiscardedPacket(_ packet: CompletionPacket, of port: CompletionPort) {
        if packet.hasOrigin, !packet.originPendingReturned { return }
        guard discardedPackets.hasRoom else {
            discardedPackets.countDropped()
            return
        }
        discardedPackets.append(TeardownReport.UndequeuedPacket(
            port: port.label, key: packet.key, overlapped: UInt(bitPattern: packet.overlapped),
            overlappedName: trace.name(of: UInt(bitPattern: packet.overlapped), "ov"), status: packet.status,
            discardedWhenPortClosed: true))
        if tracing { record(.note("a completion packet (key \(packet.key)) discarded: \(port.label) is closed")) }
    }
}
