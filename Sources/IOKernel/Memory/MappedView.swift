#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A view of a section mapped into a process (`MapViewOfFile`): memory the program reads and
/// writes, which shows a range of the section's file.
///
/// **Where its memory comes from.** A view is a block of the simulator's tracked arena
/// (``MemoryRegion/mappedView(of:)``), page-rounded, owned by the simulator from the mapping to
/// the unmapping: it is never host memory the program did not get from the simulator, and the
/// kernel writes into it only while it is mapped. Being tracked, a view is checked like the
/// heap: a buffer inside a view handed to `ReadFile` is probed against the view's end, and
/// `UnmapViewOfFile` frees the block, so a request or a call still using it is reported as
/// using freed memory (where Windows faults), and the unmapped pages read as the quarantine's
/// `0xFE` instead of the file. The divergences: a view's address is an arena address, not a
/// multiple of the 64 KiB allocation granularity, and `MapViewOfFileEx` cannot place a view at
/// an address the caller chooses.
///
/// The view holds a reference to its section until it is unmapped (or its process exits).
final class MappedView {
    let section: SectionObject
    /// The block of the arena that is the view's memory.
    let block: Int32
    let base: UnsafeMutableRawPointer
    /// The view's size: the bytes asked for, rounded up to whole pages.
    let size: Int
    /// The file offset of the view's first byte (a multiple of the allocation granularity).
    let offset: UInt64
    /// `FILE_MAP_WRITE`: stores reach the file.
    let isWritable: Bool
    /// Not `FILE_MAP_COPY`: the view shows the file's pages rather than a private copy.
    let isShared: Bool
    /// The process the view is mapped into.
    unowned(unsafe) let process: SimProcess
    /// What the view held when the kernel last made it agree with the file: a byte the program
    /// stored through the view is one that differs from it. (Comparing the view with the file
    /// instead would take a newer store through another view of the same bytes for a change of
    /// this one, and write this view's stale byte back over it.)
    private var agreed: [UInt8]

    init(section: SectionObject, block: Int32, base: UnsafeMutableRawPointer, size: Int, offset: UInt64,
         isWritable: Bool, isShared: Bool, process: SimProcess)
    {
        self.section = section
        self.block = block
        self.base = base
        self.size = size
        self.offset = offset
        self.isWritable = isWritable
        self.isShared = isShared
        self.process = process
        self.agreed = [UInt8](repeating: 0, count: size)
    }

    /// Whether `address` is inside the view.
    func contains(_ address: UInt) -> Bool {
        let start = UInt(bitPattern: base)
        return address >= start && address - start < UInt(size)
    }

    /// How many of the view's bytes the file has (the rest of its last page reads as zeros).
    func backedCount(fileSize: UInt64) -> Int {
        guard fileSize > offset else { return 0 }
        return Int(min(UInt64(size), fileSize - offset))
    }

    /// The runs of the view's first `count` bytes that differ from ``agreed`` (what the program
    /// stored since the kernel last made the view agree with the file), as view offsets. A
    /// view nobody stored into costs one `memcmp` of its bytes.
    private func changedRuns(in range: Range<Int>) -> [Range<Int>] {
        guard !range.isEmpty else { return [] }
        return agreed.withUnsafeBytes { agreed -> [Range<Int>] in
            guard let copy = agreed.baseAddress, memcmp(base + range.lowerBound, copy + range.lowerBound, range.count) != 0
            else { return [] }
            var runs: [Range<Int>] = []
            let page = SectionTable.pageSize
            var pageStart = range.lowerBound
            while pageStart < range.upperBound {
                let pageEnd = min((pageStart / page + 1) * page, range.upperBound)
                defer { pageStart = pageEnd }
                if memcmp(base + pageStart, copy + pageStart, pageEnd - pageStart) == 0 { continue }
                var position = pageStart
                while position < pageEnd {
                    guard base.load(fromByteOffset: position, as: UInt8.self) != agreed[position] else {
                        position += 1
                        continue
                    }
                    var end = position + 1
                    while end < pageEnd, base.load(fromByteOffset: end, as: UInt8.self) != agreed[end] { end += 1 }
                    runs.append(position..<end)
                    position = end
                }
            }
            return runs
        }
    }

    /// Writes into `contents` what the program stored through the view since the kernel last
    /// made it agree with the file, within `range` (view offsets; all of it by default): the
    /// runs of bytes that differ from ``agreed``, so that two views storing into different
    /// bytes of one page both reach the file. Returns the file ranges written, for the other
    /// views.
    func collect(into contents: inout FileContents, within range: Range<Int>? = nil) -> [Range<UInt64>] {
        let backed = 0..<backedCount(fileSize: contents.size)
        let runs = changedRuns(in: range.map { $0.clamped(to: backed) } ?? backed)
        guard !runs.isEmpty else { return [] }
        agreed.withUnsafeMutableBytes { agreed in
            for run in runs {
                let bytes = UnsafeRawBufferPointer(start: base + run.lowerBound, count: run.count)
                contents.write(ArraySlice(bytes), at: offset + UInt64(run.lowerBound))
                UnsafeMutableRawBufferPointer(rebasing: agreed[run]).copyMemory(from: bytes)
            }
        }
        return runs.map { offset + UInt64($0.lowerBound) ..< offset + UInt64($0.upperBound) }
    }

    /// The program's stores into a read-only view since the kernel last looked, each an access
    /// violation on Windows: undone (the bytes the view agreed with the file on come back), and
    /// returned as view offsets for the report. The whole view is read-only, the zeros past the
    /// end of the file in its last page too, so all of it is looked at.
    func undoStores() -> [Range<Int>] {
        let runs = changedRuns(in: 0..<size)
        agreed.withUnsafeBytes { agreed in
            guard let copy = agreed.baseAddress else { return }
            for run in runs { (base + run.lowerBound).copyMemory(from: copy + run.lowerBound, byteCount: run.count) }
        }
        return runs
    }

    /// Writes the file's bytes in `range` (file offsets) into the view, where it shows them, and
    /// into ``agreed``: after the file system or another view changed them. Returns how many
    /// bytes of the view it wrote.
    @discardableResult
    func refresh(_ range: Range<UInt64>, from contents: FileContents) -> Int {
        let mine = offset ..< offset + UInt64(size)
        let overlap = range.clamped(to: mine)
        guard !overlap.isEmpty else { return 0 }
        let start = Int(overlap.lowerBound - offset), count = Int(overlap.upperBound - overlap.lowerBound)
        let backed = backedCount(fileSize: contents.size)
        let fileCount = max(0, min(count, backed - start))
        if fileCount > 0 {
            let file = contents.read(at: overlap.lowerBound, count: fileCount)
            file.withUnsafeBytes { bytes in
                if let source = bytes.baseAddress { (base + start).copyMemory(from: source, byteCount: fileCount) }
            }
        }
        // Past the end of the file the view's page reads as zeros.
        if fileCount < count {
            (base + start + fileCount).initializeMemory(as: UInt8.self, repeating: 0, count: count - fileCount)
        }
        agreed.withUnsafeMutableBytes {
            UnsafeMutableRawBufferPointer(rebasing: $0[start..<start + count])
                .copyMemory(from: UnsafeRawBufferPointer(start: base + start, count: count))
        }
        return count
    }

    /// Writes the file's bytes into the whole view (and zeros past the end of the file).
    func fill(from contents: FileContents) {
        refresh(offset ..< offset + UInt64(size), from: contents)
    }
}

extension Kernel {
    /// `NtMapViewOfSection` into the running process (what `MapViewOfFile(Ex)` calls):
    /// `desiredAccess` is `FILE_MAP_*`, `length` 0 maps to the end of the section.
    ///
    /// The handle needs `SECTION_MAP_WRITE` for a writable view and `SECTION_MAP_READ` for any
    /// other (`STATUS_ACCESS_DENIED`, Wine's virtual.c test_MapViewOfFile), and a writable view
    /// needs a writable section (`STATUS_ACCESS_DENIED`, which Windows gives where old versions
    /// gave `ERROR_INVALID_PARAMETER`). The offset must be a multiple of the allocation
    /// granularity, 64 KiB (`STATUS_MAPPED_ALIGNMENT`), and the view must lie inside the
    /// section (`STATUS_INVALID_VIEW_SIZE`, `ERROR_ACCESS_DENIED`). A base address the caller
    /// chooses must be aligned too, and is never free (`STATUS_CONFLICTING_ADDRESSES`): the
    /// simulator places views in its own memory.
    package func ntMapViewOfSection(handle: UInt, desiredAccess: UInt32, offset: UInt64, length: UInt64,
                                    baseAddress: UInt?) -> (NTStatus, UnsafeMutableRawPointer?)
    {
        guard let object = handles.lookup(handle) else { return (.invalidHandle, nil) }
        guard let section = object as? SectionObject else { return (.objectTypeMismatch, nil) }
        let granted = handles.access(handle) ?? 0
        let fileMapWrite: UInt32 = 0x2, fileMapCopy: UInt32 = 0x1
        let writes = desiredAccess & fileMapWrite != 0
        // kernelbase's order: FILE_MAP_WRITE makes a read-write view, else FILE_MAP_COPY a
        // copy-on-write one, else a read-only one.
        let copies = !writes && desiredAccess & fileMapCopy != 0
        let needed = writes ? SectionProtection.mapWrite : SectionProtection.mapRead
        guard granted & needed == needed else { return (.accessDenied, nil) }
        guard !writes || section.isWritable else { return (.accessDenied, nil) }
        guard offset % SectionTable.allocationGranularity == 0 else { return (.mappedAlignment, nil) }
        if let baseAddress {
            guard UInt64(baseAddress) % SectionTable.allocationGranularity == 0 else { return (.mappedAlignment, nil) }
            return (.conflictingAddresses, nil)
        }
        guard offset < section.size, length <= section.size - offset else { return (.invalidViewSize, nil) }
        let viewLength = length == 0 ? section.size - offset : length
        let page = UInt64(SectionTable.pageSize)
        let rounded = (viewLength + page - 1) / page * page
        guard rounded <= UInt64(Int.max) else { return (.invalidViewSize, nil) }
        let file = section.dataFile
        let label = "view of \(file.path.isEmpty ? section.label : file.path)"
        guard let block = memory.allocate(size: Int(rounded), label: label, type: nil,
                                          region: .mappedView(of: section.label), at: SourceLocation(file: "MapViewOfFile", line: 0),
                                          owner: allocatingProcessID)
        else { return (.noMemory, nil) }
        let base = memory.blocks[Int(block)].base
        let view = MappedView(section: section, block: block, base: base, size: Int(rounded), offset: offset,
                              isWritable: writes, isShared: !copies, process: currentProcess)
        // Read-only pages: the kernel's probe for a write fails on them, and a store the program
        // makes is found and undone where the view is next compared with the file.
        if !writes && !copies { memory.markReadOnly(block) }
        reference(section, by: "view")
        let data = file.dataSectionCreated(kernel: self)
        view.fill(from: file.contents)
        data.views.append(WeakView(view))
        if !sections.mapped.contains(where: { $0 === data }) { sections.mapped.append(data) }
        currentProcess.mappedViews.append(view)
        if tracing { record(.note("\(section.label) mapped at \(trace.name(of: UInt(bitPattern: base), "view")), \(rounded) bytes from offset \(offset)")) }
        return (.success, base)
    }

    /// The view of the running process that contains `address`.
    private func mappedView(containing address: UInt) -> MappedView? {
        currentProcess.mappedViews.first { $0.contains(address) }
    }

    /// `NtUnmapViewOfSection` (`UnmapViewOfFile`): `address` may be any address inside the view,
    /// as ZwUnmapViewOfSection documents it. The view's stores reach the file, its block is
    /// freed, and its reference to the section goes (which may delete the section, and with it
    /// the section's reference to the file object). `STATUS_NOT_MAPPED_VIEW`
    /// (`ERROR_INVALID_ADDRESS`) for an address in no view of the process.
    package func ntUnmapViewOfSection(address: UInt) -> NTStatus {
        guard let view = mappedView(containing: address) else { return .notMappedView }
        unmap(view, at: SourceLocation(file: "UnmapViewOfFile", line: 0), by: "UnmapViewOfFile")
        return .success
    }

    /// Unmaps `view`: what it stored goes to the file, then its block is freed.
    private func unmap(_ view: MappedView, at location: SourceLocation, by what: String) {
        let file = view.section.dataFile
        file.synchronizeViews()
        view.process.mappedViews.removeAll { $0 === view }
        file.dataSection?.views.removeAll { $0.view == nil || $0.view === view }
        freeBlock(view.block, at: location, by: what)
        if tracing { record(.note("\(view.section.label) unmapped from \(trace.name(of: UInt(bitPattern: view.base), "view"))")) }
        dereference(view.section, by: "view")
    }

    /// `NtFlushVirtualMemory` (`FlushViewOfFile`): the view's stores in `count` bytes from
    /// `address` (0: to the end of the view) reach the file, and the other views of it. The
    /// range is whole pages, as the memory manager flushes them, and must lie in one view of the
    /// process. Microsoft's ZwFlushVirtualMemory page gives the failures: a range that does not
    /// fit in the user address space (beyond `lpMaximumApplicationAddress`, 0x7FFF_FFFE_FFFF, or
    /// overflowing) is `STATUS_INVALID_PARAMETER_2` ("the RegionSize was invalid",
    /// `ERROR_INVALID_PARAMETER`); an address in no view is `STATUS_NOT_MAPPED_VIEW` ("No virtual
    /// address space descriptor could be located for the supplied BaseAddress",
    /// `ERROR_INVALID_ADDRESS`, as for `UnmapViewOfFile`, whose Wine test_MapViewOfFile
    /// finds that code on Windows), and so is a range that runs past the end of its view. Wine's
    /// NtFlushVirtualMemory refuses both with `STATUS_INVALID_PARAMETER`, and Wine's
    /// test_MapViewOfFile does not call FlushViewOfFile with a bad address. The file is the
    /// cache here, so nothing further is written back, and a view of the paging file flushes
    /// nothing (kernelbase turns the memory manager's `STATUS_NOT_MAPPED_DATA` into success).
    package func ntFlushViewOfSection(address: UInt, count: Int) -> NTStatus {
        let highestUserAddress: UInt = 0x7FFF_FFFE_FFFF
        if count > 0, address > highestUserAddress || UInt(count - 1) > highestUserAddress - address {
            return .invalidParameter2
        }
        guard let view = mappedView(containing: address) else { return .notMappedView }
        let page = SectionTable.pageSize
        let start = Int(address - UInt(bitPattern: view.base)) / page * page
        let end: Int
        if count == 0 {
            end = view.size
        } else {
            let last = Int(address - UInt(bitPattern: view.base)) + count
            guard last <= view.size else { return .notMappedView }
            end = (last + page - 1) / page * page
        }
        view.section.dataFile.synchronizeViews(only: (view, start..<end))
        if tracing { record(.note("\(view.section.label): bytes \(start)..<\(end) of \(trace.name(of: UInt(bitPattern: view.base), "view")) flushed")) }
        return .success
    }

    /// A process's exit unmaps its views (the address space goes).
    func unmapViews(of process: SimProcess) {
        let exit = SourceLocation(file: "the exit of \(process.imageName) (pid 0x\(String(process.processID, radix: 16)))", line: 0)
        while let view = process.mappedViews.last { unmap(view, at: exit, by: "the process's exit") }
    }
}
