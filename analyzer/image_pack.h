/* Image packs: the layout of a code image, a patched copy of a module's code that the runtime
 * guard keeps in its cache ("KEY.code") and maps over the module at a warm start. */
#ifndef CONFINE_IMAGE_PACK_H
#define CONFINE_IMAGE_PACK_H

#include <stddef.h>
#include <stdint.h>

#define IMAGE_PAGE 4096
#define IMAGE_SUFFIX ".code"      /* of an image file in the cache: KEY.code */
#define IMAGE_RUNS_MAX 64
/* Fewer patched pages than this are cheaper to copy on write than to map. */
#define IMAGE_MIN_PAGES 16

/* One entry patch: n bytes at `at`, an address relative to the module's load bias; span (n or
 * more) bytes from `at` are what its plan was made from: their pages are in the image too, so
 * that they are checked unchanged in memory. */
struct image_site {
	uint64_t at;
	uint8_t bytes[8];
	uint8_t n, span;
};

/* Whole pages of the module's code from `at` (relative to the bias), at `off` in the file. */
struct image_run {
	uint64_t at, len, off;
};

/* The file's first page; the runs follow, page-aligned. */
struct image_header {
	char magic[16];
	uint64_t digest;          /* image_pack_digest of the sites and trampolines it was made for */
	uint64_t plans;           /* image_pack_hash of the cached plans it was made with */
	int64_t region;           /* the trampolines' address less the bias */
	uint64_t dev, ino, size;  /* the module's file, as stat() gives them */
	int64_t mtime_sec, mtime_nsec;
	int64_t ctime_sec, ctime_nsec;  /* cp -p and touch -r keep the mtime, not the ctime */
	uint32_t nruns, npages;   /* npages: pages a site writes or depends on */
	struct image_run runs[IMAGE_RUNS_MAX];
};

/* A hash of n bytes (word by word: it runs on every warm start). */
uint64_t image_pack_hash(const void *p, size_t n);

/* Sorts sites by address, the order the digest and the layout take them in. */
void image_pack_sort(struct image_site *s, size_t n);

/* A digest of the sites (sorted by address) and of the trampolines' place: an image serves
 * only the very patches it was made with. */
uint64_t image_pack_digest(const struct image_site *s, size_t n, int64_t region);

/* Sorts the sites by address and fills h's magic, runs (the pages holding a site, pages less
 * than a gap apart merged, the gap doubled until at most IMAGE_RUNS_MAX runs remain), npages
 * and digest. Returns the file's size: the header page and the runs. */
uint64_t image_pack_layout(struct image_site *s, size_t n, int64_t region, struct image_header *h);

/* Writes each site's bytes into data, the file's runs as laid out in h (the header page
 * excluded). Sites outside every run are ignored. */
void image_pack_patch(const struct image_header *h, const struct image_site *s, size_t n, uint8_t *data);

/* The length of the part of path that names a code image file, as a line of /proc/PID/maps
 * ends (" (deleted)" once another start replaced it, then maybe a newline); 0 when path names no
 * image. */
size_t image_pack_path_len(const char *path);

/* Checks a header read from a file of file_size bytes. Returns 0; -ESTALE when it is not an
 * image of this format; -EINVAL when it is one but damaged (*why, static, names the defect). */
int image_pack_check(const struct image_header *h, uint64_t file_size, const char **why);

#endif
