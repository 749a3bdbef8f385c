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
        addTeardownBlock {
            if let failure = sim.uncleanReport(checkingFinish: expectingCleanFinish) { XCTFail(failure, file: file, line: line) }
        }
        return sim
    }
}
