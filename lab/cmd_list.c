/* pinglab list [--tag T] [PATH...] — the scenario library at a glance. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "lab/commands.h"
#include "scenario/scenario.h"

/* Load every path (default: scenarios/) into set; prints the error. */
int cli_load_scenarios(const char *cmd, int argc, char **argv, struct pl_scn_set *set)
{
	struct pl_err err = { "" };
	int i;

	if (argc == 0) {
		if (pl_scn_load(set, "scenarios", &err)) {
			fprintf(stderr, "pinglab %s: %s\n", cmd, err.msg);
			return PL_EXIT_ERROR;
		}
		return PL_EXIT_OK;
	}
	for (i = 0; i < argc; i++)
		if (pl_scn_load(set, argv[i], &err)) {
			fprintf(stderr, "pinglab %s: %s\n", cmd, err.msg);
			return PL_EXIT_ERROR;
		}
	return PL_EXIT_OK;
}

int cmd_list(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "tag", required_argument, NULL, 't' }, { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	struct pl_scn_set set = { 0 };
	const char *tag = NULL;
	size_t i, shown = 0;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "t:h", opts, NULL)) != -1) {
		switch (c) {
		case 't': tag = optarg; break;
		case 'h':
			printf("usage: pinglab list [--tag TAG] [FILE|DIR...]   (default: scenarios/)\n");
			return PL_EXIT_OK;
		default:
			fprintf(stderr, "usage: pinglab list [--tag TAG] [FILE|DIR...]\n");
			return PL_EXIT_ERROR;
		}
	}
	rc = cli_load_scenarios("list", argc - optind, argv + optind, &set);
	if (rc)
		return rc;
	printf("%-44s %-11s %-12s %-24s %s\n", "ID", "CATEGORY", "EXPECT", "KERNEL", "DESCRIPTION");
	for (i = 0; i < set.n; i++) {
		const struct pl_scenario *s = &set.v[i];
		char e[64], k[64];

		if (tag && !pl_scn_has_tag(s, tag))
			continue;
		if (s->expect[0].kind)
			pl_expect_describe(&s->expect[0], e, sizeof(e));
		else
			snprintf(e, sizeof(e), "per packet");
		if (s->expect_kernel[0].kind)
			pl_expect_describe(&s->expect_kernel[0], k, sizeof(k));
		else
			snprintf(k, sizeof(k), "%s", e);
		printf("%-44s %-11s %-12s %-24s %s\n", s->id, s->category, e, k,
		       s->description ? s->description : "");
		shown++;
	}
	printf("%zu of %zu scenarios%s%s\n", shown, set.n, tag ? " with tag " : "", tag ? tag : "");
	pl_scn_set_free(&set);
	return PL_EXIT_OK;
}
