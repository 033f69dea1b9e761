/* Domains: the owner words the trampolines compare against, and each domain's name and
 * bound-at stack for reports. */
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include "domains.h"
#include "faults.h"
#include "stack.h"

/* bound_at is written by the thread that binds or claims and read by reports on any thread:
 * a sequence lock, odd while a writer copies. */
struct domain {
	char name[64];
	unsigned seq;
	void *bound_at[STACK_MAX];
	int nbound;
	bool entry_first;      /* bound_at[0] is a patched function's entry, not a return address */
};

/* Owner serials, read on every guarded call: kept dense and apart from the cold metadata. */
uint64_t guard_owner[MAX_DOMAINS] __attribute__((aligned(64)));
static struct domain domains[MAX_DOMAINS];
__thread struct quiet_slot guard_quiet[QUIET_SLOTS] GUARD_TLS;
uint64_t guard_quiet_gen;
static int ndomains;
static pthread_mutex_t add_lock = PTHREAD_MUTEX_INITIALIZER;

void domains_init(void)
{
	static const char *const libc_names[] = {
#define GUARD_DOMAIN(i, name) [i] = name,
#define GUARD_FN(i, sym, rule, kind, d1, d2, d3)
#define GUARD_COUNTS(nfn, ndom)
#include "guard_table.inc"
#undef GUARD_DOMAIN
#undef GUARD_FN
#undef GUARD_COUNTS
	};

	for (int i = 0; i < guard_nlibc_domains; i++)
		domains_add(libc_names[i]);
}

int domains_find(const char *name)
{
	int n = __atomic_load_n(&ndomains, __ATOMIC_ACQUIRE);

	for (int i = 0; name && i < n; i++)
		if (!strcmp(domains[i].name, name))
			return i;
	return -1;
}

int domains_add(const char *name)
{
	int d;

	pthread_mutex_lock(&add_lock);
	d = domains_find(name);
	if (d < 0 && ndomains < MAX_DOMAINS) {
		d = ndomains;
		strncpy(domains[d].name, name, sizeof(domains[d].name) - 1);
		__atomic_store_n(&ndomains, d + 1, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&add_lock);
	return d;
}

int domains_count(void)
{
	return __atomic_load_n(&ndomains, __ATOMIC_ACQUIRE);
}

const char *domains_name(int d)
{
	return d >= 0 && d < domains_count() ? domains[d].name : "?";
}

/* Writers take the sequence from even to odd, so two claims never interleave. Neither runs
 * inside a signal handler that interrupted the other on its thread (guard_busy is set). */
static void store_stack(int d, void *const *frames, int n, bool entry_first)
{
	struct domain *dm = &domains[d];
	unsigned s = __atomic_load_n(&dm->seq, __ATOMIC_RELAXED);

	while ((s & 1) || !__atomic_compare_exchange_n(&dm->seq, &s, s + 1, false, __ATOMIC_ACQUIRE,
							  __ATOMIC_RELAXED)) {
		sched_yield();
		s = __atomic_load_n(&dm->seq, __ATOMIC_RELAXED);
	}
	__atomic_thread_fence(__ATOMIC_RELEASE);
	for (int i = 0; i < n; i++)
		__atomic_store_n(&dm->bound_at[i], frames[i], __ATOMIC_RELAXED);
	fault_at(FAULT_BOUND_STORE);
	__atomic_store_n(&dm->nbound, n, __ATOMIC_RELAXED);
	__atomic_store_n(&dm->entry_first, entry_first, __ATOMIC_RELAXED);
	__atomic_store_n(&dm->seq, s + 2, __ATOMIC_RELEASE);
}

/* The same slot as trampoline.S computes: (key ^ key >> 6) mod QUIET_SLOTS. */
void domains_quiet(int index, uintptr_t pc, void *target)
{
	uint64_t key = (((uint64_t)index + 1) << 48) ^ pc ^ __atomic_load_n(&guard_quiet_gen, __ATOMIC_ACQUIRE);
	struct quiet_slot *s = &guard_quiet[(key ^ (key >> 6)) % QUIET_SLOTS];

	if (!key || !target)
		return;
	/* A signal handler on this thread may look at the slot between any two stores. */
	__atomic_store_n(&s->key, 0, __ATOMIC_RELAXED);
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	s->target = target;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	__atomic_store_n(&s->key, key, __ATOMIC_RELAXED);
}

static void quiet_retire(void)
{
	__atomic_add_fetch(&guard_quiet_gen, 1, __ATOMIC_RELEASE);
}

/* Only the winner of the race to bind records its stack (a report in the instant between the
 * two may show the previous one). */
bool domains_bind(int d, uint64_t serial, const struct unwind_start *at, uintptr_t entry)
{
	uint64_t expected = 0;
	void *frames[STACK_MAX];
	int n = entry != 0;

	if (__atomic_load_n(&guard_owner[d], __ATOMIC_ACQUIRE) != 0)
		return false;
	frames[0] = (void *)entry;
	n += stack_capture_at(at, frames + n, STACK_MAX - n);
	if (!__atomic_compare_exchange_n(&guard_owner[d], &expected, serial, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE))
		return false;
	store_stack(d, frames, n, entry != 0);
	quiet_retire();
	return true;
}

uint64_t domains_claim(int d, uint64_t serial)
{
	void *frames[STACK_MAX];
	int n = stack_capture(frames, STACK_MAX);

	store_stack(d, frames, n, false);
	serial = __atomic_exchange_n(&guard_owner[d], serial, __ATOMIC_ACQ_REL);
	quiet_retire();
	return serial;
}

/* The stack is captured before the exchange, as a binding's is: only the winner records it. */
bool domains_hand_over(int d, uint64_t from, uint64_t to)
{
	void *frames[STACK_MAX];
	int n;

	if (!from || __atomic_load_n(&guard_owner[d], __ATOMIC_ACQUIRE) != from)
		return false;
	n = stack_capture(frames, STACK_MAX);
	if (!__atomic_compare_exchange_n(&guard_owner[d], &from, to, false, __ATOMIC_ACQ_REL,
					 __ATOMIC_ACQUIRE))
		return false;
	store_stack(d, frames, n, false);
	quiet_retire();
	return true;
}

void domains_release(int d)
{
	__atomic_store_n(&guard_owner[d], 0, __ATOMIC_RELEASE);
	quiet_retire();
}

int domains_bound_at(int d, void **out, int max, bool *entry_first)
{
	struct domain *dm = &domains[d];

	for (int tries = 0; tries < 1000; tries++) {
		unsigned s = __atomic_load_n(&dm->seq, __ATOMIC_ACQUIRE);
		int n = __atomic_load_n(&dm->nbound, __ATOMIC_RELAXED);

		n = n < max ? n : max;
		for (int i = 0; i < n; i++)
			out[i] = __atomic_load_n(&dm->bound_at[i], __ATOMIC_RELAXED);
		*entry_first = __atomic_load_n(&dm->entry_first, __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (!(s & 1) && __atomic_load_n(&dm->seq, __ATOMIC_RELAXED) == s)
			return n;
		sched_yield();
	}
	return 0;
}

void domains_after_fork(uint64_t survivor)
{
	for (int d = 0; d < domains_count(); d++)
		if (guard_owner[d] != survivor)
			guard_owner[d] = 0;
	quiet_retire();
}
