/* Unit tests of patch plans: strategies and reasons, displaced instructions, and relocated code. */
#include "helpers.h"
#include "patch.h"

#define ADDR 0x401000ULL
#define DEST (ADDR + 0x1000)

/* endbr64; push %rbp; mov %rsp,%rbp; mov %edi,-0x4(%rbp); mov -0x4(%rbp),%eax; pop %rbp; ret */
static const uint8_t prologue[] = { 0xf3, 0x0f, 0x1e, 0xfa, 0x55, 0x48, 0x89, 0xe5,
				    0x89, 0x7d, 0xfc, 0x8b, 0x45, 0xfc, 0x5d, 0xc3 };
/* mov 0x1234(%rip),%eax; ret */
static const uint8_t riprel[] = { 0x8b, 0x05, 0x34, 0x12, 0x00, 0x00, 0xc3 };
/* test %edi,%edi; jle +6; mov %edi,%eax; add %eax,%eax; jmp +2; xor %eax,%eax; ret */
static const uint8_t jcc[] = { 0x85, 0xff, 0x7e, 0x06, 0x89, 0xf8, 0x01, 0xc0, 0xeb, 0x02, 0x31, 0xc0, 0xc3 };

/* entry_branch: the one offset after the entry a branch lands on (0: none). */
static struct patch_plan plan_of(const uint8_t *code, size_t avail, uint64_t size, unsigned entry_branch)
{
	struct patch_plan p;

	assert_int_equal(patch_plan(code, avail, ADDR, size, entry_branch ? 1u << entry_branch : 0, &p), 0);
	assert_int_equal(p.addr, ADDR);
	return p;
}

static void assert_insn(const struct patch_insn *pi, unsigned off, unsigned len, enum patch_insn_kind kind)
{
	assert_int_equal(pi->off, off);
	assert_int_equal(pi->len, len);
	assert_int_equal(pi->kind, kind);
}

static void assert_plan(const struct patch_plan *p, enum patch_strategy s, const char *reason, unsigned entry,
			unsigned len, unsigned ninsns)
{
	assert_int_equal(p->strategy, s);
	if (reason)
		assert_string_equal(p->reason, reason);
	else
		assert_null(p->reason);
	assert_int_equal(p->entry, entry);
	assert_int_equal(p->len, len);
	assert_int_equal(p->ninsns, ninsns);
}

/* Emits p at dest into a buffer of cap bytes and compares with want[0..n). */
static void assert_emit(const struct patch_plan *p, uint64_t dest, const uint8_t *want, size_t n)
{
	uint8_t out[64];

	memset(out, 0xcc, sizeof(out));
	assert_int_equal(patch_emit(p, dest, out, sizeof(out)), (int)n);
	assert_memory_equal(out, want, n);
	assert_int_equal(out[n], 0xcc);
}

static void test_endbr_prologue(void **state)
{
	struct patch_plan p = plan_of(prologue, sizeof(prologue), sizeof(prologue), 0);
	/* push; mov; mov; jmp back to ADDR + 11 from DEST + 12 */
	static const uint8_t want[] = { 0x55, 0x48, 0x89, 0xe5, 0x89, 0x7d, 0xfc, 0xe9, 0xff, 0xef, 0xff, 0xff };

	(void)state;
	assert_plan(&p, PATCH_JUMP, NULL, 4, 7, 3);
	assert_insn(&p.insns[0], 4, 1, INSN_PLAIN);
	assert_insn(&p.insns[1], 5, 3, INSN_PLAIN);
	assert_insn(&p.insns[2], 8, 3, INSN_PLAIN);
	assert_memory_equal(p.code, prologue, sizeof(prologue));
	assert_emit(&p, DEST, want, sizeof(want));
}

static void test_riprel(void **state)
{
	struct patch_plan p = plan_of(riprel, sizeof(riprel), sizeof(riprel), 0);
	/* disp32 0x234 = ADDR + 6 + 0x1234 - (DEST + 6); jmp back to ADDR + 6 from DEST + 11 */
	static const uint8_t want[] = { 0x8b, 0x05, 0x34, 0x02, 0x00, 0x00, 0xe9, 0xfb, 0xef, 0xff, 0xff };

	(void)state;
	assert_plan(&p, PATCH_JUMP, NULL, 0, 6, 1);
	assert_insn(&p.insns[0], 0, 6, INSN_RIPREL);
	assert_int_equal(p.insns[0].disp_off, 2);
	assert_int_equal(p.insns[0].target, ADDR + 6 + 0x1234);
	assert_emit(&p, DEST, want, sizeof(want));
}

static void test_riprel_with_immediate(void **state)
{
	/* cmpl $0x5,0x10(%rip): the immediate follows the displacement, RIP is after it */
	static const uint8_t code[] = { 0x83, 0x3d, 0x10, 0x00, 0x00, 0x00, 0x05, 0xc3 };
	struct patch_plan p = plan_of(code, sizeof(code), sizeof(code), 0);
	/* disp32 = ADDR + 7 + 0x10 - (DEST + 7) = -0xff0; jmp back to ADDR + 7 from DEST + 12 */
	static const uint8_t want[] = { 0x83, 0x3d, 0x10, 0xf0, 0xff, 0xff, 0x05, 0xe9, 0xfb, 0xef, 0xff, 0xff };

	(void)state;
	assert_plan(&p, PATCH_JUMP, NULL, 0, 7, 1);
	assert_insn(&p.insns[0], 0, 7, INSN_RIPREL);
	assert_int_equal(p.insns[0].disp_off, 2);
	assert_int_equal(p.insns[0].target, ADDR + 7 + 0x10);
	assert_emit(&p, DEST, want, sizeof(want));
}

static void test_jcc_rel8(void **state)
{
	struct patch_plan p = plan_of(jcc, sizeof(jcc), sizeof(jcc), 0);
	/* jle rel32 to ADDR + 10 from DEST + 8; jmp back to ADDR + 6 from DEST + 15 */
	static const uint8_t want[] = { 0x85, 0xff, 0x0f, 0x8e, 0x02, 0xf0, 0xff, 0xff,
					0x89, 0xf8, 0xe9, 0xf7, 0xef, 0xff, 0xff };

	(void)state;
	assert_plan(&p, PATCH_JUMP, NULL, 0, 6, 3);
	assert_insn(&p.insns[0], 0, 2, INSN_PLAIN);
	assert_insn(&p.insns[1], 2, 2, INSN_JCC);
	assert_int_equal(p.insns[1].cc, 0xe);
	assert_int_equal(p.insns[1].target, ADDR + 10);
	assert_insn(&p.insns[2], 4, 2, INSN_PLAIN);
	assert_emit(&p, DEST, want, sizeof(want));
}

static void test_jcc_rel32(void **state)
{
	/* jne rel32 +0x10; ret */
	static const uint8_t code[] = { 0x0f, 0x85, 0x10, 0x00, 0x00, 0x00, 0xc3 };
	struct patch_plan p = plan_of(code, sizeof(code), sizeof(code), 0);
	/* jne to ADDR + 0x16 from DEST + 6; jmp back to ADDR + 6 from DEST + 11 */
	static const uint8_t want[] = { 0x0f, 0x85, 0x10, 0xf0, 0xff, 0xff, 0xe9, 0xfb, 0xef, 0xff, 0xff };

	(void)state;
	assert_plan(&p, PATCH_JUMP, NULL, 0, 6, 1);
	assert_insn(&p.insns[0], 0, 6, INSN_JCC);
	assert_int_equal(p.insns[0].cc, 0x5);
	assert_int_equal(p.insns[0].target, ADDR + 0x16);
	assert_emit(&p, DEST, want, sizeof(want));
}

static void test_tiny_jmp(void **state)
{
	static const uint8_t code[] = { 0xeb, 0x0e };   /* jmp +0x0e */
	struct patch_plan p = plan_of(code, sizeof(code), 2, 0);
	/* jmp to ADDR + 0x10 from DEST + 5; jmp back to ADDR + 2 from DEST + 10 */
	static const uint8_t want[] = { 0xe9, 0x0b, 0xf0, 0xff, 0xff, 0xe9, 0xf8, 0xef, 0xff, 0xff };

	(void)state;
	assert_plan(&p, PATCH_TRAP, "shorter than the 5-byte jump", 0, 2, 1);
	assert_insn(&p.insns[0], 0, 2, INSN_JMP);
	assert_int_equal(p.insns[0].target, ADDR + 0x10);
	assert_emit(&p, DEST, want, sizeof(want));
}

static void test_size_limits_window(void **state)
{
	/* Bytes past the function's size are not decoded even when available. */
	static const uint8_t code[] = { 0xeb, 0x0e, 0x90, 0x90, 0x90, 0x90, 0x90, 0x90 };
	struct patch_plan p = plan_of(code, sizeof(code), 2, 0);
	struct patch_plan q = plan_of(code, sizeof(code), 0, 0);

	(void)state;
	assert_plan(&p, PATCH_TRAP, "shorter than the 5-byte jump", 0, 2, 1);
	assert_plan(&q, PATCH_JUMP, NULL, 0, 5, 4);
}

static void test_call_first(void **state)
{
	static const uint8_t code[] = { 0xe8, 0x00, 0x01, 0x00, 0x00, 0xc3 };   /* call +0x100; ret */
	struct patch_plan p = plan_of(code, sizeof(code), sizeof(code), 0);
	uint8_t out[64];

	(void)state;
	assert_plan(&p, PATCH_TRAP, "a call among the first instructions", 0, 5, 1);
	assert_insn(&p.insns[0], 0, 5, INSN_CALL);
	assert_int_equal(p.insns[0].target, ADDR + 5 + 0x100);
	assert_int_equal(patch_emit(&p, DEST, out, sizeof(out)), -EINVAL);
}

static void test_call_after_endbr(void **state)
{
	static const uint8_t code[] = { 0xf3, 0x0f, 0x1e, 0xfa, 0xe8, 0xf7, 0xff, 0xff, 0xff, 0xc3 };
	struct patch_plan p = plan_of(code, sizeof(code), sizeof(code), 0);

	(void)state;
	assert_plan(&p, PATCH_TRAP, "a call among the first instructions", 4, 5, 1);
	assert_insn(&p.insns[0], 4, 5, INSN_CALL);
	assert_int_equal(p.insns[0].target, ADDR);
}

static void test_call_second(void **state)
{
	/* sub $0x18,%rsp; call +0x100; add $0x18,%rsp; ret */
	static const uint8_t code[] = { 0x48, 0x83, 0xec, 0x18, 0xe8, 0x00, 0x01, 0x00, 0x00,
					0x48, 0x83, 0xc4, 0x18, 0xc3 };
	struct patch_plan p = plan_of(code, sizeof(code), sizeof(code), 0);
	/* the sub, then a jmp back to ADDR + 4 from DEST + 9 */
	static const uint8_t want[] = { 0x48, 0x83, 0xec, 0x18, 0xe9, 0xfb, 0xef, 0xff, 0xff };

	(void)state;
	assert_plan(&p, PATCH_TRAP, "a call among the first instructions", 0, 4, 1);
	assert_insn(&p.insns[0], 0, 4, INSN_PLAIN);
	assert_emit(&p, DEST, want, sizeof(want));
}

static void test_entry_branch(void **state)
{
	struct patch_plan p;

	(void)state;
	p = plan_of(prologue, sizeof(prologue), sizeof(prologue), 5);
	assert_plan(&p, PATCH_TRAP, "a branch lands inside the patched bytes", 4, 1, 1);
	assert_insn(&p.insns[0], 4, 1, INSN_PLAIN);
	p = plan_of(prologue, sizeof(prologue), sizeof(prologue), 10);
	assert_plan(&p, PATCH_TRAP, "a branch lands inside the patched bytes", 4, 1, 1);
	p = plan_of(prologue, sizeof(prologue), sizeof(prologue), 11);
	assert_plan(&p, PATCH_JUMP, NULL, 4, 7, 3);
	p = plan_of(jcc, sizeof(jcc), sizeof(jcc), 3);
	assert_plan(&p, PATCH_TRAP, "a branch lands inside the patched bytes", 0, 2, 1);
	p = plan_of(jcc, sizeof(jcc), sizeof(jcc), 6);
	assert_plan(&p, PATCH_JUMP, NULL, 0, 6, 3);
}

static void test_indirect_jump(void **state)
{
	static const uint8_t code[] = { 0xff, 0xe0 };   /* jmp *%rax */
	struct patch_plan p = plan_of(code, sizeof(code), sizeof(code), 0);

	(void)state;
	assert_plan(&p, PATCH_SKIP, "an indirect jump among the first instructions", 0, 0, 0);
}

static void test_jrcxz(void **state)
{
	/* xor %eax,%eax; jrcxz +2; nop; nop; ret */
	static const uint8_t code[] = { 0x31, 0xc0, 0xe3, 0x02, 0x90, 0x90, 0xc3 };
	struct patch_plan p = plan_of(code, sizeof(code), sizeof(code), 0);
	struct patch_plan q = plan_of(code + 2, sizeof(code) - 2, sizeof(code) - 2, 0);

	(void)state;
	assert_plan(&p, PATCH_TRAP, "a loop instruction among the first instructions", 0, 2, 1);
	assert_insn(&p.insns[0], 0, 2, INSN_PLAIN);
	assert_plan(&q, PATCH_SKIP, "a loop instruction among the first instructions", 0, 0, 0);
}

static void test_ends_early(void **state)
{
	static const uint8_t code[] = { 0x31, 0xc0, 0xc3 };   /* xor %eax,%eax; ret */
	static const uint8_t ret[] = { 0xc3 };
	struct patch_plan p = plan_of(code, sizeof(code), sizeof(code), 0);
	struct patch_plan q = plan_of(ret, sizeof(ret), sizeof(ret), 0);

	(void)state;
	assert_plan(&p, PATCH_TRAP, "the function ends within the patched bytes", 0, 2, 1);
	assert_insn(&p.insns[0], 0, 2, INSN_PLAIN);
	assert_plan(&q, PATCH_SKIP, "the function ends within the patched bytes", 0, 0, 0);
}

static void test_undecodable(void **state)
{
	static const uint8_t code[] = { 0x06, 0x07, 0x27, 0x90, 0x90, 0x90 };   /* invalid in 64-bit mode */
	struct patch_plan p = plan_of(code, sizeof(code), sizeof(code), 0);
	struct patch_plan q = plan_of(code, 0, 0, 0);

	(void)state;
	assert_plan(&p, PATCH_SKIP, "undecodable entry", 0, 0, 0);
	assert_plan(&q, PATCH_SKIP, "undecodable entry", 0, 0, 0);
}

static void test_endbr_alone(void **state)
{
	struct patch_plan p = plan_of(prologue, sizeof(prologue), 4, 0);

	(void)state;
	assert_plan(&p, PATCH_SKIP, "shorter than the 5-byte jump", 4, 0, 0);
}

static void test_emit_out_of_range(void **state)
{
	/* mov 0x7fffffff(%rip),%eax; ret: the target is 2 GiB after the entry */
	static const uint8_t code[] = { 0x8b, 0x05, 0xff, 0xff, 0xff, 0x7f, 0xc3 };
	struct patch_plan p = plan_of(code, sizeof(code), sizeof(code), 0);
	uint8_t out[64];

	(void)state;
	assert_int_equal(p.insns[0].target, ADDR + 6 + 0x7fffffffULL);
	assert_int_equal(patch_emit(&p, ADDR, out, sizeof(out)), 11);
	assert_int_equal(patch_emit(&p, ADDR - 1, out, sizeof(out)), -ERANGE);
	assert_int_equal(patch_emit(&p, ADDR - 0x1000, out, sizeof(out)), -ERANGE);
	p = plan_of(riprel, sizeof(riprel), sizeof(riprel), 0);
	assert_int_equal(patch_emit(&p, ADDR + 0x100000000ULL, out, sizeof(out)), -ERANGE);
}

static void test_emit_no_space(void **state)
{
	struct patch_plan p = plan_of(riprel, sizeof(riprel), sizeof(riprel), 0);
	struct patch_plan q = plan_of(jcc, sizeof(jcc), sizeof(jcc), 0);
	uint8_t out[64];

	(void)state;
	memset(out, 0xcc, sizeof(out));
	assert_int_equal(patch_emit(&p, DEST, out, 10), -ENOSPC);
	assert_int_equal(out[10], 0xcc);
	assert_int_equal(patch_emit(&p, DEST, out, 5), -ENOSPC);
	assert_int_equal(patch_emit(&p, DEST, out, 0), -ENOSPC);
	assert_int_equal(patch_emit(&p, DEST, out, 11), 11);
	assert_int_equal(patch_emit(&q, DEST, out, 7), -ENOSPC);
	assert_int_equal(patch_emit(&q, DEST, out, 14), -ENOSPC);
	assert_int_equal(patch_emit(&q, DEST, out, 15), 15);
}

static void test_strategy_names(void **state)
{
	(void)state;
	assert_string_equal(patch_strategy_name(PATCH_JUMP), "jump");
	assert_string_equal(patch_strategy_name(PATCH_TRAP), "trap");
	assert_string_equal(patch_strategy_name(PATCH_SKIP), "skip");
}

/* Several branches near the entry: one at the first patched byte is fine, another inside not. */
static void test_branch_mask(void **state)
{
	struct patch_plan p;

	(void)state;
	assert_int_equal(patch_plan(prologue, sizeof(prologue), ADDR, sizeof(prologue), 1u << 4 | 1u << 6, &p), 0);
	assert_int_equal(p.strategy, PATCH_TRAP);
	assert_string_equal(p.reason, "a branch lands inside the patched bytes");
	assert_int_equal(patch_plan(prologue, sizeof(prologue), ADDR, sizeof(prologue), 1u << 4 | 1u << 12, &p), 0);
	assert_int_equal(p.strategy, PATCH_JUMP);
}

/* A prefix (bnd) before a short jcc must not be taken for its opcode. */
static void test_prefixed_jcc(void **state)
{
	static const uint8_t code[] = { 0x85, 0xff, 0xf2, 0x74, 0x06, 0x89, 0xf8, 0xc3 };
	struct patch_plan p = plan_of(code, sizeof(code), sizeof(code), 0);
	uint8_t out[64];
	int n;

	(void)state;
	assert_int_equal(p.strategy, PATCH_JUMP);
	assert_int_equal(p.insns[1].kind, INSN_JCC);
	assert_int_equal(p.insns[1].cc, 4);
	n = patch_emit(&p, ADDR + 0x1000, out, sizeof(out));
	assert_true(n > 0);
	assert_int_equal(out[2], 0x0f);
	assert_int_equal(out[3], 0x84);
}

/* capstone files loop under relative branches only; it must not be copied as plain code. */
static void test_loop(void **state)
{
	static const uint8_t code[] = { 0x31, 0xc0, 0xe2, 0xfc, 0x90, 0x90, 0xc3 };
	struct patch_plan p = plan_of(code, sizeof(code), sizeof(code), 0);

	(void)state;
	assert_int_equal(p.strategy, PATCH_TRAP);
	assert_string_equal(p.reason, "a loop instruction among the first instructions");
	assert_int_equal(p.ninsns, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_branch_mask),
		cmocka_unit_test(test_prefixed_jcc),
		cmocka_unit_test(test_loop),
		cmocka_unit_test(test_endbr_prologue),
		cmocka_unit_test(test_riprel),
		cmocka_unit_test(test_riprel_with_immediate),
		cmocka_unit_test(test_jcc_rel8),
		cmocka_unit_test(test_jcc_rel32),
		cmocka_unit_test(test_tiny_jmp),
		cmocka_unit_test(test_size_limits_window),
		cmocka_unit_test(test_call_first),
		cmocka_unit_test(test_call_after_endbr),
		cmocka_unit_test(test_call_second),
		cmocka_unit_test(test_entry_branch),
		cmocka_unit_test(test_indirect_jump),
		cmocka_unit_test(test_jrcxz),
		cmocka_unit_test(test_ends_early),
		cmocka_unit_test(test_undecodable),
		cmocka_unit_test(test_endbr_alone),
		cmocka_unit_test(test_emit_out_of_range),
		cmocka_unit_test(test_emit_no_space),
		cmocka_unit_test(test_strategy_names),
	};

	return cmocka_run_group_tests_name("patch", tests, NULL, NULL);
}
