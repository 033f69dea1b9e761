/* Lockset: the locks held at each state access, from a must-lockset dataflow over the
 * control-flow graph of every function that takes or releases a lock, directly or through
 * calls, with locks carried into static functions that all callers call with them held; and,
 * from the same search for a call's argument, the calls that only query a setting. */
#ifndef CONFINE_LOCKSET_H
#define CONFINE_LOCKSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "callgraph.h"
#include "disasm.h"
#include "functions.h"
#include "state.h"
#include "sync.h"

/* Bits of a lock set: bit i < LOCK_BITS is the i-th module lock object (struct lockset.locks);
 * LOCK_ANON a lock that is not a module object (heap, stack, imported, or more than LOCK_BITS
 * objects); LOCK_ONCE the inside of a once routine or of a C++ guarded initialisation. */
#define LOCK_BITS 62
#define LOCK_ANON (1ULL << 62)
#define LOCK_ONCE (1ULL << 63)

enum ls_flow {
	LS_NEXT,      /* falls through */
	LS_JCC,       /* conditional branch to target, else falls through */
	LS_JMP,       /* unconditional branch to target (-1: leaves the function) */
	LS_JMP_IND,   /* indirect jump within the function: any block start that nothing falls into */
	LS_RET,       /* returns (or tail-calls) */
};

/* One instruction as the dataflow sees it: its flow and its effect on the set after it,
 * out = (in & ~kill) | gen, plus cond_gen on one edge of a conditional branch (trylock). */
struct ls_insn {
	uint8_t flow;            /* enum ls_flow */
	bool cond_on_taken;      /* cond_gen applies to the taken edge, else to the fall-through */
	int32_t target;          /* index of the branch target; -1 outside the function */
	uint64_t gen, kill, cond_gen;
};

/* Solves the dataflow of one function: in[i] (n elements) receives the locks held on every path
 * from the entry (holding entry) to instruction i; instructions no path reaches get 0. Returns
 * the locks held at every return, and sets *returns; a function that never returns gives 0.
 * When its worklist cannot be allocated every in[i] is 0 (nothing is claimed held). */
uint64_t lockset_solve(const struct ls_insn *v, size_t n, uint64_t entry, uint64_t *in, bool *returns);

struct lockset_input {
	const struct elf_image *img;
	const struct symbols *syms;
	const struct relocs *relocs;
	const struct plt_map *plt;
	const struct function_table *funcs;
	struct state_set *states;  /* receive sync_object, protection and lock */
	const struct xref_set *xrefs;
	struct callgraph *cg;    /* its state uses receive held, lock_arg and prot */
};

struct lockset {
	uint32_t locks[LOCK_BITS];   /* state index of each lock bit */
	size_t nlocks;
	size_t analysed;             /* functions whose code was decoded for the dataflow */
};

/* Runs the analysis and fills held and lock_arg of every state use in in->cg. On success *out
 * owns the lock table (free with lockset_free). Returns 0, -ENOMEM, or -EIO when capstone
 * cannot start. */
int lockset_analyze(const struct lockset_input *in, struct lockset **out);
void lockset_free(struct lockset *ls);

/* Protection of every state use and state object from the locksets, the types and the
 * locked writes; marks objects only ever passed to synchronisation calls as sync objects;
 * sets each function's 'unprotected' and recomputes the call paths. Returns 0 or -ENOMEM. */
int lockset_protect(const struct lockset *ls, const struct lockset_input *in);

/* Removes from in->cg the uses of env rules that only query the setting (rules field query):
 * every use of an 'always' rule, and each call or tail call whose query argument register
 * (rdi, rsi, rdx, rcx, r8, r9 for arguments 1 to 6) is zeroed before it in its basic block
 * (xor, sub or mov $0, not written again). Run before lockset_protect, which recomputes the
 * functions' flags from the uses left. Returns 0, -ENOMEM or -EIO (the uses not examined yet
 * are kept). */
int lockset_drop_queries(const struct lockset_input *in);

/* The state index of the lowest module lock in held, or -1 when held has none. */
long lockset_lock_state(const struct lockset *ls, uint64_t held);

#endif
