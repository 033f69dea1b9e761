/* Inputs: expands the PATH arguments of a scan into units (ELF files and archive members). */
#ifndef CONFINE_INPUT_H
#define CONFINE_INPUT_H

#include <stddef.h>
#include "diag.h"

struct input_unit {
	char *path;          /* file on disk */
	char *member;        /* archive member name, or NULL */
	size_t member_off;   /* offset of the member header in the archive (elf_getaroff) */
	char *display;       /* "path" or "path(member)" */
	char *error;         /* why this argument is unusable, or NULL */
	const void *data;    /* when set: the file's bytes in memory (size bytes; path unused, no
	                      * archive member), as the fuzzer gives them */
	size_t size;
};

struct input_list {
	struct input_unit *v;
	size_t n, cap;
	size_t foreign;      /* ELF files and archive members found under directories that are not
	                      * x86-64 ELF64 (32-bit, another machine): left out */
};

/* Appends the units of one PATH argument: an ELF file, every member of an archive, or every ELF
 * file and archive under a directory (sorted, symlinked directories not followed). Unusable
 * arguments become units with error set (non-ELF files found inside directories are skipped, and
 * ELF files and archive members there that are not x86-64 ELF64 are counted in list->foreign).
 * Returns 0, or -ENOMEM. */
int input_expand(struct input_list *list, const char *path);

/* Keeps only the units of shard k of n (1 <= k <= n): those whose file's path hashes to k - 1
 * modulo n (an archive's members stay together), so that n jobs given the same PATHs cover
 * every unit exactly once, and a file stays in its shard however the other inputs change.
 * Order is kept. */
void input_list_shard(struct input_list *list, unsigned k, unsigned n);

/* Frees every unit and the array; list may be NULL. */
void input_list_free(struct input_list *list);

#endif
