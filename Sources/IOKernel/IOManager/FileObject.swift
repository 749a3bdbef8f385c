/// A file object: one open instance of a device, shared by every handle duplicated from the
/// handle `CreateFile` returned.
///
/// Its life, as nt-io-model §1.3 and §8.2 give it:
/// - **Open** while it has handles. Every I/O call references it for as long as its IRP lives.
/// - **Cleaned up** when the last handle closes: the driver receives `IRP_MJ_CLEANUP`, which is
///   its chance to complete the I/O still queued for this file object. Closing never completes
///   I/O by itself; a driver that ignores cleanup leaves the requests pending, and they keep the
///   object alive (handle count 0, pointer count > 0: the `!object` picture of the seed
///   `close-handle-with-pending-read`).
/// - **Closed** when the last reference goes: the driver receives `IRP_MJ_CLOSE` and the object
///   is deleted.
public final class FileObject: KernelObject {
    public let device: Device
    /// Opened without `FILE_FLAG_OVERLAPPED` (`FO_SYNCHRONOUS_IO`): every call waits for its
    /// I/O, and the object keeps a current byte offset.
    public let isSynchronous: Bool
    /// The access the file object was opened with (`GENERIC_READ`…).
    public let access: UInt32
    @exclusivity(unchecked) public internal(set) var cleanupSent = false
    @exclusivity(unchecked) public internal(set) var closeSent = false
    /// IRPs issued on this file object that have not finished completion processing.
    @exclusivity(unchecked) public internal(set) var liveIRPCount = 0
    /// The position used by synchronous file objects when the caller gives no offset.
    @exclusivity(unchecked) public internal(set) var currentByteOffset: UInt64 = 0
    /// The status of the last completed request (`FileObject->FinalStatus`).
    @exclusivity(unchecked) public internal(set) var finalStatus = NTStatus.success
    /// The thread holding the synchronous file object's lock (`FileObject->Busy`): every I/O
    /// call on a synchronous file object holds it until its request has completed, so the
    /// calls of different threads are serialised (nt-io-model §5).
    @exclusivity(unchecked) public internal(set) var lockOwner: SimThread?
    /// The completion port the file object is bound to, and its key (`CompletionContext`).
    @exclusivity(unchecked) public internal(set) var completionPort: CompletionPort?
    @exclusivity(unchecked) public internal(set) var completionKey: UInt = 0
    /// `SetFileCompletionNotificationModes` flags: 1 skip the port on synchronous success,
    /// 2 do not set the file object's event. Set, never cleared.
    @exclusivity(unchecked) public internal(set) var notificationModes: UInt8 = 0
    /// Thread-agnostic requests in flight (asynchronous I/O on a port-bound file object): they
    /// live on the file object, not on their thread, and survive its exit (nt-io-model §4.3).
    @exclusivity(unchecked) var agnosticList = IRPList()
    /// The thread-agnostic requests in flight, oldest first.
    public var agnosticIRPs: [IRP] { agnosticList.all }
    /// Scratch space for the driver (`FsContext`).
    @exclusivity(unchecked) public var driverContext: AnyObject?

    static let skipCompletionPortOnSuccess: UInt8 = 0x1
    static let skipSetEventOnHandle: UInt8 = 0x2

    init(id: Int, device: Device, synchronous: Bool, access: UInt32) {
        self.device = device
        self.isSynchronous = synchronous
        self.access = access
        super.init(id: id, kind: .file)
        // The file object's own event: signalled while idle, reset when I/O starts, set when a
        // request that had no caller event completes (win32-facts F-SIG-1).
        signaled = true
    }
}
