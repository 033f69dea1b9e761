/* Options: parses CONFINE_OPTIONS ("key=value:key=value") into guard_flags. */
#ifndef CONFINE_OPTIONS_H
#define CONFINE_OPTIONS_H

#include <stddef.h>

/* Parses text (NULL or empty: defaults). Returns 0, or -1 with a one-line reason in err. */
int options_parse(const char *text, char *err, size_t errlen);

#endif
