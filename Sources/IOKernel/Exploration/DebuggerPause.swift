/// Breaking into the debugger, as the seed `overlapped-must-outlive-the-io.txt` tells it:
/// "breaking into the debugger doesn't stop the I/O subsystem". While the program sits at a
/// breakpoint its threads stand still, but devices go on: a cancellation lands, the kernel
/// writes the `OVERLAPPED`, and when the program resumes the I/O is over, so the bug that
/// frees the `OVERLAPPED` too early "cannot be reproduced" under the debugger.
extension Simulation {
    /// Stops the running thread here for `duration` of virtual time, as a breakpoint does: every
    /// other simulated thread is held too (none is scheduled, no other thread's timeout ends),
    /// while device events on the virtual clock fire as they fall due. The trace shows where it
    /// stopped and for how long.
    public func breakpoint(_ label: String = "", for duration: Duration, file: StaticString = #fileID,
                           line: UInt = #line)
    {
        guard let thread = kernel.current, kernel.stoppedInDebugger == nil else { return }
        let place = "\(file):\(line)" + (label.isEmpty ? "" : " (\(label))")
        note("breakpoint at \(place): \(thread.name) stopped in the debugger for \(duration); devices go on")
        kernel.stoppedInDebugger = thread
        _ = kernel.call { kernel.ntDelayExecution(alertable: false, duration: duration) }
        kernel.stoppedInDebugger = nil
        note("resumed from the breakpoint at \(place)")
    }
}
