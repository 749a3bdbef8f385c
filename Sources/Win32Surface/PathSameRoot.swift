import IOKernel

// shlwapi's PathIsSameRootW, as swift-foundation's FileManager asks whether a move stays on one
// volume.

/// Whether two paths have the same root. The corresponding Win32 function is shlwapi's
/// `PathIsSameRootW`, which compares the first path's root (shlwapi's `PathSkipRoot`: `X:\`, or
/// `\\` then everything up to and including the second `\` after it, which covers
/// `\\server\share\` and `\\?\C:\`) with the part the two paths have in common, component by
/// component, case-insensitively (`PathCommonPrefix`). FALSE for NULL, for a first path without
/// such a root (`C:`, `\`, a relative path, `\\server\share` with nothing after the share, as
/// Microsoft documents), and for roots that differ (`C:\` and `D:\`, `\\?\C:\` and `\\?\D:\`).
@discardableResult
public func PathIsSameRootW(_ pszPath1: LPCWSTR!, _ pszPath2: LPCWSTR!) -> Bool {
    guard currentThread() != nil, let pszPath1, let pszPath2 else { return false }
    let first = Array(UnsafeBufferPointer(start: pszPath1, count: terminatedLength(pszPath1)))
    let second = Array(UnsafeBufferPointer(start: pszPath2, count: terminatedLength(pszPath2)))
    guard let rootEnd = shellRootEnd(first) else { return false }
    return rootEnd <= commonPrefixLength(first, second) + 1
}

private let backslash: UInt16 = 0x5C

/// Where shlwapi's `PathSkipRoot` puts the end of a path's root, or nil for none.
private func shellRootEnd(_ path: [UInt16]) -> Int? {
    if path.count >= 2, path[0] == backslash, path[1] == backslash {
        guard let serverEnd = path[2...].firstIndex(of: backslash),
              let shareEnd = path[(serverEnd + 1)...].firstIndex(of: backslash)
        else { return nil }
        return shareEnd + 1
    }
    if path.count >= 3, path[1] == 0x3A, path[2] == backslash { return 3 }
    return nil
}

/// The length of the leading components two paths share, as shlwapi's `PathCommonPrefix`
/// counts it: up to the last point where both are at a `\` or at their end, comparing
/// case-insensitively; a UNC path (`\\` not followed by `?`) shares nothing with a path that is
/// not one; a result of 2 (`C:` in common) counts the `\` after it too.
private func commonPrefixLength(_ first: [UInt16], _ second: [UInt16]) -> Int {
    func isUNC(_ path: [UInt16]) -> Bool { path.count >= 3 && path[0] == backslash && path[1] == backslash && path[2] != 0x3F }
    var index = 0
    if isUNC(first) {
        guard isUNC(second) else { return 0 }
        index = 2
    }
    func unit(_ path: [UInt16], _ at: Int) -> UInt16 { at < path.count ? path[at] : 0 }
    func lowered(_ unit: UInt16) -> UInt16 { (0x41...0x5A).contains(unit) ? unit + 0x20 : unit }
    var length = 0
    while true {
        let a = unit(first, index), b = unit(second, index)
        if (a == 0 || a == backslash) && (b == 0 || b == backslash) { length = index }
        if a == 0 || lowered(a) != lowered(b) { break }
        index += 1
    }
    return length == 2 ? 3 : length
}
