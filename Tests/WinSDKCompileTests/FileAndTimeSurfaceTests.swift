import IOKernel
import IOSimXCTest
import WinSDK
import XCTest

/// The time, final-path, search and path-prefix functions as swift-foundation's Windows code
/// calls them (Date, String+Path, FileOperations+Enumeration, String+Internals), with values
/// from their reference pages: the simulated clock starts at 2024-01-01 00:00:00 UTC, a Monday.
final class FileAndTimeSurfaceTests: XCTestCase {
    func testSystemTimeIsTheVirtualClock() {
        let sim = checkedSimulation()
        sim.run {
            var ft = FILETIME()
            GetSystemTimePreciseAsFileTime(&ft)
            XCTAssertEqual(UInt64(ft.dwHighDateTime) << 32 | UInt64(ft.dwLowDateTime), 133_485_408_000_000_000)
            Sleep(1500)
            var st = SYSTEMTIME()
            GetSystemTime(&st)
            XCTAssertEqual([st.wYear, st.wMonth, st.wDay, st.wDayOfWeek, st.wHour, st.wMinute, st.wSecond, st.wMilliseconds],
                           [2024, 1, 1, 1, 0, 0, 1, 500])
            GetSystemTimeAsFileTime(&ft)
            var converted = SYSTEMTIME()
            XCTAssertTrue(FileTimeToSystemTime(&ft, &converted))
            XCTAssertEqual(converted.wMilliseconds, 500)
            var local = SYSTEMTIME()
            GetLocalTime(&local)
            XCTAssertEqual(local.wSecond, 1, "the simulated machine's time zone is UTC")

            var leapDay = SYSTEMTIME(wYear: 2000, wMonth: 2, wDayOfWeek: 0, wDay: 29, wHour: 12, wMinute: 34, wSecond: 56,
                                     wMilliseconds: 789)
            XCTAssertTrue(SystemTimeToFileTime(&leapDay, &ft))
            XCTAssertEqual(UInt64(ft.dwHighDateTime) << 32 | UInt64(ft.dwLowDateTime), 125_963_012_967_890_000)
            XCTAssertTrue(FileTimeToSystemTime(&ft, &converted))
            XCTAssertEqual([converted.wYear, converted.wMonth, converted.wDay, converted.wDayOfWeek], [2000, 2, 29, 2])
            var notALeapDay = SYSTEMTIME(wYear: 2023, wMonth: 2, wDayOfWeek: 0, wDay: 29, wHour: 0, wMinute: 0, wSecond: 0,
                                         wMilliseconds: 0)
            XCTAssertFalse(SystemTimeToFileTime(&notALeapDay, &ft))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_PARAMETER))
            var epoch = FILETIME()
            XCTAssertTrue(FileTimeToSystemTime(&epoch, &converted))
            XCTAssertEqual([converted.wYear, converted.wMonth, converted.wDay, converted.wDayOfWeek], [1601, 1, 1, 1])
            var tooLate = FILETIME(dwLowDateTime: 0, dwHighDateTime: 0x8000_0000)
            XCTAssertFalse(FileTimeToSystemTime(&tooLate, &converted))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_PARAMETER))

            var uptime: ULONGLONG = 0
            XCTAssertTrue(QueryUnbiasedInterruptTime(&uptime))
            XCTAssertEqual(uptime, 15_000_000)
            QueryUnbiasedInterruptTimePrecise(&uptime)
            XCTAssertEqual(uptime, 15_000_000)
        }
    }

    func testFinalPathNamesAndExtendedSearch() {
        let sim = checkedSimulation()
        sim.run {
            XCTAssertTrue(CreateDirectoryW(Array(#"C:\data"#.utf16) + [0], nil))
            let file = CreateFileW(Array(#"C:\data\a.txt"#.utf16) + [0], DWORD(GENERIC_READ) | DWORD(GENERIC_WRITE), 0, nil,
                                   DWORD(CREATE_NEW), DWORD(FILE_ATTRIBUTE_NORMAL), nil)
            XCTAssertNotEqual(file, INVALID_HANDLE_VALUE)
            XCTAssertEqual(GetFinalPathNameByHandleW(file, nil, 0, DWORD(FILE_NAME_NORMALIZED)), 18, "17 characters and the terminator")
            var buffer = [WCHAR](repeating: 0, count: 64)
            func finalPath(_ flags: Int32) -> String {
                let count = GetFinalPathNameByHandleW(file, &buffer, DWORD(buffer.count), DWORD(flags))
                return String(decoding: buffer.prefix(Int(count)), as: UTF16.self)
            }
            XCTAssertEqual(finalPath(VOLUME_NAME_DOS), #"\\?\C:\data\a.txt"#)
            XCTAssertEqual(finalPath(VOLUME_NAME_NONE | FILE_NAME_OPENED), #"\data\a.txt"#)
            XCTAssertEqual(finalPath(VOLUME_NAME_NT), #"\Device\HarddiskVolume1\data\a.txt"#)
            XCTAssertEqual(GetFinalPathNameByHandleW(file, &buffer, 64, 0x3), 0)
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_PARAMETER))
            CloseHandle(file)

            var data = WIN32_FIND_DATAW()
            let search = FindFirstFileExW(Array(#"C:\data\*"#.utf16) + [0], FindExInfoBasic, &data, FindExSearchNameMatch, nil,
                                          DWORD(FIND_FIRST_EX_LARGE_FETCH))
            XCTAssertNotEqual(search, INVALID_HANDLE_VALUE)
            var names: [String] = []
            repeat {
                names.append(withUnsafeBytes(of: data.cFileName) { String(decoding: $0.bindMemory(to: WCHAR.self).prefix { $0 != 0 }, as: UTF16.self) })
            } while FindNextFileW(search, &data)
            XCTAssertEqual(names, [".", "..", "a.txt"])
            FindClose(search)
            XCTAssertEqual(FindFirstFileExW(Array(#"C:\data\*"#.utf16) + [0], FindExInfoStandard, &data, FindExSearchLimitToDevices,
                                            nil, 0), INVALID_HANDLE_VALUE)
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_PARAMETER))
            DeleteFileW(Array(#"C:\data\a.txt"#.utf16) + [0])
            RemoveDirectoryW(Array(#"C:\data"#.utf16) + [0])
        }
    }

    /// PathCchStripPrefix with Wine's path.c cases, and PathIsRelativeW.
    func testPrefixesAndRelativePaths() {
        let sim = checkedSimulation()
        sim.run {
            func stripped(_ path: String) -> (HRESULT, String) {
                var buffer = Array(path.utf16) + [0]
                let result = PathCchStripPrefix(&buffer, buffer.count)
                return (result, String(decoding: buffer.prefix { $0 != 0 }, as: UTF16.self))
            }
            XCTAssertTrue(stripped(#"\\?\C:\a"#) == (S_OK, #"C:\a"#))
            XCTAssertTrue(stripped(#"\\?\UNC\server\share"#) == (S_OK, #"\\server\share"#))
            XCTAssertTrue(stripped(#"C:\a"#) == (S_FALSE, #"C:\a"#))
            XCTAssertTrue(stripped(#"\\?\Volume{e51a1864-6f2d-4019-b73d-f4e60e600c26}\"#).0 == S_FALSE)
            XCTAssertEqual(PathCchStripPrefix(nil, 5), HRESULT(bitPattern: 0x8007_0057))
            XCTAssertFalse(PathIsRelativeW(Array(#"C:\a"#.utf16) + [0]))
            XCTAssertFalse(PathIsRelativeW(Array(#"\a"#.utf16) + [0]))
            XCTAssertTrue(PathIsRelativeW(Array(#"a\b"#.utf16) + [0]))
            XCTAssertTrue(PathIsRelativeW(nil))
        }
    }

    /// GetTempPath2W and GetTempFileNameW as test helpers and Foundation's temporary files use
    /// them, and GetFileTime stamped from the virtual clock.
    func testTemporaryFileNamesAndFileTimes() {
        let sim = checkedSimulation()
        sim.run {
            var directory = [WCHAR](repeating: 0, count: Int(MAX_PATH))
            let length = GetTempPath2W(DWORD(directory.count), &directory)
            XCTAssertEqual(String(decoding: directory.prefix(Int(length)), as: UTF16.self), #"C:\Users\User\AppData\Local\Temp\"#)
            Sleep(0x1234)
            var name = [WCHAR](repeating: 0, count: Int(MAX_PATH))
            XCTAssertEqual(GetTempFileNameW(directory, Array("swift".utf16) + [0], 0, &name), 0x1234)
            XCTAssertEqual(String(decoding: name.prefix { $0 != 0 }, as: UTF16.self),
                           #"C:\Users\User\AppData\Local\Temp\swi1234.TMP"#)
            // The file exists now: the next call at the same instant takes the next number.
            XCTAssertEqual(GetTempFileNameW(directory, Array("swift".utf16) + [0], 0, &name), 0x1235)
            XCTAssertEqual(GetTempFileNameW(directory, nil, 7, &name), 7, "a given number: the name only")
            XCTAssertEqual(String(decoding: name.prefix { $0 != 0 }, as: UTF16.self), #"C:\Users\User\AppData\Local\Temp\7.TMP"#)
            XCTAssertEqual(GetTempFileNameW(Array(#"C:\missing"#.utf16) + [0], nil, 0, &name), 0)
            XCTAssertEqual(GetLastError(), DWORD(ERROR_DIRECTORY))

            let file = CreateFileW(Array(#"C:\Users\User\AppData\Local\Temp\swi1234.TMP"#.utf16) + [0], DWORD(GENERIC_READ), 0,
                                   nil, DWORD(OPEN_EXISTING), 0, nil)
            var created = FILETIME(), written = FILETIME()
            XCTAssertTrue(GetFileTime(file, &created, nil, &written))
            XCTAssertEqual(UInt64(created.dwHighDateTime) << 32 | UInt64(created.dwLowDateTime),
                           133_485_408_000_000_000 + 0x1234 * 10_000, "created 0x1234 ms after the simulation started")
            CloseHandle(file)
            XCTAssertFalse(GetFileTime(nil, &created, nil, nil))
            for number in ["1234", "1235"] {
                DeleteFileW(Array("C:\\Users\\User\\AppData\\Local\\Temp\\swi\(number).TMP".utf16) + [0])
            }
        }
    }
}
