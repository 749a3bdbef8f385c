import IOKernel
import IOSimXCTest
import WinSDK
import XCTest

/// RegGetValueW as swift-foundation's home-directory lookup reads a profile path: a size query,
/// then the value. The simulated machine has no registry, so the value is not found and the code
/// falls back; bad arguments are refused first.
final class RegistrySurfaceTests: XCTestCase {
    private func wide(_ string: String) -> [WCHAR] { Array(string.utf16) + [0] }

    func testReadingAProfilePathFindsNothing() {
        let sim = checkedSimulation()
        var results: [String] = []
        sim.run {
            let pwszKeyPath = wide(#"SOFTWARE\Microsoft\Windows NT\CurrentVersion\ProfileList\S-1-5-21-0-0-0-1000"#)
            let pwszKey = wide("ProfileImagePath")
            var cbData: DWORD = 0
            let status: LSTATUS = RegGetValueW(HKEY_LOCAL_MACHINE, pwszKeyPath, pwszKey, DWORD(RRF_RT_REG_SZ), nil, nil, &cbData)
            results.append(win32ErrorName(DWORD(status)))
            results.append(RegGetValueW(HKEY_LOCAL_MACHINE, pwszKeyPath, pwszKey, DWORD(RRF_RT_REG_SZ), nil, nil, &cbData) == ERROR_SUCCESS
                           ? "found" : "not found")
            var buffer = [WCHAR](repeating: 0, count: 8)
            results.append(win32ErrorName(DWORD(RegGetValueW(HKEY_CURRENT_USER, nil, pwszKey, DWORD(RRF_RT_REG_SZ), nil, &buffer, nil))))
            results.append(win32ErrorName(DWORD(RegGetValueW(HKEY_USERS, nil, pwszKey, 0, nil, nil, &cbData))))
            results.append(win32ErrorName(DWORD(RegGetValueW(HKEY(bitPattern: 0x1234), nil, pwszKey, DWORD(RRF_RT_ANY), nil, nil, &cbData))))
        }
        XCTAssertEqual(results, ["ERROR_FILE_NOT_FOUND", "not found", "ERROR_INVALID_PARAMETER", "ERROR_INVALID_PARAMETER",
                                 "ERROR_INVALID_HANDLE"])
        XCTAssertEqual(UInt(bitPattern: HKEY_LOCAL_MACHINE), 0xFFFF_FFFF_8000_0002)
        XCTAssertNotEqual(HKEY_CLASSES_ROOT, HKEY_CURRENT_USER)
    }
}
