/* Inputs: classifies PATH arguments by magic number and expands directories and archives. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ar.h>
#include <libelf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "elf_image.h"
#include "input.h"
#include "vec.h"

enum magic { MAGIC_OTHER, MAGIC_ELF, MAGIC_ARCHIVE, MAGIC_THIN, MAGIC_SHORT };

static enum magic read_magic(const char *path, int *err)
{
	char buf[8];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t got;

	*err = 0;
	if (fd < 0) {
		*err = errno;
		return MAGIC_OTHER;
	}
	got = read(fd, buf, sizeof(buf));
	if (got < 0)
		*err = errno;
	close(fd);
	if (got >= 4 && !memcmp(buf, "\177ELF", 4))
		return MAGIC_ELF;
	if (got == 8 && !memcmp(buf, "!<arch>\n", 8))
		return MAGIC_ARCHIVE;
	if (got == 8 && !memcmp(buf, "!<thin>\n", 8))
		return MAGIC_THIN;
	return got < 4 ? MAGIC_SHORT : MAGIC_OTHER;
}

/* The name for people: control characters (a newline would split a report or error line)
 * written as \n, \t, \r or \xHH. NULL when out of memory. */
static char *escape(const char *s)
{
	char *out = malloc(strlen(s) * 4 + 1), *w = out;

	for (const unsigned char *p = (const unsigned char *)s; out && *p; p++) {
		if (*p >= 0x20 && *p != 0x7f)
			*w++ = (char)*p;
		else if (*p == '\n' || *p == '\t' || *p == '\r')
			w += sprintf(w, "\\%c", *p == '\n' ? 'n' : *p == '\t' ? 't' : 'r');
		else
			w += sprintf(w, "\\x%02x", *p);
	}
	if (out)
		*w = '\0';
	return out;
}

static char *display_name(const char *path, const char *member)
{
	char *joined = NULL, *display;

	if (member && asprintf(&joined, "%s(%s)", path, member) < 0)
		return NULL;
	display = escape(member ? joined : path);
	free(joined);
	return display;
}

static int push_unit(struct input_list *list, const char *path, const char *member, size_t off,
		     const char *error)
{
	struct input_unit u = { 0 };

	u.path = strdup(path);
	u.member = member ? strdup(member) : NULL;
	u.member_off = off;
	u.error = error ? strdup(error) : NULL;
	u.display = display_name(path, member);
	if (!u.path || !u.display || (member && !u.member) || (error && !u.error) ||
	    VEC_PUSH(list, u)) {
		free(u.path);
		free(u.member);
		free(u.display);
		free(u.error);
		return -ENOMEM;
	}
	return 0;
}

/* The archive's symbol index and long-name table are not members that hold code. */
static int is_special_member(const char *name)
{
	return !strcmp(name, "/") || !strcmp(name, "//") || !strcmp(name, "/SYM64/");
}

#define AR_HDR 60   /* struct ar_hdr: name 16, dates and ids 32, size 10 at 48, "`\n" at 58 */

/* The size of the member whose header is at off, or -1 when no valid header stands there: the
 * size field must be decimal digits padded with spaces, the header must end with "`\n", and the
 * member must fit in the archive. */
static long long member_size(const char *raw, size_t len, size_t off)
{
	const char *f = raw + off + 48;
	unsigned long long size = 0;
	int i = 0;

	if (off > len || len - off < AR_HDR || memcmp(raw + off + 58, "`\n", 2))
		return -1;
	for (; i < 10 && f[i] >= '0' && f[i] <= '9'; i++)
		size = size * 10 + (unsigned)(f[i] - '0');
	if (i == 0)
		return -1;
	for (; i < 10; i++)
		if (f[i] != ' ')
			return -1;
	return size <= len - off - AR_HDR ? (long long)size : -1;
}

/* The first offset at or after from (headers are 2-aligned) holding a valid header, or 0. */
static size_t resync(const char *raw, size_t len, size_t from)
{
	for (size_t off = from + (from & 1); off + AR_HDR <= len; off += 2)
		if (member_size(raw, len, off) >= 0)
			return off;
	return 0;
}

static int bad_header(struct input_list *list, const char *path, size_t off, size_t next)
{
	char msg[160];

	if (off == SARMAG && !next)
		snprintf(msg, sizeof(msg), "corrupt archive: cannot read its members");
	else if (next)
		snprintf(msg, sizeof(msg), "corrupt archive: bad member header at offset %zu (its size or end "
			 "marker); the members from offset %zu on are scanned", off, next);
	else
		snprintf(msg, sizeof(msg), "corrupt archive: bad member header at offset %zu (its size or end "
			 "marker); no member follows it", off);
	return push_unit(list, path, NULL, 0, msg);
}

/* Adds the member at off (validated) unless it is the symbol index or long-name table, or (in a
 * directory) not x86-64 ELF64. */
static int add_member(struct input_list *list, const char *path, int fd, Elf *ar, size_t off,
		      int in_dir)
{
	Elf *m = elf_rand(ar, off) == off ? elf_begin(fd, ELF_C_READ_MMAP, ar) : NULL;
	Elf_Arhdr *h = m ? elf_getarhdr(m) : NULL;
	int err = 0;

	if (!h)
		err = bad_header(list, path, off, 0);
	else if (in_dir && elf_image_is_foreign(m))
		list->foreign++;
	else if (!is_special_member(h->ar_name))
		err = push_unit(list, path, h->ar_name, off, NULL);
	elf_end(m);
	return err;
}

/* Walks the member headers itself: libelf stops at the first bad one and silently drops the
 * members after it, or takes a size running past the end as "the rest of the file". A bad
 * header is reported and the walk resumes at the next valid header. */
static int expand_members(struct input_list *list, const char *path, int fd, Elf *ar, int in_dir)
{
	size_t len = 0, off = SARMAG;
	const char *raw = elf_rawfile(ar, &len);
	int err = 0;

	if (!raw)
		return push_unit(list, path, NULL, 0, "corrupt archive: cannot read its members");
	while (!err && off + AR_HDR <= len) {
		long long size = member_size(raw, len, off);

		if (size < 0) {
			size_t next = resync(raw, len, off + 1);

			err = bad_header(list, path, off, next);
			if (!next)
				return err;
			off = next;
			continue;
		}
		err = add_member(list, path, fd, ar, off, in_dir);
		off += AR_HDR + (size_t)size + ((size_t)size & 1);
	}
	/* Bytes too short for a header, other than the padding newline, are a broken header. */
	if (!err && off < len && !(len - off == 1 && raw[off] == '\n'))
		err = bad_header(list, path, off, 0);
	return err;
}

static int expand_archive(struct input_list *list, const char *path, int in_dir)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), err;
	Elf *ar;

	if (fd < 0)
		return push_unit(list, path, NULL, 0, strerror(errno));
	elf_version(EV_CURRENT);
	ar = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!ar || elf_kind(ar) != ELF_K_AR)
		err = push_unit(list, path, NULL, 0, "corrupt archive: cannot read its members");
	else
		err = expand_members(list, path, fd, ar, in_dir);
	elf_end(ar);
	close(fd);
	return err;
}

static int expand_path(struct input_list *list, const char *path, int in_dir);

static int expand_dir(struct input_list *list, const char *path)
{
	struct dirent **ents;
	int n = scandir(path, &ents, NULL, alphasort), err = 0;

	if (n < 0)
		return push_unit(list, path, NULL, 0, strerror(errno));
	for (int i = 0; i < n; i++) {
		const char *name = ents[i]->d_name;
		char *sub;

		if (!err && strcmp(name, ".") && strcmp(name, "..")) {
			if (asprintf(&sub, "%s%s%s", path, path[strlen(path) - 1] == '/' ? "" : "/", name) < 0)
				err = -ENOMEM;
			else {
				err = expand_path(list, sub, 1);
				free(sub);
			}
		}
		free(ents[i]);
	}
	free(ents);
	return err;
}

static int expand_file(struct input_list *list, const char *path, int in_dir)
{
	int err;

	switch (read_magic(path, &err)) {
	case MAGIC_ELF:
		if (in_dir && elf_image_is_foreign_file(path)) {
			list->foreign++;
			return 0;
		}
		return push_unit(list, path, NULL, 0, NULL);
	case MAGIC_ARCHIVE:
		return expand_archive(list, path, in_dir);
	case MAGIC_THIN:
		return push_unit(list, path, NULL, 0, "thin archives are not supported (scan the member files)");
	default:
		if (err)
			return push_unit(list, path, NULL, 0, strerror(err));
		/* Directories hold build clutter: only named files must be ELF. */
		return in_dir ? 0 : push_unit(list, path, NULL, 0, "not an ELF file or archive");
	}
}

static int expand_path(struct input_list *list, const char *path, int in_dir)
{
	struct stat lst, st;

	if (lstat(path, &lst) < 0)
		return push_unit(list, path, NULL, 0, strerror(errno));
	if (S_ISDIR(lst.st_mode))
		return expand_dir(list, path);
	if (stat(path, &st) < 0)
		return in_dir ? 0 : push_unit(list, path, NULL, 0, strerror(errno));
	if (S_ISDIR(st.st_mode))
		/* A symlink to a directory: following it inside a tree risks cycles. */
		return in_dir ? 0 : expand_dir(list, path);
	if (!S_ISREG(st.st_mode))
		return in_dir ? 0 : push_unit(list, path, NULL, 0, "not a regular file");
	return expand_file(list, path, in_dir);
}

int input_expand(struct input_list *list, const char *path)
{
	return expand_path(list, path, 0);
}

static void unit_free(struct input_unit *u)
{
	free(u->path);
	free(u->member);
	free(u->display);
	free(u->error);
}

/* FNV-1a 64: the same on every machine and run, unlike a seeded hash. */
static uint64_t path_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h;
}

void input_list_shard(struct input_list *list, unsigned k, unsigned n)
{
	size_t w = 0;

	for (size_t i = 0; i < list->n; i++) {
		if (path_hash(list->v[i].path) % n == k - 1)
			list->v[w++] = list->v[i];
		else
			unit_free(&list->v[i]);
	}
	list->n = w;
}

void input_list_free(struct input_list *list)
{
	if (!list)
		return;
	for (size_t i = 0; i < list->n; i++)
		unit_free(&list->v[i]);
	VEC_FREE(list);
}
