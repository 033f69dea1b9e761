/* Text files: whole-file reads and writes, and the trimming every line-based format here uses. */
#ifndef CONFINE_TEXT_H
#define CONFINE_TEXT_H

#include <stddef.h>

/* Reads the file at path into *out (malloc'd, NUL-terminated; the caller frees it) and its
 * length into *len (may be NULL; a NUL byte inside makes strlen(*out) < *len). Returns 0, or
 * -errno (-EISDIR for a directory) with *out untouched. */
int text_read_file(const char *path, char **out, size_t *len);

/* Writes text as the whole content of path. A regular file (or a new one) is replaced at once:
 * the text goes to PATH.tmp.PID, which is renamed over path, so that path never holds a part
 * (on error the temporary file is removed and path is untouched). Anything else (/dev/stdout, a
 * pipe) is written directly. Returns 0 or -errno. */
int text_write_file(const char *path, const char *text);

/* Strips spaces, tabs and a trailing '\r' from both ends, in place; returns the new start. */
char *text_trim(char *s);

#endif
