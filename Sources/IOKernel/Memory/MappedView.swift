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
    private func backedCount(in contents: FileContents) -> Int {
        guard contents.size > offset else { return 0 }
        return Int(min(UInt64(size), contents.size - offset))
    }

    /// Writes into `contents` what the program stored through the view since the kernel last
    /// made it agree with the file: the runs of bytes that differ from ``agreed``, so that two
    /// views storing into different bytes of one page both reach the file.
    func collect(into contents: inout FileContents) {
        let count = backedCount(in: contents)
        let page = SectionTable.pageSize
        agreed.withUnsafeMutableBytes { agreed in
            var pageStart = 0
            while pageStart < count {
                let pageEnd = min(pageStart + page, count)
                let mine = UnsafeRawBufferPointer(start: base + pageStart, count: pageEnd - pageStart)
                defer { pageStart = pageEnd }
                if mine.elementsEqual(UnsafeRawBufferPointer(rebasing: agreed[pageStart..<pageEnd])) { continue }
                var position = pageStart
                while position < pageEnd {
                    guard base.load(fromByteOffset: position, as: UInt8.self) != agreed[position] else {
                        position += 1
                        continue
                    }
                    var end = position + 1
                    while end < pageEnd, base.load(fromByteOffset: end, as: UInt8.self) != agreed[end] { end += 1 }
                    let run = UnsafeRawBufferPointer(start: base + position, count: end - position)
                    contents.write(ArraySlice(run), at: offset + UInt64(position))
                    UnsafeMutableRawBufferPointer(rebasing: agreed[position..<end]).copyMemory(from: run)
                    position = end
                }
            }
        }
    }

    /// Writes the file's bytes into the view (and zeros past the end of the file).
    func fill(from contents: FileContents) {
        let count = backedCount(in: contents)
        var position = 0
        let page = SectionTable.pageSize
        while position < count {
            let chunk = min(page - position % page, count - position)
            let file = contents.read(at: offset + UInt64(position), count: chunk)
            file.withUnsafeBytes { bytes in
                if let source = bytes.baseAddress { (base + position).copyMemory(from: source, byteCount: chunk) }
            }
            position += chunk
        }
        if count < size { (base + count).initializeMemory(as: UInt8.self, repeating: 0, count: size - count) }
        agreed.withUnsafeMutableBytes { $0.copyMemory(from: UnsafeRawBufferPointer(start: base, count: size)) }
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
        reference(section, by: "view")
        let data = file.dataSectionCreated()
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
    /// `address` (0: to the end of the view) reach the file. The file is the cache here, so
    /// there is nothing further to write back. `STATUS_NOT_MAPPED_VIEW` outside every view.
    package func ntFlushViewOfSection(address: UInt, count: Int) -> NTStatus {
        guard let view = mappedView(containing: address) else { return .notMappedView }
        // Every view's stores are taken in whenever the file is touched, so the range asked for
        // is flushed with the rest.
        view.section.dataFile.synchronizeViews()
        return .success
    }

    /// A process's exit unmaps its views (the address space goes).
    func unmapViews(of process: SimProcess) {
        let exit = SourceLocation(file: "the exit of \(process.imageName) (pid 0x\(String(process.processID, radix: 16)))", line: 0)
        while let view = process.mappedViews.last { unmap(view, at: exit, by: "the process's exit") }
    }
}
