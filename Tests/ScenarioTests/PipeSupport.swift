import IOKernel
import Win32Surface
import XCTest

/// Creates a server instance of `\\.\pipe\<name>` with `CreateNamedPipeA`: duplex, overlapped
/// unless told otherwise, one instance, with the given quotas.
func createPipeServer(_ name: String, overlapped: Bool = true, message: Bool = false, messageRead: Bool? = nil,
                      instances: DWORD = 1, outBuffer: DWORD = 4096, inBuffer: DWORD = 4096,
                      access: DWORD = DWORD(PIPE_ACCESS_DUPLEX)) -> HANDLE?
{
    let type = message ? DWORD(PIPE_TYPE_MESSAGE) : DWORD(PIPE_TYPE_BYTE)
    let readMode = (messageRead ?? message) ? DWORD(PIPE_READMODE_MESSAGE) : DWORD(PIPE_READMODE_BYTE)
    let openMode = access | (overlapped ? DWORD(FILE_FLAG_OVERLAPPED) : 0)
    return CreateNamedPipeA(#"\\.\pipe\"# + name, openMode, type | readMode | DWORD(PIPE_WAIT), instances, outBuffer, inBuffer,
                            0, nil)
}

/// Opens the client end of `\\.\pipe\<name>` with `CreateFileA`.
func openPipeClient(_ name: String, overlapped: Bool = true, access: DWORD = GENERIC_READ | DWORD(GENERIC_WRITE)) -> HANDLE? {
    CreateFileA(#"\\.\pipe\"# + name, access, 0, nil, DWORD(OPEN_EXISTING), overlapped ? DWORD(FILE_FLAG_OVERLAPPED) : 0, nil)
}

/// The bytes of a string.
func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

/// Writes `data` with an `OVERLAPPED` of its own that must complete at once, as Wine's
/// `overlapped_write_sync` does; returns the byte count reported.
@discardableResult
func writeNow(_ handle: HANDLE?, _ data: [UInt8], file: StaticString = #filePath, line: UInt = #line) -> DWORD {
    var ov = OVERLAPPED()
    var written: DWORD = 0xDEAD_BEEF
    let ok = data.withUnsafeBytes { WriteFile(handle, $0.baseAddress, DWORD($0.count), &written, &ov) }
    XCTAssertTrue(ok, "WriteFile did not complete at once: \(win32ErrorName(GetLastError()))", file: file, line: line)
    return written
}

/// Reads with an `OVERLAPPED` of its own that must complete at once (or with a warning);
/// returns what `ReadFile` returned, the last error if it failed, the bytes the `OVERLAPPED`
/// reports and the data.
func readNow(_ handle: HANDLE?, _ count: Int) -> (ok: Bool, error: DWORD, bytes: Int, data: String) {
    var ov = OVERLAPPED()
    var buffer = [UInt8](repeating: 0, count: max(count, 1))
    var read: DWORD = 0xDEAD_BEEF
    let ok = buffer.withUnsafeMutableBytes { ReadFile(handle, $0.baseAddress, DWORD(count), &read, &ov) }
    let error = ok ? DWORD(ERROR_SUCCESS) : GetLastError()
    let reported = Int(ov.InternalHigh)
    return (ok, error, reported, String(decoding: buffer.prefix(reported), as: UTF8.self))
}

/// `PeekNamedPipe` with a large buffer: (bytes copied, bytes available, bytes left this message).
func peek(_ handle: HANDLE?) -> (read: DWORD, available: DWORD, left: DWORD)? {
    var buffer = [UInt8](repeating: 0, count: 12000)
    var read: DWORD = 0xDEAD_BEED
    var available: DWORD = 0xDEAD_BEEF
    var left: DWORD = 0xDEAD_BEED
    let ok = buffer.withUnsafeMutableBytes { PeekNamedPipe(handle, $0.baseAddress, 12000, &read, &available, &left) }
    return ok ? (read, available, left) : nil
}
