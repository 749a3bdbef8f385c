import IOKernel

// SIDs as strings (sddl.h): `S-1-5-21-0-0-0-1000` and back.

extension SecurityIdentifier {
    /// The simulated machine's own domain, S-1-5-21-0-0-0 (the user's SID without its RID).
    static let machineDomain = SecurityIdentifier(authority: [0, 0, 0, 0, 0, 5], subAuthorities: [21, 0, 0, 0])

    /// `S-R-I-S-S…`: the authority in decimal, or in hexadecimal (`0x…`, twelve digits) when it
    /// needs more than 32 bits, as ConvertSidToStringSid writes it.
    var string: String {
        let value = authority.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let authorityText = value >> 32 == 0 ? String(value)
                                             : "0x" + String(repeating: "0", count: max(0, 12 - String(value, radix: 16).count))
                                                 + String(value, radix: 16, uppercase: true)
        return (["S", "1", authorityText] + subAuthorities.map { String($0) }).joined(separator: "-")
    }

    /// The SDDL abbreviations of well-known SIDs that ConvertStringSidToSid accepts (the ones
    /// Wine's advapi32 tests use), or nil.
    static func wellKnown(_ abbreviation: String) -> SecurityIdentifier? {
        let nt: [UInt8] = [0, 0, 0, 0, 0, 5]
        switch abbreviation.uppercased() {
        case "WD": return SecurityIdentifier(authority: [0, 0, 0, 0, 0, 1], subAuthorities: [0])
        case "CO": return SecurityIdentifier(authority: [0, 0, 0, 0, 0, 3], subAuthorities: [0])
        case "SY": return SecurityIdentifier(authority: nt, subAuthorities: [18])
        case "LS": return SecurityIdentifier(authority: nt, subAuthorities: [19])
        case "NS": return SecurityIdentifier(authority: nt, subAuthorities: [20])
        case "AU": return SecurityIdentifier(authority: nt, subAuthorities: [11])
        case "BA": return SecurityIdentifier(authority: nt, subAuthorities: [32, 544])
        case "BU": return SecurityIdentifier(authority: nt, subAuthorities: [32, 545])
        case "BG": return SecurityIdentifier(authority: nt, subAuthorities: [32, 546])
        default: return nil
        }
    }

    /// Parses `S-1-<authority>-<sub>…` (decimal or `0x` hexadecimal authority, 1 to 15
    /// sub-authorities of 32 bits) or a well-known abbreviation.
    init?(parsing text: String) {
        if let known = Self.wellKnown(text) {
            self = known
            return
        }
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count >= 4, parts[0] == "S" || parts[0] == "s", parts[1] == "1" else { return nil }
        let authorityText = parts[2]
        let authorityValue: UInt64?
        if authorityText.lowercased().hasPrefix("0x") {
            authorityValue = UInt64(authorityText.dropFirst(2), radix: 16)
        } else {
            authorityValue = UInt64(authorityText)
        }
        guard let authorityValue, authorityValue >> 48 == 0, parts.count - 3 <= Int(SID_MAX_SUB_AUTHORITIES) else { return nil }
        var subs: [UInt32] = []
        for part in parts[3...] {
            guard let sub = UInt32(part) else { return nil }
            subs.append(sub)
        }
        self.init(authority: (0..<6).map { UInt8(truncatingIfNeeded: authorityValue >> (8 * (5 - $0))) }, subAuthorities: subs)
    }
}

/// Writes a SID as a string. The corresponding Win32 function is `ConvertSidToStringSidW`: the
/// string (`S-1-5-21-0-0-0-1000`) is a `LocalAlloc` block whose address goes into
/// `*StringSid`, for `LocalFree`. A SID that is not valid is `ERROR_INVALID_SID`, a NULL
/// `StringSid` `ERROR_INVALID_PARAMETER`.
@discardableResult
public func ConvertSidToStringSidW(_ Sid: PSID!, _ StringSid: UnsafeMutablePointer<LPWSTR?>!,
                                   file: StaticString = #fileID, line: UInt = #line) -> Bool
{
    withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        let call: StaticString = "ConvertSidToStringSidW"
        let result: Bool = {
            guard let StringSid else { return thread.fail(ERROR_INVALID_PARAMETER) }
            guard let sid = SecurityIdentifier.read(Sid.map { UnsafeRawPointer($0) }, thread, call: call) else {
                return thread.fail(ERROR_INVALID_SID)
            }
            let units = Array(sid.string.utf16) + [0]
            guard let block = LocalAlloc(UINT(LMEM_FIXED), SIZE_T(units.count * 2), file: file, line: line) else { return false }
            _ = thread.writeToCaller(units, at: block, call: call)
            guard thread.writeToCaller([UInt(bitPattern: block)], at: UnsafeMutableRawPointer(StringSid), call: call) else {
                LocalFree(block)
                return thread.fail(ERROR_NOACCESS)
            }
            return true
        }()
        thread.traceBool("ConvertSidToStringSidW", result)
        return result
    }
}

/// Reads a SID from a string. The corresponding Win32 function is `ConvertStringSidToSidW`:
/// `S-1-<authority>-<sub-authorities>` or a well-known SDDL abbreviation (`WD`, `SY`, `BA`,
/// `BU`…); the SID is a `LocalAlloc` block whose address goes into `*Sid`, for `LocalFree`. A
/// string that is not a SID is `ERROR_INVALID_SID`, a NULL argument `ERROR_INVALID_PARAMETER`.
@discardableResult
public func ConvertStringSidToSidW(_ StringSid: LPCWSTR!, _ Sid: UnsafeMutablePointer<PSID?>!,
                                   file: StaticString = #fileID, line: UInt = #line) -> Bool
{
    withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        let call: StaticString = "ConvertStringSidToSidW"
        let text = StringSid.map(callerWideString)
        let result: Bool = {
            guard let text, let Sid else { return thread.fail(ERROR_INVALID_PARAMETER) }
            guard let sid = SecurityIdentifier(parsing: text) else { return thread.fail(ERROR_INVALID_SID) }
            guard let block = LocalAlloc(UINT(LMEM_FIXED), SIZE_T(sid.length), file: file, line: line) else { return false }
            _ = thread.writeToCaller(sid.bytes, at: block, call: call)
            guard thread.writeToCaller([UInt(bitPattern: block)], at: UnsafeMutableRawPointer(Sid), call: call) else {
                LocalFree(block)
                return thread.fail(ERROR_NOACCESS)
            }
            return true
        }()
        thread.traceBool("ConvertStringSidToSidW(\(text ?? "NULL"))", result)
        return result
    }
}
