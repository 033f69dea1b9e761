/* Image: maps a cached, patched copy of a module's code over it, once it is shown to be the same
 * file, the same patches, and code that nothing changed in memory; or builds that copy. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "image.h"
#include "maps.h"

/* The images mapped, for the report path: filled in under the modules lock, read without it. */
#define MAPPED_MAX 256

static struct {
	uintptr_t lo, hi, bias;
	const char *name;
} mapped[MAPPED_MAX];
static int nmapped;

static void note_mapped(const struct image_module *m, const struct image_header *h)
{
	int i = __atomic_load_n(&nmapped, __ATOMIC_RELAXED);

	if (i >= MAPPED_MAX)
		return;
	mapped[i].lo = m->bias + h->runs[0].at;
	mapped[i].hi = m->bias + h->runs[h->nruns - 1].at + h->runs[h->nruns - 1].len;
	mapped[i].bias = m->bias;
	mapped[i].name = m->name;
	__atomic_store_n(&nmapped, i + 1, __ATOMIC_RELEASE);
}

bool image_owner(uintptr_t pc, const char **name, uintptr_t *bias)
{
	/* The latest first: a module loaded again at an address once another's. */
	for (int i = __atomic_load_n(&nmapped, __ATOMIC_ACQUIRE) - 1; i >= 0; i--)
		if (pc >= mapped[i].lo && pc < mapped[i].hi) {
			*name = mapped[i].name;
			*bias = mapped[i].bias;
			return true;
		}
	return false;
}

/* The mapping that holds a module's first code byte. */
struct code_map {
	uintptr_t at;
	struct mapping m;
	bool found;
};

static bool find_code(const struct mapping *m, void *ctx)
{
	struct code_map *c = ctx;

	if (c->at < m->lo || c->at >= m->hi)
		return false;
	c->m = *m;
	c->m.path = NULL;
	c->found = m->path && !strcmp(m->perms, "r-xp");
	return true;
}

/* m's code as mapped, when it is a private read-and-execute mapping of the file st describes.
 * Callers hold the modules lock (one static buffer). */
static const char *code_mapping(const struct image_module *m, const struct stat *st, struct code_map *c)
{
	static char buf[1 << 16];

	c->at = m->text_lo;
	c->found = false;
	if (!maps_each(buf, sizeof(buf), find_code, c) || !c->found)
		return "its code is not a private mapping of its file";
	if (st->st_ino != c->m.inode || major(st->st_dev) != c->m.dev_major || minor(st->st_dev) != c->m.dev_minor)
		return "the file at its path is not the one loaded";
	return NULL;
}

static bool runs_inside(const struct image_header *h, uintptr_t bias, const struct code_map *c)
{
	for (uint32_t i = 0; i < h->nruns; i++)
		if (bias + h->runs[i].at < c->m.lo || bias + h->runs[i].at + h->runs[i].len > c->m.hi)
			return false;
	return true;
}

/* No page of the runs is a private copy (relocated text, another tool's patches, a debugger's
 * breakpoints): /proc/self/pagemap marks the pages present or swapped that are not the file's. */
static bool runs_unchanged(const struct image_header *h, uintptr_t bias)
{
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	bool ok = fd >= 0;
	uint64_t e[512];

	for (uint32_t i = 0; ok && i < h->nruns; i++) {
		uint64_t page = (bias + h->runs[i].at) / IMAGE_PAGE, left = h->runs[i].len / IMAGE_PAGE;

		while (ok && left) {
			size_t k = left < 512 ? (size_t)left : 512;

			ok = pread(fd, e, k * 8, (off_t)(page * 8)) == (ssize_t)(k * 8);
			for (size_t j = 0; ok && j < k; j++)
				ok = !(e[j] >> 62) || (e[j] >> 61 & 1);
			page += k;
			left -= k;
		}
	}
	if (fd >= 0)
		close(fd);
	return ok;
}

/* 512 MiB below the code: free at start-up but in programs that map hundreds of megabytes before
 * main. The trampolines must reach the module's data (rel32) from there: 2 GiB less the margin
 * the patcher keeps (64 MiB) and room for the largest region (65536 trampolines of 256 bytes). */
#define REGION_DISTANCE (512ULL << 20)
#define REGION_REACH ((2048ULL - 64 - 16) << 20)

static uintptr_t region_default(const struct image_module *m)
{
	if (m->text_lo < 2 * REGION_DISTANCE || m->end - (m->text_lo - REGION_DISTANCE) > REGION_REACH)
		return 0;
	return (m->text_lo - REGION_DISTANCE) & ~(uintptr_t)(IMAGE_PAGE - 1);
}

/* Local file systems only: a network one (NFS, SMB, FUSE...) may let another machine replace the
 * image under a mapping (NFS's device numbers differ between clients, so each would see the
 * other's image as another version), and pages not yet read then fail: SIGBUS in the host. */
static bool local_fs(long type)
{
	static const long local[] = { EXT4_SUPER_MAGIC, XFS_SUPER_MAGIC, BTRFS_SUPER_MAGIC, TMPFS_MAGIC,
				      OVERLAYFS_SUPER_MAGIC, F2FS_SUPER_MAGIC, RAMFS_MAGIC, REISERFS_SUPER_MAGIC,
				      0x2fc12fc1 /* zfs */, 0xca451a4e /* bcachefs */, 0x3153464a /* jfs */ };

	for (size_t i = 0; i < sizeof(local) / sizeof(*local); i++)
		if (type == local[i])
			return true;
	return false;
}

/* Whether the cache at path (the image, else its directory) is on a local file system. */
static bool cache_local(const char *path, int fd)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	struct statfs sf;

	if (fd >= 0)
		return fstatfs(fd, &sf) == 0 && local_fs((long)sf.f_type);
	if (!slash || (size_t)(slash - path) >= sizeof(dir))
		return false;
	memcpy(dir, path, (size_t)(slash - path));
	dir[slash - path] = '\0';
	return statfs(dir, &sf) == 0 && local_fs((long)sf.f_type);
}

uintptr_t image_open(struct image *im, const char *path, const struct image_module *m)
{
	struct stat st;
	const char *why = "it is of another format";

	/* Non-blocking: a FIFO put there must not hang the host. */
	im->fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	im->why = "there is no image in the cache";
	im->stale = true;
	if (!cache_local(path, im->fd)) {
		im->why = "the cache is not on a local file system";
		im->stale = false;
		image_close(im);
		return 0;
	}
	if (im->fd < 0)
		return region_default(m);
	if (fstat(im->fd, &st) || !S_ISREG(st.st_mode) ||
	    pread(im->fd, &im->h, sizeof(im->h), 0) != (ssize_t)sizeof(im->h) ||
	    image_pack_check(&im->h, (uint64_t)st.st_size, &why)) {
		im->why = why;
		image_close(im);
		return region_default(m);
	}
	return m->bias + (uintptr_t)im->h.region;
}

/* The module file's identity, as an image records it. */
static void stamp(struct image_header *h, const struct stat *st)
{
	h->dev = (uint64_t)st->st_dev;
	h->ino = (uint64_t)st->st_ino;
	h->size = (uint64_t)st->st_size;
	h->mtime_sec = st->st_mtim.tv_sec;
	h->mtime_nsec = st->st_mtim.tv_nsec;
	h->ctime_sec = st->st_ctim.tv_sec;
	h->ctime_nsec = st->st_ctim.tv_nsec;
}

static bool same_version(const struct image_header *h, const struct stat *st)
{
	struct image_header now = *h;

	stamp(&now, st);
	return !memcmp(&now, h, sizeof(now));
}

/* Each run is first mapped anywhere (a cache on a noexec mount fails here, changing nothing),
 * then moved over the code. A move failing part-way leaves pages that already hold the very
 * patches the writes then make. */
static bool map_runs(struct image *im, uintptr_t bias)
{
	void *at[IMAGE_RUNS_MAX];
	uint32_t i, n = im->h.nruns;
	bool ok = true;

	for (i = 0; i < n; i++) {
		at[i] = mmap(NULL, im->h.runs[i].len, PROT_READ | PROT_EXEC, MAP_PRIVATE, im->fd, (off_t)im->h.runs[i].off);
		if (at[i] == MAP_FAILED)
			break;
	}
	if (i < n) {
		while (i--)
			munmap(at[i], im->h.runs[i].len);
		im->why = "the cache's file system does not allow mapping code";
		return false;
	}
	for (i = 0; i < n; i++) {
		void *to = (void *)(bias + im->h.runs[i].at);

		if (ok && mremap(at[i], im->h.runs[i].len, im->h.runs[i].len, MREMAP_MAYMOVE | MREMAP_FIXED, to) != to)
			ok = false;
		if (!ok)
			munmap(at[i], im->h.runs[i].len);
	}
	im->why = ok ? NULL : "the image could not be moved over the code";
	return ok;
}

bool image_verify(struct image *im, const struct image_module *m)
{
	struct code_map c;
	struct stat st;

	if (im->verified)
		return im->verified > 0;
	im->verified = -1;
	if (im->fd < 0)
		return false;
	if (stat(m->path, &st) || !same_version(&im->h, &st)) {
		im->why = "it was made from another version of the file";
		return false;
	}
	im->stale = false;
	if ((im->why = code_mapping(m, &st, &c)) != NULL)
		return false;
	if (!runs_inside(&im->h, m->bias, &c) || !runs_unchanged(&im->h, m->bias)) {
		im->why = "the module's code is not all its file's in memory";
		return false;
	}
	im->stale = true;
	im->verified = 1;
	return true;
}

bool image_map(struct image *im, const struct image_module *m, const struct image_site *s, size_t n,
	       uintptr_t region)
{
	if (!image_verify(im, m))
		return false;
	if (image_pack_digest(s, n, (int64_t)(region - m->bias)) != im->h.digest) {
		/* With the trampolines elsewhere (their place was taken this time) the jumps differ too:
		 * the image may still serve the next start. */
		im->stale = region - m->bias == (uintptr_t)im->h.region;
		im->why = im->stale ? "it was made for other patches" : "its trampolines' place is taken";
		return false;
	}
	if (!map_runs(im, m->bias))
		return false;
	note_mapped(m, &im->h);
	return true;
}

/* Reads the runs from the file (bytes past its end are zero, as in the mapping). */
static int read_runs(int fd, const struct image_header *h, uintptr_t bias, const struct code_map *c, uint8_t *data)
{
	for (uint32_t i = 0; i < h->nruns; i++) {
		uint8_t *to = data + h->runs[i].off - IMAGE_PAGE;
		off_t from = (off_t)(c->m.offset + (bias + h->runs[i].at - c->m.lo));
		size_t got = 0;

		while (got < h->runs[i].len) {
			ssize_t r = pread(fd, to + got, h->runs[i].len - got, from + (off_t)got);

			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0)
				return -errno;
			if (r == 0)
				break;
			got += (size_t)r;
		}
		memset(to + got, 0, h->runs[i].len - got);
	}
	return 0;
}

int image_build(const struct image_module *m, struct image_site *s, size_t n, uintptr_t region, uint64_t plans,
		uint8_t **out, size_t *len)
{
	struct image_header h;
	struct code_map c;
	struct stat st;
	uint64_t size = image_pack_layout(s, n, (int64_t)(region - m->bias), &h);
	int fd = open(m->path, O_RDONLY | O_CLOEXEC), err = -EAGAIN;
	uint8_t *buf = NULL;

	if (fd < 0)
		return -errno;
	if (h.npages < IMAGE_MIN_PAGES || fstat(fd, &st) || code_mapping(m, &st, &c) || !runs_inside(&h, m->bias, &c) ||
	    !runs_unchanged(&h, m->bias))
		goto out;
	err = -ENOMEM;
	if (!(buf = calloc(1, size)))
		goto out;
	h.plans = plans;
	stamp(&h, &st);
	memcpy(buf, &h, sizeof(h));
	if ((err = read_runs(fd, &h, m->bias, &c, buf + IMAGE_PAGE)) == 0) {
		image_pack_patch(&h, s, n, buf + IMAGE_PAGE);
		*out = buf;
		*len = size;
		buf = NULL;
	}
out:
	free(buf);
	close(fd);
	return err;
}

void image_close(struct image *im)
{
	if (im && im->fd >= 0)
		close(im->fd);
	if (im)
		im->fd = -1;
}
