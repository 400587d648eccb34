/* cmd_exec.c — pinglab exec NAME gen|rsp -- CMD [ARG...]
 *
 * Like `ip netns exec`: join the namespace, then in a private mount namespace remount
 * /sys so it shows the lab's interfaces, then execvp. The command inherits our stdio. */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "lab/commands.h"
#include "netlab/lab.h"
#include "netlab/netns.h"

static void usage(FILE *f)
{
	fprintf(f, "Usage: pinglab exec NAME gen|rsp [--] CMD [ARG...]\n");
}

int cmd_exec(int argc, char **argv)
{
	struct pl_netns_saved saved;
	struct pl_err err = { "" };
	struct pl_lab_names n;
	const char *ns;
	char **cmd;
	int rc;

	if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage(stdout);
		return PL_EXIT_OK;
	}
	if (argc < 4 || (!strcmp(argv[3], "--") && argc < 5)) {
		usage(stderr);
		return PL_EXIT_ERROR;
	}
	if (pl_lab_names(argv[1], &n, &err) < 0) {
		fprintf(stderr, "pinglab exec: %s\n", err.msg);
		return PL_EXIT_ERROR;
	}
	if (!strcmp(argv[2], "gen")) {
		ns = n.gen_ns;
	} else if (!strcmp(argv[2], "rsp")) {
		ns = n.rsp_ns;
	} else {
		fprintf(stderr, "pinglab exec: side must be gen or rsp, not '%s'\n", argv[2]);
		return PL_EXIT_ERROR;
	}
	cmd = argv + (strcmp(argv[3], "--") ? 3 : 4);
	rc = cli_require_lab_privileges("exec", false);
	if (rc != PL_EXIT_OK)
		return rc;
	if (!pl_netns_exists(ns)) {
		fprintf(stderr, "pinglab exec: no lab %s (namespace %s does not exist)\n",
			n.name, ns);
		return PL_EXIT_ERROR;
	}
	if (pl_netns_enter(ns, &saved, &err) < 0) {
		fprintf(stderr, "pinglab exec: %s\n", err.msg);
		return PL_EXIT_ERROR;
	}
	/* We never go back: drop the saved fd (it is O_CLOEXEC anyway). */
	close(saved.fd);
	/* As ip netns exec: sysfs shows the namespace that mounted it. Best effort: a
	 * failure only means /sys still shows the root namespace's links. */
	if (unshare(CLONE_NEWNS) == 0 && mount("", "/", "none", MS_SLAVE | MS_REC, NULL) == 0) {
		if (umount2("/sys", MNT_DETACH) == 0 || errno == EINVAL)
			mount(ns, "/sys", "sysfs", 0, NULL);
	}
	execvp(cmd[0], cmd);
	fprintf(stderr, "pinglab exec: %s: %s\n", cmd[0], strerror(errno));
	return PL_EXIT_ERROR;
}
