/* pinglab check FILE|DIR... — validate scenario files without sending anything. */
#include <stdio.h>
#include <string.h>

#include "lab/commands.h"
#include "scenario/scenario.h"

int cmd_check(int argc, char **argv)
{
	struct pl_scn_set set = { 0 };
	size_t packets = 0, i;
	int rc;

	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		printf("usage: pinglab check FILE|DIR...   (default: scenarios/)\n");
		return PL_EXIT_OK;
	}
	rc = cli_load_scenarios("check", argc - 1, argv + 1, &set);
	if (rc)
		return rc;
	for (i = 0; i < set.n; i++)
		packets += set.v[i].nsend * set.v[i].repeat;
	printf("ok: %zu scenarios, %zu packets per target\n", set.n, packets);
	pl_scn_set_free(&set);
	return PL_EXIT_OK;
}
