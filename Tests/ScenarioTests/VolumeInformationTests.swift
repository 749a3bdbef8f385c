import IOKernel
import IOSimXCTest
import Win32Surface
import XCTest

/// What the simulated volume says about itself: the root a path is on (Wine's kernel32
/// `volume.c` test_GetVolumePathNameA/W), its free space (a parameter of the volume), and its
/// serial number, flags and file-system name (test_GetVolumeInformationA's root rules).
final class VolumeInformationTests: XCTestCase {
    private func result(_ ok: Bool) -> String { ok ? "TRUE" : win32ErrorName(GetLastError()) }

    /// The root of each path, with the buffer sizes of Wine's table: the letter upper-cased, the
    /// `\\?\` prefix and its letter kept, a buffer one short of the root's terminator getting the
    /// root without its `\`, relative paths on the current directory's drive, and the refusals.
    /// The character after the stated length is never written.
    func testTheVolumePathOfEachPath() {
        let sim = checkedSimulation()
        var answers: [String] = []
        sim.run {
            func volumePath(_ name: String?, _ length: DWORD) -> String {
                var buffer = [WCHAR](repeating: 0x11, count: 64)
                let ok: Bool = if let name {
                    wide(name).withUnsafeBufferPointer { GetVolumePathNameW($0.baseAddress, &buffer, length) }
                } else {
                    GetVolumePathNameW(nil, &buffer, length)
                }
                XCTAssertEqual(buffer[Int(length)], 0x11, "written past the length for \(name ?? "NULL")")
                guard ok else { return "\(name ?? "NULL") \(length): \(win32ErrorName(GetLastError()))" }
                return "\(name ?? "NULL") \(length): \(String(decoding: buffer.prefix { $0 != 0 }, as: UTF16.self))"
            }
            answers = [
                volumePath(nil, 0), volumePath("", 0), volumePath(#"C:\"#, 0), volumePath(#"C:\"#, 1),
                volumePath(#"C:\"#, 2), volumePath(#"C:\"#, 3), volumePath(#"C:\"#, 4), volumePath(#"c:\"#, 60),
                volumePath(#"C:\windows\system32\AnInvalidFolder"#, 60), volumePath("C:/windows/system32", 60),
                volumePath(#"\\?\C:\AnInvalidFolder"#, 6), volumePath(#"\\?\c:\AnInvalidFolder"#, 7),
                volumePath(#"\\?\C:\AnInvalidFolder"#, 60), volumePath(#"\\?\InvalidDrive:\AnInvalidFolder"#, 60),
                volumePath(#"\\ReallyBogus\InvalidDrive:\AnInvalidFolder"#, 60), volumePath(#"\\$$$"#, 1),
                volumePath(#"?:ABC:DEF:\AnInvalidFolder"#, 60), volumePath("relative/path", 60),
                volumePath(#"\??\C:\NonExistent"#, 60), volumePath("C:", 3),
            ]
        }
        XCTAssertEqual(answers, [
            "NULL 0: ERROR_INVALID_PARAMETER", " 0: ERROR_INVALID_PARAMETER", #"C:\ 0: ERROR_INVALID_PARAMETER"#,
            #"C:\ 1: ERROR_FILENAME_EXCED_RANGE"#, #"C:\ 2: ERROR_FILENAME_EXCED_RANGE"#, #"C:\ 3: C:"#,
            #"C:\ 4: C:\"#, #"c:\ 60: C:\"#, #"C:\windows\system32\AnInvalidFolder 60: C:\"#,
            #"C:/windows/system32 60: C:\"#, #"\\?\C:\AnInvalidFolder 6: ERROR_FILENAME_EXCED_RANGE"#,
            #"\\?\c:\AnInvalidFolder 7: \\?\c:"#, #"\\?\C:\AnInvalidFolder 60: \\?\C:\"#,
            #"\\?\InvalidDrive:\AnInvalidFolder 60: ERROR_INVALID_NAME"#,
            #"\\ReallyBogus\InvalidDrive:\AnInvalidFolder 60: ERROR_INVALID_NAME"#, #"\\$$$ 1: ERROR_INVALID_NAME"#,
            #"?:ABC:DEF:\AnInvalidFolder 60: ERROR_FILE_NOT_FOUND"#, #"relative/path 60: C:\"#,
            #"\??\C:\NonExistent 60: C:\"#, "C: 3: C:",
        ])
    }

    /// Free space is the volume's capacity less the clusters its files take: with a 1 MiB disk, a
    /// 5,000-byte file (two 4 KiB clusters) and a 4,096-byte one (one) leave 1,036,288 bytes. The
    /// directory must exist and be a directory; NULL is the current directory.
    func testFreeSpaceIsTheCapacityLessTheClustersFilesTake() {
        let sim = checkedSimulation()
        sim.fileSystem.capacity = 1 << 20
        sim.fileSystem.setContents([UInt8](repeating: 1, count: 5000), of: #"C:\data\a.bin"#)
        sim.fileSystem.setContents([UInt8](repeating: 2, count: 4096), of: #"C:\data\b.bin"#)
        var answers: [String] = []
        sim.run {
            func space(_ directory: String?) -> String {
                var available = ULARGE_INTEGER(), total = ULARGE_INTEGER(), free = ULARGE_INTEGER()
                let ok: Bool = if let directory {
                    wide(directory).withUnsafeBufferPointer { GetDiskFreeSpaceExW($0.baseAddress, &available, &total, &free) }
                } else {
                    GetDiskFreeSpaceExW(nil, &available, &total, &free)
                }
                guard ok else { return "\(directory ?? "NULL"): \(win32ErrorName(GetLastError()))" }
                return "\(directory ?? "NULL"): available \(available.QuadPart), total \(total.QuadPart), free \(free.QuadPart)"
            }
            answers = [space(#"C:\"#), space(#"C:\data\"#), space(nil), space(#"C:\data\a.bin"#), space(#"C:\missing"#),
                       space(#"C:\missing\deeper"#)]
            XCTAssertTrue(wide(#"C:\data\a.bin"#).withUnsafeBufferPointer { DeleteFileW($0.baseAddress) })
            answers.append(space(#"C:\"#))
            XCTAssertTrue(GetDiskFreeSpaceExW(nil, nil, nil, nil), "every out-parameter is optional")
        }
        XCTAssertEqual(answers, [
            #"C:\: available 1036288, total 1048576, free 1036288"#,
            #"C:\data\: available 1036288, total 1048576, free 1036288"#,
            "NULL: available 1036288, total 1048576, free 1036288",
            #"C:\data\a.bin: ERROR_DIRECTORY"#, #"C:\missing: ERROR_FILE_NOT_FOUND"#,
            #"C:\missing\deeper: ERROR_PATH_NOT_FOUND"#,
            #"C:\: available 1044480, total 1048576, free 1044480"#,
        ])
        XCTAssertEqual(sim.fileSystem.usedBytes, 4096)
    }

    /// The volume's serial number (the one `GetFileInformationByHandle` reports), name limit,
    /// flags and file-system name, for the root paths test_GetVolumeInformationA accepts; a
    /// directory below the root is `ERROR_DIR_NOT_ROOT` with a trailing `\` and
    /// `ERROR_INVALID_NAME` without, and `C:` names the root only while it is the current
    /// directory.
    func testVolumeInformationForEachKindOfRoot() {
        let sim = checkedSimulation()
        sim.fileSystem.createDirectory(#"C:\Windows"#)
        var answers: [String] = []
        sim.run {
            func information(_ root: String?) -> String {
                var label = [WCHAR](repeating: 0x11, count: 8), system = [WCHAR](repeating: 0x11, count: 8)
                var serial: DWORD = 0, longest: DWORD = 0, flags: DWORD = 0
                let call = { (pointer: UnsafePointer<WCHAR>?) in
                    GetVolumeInformationW(pointer, &label, 8, &serial, &longest, &flags, &system, 8)
                }
                let ok = root.map { wide($0).withUnsafeBufferPointer { call($0.baseAddress) } } ?? call(nil)
                guard ok else { return "\(root ?? "NULL"): \(win32ErrorName(GetLastError()))" }
                let name = String(decoding: system.prefix { $0 != 0 }, as: UTF16.self)
                return "\(root ?? "NULL"): label \(label[0]), serial \(String(serial, radix: 16)), \(longest), flags 0x\(String(flags, radix: 16)), \(name)"
            }
            answers = [information(#"C:\"#), information(nil), information(#"\\?\C:\"#), information(#"\\.\C:\"#),
                       information(#"\\?\Volume{5153494d-0000-0000-0000-000000000000}\"#), information("C:"),
                       information(#"C:\Windows\"#), information(#"C:\Windows"#), information(#"\\server\share\"#)]
            XCTAssertTrue(wide(#"C:\Windows"#).withUnsafeBufferPointer { SetCurrentDirectoryW($0.baseAddress) })
            answers.append(information("C:"))
            var short = [WCHAR](repeating: 0, count: 4)
            answers.append("NTFS into 4: \(result(GetVolumeInformationW(nil, nil, 0, nil, nil, nil, &short, 4)))")
        }
        XCTAssertEqual(answers, [
            #"C:\: label 0, serial 5153494d, 255, flags 0x86, NTFS"#,
            "NULL: label 0, serial 5153494d, 255, flags 0x86, NTFS",
            #"\\?\C:\: label 0, serial 5153494d, 255, flags 0x86, NTFS"#,
            #"\\.\C:\: label 0, serial 5153494d, 255, flags 0x86, NTFS"#,
            #"\\?\Volume{5153494d-0000-0000-0000-000000000000}\: label 0, serial 5153494d, 255, flags 0x86, NTFS"#,
            "C:: label 0, serial 5153494d, 255, flags 0x86, NTFS",
            #"C:\Windows\: ERROR_DIR_NOT_ROOT"#, #"C:\Windows: ERROR_INVALID_NAME"#,
            #"\\server\share\: ERROR_BAD_NETPATH"#, "C:: ERROR_INVALID_NAME",
            "NTFS into 4: ERROR_MORE_DATA",
        ])
    }
}
