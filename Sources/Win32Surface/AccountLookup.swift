import IOKernel

// Looking an account up by name, and the user's profile directory. The simulated machine has
// one account, its user (MachineIdentity.userName, S-1-5-21-0-0-0-1000), in the machine's own
// domain (its NetBIOS name, S-1-5-21-0-0-0).

/// Finds the SID of an account by name. The corresponding Win32 function is
/// `LookupAccountNameW`.
///
/// The simulated user, by name alone or as `MACHINE\name` (case-insensitive), is
/// S-1-5-21-0-0-0-1000, `SidTypeUser`, in the domain named after the machine (its NetBIOS
/// name); the machine's name, or an empty name, is its domain S-1-5-21-0-0-0, `SidTypeDomain`.
/// Any other name is `ERROR_NONE_MAPPED`. `lpSystemName` must be NULL or the machine's name
/// (another system is `RPC_S_SERVER_UNAVAILABLE`: there is no network). The size protocol is
/// the one Wine's advapi32 security.c test_LookupAccountName records: when `*cbSid` or
/// `*cchReferencedDomainName` is too small (or the buffer NULL), FALSE with
/// `ERROR_INSUFFICIENT_BUFFER` and both sizes set, the domain's counting its terminator; on
/// success `*cbSid` is the SID's length and `*cchReferencedDomainName` the domain's length
/// without the terminator.
@discardableResult
public func LookupAccountNameW(_ lpSystemName: LPCWSTR!, _ lpAccountName: LPCWSTR!, _ Sid: PSID!, _ cbSid: LPDWORD!,
                               _ ReferencedDomainName: LPWSTR!, _ cchReferencedDomainName: LPDWORD!,
                               _ peUse: PSID_NAME_USE!) -> Bool
{
    withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        let call: StaticString = "LookupAccountNameW"
        let machine = thread.kernel.machineIdentity
        let domain = String(machine.hostName.prefix(Int(MAX_COMPUTERNAME_LENGTH))).uppercased()
        let result: Bool = {
            if let lpSystemName {
                let system = callerWideString(lpSystemName)
                guard system.isEmpty || system.uppercased() == domain || system.uppercased() == "\\\\" + domain else {
                    return thread.fail(RPC_S_SERVER_UNAVAILABLE)
                }
            }
            guard let lpAccountName else { return thread.fail(ERROR_INVALID_PARAMETER) }
            let name = callerWideString(lpAccountName).uppercased()
            let user = machine.userName.uppercased()
            let sid: SecurityIdentifier
            let use: SID_NAME_USE
            if name == user || name == domain + "\\" + user {
                (sid, use) = (.user, SidTypeUser)
            } else if name.isEmpty || name == domain || name == domain + "\\" {
                (sid, use) = (.machineDomain, SidTypeDomain)
            } else {
                return thread.fail(ERROR_NONE_MAPPED)
            }
            guard let cbSid, let cchReferencedDomainName, let sidCapacity = thread.load(cbSid, call: call),
                  let domainCapacity = thread.load(cchReferencedDomainName, call: call)
            else { return thread.fail(ERROR_NOACCESS) }
            let domainUnits = Array(domain.utf16)
            guard let Sid, let ReferencedDomainName, Int(sidCapacity) >= sid.length, Int(domainCapacity) > domainUnits.count else {
                thread.store(DWORD(sid.length), into: cbSid, call: call)
                thread.store(DWORD(domainUnits.count + 1), into: cchReferencedDomainName, call: call)
                return thread.fail(ERROR_INSUFFICIENT_BUFFER)
            }
            guard thread.writeToCaller(sid.bytes, at: Sid, call: call),
                  thread.writeToCaller(domainUnits + [0], at: UnsafeMutableRawPointer(ReferencedDomainName), call: call)
            else { return thread.fail(ERROR_NOACCESS) }
            thread.store(DWORD(sid.length), into: cbSid, call: call)
            thread.store(DWORD(domainUnits.count), into: cchReferencedDomainName, call: call)
            if let peUse { thread.store(use, into: peUse, call: call) }
            thread.setLastError(DWORD(ERROR_SUCCESS))
            return true
        }()
        thread.traceBool("LookupAccountNameW(\(lpAccountName.map(callerWideString) ?? "NULL"))", result)
        return result
    }
}

/// The path of a user's profile directory. The corresponding Win32 function is userenv's
/// `GetUserProfileDirectoryW`: for a token of the simulated user (a handle from
/// `OpenProcessToken` or `OpenThreadToken`, or a token pseudo-handle), `C:\Users\` and the
/// user's name (the directory is named, not created on the volume). The size is in characters
/// with the terminator: a NULL or short buffer is FALSE with `ERROR_INSUFFICIENT_BUFFER` and the
/// size needed in `*lpcchSize`; a NULL size pointer is `ERROR_INVALID_PARAMETER`, a handle that is
/// not a token `ERROR_INVALID_HANDLE`.
@discardableResult
public func GetUserProfileDirectoryW(_ hToken: HANDLE!, _ lpProfileDir: LPWSTR!, _ lpcchSize: LPDWORD!) -> Bool {
    withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        let call: StaticString = "GetUserProfileDirectoryW"
        let result: Bool = {
            let isPseudoHandle = [-4, -5, -6].contains(Int(bitPattern: hToken))
            guard isPseudoHandle || thread.withKernel({ kernel in kernel.withKernelEntry { kernel.token(forHandle: value(hToken)) } }) != nil
            else { return thread.fail(ERROR_INVALID_HANDLE) }
            guard let lpcchSize else { return thread.fail(ERROR_INVALID_PARAMETER) }
            guard let capacity = thread.load(lpcchSize, call: call) else { return thread.fail(ERROR_NOACCESS) }
            let path = Array(userProfileDirectory(thread.kernel.machineIdentity).utf16)
            guard let lpProfileDir, Int(capacity) > path.count else {
                thread.store(DWORD(path.count + 1), into: lpcchSize, call: call)
                return thread.fail(ERROR_INSUFFICIENT_BUFFER)
            }
            guard thread.writeToCaller(path + [0], at: UnsafeMutableRawPointer(lpProfileDir), call: call) else {
                return thread.fail(ERROR_NOACCESS)
            }
            thread.store(DWORD(path.count + 1), into: lpcchSize, call: call)
            return true
        }()
        thread.traceBool("GetUserProfileDirectoryW(\(hex(handle: hToken)))", result)
        return result
    }
}

/// `C:\Users\` and the user's name, where Windows puts a local account's profile.
func userProfileDirectory(_ machine: MachineIdentity) -> String { #"C:\Users\"# + machine.userName }
