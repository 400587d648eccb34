/* pinglab ping [-c N] [-i SECONDS] [--backend B] [--model M] [--base-url U] [--profile P]
 *              [--scale F] [--timeout MS]
 *
 * The seed experiment's view: a routed lab, the responder with a backend on tun0, and the
 * real iputils ping in the generator namespace against 10.77.2.2, showing ping's own
 * output. The lab is torn down afterwards, also on Ctrl-C. Exit: ping's status (0 when
 * replies came back, 1 when none), 2 lab error, 4 skipped.
 */
#include <dirent.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/opt.h"
#include "lab/commands.h"
#include "lab/run.h"
#include "netlab/lab.h"

static volatile sig_atomic_t ping_stop;

static void on_signal(int sig)
{
	(void)sig;
	ping_stop = 1;
}

/* Remove the ping's own flat directory and what its programs wrote in it. */
static void remove_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;

	if (d) {
		while ((e = readdir(d)))
			if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
				unlinkat(dirfd(d), e->d_name, 0);
		closedir(d);
	}
	rmdir(path);
}

int cmd_ping(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "count", required_argument, NULL, 'c' }, { "interval", required_argument, NULL, 'i' },
		{ "backend", required_argument, NULL, 'b' }, { "model", required_argument, NULL, 'm' },
		{ "base-url", required_argument, NULL, 'u' }, { "profile", required_argument, NULL, 'p' },
		{ "scale", required_argument, NULL, 'L' }, { "timeout", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	const char *count = "3", *interval = "1";
	char wait_s[16], dir[] = "/tmp/pinglab-ping-XXXXXX", log[sizeof(dir) + 16];
	struct pl_run r;
	struct pl_err err = { "" };
	struct pl_lab lab;
	struct sigaction sa;
	pid_t rsp = -1, mock = -1, png;
	int c, status = PL_EXIT_ERROR, ws;
	bool llm, up = false;

	memset(&r, 0, sizeof(r));
	r.stack = pl_stack(PL_STACK_ECHO);
	r.backend = "reference";
	r.profile = "sim-haiku-like";
	r.scale = "1";
	r.seed = 1;
	r.concurrency = 4;
	r.model_timeout_ms = 120000;
	r.stop = &ping_stop;
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:i:b:m:u:p:L:T:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': count = optarg; break;
		case 'i': interval = optarg; break;
		case 'b': r.backend = optarg; break;
		case 'm': r.model = optarg; break;
		case 'u': r.base_url = optarg; break;
		case 'p': r.profile = optarg; break;
		case 'L': r.scale = optarg; break;
		case 'T':
			if (!pl_opt_uint("pinglab ping", "timeout", optarg, 1, 3600000, &r.model_timeout_ms))
				return PL_EXIT_ERROR;
			break;
		case 'h':
			printf("usage: pinglab ping [-c N] [-i SECONDS] [--backend reference|mock|anthropic|openai]\n"
			       "                    [--model M] [--base-url U] [--profile P] [--scale F] [--timeout MS]\n");
			return PL_EXIT_OK;
		default:
			return PL_EXIT_ERROR;
		}
	}
	{
		unsigned n;

		if (!pl_opt_uint("pinglab ping", "count", count, 1, 10000, &n))
			return PL_EXIT_ERROR;
	}
	llm = strcmp(r.backend, "reference") != 0;
	cli_exe_dir(r.bindir, sizeof(r.bindir));
	if (llm) {
		r.targets = RUN_T_LLM;
		r.nm = 1;
		if (pl_run_models(&r, &err)) {
			fprintf(stderr, "pinglab ping: %s\n", err.msg);
			return PL_EXIT_ERROR;
		}
		if (pl_run_check_backend(&r, &err)) {
			fprintf(stderr, "pinglab ping: %s\n", err.msg);
			return strstr(err.msg, "needs ") ? PL_EXIT_SKIP : PL_EXIT_ERROR;
		}
		if (!strcmp(r.backend, "exec") || !strcmp(r.backend, "agent")) {
			fprintf(stderr, "pinglab ping: use pinglab run for the exec and agent backends\n");
			return PL_EXIT_ERROR;
		}
	}
	c = cli_require_lab_privileges("ping", true);
	if (c)
		return c;
	r.spawn = cli_spawn;
	r.stop_child = cli_stop_child;
	/* the run's files (responder and mock logs, events.jsonl) in a directory of its
	 * own, made for this ping (mode 0700) and removed after it: never fixed names in
	 * /tmp, where anyone could have planted a link */
	if (!mkdtemp(dir)) {
		perror("pinglab ping: mkdtemp");
		return PL_EXIT_ERROR;
	}
	snprintf(log, sizeof(log), "%s/responder.jsonl", dir);
	snprintf(r.dir, sizeof(r.dir), "%s", dir);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (pl_lab_random_name(r.lab, &err)) {
		fprintf(stderr, "pinglab ping: %s\n", err.msg);
		goto out;
	}
	{
		struct pl_lab_hooks hooks = { .cancel = &ping_stop };

		if (pl_lab_up(r.lab, PL_LAB_ROUTED, &hooks, &lab, &err)) {
			fprintf(stderr, "pinglab ping: lab %s: %s\n", r.lab, err.msg);
			goto out;
		}
	}
	up = true;
	pl_run_model_labs(&r);
	if (llm && !strcmp(r.backend, "mock")) {
		mock = pl_run_start_mock(&r, &r.m[0], &err);
		if (mock < 0) {
			fprintf(stderr, "pinglab ping: %s\n", err.msg);
			goto out;
		}
	}
	rsp = pl_run_start_responder(&r, llm ? &r.m[0] : NULL, log, &err);
	if (rsp < 0) {
		fprintf(stderr, "pinglab ping: %s\n", err.msg);
		goto out;
	}
	fprintf(stderr, "pinglab ping: lab %s (routed), %s responder at 10.77.2.2%s\n", r.lab,
		llm ? r.m[0].name : "reference", llm && !strcmp(r.backend, "mock") ? " (simulated model)" : "");
	snprintf(wait_s, sizeof(wait_s), "%u", r.model_timeout_ms / 1000 + 1);
	{
		char ns[64];
		const char *pargv[] = { "/usr/bin/ping", "-c", count, "-i", interval, "-W", wait_s, "10.77.2.2", NULL };

		snprintf(ns, sizeof(ns), "pl-%s-gen", r.lab);
		if (access(pargv[0], X_OK))
			pargv[0] = "/bin/ping";
		png = cli_spawn(pargv, ns, -1, -1);
		while (waitpid(png, &ws, 0) < 0)
			if (ping_stop)
				kill(png, SIGINT); /* ping prints its statistics on SIGINT */
		status = WIFEXITED(ws) ? WEXITSTATUS(ws) : PL_EXIT_ERROR;
	}
out:
	cli_stop_child(rsp);
	cli_stop_child(mock);
	if (up && pl_lab_down(r.lab, NULL, &err))
		fprintf(stderr, "pinglab ping: down %s: %s\n", r.lab, err.msg);
	remove_dir(dir);
	return status;
}
