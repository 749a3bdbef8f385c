#if !os(Windows)
// The POSIX names the Universal CRT's headers also define (fcntl.h's `O_*` beside `_O_*`,
// signal.h's signal numbers) and the standard descriptors Swift's CRT overlay defines, which
// Windows code such as swift-corelibs-foundation's FileHandle and Process uses unqualified.
//
// Where the host C library has the same name with the same value (`O_RDONLY` 0, `O_WRONLY` 1,
// `O_RDWR` 2, `SIGINT` 2, `SIGILL` 4, `SIGFPE` 8, `SIGSEGV` 11, `SIGTERM` 15 on Linux and macOS
// as on Windows), the host's declaration is re-exported, as `errno` is: a file that imports both
// this module and Foundation then sees one `SIGINT`, not two ambiguous ones. The others have
// Windows' values and, beside Foundation, need qualifying (`ucrt.O_CREAT`).
#if canImport(Glibc)
@_exported import var Glibc.O_RDONLY
@_exported import var Glibc.O_WRONLY
@_exported import var Glibc.O_RDWR
@_exported import var Glibc.SIGINT
@_exported import var Glibc.SIGILL
@_exported import var Glibc.SIGFPE
@_exported import var Glibc.SIGSEGV
@_exported import var Glibc.SIGTERM
#elseif canImport(Darwin)
@_exported import var Darwin.O_RDONLY
@_exported import var Darwin.O_WRONLY
@_exported import var Darwin.O_RDWR
@_exported import var Darwin.SIGINT
@_exported import var Darwin.SIGILL
@_exported import var Darwin.SIGFPE
@_exported import var Darwin.SIGSEGV
@_exported import var Darwin.SIGTERM
#endif

public let O_APPEND: Int32 = _O_APPEND
public let O_CREAT: Int32 = _O_CREAT
public let O_TRUNC: Int32 = _O_TRUNC
public let O_EXCL: Int32 = _O_EXCL
public let O_TEXT: Int32 = _O_TEXT
public let O_BINARY: Int32 = _O_BINARY
public let O_RAW: Int32 = _O_BINARY
public let O_TEMPORARY: Int32 = _O_TEMPORARY
public let O_NOINHERIT: Int32 = _O_NOINHERIT
public let O_SEQUENTIAL: Int32 = _O_SEQUENTIAL
public let O_RANDOM: Int32 = _O_RANDOM

// Signals are not delivered in the simulation: the numbers are for code that passes them
// along (an exit code for `TerminateProcess`, a switch).
/// `SIGBREAK`, CTRL+BREAK.
public let SIGBREAK: Int32 = 21
/// `SIGABRT`, abnormal termination (`abort`).
public let SIGABRT: Int32 = 22
/// `SIGABRT_COMPAT`, the value `SIGABRT` had in older CRTs (6, Linux's `SIGABRT`), still defined
/// beside it (swift-testing names both when it reads an exit status).
public let SIGABRT_COMPAT: Int32 = 6

/// The descriptor of `stdin`, as Swift's CRT overlay defines it (`_fileno(stdin)`): 0, or -2
/// for a process without a standard input handle.
public var STDIN_FILENO: Int32 { _fileno(stdin) }
/// The descriptor of `stdout` (`_fileno(stdout)`).
public var STDOUT_FILENO: Int32 { _fileno(stdout) }
/// The descriptor of `stderr` (`_fileno(stderr)`).
public var STDERR_FILENO: Int32 { _fileno(stderr) }
#endif
