/* Unit tests of the call graph: edges, rule and state uses, next hops, init-only code and guards. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include "callgraph.h"
#include "debuginfo.h"

struct module {
	char path[512];
	struct input_unit unit;
	struct rules *rules;
	struct elf_image *img;
	struct symbols *syms;
	struct debuginfo *dbg;
	struct relocs *relocs;
	struct state_set *states;
	struct plt_map *plt;
	struct xref_set *xrefs;
	struct function_table *funcs;
	struct callgraph *cg;
};

static void capture(void *ctx, enum diag_level level, const char *msg)
{
	(void)ctx;
	if (level == DIAG_ERROR)
		fail_msg("unexpected error: %s", msg);
}

static const struct diag diag = { capture, NULL };

/* Runs the pipeline up to the call graph with the built-in rules plus user_rules (or NULL). */
static struct module *load_with(const char *rel, unsigned libc, const char *user_rules)
{
	struct module *m = calloc(1, sizeof(*m));
	const char *base = getenv("FX");

	assert_non_null(m);
	snprintf(m->path, sizeof(m->path), "%s/%s", base && *base ? base : "build/fixtures", rel);
	m->unit = (struct input_unit){ .path = m->path, .display = m->path };
	m->rules = rules_new();
	assert_non_null(m->rules);
	assert_int_equal(rules_load_builtin(m->rules, &diag), 0);
	if (user_rules)
		assert_int_equal(rules_parse(m->rules, user_rules, "user", &diag), 0);
	assert_int_equal(elf_image_open(&m->unit, &diag, &m->img), 0);
	assert_int_equal(symbols_load(m->img, &diag, &m->syms), 0);
	assert_int_equal(debuginfo_load(m->img, &diag, &m->dbg), 0);
	assert_int_equal(relocs_load(m->img, &diag, &m->relocs), 0);
	assert_int_equal(state_classify(m->img, m->syms, m->dbg, m->relocs, &m->states), 0);
	assert_int_equal(disasm_plt_load(m->img, &diag, &m->plt), 0);
	assert_int_equal(disasm_sweep(m->img, m->syms, m->relocs, 2, DISASM_ZYDIS, &diag, &m->xrefs), 0);
	assert_int_equal(functions_build(m->img, m->syms, m->relocs, m->xrefs, &m->funcs), 0);
	struct callgraph_input in = { m->img, m->syms, m->relocs, m->plt, m->funcs, m->states, m->xrefs,
				      m->rules, libc, NULL };
	assert_int_equal(callgraph_build(&in, &m->cg), 0);
	assert_int_equal(m->cg->nfuncs, m->funcs->v.n);
	return m;
}

static struct module *load(const char *rel)
{
	return load_with(rel, LIBC_ANY, NULL);
}

static void unload(struct module *m)
{
	callgraph_free(m->cg);
	functions_free(m->funcs);
	disasm_xrefs_free(m->xrefs);
	disasm_plt_free(m->plt);
	state_free(m->states);
	relocs_free(m->relocs);
	debuginfo_free(m->dbg);
	symbols_free(m->syms);
	elf_image_free(m->img);
	rules_free(m->rules);
	free(m);
}

static uint32_t fn(const struct module *m, const char *name)
{
	for (size_t i = 0; i < m->funcs->v.n; i++)
		if (m->funcs->v.v[i].name && !strcmp(m->funcs->v.v[i].name, name))
			return (uint32_t)i;
	fail_msg("no function %s", name);
	return NO_FUNCTION;
}

static const char *fname(const struct module *m, uint32_t f)
{
	return f == NO_FUNCTION ? "-" : m->funcs->v.v[f].name ? m->funcs->v.v[f].name : "?";
}

static const char *how_name(int how)
{
	return how == HOW_CALL ? "call" : how == HOW_TAIL_CALL ? "tail-call" : "address-taken";
}

/* Every edge as "from>to:how", joined by spaces. */
static void edges_text(const struct module *m, char *out, size_t n)
{
	size_t len = 0;

	out[0] = '\0';
	for (size_t i = 0; i < m->cg->edges.n; i++) {
		const struct edge *e = &m->cg->edges.v[i];

		len += (size_t)snprintf(out + len, n - len, "%s%s>%s:%s", len ? " " : "", fname(m, e->from),
					fname(m, e->to), how_name(e->how));
	}
}

/* Every rule use as "function:callee(rule):how", joined by spaces. */
static void rule_uses_text(const struct module *m, char *out, size_t n)
{
	size_t len = 0;

	out[0] = '\0';
	for (size_t i = 0; i < m->cg->rule_uses.n; i++) {
		const struct rule_use *u = &m->cg->rule_uses.v[i];

		len += (size_t)snprintf(out + len, n - len, "%s%s:%s(%s):%s", len ? " " : "", fname(m, u->func),
					u->callee, u->rule->name, how_name(u->how));
	}
}

/* Every state use as "function:variable:access" (access as r, w, a letters), joined by spaces. */
static void state_uses_text(const struct module *m, char *out, size_t n)
{
	size_t len = 0;

	out[0] = '\0';
	for (size_t i = 0; i < m->cg->state_uses.n; i++) {
		const struct state_use *u = &m->cg->state_uses.v[i];

		len += (size_t)snprintf(out + len, n - len, "%s%s:%s:%s%s%s", len ? " " : "", fname(m, u->func),
					m->states->vars.v[u->state].name, u->access & ACCESS_READ ? "r" : "",
					u->access & ACCESS_WRITE ? "w" : "", u->access & ACCESS_ADDR ? "a" : "");
	}
}

static void test_edges(void **state)
{
	struct module *m = load("O0/legacy.o");
	char text[2048];

	(void)state;
	edges_text(m, text, sizeof(text));
	assert_string_equal(text, "legacy_tokenize>bump:call legacy_process>legacy_tokenize:call "
				  "legacy_init>setup_helper:call");
	unload(m);
}

static void test_rule_uses(void **state)
{
	struct module *m = load("O0/legacy.o");
	char text[2048];

	(void)state;
	rule_uses_text(m, text, sizeof(text));
	assert_string_equal(text, "legacy_tokenize:strtok(strtok):call legacy_next:strtok(strtok):call "
				  "legacy_year:localtime(localtime):call legacy_utc_hour:gmtime(gmtime):call "
				  "legacy_roll:rand(rand):call legacy_set_tz:setenv(setenv):call "
				  "legacy_tokenizer:strtok(strtok):address-taken");
	unload(m);
}

/* At -O0 an increment is a load and a store: one use per reference. */
static void test_state_uses(void **state)
{
	struct module *m = load("O0/legacy.o");
	char text[2048];

	(void)state;
	state_uses_text(m, text, sizeof(text));
	assert_string_equal(text, "bump:s_calls:r bump:s_calls:w "
				  "legacy_tokenize:tokens:r legacy_tokenize:tokens:w "
				  "legacy_tokenize:g_counter:r legacy_tokenize:g_counter:w "
				  "legacy_report:g_counter:r legacy_report:g_limit:r legacy_report:g_weak_flag:r "
				  "legacy_copy:s_buffer:a setup_helper:s_ready:w legacy_is_ready:s_ready:r");
	unload(m);
}

/* legacy_process touches nothing itself; its next hop is legacy_tokenize, which is direct. */
static void test_next_hop(void **state)
{
	struct module *m = load("O0/legacy.o");
	const struct fnode *proc = &m->cg->nodes[fn(m, "legacy_process")];
	const struct fnode *tok = &m->cg->nodes[fn(m, "legacy_tokenize")];

	(void)state;
	assert_false(proc->direct);
	assert_int_equal(proc->next_hop, fn(m, "legacy_tokenize"));
	assert_true(tok->direct);
	assert_int_equal(tok->next_hop, NO_FUNCTION);
	assert_int_equal(m->cg->nodes[fn(m, "legacy_init")].next_hop, fn(m, "setup_helper"));
	assert_int_equal(m->cg->nodes[fn(m, "legacy_tokenize_r")].next_hop, NO_FUNCTION);
	assert_false(m->cg->nodes[fn(m, "legacy_tokenize_r")].direct);
	unload(m);
}

static void test_init_only(void **state)
{
	struct module *m = load("O0/legacy.o");
	size_t n = 0;

	(void)state;
	assert_true(m->cg->nodes[fn(m, "legacy_init")].init_only);
	assert_true(m->cg->nodes[fn(m, "setup_helper")].init_only);
	for (size_t i = 0; i < m->cg->nfuncs; i++)
		n += m->cg->nodes[i].init_only;
	assert_int_equal(n, 2);
	unload(m);
}

/* Guarded: direct and not init-only. */
static void test_guard(void **state)
{
	struct module *m = load("O0/legacy.o");
	static const char *const guarded[] = { "bump", "legacy_tokenize", "legacy_next", "legacy_year",
					       "legacy_utc_hour", "legacy_roll", "legacy_set_tz",
					       "legacy_tokenizer", "legacy_report", "legacy_copy",
					       "legacy_is_ready" };
	size_t n = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(guarded) / sizeof(*guarded); i++)
		assert_true(callgraph_guard(m->cg, fn(m, guarded[i])));
	for (uint32_t f = 0; f < m->cg->nfuncs; f++)
		n += callgraph_guard(m->cg, f);
	assert_int_equal(n, sizeof(guarded) / sizeof(*guarded));
	assert_true(m->cg->nodes[fn(m, "setup_helper")].direct);
	assert_false(callgraph_guard(m->cg, fn(m, "setup_helper")));
	assert_false(callgraph_guard(m->cg, fn(m, "legacy_process")));
	unload(m);
}

/* At -O2 two calls become tail calls, and legacy_tokenize (with bump) is inlined into
 * legacy_process, which is therefore direct itself. */
static void test_o2(void **state)
{
	struct module *m = load("O2/legacy.o");
	char text[2048];

	(void)state;
	rule_uses_text(m, text, sizeof(text));
	assert_string_equal(text, "legacy_tokenize:strtok(strtok):tail-call legacy_next:strtok(strtok):tail-call "
				  "legacy_year:localtime(localtime):call legacy_utc_hour:gmtime(gmtime):call "
				  "legacy_roll:rand(rand):call legacy_set_tz:setenv(setenv):tail-call "
				  "legacy_tokenizer:strtok(strtok):address-taken "
				  "legacy_process:strtok(strtok):call");
	assert_true(m->cg->nodes[fn(m, "legacy_process")].direct);
	assert_int_equal(m->cg->nodes[fn(m, "legacy_process")].next_hop, NO_FUNCTION);
	assert_true(m->cg->nodes[fn(m, "setup_helper")].init_only);
	unload(m);
}

/* --libc glibc: rand is MT-Safe in glibc, so legacy_roll uses no rule. */
static void test_libc_selection(void **state)
{
	struct module *m = load_with("O0/legacy.o", SOURCE_GLIBC, NULL);

	(void)state;
	assert_false(m->cg->nodes[fn(m, "legacy_roll")].direct);
	assert_false(callgraph_guard(m->cg, fn(m, "legacy_roll")));
	for (size_t i = 0; i < m->cg->rule_uses.n; i++)
		assert_string_not_equal(m->cg->rule_uses.v[i].rule->name, "rand");
	assert_int_equal(m->cg->rule_uses.n, 6);
	unload(m);
}

/* A user rule on a function of the module itself: its callers use the rule. */
static void test_user_rule(void **state)
{
	struct module *m = load_with("O0/legacy.o", LIBC_ANY, "legacy_tokenize\n");
	const struct rule_use *found = NULL;

	(void)state;
	for (size_t i = 0; i < m->cg->rule_uses.n; i++)
		if (!strcmp(m->cg->rule_uses.v[i].rule->name, "legacy_tokenize")) {
			assert_null(found);
			found = &m->cg->rule_uses.v[i];
		}
	assert_non_null(found);
	assert_int_equal(found->func, fn(m, "legacy_process"));
	assert_int_equal(found->how, HOW_CALL);
	assert_true(m->cg->nodes[fn(m, "legacy_process")].direct);
	unload(m);
}

/* Calls through the PLT resolve to the imported symbol; a user rule makes the caller direct. */
static void test_plt_resolution(void **state)
{
	struct module *m = load_with("O0/app-dyn", LIBC_ANY, "legacy_tokenize\nlegacy_year\n");
	char text[2048];

	(void)state;
	rule_uses_text(m, text, sizeof(text));
	assert_string_equal(text, "main:legacy_year(legacy_year):call main:legacy_tokenize(legacy_tokenize):call");
	edges_text(m, text, sizeof(text));
	assert_string_equal(text, "main>count_run:call");
	assert_int_equal(m->cg->nodes[fn(m, "main")].next_hop, NO_FUNCTION);
	unload(m);
}

/* Vtable slots make the virtual functions data-referenced: never init-only, callable from anywhere. */
static void test_data_ref(void **state)
{
	struct module *m = load("O0/legacy_cxx.o");

	(void)state;
	assert_true(m->cg->nodes[fn(m, "_ZNK6legacy6Square4areaEv")].data_ref);
	assert_true(m->cg->nodes[fn(m, "_ZNK6legacy5Shape4areaEv")].data_ref);
	assert_true(m->cg->nodes[fn(m, "_ZN6legacy6SquareD0Ev")].data_ref);
	assert_false(m->cg->nodes[fn(m, "_ZN6legacy5splitEPc")].data_ref);
	assert_true(m->cg->nodes[fn(m, "_GLOBAL__sub_I_legacy.cpp")].init_only);
	assert_true(m->cg->nodes[fn(m, "_Z41__static_initialization_and_destruction_0ii")].init_only);
	assert_int_equal(m->cg->nodes[fn(m, "_ZN6legacy10use_sharedEv")].next_hop,
			 fn(m, "_ZN6legacy14shared_counterEv"));
	unload(m);
}

/* Stripped: state is named by address, only where non-init code touches it. */
static void test_stripped_anonymous(void **state)
{
	struct module *m = load("O0/app-stripped");
	static const char *const want[] = { ".data+0x10", ".data+0x14", ".bss+0x2c", ".bss+0x40", ".bss+0x44",
					    ".bss+0x60", ".bss+0xa0", ".bss+0xa4", ".bss+0xa8" };

	(void)state;
	assert_int_equal(m->states->vars.n, sizeof(want) / sizeof(*want));
	for (size_t i = 0; i < m->states->vars.n; i++)
		assert_string_equal(m->states->vars.v[i].symbol, want[i]);
	assert_int_equal(m->cg->rule_uses.n, 7);
	unload(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_rule_uses),
		cmocka_unit_test(test_state_uses),
		cmocka_unit_test(test_next_hop),
		cmocka_unit_test(test_init_only),
		cmocka_unit_test(test_guard),
		cmocka_unit_test(test_o2),
		cmocka_unit_test(test_libc_selection),
		cmocka_unit_test(test_user_rule),
		cmocka_unit_test(test_plt_resolution),
		cmocka_unit_test(test_data_ref),
		cmocka_unit_test(test_stripped_anonymous),
	};

	return cmocka_run_group_tests_name("callgraph", tests, NULL, NULL);
}
