/* Result cache: module reports kept packed (report_pack.h) under a key of the module's content,
 * in the directory the runtime guard caches its policies in. */
#ifndef CONFINE_CACHE_H
#define CONFINE_CACHE_H

#include <stddef.h>
#include "findings.h"
#include "input.h"

#define CACHE_KEY_MAX 128
#define CACHE_STAMP_LEN 17

/* The cache directory: dir when not NULL, else $XDG_CACHE_HOME/confine, else
 * $HOME/.cache/confine. Returns 0, or -ENOENT when neither variable is set, -ENAMETOOLONG. */
int cache_dir(const char *dir, char *out, size_t len);

/* The key of a file, or of the archive member whose header starts at member_off (0: the whole
 * file). With a build-id: "b" + the build-id + the size and a hash of the ELF headers (a copy
 * anywhere hits; a stripped copy does not). Without: "c" + device, inode, size and mtime + the
 * headers' hash. Returns 0, -errno, or -ENOEXEC when the bytes there are not ELF64. */
int cache_key(const char *path, size_t member_off, char out[CACHE_KEY_MAX]);

/* The stamp of everything besides the module that shapes its report: the analyzing program
 * (tool: its build-id, so that any rebuild of confine starts afresh), the rule texts
 * (rules_text: the built-in rules followed by every --rules file) and the libc rule set. */
void cache_stamp(const char *tool, const char *rules_text, unsigned libc, char out[CACHE_STAMP_LEN]);

/* Reads the report cached under key and stamp, rehomed to the unit's path and member. Returns 0
 * with *out owned by the caller, -ENOENT when there is none, -EINVAL when the entry is unusable
 * (then it is best rewritten), or -ENOMEM. Never logs. */
int cache_load(const char *dir, const char *key, const char *stamp, const struct input_unit *u,
	       struct module_report **out);

/* Stores the report under key and stamp (created atomically; the directory is created mode
 * 0700). Returns 0 or -errno; failing to cache never matters to the caller's result. */
int cache_save(const char *dir, const char *key, const char *stamp, const struct module_report *r);

#endif
