import IOKernel

// Thread-local and fiber-local storage. A simulated thread is its own only fiber, so FLS is
// per thread like TLS. Slots are per process, values per thread (0 until set). `FlsFree` calls
// the slot's callback with each thread's non-NULL value, in thread-id order, as its
// documentation says; the callbacks do not run when a thread exits (a thread's values are
// simply dropped), which is where the simulation differs from Windows.

/// Allocates a TLS slot. The corresponding Win32 function is `TlsAlloc`: the lowest free index
/// (the first 64 are `TLS_MINIMUM_AVAILABLE`, up to 1088 on Windows), or `TLS_OUT_OF_INDEXES`
/// with `ERROR_NO_MORE_ITEMS`.
@discardableResult
public func TlsAlloc() -> DWORD {
    return withCurrentThread(failure: TLS_OUT_OF_INDEXES) { (thread: borrowing SimThread) in
        let kernel = thread.kernel
        let process = thread.process.processID
        let index = kernel.withKernelEntry { () -> DWORD? in
            let used = kernel.userMode.tlsSlots[process, default: []]
            guard let free = (0..<DWORD(1088)).first(where: { !used.contains($0) }) else { return nil }
            kernel.userMode.tlsSlots[process, default: []].insert(free)
            return free
        }
        guard let index else {
            _ = thread.fail(ERROR_NO_MORE_ITEMS)
            return TLS_OUT_OF_INDEXES
        }
        return index
    }
}

/// Frees a TLS slot (its values in every thread go). The corresponding Win32 function is
/// `TlsFree`; an index not allocated gives `ERROR_INVALID_PARAMETER`.
@discardableResult
public func TlsFree(_ dwTlsIndex: DWORD) -> Bool {
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        let kernel = thread.kernel
        let process = thread.process.processID
        let freed = kernel.withKernelEntry { () -> Bool in
            guard kernel.userMode.tlsSlots[process]?.remove(dwTlsIndex) != nil else { return false }
            for id in kernel.userMode.tlsValues.keys.sorted() { kernel.userMode.tlsValues[id]?[dwTlsIndex] = nil }
            return true
        }
        return freed ? true : thread.fail(ERROR_INVALID_PARAMETER)
    }
}

/// The calling thread's value in a TLS slot. The corresponding Win32 function is `TlsGetValue`:
/// it sets the last error to `ERROR_SUCCESS` when it succeeds (so a NULL value can be told
/// from a failure), and gives `ERROR_INVALID_PARAMETER` for an index not allocated.
@discardableResult
public func TlsGetValue(_ dwTlsIndex: DWORD) -> LPVOID! {
    return withCurrentThread(failure: nil) { (thread: borrowing SimThread) in
        let kernel = thread.kernel
        let value = kernel.withKernelEntry { () -> UInt? in
            guard kernel.userMode.tlsSlots[thread.process.processID]?.contains(dwTlsIndex) == true else { return nil }
            return kernel.userMode.tlsValues[thread.threadID]?[dwTlsIndex] ?? 0
        }
        guard let value else {
            _ = thread.fail(ERROR_INVALID_PARAMETER)
            return nil
        }
        thread.setLastError(DWORD(ERROR_SUCCESS))
        return LPVOID(bitPattern: value)
    }
}

/// Sets the calling thread's value in a TLS slot. The corresponding Win32 function is
/// `TlsSetValue`; an index not allocated gives `ERROR_INVALID_PARAMETER`.
@discardableResult
public func TlsSetValue(_ dwTlsIndex: DWORD, _ lpTlsValue: LPVOID!) -> Bool {
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        let kernel = thread.kernel
        let set = kernel.withKernelEntry { () -> Bool in
            guard kernel.userMode.tlsSlots[thread.process.processID]?.contains(dwTlsIndex) == true else { return false }
            kernel.userMode.tlsValues[thread.threadID, default: [:]][dwTlsIndex] = UInt(bitPattern: lpTlsValue)
            return true
        }
        return set ? true : thread.fail(ERROR_INVALID_PARAMETER)
    }
}

/// Allocates an FLS slot with an optional callback. The corresponding Win32 function is
/// `FlsAlloc`: the lowest free index, or `FLS_OUT_OF_INDEXES` with `ERROR_NO_MORE_ITEMS` after
/// `FLS_MAXIMUM_AVAILABLE`.
@discardableResult
public func FlsAlloc(_ lpCallback: PFLS_CALLBACK_FUNCTION!) -> DWORD {
    return withCurrentThread(failure: FLS_OUT_OF_INDEXES) { (thread: borrowing SimThread) in
        let kernel = thread.kernel
        let process = thread.process.processID
        let callback = lpCallback.map { UInt(bitPattern: unsafeBitCast($0, to: UnsafeRawPointer.self)) } ?? 0
        let index = kernel.withKernelEntry { () -> DWORD? in
            let used = kernel.userMode.flsSlots[process, default: [:]]
            guard let free = (0..<DWORD(FLS_MAXIMUM_AVAILABLE)).first(where: { used[$0] == nil }) else { return nil }
            kernel.userMode.flsSlots[process, default: [:]][free] = callback
            return free
        }
        guard let index else {
            _ = thread.fail(ERROR_NO_MORE_ITEMS)
            return FLS_OUT_OF_INDEXES
        }
        return index
    }
}

/// Frees an FLS slot, calling its callback with every thread's non-NULL value first. The
/// corresponding Win32 function is `FlsFree`; an index not allocated gives
/// `ERROR_INVALID_PARAMETER`.
@discardableResult
public func FlsFree(_ dwFlsIndex: DWORD) -> Bool {
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        let kernel = thread.kernel
        let process = thread.process.processID
        let found = kernel.withKernelEntry { () -> (callback: UInt, values: [UInt])? in
            guard let callback = kernel.userMode.flsSlots[process]?.removeValue(forKey: dwFlsIndex) else { return nil }
            var values: [UInt] = []
            for id in kernel.userMode.flsValues.keys.sorted() {
                if let value = kernel.userMode.flsValues[id]?.removeValue(forKey: dwFlsIndex), value != 0 { values.append(value) }
            }
            return (callback, values)
        }
        guard let found else { return thread.fail(ERROR_INVALID_PARAMETER) }
        if found.callback != 0, let pointer = UnsafeRawPointer(bitPattern: found.callback) {
            let callback = unsafeBitCast(pointer, to: PFLS_CALLBACK_FUNCTION.self)
            for value in found.values { callback(PVOID(bitPattern: value)) }
        }
        return true
    }
}

/// The calling thread's value in an FLS slot. The corresponding Win32 function is
/// `FlsGetValue`; see ``TlsGetValue(_:)``.
@discardableResult
public func FlsGetValue(_ dwFlsIndex: DWORD) -> PVOID! {
    return withCurrentThread(failure: nil) { (thread: borrowing SimThread) in
        let kernel = thread.kernel
        let value = kernel.withKernelEntry { () -> UInt? in
            guard kernel.userMode.flsSlots[thread.process.processID]?[dwFlsIndex] != nil else { return nil }
            return kernel.userMode.flsValues[thread.threadID]?[dwFlsIndex] ?? 0
        }
        guard let value else {
            _ = thread.fail(ERROR_INVALID_PARAMETER)
            return nil
        }
        thread.setLastError(DWORD(ERROR_SUCCESS))
        return PVOID(bitPattern: value)
    }
}

/// Sets the calling thread's value in an FLS slot. The corresponding Win32 function is
/// `FlsSetValue`; see ``TlsSetValue(_:_:)``.
@discardableResult
public func FlsSetValue(_ dwFlsIndex: DWORD, _ lpFlsData: PVOID!) -> Bool {
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        let kernel = thread.kernel
        let set = kernel.withKernelEntry { () -> Bool in
            guard kernel.userMode.flsSlots[thread.process.processID]?[dwFlsIndex] != nil else { return false }
            kernel.userMode.flsValues[thread.threadID, default: [:]][dwFlsIndex] = UInt(bitPattern: lpFlsData)
            return true
        }
        return set ? true : thread.fail(ERROR_INVALID_PARAMETER)
    }
}
