#if !os(Windows)
import IOKernel
import Win32Surface

// sys/stat.h of the Universal CRT: `struct stat` and `struct _stat64` with the CRT's field types
// (Windows' 32-bit `_off_t` in `stat`, 64-bit times), the `_S_IF*` file types, and `_wstat64`,
// `fstat` and `_fstat64` over the simulated volume and the CRT's descriptors. The structures are
// Swift, since a C `struct stat` cannot sit beside Glibc's in one Clang context; and since one
// Swift module cannot declare a type and a function of the same name, the functions `stat` and
// `_stat64` are the CRT module's (CRT/FileStatusFunctions.swift).

/// `_dev_t`: a drive number.
public typealias _dev_t = UInt32
/// `_ino_t`: an inode number, which Windows' file systems do not have (always 0).
public typealias _ino_t = UInt16
/// `__time64_t`: seconds since 1970-01-01 00:00:00 UTC, what `time_t` is on Windows.
public typealias __time64_t = Int64

/// `struct stat` (the CRT's `_stat64i32`): a 32-bit size (`_off_t`) and 64-bit times.
public struct stat {
    public var st_dev: _dev_t
    public var st_ino: _ino_t
    public var st_mode: UInt16
    public var st_nlink: Int16
    public var st_uid: Int16
    public var st_gid: Int16
    public var st_rdev: _dev_t
    public var st_size: _off_t
    public var st_atime: __time64_t
    public var st_mtime: __time64_t
    public var st_ctime: __time64_t

    /// All zeros, as Swift imports a C structure's `init()`.
    public init() {
        self.init(st_dev: 0, st_ino: 0, st_mode: 0, st_nlink: 0, st_uid: 0, st_gid: 0, st_rdev: 0, st_size: 0, st_atime: 0,
                  st_mtime: 0, st_ctime: 0)
    }

    public init(st_dev: _dev_t, st_ino: _ino_t, st_mode: UInt16, st_nlink: Int16, st_uid: Int16, st_gid: Int16, st_rdev: _dev_t,
                st_size: _off_t, st_atime: __time64_t, st_mtime: __time64_t, st_ctime: __time64_t)
    {
        self.st_dev = st_dev
        self.st_ino = st_ino
        self.st_mode = st_mode
        self.st_nlink = st_nlink
        self.st_uid = st_uid
        self.st_gid = st_gid
        self.st_rdev = st_rdev
        self.st_size = st_size
        self.st_atime = st_atime
        self.st_mtime = st_mtime
        self.st_ctime = st_ctime
    }
}

/// `struct _stat64`: a 64-bit size and 64-bit times.
public struct _stat64 {
    public var st_dev: _dev_t
    public var st_ino: _ino_t
    public var st_mode: UInt16
    public var st_nlink: Int16
    public var st_uid: Int16
    public var st_gid: Int16
    public var st_rdev: _dev_t
    public var st_size: Int64
    public var st_atime: __time64_t
    public var st_mtime: __time64_t
    public var st_ctime: __time64_t

    /// All zeros, as Swift imports a C structure's `init()`.
    public init() {
        self.init(st_dev: 0, st_ino: 0, st_mode: 0, st_nlink: 0, st_uid: 0, st_gid: 0, st_rdev: 0, st_size: 0, st_atime: 0,
                  st_mtime: 0, st_ctime: 0)
    }

    public init(st_dev: _dev_t, st_ino: _ino_t, st_mode: UInt16, st_nlink: Int16, st_uid: Int16, st_gid: Int16, st_rdev: _dev_t,
                st_size: Int64, st_atime: __time64_t, st_mtime: __time64_t, st_ctime: __time64_t)
    {
        self.st_dev = st_dev
        self.st_ino = st_ino
        self.st_mode = st_mode
        self.st_nlink = st_nlink
        self.st_uid = st_uid
        self.st_gid = st_gid
        self.st_rdev = st_rdev
        self.st_size = st_size
        self.st_atime = st_atime
        self.st_mtime = st_mtime
        self.st_ctime = st_ctime
    }
}

/// `_S_IFMT`: the file-type bits of `st_mode`.
public var _S_IFMT: Int32 { 0xF000 }
/// `_S_IFDIR`: a directory.
public var _S_IFDIR: Int32 { 0x4000 }
/// `_S_IFCHR`: a character device (a console, another device).
public var _S_IFCHR: Int32 { 0x2000 }
/// `_S_IFIFO`: a pipe.
public var _S_IFIFO: Int32 { 0x1000 }
/// `_S_IFREG`: a regular file.
public var _S_IFREG: Int32 { 0x8000 }
/// `S_IFMT`, the POSIX name of `_S_IFMT` (and so on).
public var S_IFMT: Int32 { _S_IFMT }
public var S_IFDIR: Int32 { _S_IFDIR }
public var S_IFCHR: Int32 { _S_IFCHR }
public var S_IFREG: Int32 { _S_IFREG }
public var S_IREAD: Int32 { _S_IREAD }
public var S_IWRITE: Int32 { _S_IWRITE }
public var S_IEXEC: Int32 { _S_IEXEC }

/// What `_stat64` and `_fstat64` report, before it is stored in either structure.
package struct FileStatus {
    var device: _dev_t = 0
    var mode: Int32 = 0
    var links: Int16 = 1
    var size: Int64 = 0
    var accessed: __time64_t = 0
    var modified: __time64_t = 0
    var created: __time64_t = 0

    package var wide: _stat64 {
        _stat64(st_dev: device, st_ino: 0, st_mode: UInt16(truncatingIfNeeded: mode), st_nlink: links, st_uid: 0, st_gid: 0,
                st_rdev: device, st_size: size, st_atime: accessed, st_mtime: modified, st_ctime: created)
    }

    /// The 32-bit `stat`, or nil if the size does not fit (`EOVERFLOW`).
    package var narrow: stat? {
        guard let size = _off_t(exactly: size) else { return nil }
        return stat(st_dev: device, st_ino: 0, st_mode: UInt16(truncatingIfNeeded: mode), st_nlink: links, st_uid: 0, st_gid: 0,
                    st_rdev: device, st_size: size, st_atime: accessed, st_mtime: modified, st_ctime: created)
    }

    /// The mode as the CRT makes it from the attributes: a directory or a regular file, read
    /// (and write unless read-only) for the user, execute for a directory or an executable name
    /// (`.exe`, `.cmd`, `.bat`, `.com`), and the user's bits copied to group and others.
    static func mode(attributes: DWORD, name: String) -> Int32 {
        let directory = attributes & DWORD(FILE_ATTRIBUTE_DIRECTORY) != 0
        var mode = (directory ? _S_IFDIR | _S_IEXEC : _S_IFREG) | _S_IREAD
        if attributes & DWORD(FILE_ATTRIBUTE_READONLY) == 0 { mode |= _S_IWRITE }
        let lowered = name.lowercased()
        if [".exe", ".cmd", ".bat", ".com"].contains(where: lowered.hasSuffix) { mode |= _S_IEXEC }
        return mode | (mode & 0o700) >> 3 | (mode & 0o700) >> 6
    }

    /// A `FILETIME` as seconds since 1970.
    static func seconds(_ time: FILETIME) -> __time64_t {
        let ticks = Int64(time.dwHighDateTime) << 32 | Int64(time.dwLowDateTime)
        return (ticks - 116_444_736_000_000_000) / 10_000_000
    }
}

/// The status of the file or directory `path` names (a NUL-terminated UTF-16 path), or the
/// `errno` value.
package func status(ofPath path: UnsafePointer<UInt16>) -> Result<FileStatus, StatusError> {
    var data = WIN32_FILE_ATTRIBUTE_DATA()
    guard GetFileAttributesExW(path, GetFileExInfoStandard, &data) else { return .failure(StatusError(errnoForLastError())) }
    let name = String(decoding: UnsafeBufferPointer(start: path, count: wcslen(path)), as: UTF16.self)
    var full = [UInt16](repeating: 0, count: 1024)
    let length = GetFullPathNameW(path, DWORD(full.count), &full, nil)
    var status = FileStatus()
    if length >= 2, full[1] == UInt16(UInt8(ascii: ":")), let letter = Unicode.Scalar(full[0]).map(Character.init)?.uppercased().first,
       let ascii = letter.asciiValue, ascii >= 65, ascii <= 90
    {
        status.device = _dev_t(ascii - 65)
    }
    status.mode = FileStatus.mode(attributes: data.dwFileAttributes, name: name)
    status.size = Int64(data.nFileSizeHigh) << 32 | Int64(data.nFileSizeLow)
    status.accessed = FileStatus.seconds(data.ftLastAccessTime)
    status.modified = FileStatus.seconds(data.ftLastWriteTime)
    status.created = FileStatus.seconds(data.ftCreationTime)
    return .success(status)
}

/// The status of the file descriptor `fd` names, or the `errno` value: a disk file's from
/// `GetFileInformationByHandle`; a pipe is `_S_IFIFO` and a device `_S_IFCHR`, with `st_dev` and
/// `st_rdev` the descriptor (Microsoft's documentation of `_fstat`: "If a device, fd").
private func status(ofDescriptor fd: Int32) -> Result<FileStatus, StatusError> {
    let value = _get_osfhandle(fd)
    guard value != -1 else { return .failure(StatusError(EBADF)) }
    var status = FileStatus()
    guard let handle = HANDLE(bitPattern: value), value != -2 else {
        // A standard stream with no handle in the simulation: a character device.
        status.mode = _S_IFCHR
        status.device = _dev_t(bitPattern: fd)
        return .success(status)
    }
    switch Int32(bitPattern: GetFileType(handle)) {
    case FILE_TYPE_DISK:
        var info = BY_HANDLE_FILE_INFORMATION()
        guard GetFileInformationByHandle(handle, &info) else { return .failure(StatusError(errnoForLastError())) }
        status.mode = FileStatus.mode(attributes: info.dwFileAttributes, name: "")
        status.links = Int16(clamping: info.nNumberOfLinks)
        status.size = Int64(info.nFileSizeHigh) << 32 | Int64(info.nFileSizeLow)
        status.accessed = FileStatus.seconds(info.ftLastAccessTime)
        status.modified = FileStatus.seconds(info.ftLastWriteTime)
        status.created = FileStatus.seconds(info.ftCreationTime)
    case FILE_TYPE_PIPE:
        status.mode = _S_IFIFO
        status.device = _dev_t(bitPattern: fd)
    default:
        status.mode = _S_IFCHR
        status.device = _dev_t(bitPattern: fd)
    }
    return .success(status)
}

/// An `errno` value as a `Result`'s failure.
package struct StatusError: Error {
    let value: Int32
    init(_ value: Int32) { self.value = value }
}

/// Stores `value` through the caller's pointer (checked against its tracked block) and returns 0,
/// or sets `errno` and returns -1.
package func finish<T>(_ result: Result<T?, StatusError>, into buffer: UnsafeMutablePointer<T>, call: StaticString) -> Int32 {
    switch result {
    case .success(let value?):
        if let kernel = SimThread.current?.kernel { kernel.storeToUser(value, at: buffer, call: call) } else { buffer.pointee = value }
        return 0
    case .success(nil):
        errno = EOVERFLOW
        return -1
    case .failure(let error):
        errno = error.value
        return -1
    }
}

/// The status of a file or directory (`_wstat64`): 0 and `*buffer` filled, or -1 with `errno`
/// (`ENOENT` for a path not found, `EINVAL` for a null argument). `st_mode` is `_S_IFDIR` or
/// `_S_IFREG` with read, write (unless read-only) and execute (directories and executable
/// names) bits for user, group and others; `st_dev` and `st_rdev` the drive number (0 for A:,
/// 2 for C:); `st_nlink` 1; `st_ino`, `st_uid`, `st_gid` 0; `st_ctime` the creation time — as
/// Microsoft documents `_stat`.
@discardableResult
public func _wstat64(_ path: UnsafePointer<UInt16>!, _ buffer: UnsafeMutablePointer<_stat64>!) -> Int32 {
    guard let path, let buffer else {
        errno = EINVAL
        return -1
    }
    return finish(status(ofPath: path).map { Optional($0.wide) }, into: buffer, call: "_wstat64")
}

/// The status of an open descriptor (`_fstat64`): a disk file as ``_wstat64(_:_:)`` reports it,
/// with `st_dev` 0 and the number of links; a pipe `_S_IFIFO`, a device or a standard stream
/// `_S_IFCHR`, with `st_dev` and `st_rdev` the descriptor; -1 with `EBADF` for a descriptor not
/// open, `EINVAL` for a null buffer.
@discardableResult
public func _fstat64(_ fd: Int32, _ buffer: UnsafeMutablePointer<_stat64>!) -> Int32 {
    guard let buffer else {
        errno = EINVAL
        return -1
    }
    return finish(status(ofDescriptor: fd).map { Optional($0.wide) }, into: buffer, call: "_fstat64")
}

/// ``_fstat64(_:_:)`` into a `struct stat` (`EOVERFLOW` for 2 GiB or more). The corresponding CRT
/// function is `fstat`.
@discardableResult
public func fstat(_ fd: Int32, _ buffer: UnsafeMutablePointer<stat>!) -> Int32 {
    guard let buffer else {
        errno = EINVAL
        return -1
    }
    return finish(status(ofDescriptor: fd).map(\.narrow), into: buffer, call: "fstat")
}

/// A UTF-8 path as a NUL-terminated UTF-16 array.
package func widePath(_ path: UnsafePointer<CChar>) -> [UInt16] {
    Array(String(decoding: UnsafeRawBufferPointer(start: path, count: strlen(path)), as: UTF8.self).utf16) + [0]
}
#endif
