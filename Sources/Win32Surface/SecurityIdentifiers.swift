import IOKernel

// Security identifiers and the calling thread's token. The simulation has one account, the
// user every simulated process runs as; nothing checks access (see the README), so these exist
// for the structures code builds from them, which are checked as Windows checks them.

/// A SID as bytes (winnt.h's layout: revision 1, sub-authority count, the six-byte authority,
/// then the sub-authorities, little-endian).
struct SecurityIdentifier: Equatable {
    var authority: [UInt8]
    var subAuthorities: [UInt32]

    var bytes: [UInt8] {
        var bytes: [UInt8] = [UInt8(SID_REVISION), UInt8(subAuthorities.count)] + authority
        for sub in subAuthorities { withUnsafeBytes(of: sub.littleEndian) { bytes.append(contentsOf: $0) } }
        return bytes
    }

    var length: Int { 8 + 4 * subAuthorities.count }

    /// The simulated user, S-1-5-21-0-0-0-1000 (a local account's form: NT authority, the
    /// 21 prefix, a domain of zeroes, the first user RID).
    static let user = SecurityIdentifier(authority: [0, 0, 0, 0, 0, 5], subAuthorities: [21, 0, 0, 0, 1000])
    /// Its primary group, S-1-5-21-0-0-0-513 (the domain's "None"/"Domain Users" RID).
    static let primaryGroup = SecurityIdentifier(authority: [0, 0, 0, 0, 0, 5], subAuthorities: [21, 0, 0, 0, 513])

    /// Reads a SID from caller memory, checking it as `RtlValidSid` does: revision 1 and at
    /// most 15 sub-authorities. Nil when it is not valid (or not readable).
    static func read(_ pointer: UnsafeRawPointer?, _ thread: SimThread, call: StaticString) -> SecurityIdentifier? {
        guard let pointer, thread.userBufferIsAccessible(pointer, count: 8, writing: false, call: call) else { return nil }
        let revision = pointer.load(fromByteOffset: 0, as: UInt8.self)
        let count = Int(pointer.load(fromByteOffset: 1, as: UInt8.self))
        guard revision == UInt8(SID_REVISION), count <= Int(SID_MAX_SUB_AUTHORITIES),
              thread.userBufferIsAccessible(pointer, count: 8 + 4 * count, writing: false, call: call)
        else { return nil }
        let authority = (2..<8).map { pointer.load(fromByteOffset: $0, as: UInt8.self) }
        let subs = (0..<count).map { UInt32(littleEndian: pointer.loadUnaligned(fromByteOffset: 8 + 4 * $0, as: UInt32.self)) }
        return SecurityIdentifier(authority: authority, subAuthorities: subs)
    }
}

/// Allocates a SID with `nSubAuthorityCount` of the eight sub-authorities given. The
/// corresponding Win32 function is `AllocateAndInitializeSid`.
///
/// The SID is a tracked heap block, freed with ``FreeSid(_:file:line:)``. A count above 8 is
/// `ERROR_INVALID_PARAMETER`, as documented; NULL pointers are `ERROR_NOACCESS`.
@discardableResult
public func AllocateAndInitializeSid(_ pIdentifierAuthority: PSID_IDENTIFIER_AUTHORITY!, _ nSubAuthorityCount: BYTE,
                                     _ nSubAuthority0: DWORD, _ nSubAuthority1: DWORD, _ nSubAuthority2: DWORD,
                                     _ nSubAuthority3: DWORD, _ nSubAuthority4: DWORD, _ nSubAuthority5: DWORD,
                                     _ nSubAuthority6: DWORD, _ nSubAuthority7: DWORD, _ pSid: UnsafeMutablePointer<PSID?>!,
                                     file: StaticString = #fileID, line: UInt = #line) -> Bool
{
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        guard nSubAuthorityCount <= 8 else { return thread.fail(ERROR_INVALID_PARAMETER) }
        guard let pIdentifierAuthority, let pSid,
              thread.userBufferIsAccessible(pIdentifierAuthority, count: 6, writing: false, call: "AllocateAndInitializeSid")
        else { return thread.fail(ERROR_NOACCESS) }
        let authority = withUnsafeBytes(of: pIdentifierAuthority.pointee.Value) { Array($0) }
        let all = [nSubAuthority0, nSubAuthority1, nSubAuthority2, nSubAuthority3, nSubAuthority4, nSubAuthority5,
                   nSubAuthority6, nSubAuthority7]
        let sid = SecurityIdentifier(authority: authority, subAuthorities: Array(all.prefix(Int(nSubAuthorityCount))))
        guard let block = HeapAlloc(GetProcessHeap(), 0, SIZE_T(sid.length), file: file, line: line) else { return false }
        _ = thread.writeToCaller(sid.bytes, at: block, call: "AllocateAndInitializeSid")
        guard thread.writeToCaller([UInt(bitPattern: block)], at: UnsafeMutableRawPointer(pSid), call: "AllocateAndInitializeSid")
        else {
            _ = HeapFree(GetProcessHeap(), 0, block)
            return thread.fail(ERROR_NOACCESS)
        }
        return true
    }
}

/// Frees a SID from ``AllocateAndInitializeSid(_:_:_:_:_:_:_:_:_:_:_:file:line:)``. The
/// corresponding Win32 function is `FreeSid`: NULL on success, else the SID.
@discardableResult
public func FreeSid(_ pSid: PSID!, file: StaticString = #fileID, line: UInt = #line) -> PVOID! {
    guard currentThread() != nil, let pSid else { return pSid }
    return HeapFree(GetProcessHeap(), 0, pSid, file: file, line: line) ? nil : pSid
}

/// The pseudo-handle of the calling thread's effective token, `(HANDLE)-6`. The corresponding
/// Win32 function is `GetCurrentThreadEffectiveToken` (an inline function of processthreadsapi.h).
@discardableResult
public func GetCurrentThreadEffectiveToken() -> HANDLE! { HANDLE(bitPattern: -6) }

/// The pseudo-handle of the process token, `(HANDLE)-4`. The corresponding Win32 function is
/// `GetCurrentProcessToken`.
@discardableResult
public func GetCurrentProcessToken() -> HANDLE! { HANDLE(bitPattern: -4) }

/// The pseudo-handle of the thread's impersonation token, `(HANDLE)-5`. The corresponding Win32
/// function is `GetCurrentThreadToken`.
@discardableResult
public func GetCurrentThreadToken() -> HANDLE! { HANDLE(bitPattern: -5) }

/// Information about a token. The corresponding Win32 function is `GetTokenInformation`.
///
/// The token pseudo-handles (``GetCurrentThreadEffectiveToken()``, ``GetCurrentProcessToken()``,
/// ``GetCurrentThreadToken()``) name the simulated user's token; any other handle is
/// `ERROR_INVALID_HANDLE`. `TokenUser` and `TokenOwner` give `SecurityIdentifier.user`,
/// `TokenPrimaryGroup` its group; the SID follows the structure in the caller's buffer. A buffer
/// shorter than that is `ERROR_INSUFFICIENT_BUFFER` with the size needed in `*ReturnLength`
/// (the two-call protocol). A handle from ``OpenProcessToken(_:_:_:)`` names the same token.
/// `TokenElevation` (a `TOKEN_ELEVATION`) and `TokenElevationType` (a `TOKEN_ELEVATION_TYPE`)
/// answer from ``MachineIdentity/isElevated``: `TokenElevationTypeFull` for an elevated token,
/// `TokenElevationTypeDefault` otherwise (a standard user's token, which UAC does not split).
/// Other classes are not simulated (`ERROR_NOT_SUPPORTED`).
@discardableResult
public func GetTokenInformation(_ TokenHandle: HANDLE!, _ TokenInformationClass: TOKEN_INFORMATION_CLASS,
                                _ TokenInformation: LPVOID!, _ TokenInformationLength: DWORD,
                                _ ReturnLength: PDWORD!) -> Bool
{
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        let isPseudoHandle = [-4, -5, -6].contains(Int(bitPattern: TokenHandle))
        guard isPseudoHandle || thread.withKernel({ kernel in kernel.withKernelEntry { kernel.token(forHandle: value(TokenHandle)) } }) != nil
        else { return thread.fail(ERROR_INVALID_HANDLE) }
        let sid: SecurityIdentifier
        let header: Int
        switch TokenInformationClass {
        case TokenUser: (sid, header) = (.user, MemoryLayout<TOKEN_USER>.size)
        case TokenOwner: (sid, header) = (.user, MemoryLayout<TOKEN_OWNER>.size)
        case TokenPrimaryGroup: (sid, header) = (.primaryGroup, MemoryLayout<TOKEN_PRIMARY_GROUP>.size)
        case TokenElevation, TokenElevationType:
            return tokenElevation(thread, TokenInformationClass, TokenInformation, TokenInformationLength, ReturnLength)
        default: return thread.fail(ERROR_NOT_SUPPORTED)
        }
        let needed = header + sid.length
        guard let ReturnLength,
              thread.writeToCaller([DWORD(needed)], at: UnsafeMutableRawPointer(ReturnLength), call: "GetTokenInformation")
        else { return thread.fail(ERROR_NOACCESS) }
        guard Int(TokenInformationLength) >= needed, let TokenInformation else {
            return thread.fail(ERROR_INSUFFICIENT_BUFFER)
        }
        // The structure's first field is the SID pointer (TOKEN_USER's Attributes after it is 0).
        var bytes = [UInt8](repeating: 0, count: header)
        withUnsafeBytes(of: UInt(bitPattern: TokenInformation + header).littleEndian) { bytes.replaceSubrange(0..<8, with: $0) }
        guard thread.writeToCaller(bytes + sid.bytes, at: TokenInformation, call: "GetTokenInformation") else {
            return thread.fail(ERROR_NOACCESS)
        }
        return true
    }
}

/// `TokenElevation` and `TokenElevationType`: a fixed-size answer; a buffer too small is
/// `ERROR_INSUFFICIENT_BUFFER` with the size in `*ReturnLength` (NtQueryInformationToken's
/// `STATUS_BUFFER_TOO_SMALL`).
private func tokenElevation(_ thread: SimThread, _ infoClass: TOKEN_INFORMATION_CLASS, _ buffer: LPVOID?, _ length: DWORD,
                            _ returnLength: PDWORD?) -> Bool
{
    let elevated = thread.kernel.machineIdentity.isElevated
    let answer: DWORD = infoClass == TokenElevation
        ? (elevated ? 1 : 0)
        : DWORD((elevated ? TokenElevationTypeFull : TokenElevationTypeDefault).rawValue)
    let needed = MemoryLayout<DWORD>.size
    guard let returnLength,
          thread.writeToCaller([DWORD(needed)], at: UnsafeMutableRawPointer(returnLength), call: "GetTokenInformation")
    else { return thread.fail(ERROR_NOACCESS) }
    guard Int(length) >= needed, let buffer else { return thread.fail(ERROR_INSUFFICIENT_BUFFER) }
    guard thread.writeToCaller([answer], at: buffer, call: "GetTokenInformation") else { return thread.fail(ERROR_NOACCESS) }
    return true
}
