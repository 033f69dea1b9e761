/* confine rules: prints the active rule set in the rule-file format. */
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

static int run(void *opts, char **operands, int n)
{
	const struct common_opts *c = opts;
	struct rules *r = cli_load_rules(c);

	(void)operands;
	(void)n;
	if (!r)
		return EXIT_TROUBLE;
	printf("# function\tgroup\tseverity\tcategory\talternative\tsource\taliases\tquery\n");
	for (size_t i = 0; i < rules_count(r); i++) {
		const struct rule *ru = rules_at(r, i);

		if (ru->sources & (c->libc | SOURCE_USER))
			print_rule(ru);
	}
	rules_free(r);
	return EXIT_CLEAN;
}

int cmd_rules(int argc, char **argv)
{
	static const struct cli_command cmd = { "rules", usage, CLI_RULES, NULL, NULL, NULL, NULL, NULL, run };
	struct common_opts c;

	return cli_main(&cmd, &c, &c, argc, argv);
}
