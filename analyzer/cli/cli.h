/* CLI: shared pieces of the confine subcommands (a thin layer over the analyzer library). */
#ifndef CONFINE_CLI_H
#define CONFINE_CLI_H

#include <stdbool.h>
#include <stdio.h>
#include <getopt.h>
#include "analysis.h"
#include "fleet.h"
#include "input.h"
#include "pool.h"
#include "rules.h"
#include "suppress.h"

/* Exit statuses, documented in README.md. */
enum {
	EXIT_CLEAN = 0,      /* every input scanned (scan), nothing new (check) */
	EXIT_NEW = 1,        /* check: new findings */
	EXIT_TROUBLE = 2,    /* unusable input, bad command line, unreadable rules or baseline */
};

/* Options the analyzing subcommands share (each accepts those its longopts list). */
struct common_opts {
	struct strlist rule_files;
	unsigned libc;
	int jobs;
	bool color;
	const char *output;     /* NULL: standard output */
	const char *format;     /* -f: "text" unless given */
	const char *suppressions;
	int verbosity;          /* highest diag level shown: DIAG_WARN, more with -v */
	enum disasm_decoder decoder;   /* --decoder: zydis (default) or capstone */
	struct fleet_opts fleet;  /* --shard, --cache */
};

/* A subcommand's option table and body, run by cli_main. */
struct cli_command {
	const char *name;              /* as typed: "scan" */
	const char *usage;             /* --help text */
	const char *shortopts;         /* getopt string, starting with ':' */
	const struct option *longopts;
	bool needs_paths;              /* at least one PATH operand */
	/* The command's own options: 1 handled, 0 not one of them, -1 bad value (reported).
	 * NULL: none. */
	int (*option)(void *opts, int opt, const char *arg);
	/* Checks the parsed options before the PATH check; 0 or -1 (reported). NULL: none. */
	int (*validate)(void *opts);
	/* The command itself; returns the exit status. */
	int (*run)(void *opts, char **paths, int npaths);
};

/* The analysis of the PATH operands shared by scan, check, baseline and policy. */
struct cli_scan {
	struct rules *rules;
	struct suppress_set *sup;      /* NULL without --suppressions */
	struct input_list units;
	struct pool_result res;
	struct saved_results saved;    /* PATHs that are saved scan results (they own their reports) */
	struct fleet_cache fc;         /* --cache */
	struct module_report **ok;     /* the usable reports: analyzed in input order, then saved */
	size_t nok, suppressed;
	struct strlist errors;         /* "FILE: reason" per unusable input or saved result */
};

int cmd_scan(int argc, char **argv);
int cmd_baseline(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_rules(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_policy(int argc, char **argv);

/* "confine: " + message on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Sets defaults: every core, libc any, colour when stdout is a terminal and NO_COLOR unset,
 * text format, warnings shown. */
void cli_common_init(struct common_opts *c);

/* Handles one of the common long options (--rules, --libc, -j/--jobs, --no-color, -o/--output,
 * -f/--format, --suppressions, -v/--verbose); returns 1 when handled, 0 when not one of them,
 * -1 on a bad value (reported). */
int cli_common_option(struct common_opts *c, int opt, const char *arg);

/* Runs a subcommand: parses argv with the common options first (c, set to defaults here) and
 * then cmd->option(opts), prints usage on -h, reports a bad command line, validates, requires
 * PATH operands when the command does, then calls cmd->run. Frees what c holds. Returns the
 * exit status. */
int cli_main(const struct cli_command *cmd, struct common_opts *c, void *opts, int argc, char **argv);

/* 0 when c->format is text, json or sarif; -1 (reported) otherwise. */
int cli_check_format(const struct common_opts *c);

/* Logs errors of the core as "confine: error: MESSAGE". */
extern const struct diag cli_diag;

/* Loads rules and --suppressions, expands and analyzes the paths, applies the suppressions,
 * prints the inputs' messages and fills s (free with cli_scan_free, also after an error).
 * Returns 0 or -1 (reported). */
int cli_scan_run(struct cli_scan *s, const struct common_opts *c, char **paths, int npaths);
void cli_scan_free(struct cli_scan *s);

/* Built-in rules plus --rules files; NULL after reporting an error. */
struct rules *cli_load_rules(const struct common_opts *c);

/* Expands PATH arguments; returns 0 or -1 (out of memory, reported). */
int cli_expand(struct input_list *list, char **paths, int n);

/* Reports a getopt failure ('?' unknown option, ':' missing value; opterr is 0 and optstrings
 * start with ':') in one line. */
void cli_bad_option(const char *cmd, int opt, char **argv);

/* Writes text to --output (replaced at once: never a partial file) or stdout; returns 0 or -1
 * (reported). */
int cli_write(const struct common_opts *c, const char *text);

#endif
