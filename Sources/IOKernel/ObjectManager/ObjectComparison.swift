extension Kernel {
    /// `NtCompareObjects`: whether two handles of the running process name the same object
    /// (`GetCurrentProcess()` and `GetCurrentThread()` name the running process and thread);
    /// nil when either names nothing.
    package func ntCompareObjects(_ first: UInt, _ second: UInt) -> Bool? {
        func object(_ value: UInt) -> KernelObject? {
            if value == UInt.max { return currentProcess }
            if value == UInt.max - 1 { return current }
            return handles.lookup(value)
        }
        guard let a = object(first), let b = object(second) else { return nil }
        return a === b
    }
}
