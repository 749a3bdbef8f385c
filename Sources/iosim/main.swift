// iosim: runs a scenario from the seed documents on the simulated kernel and prints its
// timeline.
//
//     swift run iosim                 lists the scenarios
//     swift run iosim <scenario>      runs one and prints its timeline
//       --html FILE                   also writes the timeline as a picture (HTML with SVG)
//       --trace-json FILE             also writes it in the Trace Event Format (Perfetto)
//       --token T                     replays the schedule `iosim explore` reported
//     swift run iosim explore <scenario> [options]   explores its schedules (Explore.swift)
//     swift run iosim vopr [--seed S] [--calls N]     the VOPR: a seeded random workload with
//                                                     the kernel's invariants checked after
//                                                     every call (VOPRCommand.swift)
import IOKernel
import IOScenarios
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

let arguments = Array(CommandLine.arguments.dropFirst())

func list() {
    print("Scenarios (swift run iosim <name>):\n")
    for scenario in Scenario.all {
        print("  \(scenario.name)   [seed: \(scenario.seed)]")
        print("      \(scenario.summary)\n")
    }
}

guard let name = arguments.first, name != "--help", name != "-h", name != "list" else {
    list()
    exit(0)
}

if name == "vopr" { exit(vopr(Array(arguments.dropFirst()))) }

if name == "explore" {
    guard arguments.count > 1, let scenario = Scenario.named(arguments[1]) else {
        print("iosim explore: name a scenario\n")
        list()
        exit(2)
    }
    exit(explore(scenario, Array(arguments.dropFirst(2))))
}

guard let scenario = Scenario.named(name) else {
    print("iosim: no scenario named '\(name)'\n")
    list()
    exit(1)
}

/// The value after `flag` in the arguments, if the flag is there.
func option(_ flag: String) -> String? {
    guard let at = arguments.firstIndex(of: flag), at + 1 < arguments.count else { return nil }
    return arguments[at + 1]
}

/// Writes `text` to `path`, or says why not and exits.
func write(_ text: String, to path: String) {
    guard let file = fopen(path, "w") else {
        print("iosim: cannot write \(path)")
        exit(1)
    }
    fputs(text, file)
    fclose(file)
}

var strategy: SchedulingStrategy = RunUntilBlocked()
if let text = option("--token") {
    guard let token = ScheduleToken(text), let options = explorationOptions(arguments) else {
        print("iosim: bad --token or budget")
        exit(2)
    }
    strategy = ReplayStrategy(token, perturbations: options.perturbations)
}
let sim = scenario.run(strategy: strategy)
if let path = option("--html") { write(sim.trace.html(title: scenario.name, summary: scenario.summary), to: path) }
if let path = option("--trace-json") { write(sim.trace.traceEventJSON(title: scenario.name), to: path) }
print("\(scenario.name)   [seed: \(scenario.seed)]\n\(scenario.summary)\n")
print("        time  thread  event")
print(sim.trace.timeline())
for hang in sim.hangs { print(hang) }
print("\nteardown: \(sim.finish().description(naming: sim.trace))")
