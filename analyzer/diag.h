/* Diagnostics of the analyzer core: one settable log callback; the core itself never prints. */
#ifndef CONFINE_DIAG_H
#define CONFINE_DIAG_H

enum diag_level { DIAG_ERROR, DIAG_WARN, DIAG_INFO, DIAG_DEBUG };

typedef void (*diag_fn)(void *ctx, enum diag_level level, const char *msg);

struct diag {
	diag_fn fn;   /* NULL: messages are dropped */
	void *ctx;
};

/* Formats a message (no trailing newline) and hands it to d->fn; d may be NULL. */
void diag_log(const struct diag *d, enum diag_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
