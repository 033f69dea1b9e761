/* Threads: serials live in initial-exec TLS (one load on the fast path); a slot registry keyed
 * by serial keeps tid and name for reports, and a pthread key destructor notes exits. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "threads.h"

#define SLOTS 8192

struct slot {
	uint64_t serial;       /* which thread the slot describes now */
	pid_t tid;
	char name[16];
	int exited;
};

__thread uint64_t guard_serial GUARD_TLS = SERIAL_UNASSIGNED;
static struct slot slots[SLOTS];
static uint64_t next_serial = 1;
static pthread_key_t exit_key;
/* The serial came in a signal handler, where pthread_setspecific may allocate: the exit hook is
 * set at the thread's next guarded call outside one. */
static __thread int exit_hook_pending __attribute__((tls_model("initial-exec")));

static pid_t own_tid(void)
{
	return (pid_t)syscall(SYS_gettid);
}

void threads_own_name(char name[16])
{
	memset(name, 0, 16);
	if (prctl(PR_GET_NAME, name) != 0)
		name[0] = '\0';
	name[15] = '\0';
}

/* Runs as the thread ends: keep its last name, since /proc forgets it. */
static void on_thread_exit(void *arg)
{
	uint64_t serial = (uint64_t)(uintptr_t)arg;
	struct slot *s = &slots[serial % SLOTS];

	if (__atomic_load_n(&s->serial, __ATOMIC_ACQUIRE) != serial)
		return;
	threads_own_name(s->name);
	__atomic_store_n(&s->exited, 1, __ATOMIC_RELEASE);
}

static uint64_t assign(void)
{
	uint64_t serial = __atomic_fetch_add(&next_serial, 1, __ATOMIC_RELAXED);
	struct slot *s = &slots[serial % SLOTS];

	s->tid = own_tid();
	s->exited = 0;
	threads_own_name(s->name);
	__atomic_store_n(&s->serial, serial, __ATOMIC_RELEASE);
	/* A non-NULL value makes the key's destructor run when this thread exits. */
	if (guard_async)
		exit_hook_pending = 1;
	else
		pthread_setspecific(exit_key, (void *)(uintptr_t)serial);
	guard_serial = serial;
	return serial;
}

void threads_init(void)
{
	pthread_key_create(&exit_key, on_thread_exit);
	if (guard_serial == SERIAL_UNASSIGNED)
		assign();
}

uint64_t threads_self(void)
{
	uint64_t s = guard_serial;

	if (s == SERIAL_UNASSIGNED)
		return assign();
	if (exit_hook_pending && !guard_async) {
		exit_hook_pending = 0;
		pthread_setspecific(exit_key, (void *)(uintptr_t)(s & SERIAL_MASK));
	}
	return s & SERIAL_MASK;
}

static void append_dec(char *s, unsigned v)
{
	char d[12];
	int n = 0;
	size_t len = strlen(s);

	do
		d[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	while (n)
		s[len++] = d[--n];
	s[len] = '\0';
}

/* A live thread's name is read from /proc, since it may have been renamed since it was seen. */
static bool read_comm(pid_t tid, char name[16])
{
	char path[64] = "/proc/self/task/";
	int fd;
	ssize_t got;

	append_dec(path, (unsigned)tid);
	strcat(path, "/comm");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	do
		got = read(fd, name, 15);
	while (got < 0 && errno == EINTR);
	close(fd);
	if (got <= 0)
		return false;
	name[got] = '\0';
	name[strcspn(name, "\n")] = '\0';
	return true;
}

void threads_describe(uint64_t serial, struct thread_desc *out)
{
	struct slot *s = &slots[serial % SLOTS];

	memset(out, 0, sizeof(*out));
	out->serial = serial;
	if (__atomic_load_n(&s->serial, __ATOMIC_ACQUIRE) != serial)
		return;
	out->tid = s->tid;
	out->exited = __atomic_load_n(&s->exited, __ATOMIC_ACQUIRE);
	memcpy(out->name, s->name, sizeof(out->name));
	if (!out->exited)
		read_comm(out->tid, out->name);
}

int threads_count(void)
{
	char buf[1024];
	int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC), field = 1, n = 0;
	ssize_t got;
	char *p;

	if (fd < 0)
		return 0;
	do
		got = read(fd, buf, sizeof(buf) - 1);
	while (got < 0 && errno == EINTR);
	close(fd);
	if (got <= 0)
		return 0;
	buf[got] = '\0';
	/* The command name may hold spaces; fields are counted after its closing parenthesis. */
	p = strrchr(buf, ')');
	for (field = 2; p && *p && field < 20; p++)
		if (*p == ' ')
			field++;
	while (p && *p >= '0' && *p <= '9')
		n = n * 10 + (*p++ - '0');
	return n;
}

void threads_after_fork(void)
{
	uint64_t serial = guard_serial & SERIAL_MASK;
	struct slot *s = &slots[serial % SLOTS];

	if (guard_serial != SERIAL_UNASSIGNED && s->serial == serial)
		s->tid = own_tid();
}
