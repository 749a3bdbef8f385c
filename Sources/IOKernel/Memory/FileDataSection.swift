/// What the memory manager knows of one file's data while sections over it exist (NT's
/// `SECTION_OBJECT_POINTERS` and the control area behind them): the sections, which limit
/// truncation, and the views mapped in any process, which it keeps coherent with the file.
///
/// **Coherence.** On Windows a view and the cache manager map the same physical pages, so a
/// store through a view is in the file at once for `ReadFile`, and a `WriteFile` shows in every
/// view. Here a view is a block of the simulator's own memory holding a copy of its range, and
/// the kernel makes the copies agree wherever another party could look:
/// - before the file system touches the file's data (a read, a write, a truncation, a copy, an
///   inspection with `Simulation.fileSystem`): the bytes a shared writable view changed are
///   written to the file (``DiskFile/contents``);
/// - after it changed the data: the new bytes are written into every view;
/// - when threads switch (``Kernel/synchronizeMappedViews()``), and at `MapViewOfFile`,
///   `FlushViewOfFile` and `UnmapViewOfFile`: both.
/// So every other thread, process and file-system call sees a view's stores as Windows shows
/// them. What differs: two views of the same bytes in one thread agree only after that thread's
/// next such point, and a store into a read-only view (an access violation on Windows) is
/// undone at the next one. A copy-on-write view (`FILE_MAP_COPY`) is a private copy from the
/// moment it is mapped.
final class FileDataSection {
    /// The sections over the file that still exist.
    @exclusivity(unchecked) var sections: [WeakSection] = []
    /// The views mapped, in mapping order. Each is also in its process's view list, which owns it.
    @exclusivity(unchecked) var views: [WeakView] = []

    /// The largest size of a section still alive: the file may not be truncated below it
    /// (`STATUS_USER_MAPPED_FILE`; SetEndOfFile: "UnmapViewOfFile must be called first to unmap
    /// all views and call CloseHandle to close the file mapping object before you can call
    /// SetEndOfFile").
    var mappedSize: UInt64 { sections.compactMap { $0.section?.size }.max() ?? 0 }

    /// Writes into `contents` what the shared writable views changed (the bytes that differ from
    /// the file), view after view, then the file's bytes into every shared view. The caller is
    /// the file the section belongs to.
    func synchronize(_ contents: inout FileContents) {
        views.removeAll { $0.view == nil }
        guard !views.isEmpty else { return }
        for entry in views {
            guard let view = entry.view, view.isShared, view.isWritable else { continue }
            view.collect(into: &contents)
        }
        publish(contents)
    }

    /// Writes the file's bytes into every shared view (after the file system changed them).
    func publish(_ contents: FileContents) {
        for entry in views {
            guard let view = entry.view, view.isShared else { continue }
            view.fill(from: contents)
        }
    }
}

/// A view a file's data section knows of, without keeping it alive.
struct WeakView {
    weak var view: MappedView?
    init(_ view: MappedView) { self.view = view }
}

extension DiskFile {
    /// The file's data section, made when the first section over it is created.
    func dataSectionCreated() -> FileDataSection {
        if let dataSection { return dataSection }
        let made = FileDataSection()
        dataSection = made
        return made
    }
}

extension Kernel {
    /// Makes every mapped view agree with its file (``FileDataSection``): what a thread stored
    /// through a view is seen by the next thread to run, in any process. Called when threads
    /// switch; costs nothing while no view is mapped.
    func synchronizeMappedViews() {
        sections.mapped.removeAll { $0.views.allSatisfy { $0.view == nil } }
        for data in sections.mapped {
            guard let file = data.sections.lazy.compactMap(\.section).first?.dataFile
                ?? data.views.lazy.compactMap(\.view).first?.section.dataFile
            else { continue }
            file.synchronizeViews()
        }
    }

    /// `STATUS_USER_MAPPED_FILE` if a section over `file` would be left larger than `newSize`.
    func userMappedFileStatus(_ file: DiskFile, truncatingTo newSize: UInt64) -> NTStatus? {
        guard let data = file.dataSection, newSize < data.mappedSize else { return nil }
        return .userMappedFile
    }
}
