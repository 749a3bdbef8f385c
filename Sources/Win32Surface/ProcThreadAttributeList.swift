import IOKernel

/// The attribute list's layout in the caller's buffer. Windows keeps it opaque; this one has
/// the size Windows asks for on 64-bit (a 24-byte header and 24 bytes per attribute, 48 for
/// one, what `InitializeProcThreadAttributeList` reports): a header (flags, capacity, count,
/// a mark that says the list was initialised) and entries (attribute, size, value pointer).
/// `UpdateProcThreadAttribute` keeps the value *pointer*, not a copy, as documented ("the
/// lpValue pointer must persist until the attribute list is destroyed").
enum AttributeListLayout {
    static let headerSize = 24
    static let entrySize = 24
    static let capacityOffset = 4
    static let countOffset = 8
    static let markOffset = 12
    static let mark: UInt32 = 0x4C41_5450  // "PTAL"

    static func size(for count: Int) -> Int { headerSize + entrySize * count }

    /// Writes `values` (each 8 bytes) at `offset` in the caller's list, through the kernel's
    /// checked path; false if the list's memory is too short or freed (a recorded violation).
    static func write(_ values: [UInt64], at offset: Int, in list: UnsafeMutableRawPointer, kernel: Kernel,
                      call: StaticString) -> Bool
    {
        let bytes = values.flatMap { value in withUnsafeBytes(of: value.littleEndian) { Array($0) } }
        let target = list + offset
        guard kernel.probeUserBuffer(target, count: bytes.count, writing: true, call: call, reportingFreed: true) else {
            return false
        }
        kernel.copyToUser(target, bytes)
        return true
    }

    /// The header's flags and capacity, count and mark, packed as two 8-byte words.
    static func header(capacity: UInt32, count: UInt32, mark: UInt32) -> [UInt64] {
        [UInt64(capacity) << 32, UInt64(count) | UInt64(mark) << 32, 0]
    }

    /// Whether `InitializeProcThreadAttributeList` made the list (and no delete undid it). The
    /// header is probed first: memory too short for it, or given back to the host, is no list
    /// (a recorded violation), and everything past the header that the list says it holds was
    /// written, probed, by ``write(_:at:in:kernel:call:)``.
    static func isInitialized(_ list: UnsafeMutableRawPointer) -> Bool {
        guard let kernel = SimThread.current?.kernel,
              kernel.probeUserBuffer(list, count: headerSize, writing: false, call: "a proc-thread attribute list's user",
                                     reportingFreed: true)
        else { return false }
        return list.load(fromByteOffset: markOffset, as: UInt32.self) == mark
    }

    /// The handle values the list's `PROC_THREAD_ATTRIBUTE_HANDLE_LIST` names, or nil if it has
    /// none (or was never initialised). An array shorter than the size given, or freed, names
    /// no handle (a recorded violation).
    static func handleList(in list: UnsafeMutableRawPointer, kernel: Kernel) -> [UInt]? {
        guard isInitialized(list) else { return nil }
        let count = Int(list.load(fromByteOffset: countOffset, as: UInt32.self))
        for index in 0..<count {
            let entry = list + headerSize + entrySize * index
            guard entry.load(as: UInt.self) == UInt(PROC_THREAD_ATTRIBUTE_HANDLE_LIST) else { continue }
            let size = Int(clamping: entry.load(fromByteOffset: 8, as: UInt.self))
            guard let values = entry.load(fromByteOffset: 16, as: UnsafeRawPointer?.self),
                  kernel.probeUserBuffer(values, count: size, writing: false, call: "CreateProcess", reportingFreed: true)
            else { return [] }
            let handleCount = size / MemoryLayout<HANDLE>.stride
            return (0..<handleCount).map { values.load(fromByteOffset: $0 * MemoryLayout<HANDLE>.stride, as: UInt.self) }
        }
        return nil
    }
}

/// Initialises an attribute list for `CreateProcess` (through `STARTUPINFOEXW.lpAttributeList`
/// and `EXTENDED_STARTUPINFO_PRESENT`). The corresponding Win32 function is
/// `InitializeProcThreadAttributeList`.
///
/// Called first with a NULL list, it fails with `ERROR_INSUFFICIENT_BUFFER` and stores the size
/// needed in `*lpSize` (48 bytes for one attribute); so does a buffer too small. `dwFlags` must be
/// 0 (`ERROR_INVALID_PARAMETER`).
@discardableResult
public func InitializeProcThreadAttributeList(_ lpAttributeList: LPPROC_THREAD_ATTRIBUTE_LIST!, _ dwAttributeCount: DWORD,
                                              _ dwFlags: DWORD, _ lpSize: PSIZE_T!) -> Bool
{
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        guard dwFlags == 0, let lpSize else { return thread.fail(ERROR_INVALID_PARAMETER) }
        let needed = AttributeListLayout.size(for: Int(dwAttributeCount))
        guard let given = thread.load(lpSize, call: "InitializeProcThreadAttributeList") else { return thread.fail(ERROR_NOACCESS) }
        guard let lpAttributeList, Int(given) >= needed else {
            thread.store(SIZE_T(needed), into: lpSize, call: "InitializeProcThreadAttributeList")
            return thread.fail(ERROR_INSUFFICIENT_BUFFER)
        }
        let list = UnsafeMutableRawPointer(lpAttributeList)
        guard AttributeListLayout.write(AttributeListLayout.header(capacity: dwAttributeCount, count: 0, mark: AttributeListLayout.mark),
                                        at: 0, in: list, kernel: thread.kernel, call: "InitializeProcThreadAttributeList")
        else { return thread.fail(ERROR_NOACCESS) }
        thread.store(SIZE_T(needed), into: lpSize, call: "InitializeProcThreadAttributeList")
        thread.traceBool("InitializeProcThreadAttributeList(\(dwAttributeCount))", true)
        return true
    }
}

/// Sets one attribute of a list. The corresponding Win32 function is `UpdateProcThreadAttribute`.
///
/// Only `PROC_THREAD_ATTRIBUTE_HANDLE_LIST` is simulated: `lpValue` points to `cbSize` bytes of
/// handles, the only handles the child inherits (each must be inheritable, and
/// `bInheritHandles` must be `TRUE`). The pointer is kept, not the handles: the array must
/// live until `DeleteProcThreadAttributeList`. As Wine's kernelbase and its
/// `test_ProcThreadAttributeList` have it: a size that is not a multiple of a handle's gives
/// `ERROR_BAD_LENGTH`, an attribute set twice `ERROR_INVALID_PARAMETER`, a full list
/// `ERROR_GEN_FAILURE`; nonzero `dwFlags` or a list never initialised, `ERROR_INVALID_PARAMETER`.
/// Other attributes (a parent process, mitigation policies…) give `ERROR_NOT_SUPPORTED`.
@discardableResult
public func UpdateProcThreadAttribute(_ lpAttributeList: LPPROC_THREAD_ATTRIBUTE_LIST!, _ dwFlags: DWORD,
                                      _ Attribute: DWORD_PTR, _ lpValue: PVOID!, _ cbSize: SIZE_T,
                                      _ lpPreviousValue: PVOID!, _ lpReturnSize: PSIZE_T!) -> Bool
{
    return withCurrentThread(failure: false) { (thread: borrowing SimThread) in
        guard dwFlags == 0, let lpAttributeList else { return thread.fail(ERROR_INVALID_PARAMETER) }
        let list = UnsafeMutableRawPointer(lpAttributeList)
        guard AttributeListLayout.isInitialized(list) else { return thread.fail(ERROR_INVALID_PARAMETER) }
        guard Attribute == DWORD_PTR(PROC_THREAD_ATTRIBUTE_HANDLE_LIST) else { return thread.fail(ERROR_NOT_SUPPORTED) }
        let stride = SIZE_T(MemoryLayout<HANDLE>.stride)
        // At most 2^16 handles: more than any process can hold here.
        guard cbSize != 0, cbSize % stride == 0, cbSize <= stride << 16 else { return thread.fail(ERROR_BAD_LENGTH) }
        let capacity = list.load(fromByteOffset: AttributeListLayout.capacityOffset, as: UInt32.self)
        let count = list.load(fromByteOffset: AttributeListLayout.countOffset, as: UInt32.self)
        guard AttributeListLayout.handleList(in: list, kernel: thread.kernel) == nil else { return thread.fail(ERROR_INVALID_PARAMETER) }
        guard count < capacity else { return thread.fail(ERROR_GEN_FAILURE) }
        let entry = AttributeListLayout.headerSize + AttributeListLayout.entrySize * Int(count)
        let kernel = thread.kernel
        guard AttributeListLayout.write([UInt64(Attribute), UInt64(cbSize), UInt64(UInt(bitPattern: lpValue))], at: entry, in: list,
                                        kernel: kernel, call: "UpdateProcThreadAttribute"),
              AttributeListLayout.write(AttributeListLayout.header(capacity: capacity, count: count + 1, mark: AttributeListLayout.mark),
                                        at: 0, in: list, kernel: kernel, call: "UpdateProcThreadAttribute")
        else { return thread.fail(ERROR_NOACCESS) }
        thread.traceBool("UpdateProcThreadAttribute(PROC_THREAD_ATTRIBUTE_HANDLE_LIST, \(cbSize / stride) handles)", true)
        return true
    }
}

/// Releases an attribute list. The corresponding Win32 function is
/// `DeleteProcThreadAttributeList`; the list must be initialised again before another use.
public func DeleteProcThreadAttributeList(_ lpAttributeList: LPPROC_THREAD_ATTRIBUTE_LIST!) {
    guard let lpAttributeList else { return }
    withCurrentThread(failure: ()) { (thread: borrowing SimThread) in
        let list = UnsafeMutableRawPointer(lpAttributeList)
        guard AttributeListLayout.isInitialized(list) else { return }
        let capacity = list.load(fromByteOffset: AttributeListLayout.capacityOffset, as: UInt32.self)
        _ = AttributeListLayout.write(AttributeListLayout.header(capacity: capacity, count: 0, mark: 0), at: 0, in: list,
                                      kernel: thread.kernel, call: "DeleteProcThreadAttributeList")
    }
}
