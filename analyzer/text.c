/* Text files: whole-file reads and writes, and the trimming every line-based format here uses. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "text.h"

/* Reads f to its end into a buffer of size + 64 KiB to start with (size: what fstat says, so
 * that a regular file takes one allocation), grown while more comes; 0 or -errno. */
static int read_all(FILE *f, size_t size, char **out, size_t *len)
{
	char *buf = NULL;
	size_t n = 0, cap = 0, got;

	do {
		if (n + 65536 + 1 > cap) {
			char *nb = realloc(buf, cap = (cap ? n : size) + 65536 + 1);

			if (!nb) {
				free(buf);
				return -ENOMEM;
			}
			buf = nb;
		}
		got = fread(buf + n, 1, cap - n - 1, f);
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
	if (fstat(fileno(f), &st) != 0)
		st = (struct stat){ 0 };
	if (S_ISDIR(st.st_mode))
		err = -EISDIR;
	else
		err = read_all(f, S_ISREG(st.st_mode) && st.st_size < (1 << 30) ? (size_t)st.st_size : 0, out, &n);
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

static int write_fd(int fd, const char *text)
{
	size_t len = strlen(text);

	for (size_t done = 0; done < len;) {
		ssize_t w = write(fd, text + done, len - done);

		if (w < 0 && errno != EINTR)
			return -errno;
		if (w == 0)
			return -EIO;
		done += w > 0 ? (size_t)w : 0;
	}
	return 0;
}

static int write_direct(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666), err;

	if (fd < 0)
		return -errno;
	err = write_fd(fd, text);
	if (close(fd) && !err)
		err = -errno;
	return err;
}

int text_write_file(const char *path, const char *text)
{
	struct stat st;
	char *tmp = NULL;
	int fd, err;

	/* Only a regular file (or a new one) is replaced through a rename: renaming over a symlink
	 * such as /dev/stdout would replace the link itself, so anything else is written through. */
	if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return write_direct(path, text);
	if (asprintf(&tmp, "%s.tmp.%ld", path, (long)getpid()) < 0)
		return -ENOMEM;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	err = fd < 0 ? -errno : write_fd(fd, text);
	if (fd >= 0 && close(fd) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err && fd >= 0)
		unlink(tmp);
	free(tmp);
	return err;
}
