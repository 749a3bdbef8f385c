#define _GNU_SOURCE
#ifndef _WIN32
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#ifdef __APPLE__
#include <xlocale.h>
#endif

/// The host's C locale, for the `_l` conversions (the host's current locale may be another).
/// Made once; simulated threads run one at a time.
static locale_t host_c_locale(void) {
    static locale_t made = (locale_t)0;
    if (made == (locale_t)0) made = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    return made;
}

// From here on, the CRT's LC_* values, not the host's.
#undef LC_ALL
#undef LC_COLLATE
#undef LC_CTYPE
#undef LC_MONETARY
#undef LC_NUMERIC
#undef LC_TIME
#include "CLocale.h"

static struct __crt_locale_pointers c_locale = { NULL, NULL };

_locale_t _create_locale(int category, const char *locale) {
    if (category < LC_ALL || category > LC_TIME || locale == NULL) return NULL;
    if (strcmp(locale, "C") != 0 && strcmp(locale, "") != 0) return NULL;
    return &c_locale;
}

void _free_locale(_locale_t locale) {
    (void)locale;
}

int _strnicmp_l(const char *string1, const char *string2, size_t count, _locale_t locale) {
    (void)locale;
    for (size_t index = 0; index < count; index++) {
        unsigned char a = (unsigned char)string1[index], b = (unsigned char)string2[index];
        if (a >= 'A' && a <= 'Z') a += 'a' - 'A';
        if (b >= 'A' && b <= 'Z') b += 'a' - 'A';
        if (a != b) return (int)a - (int)b;
        if (a == 0) return 0;
    }
    return 0;
}

double _strtod_l(const char *string, char **end, _locale_t locale) {
    (void)locale;
    return strtod_l(string, end, host_c_locale());
}

float _strtof_l(const char *string, char **end, _locale_t locale) {
    (void)locale;
    return strtof_l(string, end, host_c_locale());
}
#endif
