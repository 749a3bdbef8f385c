/// What ntdll keeps in user mode for a simulation: the state of the critical sections, SRW
/// locks and condition variables the program's structures stand for, and the thread pool's
/// registered waits.
///
/// On Windows these live in the program's own memory (a `CRITICAL_SECTION`'s fields, an
/// `SRWLOCK`'s pointer-sized word) and in ntdll's thread pool; the simulation keys its state by
/// the structure's address, so that a lock blocks and wakes simulated threads through the
/// dispatcher (``Kernel/waitForAlert(_:on:deadline:)``) and a hang report can say who holds it.
package final class UserModeRuntime {
    /// The locks and condition variables in use, by the address of the program's structure.
    /// Only looked up, never iterated.
    @exclusivity(unchecked) var locks: [UInt: UserLock] = [:]
    /// How many of each kind were created, for their timeline names (`cs#1`).
    @exclusivity(unchecked) var nextLockNumber = 1
    /// The registered waits of `RegisterWaitForSingleObject`, by the wait handle's value.
    @exclusivity(unchecked) var waits: [UInt: RegisteredWait] = [:]
    @exclusivity(unchecked) var nextWaitNumber = 1
    /// Each process's console control handlers (`SetConsoleCtrlHandler`), by process id, in
    /// the order they were added: kept, never called (no console event is ever simulated).
    @exclusivity(unchecked) package var consoleCtrlHandlers: [UInt32: [UInt]] = [:]
    /// The processes that ignore CTRL+C (`SetConsoleCtrlHandler(NULL, TRUE)`).
    @exclusivity(unchecked) package var ignoresCtrlC: Set<UInt32> = []
    /// Thread-local storage slots in use, by process id (`TlsAlloc`).
    @exclusivity(unchecked) package var tlsSlots: [UInt32: Set<UInt32>] = [:]
    /// Fiber-local storage slots in use and their callbacks (0: none), by process id (`FlsAlloc`).
    @exclusivity(unchecked) package var flsSlots: [UInt32: [UInt32: UInt]] = [:]
    /// Each thread's non-zero slot values, by thread id, then slot (TLS and FLS apart).
    @exclusivity(unchecked) package var tlsValues: [UInt32: [UInt32: UInt]] = [:]
    @exclusivity(unchecked) package var flsValues: [UInt32: [UInt32: UInt]] = [:]
    /// Threads' descriptions (`SetThreadDescription`), by thread id.
    @exclusivity(unchecked) package var threadDescriptions: [UInt32: String] = [:]
}
