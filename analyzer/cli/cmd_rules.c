/* confine rules: prints the active rule set in the rule-file format. */
#include <getopt.h>
#include <stdio.h>
#include "cli.h"

static const char usage[] =
	"usage: confine rules [--rules FILE]... [--libc glibc|posix|any]\n"
	"Print the rules a scan would apply, one per line in the rule-file format\n"
	"(function group severity category alternative source aliases; see confine-rules(5)).\n"
	"\n"
	"      --rules FILE   add rules from FILE; repeatable\n"
	"      --libc SET     rule set: glibc, posix or any (default any)\n"
	"  -h, --help         this help\n"
	"\n"
	"Exit status: 0 printed, 2 a rules file is unusable or the command line is wrong.\n";

static const struct option longopts[] = {
	{ "rules", required_argument, NULL, 'R' },
	{ "libc", required_argument, NULL, 'L' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static const char *field(const char *s)
{
	return s ? s : "-";
}

static void print_rule(const struct rule *ru)
{
	char query[16];

	static const char *const sources[] = { "-", "glibc", "posix", "glibc,posix", "user",
					       "glibc,user", "posix,user", "glibc,posix,user" };

	printf("%s\t%s\t%s\t%s\t%s\t%s\t", ru->name, field(ru->group), rule_severity_name(ru->severity),
	       rule_category_name(ru->category), field(ru->alternative), sources[ru->sources & 7]);
	for (size_t i = 0; i < ru->naliases; i++)
		printf("%s%s", i ? "," : "", ru->aliases[i]);
	printf("%s", ru->naliases ? "" : "-");
	/* Like rules/libc.rules: the last field only where it is set. */
	if (ru->query != QUERY_NEVER)
		printf("\t%s", rule_query_text(ru, query));
	printf("\n");
}

int cmd_rules(int argc, char **argv)
{
	struct common_opts c;
	struct rules *r;
	int opt, h;

	cli_common_init(&c);
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		if ((h = cli_common_option(&c, opt, optarg)) != 0) {
			if (h < 0)
				return EXIT_TROUBLE;
			continue;
		}
		if (opt == 'h') {
			fputs(usage, stdout);
			return EXIT_CLEAN;
		}
		cli_bad_option("rules", opt, argv);
		return EXIT_TROUBLE;
	}
	r = cli_load_rules(&c);
	strlist_free(&c.rule_files);
	if (!r)
		return EXIT_TROUBLE;
	printf("# function\tgroup\tseverity\tcategory\talternative\tsource\taliases\tquery\n");
	for (size_t i = 0; i < rules_count(r); i++) {
		const struct rule *ru = rules_at(r, i);

		if (ru->sources & (c.libc | SOURCE_USER))
			print_rule(ru);
	}
	rules_free(r);
	return EXIT_CLEAN;
}
