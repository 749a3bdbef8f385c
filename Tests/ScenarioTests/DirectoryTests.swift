import IOKernel
import Win32Surface
import XCTest

/// A NUL-terminated UTF-16 copy of `text`, as a `LPCWSTR` argument.
func wide(_ text: String) -> [WCHAR] { Array(text.utf16) + [0] }

/// The string in a `WCHAR` buffer up to its terminator.
func string(wide buffer: UnsafePointer<WCHAR>) -> String {
    var length = 0
    while buffer[length] != 0 { length += 1 }
    return String(decoding: UnsafeBufferPointer(start: buffer, count: length), as: UTF16.self)
}

/// Directories on the simulated volume and the functions around files that real code calls
/// (issue 11 "Directories", issue 13's file functions).
final class DirectoryTests: XCTestCase {
    private let temp = #"C:\Users\User\AppData\Local\Temp\"#

    // MARK: - The model

    /// The volume starts with `C:\` and the temporary folder, which `GetTempPathW` names with
    /// its trailing backslash. As documented, the result is the length without the terminator
    /// when it fits, else the size needed with it, nothing copied. `MAX_PATH` is 260.
    func testTheTemporaryFolderExists() {
        let sim = Simulation()
        XCTAssertEqual(sim.fileSystem.directories,
                       [#"C:\Users"#, #"C:\Users\User"#, #"C:\Users\User\AppData"#, #"C:\Users\User\AppData\Local"#,
                        #"C:\Users\User\AppData\Local\Temp"#])
        sim.run {
            XCTAssertEqual(MAX_PATH, 260)
            var buffer = [WCHAR](repeating: 0x7F, count: Int(MAX_PATH))
            XCTAssertEqual(GetTempPathW(DWORD(MAX_PATH), &buffer), DWORD(temp.utf16.count))
            XCTAssertEqual(string(wide: buffer), temp)
            var small = [WCHAR](repeating: 0x7F, count: 8)
            XCTAssertEqual(GetTempPathW(8, &small), DWORD(temp.utf16.count + 1))
            XCTAssertEqual(small, [WCHAR](repeating: 0x7F, count: 8), "nothing copied")
            var narrow = [CChar](repeating: 0, count: Int(MAX_PATH))
            XCTAssertEqual(GetTempPathA(DWORD(MAX_PATH), &narrow), DWORD(temp.utf8.count))
            XCTAssertEqual(String(decoding: narrow.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self), temp)
            XCTAssertEqual(GetFileAttributesW(wide(temp)), DWORD(FILE_ATTRIBUTE_DIRECTORY))
        }
    }

    /// `CreateDirectoryW`/`A` and `RemoveDirectoryW`/`A` (Wine `kernel32/tests/directory.c`
    /// test_CreateDirectoryA/W, test_RemoveDirectoryA/W; Microsoft's pages): an existing name is
    /// `ERROR_ALREADY_EXISTS`, a missing parent `ERROR_PATH_NOT_FOUND`; removing a directory
    /// with entries is `ERROR_DIR_NOT_EMPTY`, a file `ERROR_DIRECTORY`, a missing one
    /// `ERROR_FILE_NOT_FOUND`. Files are created only in directories that exist
    /// (`ERROR_PATH_NOT_FOUND`), and `DeleteFileW` refuses a directory (`ERROR_ACCESS_DENIED`).
    func testCreatingAndRemovingDirectories() {
        let sim = Simulation()
        sim.run {
            let boo = temp + "boo"
            XCTAssertTrue(CreateDirectoryW(wide(boo), nil))
            XCTAssertFalse(CreateDirectoryW(wide(boo), nil))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_ALREADY_EXISTS))
            XCTAssertFalse(CreateDirectoryA(temp + #"missing\sub"#, nil))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_PATH_NOT_FOUND))
            XCTAssertTrue(CreateDirectoryA(boo + #"\hoo"#, nil))

            XCTAssertEqual(CreateFileA(temp + #"missing\a.txt"#, DWORD(GENERIC_WRITE), 0, nil, DWORD(CREATE_NEW), 0, nil),
                           INVALID_HANDLE_VALUE)
            XCTAssertEqual(GetLastError(), DWORD(ERROR_PATH_NOT_FOUND))
            XCTAssertEqual(CreateFileA(temp + #"missing\a.txt"#, GENERIC_READ, 0, nil, DWORD(OPEN_EXISTING), 0, nil),
                           INVALID_HANDLE_VALUE)
            XCTAssertEqual(GetLastError(), DWORD(ERROR_PATH_NOT_FOUND))
            let file = CreateFileA(boo + #"\a.txt"#, DWORD(GENERIC_WRITE), 0, nil, DWORD(CREATE_NEW), 0, nil)
            XCTAssertNotEqual(file, INVALID_HANDLE_VALUE)
            XCTAssertTrue(CloseHandle(file))
            XCTAssertFalse(CreateDirectoryW(wide(boo + #"\a.txt"#), nil))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_ALREADY_EXISTS))

            XCTAssertFalse(RemoveDirectoryW(wide(boo)))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_DIR_NOT_EMPTY))
            XCTAssertFalse(RemoveDirectoryW(wide(boo + #"\a.txt"#)))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_DIRECTORY))
            XCTAssertFalse(RemoveDirectoryA(boo + #"\nothing"#))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_FILE_NOT_FOUND))
            XCTAssertFalse(RemoveDirectoryA(boo + #"\nothing\deeper"#))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_PATH_NOT_FOUND))
            XCTAssertFalse(DeleteFileW(wide(boo + #"\hoo"#)))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_ACCESS_DENIED))

            XCTAssertTrue(DeleteFileA(boo + #"\a.txt"#))
            XCTAssertTrue(RemoveDirectoryA(boo + #"\hoo"#))
            XCTAssertTrue(RemoveDirectoryW(wide(boo)))
            XCTAssertEqual(GetFileAttributesW(wide(boo)), INVALID_FILE_ATTRIBUTES)
            XCTAssertEqual(GetLastError(), DWORD(ERROR_FILE_NOT_FOUND))
        }
        XCTAssertFalse(sim.fileSystem.directoryExists(temp + "boo"))
        XCTAssertTrue(sim.finish().isClean, sim.finish().description)
    }

    /// A directory opens only with `FILE_FLAG_BACKUP_SEMANTICS` (Microsoft's CreateFileW page,
    /// "Directories"; without it kernelbase asks for a non-directory and gets
    /// `STATUS_FILE_IS_A_DIRECTORY`, `ERROR_ACCESS_DENIED`). The handle answers `GetFileType`
    /// and the information functions, not `ReadFile` (`ERROR_INVALID_FUNCTION`). An open
    /// without `FILE_SHARE_DELETE` keeps it from being removed (`ERROR_SHARING_VIOLATION`).
    func testOpeningADirectoryNeedsBackupSemantics() {
        let sim = Simulation()
        sim.fileSystem.createDirectory(#"C:\work"#)
        sim.run {
            let path = wide(#"C:\work"#)
            let access = DWORD(FILE_LIST_DIRECTORY) | DWORD(SYNCHRONIZE)
            let share = DWORD(FILE_SHARE_READ | FILE_SHARE_WRITE)
            XCTAssertEqual(CreateFileW(path, access, share, nil, DWORD(OPEN_EXISTING), 0, nil), INVALID_HANDLE_VALUE)
            XCTAssertEqual(GetLastError(), DWORD(ERROR_ACCESS_DENIED))
            let h = CreateFileW(path, access, share, nil, DWORD(OPEN_EXISTING), DWORD(FILE_FLAG_BACKUP_SEMANTICS), nil)
            XCTAssertNotEqual(h, INVALID_HANDLE_VALUE)
            XCTAssertEqual(GetFileType(h), DWORD(FILE_TYPE_DISK))
            var info = BY_HANDLE_FILE_INFORMATION()
            XCTAssertTrue(GetFileInformationByHandle(h, &info))
            XCTAssertEqual(info.dwFileAttributes, DWORD(FILE_ATTRIBUTE_DIRECTORY))
            var standard = FILE_STANDARD_INFO()
            XCTAssertTrue(GetFileInformationByHandleEx(h, FileStandardInfo, &standard, DWORD(MemoryLayout<FILE_STANDARD_INFO>.size)))
            XCTAssertEqual(standard.Directory, 1)
            var byte: UInt8 = 0
            var read: DWORD = 0
            XCTAssertFalse(ReadFile(h, &byte, 1, &read, nil))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_FUNCTION))
            XCTAssertFalse(RemoveDirectoryW(path))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_SHARING_VIOLATION))
            XCTAssertTrue(CloseHandle(h))
            XCTAssertTrue(RemoveDirectoryW(path))
        }
        XCTAssertTrue(sim.finish().isClean, sim.finish().description)
    }

    // MARK: - Listing

    /// `FindFirstFileW`/`FindNextFileW`/`FindClose` (Wine `kernel32/tests/file.c`
    /// test_FindFirstFileA, test_FindNextFileA): a directory other than a root lists `.` and
    /// `..` first, then its entries in case-insensitive order with their attributes and sizes;
    /// the end is `ERROR_NO_MORE_FILES`; no match is `ERROR_FILE_NOT_FOUND`, a missing directory
    /// `ERROR_PATH_NOT_FOUND`; a closed search handle `ERROR_INVALID_HANDLE`.
    func testListingADirectory() {
        let sim = Simulation()
        sim.fileSystem.setContents(bytes("0123456789"), of: #"C:\logs\b.txt"#)
        sim.fileSystem.setContents(bytes("x"), of: #"C:\logs\A.log"#)
        sim.fileSystem.createDirectory(#"C:\logs\sub"#)
        sim.run {
            var data = WIN32_FIND_DATAW()
            let find = FindFirstFileW(wide(#"C:\logs\*"#), &data)
            XCTAssertNotEqual(find, INVALID_HANDLE_VALUE)
            var listed = [entry(data)]
            while FindNextFileW(find, &data) { listed.append(entry(data)) }
            XCTAssertEqual(GetLastError(), DWORD(ERROR_NO_MORE_FILES))
            XCTAssertEqual(listed, [".  0x10 0", ".. 0x10 0", "A.log 0x20 1", "b.txt 0x20 10", "sub 0x10 0"])
            XCTAssertTrue(FindClose(find))
            XCTAssertFalse(FindClose(find))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_HANDLE))

            let texts = FindFirstFileW(wide(#"c:/LOGS/*.txt"#), &data)
            XCTAssertEqual(entry(data), "b.txt 0x20 10")
            XCTAssertFalse(FindNextFileW(texts, &data))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_NO_MORE_FILES))
            XCTAssertTrue(FindClose(texts))

            XCTAssertEqual(FindFirstFileW(wide(#"C:\logs\*.zip"#), &data), INVALID_HANDLE_VALUE)
            XCTAssertEqual(GetLastError(), DWORD(ERROR_FILE_NOT_FOUND))
            XCTAssertEqual(FindFirstFileW(wide(#"C:\nowhere\*"#), &data), INVALID_HANDLE_VALUE)
            XCTAssertEqual(GetLastError(), DWORD(ERROR_PATH_NOT_FOUND))
            XCTAssertEqual(FindFirstFileW(wide(#"C:\logs\"#), &data), INVALID_HANDLE_VALUE)
            XCTAssertEqual(GetLastError(), DWORD(ERROR_FILE_NOT_FOUND))

            // A root has no "." or "..".
            let root = FindFirstFileW(wide(#"C:\*.*"#), &data)
            XCTAssertEqual(entry(data), "logs 0x10 0")
            XCTAssertTrue(FindNextFileW(root, &data))
            XCTAssertEqual(entry(data), "Users 0x10 0")
            XCTAssertTrue(FindClose(root))
        }
        XCTAssertTrue(sim.finish().isClean, sim.finish().description)
    }

    private func entry(_ data: WIN32_FIND_DATAW) -> String {
        var copy = data
        let name = withUnsafeBytes(of: &copy.cFileName) { string(wide: $0.bindMemory(to: WCHAR.self).baseAddress!) }
        let padded = name.count < 2 ? name + " " : name
        return "\(padded) 0x\(String(data.dwFileAttributes, radix: 16)) \(UInt64(data.nFileSizeHigh) << 32 | UInt64(data.nFileSizeLow))"
    }

    // MARK: - Attributes and information

    /// `GetFileAttributesW`/`ExW`, `GetFileInformationByHandle(Ex)` and `GetFileType` on the
    /// volume's model: `FILE_ATTRIBUTE_ARCHIVE` on a new file, `DIRECTORY` on a directory; times
    /// from the virtual clock (`FILETIME` of 2024-01-01 plus the elapsed time); the size; one
    /// link; file indexes unique on the volume; `FileNameInfo` the path without its drive
    /// (Microsoft's FILE_NAME_INFO page), cut short with `ERROR_MORE_DATA`; a buffer smaller
    /// than the structure `ERROR_BAD_LENGTH`; an unsupported class `ERROR_INVALID_PARAMETER`.
    func testAttributesAndInformation() {
        let sim = Simulation()
        sim.installDevice(#"\\.\serial"#, driver: StockDriver())
        sim.run {
            let path = #"C:\data\a.txt"#
            XCTAssertTrue(CreateDirectoryW(wide(#"C:\data"#), nil))
            let h = CreateFileW(wide(path), GENERIC_READ | DWORD(GENERIC_WRITE), 0, nil, DWORD(CREATE_NEW), 0, nil)
            Sleep(10)
            var written: DWORD = 0
            XCTAssertTrue(WriteFile(h, bytes("0123456789"), 10, &written, nil))

            XCTAssertEqual(GetFileAttributesW(wide(path)), DWORD(FILE_ATTRIBUTE_ARCHIVE))
            XCTAssertEqual(GetFileAttributesA(#"C:\data"#), DWORD(FILE_ATTRIBUTE_DIRECTORY))
            XCTAssertEqual(GetFileAttributesW(wide(#"C:\data\b.txt"#)), INVALID_FILE_ATTRIBUTES)
            XCTAssertEqual(GetLastError(), DWORD(ERROR_FILE_NOT_FOUND))
            XCTAssertEqual(GetFileAttributesW(wide(#"C:\nodir\b.txt"#)), INVALID_FILE_ATTRIBUTES)
            XCTAssertEqual(GetLastError(), DWORD(ERROR_PATH_NOT_FOUND))

            let start = FileTime.simulationStart
            let tenMilliseconds: UInt64 = 10 * 10_000
            var attributes = WIN32_FILE_ATTRIBUTE_DATA()
            XCTAssertTrue(GetFileAttributesExW(wide(path), GetFileExInfoStandard, &attributes))
            XCTAssertEqual(attributes.dwFileAttributes, DWORD(FILE_ATTRIBUTE_ARCHIVE))
            XCTAssertEqual(attributes.nFileSizeLow, 10)
            XCTAssertEqual(time(attributes.ftCreationTime), start)
            XCTAssertEqual(time(attributes.ftLastWriteTime), start + tenMilliseconds)
            XCTAssertFalse(GetFileAttributesExW(wide(path), GetFileExMaxInfoLevel, &attributes))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_PARAMETER))

            var info = BY_HANDLE_FILE_INFORMATION()
            XCTAssertTrue(GetFileInformationByHandle(h, &info))
            XCTAssertEqual(info.dwFileAttributes, DWORD(FILE_ATTRIBUTE_ARCHIVE))
            XCTAssertEqual(info.nFileSizeLow, 10)
            XCTAssertEqual(info.nNumberOfLinks, 1)
            XCTAssertEqual(info.dwVolumeSerialNumber, 0x5153_494D)
            XCTAssertEqual(time(info.ftLastWriteTime), start + tenMilliseconds)
            let index = UInt64(info.nFileIndexHigh) << 32 | UInt64(info.nFileIndexLow)
            let directory = CreateFileW(wide(#"C:\data"#), 0, 7, nil, DWORD(OPEN_EXISTING), DWORD(FILE_FLAG_BACKUP_SEMANTICS), nil)
            XCTAssertTrue(GetFileInformationByHandle(directory, &info))
            XCTAssertNotEqual(UInt64(info.nFileIndexHigh) << 32 | UInt64(info.nFileIndexLow), index)

            var basic = FILE_BASIC_INFO()
            XCTAssertTrue(GetFileInformationByHandleEx(h, FileBasicInfo, &basic, DWORD(MemoryLayout<FILE_BASIC_INFO>.size)))
            XCTAssertEqual(UInt64(basic.CreationTime.QuadPart), start)
            XCTAssertEqual(UInt64(basic.LastWriteTime.QuadPart), start + tenMilliseconds)
            XCTAssertEqual(basic.FileAttributes, DWORD(FILE_ATTRIBUTE_ARCHIVE))
            var standard = FILE_STANDARD_INFO()
            XCTAssertTrue(GetFileInformationByHandleEx(h, FileStandardInfo, &standard, DWORD(MemoryLayout<FILE_STANDARD_INFO>.size)))
            XCTAssertEqual(standard.EndOfFile.QuadPart, 10)
            XCTAssertEqual(standard.AllocationSize.QuadPart, 4096)
            XCTAssertEqual(standard.NumberOfLinks, 1)
            XCTAssertEqual(standard.DeletePending, 0)
            XCTAssertEqual(standard.Directory, 0)
            XCTAssertFalse(GetFileInformationByHandleEx(h, FileStandardInfo, &standard, 4))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_BAD_LENGTH))

            var nameBuffer = [UInt8](repeating: 0, count: 64)
            XCTAssertTrue(GetFileInformationByHandleEx(h, FileNameInfo, &nameBuffer, 64))
            let nameLength = nameBuffer.withUnsafeBytes { $0.load(as: DWORD.self) }
            XCTAssertEqual(nameLength, 22)
            XCTAssertEqual(nameBuffer.withUnsafeBytes { String(decoding: $0[4..<26].bindMemory(to: UInt16.self), as: UTF16.self) },
                           #"\data\a.txt"#)
            var short = [UInt8](repeating: 0, count: 10)
            XCTAssertFalse(GetFileInformationByHandleEx(h, FileNameInfo, &short, 10))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_MORE_DATA))
            XCTAssertEqual(short.withUnsafeBytes { $0.load(as: DWORD.self) }, 22, "the full length")
            XCTAssertEqual(short.withUnsafeBytes { String(decoding: $0[4..<10].bindMemory(to: UInt16.self), as: UTF16.self) }, #"\da"#)
            XCTAssertFalse(GetFileInformationByHandleEx(h, FileRenameInfo, &nameBuffer, 64))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_PARAMETER))

            // GetFileType: disk, pipe, character device; an event is not a file.
            let server = createPipeServer("types")
            let serial = CreateFileA(#"\\.\serial"#, GENERIC_READ, 0, nil, DWORD(OPEN_EXISTING), 0, nil)
            let event = manualEvent()
            XCTAssertEqual(GetFileType(h), DWORD(FILE_TYPE_DISK))
            XCTAssertEqual(GetFileType(server), DWORD(FILE_TYPE_PIPE))
            XCTAssertEqual(GetFileType(serial), DWORD(FILE_TYPE_CHAR))
            XCTAssertEqual(GetFileType(event), DWORD(FILE_TYPE_UNKNOWN))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_HANDLE))
            XCTAssertFalse(GetFileInformationByHandle(server, &info))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_FUNCTION))
            for handle in [h, directory, server, serial, event] { XCTAssertTrue(CloseHandle(handle)) }
        }
        XCTAssertTrue(sim.finish().isClean, sim.finish().description)
    }

    private func time(_ value: FILETIME) -> UInt64 { UInt64(value.dwHighDateTime) << 32 | UInt64(value.dwLowDateTime) }

    // MARK: - Moving and copying

    /// `MoveFileExW` and `CopyFileW` (Wine `kernel32/tests/file.c` test_MoveFileA/W,
    /// test_CopyFileA/W; Microsoft's pages): a move onto an existing name is
    /// `ERROR_ALREADY_EXISTS` unless `MOVEFILE_REPLACE_EXISTING`; a source open without
    /// `FILE_SHARE_DELETE` is `ERROR_SHARING_VIOLATION`; a directory moves with its contents but
    /// not into itself; `CopyFileW` with `bFailIfExists` on an existing target is
    /// `ERROR_FILE_EXISTS`, and copies data and attributes.
    func testMovingAndCopying() {
        let sim = Simulation()
        sim.fileSystem.setContents(bytes("first"), of: #"C:\m\a.txt"#)
        sim.fileSystem.setContents(bytes("second"), of: #"C:\m\b.txt"#)
        sim.fileSystem.setContents(bytes("inner"), of: #"C:\m\dir\in.txt"#)
        sim.run {
            XCTAssertFalse(MoveFileExW(wide(#"C:\m\a.txt"#), wide(#"C:\m\b.txt"#), 0))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_ALREADY_EXISTS))
            XCTAssertTrue(MoveFileExW(wide(#"C:\m\a.txt"#), wide(#"C:\m\b.txt"#), DWORD(MOVEFILE_REPLACE_EXISTING)))
            XCTAssertFalse(MoveFileExW(wide(#"C:\m\a.txt"#), wide(#"C:\m\c.txt"#), 0))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_FILE_NOT_FOUND))
            XCTAssertFalse(MoveFileExW(wide(#"C:\m\b.txt"#), wide(#"C:\none\c.txt"#), 0))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_PATH_NOT_FOUND))

            let locked = CreateFileW(wide(#"C:\m\b.txt"#), GENERIC_READ, DWORD(FILE_SHARE_READ), nil, DWORD(OPEN_EXISTING), 0, nil)
            XCTAssertFalse(MoveFileW(wide(#"C:\m\b.txt"#), wide(#"C:\m\c.txt"#)))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_SHARING_VIOLATION))
            XCTAssertTrue(CloseHandle(locked))

            XCTAssertTrue(MoveFileW(wide(#"C:\m\dir"#), wide(#"C:\moved"#)))
            XCTAssertFalse(MoveFileExW(wide(#"C:\moved"#), wide(#"C:\moved\deeper"#), 0))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_ACCESS_DENIED))

            XCTAssertTrue(CopyFileW(wide(#"C:\m\b.txt"#), wide(#"C:\moved\copy.txt"#), true))
            XCTAssertFalse(CopyFileW(wide(#"C:\m\b.txt"#), wide(#"C:\moved\copy.txt"#), true))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_FILE_EXISTS))
            XCTAssertTrue(CopyFileW(wide(#"C:\moved\in.txt"#), wide(#"C:\moved\copy.txt"#), false))
            XCTAssertFalse(CopyFileW(wide(#"C:\moved"#), wide(#"C:\m\x.txt"#), false))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_ACCESS_DENIED))
            XCTAssertFalse(CopyFileW(wide(#"C:\m\nothing.txt"#), wide(#"C:\m\x.txt"#), false))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_FILE_NOT_FOUND))
        }
        XCTAssertEqual(sim.fileSystem.paths, [#"C:\m\b.txt"#, #"C:\moved\copy.txt"#, #"C:\moved\in.txt"#])
        XCTAssertEqual(sim.fileSystem.contents(of: #"C:\m\b.txt"#), bytes("first"))
        XCTAssertEqual(sim.fileSystem.contents(of: #"C:\moved\copy.txt"#), bytes("inner"))
        XCTAssertTrue(sim.finish().isClean, sim.finish().description)
    }

    // MARK: - Current directory and full paths

    /// `GetCurrentDirectoryW`/`SetCurrentDirectoryW` and `GetFullPathNameW` (Microsoft's pages;
    /// Wine `kernel32/tests/path.c`): the simulation starts in `C:\`; relative paths resolve
    /// against the current directory, `\x` against its drive; `.` and `..` are resolved and the
    /// file need not exist; `*lpFilePart` points at the last component. Setting a missing
    /// directory is `ERROR_FILE_NOT_FOUND`, a file `ERROR_DIRECTORY`.
    func testCurrentDirectoryAndFullPaths() {
        let sim = Simulation()
        sim.fileSystem.setContents(bytes("f"), of: #"C:\work\file.txt"#)
        sim.run {
            var buffer = [WCHAR](repeating: 0, count: Int(MAX_PATH))
            XCTAssertEqual(GetCurrentDirectoryW(DWORD(MAX_PATH), &buffer), 3)
            XCTAssertEqual(string(wide: buffer), #"C:\"#)
            XCTAssertTrue(SetCurrentDirectoryW(wide(#"c:/work"#)))
            XCTAssertEqual(GetCurrentDirectoryW(DWORD(MAX_PATH), &buffer), 7)
            XCTAssertEqual(string(wide: buffer), #"C:\work"#)
            XCTAssertEqual(GetCurrentDirectoryW(4, &buffer), 8, "the size needed, terminator included")
            XCTAssertFalse(SetCurrentDirectoryW(wide(#"C:\nothing"#)))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_FILE_NOT_FOUND))
            XCTAssertFalse(SetCurrentDirectoryW(wide("file.txt")))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_DIRECTORY))

            let relative = CreateFileW(wide("new.txt"), DWORD(GENERIC_WRITE), 0, nil, DWORD(CREATE_NEW), 0, nil)
            XCTAssertTrue(CloseHandle(relative))
            XCTAssertEqual(GetFileAttributesW(wide(#"C:\work\new.txt"#)), DWORD(FILE_ATTRIBUTE_ARCHIVE))

            var part: LPWSTR?
            XCTAssertEqual(GetFullPathNameW(wide(#"sub\..\x.txt"#), DWORD(MAX_PATH), &buffer, &part), 13)
            XCTAssertEqual(string(wide: buffer), #"C:\work\x.txt"#)
            XCTAssertEqual(part.map { string(wide: $0) }, "x.txt")
            XCTAssertEqual(GetFullPathNameW(wide(#"\top/level"#), DWORD(MAX_PATH), &buffer, &part), 12)
            XCTAssertEqual(string(wide: buffer), #"C:\top\level"#)
            XCTAssertEqual(GetFullPathNameW(wide(#"dir\"#), DWORD(MAX_PATH), &buffer, &part), 12)
            XCTAssertEqual(string(wide: buffer), #"C:\work\dir\"#)
            XCTAssertNil(part, "a path ending with a separator has no file part")
            XCTAssertEqual(GetFullPathNameW(wide("x.txt"), 5, &buffer, nil), 14)
        }
        XCTAssertTrue(sim.finish().isClean, sim.finish().description)
    }
}
