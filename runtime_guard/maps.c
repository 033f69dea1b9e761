/* Maps: reads /proc/self/maps in chunks, carrying partial lines over. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include "maps.h"

static uintptr_t hex_field(const char **p)
{
	uintptr_t v = 0;

	for (; **p; (*p)++) {
		char c = **p;

		if (c >= '0' && c <= '9')
			v = v * 16 + (uintptr_t)(c - '0');
		else if ((c | 32) >= 'a' && (c | 32) <= 'f')
			v = v * 16 + (uintptr_t)((c | 32) - 'a' + 10);
		else
			break;
	}
	return v;
}

static const char *skip_fields(const char *p, int n)
{
	while (*p && n > 0) {
		while (*p && *p != ' ')
			p++;
		while (*p == ' ')
			p++;
		n--;
	}
	return p;
}

/* "lo-hi perms offset dev inode path" */
static void parse(const char *l, struct mapping *m)
{
	const char *p = l;

	m->lo = hex_field(&p);
	p++;
	m->hi = hex_field(&p);
	p = skip_fields(p, 1);
	for (int i = 0; i < 4; i++)
		m->perms[i] = *p && *p != ' ' ? *p++ : '-';
	m->perms[4] = '\0';
	p = skip_fields(p, 1);
	m->offset = hex_field(&p);
	p = skip_fields(p, 1);
	m->dev_major = (unsigned)hex_field(&p);
	p += *p == ':';
	m->dev_minor = (unsigned)hex_field(&p);
	p = skip_fields(p, 1);
	m->inode = 0;
	for (; *p >= '0' && *p <= '9'; p++)
		m->inode = m->inode * 10 + (unsigned long)(*p - '0');
	p = skip_fields(p, 1);
	m->path = *p ? p : NULL;
}

bool maps_each(char *buf, size_t cap, bool (*fn)(const struct mapping *m, void *ctx), void *ctx)
{
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	size_t have = 0;
	bool stopped = false;

	while (fd >= 0 && !stopped) {
		ssize_t got = read(fd, buf + have, cap - 1 - have);
		char *l = buf, *nl;

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		have += (size_t)got;
		buf[have] = '\0';
		for (; !stopped && (nl = strchr(l, '\n')) != NULL; l = nl + 1) {
			struct mapping m;

			*nl = '\0';
			parse(l, &m);
			stopped = fn(&m, ctx);
		}
		/* Carry the unfinished last line over to the next read. */
		have = strlen(l);
		memmove(buf, l, have);
		if (have == cap - 1)
			have = 0;
	}
	if (fd >= 0)
		close(fd);
	return stopped;
}
