import IOKernel
import IOSimXCTest
import Win32Surface
import XCTest

/// What a view's protection and `FlushViewOfFile`'s range mean, and what keeping views coherent
/// costs: a view mapped with `FILE_MAP_READ` is read-only memory ("An attempt to write to the
/// committed region results in an access violation", `PAGE_READONLY` in Microsoft's Memory
/// Protection Constants), so the kernel's probe of an output buffer in it fails as it fails for
/// any page the caller may not write (`STATUS_ACCESS_VIOLATION`, `ERROR_NOACCESS`, as Wine's
/// virtual.c test_VirtualAllocEx finds `WriteProcessMemory` into a `PAGE_READONLY` page fail with
/// `ERROR_NOACCESS`); `FlushViewOfFile` flushes the pages of its range, which must lie in one view.
final class MappedViewProtectionTests: XCTestCase {
    private static let path = #"C:\data\mapped.bin"#
    private static let other = #"C:\data\other.bin"#

    private func open(_ path: String, _ access: DWORD = GENERIC_READ | DWORD(GENERIC_WRITE)) -> HANDLE? {
        CreateFileA(path, access, DWORD(FILE_SHARE_READ | FILE_SHARE_WRITE), nil, DWORD(OPEN_EXISTING), 0, nil)
    }

    private func result(_ ok: Bool) -> String { ok ? "TRUE" : "FALSE \(win32ErrorName(GetLastError()))" }

    private func text(_ pointer: UnsafeRawPointer, _ count: Int) -> String {
        String(decoding: UnsafeRawBufferPointer(start: pointer, count: count), as: UTF8.self)
    }

    /// A tracked 4-byte out-parameter for the test's calls.
    private func dword() -> UnsafeMutablePointer<DWORD> {
        SimThread.current!.kernel.trackedMemory.allocateStaticBytes(4).bindMemory(to: DWORD.self, capacity: 1)
    }

    /// `ReadFile` into a view mapped with `FILE_MAP_READ` fails before anything is read: FALSE,
    /// `ERROR_NOACCESS`, `*lpNumberOfBytesRead` 0 (ReadFile: "ReadFile sets this value to zero
    /// before doing any work or error checking"), the view and the file position unchanged, and a
    /// violation naming the view. An `lpNumberOfBytesRead` in the view is not stored into (each
    /// store a violation: kernel32's first one faults on Windows), and an `OVERLAPPED` in it,
    /// whose `Internal` kernel32 sets, fails the call with `ERROR_NOACCESS`. The same view is a good source for `WriteFile` (reading it is
    /// allowed), a `PAGE_READONLY` mapping's view refuses a read too, and a `FILE_MAP_COPY` view,
    /// whose pages become private on a write (`PAGE_WRITECOPY`), takes the data.
    func testReadFileIntoAReadOnlyViewFailsWithNoAccess() {
        let sim = checkedSimulation()
        sim.fileSystem.setContents(Array("abcdefgh".utf8), of: Self.path)
        sim.fileSystem.setContents(Array("12345678".utf8), of: Self.other)
        var steps: [String] = []
        sim.run {
            let file = open(Self.path), source = open(Self.other)
            let mapping = CreateFileMappingW(file, nil, DWORD(PAGE_READWRITE), 0, 0, nil)
            guard let view = MapViewOfFile(mapping, DWORD(FILE_MAP_READ), 0, 0, 0),
                  let copy = MapViewOfFile(mapping, DWORD(FILE_MAP_COPY), 0, 0, 0)
            else { return XCTFail("no views") }
            let read = dword()
            read.pointee = 99
            steps.append("ReadFile into the FILE_MAP_READ view \(result(ReadFile(source, view, 8, read, nil))), "
                + "\(read.pointee) bytes, view \(text(view, 8)), position \(SetFilePointer(source, 0, nil, DWORD(FILE_CURRENT)))")
            steps.append("WriteFile from it \(result(WriteFile(source, view, 8, read, nil))), \(read.pointee) bytes")
            SetFilePointer(source, 0, nil, DWORD(FILE_BEGIN))
            steps.append("ReadFile into the FILE_MAP_COPY view \(result(ReadFile(source, copy, 4, read, nil))), "
                + "\(read.pointee) bytes, copy \(text(copy, 8)), view \(text(view, 8))")
            let buffer = dword()
            let count = (view + 16).bindMemory(to: DWORD.self, capacity: 1)
            SetFilePointer(source, 0, nil, DWORD(FILE_BEGIN))
            steps.append("ReadFile with lpNumberOfBytesRead in the view \(result(ReadFile(source, buffer, 4, count, nil))), "
                + "\(string(buffer, 4)) read, the view's bytes there \(Array(UnsafeRawBufferPointer(start: view + 16, count: 4)))")
            let overlapped = (view + 64).bindMemory(to: OVERLAPPED.self, capacity: 1)
            steps.append("ReadFile with its OVERLAPPED in the view \(result(ReadFile(source, buffer, 4, nil, overlapped)))")
            let readOnly = CreateFileMappingW(source, nil, DWORD(PAGE_READONLY), 0, 0, nil)
            guard let pages = MapViewOfFile(readOnly, DWORD(FILE_MAP_READ), 0, 0, 0) else { return XCTFail("no view") }
            steps.append("ReadFile into a PAGE_READONLY mapping's view \(result(ReadFile(file, pages + 100, 4, read, nil)))")
            UnmapViewOfFile(pages)
            UnmapViewOfFile(copy)
            UnmapViewOfFile(view)
            CloseHandle(readOnly)
            CloseHandle(mapping)
            CloseHandle(source)
            CloseHandle(file)
        }
        XCTAssertEqual(steps, [
            "ReadFile into the FILE_MAP_READ view FALSE ERROR_NOACCESS, 0 bytes, view abcdefgh, position 0",
            "WriteFile from it TRUE, 8 bytes",
            "ReadFile into the FILE_MAP_COPY view TRUE, 4 bytes, copy abcdefgh, view abcdefgh",
            "ReadFile with lpNumberOfBytesRead in the view TRUE, abcd read, the view's bytes there [0, 0, 0, 0]",
            "ReadFile with its OVERLAPPED in the view FALSE ERROR_NOACCESS",
            "ReadFile into a PAGE_READONLY mapping's view FALSE ERROR_NOACCESS",
        ])
        let violations = sim.takeMemoryViolations()
        // The buffer; lpNumberOfBytesRead's two stores (the 0 kernel32 stores first, then the
        // count), neither made; the OVERLAPPED; the PAGE_READONLY mapping's view.
        XCTAssertEqual(violations.map(\.kind), Array(repeating: .wroteReadOnlyMemory, count: 5))
        XCTAssertEqual(violations.map(\.block?.label), [#"view of C:\data\mapped.bin"#, #"view of C:\data\mapped.bin"#,
                                                       #"view of C:\data\mapped.bin"#, #"view of C:\data\mapped.bin"#,
                                                       #"view of C:\data\other.bin"#])
        XCTAssertEqual(violations.map(\.offset), [0, 16, 16, 64, 100])
        XCTAssertEqual(sim.fileSystem.contents(of: Self.path).map { String(decoding: $0, as: UTF8.self) }, "abcdefgh")
        XCTAssertEqual(sim.fileSystem.contents(of: Self.other).map { String(decoding: $0, as: UTF8.self) }, "abcdefgh")
    }

    /// A store the program makes through a read-only view, an access violation on Windows, is a
    /// violation here too: found where the view is next compared with its file (the `ReadFile`
    /// of the file, with the view the only one mapped, so no thread switch compares it), reported
    /// with the view's block and the offset of the first store, and undone; the file never sees
    /// it. The zeros past the end of the 8-byte file in the view's page are read-only too ("An
    /// attempt to write to the committed region results in an access violation"): a store at
    /// offset 100 is the same violation, and undone.
    func testAStoreIntoAReadOnlyViewIsAViolationAndNeverReachesTheFile() {
        let sim = checkedSimulation()
        sim.fileSystem.setContents(Array("abcdefgh".utf8), of: Self.path)
        let memory = scenarioMemory()
        var steps: [String] = []
        sim.run {
            let file = open(Self.path)
            let mapping = CreateFileMappingW(file, nil, DWORD(PAGE_READONLY), 0, 0, nil)
            guard let view = MapViewOfFile(mapping, DWORD(FILE_MAP_READ), 0, 0, 0) else { return XCTFail("no view") }
            view.storeBytes(of: UInt8(ascii: "Z"), toByteOffset: 5, as: UInt8.self)
            view.storeBytes(of: UInt8(ascii: "Y"), toByteOffset: 100, as: UInt8.self)
            let buffer = memory.buffer(8)
            steps.append("ReadFile \(result(ReadFile(file, buffer, 8, dword(), nil))) \(string(buffer, 8)), view \(text(view, 8)), "
                + "byte 100 \(view.load(fromByteOffset: 100, as: UInt8.self))")
            UnmapViewOfFile(view)
            CloseHandle(mapping)
            CloseHandle(file)
        }
        XCTAssertEqual(steps, ["ReadFile TRUE abcdefgh, view abcdefgh, byte 100 0"])
        let violations = sim.takeMemoryViolations()
        XCTAssertEqual(violations.map(\.kind), [.wroteReadOnlyMemory])
        XCTAssertEqual(violations.first?.offset, 5)
        XCTAssertEqual(violations.first?.detail,
                       #"the program stored 2 bytes into view of C:\data\mapped.bin, mapped read-only (an access violation on Windows): undone"#)
        XCTAssertEqual(sim.fileSystem.contents(of: Self.path).map { String(decoding: $0, as: UTF8.self) }, "abcdefgh")
    }

    /// A store into a read-only view that no file-system call follows is still found, at the end
    /// of the time slice of the thread that made it, and the violation names that thread: a
    /// worker stores into the only view of the file and blocks, and the switch back to the main
    /// thread finds the store (the worker's, undone before the main thread looks). A store the
    /// main thread makes just before `run` returns, with the view still mapped, is found when
    /// `run` returns, named after the main thread, and undone: the file never sees either.
    func testAStoreIntoAReadOnlyViewIsFoundAtTheEndOfItsThreadsTimeSlice() {
        let sim = checkedSimulation()
        sim.fileSystem.setContents(Array("abcdefgh".utf8), of: Self.path)
        var mapped: (file: HANDLE?, mapping: HANDLE?, view: UnsafeMutableRawPointer)?
        var steps: [String] = []
        func found() -> [String] { sim.memoryViolations.map { "\($0.kind.rawValue) by \($0.thread ?? "-") at \($0.offset)" } }
        sim.run {
            let file = open(Self.path)
            let mapping = CreateFileMappingW(file, nil, DWORD(PAGE_READWRITE), 0, 0, nil)
            guard let view = MapViewOfFile(mapping, DWORD(FILE_MAP_READ), 0, 0, 0) else { return XCTFail("no view") }
            mapped = (file, mapping, view)
            let stored = CreateEventW(nil, false, false, nil), done = CreateEventW(nil, false, false, nil)
            let worker = spawn {
                view.storeBytes(of: UInt8(ascii: "W"), toByteOffset: 2, as: UInt8.self)
                SetEvent(stored)
                WaitForSingleObject(done, INFINITE)
                return 0
            }
            WaitForSingleObject(stored, INFINITE)
            steps.append("main thread sees \(text(view, 8)); found \(found())")
            SetEvent(done)
            WaitForSingleObject(worker, INFINITE)
            for handle in [worker, stored, done] { CloseHandle(handle) }
            view.storeBytes(of: UInt8(ascii: "M"), toByteOffset: 6, as: UInt8.self)
        }
        guard let mapped else { return XCTFail("no view") }
        steps.append("run returned: view \(text(mapped.view, 8)); found \(found())")
        sim.run {
            UnmapViewOfFile(mapped.view)
            CloseHandle(mapped.mapping)
            CloseHandle(mapped.file)
        }
        XCTAssertEqual(steps, [
            "main thread sees abcdefgh; found [\"write into read-only memory by thread-4100 at 2\"]",
            "run returned: view abcdefgh; found [\"write into read-only memory by thread-4100 at 2\", "
                + "\"write into read-only memory by main at 6\"]",
        ])
        XCTAssertEqual(sim.takeMemoryViolations().count, 2)
        XCTAssertEqual(sim.fileSystem.contents(of: Self.path).map { String(decoding: $0, as: UTF8.self) }, "abcdefgh")
    }

    /// `FlushViewOfFile`'s range: whole pages from the page holding `lpBaseAddress`, to the end
    /// of the view for a count of 0; a range that runs past the end of its view and an address
    /// in no view (NULL, a heap block, a view already unmapped) are `ERROR_INVALID_ADDRESS`
    /// (`STATUS_NOT_MAPPED_VIEW`: "No virtual address space descriptor could be located for the
    /// supplied BaseAddress", ZwFlushVirtualMemory); a count that runs past the user address space
    /// is `ERROR_INVALID_PARAMETER` (`STATUS_INVALID_PARAMETER_2`: "the RegionSize was invalid"),
    /// even at NULL. A flush takes in the stores of its pages only: the kernel compares
    /// one page for a 10-byte flush inside the second page, and the other view of the mapping
    /// shows that page's store, not the first page's (in one thread, views agree at a call that
    /// touches them). A view of the paging file flushes too (nothing to write: TRUE).
    func testFlushViewOfFileFlushesItsRangeInOneView() {
        let sim = checkedSimulation()
        sim.fileSystem.setContents(Array(repeating: UInt8(ascii: "a"), count: 5000), of: Self.path)
        var steps: [String] = []
        sim.run {
            let file = open(Self.path)
            let mapping = CreateFileMappingW(file, nil, DWORD(PAGE_READWRITE), 0, 0, nil)
            guard let view = MapViewOfFile(mapping, DWORD(FILE_MAP_WRITE), 0, 0, 0),
                  let other = MapViewOfFile(mapping, DWORD(FILE_MAP_READ), 0, 0, 0)
            else { return XCTFail("no views") }
            view.storeBytes(of: UInt8(ascii: "A"), as: UInt8.self)
            view.storeBytes(of: UInt8(ascii: "B"), toByteOffset: 4097, as: UInt8.self)
            let compared = sim.kernel.sections.bytesCompared
            steps.append("flush of 10 bytes at 4096 \(result(FlushViewOfFile(view + 4096, 10))), "
                + "\(sim.kernel.sections.bytesCompared - compared) bytes compared, other view \(text(other, 1))…\(text(other + 4097, 1))")
            steps.append("flush from 4096 to the end \(result(FlushViewOfFile(view + 4096, 4096)))")
            steps.append("flush of 8192 bytes at 4096 \(result(FlushViewOfFile(view + 4096, 8192)))")
            steps.append("flush of SIZE_T.max at 100 \(result(FlushViewOfFile(view + 100, SIZE_T.max)))")
            steps.append("flush of the whole view \(result(FlushViewOfFile(view + 100, 0))), other view \(text(other, 1))")
            steps.append("flush of NULL \(result(FlushViewOfFile(nil, 0)))")
            steps.append("flush of SIZE_T.max at NULL \(result(FlushViewOfFile(nil, SIZE_T.max)))")
            steps.append("flush of 0x7FFF_FFFE_FFFF bytes at 2 \(result(FlushViewOfFile(UnsafeRawPointer(bitPattern: 2), 0x7FFF_FFFE_FFFF)))")
            let heap = HeapAlloc(GetProcessHeap(), 0, 64)
            steps.append("flush of a heap block \(result(FlushViewOfFile(heap, 0)))")
            HeapFree(GetProcessHeap(), 0, heap)
            UnmapViewOfFile(other)
            UnmapViewOfFile(view)
            steps.append("flush of the unmapped view \(result(FlushViewOfFile(view, 0)))")
            CloseHandle(mapping)
            let pagingFile = CreateFileMappingW(INVALID_HANDLE_VALUE, nil, DWORD(PAGE_READWRITE), 0, 100, nil)
            guard let memory = MapViewOfFile(pagingFile, DWORD(FILE_MAP_WRITE), 0, 0, 0) else { return XCTFail("no view") }
            steps.append("flush of a paging-file view \(result(FlushViewOfFile(memory, 0)))")
            UnmapViewOfFile(memory)
            CloseHandle(pagingFile)
            CloseHandle(file)
        }
        XCTAssertEqual(steps, [
            "flush of 10 bytes at 4096 TRUE, 4096 bytes compared, other view a…B",
            "flush from 4096 to the end TRUE",
            "flush of 8192 bytes at 4096 FALSE ERROR_INVALID_ADDRESS",
            "flush of SIZE_T.max at 100 FALSE ERROR_INVALID_PARAMETER",
            "flush of the whole view TRUE, other view A",
            "flush of NULL FALSE ERROR_INVALID_ADDRESS",
            "flush of SIZE_T.max at NULL FALSE ERROR_INVALID_PARAMETER",
            "flush of 0x7FFF_FFFE_FFFF bytes at 2 FALSE ERROR_INVALID_PARAMETER",
            "flush of a heap block FALSE ERROR_INVALID_ADDRESS",
            "flush of the unmapped view FALSE ERROR_INVALID_ADDRESS",
            "flush of a paging-file view TRUE",
        ])
        XCTAssertEqual(sim.fileSystem.contents(of: Self.path).map { [$0[0], $0[4097]] }, [UInt8(ascii: "A"), UInt8(ascii: "B")])
    }

    /// Keeping a view coherent costs what changed and where it is observed, not what is mapped:
    /// with one 1 MiB view of a file, 200 thread switches compare nothing (no other view can
    /// show its stores; the file system takes them in when it reads the file), a `ReadFile` of
    /// the file compares the view once and sees the store, and a 6-byte `WriteFile` writes 6
    /// bytes into the view. With a second view of the file, a switch compares both views: a
    /// store in one is what the other thread sees in the other (MapViewOfFileEx: "Multiple views
    /// of a file ... are coherent").
    func testKeepingViewsCoherentCostsWhatChangedNotWhatIsMapped() {
        let sim = checkedSimulation()
        let size = 1 << 20
        sim.fileSystem.setContents(Array(repeating: UInt8(ascii: "a"), count: size), of: Self.path)
        let memory = scenarioMemory()
        var steps: [String] = []
        sim.run {
            let file = open(Self.path)
            let mapping = CreateFileMappingW(file, nil, DWORD(PAGE_READWRITE), 0, 0, nil)
            guard let view = MapViewOfFile(mapping, DWORD(FILE_MAP_WRITE), 0, 0, 0) else { return XCTFail("no view") }
            let table = sim.kernel.sections
            view.storeBytes(of: UInt8(ascii: "S"), toByteOffset: 3, as: UInt8.self)
            let ping = CreateEventW(nil, false, false, nil), pong = CreateEventW(nil, false, false, nil)
            let partner = spawn {
                for _ in 0..<100 {
                    WaitForSingleObject(ping, INFINITE)
                    SetEvent(pong)
                }
                return 0
            }
            var (compared, refreshed, switches) = (table.bytesCompared, table.bytesRefreshed, sim.contextSwitches)
            for _ in 0..<100 {
                SetEvent(ping)
                WaitForSingleObject(pong, INFINITE)
            }
            WaitForSingleObject(partner, INFINITE)
            steps.append("\(sim.contextSwitches - switches) switches: "
                + "\(table.bytesCompared - compared) bytes compared")
            compared = table.bytesCompared
            let buffer = memory.buffer(8)
            ReadFile(file, buffer, 8, dword(), nil)
            steps.append("ReadFile \(string(buffer, 8)): \(table.bytesCompared - compared) bytes compared")
            let data = memory.buffer(6)
            data.copyMemory(from: Array("WRITES".utf8), byteCount: 6)
            SetFilePointer(file, 100, nil, DWORD(FILE_BEGIN))
            refreshed = table.bytesRefreshed
            WriteFile(file, data, 6, dword(), nil)
            steps.append("WriteFile: \(table.bytesRefreshed - refreshed) bytes written into the view, which shows \(text(view + 100, 6))")
            guard let second = MapViewOfFile(mapping, DWORD(FILE_MAP_READ), 0, 0, 0) else { return XCTFail("no view") }
            let seen = CreateEventW(nil, false, false, nil)
            let reader = spawn {
                SetEvent(seen)
                return DWORD(second.load(fromByteOffset: 7, as: UInt8.self))
            }
            view.storeBytes(of: UInt8(ascii: "T"), toByteOffset: 7, as: UInt8.self)
            (compared, switches) = (table.bytesCompared, sim.contextSwitches)
            WaitForSingleObject(seen, INFINITE)
            WaitForSingleObject(reader, INFINITE)
            var code: DWORD = 0
            GetExitCodeThread(reader, &code)
            steps.append("with two views the other thread reads \(Character(Unicode.Scalar(UInt8(code)))); "
                + "\(sim.contextSwitches - switches) switches compared \((table.bytesCompared - compared) / size) views of 1 MiB")
            UnmapViewOfFile(second)
            UnmapViewOfFile(view)
            for handle in [partner, reader, ping, pong, seen, mapping, file] { CloseHandle(handle) }
        }
        XCTAssertEqual(steps, [
            "200 switches: 0 bytes compared",
            "ReadFile aaaSaaaa: 1048576 bytes compared",
            "WriteFile: 6 bytes written into the view, which shows WRITES",
            "with two views the other thread reads T; 2 switches compared 4 views of 1 MiB",
        ])
    }
}
