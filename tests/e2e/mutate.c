/* mutate IN PREFIX COUNT SEED: writes COUNT mutated copies of the x86-64 ELF file IN as
 * PREFIX.000, PREFIX.001, ... for the bounded robustness test (tests/e2e/scan_fuzz.sh, which
 * compiles this into $TMP). The mutations come from a fixed-seed generator, so the same IN and
 * SEED give the same files; mutant K gets mutation kind K % 7:
 *   0 random bytes anywhere replaced     1 truncation at a random length
 *   2 one ELF header field overwritten   3 one field of one section header overwritten
 *   4 random bytes inside one section    5 one field of one symbol (.symtab or .dynsym)
 *   6 one field of one program header (a random ELF header byte when there is none)
 * Overwritten fields get "wild" values: 0, just past the end of the file, near 2^64, near
 * 2^31, anywhere in the file, or 64 random bits.
 * Prints one line per mutant: "NAME KIND DESCRIPTION" (for the failure messages). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t state;

static uint32_t rnd(void)
{
	state = state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(state >> 33);
}

static uint64_t get(const unsigned char *b, size_t n, size_t off, int w)
{
	uint64_t v = 0;

	for (int i = w - 1; i >= 0; i--)
		v = v << 8 | (off + i < n ? b[off + i] : 0);
	return v;
}

static void put(unsigned char *b, size_t n, size_t off, uint64_t v, int w)
{
	for (int i = 0; i < w && off + i < n; i++)
		b[off + i] = (unsigned char)(v >> 8 * i);
}

static uint64_t wild(size_t n)
{
	switch (rnd() % 6) {
	case 0: return 0;
	case 1: return n + rnd() % 64;
	case 2: return ~0ULL - rnd() % 16;
	case 3: return 0x7fffffffULL + rnd() % 4;
	case 4: return rnd() % (n + 1);
	default: return (uint64_t)rnd() << 32 | rnd();
	}
}

/* The section header table of the original, when it lies inside the file. */
static size_t shdr_at(const unsigned char *b, size_t n, size_t idx)
{
	uint64_t shoff = get(b, n, 40, 8), shnum = get(b, n, 60, 2);

	if (idx >= shnum || shoff > n || (idx + 1) * 64 > n - shoff)
		return 0;
	return shoff + idx * 64;
}

int main(int argc, char **argv)
{
	static const int eh_off[] = { 16, 18, 20, 24, 32, 40, 48, 52, 54, 56, 58, 60, 62 };
	static const int eh_w[] = { 2, 2, 4, 8, 8, 8, 4, 2, 2, 2, 2, 2, 2 };
	static const int sh_off[] = { 0, 4, 8, 16, 24, 32, 40, 44, 48, 56 };
	static const int sh_w[] = { 4, 4, 8, 8, 8, 8, 4, 4, 8, 8 };
	static const char *const sh_name[] = { "name", "type", "flags", "addr", "offset", "size",
						"link", "info", "addralign", "entsize" };
	static const int st_off[] = { 0, 4, 5, 6, 8, 16 };
	static const int st_w[] = { 4, 1, 1, 2, 8, 8 };
	static const int ph_off[] = { 0, 4, 8, 16, 24, 32, 40, 48 };
	static const int ph_w[] = { 4, 4, 8, 8, 8, 8, 8, 8 };
	unsigned char *orig, *b;
	size_t n, shnum, syms[2], nsyms = 0;
	char name[4096];
	long len;
	int count;
	FILE *f;

	if (argc != 5) {
		fputs("usage: mutate IN PREFIX COUNT SEED\n", stderr);
		return 2;
	}
	f = fopen(argv[1], "rb");
	if (!f || fseek(f, 0, SEEK_END) || (len = ftell(f)) < 64 || fseek(f, 0, SEEK_SET))
		return 1;
	n = (size_t)len;
	orig = malloc(n);
	b = malloc(n);
	if (!orig || !b || fread(orig, 1, n, f) != n)
		return 1;
	fclose(f);
	count = atoi(argv[3]);
	state = strtoull(argv[4], NULL, 10);
	shnum = get(orig, n, 60, 2);
	for (size_t i = 1; i < shnum && nsyms < 2; i++) {
		size_t sh = shdr_at(orig, n, i);
		uint64_t type = sh ? get(orig, n, sh + 4, 4) : 0;

		if (type == 2 || type == 11) /* SHT_SYMTAB, SHT_DYNSYM */
			syms[nsyms++] = sh;
	}
	for (int k = 0; k < count; k++) {
		size_t out = n, sh = shnum ? shdr_at(orig, n, rnd() % shnum) : 0;
		char what[128] = "unchanged";
		int kind = k % 7, i;

		memcpy(b, orig, n);
		switch (kind) {
		case 0:
			i = 1 + rnd() % 16;
			for (int j = 0; j < i; j++)
				b[rnd() % n] ^= (unsigned char)(1 + rnd() % 255);
			snprintf(what, sizeof(what), "%d random bytes", i);
			break;
		case 1:
			out = rnd() % n;
			snprintf(what, sizeof(what), "truncated to %zu of %zu bytes", out, n);
			break;
		case 2:
			i = rnd() % 13;
			put(b, n, eh_off[i], wild(n), eh_w[i]);
			snprintf(what, sizeof(what), "ELF header bytes %d-%d", eh_off[i], eh_off[i] + eh_w[i] - 1);
			break;
		case 3:
			if (!sh)
				break;
			i = rnd() % 10;
			{
				uint64_t v = wild(n), type = get(b, n, sh + 4, 4);

				if (i == 1)
					v = rnd() % 20;
				if (i == 6 || i == 7)
					v = rnd() % (shnum + 4);
				(void)type;
				put(b, n, sh + sh_off[i], v, sh_w[i]);
			}
			snprintf(what, sizeof(what), "section header at %zu: sh_%s", sh, sh_name[i]);
			break;
		case 4:
			if (sh) {
				uint64_t o = get(b, n, sh + 24, 8), s = get(b, n, sh + 32, 8);

				i = 1 + rnd() % 32;
				if (o < n && s && s <= n - o && get(b, n, sh + 4, 4) != 8)
					for (int j = 0; j < i; j++)
						b[o + rnd() % s] ^= (unsigned char)(1 + rnd() % 255);
				snprintf(what, sizeof(what), "%d bytes of the section at header %zu", i, sh);
			}
			break;
		case 5:
			if (nsyms) {
				size_t st = syms[rnd() % nsyms];
				uint64_t o = get(b, n, st + 24, 8), s = get(b, n, st + 32, 8);

				if (o < n && s >= 24 && s <= n - o) {
					size_t sym = o + 24 * (rnd() % (s / 24));

					i = rnd() % 6;
					put(b, n, sym + st_off[i], i == 3 ? rnd() % 0x10000 : wild(n), st_w[i]);
					snprintf(what, sizeof(what), "symbol at %zu, bytes +%d", sym, st_off[i]);
				}
			}
			break;
		default: {
			uint64_t phoff = get(b, n, 32, 8), phnum = get(b, n, 56, 2);

			if (phnum && phoff < n && phnum * 56 <= n - phoff) {
				size_t ph = phoff + 56 * (rnd() % phnum);

				i = rnd() % 8;
				put(b, n, ph + ph_off[i], i == 0 ? rnd() % 8 : wild(n), ph_w[i]);
				snprintf(what, sizeof(what), "program header at %zu, bytes +%d", ph, ph_off[i]);
			} else { /* no program headers (a .o): a random byte of the ELF header instead */
				i = 16 + rnd() % 48;
				b[i] ^= (unsigned char)(1 + rnd() % 255);
				snprintf(what, sizeof(what), "ELF header byte %d", i);
			}
			break;
		}
		}
		snprintf(name, sizeof(name), "%s.%03d", argv[2], k);
		f = fopen(name, "wb");
		if (!f || fwrite(b, 1, out, f) != out || fclose(f))
			return 1;
		printf("%s %d %s\n", name, kind, what);
	}
	free(orig);
	free(b);
	return 0;
}
