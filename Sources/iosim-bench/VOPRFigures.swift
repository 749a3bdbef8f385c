import Dispatch
import IOKernel
import IOVOPR
#if canImport(Glibc)
import Glibc
#endif

/// The VOPR's throughput (seeded random Win32 calls with the kernel's invariants checked after
/// each) and the host memory it peaked at: the tracked arena's largest size, and the process's
/// peak resident set (`getrusage`), which bounds everything the simulator holds.
func voprFigures(calls: Int) -> (callsPerSecond: Double, peakArenaBytes: Int, peakResidentKiB: Int, failed: Bool) {
    let start = DispatchTime.now().uptimeNanoseconds
    let report = VOPR.run(VOPR.Options(seed: 1, calls: calls))
    let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return (Double(report.calls) / elapsed, report.peakArenaBytes, Int(usage.ru_maxrss), report.failure != nil)
}
