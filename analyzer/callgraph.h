/* Call graph: references resolved to functions, state and rules; hazard and init-only analysis. */
#ifndef CONFINE_CALLGRAPH_H
#define CONFINE_CALLGRAPH_H

#include <stdbool.h>
#include <stdint.h>
#include "disasm.h"
#include "functions.h"
#include "rules.h"
#include "state.h"
#include "sync.h"
#include "vec.h"

#define NO_FUNCTION UINT32_MAX

enum use_how { HOW_CALL, HOW_TAIL_CALL, HOW_ADDRESS_TAKEN };

struct state_use {
	uint32_t func;
	uint32_t state;        /* index into the state set */
	uint64_t site : 48;    /* the instruction */
	uint64_t access : 3;   /* ACCESS_* bits */
	uint64_t locked : 1;   /* its writes are locked read-modify-writes */
	uint64_t lock_arg : 1; /* the address is the object argument of a synchronisation call */
	uint64_t prot : 3;     /* enum protection; set by lockset_protect */
	uint64_t unused : 8;
	uint64_t held;         /* locks held there (LOCK_* bits, see lockset.h); set by the lockset */
};

/* A call of a synchronisation function. */
struct sync_use {
	uint32_t func;
	uint64_t site;
	const struct sync_func *sf;
};

struct rule_use {
	uint32_t func;         /* NO_FUNCTION: the address is stored in data */
	const struct rule *rule;
	const char *callee;    /* the symbol as referenced (an alias may differ from rule->name) */
	uint64_t site;
	uint8_t how;           /* enum use_how */
};

struct edge {
	uint32_t from, to;
	uint8_t how;
};

struct fnode {
	bool direct;           /* touches mutable state or uses a rule itself */
	bool init_only;        /* runs only while the module is loaded or unloaded */
	bool data_ref;         /* its address is stored in data (vtables, callback tables) */
	uint32_t next_hop;     /* towards the nearest direct function, NO_FUNCTION if none */
	uint32_t entry_branches; /* bit i: a branch lands i bytes after the entry (i < ENTRY_WINDOW) */
	bool unprotected;      /* touches state unprotected or uses a rule (as direct until the
				* protection is known) */
};

struct callgraph {
	VEC(struct state_use) state_uses;   /* sorted by function */
	VEC(struct rule_use) rule_uses;     /* sorted by function, then site */
	VEC(struct sync_use) sync_uses;     /* in address order */
	VEC(struct edge) edges;             /* sorted by (from, to), unique */
	struct fnode *nodes;                /* one per function */
	size_t nfuncs;
};

struct callgraph_input {
	const struct elf_image *img;
	const struct symbols *syms;
	const struct relocs *relocs;
	const struct plt_map *plt;
	const struct function_table *funcs;
	struct state_set *states;            /* gains anonymous state of stripped modules */
	const struct xref_set *xrefs;
	const struct rules *rules;
	unsigned libc;
	const struct sync_rules *sync;      /* NULL: no synchronisation calls are recorded */
};

/* Resolves every reference and computes direct, next_hop and init_only for each function.
 * Returns 0 or -ENOMEM. */
int callgraph_build(const struct callgraph_input *in, struct callgraph **out);
void callgraph_free(struct callgraph *cg);

/* guard: a function the runtime guard confines (unprotected and not init-only). */
bool callgraph_guard(const struct callgraph *cg, uint32_t f);

/* Recomputes next_hop from the current 'unprotected' flags (after the protection stage), so
 * that call paths lead to unprotected code only. Returns 0 or -ENOMEM. */
int callgraph_propagate(struct callgraph *cg);

#endif
