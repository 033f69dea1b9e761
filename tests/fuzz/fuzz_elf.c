/* libFuzzer target: ELF bytes, from memory (no temporary file), through the whole analysis,
 * then the emitters and the guard's policy, as `confine scan` would. */
#include <stdint.h>
#include <stdlib.h>
#include "analysis.h"
#include "baseline.h"
#include "policy.h"
#include "report_json.h"
#include "report_sarif.h"
#include "report_text.h"
#include "sync.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum output { OUT_TEXT, OUT_JSON, OUT_SARIF, OUT_POLICY, OUT_BASELINE, OUT_COUNT, OUT_ALL };

/* What does not depend on the input is made once: the rules and the synchronisation rules. */
static struct rules *rules;
static struct sync_rules *sync_rules;
/* Under libFuzzer each execution renders one output, picked by the input's length (mutations
 * change it often): all of them cost twice the analysis, and each needs only reports to
 * explore. The corpus replay (make test), which does not call LLVMFuzzerInitialize, renders all. */
static bool one_output;

static void quiet(void *ctx, enum diag_level level, const char *msg)
{
	(void)ctx;
	(void)level;
	(void)msg;
}

static void setup(void)
{
	if (rules)
		return;
	rules = rules_new();
	if (!rules || rules_load_builtin(rules, NULL) || sync_rules_load_builtin(&sync_rules, NULL))
		abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	setup();
	one_output = true;
	return 0;
}

/* The outputs of a report (out: one of them, or OUT_ALL); what they return is freed, their
 * content is not checked. */
static void emit(struct module_report *r, enum output out)
{
	struct text_options to = { .show_ignored = true, .show_protected = true, .limit = TEXT_ALL, .via = TEXT_ALL };
	struct sarif_options so = { "/", "/", NULL };
	struct policy p = { 0 };
	struct baseline b = { 0 };

	if (out == OUT_TEXT || out == OUT_ALL)
		free(report_text_render(&r, 1, &to));
	if (out == OUT_JSON || out == OUT_ALL)
		free(report_json_render(&r, 1, NULL, true));
	if (out == OUT_SARIF || out == OUT_ALL)
		free(report_sarif_render(&r, 1, &so));
	if ((out == OUT_POLICY || out == OUT_ALL) && policy_add_report(&p, r, rules) == 0)
		free(policy_render(&p, "0"));
	policy_clear(&p);
	if ((out == OUT_BASELINE || out == OUT_ALL) && baseline_regenerate(&b, &r, 1) == 0)
		free(baseline_render(&b));
	baseline_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input_unit u = { .path = "fuzz.o", .display = "fuzz.o", .data = data, .size = size };
	struct analysis_options o = { NULL, LIBC_ANY, 1, { quiet, NULL }, DISASM_ZYDIS };
	struct module_report *r = NULL;

	if (size == 0)
		return 0;   /* libelf takes an empty buffer for "no image": not an input */
	setup();
	o.rules = rules;
	if (analysis_run_shared(&o, sync_rules, &u, &r) == 0) {
		emit(r, one_output ? (enum output)(size % OUT_COUNT) : OUT_ALL);
		module_report_free(r);
	}
	return 0;
}
