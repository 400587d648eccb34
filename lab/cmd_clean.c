/* cmd_clean.c — pinglab clean [--name NAME] [--force] */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>

#include "lab/commands.h"
#include "netlab/lab.h"

int cmd_clean(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct pl_lab_hooks hooks = { .log = cli_log_line, .arg = stdout };
	struct pl_err err = { "" };
	const char *only = NULL;
	bool force = false;
	int c, rc, removed = 0, skipped = 0;

	while ((c = getopt_long(argc, argv, "n:fh", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			only = optarg;
			break;
		case 'f':
			force = true;
			break;
		case 'h':
			printf("Usage: pinglab clean [--name NAME] [--force]\n"
			       "  removes what killed labs left: the pl-* namespaces of labs with no run\n"
			       "  file or a dead controller (killing what runs in them), the processes\n"
			       "  their run files name, and the run files. Labs whose controller is alive,\n"
			       "  or made by pinglab up (kept until down), are skipped and listed.\n"
			       "  --name NAME: only lab NAME, live or not; --force: live labs too\n");
			return PL_EXIT_OK;
		default:
			fprintf(stderr, "Usage: pinglab clean [--name NAME] [--force]\n");
			return PL_EXIT_ERROR;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "pinglab clean: unexpected argument '%s'\n", argv[optind]);
		return PL_EXIT_ERROR;
	}
	rc = cli_require_lab_privileges("clean", false);
	if (rc != PL_EXIT_OK)
		return rc;
	printf("clean%s%s:\n", only ? " lab " : "", only ? only : "");
	fflush(stdout);
	rc = pl_lab_clean(only, force, &hooks, &removed, &skipped, &err);
	if (rc < 0) {
		fflush(stdout);
		fprintf(stderr, "pinglab clean: %s\n", err.msg);
		return PL_EXIT_ERROR;
	}
	if (!removed)
		printf("  nothing to clean\n");
	else
		printf("removed %d item%s\n", removed, removed == 1 ? "" : "s");
	if (skipped)
		printf("skipped %d live lab%s (pinglab clean --force removes them too)\n", skipped,
		       skipped == 1 ? "" : "s");
	return PL_EXIT_OK;
}
