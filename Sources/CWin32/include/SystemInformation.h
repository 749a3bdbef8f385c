// GetSystemInfo's structure and HRESULT's success code and facility, as real I/O code uses
// them (a worker count from the processor count; an HRESULT from a Win32 error).
//
// Written from the SYSTEM_INFO reference page and winerror.h's HRESULT definitions.
#ifndef CWIN32_SYSTEM_INFORMATION_H
#define CWIN32_SYSTEM_INFORMATION_H

typedef struct _SYSTEM_INFO {
    union {
        DWORD dwOemId;
        struct {
            WORD wProcessorArchitecture;
            WORD wReserved;
        };
    };
    DWORD dwPageSize;
    LPVOID lpMinimumApplicationAddress;
    LPVOID lpMaximumApplicationAddress;
    DWORD_PTR dwActiveProcessorMask;
    DWORD dwNumberOfProcessors;
    DWORD dwProcessorType;
    DWORD dwAllocationGranularity;
    WORD wProcessorLevel;
    WORD wProcessorRevision;
} SYSTEM_INFO, *LPSYSTEM_INFO;

#define PROCESSOR_ARCHITECTURE_INTEL 0
#define PROCESSOR_ARCHITECTURE_ARM 5
#define PROCESSOR_ARCHITECTURE_AMD64 9
#define PROCESSOR_ARCHITECTURE_ARM64 12
#define PROCESSOR_AMD_X8664 8664

// MARK: - HRESULT (winerror.h)

#define S_OK ((HRESULT)0L)
#define S_FALSE ((HRESULT)1L)
#define FACILITY_WIN32 7
// The failure codes (E_FAIL…) are not declared: their values do not fit the Int32 that an
// `(HRESULT)` cast gives them in Swift, so a use would not compile.

#endif
