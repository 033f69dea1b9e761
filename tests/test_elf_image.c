/* Unit tests of the ELF image module: exact open errors, and type, PIE and build-id of fixtures. */
#include "helpers.h"
#include "elf_image.h"


/* Reads a whole file into a malloc'd buffer. */
static char *read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long len;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	len = ftell(f);
	assert_true(len > 0);
	rewind(f);
	buf = malloc((size_t)len);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	*size = (size_t)len;
	return buf;
}

/* Opens path (display "name") and expects failure with err and exactly "name: why". */
static void expect_open_error(const char *path, const char *name, int err, const char *why)
{
	struct input_unit u = { .path = (char *)path, .display = (char *)name };
	struct elf_image *img = NULL;
	char want[1100];

	test_last_error[0] = '\0';
	test_nerrors = 0;
	assert_int_equal(elf_image_open(&u, &test_diag, &img), err);
	assert_null(img);
	snprintf(want, sizeof(want), "%s: %s", name, why);
	assert_string_equal(test_last_error, want);
	assert_int_equal(test_nerrors, 1);
}

static struct elf_image *open_fixture(const char *rel, struct input_unit *u, char *path, size_t n)
{
	struct elf_image *img = NULL;

	test_fx_path(path, n, rel);
	*u = (struct input_unit){ .path = path, .display = path };
	test_nerrors = 0;
	assert_int_equal(elf_image_open(u, &test_diag, &img), 0);
	assert_int_equal(test_nerrors, 0);
	assert_non_null(img);
	return img;
}

/* A minimal ELF64 header for x86-64 (or another machine), padded to 256 bytes. */
static void make_ehdr64(unsigned char *buf, uint16_t type, uint16_t machine)
{
	Elf64_Ehdr eh = { 0 };

	memset(buf, 0, 256);
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = type;
	eh.e_machine = machine;
	eh.e_version = EV_CURRENT;
	eh.e_ehsize = sizeof(Elf64_Ehdr);
	memcpy(buf, &eh, sizeof(eh));
}

static void test_text_file(void **state)
{
	char path[512];
	const char *text = "This is a plain text file, long enough to hold an ELF header and more.\n";

	(void)state;
	test_tmp_path(path, sizeof(path), "notes.txt");
	test_write_file(path, text, strlen(text));
	expect_open_error(path, "notes.txt", -ENOEXEC, "not an ELF file");
}

static void test_empty_file(void **state)
{
	char path[512];

	(void)state;
	test_tmp_path(path, sizeof(path), "empty");
	test_write_file(path, "", 0);
	expect_open_error(path, "empty", -ENOEXEC, "not an ELF file");
}

static void test_missing_file(void **state)
{
	char path[512];

	(void)state;
	test_tmp_path(path, sizeof(path), "does-not-exist.o");
	expect_open_error(path, "gone.o", -ENOENT, strerror(ENOENT));
}

static void test_elf32(void **state)
{
	unsigned char buf[256] = { 0 };
	Elf32_Ehdr eh = { 0 };
	char path[512];

	(void)state;
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS32;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = ET_REL;
	eh.e_machine = EM_386;
	eh.e_version = EV_CURRENT;
	eh.e_ehsize = sizeof(Elf32_Ehdr);
	memcpy(buf, &eh, sizeof(eh));
	test_tmp_path(path, sizeof(path), "elf32.o");
	test_write_file(path, buf, sizeof(buf));
	expect_open_error(path, "elf32.o", -ENOEXEC, "unsupported: 32-bit ELF (only x86-64 ELF64 is supported)");
}

static void test_aarch64(void **state)
{
	unsigned char buf[256];
	char path[512];

	(void)state;
	make_ehdr64(buf, ET_REL, EM_AARCH64);
	test_tmp_path(path, sizeof(path), "arm64.o");
	test_write_file(path, buf, sizeof(buf));
	expect_open_error(path, "arm64.o", -ENOEXEC, "unsupported architecture AArch64 (only x86-64 is supported)");
}

static void test_unknown_machine(void **state)
{
	unsigned char buf[256];
	char path[512];

	(void)state;
	make_ehdr64(buf, ET_REL, 4660);
	test_tmp_path(path, sizeof(path), "odd.o");
	test_write_file(path, buf, sizeof(buf));
	expect_open_error(path, "odd.o", -ENOEXEC,
			  "unsupported architecture (e_machine 4660; only x86-64 is supported)");
}

static void test_core_file(void **state)
{
	unsigned char buf[256];
	char path[512];

	(void)state;
	make_ehdr64(buf, ET_CORE, EM_X86_64);
	test_tmp_path(path, sizeof(path), "core");
	test_write_file(path, buf, sizeof(buf));
	expect_open_error(path, "core", -ENOEXEC, "unsupported ELF type (core file or unknown)");
}

static void test_short_header(void **state)
{
	unsigned char buf[256];
	char path[512];

	(void)state;
	make_ehdr64(buf, ET_REL, EM_X86_64);
	test_tmp_path(path, sizeof(path), "short.o");
	test_write_file(path, buf, 40);
	expect_open_error(path, "short.o", -EIO, "truncated: shorter than an ELF header");
}

/* A linked file whose second section claims to start past the end of the file. */
static void test_section_beyond_end(void **state)
{
	char src[512], path[512];
	size_t size;
	char *bytes;
	Elf64_Ehdr eh;
	Elf64_Shdr sh;

	(void)state;
	test_fx_path(src, sizeof(src), "O0/app");
	bytes = read_file(src, &size);
	memcpy(&eh, bytes, sizeof(eh));
	assert_true(eh.e_shoff + 2 * sizeof(sh) <= size);
	memcpy(&sh, bytes + eh.e_shoff + sizeof(sh), sizeof(sh));
	assert_int_not_equal(sh.sh_type, SHT_NOBITS);
	sh.sh_offset = size + 4096;
	memcpy(bytes + eh.e_shoff + sizeof(sh), &sh, sizeof(sh));
	test_tmp_path(path, sizeof(path), "app-corrupt");
	test_write_file(path, bytes, size);
	free(bytes);
	expect_open_error(path, "app-corrupt", -EIO,
			  "truncated or corrupt: a section extends beyond the end of the file");
}

static void test_wrong_member(void **state)
{
	char path[512];
	struct input_unit u;
	struct elf_image *img = NULL;

	(void)state;
	test_fx_path(path, sizeof(path), "O0/legacy.o");
	u = (struct input_unit){ .path = path, .member = "legacy.o", .member_off = 8, .display = "x.a(legacy.o)" };
	test_last_error[0] = '\0';
	test_nerrors = 0;
	assert_int_equal(elf_image_open(&u, &test_diag, &img), -EIO);
	assert_null(img);
	assert_memory_equal(test_last_error, "x.a(legacy.o): cannot find the archive member (",
			    strlen("x.a(legacy.o): cannot find the archive member ("));
	assert_int_equal(test_nerrors, 1);
}

/* A member of a real archive opens at the offset input_expand recorded. */
static void test_archive_member(void **state)
{
	char path[512];
	struct input_list list = { 0 };
	struct elf_image *img = NULL;

	(void)state;
	test_fx_path(path, sizeof(path), "O0/liblegacy.a");
	assert_int_equal(input_expand(&list, path), 0);
	assert_int_equal(list.n, 2);
	assert_string_equal(list.v[1].member, "common.o");
	test_nerrors = 0;
	assert_int_equal(elf_image_open(&list.v[1], &test_diag, &img), 0);
	assert_int_equal(test_nerrors, 0);
	assert_int_equal(img->type, IMAGE_RELOCATABLE);
	assert_ptr_equal(img->elf, img->member_elf);
	assert_ptr_equal(img->display, list.v[1].display);
	elf_image_free(img);
	input_list_free(&list);
}

static void test_relocatable(void **state)
{
	char path[512];
	struct input_unit u;
	struct elf_image *img = open_fixture("O0/legacy.o", &u, path, sizeof(path));

	(void)state;
	assert_int_equal(img->type, IMAGE_RELOCATABLE);
	assert_false(img->pie);
	assert_string_equal(img->build_id, "");
	assert_true(img->has_symtab);
	assert_non_null(img->dwarf);
	assert_int_equal(img->relro_lo, img->relro_hi);
	assert_ptr_equal(img->display, path);
	elf_image_free(img);
}

static void test_shared(void **state)
{
	char path[512];
	struct input_unit u;
	struct elf_image *img = open_fixture("O0/liblegacy.so", &u, path, sizeof(path));

	(void)state;
	assert_int_equal(img->type, IMAGE_SHARED);
	assert_false(img->pie);
	assert_int_equal(strlen(img->build_id), 40);
	assert_int_equal(strspn(img->build_id, "0123456789abcdef"), 40);
	assert_true(img->has_symtab);
	assert_true(img->relro_lo < img->relro_hi);
	elf_image_free(img);
}

static void test_pie_executable(void **state)
{
	char path[512];
	struct input_unit u;
	struct elf_image *img = open_fixture("O0/app", &u, path, sizeof(path));

	(void)state;
	assert_int_equal(img->type, IMAGE_EXECUTABLE);
	assert_true(img->pie);
	assert_int_equal(img->ehdr.e_type, ET_DYN);
	assert_int_equal(strlen(img->build_id), 40);
	assert_true(img->has_symtab);
	assert_non_null(img->dwarf);
	elf_image_free(img);
}

static void test_nopie_executable(void **state)
{
	char path[512];
	struct input_unit u;
	struct elf_image *img = open_fixture("O0/app-nopie", &u, path, sizeof(path));

	(void)state;
	assert_int_equal(img->type, IMAGE_EXECUTABLE);
	assert_false(img->pie);
	assert_int_equal(img->ehdr.e_type, ET_EXEC);
	assert_int_equal(strlen(img->build_id), 40);
	elf_image_free(img);
}

/* DT_TEXTREL marks a shared object of non-PIC code; its -fPIC build and executables have none. */
static void test_textrel(void **state)
{
	char p1[512], p2[512], p3[512];
	struct input_unit u1, u2, u3;
	struct elf_image *tr = open_fixture("textrel/O0/libtextrel.so", &u1, p1, sizeof(p1));
	struct elf_image *pic = open_fixture("textrel/O0/libtextrel-pic.so", &u2, p2, sizeof(p2));
	struct elf_image *app = open_fixture("O0/app-nopie", &u3, p3, sizeof(p3));

	(void)state;
	assert_int_equal(tr->type, IMAGE_SHARED);
	assert_true(tr->textrel);
	assert_false(pic->textrel);
	assert_false(app->textrel);
	elf_image_free(tr);
	elf_image_free(pic);
	elf_image_free(app);
}

/* strip keeps the build-id note: the stripped twin has the same one, but no .symtab or DWARF. */
static void test_stripped(void **state)
{
	char p1[512], p2[512];
	struct input_unit u1, u2;
	struct elf_image *app = open_fixture("O0/app", &u1, p1, sizeof(p1));
	struct elf_image *img = open_fixture("O0/app-stripped", &u2, p2, sizeof(p2));

	(void)state;
	assert_false(img->has_symtab);
	assert_null(img->dwarf);
	assert_int_equal(img->type, IMAGE_EXECUTABLE);
	assert_true(img->pie);
	assert_int_equal(strlen(img->build_id), 40);
	assert_string_equal(img->build_id, app->build_id);
	elf_image_free(app);
	elf_image_free(img);
}

static const struct image_section *section_named(const struct elf_image *img, const char *name, size_t *idx)
{
	for (size_t i = 1; i < img->nsecs; i++)
		if (!strcmp(img->secs[i].name, name)) {
			if (idx)
				*idx = i;
			return &img->secs[i];
		}
	return NULL;
}

static void test_section_lookup(void **state)
{
	char path[512];
	struct input_unit u;
	struct elf_image *img = open_fixture("O0/liblegacy.so", &u, path, sizeof(path));
	const struct image_section *text = section_named(img, ".text", NULL);
	const struct image_section *got = section_named(img, ".got", NULL);
	const struct image_section *data = section_named(img, ".data", NULL);

	(void)state;
	assert_non_null(text);
	assert_non_null(got);
	assert_non_null(data);
	assert_ptr_equal(elf_image_section_at(img, text->addr), text);
	assert_ptr_equal(elf_image_section_at(img, text->addr + text->size - 1), text);
	assert_ptr_not_equal(elf_image_section_at(img, text->addr + text->size), text);
	assert_null(elf_image_section_at(img, 0));
	assert_true(elf_image_is_got(img, got->addr));
	assert_false(elf_image_is_got(img, data->addr));
	assert_false(elf_image_is_got(img, text->addr));
	elf_image_free(img);
}

static void test_section_bytes(void **state)
{
	char path[512];
	struct input_unit u;
	struct elf_image *img = open_fixture("O0/liblegacy.so", &u, path, sizeof(path));
	size_t text_idx = 0, bss_idx = 0, size = 1;
	const struct image_section *text = section_named(img, ".text", &text_idx);

	(void)state;
	assert_non_null(section_named(img, ".bss", &bss_idx));
	assert_non_null(elf_image_section_bytes(img, text_idx, &size));
	assert_int_equal(size, text->size);
	assert_null(elf_image_section_bytes(img, bss_idx, &size));
	assert_int_equal(size, 0);
	size = 1;
	assert_null(elf_image_section_bytes(img, 0, &size));
	assert_int_equal(size, 0);
	elf_image_free(img);
}

/* .o sections are laid out at distinct addresses, so that references resolve by address. */
static void test_relocatable_layout(void **state)
{
	char path[512];
	struct input_unit u;
	struct elf_image *img = open_fixture("O0/legacy.o", &u, path, sizeof(path));
	const struct image_section *text = section_named(img, ".text", NULL);
	const struct image_section *data = section_named(img, ".data", NULL);
	const struct image_section *bss = section_named(img, ".bss", NULL);

	(void)state;
	assert_non_null(text);
	assert_non_null(data);
	assert_non_null(bss);
	assert_true(text->addr != 0);
	assert_true(data->addr >= text->addr + text->size);
	assert_true(bss->addr >= data->addr + data->size);
	assert_ptr_equal(elf_image_section_at(img, bss->addr), bss);
	elf_image_free(img);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(elf_image_type_name(IMAGE_RELOCATABLE), "relocatable");
	assert_string_equal(elf_image_type_name(IMAGE_SHARED), "shared");
	assert_string_equal(elf_image_type_name(IMAGE_EXECUTABLE), "executable");
	assert_true(elf_image_is_init_array(".init_array"));
	assert_true(elf_image_is_init_array(".init_array.00101"));
	assert_true(elf_image_is_init_array(".fini_array"));
	assert_true(elf_image_is_init_array(".preinit_array"));
	assert_true(elf_image_is_init_array(".ctors.65535"));
	assert_true(elf_image_is_init_array(".dtors"));
	assert_false(elf_image_is_init_array(".init"));
	assert_false(elf_image_is_init_array(".init_arrayx"));
	assert_false(elf_image_is_init_array(".data"));
}

/* A copy cut inside its section header table is truncated, not an image without sections. */
static void test_truncated_fixture(void **state)
{
	char src[512], path[] = "/tmp/confine-bug-XXXXXX", buf[2000];
	struct input_unit u = { .path = path, .display = "app-truncated" };
	struct elf_image *img = NULL;
	FILE *in, *out;
	int fd = mkstemp(path);

	(void)state;
	test_fx_path(src, sizeof(src), "O0/app");
	in = fopen(src, "rb");
	out = fdopen(fd, "wb");
	assert_int_equal(fread(buf, 1, sizeof(buf), in), sizeof(buf));
	assert_int_equal(fwrite(buf, 1, sizeof(buf), out), sizeof(buf));
	fclose(in);
	fclose(out);
	test_last_error[0] = '\0';
	int rc = elf_image_open(&u, &test_diag, &img);

	remove(path);
	assert_int_equal(rc, -EIO);
	assert_null(img);
	assert_memory_equal(test_last_error, "app-truncated: truncated or corrupt", 35);
}

/* A complete 52-byte ELF32 header is unsupported (32-bit), not truncated. */
static void test_elf32_header_only(void **state)
{
	char path[] = "/tmp/confine-bug-XXXXXX";
	struct input_unit u = { .path = path, .display = "elf32.o" };
	struct elf_image *img = NULL;
	Elf32_Ehdr eh = { 0 };
	FILE *out = fdopen(mkstemp(path), "wb");

	(void)state;
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS32;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = ET_REL;
	eh.e_machine = EM_386;
	eh.e_version = EV_CURRENT;
	eh.e_ehsize = sizeof(eh);
	assert_int_equal(fwrite(&eh, 1, sizeof(eh), out), 52);
	fclose(out);
	test_last_error[0] = '\0';
	int rc = elf_image_open(&u, &test_diag, &img);

	remove(path);
	assert_int_equal(rc, -ENOEXEC);
	assert_string_equal(test_last_error, "elf32.o: unsupported: 32-bit ELF (only x86-64 ELF64 is supported)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text_file),
		cmocka_unit_test(test_empty_file),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_elf32),
		cmocka_unit_test(test_aarch64),
		cmocka_unit_test(test_unknown_machine),
		cmocka_unit_test(test_core_file),
		cmocka_unit_test(test_short_header),
		cmocka_unit_test(test_section_beyond_end),
		cmocka_unit_test(test_wrong_member),
		cmocka_unit_test(test_archive_member),
		cmocka_unit_test(test_relocatable),
		cmocka_unit_test(test_shared),
		cmocka_unit_test(test_textrel),
		cmocka_unit_test(test_pie_executable),
		cmocka_unit_test(test_nopie_executable),
		cmocka_unit_test(test_stripped),
		cmocka_unit_test(test_section_lookup),
		cmocka_unit_test(test_section_bytes),
		cmocka_unit_test(test_relocatable_layout),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_truncated_fixture),
		cmocka_unit_test(test_elf32_header_only),
	};

	return cmocka_run_group_tests_name("elf_image", tests, test_tmpdir_setup, test_tmpdir_teardown);
}
