import CRT
import IOKernel
import IOSimXCTest
import WinSDK
import XCTest

/// The rest of what swift-foundation's FoundationEssentials file code calls on Windows, used as
/// it uses it (String+Path's home directory of a user: `LookupAccountNameW` twice with the size
/// protocol, `ConvertSidToStringSidW`, `GetUserProfileDirectoryW`; FileOperations' move:
/// `PathIsSameRootW` on NT paths; the CRT's `struct stat`), with what each answers on the
/// simulated machine. `ucrt.`/`CRT.` qualify the names Glibc (through XCTest's Foundation) has too.
final class FoundationAccountsPathsAndStatusTests: XCTestCase {
    private func error() -> String { win32ErrorName(GetLastError()) }

    /// String+Path's `homeDirectoryPath(forUser:)` up to the registry: the size query answers
    /// FALSE with ERROR_INSUFFICIENT_BUFFER, the SID's 28 bytes and the domain's 11 characters
    /// with its terminator (Wine's security.c test_LookupAccountName: the domain size then drops
    /// by one on success); the second call fills both, `SidTypeUser`; the string SID is
    /// S-1-5-21-0-0-0-1000, in a LocalAlloc block.
    func testAUsersSIDAsStringPathLooksItUp() {
        let sim = checkedSimulation()
        var steps: [String] = []
        sim.run {
            let user = "iosim"
            let sidString: String? = user.withCString(encodedAs: UTF16.self) { pwszUserName in
                var cbSID: DWORD = 0
                var cchReferencedDomainName: DWORD = 0
                var eUse: SID_NAME_USE = SidTypeUnknown
                LookupAccountNameW(nil, pwszUserName, nil, &cbSID, nil, &cchReferencedDomainName, &eUse)
                steps.append("query \(error()): \(cbSID) bytes, \(cchReferencedDomainName) characters")
                guard cbSID > 0 else { return nil }
                return withUnsafeTemporaryAllocation(of: CChar.self, capacity: Int(cbSID)) { pSID in
                    withUnsafeTemporaryAllocation(of: WCHAR.self, capacity: Int(cchReferencedDomainName)) { pwszReferencedDomainName in
                        guard LookupAccountNameW(nil, pwszUserName, pSID.baseAddress, &cbSID, pwszReferencedDomainName.baseAddress,
                                                 &cchReferencedDomainName, &eUse)
                        else { return nil }
                        let domain = String(decodingCString: pwszReferencedDomainName.baseAddress!, as: UTF16.self)
                        steps.append("lookup: \(cbSID) bytes, \(domain) (\(cchReferencedDomainName)), use \(eUse == SidTypeUser ? "SidTypeUser" : "\(eUse.rawValue)")")
                        var pwszSID: LPWSTR? = nil
                        guard ConvertSidToStringSidW(pSID.baseAddress, &pwszSID) else { return nil }
                        defer { LocalFree(pwszSID) }
                        return String(decodingCString: pwszSID!, as: UTF16.self)
                    }
                }
            }
            steps.append("SID \(sidString ?? "none")")
            func lookUp(_ name: String) -> String {
                var sid = [UInt8](repeating: 0, count: 68), domain = [WCHAR](repeating: 0, count: 32)
                var cbSid = DWORD(sid.count), cchDomain = DWORD(domain.count)
                var use = SidTypeUnknown
                guard LookupAccountNameW(nil, Array(name.utf16) + [0], &sid, &cbSid, &domain, &cchDomain, &use) else { return error() }
                var text: LPWSTR?
                ConvertSidToStringSidW(&sid, &text)
                defer { LocalFree(text) }
                return "\(String(decodingCString: text!, as: UTF16.self)) \(use.rawValue)"
            }
            steps.append("IOSIM-HOST\\IOSIM: \(lookUp(#"IOSIM-HOST\IOSIM"#)), empty: \(lookUp("")), nobody: \(lookUp("nobody"))")
        }
        XCTAssertEqual(steps, [
            "query ERROR_INSUFFICIENT_BUFFER: 28 bytes, 11 characters",
            "lookup: 28 bytes, IOSIM-HOST (10), use SidTypeUser",
            "SID S-1-5-21-0-0-0-1000",
            "IOSIM-HOST\\IOSIM: S-1-5-21-0-0-0-1000 1, empty: S-1-5-21-0-0-0 3, nobody: ERROR_NONE_MAPPED",
        ])
    }

    /// ConvertStringSidToSidW and back: a numeric SID, an SDDL abbreviation (`WD`, Everyone), an
    /// authority past 32 bits (hexadecimal, as ConvertSidToStringSid writes it); a string that is
    /// not a SID (ERROR_INVALID_SID), NULL (ERROR_INVALID_PARAMETER), a SID of revision 2
    /// (ERROR_INVALID_SID).
    func testStringSIDsBothWays() {
        let sim = checkedSimulation()
        var results: [String] = []
        sim.run {
            func roundTrip(_ text: String) -> String {
                var sid: PSID?
                guard ConvertStringSidToSidW(Array(text.utf16) + [0], &sid) else { return error() }
                defer { LocalFree(sid) }
                var back: LPWSTR?
                guard ConvertSidToStringSidW(sid, &back) else { return error() }
                defer { LocalFree(back) }
                return String(decodingCString: back!, as: UTF16.self)
            }
            results += ["S-1-5-32-544", "WD", "S-1-0x123456789ABC-7", "S-1-5", "X-1-5-3", "S-1-5-abc"].map(roundTrip)
            var sid: PSID?
            results.append(ConvertStringSidToSidW(nil, &sid) ? "TRUE" : error())
            var revisionTwo: [UInt8] = [2, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0]
            var text: LPWSTR?
            results.append(ConvertSidToStringSidW(&revisionTwo, &text) ? "TRUE" : error())
        }
        XCTAssertEqual(results, ["S-1-5-32-544", "S-1-1-0", "S-1-0x123456789ABC-7", "ERROR_INVALID_SID", "ERROR_INVALID_SID",
                                 "ERROR_INVALID_SID", "ERROR_INVALID_PARAMETER", "ERROR_INVALID_SID"])
    }

    /// String+Path's `homeDirectoryPath()`: the process token, the size query (FALSE,
    /// ERROR_INSUFFICIENT_BUFFER, 15 characters with the terminator), the path; a handle that is
    /// not a token is ERROR_INVALID_HANDLE.
    func testTheProfileDirectoryAsHomeDirectoryPathAsksForIt() {
        let sim = checkedSimulation()
        var steps: [String] = []
        sim.run {
            var hToken: HANDLE? = nil
            guard OpenProcessToken(GetCurrentProcess(), DWORD(TOKEN_QUERY), &hToken) else { return }
            defer { CloseHandle(hToken) }
            var dwcchSize: DWORD = 0
            _ = GetUserProfileDirectoryW(hToken, nil, &dwcchSize)
            steps.append("query \(error()): \(dwcchSize)")
            let path = withUnsafeTemporaryAllocation(of: WCHAR.self, capacity: Int(dwcchSize)) {
                var dwcchSize: DWORD = DWORD($0.count)
                guard GetUserProfileDirectoryW(hToken, $0.baseAddress, &dwcchSize) else { return "failed" }
                return String(decodingCString: $0.baseAddress!, as: UTF16.self)
            }
            steps.append(path)
            let event = CreateEventW(nil, true, false, nil)
            var size: DWORD = 64
            var buffer = [WCHAR](repeating: 0, count: 64)
            steps.append("an event: \(GetUserProfileDirectoryW(event, &buffer, &size) ? "TRUE" : error())")
            CloseHandle(event)
        }
        XCTAssertEqual(steps, ["query ERROR_INSUFFICIENT_BUFFER: 15", #"C:\Users\iosim"#, "an event: ERROR_INVALID_HANDLE"])
    }

    /// PathIsSameRootW as FileOperations' move asks it, on NT paths (`\\?\C:\…`), and on the other
    /// forms: the first path's root (shlwapi's PathSkipRoot) against the components both share,
    /// case-insensitively; `\\server\share` alone and `C:` have no root (Microsoft: "If pszPath1
    /// contains only the server and share, this function also returns FALSE").
    func testWhichPathsShareARoot() {
        let sim = checkedSimulation()
        var answers: [Bool] = []
        sim.run {
            let pairs = [(#"\\?\C:\data\a"#, #"\\?\C:\other\b"#), (#"\\?\C:\data"#, #"\\?\D:\data"#), (#"C:\a\b"#, #"c:\c"#),
                         (#"C:\a"#, #"D:\a"#), (#"\\srv\share\a"#, #"\\SRV\share\b"#), (#"\\srv\share\a"#, #"\\srv\other\a"#),
                         (#"\\srv\share"#, #"\\srv\share"#), ("C:", "C:"), (#"a\b"#, #"a\c"#)]
            for (first, second) in pairs {
                answers.append(first.withCString(encodedAs: UTF16.self) { pwszSource in
                    second.withCString(encodedAs: UTF16.self) { pwszDestination in PathIsSameRootW(pwszSource, pwszDestination) }
                })
            }
            answers.append(PathIsSameRootW(nil, Array(#"C:\"#.utf16) + [0]))
        }
        XCTAssertEqual(answers, [true, false, true, false, true, false, false, false, false, false])
    }

    /// The CRT's file status as the Universal CRT fills it (Microsoft's `_stat` and `_fstat`
    /// pages): a file `_S_IFREG` with read and write for user, group and others (0o666), a
    /// read-only one 0o444, an executable name 0o777, a directory `_S_IFDIR` 0o777, on drive C
    /// (2), one link, times in seconds since 1970 (the volume's 2024-01-01); a missing path -1
    /// with ENOENT. Through a descriptor: `st_dev` 0 for a file, a pipe `_S_IFIFO` and a standard
    /// stream `_S_IFCHR` with `st_dev` the descriptor, a closed descriptor EBADF.
    func testFileStatusThroughPathsAndDescriptors() {
        let sim = checkedSimulation()
        sim.fileSystem.setContents(Array("ten bytes!".utf8), of: #"C:\data\s.txt"#)
        sim.fileSystem.setContents([0x4D, 0x5A], of: #"C:\data\tool.exe"#)
        var lines: [String] = []
        sim.run {
            func describe(_ s: ucrt._stat64) -> String {
                "mode 0o\(String(s.st_mode, radix: 8)) size \(s.st_size) dev \(s.st_dev) links \(s.st_nlink) mtime \(s.st_mtime)"
            }
            var s = ucrt._stat64()
            lines.append(_wstat64(Array(#"C:\data\s.txt"#.utf16) + [0], &s) == 0 ? describe(s) : "errno \(ucrt.errno)")
            lines.append(_wstat64(Array(#"C:\data"#.utf16) + [0], &s) == 0 ? describe(s) : "errno \(ucrt.errno)")
            lines.append(_wstat64(Array(#"C:\data\tool.exe"#.utf16) + [0], &s) == 0 ? describe(s) : "errno \(ucrt.errno)")
            SetFileAttributesW(Array(#"C:\data\s.txt"#.utf16) + [0], DWORD(FILE_ATTRIBUTE_READONLY))
            var narrow = ucrt.stat()
            lines.append(stat(#"C:\data\s.txt"#, &narrow) == 0 ? "stat mode 0o\(String(narrow.st_mode, radix: 8)) size \(narrow.st_size)" : "errno")
            lines.append(_stat64(#"C:\data\missing"#, &s) == 0 ? "found" : "missing: errno \(ucrt.errno == ucrt.ENOENT ? "ENOENT" : "\(ucrt.errno)")")
            let fd = _wopen(Array(#"C:\data\tool.exe"#.utf16) + [0], _O_RDONLY | _O_BINARY)
            lines.append(_fstat64(fd, &s) == 0 ? "fd: " + describe(s) : "errno \(ucrt.errno)")
            _close(fd)
            var fds: [Int32] = [-1, -1]
            _pipe(&fds, 0, _O_BINARY)
            lines.append(fstat(fds[0], &narrow) == 0 ? "pipe: mode 0x\(String(narrow.st_mode, radix: 16)) dev \(narrow.st_dev)" : "errno")
            lines.append(fstat(0, &narrow) == 0 ? "stdin: mode 0x\(String(narrow.st_mode, radix: 16)) dev \(narrow.st_dev)" : "errno")
            _close(fds[0])
            _close(fds[1])
            lines.append(fstat(fds[0], &narrow) == 0 ? "open" : "closed: errno \(ucrt.errno == ucrt.EBADF ? "EBADF" : "\(ucrt.errno)")")
            // The structure's shape, as FileManager's `_catInfo(for:statInfo:into:)` takes it.
            let info: ucrt.stat = ucrt.stat()
            lines.append("\(info.st_mode & UInt16(ucrt.S_IFMT) == UInt16(ucrt.S_IFDIR)) \(Int(_S_IFREG) == 0x8000)")
        }
        XCTAssertEqual(lines, [
            "mode 0o100666 size 10 dev 2 links 1 mtime 1704067200",
            "mode 0o40777 size 0 dev 2 links 1 mtime 1704067200",
            "mode 0o100777 size 2 dev 2 links 1 mtime 1704067200",
            "stat mode 0o100444 size 10",
            "missing: errno ENOENT",
            "fd: mode 0o100666 size 2 dev 0 links 1 mtime 1704067200",
            "pipe: mode 0x1000 dev 3",
            "stdin: mode 0x2000 dev 0",
            "closed: errno EBADF",
            "false true",
        ])
    }
}
