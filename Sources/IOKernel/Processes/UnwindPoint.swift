import CHostThreads
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `_setjmp`, called directly: it must run in the frame that stays live while `body` runs (the
/// Clang importer hides it from Swift because it returns twice).
@_silgen_name("_setjmp")
private func setUnwindPoint(_ buffer: UnsafeMutableRawPointer) -> Int32

/// Runs `body` so that an exit of the main thread of `Simulation.run` inside it (which never
/// returns, ThreadExit.swift) comes back here: true if it did. Kept small and out of line, with
/// nothing live across the jump but its argument, so the second return from `_setjmp` finds
/// everything where the first left it. Frames between here and the exit are abandoned: what
/// they retain is leaked, as `ExitThread` leaks what C++ frames hold on Windows.
@inline(never)
func runUnwindable(_ body: () -> Void) -> Bool {
    if setUnwindPoint(iosim_unwind_point_push()) != 0 {
        iosim_unwind_point_pop()
        return true
    }
    body()
    iosim_unwind_point_pop()
    return false
}

/// `longjmp`, to a point `_setjmp` set.
@_silgen_name("longjmp")
private func jump(to buffer: UnsafeMutableRawPointer, _ value: Int32) -> Never

/// Runs `body`, the code of `thread`, so that the thread's exit anywhere inside it comes back
/// here (``Kernel/leaveFrames(_:)``, `longjmp`) rather than ending the thread's stack where it
/// is: the frames below this one (the thread's start, `runThread`, which holds the thread's
/// routine) then return as usual and release what they hold. Only the frames of the thread's
/// own code and of the exit are abandoned, as `ExitThread` abandons them on Windows; the
/// simulator keeps nothing there (Win32 functions exit at their outermost frame, which holds
/// nothing: ``SimThread/inWin32Call``). Kept small and out of line, with nothing live across
/// the jump but what was set before it.
@inline(never)
func runExitable(_ thread: borrowing SimThread, _ body: () -> Void) -> ThreadEnd {
    let point = UnsafeMutableRawPointer.allocate(byteCount: MemoryLayout<jmp_buf>.size, alignment: 16)
    defer { point.deallocate() }
    thread.exitPoint = point
    switch setUnwindPoint(point) {
    case 0: break
    case 1: return .exited
    default: return .unwoundForRelease
    }
    body()
    thread.exitPoint = nil
    return .returned
}

/// How a thread's code ended (``runExitable(_:_:)``).
enum ThreadEnd {
    /// It returned.
    case returned
    /// The thread exited inside it (it is gone; with OS threads, so may its simulation be).
    case exited
    /// Its simulation is being released (SimulationRelease.swift), and waits for it.
    case unwoundForRelease
}

/// Goes back to a thread's exit point (``runExitable(_:_:)``): `releasing` for a thread unwound
/// as its simulation is released.
func leaveThread(to point: UnsafeMutableRawPointer, releasing: Bool = false) -> Never {
    jump(to: point, releasing ? 2 : 1)
}

/// Runs a user APC's routine, delivered inside a Win32 call, so that `ExitThread` or
/// `ExitProcess` inside it comes back here (``Kernel/exitCallingThread(code:processExit:call:)``
/// then only asks for the thread's exit): the Win32 call the APC interrupted then returns
/// through its frames, and the thread exits at its outermost one, abandoning nothing of the
/// simulator's. True if the routine exited.
@inline(never)
func runAPCRoutine(_ thread: borrowing SimThread, _ body: () -> Void) -> Bool {
    let point = UnsafeMutableRawPointer.allocate(byteCount: MemoryLayout<jmp_buf>.size, alignment: 16)
    defer { point.deallocate() }
    let outer = thread.apcExitPoint
    thread.apcExitPoint = point
    if setUnwindPoint(point) != 0 {
        thread.apcExitPoint = outer
        return true
    }
    body()
    thread.apcExitPoint = outer
    return false
}
