/* Findings: the analysis result of one module, owning all its strings; what emitters, the CI
 * gate and the runtime guard consume. */
#ifndef CONFINE_FINDINGS_H
#define CONFINE_FINDINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "callgraph.h"
#include "debuginfo.h"
#include "elf_image.h"
#include "kinds.h"
#include "lockset.h"
#include "rules.h"
#include "strlist.h"

struct site {
	uint64_t addr;
	char *function;          /* function holding the instruction; NULL for a data table */
	char *file;
	int line, column;        /* column 0: not recorded */
	const char *how;         /* "call", "tail-call" or "address-taken" */
};

/* One function's use of a state object, with its protection. */
struct access {
	char *function;
	uint8_t use;             /* ACCESS_READ | ACCESS_WRITE | ACCESS_ADDR (address taken) */
	enum protection protection;
	char *lock;              /* the lock's name when protection is lock and it is a module object */
};

struct finding {
	enum kind kind;
	char *symbol;            /* ELF symbol (or section+0xOFFSET; the callee as referenced) */
	char *demangled;
	char *name;              /* source name; the rule's function for calls */
	char *function;          /* owner of a local static, caller of a call; NULL at file scope */
	char *function_demangled;
	char *section;
	uint64_t addr, size;
	char *file;              /* declaration (state) or first call site (calls); NULL unknown */
	int line, column;        /* column 0: not recorded (clang records no declaration columns) */
	struct strlist readers, writers;   /* functions, sorted */
	bool guarded_init;       /* C++ static behind a _ZGV guard */
	struct strlist takers;   /* functions taking its address (neither a read nor a write) */
	enum protection protection;   /* state: none when any access outside init-only code is */
	char *lock;              /* state protected by a lock: its name when known */
	struct access *accesses; /* state: one per function, sorted by function */
	size_t naccesses;
	/* non-reentrant-call only */
	char *group, *alternative;
	enum rule_severity severity;
	enum rule_category category;
	struct site *sites;
	size_t nsites;
	char fingerprint[17];
};

struct function_report {
	char *name;              /* symbol, or "0xADDR" when stripped */
	char *demangled;
	uint64_t addr, size;
	bool guard, direct, init_only, exported;
	bool callback;           /* its address is stored in data (callback tables, vtables) */
	bool address_taken;      /* its address is taken in code (thread start routines, callbacks) */
	bool anchored;           /* the start is certain: see struct function */
	bool unprotected;        /* touches state unprotected, or calls a listed function */
	long unit;               /* index into module_report.units, -1 when unknown */
	uint32_t entry_branches; /* bit i: a branch lands i bytes after the entry (0 < i < 32) */
	struct strlist uses;     /* state and rules it touches itself */
	struct strlist via;      /* call path to the nearest direct function */
};

struct ignored_report {
	char *symbol;
	const char *reason;
};

/* Whether code was written for threads, and why ("uses pthread_mutex_lock", "written in Rust"). */
enum aware_reason {
	AWARE_NONE,
	AWARE_SYNC,              /* calls lock, condition, once or semaphore functions */
	AWARE_THREADS,           /* creates threads */
	AWARE_TLS,               /* uses thread-local storage (only) */
	AWARE_RUST,              /* written in Rust */
	AWARE_INTERPRETER,       /* an interpreter's extension, run under its lock (CPython's GIL) */
};

/* "sync", "threads", "tls", "rust", "interpreter"; NULL for AWARE_NONE (and out of range). */
const char *aware_reason_name(enum aware_reason r);

/* The reason named s (not AWARE_NONE), or -1. */
int aware_reason_parse(const char *s);

struct awareness {
	bool aware;
	uint8_t reason;          /* enum aware_reason of the evidence */
	char *evidence;          /* NULL when not aware */
};

/* A DWARF compilation unit. */
struct unit_report {
	char *name;              /* DW_AT_name: its primary source file */
	int lang;                /* DW_AT_language (0x1c: Rust) */
	struct awareness aware;
};

struct module_report {
	char *path, *member;
	char *display;           /* path or path(member) */
	char *module;            /* file name used in fingerprints: basename, or basename(member) */
	enum image_type type;
	char build_id[41];
	bool stripped, debug_info;
	struct finding *findings;
	size_t nfindings;
	struct function_report *functions;   /* hazardous ones (direct or via), by address */
	size_t nfunctions;
	struct ignored_report *ignored;
	size_t nignored;
	struct awareness aware;  /* the module as a whole */
	struct unit_report *units;   /* empty without DWARF */
	size_t nunits;
	struct strlist held;     /* reports read back from JSON: the strings ignored[].reason points to */
};

struct findings_input {
	const struct input_unit *unit;
	const struct elf_image *img;
	struct debuginfo *dbg;
	const struct state_set *states;
	const struct function_table *funcs;
	const struct callgraph *cg;
	const struct symbols *syms;          /* for Rust mangling; may be NULL */
	const struct lockset *locks;         /* lock names; may be NULL */
	const struct sync_rules *sync;       /* may be NULL */
};

/* Builds the module report. Returns 0 or -ENOMEM. */
int findings_build(const struct findings_input *in, struct module_report **out);

/* Frees the report; r may be NULL. */
void module_report_free(struct module_report *r);

/* Whether the finding is reported by default: not state, or state with protection none. */
bool finding_unprotected(const struct finding *f);

/* The awareness that governs the function at index fi of r->functions: its unit's verdict when
 * it has a unit, else the module's. */
const struct awareness *module_report_awareness(const struct module_report *r, size_t fi);

#define FINDINGS_HASH_INIT 0xcbf29ce484222325ULL

/* FNV-1a 64 of s, continuing from h (start with FINDINGS_HASH_INIT). */
uint64_t findings_hash(const char *s, uint64_t h);

/* Fingerprint of kind + module + function + name (16 hex digits), stable across rebuilds:
 * callers pass names without GCC ".N" or clone suffixes. */
void findings_fingerprint(enum kind k, const char *module, const char *function, const char *name,
			  char out[17]);

/* Copies name without a compiler clone suffix (".constprop.0", ".isra.0", ".part.0", ".cold",
 * ...) or symbol version; other dots stay. Returns NULL when out of memory (or for NULL). */
char *findings_base_name(const char *name);

#endif
