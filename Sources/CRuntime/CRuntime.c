#include "CRuntime.h"

#ifndef _WIN32

char *_strdup(const char *string) {
    return string == NULL ? NULL : strdup(string);
}

unsigned short *_wcsdup(const unsigned short *string) {
    if (string == NULL) return NULL;
    size_t length = 0;
    while (string[length] != 0) length++;
    unsigned short *copy = malloc((length + 1) * sizeof(unsigned short));
    if (copy != NULL) memcpy(copy, string, (length + 1) * sizeof(unsigned short));
    return copy;
}
#endif
