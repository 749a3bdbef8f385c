/// Who and where the simulated machine is: the names `GetComputerNameW`/`ExW` and
/// `GetUserNameW` report and whether its user's token is elevated. A parameter of the
/// simulation (``SimulationOptions/machine``), fixed when it is created, so that code which
/// names files or logs after the host or the user gets the same answer on every run.
public struct MachineIdentity: Sendable, Equatable {
    /// The DNS host name (`ComputerNameDnsHostname`), as given. The NetBIOS name
    /// (`GetComputerNameW`, `ComputerNameNetBIOS`) is its first 15 characters in upper case.
    public var hostName: String
    /// The DNS domain (`ComputerNameDnsDomain`); empty for a machine in no domain, as by default.
    public var domain: String
    /// The account every simulated process runs as (`GetUserNameW`).
    public var userName: String
    /// Whether the user's token is elevated (`TokenElevation`); an elevated token's
    /// `TokenElevationType` is `TokenElevationTypeFull`, another's `TokenElevationTypeDefault`
    /// (a standard user, whose token UAC does not split).
    public var isElevated: Bool
    /// The memory installed, in bytes (`GetPhysicallyInstalledSystemMemory`): 16 GiB by default.
    public var installedMemory: UInt64

    public init(hostName: String = "iosim-host", domain: String = "", userName: String = "iosim",
                isElevated: Bool = false, installedMemory: UInt64 = 16 << 30)
    {
        self.hostName = hostName
        self.domain = domain
        self.userName = userName
        self.isElevated = isElevated
        self.installedMemory = installedMemory
    }
}

extension Kernel {
    /// The simulated machine's names and account (``SimulationOptions/machine``).
    package var machineIdentity: MachineIdentity { options.machine }
}
