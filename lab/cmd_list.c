/* pinglab list [--tag T] [--stack S] [PATH...] — the scenario library at a glance. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
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

/* What target t must do with each packet of s, compactly: the expectation most packets
 * share (the scenario-wide one on a tie), then the packets that differ, as in
 * "drop, [1] reply rfc". */
static void expect_summary(const struct pl_scenario *s, enum pl_target_kind t, enum pl_stack_id st, char *out,
			   size_t n)
{
	char d[PL_SCN_MAX_SENDS][128], wide[128] = "";
	const struct pl_expect *w = pl_scn_expect(s, PL_SCN_ALL, t, st);
	size_t i, j, base = 0, best = 0, used;

	if (w->kind)
		pl_expect_describe(w, wide, sizeof(wide));
	for (i = 0; i < s->nsend; i++)
		pl_expect_describe(pl_scn_expect(s, i, t, st), d[i], sizeof(d[i]));
	for (i = 0; i < s->nsend; i++) {
		size_t same = 0;

		for (j = 0; j < s->nsend; j++)
			same += !strcmp(d[i], d[j]);
		if (same > best || (same == best && !strcmp(d[i], wide) && strcmp(d[base], wide))) {
			best = same;
			base = i;
		}
	}
	snprintf(out, n, "%.127s", d[base]);
	used = strlen(out);
	for (i = 0; i < s->nsend && used + 1 < n; i++) {
		int k;

		if (!strcmp(d[i], d[base]))
			continue;
		k = snprintf(out + used, n - used, ", [%zu] %s", i + 1, d[i]);
		if (k < 0 || (size_t)k >= n - used)
			break;
		used += (size_t)k;
	}
}

struct row {
	const struct pl_scenario *s;
	char expect[256], kernel[256];
};

int cmd_list(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "tag", required_argument, NULL, 't' }, { "stack", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	const struct pl_stack *stack = pl_stack(PL_STACK_ECHO);
	struct pl_scn_set set = { 0 };
	const char *tag = NULL;
	struct row *rows;
	size_t i, shown = 0;
	int c, rc, wid = 2, wcat = 8, wexp = 6, wker = 6;

	optind = 1;
	while ((c = getopt_long(argc, argv, "t:s:h", opts, NULL)) != -1) {
		switch (c) {
		case 't': tag = optarg; break;
		case 's':
			if (!(stack = pl_stack_by_name(optarg))) {
				fprintf(stderr, "pinglab list: --stack %s: unknown stack (%s)\n", optarg, pl_stack_names());
				return PL_EXIT_ERROR;
			}
			break;
		case 'h':
			printf("usage: pinglab list [--tag TAG] [--stack echo|host] [FILE|DIR...]   (default: scenarios/)\n"
			       "  the expectations shown are those under the stack (default echo)\n");
			return PL_EXIT_OK;
		default:
			fprintf(stderr, "usage: pinglab list [--tag TAG] [--stack echo|host] [FILE|DIR...]\n");
			return PL_EXIT_ERROR;
		}
	}
	set.stack = stack->id;
	rc = cli_load_scenarios("list", argc - optind, argv + optind, &set);
	if (rc)
		return rc;
	rows = calloc(set.n ? set.n : 1, sizeof(*rows));
	if (!rows) {
		fprintf(stderr, "pinglab list: out of memory\n");
		pl_scn_set_free(&set);
		return PL_EXIT_ERROR;
	}
	/* columns as wide as their widest entry */
	for (i = 0; i < set.n; i++) {
		struct row *r = &rows[shown];

		if (tag && !pl_scn_has_tag(&set.v[i], tag))
			continue;
		r->s = &set.v[i];
		expect_summary(r->s, PL_TARGET_RESPONDER, stack->id, r->expect, sizeof(r->expect));
		expect_summary(r->s, PL_TARGET_KERNEL, stack->id, r->kernel, sizeof(r->kernel));
		if ((int)strlen(r->s->id) > wid)
			wid = (int)strlen(r->s->id);
		if ((int)strlen(r->s->category) > wcat)
			wcat = (int)strlen(r->s->category);
		if ((int)strlen(r->expect) > wexp)
			wexp = (int)strlen(r->expect);
		if ((int)strlen(r->kernel) > wker)
			wker = (int)strlen(r->kernel);
		shown++;
	}
	/* a rare long expectation overflows its own line rather than widen every line */
	wexp = wexp > 24 ? 24 : wexp;
	wker = wker > 36 ? 36 : wker;
	printf("%-*s  %-*s  %-*s  %-*s  %s\n", wid, "ID", wcat, "CATEGORY", wexp, "EXPECT", wker, "KERNEL",
	       "DESCRIPTION");
	for (i = 0; i < shown; i++)
		printf("%-*s  %-*s  %-*s  %-*s  %s\n", wid, rows[i].s->id, wcat, rows[i].s->category, wexp,
		       rows[i].expect, wker, rows[i].kernel, rows[i].s->description ? rows[i].s->description : "");
	printf("%zu of %zu scenarios%s%s%s\n", shown, set.n, tag ? " with tag " : "", tag ? tag : "",
	       stack->id == PL_STACK_HOST ? " (host stack)" : "");
	free(rows);
	pl_scn_set_free(&set);
	return PL_EXIT_OK;
}
