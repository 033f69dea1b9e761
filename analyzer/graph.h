/* Hazard graph: the module reports as a graph to look at, entry points -> functions -> state and
 * libc groups, with the path that explains why each confined function is confined. */
#ifndef CONFINE_GRAPH_H
#define CONFINE_GRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include "findings.h"

enum graph_node_type { GRAPH_FUNCTION, GRAPH_STATE, GRAPH_GROUP };

/* Why a function is an entry point: how code outside the module can start running it. */
enum graph_entry {
	ENTRY_EXPORTED = 1,       /* a dynamic symbol (or global symbol of a .o) */
	ENTRY_CALLBACK = 2,       /* its address is stored in data: callback tables, vtables */
	ENTRY_ADDRESS_TAKEN = 4,  /* its address is taken in code: thread start routines, callbacks */
};

struct graph_node {
	enum graph_node_type type;
	char *label;              /* demangled function; state name; group name */
	char *detail;             /* state: "(.bss, 4 bytes) file:line"; group: its functions */
	const struct module_report *module;
	enum kind kind;           /* state and groups: the finding kind */
	enum rule_severity severity;
	enum protection protection;   /* state: the finding's (none when any access is unprotected) */
	const char *lock;         /* state protected by a lock: its name when known (borrowed) */
	unsigned entry;           /* functions: enum graph_entry bits */
	bool guard, init_only;    /* functions: as in struct function_report */
	size_t depth;             /* functions: calls to the nearest function touching state */
	size_t *why;              /* confined functions: node path entry -> ... -> this, or NULL */
	size_t nwhy;
};

struct graph_edge {
	size_t from, to;          /* node indices */
	char *what;               /* "call", "reads", "writes", "reads, writes", "calls strtok, ..." */
	enum protection protection;   /* a function's access to state: its protection; else none */
	const char *lock;         /* with lock protection: the lock's name when known (borrowed) */
};

struct graph {
	struct graph_node *nodes; /* per module: functions by address, then state, then groups */
	size_t nnodes;
	struct graph_edge *edges; /* sorted by (from, to), one per pair */
	size_t nedges;
};

/* Builds the graph of the n reports (borrowed: they must outlive the graph). Edges: a function
 * to the next function of its call path ("call"), a function to the state it touches and the
 * libc group it calls. Returns 0 or -ENOMEM. */
int graph_build(struct module_report *const *mods, size_t n, struct graph **out);

/* Frees the graph; g may be NULL. */
void graph_free(struct graph *g);

/* The entry bits as words ("exported, callback"); static storage. */
const char *graph_entry_words(unsigned entry);

#endif
