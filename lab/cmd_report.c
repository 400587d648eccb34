/* pinglab report RUN_DIR [--format md|html|json|junit|pcapng|all] [--prices FILE]
 * Renders a run directory's reports again from its files (run.json, packets.jsonl,
 * responder logs); works on a killed run's partial directory too. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lab/cli_report.h"
#include "lab/commands.h"
#include "model/table.h"
#include "report/report.h"

const char *cli_prices(const char *given, char *buf, size_t n)
{
	char bindir[PATH_MAX];

	if (given)
		return given;
	cli_exe_dir(bindir, sizeof(bindir));
	return pl_mtab_locate(bindir, buf, n) ? NULL : buf;
}

int cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' }, { "prices", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	unsigned formats = PL_REPORT_ALL;
	const char *prices = NULL;
	char pbuf[PATH_MAX];
	struct pl_err err = { "" };
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "f:P:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (pl_report_parse_formats(optarg, &formats, &err)) {
				fprintf(stderr, "pinglab report: %s\n", err.msg);
				return PL_EXIT_ERROR;
			}
			break;
		case 'P': prices = optarg; break;
		case 'h':
			printf("usage: pinglab report RUN_DIR [--format md|html|json|junit|pcapng|all[,...]] [--prices FILE]\n");
			return PL_EXIT_OK;
		default:
			fprintf(stderr, "usage: pinglab report RUN_DIR [--format md|html|json|junit|pcapng|all] [--prices FILE]\n");
			return PL_EXIT_ERROR;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: pinglab report RUN_DIR [--format md|html|json|junit|pcapng|all] [--prices FILE]\n");
		return PL_EXIT_ERROR;
	}
	if (pl_report_render(argv[optind], formats, cli_prices(prices, pbuf, sizeof(pbuf)), &err)) {
		fprintf(stderr, "pinglab report: %s\n", err.msg);
		return PL_EXIT_ERROR;
	}
	printf("%s/\n", argv[optind]);
	return PL_EXIT_OK;
}
