/* Graph report: DOT for Graphviz, and the HTML page (a template embedded in the binary, with the
 * graph as JSON in place of its data line). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "report_graph.h"

extern const char graph_page_text[];   /* graph_page.S */

#define DATA_LINE "/*CONFINE_GRAPH_DATA*/"

static const char *kind_color(const struct graph_node *n)
{
	static const char *const colors[KIND_FINDINGS_END] = {
		[KIND_MUTABLE_GLOBAL] = "#f4a6a6",
		[KIND_MUTABLE_STATIC] = "#f8c98c",
		[KIND_MUTABLE_LOCAL_STATIC] = "#cdb4e6",
		[KIND_NON_REENTRANT_CALL] = "#a9c8ec",
	};

	if (n->type == GRAPH_FUNCTION)
		return n->init_only ? "#dddddd" : n->guard ? "#ffe08a" : "#ffffff";
	return n->kind < KIND_FINDINGS_END ? colors[n->kind] : "#ffffff";
}

static void dot_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', out);
		if (*s == '\n')
			fputs("\\n", out);
		else
			fputc(*s, out);
	}
	fputc('"', out);
}

/* "why: entry -> ... -> f" for a confined function reached from an entry point. */
static void dot_why(FILE *out, const struct graph *g, const struct graph_node *n)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *s = open_memstream(&buf, &len);

	if (!s)
		return;
	fprintf(s, "%s", n->label);
	if (n->entry)
		fprintf(s, "\nentry point: %s", graph_entry_words(n->entry));
	if (n->nwhy > 1) {
		fprintf(s, "\nreached from: ");
		for (size_t k = 0; k < n->nwhy; k++)
			fprintf(s, "%s%s", k ? " -> " : "", g->nodes[n->why[k]].label);
	}
	if (n->guard)
		fprintf(s, "\nconfined: it touches thread-hostile state itself");
	if (fclose(s) == 0) {
		fputs(", tooltip=", out);
		dot_string(out, buf);
	}
	free(buf);
}

static void dot_node(FILE *out, const struct graph *g, size_t i)
{
	const struct graph_node *n = &g->nodes[i];

	fprintf(out, "    n%zu [label=", i);
	if (n->detail && n->type != GRAPH_FUNCTION && strcmp(n->detail, n->label)) {
		char *l = NULL;

		if (asprintf(&l, "%s\n%s", n->label, n->detail) >= 0)
			dot_string(out, l);
		else
			dot_string(out, n->label);
		free(l);
	} else {
		dot_string(out, n->label);
	}
	fprintf(out, ", shape=box, style=\"%s\", fillcolor=\"%s\"",
		n->type == GRAPH_FUNCTION ? "filled" : "rounded,filled", kind_color(n));
	if (n->entry)
		fputs(", peripheries=2", out);
	if (n->type == GRAPH_FUNCTION)
		dot_why(out, g, n);
	fputs("];\n", out);
}

char *report_graph_dot(const struct graph *g)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	if (!out)
		return NULL;
	fputs("digraph confine {\n  rankdir=LR;\n  node [fontname=\"monospace\", fontsize=10];\n"
	      "  edge [fontname=\"sans-serif\", fontsize=9];\n", out);
	for (size_t i = 0; i < g->nnodes; i++) {
		if (!i || g->nodes[i].module != g->nodes[i - 1].module) {
			fprintf(out, "%s  subgraph cluster_%zu {\n    label=", i ? "  }\n" : "", i);
			dot_string(out, g->nodes[i].module->display);
			fputs(";\n", out);
		}
		dot_node(out, g, i);
	}
	if (g->nnodes)
		fputs("  }\n", out);
	for (size_t i = 0; i < g->nedges; i++) {
		const struct graph_edge *e = &g->edges[i];

		fprintf(out, "  n%zu -> n%zu [label=", e->from, e->to);
		dot_string(out, e->what);
		fprintf(out, "%s];\n", strstr(e->what, "writes") ? ", color=\"#cc0000\"" : "");
	}
	fputs("}\n", out);
	if (fclose(out)) {
		free(buf);
		return NULL;
	}
	return buf;
}

static const char *type_name(enum graph_node_type t)
{
	return t == GRAPH_FUNCTION ? "function" : t == GRAPH_STATE ? "state" : "group";
}

static json_t *json_node(const struct graph *g, size_t i, size_t module)
{
	const struct graph_node *n = &g->nodes[i];
	json_t *why = json_array();

	for (size_t k = 0; why && k < n->nwhy; k++)
		json_array_append_new(why, json_integer((json_int_t)n->why[k]));
	return json_pack("{s:I, s:s, s:s, s:I, s:o, s:s, s:s, s:b, s:b, s:I, s:o, s:o}", "id",
			 (json_int_t)i, "type", type_name(n->type), "label", n->label, "module",
			 (json_int_t)module, "kind",
			 n->type == GRAPH_FUNCTION ? json_null() : json_string(kind_name(n->kind)),
			 "severity", rule_severity_name(n->severity), "entry", graph_entry_words(n->entry),
			 "guard", n->guard, "init_only", n->init_only, "depth", (json_int_t)n->depth,
			 "detail", n->detail ? json_string(n->detail) : json_null(), "why", why);
}

/* {"modules": [display...], "nodes": [...], "edges": [...]} */
static json_t *json_graph(const struct graph *g)
{
	json_t *mods = json_array(), *nodes = json_array(), *edges = json_array();
	size_t m = 0;

	for (size_t i = 0; mods && nodes && i < g->nnodes; i++) {
		if (!i || g->nodes[i].module != g->nodes[i - 1].module) {
			m = json_array_size(mods);
			json_array_append_new(mods, json_string(g->nodes[i].module->display));
		}
		json_array_append_new(nodes, json_node(g, i, m));
	}
	for (size_t i = 0; edges && i < g->nedges; i++)
		json_array_append_new(edges, json_pack("{s:I, s:I, s:s}", "from", (json_int_t)g->edges[i].from,
						       "to", (json_int_t)g->edges[i].to, "what",
						       g->edges[i].what));
	return json_pack("{s:o, s:o, s:o}", "modules", mods, "nodes", nodes, "edges", edges);
}

char *report_graph_html(const struct graph *g)
{
	const char *at = strstr(graph_page_text, DATA_LINE);
	json_t *doc = json_graph(g);
	/* JSON_ESCAPE_SLASH: "</script>" in a name cannot end the script element. */
	char *data = doc ? json_dumps(doc, JSON_COMPACT | JSON_ESCAPE_SLASH | JSON_PRESERVE_ORDER) : NULL;
	char *page = NULL;

	if (data && at &&
	    asprintf(&page, "%.*sconst DATA = %s;%s", (int)(at - graph_page_text), graph_page_text, data,
		     at + strlen(DATA_LINE)) < 0)
		page = NULL;
	free(data);
	json_decref(doc);
	return page;
}
