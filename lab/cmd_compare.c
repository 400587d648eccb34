/* pinglab compare RUN_A RUN_B [--prices FILE]
 * Regressions (pass in A, fail in B) and fixes per scenario x target, RTT p50 and cost
 * deltas per target. Exit 1 when something regressed, 0 otherwise, 2 on bad input. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>

#include "lab/cli_report.h"
#include "lab/commands.h"
#include "report/report.h"

int cmd_compare(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "prices", required_argument, NULL, 'P' }, { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	const char *prices = NULL;
	char pbuf[PATH_MAX];
	struct pl_err err = { "" };
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "P:h", opts, NULL)) != -1) {
		switch (c) {
		case 'P': prices = optarg; break;
		case 'h': printf("usage: pinglab compare RUN_A RUN_B [--prices FILE]\n"); return PL_EXIT_OK;
		default: fprintf(stderr, "usage: pinglab compare RUN_A RUN_B [--prices FILE]\n"); return PL_EXIT_ERROR;
		}
	}
	if (optind != argc - 2) {
		fprintf(stderr, "usage: pinglab compare RUN_A RUN_B [--prices FILE]\n");
		return PL_EXIT_ERROR;
	}
	rc = pl_report_compare(argv[optind], argv[optind + 1], cli_prices(prices, pbuf, sizeof(pbuf)), stdout, &err);
	if (rc < 0) {
		fprintf(stderr, "pinglab compare: %s\n", err.msg);
		return PL_EXIT_ERROR;
	}
	return rc ? PL_EXIT_FAIL : PL_EXIT_OK;
}
