import IOKernel
import IOScenarios
import IOSimTesting
import Testing
import Win32Surface

/// `IOSimTesting`: the seed's fixed code passes `expectClean()`; the wrong code makes it record
/// an issue with the report (a known issue here, so that the suite shows it is caught).
@Suite("expectClean for Swift Testing")
struct ExpectCleanTests {
    private func run(fixed: Bool) -> Simulation {
        let sim = Simulation(options: SimulationOptions(tracing: true))
        sim.installDevice(#"\\.\disk"#, driver: StockDriver(completion: .after(.seconds(10)), cancellation: .slow(.milliseconds(30))))
        sim.run {
            let h = CreateFileA(#"\\.\disk"#, GENERIC_READ, 0, nil, DWORD(OPEN_EXISTING), DWORD(FILE_FLAG_OVERLAPPED), nil)
            _ = readWithTimeout(sim, h) { h, o in
                guard fixed else { return }
                var n: DWORD = 0
                _ = GetOverlappedResult(h, o, &n, true)
            }
            Sleep(100)
            _ = CloseHandle(h)
        }
        return sim
    }

    @Test("the seed's fixed code is clean")
    func fixedCodeIsClean() {
        run(fixed: true).expectClean()
    }

    @Test("the seed's wrong code records an issue naming the violations")
    func wrongCodeRecordsAnIssue() {
        let sim = run(fixed: false)
        #expect(sim.uncleanReport()?.contains("memory violation: ") == true)
        withKnownIssue("the wrong code frees the OVERLAPPED while the read is in flight") {
            sim.expectClean()
        }
    }
}
