/* Patch plans: how the runtime guard can hook a function's entry, decided from its first bytes.
 * Shared by the guard (which reads code from memory) and `confine run --explain` (from files). */
#ifndef CONFINE_PATCH_H
#define CONFINE_PATCH_H

#include <stddef.h>
#include <stdint.h>

#define PATCH_JUMP_LEN 5       /* jmp rel32 */
#define PATCH_WINDOW 32        /* bytes of the entry a plan looks at */
#define PATCH_MAX_INSNS 8

enum patch_strategy {
	PATCH_JUMP,    /* a 5-byte jump to a trampoline; the displaced instructions move there */
	PATCH_TRAP,    /* a 1-byte int3, checked in the SIGTRAP handler (microseconds a call) */
	PATCH_SKIP,    /* not confined */
};

/* INSN_CALL only as a trap's instruction: the SIGTRAP handler performs the call itself. */
enum patch_insn_kind { INSN_PLAIN, INSN_RIPREL, INSN_JMP, INSN_JCC, INSN_CALL };

struct patch_insn {
	uint8_t off, len;          /* from the function's entry */
	uint8_t kind;              /* enum patch_insn_kind */
	uint8_t disp_off;          /* INSN_RIPREL: offset of the disp32 in the instruction */
	uint8_t cc;                /* INSN_JCC: condition (low nibble of the opcode) */
	uint64_t target;           /* INSN_RIPREL, INSN_JMP, INSN_JCC, INSN_CALL: absolute target */
};

struct patch_plan {
	enum patch_strategy strategy;
	const char *reason;        /* why a trap or a skip (static string), NULL for a jump */
	uint8_t entry;             /* bytes left in place before the patch (4 for endbr64) */
	uint8_t len;               /* bytes displaced after them */
	uint8_t ninsns;            /* instructions displaced */
	struct patch_insn insns[PATCH_MAX_INSNS];
	uint64_t addr;             /* the function's entry */
	uint8_t code[PATCH_WINDOW];
};

/* A decoder kept across plans: opening capstone costs more than planning a function. */
struct patch_planner;

/* Returns a planner, or NULL when capstone cannot start. Free with patch_planner_free. */
struct patch_planner *patch_planner_new(void);
void patch_planner_free(struct patch_planner *pl);

/* Plans the hook of the function at addr whose first bytes are code[0..avail) (avail at most
 * PATCH_WINDOW), size bytes long; bit i of entry_branches says a branch lands i bytes after
 * the entry.
 * Always succeeds: impossible cases become PATCH_SKIP with a reason. */
void patch_plan_with(struct patch_planner *pl, const uint8_t *code, size_t avail, uint64_t addr,
		     uint64_t size, unsigned entry_branches, struct patch_plan *out);

/* The same with a planner of its own. Returns 0, or -EIO when capstone cannot start. */
int patch_plan(const uint8_t *code, size_t avail, uint64_t addr, uint64_t size, unsigned entry_branches,
	       struct patch_plan *out);

/* Writes the displaced instructions, relocated to run at dest, then a jump back to the rest of
 * the function. Returns the bytes written, -ERANGE when a target is out of reach of dest
 * (more than 2 GiB away), -ENOSPC when cap is too small, -EINVAL for a trap on a call (which
 * needs no copy). */
int patch_emit(const struct patch_plan *p, uint64_t dest, uint8_t *out, size_t cap);

/* Most bytes patch_plan_pack writes. */
#define PATCH_PACKED_MAX (24 + 12 * PATCH_MAX_INSNS)

/* Writes the plan without its code, its targets relative to its entry, as a record of at most
 * PATCH_PACKED_MAX bytes that patch_plan_unpack reads back at any load address: what a cache of
 * plans keeps, so that a warm start needs no decoder. hash identifies the bytes planned
 * (patch_code_hash). Returns the record's length. */
size_t patch_plan_pack(const struct patch_plan *p, uint64_t hash, uint8_t *out);

/* Reads a record of patch_plan_pack (at most n bytes of in) into out, rebased to addr, with
 * code[0..avail) as its bytes; *hash receives the record's hash. Returns the record's length,
 * or -EINVAL for a malformed record. */
int patch_plan_unpack(const uint8_t *in, size_t n, const uint8_t *code, size_t avail, uint64_t addr,
		      uint64_t *hash, struct patch_plan *out);

/* A hash of code[0..avail), what a plan depends on besides size and entry_branches. */
uint64_t patch_code_hash(const uint8_t *code, size_t avail, uint64_t size, uint32_t entry_branches);

/* "jump", "trap" or "skip". */
const char *patch_strategy_name(enum patch_strategy s);

#endif
