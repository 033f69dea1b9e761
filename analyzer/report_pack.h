/* Packed reports: a module report as compact bytes and back, every field kept (anchored starts
 * and demangled functions too), for the result cache: reading one back costs a small fraction
 * of parsing its JSON. */
#ifndef CONFINE_REPORT_PACK_H
#define CONFINE_REPORT_PACK_H

#include <stddef.h>
#include "findings.h"

/* The bytes of r without its path and member (a cache entry holds for any copy of the module).
 * Returns 0 with *out malloc'd, or -ENOMEM. */
int report_pack(const struct module_report *r, char **out, size_t *len);

/* Reads len bytes of report_pack into a new report with the given path and member (may be
 * NULL). Returns 0 with *out owned by the caller, -EINVAL for bytes that are not a packed report
 * of this format (truncated, another version), or -ENOMEM. */
int report_unpack(const char *buf, size_t len, const char *path, const char *member,
		  struct module_report **out);

#endif
