/* Unit tests of the input module: files, archives and directory trees into units, and errors. */
#include <sys/stat.h>
#include "helpers.h"
#include "input.h"

static char base[] = "/tmp/confine-test-input-XXXXXX";
static char root[64];    /* the tree: base/tree */

static void at(char *out, size_t n, const char *rel)
{
	snprintf(out, n, "%s/%s", root, rel);
}

static void write_bytes(const char *rel, const void *data, size_t size)
{
	char path[512];
	FILE *f;

	at(path, sizeof(path), rel);
	f = fopen(path, "wb");
	if (!f)
		fail_msg("cannot create %s", path);
	if (size && fwrite(data, 1, size, f) != size)
		fail_msg("cannot write %s", path);
	fclose(f);
}

/* Copies a fixture into the tree; returns 0 or -1. */
static int copy_fixture(const char *fixture, const char *rel)
{
	char src[512], dst[512];
	char buf[65536];
	size_t got;
	FILE *in, *out;
	int err = 0;

	test_fx_path(src, sizeof(src), fixture);
	at(dst, sizeof(dst), rel);
	in = fopen(src, "rb");
	out = fopen(dst, "wb");
	if (!in || !out)
		err = -1;
	while (!err && (got = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, got, out) != got)
			err = -1;
	if (in)
		fclose(in);
	if (out)
		fclose(out);
	return err;
}

/* The tree: ELF files, an archive, clutter, an empty file, a subdirectory and a symlink to it.
 * Next to it, a directory holding only a thin archive. */
static int setup(void **state)
{
	char path[512];
	const char *text = "build notes: not an object file at all\n";

	(void)state;
	if (!mkdtemp(base))
		return -1;
	snprintf(root, sizeof(root), "%s/tree", base);
	at(path, sizeof(path), "sub");
	if (mkdir(root, 0755) || mkdir(path, 0755) || copy_fixture("O0/legacy.o", "b.o") ||
	    copy_fixture("O0/liblegacy.a", "lib.a") || copy_fixture("O0/liblegacy.so", "sub/c.so"))
		return -1;
	write_bytes("a.txt", text, strlen(text));
	write_bytes("sub/notes.md", text, strlen(text));
	write_bytes("empty", "", 0);
	snprintf(path, sizeof(path), "%s/thin", base);
	if (mkdir(path, 0755))
		return -1;
	write_bytes("../thin/x.a", "!<thin>\n", 8);
	write_bytes("../bad.a", "!<arch>\nthese bytes are no archive member header at all\n", 56);
	at(path, sizeof(path), "link");
	return symlink("sub", path);
}

static int teardown(void **state)
{
	char cmd[256];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	return system(cmd) == 0 ? 0 : -1;
}

/* Expects unit i to be "PREFIX/rel" (with an optional member) and usable. */
static void expect_unit(const struct input_unit *u, const char *prefix, const char *rel, const char *member)
{
	char path[512], display[600];

	snprintf(path, sizeof(path), "%s/%s", prefix, rel);
	if (member)
		snprintf(display, sizeof(display), "%s(%s)", path, member);
	else
		snprintf(display, sizeof(display), "%s", path);
	assert_string_equal(u->path, path);
	assert_string_equal(u->display, display);
	if (member)
		assert_string_equal(u->member, member);
	else
		assert_null(u->member);
	assert_null(u->error);
}

static void expect_error(const char *arg, const char *error)
{
	struct input_list list = { 0 };

	assert_int_equal(input_expand(&list, arg), 0);
	assert_int_equal(list.n, 1);
	assert_string_equal(list.v[0].path, arg);
	assert_string_equal(list.v[0].display, arg);
	assert_null(list.v[0].member);
	assert_string_equal(list.v[0].error, error);
	input_list_free(&list);
}

static void test_directory(void **state)
{
	struct input_list list = { 0 };

	(void)state;
	assert_int_equal(input_expand(&list, root), 0);
	assert_int_equal(list.n, 4);
	expect_unit(&list.v[0], root, "b.o", NULL);
	expect_unit(&list.v[1], root, "lib.a", "legacy.o");
	expect_unit(&list.v[2], root, "lib.a", "common.o");
	expect_unit(&list.v[3], root, "sub/c.so", NULL);
	input_list_free(&list);
}

static void test_trailing_slash(void **state)
{
	struct input_list list = { 0 };
	char arg[512];

	(void)state;
	snprintf(arg, sizeof(arg), "%s/", root);
	assert_int_equal(input_expand(&list, arg), 0);
	assert_int_equal(list.n, 4);
	expect_unit(&list.v[0], root, "b.o", NULL);
	expect_unit(&list.v[3], root, "sub/c.so", NULL);
	input_list_free(&list);
}

/* Member offsets point at the member's ar header: its name field "legacy.o/" padded to 16. */
static void test_member_offsets(void **state)
{
	struct input_list list = { 0 };
	char path[512], hdr[16];
	const char *names[2] = { "legacy.o/       ", "common.o/       " };
	FILE *f;

	(void)state;
	at(path, sizeof(path), "lib.a");
	assert_int_equal(input_expand(&list, path), 0);
	assert_int_equal(list.n, 2);
	f = fopen(path, "rb");
	assert_non_null(f);
	for (size_t i = 0; i < 2; i++) {
		assert_true(list.v[i].member_off > 8);
		assert_int_equal(fseek(f, (long)list.v[i].member_off, SEEK_SET), 0);
		assert_int_equal(fread(hdr, 1, sizeof(hdr), f), sizeof(hdr));
		assert_memory_equal(hdr, names[i], sizeof(hdr));
	}
	fclose(f);
	input_list_free(&list);
}

static void test_single_file(void **state)
{
	struct input_list list = { 0 };
	char path[512];

	(void)state;
	at(path, sizeof(path), "b.o");
	assert_int_equal(input_expand(&list, path), 0);
	assert_int_equal(list.n, 1);
	expect_unit(&list.v[0], root, "b.o", NULL);
	input_list_free(&list);
}

/* A symlinked directory named on the command line is expanded; inside a tree it is not. */
static void test_named_symlink_dir(void **state)
{
	struct input_list list = { 0 };
	char path[512];

	(void)state;
	at(path, sizeof(path), "link");
	assert_int_equal(input_expand(&list, path), 0);
	assert_int_equal(list.n, 1);
	expect_unit(&list.v[0], path, "c.so", NULL);
	input_list_free(&list);
}

static void test_appends(void **state)
{
	struct input_list list = { 0 };
	char a[512], b[512];

	(void)state;
	at(a, sizeof(a), "sub");
	at(b, sizeof(b), "b.o");
	assert_int_equal(input_expand(&list, a), 0);
	assert_int_equal(input_expand(&list, b), 0);
	assert_int_equal(list.n, 2);
	expect_unit(&list.v[0], root, "sub/c.so", NULL);
	expect_unit(&list.v[1], root, "b.o", NULL);
	input_list_free(&list);
}

static void test_not_elf(void **state)
{
	char path[512];

	(void)state;
	at(path, sizeof(path), "a.txt");
	expect_error(path, "not an ELF file or archive");
	at(path, sizeof(path), "empty");
	expect_error(path, "not an ELF file or archive");
}

static void test_missing(void **state)
{
	char path[512];

	(void)state;
	at(path, sizeof(path), "no/such/file.o");
	expect_error(path, strerror(ENOENT));
}

static void test_special_files(void **state)
{
	char path[512];

	(void)state;
	expect_error("/dev/null", "not a regular file");
	at(path, sizeof(path), "../thin/x.a");
	expect_error(path, "thin archives are not supported (scan the member files)");
}

static void test_corrupt_archive(void **state)
{
	char path[512];

	(void)state;
	at(path, sizeof(path), "../bad.a");
	expect_error(path, "corrupt archive: cannot read its members");
}

/* A thin archive is recognised, so inside a directory it is reported rather than skipped. */
static void test_thin_in_directory(void **state)
{
	struct input_list list = { 0 };
	char dir[512], path[600];

	(void)state;
	snprintf(dir, sizeof(dir), "%s/thin", base);
	snprintf(path, sizeof(path), "%s/x.a", dir);
	assert_int_equal(input_expand(&list, dir), 0);
	assert_int_equal(list.n, 1);
	assert_string_equal(list.v[0].display, path);
	assert_string_equal(list.v[0].error, "thin archives are not supported (scan the member files)");
	input_list_free(&list);
}

static void test_free_null(void **state)
{
	struct input_list list = { 0 };

	(void)state;
	input_list_free(NULL);
	input_list_free(&list);
	assert_null(list.v);
	assert_int_equal(list.n, 0);
}

/* An archive holding only its signature is empty: no units, no error. */
static void test_empty_archive(void **state)
{
	char path[] = "/tmp/confine-bug-XXXXXX";
	FILE *out = fdopen(mkstemp(path), "wb");
	struct input_list list = { 0 };

	(void)state;
	fputs("!<arch>\n", out);
	fclose(out);
	assert_int_equal(input_expand(&list, path), 0);
	remove(path);
	assert_int_equal(list.n, 0);
	input_list_free(&list);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_directory),
		cmocka_unit_test(test_trailing_slash),
		cmocka_unit_test(test_member_offsets),
		cmocka_unit_test(test_single_file),
		cmocka_unit_test(test_named_symlink_dir),
		cmocka_unit_test(test_appends),
		cmocka_unit_test(test_not_elf),
		cmocka_unit_test(test_missing),
		cmocka_unit_test(test_special_files),
		cmocka_unit_test(test_corrupt_archive),
		cmocka_unit_test(test_thin_in_directory),
		cmocka_unit_test(test_free_null),
		cmocka_unit_test(test_empty_archive),
	};

	return cmocka_run_group_tests_name("input", tests, setup, teardown);
}
