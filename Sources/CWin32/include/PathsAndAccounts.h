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

#endif
