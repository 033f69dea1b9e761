/* Unit tests of the hazard graph: nodes, edges, entry points and why-paths of the fixture
 * library, one libc group for calls that share state, and the DOT and HTML renderings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <stdio.h>
#include "analysis.h"
#include "graph.h"
#include "report_graph.h"

static char last_error[1024];
static struct rules *rules;

static void capture(void *ctx, enum diag_level level, const char *msg)
{
	(void)ctx;
	if (level == DIAG_ERROR)
		snprintf(last_error, sizeof(last_error), "%s", msg);
}

static int setup(void **state)
{
	struct diag d = { capture, NULL };

	(void)state;
	rules = rules_new();
	return rules && rules_load_builtin(rules, &d) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	rules_free(rules);
	return 0;
}

static struct module_report *analyze(const char *rel)
{
	char path[512];
	const char *base = getenv("FX");
	struct input_unit u = { .path = path, .display = path };
	struct analysis_options o = { rules, LIBC_ANY, 2, { capture, NULL }, DISASM_ZYDIS };
	struct module_report *r = NULL;

	snprintf(path, sizeof(path), "%s/%s", base && *base ? base : "build/fixtures", rel);
	last_error[0] = '\0';
	assert_int_equal(analysis_run(&o, &u, &r), 0);
	assert_string_equal(last_error, "");
	return r;
}

static long node(const struct graph *g, enum graph_node_type t, const char *label)
{
	for (size_t i = 0; i < g->nnodes; i++)
		if (g->nodes[i].type == t && !strcmp(g->nodes[i].label, label))
			return (long)i;
	return -1;
}

static const char *edge(const struct graph *g, long from, long to)
{
	for (size_t i = 0; i < g->nedges; i++)
		if ((long)g->edges[i].from == from && (long)g->edges[i].to == to)
			return g->edges[i].what;
	return NULL;
}

static void test_legacy(void **state)
{
	struct module_report *r = analyze("O0/legacy.o");
	struct graph *g = NULL;
	long tok, proc, counter, strtok_g, tmbuf;
	size_t functions = 0, edges_out = 0;

	(void)state;
	assert_int_equal(graph_build(&r, 1, &g), 0);
	for (size_t i = 0; i < g->nnodes; i++)
		functions += g->nodes[i].type == GRAPH_FUNCTION;
	assert_int_equal(functions, r->nfunctions);
	tok = node(g, GRAPH_FUNCTION, "legacy_tokenize");
	proc = node(g, GRAPH_FUNCTION, "legacy_process");
	counter = node(g, GRAPH_STATE, "g_counter");
	strtok_g = node(g, GRAPH_GROUP, "strtok");
	tmbuf = node(g, GRAPH_GROUP, "tmbuf");
	assert_true(tok >= 0 && proc >= 0 && counter >= 0 && strtok_g >= 0 && tmbuf >= 0);
	/* Edges: the use, the call path, and calls into a shared-state group. */
	assert_string_equal(edge(g, tok, counter), "reads, writes");
	assert_string_equal(edge(g, tok, strtok_g), "calls strtok");
	assert_string_equal(edge(g, proc, tok), "call");
	assert_null(edge(g, counter, tok));
	/* localtime and gmtime share tmbuf: one group with both. */
	assert_string_equal(g->nodes[tmbuf].detail, "gmtime, localtime");
	assert_int_equal(g->nodes[counter].kind, KIND_MUTABLE_GLOBAL);
	assert_string_equal(g->nodes[counter].detail, ".bss, 4 bytes; fixtures/c/legacy.c:8");
	/* Entry points and why-paths: legacy_process is exported and reaches legacy_tokenize. */
	assert_true(g->nodes[proc].entry & ENTRY_EXPORTED);
	assert_int_equal(g->nodes[proc].depth, 1);
	assert_true(g->nodes[tok].guard);
	assert_true(g->nodes[tok].nwhy >= 1);
	assert_int_equal(g->nodes[tok].why[g->nodes[tok].nwhy - 1], tok);
	assert_true(g->nodes[g->nodes[tok].why[0]].entry);
	/* One edge per pair, sorted. */
	for (size_t i = 1; i < g->nedges; i++)
		assert_true(g->edges[i - 1].from < g->edges[i].from ||
			    (g->edges[i - 1].from == g->edges[i].from && g->edges[i - 1].to < g->edges[i].to));
	for (size_t i = 0; i < g->nedges; i++)
		edges_out += (long)g->edges[i].from == tok;
	assert_int_equal(edges_out, 3);   /* g_counter, tokens, strtok */
	graph_free(g);
	module_report_free(r);
}

static void test_renderings(void **state)
{
	struct module_report *r = analyze("O0/legacy.o");
	struct graph *g = NULL;
	char *dot, *html;

	(void)state;
	assert_int_equal(graph_build(&r, 1, &g), 0);
	dot = report_graph_dot(g);
	html = report_graph_html(g);
	assert_non_null(dot);
	assert_non_null(html);
	assert_non_null(strstr(dot, "digraph confine {\n"));
	assert_non_null(strstr(dot, "[label=\"reads, writes\", color=\"#cc0000\"];"));
	assert_non_null(strstr(html, "const DATA = {\"modules\":["));
	assert_null(strstr(html, "/*CONFINE_GRAPH_DATA*/"));
	assert_null(strstr(html, "</script>\",")); /* names cannot end the script element */
	free(dot);
	free(html);
	graph_free(g);
	module_report_free(r);
}

static void test_empty(void **state)
{
	struct graph *g = NULL;
	char *dot, *html;

	(void)state;
	assert_int_equal(graph_build(NULL, 0, &g), 0);
	assert_int_equal(g->nnodes, 0);
	dot = report_graph_dot(g);
	html = report_graph_html(g);
	assert_string_equal(dot, "digraph confine {\n  rankdir=LR;\n  node [fontname=\"monospace\", fontsize=10];\n"
				 "  edge [fontname=\"sans-serif\", fontsize=9];\n}\n");
	assert_non_null(strstr(html, "const DATA = {\"modules\":[],\"nodes\":[],\"edges\":[]};"));
	free(dot);
	free(html);
	graph_free(g);
	graph_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_legacy),
		cmocka_unit_test(test_renderings),
		cmocka_unit_test(test_empty),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
