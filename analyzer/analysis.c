/* Analysis: runs image -> symbols -> debug info -> relocations -> state -> disassembly ->
 * functions -> call graph -> findings, releasing the intermediate products. */
#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include "analysis.h"
#include "callgraph.h"
#include "disasm.h"
#include "functions.h"
#include "lockset.h"
#include "state.h"

struct stages {
	struct elf_image *img;
	struct symbols *syms;
	struct debuginfo *dbg;
	struct relocs *relocs;
	struct state_set *states;
	struct plt_map *plt;
	struct xref_set *xrefs;
	struct function_table *funcs;
	struct callgraph *cg;
	struct sync_rules *own_sync;
	const struct sync_rules *sync;
	struct lockset *locks;
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Stage timings go to the debug log, for profiling large modules. */
static int timed(const struct analysis_options *o, const struct input_unit *u, const char *stage,
		 double *t, int err)
{
	double n = now_ms();

	diag_log(&o->diag, DIAG_DEBUG, "%s: %s: %.1f ms", u->display, stage, n - *t);
	*t = n;
	return err;
}

/* Each stage is announced to the progress display before it runs, and timed after. */
#define STAGE(name, call) (diag_progress(d, name, 0, 0), timed(o, u, name, &t, (call)))

static int run_stages(const struct analysis_options *o, const struct input_unit *u,
		      struct stages *s)
{
	const struct diag *d = &o->diag;
	double t = now_ms();
	int err;

	/* The synchronisation rules are small: without shared ones, each analysis parses its own. */
	if (!s->sync && (err = sync_rules_load_builtin(&s->own_sync, d)) != 0)
		return err;
	if (!s->sync)
		s->sync = s->own_sync;
	if ((err = STAGE("reading", elf_image_open(u, d, &s->img))) ||
	    (err = STAGE("symbols", symbols_load(s->img, d, &s->syms))) ||
	    (err = STAGE("debug info", debuginfo_load(s->img, d, &s->dbg))) ||
	    (err = STAGE("relocations", relocs_load(s->img, d, &s->relocs))) ||
	    (err = STAGE("state", state_classify(s->img, s->syms, s->dbg, s->relocs, &s->states))) ||
	    (err = STAGE("types", state_apply_types(s->states, s->dbg, s->sync))) ||
	    (err = STAGE("PLT", disasm_plt_load(s->img, d, &s->plt))) ||
	    (err = STAGE("decoding", disasm_sweep(s->img, s->syms, s->relocs, o->jobs, o->decoder, d, &s->xrefs))) ||
	    (err = STAGE("functions", functions_build(s->img, s->syms, s->relocs, s->xrefs, &s->funcs))))
		return err;
	struct callgraph_input ci = {
		s->img, s->syms, s->relocs, s->plt, s->funcs, s->states, s->xrefs, o->rules, o->libc, s->sync,
	};
	err = STAGE("call graph", callgraph_build(&ci, &s->cg));
	if (!err) {
		struct lockset_input li = { s->img, s->syms, s->relocs, s->plt, s->funcs, s->states,
					    s->xrefs, s->cg };

		disasm_xrefs_drop_jumps(s->xrefs);

		err = STAGE("lockset", lockset_analyze(&li, &s->locks));
		if (!err)
			diag_log(&o->diag, DIAG_DEBUG, "%s: lockset: %zu functions decoded, %zu locks",
				 u->display, s->locks->analysed, s->locks->nlocks);
		if (!err)
			err = STAGE("queries", lockset_drop_queries(&li));
		if (!err)
			err = STAGE("protection", lockset_protect(s->locks, &li));
	}
	/* The references are the largest structure of a big module and findings do not need them. */
	disasm_xrefs_free(s->xrefs);
	s->xrefs = NULL;
	return err;
}

int analysis_run(const struct analysis_options *o, const struct input_unit *u,
		 struct module_report **out)
{
	return analysis_run_shared(o, NULL, u, out);
}

int analysis_run_shared(const struct analysis_options *o, const struct sync_rules *sync,
			const struct input_unit *u, struct module_report **out)
{
	struct stages s = { .sync = sync };
	int err;

	if (u->error) {
		diag_log(&o->diag, DIAG_ERROR, "%s: %s", u->display, u->error);
		return -ENOENT;
	}
	err = run_stages(o, u, &s);
	if (!err) {
		struct findings_input fi = { u, s.img, s.dbg, s.states, s.funcs, s.cg, s.syms, s.locks, s.sync };

		diag_progress(&o->diag, "findings", 0, 0);
		err = findings_build(&fi, out);
	}
	if (err == -ENOMEM)
		diag_log(&o->diag, DIAG_ERROR, "%s: out of memory", u->display);
	lockset_free(s.locks);
	sync_rules_free(s.own_sync);
	callgraph_free(s.cg);
	functions_free(s.funcs);
	disasm_xrefs_free(s.xrefs);
	disasm_plt_free(s.plt);
	state_free(s.states);
	relocs_free(s.relocs);
	debuginfo_free(s.dbg);
	symbols_free(s.syms);
	elf_image_free(s.img);
	return err;
}
