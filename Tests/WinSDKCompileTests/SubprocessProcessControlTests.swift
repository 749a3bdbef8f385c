import IOKernel
import IOSimXCTest
import WinSDK
import XCTest

/// swift-subprocess's process control as its Windows code writes it
/// (Sources/Subprocess/Platforms/Subprocess+Windows.swift: `createJobObject`,
/// `assignChildToJobObjectAndResume`, `terminate(withExitCode:toProcessGroup:)`,
/// `withCopiedEnv`, the `CreateProcessWithLogonW` branch; Tests/SubprocessTests/WindowsTests.swift:
/// `testPlatformHandles`), compiled against `import WinSDK` and run in a simulation.
final class SubprocessProcessControlTests: XCTestCase {
    func testJobObjectsAsSwiftSubprocessUsesThem() {
        let sim = checkedSimulation()
        sim.installProgram(#"C:\tools\sleeper.exe"#) {
            // Waits for ever on an event nobody sets: only a termination ends it.
            WaitForSingleObject(CreateEventW(nil, true, false, nil), INFINITE)
        }
        sim.run {
            guard let jobHandle = CreateJobObjectW(nil, nil), jobHandle != INVALID_HANDLE_VALUE else {
                return XCTFail("CreateJobObjectW: \(GetLastError())")
            }
            // testPlatformHandles: a user-supplied job with kill-on-close.
            let hJob = CreateJobObjectW(nil, nil)
            var info = JOBOBJECT_EXTENDED_LIMIT_INFORMATION()
            info.BasicLimitInformation.LimitFlags = DWORD(JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE)
            XCTAssertTrue(SetInformationJobObject(hJob, JobObjectExtendedLimitInformation, &info,
                                                  DWORD(MemoryLayout<JOBOBJECT_EXTENDED_LIMIT_INFORMATION>.size)))

            var startupInfo = STARTUPINFOW()
            startupInfo.cb = DWORD(MemoryLayout<STARTUPINFOW>.size)
            var processInfo = PROCESS_INFORMATION()
            var commandLine = Array("sleeper.exe".utf16) + [0]
            XCTAssertTrue(CreateProcessW(nil, &commandLine, nil, nil, true, DWORD(CREATE_SUSPENDED | CREATE_UNICODE_ENVIRONMENT),
                                         nil, nil, &startupInfo, &processInfo))
            guard AssignProcessToJobObject(jobHandle, processInfo.hProcess) else {
                var isParentInJob: WindowsBool = false
                if IsProcessInJob(GetCurrentProcess(), nil, &isParentInJob), isParentInJob.boolValue {
                    return XCTFail("the parent is in a job that does not allow nesting")
                }
                return XCTFail("AssignProcessToJobObject: \(GetLastError())")
            }
            // Nested inside the user's job (the job is empty, so it nests).
            XCTAssertTrue(AssignProcessToJobObject(hJob, processInfo.hProcess))
            XCTAssertNotEqual(ResumeThread(processInfo.hThread), DWORD(bitPattern: -1))

            let opened = OpenProcess(DWORD(SYNCHRONIZE | PROCESS_QUERY_LIMITED_INFORMATION), false, processInfo.dwProcessId)
            var inJob: WindowsBool = false
            XCTAssertTrue(IsProcessInJob(opened, jobHandle, &inJob))
            XCTAssertTrue(inJob.boolValue)
            XCTAssertTrue(IsProcessInJob(opened, hJob, &inJob))
            XCTAssertTrue(inJob.boolValue)

            // terminate(withExitCode: 3, toProcessGroup: true)
            guard TerminateJobObject(jobHandle, 3) else { return XCTFail("TerminateJobObject: \(GetLastError())") }
            XCTAssertEqual(WaitForSingleObject(processInfo.hProcess, INFINITE), WAIT_OBJECT_0)
            var status: DWORD = 0
            XCTAssertTrue(GetExitCodeProcess(processInfo.hProcess, &status))
            XCTAssertEqual(status, 3)
            for handle in [opened, processInfo.hThread, processInfo.hProcess, hJob, jobHandle] {
                XCTAssertTrue(CloseHandle(handle))
            }
        }
    }

    func testCopiedEnvironmentAndLogon() {
        let sim = checkedSimulation()
        sim.run {
            XCTAssertTrue(SetEnvironmentVariableW(Array("PATH".utf16) + [0], Array(#"C:\tools"#.utf16) + [0]))
            // withCopiedEnv
            var values: [UnsafeMutablePointer<CChar>] = []
            guard let pwszEnvironmentBlock = GetEnvironmentStringsW() else { return XCTFail("no environment") }
            defer { FreeEnvironmentStringsW(pwszEnvironmentBlock) }
            var pwszEnvironmentEntry: LPWCH? = pwszEnvironmentBlock
            while let value = pwszEnvironmentEntry {
                let entry = String(decodingCString: value, as: UTF16.self)
                if entry.isEmpty { break }
                values.append(entry.withCString { _strdup($0)! })
                pwszEnvironmentEntry = pwszEnvironmentEntry?.advanced(by: wcslen(value) + 1)
            }
            XCTAssertEqual(values.map { String(cString: $0) }, [#"PATH=C:\tools"#])
            values.forEach { free($0) }

            // The branch taken when the platform options carry user credentials.
            var processInfo = PROCESS_INFORMATION()
            var startupInfo = STARTUPINFOW()
            startupInfo.cb = DWORD(MemoryLayout<STARTUPINFOW>.size)
            let created = "user"._withCStringW { usernameW in
                "password"._withCStringW { passwordW in
                    "child.exe"._withCStringW { commandAndArgsW in
                        CreateProcessWithLogonW(usernameW, nil, passwordW, DWORD(LOGON_WITH_PROFILE), nil,
                                                UnsafeMutablePointer<WCHAR>(mutating: commandAndArgsW), 0, nil, nil,
                                                &startupInfo, &processInfo)
                    }
                }
            }
            XCTAssertFalse(created)
            XCTAssertEqual(GetLastError(), DWORD(ERROR_LOGON_FAILURE))
        }
    }
}

private extension String {
    /// `_withCString(encodedAs: UTF16.self)`, as swift-subprocess spells it.
    func _withCStringW<R>(_ body: (UnsafePointer<WCHAR>) -> R) -> R {
        withCString(encodedAs: UTF16.self) { body($0) }
    }
}
