/* cli.c — small pieces the lab commands share. */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lab/commands.h"
#include "netlab/lab.h"
#include "netlab/tun.h"

int cli_require_lab_privileges(const char *cmd, bool need_tun)
{
	if (geteuid() != 0) {
		fprintf(stderr, "pinglab %s: skipped: needs root (network namespaces, netlink, "
			"tc); try sudo\n", cmd);
		return PL_EXIT_SKIP;
	}
	if (need_tun && access(PL_TUN_DEV, R_OK | W_OK) < 0) {
		fprintf(stderr, "pinglab %s: skipped: %s: %s (load the tun module, or give the "
			"container the device)\n", cmd, PL_TUN_DEV, strerror(errno));
		return PL_EXIT_SKIP;
	}
	return PL_EXIT_OK;
}

struct pick {
	char names[512];
	char first[PL_LAB_NAME_MAX + 1];
	int n;
};

static int pick_one(void *arg, const char *name)
{
	struct pick *p = arg;
	size_t used = strlen(p->names);

	if (!p->n++)
		snprintf(p->first, sizeof(p->first), "%s", name);
	snprintf(p->names + used, sizeof(p->names) - used, "%s%s", used ? ", " : "", name);
	return 0;
}

int cli_pick_lab(const char *cmd, const char *name, char *out, size_t len)
{
	struct pl_err err = { "" };
	struct pick p = { "", "", 0 };
	struct pl_lab_names n;

	if (name) {
		if (pl_lab_names(name, &n, &err) < 0) {
			fprintf(stderr, "pinglab %s: %s\n", cmd, err.msg);
			return PL_EXIT_ERROR;
		}
		snprintf(out, len, "%s", name);
		return PL_EXIT_OK;
	}
	if (pl_lab_list(pick_one, &p, &err) < 0) {
		fprintf(stderr, "pinglab %s: %s\n", cmd, err.msg);
		return PL_EXIT_ERROR;
	}
	if (p.n == 0) {
		fprintf(stderr, "pinglab %s: no lab is up\n", cmd);
		return PL_EXIT_ERROR;
	}
	if (p.n > 1) {
		fprintf(stderr, "pinglab %s: several labs are up (%s): say which with --name\n",
			cmd, p.names);
		return PL_EXIT_ERROR;
	}
	snprintf(out, len, "%s", p.first);
	return PL_EXIT_OK;
}

void cli_log_line(void *arg, const char *line)
{
	fprintf(arg, "  %s\n", line);
}
