import IOKernel
import IOSimXCTest
import WinSDK
import XCTest

private let ignoreEvents: PHANDLER_ROUTINE = { _ in true }

/// The functions around process control that swift-subprocess calls, as it calls them:
/// consoles (not simulated: the results of a process without a console), modules, the system
/// directories, and path canonicalization.
final class ProcessControlSurfaceTests: XCTestCase {
    /// swift-subprocess's gracefulShutDown: attach to the child's console, send CTRL+C, free
    /// the console; then CTRL+BREAK to the group. Without consoles every step fails the way
    /// AttachConsole's and GenerateConsoleCtrlEvent's documentation says, and FreeConsole
    /// succeeds (FreeConsole's documentation).
    func testConsoleControlWithoutAConsole() {
        let sim = checkedSimulation()
        sim.run {
            XCTAssertFalse(AttachConsole(GetCurrentProcessId()))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_HANDLE), "the process has no console")
            XCTAssertFalse(AttachConsole(0x9998))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_PARAMETER), "no such process")
            XCTAssertFalse(AttachConsole(ATTACH_PARENT_PROCESS))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_HANDLE))
            XCTAssertTrue(SetConsoleCtrlHandler(nil, true))
            XCTAssertFalse(GenerateConsoleCtrlEvent(DWORD(CTRL_C_EVENT), 0))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_HANDLE))
            XCTAssertFalse(GenerateConsoleCtrlEvent(DWORD(CTRL_CLOSE_EVENT), 0))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_PARAMETER))
            XCTAssertTrue(SetConsoleCtrlHandler(nil, false))
            XCTAssertTrue(FreeConsole())
            XCTAssertFalse(GenerateConsoleCtrlEvent(DWORD(CTRL_BREAK_EVENT), GetCurrentProcessId()))

            XCTAssertTrue(SetConsoleCtrlHandler(ignoreEvents, true))
            XCTAssertTrue(SetConsoleCtrlHandler(ignoreEvents, false))
            XCTAssertFalse(SetConsoleCtrlHandler(ignoreEvents, false), "never added now")
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_PARAMETER))

            // Terminal code asks whether a handle is a console: no handle is.
            var mode: DWORD = 0
            XCTAssertFalse(GetConsoleMode(GetStdHandle(STD_OUTPUT_HANDLE), &mode))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_HANDLE))
            XCTAssertFalse(SetConsoleMode(GetStdHandle(STD_OUTPUT_HANDLE), DWORD(ENABLE_VIRTUAL_TERMINAL_PROCESSING)))
            var info = CONSOLE_SCREEN_BUFFER_INFO()
            XCTAssertFalse(GetConsoleScreenBufferInfo(GetStdHandle(STD_OUTPUT_HANDLE), &info))
            XCTAssertEqual(info.srWindow.Right - info.srWindow.Left, 0)
        }
    }

    /// swift-subprocess's suspend(): NtSuspendProcess looked up in ntdll. The module is there;
    /// no simulated module exports a C function, so the lookup fails and the caller reports it.
    func testModulesAndGetProcAddress() {
        let sim = checkedSimulation()
        sim.run {
            let ntdll = GetModuleHandleA("ntdll.dll")
            XCTAssertEqual(UInt(bitPattern: ntdll), 0x7FFD_0000_0000)
            XCTAssertEqual(GetModuleHandleW(Array("NTDLL".utf16) + [0]), ntdll)
            XCTAssertEqual(UInt(bitPattern: GetModuleHandleW(nil)), 0x1_4000_0000, "the image")
            let suspend: (@convention(c) (HANDLE) -> LONG)? =
                unsafeBitCast(GetProcAddress(ntdll, "NtSuspendProcess"), to: Optional<(@convention(c) (HANDLE) -> LONG)>.self)
            XCTAssertNil(suspend)
            XCTAssertEqual(GetLastError(), DWORD(ERROR_PROC_NOT_FOUND))
            XCTAssertNil(GetModuleHandleA("user32.dll"))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_MOD_NOT_FOUND))
            XCTAssertNil(LoadLibraryW(Array("advapi32.dll".utf16) + [0]))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_MOD_NOT_FOUND))
            let kernel32 = LoadLibraryExW(Array("kernel32.dll".utf16) + [0], nil, DWORD(LOAD_LIBRARY_SEARCH_SYSTEM32))
            XCTAssertNotNil(kernel32)
            XCTAssertTrue(FreeLibrary(kernel32))

            // The image's path, with the size protocol of GetModuleFileNameW (Vista and later).
            var path = [WCHAR](repeating: 0xFFFF, count: Int(MAX_PATH))
            XCTAssertEqual(GetModuleFileNameW(nil, &path, DWORD(path.count)), 11)
            XCTAssertEqual(String(decoding: path.prefix(11), as: UTF16.self), #"C:\main.exe"#)
            XCTAssertEqual(path[11], 0)
            var short = [WCHAR](repeating: 0xFFFF, count: 4)
            XCTAssertEqual(GetModuleFileNameW(nil, &short, 4), 4)
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INSUFFICIENT_BUFFER))
            XCTAssertEqual(short, [0x43, 0x3A, 0x5C, 0], "truncated, and terminated")
            XCTAssertEqual(GetModuleFileNameW(ntdll, &path, DWORD(path.count)), 29)
            XCTAssertEqual(String(decoding: path.prefix(29), as: UTF16.self), #"C:\Windows\System32\ntdll.dll"#)
        }
    }

    /// swift-subprocess's defaultSearchPaths: the size query, then the path.
    func testSystemAndWindowsDirectories() {
        let sim = checkedSimulation()
        sim.run {
            let systemDirectorySize = GetSystemDirectoryW(nil, 0)
            XCTAssertEqual(systemDirectorySize, 20, "C:\\Windows\\system32 and its terminator")
            var buffer = [WCHAR](repeating: 0, count: Int(systemDirectorySize))
            XCTAssertEqual(GetSystemDirectoryW(&buffer, UINT(buffer.count)), 19)
            XCTAssertEqual(String(decoding: buffer.prefix(19), as: UTF16.self), #"C:\Windows\system32"#)
            XCTAssertEqual(GetWindowsDirectoryW(nil, 0), 11)
            XCTAssertEqual(GetWindowsDirectoryW(&buffer, UINT(buffer.count)), 10)
            XCTAssertEqual(String(decoding: buffer.prefix(10), as: UTF16.self), #"C:\Windows"#)
            var ansi = [CHAR](repeating: 0, count: 32)
            XCTAssertEqual(GetSystemDirectoryA(&ansi, 32), 19)
        }
    }

    /// PathAllocCanonicalize with the results of Wine's kernelbase path.c tests
    /// (test_PathAllocCanonicalize), freed with LocalFree as swift-subprocess frees it.
    func testPathAllocCanonicalize() {
        let sim = checkedSimulation()
        sim.run {
            func canonical(_ path: String, _ flags: PATHCCH_OPTIONS...) -> String {
                var out: LPWSTR?
                let options = flags.reduce(ULONG(0)) { $0 | ULONG($1.rawValue) }
                let result = PathAllocCanonicalize(Array(path.utf16) + [0], options, &out)
                guard let out else { return "0x" + String(UInt32(bitPattern: result), radix: 16) }
                defer { LocalFree(out) }
                XCTAssertEqual(result, S_OK)
                var length = 0
                while out[length] != 0 { length += 1 }
                return String(decoding: UnsafeBufferPointer(start: out, count: length), as: UTF16.self)
            }
            XCTAssertEqual(canonical(#"C:\a\.\b\..\"#), #"C:\a\"#)
            XCTAssertEqual(canonical(#"\a\.\b\..\"#), #"\a\"#)
            XCTAssertEqual(canonical(#"\\?\a\.\b\..\"#), #"\\?\a\"#)
            XCTAssertEqual(canonical(#"\\.\a\.\b\..\"#), #"\\a\"#)
            XCTAssertEqual(canonical(#"C:\a\.."#, PATHCCH_DO_NOT_NORMALIZE_SEGMENTS), #"C:\"#)
            XCTAssertEqual(canonical(#"C:\a\."#, PATHCCH_DO_NOT_NORMALIZE_SEGMENTS), #"C:\a"#)
            XCTAssertEqual(canonical(#"C:\a."#, PATHCCH_DO_NOT_NORMALIZE_SEGMENTS), #"C:\a."#)
            XCTAssertEqual(canonical("a "), "a ")
            XCTAssertEqual(canonical(".", PATHCCH_DO_NOT_NORMALIZE_SEGMENTS), #"\"#)
            XCTAssertEqual(canonical(#"C:\a"#, PATHCCH_ENSURE_TRAILING_SLASH), #"C:\a\"#)
            XCTAssertEqual(canonical(#"C:\a\"#, PATHCCH_ENSURE_IS_EXTENDED_LENGTH_PATH), #"\\?\C:\a\"#)
            XCTAssertEqual(canonical(#"\a\"#, PATHCCH_ENSURE_IS_EXTENDED_LENGTH_PATH), #"\a\"#)
            XCTAssertEqual(canonical("", PATHCCH_FORCE_ENABLE_LONG_NAME_PROCESS), "0x80070057")
            XCTAssertEqual(canonical("", PATHCCH_ENSURE_IS_EXTENDED_LENGTH_PATH, PATHCCH_ALLOW_LONG_PATHS), "0x80070057")

            // MAX_PATH - 1 characters fit; MAX_PATH need PATHCCH_ALLOW_LONG_PATHS and get \\?\.
            let fits = #"C:\"# + String(repeating: "a", count: 256)
            XCTAssertEqual(canonical(fits), fits)
            let long = fits + "a"
            XCTAssertEqual(canonical(long), "0x800700ce")
            XCTAssertEqual(canonical(long, PATHCCH_ALLOW_LONG_PATHS), #"\\?\"# + long)
            XCTAssertEqual(canonical(long, PATHCCH_ALLOW_LONG_PATHS, PATHCCH_FORCE_ENABLE_LONG_NAME_PROCESS), long)
            // MAX_PATH + 1 characters in, 258 out: the result's length decides.
            XCTAssertEqual(canonical(#"C:\..\"# + String(repeating: "a", count: 255), PATHCCH_ALLOW_LONG_PATHS),
                           #"C:\"# + String(repeating: "a", count: 255))

            // PathAllocCombine, with Wine's combine_tests.
            func combined(_ first: String?, _ second: String?) -> String {
                var out: PWSTR?
                let result = PathAllocCombine(first.map { Array($0.utf16) + [0] }, second.map { Array($0.utf16) + [0] }, 0, &out)
                guard let out else { return "0x" + String(UInt32(bitPattern: result), radix: 16) }
                defer { LocalFree(out) }
                return String(decodingCString: out, as: UTF16.self)
            }
            XCTAssertEqual(combined(#"C:\"#, "a"), #"C:\a"#)
            XCTAssertEqual(combined(#"C:\b"#, #"..\a"#), #"C:\a"#)
            XCTAssertEqual(combined("C:", "a"), #"C:\a"#)
            XCTAssertEqual(combined(#"C:\a"#, ""), #"C:\a"#)
            XCTAssertEqual(combined(#"\a"#, "b"), #"\a\b"#)
            XCTAssertEqual(combined(#"C:\a\b"#, #"\1"#), #"C:\1"#)
            XCTAssertEqual(combined(#"\a\b"#, #"\1"#), #"\1"#)
            XCTAssertEqual(combined(#"\\a\b\c"#, #"\1"#), #"\\a\b\1"#)
            XCTAssertEqual(combined(#"X:\"#, #"C:\a"#), #"C:\a"#)
            XCTAssertEqual(combined(#"X:\"#, "C:"), #"C:\"#)
            XCTAssertEqual(combined(#"\a"#, nil), #"\a"#)
            XCTAssertEqual(combined("", ""), #"\"#)
            XCTAssertEqual(combined("a", "b"), #"a\b"#)
            XCTAssertEqual(combined(nil, nil), "0x80070057")

            var out: LPWSTR? = LPWSTR(bitPattern: 0x1234)
            XCTAssertEqual(PathAllocCanonicalize(Array(#"C:\"#.utf16) + [0], 0, nil), HRESULT(bitPattern: 0x8007_0057))
            XCTAssertEqual(PathAllocCanonicalize(Array(String(repeating: "a", count: 0x8000).utf16) + [0],
                                                 ULONG(PATHCCH_ALLOW_LONG_PATHS.rawValue), &out), HRESULT(bitPattern: 0x8007_00CE))
            XCTAssertNil(out)
        }
    }
}
