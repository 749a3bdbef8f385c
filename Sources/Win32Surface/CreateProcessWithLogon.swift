import IOKernel

/// Starts a program as another user. The corresponding Win32 function is
/// `CreateProcessWithLogonW`.
///
/// The simulation has no users to log on: the arguments are checked as Windows checks them, and
/// then the logon fails as it does for a user name or password the system does not accept,
/// with `ERROR_LOGON_FAILURE` (1326, "The user name or password is incorrect."), before any
/// process is created. A NULL user name, startup information or `PROCESS_INFORMATION`, or
/// logon flags with bits other than `LOGON_WITH_PROFILE` and `LOGON_NETCREDENTIALS_ONLY`, give
/// `ERROR_INVALID_PARAMETER`. `LOGON_NETCREDENTIALS_ONLY`, which on Windows runs the program as
/// the caller and keeps the credentials for the network only, gives `ERROR_NOT_SUPPORTED`:
/// network credentials are not simulated. swift-subprocess calls this function (with
/// `LOGON_WITH_PROFILE`) when its platform options carry user credentials.
@discardableResult
public func CreateProcessWithLogonW(_ lpUsername: LPCWSTR!, _ lpDomain: LPCWSTR!, _ lpPassword: LPCWSTR!,
                                    _ dwLogonFlags: DWORD, _ lpApplicationName: LPCWSTR!, _ lpCommandLine: LPWSTR!,
                                    _ dwCreationFlags: DWORD, _ lpEnvironment: LPVOID!, _ lpCurrentDirectory: LPCWSTR!,
                                    _ lpStartupInfo: LPSTARTUPINFOW!, _ lpProcessInformation: LPPROCESS_INFORMATION!) -> Bool
{
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        let user = lpUsername.map(callerWideString)
        let call = "CreateProcessWithLogonW(\(user ?? "NULL"), flags: \(dwLogonFlags))"
        let error: Int32
        if lpUsername == nil || lpStartupInfo == nil || lpProcessInformation == nil
            || dwLogonFlags & ~DWORD(LOGON_WITH_PROFILE | LOGON_NETCREDENTIALS_ONLY) != 0
        {
            error = ERROR_INVALID_PARAMETER
        } else if dwLogonFlags & DWORD(LOGON_NETCREDENTIALS_ONLY) != 0 {
            error = ERROR_NOT_SUPPORTED
        } else {
            error = ERROR_LOGON_FAILURE
        }
        let result = thread.fail(error)
        thread.traceBool(call, result)
        return result
    }
}
