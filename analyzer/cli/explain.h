/* Explain: the runtime guard's patch plan for a program, computed from its files. */
#ifndef CONFINE_EXPLAIN_H
#define CONFINE_EXPLAIN_H

/* Prints, for the program and each library it loads (from the dynamic loader's --list), which
 * functions the guard would confine and how (jump, trap, skip and why), without running the
 * program. options: the guard options in effect. Returns an exit status. */
int explain_program(const char *program, const char *options);

#endif
