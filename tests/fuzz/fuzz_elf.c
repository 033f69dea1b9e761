/* libFuzzer target: ELF bytes, from memory (no temporary file), through the whole analysis,
 * then every emitter and the guard's policy, as `confine scan` would. */
#include <stdint.h>
#include <stdlib.h>
#include "analysis.h"
#include "baseline.h"
#include "policy.h"
#include "report_json.h"
#include "report_sarif.h"
#include "report_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void quiet(void *ctx, enum diag_level level, const char *msg)
{
	(void)ctx;
	(void)level;
	(void)msg;
}

static const struct rules *builtin_rules(void)
{
	static struct rules *rules;

	if (!rules) {
		rules = rules_new();
		if (!rules || rules_load_builtin(rules, NULL))
			abort();
	}
	return rules;
}

/* Every output of a report; what they return is freed, their content is not checked. */
static void emit(struct module_report *r)
{
	struct text_options to = { .show_ignored = true, .show_protected = true, .limit = TEXT_ALL, .via = TEXT_ALL };
	struct sarif_options so = { "/", "/", NULL };
	struct policy p = { 0 };
	struct baseline b = { 0 };

	free(report_text_render(&r, 1, &to));
	free(report_json_render(&r, 1, NULL, true));
	free(report_sarif_render(&r, 1, &so));
	if (policy_add_report(&p, r, builtin_rules()) == 0)
		free(policy_render(&p, "0"));
	policy_clear(&p);
	if (baseline_regenerate(&b, &r, 1) == 0)
		free(baseline_render(&b));
	baseline_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input_unit u = { .path = "fuzz.o", .display = "fuzz.o", .data = data, .size = size };
	struct analysis_options o = { builtin_rules(), LIBC_ANY, 1, { quiet, NULL }, DISASM_ZYDIS };
	struct module_report *r = NULL;

	if (size == 0)
		return 0;   /* libelf takes an empty buffer for "no image": not an input */
	if (analysis_run(&o, &u, &r) == 0) {
		emit(r);
		module_report_free(r);
	}
	return 0;
}
