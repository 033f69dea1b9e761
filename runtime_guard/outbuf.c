/* Output buffer: appends text and numbers into caller-provided memory. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include "outbuf.h"

void outbuf_str(struct outbuf *b, const char *s)
{
	while (s && *s && b->len + 1 < b->cap)
		b->buf[b->len++] = *s++;
	if (b->cap)
		b->buf[b->len] = '\0';
}

static void outbuf_base(struct outbuf *b, uint64_t v, unsigned base)
{
	char digits[24];
	int n = 0;

	do {
		digits[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	while (n && b->len + 1 < b->cap)
		b->buf[b->len++] = digits[--n];
	if (b->cap)
		b->buf[b->len] = '\0';
}

void outbuf_dec(struct outbuf *b, uint64_t v)
{
	outbuf_base(b, v, 10);
}

void outbuf_hex(struct outbuf *b, uint64_t v)
{
	outbuf_str(b, "0x");
	outbuf_base(b, v, 16);
}

void outbuf_write(const struct outbuf *b, int fd)
{
	size_t done = 0;

	while (done < b->len) {
		ssize_t w = write(fd, b->buf + done, b->len - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		done += (size_t)w;
	}
}
