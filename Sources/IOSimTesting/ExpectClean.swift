import IOKernel
import Testing

extension Simulation {
    /// Records a Swift Testing issue with ``uncleanReport(checkingFinish:)`` if the simulation
    /// has memory violations the test did not take (``takeMemoryViolations()``) or, with
    /// `checkingFinish`, left anything behind. Call it at the end of a `@Test`:
    ///
    /// ```swift
    /// @Test func theFixedCodeIsClean() {
    ///     let sim = Simulation(options: SimulationOptions(tracing: true))
    ///     sim.run { … }
    ///     sim.expectClean()
    /// }
    /// ```
    public func expectClean(checkingFinish: Bool = true, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        if let report = uncleanReport(checkingFinish: checkingFinish) {
            Issue.record(Comment(rawValue: report), sourceLocation: sourceLocation)
        }
    }
}
