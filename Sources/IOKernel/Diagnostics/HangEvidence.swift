/// What explains a hang, beyond what each thread waits for: the state no thread can change any
/// more, found when the hang is reported.
///
/// - A port holding completion packets that no thread waits on (or whose waiters its
///   concurrency holds back): the requests behind them ended, and nobody will hear of it.
/// - An awaited event that is the event of no request in flight: only a `SetEvent` could set
///   it, and every thread is blocked.
/// - An awaited file object with no request in flight on it: nothing will signal it.
///
/// User APCs queued to a thread that waits non-alertably are named in that thread's line of
/// the ``HangReport``.
extension Kernel {
    func hangEvidence() -> [String] {
        var lines: [String] = []
        for port in ports where !port.isClosed && port.queuedPacketCount > 0 {
            let held = "\(port.label) holds \(port.queuedPacketCount) completion packet(s)"
            lines.append(port.waiters.isEmpty
                ? held + " and no thread waits on it"
                : held + " but its concurrency of \(port.concurrency) holds back its \(port.waiters.count) waiter(s)")
        }

        // The non-signalled events and file objects the blocked threads wait for, each once,
        // with the first thread that waits for it.
        var awaited: [(object: KernelObject, waiter: String)] = []
        var seen: Set<ObjectIdentifier> = []
        for thread in threads where thread.life == .alive {
            guard case .objects(let objects, _, _)? = thread.waitingFor else { continue }
            for object in objects where !object.signaled && (object.kind == .event || object.kind == .file) {
                if seen.insert(ObjectIdentifier(object)).inserted { awaited.append((object, thread.name)) }
            }
        }
        guard !awaited.isEmpty else { return lines }

        // What the requests in flight could still signal when they complete.
        var requestEvents: Set<ObjectIdentifier> = []
        var busyFiles: Set<ObjectIdentifier> = []
        func note(_ irp: IRP) {
            if let event = irp.userEvent { requestEvents.insert(ObjectIdentifier(event)) }
            busyFiles.insert(ObjectIdentifier(irp.fileObject))
        }
        for thread in threads { for irp in thread.irps { note(irp) } }
        for file in fileObjects { for irp in file.agnosticIRPs { note(irp) } }

        for (object, waiter) in awaited {
            if object.kind == .event, !requestEvents.contains(ObjectIdentifier(object)) {
                lines.append("\(object.label), awaited by \(waiter), is the event of no request in flight: "
                    + "only SetEvent could set it, and every thread is blocked")
            } else if object.kind == .file, !busyFiles.contains(ObjectIdentifier(object)) {
                lines.append("\(object.label), awaited by \(waiter), has no request in flight to signal it")
            }
        }
        return lines
    }
}
