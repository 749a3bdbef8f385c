// File mapping objects and views (memoryapi.h, winnt.h): the section attributes CreateFileMapping
// takes with a page protection, a section handle's access rights, and the FILE_MAP_* flags not in
// FileSystemConstants.h. Values from winnt.h as Microsoft documents them (CreateFileMappingW,
// MapViewOfFileEx, "File Mapping Security and Access Rights").
#ifndef CWIN32_FILE_MAPPING_H
#define CWIN32_FILE_MAPPING_H

#define PAGE_EXECUTE_WRITECOPY 0x80

#define SEC_FILE 0x00800000
#define SEC_IMAGE 0x01000000
#define SEC_RESERVE 0x04000000
#define SEC_COMMIT 0x08000000
#define SEC_NOCACHE 0x10000000
#define SEC_WRITECOMBINE 0x40000000
#define SEC_LARGE_PAGES 0x80000000
#define SEC_IMAGE_NO_EXECUTE (SEC_IMAGE | SEC_NOCACHE)

#define SECTION_QUERY 0x0001
#define SECTION_MAP_WRITE 0x0002
#define SECTION_MAP_READ 0x0004
#define SECTION_MAP_EXECUTE 0x0008
#define SECTION_EXTEND_SIZE 0x0010
#define SECTION_MAP_EXECUTE_EXPLICIT 0x0020
#define SECTION_ALL_ACCESS 0x000F001F

#define FILE_MAP_TARGETS_INVALID 0x40000000
#define FILE_MAP_LARGE_PAGES 0x20000000
#define FILE_MAP_RESERVE 0x80000000

#endif
