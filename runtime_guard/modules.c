/* Modules: for each selected module, the functions to confine come from the policy file
 * (matched by build-id), else from the cache, else from analyzing the module in-process (then
 * cached); each is planned from its bytes in memory and patched. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include "analysis.h"
#include "cache.h"
#include "confinement.h"
#include "domains.h"
#include "image.h"
#include "modules.h"
#include "options.h"
#include "patcher.h"
#include "policy.h"
#include "policy_pack.h"
#include "text.h"
#include "report.h"
#include "symbolize.h"
#include "sync.h"
#include "threads.h"
#include "version.h"

#define MAX_MODULES 1024

struct loaded {
	char path[PATH_MAX];
	uintptr_t bias, text_lo, text_hi;
	uintptr_t end;   /* past its last segment */
	bool main, done;
	bool loaded;     /* still in the link map (see forget_unloaded) */
};

static struct loaded mods[MAX_MODULES];
static int nmods;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct policy file_policy;
static struct rules *rules;
static char rules_digest[17];
static struct patch_planner *planner;
static bool started;

static void say(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void say(int level, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (guard_flags.verbosity < level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	report_message(msg);
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

static bool known(const char *path, uintptr_t bias)
{
	for (int i = 0; i < nmods; i++)
		if (mods[i].bias == bias && !strcmp(mods[i].path, path))
			return true;
	return false;
}

static int note_module(struct dl_phdr_info *info, size_t size, void *ctx)
{
	int *index = ctx;
	struct loaded m = { .bias = info->dlpi_addr, .main = (*index)++ == 0 && nmods == 0 };

	(void)size;
	if (m.main) {
		ssize_t n = readlink("/proc/self/exe", m.path, sizeof(m.path) - 1);

		m.path[n > 0 ? n : 0] = '\0';
	} else {
		snprintf(m.path, sizeof(m.path), "%s", info->dlpi_name);
	}
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X) && !m.text_lo) {
			m.text_lo = info->dlpi_addr + ph->p_vaddr;
			m.text_hi = m.text_lo + ph->p_memsz;
		}
		if (ph->p_type == PT_LOAD && info->dlpi_addr + ph->p_vaddr + ph->p_memsz > m.end)
			m.end = info->dlpi_addr + ph->p_vaddr + ph->p_memsz;
	}
	if (nmods < MAX_MODULES && !known(m.path, m.bias))
		mods[nmods++] = m;
	return 0;
}

/* The cache file of the module with this key (its build-id, else the content key of
 * cache_key) and suffix (".policy", ".plans"). */
static bool cache_path(const char *key, const char *suffix, char *out, size_t len, bool create)
{
	const char *xdg = secure_getenv("XDG_CACHE_HOME"), *home = secure_getenv("HOME");

	if (!guard_flags.cache || !key[0] || (!(xdg && *xdg) && !(home && *home)))
		return false;
	if (xdg && *xdg)
		snprintf(out, len, "%s/confine", xdg);
	else
		snprintf(out, len, "%s/.cache/confine", home);
	if (create) {
		char parent[PATH_MAX];

		snprintf(parent, sizeof(parent), "%.*s", (int)(strrchr(out, '/') - out), out);
		mkdir(parent, 0700);
		mkdir(out, 0700);
	}
	snprintf(out + strlen(out), len - strlen(out), "/%s%s", key, suffix);
	return true;
}

/* Reads the regular file at path into a buffer kept from one read to the next (the policy, then
 * the plans, of one module after another): its pages are faulted in once. Callers hold the
 * modules lock; *out stays valid until the next read. A FIFO or device there is not waited on. */
static int cache_read(const char *path, char **out, size_t *len)
{
	static char *scratch;
	static size_t cap;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK), err = 0;
	struct stat st;
	size_t got = 0;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size > (1 << 30))
		err = -EINVAL;
	if (!err && (size_t)st.st_size + 1 > cap) {
		char *more = realloc(scratch, (size_t)st.st_size + 1);

		err = more ? 0 : -ENOMEM;
		scratch = more ? more : scratch;
		cap = more ? (size_t)st.st_size + 1 : cap;
	}
	while (!err && got < (size_t)st.st_size) {
		ssize_t r = read(fd, scratch + got, (size_t)st.st_size - got);

		if (r < 0 && errno == EINTR)
			continue;
		err = r < 0 ? -errno : r == 0 ? -EIO : 0;
		got += r > 0 ? (size_t)r : 0;
	}
	close(fd);
	if (err)
		return err;
	scratch[got] = '\0';
	*out = scratch;
	*len = got;
	return 0;
}

/* The policy cached for module m, packed (policy_pack.h): it counts only if this version of
 * confine made it with the same rules. A damaged entry is said in one line, then analysed again. */
static bool policy_cache_load(const struct loaded *m, const char *key, const char *build_id,
			      struct policy *store)
{
	char path[PATH_MAX], *data;
	const char *why;
	size_t len;
	int err;

	if (!cache_path(key, ".policy", path, sizeof(path), false) || cache_read(path, &data, &len) != 0)
		return false;
	err = policy_unpack(data, len, rules_digest, store, &why);
	if (err == -EINVAL)
		say(0, "cache entry %s is damaged (%s): analyzing %s again", path, why, m->path);
	if (!err && strcmp(store->mods[0].build_id, build_id)) {
		policy_clear(store);
		return false;
	}
	return !err;
}

/* Past RLIMIT_FSIZE a write raises SIGXFSZ, which kills the host unless it ignores it. */
static bool within_file_limit(size_t len)
{
	struct rlimit rl;

	return getrlimit(RLIMIT_FSIZE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY || len <= rl.rlim_cur;
}

/* Writes n bytes to the cache file of key and suffix, replacing it at once through a temporary
 * file. A full or read-only disk, a quota or a file size limit only costs the entry: the
 * temporary file is removed, the program goes on. */
static void cache_write(const char *key, const char *suffix, const void *data, size_t n, bool sync)
{
	char path[PATH_MAX], tmp[PATH_MAX + 32];
	bool ok;
	FILE *f;

	if (!cache_path(key, suffix, path, sizeof(path), true))
		return;
	snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, (int)getpid());
	f = within_file_limit(n) ? fopen(tmp, "we") : NULL;
	if (!f)
		return;
	ok = fwrite(data, 1, n, f) == n;
	/* A code image is run as it is: its bytes must be on disk before its name. */
	if (sync)
		ok = fflush(f) == 0 && fdatasync(fileno(f)) == 0 && ok;
	/* fclose releases the stream even when its final write fails. */
	ok = fclose(f) == 0 && ok;
	if (!ok || rename(tmp, path) != 0)
		unlink(tmp);
}

static void policy_cache_save(const char *key, const struct policy *store)
{
	uint8_t *data;
	size_t len;

	if (store->n && !policy_pack(&store->mods[0], rules_digest, &data, &len)) {
		cache_write(key, ".policy", data, len, false);
		free(data);
	}
}

/* The patch plans of a module's functions, kept beside its policy ("KEY.plans": a header line,
 * then per function of the policy, in its order, its packed plan and the code window it was
 * made from) so that a warm start runs no decoder. A plan counts only for the very bytes it was
 * made from: their hash is in it, checked against the code in memory, unless the module's code
 * image vouches for the code (image_verify) and was made with these very plans. */
#define PLAN_FN 20          /* a plan record's function: address, size, entry_branches */

struct plan_cache {
	char *in;               /* the file read (cache_read's buffer), NULL once unusable */
	size_t in_len, in_off;
	uint64_t digest;        /* image_pack_hash of the plans file as read or written; 0: none */
	bool trusted;           /* the code is what the plans were made from: not read */
	bool missed;            /* a plan was made afresh: the file is written again */
	bool unplanned;         /* one could not be made: nothing is written */
};

static void plans_header(char *out, size_t len, size_t nfns)
{
	snprintf(out, len, "confine plans 3 %s %zu\n", rules_digest, nfns);
}

static void plans_load(const char *key, size_t nfns, struct plan_cache *pc)
{
	char path[PATH_MAX], header[64];
	size_t hl;

	plans_header(header, sizeof(header), nfns);
	hl = strlen(header);
	if (!cache_path(key, ".plans", path, sizeof(path), false) || cache_read(path, &pc->in, &pc->in_len) != 0)
		return;
	if (pc->in_len < hl || memcmp(pc->in, header, hl)) {
		pc->in = NULL;
		return;
	}
	pc->in_off = hl;
	pc->digest = image_pack_hash(pc->in, pc->in_len);
}

/* Packs the plans of this start when one was made afresh (a warm start packs none): per
 * function, its address (relative to the bias), size and entry_branches, the window's length
 * and bytes, then the plan. */
static void plans_done(const char *key, const struct policy_module *pm, const struct patch_job *jobs,
		       struct plan_cache *pc)
{
	size_t rec = PLAN_FN + 1 + PATCH_WINDOW + PATCH_PACKED_MAX, len, n = pm->nfns;
	uint8_t *out = pc->missed && !pc->unplanned ? malloc(64 + (n + 1) * rec) : NULL;

	pc->in = NULL;
	if (pc->missed)
		pc->digest = 0;
	if (!out)
		return;
	plans_header((char *)out, 64, n);
	len = strlen((char *)out);
	for (size_t i = 0; i < n; i++) {
		memcpy(out + len, &pm->fns[i].addr, 8);
		memcpy(out + len + 8, &pm->fns[i].size, 8);
		memcpy(out + len + 16, &pm->fns[i].entry_branches, 4);
		len += PLAN_FN;
		out[len++] = jobs[i].avail;
		memcpy(out + len, jobs[i].plan.code, jobs[i].avail);
		len += jobs[i].avail;
		len += patch_plan_pack(&jobs[i].plan, jobs[i].hash, out + len);
	}
	cache_write(key, ".plans", out, len, false);
	pc->digest = image_pack_hash(out, len);
	free(out);
}

/* The cached plan of the next function f into j, when it was made for f (its address, size and
 * entry_branches) from code[0..avail): the bytes' hash is checked against the code, unless the
 * plans are trusted (then the code is not even read). */
static bool plan_from_cache(struct plan_cache *pc, const uint8_t *code, size_t avail, const struct policy_fn *f,
			    struct patch_job *j)
{
	const uint8_t *in = (const uint8_t *)pc->in + pc->in_off, *window = in + PLAN_FN + 1;
	size_t left = pc->in_len - pc->in_off, stored;
	uint64_t h, at, size;
	uint32_t branches;
	bool trusted;
	int n;

	if (!pc->in || pc->in_off >= pc->in_len || left < PLAN_FN + 1 || (stored = in[PLAN_FN]) > PATCH_WINDOW ||
	    PLAN_FN + 1 + stored > left)
		goto bad;
	memcpy(&at, in, 8);
	memcpy(&size, in + 8, 8);
	memcpy(&branches, in + 16, 4);
	trusted = pc->trusted && stored == avail;
	if (!trusted)
		j->hash = patch_code_hash(code, avail, f->size, f->entry_branches);
	n = patch_plan_unpack(window + stored, left - PLAN_FN - 1 - stored, trusted ? window : code, avail, j->plan.addr,
			      &h, &j->plan);
	if (n < 0)
		goto bad;
	pc->in_off += PLAN_FN + 1 + stored + (size_t)n;
	if (trusted)
		j->hash = h;
	return at == f->addr && size == f->size && branches == f->entry_branches && h == j->hash;
bad:
	pc->in = NULL;
	return false;
}

static void analysis_diag(void *ctx, enum diag_level level, const char *msg)
{
	(void)ctx;
	if (level == DIAG_PROGRESS)
		return;
	if (level == DIAG_ERROR)
		say(0, "cannot analyze %s", msg);
	else
		say(level == DIAG_WARN ? 1 : 2, "%s", msg);
}

/* The rules, parsed on the first analysis: a warm start needs none. */
static bool rules_ready(void)
{
	static bool failed;

	if (rules || failed)
		return rules != NULL;
	rules = rules_new();
	if (!rules || rules_load_builtin(rules, NULL)) {
		rules_free(rules);
		rules = NULL;
		failed = true;
	}
	return rules != NULL;
}

static int analyze(const char *path, struct policy *store)
{
	struct input_unit u = { .path = (char *)path, .display = (char *)path };
	struct analysis_options o = { rules, LIBC_ANY, 1, { analysis_diag, NULL }, DISASM_ZYDIS };
	struct module_report *r = NULL;
	int err;

	if (!rules_ready()) {
		say(0, "cannot load the rules: %s is not analyzed, nor confined", path);
		return -ENOMEM;
	}
	o.rules = rules;
	err = analysis_run(&o, &u, &r);

	if (!err)
		err = policy_add_report(store, r, rules);
	module_report_free(r);
	return err;
}

/* The policy of module m: from the policy file, the cache, or a fresh analysis. key receives
 * the module's cache key: its build-id, else device, inode, size, mtime and a hash of its
 * headers (then an unchanged file is analysed once, not at every start). */
static const struct policy_module *policy_for(const struct loaded *m, struct policy *store,
					      char key[CACHE_KEY_MAX])
{
	const struct policy_module *pm;
	char bid[41];

	elf_image_read_build_id(m->path, bid);
	snprintf(key, CACHE_KEY_MAX, "%s", bid);
	if (!bid[0] && cache_key(m->path, 0, key))
		key[0] = '\0';
	if (file_policy.n) {
		if ((pm = policy_find(&file_policy, bid)) != NULL)
			return pm;
		say(0, "warning: policy %s has no module with the build-id of %s (%s): analyzing it instead",
		    guard_flags.policy, m->path, bid[0] ? bid : "none");
	}
	if (policy_cache_load(m, key, bid, store))
		return &store->mods[0];
	if (analyze(m->path, store))
		return NULL;
	policy_cache_save(key, store);
	return store->n ? &store->mods[0] : NULL;
}

/* A guard_fns entry for a patched function named name; -1 when the table is full. */
static int add_fn(const char *name, const char *module, int domain, uintptr_t entry)
{
	int i = guard_nfns_total;

	if (i >= MAX_FNS || domain < 0)
		return -1;
	guard_fns[i] = (struct guard_fn){ name, NULL, GUARD_STATE, { domain, -1, -1 }, module, NULL, entry };
	__atomic_store_n(&guard_nfns_total, i + 1, __ATOMIC_RELEASE);
	return i;
}

/* The planner, started on the first plan the cache does not have. */
static struct patch_planner *planner_ready(void)
{
	static bool failed;

	if (!planner && !failed)
		failed = !(planner = patch_planner_new());
	return planner;
}

static void plan_one(const struct loaded *m, const struct policy_fn *f, struct plan_cache *pc,
		     struct patch_job *j)
{
	uintptr_t addr = m->bias + f->addr;
	size_t avail = PATCH_WINDOW;

	j->hash = 0;
	j->avail = 0;
	if (addr < m->text_lo || addr >= m->text_hi) {
		struct patch_job passed = { .plan.addr = addr };

		plan_from_cache(pc, (const uint8_t *)"", 0, f, &passed);   /* its record, passed over */
		j->plan = (struct patch_plan){ .strategy = PATCH_SKIP, .addr = addr };
		j->why = "not in the module's code as loaded";
		return;
	}
	if (avail > m->text_hi - addr)
		avail = m->text_hi - addr;
	j->avail = (uint8_t)avail;
	j->plan.addr = addr;
	if (plan_from_cache(pc, (const uint8_t *)addr, avail, f, j)) {
		j->why = j->plan.reason;
		return;
	}
	j->hash = patch_code_hash((const uint8_t *)addr, avail, f->size, f->entry_branches);
	pc->missed = true;
	if (!planner_ready()) {
		pc->unplanned = true;
		j->plan = (struct patch_plan){ .strategy = PATCH_SKIP, .addr = addr };
		j->why = "the disassembler (capstone) cannot start";
		return;
	}
	patch_plan_with(planner, (const uint8_t *)addr, avail, addr, f->size, f->entry_branches, &j->plan);
	j->why = j->plan.reason;
}

static void log_plan(const char *module, const struct policy_module *pm, const struct patch_job *jobs)
{
	size_t counts[3] = { 0 };

	for (size_t i = 0; i < pm->nfns; i++) {
		counts[jobs[i].plan.strategy]++;
		if (jobs[i].plan.strategy != PATCH_JUMP)
			say(1, "%s: %s %s: %s", module, jobs[i].plan.strategy == PATCH_TRAP ? "trapping" : "skipped",
			    pm->fns[i].demangled, jobs[i].why ? jobs[i].why : "?");
	}
	say(1, "%s: %zu functions confined (%zu by jump, %zu by trap), %zu skipped", module,
	    counts[PATCH_JUMP] + counts[PATCH_TRAP], counts[PATCH_JUMP], counts[PATCH_TRAP], counts[PATCH_SKIP]);
}

/* The demangled names of pm's functions, in one block (kept as long as the process: reports name
 * the patched functions); names[i] points into it. */
static char *names_copy(const struct policy_module *pm, const char **names)
{
	size_t len = 0;
	char *block, *at;

	for (size_t i = 0; i < pm->nfns; i++)
		len += strlen(pm->fns[i].demangled) + 1;
	if (!(at = block = malloc(len + 1)))
		return NULL;
	for (size_t i = 0; i < pm->nfns; i++) {
		size_t n = strlen(pm->fns[i].demangled) + 1;

		names[i] = memcpy(at, pm->fns[i].demangled, n);
		at += n;
	}
	return block;
}

/* The domain of each function: the module's file name, or with domains=state, the groups of
 * policy_domains (functions of one group mostly follow each other: looked up once a run). */
static int domains_of(const struct policy_module *pm, const char *module, struct patch_job *jobs)
{
	struct strlist names = { 0 };
	int one = -1;

	if (strcmp(guard_flags.domains, "state"))
		one = domains_add(module);
	else if (policy_domains(pm, module, true, &names))
		return -ENOMEM;
	for (size_t i = 0; i < pm->nfns; i++)
		jobs[i].domain = one >= 0 ? one : i && !strcmp(names.v[i], names.v[i - 1]) ? jobs[i - 1].domain :
			domains_add(names.v[i]);
	strlist_free(&names);
	return 0;
}

/* A start with no other thread maps the module's patched code from the cache (image.h); a start
 * that could not, for want of an image made for these patches, writes one for the next. */
struct code_commit {
	const char *key, *module;
	struct image_module mod;
	struct image im;
	uint64_t plans;          /* the plans' digest (plan_cache) */
	bool use;
	struct patch_commit pc;
	char path[PATH_MAX];
};

static bool commit_code(void *ctx, const struct patch_write *w, size_t n, uintptr_t region)
{
	struct code_commit *c = ctx;
	struct image_site *s = calloc(n + 1, sizeof(*s));
	bool mapped, built;
	uint8_t *data;
	size_t len;

	if (!s)
		return false;
	for (size_t i = 0; i < n; i++) {
		s[i] = (struct image_site){ .at = w[i].site - c->mod.bias, .n = w[i].n, .span = w[i].span };
		memcpy(s[i].bytes, w[i].bytes, w[i].n);
	}
	image_pack_sort(s, n);
	/* Made with other plans (they were planned again): still good to map, but a new one, made
	 * now while the code is the file's, vouches for the plans at the next start. */
	built = c->im.fd >= 0 && c->plans && c->im.h.plans != c->plans && image_verify(&c->im, &c->mod) &&
		image_build(&c->mod, s, n, region, c->plans, &data, &len) == 0;
	mapped = image_map(&c->im, &c->mod, s, n, region);
	if (mapped)
		say(1, "%s: patched code mapped from the cache (%u pages)", c->module, c->im.h.npages);
	else
		say(2, "%s: patched code not mapped from the cache: %s", c->module, c->im.why);
	if (!built && !mapped && c->im.stale && c->plans)
		built = image_build(&c->mod, s, n, region, c->plans, &data, &len) == 0;
	if (built) {
		cache_write(c->key, IMAGE_SUFFIX, data, len, true);
		free(data);
	}
	free(s);
	return mapped;
}

/* Opens the module's code image, if any: it tells where to place the trampolines. */
static void code_open(struct code_commit *c, const struct loaded *m, const char *module, const char *key,
		      bool threaded)
{
	c->key = key;
	c->module = module;
	c->mod = (struct image_module){ m->path, module, m->bias, m->text_lo, m->text_hi, m->end };
	c->im = (struct image){ .fd = -1 };
	c->use = !threaded && guard_flags.code_cache && cache_path(key, IMAGE_SUFFIX, c->path, sizeof(c->path), false);
	c->pc = (struct patch_commit){ c->use ? image_open(&c->im, c->path, &c->mod) : 0, commit_code, c };
}

static void confine(const struct loaded *m, const struct policy_module *pm, const char *key, bool threaded)
{
	const char *module = strdup(base_name(m->path));
	struct patch_job *jobs = calloc(pm->nfns + 1, sizeof(*jobs));
	const char **names = calloc(pm->nfns + 1, sizeof(*names));
	struct plan_cache pc = { 0 };
	struct code_commit code;

	if (!module || !jobs || !names || !names_copy(pm, names) || domains_of(pm, module, jobs)) {
		say(0, "%s: out of memory: not confined", m->path);
		goto out;
	}
	plans_load(key, pm->nfns, &pc);
	code_open(&code, m, module, key, threaded);
	/* The image was made with these very plans, from this file, whose code is unchanged. */
	pc.trusted = pc.digest && pc.digest == code.im.h.plans && code.im.fd >= 0 && image_verify(&code.im, &code.mod);
	if (pc.trusted)
		say(2, "%s: the code image vouches for the cached plans: the code is not read", module);
	for (size_t i = 0; i < pm->nfns; i++) {
		plan_one(m, &pm->fns[i], &pc, &jobs[i]);
		jobs[i].fn = jobs[i].plan.strategy == PATCH_SKIP ? -1 : add_fn(names[i], module, jobs[i].domain,
										m->bias + pm->fns[i].addr);
		if (jobs[i].plan.strategy != PATCH_SKIP && jobs[i].fn < 0) {
			jobs[i].plan.strategy = PATCH_SKIP;
			jobs[i].why = "too many confined functions";
		}
	}
	plans_done(key, pm, jobs, &pc);
	code.plans = pc.digest;
	patcher_apply(jobs, pm->nfns, m->text_lo, m->text_hi, threaded, code.use ? &code.pc : NULL);
	image_close(&code.im);
	log_plan(module, pm, jobs);
out:
	free(names);
	free(jobs);
}

/* The functions of pm the guard confines (confinement.h), as a module of their own: shares
 * pm's strings, and its fns array too while all are chosen (then fns_cap is 0); free the fns
 * array only when fns_cap is not 0. */
static int choose(const struct policy_module *pm, struct policy_module *out)
{
	struct confinement c = { confinement_mode_parse(guard_flags.confine), guard_flags.functions,
				 guard_flags.units };
	const char *why, *detail;
	size_t left = 0;

	*out = *pm;
	out->nfns = out->fns_cap = 0;
	for (size_t i = 0; i < pm->nfns; i++) {
		if (!confinement_decide(&c, pm, i, &why, &detail)) {
			/* The first one left alone: a copy from here on, starting with the chosen so far. */
			if (!left++ && !(out->fns = malloc((pm->nfns + 1) * sizeof(*out->fns))))
				return -1;
			if (left == 1)
				memcpy(out->fns, pm->fns, i * sizeof(*out->fns));
			out->fns_cap = pm->nfns;
			continue;
		}
		if (out->fns_cap)
			out->fns[out->nfns] = pm->fns[i];
		out->nfns++;
	}
	if (left)
		say(1, "%s: %zu function%s left alone (confine=%s; see confine run --explain)", base_name(pm->path),
		    left, left == 1 ? "" : "s", guard_flags.confine);
	return 0;
}

static void process(struct loaded *m, bool threaded)
{
	struct policy store = { 0 };
	const struct policy_module *pm;
	char key[CACHE_KEY_MAX];
	struct policy_module chosen = { 0 };

	m->done = true;
	if (!strchr(m->path, '/') || !strcmp(m->path, shared_own_path()) ||
	    !policy_module_selected(m->path, guard_flags.modules))
		return;
	pm = policy_for(m, &store, key);
	if (pm && pm->nfns && choose(pm, &chosen) == 0 && chosen.nfns)
		confine(m, &chosen, key, threaded);
	if (chosen.fns_cap)
		free(chosen.fns);
	policy_clear(&store);
}

static void scan(bool threaded)
{
	int index = 0;

	dl_iterate_phdr(note_module, &index);
	for (int i = 0; i < nmods; i++)
		if (!mods[i].done)
			process(&mods[i], threaded);
}

static void load_policy_file(void)
{
	char *text = NULL;
	int err;

	if (!guard_flags.policy[0])
		return;
	err = text_read_file(guard_flags.policy, &text, NULL);
	if (err || policy_parse(text, guard_flags.policy, NULL, &file_policy, NULL)) {
		fprintf(stderr, "confine: CONFINE_OPTIONS: policy=%s: %s\n", guard_flags.policy,
			err ? strerror(-err) : "not a confine policy (write one with 'confine policy')");
		_exit(2);
	}
	free(text);
}

void modules_init(void)
{
	if (!guard_flags.patch)
		return;
	load_policy_file();
	/* A cache entry is stale once the rules (libc and sync) or the analysis (this version)
	 * change. */
	char *stamp = NULL;

	if (asprintf(&stamp, "%s.%s%s%s", CONFINE_VERSION, CONFINE_ANALYSIS_REVISION, rules_builtin(),
		     sync_rules_builtin()) > 0)
		policy_digest(stamp, rules_digest);
	free(stamp);
	patcher_init();
	started = true;
	pthread_mutex_lock(&lock);
	scan(threads_count() > 1);
	pthread_mutex_unlock(&lock);
}

void modules_rescan(void)
{
	if (!guard_flags.patch || !started)
		return;
	pthread_mutex_lock(&lock);
	guard_busy++;
	scan(threads_count() > 1);
	guard_busy--;
	pthread_mutex_unlock(&lock);
}

static int mark_loaded(struct dl_phdr_info *info, size_t size, void *ctx)
{
	(void)size;
	(void)ctx;
	for (int i = 1; i < nmods; i++)
		if (mods[i].bias == info->dlpi_addr && !strcmp(mods[i].path, info->dlpi_name))
			mods[i].loaded = true;
	return 0;
}

/* Forgets the libraries that are no longer loaded: loaded again, even at the same address,
 * they are new code to confine. */
static void forget_unloaded(void)
{
	int kept = 1;

	pthread_mutex_lock(&lock);
	for (int i = 1; i < nmods; i++)
		mods[i].loaded = false;
	dl_iterate_phdr(mark_loaded, NULL);
	for (int i = 1; i < nmods; i++)
		if (mods[i].loaded)
			mods[kept++] = mods[i];
	if (kept < nmods)
		symbolize_forget();
	nmods = nmods ? kept : 0;
	pthread_mutex_unlock(&lock);
}

/* A library loaded later is confined before dlopen returns to its caller. */
GUARD_EXPORT void *dlopen(const char *file, int mode)
{
	static void *(*real)(const char *, int);
	void *h;

	if (!real)
		real = (void *(*)(const char *, int))dlsym(RTLD_NEXT, "dlopen");
	h = real ? real(file, mode) : NULL;
	if (h && guard_ready)
		modules_rescan();
	return h;
}

/* An unloaded library is forgotten, so that loading it again patches it again. */
GUARD_EXPORT int dlclose(void *handle)
{
	static int (*real)(void *);
	int r;

	if (!real)
		real = (int (*)(void *))dlsym(RTLD_NEXT, "dlclose");
	r = real ? real(handle) : -1;
	/* Another library may now be loaded at its address: reports must not use its names. */
	if (r == 0)
		symbolize_forget();
	if (r == 0 && guard_ready && guard_flags.patch)
		forget_unloaded();
	return r;
}
