/* Suppressions: parser of suppression files and an allocation-free glob matcher. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "suppress.h"
#include "text.h"

/* "unknown kind 'K' (one of ..., or * for all)", listing every kind. */
static const char *unknown_kind(const char *kind, char *buf, size_t len)
{
	size_t n = (size_t)snprintf(buf, len, "unknown kind '%.40s' (one of ", kind);

	for (int k = 0; k < KIND__COUNT && n < len; k++)
		n += (size_t)snprintf(buf + n, len - n, "%s, ", kind_name(k));
	if (n < len)
		snprintf(buf + n, len - n, "or * for all)");
	return buf;
}

static const char *parse_line(struct suppress_set *s, char *line, char *buf, size_t len)
{
	char *colon, *kind, *pattern;
	int k;

	line[strcspn(line, "#")] = '\0';
	line = text_trim(line);
	if (!*line)
		return NULL;
	colon = strchr(line, ':');
	if (!colon)
		return "expected kind:pattern";
	*colon = '\0';
	kind = text_trim(line);
	pattern = text_trim(colon + 1);
	k = strcmp(kind, "*") ? kind_parse(kind) : -1;
	if (k < 0 && strcmp(kind, "*"))
		return unknown_kind(kind, buf, len);
	if (!*pattern || strlen(pattern) >= SUPPRESS_PATTERN)
		return "the pattern is empty or longer than 127 characters";
	if (s->n == SUPPRESS_MAX)
		return "too many suppressions (at most 256)";
	s->v[s->n].kind = k;
	strcpy(s->v[s->n].pattern, pattern);
	s->v[s->n].hits = 0;
	s->n++;
	return NULL;
}

int suppress_parse(struct suppress_set *s, const char *text, const char *origin, const struct diag *d)
{
	char line[512], why[256];
	int lineno = 0;

	while (*text) {
		size_t len = strcspn(text, "\n");
		const char *err;

		lineno++;
		if (len >= sizeof(line)) {
			diag_log(d, DIAG_ERROR, "%s:%d: line too long", origin, lineno);
			return -EINVAL;
		}
		memcpy(line, text, len);
		line[len] = '\0';
		text += len + (text[len] == '\n');
		if ((err = parse_line(s, line, why, sizeof(why))) != NULL) {
			diag_log(d, DIAG_ERROR, "%s:%d: %s", origin, lineno, err);
			return s->n == SUPPRESS_MAX ? -E2BIG : -EINVAL;
		}
	}
	return 0;
}

int suppress_load(struct suppress_set *s, const char *path, const struct diag *d)
{
	char buf[65536];
	ssize_t got, len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC), err;

	if (fd < 0) {
		err = errno;
		diag_log(d, DIAG_ERROR, "%s: cannot read suppressions: %s", path, strerror(err));
		return -err;
	}
	while ((got = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += got;
	close(fd);
	if (got < 0 || len == (ssize_t)sizeof(buf) - 1) {
		diag_log(d, DIAG_ERROR, "%s: cannot read suppressions: %s", path,
			 got < 0 ? strerror(errno) : "larger than 64 KiB");
		return -EIO;
	}
	buf[len] = '\0';
	return suppress_parse(s, buf, path, d);
}

bool suppress_glob(const char *p, const char *s)
{
	const char *star = NULL, *resume = NULL;

	while (*s) {
		if (*p == '*') {
			star = p++;
			resume = s;
		} else if (*p == '?' || *p == *s) {
			p++;
			s++;
		} else if (star) {
			p = star + 1;
			s = ++resume;
		} else {
			return false;
		}
	}
	while (*p == '*')
		p++;
	return *p == '\0';
}

bool suppress_match(struct suppress_set *s, int kind, const char *const *names, size_t n)
{
	for (size_t i = 0; s && i < s->n; i++) {
		struct suppress_entry *e = &s->v[i];

		if (e->kind >= 0 && e->kind != kind)
			continue;
		for (size_t k = 0; k < n; k++)
			if (names[k] && suppress_glob(e->pattern, names[k])) {
				__atomic_fetch_add(&e->hits, 1, __ATOMIC_RELAXED);
				return true;
			}
	}
	return false;
}
