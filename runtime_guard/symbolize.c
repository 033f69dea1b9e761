/* Symbolization: a helper process does the libdw work, so that nothing which may allocate or
 * lock runs in the host; the fallback reads /proc/self/maps with plain system calls. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <stdio.h>
#include <unistd.h>
#include "maps.h"
#include "outbuf.h"
#include "image.h"
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
		snprintf(helper_path, sizeof(helper_path), "%.*s/../libexec/confine/confine-symbolizer",
			 (int)(slash - guard_path), guard_path);
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
	const char *name;
	uintptr_t bias;

	if (l->pc < m->lo || l->pc >= m->hi)
		return false;
	/* A code image (image.h) stands for its module, also once another start replaced its file. */
	if (m->path && image_pack_path_len(m->path) && image_owner(l->pc, &name, &bias)) {
		outbuf_str(&b, "(");
		outbuf_str(&b, name);
		outbuf_str(&b, "+");
		outbuf_hex(&b, l->pc - bias);
		outbuf_str(&b, ")");
		return true;
	}
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
	struct lookup l = { pc & ~SYMBOLIZE_EXACT, line };

	if (!maps_each(buf, sizeof(buf), describe, &l))
		strcpy(line, "(unknown module)");
}

/* The helper is started on the first report and kept for the next ones (a storm of reports
 * would otherwise start a process each). It is a grandchild, so that the host's wait() never
 * returns it and a host waiting for all its children never waits for it. */
static struct {
	pid_t owner;   /* the process that started it: a forked child starts its own */
	pid_t pid;
	int fd;        /* a socket: send() with MSG_NOSIGNAL, so a dead helper raises no SIGPIPE */
	bool reap;     /* the host is init or a subreaper: orphans come back to it, so no helper stays */
	int failures;  /* after a few, reports use /proc/self/maps only */
} sym_helper = { 0, 0, -1, false, 0 };

/* In the grandchild: stdin and stdout become the socket, every other descriptor of the host is
 * closed (a long-lived helper holding the host's pipes open would keep their readers waiting),
 * and the helper replaces it. */
static void spawn_helper(int fd, pid_t parent)
{
	char pid[24];
	struct outbuf b = { pid, sizeof(pid), 0 };
	char *argv[] = { helper_path, pid, NULL };
	char *envp[] = { NULL };   /* no LD_PRELOAD: the helper runs unguarded */

	outbuf_dec(&b, (uint64_t)parent);
	/* A socket that is itself 0 or 1 would keep its close-on-exec flag through dup2. */
	if (fd < 3 && (fd = fcntl(fd, F_DUPFD, 3)) < 0)
		_exit(127);
	/* Its stderr is not the host's: a helper outliving the host must hold none of its pipes. */
	int null = open("/dev/null", O_WRONLY);
	if (dup2(fd, 0) < 0 || dup2(fd, 1) < 0 || null < 0 || dup2(null, 2) < 0)
		_exit(127);
	if (close_range(3, ~0U, 0) != 0)
		for (int i = 3; i < 65536; i++)
			close(i);
	execve(helper_path, argv, envp);
	_exit(127);
}

static long elapsed_ms(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - start->tv_sec) * 1000 + (now.tv_nsec - start->tv_nsec) / 1000000;
}

/* Reads until lines newlines arrived, end of file or the deadline; returns the length read, 0
 * when the answer is incomplete. */
static size_t read_lines(int fd, char *buf, size_t cap, size_t lines)
{
	struct timespec start;
	size_t have = 0, seen = 0;

	clock_gettime(CLOCK_MONOTONIC, &start);
	while (seen < lines && have + 1 < cap) {
		struct pollfd p = { fd, POLLIN, 0 };
		long left = HELPER_TIMEOUT_MS - elapsed_ms(&start);
		ssize_t got;

		int ready = left > 0 ? poll(&p, 1, (int)left) : 0;

		if (ready < 0 && errno == EINTR)
			continue;
		if (ready <= 0)
			return 0;
		got = read(fd, buf + have, cap - 1 - have);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return 0;
		for (ssize_t k = 0; k < got; k++)
			seen += buf[have + (size_t)k] == '\n';
		have += (size_t)got;
	}
	buf[have] = '\0';
	return seen >= lines ? have : 0;
}

/* Closes the pipes (the helper then exits) and, when it hung, kills it. The pipes of a
 * parent's helper, inherited through fork, are only closed. */
static void helper_stop(bool kill_it)
{
	if (kill_it && sym_helper.pid > 0 && sym_helper.owner == getpid())
		kill(sym_helper.pid, SIGKILL);
	if (sym_helper.fd >= 0)
		close(sym_helper.fd);
	sym_helper.fd = -1;
	sym_helper.owner = sym_helper.pid = 0;
}

static bool reaper_set(void)
{
	int on = 0;

	return prctl(PR_GET_CHILD_SUBREAPER, &on) == 0 && on;
}

static pid_t parse_pid(const char *s)
{
	pid_t v = 0;

	while (*s >= '0' && *s <= '9' && v < 100000000)
		v = v * 10 + (*s++ - '0');
	return *s == '\n' ? v : 0;
}

/* _Fork runs no atfork handlers and execve drops every inherited lock: the helper cannot
 * deadlock on the host's state. The middle process exits at once and is reaped here. */
static bool helper_start(void)
{
	int sv[2];
	pid_t mid, parent = getpid();
	char hello[64];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return false;
	mid = _Fork();
	if (mid == 0) {
		if (_Fork() == 0)
			spawn_helper(sv[1], parent);
		_exit(0);
	}
	close(sv[1]);
	while (mid > 0 && waitpid(mid, NULL, 0) < 0 && errno == EINTR)
		;
	sym_helper.owner = parent;
	sym_helper.fd = sv[0];
	sym_helper.reap = parent == 1 || reaper_set();
	/* Its first line names it: "confine-symbolizer PID". */
	if (mid <= 0 || !read_lines(sym_helper.fd, hello, sizeof(hello), 1) ||
	    strncmp(hello, "confine-symbolizer ", 19) || (sym_helper.pid = parse_pid(hello + 19)) <= 0) {
		helper_stop(false);
		return false;
	}
	return true;
}

static bool send_addresses(int fd, const uintptr_t *pcs, size_t n)
{
	char buf[64 * 20 + 2];
	struct outbuf b = { buf, sizeof(buf), 0 };

	for (size_t i = 0; i < n && i < 64; i++) {
		if (pcs[i] & SYMBOLIZE_EXACT)
			outbuf_str(&b, "=");
		outbuf_hex(&b, pcs[i] & ~SYMBOLIZE_EXACT);
		outbuf_str(&b, "\n");
	}
	outbuf_str(&b, "\n");   /* end of the batch: the helper answers it */
	for (size_t off = 0; off < b.len;) {
		ssize_t w = send(fd, buf + off, b.len - off, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		off += (size_t)w;
	}
	return true;
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

/* A subreaper gets the helper back as its child: it is stopped and reaped after each report. */
static void reap_helper(void)
{
	pid_t pid = sym_helper.pid;

	helper_stop(true);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

/* Set by symbolize_forget: the helper knows modules that are gone. */
static int helper_stale;

void symbolize_forget(void)
{
	__atomic_store_n(&helper_stale, 1, __ATOMIC_RELEASE);
}

static bool from_helper(const uintptr_t *pcs, size_t n, char lines[][SYMBOL_LINE])
{
	static char answer[64 * SYMBOL_LINE + 64];
	bool ok;

	/* Closing its socket ends the helper (end of input); the next one reads the maps afresh. */
	if (__atomic_exchange_n(&helper_stale, 0, __ATOMIC_ACQ_REL) && sym_helper.owner == getpid())
		helper_stop(false);
	if (sym_helper.owner && sym_helper.owner != getpid())
		helper_stop(false);
	if (sym_helper.failures >= 3 || (!sym_helper.owner && !helper_start())) {
		sym_helper.failures += sym_helper.failures < 3;
		return false;
	}
	ok = send_addresses(sym_helper.fd, pcs, n) && read_lines(sym_helper.fd, answer, sizeof(answer), n) &&
	     split_answer(answer, n, lines);
	if (!ok)
		sym_helper.failures++;
	if (!ok || sym_helper.reap)
		sym_helper.reap ? reap_helper() : helper_stop(true);
	return ok;
}

void symbolize_after_fork(void)
{
	if (sym_helper.owner && sym_helper.owner != getpid())
		helper_stop(false);
	sym_helper.failures = 0;
}

void symbolize_frames(const uintptr_t *pcs, size_t n, char lines[][SYMBOL_LINE], bool helper)
{
	if (n > 64)
		n = 64;
	if (helper && helper_path[0] && from_helper(pcs, n, lines))
		return;
	for (size_t i = 0; i < n; i++)
		from_maps(pcs[i], lines[i]);
}
