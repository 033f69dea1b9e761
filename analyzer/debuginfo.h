/* Debug info: what DWARF says about the module's variables and code addresses. */
#ifndef CONFINE_DEBUGINFO_H
#define CONFINE_DEBUGINFO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "elf_image.h"
#include "sync.h"

struct dbg_var {
	uint64_t addr;
	const char *name;    /* source name */
	const char *owner;   /* linkage (or plain) name of the enclosing function; NULL at file scope */
	const char *file;    /* declaration file, relative to the compilation directory when inside it */
	int line;
	int column;          /* declaration column; 0 when not recorded (clang records none) */
	bool is_const;       /* const-qualified object (not through a pointer) */
	Dwarf_Off die;       /* the variable's DIE, for type queries */
};

/* A compilation unit. */
struct dbg_unit {
	Dwarf_Off off;       /* of its DIE */
	const char *name;    /* DW_AT_name (the primary source file), "" when absent */
	int lang;            /* DW_AT_language, 0 when absent */
	const char *tls;     /* a thread-local variable it defines, NULL if none */
};

struct debuginfo {
	struct dbg_var *v;   /* sorted by address */
	size_t n;
	Dwarf *dw;           /* borrowed from the image; NULL without debug info */
	struct cu_cache *cus; /* built on first use */
	char **joined;       /* compilation directory + "../" paths of out-of-tree sources (owned) */
	size_t njoined;
	struct dbg_unit *units; /* in .debug_info order, which is by offset */
	size_t nunits;
};

/* Collects every variable with a static address (DW_OP_addr). Without DWARF the set is empty.
 * Strings are borrowed from the image's DWARF. Returns 0 or -ENOMEM; broken
 * DWARF is logged as a warning and yields what could be read. */
int debuginfo_load(const struct elf_image *img, const struct diag *d, struct debuginfo **out);
void debuginfo_free(struct debuginfo *dbg);

/* The variable at exactly addr, or NULL. */
const struct dbg_var *debuginfo_var_at(const struct debuginfo *dbg, uint64_t addr);

/* The file-scope variable named name, or NULL (COMMON symbols of a .o have no address that
 * DWARF and the symbol table agree on). */
const struct dbg_var *debuginfo_var_named(const struct debuginfo *dbg, const char *name);

/* Source file, line and column (0 when the line table records none) of the code at addr;
 * column may be NULL. Returns 0, or -1 when unknown (nothing is set). */
int debuginfo_source(struct debuginfo *dbg, uint64_t addr, const char **file, int *line, int *column);

/* Linkage (or plain) name of the innermost function, inlined or not, whose code holds addr, so
 * that a call inlined into another function is still attributed to the one written around it.
 * NULL when unknown. */
const char *debuginfo_function_at(struct debuginfo *dbg, uint64_t addr);

/* Class of the variable's type by the sync rules: an atomic (_Atomic, std::atomic, Rust
 * atomics), a synchronisation object (pthread_mutex_t, std::mutex, ...), a signal flag (volatile
 * sig_atomic_t), else TYPE_PLAIN. Arrays have the class of their elements. */
enum type_class debuginfo_var_class(const struct debuginfo *dbg, const struct dbg_var *v,
				    const struct sync_rules *s);

/* Index into dbg->units of the unit whose code holds addr, or -1. */
long debuginfo_unit_at(struct debuginfo *dbg, uint64_t addr);

#endif
