/// The name and message of every system error code (0–15999), read from the table that
/// scripts/generate-winerror.py generates from Microsoft's published lists
/// (Generated/SystemErrorText.swift). `win32ErrorName` and `FormatMessage` look codes up here.
enum SystemErrorTable {
    struct Entry: Sendable {
        /// The winerror.h name, `ERROR_FILE_NOT_FOUND`.
        let name: String
        /// The text FormatMessage gives with FORMAT_MESSAGE_FROM_SYSTEM, without its line end.
        let message: String
    }

    /// Parsed once, at first use (a global `let` is initialised lazily and exactly once).
    static let entries: [UInt32: Entry] = {
        var entries: [UInt32: Entry] = [:]
        entries.reserveCapacity(3000)
        for line in systemErrorTableText.split(separator: "\n") {
            let fields = line.split(separator: "\t", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3, let value = UInt32(fields[0]) else { continue }
            entries[value] = Entry(name: String(fields[1]), message: String(fields[2]))
        }
        return entries
    }()

    static func entry(_ code: DWORD) -> Entry? { entries[code] }
}
