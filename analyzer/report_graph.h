/* Graph report: the hazard graph (graph.h) as Graphviz DOT or as a self-contained HTML page. */
#ifndef CONFINE_REPORT_GRAPH_H
#define CONFINE_REPORT_GRAPH_H

#include "graph.h"

/* A DOT digraph: a cluster per module, functions as boxes (entry points with a double border,
 * confined ones filled), state and libc groups coloured by kind, edges labelled with the use.
 * Returns a malloc'd string, NULL when out of memory. */
char *report_graph_dot(const struct graph *g);

/* One HTML page with the graph as data and the script that draws it as inline SVG (filter by
 * name, collapse call chains, why-paths on click); it fetches nothing. NULL when out of memory. */
char *report_graph_html(const struct graph *g);

#endif
