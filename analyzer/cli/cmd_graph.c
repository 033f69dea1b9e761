/* confine graph: the hazard graph of a scan as Graphviz DOT or a self-contained HTML page. */
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "graph.h"
#include "report_graph.h"

static const char usage[] =
	"usage: confine graph [options] PATH...\n"
	"Draw what scan finds as a graph: entry points (exported functions, callbacks stored in\n"
	"data, functions whose address is taken, such as thread start routines) -> the functions\n"
	"they call -> the state and libc groups those touch, coloured by kind; each confined\n"
	"function carries the path that explains it.\n"
	"\n"
	"  -f, --format FMT   dot (default: Graphviz, e.g. 'dot -Tsvg') or html (one page that\n"
	"                     draws the graph itself, with a filter and collapsible call chains;\n"
	"                     it loads nothing from the network)\n"
	"  -o, --output FILE  write to FILE (the format defaults to html for FILE.html)\n"
	"      --suppressions FILE\n"
	"                     leave out the findings that a kind:pattern line of FILE matches\n"
	"      --rules FILE   add rules from FILE (format: confine-rules(5)); repeatable\n"
	"      --libc SET     rule set: glibc, posix or any (default any)\n"
	"  -j, --jobs N       parallel jobs (default: number of cores)\n"
	"  -h, --help         this help\n"
	"\n"
	"Exit status: 0 every input was scanned, 2 an input was unusable (the graph of the others\n"
	"is still written) or the command line is wrong.\n";

static bool ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);

	return n >= t && !strcmp(s + n - t, tail);
}

/* Without -f, the format follows -o's name. */
static int validate(void *opts)
{
	struct common_opts *c = opts;

	if (!c->format)
		c->format = c->output && ends_with(c->output, ".html") ? "html" : "dot";
	if (strcmp(c->format, "dot") && strcmp(c->format, "html")) {
		cli_error("--format: '%s' is not one of dot, html", c->format);
		return -1;
	}
	return 0;
}

/* The usable reports, graphed and rendered; NULL when out of memory. */
static char *render(const struct common_opts *c, const struct cli_scan *s)
{
	struct graph *g = NULL;
	char *text = NULL;

	if (graph_build(s->ok, s->nok, &g) == 0)
		text = !strcmp(c->format, "html") ? report_graph_html(g) : report_graph_dot(g);
	graph_free(g);
	return text;
}

static int run(void *opts, char **paths, int npaths)
{
	struct common_opts *c = opts;
	struct cli_scan s = { 0 };
	int status = EXIT_TROUBLE;

	c->fleet.no_saved = true;   /* saved results are not graphed: the graph needs the binaries */
	if (cli_scan_run(&s, c, paths, npaths) == 0 && cli_write_free(c, render(c, &s)) == 0)
		status = s.res.failed ? EXIT_TROUBLE : EXIT_CLEAN;
	cli_scan_free(&s);
	return status;
}

int cmd_graph(int argc, char **argv)
{
	static const struct cli_command cmd = {
		"graph", usage, CLI_OUTPUT | CLI_RULES | CLI_JOBS | CLI_FORMAT | CLI_SUPPRESS, NULL, NULL, "PATH",
		NULL, validate, run,
	};
	struct common_opts c;

	return cli_main(&cmd, &c, &c, argc, argv);
}
