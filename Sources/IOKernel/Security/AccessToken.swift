/// An access token (`TOKEN`): the security context a process runs in. Each simulated process
/// has one primary token, made when something first opens it, and every `OpenProcessToken` of
/// that process gives a new handle to the same object (as `CompareObjectHandles` sees it). The
/// process holds a reference to its token for as long as the process object lives, so closing
/// every handle leaves the token to its process; a handle never closed shows in the teardown
/// report (`Token#7`) like any other.
///
/// The token carries the simulated account (``MachineIdentity``): the user and group the
/// security functions report, and whether it is elevated. Nothing checks access against it (see
/// the README).
public final class AccessToken: KernelObject {
    /// The id of the process whose primary token this is.
    public let processID: UInt32
    /// `TokenElevation`'s `TokenIsElevated`.
    public let isElevated: Bool

    init(id: Int, processID: UInt32, isElevated: Bool) {
        self.processID = processID
        self.isElevated = isElevated
        super.init(id: id, kind: .token)
    }
}

extension Kernel {
    /// `NtOpenProcessTokenEx`: a new handle to `process`'s primary token, made on first use.
    package func ntOpenProcessToken(_ process: SimProcess, access: UInt32, inherit: Bool) -> UInt {
        let token: AccessToken
        if let existing = processTokens[process.processID] {
            token = existing
        } else {
            token = AccessToken(id: takeObjectID(), processID: process.processID, isElevated: options.machine.isElevated)
            processTokens[process.processID] = token
            reference(token, by: "process \(process.processID)")
            if tracing { record(.note("\(token.label) created for process \(process.processID)")) }
        }
        return insertHandle(token, access: access, attributes: inherit ? .inherit : [])
    }

    /// The token a handle of the running process names, nil for any other handle.
    package func token(forHandle value: UInt) -> AccessToken? { handles.lookup(value) as? AccessToken }

    /// The running process's primary token, for the token pseudo-handles.
    package var currentProcessToken: AccessToken? { processTokens[currentProcess.processID] }
}
