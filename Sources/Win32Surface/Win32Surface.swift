@_exported import CWin32
import IOKernel

/// `INVALID_HANDLE_VALUE`, `(HANDLE)-1`. WinSDK's macro casts, which Swift cannot import, so
/// Swift code on Windows spells it `HANDLE(bitPattern: -1)!`; this is that value.
public var INVALID_HANDLE_VALUE: HANDLE { HANDLE(bitPattern: -1)! }

/// The running simulated thread; nil when the calling OS thread is no simulated thread, and
/// then the call, which fails, is recorded as a ``ForeignThreadCall`` naming `function`.
@inline(__always) func currentThread(_ function: StaticString = #function) -> SimThread? {
    if let thread = SimThread.current { return thread }
    recordForeignCall(function)
    return nil
}

/// Runs `body` with the running simulated thread borrowed (+0, no reference counting), or
/// returns `failure` when the calling OS thread is no simulated thread (recorded as for
/// ``currentThread(_:)``). For the calls on the hot path, and for calls that may block or exit:
/// a frame that an exit abandons must hold no reference of its own.
@inline(__always) func withCurrentThread<R>(_ function: StaticString = #function, failure: R,
                                            _ body: (borrowing SimThread) -> R) -> R
{
    guard let thread = SimThread.currentUnmanaged else {
        recordForeignCall(function)
        return failure
    }
    #if DEBUG
    // Unoptimised, a nested function passed by name is a function value whose context (the
    // captured `body`) is heap memory, which a thread that exits inside the call (its frame
    // abandoned) would leak: three borrows instead, no closure capturing anything.
    let outermost = thread._withUnsafeGuaranteedRef { Kernel.beginWin32Call($0) }
    let result = thread._withUnsafeGuaranteedRef(body)
    if outermost { thread._withUnsafeGuaranteedRef { Kernel.endWin32Call($0) } }
    return result
    #else
    // Optimised: a nested function marked for inlining rather than a closure (the closure was
    // specialised once per result type and called out of line, with `body` as a partial
    // application; the three borrows above cost 55 instructions a round trip more). Inlined,
    // its context lives in the caller's frame: nothing is allocated (no Win32 function of the
    // release build calls swift_allocObject for it).
    @inline(__always) func call(_ thread: borrowing SimThread) -> R {
        let outermost = Kernel.beginWin32Call(thread)
        let result = body(thread)
        if outermost { Kernel.endWin32Call(thread) }
        return result
    }
    return thread._withUnsafeGuaranteedRef(call)
    #endif
}

/// ``withCurrentThread(_:failure:_:)`` for helpers shared by several Win32 functions, which know
/// the name of the one called.
@inline(__always) func withCurrentThread<R>(named function: String, failure: R, _ body: (borrowing SimThread) -> R) -> R {
    guard SimThread.currentUnmanaged != nil else {
        ForeignThreadCall.record(function: function)
        return failure
    }
    return withCurrentThread(failure: failure, body)
}

/// ``currentThread(_:)`` for helpers shared by several Win32 functions, which know the name of
/// the one called.
@inline(__always) func currentThread(named function: String) -> SimThread? {
    if let thread = SimThread.current { return thread }
    ForeignThreadCall.record(function: function)
    return nil
}

/// Records a Win32 call from an OS thread outside every simulation (the slow path, kept out of
/// line). `#function` names it with its argument labels, `ReadFile(_:_:_:_:_:)`: the labels go.
@inline(never) func recordForeignCall(_ function: StaticString) {
    let name = function.description
    ForeignThreadCall.record(function: String(name.prefix { $0 != "(" }))
}

/// A handle's value as the kernel sees it (nil is 0).
@inline(__always) func value(_ handle: HANDLE?) -> UInt { UInt(bitPattern: handle) }

extension SimThread {
    /// Runs `body` with the thread's kernel borrowed (+0): the simulation keeps the kernel alive
    /// while any of its threads runs, so a Win32 call holds no reference that an exit inside it
    /// would strand.
    @inline(__always) func withKernel<R>(_ body: (borrowing Kernel) -> R) -> R {
        #if DEBUG
        // As in withCurrentThread: unoptimised, a nested function's context (capturing `body`)
        // is heap memory that a frame abandoned by an exit would leak, so `body` is lent the
        // kernel directly.
        kernelReference._withUnsafeGuaranteedRef(body)
        #else
        // A nested function rather than a closure, as in withCurrentThread: inlined.
        @inline(__always) func call(_ kernel: borrowing Kernel) -> R { body(kernel) }
        return kernelReference._withUnsafeGuaranteedRef(call)
        #endif
    }

    /// Fails a call: sets the last error and returns `false`.
    @inline(__always) func fail(_ error: Int32) -> Bool {
        setLastError(DWORD(error))
        return false
    }

    @inline(__always) func fail(_ status: NTStatus) -> Bool {
        setLastError(RtlNtStatusToDosError(NTSTATUS(bitPattern: status.rawValue)))
        return false
    }
}
