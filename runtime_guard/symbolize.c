/* Symbolization: a helper process does the libdw work, so that nothing which may allocate or
 * lock runs in the host; the fallback reads /proc/self/maps with plain system calls. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <stdio.h>
#include <unistd.h>
#include "maps.h"
#include "outbuf.h"
#include "symbolize.h"

#define HELPER_TIMEOUT_MS 5000

static char helper_path[512];
extern char **environ;

void symbolize_init(const char *guard_path)
{
	const char *env = secure_getenv("CONFINE_SYMBOLIZER");
	const char *slash;

	if (env && *env) {
		snprintf(helper_path, sizeof(helper_path), "%s", env);
	} else if (guard_path && (slash = strrchr(guard_path, '/'))) {
		snprintf(helper_path, sizeof(helper_path), "%.*s/../bin/confine", (int)(slash - guard_path),
			 guard_path);
	}
	if (helper_path[0] && access(helper_path, X_OK) != 0)
		helper_path[0] = '\0';
}

struct lookup {
	uintptr_t pc;
	char *line;
};

static bool describe(const struct mapping *m, void *ctx)
{
	struct lookup *l = ctx;
	struct outbuf b = { l->line, SYMBOL_LINE, 0 };
	const char *slash = m->path ? strrchr(m->path, '/') : NULL;

	if (l->pc < m->lo || l->pc >= m->hi)
		return false;
	outbuf_str(&b, "(");
	outbuf_str(&b, slash ? slash + 1 : m->path ? m->path : "?");
	outbuf_str(&b, "+");
	/* The mapping's file offset gives the module's base for the usual layouts. */
	outbuf_hex(&b, l->pc - (m->lo - m->offset));
	outbuf_str(&b, ")");
	return true;
}

/* Callers hold the report lock, so the static buffer is not shared. */
static void from_maps(uintptr_t pc, char line[SYMBOL_LINE])
{
	static char buf[1 << 16];
	struct lookup l = { pc, line };

	if (!maps_each(buf, sizeof(buf), describe, &l))
		strcpy(line, "(unknown module)");
}

static void spawn_child(int in, int out, pid_t parent)
{
	char pid[24];
	struct outbuf b = { pid, sizeof(pid), 0 };
	char *argv[] = { helper_path, "__symbolize", pid, NULL };
	char *envp[] = { NULL };   /* no LD_PRELOAD: the helper runs unguarded */

	outbuf_dec(&b, (uint64_t)parent);
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0)
		_exit(127);
	execve(helper_path, argv, envp);
	_exit(127);
}

static void send_addresses(int fd, const uintptr_t *pcs, size_t n)
{
	char buf[64 * 20];
	struct outbuf b = { buf, sizeof(buf), 0 };

	for (size_t i = 0; i < n && i < 64; i++) {
		outbuf_hex(&b, pcs[i]);
		outbuf_str(&b, "\n");
	}
	outbuf_write(&b, fd);
}

static long elapsed_ms(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - start->tv_sec) * 1000 + (now.tv_nsec - start->tv_nsec) / 1000000;
}

/* Reads the helper's answer until end of file or the deadline; returns the length read. */
static size_t read_answer(int fd, char *buf, size_t cap)
{
	struct timespec start;
	size_t have = 0;

	clock_gettime(CLOCK_MONOTONIC, &start);
	while (have + 1 < cap) {
		struct pollfd p = { fd, POLLIN, 0 };
		long left = HELPER_TIMEOUT_MS - elapsed_ms(&start);
		ssize_t got;

		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			return 0;
		got = read(fd, buf + have, cap - 1 - have);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		have += (size_t)got;
	}
	buf[have] = '\0';
	return have;
}

/* One answer line per address, in order; false if the helper gave fewer. */
static bool split_answer(char *text, size_t n, char lines[][SYMBOL_LINE])
{
	for (size_t i = 0; i < n; i++) {
		char *nl = strchr(text, '\n');
		size_t len;

		if (!nl)
			return false;
		len = (size_t)(nl - text) < SYMBOL_LINE - 1 ? (size_t)(nl - text) : SYMBOL_LINE - 1;
		memcpy(lines[i], text, len);
		lines[i][len] = '\0';
		text = nl + 1;
	}
	return true;
}

/* _Fork runs no atfork handlers and execve drops every inherited lock: the helper cannot
 * deadlock on the host's state, and the deadline bounds the wait for it. */
static bool from_helper(const uintptr_t *pcs, size_t n, char lines[][SYMBOL_LINE])
{
	static char answer[64 * SYMBOL_LINE];
	int in[2], out[2];
	pid_t pid, parent = getpid();
	bool ok;

	if (pipe2(in, O_CLOEXEC) < 0)
		return false;
	if (pipe2(out, O_CLOEXEC) < 0) {
		close(in[0]);
		close(in[1]);
		return false;
	}
	pid = _Fork();
	if (pid == 0)
		spawn_child(in[0], out[1], parent);
	close(in[0]);
	close(out[1]);
	if (pid > 0)
		send_addresses(in[1], pcs, n);
	close(in[1]);
	ok = pid > 0 && read_answer(out[0], answer, sizeof(answer)) > 0 && split_answer(answer, n, lines);
	close(out[0]);
	if (pid > 0) {
		if (!ok)
			kill(pid, SIGKILL);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	return ok;
}

void symbolize(const uintptr_t *pcs, size_t n, char lines[][SYMBOL_LINE], bool helper)
{
	if (n > 64)
		n = 64;
	if (helper && helper_path[0] && from_helper(pcs, n, lines))
		return;
	for (size_t i = 0; i < n; i++)
		from_maps(pcs[i], lines[i]);
}
