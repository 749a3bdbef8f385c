/// The object manager: references, handles, and the delete procedure.
extension Kernel {
    /// `ObReferenceObject`: one more kernel user of the object.
    @inline(__always) func reference(_ object: KernelObject, by user: String) {
        object.pointerCount &+= 1
        if tracing { record(.referenced(object: object.label, pointerCount: object.pointerCount, by: user)) }
    }

    /// `ObDereferenceObject`: one kernel user fewer; the last reference runs the delete
    /// procedure (for a file object: `IRP_MJ_CLOSE`).
    /// Inlined: on the I/O path it is a decrement and a test; the trace and the delete
    /// procedure are out of line.
    @inline(__always) func dereference(_ object: KernelObject, by user: String) {
        object.pointerCount &-= 1
        if tracing || object.pointerCount == 0 { dereferenced(object, by: user) }
    }

    @inline(never) private func dereferenced(_ object: KernelObject, by user: String) {
        if tracing { record(.dereferenced(object: object.label, pointerCount: object.pointerCount, by: user)) }
        if object.pointerCount == 0 { deleteObject(object) }
    }

    private func deleteObject(_ object: KernelObject) {
        guard !object.isDeleted else { return }
        if let file = object as? FileObject { sendClose(file) }
        if let section = object as? SectionObject { deleteSection(section) }
        object.isDeleted = true
    }

    /// Creates a handle in `process` (by default the running one): handle count +1, pointer
    /// count +1 (the handle's reference).
    func insertHandle(_ object: KernelObject, access: UInt32, attributes: HandleAttributes = [],
                      in process: SimProcess? = nil) -> UInt
    {
        object.handleCount += 1
        let value = (process ?? currentProcess).handles.insert(object, access: access, attributes: attributes)
        if tracing { record(.handleOpened(handle: value, object: object.label)) }
        reference(object, by: "handle")
        return value
    }

    /// Pseudo-handles (-1 … -6: the current process, the current thread, and others).
    static func isPseudoHandle(_ value: UInt) -> Bool { value >= UInt.max - 5 }

    /// `ObReferenceObjectByHandle`: validates the handle and its object type and takes a
    /// reference. A handle to an object of another type is an invalid handle to the caller
    /// (`STATUS_OBJECT_TYPE_MISMATCH`, which Win32 reports as `ERROR_INVALID_HANDLE`).
    func referenceObject(byHandle value: UInt, kind: ObjectKind, by user: String) -> (KernelObject?, NTStatus) {
        guard let object = handles.lookup(value) else { return (nil, .invalidHandle) }
        guard object.kind == kind else { return (nil, .objectTypeMismatch) }
        reference(object, by: user)
        return (object, .success)
    }

    /// The object a handle names, without taking a reference.
    package func object(forHandle value: UInt) -> KernelObject? { handles.lookup(value) }

    /// `NtClose` in `process` (by default the running one): removes the handle; the last
    /// handle of a file object sends `IRP_MJ_CLEANUP` (and waits while the driver pends it, and on
    /// a synchronous file object first for its lock); then the handle's reference is released.
    /// A close whose wait can never end returns `STATUS_POSSIBLE_DEADLOCK`, the handle gone.
    /// Closing never completes I/O by itself; but the last handle of a file object *in one
    /// process*, while another process still holds one, cancels that process's thread-agnostic
    /// requests on it (nt-io-model §1.3 step 2, F-CLOSE-9). A handle protected from close is not closed (`STATUS_HANDLE_NOT_CLOSABLE`,
    /// which Win32 reports as `ERROR_INVALID_HANDLE`) except by the process's rundown.
    package func ntClose(_ value: UInt, in process: SimProcess? = nil, rundown: Bool = false) -> NTStatus {
        if Self.isPseudoHandle(value) { return .success }
        let process = process ?? currentProcess
        let table = process.handles
        if !rundown, let attributes = table.attributes(value), attributes.contains(.protectFromClose) {
            return .invalidHandle
        }
        guard let object = table.remove(value) else { return .invalidHandle }
        object.handleCount -= 1
        if tracing { record(.handleClosed(handle: value, object: object.label, handleCount: object.handleCount)) }
        var status = NTStatus.success
        if object.handleCount == 0, let file = object as? FileObject { status = closeLastHandle(file) }
        if object.handleCount > 0, processes.count > 1, let file = object as? FileObject, !table.contains(file) {
            lastHandleClosed(in: process, on: file)
        }
        if object.handleCount == 0, let port = object as? CompletionPort { closePort(port) }
        if object.handleCount == 0, let job = object as? JobObject { closeLastJobHandle(job) }
        if object.handleCount == 0, let section = object as? SectionObject { lastSectionHandleClosed(section) }
        // A named event leaves the namespace with its last handle ("The event object is
        // destroyed when its last handle has been closed", CreateEvent).
        if object.handleCount == 0, let event = object as? EventObject, let name = event.name, namedEvents[name] === event {
            namedEvents[name] = nil
        }
        dereference(object, by: "handle")
        return status
    }

    /// `NtDuplicateObject`: a new handle in `target` to the object `source` names in
    /// `sourceProcess` (by default the running one), inheritable if asked; a nil target only
    /// closes the source (`DuplicateHandle` with a NULL target process). With `closeSource`,
    /// the source handle is closed, in its own process, even when duplication fails (F-DUP-1).
    ///
    /// Within one process, `closeSource` closes the source first and the duplicate takes the
    /// value just freed (the table's free list is last in, first out): the handle moves to the
    /// same value with its new attributes, and since the object never loses its handle in that
    /// process, no cleanup is sent and no count changes. Wine's `test_DuplicateHandle`
    /// (dlls/kernel32/tests/process.c) sees Windows return the source's value (`f == out`) even
    /// when a lower value is free, and, for a source protected from close
    /// (`HANDLE_FLAG_PROTECT_FROM_CLOSE`), succeed with a new value and leave the source open.
    package func ntDuplicateObject(_ source: UInt, from sourceProcess: SimProcess? = nil, to target: SimProcess?,
                                   inherit: Bool = false, closeSource: Bool) -> (NTStatus, UInt)
    {
        let sourceProcess = sourceProcess ?? currentProcess
        guard let object = sourceProcess.handles.lookup(source) else {
            return (.invalidHandle, 0)
        }
        let access = sourceProcess.handles.access(source) ?? 0
        guard let target, !target.hasExited else {
            if closeSource { _ = ntClose(source, in: sourceProcess) }
            return (target == nil ? .success : .accessDenied, 0)
        }
        let attributes: HandleAttributes = inherit ? .inherit : []
        if closeSource, target === sourceProcess {
            let protected = sourceProcess.handles.attributes(source)?.contains(.protectFromClose) ?? false
            guard protected else { return (.success, moveHandle(source, in: target, attributes: attributes)) }
            return (.success, insertHandle(object, access: access, attributes: attributes, in: target))
        }
        let duplicate = insertHandle(object, access: access, attributes: attributes, in: target)
        if closeSource { _ = ntClose(source, in: sourceProcess) }
        return (.success, duplicate)
    }

    /// `DUPLICATE_CLOSE_SOURCE` within one process: the entry at `value` is removed and made
    /// again, with `attributes`, at the value the table hands out next, which is `value` (last
    /// in, first out). Handle and pointer counts are unchanged.
    private func moveHandle(_ value: UInt, in process: SimProcess, attributes: HandleAttributes) -> UInt {
        let access = process.handles.access(value) ?? 0
        guard let object = process.handles.remove(value) else { return 0 }
        let moved = process.handles.insert(object, access: access, attributes: attributes)
        if tracing { record(.note("handle 0x\(String(value, radix: 16)) closed and duplicated as 0x\(String(moved, radix: 16)) (\(object.label))")) }
        return moved
    }

    /// A real handle, in `target` (by default the running process), to the running process
    /// (what `DuplicateHandle` makes of `GetCurrentProcess()`).
    package func ntDuplicateCurrentProcess(to target: SimProcess? = nil, inherit: Bool = false) -> UInt {
        insertHandle(process, access: 0x1F_FFFF, attributes: inherit ? .inherit : [], in: target)
    }

    /// A real handle, in `target` (by default the running process), to the running thread
    /// (what `DuplicateHandle` makes of `GetCurrentThread()`).
    package func ntDuplicateCurrentThread(to target: SimProcess? = nil, inherit: Bool = false) -> UInt {
        guard let thread = current else { return 0 }
        return insertHandle(thread, access: 0x1F_FFFF, attributes: inherit ? .inherit : [], in: target)
    }

    /// A handle's attributes in the running process (`GetHandleInformation`), or nil for an
    /// invalid handle.
    package func handleAttributes(_ value: UInt) -> HandleAttributes? { handles.attributes(value) }

    /// `SetHandleInformation`: changes the attributes in `mask` to those in `flags`.
    package func setHandleAttributes(_ value: UInt, mask: HandleAttributes, flags: HandleAttributes) -> NTStatus {
        guard let current = handles.attributes(value) else { return .invalidHandle }
        let updated = current.subtracting(mask).union(flags.intersection(mask))
        _ = handles.setAttributes(value, updated)
        if tracing { record(.note("handle 0x\(String(value, radix: 16)) attributes now \(updated.rawValue)")) }
        return .success
    }

    /// The open handles of the initial process, in handle-value order.
    package var openHandles: [(value: UInt, object: KernelObject)] { initialProcess.handles.entries }
}
