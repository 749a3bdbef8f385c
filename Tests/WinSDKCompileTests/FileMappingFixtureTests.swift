import IOKernel
import IOSimXCTest
import WinSDK
import XCTest

/// Memory-mapped files as swift-foundation's `Data(contentsOf:options: .alwaysMapped)` reads a
/// file on Windows (Data+Reading.swift): `CreateFileMappingW` with `PAGE_READONLY` and size 0
/// assigned to a `HANDLE` (the importer's `HANDLE!`), compared with `INVALID_HANDLE_VALUE`,
/// `MapViewOfFile` with `FILE_MAP_READ` assigned to an `UnsafeMutableRawPointer`, and a
/// deallocator that unmaps the view and closes the mapping, checking both results; and the rest
/// of the family as mapping code names it (`OpenFileMappingW`, `MapViewOfFileEx`,
/// `FlushViewOfFile`, the `SEC_*` and `SECTION_*` values).
final class FileMappingFixtureTests: XCTestCase {
    private func wide(_ string: String) -> [WCHAR] { Array(string.utf16) + [0] }

    func testReadingAFileMappedAsDataDoes() {
        let sim = checkedSimulation()
        sim.fileSystem.setContents(Array("mapped contents".utf8), of: #"C:\data\in.txt"#)
        var read: [UInt8] = []
        var unmapped = false
        sim.run {
            let hFile = CreateFileW(wide(#"C:\data\in.txt"#), GENERIC_READ, DWORD(FILE_SHARE_READ), nil, DWORD(OPEN_EXISTING),
                                    DWORD(FILE_ATTRIBUTE_NORMAL), nil)
            guard let hFile, hFile != INVALID_HANDLE_VALUE else { return }
            defer { CloseHandle(hFile) }
            var fiFileInfo = BY_HANDLE_FILE_INFORMATION()
            guard GetFileInformationByHandle(hFile, &fiFileInfo) else { return }
            let szFileSize: UInt64 = UInt64(fiFileInfo.nFileSizeHigh) << 32 | UInt64(fiFileInfo.nFileSizeLow << 0)
            let hMapping: HANDLE = CreateFileMappingW(hFile, nil, DWORD(PAGE_READONLY), 0, 0, nil)
            if hMapping == INVALID_HANDLE_VALUE { return }
            let szMapSize: UInt64 = min(UInt64(Int.max), szFileSize)
            let pData: UnsafeMutableRawPointer = MapViewOfFile(hMapping, DWORD(FILE_MAP_READ), 0, 0, SIZE_T(szMapSize))
            read = Array(UnsafeRawBufferPointer(start: pData, count: Int(szMapSize)))
            let deallocate: (UnsafeMutableRawPointer, Int) -> Void = { pData, _ in
                guard UnmapViewOfFile(pData) else { return }
                guard CloseHandle(hMapping) else { return }
                unmapped = true
            }
            deallocate(pData, Int(szMapSize))
        }
        XCTAssertEqual(String(decoding: read, as: UTF8.self), "mapped contents")
        XCTAssertTrue(unmapped)
    }

    func testTheRestOfTheFamilyAsMappingCodeNamesIt() {
        let sim = checkedSimulation()
        var results: [Bool] = []
        sim.run {
            let name = wide(#"Local\fixture"#)
            let hMap = CreateFileMappingA(INVALID_HANDLE_VALUE, nil, DWORD(PAGE_READWRITE) | DWORD(SEC_COMMIT), 0, 0x1_0000,
                                          #"Local\fixture"#)
            let hOpen = OpenFileMappingW(DWORD(FILE_MAP_ALL_ACCESS), false, name)
            let hOpenA = OpenFileMappingA(DWORD(SECTION_MAP_READ), false, #"Local\fixture"#)
            let pView = MapViewOfFileEx(hOpen, DWORD(FILE_MAP_WRITE) | DWORD(FILE_MAP_READ), 0, 0, 0, nil)
            pView?.storeBytes(of: 1, as: UInt8.self)
            results.append(FlushViewOfFile(pView, 0))
            results.append(UnmapViewOfFile(pView))
            let missing = MapViewOfFileEx(hOpenA, DWORD(FILE_MAP_READ), 0, DWORD(SEC_LARGE_PAGES & 0), 0,
                                          UnsafeMutableRawPointer(bitPattern: 0x7FF0_0000))
            results.append(missing == nil && GetLastError() == DWORD(ERROR_INVALID_ADDRESS))
            results.append(DWORD(SECTION_ALL_ACCESS) == DWORD(FILE_MAP_ALL_ACCESS) && DWORD(PAGE_EXECUTE_WRITECOPY) == 0x80)
            CloseHandle(hOpenA)
            CloseHandle(hOpen)
            CloseHandle(hMap)
        }
        XCTAssertEqual(results, [true, true, true, true])
    }
}
