/* Confinement: the guard's choice among a module's flagged functions. A function is confined
 * for its own unprotected accesses to the module's state, never for the library calls it makes
 * (those are checked where they happen, by interposition), and by default only in code written
 * for one thread. */
#include <stdio.h>
#include <string.h>
#include "confinement.h"
#include "suppress.h"

int confinement_mode_parse(const char *s)
{
	static const char *const names[] = { "naive", "unprotected", "all", "selected" };

	for (size_t i = 0; s && i < sizeof(names) / sizeof(*names); i++)
		if (!strcmp(s, names[i]))
			return (int)i;
	return -1;
}

bool confinement_glob_list(const char *globs, const char *name)
{
	const char *slash = strrchr(name, '/');
	char glob[256];

	for (const char *g = globs ? globs : ""; *g;) {
		size_t len = strcspn(g, ",");

		snprintf(glob, sizeof(glob), "%.*s", (int)len, g);
		if (len && (suppress_glob(glob, name) || (slash && suppress_glob(glob, slash + 1))))
			return true;
		g += len + (g[len] == ',');
	}
	return false;
}

static bool unit_selected(const struct confinement *c, const struct policy_module *m, long unit)
{
	return unit >= 0 && (size_t)unit < m->nunits && confinement_glob_list(c->units, m->units[unit].name);
}

bool confinement_decide(const struct confinement *c, const struct policy_module *m, size_t i,
			const char **why, const char **detail)
{
	const struct policy_fn *f = &m->fns[i];
	const struct policy_aware *a;

	*detail = NULL;
	if (c->mode == CONFINE_ALL) {
		*why = "confine=all";
		return true;
	}
	if (!f->state) {
		*why = "no unprotected state of its own";
		return false;
	}
	if (confinement_glob_list(c->functions, f->demangled) || confinement_glob_list(c->functions, f->name)) {
		*why = "selected by functions=";
		return true;
	}
	if (unit_selected(c, m, f->unit)) {
		*why = "selected by units=";
		return true;
	}
	if (c->mode != CONFINE_NAIVE) {
		*why = c->mode == CONFINE_UNPROTECTED ? "confine=unprotected" : "not selected (confine=selected)";
		return c->mode == CONFINE_UNPROTECTED;
	}
	a = policy_fn_aware(m, i);
	*why = a->aware ? "thread-aware" : "thread-naive";
	*detail = a->aware ? a->evidence : NULL;
	return !a->aware;
}
