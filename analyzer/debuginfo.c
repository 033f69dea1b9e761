/* Debug info: walks DIEs with libdw for static variables; answers line and inlining queries. */
#include <dwarf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "debuginfo.h"
#include "vec.h"

#define MAX_DEPTH 64   /* nesting bound, so corrupt DWARF cannot exhaust the stack */

/* Compilation-unit DIEs, for lookups when .debug_aranges is missing (clang omits it). */
struct cu_cache {
	VEC(Dwarf_Die) dies;
};

struct walker {
	struct debuginfo *dbg;
	VEC(struct dbg_var) vars;
	VEC(struct dbg_unit) units;
	Dwarf_Die cu;
	const char *comp_dir;
	int err;
};

static const char *die_name(Dwarf_Die *die)
{
	Dwarf_Attribute at;
	const char *name;

	name = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_linkage_name, &at));
	if (!name)
		name = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &at));
	return name ? name : dwarf_formstring(dwarf_attr_integrate(die, DW_AT_name, &at));
}

/* Const object: DW_TAG_const_type reached before any pointer or reference. */
static bool type_is_const(Dwarf_Die *die)
{
	Dwarf_Attribute at;
	Dwarf_Die type = *die;

	for (int depth = 0; depth < 16; depth++) {
		if (!dwarf_attr_integrate(&type, DW_AT_type, &at) || !dwarf_formref_die(&at, &type))
			return false;
		switch (dwarf_tag(&type)) {
		case DW_TAG_const_type:
			return true;
		case DW_TAG_typedef:
		case DW_TAG_volatile_type:
		case DW_TAG_array_type:
		case DW_TAG_restrict_type:
		case DW_TAG_atomic_type:
			continue;
		default:
			return false;
		}
	}
	return false;
}

/* Paths inside the compilation directory are shown relative to it, so that reports and
 * fingerprints do not depend on where the tree was checked out. A path that leaves it through
 * ".." (out-of-tree builds: meson, autotools VPATH) stays absolute, since "../src/x.c" would
 * mean nothing without the compilation directory. */
static const char *rel_path(const char *comp_dir, const char *path)
{
	size_t len = comp_dir ? strlen(comp_dir) : 0;

	if (path && len && !strncmp(path, comp_dir, len) && path[len] == '/' &&
	    strncmp(path + len + 1, "../", 3))
		return path + len + 1;
	return path;
}

/* A source path as reports show it: rel_path's, except that a relative path leaving the
 * compilation directory ("../src/x.c": meson, autotools VPATH) is joined to it, kept once per
 * module in dbg->joined. NULL when path is NULL or out of memory. */
static const char *source_path(struct debuginfo *dbg, const char *comp_dir, const char *path)
{
	char *j = NULL, **v;

	if (!path || path[0] == '/' || !comp_dir || strncmp(path, "../", 3))
		return rel_path(comp_dir, path);
	if (asprintf(&j, "%s/%s", comp_dir, path) < 0)
		return NULL;
	for (size_t i = dbg->njoined; i-- > 0;)
		if (!strcmp(dbg->joined[i], j)) {
			free(j);
			return dbg->joined[i];
		}
	v = realloc(dbg->joined, (dbg->njoined + 1) * sizeof(*v));
	if (!v) {
		free(j);
		return NULL;
	}
	dbg->joined = v;
	return dbg->joined[dbg->njoined++] = j;
}

static const char *cu_comp_dir(Dwarf_Die *cu)
{
	Dwarf_Attribute at;

	return dwarf_formstring(dwarf_attr(cu, DW_AT_comp_dir, &at));
}

/* DW_OP_addr holds the address; DW_OP_addrx (DWARF 5, clang's default) and the GNU
 * split-DWARF DW_OP_GNU_addr_index index .debug_addr, which libdw resolves. */
static int static_address(Dwarf_Die *die, uint64_t *addr)
{
	Dwarf_Attribute at, slot;
	Dwarf_Addr a;
	Dwarf_Op *ops;
	size_t n;

	if (!dwarf_attr(die, DW_AT_location, &at) || dwarf_getlocation(&at, &ops, &n) != 0 || n != 1)
		return -1;
	if (ops[0].atom == DW_OP_addr) {
		*addr = ops[0].number;
		return 0;
	}
	if ((ops[0].atom != DW_OP_addrx && ops[0].atom != DW_OP_GNU_addr_index) ||
	    dwarf_getlocation_attr(&at, &ops[0], &slot) != 0 || dwarf_formaddr(&slot, &a) != 0)
		return -1;
	*addr = a;
	return 0;
}

/* In DWARF 5 file 0 is the primary source file (clang's DW_AT_decl_file 0), which
 * dwarf_decl_file of older elfutils (0.188, Debian 12's) rejects as "no file". */
static const char *decl_file(Dwarf_Die *die)
{
	const char *file = dwarf_decl_file(die);
	Dwarf_Attribute at;
	Dwarf_Word idx;
	Dwarf_Half version = 0;
	Dwarf_Die cu;
	Dwarf_Files *files;
	size_t n;

	if (file || !dwarf_attr_integrate(die, DW_AT_decl_file, &at) || dwarf_formudata(&at, &idx) ||
	    idx != 0 || dwarf_cu_info(die->cu, &version, NULL, &cu, NULL, NULL, NULL, NULL) ||
	    version < 5 || dwarf_getsrcfiles(&cu, &files, &n) || n == 0)
		return file;
	return dwarf_filesrc(files, 0, NULL, NULL);
}

/* A thread-local variable's location ends with DW_OP_form_tls_address (or GNU's). */
static bool tls_location(Dwarf_Die *die)
{
	Dwarf_Attribute at;
	Dwarf_Op *ops;
	size_t n;

	if (!dwarf_attr(die, DW_AT_location, &at) || dwarf_getlocation(&at, &ops, &n) != 0 || !n)
		return false;
	return ops[n - 1].atom == DW_OP_form_tls_address || ops[n - 1].atom == DW_OP_GNU_push_tls_address;
}

static void add_var(struct walker *w, Dwarf_Die *die, const char *owner)
{
	struct dbg_var v = { 0 };
	Dwarf_Attribute at;
	int line = 0;

	if (w->units.n && !w->units.v[w->units.n - 1].tls && tls_location(die))
		w->units.v[w->units.n - 1].tls = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_name, &at));
	if (static_address(die, &v.addr))
		return;
	v.name = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_name, &at));
	if (!v.name)
		return;
	v.owner = owner;
	v.file = source_path(w->dbg, w->comp_dir, decl_file(die));
	if (dwarf_decl_line(die, &line) == 0)
		v.line = line;
	if (dwarf_decl_column(die, &line) == 0 && line > 0)
		v.column = line;
	v.is_const = type_is_const(die);
	v.die = dwarf_dieoffset(die);
	if (VEC_PUSH(&w->vars, v))
		w->err = -ENOMEM;
}

static void walk(struct walker *w, Dwarf_Die *parent, const char *owner, int depth)
{
	Dwarf_Die child;

	if (depth > MAX_DEPTH || dwarf_child(parent, &child) != 0)
		return;
	do {
		switch (dwarf_tag(&child)) {
		case DW_TAG_variable:
			add_var(w, &child, owner);
			break;
		case DW_TAG_subprogram:
			walk(w, &child, die_name(&child), depth + 1);
			break;
		case DW_TAG_lexical_block:
		case DW_TAG_namespace:
		case DW_TAG_inlined_subroutine:
			walk(w, &child, owner, depth + 1);
			break;
		default:
			break;
		}
	} while (!w->err && dwarf_siblingof(&child, &child) == 0);
}

static void add_unit(struct walker *w)
{
	Dwarf_Attribute at;
	Dwarf_Word lang = 0;
	struct dbg_unit u = { dwarf_dieoffset(&w->cu), "", 0, NULL };
	const char *name = dwarf_formstring(dwarf_attr(&w->cu, DW_AT_name, &at));

	if (name)
		u.name = name;
	if (dwarf_attr(&w->cu, DW_AT_language, &at) && dwarf_formudata(&at, &lang) == 0)
		u.lang = (int)lang;
	if (VEC_PUSH(&w->units, u))
		w->err = -ENOMEM;
}

static int cmp_var(const void *a, const void *b)
{
	const struct dbg_var *x = a, *y = b;

	if (x->addr != y->addr)
		return x->addr < y->addr ? -1 : 1;
	/* A definition with an owner says more than a bare declaration at the same address. */
	return (x->owner == NULL) - (y->owner == NULL);
}

int debuginfo_load(const struct elf_image *img, const struct diag *d, struct debuginfo **out)
{
	struct debuginfo *dbg = calloc(1, sizeof(*dbg));
	struct walker w = { .dbg = dbg };
	Dwarf_Off off = 0, next;
	size_t hsize;

	if (!dbg)
		return -ENOMEM;
	dbg->dw = img->dwarf;
	while (dbg->dw && !w.err && dwarf_nextcu(dbg->dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
		if (dwarf_offdie(dbg->dw, off + hsize, &w.cu)) {
			w.comp_dir = cu_comp_dir(&w.cu);
			add_unit(&w);
			walk(&w, &w.cu, NULL, 0);
		}
		off = next;
	}
	if (w.err) {
		VEC_FREE(&w.vars);
		VEC_FREE(&w.units);
		free(dbg);
		return w.err;
	}
	VEC_SORT(&w.vars, cmp_var);
	dbg->v = w.vars.v;
	dbg->n = w.vars.n;
	dbg->units = w.units.v;
	dbg->nunits = w.units.n;
	(void)d;
	*out = dbg;
	return 0;
}

void debuginfo_free(struct debuginfo *dbg)
{
	if (!dbg)
		return;
	if (dbg->cus)
		VEC_FREE(&dbg->cus->dies);
	free(dbg->cus);
	free(dbg->units);
	free(dbg->v);
	for (size_t i = 0; i < dbg->njoined; i++)
		free(dbg->joined[i]);
	free(dbg->joined);
	free(dbg);
}

const struct dbg_var *debuginfo_var_at(const struct debuginfo *dbg, uint64_t addr)
{
	size_t lo = PARTITION_POINT(dbg->v, dbg->n, e, e->addr < addr);

	return lo < dbg->n && dbg->v[lo].addr == addr ? &dbg->v[lo] : NULL;
}

const struct dbg_var *debuginfo_var_named(const struct debuginfo *dbg, const char *name)
{
	for (size_t i = 0; i < dbg->n; i++)
		if (!dbg->v[i].owner && !strcmp(dbg->v[i].name, name))
			return &dbg->v[i];
	return NULL;
}

static struct cu_cache *cu_cache_get(struct debuginfo *dbg)
{
	Dwarf_Off off = 0, next;
	size_t hsize;
	Dwarf_Die cu;

	if (dbg->cus)
		return dbg->cus;
	dbg->cus = calloc(1, sizeof(*dbg->cus));
	while (dbg->cus && dwarf_nextcu(dbg->dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
		if (dwarf_offdie(dbg->dw, off + hsize, &cu) && VEC_PUSH(&dbg->cus->dies, cu))
			break;
		off = next;
	}
	return dbg->cus;
}

static int find_cu(struct debuginfo *dbg, uint64_t addr, Dwarf_Die *cu)
{
	struct cu_cache *c;

	if (!dbg->dw)
		return -1;
	if (dwarf_addrdie(dbg->dw, addr, cu))
		return 0;
	c = cu_cache_get(dbg);
	for (size_t i = 0; c && i < c->dies.n; i++) {
		if (dwarf_haspc(&c->dies.v[i], addr) == 1) {
			*cu = c->dies.v[i];
			return 0;
		}
	}
	return -1;
}

int debuginfo_source(struct debuginfo *dbg, uint64_t addr, const char **file, int *line, int *column)
{
	Dwarf_Die cu;
	Dwarf_Line *ln;
	const char *f;
	int l = 0, c = 0;

	if (find_cu(dbg, addr, &cu) || !(ln = dwarf_getsrc_die(&cu, addr)) || dwarf_lineno(ln, &l) ||
	    !(f = source_path(dbg, cu_comp_dir(&cu), dwarf_linesrc(ln, NULL, NULL))))
		return -1;
	if (dwarf_linecol(ln, &c) || c < 0)
		c = 0;
	*file = f;
	*line = l;
	if (column)
		*column = c;
	return 0;
}

const char *debuginfo_function_at(struct debuginfo *dbg, uint64_t addr)
{
	Dwarf_Die cu, *scopes = NULL;
	const char *name = NULL;
	int n;

	if (find_cu(dbg, addr, &cu))
		return NULL;
	n = dwarf_getscopes(&cu, addr, &scopes);
	for (int i = 0; i < n && !name; i++) {
		int tag = dwarf_tag(&scopes[i]);

		if (tag == DW_TAG_inlined_subroutine || tag == DW_TAG_subprogram)
			name = die_name(&scopes[i]);
	}
	free(scopes);
	return name;
}

/* "ns::Class" from the DIE's enclosing namespaces, structures and classes. */
static char *qualified_name(Dwarf_Die *die, const char *name)
{
	Dwarf_Die *scopes = NULL;
	int n = dwarf_getscopes_die(die, &scopes);
	size_t len = strlen(name) + 1;
	char *q;

	for (int i = 1; i < n; i++) {
		const char *p = dwarf_diename(&scopes[i]);

		if (p && dwarf_tag(&scopes[i]) != DW_TAG_compile_unit)
			len += strlen(p) + 2;
	}
	q = malloc(len);
	if (q) {
		q[0] = '\0';
		for (int i = n - 1; i >= 1; i--) {
			const char *p = dwarf_diename(&scopes[i]);

			if (p && dwarf_tag(&scopes[i]) != DW_TAG_compile_unit) {
				strcat(q, p);
				strcat(q, "::");
			}
		}
		strcat(q, name);
	}
	free(scopes);
	return q;
}

static enum type_class named_class(Dwarf_Die *type, const struct sync_rules *s, bool qualify)
{
	const char *name = dwarf_diename(type);
	enum type_class c = TYPE_PLAIN;
	char *q;

	if (!name || !sync_type_candidate(s, name))
		return TYPE_PLAIN;
	c = sync_type_class(s, name);
	if (c == TYPE_PLAIN && qualify && (q = qualified_name(type, name)) != NULL) {
		c = sync_type_class(s, q);
		free(q);
	}
	return c;
}

enum type_class debuginfo_var_class(const struct debuginfo *dbg, const struct dbg_var *v,
				    const struct sync_rules *s)
{
	Dwarf_Attribute at;
	Dwarf_Die type;
	bool vol = false;

	if (!dbg->dw || !s || !dwarf_offdie(dbg->dw, v->die, &type))
		return TYPE_PLAIN;
	for (int depth = 0; depth < 16; depth++) {
		enum type_class c = TYPE_PLAIN;

		if (!dwarf_attr_integrate(&type, DW_AT_type, &at) || !dwarf_formref_die(&at, &type))
			return TYPE_PLAIN;
		switch (dwarf_tag(&type)) {
		case DW_TAG_atomic_type:
			return TYPE_ATOMIC;
		case DW_TAG_volatile_type:
			vol = true;
			continue;
		case DW_TAG_const_type:
		case DW_TAG_array_type:
			continue;
		case DW_TAG_typedef:
			c = named_class(&type, s, false);
			break;
		case DW_TAG_structure_type:
		case DW_TAG_class_type:
		case DW_TAG_union_type:
			return named_class(&type, s, true);
		default:
			return TYPE_PLAIN;
		}
		if (c == TYPE_SIGNAL_FLAG && !vol)
			c = TYPE_PLAIN;
		if (c != TYPE_PLAIN)
			return c;
	}
	return TYPE_PLAIN;
}

long debuginfo_unit_at(struct debuginfo *dbg, uint64_t addr)
{
	Dwarf_Die cu;
	Dwarf_Off off;
	size_t lo;

	if (find_cu(dbg, addr, &cu))
		return -1;
	off = dwarf_dieoffset(&cu);
	lo = PARTITION_POINT(dbg->units, dbg->nunits, u, u->off < off);
	return lo < dbg->nunits && dbg->units[lo].off == off ? (long)lo : -1;
}
