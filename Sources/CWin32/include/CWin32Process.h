// Processes: CreateProcess and its structures, standard handles, handle attributes.
//
// Names, field order and types are those of WinSDK's processthreadsapi.h, winbase.h and
// handleapi.h, so that code written against WinSDK compiles unchanged; values from Microsoft's
// documentation of CreateProcessW, STARTUPINFOW, STARTUPINFOEXW, UpdateProcThreadAttribute,
// SetHandleInformation and GetStdHandle.
#ifndef CWIN32_PROCESS_H
#define CWIN32_PROCESS_H

#include "CWin32.h"

/// What `CreateProcess` gives the new process: window placement (ignored here) and, with
/// `STARTF_USESTDHANDLES`, its standard handles.
typedef struct _STARTUPINFOW {
    DWORD cb;
    LPWSTR lpReserved;
    LPWSTR lpDesktop;
    LPWSTR lpTitle;
    DWORD dwX;
    DWORD dwY;
    DWORD dwXSize;
    DWORD dwYSize;
    DWORD dwXCountChars;
    DWORD dwYCountChars;
    DWORD dwFillAttribute;
    DWORD dwFlags;
    WORD wShowWindow;
    WORD cbReserved2;
    LPBYTE lpReserved2;
    HANDLE hStdInput;
    HANDLE hStdOutput;
    HANDLE hStdError;
} STARTUPINFOW, *LPSTARTUPINFOW;

typedef struct _STARTUPINFOA {
    DWORD cb;
    LPSTR lpReserved;
    LPSTR lpDesktop;
    LPSTR lpTitle;
    DWORD dwX;
    DWORD dwY;
    DWORD dwXSize;
    DWORD dwYSize;
    DWORD dwXCountChars;
    DWORD dwYCountChars;
    DWORD dwFillAttribute;
    DWORD dwFlags;
    WORD wShowWindow;
    WORD cbReserved2;
    LPBYTE lpReserved2;
    HANDLE hStdInput;
    HANDLE hStdOutput;
    HANDLE hStdError;
} STARTUPINFOA, *LPSTARTUPINFOA;

/// Opaque, as in WinSDK: Swift imports the pointer as `OpaquePointer`.
typedef struct _PROC_THREAD_ATTRIBUTE_LIST *PPROC_THREAD_ATTRIBUTE_LIST, *LPPROC_THREAD_ATTRIBUTE_LIST;

/// `STARTUPINFOW` with an attribute list; `CreateProcess` reads it with
/// `EXTENDED_STARTUPINFO_PRESENT`.
typedef struct _STARTUPINFOEXW {
    STARTUPINFOW StartupInfo;
    LPPROC_THREAD_ATTRIBUTE_LIST lpAttributeList;
} STARTUPINFOEXW, *LPSTARTUPINFOEXW;

typedef struct _STARTUPINFOEXA {
    STARTUPINFOA StartupInfo;
    LPPROC_THREAD_ATTRIBUTE_LIST lpAttributeList;
} STARTUPINFOEXA, *LPSTARTUPINFOEXA;

/// What `CreateProcess` returns: new handles to the process and its main thread, and their ids.
typedef struct _PROCESS_INFORMATION {
    HANDLE hProcess;
    HANDLE hThread;
    DWORD dwProcessId;
    DWORD dwThreadId;
} PROCESS_INFORMATION, *PPROCESS_INFORMATION, *LPPROCESS_INFORMATION;

// MARK: - Creation flags (dwCreationFlags)

#define DEBUG_PROCESS 0x00000001
#define DEBUG_ONLY_THIS_PROCESS 0x00000002
#define CREATE_SUSPENDED 0x00000004
#define DETACHED_PROCESS 0x00000008
#define CREATE_NEW_CONSOLE 0x00000010
#define CREATE_NEW_PROCESS_GROUP 0x00000200
#define CREATE_UNICODE_ENVIRONMENT 0x00000400
#define EXTENDED_STARTUPINFO_PRESENT 0x00080000
#define CREATE_BREAKAWAY_FROM_JOB 0x01000000
#define CREATE_DEFAULT_ERROR_MODE 0x04000000
#define CREATE_NO_WINDOW 0x08000000

// MARK: - STARTUPINFO flags

#define STARTF_USESHOWWINDOW 0x00000001
#define STARTF_USESTDHANDLES ((DWORD)0x00000100)

// MARK: - Attribute lists

// WinSDK defines these with a function-like macro (ProcThreadAttributeValue), which Swift cannot
// import; the values are what it expands to.
#define PROC_THREAD_ATTRIBUTE_PARENT_PROCESS 0x00020000
#define PROC_THREAD_ATTRIBUTE_HANDLE_LIST 0x00020002

// MARK: - Standard handles, handle attributes, exit codes

// WinSDK writes ((DWORD)-10) and so on; Swift imports those as the DWORD values below, which
// are spelled out here because this importer rejects the negative literal.
#define STD_INPUT_HANDLE ((DWORD)0xFFFFFFF6)
#define STD_OUTPUT_HANDLE ((DWORD)0xFFFFFFF5)
#define STD_ERROR_HANDLE ((DWORD)0xFFFFFFF4)

#define HANDLE_FLAG_INHERIT ((DWORD)0x00000001)
#define HANDLE_FLAG_PROTECT_FROM_CLOSE 0x00000002

#define STILL_ACTIVE STATUS_PENDING

// MARK: - Process access rights

#define PROCESS_TERMINATE 0x0001
#define PROCESS_CREATE_THREAD 0x0002
#define PROCESS_VM_READ 0x0010
#define PROCESS_VM_WRITE 0x0020
#define PROCESS_DUP_HANDLE 0x0040
#define PROCESS_CREATE_PROCESS 0x0080
#define PROCESS_SET_INFORMATION 0x0200
#define PROCESS_QUERY_INFORMATION 0x0400
#define PROCESS_SUSPEND_RESUME 0x0800
#define PROCESS_QUERY_LIMITED_INFORMATION 0x1000
#define PROCESS_ALL_ACCESS 0x001FFFFF

// MARK: - Errors

#define ERROR_BAD_EXE_FORMAT 193
#define ERROR_ENVVAR_NOT_FOUND 203

#endif
