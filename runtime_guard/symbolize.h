/* Symbolization of report frames: "function file:line (module+0xOFFSET)" per address. */
#ifndef CONFINE_SYMBOLIZE_H
#define CONFINE_SYMBOLIZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SYMBOL_LINE 256

/* Or'ed into an address given to symbolize_frames: it is a function's entry, looked up as it
 * is, not as a return address (whose call is the instruction before it). */
#define SYMBOLIZE_EXACT (1ULL << 63)

/* Finds the helper (CONFINE_SYMBOLIZER, else ../bin/confine beside the guard library). Call at
 * start-up. */
void symbolize_init(const char *guard_path);

/* In a forked child: the parent's helper is the parent's; its socket is closed at once, before
 * the program can reuse the descriptor number. */
void symbolize_after_fork(void);

/* The modules changed (dlclose): the helper's names and cache may be stale, so the next report
 * starts a fresh one. Async-signal-safe. */
void symbolize_forget(void);

/* Fills lines[i] for each of n return addresses. With helper set, a `confine-symbolizer`
 * process names functions and source lines with libdw (time-limited); otherwise, or if that
 * fails, lines hold "(module+0xOFFSET)" from /proc/self/maps. No malloc, no stdio, no locks:
 * async-signal-safe (_Fork, execve, pipes and reads). */
void symbolize_frames(const uintptr_t *pcs, size_t n, char lines[][SYMBOL_LINE], bool helper);

#endif
