/// A section object (`CreateFileMapping`'s file mapping object): an object-manager object with
/// a handle and pointer count, over the data of a file on the simulated volume or, for a
/// section backed by the paging file, over pages of its own.
///
/// Its references follow NT's: the section holds a reference to the file object it was created
/// over (`File#n`'s pointer count goes up by one, "section"), so closing the file's last handle
/// sends `IRP_MJ_CLEANUP` (the share access goes) but not `IRP_MJ_CLOSE`, which waits for the
/// section to go; each mapped view holds a reference to the section ("view"), so closing the
/// section's last handle while a view is mapped keeps it alive (handle count 0, pointer count
/// 1). A named section leaves the namespace when its last handle closes (`OpenFileMapping`
/// no longer finds it, even while a view keeps it alive).
///
/// The data is the file's (``FileDataSection``): every view of every section of one file shows
/// the same bytes, and the file system's reads and writes see what the views wrote
/// (``MappedView``).
public final class SectionObject: KernelObject {
    /// `PAGE_READONLY`, `PAGE_READWRITE`, `PAGE_WRITECOPY` or an `EXECUTE` form.
    public let protection: UInt32
    /// The section's size in bytes (`SectionBasicInformation.Size`): the file's size when the
    /// caller gave 0, else the size asked for.
    public let size: UInt64
    /// The name in the object namespace, for a named section.
    public let name: String?
    /// The file object the section was created over; nil for one backed by the paging file.
    /// The section holds a reference to it until it is deleted.
    public private(set) var fileObject: FileObject?
    /// The file whose data the section maps: the volume's file, or for a paging-file section
    /// an unnamed file of its own that lives as long as the section.
    let dataFile: DiskFile

    init(id: Int, protection: UInt32, size: UInt64, name: String?, fileObject: FileObject?, dataFile: DiskFile) {
        self.protection = protection
        self.size = size
        self.name = name
        self.fileObject = fileObject
        self.dataFile = dataFile
        super.init(id: id, kind: .section)
    }

    /// Whether views may write the file: `PAGE_READWRITE` or `PAGE_EXECUTE_READWRITE`.
    var isWritable: Bool { protection == SectionProtection.readWrite || protection == SectionProtection.executeReadWrite }

    /// The delete procedure (the last reference is gone): the file object's reference goes,
    /// which may send it `IRP_MJ_CLOSE`.
    func letGoOfFile() -> FileObject? {
        defer { fileObject = nil }
        return fileObject
    }
}

/// The page protections a section may have, and the access rights of a section handle
/// (winnt.h's values).
enum SectionProtection {
    static let noAccess: UInt32 = 0x01
    static let readOnly: UInt32 = 0x02
    static let readWrite: UInt32 = 0x04
    static let writeCopy: UInt32 = 0x08
    static let execute: UInt32 = 0x10
    static let executeRead: UInt32 = 0x20
    static let executeReadWrite: UInt32 = 0x40
    static let executeWriteCopy: UInt32 = 0x80

    static let query: UInt32 = 0x0001
    static let mapWrite: UInt32 = 0x0002
    static let mapRead: UInt32 = 0x0004
    static let mapExecute: UInt32 = 0x0008
    static let extendSize: UInt32 = 0x0010
    static let standardRightsRequired: UInt32 = 0x000F_0000
    static let allAccess: UInt32 = 0x000F_001F

    /// The access a handle from `CreateFileMapping` gets, as kernelbase asks for it: query and
    /// the standard rights, reading for every protection, writing for a writable one, executing
    /// for an `EXECUTE` one.
    static func creatorAccess(for protection: UInt32) -> UInt32 {
        var access = standardRightsRequired | query | mapRead
        if protection == readWrite || protection == executeReadWrite { access |= mapWrite }
        if protection >= executeRead { access |= mapExecute }
        return access
    }
}

/// The sections of the simulation: the named ones (the object namespace's
/// `\BaseNamedObjects` for sections) and the files with views mapped, which the kernel keeps
/// coherent when threads switch (``Kernel/synchronizeMappedViews()``).
package final class SectionTable {
    @exclusivity(unchecked) var named: [String: SectionObject] = [:]
    /// The files (and paging-file sections) with at least one view mapped, in the order their
    /// first view was mapped.
    @exclusivity(unchecked) var mapped: [FileDataSection] = []
    /// The bytes of views compared with what they last agreed with the file on, and the bytes
    /// the kernel wrote into views: the cost of keeping views coherent, which tests pin (it
    /// follows what changed and where it is observed, not the size of what is mapped).
    @exclusivity(unchecked) package var bytesCompared = 0
    @exclusivity(unchecked) package var bytesRefreshed = 0
    /// The page size and the allocation granularity of the simulated x64 machine.
    static let pageSize = 4096
    static let allocationGranularity: UInt64 = 0x10000
}

extension Kernel {
    /// `NtCreateSection` (what `CreateFileMapping` calls), over the disk file `fileHandle` names
    /// or, with nil, over pages of the paging file. `protection` is the page protection and the
    /// `SEC_*` attributes; `maximumSize` 0 means the file's size. A name already in use by a
    /// section opens that section (the third value is true, `ERROR_ALREADY_EXISTS`), whatever
    /// the other arguments say.
    ///
    /// The checks, in the order Windows makes them: the protection (one of the six a section
    /// may have, `STATUS_INVALID_PAGE_PROTECTION`); the `SEC_*` attributes (below); the handle
    /// (a disk file, `STATUS_INVALID_HANDLE`, `STATUS_INVALID_FILE_FOR_SECTION` for a pipe, a
    /// device or a directory); the file's access (read for every section, write for a writable
    /// one: `STATUS_ACCESS_DENIED`); for `SEC_IMAGE`, the file's first bytes (an empty file is
    /// `STATUS_INVALID_FILE_FOR_SECTION`, one that does not start with "MZ"
    /// `STATUS_INVALID_IMAGE_NOT_MZ`, as Wine's test_MapViewOfFile finds; an executable image is
    /// not simulated, `STATUS_NOT_SUPPORTED`); the size
    /// (`STATUS_MAPPED_FILE_SIZE_ZERO` for an empty file and size 0; larger than the file
    /// extends it for a writable section and is `STATUS_SECTION_TOO_BIG` otherwise, as
    /// ZwCreateSection's documentation gives it).
    package func ntCreateSection(fileHandle: UInt?, protection flProtect: UInt32, maximumSize: UInt64, name: String?,
                                 inherit: Bool) -> (NTStatus, UInt, alreadyExisted: Bool)
    {
        let protection = flProtect & 0xFF
        let attributes = flProtect & ~0xFF
        let valid: Set<UInt32> = [SectionProtection.readOnly, SectionProtection.readWrite, SectionProtection.writeCopy,
                                  SectionProtection.executeRead, SectionProtection.executeReadWrite,
                                  SectionProtection.executeWriteCopy]
        guard valid.contains(protection) else { return (.invalidPageProtection, 0, false) }
        let image: UInt32 = 0x0100_0000, largePages: UInt32 = 0x8000_0000
        let commit: UInt32 = 0x0800_0000, reserve: UInt32 = 0x0400_0000, noCache: UInt32 = 0x1000_0000,
            writeCombine: UInt32 = 0x4000_0000
        // The attributes Windows accepts, as the sec_flag_tests table of Wine's virtual.c
        // test_CreateFileMapping finds them: SEC_IMAGE alone or with SEC_NOCACHE
        // (SEC_IMAGE_NO_EXECUTE); otherwise at most one of SEC_COMMIT and SEC_RESERVE, and
        // SEC_NOCACHE, SEC_WRITECOMBINE or SEC_LARGE_PAGES only with one of them; SEC_LARGE_PAGES
        // only with SEC_COMMIT over the paging file, and there it needs SeLockMemoryPrivilege,
        // which is not simulated. Anything else (SEC_FILE, unknown bits) is
        // STATUS_INVALID_PARAMETER.
        let isImage = attributes & image != 0
        let kind = attributes & (commit | reserve)
        let allowed = isImage ? image | noCache : commit | reserve | noCache | writeCombine | largePages
        guard attributes & ~allowed == 0, kind != commit | reserve,
              isImage || kind != 0 || attributes & (noCache | writeCombine | largePages) == 0,
              attributes & largePages == 0 || (kind == commit && fileHandle == nil)
        else { return (.invalidParameter, 0, false) }
        if attributes & largePages != 0 { return (.notSupported, 0, false) }
        let handleAttributes: HandleAttributes = inherit ? .inherit : []
        let access = SectionProtection.creatorAccess(for: protection)
        if let name {
            if let existing = sections.named[name] {
                return (.success, insertHandle(existing, access: access, attributes: handleAttributes), true)
            }
            if namedEvents[name] != nil || namedJobs[name] != nil { return (.objectTypeMismatch, 0, false) }
        }
        let section: SectionObject
        if let fileHandle {
            guard let object = handles.lookup(fileHandle) else { return (.invalidHandle, 0, false) }
            guard let fileObject = object as? FileObject else { return (.objectTypeMismatch, 0, false) }
            guard fileObject.device === fileSystemDevice, let open = fileObject.driverContext as? DiskOpen,
                  let file = open.file, !file.isDirectory
            else { return (.invalidFileForSection, 0, false) }
            let writable = protection == SectionProtection.readWrite || protection == SectionProtection.executeReadWrite
            guard open.canRead, !writable || open.canWrite else { return (.accessDenied, 0, false) }
            if isImage {
                guard file.dataSize > 0 else { return (.invalidFileForSection, 0, false) }
                guard file.contents.read(at: 0, count: 2).elementsEqual("MZ".utf8) else { return (.invalidImageNotMZ, 0, false) }
                return (.notSupported, 0, false)
            }
            let fileSize = file.dataSize
            var size = maximumSize
            if size == 0 {
                guard fileSize > 0 else { return (.mappedFileSizeZero, 0, false) }
                size = fileSize
            } else if size > fileSize {
                guard writable else { return (.sectionTooBig, 0, false) }
                guard size <= UInt64(max(0, fileSystem.maximumFileSize)) else { return (.diskFull, 0, false) }
                // "If ... larger than the size of the actual named file on disk and if the page
                // protection allows write access, the file on disk is increased" (CreateFileMapping).
                file.setSize(size)
                file.lastWriteTime = fileSystem.now
                fileSystem.report([DirectoryChange(path: file.path, action: DirectoryChange.modified,
                                                   filter: DirectoryChange.sizeChanged | DirectoryChange.lastWriteChanged)],
                                  driverContext)
            }
            section = SectionObject(id: takeObjectID(), protection: protection, size: size, name: name,
                                    fileObject: fileObject, dataFile: file)
            reference(fileObject, by: "section")
        } else {
            // An image section needs an image file (test_CreateFileMapping: ERROR_BAD_EXE_FORMAT).
            guard !isImage else { return (.invalidFileForSection, 0, false) }
            // "the calling process must also specify a size" (CreateFileMapping, hFile).
            guard maximumSize > 0 else { return (.invalidParameter, 0, false) }
            guard maximumSize <= UInt64(max(0, fileSystem.maximumFileSize)) else { return (.sectionTooBig, 0, false) }
            let pages = DiskFile(path: "", isDirectory: false, fileIndex: 0, time: 0)
            pages.contents.setSize(maximumSize)
            section = SectionObject(id: takeObjectID(), protection: protection, size: maximumSize, name: name,
                                    fileObject: nil, dataFile: pages)
        }
        section.dataFile.dataSectionCreated(kernel: self).sections.append(WeakSection(section))
        if let name { sections.named[name] = section }
        if tracing {
            record(.note("\(section.label) created over \(section.fileObject?.label ?? "the paging file"), \(section.size) bytes"))
        }
        return (.success, insertHandle(section, access: access, attributes: handleAttributes), false)
    }

    /// `NtOpenSection` (`OpenFileMapping`): a new handle with `access` to the named section;
    /// `STATUS_OBJECT_NAME_NOT_FOUND` if no section has the name (an event's name is
    /// `STATUS_OBJECT_TYPE_MISMATCH`).
    package func ntOpenSection(name: String, access: UInt32, inherit: Bool) -> (NTStatus, UInt) {
        guard let section = sections.named[name] else {
            if namedEvents[name] != nil || namedJobs[name] != nil { return (.objectTypeMismatch, 0) }
            return (.objectNameNotFound, 0)
        }
        return (.success, insertHandle(section, access: access, attributes: inherit ? .inherit : []))
    }

    /// The last handle to a section closed: its name leaves the namespace.
    func lastSectionHandleClosed(_ section: SectionObject) {
        if let name = section.name, sections.named[name] === section { sections.named[name] = nil }
    }

    /// The section's last reference went: it lets go of its file object.
    func deleteSection(_ section: SectionObject) {
        section.dataFile.dataSection?.sections.removeAll { $0.section == nil || $0.section === section }
        if let file = section.letGoOfFile() { dereference(file, by: "section") }
    }
}

/// A section a file's data section knows of, without keeping it alive.
struct WeakSection {
    weak var section: SectionObject?
    init(_ section: SectionObject) { self.section = section }
}
