/* Analysis: the whole pipeline for one module, from ELF image to module report. */
#ifndef CONFINE_ANALYSIS_H
#define CONFINE_ANALYSIS_H

#include "diag.h"
#include "disasm.h"
#include "findings.h"
#include "input.h"
#include "rules.h"

/* Everything that steers an analysis; the core keeps no other state. */
struct analysis_options {
	const struct rules *rules;   /* required */
	unsigned libc;               /* LIBC_ANY, SOURCE_GLIBC or SOURCE_POSIX */
	int jobs;                    /* decoding threads for this module (>= 1) */
	struct diag diag;            /* where errors and warnings go */
	enum disasm_decoder decoder; /* DISASM_ZYDIS (default) or DISASM_CAPSTONE alone */
};

/* Analyzes one unit. On success *out owns the report (free with module_report_free). On error
 * logs one line "DISPLAY: reason" and returns a negative errno-style code. */
int analysis_run(const struct analysis_options *o, const struct input_unit *u,
		 struct module_report **out);

struct sync_rules;

/* As analysis_run, with synchronisation rules the caller parsed once for many analyses
 * (sync_rules_load_builtin; read only, never freed here). NULL: this analysis parses its own. */
int analysis_run_shared(const struct analysis_options *o, const struct sync_rules *sync,
			const struct input_unit *u, struct module_report **out);

#endif
