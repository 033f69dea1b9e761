/* Modules: confines the functions of the program's own modules (the executable and its
 * non-system libraries), at start-up and after each dlopen. */
#ifndef CONFINE_MODULES_H
#define CONFINE_MODULES_H

/* Loads the policy file (stops the program with status 2 if it is unusable), then analyzes and
 * patches every module loaded so far. Call from the constructor, single-threaded. */
void modules_init(void);

/* Handles modules loaded since the last call (after dlopen), whatever threads run. */
void modules_rescan(void);

#endif
