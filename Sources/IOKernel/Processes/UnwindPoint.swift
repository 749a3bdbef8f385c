import CHostThreads

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
