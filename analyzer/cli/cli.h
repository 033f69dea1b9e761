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

/* The common options' values (each command takes the sets its cli_command names). */
struct common_opts {
	struct strlist rule_files;
	unsigned libc;
	int jobs;
	bool color;
	const char *output;     /* NULL: standard output */
	const char *format;     /* -f; NULL unless given (the command's validate picks its default) */
	const char *suppressions;
	const char *source_root;   /* --source-root, for sarif and github */
	int verbosity;          /* highest diag level shown: DIAG_WARN, more with -v */
	enum disasm_decoder decoder;   /* --decoder: zydis (default) or capstone */
	struct fleet_opts fleet;  /* --shard, --cache */
};

/* What a command's own option handler returns besides 1 (handled), 0 (not one of its options)
 * and -1 (bad value, reported): it printed what was asked and the command ends with EXIT_CLEAN. */
enum { CLI_DONE = 2 };

/* The sets of common options a command takes (cli_main declares and parses them). */
enum {
	CLI_OUTPUT = 1 << 0,        /* -o, --output FILE */
	CLI_RULES = 1 << 1,         /* --rules FILE, --libc SET */
	CLI_JOBS = 1 << 2,          /* -j, --jobs N */
	CLI_FORMAT = 1 << 3,        /* -f, --format FMT */
	CLI_SUPPRESS = 1 << 4,      /* --suppressions FILE */
	CLI_SOURCE_ROOT = 1 << 5,   /* --source-root DIR */
	CLI_VERBOSE = 1 << 6,       /* -v, --verbose */
	CLI_COLOR = 1 << 7,         /* --no-color */
	CLI_DECODER = 1 << 8,       /* --decoder NAME */
	CLI_FLEET = 1 << 9,         /* --shard K/N, --cache[=DIR] */
};

/* A subcommand's options and body, run by cli_main. Every command takes -h, --help. */
struct cli_command {
	const char *name;              /* as typed: "scan" */
	const char *usage;             /* --help text */
	unsigned common;               /* CLI_OUTPUT | ...: the common options it takes */
	/* Its own short options in getopt's syntax ("b:"; a leading '+': the options end at the
	 * first operand) and long options (ending with a zero entry); NULL: none. Their values
	 * differ from the common ones' (o R L j f S P v C D, FLEET_OPT_*). */
	const char *shortopts;
	const struct option *longopts;
	const char *operand;           /* "PATH": at least one is required; NULL: none */
	/* The command's own options: 1, 0, -1 or CLI_DONE (above). NULL: none. */
	int (*option)(void *opts, int opt, const char *arg);
	/* Checks the parsed options and sets the defaults that depend on them, before the operand
	 * check; 0 or -1 (reported). NULL: none. */
	int (*validate)(void *opts);
	/* The command itself; returns the exit status. */
	int (*run)(void *opts, char **operands, int n);
};

/* The analysis of the PATH operands shared by scan, check, baseline, policy and graph. */
struct cli_scan {
	struct rules *rules;
	struct suppress_set *sup;      /* NULL without --suppressions */
	char *root, *cwd;              /* sarif, github: the source root and the current directory */
	struct input_list units;
	struct saved_results saved;    /* PATHs that are saved scan results (they own their reports) */
	struct fleet_cache fc;
	struct pool_cache *cache;      /* &fc.pool with --cache, else NULL */
	struct analysis_options ao;
	struct pool_result res;        /* res.failed counts the saved results' errors too */
	struct module_report **ok;     /* the usable reports: analyzed in input order, then saved */
	size_t nok, suppressed;
	struct strlist errors;         /* "FILE: reason" per unusable input or saved result */
};

/* The subcommands: argv[0] is the command's name; each returns its exit status. */
int cmd_scan(int argc, char **argv);
int cmd_baseline(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_rules(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_policy(int argc, char **argv);
int cmd_graph(int argc, char **argv);

/* "confine: " + message on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Logs the core's errors as "confine: error: MESSAGE" (the rest is not shown). */
extern const struct diag cli_diag;

/* Runs a subcommand: sets c (inside opts) to the defaults (every core, libc any, colour when
 * stdout is a terminal and NO_COLOR unset, warnings shown), parses argv with the common options
 * first and then cmd->option, prints usage on -h, reports a bad command line in one line,
 * validates, requires an operand when cmd->operand is set, then calls cmd->run. Frees what c
 * holds. Returns the exit status. */
int cli_main(const struct cli_command *cmd, struct common_opts *c, void *opts, int argc, char **argv);

/* Built-in rules plus --rules files; NULL after reporting an error. */
struct rules *cli_load_rules(const struct common_opts *c);

/* Gets a scan ready: the sarif source root (formats sarif and github), --suppressions, the
 * rules, the PATHs (expanded; saved results read) and --cache. Returns 0 or -1 (reported);
 * s is freed by cli_scan_free in either case. */
int cli_scan_load(struct cli_scan *s, const struct common_opts *c, char **paths, int npaths);

/* Prints the inputs' messages in input order, then with --cache and -v its counts. */
void cli_scan_messages(const struct cli_scan *s, const struct common_opts *c);

/* Analyzes the loaded units, applies the suppressions, prints the messages and keeps the usable
 * reports and the input errors in s. Returns 0 or -1 (out of memory, reported). */
int cli_scan_analyze(struct cli_scan *s, const struct common_opts *c);

/* cli_scan_load, then cli_scan_analyze. */
int cli_scan_run(struct cli_scan *s, const struct common_opts *c, char **paths, int npaths);

/* Releases what s holds (not s itself); s may be all zero. */
void cli_scan_free(struct cli_scan *s);

/* Writes text to --output (replaced at once: never a partial file) or stdout; returns 0 or -1
 * (reported). */
int cli_write(const struct common_opts *c, const char *text);

/* cli_write, then frees text; a NULL text is reported as out of memory. Returns 0 or -1. */
int cli_write_free(const struct common_opts *c, char *text);

/* A report written piece by piece: to standard output, or to -o's file through PATH.tmp.PID,
 * renamed over it when the report is complete (as cli_write does). */
struct cli_stream {
	FILE *f;
	char *tmp;
};

/* Opens the output; 0, or -1 after reporting the error. */
int cli_stream_open(const struct common_opts *c, struct cli_stream *s);

/* Closes it: with err 0 the file is put in place, else it is removed. err: 0, -ENOMEM (reported
 * by the caller) or a write error (-errno, reported here, like one found while closing).
 * Returns 0, or -1 after an error. */
int cli_stream_close(const struct common_opts *c, struct cli_stream *s, int err);

#endif
