import CWin32
import IOKernel

/// The root of a path as pathcch.h's functions find it, without touching the file system.
///
/// The forms, as Wine's kernelbase path.c tests pin them (skiproot_tests, isroot_tests,
/// test_path_manipulation): a drive (`C:`, `C:\`); a single `\`; a UNC path `\\server\share\`
/// (the server ends at the next `\`; an empty share ends the root after the server's `\`;
/// otherwise the share's own `\` belongs to the root); and behind the `\\?\` prefix a drive,
/// `UNC\` followed by a UNC path, or `Volume{GUID}` with hexadecimal digits. Any other path
/// after `\\?` (`\\?\`, `\\?\UNC`, `\\?\TST\`, `\\?Q:\`) and every relative path have no root.
struct PathRoot {
    enum Kind {
        case drive
        case backslash
        /// A UNC path; `prefix` is where its server starts (2 for `\\`, 8 for `\\?\UNC\`).
        case unc(prefix: Int)
        case volume
    }

    let kind: Kind
    /// The offset just past the root (PathCchSkipRoot's answer).
    let end: Int

    private static let backslash: UInt16 = 0x5C

    init?(_ path: [UInt16]) {
        func at(_ index: Int) -> UInt16? { index < path.count ? path[index] : nil }
        func isDrive(_ index: Int) -> Bool {
            guard let letter = at(index), let colon = at(index + 1), colon == 0x3A else { return false }
            return (0x41...0x5A).contains(letter) || (0x61...0x7A).contains(letter)
        }
        func matches(_ text: String, at index: Int) -> Bool {
            let units = Array(text.utf16)
            guard index + units.count <= path.count else { return false }
            return zip(path[index..<index + units.count], units).allSatisfy { lowered($0) == lowered($1) }
        }
        func withSeparator(_ end: Int) -> Int { at(end) == Self.backslash ? end + 1 : end }

        if at(0) == Self.backslash, at(1) == Self.backslash, at(2) == 0x3F {
            guard at(3) == Self.backslash else { return nil }
            if isDrive(4) {
                self.init(kind: .drive, end: withSeparator(6))
            } else if matches(#"UNC\"#, at: 4) {
                self.init(kind: .unc(prefix: 8), end: Self.uncEnd(path, from: 8))
            } else if matches("Volume{", at: 4), Self.isGUID(path, from: 11), at(47) == 0x7D {
                self.init(kind: .volume, end: withSeparator(48))
            } else {
                return nil
            }
        } else if at(0) == Self.backslash, at(1) == Self.backslash {
            self.init(kind: .unc(prefix: 2), end: Self.uncEnd(path, from: 2))
        } else if at(0) == Self.backslash {
            self.init(kind: .backslash, end: 1)
        } else if isDrive(0) {
            self.init(kind: .drive, end: withSeparator(2))
        } else {
            return nil
        }
    }

    private init(kind: Kind, end: Int) {
        self.kind = kind
        self.end = end
    }

    /// Where a UNC root that starts at `start` (the server) ends.
    private static func uncEnd(_ path: [UInt16], from start: Int) -> Int {
        guard let server = path[start...].firstIndex(of: backslash) else { return path.count }
        let share = server + 1
        if share == path.count || path[share] == backslash { return share }
        guard let shareEnd = path[share...].firstIndex(of: backslash) else { return path.count }
        return shareEnd + 1
    }

    /// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` in hexadecimal digits at `start`.
    private static func isGUID(_ path: [UInt16], from start: Int) -> Bool {
        guard start + 36 <= path.count else { return false }
        for (offset, unit) in path[start..<start + 36].enumerated() {
            if [8, 13, 18, 23].contains(offset) {
                guard unit == 0x2D else { return false }
            } else {
                guard let scalar = Unicode.Scalar(unit), scalar.properties.isASCIIHexDigit else { return false }
            }
        }
        return true
    }

    /// The root without a UNC path's trailing `\` (which PathCchStripToRoot and
    /// PathCchRemoveFileSpec do not keep), unless the root is the bare prefix.
    func endWithoutUNCSeparator(in path: [UInt16]) -> Int {
        guard case .unc(let prefix) = kind, end > prefix, path[end - 1] == Self.backslash else { return end }
        return end - 1
    }

    /// Whether the whole path is this root (PathCchIsRoot): a drive, `\` or volume root ends in
    /// `\`; a UNC root is `\\server` or `\\server\share` without one (or the bare `\\`).
    func isWhole(_ path: [UInt16]) -> Bool {
        guard end == path.count, let last = path.last else { return false }
        if case .unc(let prefix) = kind { return last != Self.backslash || end == prefix }
        return last == Self.backslash
    }
}

private func lowered(_ unit: UInt16) -> UInt16 { (0x41...0x5A).contains(unit) ? unit + 0x20 : unit }

private let invalidArgument = HRESULT(bitPattern: 0x8007_0057)

/// The caller's path as UTF-16 units (without the terminator).
private func units(_ path: UnsafePointer<WCHAR>) -> [UInt16] {
    Array(UnsafeBufferPointer(start: path, count: terminatedLength(path)))
}

/// Whether a path is a root, as pathcch.h's `PathCchIsRoot` decides: `C:\`, `\`, `\\server`,
/// `\\server\share`, `\\?\C:\`, `\\?\UNC\server\share`, `\\?\Volume{GUID}\` (see ``PathRoot``);
/// not `C:`, `\a`, `\\server\` or `\\?\Volume{GUID}` without its `\` (Wine's isroot_tests,
/// where Microsoft's own examples are shown wrong). FALSE for NULL.
@discardableResult
public func PathCchIsRoot(_ pszPath: PCWSTR!) -> Bool {
    guard currentThread() != nil, let pszPath else { return false }
    let path = units(pszPath)
    return PathRoot(path)?.isWhole(path) ?? false
}

/// Whether a path is a root. The corresponding Win32 function is shlwapi's `PathIsRootW`, which
/// answers as ``PathCchIsRoot(_:)`` does for every path of Wine's test_path_manipulation.
@discardableResult
public func PathIsRootW(_ pszPath: LPCWSTR!) -> Bool { PathCchIsRoot(pszPath) }

/// Finds the end of a path's root. The corresponding Win32 function is `PathCchSkipRoot`
/// (pathcch.h): `S_OK` with `*ppszRootEnd` just past the root (`C:\a` → `a`, `\\a\b\c` → `c`),
/// `E_INVALIDARG` for a relative path, an unknown `\\?\` form, or a NULL argument (the out
/// pointer is then unchanged).
@discardableResult
public func PathCchSkipRoot(_ pszPath: PCWSTR!, _ ppszRootEnd: UnsafeMutablePointer<PCWSTR?>!) -> HRESULT {
    return withCurrentThread(failure: invalidArgument) { (thread: borrowing SimThread) in
        guard let pszPath, let ppszRootEnd else { return invalidArgument }
        guard let root = PathRoot(units(pszPath)) else { return invalidArgument }
        thread.store(pszPath + root.end, into: ppszRootEnd, call: "PathCchSkipRoot")
        return S_OK
    }
}

/// Cuts a path to its root in place. The corresponding Win32 function is `PathCchStripToRoot`
/// (pathcch.h): `S_OK` when it cut (`C:\a\b` → `C:\`, `\\a\b\c` → `\\a\b`), `S_FALSE` when the
/// path was its root already, `E_INVALIDARG` for a path without a root, NULL, a size of 0 or
/// more than `PATHCCH_MAX_CCH`, or a size too small for the root and its terminator (the path
/// itself may be longer than the size: Windows reads on to its terminator).
@discardableResult
public func PathCchStripToRoot(_ pszPath: PWSTR!, _ cchPath: Int) -> HRESULT {
    return withCurrentThread(failure: invalidArgument) { (thread: borrowing SimThread) in
        guard let pszPath, cchPath > 0, cchPath <= Int(PATHCCH_MAX_CCH) else {
            return invalidArgument
        }
        let path = units(pszPath)
        guard let root = PathRoot(path) else { return invalidArgument }
        return truncate(pszPath, path, at: root.endWithoutUNCSeparator(in: path), size: cchPath, thread, "PathCchStripToRoot")
    }
}

/// Removes a path's last element in place. The corresponding Win32 function is
/// `PathCchRemoveFileSpec` (pathcch.h), as Wine's removefilespec_tests show it: the element
/// after the last `\` goes with that `\` (and one `\` doubled before it: `C:\a\\b` → `C:\a`),
/// never the root (`C:\a` → `C:\`, `a` → empty, `\\a\b\` → `\\a\b`); a root is `S_FALSE`,
/// as is a path with nothing to remove (`C:`). `E_INVALIDARG` for NULL, a size of 0 or more than
/// `PATHCCH_MAX_CCH`, or a size too small for the result and its terminator.
@discardableResult
public func PathCchRemoveFileSpec(_ pszPath: PWSTR!, _ cchPath: Int) -> HRESULT {
    return withCurrentThread(failure: invalidArgument) { (thread: borrowing SimThread) in
        guard let pszPath, cchPath > 0, cchPath <= Int(PATHCCH_MAX_CCH) else {
            return invalidArgument
        }
        let path = units(pszPath)
        let root = PathRoot(path)
        if root?.isWhole(path) == true { return S_FALSE }
        let rootEnd = root?.endWithoutUNCSeparator(in: path) ?? 0
        var end = rootEnd
        if let separator = path[rootEnd...].lastIndex(of: 0x5C) {
            end = separator
            if end - 1 >= rootEnd, path[end - 1] == 0x5C { end -= 1 }
        }
        return truncate(pszPath, path, at: end, size: cchPath, thread, "PathCchRemoveFileSpec")
    }
}

/// Ends the caller's path at `end`: `S_FALSE` if that is where it ends already, `E_INVALIDARG`
/// when the result and its terminator do not fit `size`.
private func truncate(_ buffer: PWSTR, _ path: [UInt16], at end: Int, size: Int, _ thread: SimThread,
                      _ call: StaticString) -> HRESULT
{
    guard end < path.count else { return S_FALSE }
    guard end + 1 <= size, thread.writeToCaller([WCHAR(0)], at: UnsafeMutableRawPointer(buffer + end), call: call) else {
        return invalidArgument
    }
    return S_OK
}
