import IOKernel
import IOSimXCTest
import Win32Surface
import XCTest

/// A child reads its environment block as swift-subprocess's `withCopiedEnv` does
/// (`GetEnvironmentStringsW`, walk the NUL-terminated strings to the empty one,
/// `FreeEnvironmentStringsW`), and what `CreateProcessWithLogonW` does without users to log on.
final class EnvironmentBlockTests: XCTestCase {
    /// The strings of a block read the way swift-subprocess reads them.
    private func entries(_ block: LPWCH?) -> [String] {
        var result: [String] = []
        var entry = block
        while let current = entry {
            var length = 0
            while current[length] != 0 { length += 1 }
            if length == 0 { break }
            result.append(String(decoding: UnsafeBufferPointer(start: current, count: length), as: UTF16.self))
            entry = current.advanced(by: length + 1)
        }
        return result
    }

    /// The block is the one `CreateProcessW` was given (`lpEnvironment` with
    /// `CREATE_UNICODE_ENVIRONMENT`, "a null-terminated block of null-terminated strings"), in
    /// its order; a variable the child sets goes where it sorts ("All strings in the environment
    /// block must be sorted alphabetically by name. The sort is case-insensitive": "Changing
    /// Environment Variables"); each copy is a block of the child's heap, freed by
    /// `FreeEnvironmentStringsW`. A process with no variables gets an empty block (two NULs).
    func testAChildReadsTheBlockItWasGivenAndFreesIt() {
        let sim = checkedSimulation()
        var seen: [[String]] = []
        var sizes: [Int] = []
        // Unowned: the simulation keeps its programs (a cycle otherwise).
        sim.installProgram(#"C:\tools\env.exe"#) { [unowned sim] in
            let first = GetEnvironmentStringsW()
            seen.append(self.entries(first))
            sizes.append(sim.memory.block(containing: first)?.size ?? 0)
            XCTAssertEqual(sim.memory.block(containing: first)?.label, "environment strings")
            XCTAssertEqual(sim.memory.block(containing: first)?.process, "env.exe (pid 0x404)")
            XCTAssertTrue(FreeEnvironmentStringsW(first))
            XCTAssertTrue(SetEnvironmentVariableW(Array("Beta".utf16) + [0], Array("2".utf16) + [0]))
            XCTAssertTrue(SetEnvironmentVariableW(Array("alpha".utf16) + [0], nil))
            let second = GetEnvironmentStringsW()
            seen.append(self.entries(second))
            XCTAssertTrue(FreeEnvironmentStringsW(second))
            // Freed twice: no block of this heap any more.
            XCTAssertFalse(FreeEnvironmentStringsW(second))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_PARAMETER))
            XCTAssertEqual(sim.takeMemoryViolations().map(\.kind), [.invalidFree])
            return 0
        }
        sim.run {
            let empty = GetEnvironmentStringsW()
            XCTAssertEqual(self.entries(empty), [])
            XCTAssertEqual(empty?[0], 0)
            XCTAssertEqual(empty?[1], 0)
            XCTAssertTrue(FreeEnvironmentStringsW(empty))

            var block = Array("ALPHA=1\0Gamma=3\0=C:=C:\\\0\0".utf16)
            var startup = STARTUPINFOW()
            startup.cb = DWORD(MemoryLayout<STARTUPINFOW>.size)
            var info = PROCESS_INFORMATION()
            var line = Array("env.exe".utf16) + [0]
            XCTAssertTrue(CreateProcessW(nil, &line, nil, nil, false, DWORD(CREATE_UNICODE_ENVIRONMENT), &block, nil,
                                         &startup, &info))
            XCTAssertEqual(WaitForSingleObject(info.hProcess, INFINITE), WAIT_OBJECT_0)
            for handle in [info.hProcess, info.hThread] { XCTAssertTrue(CloseHandle(handle)) }
        }
        XCTAssertEqual(seen, [["ALPHA=1", "Gamma=3", "=C:=C:\\"], ["Beta=2", "Gamma=3", "=C:=C:\\"]])
        // 25 characters of strings and the final NUL, two bytes each.
        XCTAssertEqual(sizes, [2 * (8 + 8 + 8 + 1)])
    }

    /// No users exist in the simulation: `CreateProcessWithLogonW` checks its arguments, then
    /// fails as a logon with a wrong password does (`ERROR_LOGON_FAILURE`, 1326: "The user name
    /// or password is incorrect."), creating no process. swift-subprocess passes
    /// `LOGON_WITH_PROFILE`.
    func testCreateProcessWithLogonFailsAsABadLogon() {
        let sim = checkedSimulation()
        sim.installProgram(#"C:\tools\child.exe"#) { 0 }
        sim.run {
            let user = Array("builder".utf16) + [0]
            let password = Array("secret".utf16) + [0]
            var line = Array("child.exe".utf16) + [0]
            var startup = STARTUPINFOW()
            startup.cb = DWORD(MemoryLayout<STARTUPINFOW>.size)
            var info = PROCESS_INFORMATION()
            XCTAssertFalse(CreateProcessWithLogonW(user, nil, password, DWORD(LOGON_WITH_PROFILE), nil, &line, 0, nil, nil,
                                                   &startup, &info))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_LOGON_FAILURE))
            XCTAssertEqual(GetLastError(), 1326)
            XCTAssertFalse(CreateProcessWithLogonW(user, Array(".".utf16) + [0], password, 0, nil, &line, 0, nil, nil,
                                                   &startup, &info))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_LOGON_FAILURE))
            XCTAssertEqual(sim.processes.count, 1)

            XCTAssertFalse(CreateProcessWithLogonW(nil, nil, password, DWORD(LOGON_WITH_PROFILE), nil, &line, 0, nil, nil,
                                                   &startup, &info))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_PARAMETER))
            XCTAssertFalse(CreateProcessWithLogonW(user, nil, password, 4, nil, &line, 0, nil, nil, &startup, &info))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_PARAMETER))
            XCTAssertFalse(CreateProcessWithLogonW(user, nil, password, DWORD(LOGON_WITH_PROFILE), nil, &line, 0, nil, nil,
                                                   nil, &info))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_PARAMETER))
            XCTAssertFalse(CreateProcessWithLogonW(user, nil, password, DWORD(LOGON_NETCREDENTIALS_ONLY), nil, &line, 0, nil,
                                                   nil, &startup, &info))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_NOT_SUPPORTED))
            XCTAssertEqual(sim.processes.count, 1)
        }
    }
}
