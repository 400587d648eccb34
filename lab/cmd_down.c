/* cmd_down.c — pinglab down [--name NAME] */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "lab/commands.h"
#include "netlab/lab.h"

int cmd_down(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct pl_lab_hooks hooks = { .log = cli_log_line, .arg = stdout };
	char name[PL_LAB_ID_MAX + 1];
	const char *want = NULL;
	struct pl_err err = { "" };
	int c, rc;

	while ((c = getopt_long(argc, argv, "n:h", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			want = optarg;
			break;
		case 'h':
			printf("Usage: pinglab down [--name NAME]   (default: the only lab up)\n");
			return PL_EXIT_OK;
		default:
			fprintf(stderr, "Usage: pinglab down [--name NAME]\n");
			return PL_EXIT_ERROR;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "pinglab down: unexpected argument '%s'\n", argv[optind]);
		return PL_EXIT_ERROR;
	}
	rc = cli_require_lab_privileges("down", false);
	if (rc != PL_EXIT_OK)
		return rc;
	rc = cli_pick_lab("down", want, name, sizeof(name));
	if (rc != PL_EXIT_OK)
		return rc;
	printf("lab %s:\n", name);
	fflush(stdout);
	if (pl_lab_down(name, &hooks, &err) < 0) {
		fflush(stdout);
		fprintf(stderr, "pinglab down: %s\n", err.msg);
		return PL_EXIT_ERROR;
	}
	printf("lab %s down\n", name);
	return PL_EXIT_OK;
}
