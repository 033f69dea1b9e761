/* confine-symbolizer PID: the runtime guard's helper, installed in PREFIX/libexec/confine/ and
 * found from the guard's own directory (../libexec/confine/). Says "confine-symbolizer PID" (its
 * own), then reads return addresses of process PID (hex, one per line, or "=hex" for an address
 * to look up as it is, such as a function's entry; a blank line ends a batch) and writes
 * "function file:line (module+0xOFFSET)" for each, so that libdw's allocation and locking happen
 * in this process, never in the guarded one. It runs until stdin closes. */
#include <dwarf.h>
#include <elfutils/libdwfl.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "image_pack.h"
#include "symbols.h"

static const Dwfl_Callbacks proc_callbacks = {
	.find_elf = dwfl_linux_proc_find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
};

static const char *base_name(const char *path)
{
	const char *slash = path ? strrchr(path, '/') : NULL;

	return slash ? slash + 1 : path ? path : "?";
}

/* Source paths inside the compilation directory are shown relative to it. */
static const char *relative_source(Dwfl_Module *mod, Dwarf_Addr addr, const char *file)
{
	Dwarf_Addr bias;
	Dwarf_Die *cu = dwfl_module_addrdie(mod, addr, &bias);
	Dwarf_Attribute at;
	const char *dir = cu ? dwarf_formstring(dwarf_attr(cu, DW_AT_comp_dir, &at)) : NULL;
	size_t len = dir ? strlen(dir) : 0;

	if (file && len && !strncmp(file, dir, len) && file[len] == '/')
		return file + len + 1;
	return file;
}

/* The module a code image of the guard stands for ("KEY.code", mapped over part of the module's
 * code): the path of the mapping with the device and inode its header names, or NULL. */
static const char *image_module(const char *image, char **lines, size_t n, unsigned *dmaj, unsigned *dmin,
				unsigned long *ino)
{
	struct image_header h;
	const char *why;
	int fd = open(image, O_RDONLY | O_CLOEXEC);
	bool ok = fd >= 0 && pread(fd, &h, sizeof(h), 0) == (ssize_t)sizeof(h) &&
		  image_pack_check(&h, UINT64_MAX, &why) == 0;

	if (fd >= 0)
		close(fd);
	for (size_t i = 0; ok && i < n; i++) {
		unsigned a, b;
		unsigned long in;
		int at = 0;

		if (sscanf(lines[i], "%*x-%*x %*s %*x %x:%x %lu %n", &a, &b, &in, &at) == 3 && at &&
		    a == major(h.dev) && b == minor(h.dev) && in == h.ino && lines[i][at] == '/') {
			*dmaj = a;
			*dmin = b;
			*ino = in;
			return lines[i] + at;
		}
	}
	return NULL;
}

/* One line of /proc/PID/maps, a code image shown as the module it stands for. */
static void put_line(FILE *out, char *line, char **lines, size_t n)
{
	char *file = strchr(line, '/'), *dash = strchr(line, '-'), image[4096];
	unsigned long lo = strtoul(line, NULL, 16), hi = dash ? strtoul(dash + 1, NULL, 16) : 0, ino;
	/* An image another start replaced is "(deleted)": the new file at its path stands for the
	 * same module while that module's file is the same. */
	size_t len = file ? image_pack_path_len(file) : 0;
	const char *mod;
	unsigned a, b;

	if (len && len < sizeof(image)) {
		memcpy(image, file, len);
		image[len] = '\0';
		if ((mod = image_module(image, lines, n, &a, &b, &ino)) != NULL) {
			fprintf(out, "%lx-%lx r-xp 00000000 %x:%x %lu %s", lo, hi, a, b, ino, mod);
			return;
		}
	}
	fputs(line, out);
}

/* /proc/PID/maps with each code image shown as the module it stands for (libdwfl then sees one
 * module, not three) in *text (malloc'd); false when there is no image, or on error. */
static bool maps_without_images(int pid, char **text, size_t *len)
{
	char path[64], **lines = NULL, *l = NULL;
	size_t n = 0, cap = 0, lcap = 0;
	bool images = false, ok = true;
	FILE *in, *out;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	if (!(in = fopen(path, "re")))
		return false;
	while (ok && getline(&l, &lcap, in) > 0) {
		char **more = n == cap ? realloc(lines, (cap = cap ? 2 * cap : 256) * sizeof(*lines)) : lines;

		ok = more != NULL;
		lines = ok ? more : lines;
		if (ok) {
			images |= strchr(l, '/') && image_pack_path_len(strchr(l, '/'));
			lines[n++] = l;
			l = NULL;
			lcap = 0;
		}
	}
	free(l);
	fclose(in);
	*text = NULL;
	out = ok && images ? open_memstream(text, len) : NULL;
	for (size_t i = 0; out && i < n; i++)
		put_line(out, lines[i], lines, n);
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
	if (!out || fclose(out) != 0) {
		free(*text);
		return false;
	}
	return true;
}

/* The modules of process pid, the guard's code images counted as the modules they stand for. */
static int report_modules(Dwfl *dwfl, int pid)
{
	char *text;
	size_t len;
	FILE *maps;
	int err;

	if (!maps_without_images(pid, &text, &len))
		return dwfl_linux_proc_report(dwfl, pid);
	maps = fmemopen(text, len, "r");
	err = maps ? dwfl_linux_proc_maps_report(dwfl, maps) : -1;
	if (maps)
		fclose(maps);
	free(text);
	return err;
}

/* Modules loaded since the last report (dlopen) are added when an address falls outside the known
 * ones. */
static int refresh(Dwfl *dwfl, int pid)
{
	dwfl_report_begin_add(dwfl);
	if (report_modules(dwfl, pid) != 0)
		return -1;
	return dwfl_report_end(dwfl, NULL, NULL);
}

/* "function file:line (module+0xOFFSET)" for one return address (exact: any other address),
 * written to out. */
static void describe(FILE *out, Dwfl *dwfl, int pid, unsigned long long pc, bool exact)
{
	/* A return address points after the call: look up the call itself. */
	Dwarf_Addr lookup = pc && !exact ? pc - 1 : pc, bias = 0;
	Dwfl_Module *mod = dwfl_addrmodule(dwfl, lookup);
	const char *name, *mainfile = NULL, *file;
	Dwfl_Line *line;
	int lineno = 0;

	if (!mod && refresh(dwfl, pid) == 0)
		mod = dwfl_addrmodule(dwfl, lookup);
	if (!mod) {
		fprintf(out, "(unknown module)");
		return;
	}
	dwfl_module_info(mod, NULL, NULL, NULL, NULL, NULL, &mainfile, NULL);
	dwfl_module_getelf(mod, &bias);
	name = dwfl_module_addrname(mod, lookup);
	if (name) {
		char *dm = symbols_demangle(name);

		fprintf(out, "%s ", dm ? dm : name);
		free(dm);
	}
	line = dwfl_module_getsrc(mod, lookup);
	file = line ? dwfl_lineinfo(line, NULL, &lineno, NULL, NULL, NULL) : NULL;
	if (file)
		fprintf(out, "%s:%d ", relative_source(mod, lookup, file), lineno);
	fprintf(out, "(%s+0x%llx)", base_name(mainfile ? mainfile : dwfl_module_info(mod, NULL, NULL, NULL,
				NULL, NULL, NULL, NULL)), pc - (unsigned long long)bias);
}

/* Answers by address. A storm of reports repeats most frames, and libdw's symbol lookup scans a
 * module's whole symbol table each time (a second per report in a 100 MB library). */
enum { CACHE_SLOTS = 1 << 14 };

struct answers {
	unsigned long long pc[CACHE_SLOTS];
	char *line[CACHE_SLOTS];
};

static const char *answer(struct answers *a, Dwfl *dwfl, int pid, const char *request)
{
	bool exact = request[0] == '=';
	unsigned long long pc = strtoull(request + exact, NULL, 16) | (exact ? 1ULL << 63 : 0);
	size_t h = (size_t)((pc * 0x9e3779b97f4a7c15ULL) >> 50) & (CACHE_SLOTS - 1);
	char *text = NULL;
	size_t len = 0;
	FILE *out;

	if (a->line[h] && a->pc[h] == pc)
		return a->line[h];
	out = open_memstream(&text, &len);
	if (!out)
		return "(out of memory)";
	describe(out, dwfl, pid, pc & ~(1ULL << 63), exact);
	if (fclose(out) != 0 || !text) {
		free(text);
		return "(out of memory)";
	}
	/* One line each, as long as the guard's line buffer: the answers stay in step. */
	for (char *c = text; *c; c++)
		if (*c == '\n')
			*c = ' ';
	if (strlen(text) > 255)
		text[255] = '\0';
	free(a->line[h]);
	a->pc[h] = pc;
	a->line[h] = text;
	return text;
}

static void answers_free(struct answers *a)
{
	for (size_t i = 0; a && i < CACHE_SLOTS; i++)
		free(a->line[i]);
	free(a);
}

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void fail(const char *fmt, ...)
{
	va_list ap;

	fputs("confine-symbolizer: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int main(int argc, char **argv)
{
	struct answers *cache;
	Dwfl *dwfl;
	char line[64];
	int pid;

	if (argc != 2 || (pid = atoi(argv[1])) <= 0) {
		fail("usage: confine-symbolizer PID (internal: the runtime guard starts it)");
		return 2;
	}
	dwfl = dwfl_begin(&proc_callbacks);
	if (!dwfl || report_modules(dwfl, pid) != 0 || dwfl_report_end(dwfl, NULL, NULL) != 0) {
		fail("cannot read the modules of process %d: %s", pid, dwfl_errmsg(-1));
		return 2;
	}
	if (!(cache = calloc(1, sizeof(*cache)))) {
		fail("out of memory");
		dwfl_end(dwfl);
		return 2;
	}
	printf("confine-symbolizer %d\n", (int)getpid());
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin)) {
		if (line[0] == '\n')
			fflush(stdout);
		else
			printf("%s\n", answer(cache, dwfl, pid, line));
	}
	answers_free(cache);
	dwfl_end(dwfl);
	return fflush(stdout) ? 2 : 0;
}
