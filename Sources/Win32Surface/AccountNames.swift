import CWin32
import IOKernel

// The names of the simulated machine and its user (SimulationOptions.machine), with the size
// protocol each function documents: they differ in what the size counts on success and in the
// error a short buffer gives.

/// The simulated user's name. The corresponding Win32 function is `GetUserNameW` (advapi32):
/// on success `*pcbBuffer` is the number of characters copied *including* the terminator; a
/// buffer too small (or NULL) is FALSE with `ERROR_INSUFFICIENT_BUFFER`, the size needed in
/// `*pcbBuffer`, and the buffer untouched (Wine's advapi32 test_GetUserNameW). A NULL size,
/// where Windows faults, is `ERROR_NOACCESS`.
@discardableResult
public func GetUserNameW(_ lpBuffer: LPWSTR!, _ pcbBuffer: LPDWORD!) -> Bool {
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        return copyName(thread, Array(thread.kernel.machineIdentity.userName.utf16), lpBuffer, pcbBuffer,
                        sizeCountsTerminator: true, shortBuffer: ERROR_INSUFFICIENT_BUFFER, call: "GetUserNameW")
    }
}

/// See ``GetUserNameW(_:_:)``; the name in UTF-8 (the simulation's ANSI code page), sizes in
/// bytes. The corresponding Win32 function is `GetUserNameA`.
@discardableResult
public func GetUserNameA(_ lpBuffer: LPSTR!, _ pcbBuffer: LPDWORD!) -> Bool {
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        return copyName(thread, thread.kernel.machineIdentity.userName.utf8.map { CHAR(bitPattern: $0) }, lpBuffer, pcbBuffer,
                        sizeCountsTerminator: true, shortBuffer: ERROR_INSUFFICIENT_BUFFER, call: "GetUserNameA")
    }
}

/// The computer's NetBIOS name (the host name's first `MAX_COMPUTERNAME_LENGTH` characters in
/// upper case). The corresponding Win32 function is `GetComputerNameW`: on success `*nSize` is
/// the length copied *without* the terminator; a buffer too small is FALSE with
/// `ERROR_BUFFER_OVERFLOW` and the size needed, terminator included, in `*nSize` (Microsoft's
/// documentation).
@discardableResult
public func GetComputerNameW(_ lpBuffer: LPWSTR!, _ nSize: LPDWORD!) -> Bool {
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        return copyName(thread, Array(netBIOSName(thread.kernel.machineIdentity).utf16), lpBuffer, nSize,
                        sizeCountsTerminator: false, shortBuffer: ERROR_BUFFER_OVERFLOW, call: "GetComputerNameW")
    }
}

/// See ``GetComputerNameW(_:_:)``; UTF-8, sizes in bytes. The corresponding Win32 function is
/// `GetComputerNameA`.
@discardableResult
public func GetComputerNameA(_ lpBuffer: LPSTR!, _ nSize: LPDWORD!) -> Bool {
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        return copyName(thread, netBIOSName(thread.kernel.machineIdentity).utf8.map { CHAR(bitPattern: $0) }, lpBuffer, nSize,
                        sizeCountsTerminator: false, shortBuffer: ERROR_BUFFER_OVERFLOW, call: "GetComputerNameA")
    }
}

/// One of the computer's names. The corresponding Win32 function is `GetComputerNameExW`.
///
/// `ComputerNameNetBIOS` is ``GetComputerNameW(_:_:)``'s name; `ComputerNameDnsHostname` the
/// host name as configured; `ComputerNameDnsDomain` the domain (empty by default: the machine is
/// in none); `ComputerNameDnsFullyQualified` the host name and the domain joined by a dot (the
/// host name alone without a domain). The `Physical` forms are the same (the simulated machine
/// is no cluster node). On success `*nSize` is the length copied without the terminator; a
/// buffer too small, even for the empty domain, is FALSE with `ERROR_MORE_DATA` and the size
/// needed, terminator included (Microsoft's documentation, Wine's kernel32 computername.c
/// tests); another format is `ERROR_INVALID_PARAMETER`.
@discardableResult
public func GetComputerNameExW(_ NameType: COMPUTER_NAME_FORMAT, _ lpBuffer: LPWSTR!, _ nSize: LPDWORD!) -> Bool {
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        guard let name = computerName(NameType, thread.kernel.machineIdentity) else { return thread.fail(ERROR_INVALID_PARAMETER) }
        return copyName(thread, Array(name.utf16), lpBuffer, nSize, sizeCountsTerminator: false, shortBuffer: ERROR_MORE_DATA,
                        call: "GetComputerNameExW")
    }
}

/// See ``GetComputerNameExW(_:_:_:)``; UTF-8, sizes in bytes. The corresponding Win32 function is
/// `GetComputerNameExA`.
@discardableResult
public func GetComputerNameExA(_ NameType: COMPUTER_NAME_FORMAT, _ lpBuffer: LPSTR!, _ nSize: LPDWORD!) -> Bool {
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        guard let name = computerName(NameType, thread.kernel.machineIdentity) else { return thread.fail(ERROR_INVALID_PARAMETER) }
        return copyName(thread, name.utf8.map { CHAR(bitPattern: $0) }, lpBuffer, nSize, sizeCountsTerminator: false,
                        shortBuffer: ERROR_MORE_DATA, call: "GetComputerNameExA")
    }
}

/// The user's name in one of secext.h's formats. The corresponding Win32 function is
/// `GetUserNameExW` (secur32), which returns a `BOOLEAN`.
///
/// The simulated account is a local one. For an account in no domain "only NameSamCompatible is
/// supported" (Microsoft's documentation): `NameSamCompatible` is `COMPUTER\user` (the NetBIOS
/// name; with a domain configured, the domain's first label in upper case) and every other
/// format fails with `ERROR_NONE_MAPPED`; with a domain configured they fail with
/// `ERROR_NO_SUCH_DOMAIN`, as no domain controller is simulated to ask. `NameUnknown` and
/// values outside the enumeration are `ERROR_INVALID_PARAMETER`. On success `*nSize` is the
/// length without the terminator; a buffer too small is `ERROR_MORE_DATA` with the size needed,
/// terminator included.
@discardableResult
public func GetUserNameExW(_ NameFormat: EXTENDED_NAME_FORMAT, _ lpNameBuffer: LPWSTR!, _ nSize: PULONG!) -> BOOLEAN {
    return withCurrentThread(failure: 0) { (thread: borrowing SimThread) in
        guard let name = extendedUserName(thread, NameFormat) else { return 0 }
        return copyName(thread, Array(name.utf16), lpNameBuffer, nSize, sizeCountsTerminator: false,
                        shortBuffer: ERROR_MORE_DATA, call: "GetUserNameExW") ? 1 : 0
    }
}

/// See ``GetUserNameExW(_:_:_:)``; UTF-8, sizes in bytes. The corresponding Win32 function is
/// `GetUserNameExA`.
@discardableResult
public func GetUserNameExA(_ NameFormat: EXTENDED_NAME_FORMAT, _ lpNameBuffer: LPSTR!, _ nSize: PULONG!) -> BOOLEAN {
    return withCurrentThread(failure: 0) { (thread: borrowing SimThread) in
        guard let name = extendedUserName(thread, NameFormat) else { return 0 }
        return copyName(thread, name.utf8.map { CHAR(bitPattern: $0) }, lpNameBuffer, nSize, sizeCountsTerminator: false,
                        shortBuffer: ERROR_MORE_DATA, call: "GetUserNameExA") ? 1 : 0
    }
}

private func extendedUserName(_ thread: SimThread, _ format: EXTENDED_NAME_FORMAT) -> String? {
    let machine = thread.kernel.machineIdentity
    switch format {
    case NameSamCompatible:
        let authority = machine.domain.isEmpty ? netBIOSName(machine)
                                               : String(machine.domain.prefix { $0 != "." }).uppercased()
        return authority + "\\" + machine.userName
    case NameFullyQualifiedDN, NameDisplay, NameUniqueId, NameCanonical, NameUserPrincipal, NameCanonicalEx,
         NameServicePrincipal, NameDnsDomain, NameGivenName, NameSurname:
        _ = thread.fail(machine.domain.isEmpty ? ERROR_NONE_MAPPED : ERROR_NO_SUCH_DOMAIN)
        return nil
    default:
        _ = thread.fail(ERROR_INVALID_PARAMETER)
        return nil
    }
}

/// The memory installed in the simulated machine, in kilobytes. The corresponding Win32 function
/// is `GetPhysicallyInstalledSystemMemory`: ``MachineIdentity/installedMemory`` / 1024; a NULL
/// pointer is FALSE with `ERROR_INVALID_PARAMETER` (Microsoft's documentation).
@discardableResult
public func GetPhysicallyInstalledSystemMemory(_ TotalMemoryInKilobytes: PULONGLONG!) -> Bool {
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        guard let TotalMemoryInKilobytes else { return thread.fail(ERROR_INVALID_PARAMETER) }
        thread.store(ULONGLONG(thread.kernel.machineIdentity.installedMemory / 1024), into: TotalMemoryInKilobytes,
                     call: "GetPhysicallyInstalledSystemMemory")
        return true
    }
}

private func netBIOSName(_ machine: MachineIdentity) -> String { String(machine.hostName.prefix(Int(MAX_COMPUTERNAME_LENGTH))).uppercased() }

private func computerName(_ format: COMPUTER_NAME_FORMAT, _ machine: MachineIdentity) -> String? {
    switch format {
    case ComputerNameNetBIOS, ComputerNamePhysicalNetBIOS: return netBIOSName(machine)
    case ComputerNameDnsHostname, ComputerNamePhysicalDnsHostname: return machine.hostName
    case ComputerNameDnsDomain, ComputerNamePhysicalDnsDomain: return machine.domain
    case ComputerNameDnsFullyQualified, ComputerNamePhysicalDnsFullyQualified:
        return machine.domain.isEmpty ? machine.hostName : machine.hostName + "." + machine.domain
    default: return nil
    }
}

/// Copies `name` and its terminator into the caller's buffer of `*size` units, or reports the
/// size needed.
private func copyName<Unit: FixedWidthInteger>(_ thread: SimThread, _ name: [Unit], _ buffer: UnsafeMutablePointer<Unit>?,
                                               _ size: LPDWORD?, sizeCountsTerminator: Bool, shortBuffer: Int32,
                                               call: StaticString) -> Bool
{
    guard let size, let capacity = thread.load(size, call: call) else { return thread.fail(ERROR_NOACCESS) }
    let needed = name.count + 1
    guard let buffer, Int(capacity) >= needed else {
        thread.store(DWORD(needed), into: size, call: call)
        return thread.fail(shortBuffer)
    }
    guard thread.writeToCaller(name + [0], at: UnsafeMutableRawPointer(buffer), call: call) else {
        return thread.fail(ERROR_NOACCESS)
    }
    thread.store(DWORD(sizeCountsTerminator ? needed : name.count), into: size, call: call)
    return true
}
