import IOKernel

// Security descriptors, absolute and self-relative. The simulation records nothing about
// access (CreateFileW keeps the SECURITY_ATTRIBUTES it is given and checks no rights), but the
// structures are built and validated as advapi32 and ntdll's Rtl*SecurityDescriptor functions
// do, so code that builds one gets the errors and sizes Windows gives it.

private let absoluteSize = MemoryLayout<SECURITY_DESCRIPTOR>.size
private let relativeSize = MemoryLayout<SECURITY_DESCRIPTOR_RELATIVE>.size

/// The absolute descriptor at `pointer`, or the error a function fails with: it must be
/// readable, of revision 1 and not self-relative (`ERROR_INVALID_SECURITY_DESCR`).
private func absoluteDescriptor(_ pointer: UnsafeMutableRawPointer?, _ thread: SimThread, call: StaticString)
    -> Result<UnsafeMutablePointer<SECURITY_DESCRIPTOR>, Win32Failure>
{
    guard let pointer, thread.userBufferIsAccessible(pointer, count: absoluteSize, writing: true, call: call) else {
        return .failure(Win32Failure(ERROR_NOACCESS))
    }
    let descriptor = pointer.assumingMemoryBound(to: SECURITY_DESCRIPTOR.self)
    guard descriptor.pointee.Revision == BYTE(SECURITY_DESCRIPTOR_REVISION),
          descriptor.pointee.Control & SECURITY_DESCRIPTOR_CONTROL(SE_SELF_RELATIVE) == 0
    else { return .failure(Win32Failure(ERROR_INVALID_SECURITY_DESCR)) }
    return .success(descriptor)
}

/// Runs `body` on a valid absolute descriptor, or fails the call.
private func withAbsoluteDescriptor(_ pointer: UnsafeMutableRawPointer?, call: StaticString,
                                    _ body: (inout SECURITY_DESCRIPTOR) -> Int32?) -> Bool
{
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        switch absoluteDescriptor(pointer, thread, call: call) {
        case .failure(let failure): return thread.fail(failure.code)
        case .success(let descriptor):
            if let error = body(&descriptor.pointee) { return thread.fail(error) }
            return true
        }
    }
}

/// Initialises an absolute security descriptor: revision 1, no owner, group or lists, no
/// control bits. The corresponding Win32 function is `InitializeSecurityDescriptor`; a revision
/// other than `SECURITY_DESCRIPTOR_REVISION` is `ERROR_UNKNOWN_REVISION`.
@discardableResult
public func InitializeSecurityDescriptor(_ pSecurityDescriptor: PSECURITY_DESCRIPTOR!, _ dwRevision: DWORD) -> Bool {
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        guard dwRevision == DWORD(SECURITY_DESCRIPTOR_REVISION) else { return thread.fail(ERROR_UNKNOWN_REVISION) }
        guard let pSecurityDescriptor,
              thread.userBufferIsAccessible(pSecurityDescriptor, count: absoluteSize, writing: true,
                                            call: "InitializeSecurityDescriptor")
        else { return thread.fail(ERROR_NOACCESS) }
        var descriptor = SECURITY_DESCRIPTOR()
        descriptor.Revision = BYTE(SECURITY_DESCRIPTOR_REVISION)
        pSecurityDescriptor.assumingMemoryBound(to: SECURITY_DESCRIPTOR.self).pointee = descriptor
        return true
    }
}

/// Sets (or, with `bDaclPresent` false, removes) the descriptor's DACL. The corresponding Win32
/// function is `SetSecurityDescriptorDacl`. A NULL DACL that is present grants everyone
/// everything on Windows; here nothing is checked either way.
@discardableResult
public func SetSecurityDescriptorDacl(_ pSecurityDescriptor: PSECURITY_DESCRIPTOR!, _ bDaclPresent: Bool, _ pDacl: PACL!,
                                      _ bDaclDefaulted: Bool) -> Bool
{
    withAbsoluteDescriptor(pSecurityDescriptor, call: "SetSecurityDescriptorDacl") { descriptor in
        let present = SECURITY_DESCRIPTOR_CONTROL(SE_DACL_PRESENT), defaulted = SECURITY_DESCRIPTOR_CONTROL(SE_DACL_DEFAULTED)
        descriptor.Control &= ~(present | defaulted)
        descriptor.Dacl = bDaclPresent ? pDacl : nil
        if bDaclPresent { descriptor.Control |= present | (bDaclDefaulted ? defaulted : 0) }
        return nil
    }
}

/// Sets the descriptor's owner. The corresponding Win32 function is
/// `SetSecurityDescriptorOwner`; the SID is kept by pointer, as in an absolute descriptor.
@discardableResult
public func SetSecurityDescriptorOwner(_ pSecurityDescriptor: PSECURITY_DESCRIPTOR!, _ pOwner: PSID!,
                                       _ bOwnerDefaulted: Bool) -> Bool
{
    setIdentifier(\.Owner, of: pSecurityDescriptor, to: pOwner, defaulted: bOwnerDefaulted, bit: SE_OWNER_DEFAULTED,
                  call: "SetSecurityDescriptorOwner")
}

/// Sets the descriptor's primary group. The corresponding Win32 function is
/// `SetSecurityDescriptorGroup`.
@discardableResult
public func SetSecurityDescriptorGroup(_ pSecurityDescriptor: PSECURITY_DESCRIPTOR!, _ pGroup: PSID!,
                                       _ bGroupDefaulted: Bool) -> Bool
{
    setIdentifier(\.Group, of: pSecurityDescriptor, to: pGroup, defaulted: bGroupDefaulted, bit: SE_GROUP_DEFAULTED,
                  call: "SetSecurityDescriptorGroup")
}

/// The owner or group with its `_DEFAULTED` control bit.
private func setIdentifier(_ field: WritableKeyPath<SECURITY_DESCRIPTOR, PSID?>, of descriptor: PSECURITY_DESCRIPTOR?,
                           to sid: PSID?, defaulted: Bool, bit: Int32, call: StaticString) -> Bool
{
    withAbsoluteDescriptor(descriptor, call: call) { descriptor in
        let defaultedBit = SECURITY_DESCRIPTOR_CONTROL(bit)
        descriptor[keyPath: field] = sid
        descriptor.Control = (descriptor.Control & ~defaultedBit) | (defaulted ? defaultedBit : 0)
        return nil
    }
}

/// Sets the inheritance control bits. The corresponding Win32 function is
/// `SetSecurityDescriptorControl`: only the `SE_DACL_`/`SE_SACL_` `AUTO_INHERIT_REQ`,
/// `AUTO_INHERITED` and `PROTECTED` bits may be named (else `ERROR_INVALID_PARAMETER`), and
/// those of interest are set as `ControlBitsToSet` says.
@discardableResult
public func SetSecurityDescriptorControl(_ pSecurityDescriptor: PSECURITY_DESCRIPTOR!,
                                         _ ControlBitsOfInterest: SECURITY_DESCRIPTOR_CONTROL,
                                         _ ControlBitsToSet: SECURITY_DESCRIPTOR_CONTROL) -> Bool
{
    let settable = SECURITY_DESCRIPTOR_CONTROL(SE_DACL_AUTO_INHERIT_REQ | SE_SACL_AUTO_INHERIT_REQ | SE_DACL_AUTO_INHERITED
                                                   | SE_SACL_AUTO_INHERITED | SE_DACL_PROTECTED | SE_SACL_PROTECTED)
    return withAbsoluteDescriptor(pSecurityDescriptor, call: "SetSecurityDescriptorControl") { descriptor in
        guard (ControlBitsOfInterest | ControlBitsToSet) & ~settable == 0 else { return ERROR_INVALID_PARAMETER }
        descriptor.Control = (descriptor.Control & ~ControlBitsOfInterest) | (ControlBitsToSet & ControlBitsOfInterest)
        return nil
    }
}

/// Copies an absolute descriptor into one self-relative block. The corresponding Win32
/// function is `MakeSelfRelativeSD`.
///
/// The size is the 20-byte header, then the SACL, the DACL, the owner and the group (the order
/// ntdll's `RtlMakeSelfRelativeSD` lays them out in), each at an offset from the start; a
/// `*lpdwBufferLength` below it is `ERROR_INSUFFICIENT_BUFFER` with the size stored there, the
/// first call of the usual two. An owner or group that is not a valid SID is
/// `ERROR_INVALID_SID`, a list that is not a valid ACL `ERROR_INVALID_ACL`, a descriptor already
/// self-relative `ERROR_BAD_DESCRIPTOR_FORMAT`.
@discardableResult
public func MakeSelfRelativeSD(_ pAbsoluteSecurityDescriptor: PSECURITY_DESCRIPTOR!,
                               _ pSelfRelativeSecurityDescriptor: PSECURITY_DESCRIPTOR!,
                               _ lpdwBufferLength: LPDWORD!) -> Bool
{
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        let call: StaticString = "MakeSelfRelativeSD"
        guard let source = pAbsoluteSecurityDescriptor,
              thread.userBufferIsAccessible(source, count: absoluteSize, writing: false, call: call)
        else { return thread.fail(ERROR_NOACCESS) }
        let absolute = source.assumingMemoryBound(to: SECURITY_DESCRIPTOR.self).pointee
        guard absolute.Revision == BYTE(SECURITY_DESCRIPTOR_REVISION) else { return thread.fail(ERROR_INVALID_SECURITY_DESCR) }
        guard absolute.Control & SECURITY_DESCRIPTOR_CONTROL(SE_SELF_RELATIVE) == 0 else {
            return thread.fail(ERROR_BAD_DESCRIPTOR_FORMAT)
        }
        var parts: [[UInt8]] = []
        var offsets: [DWORD] = [0, 0, 0, 0]   // owner, group, sacl, dacl
        var next = relativeSize
        func place(_ bytes: [UInt8], at field: Int) {
            offsets[field] = DWORD(next)
            parts.append(bytes)
            next += (bytes.count + 3) & ~3
        }
        let sacl = absolute.Control & SECURITY_DESCRIPTOR_CONTROL(SE_SACL_PRESENT) != 0 ? absolute.Sacl : nil
        let dacl = absolute.Control & SECURITY_DESCRIPTOR_CONTROL(SE_DACL_PRESENT) != 0 ? absolute.Dacl : nil
        for (list, field) in [(sacl, 2), (dacl, 3)] {
            guard let list else { continue }
            guard let bytes = AccessControlList.readBytes(UnsafeRawPointer(list), thread, call: call) else {
                return thread.fail(ERROR_INVALID_ACL)
            }
            place(bytes, at: field)
        }
        for (sid, field) in [(absolute.Owner, 0), (absolute.Group, 1)] {
            guard let sid else { continue }
            guard let identifier = SecurityIdentifier.read(UnsafeRawPointer(sid), thread, call: call) else {
                return thread.fail(ERROR_INVALID_SID)
            }
            place(identifier.bytes, at: field)
        }
        guard let lpdwBufferLength,
              thread.userBufferIsAccessible(lpdwBufferLength, count: 4, writing: true, call: call)
        else { return thread.fail(ERROR_NOACCESS) }
        guard Int(lpdwBufferLength.pointee) >= next, let target = pSelfRelativeSecurityDescriptor else {
            thread.store(DWORD(next), into: lpdwBufferLength, call: "MakeSelfRelativeSD")
            return thread.fail(ERROR_INSUFFICIENT_BUFFER)
        }
        var header = SECURITY_DESCRIPTOR_RELATIVE()
        header.Revision = absolute.Revision
        header.Control = absolute.Control | SECURITY_DESCRIPTOR_CONTROL(SE_SELF_RELATIVE)
        (header.Owner, header.Group, header.Sacl, header.Dacl) = (offsets[0], offsets[1], offsets[2], offsets[3])
        var bytes = withUnsafeBytes(of: header) { Array($0) }
        for part in parts { bytes += part + [UInt8](repeating: 0, count: ((part.count + 3) & ~3) - part.count) }
        guard thread.writeToCaller(bytes, at: target, call: call) else { return thread.fail(ERROR_NOACCESS) }
        return true
    }
}
