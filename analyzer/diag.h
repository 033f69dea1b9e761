/* Diagnostics of the analyzer core: one settable log callback; the core itself never prints. */
#ifndef CONFINE_DIAG_H
#define CONFINE_DIAG_H

#include <stdint.h>

/* DIAG_PROGRESS is not a message: a long analysis reports where it is ("STAGE" when a stage
 * starts, "STAGE DONE/TOTAL" as it advances) for a progress line; other callbacks ignore it. */
enum diag_level { DIAG_ERROR, DIAG_WARN, DIAG_INFO, DIAG_DEBUG, DIAG_PROGRESS };

typedef void (*diag_fn)(void *ctx, enum diag_level level, const char *msg);

struct diag {
	diag_fn fn;   /* NULL: messages are dropped */
	void *ctx;
};

/* Formats a message (no trailing newline) and hands it to d->fn; d may be NULL. */
void diag_log(const struct diag *d, enum diag_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Reports progress at DIAG_PROGRESS: "STAGE", or "STAGE DONE/TOTAL" when total is not 0. May be
 * called from several threads at once. */
void diag_progress(const struct diag *d, const char *stage, uint64_t done, uint64_t total);

#endif
