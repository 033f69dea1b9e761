/* Explain: runs the dynamic loader's --list for the module list, then the same analysis,
 * policy and patch planning the guard uses, on the files instead of memory. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "analysis.h"
#include "cli.h"
#include "confinement.h"
#include "elf_image.h"
#include "explain.h"
#include "options.h"
#include "patch.h"
#include "policy.h"
#include "text.h"

#define LOADER "/lib64/ld-linux-x86-64.so.2"

/* Library paths the loader would map for program, in load order. */
static int list_modules(const char *program, struct strlist *out)
{
	char line[PATH_MAX + 64];
	int fds[2], status;
	FILE *f;
	pid_t pid;

	if (pipe(fds) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		execl(LOADER, LOADER, "--list", program, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	f = fdopen(fds[0], "r");
	while (f && fgets(line, sizeof(line), f)) {
		char *arrow = strstr(line, "=> "), *p = arrow ? arrow + 3 : line;

		char real[PATH_MAX];

		p += strspn(p, " \t");
		p[strcspn(p, " (\n")] = '\0';
		if (*p == '/' && strlist_add(out, realpath(p, real) ? real : p, false))
			break;
	}
	if (f)
		fclose(f);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* The bytes at a function's entry, from the file. */
static size_t entry_bytes(const struct elf_image *img, uint64_t addr, const uint8_t **out)
{
	const struct image_section *s = elf_image_section_at(img, addr);
	size_t size;
	const uint8_t *bytes = s ? elf_image_section_bytes(img, (size_t)(s - img->secs), &size) : NULL;

	if (!bytes || addr - s->addr >= size)
		return 0;
	*out = bytes + (addr - s->addr);
	return size - (addr - s->addr) < PATCH_WINDOW ? size - (addr - s->addr) : PATCH_WINDOW;
}

static void explain_functions(const char *path, const struct policy_module *pm, struct patch_planner *planner)
{
	struct input_unit u = { .path = (char *)path, .display = (char *)path };
	const char *slash = strrchr(path, '/');
	struct strlist names = { 0 };
	struct elf_image *img = NULL;
	size_t counts[3] = { 0 };

	if (elf_image_open(&u, NULL, &img) ||
	    policy_domains(pm, slash ? slash + 1 : path, !strcmp(guard_flags.domains, "state"), &names)) {
		printf("%s: cannot be read\n", path);
		goto out;
	}
	for (size_t i = 0; i < pm->nfns; i++) {
		const uint8_t *code = NULL;
		size_t avail = entry_bytes(img, pm->fns[i].addr, &code);
		struct patch_plan pl = { .strategy = PATCH_SKIP, .reason = "not in the module's code" };

		if (avail)
			patch_plan_with(planner, code, avail, pm->fns[i].addr, pm->fns[i].size, pm->fns[i].entry_branches, &pl);
		counts[pl.strategy]++;
		printf("  %-5s 0x%-8llx %-40s domain %s", patch_strategy_name(pl.strategy),
		       (unsigned long long)pm->fns[i].addr, pm->fns[i].demangled, names.v[i]);
		printf(pl.reason ? "  (%s)\n" : "\n", pl.reason);
	}
	printf("  %zu functions confined (%zu by jump, %zu by trap), %zu skipped\n",
	       counts[PATCH_JUMP] + counts[PATCH_TRAP], counts[PATCH_JUMP], counts[PATCH_TRAP], counts[PATCH_SKIP]);
out:
	strlist_free(&names);
	elf_image_free(img);
}

/* One line per unit (or the module, for functions without one) and reason: how many of its
 * flagged functions are confined, or left alone, and why. */
struct choice {
	long unit;
	bool confined;
	const char *why, *detail;
	size_t n;
};

static void tally(struct choice *list, size_t *n, const struct choice *c)
{
	for (size_t i = 0; i < *n; i++)
		if (list[i].unit == c->unit && list[i].confined == c->confined && list[i].why == c->why &&
		    list[i].detail == c->detail) {
			list[i].n++;
			return;
		}
	list[(*n)++] = *c;
}

static void print_choice(const struct policy_module *pm, const struct choice *c)
{
	if (c->unit >= 0)
		printf("  unit %s (%s): ", pm->units[c->unit].name, policy_language_name(pm->units[c->unit].lang));
	else
		printf("  %s: ", pm->nunits ? "functions without a unit" : "module (no DWARF units)");
	printf("%zu function%s %s (%s%s%s)\n", c->n, c->n == 1 ? "" : "s", c->confined ? "confined" : "left alone",
	       c->why, c->detail ? ": " : "", c->detail ? c->detail : "");
}

/* Decides for each function like the guard; chosen receives the confined ones (pm's strings). */
static int explain_choices(const struct policy_module *pm, struct policy_module *chosen)
{
	struct confinement c = { confinement_mode_parse(guard_flags.confine), guard_flags.functions,
				 guard_flags.units };
	struct choice *list = calloc(pm->nfns + 1, sizeof(*list));
	size_t n = 0;

	*chosen = *pm;
	chosen->nfns = 0;
	chosen->fns = calloc(pm->nfns + 1, sizeof(*chosen->fns));
	if (!list || !chosen->fns) {
		free(list);
		return -1;
	}
	for (size_t i = 0; i < pm->nfns; i++) {
		struct choice ch = { pm->fns[i].unit, false, NULL, NULL, 1 };

		ch.confined = confinement_decide(&c, pm, i, &ch.why, &ch.detail);
		if (ch.confined)
			chosen->fns[chosen->nfns++] = pm->fns[i];
		tally(list, &n, &ch);
	}
	for (size_t i = 0; i < n; i++)
		print_choice(pm, &list[i]);
	free(list);
	return 0;
}

static void print_diag(void *ctx, enum diag_level level, const char *msg)
{
	(void)ctx;
	if (level <= DIAG_WARN)
		cli_error("%s%s", level == DIAG_WARN ? "warning: " : "", msg);
}

/* The policy the guard would use: the policy file's entry for this build-id, else analysis. */
static int module_policy(const char *path, const struct policy *file, const struct rules *rules,
			 struct policy *store, const struct policy_module **pm)
{
	struct input_unit u = { .path = (char *)path, .display = (char *)path };
	struct analysis_options o = { rules, LIBC_ANY, 2, { print_diag, NULL }, DISASM_ZYDIS };
	struct module_report *r = NULL;
	char bid[41];
	int err;

	elf_image_read_build_id(path, bid);
	if ((*pm = policy_find(file, bid)) != NULL) {
		printf("%s (from the policy file)\n", path);
		return 0;
	}
	if (file->n)
		printf("%s (not in the policy file: analyzed)\n", path);
	else
		printf("%s\n", path);
	err = analysis_run(&o, &u, &r);
	if (!err)
		err = policy_add_report(store, r, rules);
	module_report_free(r);
	*pm = err ? NULL : &store->mods[0];
	return err;
}

static int load_policy(struct policy *p)
{
	struct diag d = { print_diag, NULL };
	char *text = NULL;
	int err;

	if (!guard_flags.policy[0])
		return 0;
	err = text_read_file(guard_flags.policy, &text, NULL);
	if (err) {
		cli_error("run: policy=%s: %s", guard_flags.policy, strerror(-err));
		return -1;
	}
	err = policy_parse(text, guard_flags.policy, &d, p, NULL);
	free(text);
	return err;
}

/* Whether execvp would run path: an executable file (a directory is passed over). */
static bool runnable(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* Where PROGRAM resolves to, as execvp would find it: an empty entry of PATH (a leading,
 * trailing or doubled ':') is the current directory. */
static int resolve(const char *program, char *out, size_t len)
{
	const char *p = getenv("PATH");

	if (strchr(program, '/'))
		return snprintf(out, len, "%s", program) < (int)len && runnable(out) ? 0 : -1;
	for (p = p ? p : "/bin:/usr/bin";; p++) {
		size_t n = strcspn(p, ":");

		if (snprintf(out, len, "%.*s/%s", n ? (int)n : 1, n ? p : ".", program) < (int)len &&
		    runnable(out))
			return 0;
		p += n;
		if (!*p)
			return -1;
	}
}

/* The interpreter a "#!" script names (its first word), or "" when path is no script. */
static void script_interpreter(const char *path, char *out, size_t len)
{
	char line[PATH_MAX + 3] = "";
	FILE *f = fopen(path, "re");

	out[0] = '\0';
	if (f && fgets(line, sizeof(line), f) && !strncmp(line, "#!", 2))
		snprintf(out, len, "%.*s", (int)strcspn(line + 2 + strspn(line + 2, " \t"), " \t\n"),
			 line + 2 + strspn(line + 2, " \t"));
	if (f)
		fclose(f);
}

bool explain_preloadable(const char *program)
{
	char path[PATH_MAX], interp[PATH_MAX];

	if (resolve(program, path, sizeof(path)))
		return true;   /* exec reports it */
	if (elf_image_is_static_program(path) == 1) {
		cli_error("run: %s: statically linked: the guard cannot be preloaded into it", path);
		return false;
	}
	script_interpreter(path, interp, sizeof(interp));
	if (interp[0] && elf_image_is_static_program(interp) == 1) {
		cli_error("run: %s: its interpreter %s is statically linked: the guard cannot be "
			  "preloaded into it", path, interp);
		return false;
	}
	return true;
}

static void explain_module(const char *path, bool main_program, const struct policy *file,
			   const struct rules *rules)
{
	struct policy store = { 0 };
	const struct policy_module *pm;
	struct policy_module chosen = { 0 };
	struct patch_planner *planner;

	if (!guard_flags.patch) {
		printf("%s: not patched (patch=0)\n", path);
		return;
	}
	if (!policy_module_selected(path, guard_flags.modules)) {
		printf("%s: not patched (%s)\n", path,
		       guard_flags.modules[0] ? "not matched by modules=" :
		       main_program ? "a system program; choose with modules=" : "a system library; choose with modules=");
		return;
	}
	planner = patch_planner_new();
	if (planner && module_policy(path, file, rules, &store, &pm) == 0 && pm && explain_choices(pm, &chosen) == 0)
		explain_functions(path, &chosen, planner);
	patch_planner_free(planner);
	free(chosen.fns);
	policy_clear(&store);
}

int explain_program(const char *program, const char *options)
{
	char err[256], path[PATH_MAX], real[PATH_MAX];
	struct strlist libs = { 0 };
	struct policy file = { 0 };
	struct rules *rules = rules_new();
	int status = EXIT_TROUBLE;

	if (options_parse(options, err, sizeof(err))) {
		cli_error("run: CONFINE_OPTIONS: %s", err);
	} else if (resolve(program, path, sizeof(path))) {
		cli_error("run: %s: not found or not executable", program);
		status = 127; /* what running it would give */
	} else if (!rules || rules_load_builtin(rules, NULL) || load_policy(&file)) {
		cli_error("run: cannot load the rules or the policy");
	} else if (list_modules(path, &libs)) {
		cli_error("run: %s: the dynamic loader cannot list its libraries", path);
	} else {
		printf("patch plan of %s (the program was not run)\n", path);
		/* The guard knows the program by /proc/self/exe: symbolic links resolved. */
		explain_module(realpath(path, real) ? real : path, true, &file, rules);
		for (size_t i = 0; i < libs.n; i++)
			explain_module(libs.v[i], false, &file, rules);
		printf("libc functions with hidden state are interposed by name, in every module\n");
		status = EXIT_CLEAN;
	}
	strlist_free(&libs);
	policy_clear(&file);
	rules_free(rules);
	return status;
}
