/* Inputs: classifies PATH arguments by magic number and expands directories and archives. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libelf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
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

static int push_unit(struct input_list *list, const char *path, const char *member, size_t off,
		     const char *error)
{
	struct input_unit u = { 0 };
	int ok;

	u.path = strdup(path);
	u.member = member ? strdup(member) : NULL;
	u.member_off = off;
	u.error = error ? strdup(error) : NULL;
	if (member)
		ok = asprintf(&u.display, "%s(%s)", path, member) >= 0;
	else
		ok = (u.display = strdup(path)) != NULL;
	if (!ok)
		u.display = NULL;
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

static int expand_members(struct input_list *list, const char *path, int fd, Elf *ar)
{
	Elf *m;
	int err = 0, count = 0;
	Elf_Cmd cmd = ELF_C_READ_MMAP;

	while (!err && (m = elf_begin(fd, cmd, ar)) != NULL) {
		Elf_Arhdr *h = elf_getarhdr(m);

		if (h && !is_special_member(h->ar_name)) {
			err = push_unit(list, path, h->ar_name, (size_t)elf_getaroff(m), NULL);
			count++;
		}
		cmd = elf_next(m);
		elf_end(m);
	}
	/* An archive holding nothing but its signature is empty, not corrupt. */
	if (!err && count == 0 && elf_errno() != 0 && lseek(fd, 0, SEEK_END) > 8)
		err = push_unit(list, path, NULL, 0, "corrupt archive: cannot read its members");
	return err;
}

static int expand_archive(struct input_list *list, const char *path)
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
		err = expand_members(list, path, fd, ar);
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
		return push_unit(list, path, NULL, 0, NULL);
	case MAGIC_ARCHIVE:
		return expand_archive(list, path);
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
