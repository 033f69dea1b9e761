/* Rules: parser of the line-based rule format (see rules/README.md) and name lookup. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "rules.h"
#include "text.h"
#include "vec.h"

struct alias {
	const char *name;
	size_t rule;
};

struct rules {
	VEC(struct rule) list;
	VEC(struct alias) aliases;   /* by name; rebuilt after each parse */
};

extern const char rules_builtin_text[];

static void rule_clear(struct rule *ru)
{
	free(ru->name);
	free(ru->group);
	free(ru->alternative);
	for (size_t i = 0; i < ru->naliases; i++)
		free(ru->aliases[i]);
	free(ru->aliases);
	memset(ru, 0, sizeof(*ru));
}

struct rules *rules_new(void)
{
	return calloc(1, sizeof(struct rules));
}

void rules_free(struct rules *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->list.n; i++)
		rule_clear(&r->list.v[i]);
	VEC_FREE(&r->list);
	VEC_FREE(&r->aliases);
	free(r);
}

/* '-' stands for an empty field. */
static char *field_dup(const char *f)
{
	return (!f || !strcmp(f, "-")) ? NULL : strdup(f);
}

static const char *opt_field(const char *f)
{
	return strcmp(f, "-") ? f : NULL;
}

static int parse_severity(const char *s, enum rule_severity *out)
{
	if (!s || !strcmp(s, "error"))
		*out = SEVERITY_ERROR;
	else if (!strcmp(s, "warning"))
		*out = SEVERITY_WARNING;
	else
		return -1;
	return 0;
}

static int parse_category(const char *s, enum rule_category *out)
{
	if (!s || !strcmp(s, "state"))
		*out = CATEGORY_STATE;
	else if (!strcmp(s, "env"))
		*out = CATEGORY_ENV;
	else if (!strcmp(s, "posix"))
		*out = CATEGORY_POSIX;
	else
		return -1;
	return 0;
}

static int parse_sources(const char *s, unsigned *out)
{
	char buf[64], *tok, *save = NULL;

	*out = 0;
	if (!s) {
		*out = SOURCE_USER;
		return 0;
	}
	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "glibc"))
			*out |= SOURCE_GLIBC;
		else if (!strcmp(tok, "posix"))
			*out |= SOURCE_POSIX;
		else if (!strcmp(tok, "user"))
			*out |= SOURCE_USER;
		else
			return -1;
	}
	return *out ? 0 : -1;
}

static int parse_aliases(const char *s, struct rule *ru)
{
	char *buf, *tok, *save = NULL;

	if (!s || !strcmp(s, "-"))
		return 0;
	buf = strdup(s);
	if (!buf)
		return -ENOMEM;
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char **na = realloc(ru->aliases, (ru->naliases + 1) * sizeof(*na));
		if (!na || !(na[ru->naliases] = strdup(tok))) {
			if (na)
				ru->aliases = na;
			free(buf);
			return -ENOMEM;
		}
		ru->aliases = na;
		ru->naliases++;
	}
	free(buf);
	return 0;
}

/* "always", or "argN=NULL" with N from 1 to 6 (a register argument). */
static int parse_query(const char *s, struct rule *ru)
{
	char tail;

	ru->query = QUERY_NEVER;
	if (!s)
		return 0;
	if (!strcmp(s, "always")) {
		ru->query = QUERY_ALWAYS;
		return 0;
	}
	if (sscanf(s, "arg%d=NUL%c", &ru->query_arg, &tail) != 2 || tail != 'L' || strlen(s) != 9 ||
	    ru->query_arg < 1 || ru->query_arg > 6)
		return -1;
	ru->query = QUERY_NULL_ARG;
	return 0;
}

/* Splits a line into at most 9 whitespace-separated fields; returns the count (9 means too many). */
static int split_fields(char *line, char **f)
{
	int n = 0;
	char *save = NULL;

	for (char *t = strtok_r(line, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
		if (n == 9)
			return 9;
		f[n++] = t;
	}
	return n;
}

static const char *rule_from_fields(char **f, int n, struct rule *ru)
{
	if (n > 8)
		return "too many fields (at most 8: function group severity category alternative source aliases query)";
	if (parse_severity(n > 2 ? opt_field(f[2]) : NULL, &ru->severity))
		return "severity must be 'error' or 'warning'";
	if (parse_category(n > 3 ? opt_field(f[3]) : NULL, &ru->category))
		return "category must be 'state', 'env' or 'posix'";
	if (parse_sources(n > 5 ? opt_field(f[5]) : NULL, &ru->sources))
		return "source must be a comma-separated list of 'glibc', 'posix' and 'user'";
	if (parse_query(n > 7 ? opt_field(f[7]) : NULL, ru))
		return "query must be 'always' or 'argN=NULL' (N from 1 to 6)";
	ru->name = strdup(f[0]);
	ru->group = n > 1 && strcmp(f[1], "-") ? strdup(f[1]) : strdup(f[0]);
	ru->alternative = n > 4 ? field_dup(f[4]) : NULL;
	if (!ru->name || !ru->group || parse_aliases(n > 6 ? f[6] : NULL, ru))
		return "out of memory";
	return NULL;
}

static int rule_cmp(const void *a, const void *b)
{
	return strcmp(((const struct rule *)a)->name, ((const struct rule *)b)->name);
}

/* Inserts ru (taking its strings), replacing a rule of the same name. */
static int rules_insert(struct rules *r, struct rule *ru)
{
	for (size_t i = 0; i < r->list.n; i++) {
		if (!strcmp(r->list.v[i].name, ru->name)) {
			rule_clear(&r->list.v[i]);
			r->list.v[i] = *ru;
			return 0;
		}
	}
	if (VEC_PUSH(&r->list, *ru))
		return -ENOMEM;
	return 0;
}

static int parse_line(struct rules *r, char *line, const char *origin, int lineno,
		      const struct diag *d)
{
	char *f[9];
	struct rule ru = { 0 };
	const char *err;
	int n;

	line[strcspn(line, "#")] = '\0';
	n = split_fields(line, f);
	if (n == 0)
		return 0;
	err = rule_from_fields(f, n, &ru);
	if (err) {
		diag_log(d, DIAG_ERROR, "%s:%d: %s", origin, lineno, err);
		rule_clear(&ru);
		return -EINVAL;
	}
	if (rules_insert(r, &ru)) {
		rule_clear(&ru);
		return -ENOMEM;
	}
	return 0;
}

static int alias_cmp(const void *a, const void *b)
{
	return strcmp(((const struct alias *)a)->name, ((const struct alias *)b)->name);
}

static int index_aliases(struct rules *r)
{
	r->aliases.n = 0;
	for (size_t i = 0; i < r->list.n; i++)
		for (size_t k = 0; k < r->list.v[i].naliases; k++) {
			struct alias a = { r->list.v[i].aliases[k], i };

			if (VEC_PUSH(&r->aliases, a))
				return -1;
		}
	VEC_SORT(&r->aliases, alias_cmp);
	return 0;
}

int rules_parse(struct rules *r, const char *text, const char *origin, const struct diag *d)
{
	char *copy = strdup(text), *line, *save = NULL;
	int lineno = 0, err = 0;

	if (!copy)
		return -ENOMEM;
	/* strtok_r would skip empty lines and shift the numbering, so split by hand. */
	for (line = copy; line && !err; line = save) {
		save = strchr(line, '\n');
		if (save)
			*save++ = '\0';
		err = parse_line(r, line, origin, ++lineno, d);
	}
	free(copy);
	VEC_SORT(&r->list, rule_cmp);
	return index_aliases(r) ? -ENOMEM : err;
}

int rules_load_file(struct rules *r, const char *path, const struct diag *d)
{
	char *text = NULL;
	int err = text_read_file(path, &text, NULL);

	if (err) {
		diag_log(d, DIAG_ERROR, "%s: cannot read rules: %s", path, strerror(-err));
		return err;
	}
	err = rules_parse(r, text, path, d);
	free(text);
	return err;
}

const char *rules_builtin(void)
{
	return rules_builtin_text;
}

int rules_load_builtin(struct rules *r, const struct diag *d)
{
	return rules_parse(r, rules_builtin_text, "builtin:libc.rules", d);
}

static const struct rule *find_exact(const struct rules *r, const char *name, unsigned mask)
{
	struct rule key = { .name = (char *)name };
	const struct rule *ru = bsearch(&key, r->list.v, r->list.n, sizeof(struct rule), rule_cmp);

	return ru && (ru->sources & mask) ? ru : NULL;
}

static const struct rule *find_alias(const struct rules *r, const char *name, unsigned mask)
{
	struct alias key = { name, 0 };
	const struct alias *a = bsearch(&key, r->aliases.v, r->aliases.n, sizeof(struct alias), alias_cmp);

	return a && (r->list.v[a->rule].sources & mask) ? &r->list.v[a->rule] : NULL;
}

const struct rule *rules_find(const struct rules *r, const char *sym, unsigned libc)
{
	char name[256];
	size_t len = strcspn(sym, "@");
	const struct rule *ru;

	if (!r || len >= sizeof(name))
		return NULL;
	memcpy(name, sym, len);
	name[len] = '\0';
	ru = find_exact(r, name, libc | SOURCE_USER);
	return ru ? ru : find_alias(r, name, libc | SOURCE_USER);
}

size_t rules_count(const struct rules *r)
{
	return r ? r->list.n : 0;
}

const struct rule *rules_at(const struct rules *r, size_t i)
{
	return i < r->list.n ? &r->list.v[i] : NULL;
}

const char *rule_severity_name(enum rule_severity s)
{
	return s == SEVERITY_ERROR ? "error" : "warning";
}

const char *rule_category_name(enum rule_category c)
{
	static const char *const names[] = { "state", "env", "posix" };

	return names[c];
}

const char *rule_query_text(const struct rule *ru, char *buf)
{
	if (ru->query == QUERY_ALWAYS)
		return "always";
	if (ru->query != QUERY_NULL_ARG)
		return "-";
	snprintf(buf, 16, "arg%d=NULL", ru->query_arg);
	return buf;
}

int rules_libc_parse(const char *s)
{
	if (!strcmp(s, "any"))
		return LIBC_ANY;
	if (!strcmp(s, "glibc"))
		return SOURCE_GLIBC;
	if (!strcmp(s, "posix"))
		return SOURCE_POSIX;
	return -1;
}
