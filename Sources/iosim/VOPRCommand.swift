import IOVOPR
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `iosim vopr [--seed S] [--calls N] [--episode-length L] [--quarantine-budget B] [--trace]`: runs the VOPR (a seeded
/// random workload with the kernel's invariants checked after every call) and prints its
/// report. Without `--seed` a seed is drawn and printed first, so that any failure replays with
/// the command the report gives. Exits 1 on a failure.
func vopr(_ arguments: [String]) -> Int32 {
    func value(_ flag: String) -> String? {
        guard let at = arguments.firstIndex(of: flag), at + 1 < arguments.count else { return nil }
        return arguments[at + 1]
    }
    let seed = value("--seed").flatMap { UInt64($0) } ?? UInt64.random(in: 1...UInt64(UInt32.max))
    let calls = value("--calls").flatMap { Int(String($0.filter { $0 != "_" })) } ?? 1_000_000
    var options = VOPR.Options(seed: seed, calls: calls, tracing: arguments.contains("--trace"))
    if let length = value("--episode-length").flatMap({ Int($0) }) { options.episodeLength = max(1, length) }
    if let budget = value("--quarantine-budget").flatMap({ Int($0) }) { options.quarantineBudget = max(0, budget) }
    print("VOPR: seed \(seed), \(calls) calls (replay: swift run iosim vopr --seed \(seed) --calls \(calls))")
    fflush(nil)
    let report = VOPR.run(options)
    print(report)
    let operations = report.operations.sorted { $0.key.rawValue < $1.key.rawValue }
        .map { "\($0.key.rawValue) \($0.value)" }.joined(separator: ", ")
    print("operations: \(operations)")
    return report.failure == nil ? 0 : 1
}
