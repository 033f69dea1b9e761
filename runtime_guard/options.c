/* Options: the guard_flags.inc table expanded into defaults and a parser. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "confinement.h"
#include "options.h"

struct guard_flags guard_flags = {
#define GUARD_FLAG(type, name, def, help) .name = def,
#include "guard_flags.inc"
#undef GUARD_FLAG
};

/* Strings point into this copy of the option text. */
static char text_copy[4096];

/* Booleans as the sanitizers take them. */
static int set_bool(bool *out, const char *v)
{
	if (!strcmp(v, "1") || !strcmp(v, "true") || !strcmp(v, "yes"))
		*out = true;
	else if (!strcmp(v, "0") || !strcmp(v, "false") || !strcmp(v, "no"))
		*out = false;
	else
		return -1;
	return 0;
}

static int set_int(int *out, const char *v)
{
	char *end;
	long n = strtol(v, &end, 10);

	if (!*v || *end || n < 0 || n > 1000000)
		return -1;
	*out = (int)n;
	return 0;
}

static int set_string(const char **out, const char *v)
{
	*out = v;
	return 0;
}

static const char *type_hint(const char *type)
{
	return !strcmp(type, "bool") ? "0/1, true/false or yes/no" : !strcmp(type, "int") ? "a number" : "a string";
}

static int set_one(char *key, char *value, char *err, size_t errlen)
{
#define GUARD_FLAG(type, name, def, help)                                                          \
	if (!strcmp(key, #name)) {                                                                   \
		if (set_##type(&guard_flags.name, value) == 0)                                       \
			return 0;                                                                    \
		snprintf(err, errlen, "bad value '%s' for %s (expected %s)", value, #name, type_hint(#type)); \
		return -1;                                                                           \
	}
#include "guard_flags.inc"
#undef GUARD_FLAG
	snprintf(err, errlen, "unknown option '%s' (help=1 lists them)", key);
	return -1;
}

/* Reports are written to log_path.PID when the first one happens, long after start-up: a
 * directory that does not exist must fail now, where the user sees it. */
static int check_log_path(char *err, size_t errlen)
{
	char dir[sizeof(text_copy)];
	const char *lp = guard_flags.log_path, *slash = strrchr(lp, '/');

	if (!strcmp(lp, "stderr"))
		return 0;
	if (!*lp || (slash && !slash[1])) {
		snprintf(err, errlen, "bad value '%s' for log_path (expected stderr or a file name prefix)", lp);
		return -1;
	}
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - lp) + 1 : 1, slash ? lp : ".");
	if (access(dir, W_OK) != 0) {
		snprintf(err, errlen, "log_path=%s: cannot write in %s: %s", lp, dir, strerror(errno));
		return -1;
	}
	return 0;
}

static int check_values(char *err, size_t errlen)
{
	if (strcmp(guard_flags.domains, "module") && strcmp(guard_flags.domains, "state")) {
		snprintf(err, errlen, "bad value '%s' for domains (expected module or state)", guard_flags.domains);
		return -1;
	}
	if (confinement_mode_parse(guard_flags.confine) < 0) {
		snprintf(err, errlen, "bad value '%s' for confine (expected naive, unprotected, all or selected)",
			 guard_flags.confine);
		return -1;
	}
	if (guard_flags.exitcode > 255) {
		snprintf(err, errlen, "bad value '%d' for exitcode (expected 0-255)", guard_flags.exitcode);
		return -1;
	}
	return check_log_path(err, errlen);
}

/* Whether s starts with "NAME=" for an option NAME: a ',' before it separates options. */
static bool key_at(const char *s)
{
	size_t n = strcspn(s, "=:, \t\n");

	if (s[n] != '=')
		return false;
#define GUARD_FLAG(type, name, def, help)                                                          \
	if (n == sizeof(#name) - 1 && !strncmp(s, #name, n))                                         \
		return true;
#include "guard_flags.inc"
#undef GUARD_FLAG
	return false;
}

/* "::" belongs to a value (functions=legacy::*): no key starts with ':'. */
static bool separator_at(const char *p)
{
	if (*p == ':')
		return p[1] != ':' && (p == text_copy || p[-1] != ':');
	return *p == ' ' || *p == '\t' || *p == '\n' || (*p == ',' && key_at(p + 1));
}

static int parse_item(char *item, char *err, size_t errlen)
{
	char *eq = strchr(item, '=');

	if (!*item)
		return 0;
	if (!eq) {
		snprintf(err, errlen, "'%s' is not key=value", item);
		return -1;
	}
	*eq = '\0';
	return set_one(item, eq + 1, err, errlen);
}

int options_parse(const char *text, char *err, size_t errlen)
{
	char *start = text_copy;

	if (!text || !*text)
		return 0;
	if (strlen(text) >= sizeof(text_copy)) {
		snprintf(err, errlen, "longer than %zu characters", sizeof(text_copy) - 1);
		return -1;
	}
	strcpy(text_copy, text);
	for (char *p = text_copy;; p++) {
		bool end = *p == '\0';

		if (!end && !separator_at(p))
			continue;
		*p = '\0';
		if (parse_item(start, err, errlen))
			return -1;
		if (end)
			break;
		start = p + 1;
	}
	/* help=1 only prints the table: the other values need not be usable here. */
	return guard_flags.help ? 0 : check_values(err, errlen);
}

/* One line at a time with write(2): this runs in the guard's constructor too. */
void options_help(int fd)
{
	static const char head[] =
		"Guard options: CONFINE_OPTIONS='key=value key=value' (or confine run --options).\n"
		"':' or spaces separate options (not '::', as in functions=ns::*), and ',' before a key;\n"
		"booleans are 0/1, true/false or yes/no. The manual: confine-guard(7).\n";
	char line[512];
	int n;

	if (write(fd, head, sizeof(head) - 1) < 0)
		return;
#define GUARD_FLAG(type, name, def, help)                                                          \
	n = snprintf(line, sizeof(line), "  %-24s %s\n", #name "=" #def, help);                    \
	if (write(fd, line, n < (int)sizeof(line) ? (size_t)n : sizeof(line) - 1) < 0)               \
		return;
#include "guard_flags.inc"
#undef GUARD_FLAG
}
