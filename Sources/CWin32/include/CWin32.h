// Win32 declarations for overlapped-sim.
//
// These are declared in C, not Swift, so that they import into Swift exactly as WinSDK's do:
// `OVERLAPPED` keeps its C layout and anonymous union (`ov.Offset`, `ov.Pointer`), may appear in
// `@convention(c)` callback types, and each macro gets the type Swift gives the WinSDK macro
// (`ERROR_IO_PENDING` is an `Int32`, `STATUS_PENDING` a `DWORD`, `INFINITE` a `UInt32`).
// Written from the Win32 documentation; values cross-checked against the reference fact sheet.
#ifndef CWIN32_H
#define CWIN32_H

// MARK: - Basic types (LLP64 sizes, as on Windows)

typedef unsigned int DWORD;
typedef unsigned int UINT;
typedef DWORD *LPDWORD;
typedef int LONG;
typedef unsigned int ULONG;
typedef unsigned long long ULONG_PTR;
typedef ULONG_PTR *PULONG_PTR;
typedef ULONG *PULONG;
typedef unsigned char UCHAR;
typedef long long LONG_PTR;
typedef unsigned long long ULONGLONG;
typedef long long LONGLONG;
typedef ULONG_PTR DWORD_PTR;
typedef ULONG_PTR SIZE_T;
typedef void *PVOID;
typedef void *LPVOID;
typedef const void *LPCVOID;
typedef void *HANDLE;
typedef HANDLE *LPHANDLE;
typedef HANDLE *PHANDLE;
typedef LONG *PLONG;
typedef unsigned short WCHAR;
typedef const WCHAR *LPCWSTR;
typedef const char *LPCSTR;
typedef LONG NTSTATUS;

// More types, and `WindowsBool` (the `BOOL` of struct fields).
#include "WindowsTypes.h"

// MARK: - Structures

/// The caller's record of one overlapped request. The kernel keeps its address and writes
/// `Internal` (the NTSTATUS) and `InternalHigh` (the byte count) when the request completes.
typedef struct _OVERLAPPED {
    ULONG_PTR Internal;
    ULONG_PTR InternalHigh;
    union {
        struct {
            DWORD Offset;
            DWORD OffsetHigh;
        };
        PVOID Pointer;
    };
    HANDLE hEvent;
} OVERLAPPED, *LPOVERLAPPED;

/// One packet removed by `GetQueuedCompletionStatusEx`.
typedef struct _OVERLAPPED_ENTRY {
    ULONG_PTR lpCompletionKey;
    LPOVERLAPPED lpOverlapped;
    ULONG_PTR Internal;
    DWORD dwNumberOfBytesTransferred;
} OVERLAPPED_ENTRY, *LPOVERLAPPED_ENTRY;

typedef union _LARGE_INTEGER {
    struct {
        DWORD LowPart;
        LONG HighPart;
    };
    LONGLONG QuadPart;
} LARGE_INTEGER, *PLARGE_INTEGER;

typedef struct _SECURITY_ATTRIBUTES {
    DWORD nLength;
    LPVOID lpSecurityDescriptor;
    BOOL bInheritHandle;
} SECURITY_ATTRIBUTES, *LPSECURITY_ATTRIBUTES;

// The rest of the declarations, one header per topic (new declarations go in a new header).
#include "AccessRights.h"
#include "FileInformation.h"
#include "DirectoriesAndChanges.h"
#include "Security.h"
#include "MessagesAndStrings.h"
#include "SystemInformation.h"
#include "Synchronization.h"
#include "ConsoleAndWindows.h"
#include "ModulesAndPaths.h"
#include "FileSystemConstants.h"
#include "FileMapping.h"
#include "AccountLookup.h"
// LockFileEx, reparse points, CopyFile2, volume flags.
#include "VolumesLocksAndLinks.h"
#include "DeviceControl.h"
#include "StatusSeverity.h"

// MARK: - Callbacks

typedef void (*LPOVERLAPPED_COMPLETION_ROUTINE)(DWORD dwErrorCode, DWORD dwNumberOfBytesTransfered,
                                                LPOVERLAPPED lpOverlapped);
typedef void (*PAPCFUNC)(ULONG_PTR Parameter);
typedef DWORD (*LPTHREAD_START_ROUTINE)(LPVOID lpThreadParameter);

// MARK: - Win32 error codes (winerror.h): every system error code, generated

#include "WinError.h"
#define NO_ERROR 0

// MARK: - NTSTATUS values, typed as winnt.h types its STATUS_ macros (DWORD)

#define STATUS_SUCCESS ((DWORD)0x00000000L)
#define STATUS_WAIT_0 ((DWORD)0x00000000L)
#define STATUS_ABANDONED_WAIT_0 ((DWORD)0x00000080L)
#define STATUS_USER_APC ((DWORD)0x000000C0L)
#define STATUS_ALERTED ((DWORD)0x00000101L)
#define STATUS_TIMEOUT ((DWORD)0x00000102L)
#define STATUS_PENDING ((DWORD)0x00000103L)
#define STATUS_BUFFER_OVERFLOW ((DWORD)0x80000005L)
#define STATUS_ACCESS_VIOLATION ((DWORD)0xC0000005L)
#define STATUS_INVALID_HANDLE ((DWORD)0xC0000008L)
#define STATUS_INVALID_PARAMETER ((DWORD)0xC000000DL)
#define STATUS_INVALID_DEVICE_REQUEST ((DWORD)0xC0000010L)
#define STATUS_END_OF_FILE ((DWORD)0xC0000011L)
#define STATUS_OBJECT_TYPE_MISMATCH ((DWORD)0xC0000024L)
#define STATUS_OBJECT_NAME_NOT_FOUND ((DWORD)0xC0000034L)
#define STATUS_PIPE_DISCONNECTED ((DWORD)0xC00000B0L)
#define STATUS_PIPE_CLOSING ((DWORD)0xC00000B1L)
#define STATUS_PIPE_BROKEN ((DWORD)0xC000014BL)
#define STATUS_ACCESS_DENIED ((DWORD)0xC0000022L)
#define STATUS_OBJECT_NAME_COLLISION ((DWORD)0xC0000035L)
#define STATUS_SHARING_VIOLATION ((DWORD)0xC0000043L)
#define STATUS_PIPE_CONNECTED ((DWORD)0xC00000B2L)
#define STATUS_PIPE_LISTENING ((DWORD)0xC00000B3L)
#define STATUS_INVALID_USER_BUFFER ((DWORD)0xC00000E8L)
#define STATUS_CANCELLED ((DWORD)0xC0000120L)
#define STATUS_NOT_FOUND ((DWORD)0xC0000225L)
#define STATUS_CONNECTION_ABORTED ((DWORD)0xC0000241L)

// MARK: - Waits

#define WAIT_OBJECT_0 ((DWORD)0x00000000L)
#define WAIT_ABANDONED ((DWORD)0x00000080L)
#define WAIT_ABANDONED_0 ((DWORD)0x00000080L)
#define WAIT_IO_COMPLETION ((DWORD)0x000000C0L)
#define WAIT_FAILED ((DWORD)0xFFFFFFFF)
#define INFINITE 0xFFFFFFFF
#define MAXIMUM_WAIT_OBJECTS 64

// MARK: - File pointer and size

#define FILE_BEGIN 0
#define FILE_CURRENT 1
#define FILE_END 2
#define INVALID_SET_FILE_POINTER ((DWORD)0xFFFFFFFF)
#define INVALID_FILE_SIZE ((DWORD)0xFFFFFFFF)

// MARK: - Named pipes

#define PIPE_ACCESS_INBOUND 0x00000001
#define PIPE_ACCESS_OUTBOUND 0x00000002
#define PIPE_ACCESS_DUPLEX 0x00000003
#define PIPE_CLIENT_END 0x00000000
#define PIPE_SERVER_END 0x00000001
#define PIPE_WAIT 0x00000000
#define PIPE_NOWAIT 0x00000001
#define PIPE_READMODE_BYTE 0x00000000
#define PIPE_READMODE_MESSAGE 0x00000002
#define PIPE_TYPE_BYTE 0x00000000
#define PIPE_TYPE_MESSAGE 0x00000004
#define PIPE_ACCEPT_REMOTE_CLIENTS 0x00000000
#define PIPE_REJECT_REMOTE_CLIENTS 0x00000008
#define PIPE_UNLIMITED_INSTANCES 255
#define NMPWAIT_WAIT_FOREVER 0xFFFFFFFF
#define NMPWAIT_NOWAIT 0x00000001
#define NMPWAIT_USE_DEFAULT_WAIT 0x00000000

// MARK: - Handles

#define DUPLICATE_CLOSE_SOURCE 0x00000001
#define DUPLICATE_SAME_ACCESS 0x00000002

// MARK: - Completion notification modes

#define FILE_SKIP_COMPLETION_PORT_ON_SUCCESS 0x1
#define FILE_SKIP_SET_EVENT_ON_HANDLE 0x2

#define HEAP_NO_SERIALIZE 0x00000001
#define HEAP_GENERATE_EXCEPTIONS 0x00000004
#define HEAP_ZERO_MEMORY 0x00000008

#include "CWin32Process.h"
#include "JobObjects.h"
#include "PathsAndAccounts.h"

#endif
