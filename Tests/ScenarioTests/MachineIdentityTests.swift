import IOKernel
import IOSimXCTest
import Win32Surface
import XCTest

/// The simulated machine's names and its user's, and process tokens as kernel objects: the
/// size protocols Microsoft documents for GetUserNameW, GetComputerNameW and
/// GetComputerNameExW (each different), Wine's advapi32 test_GetUserNameW, and a token handle
/// that must be closed like any other.
final class MachineIdentityTests: XCTestCase {
    private let machine = MachineIdentity(hostName: "build-agent-07", domain: "ci.example", userName: "runner")

    /// GetUserNameW counts the terminator in its size, on success and in the size it asks for;
    /// a short buffer is left as it was (Wine's test_GetUserNameW).
    func testGetUserNameCountsTheTerminator() {
        let sim = checkedSimulation(options: SimulationOptions(tracing: true, machine: machine))
        sim.run {
            var size: DWORD = 0
            SetLastError(0xDEAD_BEEF)
            XCTAssertFalse(GetUserNameW(nil, &size))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INSUFFICIENT_BUFFER))
            XCTAssertEqual(size, 7, "runner and its terminator")

            var buffer = [WCHAR](repeating: 0x78, count: Int(UNLEN) + 1)
            size = 6
            XCTAssertFalse(GetUserNameW(&buffer, &size))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INSUFFICIENT_BUFFER))
            XCTAssertEqual(size, 7)
            XCTAssertEqual(buffer[0], 0x78, "the buffer is untouched")

            XCTAssertTrue(GetUserNameW(&buffer, &size))
            XCTAssertEqual(size, 7)
            XCTAssertEqual(String(decoding: buffer.prefix(6), as: UTF16.self), "runner")
            XCTAssertEqual(buffer[6], 0)

            var narrow = [CHAR](repeating: 0, count: 16)
            size = 16
            XCTAssertTrue(GetUserNameA(&narrow, &size))
            XCTAssertEqual(size, 7)
            XCTAssertFalse(GetUserNameW(&buffer, nil))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_NOACCESS), "a NULL size faults on Windows")
        }
    }

    /// GetComputerNameW: the NetBIOS name (15 characters, upper case), its size without the
    /// terminator on success, ERROR_BUFFER_OVERFLOW and the size with it when short.
    /// GetComputerNameExW: each format's name, ERROR_MORE_DATA when short, even for an empty
    /// domain.
    func testComputerNamesAndTheirSizeProtocols() {
        let sim = checkedSimulation(options: SimulationOptions(tracing: true, machine: machine))
        sim.run {
            var buffer = [WCHAR](repeating: 0, count: Int(MAX_COMPUTERNAME_LENGTH) + 1)
            var size: DWORD = 0
            XCTAssertFalse(GetComputerNameW(&buffer, &size))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_BUFFER_OVERFLOW))
            XCTAssertEqual(size, 15)
            size = DWORD(buffer.count)
            XCTAssertTrue(GetComputerNameW(&buffer, &size))
            XCTAssertEqual(size, 14)
            XCTAssertEqual(String(decoding: buffer.prefix(14), as: UTF16.self), "BUILD-AGENT-07")

            func name(_ format: COMPUTER_NAME_FORMAT) -> String? {
                var length: DWORD = 0
                guard !GetComputerNameExW(format, nil, &length) else { return "succeeded with no buffer" }
                XCTAssertEqual(GetLastError(), DWORD(ERROR_MORE_DATA))
                var units = [WCHAR](repeating: 0, count: Int(length))
                var copied = length
                guard GetComputerNameExW(format, &units, &copied) else { return nil }
                XCTAssertEqual(copied, length - 1, "the size on success leaves out the terminator")
                return String(decoding: units.prefix(Int(copied)), as: UTF16.self)
            }
            XCTAssertEqual(name(ComputerNameNetBIOS), "BUILD-AGENT-07")
            XCTAssertEqual(name(ComputerNameDnsHostname), "build-agent-07")
            XCTAssertEqual(name(ComputerNameDnsDomain), "ci.example")
            XCTAssertEqual(name(ComputerNameDnsFullyQualified), "build-agent-07.ci.example")
            XCTAssertEqual(name(ComputerNamePhysicalDnsHostname), "build-agent-07")
            var length: DWORD = 0
            XCTAssertFalse(GetComputerNameExW(ComputerNameMax, nil, &length))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_PARAMETER))

            // A buffer of exactly the name's length has no room for the terminator.
            length = 14
            XCTAssertFalse(GetComputerNameExW(ComputerNameDnsHostname, &buffer, &length))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_MORE_DATA))
            XCTAssertEqual(length, 15)
        }
        // Without a domain: the empty domain still needs a buffer for its terminator.
        let standalone = checkedSimulation()
        standalone.run {
            var length: DWORD = 0
            XCTAssertFalse(GetComputerNameExW(ComputerNameDnsDomain, nil, &length))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_MORE_DATA))
            XCTAssertEqual(length, 1)
            var units = [WCHAR](repeating: 0x78, count: 64)
            length = 64
            XCTAssertTrue(GetComputerNameExW(ComputerNameDnsDomain, &units, &length))
            XCTAssertEqual(length, 0)
            XCTAssertEqual(units[0], 0)
            length = 64
            XCTAssertTrue(GetComputerNameExW(ComputerNameDnsFullyQualified, &units, &length))
            XCTAssertEqual(String(decoding: units.prefix(Int(length)), as: UTF16.self), "iosim-host")
            var narrow = [CHAR](repeating: 0, count: 64)
            length = 64
            XCTAssertTrue(GetComputerNameExA(ComputerNameDnsHostname, &narrow, &length))
            XCTAssertEqual(length, 10)
        }
    }

    /// OpenProcessToken gives a handle to the process's one token object; each open is another
    /// handle (CompareObjectHandles: the same object), GetTokenInformation answers through it,
    /// and a handle never closed is in the teardown report as `Token#n`.
    func testProcessTokensAreKernelObjectsWithHandles() {
        let sim = Simulation(options: SimulationOptions(tracing: true, machine: MachineIdentity(isElevated: true)))
        var leaked: HANDLE?
        sim.run {
            var token: HANDLE?
            XCTAssertTrue(OpenProcessToken(GetCurrentProcess(), DWORD(TOKEN_QUERY), &token))
            var elevation = TOKEN_ELEVATION()
            var length: DWORD = 0
            XCTAssertTrue(GetTokenInformation(token, TokenElevation, &elevation, DWORD(MemoryLayout<TOKEN_ELEVATION>.size),
                                              &length))
            XCTAssertEqual(elevation.TokenIsElevated, 1)
            XCTAssertEqual(length, 4)
            var type = TokenElevationTypeDefault
            XCTAssertTrue(GetTokenInformation(token, TokenElevationType, &type, 4, &length))
            XCTAssertEqual(type, TokenElevationTypeFull)
            XCTAssertFalse(GetTokenInformation(token, TokenElevation, &elevation, 3, &length))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INSUFFICIENT_BUFFER))
            XCTAssertEqual(length, 4)

            // The user, through the handle as through the pseudo-handle.
            XCTAssertFalse(GetTokenInformation(token, TokenUser, nil, 0, &length))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INSUFFICIENT_BUFFER))
            XCTAssertEqual(length, 16 + 28, "TOKEN_USER and S-1-5-21-0-0-0-1000")

            var again: HANDLE?
            XCTAssertTrue(OpenProcessToken(GetCurrentProcess(), DWORD(TOKEN_QUERY), &again))
            XCTAssertNotEqual(again, token)
            XCTAssertTrue(CompareObjectHandles(token, again))
            XCTAssertTrue(CloseHandle(token))
            leaked = again

            XCTAssertFalse(OpenProcessToken(HANDLE(bitPattern: 0x7FF0), DWORD(TOKEN_QUERY), &token))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_HANDLE))
            XCTAssertFalse(OpenProcessToken(GetCurrentProcess(), DWORD(TOKEN_QUERY), nil))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_NOACCESS))
            let event = CreateEventW(nil, true, false, nil)
            XCTAssertFalse(GetTokenInformation(event, TokenUser, nil, 0, &length))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_HANDLE), "an event is no token")
            CloseHandle(event)

            // No thread impersonates.
            var threadToken: HANDLE? = HANDLE(bitPattern: 0x1234)
            XCTAssertFalse(OpenThreadToken(GetCurrentThread(), DWORD(TOKEN_QUERY), true, &threadToken))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_NO_TOKEN))
            XCTAssertNil(threadToken)
            XCTAssertFalse(OpenThreadToken(HANDLE(bitPattern: 0x7FF0), DWORD(TOKEN_QUERY), true, &threadToken))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_HANDLE))
        }
        let report = sim.finish()
        // Object #1 is the main thread; the token is #2, its second handle 0x8.
        XCTAssertEqual(leaked, HANDLE(bitPattern: 0x8))
        XCTAssertEqual(report.openHandles, ["0x8 Token#2"])
    }

    /// A standard user's token is not elevated, and UAC does not split it.
    func testTheDefaultUserIsNotElevated() {
        let sim = checkedSimulation()
        sim.run {
            var token: HANDLE?
            XCTAssertTrue(OpenProcessToken(GetCurrentProcess(), DWORD(TOKEN_QUERY), &token))
            defer { CloseHandle(token) }
            var elevation = TOKEN_ELEVATION(TokenIsElevated: 7)
            var length: DWORD = 0
            XCTAssertTrue(GetTokenInformation(token, TokenElevation, &elevation, 4, &length))
            XCTAssertEqual(elevation.TokenIsElevated, 0)
            var type = TokenElevationTypeFull
            XCTAssertTrue(GetTokenInformation(GetCurrentThreadEffectiveToken(), TokenElevationType, &type, 4, &length))
            XCTAssertEqual(type, TokenElevationTypeDefault)
        }
    }

    /// A reset simulation opens a new token, with the id a new simulation gives it: the last
    /// run's token is let go with the rest.
    func testAResetSimulationHasNoTokenOfTheLastRun() {
        let sim = Simulation()
        for _ in 0..<2 {
            sim.run {
                var token: HANDLE?
                XCTAssertTrue(OpenProcessToken(GetCurrentProcess(), DWORD(TOKEN_QUERY), &token))
                XCTAssertEqual(token, HANDLE(bitPattern: 0x4))
            }
            XCTAssertEqual(sim.finish().openHandles, ["0x4 Token#2"])
            XCTAssertTrue(sim.reset())
        }
    }

    /// GetUserNameExW: a local account has only its SAM-compatible name (COMPUTER\\user);
    /// the other formats are ERROR_NONE_MAPPED, or ERROR_NO_SUCH_DOMAIN with a domain but no
    /// domain controller. GetPhysicallyInstalledSystemMemory reports the configured memory.
    func testExtendedUserNamesAndInstalledMemory() {
        let sim = checkedSimulation(options: SimulationOptions(machine: MachineIdentity(hostName: "agent", userName: "runner",
                                                                                         installedMemory: 8 << 30)))
        sim.run {
            var size: ULONG = 0
            XCTAssertEqual(GetUserNameExW(NameSamCompatible, nil, &size), 0)
            XCTAssertEqual(GetLastError(), DWORD(ERROR_MORE_DATA))
            XCTAssertEqual(size, 13, #"AGENT\runner and its terminator"#)
            var buffer = [WCHAR](repeating: 0, count: Int(size))
            XCTAssertEqual(GetUserNameExW(NameSamCompatible, &buffer, &size), 1)
            XCTAssertEqual(size, 12)
            XCTAssertEqual(String(decoding: buffer.prefix(12), as: UTF16.self), #"AGENT\runner"#)
            size = 64
            XCTAssertEqual(GetUserNameExW(NameDisplay, &buffer, &size), 0)
            XCTAssertEqual(GetLastError(), DWORD(ERROR_NONE_MAPPED))
            XCTAssertEqual(GetUserNameExW(NameUnknown, &buffer, &size), 0)
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_PARAMETER))

            var kilobytes: ULONGLONG = 0
            XCTAssertTrue(GetPhysicallyInstalledSystemMemory(&kilobytes))
            XCTAssertEqual(kilobytes, 8 * 1024 * 1024)
            XCTAssertFalse(GetPhysicallyInstalledSystemMemory(nil))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_PARAMETER))
        }
        let joined = checkedSimulation(options: SimulationOptions(machine: MachineIdentity(domain: "corp.example")))
        joined.run {
            var buffer = [WCHAR](repeating: 0, count: 64)
            var size: ULONG = 64
            XCTAssertEqual(GetUserNameExW(NameSamCompatible, &buffer, &size), 1)
            XCTAssertEqual(String(decoding: buffer.prefix(Int(size)), as: UTF16.self), #"CORP\iosim"#)
            size = 64
            XCTAssertEqual(GetUserNameExW(NameUserPrincipal, &buffer, &size), 0)
            XCTAssertEqual(GetLastError(), DWORD(ERROR_NO_SUCH_DOMAIN))
        }
    }
}
