/* Fleet: shard and cache options, the cache's stamp, and saved results among the PATHs. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "cli.h"
#include "fleet.h"
#include "text.h"

static int parse_shard(const char *arg, unsigned *k, unsigned *n)
{
	char *end;
	unsigned long a = strtoul(arg, &end, 10), b;

	if (end == arg || *end != '/' || !end[1] || arg[0] == '-' || end[1] == '-')
		return -1;
	b = strtoul(end + 1, &end, 10);
	if (*end || a < 1 || b < 1 || a > b || b > 1000000)
		return -1;
	*k = (unsigned)a;
	*n = (unsigned)b;
	return 0;
}

int fleet_option(struct fleet_opts *f, int opt, const char *arg)
{
	switch (opt) {
	case FLEET_OPT_SHARD:
		if (parse_shard(arg, &f->shard_k, &f->shard_n)) {
			cli_error("--shard: '%s' is not K/N with 1 <= K <= N", arg);
			return -1;
		}
		return 1;
	case FLEET_OPT_CACHE:
		if (arg && !*arg) {
			cli_error("--cache=: the directory is empty");
			return -1;
		}
		f->cache = true;
		f->cache_dir = arg;
		return 1;
	default:
		return 0;
	}
}

struct saved_log {
	struct strlist unusable;   /* "FILE:LINE: reason" per saved file that cannot be used */
	bool nomem;
};

/* A saved file that is unusable is an unusable input: reported, and kept as "FILE: reason". */
static void saved_error(void *ctx, enum diag_level level, const char *msg)
{
	struct saved_log *log = ctx;

	if (level != DIAG_ERROR)
		return;
	cli_error("error: %s", msg);
	if (strlist_add(&log->unusable, msg, false))
		log->nomem = true;
}

static bool is_saved(const struct fleet_opts *f, const char *path)
{
	struct stat st;

	return !f->no_saved && stat(path, &st) == 0 && S_ISREG(st.st_mode) && saved_report_sniff(path);
}

int fleet_inputs(const struct fleet_opts *f, char **paths, int npaths, struct input_list *units,
		 struct saved_results *saved)
{
	struct saved_log log = { { 0 }, false };
	struct diag d = { saved_error, &log };

	for (int i = 0; i < npaths; i++) {
		size_t before = saved->errors.n;

		if (!is_saved(f, paths[i])) {
			if (input_expand(units, paths[i]))
				log.nomem = true;
			continue;
		}
		if (saved_report_load(paths[i], &d, saved) == -ENOMEM)
			log.nomem = true;
		/* The errors a saved scan recorded are reported like those of a scan. */
		for (size_t k = before; k < saved->errors.n; k++)
			cli_error("error: %s (recorded in %s)", saved->errors.v[k], paths[i]);
	}
	for (size_t k = 0; k < log.unusable.n; k++)
		if (strlist_add(&saved->errors, log.unusable.v[k], false))
			log.nomem = true;
	strlist_free(&log.unusable);
	if (units->foreign)
		cli_error("note: %zu ELF file%s or archive member%s under the directories given %s not x86-64 "
			  "ELF64 (32-bit, or for another machine): left out", units->foreign,
			  units->foreign == 1 ? "" : "s", units->foreign == 1 ? "" : "s",
			  units->foreign == 1 ? "is" : "are");
	if (f->shard_n)
		input_list_shard(units, f->shard_k, f->shard_n);
	if (log.nomem)
		cli_error("out of memory");
	return log.nomem ? -1 : 0;
}

/* Everything the rules say: the built-in text and each --rules file. NULL when out of memory. */
static char *rules_text(const struct strlist *rule_files)
{
	size_t len = strlen(rules_builtin()), n;
	char *all = strdup(rules_builtin()), *text, *grown;

	for (size_t i = 0; all && i < rule_files->n; i++) {
		if (text_read_file(rule_files->v[i], &text, &n))
			continue;   /* loading the rules has reported it */
		grown = realloc(all, len + n + 2);
		if (grown) {
			memcpy(grown + len, "\n", 1);
			memcpy(grown + len + 1, text, n + 1);
			len += n + 1;
		}
		free(text);
		if (!grown) {
			free(all);
			return NULL;
		}
		all = grown;
	}
	return all;
}

int fleet_cache_init(const struct fleet_opts *f, const struct strlist *rule_files, unsigned libc,
		     struct fleet_cache *fc)
{
	char tool[64] = "", *text;
	struct stat st;
	int err;

	if (!f->cache)
		return 1;
	if ((err = cache_dir(f->cache_dir, fc->dir, sizeof(fc->dir))) != 0) {
		cli_error("--cache: %s", err == -ENOENT ? "neither XDG_CACHE_HOME nor HOME is set (use --cache=DIR)"
							: strerror(-err));
		return -1;
	}
	/* Any rebuild of confine may analyse differently: its build-id (or size and time) is in the stamp. */
	if (elf_image_read_build_id("/proc/self/exe", tool) || !tool[0])
		if (stat("/proc/self/exe", &st) == 0)
			snprintf(tool, sizeof(tool), "%llx.%lld.%ld", (unsigned long long)st.st_size,
				 (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
	if (!(text = rules_text(rule_files))) {
		cli_error("out of memory");
		return -1;
	}
	cache_stamp(tool, text, libc, fc->pool.stamp);
	free(text);
	fc->pool.dir = fc->dir;
	return 0;
}

void fleet_cache_report(const struct fleet_cache *fc, size_t units, int verbosity)
{
	if (verbosity >= DIAG_INFO)
		cli_error("cache %s: %zu of %zu module%s reused, %zu stored", fc->dir, atomic_load(&fc->pool.hits),
			  units, units == 1 ? "" : "s", atomic_load(&fc->pool.stored));
}

struct ranked {
	struct module_report *r;
	size_t index;
};

/* Path order as a directory walk gives it ('/' before every other byte), archive members in
 * the order they came (they share one path and one saved file). */
static int walk_order(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;
	const unsigned char *p = (const unsigned char *)x->r->path, *q = (const unsigned char *)y->r->path;

	for (; *p && *p == *q; p++, q++)
		;
	if (*p != *q)
		return (*p == '/' ? 1 : *p + 1) - (*q == '/' ? 1 : *q + 1);
	return (x->index > y->index) - (x->index < y->index);
}

static int sort_saved(struct saved_results *saved)
{
	struct ranked *v = calloc(saved->n + 1, sizeof(*v));

	if (!v)
		return -1;
	for (size_t i = 0; i < saved->n; i++)
		v[i] = (struct ranked){ saved->mods[i], i };
	if (saved->n > 1)
		qsort(v, saved->n, sizeof(*v), walk_order);
	for (size_t i = 0; i < saved->n; i++)
		saved->mods[i] = v[i].r;
	free(v);
	return 0;
}

int fleet_take_saved(struct saved_results *saved, struct module_report **ok, size_t *nok,
		     struct strlist *errors)
{
	if (sort_saved(saved)) {
		cli_error("out of memory");
		return -1;
	}
	for (size_t i = 0; i < saved->n; i++)
		ok[(*nok)++] = saved->mods[i];
	for (size_t i = 0; i < saved->errors.n; i++)
		if (strlist_add(errors, saved->errors.v[i], false)) {
			cli_error("out of memory");
			return -1;
		}
	return (int)saved->errors.n;
}
