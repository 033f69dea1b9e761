/* Line reports: compiler-style diagnostics and GitHub workflow commands, one line per finding,
 * with the message text of the SARIF results. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "report_lines.h"

int report_lines_style(const char *name)
{
	if (!strcmp(name, "gcc"))
		return LINES_GCC;
	if (!strcmp(name, "github"))
		return LINES_GITHUB;
	return -1;
}

/* Workflow command escaping: data escapes %, CR and LF; property values also ':' and ','. */
static void put_escaped(FILE *out, const char *s, bool property)
{
	for (; *s; s++) {
		if (*s == '%')
			fputs("%25", out);
		else if (*s == '\r')
			fputs("%0D", out);
		else if (*s == '\n')
			fputs("%0A", out);
		else if (property && *s == ':')
			fputs("%3A", out);
		else if (property && *s == ',')
			fputs("%2C", out);
		else
			fputc(*s, out);
	}
}

/* "file:line:column:" where DWARF recorded the column, else "file:line:" (gcc's form with
 * -fno-show-column, which quickfix lists and problem matchers read too), and "file:" without a
 * source line, as compilers print a diagnostic that has none. */
static void gcc_line(FILE *out, const struct module_report *m, const struct finding *f,
		     const char *level, const char *text)
{
	if (f->file && f->line > 0 && f->column > 0)
		fprintf(out, "%s:%d:%d:", f->file, f->line, f->column);
	else if (f->file && f->line > 0)
		fprintf(out, "%s:%d:", f->file, f->line);
	else
		fprintf(out, "%s:", f->file ? f->file : m->display);
	fprintf(out, " %s: %s [confine-%s]\n", level, text, kind_name(f->kind));
}

static int github_line(FILE *out, const struct module_report *m, const struct finding *f,
		       const char *level, const char *text, const struct sarif_options *o)
{
	bool outside;
	char *path = f->file ? report_sarif_path(f->file, false, o, &outside)
			     : report_sarif_path(m->path, true, o, &outside);

	if (!path)
		return -1;
	fprintf(out, "::%s file=", level);
	put_escaped(out, path, true);
	if (f->file && f->line > 0)
		fprintf(out, ",line=%d", f->line);
	if (f->file && f->line > 0 && f->column > 0)
		fprintf(out, ",col=%d", f->column);
	fprintf(out, ",title=confine %s::", kind_name(f->kind));
	put_escaped(out, text, false);
	fputc('\n', out);
	free(path);
	return 0;
}

static int one(FILE *out, const struct module_report *m, const struct finding *f,
	       enum lines_style s, const struct sarif_options *o)
{
	const char *level = baseline_severity(f) == SEVERITY_ERROR ? "error" : "warning";
	char *text = report_sarif_message(m, f);
	int err = text ? 0 : -1;

	if (!err && s == LINES_GCC)
		gcc_line(out, m, f, level, text);
	else if (!err)
		err = github_line(out, m, f, level, text, o);
	free(text);
	return err;
}

/* Closes the stream (which sets *buf) and hands over the text, or NULL after an error. */
static char *finish(FILE *out, char **buf, int err)
{
	if (fclose(out) || err) {
		free(*buf);
		return NULL;
	}
	return *buf;
}

char *report_lines_render(struct module_report *const *mods, size_t n, enum lines_style s,
			  const struct sarif_options *o)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	int err = 0;

	if (!out)
		return NULL;
	for (size_t m = 0; m < n && !err; m++)
		for (size_t i = 0; i < mods[m]->nfindings && !err; i++)
			if (finding_unprotected(&mods[m]->findings[i]))   /* as SARIF */
				err = one(out, mods[m], &mods[m]->findings[i], s, o);
	return finish(out, &buf, err);
}

char *report_lines_render_new(const struct baseline_diff *d, enum lines_style s,
			      const struct sarif_options *o)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	int err = 0;

	if (!out)
		return NULL;
	for (size_t i = 0; i < d->nadded && !err; i++)
		err = one(out, d->added[i].module, d->added[i].finding, s, o);
	return finish(out, &buf, err);
}
