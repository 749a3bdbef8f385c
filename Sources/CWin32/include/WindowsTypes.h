// The Windows data types beyond the few CWin32.h starts with: integer and character typedefs,
// string pointer types, handle-typed aliases, HRESULT, and `BOOL` as Swift imports it.
//
// Written from Microsoft's "Windows Data Types" reference (LLP64 sizes: `LONG` is 32 bits).
#ifndef CWIN32_WINDOWS_TYPES_H
#define CWIN32_WINDOWS_TYPES_H

// MARK: - BOOL

/// `BOOL`, the `int` that Win32 uses for truth. Swift maps the `BOOL` typedef to `WindowsBool`,
/// a four-byte struct with `boolValue` that a Boolean literal initialises (its conformances are
/// in Win32Surface's WindowsBool.swift): a `BOOL` field of a struct and a `BOOL *` are
/// `WindowsBool`, while a `BOOL` parameter or result of a function is bridged to `Bool` (the
/// Swift functions of Win32Surface are written that way). Declared in C so that C structs can
/// have `BOOL` fields with the layout of an `int`.
typedef struct WindowsBool {
    int _value;
} WindowsBool;

typedef WindowsBool BOOL;
typedef BOOL *PBOOL;
typedef BOOL *LPBOOL;
typedef unsigned char BOOLEAN;
typedef BOOLEAN *PBOOLEAN;

// MARK: - Integers

typedef unsigned char BYTE;
typedef BYTE *PBYTE;
typedef BYTE *LPBYTE;
typedef unsigned short WORD;
typedef WORD *PWORD;
typedef WORD *LPWORD;
typedef short SHORT;
typedef unsigned short USHORT;
typedef USHORT *PUSHORT;
typedef int INT;
typedef int *PINT;
typedef int *LPINT;
typedef UINT *PUINT;
typedef char CHAR;
typedef char CCHAR;
typedef DWORD *PDWORD;
typedef long long INT_PTR;
typedef unsigned long long UINT_PTR;
typedef long long LONG64;
typedef unsigned long long ULONG64;
typedef unsigned long long DWORD64;
typedef unsigned long long DWORDLONG;
typedef ULONGLONG *PULONGLONG;
typedef LONGLONG *PLONGLONG;
typedef SIZE_T *PSIZE_T;
typedef LONG_PTR SSIZE_T;
typedef signed char INT8;
typedef unsigned char UINT8;
typedef short INT16;
typedef unsigned short UINT16;
typedef int INT32;
typedef unsigned int UINT32;
typedef long long INT64;
typedef unsigned long long UINT64;
typedef float FLOAT;
typedef DWORD ACCESS_MASK;
typedef ACCESS_MASK *PACCESS_MASK;
typedef WORD LANGID;
typedef DWORD LCID;

// MARK: - Strings

typedef WCHAR *PWCHAR;
typedef WCHAR *LPWCH;
typedef WCHAR *PWCH;
typedef const WCHAR *LPCWCH;
typedef const WCHAR *PCWCH;
typedef WCHAR *LPWSTR;
typedef WCHAR *PWSTR;
typedef const WCHAR *PCWSTR;
typedef CHAR *PCHAR;
typedef CHAR *LPCH;
typedef CHAR *PCH;
typedef const CHAR *LPCCH;
typedef const CHAR *PCCH;
typedef CHAR *LPSTR;
typedef CHAR *PSTR;
typedef const CHAR *PCSTR;
typedef LPWSTR LPTSTR;
typedef LPCWSTR LPCTSTR;
typedef WCHAR TCHAR;

// MARK: - Pointers and handles

typedef const void *PCVOID;
typedef HANDLE HLOCAL;
typedef HANDLE HGLOBAL;
typedef HANDLE HINSTANCE;
typedef HINSTANCE HMODULE;
typedef HANDLE HKEY;
typedef HANDLE HWND;
typedef HANDLE HRSRC;
typedef HANDLE *PHKEY;

// MARK: - Results

/// A COM result code: negative means failure.
typedef LONG HRESULT;

typedef union _ULARGE_INTEGER {
    struct {
        DWORD LowPart;
        DWORD HighPart;
    };
    ULONGLONG QuadPart;
} ULARGE_INTEGER, *PULARGE_INTEGER;

/// A 128-bit identifier (COM's `GUID`, `IID`, `CLSID`).
typedef struct _GUID {
    unsigned int Data1;
    unsigned short Data2;
    unsigned short Data3;
    unsigned char Data4[8];
} GUID;

#endif
