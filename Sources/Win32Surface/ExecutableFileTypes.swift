import IOKernel

/// The extensions Software Restriction Policies designate as executable by default, upper-cased.
private let designatedExecutableTypes: Set<String> = [
    "ADE", "ADP", "BAS", "BAT", "CHM", "CMD", "COM", "CPL", "CRT", "EXE", "HLP", "HTA", "INF", "INS", "ISP", "LNK",
    "MDB", "MDE", "MSC", "MSI", "MSP", "MST", "OCX", "PCD", "PIF", "REG", "SCR", "SHS", "URL", "VB", "WSC",
]

/// The extension of a path's last component, upper-cased, or nil.
private func fileExtension(_ path: String) -> String? {
    let name = path.split(whereSeparator: { $0 == "\\" || $0 == "/" }).last.map(String.init) ?? path
    guard let dot = name.lastIndex(of: "."), name.index(after: dot) < name.endIndex else { return nil }
    return name[name.index(after: dot)...].uppercased()
}

/// Whether a file name is of an executable type. The corresponding Win32 function is
/// `SaferiIsExecutableFileType` (advapi32): the name's extension is compared with the
/// designated executable types of Software Restriction Policies (`.exe`, `.com`, `.bat`,
/// `.cmd`, `.msi`, `.lnk`… in their default list); with `bFromShellExecute`, `.exe` is left out.
/// Only the name is looked at, as on Windows: the file need not exist.
@discardableResult
public func SaferiIsExecutableFileType(_ szFullPathname: LPCWSTR!, _ bFromShellExecute: BOOLEAN) -> Bool {
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        let path = wideString(szFullPathname) ?? ""
        var result = false
        if let type = fileExtension(path), designatedExecutableTypes.contains(type) {
            result = !(bFromShellExecute != 0 && type == "EXE")
        }
        thread.traceBool("SaferiIsExecutableFileType(\"\(path)\", \(bFromShellExecute))", result)
        return result
    }
}

/// Information about a file from the shell. The corresponding Win32 function is
/// `SHGetFileInfoW`; **the shell is not simulated** but for `SHGFI_EXETYPE`, which file code uses
/// to tell executables: for a file of the simulated volume, `0x5A4D` (`MZ`) for a `.com` or
/// `.bat` file and for an `.exe` that starts with an MS-DOS header, `0x4550` (`PE`, a console
/// program: the high word, the Windows version of a GUI program, is 0) when that header's
/// `e_lfanew` leads to a `PE\0\0` signature, and 0 for anything else (not executable, missing,
/// a directory). Any other flag gives 0, the failure result. `psfi` is not written.
@discardableResult
public func SHGetFileInfoW(_ pszPath: LPCWSTR!, _ dwFileAttributes: DWORD, _ psfi: UnsafeMutablePointer<SHFILEINFOW>!,
                           _ cbFileInfo: UINT, _ uFlags: UINT) -> DWORD_PTR
{
    return withCurrentThread(failure: 0) { (thread: borrowing SimThread) in
        let path = wideString(pszPath) ?? ""
        var result: DWORD_PTR = 0
        if uFlags == UINT(SHGFI_EXETYPE), let type = fileExtension(path) {
            let contents = thread.withKernel { kernel in kernel.withKernelEntry { kernel.fileSystem.contents(of: path) } }
            if let contents {
                let mz = contents.count >= 2 && contents[0] == 0x4D && contents[1] == 0x5A
                switch type {
                case "COM", "BAT": result = 0x5A4D
                case "EXE" where mz:
                    var peOffset = 0
                    if contents.count >= 0x40 {
                        for index in 0..<4 { peOffset |= Int(contents[0x3C + index]) << (8 * index) }
                    }
                    let pe = peOffset >= 0x40 && peOffset + 4 <= contents.count
                        && Array(contents[peOffset..<(peOffset + 4)]) == [0x50, 0x45, 0, 0]
                    result = pe ? 0x4550 : 0x5A4D
                default: break
                }
            }
        }
        thread.traceResult("SHGetFileInfoW(\"\(path)\", 0x\(String(uFlags, radix: 16)))", "0x\(String(result, radix: 16))")
        return result
    }
}
