/* Unit tests of packed policies: a round trip gives the same policy, another version's entry is
 * stale, and every truncation or damaged byte is refused or read within bounds. */
#include "helpers.h"
#include "analysis.h"
#include "policy.h"
#include "policy_pack.h"

#define DIGEST "0123456789abcdef"

/* The policy of liblegacy.so at -O0 (units, uses, state), and a module of one C++ function. */
static void legacy_policy(struct policy *p)
{
	char path[512];
	struct input_unit u = { .path = path, .display = path };
	struct analysis_options o = { test_rules, LIBC_ANY, 1, test_diag, DISASM_ZYDIS };
	struct module_report *r = NULL;
	struct function_report extra = { .name = "_ZN3app4tickEv", .demangled = "app::tick()", .addr = 0x9000,
					 .size = 17, .guard = true, .entry_branches = 5 };

	test_fx_path(path, sizeof(path), "patch/O0-pie-nocet/liblegacy.so");
	assert_int_equal(analysis_run(&o, &u, &r), 0);
	assert_int_equal(policy_add_report(p, r, NULL), 0);
	module_report_free(r);
	assert_int_equal(p->n, 1);
	assert_true(p->mods[0].nunits > 0);
	r = &(struct module_report){ .path = "/srv/app", .build_id = "", .functions = &extra, .nfunctions = 1 };
	assert_int_equal(policy_add_report(p, r, NULL), 0);
	assert_int_equal(p->n, 2);   /* the second: no units, no build-id */
}

static void test_round_trip(void **state)
{
	struct policy p = { 0 };
	const char *why = "x";

	(void)state;
	legacy_policy(&p);
	for (size_t k = 0; k < p.n; k++) {
		struct policy one = { &p.mods[k], 1, 1, NULL }, q = { 0 };
		uint8_t *buf;
		size_t len;
		char *a, *b;

		assert_int_equal(policy_pack(&p.mods[k], DIGEST, &buf, &len), 0);
		assert_int_equal(policy_unpack(buf, len, DIGEST, &q, &why), 0);
		assert_null(why);
		free(buf);
		a = policy_render(&one, DIGEST);
		b = policy_render(&q, DIGEST);
		assert_string_equal(a, b);
		free(a);
		free(b);
		policy_clear(&q);
		assert_null(q.mods);
	}
	policy_clear(&p);
}

static void test_stale(void **state)
{
	static const char text[] = "confine-policy 2 version=0.1.0 rules=" DIGEST "\n";
	struct policy p = { 0 }, q = { 0 };
	const char *why;
	uint8_t *buf;
	size_t len;

	(void)state;
	legacy_policy(&p);
	assert_int_equal(policy_pack(&p.mods[0], DIGEST, &buf, &len), 0);
	assert_int_equal(policy_unpack(buf, len, "fedcba9876543210", &q, &why), -ESTALE);
	assert_int_equal(policy_unpack(text, sizeof(text) - 1, DIGEST, &q, &why), -ESTALE);
	assert_int_equal(policy_unpack("\x7f" "ELF", 4, DIGEST, &q, &why), -ESTALE);
	assert_null(q.mods);
	free(buf);
	policy_clear(&p);
}

/* Every shorter copy is refused; every byte turned over is refused or unpacks to strings that
 * all end within the block (ASan checks the reads under SANITIZE=1). */
static void test_damage(void **state)
{
	struct policy p = { 0 };
	uint8_t *buf;
	size_t len, accepted = 0;
	const char *why;

	(void)state;
	legacy_policy(&p);
	assert_int_equal(policy_pack(&p.mods[0], DIGEST, &buf, &len), 0);
	for (size_t n = 0; n < len; n++) {
		struct policy q = { 0 };
		uint8_t *copy = malloc(n + 1);

		int err;

		memcpy(copy, buf, n);
		err = policy_unpack(copy, n, DIGEST, &q, &why);
		assert_true(err == -EINVAL || err == -ESTALE);
		free(copy);
	}
	for (size_t at = 0; at < len; at++) {
		struct policy q = { 0 };
		int err;

		buf[at] ^= 0xff;
		err = policy_unpack(buf, len, DIGEST, &q, &why);
		buf[at] ^= 0xff;
		assert_true(err == 0 || err == -EINVAL || err == -ESTALE);
		if (err)
			continue;
		accepted++;
		for (size_t i = 0; i < q.mods[0].nfns; i++) {
			const struct policy_fn *f = &q.mods[0].fns[i];

			assert_true(strlen(f->name) + strlen(f->demangled) < len);
			for (size_t k = 0; k < f->uses.n; k++)
				assert_true(strlen(f->uses.v[k]) < len);
		}
		policy_clear(&q);
	}
	/* Damaged addresses, sizes and strings' bytes are not detectable: those are accepted. */
	assert_true(accepted > 0 && accepted < len);
	free(buf);
	policy_clear(&p);
}

/* The defects each have their reason. */
static void test_reasons(void **state)
{
	struct policy p = { 0 }, q = { 0 };
	uint8_t *buf;
	size_t len;
	const char *why;
	uint32_t big = 0xfffffff0;

	(void)state;
	legacy_policy(&p);
	assert_int_equal(policy_pack(&p.mods[0], DIGEST, &buf, &len), 0);
	assert_int_equal(policy_unpack(buf, len - 1, DIGEST, &q, &why), -EINVAL);
	assert_string_equal(why, "its size is not the one recorded");
	memcpy(buf + 48, &big, 4);   /* nfns */
	assert_int_equal(policy_unpack(buf, len, DIGEST, &q, &why), -EINVAL);
	assert_string_equal(why, "its counts do not add up to its size");
	free(buf);
	assert_int_equal(policy_pack(&p.mods[0], DIGEST, &buf, &len), 0);
	buf[len - 1] = 'x';
	assert_int_equal(policy_unpack(buf, len, DIGEST, &q, &why), -EINVAL);
	assert_string_equal(why, "its strings are not terminated");
	free(buf);
	assert_null(q.mods);
	policy_clear(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_stale),
		cmocka_unit_test(test_damage),
		cmocka_unit_test(test_reasons),
	};

	return cmocka_run_group_tests_name("policy_pack", tests, test_rules_setup, test_rules_teardown);
}
