/* Output buffer: formatting for reports without malloc or stdio (async-signal-safe). */
#ifndef CONFINE_OUTBUF_H
#define CONFINE_OUTBUF_H

#include <stddef.h>
#include <stdint.h>

struct outbuf {
	char *buf;
	size_t cap, len;   /* output past cap is dropped, the last byte stays for a NUL */
};

void outbuf_str(struct outbuf *b, const char *s);
void outbuf_dec(struct outbuf *b, uint64_t v);
void outbuf_hex(struct outbuf *b, uint64_t v);   /* "0x" and lowercase digits */

/* Writes the whole buffer to fd, retrying short writes and EINTR. */
void outbuf_write(const struct outbuf *b, int fd);

#endif
