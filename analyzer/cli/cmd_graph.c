/* confine graph: the hazard graph of a scan as Graphviz DOT or a self-contained HTML page. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"
#include "finding_filter.h"
#include "graph.h"
#include "pool.h"
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

static const struct option longopts[] = {
	{ "format", required_argument, NULL, 'f' },
	{ "output", required_argument, NULL, 'o' },
	{ "rules", required_argument, NULL, 'R' },
	{ "libc", required_argument, NULL, 'L' },
	{ "jobs", required_argument, NULL, 'j' },
	{ "suppressions", required_argument, NULL, 'S' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

struct graph_opts {
	struct common_opts c;
	const char *format, *suppressions;
};

static bool ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), t = strlen(tail);

	return n >= t && !strcmp(s + n - t, tail);
}

/* Returns -1 to stop with EXIT_TROUBLE, 1 after --help, 0 to go on. */
static int parse(int argc, char **argv, struct graph_opts *o)
{
	int opt, r;

	cli_common_init(&o->c);
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":f:o:j:h", longopts, NULL)) != -1) {
		if ((r = cli_common_option(&o->c, opt, optarg)) != 0) {
			if (r < 0)
				return -1;
			continue;
		}
		if (opt == 'f') {
			o->format = optarg;
		} else if (opt == 'S') {
			o->suppressions = optarg;
		} else if (opt == 'h') {
			fputs(usage, stdout);
			return 1;
		} else {
			cli_bad_option("graph", opt, argv);
			return -1;
		}
	}
	if (!o->format)
		o->format = o->c.output && ends_with(o->c.output, ".html") ? "html" : "dot";
	if (strcmp(o->format, "dot") && strcmp(o->format, "html")) {
		cli_error("--format: '%s' is not one of dot, html", o->format);
		return -1;
	}
	if (optind >= argc) {
		cli_error("graph: no PATH given (try 'confine graph --help')");
		return -1;
	}
	return 0;
}

static void print_error(void *ctx, enum diag_level level, const char *msg)
{
	(void)ctx;
	if (level == DIAG_ERROR)
		cli_error("error: %s", msg);
}

/* The usable reports, graphed and rendered; NULL when out of memory. */
static char *render(const struct graph_opts *o, const struct pool_result *res)
{
	struct module_report **ok = calloc(res->n + 1, sizeof(*ok));
	struct graph *g = NULL;
	size_t n = 0;
	char *text = NULL;

	if (!ok)
		return NULL;
	for (size_t i = 0; i < res->n; i++)
		if (res->reports[i])
			ok[n++] = res->reports[i];
	if (graph_build(ok, n, &g) == 0)
		text = !strcmp(o->format, "html") ? report_graph_html(g) : report_graph_dot(g);
	graph_free(g);
	free(ok);
	return text;
}

static int run(const struct graph_opts *o, char **paths, int npaths)
{
	struct input_list units = { 0 };
	struct pool_result res = { 0 };
	struct suppress_set *sup = NULL;
	struct rules *rules = NULL;
	struct analysis_options ao = { .libc = o->c.libc, .decoder = o->c.decoder };
	struct diag d = { print_error, NULL };
	int status = EXIT_TROUBLE;
	size_t suppressed = 0;
	char *text = NULL;

	if (o->suppressions && (!(sup = calloc(1, sizeof(*sup))) || suppress_load(sup, o->suppressions, &d)))
		goto out;
	if (!(ao.rules = rules = cli_load_rules(&o->c)) || cli_expand(&units, paths, npaths))
		goto out;
	if (pool_run(&units, &ao, o->c.jobs, isatty(STDERR_FILENO), DIAG_WARN, &res) ||
	    (sup && finding_filter_apply_all(res.reports, res.n, sup, &suppressed)) ||
	    !(text = render(o, &res))) {
		cli_error("out of memory");
		goto out;
	}
	pool_print_messages(&res);
	if (cli_write(&o->c, text) == 0)
		status = res.failed ? EXIT_TROUBLE : EXIT_CLEAN;
out:
	free(text);
	free(sup);
	pool_result_free(&res);
	input_list_free(&units);
	rules_free(rules);
	return status;
}

int cmd_graph(int argc, char **argv)
{
	struct graph_opts o = { 0 };
	int r = parse(argc, argv, &o), status;

	if (r)
		status = r > 0 ? EXIT_CLEAN : EXIT_TROUBLE;
	else
		status = run(&o, argv + optind, argc - optind);
	strlist_free(&o.c.rule_files);
	return status;
}
