// The Universal CRT's locale objects, as far as code that parses and compares in the "C"
// locale uses them (swift-foundation's Platform.strtod_clocale and strncasecmp_clocale):
// `_create_locale`, `_free_locale` and the `_l` functions that take a `_locale_t`. Only the
// "C" locale exists on the simulated machine: `_create_locale` gives NULL for any other name,
// as the CRT does for a locale it does not know.
//
// Names, types and the `LC_*` values of the Universal CRT's locale.h (not the host's: `LC_ALL`
// is 0 there), from Microsoft's documentation of _create_locale and setlocale.
#ifndef CRUNTIME_CLOCALE_H
#define CRUNTIME_CLOCALE_H

#include <stddef.h>

#ifndef _WIN32

#define LC_ALL 0
#define LC_COLLATE 1
#define LC_CTYPE 2
#define LC_MONETARY 3
#define LC_NUMERIC 4
#define LC_TIME 5

struct __crt_locale_data;
struct __crt_multibyte_data;

/// A CRT locale object, with corecrt.h's fields (opaque here, as to a Windows program).
typedef struct __crt_locale_pointers {
    struct __crt_locale_data *locinfo;
    struct __crt_multibyte_data *mbcinfo;
} __crt_locale_pointers, *_locale_t;

/// The locale `locale` ("C" or "" for the C locale, whose object is shared) for `category`
/// (one of the `LC_*` values); NULL for another name or category.
_locale_t _create_locale(int category, const char *locale);

/// Lets go of a locale from `_create_locale` (the C locale's object is never freed).
void _free_locale(_locale_t locale);

/// Compares at most `count` bytes of two strings ignoring ASCII case, in the C locale: less
/// than, equal to or greater than 0 as `strncasecmp`. The CRT's `_strnicmp_l`.
int _strnicmp_l(const char *string1, const char *string2, size_t count, _locale_t locale);

/// `strtod` in the C locale (a `.` is the decimal point whatever the host's locale).
double _strtod_l(const char *string, char **end, _locale_t locale);

/// `strtof` in the C locale.
float _strtof_l(const char *string, char **end, _locale_t locale);

#endif

#endif
