/// One critical section, SRW lock or condition variable of the program, as ntdll sees it: who
/// holds it and which threads wait for it, in the order they came.
///
/// Locks are not fair, as on Windows since Vista: a release wakes the first waiter (the first
/// exclusive one of an SRW lock, or every shared one when none is exclusive), and the woken
/// thread competes for the lock again when it runs, so a thread that is already running may
/// take it first; the woken one then waits again at the back. Which thread runs first is the
/// scheduler's choice, so an exploring strategy covers both orders.
public final class UserLock {
    public enum Kind: String, Sendable {
        case criticalSection = "critical section"
        case srwLock = "SRW lock"
        case conditionVariable = "condition variable"
    }

    public let kind: Kind
    /// The timeline name of the program's structure (`cs#1`, `srw#1`, `cv#1`): host addresses
    /// differ from run to run.
    public let label: String

    /// A critical section's owner, and how many times it entered.
    public internal(set) var owner: SimThread?
    public internal(set) var recursionCount = 0
    /// An SRW lock held exclusively, or by this many shared holders.
    public internal(set) var isHeldExclusively = false
    public internal(set) var sharedCount = 0
    /// The thread that took an SRW lock exclusively (for reports only: an SRW lock has no
    /// owner, and any thread may release it).
    public internal(set) var exclusiveHolder: SimThread?
    /// The spin count `InitializeCriticalSectionAndSpinCount` stored (never spun: a simulated
    /// thread that cannot have the lock blocks at once).
    public internal(set) var spinCount: UInt = 0

    /// The threads blocked on it, oldest first, with whether each wants exclusive access.
    var waiters: [(thread: SimThread, exclusive: Bool)] = []
    /// Threads a release woke that have not run yet (the "a thread has been woken" bit of a
    /// critical section's `LockCount`).
    var wokenCount = 0

    /// Writes the state into the program's structure (a critical section's fields), set by
    /// kernel32 when it makes the lock; called after every change, inside the kernel entry.
    package var publish: ((UserLock) -> Void)?

    init(kind: Kind, label: String) {
        self.kind = kind
        self.label = label
    }

    /// How many threads are blocked on it now.
    public var waiterCount: Int { waiters.count }

    /// Whether anyone holds the lock.
    public var isHeld: Bool {
        switch kind {
        case .criticalSection: owner != nil
        case .srwLock: isHeldExclusively || sharedCount > 0
        case .conditionVariable: false
        }
    }

    /// A critical section's `LockCount` as Windows keeps it since Windows Server 2003 SP1 (the
    /// debugger documentation's "Interpreting Critical Section Fields"): bit 0 clear while it is
    /// locked, bit 1 clear while a woken thread has not run yet, the other bits the ones'
    /// complement of the number of waiting threads. -1 for a free critical section.
    public var lockCount: Int32 {
        var value: Int32 = -1
        if owner != nil { value &= ~1 }
        if wokenCount > 0 { value &= ~2 }
        return value &- Int32(truncatingIfNeeded: waiters.count &* 4)
    }

    /// What a thread blocked on it waits for, for hang reports.
    var waitDescription: String {
        switch kind {
        case .criticalSection:
            "\(kind.rawValue) \(label) to be left (owned by \(owner?.name ?? "no one"))"
        case .srwLock:
            "\(kind.rawValue) \(label) to be released ("
                + (isHeldExclusively ? "held exclusively by \(exclusiveHolder?.name ?? "no one"))"
                    : "held shared by \(sharedCount))")
        case .conditionVariable:
            "\(kind.rawValue) \(label) to be woken"
        }
    }
}
