/* Signals: the wrappers around the program's handlers, and the guard's use of SIGTRAP. */
#ifndef CONFINE_SIGNALS_H
#define CONFINE_SIGNALS_H

#include <signal.h>
#include <stdbool.h>

/* Installs the guard's SIGTRAP handler (for int3 hooks); from then on a handler the program
 * installs for SIGTRAP is kept aside for signals_forward. Returns 0 or -1. */
int signals_take_trap(void (*handler)(int, siginfo_t *, void *));

/* Runs the program's handler for sig, as its wrapper would; false if it has none (SIG_DFL). */
bool signals_forward(int sig, siginfo_t *info, void *uc);

/* Restores the default action of sig (dropping the guard's claim on SIGTRAP). */
void signals_default(int sig);

#endif
