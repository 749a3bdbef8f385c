/// A file or a directory on the simulated volume: its name in its parent directory, its data
/// (files) or entries (directories), its attributes and times, and the opens that share it.
///
/// It stays in its directory while handles are open after a delete (`deletePending`), and
/// leaves the namespace when the last one is cleaned up, as NTFS's file control block does.
final class DiskFile {
    /// The full canonical path (`C:\data\a.txt`), case as created; updated when it or a
    /// directory above it is renamed.
    @exclusivity(unchecked) var path: String
    let isDirectory: Bool
    /// The directory holding it, nil for a root and once it has left the namespace.
    @exclusivity(unchecked) weak var parent: DiskFile?
    /// A directory's entries, by lower-cased name. Only looked up; listings sort the names.
    @exclusivity(unchecked) var entries: [String: DiskFile] = [:]
    /// The file's data. While views of it are mapped (``FileDataSection``), reading it first
    /// takes in what the views stored, and changing it shows the change in them (all of each
    /// view: ``write(_:at:)`` and ``setSize(_:)`` show only what they changed).
    var contents: FileContents {
        _read {
            if let dataSection { dataSection.synchronize(&storedContents) }
            yield storedContents
        }
        _modify {
            if let dataSection { dataSection.synchronize(&storedContents) }
            yield &storedContents
            if let dataSection { dataSection.publishAll(storedContents) }
        }
    }

    /// The data's size, without looking at the views: a store through a view never changes it.
    var dataSize: UInt64 { storedContents.size }

    /// Writes `bytes` at `offset` (a `WriteFile`): the views take in their stores first, and
    /// then show the bytes written, and only those.
    func write(_ bytes: ArraySlice<UInt8>, at offset: UInt64) {
        guard let dataSection else { return storedContents.write(bytes, at: offset) }
        dataSection.synchronize(&storedContents)
        storedContents.write(bytes, at: offset)
        dataSection.publish(storedContents, offset ..< offset + UInt64(bytes.count))
    }

    /// Makes the data `newSize` bytes long (`SetEndOfFile`, a mapping that extends the file):
    /// the views show the bytes between the old and the new end (zeros either way).
    func setSize(_ newSize: UInt64) {
        guard let dataSection else { return storedContents.setSize(newSize) }
        dataSection.synchronize(&storedContents)
        let old = storedContents.size
        storedContents.setSize(newSize)
        dataSection.publish(storedContents, min(old, newSize) ..< max(old, newSize))
    }
    @exclusivity(unchecked) private var storedContents = FileContents()
    /// The sections and views over the file's data, once a section has been created over it.
    @exclusivity(unchecked) var dataSection: FileDataSection?
    /// The opens not yet cleaned up, for share checks.
    @exclusivity(unchecked) var opens: [DiskOpen] = []
    @exclusivity(unchecked) var deletePending = false
    /// A symbolic link's or a mount point's reparse data (``ReparsePoint``), nil for an
    /// ordinary file or directory.
    @exclusivity(unchecked) var reparsePoint: ReparsePoint?
    /// The byte-range locks granted on it (`LockFileEx`), oldest first.
    @exclusivity(unchecked) var locks: [ByteRangeLock] = []
    /// `FILE_ATTRIBUTE_*` other than `DIRECTORY`, which ``attributes`` adds: `ARCHIVE` for a
    /// new file, as NTFS sets it.
    @exclusivity(unchecked) var storedAttributes: UInt32
    /// The four NTFS times, as `FILETIME` values (100 ns units since 1601).
    @exclusivity(unchecked) var creationTime: UInt64
    @exclusivity(unchecked) var lastAccessTime: UInt64
    @exclusivity(unchecked) var lastWriteTime: UInt64
    @exclusivity(unchecked) var changeTime: UInt64
    /// `FileInternalInformation.IndexNumber`: unique on the volume, never reused.
    let fileIndex: UInt64

    init(path: String, isDirectory: Bool, fileIndex: UInt64, time: UInt64) {
        self.path = path
        self.isDirectory = isDirectory
        self.fileIndex = fileIndex
        storedAttributes = isDirectory ? 0 : DiskFile.attributeArchive
        creationTime = time
        lastAccessTime = time
        lastWriteTime = time
        changeTime = time
    }

    static let attributeDirectory: UInt32 = 0x10
    static let attributeArchive: UInt32 = 0x20
    static let attributeNormal: UInt32 = 0x80
    static let attributeReparsePoint: UInt32 = 0x400

    /// `FILE_ATTRIBUTE_*` as `GetFileAttributes` reports them: `DIRECTORY` for a directory,
    /// `NORMAL` for a file with no other attribute.
    var attributes: UInt32 {
        let value = storedAttributes | (isDirectory ? DiskFile.attributeDirectory : 0)
            | (reparsePoint == nil ? 0 : DiskFile.attributeReparsePoint)
        return value == 0 ? DiskFile.attributeNormal : value
    }

    /// The name in its directory (`a.txt`).
    var name: String { VolumePath.leafName(of: path) }

    /// The size, 0 for a directory.
    var size: UInt64 { isDirectory ? 0 : dataSize }

    /// A directory's entries, sorted as NTFS's index orders them (case-insensitively).
    var sortedEntries: [DiskFile] {
        entries.sorted { $0.key < $1.key }.map(\.value)
    }

    /// Sets the path of this entry and of everything below it (after a rename).
    func rename(to newPath: String) {
        let old = path
        path = newPath
        guard isDirectory else { return }
        for entry in entries.values {
            if let relative = VolumePath.relative(entry.path, to: old) {
                entry.rename(to: newPath + "\\" + relative)
            }
        }
    }

    /// Makes the file's mapped views and its data agree (``FileDataSection``); with `only`, takes
    /// in one view's stores in a range of it (`FlushViewOfFile`).
    func synchronizeViews(only: (view: MappedView, range: Range<Int>)? = nil) {
        dataSection?.synchronize(&storedContents, only: only)
    }

    /// Whether `ancestor` is this entry or a directory above it.
    func isInside(_ ancestor: DiskFile) -> Bool {
        var node: DiskFile? = self
        while let current = node {
            if current === ancestor { return true }
            node = current.parent
        }
        return false
    }
}
