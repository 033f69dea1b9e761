/* Options: parses CONFINE_OPTIONS ("key=value:key=value", sanitizer style) into guard_flags. */
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

/* Parses text (NULL or empty: defaults): key=value items separated by ':' (not "::", which
 * belongs to a value such as functions=legacy::*), spaces, or a ',' followed by an option's key
 * (a ',' elsewhere belongs to the value, as in modules=a,b).
 * Returns 0, or -1 with a one-line reason in err. With help=1 the values are not checked. */
int options_parse(const char *text, char *err, size_t errlen);

/* Writes the table of options (name=default and help, from guard_flags.inc) to fd. */
void options_help(int fd);

#endif
