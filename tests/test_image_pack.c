/* Unit tests of code image layouts: which pages the runs cover, where the patches land in the
 * file, the digest that ties an image to its patches, and the checks of a header read back. */
#include "helpers.h"
#include "image_pack.h"

#define P IMAGE_PAGE

static struct image_site jump(uint64_t at, uint8_t first)
{
	return (struct image_site){ .at = at, .bytes = { 0xe9, first, 0, 0, 0 }, .n = 5 };
}

/* Pages with a site, merged across gaps of up to 16 pages; the file holds them after its header. */
static void test_layout(void **state)
{
	struct image_site s[] = { jump(40 * P + 100, 3), jump(P + 7, 1), jump(2 * P - 2, 2), jump(100 * P, 4) };
	struct image_header h;
	uint64_t size;

	(void)state;
	size = image_pack_layout(s, 4, -0x1000, &h);
	assert_int_equal(s[0].at, P + 7);          /* sorted */
	assert_int_equal(s[3].at, 100 * P);
	assert_int_equal(h.nruns, 3);
	/* P+7 and 2P-2 (which runs into page 2): pages 1 to 2, one run. */
	assert_int_equal(h.runs[0].at, P);
	assert_int_equal(h.runs[0].len, 2 * P);
	assert_int_equal(h.runs[0].off, P);
	assert_int_equal(h.runs[1].at, 40 * P);
	assert_int_equal(h.runs[1].len, P);
	assert_int_equal(h.runs[1].off, 3 * P);
	assert_int_equal(h.runs[2].at, 100 * P);
	assert_int_equal(h.runs[2].off, 4 * P);
	assert_int_equal(size, 5 * P);
	assert_int_equal(h.npages, 4);
	assert_int_equal(h.region, -0x1000);
	assert_int_equal(h.digest, image_pack_digest(s, 4, -0x1000));
}

/* The bytes a plan was made from (span) bring their pages into the image, so that they are
 * checked unchanged in memory; they are not written. */
static void test_span(void **state)
{
	struct image_site s[] = { jump(P + 4000, 1), jump(100 * P, 2) };
	struct image_header h;

	(void)state;
	s[0].span = 28;                            /* 4000 + 28 stays in page 1 */
	image_pack_layout(s, 2, 0, &h);
	assert_int_equal(h.npages, 2);
	assert_int_equal(h.runs[0].len, P);
	s[0].span = 100;                           /* runs into page 2 */
	image_pack_layout(s, 2, 0, &h);
	assert_int_equal(h.npages, 3);
	assert_int_equal(h.runs[0].at, P);
	assert_int_equal(h.runs[0].len, 2 * P);
	s[0].span = 2;                             /* less than the patch: the patch counts */
	s[0].at = 2 * P - 3;
	image_pack_layout(s, 2, 0, &h);
	assert_int_equal(h.runs[0].len, 2 * P);
}

/* Pages closer than the gap make one run, with the pages between them. */
static void test_gap(void **state)
{
	struct image_site s[] = { jump(0, 1), jump(16 * P, 2), jump(33 * P, 3) };
	struct image_header h;

	(void)state;
	assert_int_equal(image_pack_layout(s, 3, 0, &h), P + 17 * P + P);
	assert_int_equal(h.nruns, 2);
	assert_int_equal(h.runs[0].len, 17 * P);
	assert_int_equal(h.runs[1].at, 33 * P);
}

/* More runs than fit: the gap doubles until at most IMAGE_RUNS_MAX remain. */
static void test_many_runs(void **state)
{
	struct image_site s[200];
	struct image_header h;
	const char *why = NULL;
	uint64_t size;

	(void)state;
	/* 40 clusters 10,000 pages apart, of 5 sites 20 pages apart: 200 runs with a gap of 16,
	 * 40 with 32. */
	for (int i = 0; i < 200; i++)
		s[i] = jump((uint64_t)(i / 5) * 10000 * P + (uint64_t)(i % 5) * 20 * P, (uint8_t)i);
	size = image_pack_layout(s, 200, 0, &h);
	assert_int_equal(h.nruns, 40);
	assert_int_equal(h.runs[39].at, 39 * 10000 * P);
	assert_int_equal(h.runs[39].len, 81 * P);
	assert_int_equal(size, P + 40 * 81 * P);
	assert_int_equal(h.npages, 200);
	assert_int_equal(image_pack_check(&h, size, &why), 0);
	for (int i = 0; i < 200; i++) {
		bool covered = false;

		for (uint32_t r = 0; r < h.nruns; r++)
			covered |= s[i].at >= h.runs[r].at && s[i].at + 5 <= h.runs[r].at + h.runs[r].len;
		assert_true(covered);
	}
}

/* Each site's bytes land at its place in its run; the bytes around are left alone. */
static void test_patch(void **state)
{
	struct image_site s[] = { jump(P + 10, 0x11), { .at = 40 * P + 4093, .bytes = { 0xe9, 0x22, 0, 0, 0x33 }, .n = 5 } };
	struct image_header h;
	uint8_t *data;
	uint64_t size;

	(void)state;
	size = image_pack_layout(s, 2, 0, &h);
	assert_int_equal(h.nruns, 2);
	assert_int_equal(h.runs[1].len, 2 * P);    /* the second site runs into page 41 */
	data = calloc(1, size - P);
	assert_non_null(data);
	image_pack_patch(&h, s, 2, data);
	assert_int_equal(data[10], 0xe9);
	assert_int_equal(data[11], 0x11);
	assert_int_equal(data[9], 0);
	assert_int_equal(data[15], 0);
	assert_int_equal(data[P + 4093], 0xe9);
	assert_int_equal(data[P + 4094], 0x22);
	assert_int_equal(data[P + 4092], 0);
	assert_int_equal(data[2 * P + 1], 0x33);
	assert_int_equal(data[2 * P + 2], 0);
	free(data);
}

/* The digest changes with any site's place or bytes, and with the trampolines' place. */
static void test_digest(void **state)
{
	struct image_site a[] = { jump(P, 1), jump(2 * P, 2) }, b[2];
	uint64_t d = image_pack_digest(a, 2, 0x5000);

	(void)state;
	assert_int_equal(d, image_pack_digest(a, 2, 0x5000));
	assert_int_not_equal(d, image_pack_digest(a, 2, 0x6000));
	assert_int_not_equal(d, image_pack_digest(a, 1, 0x5000));
	memcpy(b, a, sizeof(a));
	b[1].bytes[4] = 1;
	assert_int_not_equal(d, image_pack_digest(b, 2, 0x5000));
	memcpy(b, a, sizeof(a));
	b[0].at++;
	assert_int_not_equal(d, image_pack_digest(b, 2, 0x5000));
	memcpy(b, a, sizeof(a));
	b[0].n = 1;
	assert_int_not_equal(d, image_pack_digest(b, 2, 0x5000));
	assert_int_not_equal(image_pack_hash("abcdefghi", 9), image_pack_hash("abcdefghj", 9));
	assert_int_not_equal(image_pack_hash("abcdefgh", 8), image_pack_hash("abcdefgh\0", 9));
}

/* A header read back: another format is stale; damage is refused with its reason. */
static void test_check(void **state)
{
	struct image_site s[] = { jump(P, 1), jump(30 * P, 2) };
	struct image_header h, bad;
	const char *why = NULL;
	uint64_t size;

	(void)state;
	size = image_pack_layout(s, 2, 0, &h);
	assert_int_equal(image_pack_check(&h, size, &why), 0);
	assert_int_equal(image_pack_check(&h, size - 1, &why), -EINVAL);
	assert_string_equal(why, "the file is shorter than its runs");
	assert_int_equal(image_pack_check(&h, P - 1, &why), -ESTALE);
	bad = h;
	bad.magic[13] = '2';
	assert_int_equal(image_pack_check(&bad, size, &why), -ESTALE);
	bad = h;
	bad.nruns = 0;
	assert_int_equal(image_pack_check(&bad, size, &why), -EINVAL);
	bad.nruns = IMAGE_RUNS_MAX + 1;
	assert_int_equal(image_pack_check(&bad, size, &why), -EINVAL);
	assert_string_equal(why, "no runs, or too many");
	bad = h;
	bad.runs[1].at = 0;                        /* before the first run */
	assert_int_equal(image_pack_check(&bad, size, &why), -EINVAL);
	assert_string_equal(why, "a run is not whole pages, in order");
	bad = h;
	bad.runs[0].len = P + 1;
	assert_int_equal(image_pack_check(&bad, size, &why), -EINVAL);
	bad = h;
	bad.runs[1].off += P;
	assert_int_equal(image_pack_check(&bad, size + P, &why), -EINVAL);
	assert_string_equal(why, "a run is not where the previous one ends in the file");
	bad = h;
	bad.runs[1].len = UINT64_MAX - P + 1;     /* wraps around */
	assert_int_equal(image_pack_check(&bad, size, &why), -EINVAL);
}

/* Image files as /proc/PID/maps names them: also once replaced, never another file. */
static void test_path(void **state)
{
	(void)state;
	assert_int_equal(image_pack_path_len("/c/confine/ab12.code"), 20);
	assert_int_equal(image_pack_path_len("/c/confine/ab12.code\n"), 20);
	assert_int_equal(image_pack_path_len("/c/confine/ab12.code (deleted)\n"), 20);
	assert_int_equal(image_pack_path_len("/c/confine/ab12.code (deleted)"), 20);
	assert_int_equal(image_pack_path_len("/usr/lib/libcode.so\n"), 0);
	assert_int_equal(image_pack_path_len("/c/confine/ab12.codex"), 0);
	assert_int_equal(image_pack_path_len(".code"), 0);
	assert_int_equal(image_pack_path_len(""), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_gap),
		cmocka_unit_test(test_span),
		cmocka_unit_test(test_many_runs),
		cmocka_unit_test(test_patch),
		cmocka_unit_test(test_digest),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_path),
	};

	return cmocka_run_group_tests_name("image_pack", tests, NULL, NULL);
}
