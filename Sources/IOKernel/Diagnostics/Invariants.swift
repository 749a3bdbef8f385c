/// The kernel's structural invariants, checked from outside a step (between two Win32 calls),
/// as the VOPR does after every call (`IOVOPR`). Each broken one is described in a sentence.
///
/// - Every IRP in use is on exactly one list (its thread's, or its file object's list of
///   thread-agnostic IRPs), unless a thread's exit disassociated it (nt-io-model §4.2); no IRP
///   on a list has been freed or delivered, and a file object's count of live IRPs is the
///   number of IRPs in use on it.
/// - Every object's handle count is the number of handle-table entries naming it.
/// - Every file object's pointer count is its handles plus its live IRPs (each request holds
///   one reference until completion processing) plus the waits on it (a wait for it, or for
///   its lock by a request not yet issued); no count is negative.
/// - Virtual time never goes back (checked by the caller, which sees it move).
extension Kernel {
    package func invariantViolations() -> [String] {
        var problems: [String] = []
        // IRPs: each on one list.
        var onLists: [ObjectIdentifier: String] = [:]
        var liveOnFile: [ObjectIdentifier: Int] = [:]
        func visit(_ irp: IRP, _ list: String, agnostic: Bool) {
            if let other = onLists.updateValue(list, forKey: ObjectIdentifier(irp)) {
                problems.append("\(irp.label) is on two lists: \(other) and \(list)")
            }
            if irp.isFree || irp.state == .delivered {
                problems.append("\(irp.label) is on \(list) but was \(irp.isFree ? "freed" : "delivered")")
            }
            if irp.isThreadAgnostic != agnostic {
                problems.append("\(irp.label) is on \(list) but is \(irp.isThreadAgnostic ? "" : "not ")thread-agnostic")
            }
        }
        for thread in threads { for irp in thread.irps { visit(irp, "\(thread.name)'s list", agnostic: false) } }
        for file in fileObjects { for irp in file.agnosticIRPs { visit(irp, "\(file.label)'s agnostic list", agnostic: true) } }
        for irp in irpLookaside.inUse {
            liveOnFile[ObjectIdentifier(irp.fileObject), default: 0] += 1
            let disassociated = irp.thread == nil && !irp.isThreadAgnostic
            if onLists[ObjectIdentifier(irp)] == nil && !disassociated {
                problems.append("\(irp.label) (\(irp.major.rawValue), \(irp.state)) is in use but on no list")
            }
        }
        // Handles.
        var handleCounts: [ObjectIdentifier: Int] = [:]
        for entry in handles.entries { handleCounts[ObjectIdentifier(entry.object), default: 0] += 1 }
        var objects: [KernelObject] = fileObjects
        objects += ports as [KernelObject]
        objects += threads as [KernelObject]
        for entry in handles.entries where !objects.contains(where: { $0 === entry.object }) { objects.append(entry.object) }
        // Waits hold a reference on each object waited for.
        var waitReferences: [ObjectIdentifier: Int] = [:]
        for thread in threads {
            switch thread.waitingFor {
            case .objects(let waited, _, _):
                for object in waited { waitReferences[ObjectIdentifier(object), default: 0] += 1 }
            case .fileLock(let file):
                // The request referenced the file object before waiting for its lock.
                waitReferences[ObjectIdentifier(file), default: 0] += 1
            default:
                break
            }
        }
        for object in objects {
            let id = ObjectIdentifier(object)
            let expectedHandles = handleCounts[id] ?? 0
            if object.handleCount != expectedHandles {
                problems.append("\(object.label) has handle count \(object.handleCount) but \(expectedHandles) handle(s) in the table")
            }
            if object.pointerCount < 0 || object.handleCount < 0 {
                problems.append("\(object.label) has a negative count (handles \(object.handleCount), pointers \(object.pointerCount))")
            }
            guard let file = object as? FileObject else { continue }
            let live = liveOnFile[id] ?? 0
            if file.liveIRPCount != live {
                problems.append("\(file.label) counts \(file.liveIRPCount) live IRP(s) but \(live) are in use on it")
            }
            let expected = expectedHandles + live + (waitReferences[id] ?? 0)
            if file.pointerCount != expected {
                problems.append("\(file.label) has pointer count \(file.pointerCount) but \(expectedHandles) handle(s), "
                    + "\(live) live IRP(s) and \(waitReferences[id] ?? 0) wait(s) reference it")
            }
        }
        return problems
    }
}
