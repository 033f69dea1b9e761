/* Options: parses CONFINE_OPTIONS ("key=value:key=value") into guard_flags. */
#ifndef CONFINE_OPTIONS_H
#define CONFINE_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include "shared.h"

#define GF_TYPE_bool bool
#define GF_TYPE_int int
#define GF_TYPE_string const char *
struct guard_flags {
#define GUARD_FLAG(type, name, def, help) GF_TYPE_##type name;
#include "guard_flags.inc"
#undef GUARD_FLAG
};
extern struct guard_flags guard_flags GUARD_HIDDEN;

/* Parses text (NULL or empty: defaults). Returns 0, or -1 with a one-line reason in err. */
int options_parse(const char *text, char *err, size_t errlen);

#endif
