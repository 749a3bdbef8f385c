import IOKernel
import IOSimXCTest
import WinSDK
import XCTest

/// FormatMessageW/A and LocalFree, written the way Windows code asks for an error's text.
/// Expected values: Microsoft's System Error Codes pages (the texts), and Wine's
/// dlls/kernel32/tests/format_msg.c (sizes, escapes, errors), which pass on Windows.
final class FormatMessageTests: XCTestCase {
    /// The usual helper of Windows Swift code: the system's text for an error, allocated by
    /// FormatMessageW and freed with LocalFree.
    private func systemMessage(_ code: DWORD, flags extra: DWORD = 0) -> String? {
        var buffer: LPWSTR? = nil
        let length = withUnsafeMutablePointer(to: &buffer) {
            $0.withMemoryRebound(to: WCHAR.self, capacity: 2) {
                FormatMessageW(DWORD(FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM
                                         | FORMAT_MESSAGE_IGNORE_INSERTS) | extra,
                               nil, code, DWORD(SUBLANG_DEFAULT << 10 | LANG_NEUTRAL), $0, 0, nil)
            }
        }
        guard length > 0, let buffer else { return nil }
        defer { LocalFree(buffer) }
        return String(decoding: UnsafeBufferPointer(start: buffer, count: Int(length)), as: UTF16.self)
    }

    func testSystemMessagesEndWithALineBreak() {
        let sim = checkedSimulation()
        sim.run {
            XCTAssertEqual(systemMessage(DWORD(ERROR_FILE_NOT_FOUND)), "The system cannot find the file specified.\r\n")
            XCTAssertEqual(systemMessage(DWORD(ERROR_IO_PENDING)), "Overlapped I/O operation is in progress.\r\n")
            XCTAssertEqual(systemMessage(DWORD(WAIT_TIMEOUT)), "The wait operation timed out.\r\n")
            XCTAssertEqual(systemMessage(DWORD(ERROR_SUCCESS)), "The operation completed successfully.\r\n")
            // The low byte of the flags turns line breaks into spaces (format_msg.c).
            XCTAssertEqual(systemMessage(DWORD(ERROR_ACCESS_DENIED), flags: DWORD(FORMAT_MESSAGE_MAX_WIDTH_MASK)),
                           "Access is denied. ")
            // Inserts are passed through with FORMAT_MESSAGE_IGNORE_INSERTS.
            XCTAssertEqual(systemMessage(DWORD(ERROR_WRONG_DISK)),
                           "The wrong diskette is in the drive. Insert %2 (Volume Serial Number: %3) into drive %1.\r\n")
            // No text for an unknown code.
            XCTAssertNil(systemMessage(16000))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_MR_MID_NOT_FOUND))
        }
    }

    func testEveryListedCodeHasItsText() {
        let sim = checkedSimulation(options: SimulationOptions(tracing: false))
        sim.run {
            var buffer = [WCHAR](repeating: 0, count: 4096)
            var described = 0
            for code in DWORD(0)..<16000 {
                let n = FormatMessageW(DWORD(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS), nil, code, 0,
                                       &buffer, DWORD(buffer.count), nil)
                if n > 0 {
                    described += 1
                    // A few texts hold printf formats such as `0x%08lx`, whose `%0` ends the
                    // message there, as it does on Windows; the others end with CR LF.
                    let text = Array(buffer[0..<Int(n)])
                    XCTAssertTrue(text.suffix(2) == [13, 10] || text.contains(37), "code \(code)")
                } else {
                    XCTAssertEqual(GetLastError(), DWORD(ERROR_MR_MID_NOT_FOUND), "code \(code)")
                }
            }
            // Microsoft's ten pages list 2,745 codes (the generated table's header).
            XCTAssertEqual(described, 2745)
        }
    }

    func testABufferOfTheCallersAndItsSizeProtocol() {
        let sim = checkedSimulation()
        sim.run {
            var out = [WCHAR](repeating: 0x78, count: 8)   // "xxxxxxxx"
            // "test" needs 5 WCHARs with its NUL: 4 is too few; FormatMessageW writes what fits.
            XCTAssertEqual(FormatMessageW(DWORD(FORMAT_MESSAGE_FROM_STRING), Array("test\0".utf16), 0, 0, &out, 4, nil), 0)
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INSUFFICIENT_BUFFER))
            XCTAssertEqual(Array(out[0..<5]), Array("tes\0x".utf16))
            XCTAssertEqual(FormatMessageW(DWORD(FORMAT_MESSAGE_FROM_STRING), Array("test\0".utf16), 0, 0, &out, 5, nil), 4)
            XCTAssertEqual(Array(out[0..<5]), Array("test\0".utf16))

            // FormatMessageA leaves a short buffer untouched.
            var narrow = [CChar](repeating: 0x78, count: 5)
            XCTAssertEqual(FormatMessageA(DWORD(FORMAT_MESSAGE_FROM_STRING), "test", 0, 0, &narrow, 4, nil), 0)
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INSUFFICIENT_BUFFER))
            XCTAssertEqual(narrow, [0x78, 0x78, 0x78, 0x78, 0x78])
            // A NULL buffer: FormatMessageW says ERROR_INVALID_PARAMETER.
            XCTAssertEqual(FormatMessageW(DWORD(FORMAT_MESSAGE_FROM_SYSTEM), nil, 0, 0, nil, 256, nil), 0)
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_PARAMETER))
            // An empty result: ERROR_NO_WORK_DONE.
            XCTAssertEqual(FormatMessageA(DWORD(FORMAT_MESSAGE_FROM_STRING), "", 0, 0, &narrow, 5, nil), 0)
            XCTAssertEqual(GetLastError(), DWORD(ERROR_NO_WORK_DONE))
        }
    }

    func testInsertsEscapesAndLineBreaks() {
        let sim = checkedSimulation()
        sim.run {
            var out = [CChar](repeating: 0, count: 256)
            func format(_ text: String, _ args: [UInt] = [], flags: Int32 = 0) -> String? {
                var slots = args
                let n =
                    args.isEmpty
                    ? FormatMessageA(DWORD(FORMAT_MESSAGE_FROM_STRING | flags), text, 0, 0, &out, 256, nil)
                    : slots.withUnsafeMutableBytes { slots in
                        // FORMAT_MESSAGE_ARGUMENT_ARRAY: a DWORD_PTR array passed as a va_list *.
                        FormatMessageA(DWORD(FORMAT_MESSAGE_FROM_STRING | FORMAT_MESSAGE_ARGUMENT_ARRAY | flags), text,
                                       0, 0, &out, 256,
                                       slots.baseAddress?.assumingMemoryBound(to: UnsafeMutablePointer<CChar>?.self))
                    }
                return n == 0 ? nil : String(decoding: out.prefix(Int(n)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            }
            let te = Array("te".utf8CString), st = Array("st".utf8CString)
            te.withUnsafeBufferPointer { te in
                st.withUnsafeBufferPointer { st in
                    let a = UInt(bitPattern: te.baseAddress), b = UInt(bitPattern: st.baseAddress)
                    XCTAssertEqual(format("%1%2", [a, b]), "test")
                    XCTAssertEqual(format("%2%1!s!", [a, b]), "stte")
                }
            }
            XCTAssertEqual(format("%1!4d!|%2!-4X!|%3!4.2u!", [1, 11, 3]), "   1|B   |  03")
            XCTAssertEqual(format("%1!d!", [UInt(bitPattern: -5)]), "-5")
            XCTAssertEqual(format("%1", [0]), "(null)")
            XCTAssertEqual(format(" %%%% "), " %% ")
            XCTAssertEqual(format(" %.%.  %1!d!", [0x1ab]), " ..  427")
            XCTAssertEqual(format("test%0test"), "test")
            XCTAssertEqual(format("%n%r%t"), "\r\n\r\t")
            XCTAssertEqual(format("hi\n"), "hi\r\n")
            XCTAssertEqual(format("\r\r\n"), "\r\n\r\n")
            XCTAssertEqual(format("hi\r\n", flags: FORMAT_MESSAGE_MAX_WIDTH_MASK), "hi ")
            XCTAssertEqual(format("%1 stays", flags: FORMAT_MESSAGE_IGNORE_INSERTS), "%1 stays")
            // An insert with no arguments, and a lone %, are ERROR_INVALID_PARAMETER.
            XCTAssertNil(format("%1"))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_PARAMETER))
            XCTAssertNil(format("test%"))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_PARAMETER))
        }
    }

    func testLocalAllocAndLocalFree() {
        let sim = checkedSimulation()
        sim.run {
            let block = LocalAlloc(UINT(LPTR), 64)
            XCTAssertNotNil(block)
            XCTAssertEqual(block?.load(as: UInt64.self), 0)
            XCTAssertNil(LocalFree(block))
            // A second free hands the pointer back with ERROR_INVALID_HANDLE (and a violation).
            XCTAssertEqual(LocalFree(block), block)
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_HANDLE))
            XCTAssertNil(LocalFree(nil))
            XCTAssertNil(LocalAlloc(UINT(LMEM_MOVEABLE), 16))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_NOT_SUPPORTED))
        }
        XCTAssertEqual(sim.takeMemoryViolations().map(\.kind), [.invalidFree])
    }
}
