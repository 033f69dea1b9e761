/* confine __symbolize PID: the runtime guard's helper. Reads return addresses (hex, one per
 * line) of process PID on stdin and writes "function file:line (module+0xOFFSET)" for each, so
 * that libdw's allocation and locking happen in this process, never in the guarded one. */
#include <dwarf.h>
#include <elfutils/libdwfl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
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

static void describe(Dwfl *dwfl, unsigned long long pc)
{
	/* A return address points after the call: look up the call itself. */
	Dwarf_Addr lookup = pc ? pc - 1 : 0, bias = 0;
	Dwfl_Module *mod = dwfl_addrmodule(dwfl, lookup);
	const char *name, *mainfile = NULL, *file;
	Dwfl_Line *line;
	int lineno = 0;

	if (!mod) {
		printf("(unknown module)\n");
		return;
	}
	dwfl_module_info(mod, NULL, NULL, NULL, NULL, NULL, &mainfile, NULL);
	dwfl_module_getelf(mod, &bias);
	name = dwfl_module_addrname(mod, lookup);
	if (name) {
		char *dm = symbols_demangle(name);

		printf("%s ", dm ? dm : name);
		free(dm);
	}
	line = dwfl_module_getsrc(mod, lookup);
	file = line ? dwfl_lineinfo(line, NULL, &lineno, NULL, NULL, NULL) : NULL;
	if (file)
		printf("%s:%d ", relative_source(mod, lookup, file), lineno);
	printf("(%s+0x%llx)\n", base_name(mainfile ? mainfile : dwfl_module_info(mod, NULL, NULL, NULL,
				NULL, NULL, NULL, NULL)), pc - (unsigned long long)bias);
}

int cmd_symbolize(int argc, char **argv)
{
	Dwfl *dwfl;
	char line[64];
	int pid;

	if (argc != 2 || (pid = atoi(argv[1])) <= 0) {
		cli_error("usage: confine __symbolize PID (internal: used by the runtime guard)");
		return EXIT_TROUBLE;
	}
	dwfl = dwfl_begin(&proc_callbacks);
	if (!dwfl || dwfl_linux_proc_report(dwfl, pid) != 0 || dwfl_report_end(dwfl, NULL, NULL) != 0) {
		cli_error("cannot read the modules of process %d: %s", pid, dwfl_errmsg(-1));
		return EXIT_TROUBLE;
	}
	while (fgets(line, sizeof(line), stdin))
		describe(dwfl, strtoull(line, NULL, 16));
	dwfl_end(dwfl);
	return fflush(stdout) ? EXIT_TROUBLE : EXIT_CLEAN;
}
