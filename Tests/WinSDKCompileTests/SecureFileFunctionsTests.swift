import IOKernel
import IOSimXCTest
import WinSDK
import XCTest

/// The CRT's share-mode open, temporary names, bounded copies and `_commit`, called the way
/// swift-foundation's Data+Writing calls them on Windows, and `memcmp` with the optional
/// `baseAddress` pointers of FileManager+Basics' `_FILE_ID_128` comparison.
final class SecureFileFunctionsTests: XCTestCase {
    func testDataWritingsCRTCalls() {
        let sim = checkedSimulation()
        sim.fileSystem.createDirectory(#"C:\out"#)
        var outcome: [String] = []
        sim.run { outcome = crtCalls() }
        check(outcome, sim)
    }

    private func crtCalls() -> [String] {
            var outcome: [String] = []
            var template = Array(#"C:\out\.dat.XXXXXX"#.utf8CString)
            let made = template.withUnsafeMutableBufferPointer { buffer -> Int32 in
                let templateFileSystemRep = buffer.baseAddress!
                return _mktemp_s(templateFileSystemRep, strlen(templateFileSystemRep) + 1)
            }
            outcome.append("_mktemp_s: \(made)")
            let name = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            outcome.append("name: \(name.prefix(12))… \(name.count) characters")
            var fd: Int32 = -1
            let path = Array(name.utf16) + [0]
            _ = _wsopen_s(&fd, path, _O_BINARY | _O_CREAT | _O_EXCL | _O_RDWR, _SH_DENYNO, _S_IREAD | _S_IWRITE)
            outcome.append("_wsopen_s: fd \(fd)")
            outcome.append("_write: \(_write(fd, Array("data".utf8), 4)), _commit: \(_commit(fd)), _close: \(_close(fd))")
            outcome.append("_commit of a closed descriptor: \(_commit(fd)), errno \(ucrt.errno == ucrt.EBADF ? "EBADF" : "\(ucrt.errno)")")
            var again = template.withUnsafeMutableBufferPointer { _mktemp_s($0.baseAddress, 3) }
            outcome.append("size not its length: \(again == ucrt.EINVAL ? "EINVAL" : "\(again)")")
            let pwszPath = Array(#"C:\out\x"#.utf16) + [0]
            let cchLength = pwszPath.count - 1
            var copy = [WCHAR](repeating: 0xFFFF, count: cchLength + 1)
            again = copy.withUnsafeMutableBufferPointer { wcscpy_s($0.baseAddress, cchLength + 1, pwszPath) }
            outcome.append("wcscpy_s: \(again), \(String(decoding: copy.prefix { $0 != 0 }, as: UTF16.self))")
            again = copy.withUnsafeMutableBufferPointer { wcscpy_s($0.baseAddress, 3, pwszPath) }
            outcome.append("too small: \(again == ucrt.ERANGE ? "ERANGE" : "\(again)"), emptied \(copy[0] == 0)")
            return outcome
    }

    private func check(_ outcome: [String], _ sim: Simulation) {
        XCTAssertEqual(outcome[0], "_mktemp_s: 0")
        XCTAssertEqual(outcome[1], #"name: C:\out\.dat.… 18 characters"#)
        XCTAssertEqual(Array(outcome[2...]), [
            "_wsopen_s: fd 3", "_write: 4, _commit: 0, _close: 0", "_commit of a closed descriptor: -1, errno EBADF",
            "size not its length: EINVAL", #"wcscpy_s: 0, C:\out\x"#, "too small: ERANGE, emptied true",
        ])
        XCTAssertEqual(sim.fileSystem.paths.count, 1)
        XCTAssertEqual(_S_IREAD | _S_IWRITE | _S_IEXEC, 0x1C0)
        XCTAssertEqual([_SH_DENYRW, _SH_DENYWR, _SH_DENYRD, _SH_DENYNO], [0x10, 0x20, 0x30, 0x40])
    }

    func testMemcmpTakesOptionalPointers() {
        let a: (UInt64, UInt64) = (1, 2), b: (UInt64, UInt64) = (1, 3)
        let equal = withUnsafeBytes(of: a) { pLHS in
            withUnsafeBytes(of: a) { pRHS in memcmp(pLHS.baseAddress, pRHS.baseAddress, MemoryLayout.size(ofValue: a)) == 0 }
        }
        let less = withUnsafeBytes(of: a) { pLHS in
            withUnsafeBytes(of: b) { pRHS in memcmp(pLHS.baseAddress, pRHS.baseAddress, MemoryLayout.size(ofValue: a)) }
        }
        XCTAssertTrue(equal)
        XCTAssertEqual(less, -1)
    }
}
