import IOKernel
import Testing
import Win32Surface

/// `RtlNtStatusToDosError`, value for value as win32-facts C-3 gives it (from Wine's
/// `ntdll/tests/error.c`, which passes on Windows); and the severity predicates (C-5).
@Suite("NTSTATUS to Win32 error")
struct StatusMappingTests {
    static let table: [(NTStatus, Int32)] = [
        (.success, ERROR_SUCCESS), (.userAPC, ERROR_USER_APC), (.alerted, ERROR_ALERTED), (.timeout, ERROR_TIMEOUT),
        (.pending, ERROR_IO_PENDING), (.bufferOverflow, ERROR_MORE_DATA), (.accessViolation, ERROR_NOACCESS),
        (.invalidHandle, ERROR_INVALID_HANDLE), (.invalidParameter, ERROR_INVALID_PARAMETER),
        (.invalidDeviceRequest, ERROR_INVALID_FUNCTION), (.endOfFile, ERROR_HANDLE_EOF),
        (.objectTypeMismatch, ERROR_INVALID_HANDLE), (.threadIsTerminating, ERROR_ACCESS_DENIED),
        (.pipeDisconnected, ERROR_PIPE_NOT_CONNECTED), (.pipeClosing, ERROR_NO_DATA),
        (.invalidUserBuffer, ERROR_INVALID_USER_BUFFER), (.cancelled, ERROR_OPERATION_ABORTED),
        (.pipeBroken, ERROR_BROKEN_PIPE), (.notFound, ERROR_NOT_FOUND), (.connectionAborted, ERROR_CONNECTION_ABORTED),
        (.objectNameNotFound, ERROR_FILE_NOT_FOUND),
    ]

    @Test("each status maps to its documented Win32 error", arguments: table)
    func mapping(status: NTStatus, error: Int32) {
        #expect(RtlNtStatusToDosError(NTSTATUS(bitPattern: status.rawValue)) == ULONG(error))
    }

    @Test("a status without a mapping gives ERROR_MR_MID_NOT_FOUND")
    func unmapped() {
        #expect(RtlNtStatusToDosError(NTSTATUS(bitPattern: 0xC0DE_0001)) == ULONG(ERROR_MR_MID_NOT_FOUND))
    }

    /// C-5: warnings are failures to GetOverlappedResult, yet deliver data like a success.
    @Test("severity")
    func severity() {
        #expect(NTStatus.success.isSuccess && !NTStatus.success.isError)
        #expect(NTStatus.pending.isSuccess)
        #expect(NTStatus.bufferOverflow.isWarning && !NTStatus.bufferOverflow.isSuccess && !NTStatus.bufferOverflow.isError)
        #expect(NTStatus.cancelled.isError && !NTStatus.cancelled.isSuccess)
        #expect(NTStatus(rawValue: STATUS_CANCELLED) == .cancelled)
    }
}
