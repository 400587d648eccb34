/* pinglab list [--tag T] [--stack S] [PATH...] — the scenario library at a glance. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lab/commands.h"
#include "scenario/scenario.h"

/* What target t must do with each packet of s, compactly: the expectation most packets
 * share (the scenario-wide one on a tie), then the packets that differ, as in
 * "drop, [1] reply rfc". */
static void expect_summary(const struct pl_scenario *s, enum pl_target_kind t, enum pl_stack_id st, char *out,
			   size_t n)
{
	char d[PL_SCN_MAX_SENDS][128], wide[128] = "";
	const struct pl_expect *w = pl_scn_expect(s, PL_SCN_ALL, t, st);
	size_t i, j, base = 0, best = 0, used;

	if (s->pcap) {
		/* a capture's packets: each what the reference decides; the kernel either
		 * unless the scenario says */
		if (t == PL_TARGET_KERNEL && w->kind)
			pl_expect_describe(w, out, n);
		else
			snprintf(out, n, "%s", t == PL_TARGET_KERNEL ? "either" : "per rules");
		return;
	}
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

/* pinglab list reads the library twice, a scenario at a time: the columns' widths,
 * then the rows */
struct listing {
	const char *tag;
	enum pl_stack_id stack;
	bool print;
	size_t shown;
	int wid, wcat, wexp, wker;
};

static int list_one(void *ctx, struct pl_scenario *s, struct pl_err *err)
{
	struct listing *l = ctx;
	char expect[256], kernel[256];

	(void)err;
	if (l->tag && !pl_scn_has_tag(s, l->tag))
		return 0;
	expect_summary(s, PL_TARGET_RESPONDER, l->stack, expect, sizeof(expect));
	expect_summary(s, PL_TARGET_KERNEL, l->stack, kernel, sizeof(kernel));
	if (l->print) {
		printf("%-*s  %-*s  %-*s  %-*s  %s\n", l->wid, s->id, l->wcat, s->category, l->wexp, expect, l->wker,
		       kernel, s->description ? s->description : "");
		return 0;
	}
	/* columns as wide as their widest entry */
	if ((int)strlen(s->id) > l->wid)
		l->wid = (int)strlen(s->id);
	if ((int)strlen(s->category) > l->wcat)
		l->wcat = (int)strlen(s->category);
	if ((int)strlen(expect) > l->wexp)
		l->wexp = (int)strlen(expect);
	if ((int)strlen(kernel) > l->wker)
		l->wker = (int)strlen(kernel);
	l->shown++;
	return 0;
}

int cmd_list(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "tag", required_argument, NULL, 't' }, { "stack", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	static char deflt_dir[] = "scenarios";
	char *deflt[] = { deflt_dir };
	const struct pl_stack *stack = pl_stack(PL_STACK_ECHO);
	struct listing l = { .wid = 2, .wcat = 8, .wexp = 6, .wker = 6 };
	struct pl_scn_lib *lib = NULL;
	struct pl_err err = { "" };
	const char *tag = NULL;
	int c;

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
	l.tag = tag;
	l.stack = stack->id;
	if (pl_scn_lib_open(&lib, optind < argc ? argv + optind : deflt, optind < argc ? (size_t)(argc - optind) : 1,
			    stack->id, NULL, NULL, &err) ||
	    pl_scn_lib_each(lib, list_one, &l, &err) < 0) {
		fprintf(stderr, "pinglab list: %s\n", err.msg);
		pl_scn_lib_free(lib);
		return PL_EXIT_ERROR;
	}
	/* a rare long expectation overflows its own line rather than widen every line */
	l.wexp = l.wexp > 24 ? 24 : l.wexp;
	l.wker = l.wker > 36 ? 36 : l.wker;
	printf("%-*s  %-*s  %-*s  %-*s  %s\n", l.wid, "ID", l.wcat, "CATEGORY", l.wexp, "EXPECT", l.wker, "KERNEL",
	       "DESCRIPTION");
	l.print = true;
	if (pl_scn_lib_each(lib, list_one, &l, &err) < 0) {
		fprintf(stderr, "pinglab list: %s\n", err.msg);
		pl_scn_lib_free(lib);
		return PL_EXIT_ERROR;
	}
	printf("%zu of %zu scenarios%s%s%s\n", l.shown, pl_scn_lib_count(lib), tag ? " with tag " : "", tag ? tag : "",
	       stack->id == PL_STACK_HOST ? " (host stack)" : "");
	pl_scn_lib_free(lib);
	return PL_EXIT_OK;
}
