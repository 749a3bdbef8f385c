/// Paths on the simulated volume, in the canonical form the volume keys its names by
/// (`C:\data\a.txt`: drive letter upper-cased, `\` separators, no trailing separator), as
/// `RtlGetFullPathName_U` and `RtlDosPathNameToNtPathName_U` make them.
enum VolumePath {
    /// The root of the volume.
    static let root = #"C:\"#

    /// The canonical form of `path`, or nil for a path that names nothing on the volume: a
    /// device or network path (`\\.\x`, `\\server\share`), an empty path. `/` is a separator;
    /// `\\?\` and `\??\` are stripped; `.` and `..` are resolved (`..` stops at the root); a
    /// relative path is relative to `currentDirectory`, a path starting with `\` to its drive.
    /// The root itself is `C:\`.
    static func normalized(_ path: String, currentDirectory: String = root) -> String? {
        var text = String(path.map { $0 == "/" ? "\\" : $0 })
        if text.hasPrefix(#"\\?\"#) || text.hasPrefix(#"\??\"#) { text.removeFirst(4) }
        guard !text.isEmpty, !text.hasPrefix(#"\\"#) else { return nil }
        var drive: Character = currentDirectory.first ?? "C"
        var rest = Substring(text)
        var components: [Substring] = []
        let characters = Array(text.prefix(2))
        if characters.count == 2, characters[1] == ":" {
            guard characters[0].isASCII, characters[0].isLetter else { return nil }
            drive = Character(characters[0].uppercased())
            rest = text.dropFirst(2)
        } else if !text.hasPrefix("\\") {
            // Relative: start from the current directory's components.
            components = currentDirectory.dropFirst(3).split(separator: "\\")
        }
        for component in rest.split(separator: "\\", omittingEmptySubsequences: true) {
            if component == "." { continue }
            if component == ".." {
                if !components.isEmpty { components.removeLast() }
                continue
            }
            components.append(component)
        }
        return "\(drive):\\" + components.joined(separator: "\\")
    }

    /// Whether a canonical path is a drive root (`C:\`).
    static func isRoot(_ path: String) -> Bool { path.count == 3 && path.hasSuffix(":\\") }

    /// The directory holding `path`, nil for a root.
    static func parent(of path: String) -> String? {
        guard !isRoot(path), let separator = path.lastIndex(of: "\\") else { return nil }
        let parent = String(path[..<separator])
        return parent.count == 2 ? parent + "\\" : parent
    }

    /// The last component of `path` (`a.txt`), empty for a root.
    static func leafName(of path: String) -> String {
        guard !isRoot(path), let separator = path.lastIndex(of: "\\") else { return "" }
        return String(path[path.index(after: separator)...])
    }

    /// `path` relative to `directory` (`sub\a.txt`), or nil if it is not inside it. Compared
    /// case-insensitively, as the volume's names are.
    static func relative(_ path: String, to directory: String) -> String? {
        let prefix = isRoot(directory) ? directory : directory + "\\"
        guard path.count > prefix.count, path.lowercased().hasPrefix(prefix.lowercased()) else { return nil }
        return String(path.dropFirst(prefix.count))
    }

    /// The key a name is looked up by: the volume is case-insensitive and case-preserving.
    static func key(_ path: String) -> String { path.lowercased() }
}
