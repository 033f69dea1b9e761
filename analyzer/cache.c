/* Result cache: one file per module and stamp, "KEY-STAMP.report", holding its packed report;
 * keys come from the ELF headers read with pread, never from the whole file. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cache.h"
#include "report_pack.h"
#include "text.h"
#include "version.h"

#define AR_HEADER_SIZE 60
#define HEADER_TABLE_MAX (1u << 22)   /* hash at most 4 MiB of header tables */

int cache_dir(const char *dir, char *out, size_t len)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	int n;

	if (dir)
		n = snprintf(out, len, "%s", dir);
	else if (xdg && *xdg)
		n = snprintf(out, len, "%s/confine", xdg);
	else if (home && *home)
		n = snprintf(out, len, "%s/.cache/confine", home);
	else
		return -ENOENT;
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static uint64_t hash_bytes(const unsigned char *p, size_t n, uint64_t h)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

/* Hashes n bytes at off (a header table); a table outside the file hashes as absent. */
static uint64_t hash_table(int fd, uint64_t off, uint64_t n, uint64_t h)
{
	unsigned char *buf;
	ssize_t got;

	if (n == 0 || n > HEADER_TABLE_MAX || !(buf = malloc(n)))
		return hash_bytes((const unsigned char *)&n, sizeof(n), h);
	got = pread(fd, buf, n, (off_t)off);
	h = hash_bytes(buf, got > 0 ? (size_t)got : 0, h);
	free(buf);
	return h;
}

/* The hash of the ELF header, program headers and section headers at base. */
static int hash_headers(int fd, uint64_t base, uint64_t *out)
{
	Elf64_Ehdr eh;
	uint64_t h = 0xcbf29ce484222325ULL;

	if (pread(fd, &eh, sizeof(eh), (off_t)base) != (ssize_t)sizeof(eh) || memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64)
		return -ENOEXEC;
	h = hash_bytes((const unsigned char *)&eh, sizeof(eh), h);
	h = hash_table(fd, base + eh.e_phoff, (uint64_t)eh.e_phnum * eh.e_phentsize, h);
	h = hash_table(fd, base + eh.e_shoff, (uint64_t)eh.e_shnum * eh.e_shentsize, h);
	*out = h;
	return 0;
}

int cache_key(const char *path, size_t member_off, char out[CACHE_KEY_MAX])
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), err;
	char bid[41] = "";
	struct stat st;
	uint64_t h = 0;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0)
		err = -errno;
	else
		err = hash_headers(fd, member_off ? member_off + AR_HEADER_SIZE : 0, &h);
	close(fd);
	if (err)
		return err;
	if (!member_off)
		elf_image_read_build_id(path, bid);
	if (bid[0])
		snprintf(out, CACHE_KEY_MAX, "b%s.%llx-%016llx", bid, (unsigned long long)st.st_size,
			 (unsigned long long)h);
	else
		snprintf(out, CACHE_KEY_MAX, "c%llx.%llx.%llx.%llx.%09ld.%zx-%016llx",
			 (unsigned long long)st.st_dev, (unsigned long long)st.st_ino,
			 (unsigned long long)st.st_size, (unsigned long long)st.st_mtim.tv_sec,
			 st.st_mtim.tv_nsec, member_off, (unsigned long long)h);
	return 0;
}

void cache_stamp(const char *tool, const char *rules_text, unsigned libc, char out[CACHE_STAMP_LEN])
{
	uint64_t h = findings_hash(CONFINE_VERSION "." CONFINE_ANALYSIS_REVISION, FINDINGS_HASH_INIT);

	h = findings_hash(tool, findings_hash("\n", h));
	h = findings_hash(rules_text, findings_hash("\n", h));
	h = hash_bytes((const unsigned char *)&libc, sizeof(libc), h);
	snprintf(out, CACHE_STAMP_LEN, "%016llx", (unsigned long long)h);
}

/* mkdir -p, mode 0700 for what it creates. */
static int make_dirs(const char *dir)
{
	char path[4096];
	size_t len = strlen(dir);

	if (len >= sizeof(path))
		return -ENAMETOOLONG;
	memcpy(path, dir, len + 1);
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0700) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return mkdir(path, 0700) < 0 && errno != EEXIST ? -errno : 0;
}

static int entry_path(const char *dir, const char *key, const char *stamp, char *out, size_t len)
{
	int n = snprintf(out, len, "%s/%s-%s.report", dir, key, stamp);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int cache_load(const char *dir, const char *key, const char *stamp, const struct input_unit *u,
	       struct module_report **out)
{
	char path[4096], *bytes;
	size_t len;
	int err = entry_path(dir, key, stamp, path, sizeof(path));

	if (err || (err = text_read_file(path, &bytes, &len)) != 0)
		return err == -ENOENT ? -ENOENT : err == -ENOMEM ? -ENOMEM : -EINVAL;
	err = report_unpack(bytes, len, u->path, u->member, out);
	free(bytes);
	return err;
}

static int write_all(const char *path, const char *bytes, size_t len)
{
	FILE *f = fopen(path, "we");
	int err;

	if (!f)
		return -errno;
	err = fwrite(bytes, 1, len, f) != len ? -EIO : 0;
	if (fclose(f) && !err)
		err = -EIO;
	return err;
}

int cache_save(const char *dir, const char *key, const char *stamp, const struct module_report *r)
{
	char path[4096], tmp[4200], *bytes;
	size_t len;
	int err = entry_path(dir, key, stamp, path, sizeof(path));

	if (err)
		return err;
	if ((err = make_dirs(dir)) != 0)
		return err;
	if ((err = report_pack(r, &bytes, &len)) != 0)
		return err;
	snprintf(tmp, sizeof(tmp), "%s.%d.%lx.tmp", path, (int)getpid(), (unsigned long)(uintptr_t)r);
	err = write_all(tmp, bytes, len);
	if (!err && rename(tmp, path) < 0)
		err = -errno;
	if (err)
		unlink(tmp);
	free(bytes);
	return err;
}
