import IOKernel
import IOScenarios
import IOSimXCTest
import Win32Surface
import XCTest

/// The `iosim` scenario of issue 14 and what a process's exit does to a job it held.
final class ParentChildTimelineTests: XCTestCase {
    /// `parent-reads-child-output`: the timeline shows both processes' threads (`main` and
    /// `child.exe:main`), the child's exit running its process down (its handles closed, the
    /// write end's cleanup), then the parent's read completing and the next one breaking.
    func testTheIosimScenarioShowsBothProcesses() throws {
        let sim = try XCTUnwrap(Scenario.named("parent-reads-child-output")).run()
        let threads = sim.trace.entries.compactMap(\.thread).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        XCTAssertEqual(threads, ["main", "child.exe:main"])
        let texts = sim.trace.entries.map { sim.trace.text(of: $0.event) }
        func index(_ prefix: String) throws -> Int { try XCTUnwrap(texts.firstIndex { $0.hasPrefix(prefix) }, prefix) }
        let created = try index("child.exe (pid 0x404) created, inheriting 0x8")
        let exited = try index("child.exe (pid 0x404) exited with code 0")
        let broken = try index("GetQueuedCompletionStatus")
        XCTAssertLessThan(created, exited)
        XCTAssertLessThan(created, broken)
        XCTAssertEqual(sim.processes.map(\.exitCode), [nil, 0])
        XCTAssertTrue(sim.memoryViolations.isEmpty)
        XCTAssertTrue(sim.finish().isClean, sim.finish().description)
    }

    /// A process that made a kill-on-close job for its own child and exits without closing it:
    /// its rundown closes the job's last handle, which terminates the grandchild (exit code 0),
    /// as Microsoft's "Job Objects" says ("closing the last job object handle terminates all
    /// associated processes"). This is what lets a tool's children die with it.
    func testAProcessExitClosingItsKillOnCloseJobEndsTheJobsProcesses() {
        let sim = checkedSimulation()
        var grandchild: DWORD = 0
        sim.installProgram(#"C:\tools\sleeper.exe"#) {
            WaitForSingleObject(CreateEventW(nil, true, false, nil), INFINITE)
        }
        sim.installProgram(#"C:\tools\tool.exe"#) {
            let job = CreateJobObjectW(nil, nil)
            var limits = JOBOBJECT_EXTENDED_LIMIT_INFORMATION()
            limits.BasicLimitInformation.LimitFlags = DWORD(JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE)
            guard SetInformationJobObject(job, JobObjectExtendedLimitInformation, &limits,
                                          DWORD(MemoryLayout<JOBOBJECT_EXTENDED_LIMIT_INFORMATION>.size)) else { return 1 }
            let (ok, info) = startChild("sleeper.exe", stdout: nil, flags: DWORD(CREATE_SUSPENDED))
            guard ok, AssignProcessToJobObject(job, info.hProcess) else { return 2 }
            _ = ResumeThread(info.hThread)
            grandchild = info.dwProcessId
            // Returns without closing anything: the exit closes the handles.
            return 7
        }
        sim.run {
            let (ok, tool) = startChild("tool.exe", stdout: nil)
            XCTAssertTrue(ok)
            XCTAssertEqual(WaitForSingleObject(tool.hProcess, INFINITE), WAIT_OBJECT_0)
            var code: DWORD = 0
            XCTAssertTrue(GetExitCodeProcess(tool.hProcess, &code))
            XCTAssertEqual(code, 7)
            XCTAssertEqual(grandchild, 0x408)
            // The tool's rundown asked the sleeper to stop; it had exited by the time the tool
            // was signalled, so its id names no running process any more.
            XCTAssertNil(OpenProcess(DWORD(SYNCHRONIZE), false, grandchild))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_PARAMETER))
            XCTAssertEqual(sim.process(id: 0x408)?.exitCode, 0)
            XCTAssertEqual(sim.process(id: 0x408)?.hasExited, true)
            for handle in [tool.hProcess, tool.hThread] { XCTAssertTrue(CloseHandle(handle)) }
        }
    }
}
