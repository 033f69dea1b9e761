/* Shared by the cmocka unit tests: see helpers.h. */
#include "helpers.h"

char test_last_error[1024];
int test_nerrors;

static void capture(void *ctx, enum diag_level level, const char *msg)
{
	(void)ctx;
	if (level == DIAG_ERROR) {
		snprintf(test_last_error, sizeof(test_last_error), "%s", msg);
		test_nerrors++;
	}
}

static void strict(void *ctx, enum diag_level level, const char *msg)
{
	if (level <= *(const enum diag_level *)ctx)
		fail_msg("unexpected diagnostic: %s", msg);
}

static const enum diag_level errors = DIAG_ERROR, warnings = DIAG_WARN;

const struct diag test_diag = { capture, NULL };
const struct diag test_diag_strict = { strict, (void *)&errors };
const struct diag test_diag_quiet = { strict, (void *)&warnings };

void test_fx_path(char *out, size_t n, const char *rel)
{
	const char *base = getenv("FX");

	snprintf(out, n, "%s/%s", base && *base ? base : "build/fixtures", rel);
}

struct module_report *test_analyze(const char *rel)
{
	char path[512];
	struct input_unit u = { .path = path, .display = path };
	struct rules *rules = rules_new();
	struct analysis_options o = { rules, LIBC_ANY, 1, test_diag, DISASM_ZYDIS };
	struct module_report *r = NULL;

	test_fx_path(path, sizeof(path), rel);
	assert_non_null(rules);
	assert_int_equal(rules_load_builtin(rules, NULL), 0);
	assert_int_equal(analysis_run(&o, &u, &r), 0);
	rules_free(rules);
	return r;
}

char test_tmpdir[] = "/tmp/confine-test-XXXXXX";

int test_tmpdir_setup(void **state)
{
	(void)state;
	return mkdtemp(test_tmpdir) ? 0 : -1;
}

int test_tmpdir_teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", test_tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

void test_tmp_path(char *out, size_t n, const char *name)
{
	snprintf(out, n, "%s/%s", test_tmpdir, name);
}

void test_write_file(const char *path, const void *data, size_t size)
{
	FILE *f = fopen(path, "wb");

	if (!f)
		fail_msg("cannot create %s: %s", path, strerror(errno));
	if (size && fwrite(data, 1, size, f) != size)
		fail_msg("cannot write %s", path);
	assert_int_equal(fclose(f), 0);
}

struct module_report *test_report_new(const char *path, const char *module)
{
	struct module_report *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	r->path = strdup(path);
	r->display = strdup(path);
	r->module = strdup(module);
	r->findings = calloc(16, sizeof(*r->findings));
	r->functions = calloc(16, sizeof(*r->functions));
	assert_true(r->path && r->display && r->module && r->findings && r->functions);
	return r;
}

struct finding *test_finding_add(struct module_report *r, enum kind k, const char *function,
				 const char *symbol, const char *name)
{
	struct finding *f;

	assert_true(r->nfindings < 16);
	f = &r->findings[r->nfindings++];
	f->kind = k;
	f->symbol = strdup(symbol);
	f->demangled = strdup(name);
	f->name = strdup(name);
	f->function = function ? strdup(function) : NULL;
	findings_fingerprint(k, r->module, function, name, f->fingerprint);
	return f;
}

struct rules *test_rules;

int test_rules_setup(void **state)
{
	(void)state;
	test_rules = rules_new();
	return test_rules && rules_load_builtin(test_rules, &test_diag) == 0 ? 0 : -1;
}

int test_rules_teardown(void **state)
{
	(void)state;
	rules_free(test_rules);
	return 0;
}

void test_module_free(struct test_module *m)
{
	if (!m)
		return;
	callgraph_free(m->cg);
	functions_free(m->funcs);
	disasm_xrefs_free(m->xrefs);
	disasm_plt_free(m->plt);
	state_free(m->states);
	debuginfo_free(m->dbg);
	relocs_free(m->relocs);
	symbols_free(m->syms);
	elf_image_free(m->img);
	rules_free(m->rules);
	free(m);
}

/* Each stage with what it needs. */
static unsigned closure(unsigned s)
{
	if (s & TM_CALLGRAPH)
		s |= TM_STATE | TM_PLT | TM_FUNCTIONS;
	if (s & TM_FUNCTIONS)
		s |= TM_XREFS;
	if (s & TM_STATE)
		s |= TM_DEBUGINFO | TM_RELOCS;
	if (s & TM_XREFS)
		s |= TM_RELOCS;
	return s;
}

static int load_rules(struct test_module *m, const struct test_module_opts *o)
{
	if (!(m->rules = rules_new()) || rules_load_builtin(m->rules, o->d))
		return -1;
	return o->user_rules ? rules_parse(m->rules, o->user_rules, "user", o->d) : 0;
}

static int build_graph(struct test_module *m, const struct test_module_opts *o)
{
	struct callgraph_input in = { m->img, m->syms, m->relocs, m->plt, m->funcs, m->states,
				      m->xrefs, m->rules, o->libc ? o->libc : LIBC_ANY, NULL };

	return callgraph_build(&in, &m->cg);
}

struct test_module *test_module_open(const char *rel, const struct test_module_opts *o)
{
	struct test_module *m = calloc(1, sizeof(*m));
	unsigned s = closure(o->stages);
	const struct diag *d = o->d;

	if (!m)
		return NULL;
	test_fx_path(m->path, sizeof(m->path), rel);
	m->unit = (struct input_unit){ .path = m->path, .display = m->path };
	if (((s & TM_CALLGRAPH) && load_rules(m, o)) || elf_image_open(&m->unit, d, &m->img) ||
	    symbols_load(m->img, d, &m->syms) ||
	    ((s & TM_RELOCS) && relocs_load(m->img, d, &m->relocs)) ||
	    ((s & TM_DEBUGINFO) && debuginfo_load(m->img, d, &m->dbg)) ||
	    ((s & TM_STATE) && state_classify(m->img, m->syms, m->dbg, m->relocs, &m->states)) ||
	    ((s & TM_PLT) && disasm_plt_load(m->img, d, &m->plt)) ||
	    ((s & TM_XREFS) && disasm_sweep(m->img, m->syms, m->relocs, o->jobs > 0 ? o->jobs : 1, o->decoder, d,
					     &m->xrefs)) ||
	    ((s & TM_FUNCTIONS) && functions_build(m->img, m->syms, m->relocs, m->xrefs, &m->funcs)) ||
	    ((s & TM_CALLGRAPH) && build_graph(m, o))) {
		test_module_free(m);
		return NULL;
	}
	return m;
}
