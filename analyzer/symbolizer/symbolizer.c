/* confine-symbolizer PID: the runtime guard's helper, installed in PREFIX/libexec/confine/ and
 * found from the guard's own directory (../libexec/confine/). Says "confine-symbolizer PID" (its
 * own), then reads return addresses of process PID (hex, one per line, or "=hex" for an address
 * to look up as it is, such as a function's entry; a blank line ends a batch) and writes
 * "function file:line (module+0xOFFSET)" for each, so that libdw's allocation and locking happen
 * in this process, never in the guarded one. It runs until stdin closes. */
#include <dwarf.h>
#include <elfutils/libdwfl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
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

/* Modules loaded since the last report (dlopen) are added when an address falls outside the known
 * ones. */
static int refresh(Dwfl *dwfl, int pid)
{
	dwfl_report_begin_add(dwfl);
	if (dwfl_linux_proc_report(dwfl, pid) != 0)
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
	if (!dwfl || dwfl_linux_proc_report(dwfl, pid) != 0 || dwfl_report_end(dwfl, NULL, NULL) != 0) {
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
