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

    /// How the I/O manager reaches the driver's dispatch routine.
    let route: DispatchRoute

    init(path: String, driver: any Driver, requiresByteOffset: Bool) {
        self.path = path
        self.driver = driver
        self.requiresByteOffset = requiresByteOffset
        self.route = DispatchRoute(driver)
    }
}

/// The driver of a device, for the I/O manager's calls: the drivers the package ships are
/// called directly (a known final class, no existential and no reference counting, since the
/// device owns its driver), any other driver through the ``Driver`` protocol. Reads and writes
/// are the hot path of every round trip; the other requests go through the protocol.
enum DispatchRoute {
    case stock(Unmanaged<StockDriver>)
    case namedPipe(Unmanaged<NamedPipeDriver>)
    case fileSystem(Unmanaged<FileSystemDriver>)
    case other

    init(_ driver: any Driver) {
        switch driver {
        case let stock as StockDriver: self = .stock(.passUnretained(stock))
        case let pipes as NamedPipeDriver: self = .namedPipe(.passUnretained(pipes))
        case let disk as FileSystemDriver: self = .fileSystem(.passUnretained(disk))
        default: self = .other
        }
    }
}

extension Kernel {
    /// Calls the dispatch routine (`IRP_MJ_READ`, `IRP_MJ_WRITE`, …) of the IRP's device.
    @inline(__always) func dispatch(_ irp: IRP, on device: Device) -> NTStatus {
        let k = driverContext
        switch device.route {
        case .stock(let driver): return driver._withUnsafeGuaranteedRef { $0.dispatch(irp, k) }
        case .namedPipe(let driver): return driver._withUnsafeGuaranteedRef { $0.dispatch(irp, k) }
        case .fileSystem(let driver): return driver._withUnsafeGuaranteedRef { $0.dispatch(irp, k) }
        case .other: return device.driver.dispatch(irp, k)
        }
    }
}
