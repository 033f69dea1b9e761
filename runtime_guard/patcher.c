/* Patcher: trampolines (a flag-preserving owner check, the displaced instructions, a jump
 * back), entry patches written through /proc/self/mem (so no page is ever writable and
 * executable), and the int3 path. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <linux/membarrier.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>
#include "check.h"
#include "domains.h"
#include "maps.h"
#include "patcher.h"
#include "signals.h"
#include "threads.h"

#define TRAP_SLOTS (1 << 17)
#define JUMP_SIZE 256            /* room for one jump trampoline */
#define TRAP_SIZE 64             /* room for one out-of-line first instruction */
#define REACH (2048ULL << 20)    /* rel32 */
#define MARGIN (64ULL << 20)

struct trap {
	uintptr_t site;              /* the int3's address; 0 = empty slot */
	uintptr_t resume;            /* where execution goes on */
	uintptr_t call_ra;           /* the trapped instruction is a call: push this first */
	int fn;
	int pending;                 /* a jump being written: just go to the trampoline */
};

static struct trap traps[TRAP_SLOTS];
static int mem_fd = -1;
static int32_t serial_tp;
static int membarrier_state;
static int trap_state;   /* 0: SIGTRAP not taken yet, 1: taken, -1: unavailable */

static size_t trap_slot(uintptr_t site)
{
	return (size_t)((site * 0x9E3779B97F4A7C15ULL) >> 40) & (TRAP_SLOTS - 1);
}

/* Fields first, then the key, so that the SIGTRAP handler never sees a half-made entry. */
static int trap_add(uintptr_t site, uintptr_t resume, uintptr_t call_ra, int fn, int pending)
{
	for (size_t i = 0, h = trap_slot(site); i < TRAP_SLOTS; i++, h = (h + 1) & (TRAP_SLOTS - 1)) {
		uintptr_t cur = __atomic_load_n(&traps[h].site, __ATOMIC_ACQUIRE);

		if (cur == site)
			return 0;
		if (cur)
			continue;
		traps[h].resume = resume;
		traps[h].call_ra = call_ra;
		traps[h].fn = fn;
		traps[h].pending = pending;
		__atomic_store_n(&traps[h].site, site, __ATOMIC_RELEASE);
		return 0;
	}
	return -1;
}

static const struct trap *trap_find(uintptr_t site)
{
	for (size_t i = 0, h = trap_slot(site); i < TRAP_SLOTS; i++, h = (h + 1) & (TRAP_SLOTS - 1)) {
		uintptr_t cur = __atomic_load_n(&traps[h].site, __ATOMIC_ACQUIRE);

		if (cur == site)
			return &traps[h];
		if (!cur)
			return NULL;
	}
	return NULL;
}

/* The thread stopped at the int3 (RIP is one past it) with the function's entry state. */
static void on_trap(int sig, siginfo_t *info, void *ctx)
{
	ucontext_t *uc = ctx;
	greg_t *r = uc->uc_mcontext.gregs;
	const struct trap *t = trap_find((uintptr_t)r[REG_RIP] - 1);

	if (!t) {
		if (!signals_forward(sig, info, ctx)) {
			signals_default(SIGTRAP);
			raise(SIGTRAP);
		}
		return;
	}
	if (t->pending) {
		r[REG_RIP] = (greg_t)t->resume;
		return;
	}
	/* At the entry: the stack pointer is at the return address, the frame pointer the caller's. */
	guard_async++;
	r[REG_RIP] = (greg_t)check_slow((uint64_t)t->fn, *(uintptr_t *)r[REG_RSP], NULL, (uintptr_t)r[REG_RSP] + 8,
					 (uintptr_t)r[REG_RBP]);
	guard_async--;
	/* The trapped instruction was a call: perform it. */
	if (t->call_ra) {
		r[REG_RSP] -= 8;
		*(uintptr_t *)r[REG_RSP] = t->call_ra;
	}
}

int patcher_init(void)
{
	uintptr_t tp;

	__asm__("movq %%fs:0, %0" : "=r"(tp));
	serial_tp = (int32_t)((intptr_t)&guard_serial - (intptr_t)tp);
	mem_fd = open("/proc/self/mem", O_RDWR | O_CLOEXEC);
	return 0;
}

/* SIGTRAP is taken on first need only: a program with nothing trapped keeps its own handler,
 * and a debugger started under the guard sees no foreign one. Callers hold the modules lock. */
static bool trap_ensure(void)
{
	if (!trap_state)
		trap_state = signals_take_trap(on_trap) == 0 ? 1 : -1;
	return trap_state > 0;
}

static bool sync_cores(void)
{
	if (membarrier_state == 0)
		membarrier_state = syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE,
					   0, 0) == 0 ? 1 : -1;
	return membarrier_state > 0 &&
	       syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE, 0, 0) == 0;
}

static int code_write(uintptr_t addr, const void *buf, size_t n)
{
	return mem_fd >= 0 && pwrite(mem_fd, buf, n, (off_t)addr) == (ssize_t)n ? 0 : -1;
}

/* Without /proc/self/mem, a single-threaded process can make the page writable (and not
 * executable) for the moment of the write. */
static int code_write_alone(uintptr_t addr, const void *buf, size_t n)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE), lo = addr & ~(page - 1);
	uintptr_t hi = (addr + n + page - 1) & ~(page - 1);

	if (code_write(addr, buf, n) == 0)
		return 0;
	if (mprotect((void *)lo, hi - lo, PROT_READ | PROT_WRITE))
		return -1;
	memcpy((void *)addr, buf, n);
	return mprotect((void *)lo, hi - lo, PROT_READ | PROT_EXEC);
}

/* Linux's text_poke_bp order: int3 first, then the tail, then the first byte, with every core
 * resynchronised in between; a thread arriving meanwhile traps into the trampoline. */
static const char *write_live(uintptr_t site, const uint8_t *bytes, size_t n, uintptr_t tramp, int fn)
{
	uint8_t int3 = 0xcc;

	if (mem_fd < 0 || !trap_ensure() || !sync_cores())
		return "other threads run, and code cannot change under them here (no /proc/self/mem, SIGTRAP or membarrier)";
	if (n > 1 && trap_add(site, tramp, 0, fn, 1))
		return "too many hooks";
	if (code_write(site, &int3, 1) || !sync_cores())
		return "cannot write the code";
	if (n > 1 && (code_write(site + 1, bytes + 1, n - 1) || !sync_cores()))
		return "cannot write the code";
	if (n > 1 && (code_write(site, bytes, 1) || !sync_cores()))
		return "cannot write the code";
	return NULL;
}

struct gap_search {
	uintptr_t win_lo, win_hi, prev, size, near_lo, near_hi;
	uintptr_t best, best_dist;
};

static bool consider_gap(const struct mapping *m, void *ctx)
{
	struct gap_search *g = ctx;
	uintptr_t page = 4096, lo = g->prev > g->win_lo ? g->prev : g->win_lo;
	uintptr_t hi = m->lo < g->win_hi ? m->lo : g->win_hi;

	lo = (lo + page - 1) & ~(page - 1);
	if (hi > lo && hi - lo >= g->size) {
		/* The end of a gap below the module, or the start of one above it. */
		uintptr_t cand = lo < g->near_lo ? (hi - g->size) & ~(page - 1) : lo;
		uintptr_t dist = cand < g->near_lo ? g->near_lo - cand : cand - g->near_hi;

		if (cand >= lo && dist < g->best_dist) {
			g->best = cand;
			g->best_dist = dist;
		}
	}
	g->prev = m->hi;
	return false;
}

/* A read-write region within rel32 reach of [lo, hi), from the gaps in /proc/self/maps. */
static uint8_t *region_alloc(uintptr_t lo, uintptr_t hi, size_t size)
{
	static char buf[1 << 16];
	struct gap_search g = { 0 };
	void *p;

	g.size = size;
	g.near_lo = lo;
	g.near_hi = hi;
	g.win_lo = hi > REACH - MARGIN ? hi - (REACH - MARGIN) : 0x10000;
	g.win_hi = lo + (REACH - MARGIN);
	g.prev = 0x10000;
	g.best_dist = UINTPTR_MAX;
	maps_each(buf, sizeof(buf), consider_gap, &g);
	if (!g.best)
		return NULL;
	p = mmap((void *)g.best, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
		 -1, 0);
	return p == MAP_FAILED || (uintptr_t)p != g.best ? NULL : p;
}

struct emitter {
	uint8_t *buf;
	uintptr_t base;      /* run-time address of buf[0] */
	size_t o, cap;
};

static void put(struct emitter *e, const void *bytes, size_t n)
{
	if (e->o + n <= e->cap)
		memcpy(e->buf + e->o, bytes, n);
	e->o += n;
}

static void put32(struct emitter *e, int32_t v)
{
	put(e, &v, 4);
}

static void fix_rel32(struct emitter *e, size_t at, size_t target)
{
	int32_t rel = (int32_t)((int64_t)target - (int64_t)(at + 4));

	if (at + 4 <= e->cap)
		memcpy(e->buf + at, &rel, 4);
}

/* Saved rax and r11 go to the red zone, free at a function's entry; lahf/seto keep the flags. */
static const uint8_t save_state[] = {
	0x48, 0x89, 0x44, 0x24, 0xf8,   /* mov %rax, -8(%rsp) */
	0x4c, 0x89, 0x5c, 0x24, 0xf0,   /* mov %r11, -16(%rsp) */
	0x9f,                           /* lahf */
	0x0f, 0x90, 0xc0,               /* seto %al */
};
static const uint8_t restore_state[] = {
	0x04, 0x7f,                     /* add $0x7f, %al: sets OF back */
	0x9e,                           /* sahf */
	0x4c, 0x8b, 0x5c, 0x24, 0xf0,   /* mov -16(%rsp), %r11 */
	0x48, 0x8b, 0x44, 0x24, 0xf8,   /* mov -8(%rsp), %rax */
};

/* entry: check the serial against the domain's owner; resume: the displaced instructions and
 * a jump back; slow: push the index and go through check_slow_entry. Returns the entry, or 0
 * when the displaced instructions cannot be relocated here. */
static uintptr_t emit_jump_tramp(struct emitter *e, const struct patch_job *j, uintptr_t *resume)
{
	static const uint8_t load_serial[] = { 0x64, 0x4c, 0x8b, 0x1c, 0x25 };  /* mov %fs:X, %r11 */
	static const uint8_t load_owner[] = { 0x48, 0x8b, 0x05 };            /* mov X(%rip), %rax */
	static const uint8_t compare[] = { 0x4c, 0x3b, 0x18, 0x0f, 0x85 };   /* cmp (%rax), %r11; jne */
	static const uint8_t push[] = { 0x68 }, jmp_mem[] = { 0xff, 0x25 };
	size_t start = e->o, owner_at, jne_at, slow_at, slow_jmp_at;
	uint64_t owner = (uint64_t)(uintptr_t)&guard_owner[j->domain];
	uint64_t slow = (uint64_t)(uintptr_t)check_slow_entry;
	int n;

	put(e, save_state, sizeof(save_state));
	put(e, load_serial, sizeof(load_serial));
	put32(e, serial_tp);
	put(e, load_owner, sizeof(load_owner));
	owner_at = e->o;
	put32(e, 0);
	put(e, compare, sizeof(compare));
	jne_at = e->o;
	put32(e, 0);
	put(e, restore_state, sizeof(restore_state));
	*resume = e->base + e->o;
	n = patch_emit(&j->plan, e->base + e->o, e->buf + e->o, e->o < e->cap ? e->cap - e->o : 0);
	if (n < 0)
		return 0;
	e->o += (size_t)n;
	slow_at = e->o;
	put(e, restore_state, sizeof(restore_state));
	put(e, push, sizeof(push));
	put32(e, j->fn);
	put(e, jmp_mem, sizeof(jmp_mem));
	slow_jmp_at = e->o;
	put32(e, 0);
	e->o = (e->o + 7) & ~(size_t)7;
	fix_rel32(e, owner_at, e->o);
	put(e, &owner, 8);
	fix_rel32(e, slow_jmp_at, e->o);
	put(e, &slow, 8);
	fix_rel32(e, jne_at, slow_at);
	return e->o <= e->cap ? e->base + start : 0;
}

static size_t region_size(const struct patch_job *jobs, size_t n)
{
	size_t size = 0, page = 4096;

	for (size_t i = 0; i < n; i++)
		size += jobs[i].plan.strategy == PATCH_JUMP ? JUMP_SIZE :
			jobs[i].plan.strategy == PATCH_TRAP ? TRAP_SIZE : 0;
	return (size + page - 1) & ~(page - 1);
}

/* Lays out every trampoline; jobs whose code cannot be relocated become skips. */
static void emit_all(struct patch_job *jobs, size_t n, uint8_t *region, uintptr_t *entry)
{
	struct emitter e = { region, (uintptr_t)region, 0, 0 };

	for (size_t i = 0; i < n; i++) {
		struct patch_job *j = &jobs[i];
		uintptr_t resume = 0;
		int len;

		entry[i] = 0;
		if (j->plan.strategy == PATCH_SKIP)
			continue;
		e.o = (e.o + 15) & ~(size_t)15;
		e.cap = e.o + (j->plan.strategy == PATCH_JUMP ? JUMP_SIZE : TRAP_SIZE);
		if (j->plan.strategy == PATCH_JUMP) {
			entry[i] = emit_jump_tramp(&e, j, &resume);
		} else if (j->plan.insns[0].kind == INSN_CALL) {
			/* A trapped call needs no copy: the handler calls the target itself. */
			entry[i] = resume = j->plan.insns[0].target;
		} else if (j->plan.strategy == PATCH_TRAP) {
			resume = e.base + e.o;
			len = patch_emit(&j->plan, resume, e.buf + e.o, e.cap - e.o);
			entry[i] = len > 0 ? resume : 0;
			e.o += len > 0 ? (size_t)len : 0;
		}
		if (j->plan.strategy != PATCH_SKIP && !entry[i]) {
			j->plan.strategy = PATCH_SKIP;
			j->why = "its first instructions cannot be relocated to a trampoline within 2 GiB";
		}
		guard_fns[j->fn].resume = (void *)resume;
		/* Packed at their real size: fewer pages to touch at start-up. */
		if (e.o > e.cap)
			e.o = e.cap;
	}
}

/* With no other thread running, the module's code is made writable (and not executable) once
 * for all its patches: two system calls instead of one write per function. */
struct bulk {
	uintptr_t lo, hi;
	bool open;
};

static void bulk_open(struct bulk *b, uintptr_t lo, uintptr_t hi)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);

	b->lo = lo & ~(page - 1);
	b->hi = (hi + page - 1) & ~(page - 1);
	b->open = mprotect((void *)b->lo, b->hi - b->lo, PROT_READ | PROT_WRITE) == 0;
}

static void bulk_close(struct bulk *b)
{
	if (b->open)
		mprotect((void *)b->lo, b->hi - b->lo, PROT_READ | PROT_EXEC);
	b->open = false;
}

static int write_alone(const struct bulk *b, uintptr_t addr, const void *buf, size_t n)
{
	if (b->open && addr >= b->lo && addr + n <= b->hi) {
		memcpy((void *)addr, buf, n);
		return 0;
	}
	return code_write_alone(addr, buf, n);
}

/* The bytes for the job's entry, its trap registered first. Returns NULL, or why not. */
static const char *prepare(const struct patch_job *j, uintptr_t entry, struct patch_write *w)
{
	uintptr_t site = j->plan.addr + j->plan.entry;
	int32_t rel = (int32_t)((int64_t)entry - (int64_t)(site + 5));

	w->site = site;
	w->bytes[0] = 0xcc;
	w->n = 1;
	if (j->plan.strategy == PATCH_TRAP) {
		uintptr_t call_ra = j->plan.insns[0].kind == INSN_CALL ? site + j->plan.len : 0;

		if (!trap_ensure())
			return "SIGTRAP is not available for the int3 fallback";
		return trap_add(site, entry, call_ra, j->fn, 0) ? "too many hooks" : NULL;
	}
	w->bytes[0] = 0xe9;
	memcpy(w->bytes + 1, &rel, 4);
	w->n = 5;
	return NULL;
}

/* How many bytes from the site the plan depends on. */
static uint8_t span_of(const struct patch_job *j, const struct patch_write *w)
{
	return j->avail > j->plan.entry + w->n ? (uint8_t)(j->avail - j->plan.entry) : w->n;
}

static void skip_all(struct patch_job *jobs, size_t n, const char *why)
{
	for (size_t i = 0; i < n; i++)
		if (jobs[i].plan.strategy != PATCH_SKIP) {
			jobs[i].plan.strategy = PATCH_SKIP;
			jobs[i].why = why;
		}
}

/* The trampolines' region: where pc says, when that place is free and within reach, else near
 * the module. */
static uint8_t *region_place(uintptr_t lo, uintptr_t hi, size_t size, const struct patch_commit *pc)
{
	uintptr_t at = pc ? pc->region_at : 0;
	void *p;

	if (at && (at < lo ? hi - at : at + size - lo) < REACH - MARGIN) {
		p = mmap((void *)pc->region_at, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		if (p != MAP_FAILED && (uintptr_t)p == pc->region_at)
			return p;
		if (p != MAP_FAILED)
			munmap(p, size);
	}
	return region_alloc(lo, hi, size);
}

static void fail(struct patch_job *j, const char *why)
{
	j->plan.strategy = PATCH_SKIP;
	j->why = why;
}

/* Writes go in live one by one, or alone all at once (unless pc makes them). */
static void write_all(struct patch_job *jobs, const uintptr_t *entry, const struct patch_write *w, size_t nw,
		      uintptr_t lo, uintptr_t hi, bool threaded, const struct patch_commit *pc, uintptr_t region)
{
	struct bulk b = { 0 };

	if (threaded) {
		for (size_t i = 0; i < nw; i++) {
			const char *why = write_live(w[i].site, w[i].bytes, w[i].n, entry[w[i].job], jobs[w[i].job].fn);

			if (why)
				fail(&jobs[w[i].job], why);
		}
		return;
	}
	if (!nw || (pc && pc->commit(pc->ctx, w, nw, region)))
		return;
	bulk_open(&b, lo, hi);
	for (size_t i = 0; i < nw; i++)
		if (write_alone(&b, w[i].site, w[i].bytes, w[i].n))
			fail(&jobs[w[i].job], "cannot write the code");
	bulk_close(&b);
}

void patcher_apply(struct patch_job *jobs, size_t n, uintptr_t lo, uintptr_t hi, bool threaded,
		   const struct patch_commit *pc)
{
	size_t size = region_size(jobs, n), nw = 0;
	uintptr_t *entry = calloc(n + 1, sizeof(*entry));
	struct patch_write *w = calloc(n + 1, sizeof(*w));
	uint8_t *region = size ? region_place(lo, hi, size, threaded ? NULL : pc) : NULL;

	if (!entry || !w || (size && !region)) {
		skip_all(jobs, n, !entry || !w ? "out of memory" : "no memory for trampolines within 2 GiB of the module");
		goto out;
	}
	if (size) {
		emit_all(jobs, n, region, entry);
		if (mprotect(region, size, PROT_READ | PROT_EXEC)) {
			skip_all(jobs, n, "cannot make the trampolines executable");
			goto out;
		}
	}
	for (size_t i = 0; i < n; i++) {
		const char *why = jobs[i].plan.strategy == PATCH_SKIP ? NULL : prepare(&jobs[i], entry[i], &w[nw]);

		if (why) {
			fail(&jobs[i], why);
		} else if (jobs[i].plan.strategy != PATCH_SKIP) {
			w[nw].span = span_of(&jobs[i], &w[nw]);
			w[nw++].job = i;
		}
	}
	write_all(jobs, entry, w, nw, lo, hi, threaded, pc, (uintptr_t)region);
out:
	free(w);
	free(entry);
}
