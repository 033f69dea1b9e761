/* Quiet sites: the size of each thread's table, shared by domains.h and trampoline.S. */
#ifndef CONFINE_QUIET_H
#define CONFINE_QUIET_H
#define QUIET_SLOTS 64   /* a power of two */
#endif
