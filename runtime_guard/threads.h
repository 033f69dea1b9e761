/* Threads: never-reused serials, the registry of their kernel ids and names, and their exits. */
#ifndef CONFINE_THREADS_H
#define CONFINE_THREADS_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "shared.h"

/* The calling thread's serial (| SERIAL_SIGNAL inside a signal handler): what the trampolines
 * compare with the owner word. */
extern __thread uint64_t guard_serial GUARD_TLS;

struct thread_desc {
	uint64_t serial;
	pid_t tid;            /* 0 when unknown */
	char name[16];
	bool exited;
};

/* Registers the exit hook and makes the calling (main) thread T1. Call once, single-threaded. */
void threads_init(void);

/* The calling thread's serial (without SERIAL_SIGNAL), assigning one on first use. */
uint64_t threads_self(void);

/* What is known of thread serial: its tid, its current name (or the last one seen, once it has
 * exited). Async-signal-safe (reads /proc with raw file calls). */
void threads_describe(uint64_t serial, struct thread_desc *out);

/* The calling thread's name. */
void threads_own_name(char name[16]);

/* Number of threads in the process, from /proc/self/stat; 0 if unknown. */
int threads_count(void);

/* Removes the record a joinable thread t left as it exited (after a join of t returned 0, around
 * a detach of t, or by t itself when it was detached while exiting) and returns its serial; 0 if
 * it left none. Async-signal-safe. */
uint64_t threads_take_exit(pthread_t t);

/* In a fork child: the forking thread keeps its serial under its new tid; the parent's exit
 * records are dropped. */
void threads_after_fork(void);

#endif
