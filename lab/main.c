/* main.c — the pinglab controller: a table of verbs, one file per verb. */
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "lab/commands.h"

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *description;
} commands[] = {
	{ "up", cmd_up, "build a lab: [--name NAME] [--mode wire|routed]" },
	{ "down", cmd_down, "remove what up made, in reverse: [--name NAME]" },
	{ "status", cmd_status, "list labs and their health" },
	{ "clean", cmd_clean, "remove what killed labs left, skipping live labs: [--name NAME] [--force]" },
	{ "exec", cmd_exec, "run a command in a lab namespace: NAME gen|rsp -- CMD [ARG...]" },
	{ "run", cmd_run, "the end-to-end regression: fresh lab, every target, report (see run --help)" },
	{ "ping", cmd_ping, "real iputils ping against the responder in a routed lab: [-c N] [--backend B]" },
	{ "report", cmd_report, "render a run directory's reports again: RUN_DIR [--format md|html|json|junit|pcapng|all]" },
	{ "compare", cmd_compare, "regressions, fixes, latency and cost between two runs: RUN_A RUN_B (exit 1 on regression)" },
	{ "list", cmd_list, "list scenarios: [--tag TAG] [FILE|DIR...]" },
	{ "check", cmd_check, "validate scenario files without sending: FILE|DIR..." },
	{ "import", cmd_import, "turn a pcap/pcapng file's IPv4 packets into a scenario: FILE [--name N] [--out F]" },
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: pinglab COMMAND [ARGS...]\n\nCommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].description);
	fprintf(f, "  %-8s %s\n", "help", "this list");
	fprintf(f, "\nExit codes: 0 ok, 1 regression, 2 lab or usage error, 4 skipped "
		"(not root, no /dev/net/tun).\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stdout);
		return PL_EXIT_ERROR;
	}
	if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(stdout);
		return PL_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	}
	fprintf(stderr, "pinglab: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return PL_EXIT_ERROR;
}
