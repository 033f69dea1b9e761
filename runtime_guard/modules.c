/* Modules: for each selected module, the functions to confine come from the policy file
 * (matched by build-id), else from the cache, else from analyzing the module in-process (then
 * cached); each is planned from its bytes in memory and patched. */
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <link.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "analysis.h"
#include "domains.h"
#include "modules.h"
#include "options.h"
#include "patcher.h"
#include "policy.h"
#include "text.h"
#include "report.h"
#include "symbolize.h"
#include "threads.h"
#include "version.h"

#define MAX_MODULES 1024

struct loaded {
	char path[PATH_MAX];
	uintptr_t bias, text_lo, text_hi;
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
	}
	if (nmods < MAX_MODULES && !known(m.path, m.bias))
		mods[nmods++] = m;
	return 0;
}

static bool cache_path(const char *build_id, char *out, size_t len, bool create)
{
	const char *xdg = secure_getenv("XDG_CACHE_HOME"), *home = secure_getenv("HOME");

	if (!guard_flags.cache || !build_id[0] || (!(xdg && *xdg) && !(home && *home)))
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
	snprintf(out + strlen(out), len - strlen(out), "/%s.policy", build_id);
	return true;
}

/* A cache entry counts only if this version of confine made it with the same rules. */
static bool cache_load(const char *build_id, struct policy *store)
{
	char path[PATH_MAX], *text, *digest = NULL;
	bool ok;

	if (!cache_path(build_id, path, sizeof(path), false) || text_read_file(path, &text, NULL) != 0)
		return false;
	ok = policy_parse(text, path, NULL, store, &digest) == 0 && digest && !strcmp(digest, rules_digest) &&
	     store->n == 1 && !strcmp(store->mods[0].build_id, build_id);
	free(text);
	free(digest);
	if (!ok)
		policy_clear(store);
	return ok;
}

static void cache_save(const char *build_id, const struct policy *store)
{
	char path[PATH_MAX], tmp[PATH_MAX + 32], *text;
	FILE *f;

	if (!cache_path(build_id, path, sizeof(path), true) || !(text = policy_render(store, rules_digest)))
		return;
	snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, (int)getpid());
	f = fopen(tmp, "we");
	if (f && fputs(text, f) >= 0 && fclose(f) == 0)
		rename(tmp, path);
	else if (f)
		fclose(f);
	unlink(tmp);
	free(text);
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

static int analyze(const char *path, struct policy *store)
{
	struct input_unit u = { .path = (char *)path, .display = (char *)path };
	struct analysis_options o = { rules, LIBC_ANY, 1, { analysis_diag, NULL }, DISASM_ZYDIS };
	struct module_report *r = NULL;
	int err = analysis_run(&o, &u, &r);

	if (!err)
		err = policy_add_report(store, r);
	module_report_free(r);
	return err;
}

/* The policy of module m: from the policy file, the cache, or a fresh analysis. */
static const struct policy_module *policy_for(const struct loaded *m, struct policy *store)
{
	const struct policy_module *pm;
	char bid[41];

	elf_image_read_build_id(m->path, bid);
	if (file_policy.n) {
		if ((pm = policy_find(&file_policy, bid)) != NULL)
			return pm;
		say(0, "warning: policy %s has no module with the build-id of %s (%s): analyzing it instead",
		    guard_flags.policy, m->path, bid[0] ? bid : "none");
	}
	if (cache_load(bid, store))
		return &store->mods[0];
	if (analyze(m->path, store))
		return NULL;
	cache_save(bid, store);
	return store->n ? &store->mods[0] : NULL;
}

/* A guard_fns entry for a patched function; -1 when the table is full. */
static int add_fn(const struct policy_fn *f, const char *module, int domain, uintptr_t entry)
{
	int i = guard_nfns_total;

	if (i >= MAX_FNS || domain < 0)
		return -1;
	guard_fns[i] = (struct guard_fn){ strdup(f->demangled), NULL, GUARD_STATE, { domain, -1, -1 },
					  module, NULL, entry };
	__atomic_store_n(&guard_nfns_total, i + 1, __ATOMIC_RELEASE);
	return i;
}

static void plan_one(const struct loaded *m, const struct policy_fn *f, struct patch_job *j)
{
	uintptr_t addr = m->bias + f->addr;
	size_t avail = PATCH_WINDOW;

	if (addr < m->text_lo || addr >= m->text_hi) {
		j->plan = (struct patch_plan){ .strategy = PATCH_SKIP, .addr = addr };
		j->why = "not in the module's code as loaded";
		return;
	}
	if (avail > m->text_hi - addr)
		avail = m->text_hi - addr;
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

static void confine(const struct loaded *m, const struct policy_module *pm, bool threaded)
{
	const char *module = strdup(base_name(m->path));
	struct strlist names = { 0 };
	struct patch_job *jobs = calloc(pm->nfns + 1, sizeof(*jobs));

	if (!module || !jobs || policy_domains(pm, module, !strcmp(guard_flags.domains, "state"), &names)) {
		say(0, "%s: out of memory: not confined", m->path);
		goto out;
	}
	for (size_t i = 0; i < pm->nfns; i++) {
		plan_one(m, &pm->fns[i], &jobs[i]);
		jobs[i].domain = domains_add(names.v[i]);
		jobs[i].fn = jobs[i].plan.strategy == PATCH_SKIP ? -1 : add_fn(&pm->fns[i], module, jobs[i].domain,
										m->bias + pm->fns[i].addr);
		if (jobs[i].plan.strategy != PATCH_SKIP && jobs[i].fn < 0) {
			jobs[i].plan.strategy = PATCH_SKIP;
			jobs[i].why = "too many confined functions";
		}
	}
	patcher_apply(jobs, pm->nfns, m->text_lo, m->text_hi, threaded);
	log_plan(module, pm, jobs);
out:
	strlist_free(&names);
	free(jobs);
}

static void process(struct loaded *m, bool threaded)
{
	struct policy store = { 0 };
	const struct policy_module *pm;

	m->done = true;
	if (!strchr(m->path, '/') || !strcmp(m->path, shared_own_path()) ||
	    !policy_module_selected(m->path, guard_flags.modules))
		return;
	pm = policy_for(m, &store);
	if (pm && pm->nfns)
		confine(m, pm, threaded);
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
	rules = rules_new();
	planner = patch_planner_new();
	if (!rules || rules_load_builtin(rules, NULL) || !planner) {
		say(0, "cannot load the rules or start the disassembler: modules are not confined");
		rules_free(rules);
		rules = NULL;
		return;
	}
	/* A cache entry is stale once the rules or the analysis (this version) change. */
	char *stamp = NULL;

	if (asprintf(&stamp, "%s.%s%s", CONFINE_VERSION, CONFINE_ANALYSIS_REVISION, rules_builtin()) > 0)
		policy_digest(stamp, rules_digest);
	free(stamp);
	patcher_init();
	pthread_mutex_lock(&lock);
	scan(threads_count() > 1);
	pthread_mutex_unlock(&lock);
}

void modules_rescan(void)
{
	if (!guard_flags.patch || !rules)
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
	if (r == 0 && guard_ready && guard_flags.patch)
		forget_unloaded();
	return r;
}
