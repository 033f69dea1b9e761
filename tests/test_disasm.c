/* Unit tests of the disassembler: exact references of asm/refs.s, PLT stubs, GOT and absolute
 * refs, and capstone handles opened by many threads at once in a fresh process. */
#include <pthread.h>
#include <sys/wait.h>
#include "helpers.h"
#include "disasm.h"

static struct test_module *refs;   /* asm/refs.o, loaded once for the group */

static void unload(struct test_module *m)
{
	test_module_free(m);
}

/* Opens a fixture and runs every stage up to the sweep; NULL on any error. */
static struct test_module *load_with(const char *rel, int jobs, enum disasm_decoder decoder)
{
	struct test_module_opts o = { TM_PLT | TM_XREFS, jobs, 0, NULL, &test_diag, decoder };

	return test_module_open(rel, &o);
}

static struct test_module *load(const char *rel, int jobs)
{
	return load_with(rel, jobs, DISASM_ZYDIS);
}

static int setup(void **state)
{
	(void)state;
	refs = load("asm/refs.o", 1);
	return refs ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	unload(refs);
	return 0;
}

/* The symbol named name in .symtab (its index in *idx), or a test failure. */
static const struct sym *sym_named(const struct test_module *m, const char *name, size_t *idx)
{
	for (size_t i = 1; i < m->syms->symtab.n; i++)
		if (!strcmp(m->syms->symtab.v[i].name, name)) {
			if (idx)
				*idx = i;
			return &m->syms->symtab.v[i];
		}
	fail_msg("no symbol %s", name);
	return NULL;
}

/* The references made by the named function, at most max of them; returns the count. */
static size_t refs_of(const struct test_module *m, const char *name, struct xref *out, size_t max)
{
	const struct sym *f = sym_named(m, name, NULL);
	struct xref_iter it = { .set = m->xrefs };
	const struct xref *x;
	size_t n = 0;

	while ((x = xref_next(&it)) != NULL)
		if (x->from >= f->addr && x->from < f->addr + f->size) {
			if (n < max)
				out[n] = *x;
			n++;
		}
	return n;
}

/* The one reference of function name: from its instruction at offset, exactly as given. */
static void expect_one(const char *name, uint64_t offset, int kind, int flags, int access, uint64_t to)
{
	struct xref x[4];

	assert_int_equal(refs_of(refs, name, x, 4), 1);
	assert_int_equal(x[0].from, sym_named(refs, name, NULL)->addr + offset);
	assert_int_equal(x[0].kind, kind);
	assert_int_equal(x[0].flags, flags);
	assert_int_equal(x[0].access, access);
	assert_int_equal(x[0].to, to);
}

static uint64_t addr_of(const char *name)
{
	return sym_named(refs, name, NULL)->addr;
}

static size_t index_of(const char *name)
{
	size_t idx = 0;

	sym_named(refs, name, &idx);
	return idx;
}

/* The premise of the store_imm and cmp_byte cases: PC32 addends that are not -4. */
static void test_reloc_addends(void **state)
{
	size_t n;
	const struct reloc *r;

	(void)state;
	r = relocs_code_in(refs->relocs, addr_of("store_imm"), addr_of("store_imm") + 11, &n);
	assert_int_equal(n, 1);
	assert_int_equal(r->type, R_X86_64_PC32);
	assert_int_equal(r->addend, -8);
	assert_int_equal(r->offset, addr_of("store_imm") + 2);
	r = relocs_code_in(refs->relocs, addr_of("cmp_byte"), addr_of("cmp_byte") + 8, &n);
	assert_int_equal(n, 1);
	assert_int_equal(r->type, R_X86_64_PC32);
	assert_int_equal(r->addend, -5);
}

/* movl $1, counter(%rip): target = addend + (instruction end - relocation offset) = counter. */
static void test_store_imm(void **state)
{
	(void)state;
	expect_one("store_imm", 0, XREF_DATA, 0, ACCESS_WRITE, addr_of("counter"));
}

static void test_cmp_byte(void **state)
{
	(void)state;
	expect_one("cmp_byte", 0, XREF_DATA, 0, ACCESS_READ, addr_of("flag"));
}

static void test_load(void **state)
{
	(void)state;
	expect_one("load", 0, XREF_DATA, 0, ACCESS_READ, addr_of("counter"));
}

static void test_store(void **state)
{
	(void)state;
	expect_one("store", 0, XREF_DATA, 0, ACCESS_WRITE, addr_of("counter") + 4);
}

static void test_incr(void **state)
{
	(void)state;
	expect_one("incr", 0, XREF_DATA, 0, ACCESS_READ | ACCESS_WRITE, addr_of("counter"));
}

static void test_address(void **state)
{
	(void)state;
	expect_one("address", 0, XREF_DATA, 0, ACCESS_ADDR, addr_of("table"));
}

/* call strtok@PLT in a .o: the undefined symbol, by .symtab index. */
static void test_calls(void **state)
{
	(void)state;
	assert_int_equal(sym_named(refs, "strtok", NULL)->shndx, SHN_UNDEF);
	expect_one("calls", 4, XREF_CALL, XREF_SYMBOL, 0, index_of("strtok"));
}

static void test_tail(void **state)
{
	(void)state;
	expect_one("tail", 0, XREF_JUMP, XREF_SYMBOL, 0, index_of("localtime"));
}

static void test_got_call(void **state)
{
	(void)state;
	expect_one("got_call", 4, XREF_CALL, XREF_SYMBOL, 0, index_of("gmtime"));
}

static void test_got_addr(void **state)
{
	(void)state;
	expect_one("got_addr", 0, XREF_DATA, XREF_SYMBOL, ACCESS_ADDR, index_of("strtok"));
}

static void test_tls(void **state)
{
	struct xref x[4];

	(void)state;
	assert_int_equal(refs_of(refs, "tls", x, 4), 0);
}

/* A call the assembler resolved within .text: no relocation, the target is helper itself. */
static void test_local_call(void **state)
{
	(void)state;
	expect_one("local_call", 0, XREF_CALL, 0, 0, addr_of("helper"));
	expect_one("helper", 0, XREF_DATA, 0, ACCESS_READ | ACCESS_WRITE, addr_of("flag"));
}

/* Twelve references in all, in address order, whatever the number of threads. */
static void test_order_and_jobs(void **state)
{
	struct test_module *m = load("asm/refs.o", 4);
	struct xref_iter a = { .set = refs->xrefs }, b;
	const struct xref *x, *y;
	uint64_t last = 0;

	(void)state;
	assert_non_null(m);
	b = (struct xref_iter){ .set = m->xrefs };
	assert_int_equal(refs->xrefs->n, 12);
	assert_int_equal(m->xrefs->n, 12);
	while ((x = xref_next(&a)) != NULL) {
		y = xref_next(&b);
		assert_non_null(y);
		assert_int_equal(x->from, y->from);
		assert_int_equal(x->kind, y->kind);
		assert_int_equal(x->flags, y->flags);
		assert_int_equal(x->access, y->access);
		assert_int_equal(x->to, y->to);
		assert_true(x->from >= last);
		last = x->from;
	}
	assert_null(xref_next(&b));
	unload(m);
}

/* Both references lists are the same, entry by entry. */
static void expect_same(const struct test_module *m, const struct test_module *n)
{
	struct xref_iter a = { .set = m->xrefs }, b = { .set = n->xrefs };
	const struct xref *x, *y;

	assert_int_equal(m->xrefs->n, n->xrefs->n);
	while ((x = xref_next(&a)) != NULL) {
		y = xref_next(&b);
		assert_non_null(y);
		assert_memory_equal(x, y, sizeof(*x));
	}
	assert_null(xref_next(&b));
}

/* Zydis in front of capstone finds exactly what capstone alone finds, with any number of
 * threads, on every kind of fixture (relocatable, PIE, non-PIE, stripped, misdecoding data). */
static void test_decoders_agree(void **state)
{
	static const char *const files[] = {
		"asm/refs.o", "asm/libmisdecode-stripped.so", "O0/legacy.o", "O2/legacy_cxx.o", "O0/app-dyn",
		"O2/app-nopie", "O0/app-stripped", "O2/liblegacy-noplt.so",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(files) / sizeof(*files); i++) {
		struct test_module *cs = load_with(files[i], 1, DISASM_CAPSTONE);
		struct test_module *zy = load_with(files[i], 3, DISASM_ZYDIS);

		assert_non_null(cs);
		assert_non_null(zy);
		assert_true(cs->xrefs->n > 0);
		expect_same(cs, zy);
		unload(cs);
		unload(zy);
	}
}

static const struct image_section *section_named(const struct elf_image *img, const char *name)
{
	for (size_t i = 1; i < img->nsecs; i++)
		if (!strcmp(img->secs[i].name, name))
			return &img->secs[i];
	return NULL;
}

static uint64_t section_size(const struct elf_image *img, const char *name)
{
	const struct image_section *s = section_named(img, name);

	return s ? s->size : 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* app-dyn: one stub per .plt entry (PLT0 included), .plt.sec entry and .plt.got entry; every stub
 * but PLT0 jumps through a slot whose relocation names the imported function. */
static void test_plt_stubs(void **state)
{
	struct test_module *m = load("O0/app-dyn", 1);
	const struct image_section *plt;
	const char *names[16];
	static const char *const want[] = { "__cxa_finalize", "common_bump", "fprintf", "legacy_report",
					    "legacy_tokenize", "legacy_year", "printf" };
	size_t n = 0;

	(void)state;
	assert_non_null(m);
	plt = section_named(m->img, ".plt");
	assert_non_null(plt);
	assert_int_equal(m->plt->v.n, section_size(m->img, ".plt") / 16 + section_size(m->img, ".plt.sec") / 16 +
				      section_size(m->img, ".plt.got") / 8);
	for (size_t i = 0; i < m->plt->v.n; i++) {
		const struct plt_stub *st = &m->plt->v.v[i];
		const struct sym *y = relocs_slot_symbol(m->relocs, m->syms, st->slot);

		assert_true(disasm_is_plt(m->img, st->jmp_addr));
		assert_true(elf_image_is_got(m->img, st->slot));
		if (st->jmp_addr < plt->addr + 16) {
			assert_null(y);   /* PLT0 jumps to the resolver */
			continue;
		}
		assert_non_null(y);
		assert_int_equal(y->shndx, SHN_UNDEF);
		assert_true(n < 16);
		names[n++] = y->name;
	}
	qsort(names, n, sizeof(*names), cmp_str);
	assert_int_equal(n, 7);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(names[i], want[i]);
	unload(m);
}

/* main's calls, in order: count_run directly, the rest through PLT stubs. */
static void test_plt_calls_of_main(void **state)
{
	struct test_module *m = load("O0/app-dyn", 1);
	static const char *const want[] = { "legacy_year", "legacy_tokenize", "printf", "fprintf",
					    "common_bump", "legacy_report" };
	struct xref x[32];
	size_t n, calls = 0;

	(void)state;
	assert_non_null(m);
	n = refs_of(m, "main", x, 32);
	assert_true(n <= 32);
	for (size_t i = 0; i < n; i++) {
		uint64_t slot;
		const struct sym *y;

		if (x[i].kind != XREF_CALL)
			continue;
		assert_int_equal(x[i].flags, 0);
		if (calls++ == 0) {
			assert_int_equal(x[i].to, sym_named(m, "count_run", NULL)->addr);
			assert_false(disasm_is_plt(m->img, x[i].to));
			assert_int_equal(disasm_plt_slot(m->plt, x[i].to), 0);
			continue;
		}
		assert_true(disasm_is_plt(m->img, x[i].to));
		slot = disasm_plt_slot(m->plt, x[i].to);
		y = relocs_slot_symbol(m->relocs, m->syms, slot);
		assert_non_null(y);
		assert_true(calls - 2 < 6);
		assert_string_equal(y->name, want[calls - 2]);
	}
	assert_int_equal(calls, 7);
	unload(m);
}

/* A stub spans up to 16 bytes before its jmp; anything further away maps to no slot. */
static void test_plt_slot_bounds(void **state)
{
	struct test_module *m = load("O0/app-dyn", 1);
	const struct plt_stub *st;

	(void)state;
	assert_non_null(m);
	assert_true(m->plt->v.n > 3);
	st = &m->plt->v.v[2];
	assert_int_equal(st->jmp_addr - m->plt->v.v[1].jmp_addr, 16);
	assert_int_equal(disasm_plt_slot(m->plt, st->jmp_addr), st->slot);
	assert_int_equal(disasm_plt_slot(m->plt, st->jmp_addr - 15), st->slot);
	assert_int_equal(disasm_plt_slot(m->plt, st->jmp_addr + 1), m->plt->v.v[3].slot);
	assert_int_equal(disasm_plt_slot(m->plt, m->plt->v.v[m->plt->v.n - 1].jmp_addr + 1), 0);
	assert_int_equal(disasm_plt_slot(m->plt, sym_named(m, "main", NULL)->addr), 0);
	unload(m);
}

/* -fno-plt: call *strtok@GOTPCREL(%rip) is an indirect call through the GOT slot. */
static void test_got_indirect_call(void **state)
{
	struct test_module *m = load("O0/liblegacy-noplt.so", 1);
	struct xref x[8];
	const struct sym *y;

	(void)state;
	assert_non_null(m);
	assert_int_equal(refs_of(m, "legacy_next", x, 8), 1);
	assert_int_equal(x[0].kind, XREF_CALL);
	assert_int_equal(x[0].flags, XREF_INDIRECT);
	assert_true(elf_image_is_got(m->img, x[0].to));
	y = relocs_slot_symbol(m->relocs, m->syms, x[0].to);
	assert_non_null(y);
	assert_string_equal(y->name, "strtok");
	unload(m);
}

/* A GOT load followed by a dereference takes the access of the dereference. */
static void test_got_load_access(void **state)
{
	struct test_module *m = load("O0/liblegacy-noplt.so", 1);
	struct xref x[8];
	static const char *const want[] = { "g_counter", "g_limit", "g_weak_flag" };
	const char *got[3];

	(void)state;
	assert_non_null(m);
	assert_int_equal(refs_of(m, "legacy_report", x, 8), 3);
	for (size_t i = 0; i < 3; i++) {
		const struct sym *y = relocs_slot_symbol(m->relocs, m->syms, x[i].to);

		assert_int_equal(x[i].kind, XREF_DATA);
		assert_int_equal(x[i].flags, 0);
		assert_int_equal(x[i].access, ACCESS_READ);
		assert_non_null(y);
		got[i] = y->name;
	}
	qsort(got, 3, sizeof(*got), cmp_str);
	for (size_t i = 0; i < 3; i++)
		assert_string_equal(got[i], want[i]);
	unload(m);
}

/* Non-PIE code takes strtok's address as an immediate: its PLT stub. */
static void test_absolute_plt_address(void **state)
{
	struct test_module *m = load("O0/app-nopie", 1);
	struct xref x[8];
	const struct sym *y;

	(void)state;
	assert_non_null(m);
	assert_int_equal(refs_of(m, "legacy_tokenizer", x, 8), 1);
	assert_int_equal(x[0].kind, XREF_DATA);
	assert_int_equal(x[0].flags, 0);
	assert_int_equal(x[0].access, ACCESS_ADDR);
	assert_true(disasm_is_plt(m->img, x[0].to));
	y = relocs_slot_symbol(m->relocs, m->syms, disasm_plt_slot(m->plt, x[0].to));
	assert_non_null(y);
	assert_string_equal(y->name, "strtok");
	unload(m);
}

/* Absolute data references of non-PIE code resolve to the objects themselves. */
static void test_absolute_data(void **state)
{
	struct test_module *m = load("O0/app-nopie", 1);
	struct xref x[8];

	(void)state;
	assert_non_null(m);
	assert_int_equal(refs_of(m, "legacy_report", x, 8), 3);
	assert_int_equal(x[0].to, sym_named(m, "g_counter", NULL)->addr);
	assert_int_equal(x[1].to, sym_named(m, "g_limit", NULL)->addr);
	assert_int_equal(x[2].to, sym_named(m, "g_weak_flag", NULL)->addr);
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(x[i].kind, XREF_DATA);
		assert_int_equal(x[i].access, ACCESS_READ);
	}
	unload(m);
}

/* Dropping the jumps (every jump is kept without a symbol table) leaves the calls and data
 * references, in order. */
static void test_drop_jumps(void **state)
{
	struct test_module *m = load("O2/app-stripped", 2);
	struct xref_iter it, kept;
	const struct xref *x, *y;
	struct xref_set copy;
	struct xref_seg *segs;
	size_t jumps = 0, others = 0;

	(void)state;
	assert_non_null(m);
	it = (struct xref_iter){ .set = m->xrefs };
	while ((x = xref_next(&it)) != NULL)
		x->kind == XREF_JUMP ? jumps++ : others++;
	assert_true(jumps > 0 && others > 0);
	/* A copy, so that the module frees its own set. */
	copy = *m->xrefs;
	segs = calloc(copy.nsegs + 1, sizeof(*segs));
	assert_non_null(segs);
	for (size_t i = 0; i < copy.nsegs; i++) {
		segs[i].n = copy.segs[i].n;
		segs[i].v = malloc((segs[i].n + 1) * sizeof(struct xref));
		memcpy(segs[i].v, copy.segs[i].v, segs[i].n * sizeof(struct xref));
	}
	copy.segs = segs;
	disasm_xrefs_drop_jumps(&copy);
	assert_int_equal(copy.n, others);
	it = (struct xref_iter){ .set = m->xrefs };
	kept = (struct xref_iter){ .set = &copy };
	while ((x = xref_next(&it)) != NULL) {
		if (x->kind == XREF_JUMP)
			continue;
		assert_non_null(y = xref_next(&kept));
		assert_memory_equal(x, y, sizeof(*x));
	}
	assert_null(xref_next(&kept));
	for (size_t i = 0; i < copy.nsegs; i++)
		free(segs[i].v);
	free(segs);
	unload(m);
}

/* --- capstone opened by many threads at once --------------------------------------------------- */
#define RACERS 8

static pthread_barrier_t start_line;

/* Opens a handle and decodes "movabs eax, dword ptr [0x1122334455667788]", whose eax capstone
 * adds from its lazily sorted table; returns whether the operands came out right. */
static void *race(void *arg)
{
	static const uint8_t code[] = { 0xa1, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11 };
	const uint8_t *p = code;
	size_t size = sizeof(code);
	uint64_t addr = 0x1000;
	bool ok = false;
	cs_insn *in;
	csh h;

	(void)arg;
	pthread_barrier_wait(&start_line);
	if (disasm_capstone_open(&h) != CS_ERR_OK)
		return NULL;
	if ((in = cs_malloc(h)) && cs_disasm_iter(h, &p, &size, &addr, in))
		ok = in->detail->x86.op_count == 2 && in->detail->x86.operands[0].type == X86_OP_REG &&
		     in->detail->x86.operands[0].reg == X86_REG_EAX &&
		     in->detail->x86.operands[1].type == X86_OP_MEM &&
		     in->detail->x86.operands[1].mem.disp == 0x1122334455667788;
	cs_free(in, 1);
	cs_close(&h);
	return ok ? arg : NULL;
}

/* The child's part: RACERS threads decode their first instruction together; 0 when all agree. */
static int race_child(void)
{
	pthread_t t[RACERS];
	int bad = 0;

	pthread_barrier_init(&start_line, NULL, RACERS);
	for (int i = 0; i < RACERS; i++)
		pthread_create(&t[i], NULL, race, &start_line);
	for (int i = 0; i < RACERS; i++) {
		void *ok;

		pthread_join(t[i], &ok);
		bad += !ok;
	}
	return bad ? 1 : 0;
}

/* capstone's first decode in a process sorts a shared table; disasm_capstone_open settles it
 * first, so that threads starting together all see the implicit eax (without it, about one
 * process in three got a wrong operand list here). Each round is a fresh process. */
static void test_capstone_open_race(void **state)
{
	int failed = 0;

	(void)state;
	for (int round = 0; round < 60; round++) {
		pid_t pid = fork();
		int st;

		assert_true(pid >= 0);
		if (pid == 0) {
			execl("/proc/self/exe", "test_disasm", "--race", (char *)NULL);
			_exit(127);
		}
		assert_int_equal(waitpid(pid, &st, 0), pid);
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) != 127);
		failed += WEXITSTATUS(st) != 0;
	}
	assert_int_equal(failed, 0);
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "--race"))
		return race_child();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_capstone_open_race),
		cmocka_unit_test(test_reloc_addends),
		cmocka_unit_test(test_store_imm),
		cmocka_unit_test(test_cmp_byte),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_store),
		cmocka_unit_test(test_incr),
		cmocka_unit_test(test_address),
		cmocka_unit_test(test_calls),
		cmocka_unit_test(test_tail),
		cmocka_unit_test(test_got_call),
		cmocka_unit_test(test_got_addr),
		cmocka_unit_test(test_tls),
		cmocka_unit_test(test_local_call),
		cmocka_unit_test(test_order_and_jobs),
		cmocka_unit_test(test_decoders_agree),
		cmocka_unit_test(test_plt_stubs),
		cmocka_unit_test(test_plt_calls_of_main),
		cmocka_unit_test(test_plt_slot_bounds),
		cmocka_unit_test(test_got_indirect_call),
		cmocka_unit_test(test_got_load_access),
		cmocka_unit_test(test_absolute_plt_address),
		cmocka_unit_test(test_drop_jumps),
		cmocka_unit_test(test_absolute_data),
	};

	return cmocka_run_group_tests_name("disasm", tests, setup, teardown);
}
