/* Explain: the runtime guard's patch plan for a program, computed from its files. */
#ifndef CONFINE_EXPLAIN_H
#define CONFINE_EXPLAIN_H

#include <stdbool.h>

/* Prints, for the program and each library it loads (from the dynamic loader's --list), which
 * functions the guard would confine and how (jump, trap, skip and why), without running the
 * program. options: the guard options in effect. Returns an exit status. */
int explain_program(const char *program, const char *options);

/* Whether the guard can be preloaded into PROGRAM (found as execvp would): not into an ELF
 * executable the kernel starts without the dynamic loader (statically linked), nor into a script
 * whose "#!" interpreter is one, which this reports on stderr. A program not found, or another
 * script (its interpreter is what runs), passes. */
bool explain_preloadable(const char *program);

#endif
