/* Kinds: names of findings and violations. */
#include <string.h>
#include "kinds.h"

static const char *const names[KIND__COUNT] = {
	[KIND_MUTABLE_GLOBAL] = "mutable-global",
	[KIND_MUTABLE_STATIC] = "mutable-static",
	[KIND_MUTABLE_LOCAL_STATIC] = "mutable-local-static",
	[KIND_NON_REENTRANT_CALL] = "non-reentrant-call",
	[KIND_CROSS_THREAD_CALL] = "cross-thread-call",
	[KIND_SIGNAL_REENTRY] = "signal-reentry",
	[KIND_ENV_WRITE] = "env-write",
};

const char *kind_name(enum kind k)
{
	return (unsigned)k < KIND__COUNT ? names[k] : "unknown";
}

int kind_parse(const char *s)
{
	for (int k = 0; k < KIND__COUNT; k++)
		if (!strcmp(names[k], s))
			return k;
	return -1;
}

const char *protection_name(enum protection p)
{
	static const char *const names[PROT__COUNT] = { "none", "lock", "atomic", "once", "signal-flag" };

	return (unsigned)p < PROT__COUNT ? names[p] : "none";
}
