/// The statuses of sections and views (ntstatus.h's values; the Win32 errors are
/// RtlNtStatusToDosError's, from the kernel's table).
extension NTStatus {
    /// `STATUS_NOT_MAPPED_VIEW`: Win32 reports ERROR_INVALID_ADDRESS.
    public static let notMappedView = NTStatus(rawValue: 0xC000_0019)
    /// `STATUS_CONFLICTING_ADDRESSES`: Win32 reports ERROR_INVALID_ADDRESS.
    public static let conflictingAddresses = NTStatus(rawValue: 0xC000_0018)
    /// `STATUS_NO_MEMORY`: Win32 reports ERROR_NOT_ENOUGH_MEMORY.
    public static let noMemory = NTStatus(rawValue: 0xC000_0017)
    /// `STATUS_INVALID_VIEW_SIZE`: Win32 reports ERROR_ACCESS_DENIED.
    public static let invalidViewSize = NTStatus(rawValue: 0xC000_001F)
    /// `STATUS_INVALID_FILE_FOR_SECTION`: Win32 reports ERROR_BAD_EXE_FORMAT.
    public static let invalidFileForSection = NTStatus(rawValue: 0xC000_0020)
    /// `STATUS_SECTION_TOO_BIG`: Win32 reports ERROR_NOT_ENOUGH_MEMORY.
    public static let sectionTooBig = NTStatus(rawValue: 0xC000_0040)
    /// `STATUS_INVALID_PAGE_PROTECTION`: Win32 reports ERROR_INVALID_PARAMETER.
    public static let invalidPageProtection = NTStatus(rawValue: 0xC000_0045)
    /// `STATUS_MAPPED_FILE_SIZE_ZERO`: Win32 reports ERROR_FILE_INVALID.
    public static let mappedFileSizeZero = NTStatus(rawValue: 0xC000_011E)
    /// `STATUS_MAPPED_ALIGNMENT`: Win32 reports ERROR_MAPPED_ALIGNMENT.
    public static let mappedAlignment = NTStatus(rawValue: 0xC000_0220)
    /// `STATUS_INVALID_IMAGE_NOT_MZ`: Win32 reports ERROR_BAD_EXE_FORMAT.
    public static let invalidImageNotMZ = NTStatus(rawValue: 0xC000_012F)
    /// `STATUS_INVALID_PARAMETER_2`: Win32 reports ERROR_INVALID_PARAMETER.
    public static let invalidParameter2 = NTStatus(rawValue: 0xC000_00F0)
    /// `STATUS_USER_MAPPED_FILE`: Win32 reports ERROR_USER_MAPPED_FILE.
    public static let userMappedFile = NTStatus(rawValue: 0xC000_0243)
}
