import IOKernel

/// Access-control lists as bytes: the 8-byte ACL header, then ACEs, each a 4-byte header
/// (type, flags, size), an access mask and a SID for the allowed and denied types.
enum AccessControlList {
    struct Entry {
        var type: UInt8
        var flags: UInt8
        var mask: UInt32
        var sid: SecurityIdentifier?
        /// The ACE as it was, for types this file does not take apart.
        var raw: [UInt8] = []

        var bytes: [UInt8] {
            guard let sid else { return raw }
            var bytes: [UInt8] = [type, flags]
            withUnsafeBytes(of: UInt16(8 + sid.length).littleEndian) { bytes.append(contentsOf: $0) }
            withUnsafeBytes(of: mask.littleEndian) { bytes.append(contentsOf: $0) }
            return bytes + sid.bytes
        }
    }

    static func bytes(of entries: [Entry]) -> [UInt8] {
        let body = entries.flatMap(\.bytes)
        var header: [UInt8] = [UInt8(ACL_REVISION), 0]
        withUnsafeBytes(of: UInt16(8 + body.count).littleEndian) { header.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt16(entries.count).littleEndian) { header.append(contentsOf: $0) }
        return header + [0, 0] + body
    }

    /// The whole ACL at `pointer`, checked as `RtlValidAcl` checks it (revision 2 to 4, a size
    /// that holds its header and every ACE), or nil.
    static func readBytes(_ pointer: UnsafeRawPointer, _ thread: SimThread, call: StaticString) -> [UInt8]? {
        guard let entries = read(pointer, thread, call: call) else { return nil }
        let size = Int(UInt16(littleEndian: pointer.loadUnaligned(fromByteOffset: 2, as: UInt16.self)))
        return bytes(of: entries) + [UInt8](repeating: 0, count: max(0, size - (8 + entries.flatMap(\.bytes).count)))
    }

    static func read(_ pointer: UnsafeRawPointer, _ thread: SimThread, call: StaticString) -> [Entry]? {
        guard thread.userBufferIsAccessible(pointer, count: 8, writing: false, call: call) else { return nil }
        let revision = pointer.load(fromByteOffset: 0, as: UInt8.self)
        let size = Int(UInt16(littleEndian: pointer.loadUnaligned(fromByteOffset: 2, as: UInt16.self)))
        let count = Int(UInt16(littleEndian: pointer.loadUnaligned(fromByteOffset: 4, as: UInt16.self)))
        guard (2...4).contains(revision), size >= 8,
              thread.userBufferIsAccessible(pointer, count: size, writing: false, call: call)
        else { return nil }
        var entries: [Entry] = []
        var offset = 8
        for _ in 0..<count {
            guard offset + 4 <= size else { return nil }
            let type = pointer.load(fromByteOffset: offset, as: UInt8.self)
            let flags = pointer.load(fromByteOffset: offset + 1, as: UInt8.self)
            let aceSize = Int(UInt16(littleEndian: pointer.loadUnaligned(fromByteOffset: offset + 2, as: UInt16.self)))
            guard aceSize >= 4, offset + aceSize <= size else { return nil }
            if type == UInt8(ACCESS_ALLOWED_ACE_TYPE) || type == UInt8(ACCESS_DENIED_ACE_TYPE) {
                let mask = UInt32(littleEndian: pointer.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self))
                guard aceSize >= 16, let sid = SecurityIdentifier.read(pointer + offset + 8, thread, call: call) else {
                    return nil
                }
                entries.append(Entry(type: type, flags: flags, mask: mask, sid: sid))
            } else {
                let raw = (0..<aceSize).map { pointer.load(fromByteOffset: offset + $0, as: UInt8.self) }
                entries.append(Entry(type: type, flags: flags, mask: 0, sid: nil, raw: raw))
            }
            offset += aceSize
        }
        return entries
    }
}

/// Makes a new ACL from `OldAcl` and a list of explicit entries. The corresponding Win32
/// function is `SetEntriesInAclW`; it returns a Win32 error code rather than setting the last
/// error.
///
/// Each entry's trustee must be a SID (`TRUSTEE_IS_SID`): the simulation has no account
/// names to look up (`ERROR_NONE_MAPPED`). `GRANT_ACCESS` adds an allowed ACE, `DENY_ACCESS` a
/// denied one, `SET_ACCESS` an allowed one that replaces the trustee's other ACEs,
/// `REVOKE_ACCESS` removes the trustee's ACEs; `grfInheritance` becomes the ACE flags. The new
/// list is in canonical order (denied before allowed), new entries before the old list's, and
/// is a tracked block for `LocalFree`. A NULL `NewAcl` or an entry of another mode or form is
/// `ERROR_INVALID_PARAMETER`; an `OldAcl` that is not a valid ACL `ERROR_INVALID_ACL`.
@discardableResult
public func SetEntriesInAclW(_ cCountOfExplicitEntries: ULONG, _ pListOfExplicitEntries: PEXPLICIT_ACCESS_W!,
                             _ OldAcl: PACL!, _ NewAcl: UnsafeMutablePointer<PACL?>!,
                             file: StaticString = #fileID, line: UInt = #line) -> DWORD
{
    return withCurrentThread(failure: DWORD(ERROR_NOT_SUPPORTED)) { (thread: borrowing SimThread) in
        let call: StaticString = "SetEntriesInAclW"
        guard let NewAcl else { return DWORD(ERROR_INVALID_PARAMETER) }
        let count = Int(cCountOfExplicitEntries)
        guard count == 0 || (pListOfExplicitEntries != nil
            && thread.userBufferIsAccessible(pListOfExplicitEntries, count: count * MemoryLayout<EXPLICIT_ACCESS_W>.stride,
                                             writing: false, call: call))
        else { return DWORD(ERROR_NOACCESS) }
        var old: [AccessControlList.Entry] = []
        if let OldAcl {
            guard let entries = AccessControlList.read(UnsafeRawPointer(OldAcl), thread, call: call) else {
                return DWORD(ERROR_INVALID_ACL)
            }
            old = entries
        }
        var denied: [AccessControlList.Entry] = []
        var allowed: [AccessControlList.Entry] = []
        for index in 0..<count {
            let entry = pListOfExplicitEntries[index]
            guard entry.Trustee.TrusteeForm == TRUSTEE_IS_SID else {
                return DWORD(entry.Trustee.TrusteeForm == TRUSTEE_IS_NAME ? ERROR_NONE_MAPPED : ERROR_INVALID_PARAMETER)
            }
            guard let sid = SecurityIdentifier.read(UnsafeRawPointer(entry.Trustee.ptstrName), thread, call: call) else {
                return DWORD(ERROR_INVALID_SID)
            }
            let flags = UInt8(truncatingIfNeeded: entry.grfInheritance & 0x1F)
            let ace = { (type: Int32) in
                AccessControlList.Entry(type: UInt8(type), flags: flags, mask: entry.grfAccessPermissions, sid: sid)
            }
            switch entry.grfAccessMode {
            case NOT_USED_ACCESS: continue
            case GRANT_ACCESS: allowed.append(ace(ACCESS_ALLOWED_ACE_TYPE))
            case DENY_ACCESS: denied.append(ace(ACCESS_DENIED_ACE_TYPE))
            case SET_ACCESS:
                old.removeAll { $0.sid == sid }
                allowed.removeAll { $0.sid == sid }
                allowed.append(ace(ACCESS_ALLOWED_ACE_TYPE))
            case REVOKE_ACCESS:
                old.removeAll { $0.sid == sid }
                allowed.removeAll { $0.sid == sid }
                denied.removeAll { $0.sid == sid }
            default: return DWORD(ERROR_INVALID_PARAMETER)
            }
        }
        let bytes = AccessControlList.bytes(of: denied + allowed + old)
        guard bytes.count <= Int(UInt16.max) else { return DWORD(ERROR_INVALID_PARAMETER) }
        guard let block = LocalAlloc(UINT(LMEM_FIXED), SIZE_T(bytes.count), file: file, line: line) else {
            return DWORD(ERROR_NOT_ENOUGH_MEMORY)
        }
        _ = thread.writeToCaller(bytes, at: block, call: call)
        guard thread.writeToCaller([UInt(bitPattern: block)], at: UnsafeMutableRawPointer(NewAcl), call: call) else {
            LocalFree(block)
            return DWORD(ERROR_NOACCESS)
        }
        return DWORD(ERROR_SUCCESS)
    }
}
