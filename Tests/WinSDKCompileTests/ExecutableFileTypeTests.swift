import IOKernel
import IOSimXCTest
import WinSDK
import XCTest

/// How swift-foundation's FileManager tells executables on Windows: `isExecutableFile` asks
/// SHGetFileInfoW for SHGFI_EXETYPE, `attributesOfItem` asks SaferiIsExecutableFileType for the
/// execute bit of its POSIX permissions.
final class ExecutableFileTypeTests: XCTestCase {
    private func wide(_ string: String) -> [WCHAR] { Array(string.utf16) + [0] }

    func testExecutablesAsFileManagerTellsThem() {
        let sim = checkedSimulation()
        var image = [UInt8](repeating: 0, count: 0x90)
        image[0] = 0x4D
        image[1] = 0x5A
        image[0x3C] = 0x80
        image[0x80...0x83] = [0x50, 0x45, 0, 0]
        sim.fileSystem.setContents(image, of: #"C:\bin\tool.exe"#)
        sim.fileSystem.setContents([0x4D, 0x5A], of: #"C:\bin\old.exe"#)
        sim.fileSystem.setContents(Array("@echo off".utf8), of: #"C:\bin\run.bat"#)
        sim.fileSystem.setContents(Array("text".utf8), of: #"C:\bin\notes.txt"#)
        var answers: [String] = []
        sim.run {
            for name in ["tool.exe", "old.exe", "run.bat", "notes.txt", "missing.exe"] {
                let pwszPath = wide(#"C:\bin\"# + name)
                let exeType = SHGetFileInfoW(pwszPath, 0, nil, 0, UINT(SHGFI_EXETYPE))
                let isExecutableFile = (exeType & 0xFFFF) != 0
                let isExecutable = SaferiIsExecutableFileType(pwszPath, 0)
                answers.append("\(name): 0x\(String(exeType, radix: 16)) \(isExecutableFile) \(isExecutable)")
            }
            answers.append("from ShellExecute: \(SaferiIsExecutableFileType(wide(#"C:\bin\tool.exe"#), 1))")
            var info = SHFILEINFOW()
            answers.append("other flags: \(SHGetFileInfoW(wide(#"C:\bin\tool.exe"#), 0, &info, UINT(MemoryLayout<SHFILEINFOW>.size), 0x100))")
        }
        XCTAssertEqual(answers, [
            "tool.exe: 0x4550 true true", "old.exe: 0x5a4d true true", "run.bat: 0x5a4d true true",
            "notes.txt: 0x0 false false", "missing.exe: 0x0 false true", "from ShellExecute: false", "other flags: 0",
        ])
    }
}
