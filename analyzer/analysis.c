/* Analysis: runs image -> symbols -> debug info -> relocations -> state -> disassembly ->
 * functions -> call graph -> findings, releasing the intermediate products. */
#include <errno.h>
#include <stdlib.h>
#include "analysis.h"
#include "callgraph.h"
#include "disasm.h"
#include "functions.h"
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
};

static int run_stages(const struct analysis_options *o, const struct input_unit *u,
		      struct stages *s)
{
	const struct diag *d = &o->diag;
	int err;

	if ((err = elf_image_open(u, d, &s->img)) ||
	    (err = symbols_load(s->img, d, &s->syms)) ||
	    (err = debuginfo_load(s->img, d, &s->dbg)) ||
	    (err = relocs_load(s->img, d, &s->relocs)) ||
	    (err = state_classify(s->img, s->syms, s->dbg, s->relocs, &s->states)) ||
	    (err = disasm_plt_load(s->img, d, &s->plt)) ||
	    (err = disasm_sweep(s->img, s->syms, s->relocs, o->jobs, d, &s->xrefs)) ||
	    (err = functions_build(s->img, s->syms, s->relocs, s->xrefs, &s->funcs)))
		return err;
	struct callgraph_input ci = {
		s->img, s->syms, s->relocs, s->plt, s->funcs, s->states, s->xrefs, o->rules, o->libc,
	};
	return callgraph_build(&ci, &s->cg);
}

int analysis_run(const struct analysis_options *o, const struct input_unit *u,
		 struct module_report **out)
{
	struct stages s = { 0 };
	int err;

	if (u->error) {
		diag_log(&o->diag, DIAG_ERROR, "%s: %s", u->display, u->error);
		return -ENOENT;
	}
	err = run_stages(o, u, &s);
	if (!err) {
		struct findings_input fi = { u, s.img, s.dbg, s.states, s.funcs, s.cg };

		err = findings_build(&fi, out);
	}
	if (err == -ENOMEM)
		diag_log(&o->diag, DIAG_ERROR, "%s: out of memory", u->display);
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
