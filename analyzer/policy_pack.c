/* Packed policies: a header, the units' and functions' fixed records, the functions' uses as
 * string offsets, then the strings. Unpacking checks every count and offset against the size,
 * so that a damaged file is refused, never read past. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "policy_pack.h"

#define MAGIC "confine policy-pack 1 "
#define NONE UINT32_MAX   /* no string */

struct head {
	char magic[40];            /* MAGIC, the rules digest, '\n', NUL padding */
	uint64_t size;             /* of the whole pack: a truncated copy is refused */
	uint32_t nfns, nunits, nuses, strtab;   /* strtab: bytes of strings */
	uint32_t path, build_id, evidence, aware;
};

struct unit_rec {
	uint32_t name, evidence, aware;
	int32_t lang;
};

struct fn_rec {
	uint64_t addr, size;
	uint32_t entry_branches, name, demangled, uses, nuses, state;
	int32_t unit;
	uint32_t pad;
};

static void magic_line(char out[40], const char *rules_digest)
{
	memset(out, 0, 40);
	snprintf(out, 40, MAGIC "%.16s\n", rules_digest ? rules_digest : "");
}

struct writer {
	uint8_t *strs;             /* the string table */
	uint32_t used;
};

static size_t str_size(const char *s)
{
	return s ? strlen(s) + 1 : 0;
}

static uint32_t put_str(struct writer *w, const char *s)
{
	uint32_t at = w->used;

	if (!s)
		return NONE;
	memcpy(w->strs + at, s, strlen(s) + 1);
	w->used += (uint32_t)strlen(s) + 1;
	return at;
}

/* Bytes of every string and use of m; demangled names equal to the symbol are stored once. */
static uint64_t strings_size(const struct policy_module *m, uint64_t *nuses)
{
	uint64_t n = 1 + str_size(m->path) + str_size(m->build_id) + str_size(m->aware.evidence);

	*nuses = 0;
	for (size_t i = 0; i < m->nunits; i++)
		n += str_size(m->units[i].name) + str_size(m->units[i].aware.evidence);
	for (size_t i = 0; i < m->nfns; i++) {
		const struct policy_fn *f = &m->fns[i];

		n += str_size(f->name) + (strcmp(f->demangled, f->name) ? str_size(f->demangled) : 0);
		for (size_t k = 0; k < f->uses.n; k++)
			n += str_size(f->uses.v[k]);
		*nuses += f->uses.n;
	}
	return n;
}

static void pack_fn(const struct policy_fn *f, struct writer *w, uint32_t *uses, uint32_t *nuses,
		    struct fn_rec *r)
{
	*r = (struct fn_rec){ .addr = f->addr, .size = f->size, .entry_branches = f->entry_branches,
			      .uses = *nuses, .nuses = (uint32_t)f->uses.n, .state = f->state,
			      .unit = f->unit < 0 ? -1 : (int32_t)f->unit };
	r->name = put_str(w, f->name);
	r->demangled = strcmp(f->demangled, f->name) ? put_str(w, f->demangled) : r->name;
	for (size_t k = 0; k < f->uses.n; k++)
		uses[(*nuses)++] = put_str(w, f->uses.v[k]);
}

int policy_pack(const struct policy_module *m, const char *rules_digest, uint8_t **out, size_t *len)
{
	uint64_t nuses, strs = strings_size(m, &nuses);
	uint64_t size = sizeof(struct head) + m->nunits * sizeof(struct unit_rec) +
			m->nfns * sizeof(struct fn_rec) + nuses * 4 + strs;
	struct head h = { .nfns = (uint32_t)m->nfns, .nunits = (uint32_t)m->nunits, .nuses = (uint32_t)nuses,
			  .strtab = (uint32_t)strs, .aware = m->aware.aware, .size = size };
	uint8_t *buf, *at;
	struct writer w;
	uint32_t used = 0;

	if (size >= NONE || m->nfns >= NONE || m->nunits >= NONE)
		return -E2BIG;
	if (!(buf = calloc(1, size)))
		return -ENOMEM;
	at = buf + sizeof(h);
	w = (struct writer){ buf + size - strs, 1 };   /* offset 0: the empty string */
	magic_line(h.magic, rules_digest);
	h.path = put_str(&w, m->path);
	h.build_id = put_str(&w, m->build_id);
	h.evidence = put_str(&w, m->aware.evidence);
	for (size_t i = 0; i < m->nunits; i++, at += sizeof(struct unit_rec)) {
		struct unit_rec u = { put_str(&w, m->units[i].name), put_str(&w, m->units[i].aware.evidence),
				      m->units[i].aware.aware, m->units[i].lang };

		memcpy(at, &u, sizeof(u));
	}
	uint32_t *uses = (uint32_t *)(at + m->nfns * sizeof(struct fn_rec));

	for (size_t i = 0; i < m->nfns; i++, at += sizeof(struct fn_rec)) {
		struct fn_rec r;

		pack_fn(&m->fns[i], &w, uses, &used, &r);
		memcpy(at, &r, sizeof(r));
	}
	memcpy(buf, &h, sizeof(h));
	*out = buf;
	*len = (size_t)size;
	return 0;
}

struct reader {
	const uint8_t *recs;       /* past the header */
	const char *strs;
	uint32_t nstrs;
	char *copy;                /* the strings in the unpacked block */
};

/* The string at off, or NULL for NONE when optional; *bad is set by an offset out of the table. */
static char *get_str(const struct reader *r, uint32_t off, bool optional, bool *bad)
{
	if (off == NONE && optional)
		return NULL;
	if (off >= r->nstrs) {
		*bad = true;
		return NULL;
	}
	return r->copy + off;
}

static const char *check_head(const struct head *h, size_t len)
{
	uint64_t need = sizeof(*h) + (uint64_t)h->nunits * sizeof(struct unit_rec) +
			(uint64_t)h->nfns * sizeof(struct fn_rec) + (uint64_t)h->nuses * 4 + h->strtab;

	if (h->size != len)
		return "its size is not the one recorded";
	if (need != len)
		return "its counts do not add up to its size";
	return NULL;
}

static const char *unpack_units(const struct reader *r, const struct head *h, struct policy_module *m)
{
	bool bad = false;

	for (uint32_t i = 0; i < h->nunits; i++) {
		struct unit_rec u;

		memcpy(&u, r->recs + i * sizeof(u), sizeof(u));
		m->units[i] = (struct policy_unit){ get_str(r, u.name, false, &bad), u.lang,
						    { u.aware != 0, get_str(r, u.evidence, true, &bad) } };
	}
	m->nunits = m->units_cap = h->nunits;
	return bad ? "a unit's string is out of the table" : NULL;
}

static const char *unpack_fns(const struct reader *r, const struct head *h, struct policy_module *m,
			      char **uses)
{
	const uint8_t *recs = r->recs + h->nunits * sizeof(struct unit_rec);
	const uint8_t *offs = recs + h->nfns * sizeof(struct fn_rec);
	bool bad = false;

	for (uint32_t i = 0; i < h->nfns && !bad; i++) {
		struct policy_fn *f = &m->fns[i];
		struct fn_rec x;

		memcpy(&x, recs + i * sizeof(x), sizeof(x));
		if ((uint64_t)x.uses + x.nuses > h->nuses || x.unit < -1 || (x.unit >= 0 && (uint32_t)x.unit >= h->nunits))
			return "a function's uses or unit are out of range";
		*f = (struct policy_fn){ get_str(r, x.name, false, &bad), get_str(r, x.demangled, false, &bad),
					 x.addr, x.size, x.entry_branches, { uses + x.uses, x.nuses, x.nuses },
					 x.unit, x.state != 0 };
		for (uint32_t k = 0; k < x.nuses; k++) {
			uint32_t off;

			memcpy(&off, offs + ((size_t)x.uses + k) * 4, 4);
			uses[x.uses + k] = get_str(r, off, false, &bad);
		}
	}
	m->nfns = m->fns_cap = h->nfns;
	return bad ? "a function's string is out of the table" : NULL;
}

/* The block: the module, its functions, units and uses, then a copy of the strings. */
static struct policy_module *block_new(const struct head *h, const char *strs, char ***uses, char **copy)
{
	size_t fns = sizeof(struct policy_module), units = fns + h->nfns * sizeof(struct policy_fn);
	size_t offs = units + h->nunits * sizeof(struct policy_unit), at = offs + h->nuses * sizeof(char *);
	struct policy_module *m = calloc(1, at + h->strtab);

	if (!m)
		return NULL;
	m->fns = (struct policy_fn *)((char *)m + fns);
	m->units = (struct policy_unit *)((char *)m + units);
	*uses = (char **)((char *)m + offs);
	*copy = memcpy((char *)m + at, strs, h->strtab);
	return m;
}

static const char *unpack_module(const struct reader *r, const struct head *h, struct policy_module *m,
				 char **uses)
{
	bool bad = false;
	const char *bid = get_str(r, h->build_id, false, &bad), *why;

	m->path = get_str(r, h->path, false, &bad);
	m->aware = (struct policy_aware){ h->aware != 0, get_str(r, h->evidence, true, &bad) };
	if (bad || strlen(bid) >= sizeof(m->build_id))
		return "its module's path or build-id is damaged";
	memcpy(m->build_id, bid, strlen(bid) + 1);
	why = unpack_units(r, h, m);
	return why ? why : unpack_fns(r, h, m, uses);
}

int policy_unpack(const void *buf, size_t len, const char *rules_digest, struct policy *p, const char **why)
{
	char magic[40], **uses;
	struct head h;
	struct reader r;
	struct policy_module *m;

	magic_line(magic, rules_digest);
	*why = NULL;
	/* Text policies of earlier versions, or anything else: not this format. */
	if (len < sizeof(h) || memcmp(buf, MAGIC, strlen(MAGIC)))
		return -ESTALE;
	memcpy(&h, buf, sizeof(h));
	if (memcmp(h.magic, magic, sizeof(magic)))
		return -ESTALE;
	if ((*why = check_head(&h, len)) != NULL)
		return -EINVAL;
	r = (struct reader){ (const uint8_t *)buf + sizeof(h), (const char *)buf + len - h.strtab, h.strtab, NULL };
	if (!h.strtab || r.strs[0] || r.strs[h.strtab - 1]) {
		*why = "its strings are not terminated";
		return -EINVAL;
	}
	if (!(m = block_new(&h, r.strs, &uses, &r.copy)))
		return -ENOMEM;
	if ((*why = unpack_module(&r, &h, m, uses)) != NULL) {
		free(m);
		return -EINVAL;
	}
	p->mods = m;
	p->n = p->cap = 1;
	p->block = m;
	return 0;
}
