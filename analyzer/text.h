/* Text files: whole-file reads and the trimming every line-based format here uses. */
#ifndef CONFINE_TEXT_H
#define CONFINE_TEXT_H

#include <stddef.h>

/* Reads the file at path into *out (malloc'd, NUL-terminated; the caller frees it) and its
 * length into *len (may be NULL; a NUL byte inside makes strlen(*out) < *len). Returns 0, or
 * -errno (-EISDIR for a directory) with *out untouched. */
int text_read_file(const char *path, char **out, size_t *len);

/* Strips spaces, tabs and a trailing '\r' from both ends, in place; returns the new start. */
char *text_trim(char *s);

#endif
