/* Prints the runtime guard's options as man page text (.TP entries), from the one table that
 * declares them, runtime_guard/guard_flags.inc. Used by tools/man.sh. */
#include <stdio.h>
#include <string.h>

/* Roff text: backslashes escaped, minus signs as \- in names. */
static void put(const char *s, int name)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\e", stdout);
		else if (*s == '-' && name)
			fputs("\\-", stdout);
		else
			putchar(*s);
	}
}

/* A default as written in the table, without a string's quotes. */
static void put_default(const char *def)
{
	size_t n = strlen(def);

	if (n >= 2 && def[0] == '"') {
		if (n == 2)
			fputs("none", stdout);
		else
			printf("%.*s", (int)(n - 2), def + 1);
	} else {
		put(def, 1);
	}
}

static void flag(const char *type, const char *name, const char *def, const char *help)
{
	fputs(".TP\n\\fB", stdout);
	put(name, 1);
	fputs("\\fR=\\fI", stdout);
	put(type, 0);
	fputs("\\fR (default: ", stdout);
	put_default(def);
	fputs(")\n", stdout);
	put(help, 0);
	putchar('\n');
}

int main(void)
{
#define GUARD_FLAG(type, name, def, help) flag(#type, #name, #def, help);
#include "guard_flags.inc"
#undef GUARD_FLAG
	return 0;
}
