import IOKernel
import IOSimXCTest
import WinSDK
import XCTest

/// GetSystemInfo sizes a worker pool from the simulation's processor count; HRESULT helpers
/// and the CRT string functions compile and behave as Windows code uses them.
final class SystemInformationTests: XCTestCase {
    func testTheProcessorCountIsTheSimulations() {
        let sim = checkedSimulation(options: SimulationOptions(tracing: true, processorCount: 6))
        sim.run {
            var info = SYSTEM_INFO()
            GetSystemInfo(&info)
            XCTAssertEqual(info.dwNumberOfProcessors, 6)
            XCTAssertEqual(info.dwActiveProcessorMask, 0b11_1111)
            XCTAssertEqual(info.wProcessorArchitecture, WORD(PROCESSOR_ARCHITECTURE_AMD64))
            XCTAssertEqual(info.dwPageSize, 4096)
            XCTAssertEqual(info.dwAllocationGranularity, 65536)
        }
    }

    func testHResultsAndCRuntimeStrings() {
        // HRESULT_FROM_WIN32 is a macro Swift cannot import; code writes it out like this.
        let code = DWORD(ERROR_ACCESS_DENIED)
        let result = HRESULT(bitPattern: (code & 0xFFFF) | (UInt32(FACILITY_WIN32) << 16) | 0x8000_0000)
        XCTAssertEqual(UInt32(bitPattern: result), 0x8007_0005)   // E_ACCESSDENIED
        XCTAssertEqual(S_OK, 0)
        // `_strdup` takes a `[UInt8]` where C takes `const char *`, as imported C functions do.
        let bytes: [UInt8] = Array("abc".utf8) + [0]
        let copy = _strdup(bytes)
        XCTAssertEqual(copy.map { strnlen($0, 10) }, 3)
        free(copy)
        let wide = _wcsdup(Array("wide".utf16) + [0])
        XCTAssertEqual(wide.map { wcslen($0) }, 4)
        free(wide)
    }
}
