/// A byte-range lock on a file of the volume (`LockFileEx`), as the file-system runtime's lock
/// package keeps them (`FsRtlProcessFileLock`): a range, shared or exclusive, owned by one open
/// (the file object) in one process.
///
/// A lock of length 0 covers no bytes but still conflicts with a lock whose range contains its
/// offset (Wine's kernel32 `file.c` test_LockFile: after a zero-byte lock at 100, 98+4 and
/// 100+10 fail and 90+10 succeeds).
struct ByteRangeLock {
    let offset: UInt64
    let length: UInt64
    let exclusive: Bool
    /// The file object that took it: another open of the same process is another owner
    /// ("If the locking process opens the file a second time, it cannot access the specified
    /// region through this second handle", LockFileEx).
    let owner: ObjectIdentifier
    let processID: UInt32

    /// The end of the range, exclusive, as a value that may be 2^64 (`offset + length` does not
    /// fit a `UInt64` for a lock that reaches the last byte).
    var end: (high: Bool, low: UInt64) {
        let (sum, overflow) = offset.addingReportingOverflow(length)
        return (overflow, sum)
    }

    /// Whether the byte at `position` is inside the range.
    func contains(_ position: UInt64) -> Bool {
        guard position >= offset else { return false }
        let (high, low) = end
        return high || position < low
    }

    /// Whether this lock and a request for `offset`+`length` overlap, the way the lock package
    /// sees it: ranges that share a byte, or a zero-length one whose offset is inside the other.
    func overlaps(offset other: UInt64, length otherLength: UInt64) -> Bool {
        if length == 0 && otherLength == 0 { return false }
        if length == 0 {
            return ByteRangeLock(offset: other, length: otherLength, exclusive: false, owner: owner, processID: 0).contains(offset)
        }
        if otherLength == 0 { return contains(other) }
        let otherLock = ByteRangeLock(offset: other, length: otherLength, exclusive: false, owner: owner, processID: 0)
        return contains(other) || otherLock.contains(offset)
    }

    func isOwned(by owner: ObjectIdentifier, processID: UInt32) -> Bool {
        self.owner == owner && self.processID == processID
    }
}

/// What a pending `LockFileEx` asks for, kept in its IRP's `driverContext` while it waits.
final class LockRequest {
    let offset: UInt64
    let length: UInt64
    let exclusive: Bool
    let processID: UInt32

    init(offset: UInt64, length: UInt64, exclusive: Bool, processID: UInt32) {
        self.offset = offset
        self.length = length
        self.exclusive = exclusive
        self.processID = processID
    }
}

/// The flags of an `IRP_MJ_LOCK_CONTROL` request, in its control code (the values of
/// `LOCKFILE_FAIL_IMMEDIATELY` and `LOCKFILE_EXCLUSIVE_LOCK`).
enum LockFlags {
    static let failImmediately: UInt32 = 0x1
    static let exclusive: UInt32 = 0x2
}

extension NTStatus {
    /// `STATUS_FILE_LOCK_CONFLICT` (`ERROR_LOCK_VIOLATION`): a read or write over a range another
    /// owner locked.
    static let fileLockConflict = NTStatus(rawValue: 0xC000_0054)
    /// `STATUS_LOCK_NOT_GRANTED` (`ERROR_LOCK_VIOLATION`): `LOCKFILE_FAIL_IMMEDIATELY` and a
    /// conflicting lock.
    static let lockNotGranted = NTStatus(rawValue: 0xC000_0055)
    /// `STATUS_RANGE_NOT_LOCKED` (`ERROR_NOT_LOCKED`): an unlock that matches no lock, and a
    /// waiting lock request whose file is closed.
    static let rangeNotLocked = NTStatus(rawValue: 0xC000_007E)
    /// `STATUS_INVALID_LOCK_RANGE` (`ERROR_INVALID_LOCK_RANGE`): a range that wraps past the
    /// largest offset.
    static let invalidLockRange = NTStatus(rawValue: 0xC000_01A1)
}

extension FileSystemDriver {
    /// `IRP_MJ_LOCK_CONTROL`/`IRP_MN_LOCK`: grants the lock at once when nothing conflicts;
    /// otherwise fails with `STATUS_LOCK_NOT_GRANTED` under `LOCKFILE_FAIL_IMMEDIATELY`, or
    /// waits (pending, cancellable) until the conflicting locks are released.
    ///
    /// Exclusive locks may not overlap any other lock; shared locks may overlap shared ones, and
    /// an exclusive lock of the same handle (LockFileEx: "A shared lock can overlap an exclusive
    /// lock if both locks were created using the same file handle"). Locking past the end of the
    /// file is not an error.
    func lock(_ irp: IRP, _ open: DiskOpen, _ file: DiskFile, _ k: DriverContext) -> NTStatus {
        guard !file.isDirectory else { return k.complete(irp, status: .invalidDeviceRequest) }
        // LockFileEx: "The handle must have been created with either the GENERIC_READ or
        // GENERIC_WRITE access right."
        guard open.canRead || open.canWrite else { return k.complete(irp, status: .accessDenied) }
        let offset = irp.byteOffset ?? 0
        let length = UInt64(bitPattern: Int64(irp.length))
        // A range that wraps past 2^64 locks nothing (Wine's test_LockFile, "wrap-around lock
        // should not do anything"); the lock package refuses it.
        let (sum, wraps) = offset.addingReportingOverflow(length)
        if wraps && sum != 0 { return k.complete(irp, status: .invalidLockRange) }
        let request = LockRequest(offset: offset, length: length, exclusive: irp.controlCode & LockFlags.exclusive != 0,
                                  processID: irp.thread?.process.processID ?? 0)
        if canGrant(request, to: ObjectIdentifier(irp.fileObject), in: file) {
            grant(request, to: irp.fileObject, in: file, k)
            return k.complete(irp, status: .success)
        }
        if irp.controlCode & LockFlags.failImmediately != 0 { return k.complete(irp, status: .lockNotGranted) }
        irp.driverContext = request
        k.trace("\(file.path): lock of \(length) bytes at \(offset) waits for a conflicting lock")
        lockWaiters.insert(irp, k)
        return .pending
    }

    /// `NtUnlockFile`: removes the lock of this open and process with exactly this offset and
    /// length (the exclusive one first where the handle holds both), then grants the waiting
    /// requests that no longer conflict, oldest first. `STATUS_RANGE_NOT_LOCKED` if none
    /// matches (Wine's test_LockFile: unlocking 10+10 of a 10+20 lock fails, and so does a second
    /// unlock of the same range).
    func unlock(_ fileObject: FileObject, _ file: DiskFile, processID: UInt32, offset: UInt64, length: UInt64,
                _ k: DriverContext) -> NTStatus
    {
        let owner = ObjectIdentifier(fileObject)
        let matching = file.locks.indices.filter {
            let lock = file.locks[$0]
            return lock.isOwned(by: owner, processID: processID) && lock.offset == offset && lock.length == length
        }
        guard let index = matching.first(where: { file.locks[$0].exclusive }) ?? matching.first else {
            return .rangeNotLocked
        }
        file.locks.remove(at: index)
        k.trace("\(file.path): unlocked \(length) bytes at \(offset)")
        grantWaitingLocks(on: file, k)
        return .success
    }

    /// At cleanup (the open's last handle closed): its locks are released, as `FsRtlFastUnlockAll`
    /// does, and its lock requests still waiting complete with `STATUS_RANGE_NOT_LOCKED`, the
    /// status Windows gives them (Samba's smbtorture.h, `range_not_locked_on_file_close`).
    func releaseLocks(of fileObject: FileObject, _ file: DiskFile, _ k: DriverContext) {
        let owner = ObjectIdentifier(fileObject)
        let before = file.locks.count
        file.locks.removeAll { $0.owner == owner }
        while let waiting = lockWaiters.removeNext(for: fileObject, k) {
            k.complete(waiting, status: .rangeNotLocked)
        }
        if file.locks.count != before {
            k.trace("\(file.path): \(before - file.locks.count) lock(s) released at cleanup")
            grantWaitingLocks(on: file, k)
        }
    }

    /// Grants, oldest first, each waiting request on `file` that nothing conflicts with now.
    private func grantWaitingLocks(on file: DiskFile, _ k: DriverContext) {
        for irp in lockWaiters.queued {
            guard let open = irp.fileObject.driverContext as? DiskOpen, open.file === file,
                  let request = irp.driverContext as? LockRequest,
                  canGrant(request, to: ObjectIdentifier(irp.fileObject), in: file),
                  lockWaiters.remove(irp, k) else { continue }
            grant(request, to: irp.fileObject, in: file, k)
            irp.driverContext = nil
            k.complete(irp, status: .success)
        }
    }

    private func canGrant(_ request: LockRequest, to owner: ObjectIdentifier, in file: DiskFile) -> Bool {
        file.locks.allSatisfy { lock in
            guard lock.overlaps(offset: request.offset, length: request.length) else { return true }
            if request.exclusive { return false }
            return !lock.exclusive || lock.isOwned(by: owner, processID: request.processID)
        }
    }

    private func grant(_ request: LockRequest, to fileObject: FileObject, in file: DiskFile, _ k: DriverContext) {
        file.locks.append(ByteRangeLock(offset: request.offset, length: request.length, exclusive: request.exclusive,
                                        owner: ObjectIdentifier(fileObject), processID: request.processID))
        k.trace("\(file.path): \(request.exclusive ? "exclusive" : "shared") lock of \(request.length) bytes at \(request.offset) granted")
    }

    /// `FsRtlCheckLockForReadAccess`/`WriteAccess`: whether a read or write of `length` bytes at
    /// `offset` by this request's owner is allowed. An exclusive lock of another owner denies
    /// both; a shared lock denies every write, its owner's too (LockFileEx: "Locking a portion
    /// of a file for shared access denies all processes write access to the specified region of
    /// the file, including the process that first locks the region").
    func locksAllow(_ irp: IRP, _ file: DiskFile, offset: UInt64, length: Int, writing: Bool) -> Bool {
        guard !file.locks.isEmpty, length > 0 else { return true }
        let owner = ObjectIdentifier(irp.fileObject)
        let processID = irp.thread?.process.processID ?? 0
        return file.locks.allSatisfy { lock in
            guard lock.length > 0, lock.overlaps(offset: offset, length: UInt64(length)) else { return true }
            if lock.exclusive { return lock.isOwned(by: owner, processID: processID) }
            return !writing
        }
    }

    /// The locks on a file, for tests: offset, length, exclusive, oldest first.
    public func locks(of path: String) -> [(offset: UInt64, length: UInt64, exclusive: Bool)] {
        lookUp(path).file?.locks.map { ($0.offset, $0.length, $0.exclusive) } ?? []
    }
}

extension Kernel {
    /// `NtLockFile`: an `IRP_MJ_LOCK_CONTROL` through the usual issue path, so that a lock
    /// request that waits pends like any IRP (the `OVERLAPPED`, its event, the completion port,
    /// cancellation) and a synchronous handle's caller waits for it.
    package func ntLockFile(handle: UInt, event: UInt?, apcContext: UnsafeMutableRawPointer?,
                            ioStatus: UnsafeMutableRawPointer?, offset: UInt64, length: UInt64,
                            exclusive: Bool, failImmediately: Bool) -> NTStatus
    {
        let flags = (exclusive ? LockFlags.exclusive : 0) | (failImmediately ? LockFlags.failImmediately : 0)
        return transfer(.lockControl, handle: handle, event: event, apcRoutine: nil, apcContext: apcContext,
                        ioStatus: ioStatus, buffer: nil, length: Int(Int64(bitPattern: length)), byteOffset: offset,
                        controlCode: flags)
    }

    /// `NtUnlockFile`: synchronous; the volume answers at once. Another device's handle is
    /// `STATUS_INVALID_DEVICE_REQUEST`.
    package func ntUnlockFile(handle: UInt, offset: UInt64, length: UInt64) -> NTStatus {
        guard let object = handles.lookup(handle) else { return .invalidHandle }
        guard let fileObject = object as? FileObject else { return .objectTypeMismatch }
        guard fileObject.device === fileSystemDevice, let open = fileObject.driverContext as? DiskOpen,
              let file = open.file, !file.isDirectory else { return .invalidDeviceRequest }
        return fileSystem.unlock(fileObject, file, processID: current?.process.processID ?? 0, offset: offset,
                                 length: length, driverContext)
    }
}
