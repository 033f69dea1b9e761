/* Image: a patched copy of a module's code kept in the cache ("KEY.code", image_pack.h), mapped
 * over the module at a warm start instead of writing its patches, which copies every page. */
#ifndef CONFINE_IMAGE_H
#define CONFINE_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "image_pack.h"

/* The module as loaded. */
struct image_module {
	const char *path;
	const char *name;        /* for reports: kept as long as the process */
	uintptr_t bias, text_lo, text_hi;
	uintptr_t end;           /* past its last segment (data the code reaches RIP-relative) */
};

struct image {
	int fd;                  /* the cache file, -1 when there is none (or it is unusable) */
	struct image_header h;
	const char *why;         /* why the last image_map did not map (static) */
	bool stale;              /* a new image should be written (none, or made for other patches) */
	int verified;            /* image_verify's answer: 0 not asked yet, 1 yes, -1 no */
};

/* Opens the image cache file at path for module m. Returns where to place the trampolines: where
 * they were when the image was made, else a place at a fixed distance below the code (then the
 * image written at this start serves the next ones, whatever the layout around the module), or
 * 0 (the patcher's choice: near the module) for a module mapped low (a non-PIE executable,
 * whose heap grows above it) or too large for that distance; im is closed with image_close. */
uintptr_t image_open(struct image *im, const char *path, const struct image_module *m);

/* True when the image was made from the very file m was loaded from (device, inode, size,
 * mtime) and m's code in memory is still that file's (no page of it copied on write). Then the
 * plans the image was made with (h.plans) hold for m's code without reading it. */
bool image_verify(struct image *im, const struct image_module *m);

/* Maps the image over m's code if it was made for the same file, these sites (relative to the
 * bias, sorted) and trampolines at region, and m's code is still the file's in memory. Returns
 * true when mapped; false leaves the code as it was, with im->why and im->stale set. */
bool image_map(struct image *im, const struct image_module *m, const struct image_site *s, size_t n,
	       uintptr_t region);

/* Builds the image file of m for these sites and trampolines: its code read from the file, then
 * patched; plans: image_pack_hash of the cached plans of this start. Returns 0 with *out (malloc'd) of *len bytes; -EAGAIN when an image would not pay
 * (fewer than IMAGE_MIN_PAGES pages patched) or could not serve (the code is not the file's);
 * -errno on a read or allocation failure. Sorts s. */
int image_build(const struct image_module *m, struct image_site *s, size_t n, uintptr_t region, uint64_t plans,
		uint8_t **out, size_t *len);

/* The module whose image holds pc (in /proc/self/maps the image's file name shows instead):
 * its name and bias. Async-signal-safe, for the report path. */
bool image_owner(uintptr_t pc, const char **name, uintptr_t *bias);

/* Closes the file (im may be unopened, fd -1). */
void image_close(struct image *im);

#endif
