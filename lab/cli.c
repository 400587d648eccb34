/* cli.c — small pieces the lab commands share. */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lab/commands.h"
#include "netlab/lab.h"
#include "netlab/netns.h"
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
	char first[PL_LAB_ID_MAX + 1];
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

/* Directory of this executable, for its sibling programs. */
void cli_exe_dir(char *out, size_t n)
{
	char buf[PATH_MAX];
	ssize_t k = readlink("/proc/self/exe", buf, sizeof(buf) - 1);

	if (k <= 0) {
		snprintf(out, n, "build");
		return;
	}
	buf[k] = '\0';
	snprintf(out, n, "%s", dirname(buf));
}

/* fork + exec argv, optionally inside a lab namespace; stdout/stderr as given (-1 keeps). */
pid_t cli_spawn(const char *const argv[], const char *netns, int out_fd, int err_fd)
{
	sigset_t stop, old;
	pid_t parent = getpid(), pid;

	/* a SIGTERM sent to the child before it execs must not land in the controller's
	 * handler it inherited (which only sets a flag, and exec forgets it): the child
	 * takes the default actions first, and only then sees what came meanwhile */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigprocmask(SIG_BLOCK, &stop, &old);
	pid = fork();
	if (pid != 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		return pid;
	}
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	sigprocmask(SIG_SETMASK, &old, NULL);
	/* a controller killed with SIGKILL takes its helpers with it (pinglab clean is the
	 * second line: it also finds them through the run file) */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(127);
	if (netns) {
		struct pl_netns_saved saved;
		struct pl_err err;

		if (pl_netns_enter(netns, &saved, &err)) {
			fprintf(stderr, "pinglab run: %s\n", err.msg);
			_exit(127);
		}
	}
	if (out_fd >= 0)
		dup2(out_fd, 1);
	if (err_fd >= 0)
		dup2(err_fd, 2);
	execv(argv[0], (char *const *)argv);
	fprintf(stderr, "pinglab run: exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

void cli_stop_child(pid_t pid)
{
	int i;

	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	for (i = 0; i < 100; i++) {
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return;
		usleep(20000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

