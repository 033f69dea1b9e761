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

#define PROTECTED_COLOR "#2e7d32"   /* protected state and accesses: green, dashed */

/* " [lock mu]", " [atomic]", ...; "" unprotected. Static storage, or buf. */
static const char *protection_note(enum protection p, const char *lock, char *buf, size_t size)
{
	if (p == PROT_NONE)
		return "";
	snprintf(buf, size, " [%s%s%s]", protection_name(p), lock ? " " : "", lock ? lock : "");
	return buf;
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

/* State and groups show their detail under the name, protected state its protection. */
static void dot_label(FILE *out, const struct graph_node *n)
{
	char note[256], *l = NULL;
	const char *p = protection_note(n->protection, n->lock, note, sizeof(note));

	if (n->detail && n->type != GRAPH_FUNCTION && strcmp(n->detail, n->label)) {
		if (asprintf(&l, "%s%s\n%s", n->label, p, n->detail) < 0)
			l = NULL;
	} else if (*p && asprintf(&l, "%s%s", n->label, p) < 0) {
		l = NULL;
	}
	dot_string(out, l ? l : n->label);
	free(l);
}

static void dot_node(FILE *out, const struct graph *g, size_t i)
{
	const struct graph_node *n = &g->nodes[i];

	fprintf(out, "    n%zu [label=", i);
	dot_label(out, n);
	fprintf(out, ", shape=box, style=\"%s\", fillcolor=\"%s\"",
		n->type == GRAPH_FUNCTION ? "filled" : n->protection ? "rounded,filled,dashed" : "rounded,filled",
		kind_color(n));
	if (n->protection)
		fputs(", color=\"" PROTECTED_COLOR "\", penwidth=2", out);
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

		char note[256], *l = NULL;
		const char *p = protection_note(e->protection, e->lock, note, sizeof(note));

		fprintf(out, "  n%zu -> n%zu [label=", e->from, e->to);
		if (*p && asprintf(&l, "%s%s", e->what, p) < 0)
			l = NULL;
		dot_string(out, l ? l : e->what);
		free(l);
		if (e->protection)
			fputs(", color=\"" PROTECTED_COLOR "\", style=dashed", out);
		else if (strstr(e->what, "writes"))
			fputs(", color=\"#cc0000\"", out);
		fputs("];\n", out);
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

/* State: its protection's name; functions and groups: null. */
static json_t *json_protection(bool state, enum protection p, const char *lock, const char *key)
{
	return json_pack("{s:o, s:o}", key, state ? json_string(protection_name(p)) : json_null(), "lock",
			 state && lock ? json_string(lock) : json_null());
}

static json_t *json_node(const struct graph *g, size_t i, size_t module)
{
	const struct graph_node *n = &g->nodes[i];
	json_t *why = json_array(), *o;

	for (size_t k = 0; why && k < n->nwhy; k++)
		json_array_append_new(why, json_integer((json_int_t)n->why[k]));
	o = json_pack("{s:I, s:s, s:s, s:I, s:o, s:s, s:s, s:b, s:b, s:I, s:o, s:o}", "id",
			 (json_int_t)i, "type", type_name(n->type), "label", n->label, "module",
			 (json_int_t)module, "kind",
			 n->type == GRAPH_FUNCTION ? json_null() : json_string(kind_name(n->kind)),
			 "severity", rule_severity_name(n->severity), "entry", graph_entry_words(n->entry),
			 "guard", n->guard, "init_only", n->init_only, "depth", (json_int_t)n->depth,
			 "detail", n->detail ? json_string(n->detail) : json_null(), "why", why);
	if (o && json_object_update_new(o, json_protection(n->type == GRAPH_STATE, n->protection, n->lock,
							    "protection"))) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *json_edge(const struct graph *g, const struct graph_edge *e)
{
	json_t *o = json_pack("{s:I, s:I, s:s}", "from", (json_int_t)e->from, "to", (json_int_t)e->to,
			      "what", e->what);

	if (o && json_object_update_new(o, json_protection(g->nodes[e->to].type == GRAPH_STATE,
							    e->protection, e->lock, "protection"))) {
		json_decref(o);
		return NULL;
	}
	return o;
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
		json_array_append_new(edges, json_edge(g, &g->edges[i]));
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
