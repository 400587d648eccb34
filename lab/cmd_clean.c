/* cmd_clean.c — pinglab clean [--name NAME] */
#include <getopt.h>
#include <stdio.h>

#include "lab/commands.h"
#include "netlab/lab.h"

int cmd_clean(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct pl_lab_hooks hooks = { .log = cli_log_line, .arg = stdout };
	struct pl_err err = { "" };
	const char *only = NULL;
	int c, rc, removed = 0;

	while ((c = getopt_long(argc, argv, "n:h", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			only = optarg;
			break;
		case 'h':
			printf("Usage: pinglab clean [--name NAME]\n"
			       "  removes every pl-* namespace (killing what runs in it), the\n"
			       "  processes run files name, and the run files; only lab NAME's with --name\n");
			return PL_EXIT_OK;
		default:
			fprintf(stderr, "Usage: pinglab clean [--name NAME]\n");
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
	rc = pl_lab_clean(only, &hooks, &removed, &err);
	if (rc < 0) {
		fflush(stdout);
		fprintf(stderr, "pinglab clean: %s\n", err.msg);
		return PL_EXIT_ERROR;
	}
	if (!removed)
		printf("  nothing to clean\n");
	else
		printf("removed %d item%s\n", removed, removed == 1 ? "" : "s");
	return PL_EXIT_OK;
}
