import IOKernel

/// The simulated machine. The corresponding Win32 function is `GetSystemInfo`.
///
/// An x64 machine with ``SimulationOptions/processorCount`` processors (the count completion
/// ports use for a concurrency of 0), 4 KiB pages, 64 KiB allocation granularity and the x64
/// user address range, so code that sizes a worker pool from `dwNumberOfProcessors` gets the
/// simulation's count.
public func GetSystemInfo(_ lpSystemInfo: LPSYSTEM_INFO!) {
    withCurrentThread(failure: ()) { (thread: borrowing SimThread) in
        guard let lpSystemInfo,
              thread.userBufferIsAccessible(lpSystemInfo, count: MemoryLayout<SYSTEM_INFO>.size, writing: true,
                                            call: "GetSystemInfo")
        else { return }
        let processors = max(1, min(64, thread.kernel.options.processorCount))
        var info = SYSTEM_INFO()
        info.wProcessorArchitecture = WORD(PROCESSOR_ARCHITECTURE_AMD64)
        info.dwPageSize = 4096
        info.lpMinimumApplicationAddress = UnsafeMutableRawPointer(bitPattern: 0x1_0000)
        info.lpMaximumApplicationAddress = UnsafeMutableRawPointer(bitPattern: 0x7FFF_FFFE_FFFF)
        info.dwActiveProcessorMask = processors == 64 ? DWORD_PTR.max : (DWORD_PTR(1) << processors) - 1
        info.dwNumberOfProcessors = DWORD(processors)
        info.dwProcessorType = DWORD(PROCESSOR_AMD_X8664)
        info.dwAllocationGranularity = 65536
        info.wProcessorLevel = 6
        thread.store(info, into: lpSystemInfo, call: "GetSystemInfo")
    }
}
