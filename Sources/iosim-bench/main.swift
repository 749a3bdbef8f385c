// iosim-bench: throughput of the simulator's hot path, in release mode:
//
//     swift run -c release iosim-bench
//
// Each figure is printed on a line of its own as `name: number unit`, so that tools can read
// it. Tracing is off, as it is by default. Time is measured with the host's monotonic clock;
// only the benchmark reads it, never the simulator.
import CBareModel
import Dispatch
import IOKernel
import Win32Surface

/// Runs `body` (which performs `operations` operations) a few times and returns the best rate.
func measure(operations: Int, repetitions: Int = 5, _ body: () -> Void) -> Double {
    var best = 0.0
    for _ in 0..<repetitions {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        best = max(best, Double(operations) / elapsed)
    }
    return best
}

func report(_ name: String, _ value: Double, _ unit: String) {
    print("\(name): \(Int(value.rounded())) \(unit)")
}

/// Settings for a figure: tracing off (the default); memory tracking as asked.
func options(tracking: Bool) -> SimulationOptions {
    SimulationOptions(memory: MemoryOptions(tracking: tracking))
}

/// One overlapped read round trip: ReadFile pends, the device completes it, and
/// GetOverlappedResult(bWait: true) collects the result; `pendingElsewhere` reads stay pending
/// on another file object meanwhile. With `tracking`, the OVERLAPPED and the buffer are tracked
/// heap blocks and every kernel use of them is checked; without, they are host memory and
/// nothing is checked.
/// Host memory per pending read: the heap the process has in use grows by this much for each of
/// the `pendingElsewhere` reads parked (the IRP, its place on the thread's list and in the
/// driver's queue), measured with glibc's `mallinfo2`; nil where that is not available.
nonisolated(unsafe) var bytesPerPendingIRP: Double?

/// Bytes of heap in use now, or nil where the C library cannot say.
func heapInUse() -> Int? {
    let bytes = bare_model_heap_in_use()
    return bytes < 0 ? nil : bytes
}

func overlappedRoundTrips(count: Int, pendingElsewhere: Int, tracking: Bool = false) -> Double {
    let sim = Simulation(options: options(tracking: tracking))
    let device = StockDriver(completion: .manual)
    let parked = StockDriver(completion: .manual)
    sim.installDevice(#"\\.\bench"#, driver: device)
    sim.installDevice(#"\\.\parked"#, driver: parked)
    let overlapped = tracking ? sim.memory.allocate(OVERLAPPED.self) : UnsafeMutablePointer<OVERLAPPED>.allocate(capacity: 1)
    let parkedOverlapped = UnsafeMutablePointer<OVERLAPPED>.allocate(capacity: max(pendingElsewhere, 1))
    let buffer = tracking ? sim.memory.allocateBytes(64) : UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 8)
    defer {
        if !tracking {
            overlapped.deallocate()
            buffer.deallocate()
        }
        parkedOverlapped.deallocate()
    }
    return sim.run {
        let flags = DWORD(FILE_FLAG_OVERLAPPED)
        let h = CreateFileA(#"\\.\bench"#, GENERIC_READ, 0, nil, DWORD(OPEN_EXISTING), flags, nil)
        let parkedHandle = CreateFileA(#"\\.\parked"#, GENERIC_READ, 0, nil, DWORD(OPEN_EXISTING), flags, nil)
        let event = CreateEventW(nil, true, false, nil)
        let heapBefore = heapInUse()
        for i in 0..<pendingElsewhere {
            parkedOverlapped[i] = OVERLAPPED()
            _ = ReadFile(parkedHandle, buffer, 64, nil, parkedOverlapped + i)
        }
        if pendingElsewhere > 0, let heapBefore, let heapAfter = heapInUse() {
            bytesPerPendingIRP = Double(heapAfter - heapBefore) / Double(pendingElsewhere)
        }
        overlapped.initialize(to: OVERLAPPED())
        overlapped.pointee.hEvent = event
        var failures = 0
        let rate = measure(operations: count) {
            // Locals of the measured loop, so that the loop itself costs no exclusivity checks
            // (variables its closure captured from outside cost 75 instructions a round trip).
            var transferred: DWORD = 0
            var failed = 0
            for _ in 0..<count {
                if ReadFile(h, buffer, 64, nil, overlapped) || GetLastError() != DWORD(ERROR_IO_PENDING) { failed += 1 }
                device.completeNext()
                if !GetOverlappedResult(h, overlapped, &transferred, true) || transferred != 64 { failed += 1 }
            }
            failures += failed
        }
        if failures > 0 { print("warning: \(failures) round trips did not behave as expected") }
        return rate
    }
}

/// The same round trip in the bare C model (CBareModel): the limit the simulator is measured
/// against.
func bareModelRoundTrips(count: Int) -> Double {
    var failures = 0
    let rate = measure(operations: count) { failures += bare_model_round_trips(count) }
    if failures > 0 { print("warning: \(failures) bare-model round trips did not behave as expected") }
    return rate
}

/// A simulation with a manual device opened for overlapped I/O, and an `OVERLAPPED` and a buffer
/// that outlive every request; runs `body` as its main thread.
func withBenchDevice(_ body: (Simulation, StockDriver, HANDLE?, LPOVERLAPPED, UnsafeMutableRawPointer) -> Double) -> Double {
    let sim = Simulation(options: options(tracking: false))
    let device = StockDriver(completion: .manual)
    sim.installDevice(#"\\.\bench"#, driver: device)
    let overlapped = UnsafeMutablePointer<OVERLAPPED>.allocate(capacity: 1)
    overlapped.initialize(to: OVERLAPPED())
    let buffer = UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 8)
    defer {
        overlapped.deallocate()
        buffer.deallocate()
    }
    return sim.run {
        let h = CreateFileA(#"\\.\bench"#, GENERIC_READ, 0, nil, DWORD(OPEN_EXISTING), DWORD(FILE_FLAG_OVERLAPPED), nil)
        return body(sim, device, h, overlapped, buffer)
    }
}

/// One port round trip: ReadFile pends on a port-bound handle (no event: thread-agnostic),
/// the device completes it, and GetQueuedCompletionStatus dequeues the packet.
func portRoundTrips(count: Int) -> Double {
    withBenchDevice { sim, device, h, overlapped, buffer in
        let port = CreateIoCompletionPort(h, nil, 1, 0)
        var failures = 0
        let rate = measure(operations: count) {
            var bytes: DWORD = 0
            var key: ULONG_PTR = 0
            var dequeued: LPOVERLAPPED?
            var failed = 0
            for _ in 0..<count {
                if ReadFile(h, buffer, 64, nil, overlapped) || GetLastError() != DWORD(ERROR_IO_PENDING) { failed += 1 }
                device.completeNext()
                if !GetQueuedCompletionStatus(port, &bytes, &key, &dequeued, INFINITE) || dequeued != overlapped { failed += 1 }
            }
            failures += failed
        }
        if failures > 0 { print("warning: \(failures) port round trips did not behave as expected") }
        return rate
    }
}

/// Port round trips with four threads draining one port: the main thread issues the reads and
/// the device completes them; the workers dequeue.
func portRoundTripsFourThreads(count: Int) -> Double {
    withBenchDevice { sim, device, h, overlapped, buffer in
        let port = CreateIoCompletionPort(h, nil, 1, 4)
        let done = CreateEventW(nil, false, false, nil)
        var drained = 0
        for index in 0..<4 {
            sim.createThread(name: "drain\(index)") {
                var bytes: DWORD = 0
                var key: ULONG_PTR = 0
                var dequeued: LPOVERLAPPED?
                while GetQueuedCompletionStatus(port, &bytes, &key, &dequeued, INFINITE) {
                    drained += 1
                    _ = SetEvent(done)
                }
                return 0
            }
        }
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<count {
            _ = ReadFile(h, buffer, 64, nil, overlapped)
            device.completeNext()
            _ = WaitForSingleObject(done, INFINITE)
        }
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        if drained != count { print("warning: \(drained) of \(count) packets drained") }
        _ = CloseHandle(port)
        Sleep(1)
        return Double(count) / elapsed
    }
}

/// Two simulated threads ping-pong through two auto-reset events; every hand-over is a
/// context switch between their OS threads.
func contextSwitches(count: Int) -> Double {
    let sim = Simulation(options: options(tracking: false))
    return sim.run {
        let ping = CreateEventW(nil, false, false, nil)
        let pong = CreateEventW(nil, false, false, nil)
        let rounds = count / 2
        let worker = sim.createThread(name: "worker") {
            for _ in 0..<rounds {
                _ = WaitForSingleObject(ping, INFINITE)
                _ = SetEvent(pong)
            }
            return 0
        }
        _ = worker
        let before = sim.contextSwitches
        var best = 0.0
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<rounds {
            _ = SetEvent(ping)
            _ = WaitForSingleObject(pong, INFINITE)
        }
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        best = Double(sim.contextSwitches - before) / elapsed
        return best
    }
}

/// One pipe round trip through a port: the server's ReadFile pends on a port-bound handle (no
/// event: thread-agnostic), the client's WriteFile hands its bytes straight to that read and
/// completes at once, and GetQueuedCompletionStatus dequeues the read's packet.
func pipeRoundTrips(count: Int) -> Double {
    let sim = Simulation(options: options(tracking: false))
    let readOverlapped = UnsafeMutablePointer<OVERLAPPED>.allocate(capacity: 1)
    let writeOverlapped = UnsafeMutablePointer<OVERLAPPED>.allocate(capacity: 1)
    readOverlapped.initialize(to: OVERLAPPED())
    writeOverlapped.initialize(to: OVERLAPPED())
    let buffer = UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 8)
    let message = UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 8)
    message.initializeMemory(as: UInt8.self, repeating: 0x5A, count: 64)
    defer {
        readOverlapped.deallocate()
        writeOverlapped.deallocate()
        buffer.deallocate()
        message.deallocate()
    }
    return sim.run {
        let overlapped = DWORD(FILE_FLAG_OVERLAPPED)
        let server = CreateNamedPipeA(#"\\.\pipe\bench"#, DWORD(PIPE_ACCESS_DUPLEX) | overlapped, DWORD(PIPE_TYPE_BYTE), 1,
                                      65536, 65536, 0, nil)
        let client = CreateFileA(#"\\.\pipe\bench"#, GENERIC_READ | DWORD(GENERIC_WRITE), 0, nil, DWORD(OPEN_EXISTING),
                                 overlapped, nil)
        let port = CreateIoCompletionPort(server, nil, 1, 0)
        var failures = 0
        let rate = measure(operations: count) {
            var bytes: DWORD = 0
            var key: ULONG_PTR = 0
            var dequeued: LPOVERLAPPED?
            var failed = 0
            for _ in 0..<count {
                if ReadFile(server, buffer, 64, nil, readOverlapped) || GetLastError() != DWORD(ERROR_IO_PENDING) { failed += 1 }
                if !WriteFile(client, message, 64, nil, writeOverlapped) { failed += 1 }
                if !GetQueuedCompletionStatus(port, &bytes, &key, &dequeued, INFINITE) || bytes != 64 { failed += 1 }
            }
            failures += failed
        }
        if failures > 0 { print("warning: \(failures) pipe round trips did not behave as expected") }
        return rate
    }
}

/// Reads a 1 MiB file of the simulated disk 4 KiB at a time, over and over: with a synchronous
/// handle (the position advances; a read at the end returns 0 bytes and the loop seeks back),
/// or with an overlapped one (with no disk latency each read is done inside ReadFile, which still
/// reports ERROR_IO_PENDING, and GetOverlappedResult finds it complete).
func fileReads(count: Int, overlapped: Bool) -> Double {
    let sim = Simulation(options: options(tracking: false))
    sim.fileSystem.setContents([UInt8](repeating: 0x42, count: 1 << 20), of: #"C:\bench\data.bin"#)
    let ov = UnsafeMutablePointer<OVERLAPPED>.allocate(capacity: 1)
    ov.initialize(to: OVERLAPPED())
    let buffer = UnsafeMutableRawPointer.allocate(byteCount: 4096, alignment: 8)
    defer {
        ov.deallocate()
        buffer.deallocate()
    }
    return sim.run {
        let h = CreateFileA(#"C:\bench\data.bin"#, GENERIC_READ, DWORD(FILE_SHARE_READ), nil, DWORD(OPEN_EXISTING),
                            overlapped ? DWORD(FILE_FLAG_OVERLAPPED) : 0, nil)
        ov.pointee.hEvent = CreateEventW(nil, true, false, nil)
        var read: DWORD = 0
        var offset: UInt32 = 0
        var failures = 0
        let rate = measure(operations: count) {
            for _ in 0..<count {
                if overlapped {
                    ov.pointee.Offset = offset
                    _ = ReadFile(h, buffer, 4096, nil, ov)
                    if !GetOverlappedResult(h, ov, &read, true) || read != 4096 { failures += 1 }
                    offset = (offset + 4096) & (1 << 20 - 1)
                } else {
                    if !ReadFile(h, buffer, 4096, &read, nil) { failures += 1 }
                    if read == 0 { _ = SetFilePointer(h, 0, nil, DWORD(FILE_BEGIN)) }
                }
            }
        }
        if failures > 0 { print("warning: \(failures) file reads did not behave as expected") }
        return rate
    }
}

/// Schedule exploration: a scenario of two threads whose reads complete at the same instant
/// (two choices, four schedules), explored exhaustively over and over. Each schedule runs in one
/// simulation reset before it (``Simulation/reset(strategy:)``), or with `fresh` in a new
/// simulation of its own. Whole explorations run until at least `count` schedules have, so the
/// count (what instructions under callgrind are divided by) is returned too.
func schedulesExplored(count: Int, fresh: Bool = false) -> (rate: Double, schedules: Int) {
    func scenario(_ sim: Simulation) -> Bool {
        sim.installDevice(#"\\.\disk"#, driver: StockDriver(completion: .after(.milliseconds(10))))
        var order: [Int] = []
        sim.run {
            let h = CreateFileA(#"\\.\disk"#, GENERIC_READ, 0, nil, DWORD(OPEN_EXISTING), DWORD(FILE_FLAG_OVERLAPPED), nil)
            for index in 0..<2 {
                let ov = sim.memory.allocate(OVERLAPPED.self)
                let byte = sim.memory.allocateBytes(1)
                sim.createThread(name: "reader\(index)") {
                    var n: DWORD = 0
                    _ = ReadFile(h, byte, 1, nil, ov)
                    _ = GetOverlappedResult(h, ov, &n, true)
                    order.append(index)
                    return 0
                }
            }
            while order.count < 2 { Sleep(1) }
            _ = CloseHandle(h)
        }
        return order == [0, 1]
    }
    var schedules = 0
    let reused = Simulation(options: options(tracking: false))
    let start = DispatchTime.now().uptimeNanoseconds
    while schedules < count {
        let result = fresh
            ? ScheduleExplorer.explore { scenario(Simulation(options: options(tracking: false), strategy: $0)) }
            : ScheduleExplorer.explore(in: reused, scenario)
        schedules += result.runs
    }
    let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    return (Double(schedules) / elapsed, schedules)
}

// Usage: iosim-bench [round trips] [figure name [alone]]. With `alone`, a figure that heads a
// group runs without the rest of its group (for instruction counts under callgrind, where the
// bare model's ten million round trips would take minutes).
let roundTrips = Int(CommandLine.arguments.dropFirst().first ?? "") ?? 1_000_000
let only = CommandLine.arguments.dropFirst(2).first ?? ""
let alone = CommandLine.arguments.dropFirst(3).first == "alone"
func wanted(_ name: String) -> Bool { only.isEmpty || name == only }

if wanted("overlapped_read_round_trips") && alone {
    report("overlapped_read_round_trips", overlappedRoundTrips(count: roundTrips, pendingElsewhere: 0), "round_trips/s")
} else if wanted("overlapped_read_round_trips") {
    let idle = overlappedRoundTrips(count: roundTrips, pendingElsewhere: 0)
    report("overlapped_read_round_trips", idle, "round_trips/s")
    let loaded = overlappedRoundTrips(count: roundTrips, pendingElsewhere: 100_000)
    report("overlapped_read_round_trips_100k_pending", loaded, "round_trips/s")
    report("slowdown_with_100k_pending", idle / loaded * 1000, "permille")
    if let bytesPerPendingIRP { report("bytes_per_pending_irp", bytesPerPendingIRP, "bytes") }
    let bare = bareModelRoundTrips(count: max(roundTrips, 10_000_000))
    report("bare_c_model_round_trips", bare, "round_trips/s")
    report("ratio_to_bare_c_model", bare / idle, "x")
}
if wanted("overlapped_read_round_trips_tracked") && alone {
    report("overlapped_read_round_trips_tracked", overlappedRoundTrips(count: roundTrips, pendingElsewhere: 0, tracking: true),
           "round_trips/s")
} else if wanted("overlapped_read_round_trips_tracked") {
    let untracked = overlappedRoundTrips(count: roundTrips, pendingElsewhere: 0, tracking: false)
    let tracked = overlappedRoundTrips(count: roundTrips, pendingElsewhere: 0, tracking: true)
    report("overlapped_read_round_trips_tracked", tracked, "round_trips/s")
    report("slowdown_with_memory_tracking", untracked / tracked * 1000, "permille")
}
if wanted("context_switches") { report("context_switches", contextSwitches(count: 200_000), "switches/s") }
if wanted("port_round_trips") { report("port_round_trips", portRoundTrips(count: roundTrips), "round_trips/s") }
if wanted("port_round_trips_4_threads") {
    report("port_round_trips_4_threads", portRoundTripsFourThreads(count: min(roundTrips, 100_000)), "round_trips/s")
}
if wanted("pipe_round_trips") { report("pipe_round_trips", pipeRoundTrips(count: roundTrips), "round_trips/s") }
if wanted("file_reads_sync") { report("file_reads_sync", fileReads(count: roundTrips, overlapped: false), "reads/s") }
if wanted("file_reads_overlapped") {
    report("file_reads_overlapped", fileReads(count: min(roundTrips, 500_000), overlapped: true), "reads/s")
}
if wanted("schedules_explored") {
    let explored = schedulesExplored(count: 2_000)
    report("schedules_explored", explored.rate, "schedules/s")
    report("schedules_explored_count", Double(explored.schedules), "schedules")
}
if wanted("schedules_explored_fresh") {
    let explored = schedulesExplored(count: 2_000, fresh: true)
    report("schedules_explored_fresh", explored.rate, "schedules/s")
    report("schedules_explored_fresh_count", Double(explored.schedules), "schedules")
}
if wanted("process_spawn_round_trips") {
    let spawns = processSpawnRoundTrips(count: min(roundTrips, 20_000))
    report("process_spawn_round_trips", spawns.rate, "spawns/s")
    report("context_switches_per_spawn", spawns.switchesPerSpawn, "switches")
}
if wanted("vopr_calls") {
    let vopr = voprFigures(calls: min(roundTrips, 200_000))
    if vopr.failed { print("warning: the VOPR found a failure; run iosim vopr --seed 1 to see it") }
    report("vopr_calls", vopr.callsPerSecond, "calls/s")
    report("vopr_peak_arena", Double(vopr.peakArenaBytes), "bytes")
    report("vopr_peak_resident", Double(vopr.peakResidentKiB), "KiB")
}
if wanted("perturbed_schedules_explored") {
    let explored = perturbedSchedulesExplored(count: 2_000)
    report("perturbed_schedules_explored", explored.rate, "schedules/s")
    report("perturbed_schedules_explored_count", Double(explored.schedules), "schedules")
}
