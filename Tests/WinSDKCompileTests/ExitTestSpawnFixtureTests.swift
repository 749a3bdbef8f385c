import IOKernel
import IOSimXCTest
import ucrt
import WinSDK
import XCTest

/// swift-testing's exit tests as its Windows code spawns and reads them
/// (Sources/Testing/ExitTests/SpawnProcess.swift, WaitFor.swift and
/// Support/Additions/WinSDKAdditions.swift): an inheritable pipe for the child's standard output
/// (`SetHandleInformation` with `HANDLE_FLAG_INHERIT`, `dwFlags |= STARTF_USESTDHANDLES`, both
/// `DWORD`s as the Swift WinSDK overlay types them), a `STARTUPINFOEXW` whose attribute list names
/// the handles to inherit, a suspended child resumed, its exit code read back and told apart from
/// a "signal" by the status bits swift-testing builds from `STATUS_SEVERITY_ERROR`, with the CRT's
/// signal numbers (qualified with `ucrt.`: XCTest brings Glibc's, whose values differ).
final class ExitTestSpawnFixtureTests: XCTestCase {
    /// WinSDKAdditions.swift's mask: severity error, the customer bit, facility "s6".
    private let STATUS_SIGNAL_CAUGHT_BITS: CInt = {
        var result = CInt(0)
        result |= CInt(STATUS_SEVERITY_ERROR) << 30
        result |= 1 << 29
        let FACILITY_SWIFT6 = ((CInt(UInt8(ascii: "s")) << 4) | 6)
        result |= FACILITY_SWIFT6 << 16
        return result
    }()

    func testAChildThatDiesOfAbortIsReadBackAsTheSignal() {
        let sim = checkedSimulation()
        let bits = STATUS_SIGNAL_CAUGHT_BITS
        sim.installProgram(#"C:\tests\exit-test.exe"#) {
            var written: DWORD = 0
            WriteFile(GetStdHandle(STD_OUTPUT_HANDLE), Array("dying".utf8), 5, &written, nil)
            ExitProcess(UINT(bitPattern: bits | ucrt.SIGABRT))
        }
        var output = ""
        var signal: String?
        sim.run {
            var readEnd: HANDLE?
            var writeEnd: HANDLE?
            guard CreatePipe(&readEnd, &writeEnd, nil, 0), let writeEnd else { return XCTFail("CreatePipe") }
            guard SetHandleInformation(writeEnd, HANDLE_FLAG_INHERIT, HANDLE_FLAG_INHERIT) else { return XCTFail("inherit") }

            var startupInfo = STARTUPINFOEXW()
            startupInfo.StartupInfo.cb = DWORD(MemoryLayout.size(ofValue: startupInfo))
            startupInfo.StartupInfo.hStdOutput = writeEnd
            startupInfo.StartupInfo.dwFlags |= STARTF_USESTDHANDLES
            var attributeListByteCount = SIZE_T(0)
            _ = InitializeProcThreadAttributeList(nil, 1, 0, &attributeListByteCount)
            withUnsafeTemporaryAllocation(byteCount: Int(attributeListByteCount), alignment: 16) { attributeList in
                let attributeList = LPPROC_THREAD_ATTRIBUTE_LIST(attributeList.baseAddress!)
                guard InitializeProcThreadAttributeList(attributeList, 1, 0, &attributeListByteCount) else { return XCTFail("list") }
                defer { DeleteProcThreadAttributeList(attributeList) }
                startupInfo.lpAttributeList = attributeList
                var inheritedHandles: [HANDLE?] = [writeEnd]
                inheritedHandles.withUnsafeMutableBufferPointer { inheritedHandles in
                    _ = UpdateProcThreadAttribute(attributeList, 0, DWORD_PTR(PROC_THREAD_ATTRIBUTE_HANDLE_LIST),
                                                  inheritedHandles.baseAddress!,
                                                  SIZE_T(MemoryLayout<HANDLE>.stride * inheritedHandles.count), nil, nil)
                    var commandLine = Array(#"C:\tests\exit-test.exe"#.utf16) + [0]
                    var processInfo = PROCESS_INFORMATION()
                    let flags = DWORD(CREATE_NO_WINDOW | CREATE_UNICODE_ENVIRONMENT | EXTENDED_STARTUPINFO_PRESENT)
                        | DWORD(CREATE_SUSPENDED)
                    guard withUnsafeMutablePointer(to: &startupInfo.StartupInfo, { startup in
                        CreateProcessW(nil, &commandLine, nil, nil, true, flags, nil, nil, startup, &processInfo)
                    }) else { return XCTFail("CreateProcessW: \(GetLastError())") }
                    _ = ResumeThread(processInfo.hThread!)
                    _ = CloseHandle(processInfo.hThread)
                    _ = CloseHandle(writeEnd)

                    var buffer = [UInt8](repeating: 0, count: 16)
                    var count: DWORD = 0
                    while ReadFile(readEnd, &buffer, 16, &count, nil), count > 0 {
                        output += String(decoding: buffer.prefix(Int(count)), as: UTF8.self)
                    }
                    WaitForSingleObject(processInfo.hProcess, INFINITE)
                    var status: DWORD = 0
                    guard GetExitCodeProcess(processInfo.hProcess, &status) else { return XCTFail("exit code") }
                    let code = CInt(bitPattern: status)
                    if (code & ~0xFFFF) == bits {
                        let names = [ucrt.SIGINT: "SIGINT", ucrt.SIGILL: "SIGILL", ucrt.SIGFPE: "SIGFPE", ucrt.SIGSEGV: "SIGSEGV",
                                     ucrt.SIGTERM: "SIGTERM", SIGBREAK: "SIGBREAK", ucrt.SIGABRT: "SIGABRT",
                                     SIGABRT_COMPAT: "SIGABRT_COMPAT"]
                        signal = names[code & 0xFFFF]
                    }
                    _ = CloseHandle(processInfo.hProcess)
                }
            }
            _ = CloseHandle(readEnd)
        }
        XCTAssertEqual(output, "dying")
        XCTAssertEqual(signal, "SIGABRT")
        XCTAssertEqual([ucrt.SIGINT, ucrt.SIGILL, SIGABRT_COMPAT, ucrt.SIGFPE, ucrt.SIGSEGV, ucrt.SIGTERM, SIGBREAK, ucrt.SIGABRT],
                       [2, 4, 6, 8, 11, 15, 21, 22])
        XCTAssertEqual(STATUS_SIGNAL_CAUGHT_BITS, CInt(bitPattern: 0xE736_0000))
    }
}
