/// A device object: a name in the simulated object namespace (`\\.\name`) and the driver that
/// serves every file object opened on it.
public final class Device {
    /// The path `CreateFile` opens it by, as given at installation (matched case-insensitively).
    public let path: String
    public let driver: any Driver
    /// Whether a read or write on an *asynchronous* file object must carry a byte offset.
    ///
    /// True for seekable devices (disk files): there, `ReadFile` without an `OVERLAPPED` on a
    /// handle opened with `FILE_FLAG_OVERLAPPED` fails with `ERROR_INVALID_PARAMETER`, because an
    /// asynchronous handle has no current position. False for stream devices (pipes, serial
    /// lines), where kernel32 issues the request and waits on the file handle (win32-facts F-RW-15).
    public let requiresByteOffset: Bool

    init(path: String, driver: any Driver, requiresByteOffset: Bool) {
        self.path = path
        self.driver = driver
        self.requiresByteOffset = requiresByteOffset
    }
}
