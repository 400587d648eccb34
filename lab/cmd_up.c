/* cmd_up.c — pinglab up [--name NAME] [--mode wire|routed] */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lab/commands.h"
#include "netlab/lab.h"

/* The one piece of state a signal handler needs: SIGINT/SIGTERM during up set it, the
 * build notices between steps and unwinds. */
static struct {
	volatile sig_atomic_t cancel;
} up_signal;

static void on_signal(int sig)
{
	(void)sig;
	up_signal.cancel = 1;
}

/* Test hook, read from the environment by this command only:
 *   PINGLAB_FAIL_STEP=N       step N fails ("injected failure")
 *   PINGLAB_FAIL_ACTION=error (default) | signal (raise SIGTERM at step N, as if the
 *                             user pressed ^C) | hang (print a line, wait to be killed)
 *                             | stop (SIGSTOP before step N, then run it: a test changes
 *                             the half-built lab meanwhile and sends SIGCONT, so the step
 *                             meets a real kernel error) */
struct up_cli {
	int fail_step;            /* 0: no injection */
	const char *fail_action;
};

static int on_step(void *arg, int step, const char *what, struct pl_err *err)
{
	const struct up_cli *cli = arg;

	if (!cli->fail_step || step != cli->fail_step)
		return 0;
	if (!strcmp(cli->fail_action, "signal")) {
		raise(SIGTERM);
		return 0;
	}
	if (!strcmp(cli->fail_action, "stop")) {
		raise(SIGSTOP);
		return 0;
	}
	if (!strcmp(cli->fail_action, "hang")) {
		fprintf(stderr, "pinglab up: test hook: hanging at step %d (%s)\n", step, what);
		fflush(stderr);
		for (;;)
			pause();
	}
	return pl_errf(err, -ECANCELED, "injected failure (PINGLAB_FAIL_STEP=%d)", step);
}

/* Lines from the unwind after a failure. */
static void on_log(void *arg, const char *line)
{
	(void)arg;
	fprintf(stderr, "pinglab up: unwind: %s\n", line);
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: pinglab up [--name NAME] [--mode wire|routed]\n"
		"  NAME: 1-%d characters of [a-z0-9] (default: random)\n"
		"  wire (default): IPv4 not for %s is redirected byte-exact to tun0\n"
		"  routed: the rsp kernel forwards to tun0 (TTL decremented)\n",
		PL_LAB_NAME_MAX, PL_LAB_KERNEL_IP);
}

static double ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

int cmd_up(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "mode", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct up_cli cli = { 0, "error" };
	struct pl_lab_hooks hooks = { .on_step = on_step, .log = on_log, .arg = &cli,
				      .cancel = &up_signal.cancel, .detached = true };
	enum pl_lab_mode mode = PL_LAB_WIRE;
	char name[PL_LAB_NAME_MAX + 1] = "";
	struct pl_err err = { "" };
	struct sigaction sa;
	struct timespec t0;
	struct pl_lab lab;
	const char *env;
	int c, rc;

	while ((c = getopt_long(argc, argv, "n:m:h", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (pl_lab_user_name(optarg, &err) < 0) {
				fprintf(stderr, "pinglab up: %s\n", err.msg);
				return PL_EXIT_ERROR;
			}
			snprintf(name, sizeof(name), "%s", optarg);
			break;
		case 'm':
			if (pl_lab_mode_parse(optarg, &mode, &err) < 0) {
				fprintf(stderr, "pinglab up: %s\n", err.msg);
				return PL_EXIT_ERROR;
			}
			break;
		case 'h':
			usage(stdout);
			return PL_EXIT_OK;
		default:
			usage(stderr);
			return PL_EXIT_ERROR;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "pinglab up: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return PL_EXIT_ERROR;
	}
	if (name[0]) {
		struct pl_lab_names n;

		if (pl_lab_names(name, &n, &err) < 0) {
			fprintf(stderr, "pinglab up: %s\n", err.msg);
			return PL_EXIT_ERROR;
		}
	} else if (pl_lab_random_name(name, &err) < 0) {
		fprintf(stderr, "pinglab up: %s\n", err.msg);
		return PL_EXIT_ERROR;
	}
	rc = cli_require_lab_privileges("up", true);
	if (rc != PL_EXIT_OK)
		return rc;

	env = getenv("PINGLAB_FAIL_STEP");
	if (env && *env)
		cli.fail_step = atoi(env);
	env = getenv("PINGLAB_FAIL_ACTION");
	if (env && *env)
		cli.fail_action = env;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: a blocked call returns EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = pl_lab_up(name, mode, &hooks, &lab, &err);
	if (rc < 0) {
		fprintf(stderr, "pinglab up: lab %s: %s\n", name, err.msg);
		if (rc != -EEXIST)
			fprintf(stderr, "pinglab up: everything made so far was removed\n");
		return PL_EXIT_ERROR;
	}
	printf("lab %s up (%s mode, %.1f ms):\n", name, pl_lab_mode_str(mode), ms_since(&t0));
	for (int i = 0; i < lab.nres; i++)
		printf("  %s\n", lab.res[i].what);
	printf("  run file %s\n", lab.names.runfile);
	printf("gen %s %s, kernel target %s, responder %s on %s\n", lab.names.gen_dev,
	       PL_LAB_GEN_ADDR, PL_LAB_KERNEL_IP, PL_LAB_RESPONDER_IP, lab.names.tun_dev);
	printf("try: ip netns exec %s ping -c1 %s   remove: pinglab down --name %s\n",
	       lab.names.gen_ns, PL_LAB_KERNEL_IP, name);
	return PL_EXIT_OK;
}
