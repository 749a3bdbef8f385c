/// The bytes of a file on the simulated volume, stored sparsely: in pages of ``pageSize``
/// bytes, of which only the pages something was written to exist. A page never written reads
/// as zeros, as the unwritten ranges of a file do on NTFS (a hole of a sparse file, or the
/// zeroed range between the old end of the file and a write beyond it).
///
/// So host memory is bounded by what the scenario wrote, not by the file's size: a 1-byte write
/// at offset 0x3FFFFFFF makes a 1 GiB file that holds one page (issue 10, finding 6).
struct FileContents {
    /// The size of a page: the allocation unit of the in-memory volume.
    static let pageSize = 4096

    /// The file's size (`FileStandardInformation.EndOfFile`).
    private(set) var size: UInt64 = 0
    /// The pages written, by page number. Only looked up; never iterated in a way that
    /// depends on its order.
    private var pages: [UInt64: [UInt8]] = [:]

    init() {}

    init(_ bytes: [UInt8]) { write(bytes[...], at: 0) }

    /// How many bytes of host memory the file's pages take.
    var storedBytes: Int { pages.count * Self.pageSize }

    /// A page never written: what a hole reads as, shared by every read of one.
    private static let zeroPage = [UInt8](repeating: 0, count: pageSize)

    /// The bytes of `offset ..< offset + count`, clipped to the end of the file. A read within
    /// one page is a slice of that page, with no copy (the common 4 KiB aligned read); a longer
    /// one is assembled page by page.
    func read(at offset: UInt64, count: Int) -> ArraySlice<UInt8> {
        guard offset < size, count > 0 else { return [] }
        let end = min(size, offset + UInt64(count))
        let page = offset / UInt64(Self.pageSize)
        let inPage = Int(offset % UInt64(Self.pageSize))
        if end - offset <= UInt64(Self.pageSize - inPage) {
            return (pages[page] ?? Self.zeroPage)[inPage..<inPage + Int(end - offset)]
        }
        var result: [UInt8] = []
        result.reserveCapacity(Int(end - offset))
        var position = offset
        while position < end {
            let page = position / UInt64(Self.pageSize)
            let inPage = Int(position % UInt64(Self.pageSize))
            let chunk = min(Self.pageSize - inPage, Int(end - position))
            result.append(contentsOf: (pages[page] ?? Self.zeroPage)[inPage..<inPage + chunk])
            position += UInt64(chunk)
        }
        return result[...]
    }

    /// Writes `bytes` at `offset`, extending the file (the gap reads as zeros).
    mutating func write(_ bytes: ArraySlice<UInt8>, at offset: UInt64) {
        guard !bytes.isEmpty else { return }
        var source = bytes.startIndex
        var position = offset
        while source < bytes.endIndex {
            let page = position / UInt64(Self.pageSize)
            let inPage = Int(position % UInt64(Self.pageSize))
            let chunk = min(Self.pageSize - inPage, bytes.endIndex - source)
            // Mutated in place (a copy only while a read's slice still shares the page).
            pages[page, default: Self.zeroPage].replaceSubrange(inPage..<inPage + chunk, with: bytes[source..<source + chunk])
            source += chunk
            position += UInt64(chunk)
        }
        size = max(size, position)
    }

    /// Truncates or extends the file to `newSize` (`FileEndOfFileInformation`). Truncating
    /// drops the pages past the end and zeroes the tail of the last one, so that extending
    /// again reads zeros.
    mutating func setSize(_ newSize: UInt64) {
        if newSize < size {
            let firstDropped = (newSize + UInt64(Self.pageSize) - 1) / UInt64(Self.pageSize)
            let lastStored = (size - 1) / UInt64(Self.pageSize)
            if firstDropped <= lastStored {
                // Few pages are stored compared with the range for a sparse file: remove by key.
                for page in pages.keys.filter({ $0 >= firstDropped }) { pages[page] = nil }
            }
            let inPage = Int(newSize % UInt64(Self.pageSize))
            let page = newSize / UInt64(Self.pageSize)
            if inPage != 0, var stored = pages.removeValue(forKey: page) {
                stored.replaceSubrange(inPage..<Self.pageSize, with: repeatElement(0, count: Self.pageSize - inPage))
                pages[page] = stored
            }
        }
        size = newSize
    }

    /// The whole file, materialised: for tests' inspection of small files.
    var bytes: [UInt8] { Array(read(at: 0, count: Int(clamping: size))) }
}
