/* Text files: whole-file reads and the trimming every line-based format here uses. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "text.h"

/* Reads f to its end into a growing buffer; 0 or -errno. */
static int read_all(FILE *f, char **out, size_t *len)
{
	char *buf = NULL;
	size_t n = 0, got;

	do {
		char *nb = realloc(buf, n + 65536 + 1);

		if (!nb) {
			free(buf);
			return -ENOMEM;
		}
		buf = nb;
		got = fread(buf + n, 1, 65536, f);
		n += got;
	} while (got > 0);
	if (ferror(f)) {
		free(buf);
		return -EIO;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

int text_read_file(const char *path, char **out, size_t *len)
{
	FILE *f = fopen(path, "re");
	struct stat st;
	size_t n = 0;
	int err;

	if (!f)
		return -errno;
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode))
		err = -EISDIR;
	else
		err = read_all(f, out, &n);
	fclose(f);
	if (!err && len)
		*len = n;
	return err;
}

char *text_trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		*--end = '\0';
	return s;
}
