/* Diagnostics of the analyzer core: formats into a bounded buffer and calls the log callback. */
#include <stdarg.h>
#include <stdio.h>
#include "diag.h"

void diag_log(const struct diag *d, enum diag_level level, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	if (!d || !d->fn)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	d->fn(d->ctx, level, buf);
}

void diag_progress(const struct diag *d, const char *stage, uint64_t done, uint64_t total)
{
	if (total)
		diag_log(d, DIAG_PROGRESS, "%s %llu/%llu", stage, (unsigned long long)done,
			 (unsigned long long)total);
	else
		diag_log(d, DIAG_PROGRESS, "%s", stage);
}
