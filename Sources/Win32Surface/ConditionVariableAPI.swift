import IOKernel

// Condition variables. Their state is ntdll's (IOKernel's Runtime/ConditionVariables.swift):
// a sleeping thread blocks in the dispatcher until a wake or its timeout on the virtual clock;
// a `CONDITION_VARIABLE` is valid when zeroed, so its first use makes it. A wake with no thread
// sleeping is lost. A NULL pointer is an access violation on Windows; here the call does
// nothing (and is traced).

/// Makes a condition variable. The corresponding Win32 function is `InitializeConditionVariable`.
public func InitializeConditionVariable(_ ConditionVariable: PCONDITION_VARIABLE!) {
    withCurrentThread(failure: ()) { (thread: borrowing SimThread) in
        guard let ConditionVariable,
              accessible(thread, ConditionVariable, "InitializeConditionVariable")
        else { return }
        thread.store(CONDITION_VARIABLE(), into: ConditionVariable, call: "InitializeConditionVariable")
        let kernel = thread.kernel
        let variable = kernel.withKernelEntry {
            kernel.initializeUserLock(at: UInt(bitPattern: ConditionVariable), .conditionVariable)
        }
        thread.traceResult("InitializeConditionVariable(\(variable.label))", "initialized")
    }
}

/// Leaves a critical section, sleeps on a condition variable until woken or `dwMilliseconds`
/// pass, and enters the critical section again. The corresponding Win32 function is
/// `SleepConditionVariableCS`: TRUE after a wake; FALSE with `ERROR_TIMEOUT` after the timeout
/// (the section is entered again in both cases, however long that takes: the timeout covers
/// the sleep only, Wine's test_condvars_base). The section should be entered once.
@discardableResult
public func SleepConditionVariableCS(_ ConditionVariable: PCONDITION_VARIABLE!, _ CriticalSection: PCRITICAL_SECTION!,
                                     _ dwMilliseconds: DWORD) -> Bool
{
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        guard let ConditionVariable, let CriticalSection else {
            thread.traceResult("SleepConditionVariableCS(NULL)", "an access violation on Windows: nothing done")
            return false
        }
        guard accessible(thread, ConditionVariable, "SleepConditionVariableCS"),
              thread.userBufferIsAccessible(CriticalSection, count: MemoryLayout<CRITICAL_SECTION>.size, writing: true,
                                            call: "SleepConditionVariableCS")
        else { return false }
        let kernel = thread.kernel
        return sleep(thread, ConditionVariable, "SleepConditionVariableCS", dwMilliseconds) {
            .criticalSection(kernel.userLock(at: UInt(bitPattern: CriticalSection), .criticalSection))
        }
    }
}

/// Releases an SRW lock, sleeps on a condition variable until woken or `dwMilliseconds` pass,
/// and takes the lock again in the same mode (`CONDITION_VARIABLE_LOCKMODE_SHARED` for
/// shared). The corresponding Win32 function is `SleepConditionVariableSRW`; results as
/// ``SleepConditionVariableCS(_:_:_:)``.
@discardableResult
public func SleepConditionVariableSRW(_ ConditionVariable: PCONDITION_VARIABLE!, _ SRWLock: PSRWLOCK!, _ dwMilliseconds: DWORD,
                                      _ Flags: ULONG) -> Bool
{
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        guard let ConditionVariable, let SRWLock else {
            thread.traceResult("SleepConditionVariableSRW(NULL)", "an access violation on Windows: nothing done")
            return false
        }
        guard accessible(thread, ConditionVariable, "SleepConditionVariableSRW"), accessible(thread, SRWLock, "SleepConditionVariableSRW")
        else { return false }
        let kernel = thread.kernel
        let shared = Flags & ULONG(CONDITION_VARIABLE_LOCKMODE_SHARED) != 0
        return sleep(thread, ConditionVariable, "SleepConditionVariableSRW", dwMilliseconds) {
            let lock = kernel.userLock(at: UInt(bitPattern: SRWLock), .srwLock)
            return shared ? .srwShared(lock) : .srwExclusive(lock)
        }
    }
}

/// Wakes the thread that has slept longest on a condition variable, if any. The corresponding
/// Win32 function is `WakeConditionVariable`.
public func WakeConditionVariable(_ ConditionVariable: PCONDITION_VARIABLE!) {
    wakeCall(ConditionVariable, "WakeConditionVariable") { $0.rtlWakeConditionVariable($1) }
}

/// Wakes every thread sleeping on a condition variable. The corresponding Win32 function is
/// `WakeAllConditionVariable`.
public func WakeAllConditionVariable(_ ConditionVariable: PCONDITION_VARIABLE!) {
    wakeCall(ConditionVariable, "WakeAllConditionVariable") { $0.rtlWakeAllConditionVariable($1) }
}

private func sleep(_ thread: SimThread, _ pointer: PCONDITION_VARIABLE, _ call: StaticString, _ milliseconds: DWORD,
                   _ lock: () -> Kernel.ConditionLock) -> Bool
{
    let kernel = thread.kernel
    let (label, status) = kernel.withKernelEntry { () -> (String, NTStatus) in
        let variable = kernel.userLock(at: UInt(bitPattern: pointer), .conditionVariable)
        return (variable.label, kernel.rtlSleepConditionVariable(variable, lock(), timeout: .win32Timeout(milliseconds)))
    }
    let result: Bool
    switch status {
    case .success: result = true
    case .timeout: result = thread.fail(ERROR_TIMEOUT)
    default: result = thread.fail(status)
    }
    thread.traceBool("\(call)(\(label), \(milliseconds))", result)
    return result
}

private func wakeCall(_ pointer: PCONDITION_VARIABLE?, _ call: StaticString, _ operation: (Kernel, UserLock) -> Void) {
    userLockCall(pointer, .conditionVariable, call) { kernel, variable in
        let before = variable.waiterCount
        operation(kernel, variable)
        return "\(before - variable.waiterCount) woken"
    }
}
