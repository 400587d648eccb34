/* pinglab check FILE|DIR... — validate scenario files without sending anything.
 *
 * Every path is checked, and every file under a directory, even after an error: each
 * error goes to stderr as "file:line: message" (one line, as compilers print them, so
 * editors can jump to it). Exit 0 when everything is valid, 2 when anything is not. */
#include <stdio.h>
#include <string.h>

#include "lab/commands.h"
#include "scenario/scenario.h"

static void report(void *ctx, const char *msg)
{
	unsigned *nbad = ctx;

	fprintf(stderr, "%s\n", msg);
	(*nbad)++;
}

int cmd_check(int argc, char **argv)
{
	static char deflt[] = "scenarios";
	char *def[] = { deflt };
	struct pl_scn_set set = { 0 };
	size_t packets = 0, i;
	unsigned nbad = 0;
	char **paths = argv + 1;
	int npaths = argc - 1, k;

	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		printf("usage: pinglab check FILE|DIR...   (default: scenarios/)\n");
		return PL_EXIT_OK;
	}
	if (npaths == 0) {
		paths = def;
		npaths = 1;
	}
	for (k = 0; k < npaths; k++) {
		struct pl_err err = { "" };
		unsigned before = nbad;
		int rc = pl_scn_load_each(&set, paths[k], report, &nbad, &err);

		if (rc && nbad == before) {
			/* not one of the reported errors (out of memory) */
			fprintf(stderr, "%s\n", err.msg);
			pl_scn_set_free(&set);
			return PL_EXIT_ERROR;
		}
	}
	if (nbad) {
		pl_scn_set_free(&set);
		return PL_EXIT_ERROR;
	}
	for (i = 0; i < set.n; i++)
		packets += set.v[i].nsend * set.v[i].repeat;
	printf("ok: %zu scenarios, %zu packets per target\n", set.n, packets);
	pl_scn_set_free(&set);
	return PL_EXIT_OK;
}
