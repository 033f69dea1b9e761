/* Image packs: which pages of a module's code a code image holds, where they lie in its file,
 * and the digest that ties the image to its patches. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "image_pack.h"

static const char magic[16] = "confine code 1\n";

static uint64_t mix(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return h;
}

uint64_t image_pack_hash(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint64_t h = 0x9E3779B97F4A7C15ULL ^ n, w;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		memcpy(&w, b + i, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	return mix(h, b + i, n - i);
}

uint64_t image_pack_digest(const struct image_site *s, size_t n, int64_t region)
{
	uint64_t h = image_pack_hash(&region, sizeof(region));

	for (size_t i = 0; i < n; i++) {
		uint64_t w[2] = { s[i].at, s[i].n };

		memcpy(&w[1], s[i].bytes, s[i].n < 7 ? s[i].n : 7);
		w[1] = (w[1] << 8) | s[i].n;
		h = image_pack_hash(w, sizeof(w)) ^ (h * 0x9E3779B97F4A7C15ULL);
	}
	return h;
}

static int by_address(const void *a, const void *b)
{
	const struct image_site *x = a, *y = b;

	return x->at < y->at ? -1 : x->at > y->at;
}

/* The offset from `at` of the last byte a site writes or depends on. */
static uint64_t last_byte(const struct image_site *s)
{
	uint8_t len = s->span > s->n ? s->span : s->n;

	return len ? len - 1 : 0;
}

/* The runs of pages holding a site, merged across gaps of at most `gap` pages; h->runs is
 * filled while there is room. Returns the count. */
static size_t runs_with_gap(const struct image_site *s, size_t n, uint64_t gap, struct image_header *h)
{
	uint64_t first = 0, last = 0;
	size_t runs = 0;

	for (size_t i = 0; i <= n; i++) {
		uint64_t p0 = i < n ? s[i].at / IMAGE_PAGE : 0;
		uint64_t p1 = i < n ? (s[i].at + last_byte(&s[i])) / IMAGE_PAGE : 0;

		if (i < n && runs && p0 <= last + gap) {
			last = p1 > last ? p1 : last;
			continue;
		}
		if (runs && runs <= IMAGE_RUNS_MAX)
			h->runs[runs - 1] = (struct image_run){ first * IMAGE_PAGE, (last - first + 1) * IMAGE_PAGE, 0 };
		if (i < n) {
			first = p0;
			last = p1;
			runs++;
		}
	}
	return runs;
}

static uint32_t pages_with_sites(const struct image_site *s, size_t n)
{
	uint64_t seen = UINT64_MAX;
	uint32_t count = 0;

	for (size_t i = 0; i < n; i++)
		for (uint64_t p = s[i].at / IMAGE_PAGE; p <= (s[i].at + last_byte(&s[i])) / IMAGE_PAGE; p++)
			if (p != seen || !count) {
				seen = p;
				count++;
			}
	return count;
}

void image_pack_sort(struct image_site *s, size_t n)
{
	size_t i = 1;

	/* Functions come in address order: usually nothing to do. */
	while (i < n && s[i - 1].at <= s[i].at)
		i++;
	if (i < n)
		qsort(s, n, sizeof(*s), by_address);
}

uint64_t image_pack_layout(struct image_site *s, size_t n, int64_t region, struct image_header *h)
{
	uint64_t gap = 16, off = IMAGE_PAGE;

	memset(h, 0, sizeof(*h));
	memcpy(h->magic, magic, sizeof(magic));
	image_pack_sort(s, n);
	while (runs_with_gap(s, n, gap, h) > IMAGE_RUNS_MAX)
		gap *= 2;
	h->nruns = (uint32_t)runs_with_gap(s, n, gap, h);
	for (uint32_t i = 0; i < h->nruns; i++) {
		h->runs[i].off = off;
		off += h->runs[i].len;
	}
	h->npages = pages_with_sites(s, n);
	h->region = region;
	h->digest = image_pack_digest(s, n, region);
	return off;
}

void image_pack_patch(const struct image_header *h, const struct image_site *s, size_t n, uint8_t *data)
{
	for (size_t i = 0; i < n; i++)
		for (uint32_t r = 0; r < h->nruns; r++) {
			const struct image_run *run = &h->runs[r];

			if (s[i].at >= run->at && s[i].at + s[i].n <= run->at + run->len) {
				memcpy(data + run->off - IMAGE_PAGE + (s[i].at - run->at), s[i].bytes, s[i].n);
				break;
			}
		}
}

size_t image_pack_path_len(const char *path)
{
	static const char deleted[] = " (deleted)";
	size_t len = strlen(path), dl = sizeof(deleted) - 1, sl = sizeof(IMAGE_SUFFIX) - 1;

	if (len && path[len - 1] == '\n')
		len--;
	if (len >= dl && !memcmp(path + len - dl, deleted, dl))
		len -= dl;
	return len > sl && !memcmp(path + len - sl, IMAGE_SUFFIX, sl) ? len : 0;
}

int image_pack_check(const struct image_header *h, uint64_t file_size, const char **why)
{
	uint64_t off = IMAGE_PAGE, end = 0;

	if (file_size < IMAGE_PAGE || memcmp(h->magic, magic, sizeof(magic)))
		return -ESTALE;
	*why = "no runs, or too many";
	if (!h->nruns || h->nruns > IMAGE_RUNS_MAX)
		return -EINVAL;
	for (uint32_t i = 0; i < h->nruns; i++) {
		const struct image_run *r = &h->runs[i];

		*why = "a run is not whole pages, in order";
		if (r->at % IMAGE_PAGE || !r->len || r->len % IMAGE_PAGE || r->at < end || r->at + r->len < r->at)
			return -EINVAL;
		*why = "a run is not where the previous one ends in the file";
		if (r->off != off)
			return -EINVAL;
		*why = "the file is shorter than its runs";
		if (off + r->len > file_size || off + r->len < off)
			return -EINVAL;
		off += r->len;
		end = r->at + r->len;
	}
	return 0;
}
