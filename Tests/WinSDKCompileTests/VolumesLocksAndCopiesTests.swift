import IOKernel
import IOSimXCTest
import WinSDK
import XCTest

/// The volume queries, CopyFile2 and the byte-range locks, written the way swift-foundation's
/// FileManager (its `attributesOfFileSystem` and `copyItem` on Windows) and lock-file code use
/// them: `ULARGE_INTEGER` out-parameters, `COPYFILE2_EXTENDED_PARAMETERS` on the stack with
/// `FAILED`-style checks of the `HRESULT`, `LOCKFILE_*` flags combined with `|`.
final class VolumesLocksAndCopiesTests: XCTestCase {
    private func wide(_ string: String) -> [WCHAR] { Array(string.utf16) + [0] }

    /// FileManager.attributesOfFileSystem(forPath:): the volume's root, then its sizes and its
    /// serial number.
    func testFileSystemAttributesAsFileManagerAsksForThem() {
        let sim = checkedSimulation()
        sim.fileSystem.capacity = 1 << 30
        sim.fileSystem.setContents([1, 2, 3], of: #"C:\data\a.txt"#)
        var answer: (total: UInt64, free: UInt64, serial: DWORD, root: String) = (0, 0, 0, "")
        sim.run {
            let path = wide(#"C:\data\a.txt"#)
            let dwLength: DWORD = GetFullPathNameW(path, 0, nil, nil)
            var szVolumeName = [WCHAR](repeating: 0, count: Int(dwLength))
            guard GetVolumePathNameW(path, &szVolumeName, dwLength) else { return }
            var liTotal: ULARGE_INTEGER = .init()
            var liFree: ULARGE_INTEGER = .init()
            guard GetDiskFreeSpaceExW(szVolumeName, nil, &liTotal, &liFree) else { return }
            var dwVolumeSerialNumber: DWORD = 0
            var dwFlags: DWORD = 0
            var dwMaximumComponentLength: DWORD = 0
            var szFileSystemName = [WCHAR](repeating: 0, count: Int(MAX_PATH) + 1)
            guard GetVolumeInformationW(szVolumeName, nil, 0, &dwVolumeSerialNumber, &dwMaximumComponentLength, &dwFlags,
                                        &szFileSystemName, DWORD(szFileSystemName.count)) else { return }
            XCTAssertEqual(dwFlags & DWORD(FILE_SUPPORTS_REPARSE_POINTS), DWORD(FILE_SUPPORTS_REPARSE_POINTS))
            XCTAssertEqual(dwFlags & DWORD(FILE_CASE_SENSITIVE_SEARCH), 0)
            XCTAssertEqual(String(decoding: szFileSystemName.prefix { $0 != 0 }, as: UTF16.self), "NTFS")
            answer = (liTotal.QuadPart, liFree.QuadPart, dwVolumeSerialNumber,
                      String(decoding: szVolumeName.prefix { $0 != 0 }, as: UTF16.self))
        }
        XCTAssertEqual(answer.total, 1 << 30)
        XCTAssertEqual(answer.free, (1 << 30) - 4096)
        XCTAssertEqual(answer.serial, 0x5153_494D)
        XCTAssertEqual(answer.root, #"C:\"#)
    }

    /// FileManager's copy on Windows: CopyFile2 with COPY_FILE_FAIL_IF_EXISTS and
    /// COPY_FILE_NO_BUFFERING, the error taken from GetLastError when the HRESULT fails.
    func testCopyFile2AsFileManagerCopiesAFile() {
        let sim = checkedSimulation()
        sim.fileSystem.setContents(Array("contents".utf8), of: #"C:\a.txt"#)
        var errors: [DWORD] = []
        sim.run {
            for _ in 0..<2 {
                var ExtendedParameters: COPYFILE2_EXTENDED_PARAMETERS = .init()
                ExtendedParameters.dwSize = DWORD(MemoryLayout<COPYFILE2_EXTENDED_PARAMETERS>.size)
                ExtendedParameters.dwCopyFlags = DWORD(COPY_FILE_FAIL_IF_EXISTS) | DWORD(COPY_FILE_NO_BUFFERING)
                let hr: HRESULT = CopyFile2(wide(#"C:\a.txt"#), wide(#"C:\b.txt"#), &ExtendedParameters)
                errors.append(hr < 0 ? GetLastError() : 0)
            }
            var message = COPYFILE2_MESSAGE()
            message.Type = COPYFILE2_CALLBACK_CHUNK_FINISHED
            message.Info.ChunkFinished.uliTotalBytesTransferred.QuadPart = 8
            XCTAssertEqual(message.Info.ChunkFinished.uliTotalBytesTransferred.LowPart, 8)
            let action: COPYFILE2_MESSAGE_ACTION = COPYFILE2_PROGRESS_CONTINUE
            XCTAssertEqual(action.rawValue, 0)
            XCTAssertEqual(COPYFILE2_PHASE_READ_SOURCE.rawValue, 3)
        }
        XCTAssertEqual(errors, [0, DWORD(ERROR_FILE_EXISTS)])
        XCTAssertEqual(sim.fileSystem.contents(of: #"C:\b.txt"#), Array("contents".utf8))
        XCTAssertEqual(MemoryLayout<COPYFILE2_EXTENDED_PARAMETERS>.size, 32)
        XCTAssertEqual(MemoryLayout<COPYFILE2_MESSAGE>.size, 80)  // 8 + ChunkFinished: 2 DWORDs, 2 HANDLEs, 6 ULARGE_INTEGERs
    }

    /// A lock file, as tools guard a directory with one: an exclusive lock taken without
    /// waiting, ERROR_LOCK_VIOLATION meaning "held by someone else", UnlockFileEx before close.
    func testALockFileHeldByOneHandleAtATime() {
        let sim = checkedSimulation()
        var outcomes: [String] = []
        sim.run {
            let first = CreateFileW(wide(#"C:\.lock"#), DWORD(GENERIC_READ) | DWORD(GENERIC_WRITE),
                                    DWORD(FILE_SHARE_READ) | DWORD(FILE_SHARE_WRITE), nil, DWORD(OPEN_ALWAYS), 0, nil)
            let second = CreateFileW(wide(#"C:\.lock"#), DWORD(GENERIC_READ) | DWORD(GENERIC_WRITE),
                                     DWORD(FILE_SHARE_READ) | DWORD(FILE_SHARE_WRITE), nil, DWORD(OPEN_ALWAYS), 0, nil)
            var overlapped = OVERLAPPED()
            for handle in [first, second] {
                if LockFileEx(handle, DWORD(LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY), 0, 1, 0, &overlapped) {
                    outcomes.append("locked")
                } else if GetLastError() == DWORD(ERROR_LOCK_VIOLATION) {
                    outcomes.append("busy")
                }
            }
            UnlockFileEx(first, 0, 1, 0, &overlapped)
            outcomes.append(LockFile(second, 0, 0, 1, 0) ? "locked" : "busy")
            UnlockFile(second, 0, 0, 1, 0)
            CloseHandle(first)
            CloseHandle(second)
        }
        XCTAssertEqual(outcomes, ["locked", "busy", "locked"])
    }
}
