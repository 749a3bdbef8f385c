// Path buffers, the names of the simulated machine and its user, and token elevation: what
// pathcch.h's buffer functions, strsafe.h, GetComputerNameExW, GetUserNameW and
// GetTokenInformation(TokenElevation) need beyond the other headers.
//
// Names and values of WinSDK's strsafe.h, sysinfoapi.h, lmcons.h and winnt.h, from Microsoft's
// documentation of PathCchCombineEx, GetComputerNameExW, COMPUTER_NAME_FORMAT, GetUserNameW and
// TOKEN_ELEVATION.
#ifndef CWIN32_PATHS_AND_ACCOUNTS_H
#define CWIN32_PATHS_AND_ACCOUNTS_H

/// strsafe.h: the destination buffer was too small (`HRESULT_FROM_WIN32(ERROR_INSUFFICIENT_BUFFER)`).
#define STRSAFE_E_INSUFFICIENT_BUFFER ((HRESULT)-2147024774) /* 0x8007007A */
#define E_INVALIDARG ((HRESULT)-2147024809) /* 0x80070057 */

/// sysinfoapi.h: which of the computer's names `GetComputerNameExW` gives.
typedef enum _COMPUTER_NAME_FORMAT : int {
    ComputerNameNetBIOS,
    ComputerNameDnsHostname,
    ComputerNameDnsDomain,
    ComputerNameDnsFullyQualified,
    ComputerNamePhysicalNetBIOS,
    ComputerNamePhysicalDnsHostname,
    ComputerNamePhysicalDnsDomain,
    ComputerNamePhysicalDnsFullyQualified,
    ComputerNameMax
} COMPUTER_NAME_FORMAT;

/// winbase.h: the longest NetBIOS computer name.
#define MAX_COMPUTERNAME_LENGTH 15
/// lmcons.h: the longest user name.
#define UNLEN 256

/// winnt.h: `TokenElevation`'s answer.
typedef struct _TOKEN_ELEVATION {
    DWORD TokenIsElevated;
} TOKEN_ELEVATION, *PTOKEN_ELEVATION;

typedef enum _TOKEN_ELEVATION_TYPE : int {
    TokenElevationTypeDefault = 1,
    TokenElevationTypeFull,
    TokenElevationTypeLimited
} TOKEN_ELEVATION_TYPE, *PTOKEN_ELEVATION_TYPE;

/// secext.h: the formats `GetUserNameExW` names the user in.
typedef enum _EXTENDED_NAME_FORMAT : int {
    NameUnknown = 0,
    NameFullyQualifiedDN = 1,
    NameSamCompatible = 2,
    NameDisplay = 3,
    NameUniqueId = 6,
    NameCanonical = 7,
    NameUserPrincipal = 8,
    NameCanonicalEx = 9,
    NameServicePrincipal = 10,
    NameDnsDomain = 12,
    NameGivenName = 13,
    NameSurname = 14
} EXTENDED_NAME_FORMAT, *PEXTENDED_NAME_FORMAT;

/// wdm.h/winnt.h: what `RtlGetVersion` fills (code reaches it through `GetProcAddress`, which
/// finds no ntdll export on the simulation, so only the structure is needed).
typedef struct _OSVERSIONINFOEXW {
    ULONG dwOSVersionInfoSize;
    ULONG dwMajorVersion;
    ULONG dwMinorVersion;
    ULONG dwBuildNumber;
    ULONG dwPlatformId;
    WCHAR szCSDVersion[128];
    USHORT wServicePackMajor;
    USHORT wServicePackMinor;
    USHORT wSuiteMask;
    UCHAR wProductType;
    UCHAR wReserved;
} OSVERSIONINFOEXW, *POSVERSIONINFOEXW, *LPOSVERSIONINFOEXW, RTL_OSVERSIONINFOEXW, *PRTL_OSVERSIONINFOEXW;

#define VER_NT_WORKSTATION 0x0000001
#define VER_NT_DOMAIN_CONTROLLER 0x0000002
#define VER_NT_SERVER 0x0000003
#define VER_SUITE_WH_SERVER 0x00008000
#define VER_PLATFORM_WIN32_NT 2

#endif
