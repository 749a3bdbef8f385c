#if !os(Windows)
// The C runtime's constants with the values and types of the Universal CRT's headers (fcntl.h,
// errno.h), which Swift imports as `Int32` macros. They differ from the host C library's where
// POSIX leaves values free (`ENOTEMPTY` is 41 here, 39 on Linux; `_O_CREAT` is 0x100).

// MARK: - _open flags (fcntl.h)

public let _O_RDONLY: Int32 = 0x0000
public let _O_WRONLY: Int32 = 0x0001
public let _O_RDWR: Int32 = 0x0002
public let _O_APPEND: Int32 = 0x0008
public let _O_RANDOM: Int32 = 0x0010
public let _O_SEQUENTIAL: Int32 = 0x0020
public let _O_TEMPORARY: Int32 = 0x0040
public let _O_NOINHERIT: Int32 = 0x0080
public let _O_CREAT: Int32 = 0x0100
public let _O_TRUNC: Int32 = 0x0200
public let _O_EXCL: Int32 = 0x0400
public let _O_SHORT_LIVED: Int32 = 0x1000
public let _O_OBTAIN_DIR: Int32 = 0x2000
public let _O_TEXT: Int32 = 0x4000
public let _O_BINARY: Int32 = 0x8000
public let _O_RAW: Int32 = 0x8000
public let _O_WTEXT: Int32 = 0x10000
public let _O_U16TEXT: Int32 = 0x20000
public let _O_U8TEXT: Int32 = 0x40000

// MARK: - _lseek origins (stdio.h)

public let SEEK_SET: Int32 = 0
public let SEEK_CUR: Int32 = 1
public let SEEK_END: Int32 = 2

// MARK: - errno values (errno.h)

public let EPERM: Int32 = 1
public let ENOENT: Int32 = 2
public let ESRCH: Int32 = 3
public let EINTR: Int32 = 4
public let EIO: Int32 = 5
public let ENXIO: Int32 = 6
public let E2BIG: Int32 = 7
public let ENOEXEC: Int32 = 8
public let EBADF: Int32 = 9
public let ECHILD: Int32 = 10
public let EAGAIN: Int32 = 11
public let ENOMEM: Int32 = 12
public let EACCES: Int32 = 13
public let EFAULT: Int32 = 14
public let EBUSY: Int32 = 16
public let EEXIST: Int32 = 17
public let EXDEV: Int32 = 18
public let ENODEV: Int32 = 19
public let ENOTDIR: Int32 = 20
public let EISDIR: Int32 = 21
public let EINVAL: Int32 = 22
public let ENFILE: Int32 = 23
public let EMFILE: Int32 = 24
public let ENOTTY: Int32 = 25
public let EFBIG: Int32 = 27
public let ENOSPC: Int32 = 28
public let ESPIPE: Int32 = 29
public let EROFS: Int32 = 30
public let EMLINK: Int32 = 31
public let EPIPE: Int32 = 32
public let EDOM: Int32 = 33
public let ERANGE: Int32 = 34
public let EDEADLK: Int32 = 36
public let ENAMETOOLONG: Int32 = 38
public let ENOLCK: Int32 = 39
public let ENOSYS: Int32 = 40
public let ENOTEMPTY: Int32 = 41
public let EILSEQ: Int32 = 42
public let STRUNCATE: Int32 = 80

// MARK: - Types (LLP64, as on Windows)

/// `errno_t`, the result of `_set_errno` and `_get_errno`.
public typealias errno_t = Int32
/// `intptr_t`: what `_get_osfhandle` returns and `_open_osfhandle` takes.
public typealias intptr_t = Int
public typealias uintptr_t = UInt
/// `_off_t`/`off_t` is a `long`, 32 bits on Windows; `_lseeki64` takes the 64-bit offset.
public typealias off_t = Int32
public typealias _off_t = Int32
#endif
