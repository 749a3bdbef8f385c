// The C runtime functions of the ucrt module that are declared in C, for two reasons: the
// host C library's own declarations (`malloc`, `free`, `strnlen`, `atexit`) are re-exported as
// they are, so they are the same functions as Glibc's, never a second, ambiguous `free`; and
// functions declared in C accept a `[UInt8]` where they take a `const char *`, as Swift relaxes
// pointer conversions for C functions only (SE-0324), which Windows code relies on with
// `_strdup`.
#ifndef CRUNTIME_H
#define CRUNTIME_H

#include <stdlib.h>
#include <string.h>
#include "CLocale.h"

#ifndef _WIN32

/// A `malloc` copy of a NUL-terminated string (the CRT's `_strdup`); NULL for NULL.
char *_strdup(const char *string);

/// A `malloc` copy of a NUL-terminated UTF-16 string (the CRT's `_wcsdup`, for a 16-bit
/// `wchar_t`); NULL for NULL.
unsigned short *_wcsdup(const unsigned short *string);
#endif

#endif
