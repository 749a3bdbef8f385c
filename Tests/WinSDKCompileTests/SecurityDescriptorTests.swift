import IOKernel
import IOSimXCTest
import WinSDK
import XCTest

/// The security-descriptor family as code that creates a file with POSIX-like permissions uses
/// it: SIDs for the user, the group and everyone, an ACL from explicit entries, an absolute
/// descriptor made self-relative for SECURITY_ATTRIBUTES. Sizes follow winnt.h's layouts; the
/// two-call protocols and errors follow each function's reference page.
final class SecurityDescriptorTests: XCTestCase {
    /// A token information class into a buffer of the size the first call reports.
    private func tokenInformation<T>(_ type: T.Type, _ infoClass: TOKEN_INFORMATION_CLASS) -> UnsafeMutableRawPointer? {
        var needed: DWORD = 0
        XCTAssertFalse(GetTokenInformation(GetCurrentThreadEffectiveToken(), infoClass, nil, 0, &needed))
        XCTAssertEqual(GetLastError(), DWORD(ERROR_INSUFFICIENT_BUFFER))
        guard let buffer = LocalAlloc(UINT(LPTR), SIZE_T(needed)) else { return nil }
        XCTAssertTrue(GetTokenInformation(GetCurrentThreadEffectiveToken(), infoClass, buffer, needed, &needed))
        return buffer
    }

    func testADescriptorForOwnerReadWriteGroupReadOthersNothing() {
        let sim = checkedSimulation()
        sim.run {
            var worldAuthority = SID_IDENTIFIER_AUTHORITY(Value: (0, 0, 0, 0, 0, 1))
            var everyone: PSID? = nil
            XCTAssertTrue(AllocateAndInitializeSid(&worldAuthority, 1, DWORD(SECURITY_WORLD_RID), 0, 0, 0, 0, 0, 0, 0,
                                                   &everyone))
            guard let everyone else { return XCTFail("no SID") }
            defer { FreeSid(everyone) }

            guard let userInfo = tokenInformation(TOKEN_USER.self, TokenUser),
                  let groupInfo = tokenInformation(TOKEN_PRIMARY_GROUP.self, TokenPrimaryGroup)
            else { return XCTFail("no token information") }
            defer { LocalFree(userInfo); LocalFree(groupInfo) }
            let user = userInfo.assumingMemoryBound(to: TOKEN_USER.self).pointee.User.Sid!
            let group = groupInfo.assumingMemoryBound(to: TOKEN_PRIMARY_GROUP.self).pointee.PrimaryGroup!

            func entry(_ mask: DWORD, _ mode: ACCESS_MODE, _ sid: PSID, _ type: TRUSTEE_TYPE) -> EXPLICIT_ACCESS_W {
                EXPLICIT_ACCESS_W(grfAccessPermissions: mask, grfAccessMode: mode, grfInheritance: DWORD(NO_INHERITANCE),
                                  Trustee: TRUSTEE_W(pMultipleTrustee: nil, MultipleTrusteeOperation: NO_MULTIPLE_TRUSTEE,
                                                     TrusteeForm: TRUSTEE_IS_SID, TrusteeType: type,
                                                     ptstrName: sid.assumingMemoryBound(to: WCHAR.self)))
            }
            let read = DWORD(FILE_GENERIC_READ), write = DWORD(FILE_GENERIC_WRITE)
            var entries = [entry(read | write, GRANT_ACCESS, user, TRUSTEE_IS_USER),
                           entry(read, GRANT_ACCESS, group, TRUSTEE_IS_GROUP),
                           entry(read, DENY_ACCESS, everyone, TRUSTEE_IS_WELL_KNOWN_GROUP)]
            var acl: PACL? = nil
            XCTAssertEqual(SetEntriesInAclW(ULONG(entries.count), &entries, nil, &acl), DWORD(ERROR_SUCCESS))
            guard let acl else { return XCTFail("no ACL") }
            defer { LocalFree(acl) }
            // Header 8; the user's and group's SIDs have 5 sub-authorities (28 bytes), everyone's
            // one (12): ACEs of 8 + 28, 8 + 28 and 8 + 12 bytes. Denied first.
            XCTAssertEqual(acl.pointee.AclRevision, BYTE(ACL_REVISION))
            XCTAssertEqual(acl.pointee.AceCount, 3)
            XCTAssertEqual(acl.pointee.AclSize, 8 + 36 + 36 + 20)
            let firstAce = UnsafeRawPointer(acl + 1).assumingMemoryBound(to: ACE_HEADER.self).pointee
            XCTAssertEqual(firstAce.AceType, BYTE(ACCESS_DENIED_ACE_TYPE))

            var descriptor = SECURITY_DESCRIPTOR()
            XCTAssertTrue(InitializeSecurityDescriptor(&descriptor, DWORD(SECURITY_DESCRIPTOR_REVISION)))
            XCTAssertTrue(SetSecurityDescriptorControl(&descriptor, SECURITY_DESCRIPTOR_CONTROL(SE_DACL_PROTECTED),
                                                       SECURITY_DESCRIPTOR_CONTROL(SE_DACL_PROTECTED))
                          && SetSecurityDescriptorOwner(&descriptor, user, false)
                          && SetSecurityDescriptorGroup(&descriptor, group, false)
                          && SetSecurityDescriptorDacl(&descriptor, true, acl, false))
            XCTAssertEqual(descriptor.Control, SECURITY_DESCRIPTOR_CONTROL(SE_DACL_PROTECTED | SE_DACL_PRESENT))

            var size: DWORD = 0
            XCTAssertFalse(MakeSelfRelativeSD(&descriptor, nil, &size))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INSUFFICIENT_BUFFER))
            // 20-byte header, the 100-byte DACL, then owner and group SIDs of 28 bytes each.
            XCTAssertEqual(size, 20 + 100 + 28 + 28)
            guard let relative = LocalAlloc(UINT(LPTR), SIZE_T(size)) else { return XCTFail("no memory") }
            defer { LocalFree(relative) }
            XCTAssertTrue(MakeSelfRelativeSD(&descriptor, relative, &size))
            let header = relative.assumingMemoryBound(to: SECURITY_DESCRIPTOR_RELATIVE.self).pointee
            XCTAssertEqual(header.Control & SECURITY_DESCRIPTOR_CONTROL(SE_SELF_RELATIVE),
                           SECURITY_DESCRIPTOR_CONTROL(SE_SELF_RELATIVE))
            XCTAssertEqual([header.Sacl, header.Dacl, header.Owner, header.Group], [0, 20, 120, 148])

            // A self-relative descriptor is not absolute: the setters refuse it.
            XCTAssertFalse(SetSecurityDescriptorDacl(relative, false, nil, false))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_SECURITY_DESCR))
            var attributes = SECURITY_ATTRIBUTES(nLength: DWORD(MemoryLayout<SECURITY_ATTRIBUTES>.size),
                                                 lpSecurityDescriptor: relative, bInheritHandle: false)
            let file = CreateFileW(Array("C:\\secret.txt\0".utf16), GENERIC_READ | DWORD(GENERIC_WRITE), 0, &attributes,
                                   DWORD(CREATE_NEW), DWORD(FILE_ATTRIBUTE_NORMAL), nil)
            XCTAssertNotEqual(file, INVALID_HANDLE_VALUE)
            CloseHandle(file)   // unused result: no warning, as with the imported C function
        }
    }

    func testBadArguments() {
        let sim = checkedSimulation()
        sim.run {
            var descriptor = SECURITY_DESCRIPTOR()
            XCTAssertFalse(InitializeSecurityDescriptor(&descriptor, 2))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_UNKNOWN_REVISION))
            XCTAssertFalse(SetSecurityDescriptorDacl(&descriptor, true, nil, false))   // never initialised
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_SECURITY_DESCR))
            XCTAssertTrue(InitializeSecurityDescriptor(&descriptor, DWORD(SECURITY_DESCRIPTOR_REVISION)))
            XCTAssertFalse(SetSecurityDescriptorControl(&descriptor, SECURITY_DESCRIPTOR_CONTROL(SE_DACL_PRESENT), 0))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_PARAMETER))
            var authority = SID_IDENTIFIER_AUTHORITY(Value: (0, 0, 0, 0, 0, 5))
            var sid: PSID? = nil
            XCTAssertFalse(AllocateAndInitializeSid(&authority, 9, 0, 0, 0, 0, 0, 0, 0, 0, &sid))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_PARAMETER))
            var needed: DWORD = 0
            XCTAssertFalse(GetTokenInformation(GetCurrentProcess(), TokenUser, nil, 0, &needed))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_HANDLE))
            // An owner that is not a SID (revision 9).
            let garbage = LocalAlloc(UINT(LPTR), 12)
            garbage?.storeBytes(of: 9, as: UInt8.self)
            descriptor.Owner = garbage
            XCTAssertFalse(MakeSelfRelativeSD(&descriptor, nil, &needed))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_SID))
            LocalFree(garbage)
        }
    }
}
