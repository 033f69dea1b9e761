/* Shared by the cmocka unit tests: the cmocka prelude, diagnostics capture, fixture paths, a
 * temporary directory with files, and one fixture run through the analysis stages. */
#ifndef CONFINE_TEST_HELPERS_H
#define CONFINE_TEST_HELPERS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <unistd.h>
#include "analysis.h"
#include "callgraph.h"
#include "debuginfo.h"
#include "disasm.h"
#include "functions.h"
#include "state.h"

/* test_diag keeps the last error in test_last_error and counts errors in test_nerrors;
 * test_diag_strict fails the running test on an error, test_diag_quiet on a warning too. */
extern char test_last_error[1024];
extern int test_nerrors;
extern const struct diag test_diag, test_diag_strict, test_diag_quiet;

/* out = $FX/rel (FX: the fixture build directory, build/fixtures by default). */
void test_fx_path(char *out, size_t n, const char *rel);

/* The report of $FX/rel, analysed whole with the built-in rules (LIBC_ANY, one job); fails the
 * test when the analysis does (free with module_report_free). */
struct module_report *test_analyze(const char *rel);

/* A fresh directory under /tmp for a group (cmocka group setup and teardown; the teardown
 * removes it with its contents). test_tmp_path gives out = that directory/name. */
extern char test_tmpdir[];
int test_tmpdir_setup(void **state);
int test_tmpdir_teardown(void **state);
void test_tmp_path(char *out, size_t n, const char *name);

/* Writes size bytes to path (created or truncated); fails the test on error. */
void test_write_file(const char *path, const void *data, size_t size);

/* A synthetic report: path and display path, module name, room for 16 findings and 16
 * functions (free with module_report_free). */
struct module_report *test_report_new(const char *path, const char *module);

/* Appends a finding with its symbol, name (also the demangled name), function (NULL at file
 * scope) and fingerprint; the caller sets the other fields. */
struct finding *test_finding_add(struct module_report *r, enum kind k, const char *function,
				 const char *symbol, const char *name);

/* The built-in rules in test_rules (cmocka group setup and teardown). */
extern struct rules *test_rules;
int test_rules_setup(void **state);
int test_rules_teardown(void **state);

/* One fixture run through the analysis stages the test needs. */
struct test_module {
	char path[512];
	struct input_unit unit;
	struct rules *rules;
	struct elf_image *img;
	struct symbols *syms;
	struct relocs *relocs;
	struct debuginfo *dbg;
	struct state_set *states;
	struct plt_map *plt;
	struct xref_set *xrefs;
	struct function_table *funcs;
	struct callgraph *cg;
};

/* Stages beyond the image and symbols; each brings what it needs. */
enum {
	TM_RELOCS = 1 << 0,
	TM_DEBUGINFO = 1 << 1,
	TM_STATE = 1 << 2,       /* + relocs, debuginfo */
	TM_PLT = 1 << 3,
	TM_XREFS = 1 << 4,       /* + relocs */
	TM_FUNCTIONS = 1 << 5,   /* + relocs, xrefs */
	TM_CALLGRAPH = 1 << 6,   /* everything, with the built-in rules plus user_rules */
};

struct test_module_opts {
	unsigned stages;
	int jobs;                /* decoding threads (0: 1) */
	unsigned libc;           /* for the call graph (0: LIBC_ANY) */
	const char *user_rules;  /* rule text added to the built-in rules, or NULL */
	const struct diag *d;
	enum disasm_decoder decoder;   /* DISASM_ZYDIS unless set */
};

/* Opens $FX/rel and runs the stages; NULL when one fails (after d's report). */
struct test_module *test_module_open(const char *rel, const struct test_module_opts *o);
void test_module_free(struct test_module *m);

#endif
