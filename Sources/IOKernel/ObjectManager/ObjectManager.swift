/// The object manager: references, handles, and the delete procedure.
extension Kernel {
    /// `ObReferenceObject`: one more kernel user of the object.
    @inline(__always) func reference(_ object: KernelObject, by user: String) {
        object.pointerCount += 1
        if tracing { record(.referenced(object: object.label, pointerCount: object.pointerCount, by: user)) }
    }

    /// `ObDereferenceObject`: one kernel user fewer; the last reference runs the delete
    /// procedure (for a file object: `IRP_MJ_CLOSE`).
    func dereference(_ object: KernelObject, by user: String) {
        object.pointerCount -= 1
        if tracing { record(.dereferenced(object: object.label, pointerCount: object.pointerCount, by: user)) }
        if object.pointerCount == 0 { deleteObject(object) }
    }

    private func deleteObject(_ object: KernelObject) {
        guard !object.isDeleted else { return }
        if let file = object as? FileObject { sendClose(file) }
        object.isDeleted = true
    }

    /// Creates a handle: handle count +1, pointer count +1 (the handle's reference).
    func insertHandle(_ object: KernelObject, access: UInt32) -> UInt {
        object.handleCount += 1
        let value = handles.insert(object, access: access)
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

    /// `NtClose`: removes the handle; the last handle of a file object sends `IRP_MJ_CLEANUP`
    /// (and waits while the driver pends it, and on a synchronous file object first for its
    /// lock); then the handle's reference is released. Closing never completes I/O by itself.
    /// A close whose wait can never end returns `STATUS_POSSIBLE_DEADLOCK`, the handle gone.
    package func ntClose(_ value: UInt) -> NTStatus {
        if Self.isPseudoHandle(value) { return .success }
        guard let object = handles.remove(value) else { return .invalidHandle }
        object.handleCount -= 1
        if tracing { record(.handleClosed(handle: value, object: object.label, handleCount: object.handleCount)) }
        var status = NTStatus.success
        if object.handleCount == 0, let file = object as? FileObject { status = closeLastHandle(file) }
        if object.handleCount == 0, let port = object as? CompletionPort { closePort(port) }
        dereference(object, by: "handle")
        return status
    }

    /// `NtDuplicateObject` within the process: a new handle to the same object.
    /// With `closeSource`, the source handle is closed even when duplication fails (F-DUP-1).
    package func ntDuplicateObject(_ source: UInt, closeSource: Bool) -> (NTStatus, UInt) {
        guard let object = handles.lookup(source) else { return (.invalidHandle, 0) }
        let access = handles.access(source) ?? 0
        let duplicate = insertHandle(object, access: access)
        if closeSource { _ = ntClose(source) }
        return (.success, duplicate)
    }

    /// A real handle to the process (what `DuplicateHandle` makes of `GetCurrentProcess()`).
    package func ntDuplicateCurrentProcess() -> UInt {
        insertHandle(process, access: 0x1F_FFFF)
    }

    /// A real handle to the running thread (what `DuplicateHandle` makes of `GetCurrentThread()`).
    package func ntDuplicateCurrentThread() -> UInt {
        guard let thread = current else { return 0 }
        return insertHandle(thread, access: 0x1F_FFFF)
    }

    /// The open handles, in handle-value order.
    package var openHandles: [(value: UInt, object: KernelObject)] { handles.entries }
}
