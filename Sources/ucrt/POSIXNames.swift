#if !os(Windows)
// The POSIX names the Universal CRT's headers also define (fcntl.h's `O_*` beside `_O_*`,
// signal.h's signal numbers) and the standard descriptors Swift's CRT overlay defines, which
// Windows code such as swift-corelibs-foundation's FileHandle and Process uses unqualified.

public let O_RDONLY: Int32 = _O_RDONLY
public let O_WRONLY: Int32 = _O_WRONLY
public let O_RDWR: Int32 = _O_RDWR
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

/// `SIGINT`, interrupt (signal.h). Signals are not delivered in the simulation: the numbers are
/// for code that passes them along (an exit code for `TerminateProcess`, a switch).
public let SIGINT: Int32 = 2
/// `SIGILL`, illegal instruction.
public let SIGILL: Int32 = 4
/// `SIGFPE`, floating-point exception.
public let SIGFPE: Int32 = 8
/// `SIGSEGV`, segment violation.
public let SIGSEGV: Int32 = 11
/// `SIGTERM`, a software termination request.
public let SIGTERM: Int32 = 15
/// `SIGBREAK`, CTRL+BREAK.
public let SIGBREAK: Int32 = 21
/// `SIGABRT`, abnormal termination (`abort`).
public let SIGABRT: Int32 = 22

/// The descriptor of `stdin`, as Swift's CRT overlay defines it (`_fileno(stdin)`): 0, or -2
/// for a process without a standard input handle.
public var STDIN_FILENO: Int32 { _fileno(stdin) }
/// The descriptor of `stdout` (`_fileno(stdout)`).
public var STDOUT_FILENO: Int32 { _fileno(stdout) }
/// The descriptor of `stderr` (`_fileno(stderr)`).
public var STDERR_FILENO: Int32 { _fileno(stderr) }
#endif
