/* Packed reports: little-endian base-128 numbers, strings as length + 1 (0: NULL) then bytes,
 * after a magic line naming the format; fields in the order of the structs in findings.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "report_pack.h"
#include "saved_report.h"

static const char magic[] = "confine report 3\n";

struct out {
	char *buf;
	size_t len, cap;
	bool nomem;
};

static void put(struct out *o, const void *p, size_t n)
{
	if (o->len + n > o->cap) {
		size_t cap = (o->cap ? o->cap * 2 : 4096) + n;
		char *b = o->nomem ? NULL : realloc(o->buf, cap);

		if (!b) {
			o->nomem = true;
			return;
		}
		o->buf = b;
		o->cap = cap;
	}
	if (n)   /* memcpy from NULL is undefined even for 0 bytes */
		memcpy(o->buf + o->len, p, n);
	o->len += n;
}

static void put_num(struct out *o, uint64_t v)
{
	uint8_t b[10];
	size_t n = 0;

	do {
		b[n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v);
	put(o, b, n);
}

static void put_str(struct out *o, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	put_num(o, s ? n + 1 : 0);
	put(o, s, n);
}

static void put_list(struct out *o, const struct strlist *l)
{
	put_num(o, l->n);
	for (size_t i = 0; i < l->n; i++)
		put_str(o, l->v[i]);
}

static void put_finding(struct out *o, const struct finding *f)
{
	put_num(o, f->kind);
	put_str(o, f->symbol);
	put_str(o, f->demangled);
	put_str(o, f->name);
	put_str(o, f->function);
	put_str(o, f->function_demangled);
	put_str(o, f->section);
	put_num(o, f->addr);
	put_num(o, f->size);
	put_str(o, f->file);
	put_num(o, (uint64_t)(int64_t)f->line);
	put_num(o, (uint64_t)(int64_t)f->column);
	put_list(o, &f->readers);
	put_list(o, &f->writers);
	put_num(o, f->guarded_init);
	put_list(o, &f->takers);
	put_num(o, f->protection);
	put_str(o, f->lock);
	put_num(o, f->naccesses);
	for (size_t i = 0; i < f->naccesses; i++) {
		put_str(o, f->accesses[i].function);
		put_num(o, f->accesses[i].use);
		put_num(o, f->accesses[i].protection);
		put_str(o, f->accesses[i].lock);
	}
	put_str(o, f->group);
	put_str(o, f->alternative);
	put_num(o, f->severity);
	put_num(o, f->category);
	put_num(o, f->nsites);
	for (size_t i = 0; i < f->nsites; i++) {
		put_num(o, f->sites[i].addr);
		put_str(o, f->sites[i].function);
		put_str(o, f->sites[i].file);
		put_num(o, (uint64_t)(int64_t)f->sites[i].line);
		put_num(o, (uint64_t)(int64_t)f->sites[i].column);
		put_str(o, f->sites[i].how);
	}
	put(o, f->fingerprint, sizeof(f->fingerprint));
}

static void put_function(struct out *o, const struct function_report *fr)
{
	put_str(o, fr->name);
	put_str(o, fr->demangled);
	put_num(o, fr->addr);
	put_num(o, fr->size);
	put_num(o, (uint64_t)fr->guard | (uint64_t)fr->direct << 1 | (uint64_t)fr->init_only << 2 |
			   (uint64_t)fr->exported << 3 | (uint64_t)fr->anchored << 4 |
			   (uint64_t)fr->unprotected << 5);
	put_num(o, (uint64_t)(fr->unit + 1));
	put_num(o, fr->entry_branches);
	put_list(o, &fr->uses);
	put_list(o, &fr->via);
}

static void put_awareness(struct out *o, const struct awareness *a)
{
	put_num(o, (uint64_t)a->aware | (uint64_t)a->reason << 1);
	put_str(o, a->evidence);
}

int report_pack(const struct module_report *r, char **out, size_t *len)
{
	struct out o = { 0 };

	put(&o, magic, sizeof(magic) - 1);
	put_num(&o, r->type);
	put_num(&o, (uint64_t)r->stripped | (uint64_t)r->debug_info << 1);
	put_str(&o, r->build_id);
	put_num(&o, r->nfindings);
	for (size_t i = 0; i < r->nfindings; i++)
		put_finding(&o, &r->findings[i]);
	put_num(&o, r->nfunctions);
	for (size_t i = 0; i < r->nfunctions; i++)
		put_function(&o, &r->functions[i]);
	put_num(&o, r->nignored);
	for (size_t i = 0; i < r->nignored; i++) {
		put_str(&o, r->ignored[i].symbol);
		put_str(&o, r->ignored[i].reason);
	}
	put_awareness(&o, &r->aware);
	put_num(&o, r->nunits);
	for (size_t i = 0; i < r->nunits; i++) {
		put_str(&o, r->units[i].name);
		put_num(&o, (uint64_t)(int64_t)r->units[i].lang);
		put_awareness(&o, &r->units[i].aware);
	}
	if (o.nomem) {
		free(o.buf);
		return -ENOMEM;
	}
	*out = o.buf;
	*len = o.len;
	return 0;
}

struct in {
	const uint8_t *p, *end;
	bool bad, nomem;
};

static uint64_t get_num(struct in *in)
{
	uint64_t v = 0;

	for (int shift = 0; shift < 64; shift += 7) {
		if (in->p >= in->end)
			break;
		v |= (uint64_t)(*in->p & 0x7f) << shift;
		if (!(*in->p++ & 0x80))
			return v;
	}
	in->bad = true;
	return 0;
}

/* A count of elements that each take at least one byte: never more than the bytes left. */
static size_t get_count(struct in *in)
{
	uint64_t n = get_num(in);

	if (n > (uint64_t)(in->end - in->p)) {
		in->bad = true;
		return 0;
	}
	return (size_t)n;
}

static char *get_str(struct in *in)
{
	uint64_t n = get_num(in);
	char *s;

	if (n == 0 || in->bad)
		return NULL;
	if (n - 1 > (uint64_t)(in->end - in->p)) {
		in->bad = true;
		return NULL;
	}
	if (!(s = malloc(n))) {
		in->nomem = true;
		return NULL;
	}
	memcpy(s, in->p, n - 1);
	s[n - 1] = '\0';
	in->p += n - 1;
	return s;
}

static void get_list(struct in *in, struct strlist *l)
{
	size_t n = get_count(in);

	if (!n || in->bad)
		return;
	if (!(l->v = calloc(n, sizeof(*l->v)))) {
		in->nomem = true;
		return;
	}
	l->cap = n;
	for (l->n = 0; l->n < n && !in->bad && !in->nomem; l->n++)
		if (!(l->v[l->n] = get_str(in)))
			in->bad = in->bad || !in->nomem;
}

/* The static name of a site's kind, as findings.c gives it. */
static const char *how_of(const char *s)
{
	static const char *const hows[] = { "call", "tail-call", "address-taken" };

	for (size_t i = 0; s && i < sizeof(hows) / sizeof(*hows); i++)
		if (!strcmp(s, hows[i]))
			return hows[i];
	return NULL;
}

static void get_sites(struct in *in, struct finding *f)
{
	size_t n = get_count(in);

	if (!n || in->bad)
		return;
	if (!(f->sites = calloc(n, sizeof(*f->sites)))) {
		in->nomem = true;
		return;
	}
	for (f->nsites = 0; f->nsites < n && !in->bad && !in->nomem; f->nsites++) {
		struct site *s = &f->sites[f->nsites];
		char *how;

		s->addr = get_num(in);
		s->function = get_str(in);
		s->file = get_str(in);
		s->line = (int)(int64_t)get_num(in);
		s->column = (int)(int64_t)get_num(in);
		how = get_str(in);
		if (!(s->how = how_of(how)))
			in->bad = true;
		free(how);
	}
}

static void get_accesses(struct in *in, struct finding *f)
{
	size_t n = get_count(in);

	if (!n || in->bad)
		return;
	if (!(f->accesses = calloc(n, sizeof(*f->accesses)))) {
		in->nomem = true;
		return;
	}
	for (f->naccesses = 0; f->naccesses < n && !in->bad && !in->nomem; f->naccesses++) {
		struct access *a = &f->accesses[f->naccesses];

		a->function = get_str(in);
		a->use = (uint8_t)(get_num(in) & 7);
		a->protection = (enum protection)(get_num(in) % PROT__COUNT);
		a->lock = get_str(in);
		in->bad |= !a->function;
	}
}

static void get_finding(struct in *in, struct finding *f)
{
	uint64_t kind = get_num(in);

	f->kind = kind < KIND_FINDINGS_END ? (enum kind)kind : KIND_MUTABLE_GLOBAL;
	in->bad |= kind >= KIND_FINDINGS_END;
	f->symbol = get_str(in);
	f->demangled = get_str(in);
	f->name = get_str(in);
	f->function = get_str(in);
	f->function_demangled = get_str(in);
	f->section = get_str(in);
	f->addr = get_num(in);
	f->size = get_num(in);
	f->file = get_str(in);
	f->line = (int)(int64_t)get_num(in);
	f->column = (int)(int64_t)get_num(in);
	get_list(in, &f->readers);
	get_list(in, &f->writers);
	f->guarded_init = get_num(in) != 0;
	get_list(in, &f->takers);
	f->protection = (enum protection)(get_num(in) % PROT__COUNT);
	f->lock = get_str(in);
	get_accesses(in, f);
	f->group = get_str(in);
	f->alternative = get_str(in);
	f->severity = get_num(in) ? SEVERITY_ERROR : SEVERITY_WARNING;
	f->category = (enum rule_category)(get_num(in) % (CATEGORY_POSIX + 1));
	get_sites(in, f);
	if (in->end - in->p < (ptrdiff_t)sizeof(f->fingerprint) || in->p[sizeof(f->fingerprint) - 1]) {
		in->bad = true;
		return;
	}
	memcpy(f->fingerprint, in->p, sizeof(f->fingerprint));
	in->p += sizeof(f->fingerprint);
	in->bad |= !f->symbol || !f->name;
}

static void get_function(struct in *in, struct function_report *fr)
{
	uint64_t flags;

	fr->name = get_str(in);
	fr->demangled = get_str(in);
	fr->addr = get_num(in);
	fr->size = get_num(in);
	flags = get_num(in);
	fr->guard = flags & 1;
	fr->direct = flags >> 1 & 1;
	fr->init_only = flags >> 2 & 1;
	fr->exported = flags >> 3 & 1;
	fr->anchored = flags >> 4 & 1;
	fr->unprotected = flags >> 5 & 1;
	fr->unit = (long)get_num(in) - 1;
	fr->entry_branches = (uint32_t)get_num(in);
	get_list(in, &fr->uses);
	get_list(in, &fr->via);
	in->bad |= !fr->name || !fr->demangled;
}

/* Ignored entries: each reason kept once, in r->held. */
static void get_ignored(struct in *in, struct module_report *r, struct ignored_report *ig)
{
	char *reason;
	size_t i;

	ig->symbol = get_str(in);
	reason = get_str(in);
	if (!ig->symbol || !reason) {
		in->bad = in->bad || !in->nomem;
		free(reason);
		return;
	}
	for (i = 0; i < r->held.n && strcmp(r->held.v[i], reason); i++)
		;
	if (i < r->held.n)
		free(reason);
	else if (VEC_PUSH(&r->held, reason)) {
		free(reason);
		in->nomem = true;
		return;
	}
	ig->reason = r->held.v[i];
}

static void get_awareness(struct in *in, struct awareness *a)
{
	uint64_t v = get_num(in);

	a->aware = v & 1;
	a->reason = (uint8_t)(v >> 1);
	a->evidence = get_str(in);
	in->bad |= a->aware != (a->evidence != NULL);
}

static void get_unit(struct in *in, struct unit_report *u)
{
	u->name = get_str(in);
	u->lang = (int)(int64_t)get_num(in);
	get_awareness(in, &u->aware);
	in->bad |= !u->name;
}

/* An array of n elements read one by one; count says how many to free on failure. */
#define GET_ARRAY(in, arr, count, getter, ...)                                          \
	do {                                                                           \
		size_t n_ = get_count(in);                                             \
		if ((in)->bad || !((arr) = calloc(n_ + 1, sizeof(*(arr))))) {         \
			(in)->nomem |= !(in)->bad;                                     \
			break;                                                         \
		}                                                                      \
		for ((count) = 0; (count) < n_ && !(in)->bad && !(in)->nomem; (count)++) \
			getter(in, __VA_ARGS__ &(arr)[(count)]);                       \
	} while (0)

static void get_report(struct in *in, struct module_report *r)
{
	uint64_t type = get_num(in), flags = get_num(in);
	char *bid = get_str(in);

	r->type = type <= IMAGE_EXECUTABLE ? (enum image_type)type : IMAGE_RELOCATABLE;
	in->bad |= type > IMAGE_EXECUTABLE || !bid || strlen(bid) >= sizeof(r->build_id);
	if (bid && !in->bad)
		strcpy(r->build_id, bid);
	free(bid);
	r->stripped = flags & 1;
	r->debug_info = flags >> 1 & 1;
	GET_ARRAY(in, r->findings, r->nfindings, get_finding, );
	GET_ARRAY(in, r->functions, r->nfunctions, get_function, );
	GET_ARRAY(in, r->ignored, r->nignored, get_ignored, r, );
	get_awareness(in, &r->aware);
	GET_ARRAY(in, r->units, r->nunits, get_unit, );
	for (size_t i = 0; i < r->nfunctions; i++)
		in->bad |= r->functions[i].unit >= (long)r->nunits;
}

int report_unpack(const char *buf, size_t len, const char *path, const char *member,
		  struct module_report **out)
{
	struct in in = { (const uint8_t *)buf + sizeof(magic) - 1, (const uint8_t *)buf + len, false, false };
	struct module_report *r;

	if (len < sizeof(magic) - 1 || memcmp(buf, magic, sizeof(magic) - 1))
		return -EINVAL;
	if (!(r = calloc(1, sizeof(*r))))
		return -ENOMEM;
	get_report(&in, r);
	in.bad |= in.p != in.end;
	if (!in.bad && !in.nomem && saved_report_set_origin(r, path, member))
		in.nomem = true;
	if (in.bad || in.nomem) {
		module_report_free(r);
		return in.nomem && !in.bad ? -ENOMEM : -EINVAL;
	}
	*out = r;
	return 0;
}
