import IOKernel
import IOSimXCTest
import Win32Surface
import XCTest

/// What a child sees of itself, through the Win32 surface as a real child would
/// (Microsoft's CreateProcessW, GetStdHandle, GetEnvironmentVariableW pages).
final class ChildProcessViewTests: XCTestCase {
    func testTheChildReadsItsCommandLineEnvironmentAndStandardHandles() {
        let sim = checkedSimulation()
        var seen: [String] = []
        sim.installProgram(#"C:\tools\child.exe"#) {
            seen.append(String(decoding: UnsafeBufferPointer(start: GetCommandLineW(), count: wcslength(GetCommandLineW())), as: UTF16.self))
            var value = [WCHAR](repeating: 0, count: 16)
            let name = Array("Mode".utf16) + [0]
            XCTAssertEqual(GetEnvironmentVariableW(name, &value, 2), 5)  // too small: the size needed
            XCTAssertEqual(GetEnvironmentVariableW(name, &value, 16), 4)
            seen.append(String(decoding: value.prefix(4), as: UTF16.self))
            XCTAssertEqual(GetEnvironmentVariableW(Array("missing".utf16) + [0], &value, 16), 0)
            XCTAssertEqual(GetLastError(), DWORD(ERROR_ENVVAR_NOT_FOUND))
            seen.append("\(UInt(bitPattern: GetStdHandle(STD_INPUT_HANDLE))) \(UInt(bitPattern: GetStdHandle(STD_OUTPUT_HANDLE)))")
            XCTAssertEqual(GetStdHandle(0), INVALID_HANDLE_VALUE)
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_HANDLE))
            seen.append("pid \(GetCurrentProcessId())")
            return 0
        }
        sim.run {
            XCTAssertTrue(SetEnvironmentVariableW(Array("MODE".utf16) + [0], Array("fast".utf16) + [0]))
            let out = manualEvent()  // any handle: the child gets the value, inherited or not
            XCTAssertTrue(SetStdHandle(STD_OUTPUT_HANDLE, out))
            var startup = STARTUPINFOW()
            startup.cb = DWORD(MemoryLayout<STARTUPINFOW>.size)
            var info = PROCESS_INFORMATION()
            var line = Array(#""C:\tools\child.exe" --fast"#.utf16) + [0]
            XCTAssertTrue(CreateProcessW(nil, &line, nil, nil, false, 0, nil, nil, &startup, &info))
            XCTAssertEqual(WaitForSingleObject(info.hProcess, INFINITE), WAIT_OBJECT_0)

            // A program nobody installed: ERROR_FILE_NOT_FOUND, as for a missing file.
            var missing = Array("nothere.exe".utf16) + [0]
            XCTAssertFalse(CreateProcessW(nil, &missing, nil, nil, false, 0, nil, nil, &startup, &info))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_FILE_NOT_FOUND))
            XCTAssertFalse(CreateProcessW(Array(#"C:\tools\child"#.utf16) + [0], nil, nil, nil, false, 0, nil, nil, &startup, &info))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_FILE_NOT_FOUND))
            for handle in [info.hProcess, info.hThread, out] { XCTAssertTrue(CloseHandle(handle)) }
        }
        XCTAssertEqual(seen, [#""C:\tools\child.exe" --fast"#, "fast", "0 4", "pid 1028"])
    }
}

private func wcslength(_ string: UnsafePointer<WCHAR>?) -> Int {
    guard let string else { return 0 }
    var length = 0
    while string[length] != 0 { length += 1 }
    return length
}
