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
	enum pl_stack_id stack = PL_STACK_ECHO;
	struct pl_scn_lib *lib = NULL;
	struct pl_err err = { "" };
	unsigned nbad = 0;
	char **paths = argv + 1;
	int npaths = argc - 1, rc;

	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		printf("usage: pinglab check [--stack echo|host] FILE|DIR...   (default: scenarios/)\n"
		       "  every expectation must agree with the echo stack's rules, and with the host\n"
		       "  stack's where a scenario has expect.host lines or --stack host is given\n");
		return PL_EXIT_OK;
	}
	if (argc > 1 && !strncmp(argv[1], "--stack", 7)) {
		const char *name = argv[1][7] == '=' ? argv[1] + 8 : argc > 2 && !argv[1][7] ? argv[2] : NULL;
		const struct pl_stack *st = pl_stack_by_name(name);

		if (!st) {
			fprintf(stderr, "pinglab check: --stack %s: unknown stack (%s)\n", name ? name : "(nothing)",
				pl_stack_names());
			return PL_EXIT_ERROR;
		}
		stack = st->id;
		paths += argv[1][7] ? 1 : 2;
		npaths -= argv[1][7] ? 1 : 2;
	}
	if (npaths == 0) {
		paths = def;
		npaths = 1;
	}
	/* checked a scenario at a time: memory does not grow with the library */
	rc = pl_scn_lib_open(&lib, paths, (size_t)npaths, stack, report, &nbad, &err);
	if (rc && nbad == 0) {
		/* not one of the reported errors (out of memory) */
		fprintf(stderr, "%s\n", err.msg);
		pl_scn_lib_free(lib);
		return PL_EXIT_ERROR;
	}
	if (nbad) {
		pl_scn_lib_free(lib);
		return PL_EXIT_ERROR;
	}
	printf("ok: %zu scenarios, %zu packets per target%s\n", pl_scn_lib_count(lib), pl_scn_lib_packets(lib),
	       stack == PL_STACK_HOST ? " (host stack)" : "");
	pl_scn_lib_free(lib);
	return PL_EXIT_OK;
}
