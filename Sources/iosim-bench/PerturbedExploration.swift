import Dispatch
import IOKernel
import Win32Surface

/// Perturbed exploration: the seed's wrong code (a read into a stack OVERLAPPED, a 1-second
/// wait, CancelIo, return; the device takes 10 s to read and 30 ms to cancel), explored
/// exhaustively with one early firing and one preemption of a 10-second window, over and over.
/// Each schedule runs in one simulation, reset before it; the search finds the seed's three
/// outcomes.
func perturbedSchedulesExplored(count: Int) -> (rate: Double, schedules: Int) {
    var schedules = 0
    let options = ExplorationOptions(perturbations: PerturbationBudget(preemptions: 1, earlyFirings: 1, window: .seconds(10)),
                                     shrinks: false)
    let reused = Simulation()
    let start = DispatchTime.now().uptimeNanoseconds
    while schedules < count {
        let report = ScheduleExplorer.explore(options, in: reused) { sim in
            sim.installDevice(#"\\.\disk"#, driver: StockDriver(completion: .after(.seconds(10)), cancellation: .slow(.milliseconds(30))))
            sim.run {
                let h = CreateFileA(#"\\.\disk"#, GENERIC_READ, 0, nil, DWORD(OPEN_EXISTING), DWORD(FILE_FLAG_OVERLAPPED), nil)
                sim.memory.withFrame("readWithTimeout") { frame in
                    let o = frame.local(OVERLAPPED.self, "o")
                    let buffer = frame.localBytes(1024, "buffer")
                    o.pointee.hEvent = CreateEventW(nil, true, false, nil)
                    _ = ReadFile(h, buffer, 1024, nil, o)
                    if WaitForSingleObject(o.pointee.hEvent, 1000) != WAIT_OBJECT_0 { _ = CancelIo(h) }
                    _ = CloseHandle(o.pointee.hEvent)
                }
                Sleep(100)
                _ = CloseHandle(h)
            }
            return sim.memoryViolations.isEmpty ? .held("clean") : .failed("corrupted")
        }
        schedules += report.runs
    }
    let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    return (Double(schedules) / elapsed, schedules)
}
