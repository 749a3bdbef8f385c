/// What `NtCreateFile` asks of a driver in `IRP_MJ_CREATE` (the `IO_STACK_LOCATION`'s
/// `Parameters.Create`): the name, the access wanted, the share mode, the disposition, and
/// for `NtCreateNamedPipeFile` the pipe's configuration.
public struct CreateParameters: Sendable {
    /// The path as the caller gave it (`C:\data\a.txt`, `\\.\pipe\name`, `\\.\slow`).
    public var fileName: String
    /// The access mask asked for (`GENERIC_READ`, `FILE_WRITE_DATA`, `DELETE`…).
    public var desiredAccess: UInt32
    /// `FILE_SHARE_READ` (1) | `FILE_SHARE_WRITE` (2) | `FILE_SHARE_DELETE` (4).
    public var shareAccess: UInt32
    public var disposition: CreateDisposition
    /// `FILE_FLAG_DELETE_ON_CLOSE`: the file goes when its last handle closes.
    public var deleteOnClose: Bool
    /// Set for `CreateNamedPipe`: this create makes a server instance of a pipe.
    public var namedPipe: NamedPipeParameters?
    /// The `CreateOptions` that say what kind of entry may be opened: ``directoryFile``
    /// (`CreateDirectory`) or ``nonDirectoryFile`` (`CreateFile` without
    /// `FILE_FLAG_BACKUP_SEMANTICS`); 0 for either.
    public var options: UInt32 = 0

    /// `FILE_DIRECTORY_FILE`: the entry opened or created is a directory.
    public static let directoryFile: UInt32 = 0x0000_0001
    /// `FILE_NON_DIRECTORY_FILE`: the entry opened must not be a directory.
    public static let nonDirectoryFile: UInt32 = 0x0000_0040

    public init(fileName: String, desiredAccess: UInt32, shareAccess: UInt32 = 0x7,
                disposition: CreateDisposition = .open, deleteOnClose: Bool = false, namedPipe: NamedPipeParameters? = nil)
    {
        self.fileName = fileName
        self.desiredAccess = desiredAccess
        self.shareAccess = shareAccess
        self.disposition = disposition
        self.deleteOnClose = deleteOnClose
        self.namedPipe = namedPipe
    }

    /// The Win32 generic rights, and the specific rights they include, that a read, a write or
    /// a delete needs (the generic mapping of file objects).
    static func canRead(_ access: UInt32) -> Bool { access & (0x8000_0000 | 0x1000_0000 | 0x0001) != 0 }
    static func canWrite(_ access: UInt32) -> Bool { access & (0x4000_0000 | 0x1000_0000 | 0x0002 | 0x0004) != 0 }
    static func canDelete(_ access: UInt32) -> Bool { access & (0x0001_0000 | 0x1000_0000) != 0 }
}

/// The NT create dispositions, as kernel32 maps `CreateFile`'s (`FILE_CREATE` for
/// `CREATE_NEW`, `FILE_OVERWRITE_IF` for `CREATE_ALWAYS`, `FILE_OPEN` for `OPEN_EXISTING`,
/// `FILE_OPEN_IF` for `OPEN_ALWAYS`, `FILE_OVERWRITE` for `TRUNCATE_EXISTING`).
public enum CreateDisposition: Sendable {
    case create, overwriteIf, open, openIf, overwrite

    /// The NT disposition for a Win32 one (1…5), nil for anything else.
    public init?(win32 value: UInt32) {
        switch value {
        case 1: self = .create
        case 2: self = .overwriteIf
        case 3: self = .open
        case 4: self = .openIf
        case 5: self = .overwrite
        default: return nil
        }
    }
}

/// What a create reports in `IoStatus.Information` on success.
public enum CreateInformation {
    public static let superseded = 0
    public static let opened = 1
    public static let created = 2
    public static let overwritten = 3
}

extension Kernel {
    /// The object-manager lookup behind `NtCreateFile`: a device installed at exactly that path
    /// (case-insensitively) wins; then `\\.\pipe\…` names the named-pipe file system; then any
    /// other path that is not a `\\…` device or network path names a file on the simulated disk
    /// volume. `creatingPipe` (`CreateNamedPipe`) accepts pipe names only.
    func device(forPath path: String, creatingPipe: Bool) -> Device? {
        if !creatingPipe, let device = devices[path.lowercased()] { return device }
        if NamedPipeDriver.pipeName(in: path) != nil { return namedPipeDevice }
        if creatingPipe { return nil }
        if FileSystemDriver.normalizedPath(path) != nil { return fileSystemDevice }
        return nil
    }
}
