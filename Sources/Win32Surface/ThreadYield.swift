import CWin32
import IOKernel

/// Gives the processor to another ready thread. The corresponding Win32 function is
/// `SwitchToThread`: TRUE if another thread ran before the caller came back, FALSE if none was
/// ready (Microsoft's documentation). On the simulation the caller's wait lasts one 100 ns tick
/// of virtual time, before which every ready thread runs (a wait of no time at all ends at once,
/// as `Sleep(0)` does here, without giving the processor away).
@discardableResult
public func SwitchToThread() -> Bool {
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        return thread.withKernel { kernel in
            let before = kernel.contextSwitches
            kernel.enter()
            _ = kernel.ntDelayExecution(alertable: false, duration: .nanoseconds(100))
            kernel.leave()
            let switched = kernel.contextSwitches != before
            thread.traceResult("SwitchToThread()", switched ? "TRUE" : "FALSE")
            return switched
        }
    }
}
