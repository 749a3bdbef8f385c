import IOKernel
import IOSimXCTest
import Win32Surface
import XCTest

/// Job objects as Wine's conformance tests see Windows run them (dlls/kernel32/tests/process.c:
/// `test_IsProcessInJob`, `test_TerminateJobObject`, `test_WaitForJobObject`,
/// `test_KillOnJobClose`, `test_QueryInformationJobObject`, `test_jobInheritance`,
/// `test_BreakawayOk`), and as swift-subprocess uses them: every child is created suspended,
/// put in a job, then resumed, and `terminate(toProcessGroup: true)` is `TerminateJobObject`.
final class JobObjectTests: XCTestCase {
    /// `wait.exe` waits for `quit` (an inheritable event the parent sets at the end) and returns
    /// 0; `spawner.exe` first starts a `wait.exe` of its own (a grandchild) and waits too.
    private func installWaiters(_ sim: Simulation, quit: @escaping () -> HANDLE?, grandchild: @escaping (DWORD) -> Void = { _ in }) {
        sim.installProgram(#"C:\tools\wait.exe"#) {
            WaitForSingleObject(quit(), INFINITE) == WAIT_OBJECT_0 ? 0 : 1
        }
        sim.installProgram(#"C:\tools\spawner.exe"#) {
            let (ok, info) = startChild("wait.exe", stdout: nil)
            guard ok else { return 2 }
            grandchild(info.dwProcessId)
            _ = CloseHandle(info.hThread)
            _ = CloseHandle(info.hProcess)
            return WaitForSingleObject(quit(), INFINITE) == WAIT_OBJECT_0 ? 0 : 1
        }
    }

    private func quitEvent() -> HANDLE? {
        var attributes = inheritable()
        return CreateEventW(&attributes, true, false, nil)
    }

    private func closeAll(_ handles: HANDLE?...) {
        for handle in handles { XCTAssertTrue(CloseHandle(handle)) }
    }

    /// `test_IsProcessInJob`: FALSE before the assignment, TRUE for its job (and for "any job",
    /// NULL) after, FALSE for another job, and still TRUE once the process has exited.
    func testIsProcessInJob() {
        let sim = checkedSimulation()
        var quit: HANDLE?
        installWaiters(sim, quit: { quit })
        sim.run {
            quit = quitEvent()
            let job = CreateJobObjectW(nil, nil)
            let job2 = CreateJobObjectW(nil, nil)
            XCTAssertEqual(GetLastError(), DWORD(ERROR_SUCCESS))
            let (ok, info) = startChild("wait.exe", stdout: nil)
            XCTAssertTrue(ok)
            var result: WindowsBool = true
            XCTAssertTrue(IsProcessInJob(info.hProcess, job, &result))
            XCTAssertFalse(result.boolValue)
            result = true
            XCTAssertTrue(IsProcessInJob(info.hProcess, job2, &result))
            XCTAssertFalse(result.boolValue)
            XCTAssertTrue(IsProcessInJob(info.hProcess, nil, &result))
            XCTAssertFalse(result.boolValue)

            XCTAssertTrue(AssignProcessToJobObject(job, info.hProcess))
            XCTAssertTrue(IsProcessInJob(info.hProcess, job, &result))
            XCTAssertTrue(result.boolValue)
            XCTAssertTrue(IsProcessInJob(info.hProcess, job2, &result))
            XCTAssertFalse(result.boolValue)
            XCTAssertTrue(IsProcessInJob(info.hProcess, nil, &result))
            XCTAssertTrue(result.boolValue)
            // The parent is in no job; a handle that is no job is an invalid handle.
            XCTAssertTrue(IsProcessInJob(GetCurrentProcess(), nil, &result))
            XCTAssertFalse(result.boolValue)
            XCTAssertFalse(IsProcessInJob(info.hProcess, quit, &result))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_HANDLE))
            XCTAssertFalse(AssignProcessToJobObject(quit, info.hProcess))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_HANDLE))

            XCTAssertTrue(TerminateProcess(info.hProcess, 0))
            XCTAssertEqual(WaitForSingleObject(info.hProcess, INFINITE), WAIT_OBJECT_0)
            XCTAssertTrue(IsProcessInJob(info.hProcess, job, &result))
            XCTAssertTrue(result.boolValue)
            closeAll(info.hProcess, info.hThread, job, job2, quit)
        }
    }

    /// `test_TerminateJobObject` and `test_WaitForJobObject`: a job is not signalled while its
    /// process runs; `TerminateJobObject(job, 123)` ends the process with exit code 123 and
    /// signals the job, which stays signalled (a new process assigned does not reset it); a
    /// process that has exited cannot join (`ERROR_ACCESS_DENIED`). A job whose process exits
    /// by itself is not signalled.
    func testTerminateJobObjectEndsItsProcessesAndSignalsTheJob() {
        let sim = checkedSimulation()
        var quit: HANDLE?
        installWaiters(sim, quit: { quit })
        sim.run {
            quit = quitEvent()
            let job = CreateJobObjectW(nil, nil)
            XCTAssertEqual(WaitForSingleObject(job, 100), DWORD(WAIT_TIMEOUT))
            let (_, first) = startChild("wait.exe", stdout: nil)
            XCTAssertTrue(AssignProcessToJobObject(job, first.hProcess))
            XCTAssertEqual(WaitForSingleObject(job, 100), DWORD(WAIT_TIMEOUT))

            XCTAssertTrue(TerminateJobObject(job, 123))
            XCTAssertEqual(WaitForSingleObject(first.hProcess, 1000), WAIT_OBJECT_0)
            var code: DWORD = 0
            XCTAssertTrue(GetExitCodeProcess(first.hProcess, &code))
            XCTAssertEqual(code, 123)
            XCTAssertEqual(WaitForSingleObject(job, 500), WAIT_OBJECT_0)
            // "the object is not reset immediately"
            XCTAssertEqual(WaitForSingleObject(job, 100), WAIT_OBJECT_0)
            // "creating a new process doesn't reset the signalled state"
            let (_, second) = startChild("wait.exe", stdout: nil)
            XCTAssertTrue(AssignProcessToJobObject(job, second.hProcess))
            XCTAssertEqual(WaitForSingleObject(job, 100), WAIT_OBJECT_0)
            XCTAssertTrue(TerminateJobObject(job, 123))
            XCTAssertEqual(WaitForSingleObject(second.hProcess, INFINITE), WAIT_OBJECT_0)

            // "Test adding an already terminated process to a job object"
            XCTAssertFalse(AssignProcessToJobObject(job, first.hProcess))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_ACCESS_DENIED))

            // "this time the process terminates properly": the job is not signalled.
            let other = CreateJobObjectW(nil, nil)
            let (_, third) = startChild("wait.exe", stdout: nil)
            XCTAssertTrue(AssignProcessToJobObject(other, third.hProcess))
            XCTAssertTrue(SetEvent(quit))
            XCTAssertEqual(WaitForSingleObject(third.hProcess, INFINITE), WAIT_OBJECT_0)
            XCTAssertTrue(GetExitCodeProcess(third.hProcess, &code))
            XCTAssertEqual(code, 0)
            XCTAssertEqual(WaitForSingleObject(other, 100), DWORD(WAIT_TIMEOUT))
            closeAll(first.hProcess, first.hThread, second.hProcess, second.hThread, third.hProcess, third.hThread,
                     job, other, quit)
        }
    }

    /// swift-subprocess's spawn: `CreateProcessW` with `CREATE_SUSPENDED`,
    /// `AssignProcessToJobObject` before any of the child's code runs, `ResumeThread`; the
    /// child's own child joins the job by default ("any child processes it creates using
    /// CreateProcess are also associated with the job": Microsoft's "Job Objects";
    /// `test_jobInheritance`). `TerminateProcess` ends only the child, leaving the grandchild
    /// in the job; `TerminateJobObject` (`terminate(toProcessGroup: true)`) ends every member
    /// with its exit code.
    func testASuspendedChildJoinsTheJobAndItsChildrenFollow() {
        let sim = checkedSimulation()
        var quit: HANDLE?
        var grandchildren: [DWORD] = []
        installWaiters(sim, quit: { quit }, grandchild: { grandchildren.append($0) })
        sim.run {
            quit = quitEvent()
            let job = CreateJobObjectW(nil, nil)
            var processes: [PROCESS_INFORMATION] = []
            for _ in 0..<2 {
                let (ok, info) = startChild("spawner.exe", stdout: nil, flags: DWORD(CREATE_SUSPENDED))
                XCTAssertTrue(ok)
                XCTAssertTrue(AssignProcessToJobObject(job, info.hProcess))
                XCTAssertEqual(ResumeThread(info.hThread), 1)
                processes.append(info)
            }
            // Each spawner runs and starts its wait.exe when this thread blocks.
            XCTAssertEqual(WaitForSingleObject(processes[0].hProcess, 10), DWORD(WAIT_TIMEOUT))
            XCTAssertEqual(grandchildren, [0x40C, 0x410])
            let grandchild = OpenProcess(DWORD(SYNCHRONIZE) | DWORD(PROCESS_QUERY_LIMITED_INFORMATION), false, grandchildren[0])
            var inJob: WindowsBool = false
            XCTAssertTrue(IsProcessInJob(grandchild, job, &inJob))
            XCTAssertTrue(inJob.boolValue)

            // terminate(toProcessGroup: false): the spawner only.
            XCTAssertTrue(TerminateProcess(processes[0].hProcess, 5))
            XCTAssertEqual(WaitForSingleObject(processes[0].hProcess, INFINITE), WAIT_OBJECT_0)
            XCTAssertEqual(WaitForSingleObject(grandchild, 100), DWORD(WAIT_TIMEOUT))
            XCTAssertTrue(IsProcessInJob(grandchild, nil, &inJob))
            XCTAssertTrue(inJob.boolValue)

            // terminate(toProcessGroup: true): everyone left, with the code given.
            XCTAssertTrue(TerminateJobObject(job, 9))
            XCTAssertEqual(WaitForSingleObject(grandchild, INFINITE), WAIT_OBJECT_0)
            XCTAssertEqual(WaitForSingleObject(processes[1].hProcess, INFINITE), WAIT_OBJECT_0)
            XCTAssertEqual(sim.processes.map { $0.exitCode ?? 0xFFFF }, [0xFFFF, 5, 9, 9, 9])
            XCTAssertEqual(sim.processes.map { $0.isInJob(nil) }, [false, true, true, true, true])
            closeAll(grandchild, job, quit)
            for info in processes { closeAll(info.hProcess, info.hThread) }
        }
    }

    /// `test_KillOnJobClose`, with the structure swift-subprocess's `testPlatformHandles`
    /// fills: `JOBOBJECT_EXTENDED_LIMIT_INFORMATION` with `JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE`.
    /// Closing the job's last handle terminates its processes (exit code 0, `STATUS_SUCCESS`
    /// as `PspCloseJob` passes it). Wine's `NtSetInformationJobObject` checks: the length must
    /// be the structure's, and the flags valid for the class (the extended flags need the
    /// extended class): else `ERROR_INVALID_PARAMETER`. Limits the simulator does not enforce
    /// are refused, `ERROR_NOT_SUPPORTED`.
    func testKillOnJobCloseEndsTheProcessesAtTheLastHandle() {
        let sim = checkedSimulation()
        var quit: HANDLE?
        installWaiters(sim, quit: { quit })
        sim.run {
            quit = quitEvent()
            let job = CreateJobObjectW(nil, nil)
            var info = JOBOBJECT_EXTENDED_LIMIT_INFORMATION()
            info.BasicLimitInformation.LimitFlags = DWORD(JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE)
            let size = DWORD(MemoryLayout<JOBOBJECT_EXTENDED_LIMIT_INFORMATION>.size)
            XCTAssertEqual(size, 144)
            XCTAssertFalse(SetInformationJobObject(job, JobObjectExtendedLimitInformation, &info, size - 1))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_PARAMETER))
            var basic = JOBOBJECT_BASIC_LIMIT_INFORMATION()
            basic.LimitFlags = DWORD(JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE)
            XCTAssertFalse(SetInformationJobObject(job, JobObjectBasicLimitInformation, &basic,
                                                   DWORD(MemoryLayout<JOBOBJECT_BASIC_LIMIT_INFORMATION>.size)))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_PARAMETER))
            info.BasicLimitInformation.LimitFlags = DWORD(JOB_OBJECT_LIMIT_ACTIVE_PROCESS)
            XCTAssertFalse(SetInformationJobObject(job, JobObjectExtendedLimitInformation, &info, size))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_NOT_SUPPORTED))
            info.BasicLimitInformation.LimitFlags = DWORD(JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE)
            XCTAssertTrue(SetInformationJobObject(job, JobObjectExtendedLimitInformation, &info, size))

            let (_, child) = startChild("spawner.exe", stdout: nil, flags: DWORD(CREATE_SUSPENDED))
            XCTAssertTrue(AssignProcessToJobObject(job, child.hProcess))
            XCTAssertEqual(ResumeThread(child.hThread), 1)
            XCTAssertEqual(WaitForSingleObject(child.hProcess, 10), DWORD(WAIT_TIMEOUT))
            // A second handle: closing the first kills nothing.
            var copy: HANDLE?
            XCTAssertTrue(DuplicateHandle(GetCurrentProcess(), job, GetCurrentProcess(), &copy, 0, false,
                                          DWORD(DUPLICATE_SAME_ACCESS)))
            XCTAssertTrue(CloseHandle(job))
            XCTAssertEqual(WaitForSingleObject(child.hProcess, 100), DWORD(WAIT_TIMEOUT))
            XCTAssertTrue(CloseHandle(copy))
            XCTAssertEqual(WaitForSingleObject(child.hProcess, 1000), WAIT_OBJECT_0)
            var code: DWORD = 99
            XCTAssertTrue(GetExitCodeProcess(child.hProcess, &code))
            XCTAssertEqual(code, 0)
            XCTAssertEqual(sim.processes.map { $0.hasExited }, [false, true, true])
            closeAll(child.hProcess, child.hThread, quit)
        }
    }

    /// `test_AddSelfToJob`, `test_jobInheritance` and `test_BreakawayOk`: the parent puts
    /// itself in a job, then in a second, empty job, which nests under the first (Windows 8
    /// and later); `CREATE_BREAKAWAY_FROM_JOB` from a job that does not allow it fails with
    /// `ERROR_ACCESS_DENIED`; with `JOB_OBJECT_LIMIT_BREAKAWAY_OK` on the inner job the child
    /// leaves it but stays in the outer one, and with it on both, in neither;
    /// `JOB_OBJECT_LIMIT_SILENT_BREAKAWAY_OK` lets a child created without the flag go.
    func testNestedJobsAndBreakaway() {
        let sim = checkedSimulation()
        sim.installProgram(#"C:\tools\exit.exe"#) { 0 }
        sim.run {
            let parentJob = CreateJobObjectW(nil, nil)
            XCTAssertTrue(AssignProcessToJobObject(parentJob, GetCurrentProcess()))
            var out: WindowsBool = false
            var (ok, child) = startChild("exit.exe", stdout: nil)
            XCTAssertTrue(ok)
            XCTAssertTrue(IsProcessInJob(child.hProcess, parentJob, &out))
            XCTAssertTrue(out.boolValue)
            closeAll(child.hProcess, child.hThread)

            let outer = sim.processes[0].job?.label
            let job = CreateJobObjectW(nil, nil)
            XCTAssertTrue(AssignProcessToJobObject(job, GetCurrentProcess()))
            XCTAssertNotEqual(sim.processes[0].job?.label, outer)
            XCTAssertEqual(sim.processes[0].job?.parent?.label, outer)
            // Back to the outer job: the process is in it already, nothing changes.
            XCTAssertTrue(AssignProcessToJobObject(parentJob, GetCurrentProcess()))
            XCTAssertEqual(sim.processes[0].job?.parent?.label, outer)
            (ok, child) = startChild("exit.exe", stdout: nil, flags: DWORD(CREATE_BREAKAWAY_FROM_JOB))
            XCTAssertFalse(ok)
            XCTAssertEqual(GetLastError(), DWORD(ERROR_ACCESS_DENIED))

            var limits = JOBOBJECT_EXTENDED_LIMIT_INFORMATION()
            let size = DWORD(MemoryLayout<JOBOBJECT_EXTENDED_LIMIT_INFORMATION>.size)
            limits.BasicLimitInformation.LimitFlags = DWORD(JOB_OBJECT_LIMIT_BREAKAWAY_OK)
            XCTAssertTrue(SetInformationJobObject(job, JobObjectExtendedLimitInformation, &limits, size))
            (ok, child) = startChild("exit.exe", stdout: nil, flags: DWORD(CREATE_BREAKAWAY_FROM_JOB))
            XCTAssertTrue(ok)
            XCTAssertTrue(IsProcessInJob(child.hProcess, job, &out))
            XCTAssertFalse(out.boolValue)
            XCTAssertTrue(IsProcessInJob(child.hProcess, parentJob, &out))
            XCTAssertTrue(out.boolValue)
            closeAll(child.hProcess, child.hThread)

            XCTAssertTrue(SetInformationJobObject(parentJob, JobObjectExtendedLimitInformation, &limits, size))
            (ok, child) = startChild("exit.exe", stdout: nil, flags: DWORD(CREATE_BREAKAWAY_FROM_JOB))
            XCTAssertTrue(ok)
            XCTAssertTrue(IsProcessInJob(child.hProcess, job, &out))
            XCTAssertFalse(out.boolValue)
            XCTAssertTrue(IsProcessInJob(child.hProcess, parentJob, &out))
            XCTAssertFalse(out.boolValue)
            closeAll(child.hProcess, child.hThread)

            limits.BasicLimitInformation.LimitFlags = DWORD(JOB_OBJECT_LIMIT_SILENT_BREAKAWAY_OK)
            XCTAssertTrue(SetInformationJobObject(job, JobObjectExtendedLimitInformation, &limits, size))
            (ok, child) = startChild("exit.exe", stdout: nil)
            XCTAssertTrue(ok)
            XCTAssertTrue(IsProcessInJob(child.hProcess, job, &out))
            XCTAssertFalse(out.boolValue)
            closeAll(child.hProcess, child.hThread, job, parentJob)
        }
    }

    /// `test_QueryInformationJobObject`: "Only active processes are returned" in the id list;
    /// a buffer with room for the header only is `ERROR_BAD_LENGTH`, room for one id of two is
    /// `ERROR_MORE_DATA`; the limit structures need their full size; the accounting counts
    /// every process the job ever had (3) and the active ones (2).
    func testQueryInformationJobObject() {
        let sim = checkedSimulation()
        var quit: HANDLE?
        installWaiters(sim, quit: { quit })
        sim.installProgram(#"C:\tools\exit.exe"#) { 0 }
        sim.run {
            quit = quitEvent()
            let job = CreateJobObjectW(nil, nil)
            let (_, exited) = startChild("exit.exe", stdout: nil, flags: DWORD(CREATE_SUSPENDED))
            XCTAssertTrue(AssignProcessToJobObject(job, exited.hProcess))
            XCTAssertEqual(ResumeThread(exited.hThread), 1)
            XCTAssertEqual(WaitForSingleObject(exited.hProcess, INFINITE), WAIT_OBJECT_0)
            let (_, first) = startChild("wait.exe", stdout: nil)
            XCTAssertTrue(AssignProcessToJobObject(job, first.hProcess))
            let (_, second) = startChild("wait.exe", stdout: nil)
            XCTAssertTrue(AssignProcessToJobObject(job, second.hProcess))

            let header = MemoryLayout<JOBOBJECT_BASIC_PROCESS_ID_LIST>.offset(of: \.ProcessIdList)!
            let list = UnsafeMutableRawPointer.allocate(byteCount: header + 4 * 8, alignment: 8)
            defer { list.deallocate() }
            var length: DWORD = 0
            XCTAssertFalse(QueryInformationJobObject(job, JobObjectBasicProcessIdList, list, DWORD(header), &length))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_BAD_LENGTH))
            XCTAssertFalse(QueryInformationJobObject(job, JobObjectBasicProcessIdList, list, DWORD(header + 8), &length))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_MORE_DATA))
            XCTAssertTrue(QueryInformationJobObject(job, JobObjectBasicProcessIdList, list, DWORD(header + 4 * 8), &length))
            XCTAssertEqual(Int(length), header + 2 * 8)
            let ids = list.assumingMemoryBound(to: JOBOBJECT_BASIC_PROCESS_ID_LIST.self)
            XCTAssertEqual(ids.pointee.NumberOfAssignedProcesses, 2)
            XCTAssertEqual(ids.pointee.NumberOfProcessIdsInList, 2)
            XCTAssertEqual((list + header).load(as: UInt.self), UInt(first.dwProcessId))
            XCTAssertEqual((list + header + 8).load(as: UInt.self), UInt(second.dwProcessId))

            var basic = JOBOBJECT_BASIC_LIMIT_INFORMATION()
            let basicSize = DWORD(MemoryLayout<JOBOBJECT_BASIC_LIMIT_INFORMATION>.size)
            XCTAssertEqual(basicSize, 64)
            XCTAssertFalse(QueryInformationJobObject(job, JobObjectBasicLimitInformation, &basic, basicSize - 1, &length))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_BAD_LENGTH))
            length = 0xDEAD_BEEF
            basic.LimitFlags = 0x1111_1111
            XCTAssertTrue(QueryInformationJobObject(job, JobObjectBasicLimitInformation, &basic, basicSize, &length))
            XCTAssertEqual(length, basicSize)
            XCTAssertEqual(basic.LimitFlags, 0)
            var extended = JOBOBJECT_EXTENDED_LIMIT_INFORMATION()
            let extendedSize = DWORD(MemoryLayout<JOBOBJECT_EXTENDED_LIMIT_INFORMATION>.size)
            XCTAssertFalse(QueryInformationJobObject(job, JobObjectExtendedLimitInformation, &extended, extendedSize - 1, &length))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_BAD_LENGTH))
            XCTAssertTrue(QueryInformationJobObject(job, JobObjectExtendedLimitInformation, &extended, extendedSize, &length))
            XCTAssertEqual(length, extendedSize)

            var accounting = JOBOBJECT_BASIC_ACCOUNTING_INFORMATION()
            let accountingSize = DWORD(MemoryLayout<JOBOBJECT_BASIC_ACCOUNTING_INFORMATION>.size)
            XCTAssertTrue(QueryInformationJobObject(job, JobObjectBasicAccountingInformation, &accounting, accountingSize, &length))
            XCTAssertEqual(length, accountingSize)
            XCTAssertEqual(accounting.TotalProcesses, 3)
            XCTAssertEqual(accounting.ActiveProcesses, 2)

            XCTAssertTrue(TerminateProcess(first.hProcess, 0))
            XCTAssertTrue(TerminateProcess(second.hProcess, 0))
            for info in [exited, first, second] {
                XCTAssertEqual(WaitForSingleObject(info.hProcess, INFINITE), WAIT_OBJECT_0)
                closeAll(info.hProcess, info.hThread)
            }
            closeAll(job, quit)
        }
    }

    /// `test_CompletionPort`: a process in the job before the port is associated is announced
    /// at the association, the next one at its assignment (`JOB_OBJECT_MSG_NEW_PROCESS`, the
    /// process id as the `OVERLAPPED` pointer, the job's `CompletionKey` as the key); each exit
    /// posts `JOB_OBJECT_MSG_EXIT_PROCESS`, and the last `JOB_OBJECT_MSG_ACTIVE_PROCESS_ZERO`
    /// with no process.
    func testJobMessagesOnACompletionPort() {
        let sim = checkedSimulation()
        var quit: HANDLE?
        installWaiters(sim, quit: { quit })
        sim.run {
            quit = quitEvent()
            let job = CreateJobObjectW(nil, nil)
            let (_, pi2) = startChild("wait.exe", stdout: nil)
            XCTAssertTrue(AssignProcessToJobObject(job, pi2.hProcess))
            let port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, nil, 0, 1)
            var association = JOBOBJECT_ASSOCIATE_COMPLETION_PORT()
            association.CompletionKey = UnsafeMutableRawPointer(job)
            association.CompletionPort = port
            let size = DWORD(MemoryLayout<JOBOBJECT_ASSOCIATE_COMPLETION_PORT>.size)
            XCTAssertTrue(SetInformationJobObject(job, JobObjectAssociateCompletionPortInformation, &association, size))
            XCTAssertFalse(SetInformationJobObject(job, JobObjectAssociateCompletionPortInformation, &association, size))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_PARAMETER))
            let (_, pi) = startChild("wait.exe", stdout: nil)
            XCTAssertTrue(AssignProcessToJobObject(job, pi.hProcess))

            func next(_ wait: DWORD = 0) -> (message: DWORD, key: ULONG_PTR, pid: UInt)? {
                var bytes: DWORD = 0
                var key: ULONG_PTR = 0
                var overlapped: LPOVERLAPPED?
                guard GetQueuedCompletionStatus(port, &bytes, &key, &overlapped, wait) else { return nil }
                return (bytes, key, UInt(bitPattern: overlapped))
            }
            let jobKey = ULONG_PTR(UInt(bitPattern: job))
            XCTAssertTrue(next().map { $0 == (DWORD(JOB_OBJECT_MSG_NEW_PROCESS), jobKey, UInt(pi2.dwProcessId)) } ?? false)
            XCTAssertTrue(next().map { $0 == (DWORD(JOB_OBJECT_MSG_NEW_PROCESS), jobKey, UInt(pi.dwProcessId)) } ?? false)
            XCTAssertNil(next())

            XCTAssertTrue(TerminateProcess(pi.hProcess, 0))
            XCTAssertEqual(WaitForSingleObject(pi.hProcess, INFINITE), WAIT_OBJECT_0)
            XCTAssertTrue(next().map { $0 == (DWORD(JOB_OBJECT_MSG_EXIT_PROCESS), jobKey, UInt(pi.dwProcessId)) } ?? false)
            XCTAssertTrue(TerminateProcess(pi2.hProcess, 0))
            XCTAssertEqual(WaitForSingleObject(pi2.hProcess, INFINITE), WAIT_OBJECT_0)
            XCTAssertTrue(next().map { $0 == (DWORD(JOB_OBJECT_MSG_EXIT_PROCESS), jobKey, UInt(pi2.dwProcessId)) } ?? false)
            XCTAssertTrue(next(100).map { $0 == (DWORD(JOB_OBJECT_MSG_ACTIVE_PROCESS_ZERO), jobKey, 0) } ?? false)
            XCTAssertNil(next())
            closeAll(pi.hProcess, pi.hThread, pi2.hProcess, pi2.hThread, job, port, quit)
        }
    }

    /// One namespace for events, file mappings and jobs: "If lpName matches the name of an
    /// existing event, semaphore, mutex, waitable timer, or file-mapping object, the function
    /// fails and the GetLastError function returns ERROR_INVALID_HANDLE" (CreateJobObject). A
    /// name leaves the namespace with its object's last handle ("The event object is destroyed
    /// when its last handle has been closed", CreateEvent), so the job may take the event's name
    /// once it is closed; a second create of the job's name opens it (ERROR_ALREADY_EXISTS), and
    /// an event may take the name once the job's handles are closed.
    func testAJobCannotTakeTheNameOfAnEventOrAMapping() {
        let sim = checkedSimulation()
        var steps: [String] = []
        func result(_ handle: HANDLE?) -> String { "\(handle == nil ? "NULL" : "handle") \(win32ErrorName(GetLastError()))" }
        sim.run {
            let mapping = CreateFileMappingA(INVALID_HANDLE_VALUE, nil, DWORD(PAGE_READWRITE), 0, 4096, "Local\\board")
            let event = CreateEventA(nil, true, false, "Local\\signal")
            steps.append("job named as the mapping: \(result(CreateJobObjectA(nil, "Local\\board")))")
            steps.append("job named as the event: \(result(CreateJobObjectW(nil, Array("Local\\signal".utf16) + [0])))")
            CloseHandle(event)
            let job = CreateJobObjectA(nil, "Local\\signal")
            steps.append("once the event is closed: \(result(job))")
            let again = CreateJobObjectA(nil, "Local\\signal")
            steps.append("again: \(result(again))")
            closeAll(again, job, mapping)
            let event2 = CreateEventA(nil, true, false, "Local\\signal")
            steps.append("an event once the job's handles are closed: \(result(event2))")
            closeAll(event2)
        }
        XCTAssertEqual(steps, [
            "job named as the mapping: NULL ERROR_INVALID_HANDLE",
            "job named as the event: NULL ERROR_INVALID_HANDLE",
            "once the event is closed: handle ERROR_SUCCESS",
            "again: handle ERROR_ALREADY_EXISTS",
            "an event once the job's handles are closed: handle ERROR_SUCCESS",
        ])
    }
}
