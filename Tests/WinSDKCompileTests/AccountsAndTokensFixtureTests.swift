import IOKernel
import IOSimXCTest
import WinSDK
import XCTest

/// The machine's and user's names and the process token as Windows packages ask for them: the
/// two-call size protocol into a temporary allocation (swift-foundation's `ProcessInfo.userName`
/// and `Platform.getHostname`, swift-corelibs-foundation's `Host.currentHostName`), and
/// `OpenProcessToken` with `TokenElevation` closed with `defer` (swift-foundation's
/// `Platform.getEnvSecure`).
final class AccountsAndTokensFixtureTests: XCTestCase {
    private static func userName() -> String {
        var dwSize: DWORD = 0
        _ = GetUserNameW(nil, &dwSize)
        return withUnsafeTemporaryAllocation(of: WCHAR.self, capacity: Int(dwSize)) {
            guard GetUserNameW($0.baseAddress!, &dwSize) else { return "" }
            return String(decodingCString: $0.baseAddress!, as: UTF16.self)
        }
    }

    private static func hostName() -> String {
        var dwLength: DWORD = 0
        _ = GetComputerNameExW(ComputerNameDnsHostname, nil, &dwLength)
        return withUnsafeTemporaryAllocation(of: WCHAR.self, capacity: Int(dwLength)) {
            guard GetComputerNameExW(ComputerNameDnsHostname, $0.baseAddress!, &dwLength) else { return "localhost" }
            return String(decodingCString: $0.baseAddress!, as: UTF16.self)
        }
    }

    private static func narrowHostName() -> String {
        var dwLength: DWORD = 0
        GetComputerNameExA(ComputerNameDnsHostname, nil, &dwLength)
        guard dwLength > 0 else { return "localhost" }
        let hostname = UnsafeMutablePointer<Int8>.allocate(capacity: Int(dwLength + 1))
        defer { hostname.deallocate() }
        guard GetComputerNameExA(ComputerNameDnsHostname, hostname, &dwLength) else { return "localhost" }
        return String(cString: hostname)
    }

    private static func isElevated() -> Bool? {
        var hToken: HANDLE? = nil
        guard OpenProcessToken(GetCurrentProcess(), DWORD(TOKEN_QUERY), &hToken) else { return nil }
        defer { CloseHandle(hToken) }
        var dwLength: DWORD = 0
        var elevation: TOKEN_ELEVATION = .init()
        guard GetTokenInformation(hToken, TokenElevation, &elevation, DWORD(MemoryLayout<TOKEN_ELEVATION>.size), &dwLength)
        else { return nil }
        return elevation.TokenIsElevated != 0
    }

    func testNamesAndElevationAsFoundationAsksForThem() {
        let machine = MachineIdentity(hostName: "ci-runner", userName: "builder", isElevated: true)
        let sim = checkedSimulation(options: SimulationOptions(tracing: true, machine: machine))
        sim.run {
            XCTAssertEqual(Self.userName(), "builder")
            XCTAssertEqual(Self.hostName(), "ci-runner")
            XCTAssertEqual(Self.narrowHostName(), "ci-runner")
            XCTAssertEqual(Self.isElevated(), true)

            var netbios = [WCHAR](repeating: 0, count: Int(MAX_COMPUTERNAME_LENGTH) + 1)
            var size = DWORD(netbios.count)
            XCTAssertTrue(GetComputerNameW(&netbios, &size))
            XCTAssertEqual(String(decoding: netbios.prefix(Int(size)), as: UTF16.self), "CI-RUNNER")
            var narrow = [CHAR](repeating: 0, count: Int(UNLEN) + 1)
            size = DWORD(narrow.count)
            XCTAssertTrue(GetUserNameA(&narrow, &size))
            size = DWORD(narrow.count)
            XCTAssertTrue(GetComputerNameA(&narrow, &size))

            var type = TokenElevationTypeDefault
            var length: DWORD = 0
            XCTAssertTrue(GetTokenInformation(GetCurrentProcessToken(), TokenElevationType, &type,
                                              DWORD(MemoryLayout<TOKEN_ELEVATION_TYPE>.size), &length))
            XCTAssertEqual(type, TokenElevationTypeFull)
            XCTAssertEqual(TokenElevationTypeLimited.rawValue, 3)

            var threadToken: HANDLE?
            if !OpenThreadToken(GetCurrentThread(), DWORD(TOKEN_QUERY), true, &threadToken) {
                XCTAssertEqual(GetLastError(), DWORD(ERROR_NO_TOKEN))
            }
            let formats = [ComputerNameNetBIOS, ComputerNameDnsDomain, ComputerNameDnsFullyQualified,
                           ComputerNamePhysicalNetBIOS, ComputerNamePhysicalDnsDomain, ComputerNamePhysicalDnsFullyQualified]
            XCTAssertEqual(formats.count, 6)
        }
    }

    /// swift-foundation's `ProcessInfo.fullUserName` (GetUserNameExW with NameDisplay, its
    /// BOOLEAN result compared with 0) and `physicalMemory`, and the version structure
    /// `operatingSystemVersionString` reads (RtlGetVersion is not found: the answer is "Windows").
    func testProcessInfoShapes() {
        let sim = checkedSimulation()
        sim.run {
            var ulLength: ULONG = 0
            _ = GetUserNameExW(NameDisplay, nil, &ulLength)
            let fullName = withUnsafeTemporaryAllocation(of: WCHAR.self, capacity: max(Int(ulLength), 1)) { wszBuffer in
                guard GetUserNameExW(NameDisplay, wszBuffer.baseAddress!, &ulLength) != 0 else { return "" }
                return String(decoding: wszBuffer.prefix(Int(ulLength)), as: UTF16.self)
            }
            XCTAssertEqual(fullName, "", "a local account has no display name")

            var totalMemoryKB: ULONGLONG = 0
            XCTAssertTrue(GetPhysicallyInstalledSystemMemory(&totalMemoryKB))
            XCTAssertEqual(totalMemoryKB * 1024, 16 << 30)

            typealias RTLGetVersionTy = @convention(c) (UnsafeMutablePointer<RTL_OSVERSIONINFOEXW>) -> NTSTATUS
            let ntdll = "ntdll.dll".withCString(encodedAs: UTF16.self, LoadLibraryW)
            XCTAssertNotNil(ntdll)
            defer { FreeLibrary(ntdll) }
            XCTAssertNil(unsafeBitCast(GetProcAddress(ntdll, "RtlGetVersion"), to: Optional<RTLGetVersionTy>.self))
            var info = RTL_OSVERSIONINFOEXW()
            info.dwOSVersionInfoSize = DWORD(MemoryLayout<RTL_OSVERSIONINFOEXW>.size)
            XCTAssertEqual(info.dwOSVersionInfoSize, 284)
            XCTAssertFalse(info.wProductType == VER_NT_WORKSTATION)
            XCTAssertEqual(VER_SUITE_WH_SERVER, 0x8000)
        }
    }
}
