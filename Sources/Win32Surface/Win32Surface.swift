@_exported import CWin32
import IOKernel

/// `INVALID_HANDLE_VALUE`, `(HANDLE)-1`. WinSDK's macro casts, which Swift cannot import, so
/// Swift code on Windows spells it `HANDLE(bitPattern: -1)!`; this is that value.
public var INVALID_HANDLE_VALUE: HANDLE { HANDLE(bitPattern: -1)! }

/// The running simulated thread, or nil when the caller is not inside `Simulation.run`.
@inline(__always) func currentThread() -> SimThread? { SimThread.current }

/// A handle's value as the kernel sees it (nil is 0).
@inline(__always) func value(_ handle: HANDLE?) -> UInt { UInt(bitPattern: handle) }

extension SimThread {
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
