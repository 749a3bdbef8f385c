import IOKernel
import IOSimXCTest
import Win32Surface
import XCTest

/// The timeline names the memory the kernel writes by address (`ov#1`, `buf#2`): the names must
/// follow from the scenario alone, never from what the host's allocator did meanwhile, or the
/// same scenario gives a different timeline from run to run.
final class TimelineNameTests: XCTestCase {
    /// A `ReadFile` without an `OVERLAPPED` waits on a status block of kernel32's own, which the
    /// timeline shows as the `ov#n` the kernel wrote. Host memory the program allocates between
    /// two such reads, of the block's size, takes the address the host's allocator would have
    /// handed out next: the second read still writes the same block, `ov#1`, as the first
    /// (before, its block came from the host allocator and was `ov#2` here, and which name it
    /// got depended on other host threads' allocations: AsyncProcessTests' timelines differed).
    func testSynchronousReadsNameTheirStatusBlockTheSameWhateverTheHostAllocates() {
        let sim = checkedSimulation()
        sim.fileSystem.setContents(Array("abcdefgh".utf8), of: #"C:\data\a.txt"#)
        let memory = scenarioMemory()
        sim.run {
            let file = CreateFileA(#"C:\data\a.txt"#, GENERIC_READ, DWORD(FILE_SHARE_READ), nil, DWORD(OPEN_EXISTING), 0, nil)
            let buffer = memory.buffer(4)
            let count = memory.buffer(4).bindMemory(to: DWORD.self, capacity: 1)
            XCTAssertTrue(ReadFile(file, buffer, 4, count, nil))
            let hostWords = UnsafeMutablePointer<UInt64>.allocate(capacity: 2)
            XCTAssertTrue(ReadFile(file, buffer, 4, count, nil))
            hostWords.deallocate()
            CloseHandle(file)
        }
        let writes = sim.trace.timeline().split(separator: "\n").filter { $0.contains("kernel wrote") }
            .map { $0.split(separator: " ").drop { $0 != "kernel" }.joined(separator: " ") }
        XCTAssertEqual(writes, [
            "kernel wrote STATUS_SUCCESS, 4 bytes into ov#1 (IRP#2)",
            "kernel wrote STATUS_SUCCESS, 4 bytes into ov#1 (IRP#3)",
        ])
    }
}
