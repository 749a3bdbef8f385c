import IOKernel
import XCTest

extension XCTestCase {
    /// A simulation that is checked when the test ends: any memory violation the test did not
    /// take (``Simulation/takeMemoryViolations()``), and, unless `expectingCleanFinish` is
    /// false, anything ``Simulation/finish()`` finds left behind (IRPs in flight, open handles,
    /// undelivered APCs, undequeued packets, blocked threads, memory never freed), fails the
    /// test with the report, pointing at the line that created the simulation.
    ///
    /// A test that expects a violation says so by taking it and asserting on it:
    ///
    /// ```swift
    /// let sim = checkedSimulation()
    /// sim.run { … }
    /// let violations = sim.takeMemoryViolations()
    /// XCTAssertEqual(violations.map(\.kind), [.freedWhileInFlight, .kernelWroteFreedMemory])
    /// ```
    public func checkedSimulation(options: SimulationOptions = SimulationOptions(tracing: true),
                                  strategy: SchedulingStrategy = RunUntilBlocked(),
                                  expectingCleanFinish: Bool = true,
                                  file: StaticString = #filePath, line: UInt = #line) -> Simulation
    {
        let sim = Simulation(options: options, strategy: strategy)
        let checked = CheckedAtTeardown(sim)
        addTeardownBlock {
            // Let go of the simulation once it is checked: XCTest keeps its test cases, and their
            // teardown blocks, for the whole run, and a simulation kept by one would stay
            // allocated until the test process ends.
            guard let sim = checked.take() else { return }
            if let failure = sim.uncleanReport(checkingFinish: expectingCleanFinish) { XCTFail(failure, file: file, line: line) }
        }
        return sim
    }
}

/// The simulation a teardown block checks, held until the check takes it.
private final class CheckedAtTeardown {
    private var simulation: Simulation?
    init(_ simulation: Simulation) { self.simulation = simulation }
    func take() -> Simulation? {
        defer { simulation = nil }
        return simulation
    }
}
