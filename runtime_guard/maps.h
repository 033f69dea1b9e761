/* Maps: walks /proc/self/maps with plain system calls (async-signal-safe, no malloc). */
#ifndef CONFINE_MAPS_H
#define CONFINE_MAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mapping {
	uintptr_t lo, hi, offset;
	char perms[5];           /* "r-xp" */
	unsigned dev_major, dev_minor;
	unsigned long inode;
	const char *path;        /* NULL for anonymous mappings; valid during the callback */
};

/* Calls fn for each mapping in address order until it returns true; buf is scratch space
 * (4 KiB or more). Returns true if fn stopped the walk, false at the end or on error. */
bool maps_each(char *buf, size_t cap, bool (*fn)(const struct mapping *m, void *ctx), void *ctx);

#endif
