import CHostThreads

/// Simulated threads as fibers: each on a stack of its own, all on the OS thread that runs the
/// simulation, switched by the scheduler with a few dozen instructions (CHostThreads' Fibers.c).
///
/// **Why fibers and not OS threads (measured, issue 12).** A simulated thread needs a stack of
/// its own, since it blocks deep inside a Win32 call while another runs; but exactly one runs at
/// a time, so OS threads buy no parallelism and cost a trip through the host's scheduler at every
/// switch. With pooled OS threads and an adaptive futex hand-over, `iosim-bench`'s
/// `context_switches` ran at 1.6–2.4 M/s on an idle 2-core host and at 4,000–116,000/s with the
/// host loaded (a sleeping OS thread waits for a core), and an explored schedule of the two-thread
/// scenario took 300–700 µs, most of it waiting for the OS. A fiber switch does no system call and
/// wakes no one, so it costs the same on any host (see the README's Speed table).
///
/// **What a fiber shares with the others on its OS thread.** The switch carries the current
/// simulated thread, Swift's exclusivity access set (so an access a parked thread has in progress
/// conflicts with nothing another thread does, as with OS threads) and the sanitizers' view of the
/// stack. What else the Swift runtime keeps per OS thread is shared: the current task and its
/// task-local values. A simulated thread started inside `run` therefore sees the task and the
/// task-local values of `run`'s caller (Swift Testing's current test among them, so `#expect`
/// in a worker thread is attributed to its test), and a worker thread should not bind task-local
/// values with `withValue` across a blocking call (another thread would see the binding).
///
/// `IOSIM_THREADS=os` in the environment runs each simulated thread on an OS thread instead
/// (``HostThread``), for comparison and for hosts without the switch (it is written for x86-64).
enum Fiber {
    /// Whether this process runs simulated threads as fibers (decided once).
    static let enabled: Bool = iosim_fibers_enabled()

    /// Makes the fiber of `thread`, which runs it (``Kernel/runThread(_:)``) once the running
    /// thread parks; nil if no stack could be had.
    static func start(_ thread: SimThread) -> OpaquePointer? {
        iosim_fiber_start({ context in
            guard let context else { return }
            Unmanaged<SimThread>.fromOpaque(context)._withUnsafeGuaranteedRef { (thread: borrowing SimThread) in
                // Borrowed, not retained: a thread that exits never comes back to release what
                // these frames hold (`borrowing`: a closure that captures it does not retain it).
                thread.kernelReference._withUnsafeGuaranteedRef { (kernel: borrowing Kernel) in kernel.runThread(thread) }
            }
        }, Unmanaged.passUnretained(thread).toOpaque(), Unmanaged.passUnretained(thread).toOpaque())
    }
}
