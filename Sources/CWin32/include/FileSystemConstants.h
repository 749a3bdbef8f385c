// File-system and mapping constants that file code names: CopyFileEx's flags, the flags of
// GetFinalPathNameByHandle, CreateSymbolicLink's flags, page protections and file-mapping
// access, and a few registry, shell and known-folder constants such code passes along.
//
// Names and values of WinSDK's winbase.h, fileapi.h, winnt.h, memoryapi.h, winreg.h,
// shellapi.h and shtypes.h, from Microsoft's documentation of the functions that take them.
// The functions behind the registry and the shell are not simulated (but for the few the
// surface names); memory mapping is, with more of its constants in FileMapping.h.
#ifndef CWIN32_FILE_SYSTEM_CONSTANTS_H
#define CWIN32_FILE_SYSTEM_CONSTANTS_H

// CopyFileEx / CopyFile2
#define COPY_FILE_FAIL_IF_EXISTS 0x00000001
#define COPY_FILE_RESTARTABLE 0x00000002
#define COPY_FILE_OPEN_SOURCE_FOR_WRITE 0x00000004
#define COPY_FILE_ALLOW_DECRYPTED_DESTINATION 0x00000008
#define COPY_FILE_DIRECTORY 0x00000080
#define COPY_FILE_COPY_SYMLINK 0x00000800
#define COPY_FILE_NO_BUFFERING 0x00001000
#define COPY_FILE_REQUEST_SECURITY_PRIVILEGES 0x00002000
#define COPY_FILE_OPEN_AND_COPY_REPARSE_POINT 0x00200000

// GetFinalPathNameByHandle
#define FILE_NAME_NORMALIZED 0x0
#define FILE_NAME_OPENED 0x8
#define VOLUME_NAME_DOS 0x0
#define VOLUME_NAME_GUID 0x1
#define VOLUME_NAME_NT 0x2
#define VOLUME_NAME_NONE 0x4

// CreateSymbolicLink
#define SYMBOLIC_LINK_FLAG_DIRECTORY 0x1
#define SYMBOLIC_LINK_FLAG_ALLOW_UNPRIVILEGED_CREATE 0x2

// Page protections and file-mapping access
#define PAGE_NOACCESS 0x01
#define PAGE_READONLY 0x02
#define PAGE_READWRITE 0x04
#define PAGE_WRITECOPY 0x08
#define PAGE_EXECUTE 0x10
#define PAGE_EXECUTE_READ 0x20
#define PAGE_EXECUTE_READWRITE 0x40
#define FILE_MAP_COPY 0x0001
#define FILE_MAP_WRITE 0x0002
#define FILE_MAP_READ 0x0004
#define FILE_MAP_EXECUTE 0x0020
#define FILE_MAP_ALL_ACCESS 0x000F001F

// RegGetValue's type restrictions
#define RRF_RT_REG_NONE 0x00000001
#define RRF_RT_REG_SZ 0x00000002
#define RRF_RT_REG_EXPAND_SZ 0x00000004
#define RRF_RT_REG_BINARY 0x00000008
#define RRF_RT_REG_DWORD 0x00000010
#define RRF_RT_REG_MULTI_SZ 0x00000020
#define RRF_RT_REG_QWORD 0x00000040
#define RRF_RT_ANY 0x0000ffff

// SHGetFileInfo
#define SHGFI_EXETYPE 0x000002000

// SHGetKnownFolderPath's flags
typedef enum KNOWN_FOLDER_FLAG : int {
    KF_FLAG_DEFAULT = 0x00000000,
    KF_FLAG_SIMPLE_IDLIST = 0x00000100,
    KF_FLAG_NOT_PARENT_RELATIVE = 0x00000200,
    KF_FLAG_DEFAULT_PATH = 0x00000400,
    KF_FLAG_INIT = 0x00000800,
    KF_FLAG_NO_ALIAS = 0x00001000,
    KF_FLAG_DONT_UNEXPAND = 0x00002000,
    KF_FLAG_DONT_VERIFY = 0x00004000,
    KF_FLAG_CREATE = 0x00008000,
} KNOWN_FOLDER_FLAG;

#endif
