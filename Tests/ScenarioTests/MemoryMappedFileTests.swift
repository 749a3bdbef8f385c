import IOKernel
import IOSimXCTest
import Win32Surface
import XCTest

/// Memory-mapped files on the simulated volume: file mapping objects (sections) and their views,
/// with the rules of Microsoft's CreateFileMapping, MapViewOfFileEx, UnmapViewOfFile and
/// SetEndOfFile documentation and of Wine's kernel32 tests (virtual.c test_MapViewOfFile,
/// file.c test_MapFile).
final class MemoryMappedFileTests: XCTestCase {
    private static let path = #"C:\data\mapped.bin"#

    private func open(_ access: DWORD = GENERIC_READ | DWORD(GENERIC_WRITE), _ disposition: Int32 = OPEN_EXISTING) -> HANDLE? {
        CreateFileA(Self.path, access, DWORD(FILE_SHARE_READ | FILE_SHARE_WRITE), nil, DWORD(disposition), 0, nil)
    }

    private func error() -> String { win32ErrorName(GetLastError()) }
    private func result(_ ok: Bool) -> String { ok ? "TRUE" : error() }
    private func result(_ handle: HANDLE?) -> String { handle == nil ? "NULL \(error())" : "handle \(error())" }
    private func result(file: HANDLE?) -> String { file == INVALID_HANDLE_VALUE ? "INVALID_HANDLE_VALUE \(error())" : "handle" }
    private func result(view: LPVOID?) -> String { view == nil ? "NULL \(error())" : "view" }

    private func bytes(_ pointer: UnsafeRawPointer, _ count: Int) -> [UInt8] {
        Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }

    /// A read-write view shows the file, page-rounded with zeros past its end; a store through it
    /// is what the next `ReadFile` of another handle reads, with no flush, and a `WriteFile` shows
    /// in the view at once: the coherence Windows' cache manager gives a local file, whose views
    /// and cached reads and writes use the same pages (MapViewOfFileEx: "Multiple views of a
    /// file ... are coherent"; the documentation does not promise it for ReadFile/WriteFile, which
    /// the cache makes coherent in practice for cached I/O on a local volume).
    func testStoresThroughAViewAreWhatReadFileReadsAndWriteFileShowsInTheView() {
        let sim = checkedSimulation()
        sim.fileSystem.setContents(Array("Hello, mapped world".utf8), of: Self.path)
        let memory = scenarioMemory()
        var steps: [String] = []
        sim.run {
            let file = open(), reader = open()
            let mapping = CreateFileMappingW(file, nil, DWORD(PAGE_READWRITE), 0, 0, nil)
            steps.append("CreateFileMappingW \(result(mapping))")
            guard let view = MapViewOfFile(mapping, DWORD(FILE_MAP_WRITE), 0, 0, 0) else { return XCTFail("no view") }
            steps.append("view \(String(decoding: bytes(view, 19), as: UTF8.self)), then \(bytes(view + 19, 4096 - 19).allSatisfy { $0 == 0 } ? "zeros to the page's end" : "garbage")")
            XCTAssertEqual(sim.memory.block(containing: view)?.size, 4096)
            view.storeBytes(of: UInt8(ascii: "J"), as: UInt8.self)
            let buffer = memory.buffer(32)
            let read = memory.buffer(4).bindMemory(to: DWORD.self, capacity: 1)
            steps.append("ReadFile \(result(ReadFile(reader, buffer, 19, read, nil))) \(read.pointee): \(string(buffer, 19))")
            var position = LARGE_INTEGER()
            position.QuadPart = 7
            _ = SetFilePointerEx(reader, position, nil, DWORD(FILE_BEGIN))
            let data = Array("MAPPED".utf8)
            let source = memory.buffer(6)
            source.copyMemory(from: data, byteCount: 6)
            steps.append("WriteFile \(result(WriteFile(reader, source, 6, read, nil))): view \(String(decoding: bytes(view, 19), as: UTF8.self))")
            steps.append("UnmapViewOfFile \(result(UnmapViewOfFile(view))), CloseHandle \(result(CloseHandle(mapping)))")
            CloseHandle(reader)
            CloseHandle(file)
        }
        XCTAssertEqual(steps, [
            "CreateFileMappingW handle ERROR_SUCCESS",
            "view Hello, mapped world, then zeros to the page's end",
            "ReadFile TRUE 19: Jello, mapped world",
            "WriteFile TRUE: view Jello, MAPPED world",
            "UnmapViewOfFile TRUE, CloseHandle TRUE",
        ])
        XCTAssertEqual(sim.fileSystem.contents(of: Self.path).map { String(decoding: $0, as: UTF8.self) }, "Jello, MAPPED world")
    }

    /// Two writable views of the same page, each storing into a different byte before the kernel
    /// next looks: both stores reach the file, as "multiple views of a file ... are coherent"
    /// (MapViewOfFileEx) promises, since on Windows both views are the same physical page. The
    /// kernel writes back only the bytes a view changed since it last agreed with the file, so
    /// the second view's stale copy of the first byte does not undo the first view's store.
    func testStoresThroughTwoViewsIntoOnePageBothReachTheFile() {
        let sim = checkedSimulation()
        sim.fileSystem.setContents(Array("abcdefgh".utf8), of: Self.path)
        let memory = scenarioMemory()
        var text = ""
        sim.run {
            let file = open()
            let mapping = CreateFileMappingW(file, nil, DWORD(PAGE_READWRITE), 0, 0, nil)
            guard let first = MapViewOfFile(mapping, DWORD(FILE_MAP_WRITE), 0, 0, 0),
                  let second = MapViewOfFile(mapping, DWORD(FILE_MAP_WRITE), 0, 0, 0)
            else { return XCTFail("no views") }
            first.storeBytes(of: UInt8(ascii: "A"), as: UInt8.self)
            second.storeBytes(of: UInt8(ascii: "H"), toByteOffset: 7, as: UInt8.self)
            let buffer = memory.buffer(8)
            XCTAssertTrue(ReadFile(file, buffer, 8, memory.buffer(4).bindMemory(to: DWORD.self, capacity: 1), nil))
            text = string(buffer, 8)
            XCTAssertEqual(String(decoding: bytes(first, 8), as: UTF8.self), "AbcdefgH", "both views show both stores")
            XCTAssertEqual(String(decoding: bytes(second, 8), as: UTF8.self), "AbcdefgH")
            UnmapViewOfFile(first)
            UnmapViewOfFile(second)
            CloseHandle(mapping)
            CloseHandle(file)
        }
        XCTAssertEqual(text, "AbcdefgH")
        XCTAssertEqual(sim.fileSystem.contents(of: Self.path).map { String(decoding: $0, as: UTF8.self) }, "AbcdefgH")
    }

    /// The references: the section holds the file object (closing the file's last handle sends
    /// cleanup, not close, as "the file mapping object ... maintains a reference to the file";
    /// CloseHandle of the file does not end the mapping), a view holds the section (CreateFileMapping:
    /// "Mapped views of a file mapping object maintain internal references to the object, and a
    /// file mapping object does not close until all references to it are released"). The view
    /// keeps working after both handles are closed, and unmapping it lets both objects go.
    func testTheSectionKeepsTheFileObjectAndTheViewKeepsTheSection() {
        let sim = checkedSimulation()
        sim.fileSystem.setContents(Array(repeating: 0x41, count: 100), of: Self.path)
        var counts: [String] = []
        sim.run {
            let file = open()
            guard let fileObject = sim.fileObject(file) else { return XCTFail("no file object") }
            func describe(_ object: KernelObject) -> String {
                "\(object.kind.rawValue) \(object.handleCount)/\(object.pointerCount)\(object.isDeleted ? " deleted" : "")"
            }
            let mapping = CreateFileMappingW(file, nil, DWORD(PAGE_READWRITE), 0, 0, nil)
            guard let section = sim.object(mapping) as? SectionObject else { return XCTFail("no section") }
            counts.append("mapped: \(describe(fileObject)), \(describe(section)), \(section.size) bytes")
            let view = MapViewOfFile(mapping, DWORD(FILE_MAP_ALL_ACCESS), 0, 0, 0)
            counts.append("view: \(describe(section))")
            CloseHandle(file)
            counts.append("file closed: \(describe(fileObject)), cleanup \(fileObject.cleanupSent), close \(fileObject.closeSent)")
            CloseHandle(mapping)
            counts.append("mapping closed: \(describe(section))")
            view?.storeBytes(of: 0x42, toByteOffset: 99, as: UInt8.self)
            UnmapViewOfFile(view)
            counts.append("unmapped: \(describe(section)), \(describe(fileObject)), close \(fileObject.closeSent)")
        }
        XCTAssertEqual(counts, [
            "mapped: File 1/2, Section 1/1, 100 bytes",
            "view: Section 1/2",
            "file closed: File 0/1, cleanup true, close false",
            "mapping closed: Section 0/1",
            "unmapped: Section 0/0 deleted, File 0/0 deleted, close true",
        ])
        XCTAssertEqual(sim.fileSystem.contents(of: Self.path)?.last, 0x42, "the store reached the file at the unmapping")
    }

    /// One namespace for every kind of named object: an event cannot take the name a file
    /// mapping holds ("If lpName matches the name of another kind of object in the same
    /// namespace (such as an existing semaphore, mutex, waitable timer, job, or file-mapping
    /// object), the function fails and the GetLastError function returns
    /// ERROR_INVALID_HANDLE", CreateEvent's page), and the mapping cannot take an event's.
    func testAnEventCannotTakeTheNameOfAMapping() {
        let sim = checkedSimulation()
        var steps: [String] = []
        sim.run {
            let mapping = CreateFileMappingA(INVALID_HANDLE_VALUE, nil, DWORD(PAGE_READWRITE), 0, 4096, "Local\\shared")
            steps.append("mapping \(result(mapping))")
            steps.append("event \(result(CreateEventA(nil, true, false, "Local\\shared")))")
            let event = CreateEventA(nil, true, false, "Local\\signal")
            steps.append("event \(result(event))")
            steps.append("mapping \(result(CreateFileMappingA(INVALID_HANDLE_VALUE, nil, DWORD(PAGE_READWRITE), 0, 4096, "Local\\signal")))")
            CloseHandle(event)
            CloseHandle(mapping)
        }
        XCTAssertEqual(steps, [
            "mapping handle ERROR_SUCCESS",
            "event NULL ERROR_INVALID_HANDLE",
            "event handle ERROR_SUCCESS",
            "mapping NULL ERROR_INVALID_HANDLE",
        ])
    }

    /// What CreateFileMappingW refuses, and the errors: an empty file (test_MapFile:
    /// ERROR_FILE_INVALID), `PAGE_NOACCESS` (test_MapViewOfFile: ERROR_INVALID_PARAMETER), a
    /// read-write mapping of a file opened for reading only or a mapping of a file opened with no
    /// access (ERROR_ACCESS_DENIED, which test_MapViewOfFile accepts), a size beyond the file for
    /// a read-only mapping (ZwCreateSection's STATUS_SECTION_TOO_BIG: ERROR_NOT_ENOUGH_MEMORY)
    /// while a read-write one extends the file (CreateFileMapping, dwMaximumSizeLow), a paging-file
    /// mapping without a size (ERROR_INVALID_PARAMETER), a handle that is not a file
    /// (ERROR_INVALID_HANDLE) and one that is a pipe (ERROR_BAD_EXE_FORMAT), an image section of a
    /// file that is not an executable (ERROR_BAD_EXE_FORMAT, test_CreateFileMapping); the
    /// `PAGE_WRITECOPY` mapping of a read-only file is allowed.
    func testWhatCreateFileMappingRefuses() {
        let sim = checkedSimulation()
        sim.fileSystem.setContents([], of: Self.path)
        var steps: [String] = []
        sim.run {
            let empty = open()
            steps.append("empty file \(result(CreateFileMappingW(empty, nil, DWORD(PAGE_READWRITE), 0, 0, nil)))")
            let data = memory(4)
            data.pointee = 0x6174_6164
            WriteFile(empty, data, 4, memory(4), nil)
            steps.append("PAGE_NOACCESS \(result(CreateFileMappingW(empty, nil, DWORD(PAGE_NOACCESS), 0, 0, nil)))")
            steps.append("PAGE_READWRITE|PAGE_EXECUTE \(result(CreateFileMappingW(empty, nil, DWORD(PAGE_READWRITE | PAGE_EXECUTE), 0, 0, nil)))")
            steps.append("SEC_IMAGE \(result(CreateFileMappingW(empty, nil, DWORD(PAGE_READONLY | SEC_IMAGE), 0, 0, nil)))")
            CloseHandle(empty)
            let readOnly = open(GENERIC_READ)
            steps.append("read-only file, PAGE_READWRITE \(result(CreateFileMappingW(readOnly, nil, DWORD(PAGE_READWRITE), 0, 4096, nil)))")
            let copy = CreateFileMappingW(readOnly, nil, DWORD(PAGE_WRITECOPY), 0, 0, nil)
            steps.append("read-only file, PAGE_WRITECOPY \(result(copy))")
            CloseHandle(copy)
            steps.append("read-only file, 4096 bytes PAGE_READONLY \(result(CreateFileMappingW(readOnly, nil, DWORD(PAGE_READONLY), 0, 4096, nil)))")
            CloseHandle(readOnly)
            let noAccess = open(0)
            steps.append("no-access file \(result(CreateFileMappingW(noAccess, nil, DWORD(PAGE_READONLY), 0, 0, nil)))")
            CloseHandle(noAccess)
            let file = open()
            let grown = CreateFileMappingW(file, nil, DWORD(PAGE_READWRITE), 0, 0x2_0000, nil)
            var size = LARGE_INTEGER()
            GetFileSizeEx(file, &size)
            steps.append("4 bytes, 0x20000 PAGE_READWRITE \(result(grown)), the file now \(size.QuadPart) bytes")
            CloseHandle(grown)
            CloseHandle(file)
            steps.append("paging file, size 0 \(result(CreateFileMappingW(INVALID_HANDLE_VALUE, nil, DWORD(PAGE_READWRITE), 0, 0, nil)))")
            let event = CreateEventW(nil, true, false, nil)
            steps.append("an event \(result(CreateFileMappingW(event, nil, DWORD(PAGE_READONLY), 0, 0, nil)))")
            CloseHandle(event)
            steps.append("a closed handle \(result(CreateFileMappingW(event, nil, DWORD(PAGE_READONLY), 0, 0, nil)))")
            var read: HANDLE?, write: HANDLE?
            CreatePipe(&read, &write, nil, 0)
            steps.append("a pipe \(result(CreateFileMappingW(read, nil, DWORD(PAGE_READONLY), 0, 16, nil)))")
            CloseHandle(read)
            CloseHandle(write)
        }
        XCTAssertEqual(steps, [
            "empty file NULL ERROR_FILE_INVALID",
            "PAGE_NOACCESS NULL ERROR_INVALID_PARAMETER",
            "PAGE_READWRITE|PAGE_EXECUTE NULL ERROR_INVALID_PARAMETER",
            "SEC_IMAGE NULL ERROR_BAD_EXE_FORMAT",
            "read-only file, PAGE_READWRITE NULL ERROR_ACCESS_DENIED",
            "read-only file, PAGE_WRITECOPY handle ERROR_SUCCESS",
            "read-only file, 4096 bytes PAGE_READONLY NULL ERROR_NOT_ENOUGH_MEMORY",
            "no-access file NULL ERROR_ACCESS_DENIED",
            "4 bytes, 0x20000 PAGE_READWRITE handle ERROR_SUCCESS, the file now 131072 bytes",
            "paging file, size 0 NULL ERROR_INVALID_PARAMETER",
            "an event NULL ERROR_INVALID_HANDLE",
            "a closed handle NULL ERROR_INVALID_HANDLE",
            "a pipe NULL ERROR_BAD_EXE_FORMAT",
        ])
    }

    /// The `SEC_*` attributes CreateFileMapping accepts, row by row as the sec_flag_tests table of
    /// Wine's virtual.c test_CreateFileMapping finds them on Windows, over the paging file, over a
    /// data file of 0x2000 bytes and over a file that starts with "MZ": `SEC_IMAGE` alone or with
    /// `SEC_NOCACHE`; otherwise at most one of `SEC_COMMIT` and `SEC_RESERVE`, which `SEC_NOCACHE`
    /// and `SEC_WRITECOMBINE` need; `SEC_LARGE_PAGES` and `SEC_FILE` refused; an image section of
    /// the paging file or of a data file is ERROR_BAD_EXE_FORMAT. Two answers differ from
    /// Windows' on purpose: an executable image is not simulated (Windows maps it), and
    /// `SEC_COMMIT | SEC_LARGE_PAGES` over the paging file, which needs SeLockMemoryPrivilege and
    /// is not in Wine's table, is ERROR_NOT_SUPPORTED.
    func testTheSectionAttributesCreateFileMappingAccepts() {
        let sim = checkedSimulation()
        let image = #"C:\data\program.exe"#
        sim.fileSystem.setContents(Array(repeating: 0, count: 0x2000), of: Self.path)
        sim.fileSystem.setContents(Array("MZ".utf8) + Array(repeating: 0, count: 0x1FFE), of: image)
        let (reserve, commit, noCache) = (DWORD(SEC_RESERVE), DWORD(SEC_COMMIT), DWORD(SEC_NOCACHE))
        let (writeCombine, largePages, sectionImage, file) = (DWORD(SEC_WRITECOMBINE), DWORD(SEC_LARGE_PAGES), DWORD(SEC_IMAGE), DWORD(SEC_FILE))
        let names: [(DWORD, String)] = [(sectionImage, "IMAGE"), (file, "FILE"), (reserve, "RESERVE"), (commit, "COMMIT"),
                                        (noCache, "NOCACHE"), (writeCombine, "WRITECOMBINE"), (largePages, "LARGE_PAGES")]
        let rows: [DWORD] = [reserve, reserve | noCache, reserve | largePages, reserve | writeCombine, commit,
                             commit | noCache, commit | largePages, commit | writeCombine, reserve | commit, sectionImage,
                             sectionImage | reserve, sectionImage | commit, noCache, largePages, writeCombine, file,
                             file | reserve, file | commit, 0]
        let imageRows: [DWORD] = [sectionImage, sectionImage | file, sectionImage | noCache, sectionImage | largePages,
                                  sectionImage | writeCombine, sectionImage | reserve, sectionImage | commit]
        func label(_ flags: DWORD) -> String {
            flags == 0 ? "0" : names.filter { flags & $0.0 != 0 }.map(\.1).joined(separator: "|")
        }
        var lines: [String] = []
        sim.run {
            let data = open(), program = CreateFileA(image, GENERIC_READ, DWORD(FILE_SHARE_READ), nil, DWORD(OPEN_EXISTING), 0, nil)
            for (name, handle, protection, flags) in [("paging file", INVALID_HANDLE_VALUE, DWORD(PAGE_READWRITE), rows),
                                                      ("data file", data, DWORD(PAGE_READWRITE), rows),
                                                      ("MZ file", program, DWORD(PAGE_READONLY), imageRows)] {
                for row in flags {
                    let mapping = CreateFileMappingW(handle, nil, protection | row, 0, 0x1000, nil)
                    lines.append("\(name) \(label(row)): \(result(mapping))")
                    CloseHandle(mapping)
                }
            }
            CloseHandle(program)
            CloseHandle(data)
        }
        let invalid = "NULL ERROR_INVALID_PARAMETER", made = "handle ERROR_SUCCESS"
        let expected: [String] = ["paging file", "data file"].flatMap { name in
            ["RESERVE: \(made)", "RESERVE|NOCACHE: \(made)", "RESERVE|LARGE_PAGES: \(invalid)", "RESERVE|WRITECOMBINE: \(made)",
             "COMMIT: \(made)", "COMMIT|NOCACHE: \(made)",
             "COMMIT|LARGE_PAGES: \(name == "data file" ? invalid : "NULL ERROR_NOT_SUPPORTED")",
             "COMMIT|WRITECOMBINE: \(made)", "RESERVE|COMMIT: \(invalid)", "IMAGE: NULL ERROR_BAD_EXE_FORMAT",
             "IMAGE|RESERVE: \(invalid)", "IMAGE|COMMIT: \(invalid)", "NOCACHE: \(invalid)", "LARGE_PAGES: \(invalid)",
             "WRITECOMBINE: \(invalid)", "FILE: \(invalid)", "FILE|RESERVE: \(invalid)", "FILE|COMMIT: \(invalid)", "0: \(made)"]
                .map { "\(name) \($0)" }
        } + ["IMAGE: NULL ERROR_NOT_SUPPORTED", "IMAGE|FILE: \(invalid)", "IMAGE|NOCACHE: NULL ERROR_NOT_SUPPORTED",
             "IMAGE|LARGE_PAGES: \(invalid)", "IMAGE|WRITECOMBINE: \(invalid)", "IMAGE|RESERVE: \(invalid)",
             "IMAGE|COMMIT: \(invalid)"].map { "MZ file \($0)" }
        XCTAssertEqual(lines, expected)
    }

    /// A tracked 4-byte out-parameter for the test's calls.
    private func memory(_ count: Int) -> UnsafeMutablePointer<DWORD> {
        SimThread.current!.kernel.trackedMemory.allocateStaticBytes(count).bindMemory(to: DWORD.self, capacity: 1)
    }

    /// What MapViewOfFile(Ex) refuses: an offset that is not a multiple of the 64 KiB allocation
    /// granularity (ERROR_MAPPED_ALIGNMENT), a view reaching past the mapping's end
    /// (STATUS_INVALID_VIEW_SIZE: ERROR_ACCESS_DENIED), a write view of a read-only mapping and a
    /// view the handle's access does not allow (test_MapViewOfFile: ERROR_ACCESS_DENIED), a base
    /// address (aligned: the simulator never has it free, ERROR_INVALID_ADDRESS; unaligned:
    /// ERROR_MAPPED_ALIGNMENT); and what UnmapViewOfFile refuses (NULL, a view already unmapped:
    /// ERROR_INVALID_ADDRESS). A view at 64 KiB shows the file from there, and any address inside
    /// a view unmaps it.
    func testWhatMapViewOfFileAndUnmapViewOfFileRefuse() {
        let sim = checkedSimulation()
        sim.fileSystem.setContents((0..<0x1_8000).map { UInt8(truncatingIfNeeded: $0 >> 12) }, of: Self.path)
        var steps: [String] = []
        sim.run {
            let file = open()
            let mapping = CreateFileMappingW(file, nil, DWORD(PAGE_READWRITE), 0, 0, #"Local\mapped"#.wide)
            steps.append("offset 0x1000 \(result(view: MapViewOfFile(mapping, DWORD(FILE_MAP_READ), 0, 0x1000, 0)))")
            let second = MapViewOfFile(mapping, DWORD(FILE_MAP_READ), 0, 0x1_0000, 0)
            steps.append("offset 0x10000 \(result(view: second)): first byte \(second?.load(as: UInt8.self) ?? 0), \(sim.memory.block(containing: second)?.size ?? 0) bytes")
            steps.append("unmap inside it \(result(UnmapViewOfFile(second.map { $0 + 100 })))")
            steps.append("again \(result(UnmapViewOfFile(second))), NULL \(result(UnmapViewOfFile(nil)))")
            steps.append("0x10000 + 0x8001 bytes \(result(view: MapViewOfFile(mapping, DWORD(FILE_MAP_READ), 0, 0x1_0000, 0x8001)))")
            steps.append("offset 0x20000 \(result(view: MapViewOfFile(mapping, DWORD(FILE_MAP_READ), 0, 0x2_0000, 0)))")
            steps.append("base 0x10000000 \(result(view: MapViewOfFileEx(mapping, DWORD(FILE_MAP_READ), 0, 0, 0, UnsafeMutableRawPointer(bitPattern: 0x1000_0000))))")
            steps.append("base 0x10001000 \(result(view: MapViewOfFileEx(mapping, DWORD(FILE_MAP_READ), 0, 0, 0, UnsafeMutableRawPointer(bitPattern: 0x1000_1000))))")
            let reader = OpenFileMappingW(DWORD(FILE_MAP_READ), false, #"Local\mapped"#.wide)
            steps.append("FILE_MAP_READ handle: write view \(result(view: MapViewOfFile(reader, DWORD(FILE_MAP_WRITE), 0, 0, 0)))")
            let view = MapViewOfFile(reader, DWORD(FILE_MAP_READ), 0, 0, 0)
            steps.append("read view \(result(view: view)), unmap \(result(UnmapViewOfFile(view)))")
            let writer = OpenFileMappingW(DWORD(FILE_MAP_WRITE), false, #"Local\mapped"#.wide)
            steps.append("FILE_MAP_WRITE handle: read view \(result(view: MapViewOfFile(writer, DWORD(FILE_MAP_READ), 0, 0, 0)))")
            let written = MapViewOfFile(writer, DWORD(FILE_MAP_WRITE), 0, 0, 0)
            steps.append("write view \(result(view: written)), unmap \(result(UnmapViewOfFile(written)))")
            CloseHandle(reader)
            CloseHandle(writer)
            CloseHandle(mapping)
            steps.append("the name after the last handle: \(result(OpenFileMappingW(DWORD(FILE_MAP_READ), false, #"Local\mapped"#.wide)))")
            let readOnly = CreateFileMappingW(file, nil, DWORD(PAGE_READONLY), 0, 0, nil)
            steps.append("PAGE_READONLY mapping: write view \(result(view: MapViewOfFile(readOnly, DWORD(FILE_MAP_WRITE), 0, 0, 0)))")
            let copy = MapViewOfFile(readOnly, DWORD(FILE_MAP_COPY), 0, 0, 0)
            steps.append("copy view \(result(view: copy)), unmap \(result(UnmapViewOfFile(copy)))")
            CloseHandle(readOnly)
            steps.append("not a mapping \(result(view: MapViewOfFile(file, DWORD(FILE_MAP_READ), 0, 0, 0)))")
            CloseHandle(file)
        }
        XCTAssertEqual(steps, [
            "offset 0x1000 NULL ERROR_MAPPED_ALIGNMENT",
            "offset 0x10000 view: first byte 16, 32768 bytes",
            "unmap inside it TRUE",
            "again ERROR_INVALID_ADDRESS, NULL ERROR_INVALID_ADDRESS",
            "0x10000 + 0x8001 bytes NULL ERROR_ACCESS_DENIED",
            "offset 0x20000 NULL ERROR_ACCESS_DENIED",
            "base 0x10000000 NULL ERROR_INVALID_ADDRESS",
            "base 0x10001000 NULL ERROR_MAPPED_ALIGNMENT",
            "FILE_MAP_READ handle: write view NULL ERROR_ACCESS_DENIED",
            "read view view, unmap TRUE",
            "FILE_MAP_WRITE handle: read view NULL ERROR_ACCESS_DENIED",
            "write view view, unmap TRUE",
            "the name after the last handle: NULL ERROR_FILE_NOT_FOUND",
            "PAGE_READONLY mapping: write view NULL ERROR_ACCESS_DENIED",
            "copy view view, unmap TRUE",
            "not a mapping NULL ERROR_INVALID_HANDLE",
        ])
    }

    /// A file cannot be made smaller than a mapping over it while the mapping exists
    /// (SetEndOfFile: "UnmapViewOfFile must be called first to unmap all views and call
    /// CloseHandle to close the file mapping object before you can call SetEndOfFile"):
    /// `SetEndOfFile`, `TRUNCATE_EXISTING`, `CREATE_ALWAYS` and a copy onto the file fail with
    /// ERROR_USER_MAPPED_FILE,
    /// with the mapping's handle closed too while a view keeps it; growing the file is allowed;
    /// once the view is unmapped, truncation works.
    func testAMappedFileCannotBeTruncated() {
        let sim = checkedSimulation()
        sim.fileSystem.setContents(Array(repeating: 7, count: 8192), of: Self.path)
        sim.fileSystem.setContents([1], of: #"C:\data\other.bin"#)
        var steps: [String] = []
        sim.run {
            let file = open()
            let mapping = CreateFileMappingW(file, nil, DWORD(PAGE_READONLY), 0, 4096, nil)
            let view = MapViewOfFile(mapping, DWORD(FILE_MAP_READ), 0, 0, 0)
            CloseHandle(mapping)
            var position = LARGE_INTEGER()
            position.QuadPart = 100
            SetFilePointerEx(file, position, nil, DWORD(FILE_BEGIN))
            steps.append("SetEndOfFile at 100 \(result(SetEndOfFile(file)))")
            position.QuadPart = 4096
            SetFilePointerEx(file, position, nil, DWORD(FILE_BEGIN))
            steps.append("at 4096 \(result(SetEndOfFile(file)))")
            position.QuadPart = 20000
            SetFilePointerEx(file, position, nil, DWORD(FILE_BEGIN))
            steps.append("at 20000 \(result(SetEndOfFile(file)))")
            steps.append("TRUNCATE_EXISTING \(result(file: open(DWORD(GENERIC_WRITE), TRUNCATE_EXISTING)))")
            steps.append("CREATE_ALWAYS \(result(file: open(DWORD(GENERIC_WRITE), CREATE_ALWAYS)))")
            steps.append("CopyFileW onto it \(result(CopyFileW(Array(#"C:\data\other.bin"#.utf16) + [0], Array(Self.path.utf16) + [0], false)))")
            steps.append("unmap \(result(UnmapViewOfFile(view)))")
            position.QuadPart = 0
            SetFilePointerEx(file, position, nil, DWORD(FILE_BEGIN))
            steps.append("SetEndOfFile at 0 \(result(SetEndOfFile(file)))")
            CloseHandle(file)
        }
        XCTAssertEqual(steps, [
            "SetEndOfFile at 100 ERROR_USER_MAPPED_FILE",
            "at 4096 TRUE",
            "at 20000 TRUE",
            "TRUNCATE_EXISTING INVALID_HANDLE_VALUE ERROR_USER_MAPPED_FILE",
            "CREATE_ALWAYS INVALID_HANDLE_VALUE ERROR_USER_MAPPED_FILE",
            "CopyFileW onto it ERROR_USER_MAPPED_FILE",
            "unmap TRUE",
            "SetEndOfFile at 0 TRUE",
        ])
        XCTAssertEqual(sim.fileSystem.contents(of: Self.path), [])
    }

    /// Named shared memory between two threads, the common pattern: a paging-file mapping created
    /// by name (a second create of the name opens it, ERROR_ALREADY_EXISTS, the same object), a
    /// view in each thread, an event between them. What the first thread stored is what the
    /// second reads in its own view (views of one mapping are coherent, MapViewOfFileEx), and the
    /// second thread's answer is what the first then reads. A copy-on-write view keeps its own
    /// stores.
    func testTwoThreadsShareNamedMemory() {
        let sim = checkedSimulation()
        var seen: [String] = []
        sim.run {
            let name = #"Local\Shared"#.wide
            let mapping = CreateFileMappingW(INVALID_HANDLE_VALUE, nil, DWORD(PAGE_READWRITE), 0, 4090, name)
            seen.append("create \(result(mapping))")
            let again = CreateFileMappingW(INVALID_HANDLE_VALUE, nil, DWORD(PAGE_READWRITE), 0, 1, name)
            seen.append("again \(result(again)), same object \(CompareObjectHandles(mapping, again))")
            CloseHandle(again)
            let ready = CreateEventW(nil, false, false, nil), answered = CreateEventW(nil, false, false, nil)
            guard let mine = MapViewOfFile(mapping, DWORD(FILE_MAP_ALL_ACCESS), 0, 0, 0) else { return XCTFail("no view") }
            mine.storeBytes(of: 0x1234_5678, as: UInt32.self)
            let worker = spawn {
                let theirs = OpenFileMappingW(DWORD(FILE_MAP_WRITE), false, name)
                guard let view = MapViewOfFile(theirs, DWORD(FILE_MAP_WRITE), 0, 0, 0) else { return 1 }
                WaitForSingleObject(ready, INFINITE)
                let found = view.load(as: UInt32.self)
                view.storeBytes(of: found + 1, toByteOffset: 4, as: UInt32.self)
                SetEvent(answered)
                UnmapViewOfFile(view)
                CloseHandle(theirs)
                return found == 0x1234_5678 ? 0 : 2
            }
            SetEvent(ready)
            WaitForSingleObject(answered, INFINITE)
            seen.append("the answer 0x\(String(mine.load(fromByteOffset: 4, as: UInt32.self), radix: 16))")
            WaitForSingleObject(worker, INFINITE)
            var code: DWORD = 99
            GetExitCodeThread(worker, &code)
            seen.append("the worker read the first value: \(code == 0)")
            let copy = MapViewOfFile(mapping, DWORD(FILE_MAP_COPY), 0, 0, 0)
            copy?.storeBytes(of: 0, as: UInt32.self)
            UnmapViewOfFile(copy)
            seen.append("after a copy-on-write store: 0x\(String(mine.load(as: UInt32.self), radix: 16))")
            UnmapViewOfFile(mine)
            CloseHandle(worker)
            CloseHandle(ready)
            CloseHandle(answered)
            CloseHandle(mapping)
        }
        XCTAssertEqual(seen, [
            "create handle ERROR_SUCCESS",
            "again handle ERROR_ALREADY_EXISTS, same object true",
            "the answer 0x12345679",
            "the worker read the first value: true",
            "after a copy-on-write store: 0x12345678",
        ])
    }

    /// A view is tracked memory: a `ReadFile` into it longer than the view is refused before
    /// anything is written (ERROR_NOACCESS, the view's block named), and after `UnmapViewOfFile`
    /// its block is freed, so a `ReadFile` into it is a kernel write into freed memory, where
    /// Windows would fault. The freed view reads as the quarantine's 0xFE, never as the file.
    func testAViewIsTrackedMemoryAndFreedWhenUnmapped() {
        let sim = checkedSimulation()
        sim.fileSystem.setContents(Array(repeating: 0x61, count: 5000), of: Self.path)
        var steps: [String] = []
        sim.run {
            let file = open()
            let mapping = CreateFileMappingW(file, nil, DWORD(PAGE_READWRITE), 0, 0, nil)
            guard let view = MapViewOfFile(mapping, DWORD(FILE_MAP_WRITE), 0, 0, 0) else { return XCTFail("no view") }
            steps.append("block: \(sim.memory.block(containing: view)?.description ?? "none")")
            let read = memory(4)
            steps.append("ReadFile of 8192 into the 8192-byte view at 4096 \(result(ReadFile(file, view + 4096, 8192, read, nil)))")
            UnmapViewOfFile(view)
            steps.append("unmapped: freed \(sim.memory.block(containing: view)?.isFreed == true), reads 0x\(String(view.load(as: UInt8.self), radix: 16))")
            CloseHandle(mapping)
            CloseHandle(file)
        }
        let violations = sim.takeMemoryViolations().map(\.kind)
        XCTAssertEqual(steps, [
            "block: view of C:\\data\\mapped.bin (8192 bytes mapped from Section#3, allocated at MapViewOfFile)",
            "ReadFile of 8192 into the 8192-byte view at 4096 ERROR_NOACCESS",
            "unmapped: freed true, reads 0xfe",
        ])
        XCTAssertEqual(violations, [.bufferTooShort])
        XCTAssertEqual(sim.fileSystem.contents(of: Self.path)?.count, 5000)
    }

    /// Named shared memory between processes: the child opens the parent's mapping by name,
    /// reads what the parent stored and stores its answer, and exits without unmapping its view.
    /// The parent reads the answer in its own view once the child has exited, and the exit has
    /// unmapped the child's view (UnmapViewOfFile: "Although an application may close the file
    /// handle used to create a file mapping object, the system holds the corresponding file
    /// open until the last view of the file is unmapped"; a process's views go with its address
    /// space): the section's pointer count is back to the parent's handle and view.
    func testAChildProcessSharesNamedMemoryAndItsExitUnmapsItsView() {
        let sim = checkedSimulation()
        sim.installProgram(#"C:\tools\child.exe"#) {
            let board = OpenFileMappingW(DWORD(FILE_MAP_ALL_ACCESS), false, #"Local\Board"#.wide)
            guard let view = MapViewOfFile(board, DWORD(FILE_MAP_WRITE), 0, 0, 0) else { return 1 }
            let question = view.load(as: UInt32.self)
            view.storeBytes(of: question * 2, toByteOffset: 4, as: UInt32.self)
            CloseHandle(board)
            return 0
        }
        var seen: [String] = []
        sim.run {
            let board = CreateFileMappingW(INVALID_HANDLE_VALUE, nil, DWORD(PAGE_READWRITE), 0, 0x1_0000, #"Local\Board"#.wide)
            guard let section = sim.object(board), let view = MapViewOfFile(board, DWORD(FILE_MAP_ALL_ACCESS), 0, 0, 0) else {
                return XCTFail("no mapping")
            }
            view.storeBytes(of: 21, as: UInt32.self)
            let (ok, info) = startChild(#"C:\tools\child.exe"#, stdout: nil, inherit: false)
            WaitForSingleObject(info.hProcess, INFINITE)
            var code: DWORD = 99
            GetExitCodeProcess(info.hProcess, &code)
            seen.append("child started \(ok), exit code \(code), answer \(view.load(fromByteOffset: 4, as: UInt32.self))")
            seen.append("section \(section.handleCount)/\(section.pointerCount)")
            CloseHandle(info.hThread)
            CloseHandle(info.hProcess)
            UnmapViewOfFile(view)
            CloseHandle(board)
            seen.append("section deleted \(section.isDeleted)")
        }
        XCTAssertEqual(seen, ["child started true, exit code 0, answer 42", "section 1/2", "section deleted true"])
    }

    /// The divergences, pinned: two views of the same bytes in one thread agree once the thread
    /// makes a call that touches the file (here a ReadFile; on Windows at once), and a store
    /// into a read-only view, an access violation on Windows, never reaches the file, is undone
    /// at that point and reported there as a write into read-only memory.
    func testWhereOneThreadsViewsAgreeAndAReadOnlyViewsStoreIsUndone() {
        let sim = checkedSimulation()
        sim.fileSystem.setContents(Array("abcdefgh".utf8), of: Self.path)
        let memory = scenarioMemory()
        var steps: [String] = []
        sim.run {
            let file = open()
            let mapping = CreateFileMappingW(file, nil, DWORD(PAGE_READWRITE), 0, 0, nil)
            guard let writer = MapViewOfFile(mapping, DWORD(FILE_MAP_WRITE), 0, 0, 0),
                  let reader = MapViewOfFile(mapping, DWORD(FILE_MAP_READ), 0, 0, 0)
            else { return XCTFail("no views") }
            writer.storeBytes(of: UInt8(ascii: "A"), as: UInt8.self)
            reader.storeBytes(of: UInt8(ascii: "Z"), toByteOffset: 7, as: UInt8.self)
            steps.append("before a call: reader \(String(decoding: bytes(reader, 8), as: UTF8.self))")
            let buffer = memory.buffer(8)
            ReadFile(file, buffer, 8, memory.buffer(4).bindMemory(to: DWORD.self, capacity: 1), nil)
            steps.append("ReadFile \(string(buffer, 8)), reader \(String(decoding: bytes(reader, 8), as: UTF8.self))")
            UnmapViewOfFile(reader)
            UnmapViewOfFile(writer)
            CloseHandle(mapping)
            CloseHandle(file)
        }
        XCTAssertEqual(steps, ["before a call: reader abcdefgZ", "ReadFile Abcdefgh, reader Abcdefgh"])
        XCTAssertEqual(sim.takeMemoryViolations().map(\.kind), [.wroteReadOnlyMemory])
        XCTAssertEqual(sim.fileSystem.contents(of: Self.path).map { String(decoding: $0, as: UTF8.self) }, "Abcdefgh")
    }
}

private extension String {
    /// A NUL-terminated UTF-16 copy, for the `W` functions' names.
    var wide: [WCHAR] { Array(utf16) + [0] }
}
