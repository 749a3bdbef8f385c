/// What the memory manager knows of one file's data while sections over it exist (NT's
/// `SECTION_OBJECT_POINTERS` and the control area behind them): the sections, which limit
/// truncation, and the views mapped in any process, which it keeps coherent with the file.
///
/// **Coherence.** On Windows a view and the cache manager map the same physical pages, so a
/// store through a view is in the file at once for `ReadFile`, and a `WriteFile` shows in every
/// view. Here a view is a block of the simulator's own memory holding a copy of its range, and
/// the kernel makes the copies agree where another party could look, and only there:
/// - before the file system reads the file's data (a read, a copy, an inspection with
///   `Simulation.fileSystem`) or changes it: the bytes a shared writable view changed since it
///   last agreed with the file are written to the file (``DiskFile/contents``) and into the
///   other views;
/// - after the file system changed the data: the bytes it changed (a write's range, a new
///   size's) are written into every view that shows them;
/// - at `MapViewOfFile`, `FlushViewOfFile` and `UnmapViewOfFile`;
/// - when threads switch, for a file with two views or more (``Kernel/synchronizeMappedViews()``):
///   another view is the only place a store shows without a file-system call; and for a file
///   with a read-only view, so that a store into it is found at the end of the time slice of
///   the thread that made it;
/// - when ``Simulation/run(_:)`` returns to its caller, for every view still mapped
///   (``Kernel/synchronizeAllMappedViews()``).
/// A view nobody stored into costs one `memcmp` of its bytes at each such point, and what
/// follows is proportional to what changed. What differs from Windows: two views of the same
/// bytes in one thread agree only after that thread's next such point, and a store into a
/// read-only view (an access violation on Windows, at the store) is found at the next such
/// point, reported (``MemoryViolation/Kind/wroteReadOnlyMemory``) with the thread that ran up
/// to it, and undone. A copy-on-write view (`FILE_MAP_COPY`) is a private copy from the moment
/// it is mapped.
final class FileDataSection {
    /// The sections over the file that still exist.
    @exclusivity(unchecked) var sections: [WeakSection] = []
    /// The views mapped, in mapping order. Each is also in its process's view list, which owns it.
    @exclusivity(unchecked) var views: [WeakView] = []
    /// The kernel, for the report of a store into a read-only view.
    weak var kernel: Kernel?

    /// The largest size of a section still alive: the file may not be truncated below it
    /// (`STATUS_USER_MAPPED_FILE`; SetEndOfFile: "UnmapViewOfFile must be called first to unmap
    /// all views and call CloseHandle to close the file mapping object before you can call
    /// SetEndOfFile").
    var mappedSize: UInt64 { sections.compactMap { $0.section?.size }.max() ?? 0 }

    /// How many views show the file's pages (not copy-on-write ones).
    var sharedViewCount: Int { views.reduce(0) { $0 + ($1.view?.isShared == true ? 1 : 0) } }

    /// Whether a read-only view shows the file's pages: the program may not store into it, and
    /// a store is looked for at every thread switch, so that the violation names the thread.
    var hasReadOnlyView: Bool { views.contains { $0.view.map { $0.isShared && !$0.isWritable } ?? false } }

    /// Takes in what the shared views stored since they last agreed with the file: a writable
    /// view's changed bytes go into `contents` and then into the other views; a read-only view's
    /// are reported and undone. `only` limits the taking in to one view's byte range (a
    /// `FlushViewOfFile`). The caller is the file the section belongs to.
    func synchronize(_ contents: inout FileContents, only: (view: MappedView, range: Range<Int>)? = nil) {
        views.removeAll { $0.view == nil }
        guard !views.isEmpty else { return }
        var changed: [Range<UInt64>] = []
        for entry in views {
            guard let view = entry.view, view.isShared else { continue }
            if let only, only.view !== view { continue }
            if view.isWritable {
                kernel?.sections.bytesCompared += only?.range.count ?? view.backedCount(fileSize: contents.size)
                changed += view.collect(into: &contents, within: only?.range)
            } else {
                kernel?.sections.bytesCompared += view.size
                let undone = view.undoStores()
                if let first = undone.first, let kernel { kernel.reportReadOnlyStores(undone, into: view, first: first) }
            }
        }
        for range in changed { publish(contents, range) }
    }

    /// Writes the file's bytes in `range` into every shared view that shows them (after the file
    /// system or a view changed them).
    func publish(_ contents: FileContents, _ range: Range<UInt64>) {
        guard !range.isEmpty else { return }
        for entry in views {
            guard let view = entry.view, view.isShared else { continue }
            let written = view.refresh(range, from: contents)
            kernel?.sections.bytesRefreshed += written
        }
    }

    /// Writes the file's bytes into every shared view, whole (after a change whose range is not
    /// known: the data replaced by a copy or an inspection).
    func publishAll(_ contents: FileContents) {
        for entry in views {
            guard let view = entry.view, view.isShared else { continue }
            view.fill(from: contents)
        }
    }
}

extension FileDataSection {
    /// The file this is the data of, found through a section or a view over it.
    var file: DiskFile? {
        sections.lazy.compactMap(\.section).first?.dataFile ?? views.lazy.compactMap(\.view).first?.section.dataFile
    }
}

/// A view a file's data section knows of, without keeping it alive.
struct WeakView {
    weak var view: MappedView?
    init(_ view: MappedView) { self.view = view }
}

extension DiskFile {
    /// The file's data section, made when the first section over it is created.
    func dataSectionCreated(kernel: Kernel) -> FileDataSection {
        if let dataSection { return dataSection }
        let made = FileDataSection()
        made.kernel = kernel
        dataSection = made
        return made
    }
}

extension Kernel {
    /// Makes the views of every file with two shared views or more agree (``FileDataSection``):
    /// what a thread stored through one view is seen in the others by the next thread to run,
    /// in any process. A file with one writable view needs nothing here: the file system takes
    /// in its stores when it next reads the file. A file with a read-only view is compared too:
    /// a store into that view is reported with the thread that ran until this switch (the
    /// scheduler calls this before it makes the next thread current), which is the thread that
    /// made it. Called when threads switch; costs nothing while no view is mapped.
    func synchronizeMappedViews() {
        sections.mapped.removeAll { $0.views.allSatisfy { $0.view == nil } }
        for data in sections.mapped where data.sharedViewCount > 1 || data.hasReadOnlyView {
            data.file?.synchronizeViews()
        }
    }

    /// Makes every mapped view agree with its file, as a thread switch would for all of them:
    /// when ``Simulation/run(_:)`` returns to its caller, so that a store into a read-only view
    /// still mapped then is reported (with the thread that ran last) and not lost.
    func synchronizeAllMappedViews() {
        sections.mapped.removeAll { $0.views.allSatisfy { $0.view == nil } }
        for data in sections.mapped { data.file?.synchronizeViews() }
    }

    /// The program stored into a read-only view: an access violation on Windows ("An attempt to
    /// write to the committed region results in an access violation", `PAGE_READONLY`); here it
    /// is found where the view is next compared with its file, and undone.
    func reportReadOnlyStores(_ runs: [Range<Int>], into view: MappedView, first: Range<Int>) {
        let address = UInt(bitPattern: view.base) + UInt(first.lowerBound)
        let bytes = runs.reduce(0) { $0 + $1.count }
        violation(.wroteReadOnlyMemory, irp: nil, block: view.block, address: address,
                  "the program stored \(bytes) byte\(bytes == 1 ? "" : "s") into \(memory.label(view.block)), mapped read-only "
                      + "(an access violation on Windows): undone")
    }

    /// `STATUS_USER_MAPPED_FILE` if a section over `file` would be left larger than `newSize`.
    func userMappedFileStatus(_ file: DiskFile, truncatingTo newSize: UInt64) -> NTStatus? {
        guard let data = file.dataSection, newSize < data.mappedSize else { return nil }
        return .userMappedFile
    }
}
