// iosim: runs a scenario from the seed documents on the simulated kernel and prints its
// timeline.
//
//     swift run iosim                 lists the scenarios
//     swift run iosim <scenario>      runs one and prints its timeline
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

guard let scenario = Scenario.named(name) else {
    print("iosim: no scenario named '\(name)'\n")
    list()
    exit(1)
}

let sim = scenario.run()
print("\(scenario.name)   [seed: \(scenario.seed)]\n\(scenario.summary)\n")
print("        time  thread  event")
print(sim.trace.timeline())
for hang in sim.hangs { print(hang) }
print("\nteardown: \(sim.finish().description(naming: sim.trace))")
