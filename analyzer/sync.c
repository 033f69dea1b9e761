/* Sync rules: parser of rules/sync.rules ("function NAME ROLE ARG SUCCESS", "type NAME CLASS")
 * and lookups by symbol and by DWARF type name. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "sync.h"
#include "text.h"
#include "vec.h"

struct sync_type {
	char *name;
	size_t len;
	bool prefix;             /* the rule ended with '*' */
	enum type_class cls;
};

struct sync_rules {
	VEC(struct sync_func) funcs;   /* sorted by name */
	VEC(struct sync_type) types;
};

extern const char sync_builtin_text[];

static const char *const role_names[] = {
	"lock", "trylock", "rdlock", "wrlock", "unlock", "wait", "once", "create", "tls",
	"sync-init", "compiler", "interpreter",
};

static const char *const class_names[] = { "plain", "sync-object", "atomic", "signal-flag" };

const char *sync_role_name(enum sync_role r)
{
	return role_names[r];
}

bool sync_role_is_evidence(enum sync_role r)
{
	return r != SYNC_COMPILER;
}

static int lookup(const char *const *names, int n, const char *s)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(names[i], s))
			return i;
	return -1;
}

void sync_rules_free(struct sync_rules *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->funcs.n; i++)
		free(s->funcs.v[i].name);
	for (size_t i = 0; i < s->types.n; i++)
		free(s->types.v[i].name);
	VEC_FREE(&s->funcs);
	VEC_FREE(&s->types);
	free(s);
}

static const char *add_function(struct sync_rules *s, char **f, int n)
{
	struct sync_func sf = { 0 };
	int role;

	if (n != 5)
		return "a function rule has 5 fields";
	if ((role = lookup(role_names, sizeof(role_names) / sizeof(*role_names), f[2])) < 0)
		return "unknown role";
	sf.role = (enum sync_role)role;
	sf.arg = strcmp(f[3], "-") ? atoi(f[3]) : 0;
	sf.success_nonzero = !strcmp(f[4], "nonzero");
	if (!(sf.name = strdup(f[1])) || VEC_PUSH(&s->funcs, sf)) {
		free(sf.name);
		return "";
	}
	return NULL;
}

static const char *add_type(struct sync_rules *s, char **f, int n)
{
	struct sync_type t = { 0 };
	int cls;

	if (n != 3)
		return "a type rule has 3 fields";
	if ((cls = lookup(class_names, 4, f[2])) <= 0)
		return "unknown type class";
	t.cls = (enum type_class)cls;
	t.len = strlen(f[1]);
	t.prefix = t.len && f[1][t.len - 1] == '*';
	if (t.prefix)
		t.len--;
	if (!(t.name = strndup(f[1], t.len)) || VEC_PUSH(&s->types, t)) {
		free(t.name);
		return "";
	}
	return NULL;
}

/* Returns NULL, "" when out of memory, or the reason the line is bad. */
static const char *parse_line(struct sync_rules *s, char *line)
{
	char *f[8], *save = NULL;
	int n = 0;

	for (char *t = strtok_r(line, " \t", &save); t && n < 8; t = strtok_r(NULL, " \t", &save))
		f[n++] = t;
	if (n == 0 || f[0][0] == '#')
		return NULL;
	if (!strcmp(f[0], "function"))
		return add_function(s, f, n);
	if (!strcmp(f[0], "type"))
		return add_type(s, f, n);
	return "a line starts with 'function' or 'type'";
}

static int cmp_func(const void *a, const void *b)
{
	return strcmp(((const struct sync_func *)a)->name, ((const struct sync_func *)b)->name);
}

int sync_rules_parse(const char *text, const char *origin, const struct diag *d,
		     struct sync_rules **out)
{
	struct sync_rules *s = calloc(1, sizeof(*s));
	char *copy = strdup(text), *line = copy;
	int err = s && copy ? 0 : -ENOMEM;

	for (int lineno = 1; !err && line; lineno++) {
		char *nl = strchr(line, '\n');
		const char *why;

		if (nl)
			*nl = '\0';
		if ((why = parse_line(s, text_trim(line))) != NULL) {
			err = *why ? -EINVAL : -ENOMEM;
			if (*why)
				diag_log(d, DIAG_ERROR, "%s:%d: %s", origin, lineno, why);
		}
		line = nl ? nl + 1 : NULL;
	}
	free(copy);
	if (err) {
		sync_rules_free(s);
		return err;
	}
	VEC_SORT(&s->funcs, cmp_func);
	*out = s;
	return 0;
}

const char *sync_rules_builtin(void)
{
	return sync_builtin_text;
}

int sync_rules_load_builtin(struct sync_rules **out, const struct diag *d)
{
	return sync_rules_parse(sync_builtin_text, "sync.rules", d, out);
}

const struct sync_func *sync_find_function(const struct sync_rules *s, const char *sym)
{
	size_t len = strcspn(sym, "@"), lo = 0, hi = s->funcs.n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const char *name = s->funcs.v[mid].name;
		int c = strncmp(name, sym, len);

		if (c == 0 && name[len])
			c = 1;
		if (c == 0)
			return &s->funcs.v[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

enum type_class sync_type_class(const struct sync_rules *s, const char *q)
{
	for (size_t i = 0; i < s->types.n; i++) {
		const struct sync_type *t = &s->types.v[i];

		if (t->prefix ? !strncmp(q, t->name, t->len) : !strcmp(q, t->name))
			return t->cls;
	}
	return TYPE_PLAIN;
}

static const char *last_component(const char *s, size_t len)
{
	for (size_t i = len; i > 1; i--)
		if (s[i - 1] == ':' && s[i - 2] == ':')
			return s + i;
	return s;
}

bool sync_type_candidate(const struct sync_rules *s, const char *name)
{
	for (size_t i = 0; i < s->types.n; i++) {
		const struct sync_type *t = &s->types.v[i];
		const char *last = last_component(t->name, t->len);
		size_t n = t->len - (size_t)(last - t->name);

		if (t->prefix ? !strncmp(name, last, n) : (strlen(name) == n && !strncmp(name, last, n)))
			return true;
	}
	return false;
}
