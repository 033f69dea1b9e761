/* libFuzzer target: the text formats confine reads from users (rules, baselines, suppressions,
 * policies). The first byte picks the parser; the rest is the file's text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "baseline.h"
#include "policy.h"
#include "rules.h"
#include "suppress.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void parse_rules(const char *text)
{
	struct rules *r = rules_new();

	if (r && rules_parse(r, text, "fuzz", NULL) == 0) {
		rules_find(r, "strtok", LIBC_ANY);
		rules_find(r, "localtime@GLIBC_2.2.5", SOURCE_POSIX);
	}
	rules_free(r);
}

static void parse_baseline(const char *text)
{
	struct baseline b = { 0 };

	if (baseline_parse(&b, text, "fuzz", NULL) == 0)
		free(baseline_render(&b));
	baseline_free(&b);
}

static void parse_suppressions(const char *text)
{
	static struct suppress_set s;   /* 33 KiB: not on the stack */
	static const char *const names[] = { "g_requests", "liblegacy.so", NULL, "_ZN6legacy7next_idEv" };

	memset(&s, 0, sizeof(s));
	if (suppress_parse(&s, text, "fuzz", NULL) == 0)
		suppress_match(&s, KIND_MUTABLE_GLOBAL, names, 4);
}

static void parse_policy(const char *text)
{
	struct policy p = { 0 };
	char *digest = NULL;

	if (policy_parse(text, "fuzz", NULL, &p, &digest) == 0)
		free(policy_render(&p, digest));
	free(digest);
	policy_clear(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static void (*const parsers[])(const char *) = {
		parse_rules, parse_baseline, parse_suppressions, parse_policy,
	};
	char *text;

	if (size == 0)
		return 0;
	text = malloc(size);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	parsers[data[0] % 4](text);
	free(text);
	return 0;
}
