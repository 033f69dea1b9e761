/* Stacks: captures the calling thread's return addresses, leaving out the guard's own frames. */
#ifndef CONFINE_STACK_H
#define CONFINE_STACK_H

/* Runs the unwinder once, so that later captures neither allocate nor load libgcc_s. */
void stack_prime(void);

/* Stores up to max return addresses (innermost first) of code outside the guard; returns the
 * count. */
int stack_capture(void **out, int max);

#endif
