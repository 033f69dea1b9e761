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

/* Joinable threads with a serial that have exited and are not joined yet, by pthread_t (open
 * addressing; a full table drops the record, and the joiner then does not take over). A handle is
 * unique until its thread is joined or detached, which removes the record; a record can outlive
 * its thread only in the moment between the real join returning and the join's removal. */
#define EXITED_SLOTS 4096
#define EXITED_GONE ((pthread_t)1)   /* a removed record: probing goes on past it */

struct exited {
	pthread_t thread;      /* 0: free */
	uint64_t serial;
};

__thread uint64_t guard_serial GUARD_TLS = SERIAL_UNASSIGNED;
static struct slot slots[SLOTS];
static uint64_t next_serial = 1;
static pthread_key_t exit_key;
static struct exited exited[EXITED_SLOTS];
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

static unsigned exited_home(pthread_t t)
{
	return (unsigned)(((uint64_t)t * 0x9e3779b97f4a7c15ULL) >> 32) % EXITED_SLOTS;
}

/* A detached thread is never joined, and its handle is reused at once: no record. */
static bool joinable(void)
{
	pthread_attr_t attr;
	int state = PTHREAD_CREATE_DETACHED;

	if (pthread_getattr_np(pthread_self(), &attr) != 0)
		return false;
	pthread_attr_getdetachstate(&attr, &state);
	pthread_attr_destroy(&attr);
	return state == PTHREAD_CREATE_JOINABLE;
}

static void record_exit(uint64_t serial)
{
	pthread_t self = pthread_self();
	unsigned home = exited_home(self);

	for (unsigned i = 0; i < EXITED_SLOTS; i++) {
		struct exited *e = &exited[(home + i) % EXITED_SLOTS];
		pthread_t k = __atomic_load_n(&e->thread, __ATOMIC_RELAXED);

		if ((k == 0 || k == EXITED_GONE) &&
		    __atomic_compare_exchange_n(&e->thread, &k, self, false, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) {
			__atomic_store_n(&e->serial, serial, __ATOMIC_RELEASE);
			return;
		}
	}
}

/* Runs as the thread ends, before a join of it returns: keep its last name, since /proc forgets
 * it, and leave its serial for the joiner. */
static void on_thread_exit(void *arg)
{
	uint64_t serial = (uint64_t)(uintptr_t)arg;
	struct slot *s = &slots[serial % SLOTS];

	/* Before the name's slot is checked: a thread whose slot another took is joined all the same. */
	if (joinable()) {
		record_exit(serial);
		/* A detach between the check and the record found no record to drop: drop it here. */
		if (!joinable())
			(void)threads_take_exit(pthread_self());
	}
	if (__atomic_load_n(&s->serial, __ATOMIC_ACQUIRE) != serial)
		return;
	threads_own_name(s->name);
	__atomic_store_n(&s->exited, 1, __ATOMIC_RELEASE);
}

/* After a join every store of t's exit happened before; around a detach, and in the exit hook,
 * a record not yet (or no longer) there is simply not found. The probe stops at a free slot,
 * which an insertion never leaves before its record. */
uint64_t threads_take_exit(pthread_t t)
{
	unsigned home = exited_home(t);

	for (unsigned i = 0; t != 0 && t != EXITED_GONE && i < EXITED_SLOTS; i++) {
		struct exited *e = &exited[(home + i) % EXITED_SLOTS];
		pthread_t k = __atomic_load_n(&e->thread, __ATOMIC_ACQUIRE);

		if (k == 0)
			return 0;
		if (pthread_equal(k, t) &&
		    __atomic_compare_exchange_n(&e->thread, &k, EXITED_GONE, false, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
			return __atomic_load_n(&e->serial, __ATOMIC_ACQUIRE);
	}
	return 0;
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
	/* The parent's threads are gone, and the child reuses their handles. */
	memset(exited, 0, sizeof(exited));
}
