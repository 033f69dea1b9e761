/* confine.h: the runtime guard's public API. Declared weak, so a program calling it runs
 * unchanged (and the calls do nothing) when libconfine_guard.so is not preloaded:
 *
 *     if (confine_claim)
 *         confine_claim("libc:tmbuf");
 */
#ifndef CONFINE_H
#define CONFINE_H

#ifdef __cplusplus
extern "C" {
#endif

/* Binds the named domain ("libc:tmbuf", a module name such as "liblegacy.so", ...) to the
 * calling thread, replacing any earlier owner: an explicit handover. NULL means every domain.
 * Returns 0, or -1 with errno = ENOENT for an unknown domain. */
int confine_claim(const char *domain) __attribute__((weak));

/* Unbinds the named domain (NULL: every domain); its next caller binds it again.
 * Returns 0, or -1 with errno = ENOENT for an unknown domain. */
int confine_release(const char *domain) __attribute__((weak));

#ifdef __cplusplus
}
#endif

#endif
