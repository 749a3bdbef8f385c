import IOKernel
import IOSimXCTest
import WinSDK
import XCTest

/// `DeviceIoControl` as Windows Swift code sends a driver's own control: the code computed
/// from winioctl.h's device types, methods and access values (Swift imports no `CTL_CODE`), an
/// overlapped call that pends, `GetOverlappedResult` waiting for it. Every name is WinSDK's.
final class DeviceControlFixtureTests: XCTestCase {
    /// `CTL_CODE(DeviceType, Function, Method, Access)`.
    private func CTL_CODE(_ DeviceType: Int32, _ Function: Int32, _ Method: Int32, _ Access: Int32) -> DWORD {
        (DWORD(DeviceType) << 16) | (DWORD(Access) << 14) | (DWORD(Function) << 2) | DWORD(Method)
    }

    func testTheControlCodeValuesAreWinioctlsOnes() {
        XCTAssertEqual(CTL_CODE(FILE_DEVICE_FILE_SYSTEM, 42, METHOD_BUFFERED, FILE_ANY_ACCESS), DWORD(FSCTL_GET_REPARSE_POINT))
        XCTAssertEqual(CTL_CODE(FILE_DEVICE_FILE_SYSTEM, 41, METHOD_BUFFERED, FILE_SPECIAL_ACCESS), DWORD(FSCTL_SET_REPARSE_POINT))
        XCTAssertEqual(CTL_CODE(FILE_DEVICE_NAMED_PIPE, 3, METHOD_BUFFERED, FILE_READ_ACCESS), 0x0011_400C, "FSCTL_PIPE_PEEK")
        XCTAssertEqual(CTL_CODE(FILE_DEVICE_DISK, 0, METHOD_BUFFERED, FILE_ANY_ACCESS), 0x0007_0000, "IOCTL_DISK_GET_DRIVE_GEOMETRY")
        XCTAssertEqual([METHOD_IN_DIRECT, METHOD_OUT_DIRECT, METHOD_NEITHER, FILE_WRITE_ACCESS, FILE_DEVICE_NULL],
                       [1, 2, 3, 2, 0x15])
    }

    func testAnOverlappedControlPendsAndGetOverlappedResultWaitsForIt() {
        let sim = checkedSimulation()
        sim.installDevice(#"\\.\Sample"#, driver: StockDriver(completion: .after(.milliseconds(3))))
        var bytes: DWORD = 0xFFFF
        var pended = false
        sim.run {
            let hDevice = CreateFileW(Array(#"\\.\Sample"#.utf16) + [0], GENERIC_READ | DWORD(GENERIC_WRITE), 0, nil,
                                      DWORD(OPEN_EXISTING), DWORD(FILE_FLAG_OVERLAPPED), nil)
            guard let hDevice, hDevice != INVALID_HANDLE_VALUE else { return }
            defer { CloseHandle(hDevice) }
            let hEvent = CreateEventW(nil, true, false, nil)
            defer { CloseHandle(hEvent) }
            var overlapped = OVERLAPPED()
            overlapped.hEvent = hEvent
            var request: UInt32 = 7
            withUnsafeMutablePointer(to: &overlapped) { lpOverlapped in
                if !DeviceIoControl(hDevice, CTL_CODE(FILE_DEVICE_UNKNOWN, 0x800, METHOD_BUFFERED, FILE_ANY_ACCESS), &request,
                                    DWORD(MemoryLayout<UInt32>.size), nil, 0, nil, lpOverlapped)
                {
                    pended = GetLastError() == DWORD(ERROR_IO_PENDING)
                    GetOverlappedResult(hDevice, lpOverlapped, &bytes, true)
                }
            }
        }
        XCTAssertTrue(pended)
        XCTAssertEqual(bytes, 0)
    }
}
