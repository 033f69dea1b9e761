/* Baseline: parses and renders the baseline file, regenerates its generated section and compares
 * a scan with it by counting occurrences per fingerprint. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "baseline.h"
#include "text.h"
#include "vec.h"

#define FIELDS 6

static const char header[] =
	"# Findings that 'confine check' accepts: only findings beyond these fail the check.\n"
	"# One finding per line, fields separated by one tab:\n"
	"#   fingerprint  kind  module  function ('-' at file scope)  name  reason\n"
	"# The fingerprint identifies a finding across rebuilds; the other fields are for people.\n"
	"# A fingerprint may appear on several lines: each line accepts one occurrence.\n"
	"# [accepted]: findings accepted by hand, each with its reason: move a line here from\n"
	"#   [generated] and write why. 'confine baseline' and 'confine check --update-baseline'\n"
	"#   keep this section exactly as it is, comments included.\n"
	"# [generated]: the findings when the file was written, sorted by module, kind, function\n"
	"#   and name. 'confine baseline' rewrites it; 'confine check --update-baseline' drops\n"
	"#   the fixed ones.\n";

static const char *const section_names[] = { "[accepted]", "[generated]" };

enum rule_severity baseline_severity(const struct finding *f)
{
	return f->kind == KIND_NON_REENTRANT_CALL ? f->severity : SEVERITY_ERROR;
}

static void entry_free(struct baseline_entry *e)
{
	free(e->module);
	free(e->function);
	free(e->name);
	free(e->reason);
}

void baseline_free(struct baseline *b)
{
	for (size_t i = 0; i < b->n; i++)
		entry_free(&b->v[i]);
	VEC_FREE(b);
	free(b->accepted_text);
	b->accepted_text = NULL;
}

/* --- parsing -------------------------------------------------------------------------------- */

struct parser {
	struct baseline *b;
	const char *origin;
	const struct diag *d;
	int lineno;
	int section;              /* -1 before the first section */
	bool format_seen, seen[2];
	const char *acc_start;    /* where the [accepted] section's text starts */
	const char *acc_end;
};

static int fail(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct parser *p, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diag_log(p->d, DIAG_ERROR, "%s:%d: %s", p->origin, p->lineno, msg);
	return -EINVAL;
}

static bool is_fingerprint(const char *s)
{
	size_t n = strspn(s, "0123456789abcdef");

	return n == 16 && s[16] == '\0';
}

/* Splits at the first five tabs; the reason is the rest of the line. Returns the field count. */
static int split(char *line, char *f[FIELDS])
{
	int n = 0;

	f[n++] = line;
	while (n < FIELDS && (line = strchr(line, '\t')) != NULL) {
		*line++ = '\0';
		f[n++] = line;
	}
	for (int i = 0; i < n; i++)
		f[i] = text_trim(f[i]);
	return n;
}

static int check_fields(struct parser *p, char *f[FIELDS], int *kind)
{
	static const char *const what[FIELDS] = { "fingerprint", "kind", "module", "function", "name",
						  "reason" };

	if (!is_fingerprint(f[0]))
		return fail(p, "'%s' is not a fingerprint (16 lowercase hex digits)", f[0]);
	*kind = kind_parse(f[1]);
	if (*kind < 0 || *kind >= KIND_FINDINGS_END)
		return fail(p, "unknown kind '%s' (one of mutable-global, mutable-static, "
			    "mutable-local-static, non-reentrant-call)", f[1]);
	for (int i = 2; i < FIELDS - 1; i++)
		if (!*f[i])
			return fail(p, "the %s field is empty ('-' stands for no function)", what[i]);
	if (p->section == BASELINE_ACCEPTED && !*f[5])
		return fail(p, "an accepted entry needs a reason (the sixth field)");
	return 0;
}

static int add_entry(struct parser *p, char *line)
{
	struct baseline_entry e = { .section = (enum baseline_section)p->section, .line = p->lineno };
	char *f[FIELDS];
	int n = split(line, f), kind = 0;

	if (n != FIELDS)
		return fail(p, "expected 6 tab-separated fields (fingerprint, kind, module, function, "
			    "name, reason), found %d", n);
	if (check_fields(p, f, &kind))
		return -EINVAL;
	memcpy(e.fingerprint, f[0], 17);
	e.kind = (enum kind)kind;
	e.module = strdup(f[2]);
	e.function = strcmp(f[3], "-") ? strdup(f[3]) : NULL;
	e.name = strdup(f[4]);
	e.reason = strdup(f[5]);
	if (!e.module || (strcmp(f[3], "-") && !e.function) || !e.name || !e.reason ||
	    VEC_PUSH(p->b, e)) {
		entry_free(&e);
		return -ENOMEM;
	}
	return 0;
}

static int start_section(struct parser *p, const char *line, const char *next)
{
	int s = -1;

	for (int i = 0; i < 2; i++)
		if (!strcmp(line, section_names[i]))
			s = i;
	if (s < 0)
		return fail(p, "unknown section '%s' (expected [accepted] or [generated])", line);
	if (p->seen[s])
		return fail(p, "section %s appears twice", line);
	p->seen[s] = true;
	p->section = s;
	if (s == BASELINE_ACCEPTED)
		p->acc_start = next;
	return 0;
}

static int format_line(struct parser *p, const char *line)
{
	int version;
	char end;

	if (sscanf(line, "confine baseline %d%c", &version, &end) != 1)
		return fail(p, "not a confine baseline: the first line must be 'confine baseline %d'",
			    BASELINE_FORMAT);
	if (version != BASELINE_FORMAT)
		return fail(p, "baseline format %d is not supported (this confine reads format %d)",
			    version, BASELINE_FORMAT);
	p->format_seen = true;
	return 0;
}

/* One line (a writable copy); start is where the line begins in the text, next where the one
 * after it begins. Trailing tabs stay: they delimit empty fields. */
static int parse_line(struct parser *p, char *raw, const char *start, const char *next)
{
	size_t len = strlen(raw);
	const char *first;

	while (len && (raw[len - 1] == '\r' || raw[len - 1] == ' '))
		raw[--len] = '\0';
	first = raw + strspn(raw, " \t");
	if (!*first || *first == '#')
		return 0;
	if (!p->format_seen)
		return format_line(p, text_trim(raw));
	if (*first == '[') {
		if (p->section == BASELINE_ACCEPTED)
			p->acc_end = start;
		return start_section(p, text_trim(raw), next);
	}
	if (p->section < 0)
		return fail(p, "an entry before any section ([accepted] or [generated])");
	return add_entry(p, raw);
}

static int parse_lines(struct parser *p, const char *text)
{
	int err = 0;

	while (*text && !err) {
		size_t len = strcspn(text, "\n");
		const char *next = text + len + (text[len] == '\n');
		char *copy = strndup(text, len);

		p->lineno++;
		err = copy ? parse_line(p, copy, text, next) : -ENOMEM;
		free(copy);
		text = next;
	}
	if (p->section == BASELINE_ACCEPTED)
		p->acc_end = text;
	if (!err && !p->format_seen) {
		p->lineno = p->lineno ? p->lineno : 1;
		err = fail(p, "not a confine baseline: the first line must be 'confine baseline %d'",
			   BASELINE_FORMAT);
	}
	return err;
}

/* The [accepted] section's text without its trailing blank lines, or NULL when empty. */
static int keep_accepted_text(struct parser *p)
{
	const char *s = p->acc_start, *e = p->acc_end;

	while (s && e > s && (e[-1] == '\n' || e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		e--;
	if (!s || e <= s)
		return 0;
	p->b->accepted_text = malloc((size_t)(e - s) + 2);
	if (!p->b->accepted_text)
		return -ENOMEM;
	memcpy(p->b->accepted_text, s, (size_t)(e - s));
	strcpy(p->b->accepted_text + (e - s), "\n");
	return 0;
}

int baseline_parse(struct baseline *b, const char *text, const char *origin, const struct diag *d)
{
	struct parser p = { .b = b, .origin = origin, .d = d, .section = -1 };
	int err = parse_lines(&p, text);

	if (!err)
		err = keep_accepted_text(&p);
	if (err)
		baseline_free(b);
	return err;
}

/* Reads the whole file; a NUL byte makes it unusable (returned: its offset + 1, reported at its
 * line by the caller). */
static int read_text(const char *path, const struct diag *d, char **out)
{
	size_t len;
	int err = text_read_file(path, out, &len);

	if (err) {
		diag_log(d, DIAG_ERROR, "%s: cannot read baseline: %s", path, strerror(-err));
		return err;
	}
	return strlen(*out) == len ? 0 : (int)(strlen(*out) + 1);
}

int baseline_load(struct baseline *b, const char *path, const struct diag *d)
{
	char *text = NULL;
	int r = read_text(path, d, &text), line = 1;

	if (r < 0)
		return r;
	if (r > 0) {
		for (int i = 0; i < r - 1; i++)
			line += text[i] == '\n';
		diag_log(d, DIAG_ERROR, "%s:%d: a NUL byte: not a text file", path, line);
		free(text);
		return -EINVAL;
	}
	r = baseline_parse(b, text, path, d);
	free(text);
	return r;
}

/* --- current findings, sorted by fingerprint ---------------------------------------------- */

/* A finding or an entry in fingerprint order; rank orders the members of one fingerprint. */
struct ref {
	const char *fp;
	size_t index;
	int rank;
};

static int cmp_ref(const void *a, const void *b)
{
	const struct ref *x = a, *y = b;
	int c = strcmp(x->fp, y->fp);

	if (c)
		return c;
	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return (x->index > y->index) - (x->index < y->index);
}

/* Every finding of the reports, in report order, and refs to them in fingerprint order. */
static int collect_hits(struct module_report *const *mods, size_t n, struct baseline_hit **hits,
			struct ref **refs, size_t *count)
{
	size_t total = 0, k = 0;

	for (size_t m = 0; m < n; m++)
		total += mods[m]->nfindings;
	*hits = calloc(total + 1, sizeof(**hits));
	*refs = calloc(total + 1, sizeof(**refs));
	if (!*hits || !*refs) {
		free(*hits);
		free(*refs);
		return -ENOMEM;
	}
	/* Protected state is no finding of the gate: one unprotected access added to a locked
	 * object makes it new. */
	for (size_t m = 0; m < n; m++)
		for (size_t i = 0; i < mods[m]->nfindings; i++) {
			if (!finding_unprotected(&mods[m]->findings[i]))
				continue;
			(*hits)[k] = (struct baseline_hit){ mods[m], &mods[m]->findings[i] };
			(*refs)[k] = (struct ref){ mods[m]->findings[i].fingerprint, k, 0 };
			k++;
		}
	if (k > 1)
		qsort(*refs, k, sizeof(**refs), cmp_ref);
	*count = k;
	return 0;
}

/* Entries of b (all but the suppressed ones, or one section when section >= 0) in fingerprint
 * order; generated ones before accepted ones of the same fingerprint. */
static struct ref *entry_refs(const struct baseline *b, int section, size_t *count)
{
	struct ref *r = calloc(b->n + 1, sizeof(*r));
	size_t k = 0;

	if (!r)
		return NULL;
	for (size_t i = 0; i < b->n; i++)
		if ((section < 0 && !b->v[i].suppressed) || (int)b->v[i].section == section)
			r[k++] = (struct ref){ b->v[i].fingerprint, i,
					       b->v[i].section == BASELINE_GENERATED ? 0 : 1 };
	if (k > 1)
		qsort(r, k, sizeof(*r), cmp_ref);
	*count = k;
	return r;
}

/* Length of the run of refs starting at i that share its fingerprint. */
static size_t run(const struct ref *r, size_t n, size_t i)
{
	size_t j = i;

	while (j < n && !strcmp(r[j].fp, r[i].fp))
		j++;
	return j - i;
}

/* --- regeneration ---------------------------------------------------------------------------- */

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static int entry_from_hit(const struct baseline_hit *h, struct baseline_entry *e)
{
	const struct finding *f = h->finding;

	memset(e, 0, sizeof(*e));
	memcpy(e->fingerprint, f->fingerprint, 17);
	e->kind = f->kind;
	e->section = BASELINE_GENERATED;
	e->module = strdup(h->module->module);
	e->function = dup_or_null(f->function);
	e->name = strdup(f->name);
	e->reason = strdup(BASELINE_REASON);
	if (e->module && (!f->function || e->function) && e->name && e->reason)
		return 0;
	entry_free(e);
	return -ENOMEM;
}

/* New generated entries: per fingerprint, the occurrences beyond the accepted ones. */
static int generate(const struct baseline *b, const struct baseline_hit *hits, const struct ref *hr,
		    size_t nh, struct baseline *gen)
{
	size_t na = 0, j = 0;
	struct ref *ar = entry_refs(b, BASELINE_ACCEPTED, &na);
	int err = ar ? 0 : -ENOMEM;

	for (size_t i = 0; i < nh && !err;) {
		size_t c = run(hr, nh, i), a = 0;

		while (j < na && strcmp(ar[j].fp, hr[i].fp) < 0)
			j++;
		if (j < na && !strcmp(ar[j].fp, hr[i].fp))
			a = run(ar, na, j);
		for (size_t k = a; k < c && !err; k++) {
			struct baseline_entry e;

			err = entry_from_hit(&hits[hr[i + k].index], &e);
			if (!err && VEC_PUSH(gen, e)) {
				entry_free(&e);
				err = -ENOMEM;
			}
		}
		i += c;
	}
	free(ar);
	return err;
}

/* Moves the accepted entries of b and every entry of gen into one new array. */
static int merge_generated(struct baseline *b, struct baseline *gen)
{
	struct baseline_entry *v = calloc(b->n + gen->n + 1, sizeof(*v));
	size_t w = 0;

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < b->n; i++) {
		if (b->v[i].section == BASELINE_GENERATED)
			entry_free(&b->v[i]);
		else
			v[w++] = b->v[i];
	}
	if (gen->n)
		memcpy(v + w, gen->v, gen->n * sizeof(*v));
	free(b->v);
	b->v = v;
	b->n = w + gen->n;
	b->cap = b->n + 1;
	VEC_FREE(gen);
	return 0;
}

int baseline_regenerate(struct baseline *b, struct module_report *const *mods, size_t n)
{
	struct baseline gen = { 0 };
	struct baseline_hit *hits;
	struct ref *hr;
	size_t nh;
	int err = collect_hits(mods, n, &hits, &hr, &nh);

	if (err)
		return err;
	err = generate(b, hits, hr, nh, &gen);
	if (!err)
		err = merge_generated(b, &gen);
	if (err)
		baseline_free(&gen);
	free(hits);
	free(hr);
	return err;
}

/* --- comparison ------------------------------------------------------------------------------ */

struct compare {
	const struct baseline *b;
	struct module_report *const *mods;
	size_t nmods;
	struct ref *hr, *er;
	size_t nh, ne;
	bool *is_new;     /* per finding, in report order */
	bool *is_fixed;   /* per entry of b */
	struct baseline_diff *out;
};

static bool scanned(const struct compare *c, const char *module)
{
	for (size_t m = 0; m < c->nmods; m++)
		if (!strcmp(c->mods[m]->module, module))
			return true;
	return false;
}

/* Entries of modules that were not scanned take no part: they are counted, never fixed. */
static void drop_unscanned(struct compare *c)
{
	size_t w = 0;

	for (size_t j = 0; j < c->ne; j++) {
		if (scanned(c, c->b->v[c->er[j].index].module))
			c->er[w++] = c->er[j];
		else
			c->out->unscanned++;
	}
	c->ne = w;
}

/* One fingerprint: nh current findings from hr[i], ne entries from er[j]. The occurrences beyond
 * the entries are new (the later ones in report order); entries beyond the occurrences are fixed
 * (generated ones first). */
static void settle(struct compare *c, size_t i, size_t nh, size_t j, size_t ne)
{
	size_t keep = nh < ne ? nh : ne;

	c->out->unchanged += keep;
	for (size_t k = keep; k < nh; k++)
		c->is_new[c->hr[i + k].index] = true;
	for (size_t k = 0; k < ne - keep; k++)
		c->is_fixed[c->er[j + k].index] = true;
}

static void match(struct compare *c)
{
	size_t i = 0, j = 0;

	while (i < c->nh || j < c->ne) {
		int cmp = i >= c->nh ? 1 : j >= c->ne ? -1 : strcmp(c->hr[i].fp, c->er[j].fp);
		size_t nh = cmp <= 0 ? run(c->hr, c->nh, i) : 0;
		size_t ne = cmp >= 0 ? run(c->er, c->ne, j) : 0;

		settle(c, i, nh, j, ne);
		i += nh;
		j += ne;
	}
}

static const char *or_empty(const char *s)
{
	return s ? s : "";
}

/* File order of entries: module, kind, function, name, fingerprint, reason. */
static int cmp_entry(const struct baseline_entry *x, const struct baseline_entry *y)
{
	int c = strcmp(x->module, y->module);

	if (!c && x->kind != y->kind)
		c = x->kind < y->kind ? -1 : 1;
	if (!c)
		c = strcmp(or_empty(x->function), or_empty(y->function));
	if (!c)
		c = strcmp(x->name, y->name);
	if (!c)
		c = strcmp(x->fingerprint, y->fingerprint);
	return c ? c : strcmp(x->reason, y->reason);
}

static int cmp_entry_ptr(const void *a, const void *b)
{
	return cmp_entry(*(const struct baseline_entry *const *)a, *(const struct baseline_entry *const *)b);
}

/* Fills added (report order), fixed (file order), the severity counts and the verdict. */
static int gather(struct compare *c, const struct baseline_hit *hits, enum rule_severity fail_at)
{
	struct baseline_diff *d = c->out;

	d->added = calloc(c->nh + 1, sizeof(*d->added));
	d->fixed = calloc(c->b->n + 1, sizeof(*d->fixed));
	if (!d->added || !d->fixed)
		return -ENOMEM;
	for (size_t i = 0; i < c->nh; i++) {
		enum rule_severity s;

		if (!c->is_new[i])
			continue;
		d->added[d->nadded++] = hits[i];
		s = baseline_severity(hits[i].finding);
		if (s == SEVERITY_ERROR)
			d->errors++;
		else
			d->warnings++;
		if (s >= fail_at)
			d->failed = true;
	}
	for (size_t e = 0; e < c->b->n; e++)
		if (c->is_fixed[e])
			d->fixed[d->nfixed++] = &c->b->v[e];
	if (d->nfixed > 1)
		qsort(d->fixed, d->nfixed, sizeof(*d->fixed), cmp_entry_ptr);
	return 0;
}

int baseline_compare(const struct baseline *b, struct module_report *const *mods, size_t n,
		     enum rule_severity fail_at, struct baseline_diff *out)
{
	struct compare c = { .b = b, .mods = mods, .nmods = n, .out = out };
	struct baseline_hit *hits = NULL;
	int err;

	memset(out, 0, sizeof(*out));
	err = collect_hits(mods, n, &hits, &c.hr, &c.nh);
	if (err)
		return err;
	c.er = entry_refs(b, -1, &c.ne);
	c.is_new = calloc(c.nh + 1, sizeof(bool));
	c.is_fixed = calloc(b->n + 1, sizeof(bool));
	if (!c.er || !c.is_new || !c.is_fixed) {
		err = -ENOMEM;
		goto out;
	}
	drop_unscanned(&c);
	match(&c);
	err = gather(&c, hits, fail_at);
out:
	if (err)
		baseline_diff_free(out);
	free(hits);
	free(c.hr);
	free(c.er);
	free(c.is_new);
	free(c.is_fixed);
	return err;
}

void baseline_diff_free(struct baseline_diff *d)
{
	free(d->added);
	free(d->fixed);
	memset(d, 0, sizeof(*d));
}

void baseline_drop_fixed(struct baseline *b, const struct baseline_diff *d)
{
	size_t w = 0;

	for (size_t i = 0; i < d->nfixed; i++) {
		struct baseline_entry *e = &b->v[d->fixed[i] - b->v];

		if (e->section == BASELINE_GENERATED) {
			entry_free(e);
			e->module = NULL;   /* marks it for removal */
		}
	}
	for (size_t i = 0; i < b->n; i++)
		if (b->v[i].module)
			b->v[w++] = b->v[i];
	b->n = w;
}

/* --- rendering --------------------------------------------------------------------------------- */

/* A field as written: tabs and line breaks would split it, so they become spaces. */
static void put_field(FILE *f, const char *s, char sep)
{
	for (; *s; s++)
		fputc(*s == '\t' || *s == '\n' || *s == '\r' ? ' ' : *s, f);
	fputc(sep, f);
}

static void put_entry(FILE *f, const struct baseline_entry *e)
{
	put_field(f, e->fingerprint, '\t');
	put_field(f, kind_name(e->kind), '\t');
	put_field(f, e->module, '\t');
	put_field(f, e->function ? e->function : "-", '\t');
	put_field(f, e->name, '\t');
	put_field(f, e->reason, '\n');
}

char *baseline_render(const struct baseline *b)
{
	const struct baseline_entry **gen = calloc(b->n + 1, sizeof(*gen));
	char *buf = NULL;
	size_t len = 0, n = 0;
	FILE *f = gen ? open_memstream(&buf, &len) : NULL;

	if (!f) {
		free(gen);
		return NULL;
	}
	for (size_t i = 0; i < b->n; i++)
		if (b->v[i].section == BASELINE_GENERATED)
			gen[n++] = &b->v[i];
	if (n > 1)
		qsort(gen, n, sizeof(*gen), cmp_entry_ptr);
	fprintf(f, "confine baseline %d\n%s\n[accepted]\n%s\n[generated]\n", BASELINE_FORMAT, header,
		b->accepted_text ? b->accepted_text : "");
	for (size_t i = 0; i < n; i++)
		put_entry(f, gen[i]);
	free(gen);
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	return buf;
}

int baseline_save(const struct baseline *b, const char *path, const struct diag *d)
{
	char *text = baseline_render(b);
	int err = text ? text_write_file(path, text) : -ENOMEM;

	if (err)
		diag_log(d, DIAG_ERROR, "%s: cannot write baseline: %s", path, strerror(-err));
	free(text);
	return err;
}
