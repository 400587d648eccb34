/* pinglab run — the end-to-end regression: build a fresh lab, start the responders, play
 * the scenarios against every target, collect the results, tear everything down.
 *
 *   pinglab run [--scenarios PATH]... [--tag T] [--targets kernel,reference,llm]
 *               [--backend B] [--model M] [--base-url U] [--profile P] [--seed S]
 *               [--concurrency C] [--max-wait MS] [--model-timeout MS] [--out DIR] [--keep]
 *
 * Exit (kselftest style): 0 every kernel/reference expectation met, 1 a regression there,
 * 2 lab or usage error, 4 skipped (not root, no key for a requested real backend). A model
 * target's mistakes are measurements, not failures.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/opt.h"
#include "lab/commands.h"
#include "lab/run.h"
#include "netlab/lab.h"
#include "netlab/netns.h"
#include "scenario/scenario.h"

static volatile sig_atomic_t run_stop;

static void on_signal(int sig)
{
	(void)sig;
	run_stop = 1;
}

static int make_run_dir(struct pl_run *r, const char *out, struct pl_err *err)
{
	time_t now = time(NULL);
	struct tm tm;
	char stamp[32];
	unsigned rnd = (unsigned)getpid() ^ (unsigned)now;

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	snprintf(r->id, sizeof(r->id), "%s-%04x", stamp, rnd & 0xffff);
	if (out) {
		snprintf(r->dir, sizeof(r->dir), "%s", out);
	} else {
		mkdir("reports", 0755);
		snprintf(r->dir, sizeof(r->dir), "reports/%s", r->id);
	}
	if (mkdir(r->dir, 0755) && errno != EEXIST)
		return pl_errf(err, -errno, "%s: %s", r->dir, strerror(errno));
	if (!out) {
		unlink("reports/latest");
		if (symlink(r->id, "reports/latest")) {
			/* not fatal: the run directory is printed anyway */
		}
	}
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: pinglab run [--scenarios PATH]... [--tag T] [--targets kernel,reference,llm]\n"
		"                   [--backend mock|anthropic|openai|exec|agent] [--model M] [--base-url U]\n"
		"                   [--key-file FILE (mode 0600; instead of ANTHROPIC_API_KEY/OPENAI_API_KEY)]\n"
		"                   [--responder-user USER (after opening tun0; default nobody, root keeps root)]\n"
		"                   [--profile P] [--seed S] [--scale F] [--concurrency C] [--max-wait MS]\n"
		"                   [--model-timeout MS] [--retries N] [--repeat K] [--out DIR] [--keep]\n"
		"                   [--lab NAME (default: a fresh random name)] [--fail-under RATE]\n"
		"                   [--baseline RUN_DIR (exit 1 on a regression against it)]\n"
		"                   [--max-packets N] [--max-cost USD] (budget guards for a real model)\n"
		"                   [--price IN,OUT (USD per million tokens, for a model the table does not price)]\n"
		"                   [--temperature X|none] [--max-tokens N] [--thinking BUDGET (Anthropic)]\n"
		"                   [--reasoning-effort minimal|low|medium|high (OpenAI)] (request knobs; default:\n"
		"                    what the model table says the model takes)\n"
		"                   [--replay RUN_DIR (play that run again, the model's answers from its log:\n"
		"                    no model, no key; its targets, seed, repeat and tag)]\n"
		"                   [--resume RUN_DIR (finish an interrupted run in its directory: what the\n"
		"                    model answered comes from its log, only the rest is asked)]\n"
		"                   [--stack echo|host (the rules every target plays by; default echo:\n"
		"                    answer pings, drop the rest; host: an RFC 1122 host, see prompts/host.md)]\n"
		"                   [-- EXEC COMMAND...]\n");
}

int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "scenarios", required_argument, NULL, 's' }, { "tag", required_argument, NULL, 'g' },
		{ "targets", required_argument, NULL, 't' }, { "backend", required_argument, NULL, 'b' },
		{ "model", required_argument, NULL, 'm' }, { "base-url", required_argument, NULL, 'u' },
		{ "profile", required_argument, NULL, 'p' }, { "seed", required_argument, NULL, 'S' },
		{ "concurrency", required_argument, NULL, 'c' }, { "max-wait", required_argument, NULL, 'w' },
		{ "model-timeout", required_argument, NULL, 'T' }, { "out", required_argument, NULL, 'o' },
		{ "keep", no_argument, NULL, 'k' }, { "help", no_argument, NULL, 'h' },
		{ "scale", required_argument, NULL, 'L' }, { "retries", required_argument, NULL, 'R' },
		{ "repeat", required_argument, NULL, 'K' }, { "lab", required_argument, NULL, 'N' },
		{ "max-packets", required_argument, NULL, 'P' }, { "fail-under", required_argument, NULL, 'F' },
		{ "baseline", required_argument, NULL, 'B' }, { "key-file", required_argument, NULL, 'Y' },
		{ "responder-user", required_argument, NULL, 'U' }, { "max-cost", required_argument, NULL, 'C' },
		{ "temperature", required_argument, NULL, 'E' }, { "max-tokens", required_argument, NULL, 'M' },
		{ "thinking", required_argument, NULL, 'H' }, { "reasoning-effort", required_argument, NULL, 'X' },
		{ "price", required_argument, NULL, 'Q' }, { "replay", required_argument, NULL, 'Z' },
		{ "resume", required_argument, NULL, 'W' }, { "stack", required_argument, NULL, 'A' },
		{ NULL, 0, NULL, 0 },
	};
	struct pl_run r;
	char *paths[16];
	int npaths = 0, c, status = PL_EXIT_ERROR, rc;
	const char *out = NULL;
	static char deflt_dir[] = "scenarios";
	char *deflt[] = { deflt_dir };
	struct pl_err err = { "" };
	struct sigaction sa;
	bool lab_up = false, keep = false;
	struct pl_lab lab;
	static char *recorded[1024]; /* the scenario files of a replayed or resumed run */
	int nrecorded = 0;
	const char *labs[1 + RUN_MODELS_MAX]; /* the run's lab, then each model target's own */
	unsigned nlabs = 1;                   /* of them up */
	unsigned want = 1, k;
	pid_t echod = -1;

	memset(&r, 0, sizeof(r));
	r.targets = RUN_T_KERNEL | RUN_T_REFERENCE | RUN_T_LLM;
	r.nm = 1; /* "llm": the model of --backend, --model and the other flags */
	r.backend = "mock";
	r.profile = "sim-haiku-like";
	r.seed = 1;
	r.scale = "1";
	r.fail_under = -1;
	r.concurrency = 16;
	r.max_wait_ms = 100;
	r.model_timeout_ms = 60000;
	r.stop = &run_stop;
	r.stack = pl_stack(PL_STACK_ECHO);
	optind = 1;
	while ((c = getopt_long(argc, argv, "+s:g:t:b:m:u:p:S:c:w:T:o:khL:R:K:N:P:F:B:Y:U:C:E:M:H:X:Q:Z:W:", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (npaths == 16) {
				fprintf(stderr, "pinglab run: at most 16 --scenarios\n");
				return PL_EXIT_ERROR;
			}
			paths[npaths++] = optarg;
			break;
		case 'g': r.tag = optarg; break;
		case 't':
			if (pl_run_parse_targets(optarg, &r, &err)) {
				fprintf(stderr, "pinglab run: %s\n", err.msg);
				return PL_EXIT_ERROR;
			}
			break;
		case 'b': r.backend = optarg; break;
		case 'm': r.model = optarg; break;
		case 'u': r.base_url = optarg; break;
		case 'p': r.profile = optarg; break;
		case 'S':
			if (!pl_opt_ulong("pinglab run", "seed", optarg, 0, ULONG_MAX, &r.seed))
				return PL_EXIT_ERROR;
			break;
		case 'c':
			if (!pl_opt_uint("pinglab run", "concurrency", optarg, 1, 1024, &r.concurrency))
				return PL_EXIT_ERROR;
			break;
		case 'w':
			if (!pl_opt_uint("pinglab run", "max-wait", optarg, 0, 600000, &r.max_wait_ms))
				return PL_EXIT_ERROR;
			break;
		case 'T':
			if (!pl_opt_uint("pinglab run", "model-timeout", optarg, 1, 3600000, &r.model_timeout_ms))
				return PL_EXIT_ERROR;
			break;
		case 'o': out = optarg; break;
		case 'k': keep = true; break;
		case 'L': r.scale = optarg; break;
		case 'P':
			if (!pl_opt_ulong("pinglab run", "max-packets", optarg, 0, ULONG_MAX, &r.max_packets))
				return PL_EXIT_ERROR;
			break;
		case 'B': r.baseline = optarg; break;
		case 'C':
			if (!pl_opt_usd("pinglab run", "max-cost", optarg, &r.max_cost))
				return PL_EXIT_ERROR;
			r.max_cost_arg = optarg;
			break;
		case 'F': {
			char *end;

			errno = 0;
			r.fail_under = strtod(optarg, &end);
			/* written so that NaN fails too; "" parses as 0 with end == optarg */
			if (errno || end == optarg || *end || !(r.fail_under >= 0 && r.fail_under <= 1)) {
				fprintf(stderr, "pinglab run: --fail-under wants a pass rate 0..1, e.g. 0.9 (got '%s')\n", optarg);
				return PL_EXIT_ERROR;
			}
			break;
		}
		case 'N':
			if (pl_lab_user_name(optarg, &err)) {
				fprintf(stderr, "pinglab run: --lab: %s\n", err.msg);
				return PL_EXIT_ERROR;
			}
			snprintf(r.lab, sizeof(r.lab), "%s", optarg);
			break;
		case 'R': {
			unsigned retries;

			if (!pl_opt_uint("pinglab run", "retries", optarg, 0, 100, &retries))
				return PL_EXIT_ERROR;
			r.retries = optarg;
			break;
		}
		case 'K':
			if (!pl_opt_uint("pinglab run", "repeat", optarg, 1, 1000, &r.repeat))
				return PL_EXIT_ERROR;
			break;
		case 'Y': r.key_file = optarg; break;
		case 'Z': r.replay = optarg; break;
		case 'W': r.resume = optarg; break;
		case 'E': {
			double t;

			if (!pl_opt_temperature("pinglab run", optarg, &t))
				return PL_EXIT_ERROR;
			r.temperature = optarg;
			break;
		}
		case 'M': {
			unsigned v;

			if (!pl_opt_uint("pinglab run", "max-tokens", optarg, 1, 1000000, &v))
				return PL_EXIT_ERROR;
			r.max_tokens = optarg;
			break;
		}
		case 'H': {
			unsigned v;

			if (!pl_opt_uint("pinglab run", "thinking", optarg, 1024, 1000000, &v))
				return PL_EXIT_ERROR;
			r.thinking = optarg;
			break;
		}
		case 'X':
			if (!pl_opt_effort("pinglab run", optarg))
				return PL_EXIT_ERROR;
			r.reasoning_effort = optarg;
			break;
		case 'Q':
			if (!pl_opt_price("pinglab run", optarg, &r.price_in, &r.price_out))
				return PL_EXIT_ERROR;
			r.price_arg = optarg;
			break;
		case 'U': r.user = optarg; break;
		case 'A':
			if (!(r.stack = pl_stack_by_name(optarg))) {
				fprintf(stderr, "pinglab run: --stack %s: unknown stack (%s)\n", optarg, pl_stack_names());
				return PL_EXIT_ERROR;
			}
			r.stack_given = true;
			break;
		case 'h': usage(stdout); return PL_EXIT_OK;
		default: usage(stderr); return PL_EXIT_ERROR;
		}
	}
	r.exec_argv = optind < argc ? argv + optind : NULL;

	/* everything is validated before anything is built */
	if ((r.replay || r.resume) && pl_run_recorded_stack(&r, r.replay ? r.replay : r.resume, &err)) {
		fprintf(stderr, "pinglab run: %s\n", err.msg);
		return PL_EXIT_ERROR;
	}
	if ((r.replay || r.resume) && !npaths) {
		/* the scenario files the recorded run played (a folder is recorded file by file) */
		if (pl_run_recorded_scenarios(r.replay ? r.replay : r.resume, recorded, 1024, &nrecorded, &err)) {
			fprintf(stderr, "pinglab run: %s\n", err.msg);
			return PL_EXIT_ERROR;
		}
		npaths = nrecorded;
		r.paths = recorded;
	} else if (npaths) {
		r.paths = paths;
	} else {
		r.paths = deflt;
		npaths = 1;
	}
	r.npaths = (size_t)npaths;
	/* checked here, a scenario at a time; kept: their ids and the hashes of their lines */
	if (pl_scn_lib_open(&r.lib, r.paths, r.npaths, r.stack->id, NULL, NULL, &err)) {
		fprintf(stderr, "pinglab run: %s\n", err.msg);
		return PL_EXIT_ERROR;
	}
	cli_exe_dir(r.bindir, sizeof(r.bindir));
	if (r.replay && r.resume) {
		fprintf(stderr, "pinglab run: --replay and --resume: one or the other\n");
		goto out;
	}
	if (!r.replay && !r.resume && pl_run_models(&r, &err)) {
		fprintf(stderr, "pinglab run: %s\n", err.msg);
		goto out;
	}
	if (r.replay && pl_run_load_replay(&r, r.replay, &err)) {
		fprintf(stderr, "pinglab run: %s\n", err.msg);
		goto out;
	}
	if (r.resume) {
		/* checked before the directory is touched: nothing half-done on a bad resume */
		if (pl_run_load_resume(&r, r.resume, &err)) {
			fprintf(stderr, "pinglab run: %s\n", err.msg);
			goto out;
		}
		out = r.resume;
	}
	if (pl_run_check_backend(&r, &err)) {
		fprintf(stderr, "pinglab run: %s\n", err.msg);
		status = err.msg[0] && strstr(err.msg, "needs ") ? PL_EXIT_SKIP : PL_EXIT_ERROR;
		goto out;
	}
	rc = cli_require_lab_privileges("run", true);
	if (rc) {
		status = rc;
		goto out;
	}
	if (make_run_dir(&r, out, &err)) {
		fprintf(stderr, "pinglab run: %s\n", err.msg);
		goto out;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (!r.lab[0] && pl_lab_random_name(r.lab, &err)) {
		fprintf(stderr, "pinglab run: %s\n", err.msg);
		goto out;
	}
	{
		struct pl_lab_hooks hooks = { .cancel = &run_stop };

		char names[512] = "";

		for (k = 0; k < r.nm; k++)
			snprintf(names + strlen(names), sizeof(names) - strlen(names), " %s", r.m[k].name);
		pl_run_event(&r, "run-start", 0, "run %s: targets%s%s%s, %zu scenarios loaded%s%s", r.id,
			     (r.targets & RUN_T_KERNEL) ? " kernel" : "", (r.targets & RUN_T_REFERENCE) ? " reference" : "",
			     names, pl_scn_lib_count(r.lib), r.tag ? ", tag " : "", r.tag ? r.tag : "");
		if (pl_lab_up(r.lab, PL_LAB_WIRE, &hooks, &lab, &err)) {
			fprintf(stderr, "pinglab run: lab %s: %s\n", r.lab, err.msg);
			pl_run_event(&r, "error", 0, "lab %s: %s", r.lab, err.msg);
			goto out;
		}
	}
	lab_up = true;
	pl_run_event(&r, "lab-up", 0, "lab %s (netns pl-%s-gen, pl-%s-rsp)", r.lab, r.lab, r.lab);
	/* the model targets play in labs of their own, with the same addresses */
	pl_run_model_labs(&r);
	labs[0] = r.lab;
	for (k = 0; k < r.nm; k++)
		if (strcmp(r.m[k].lab, r.lab))
			labs[want++] = r.m[k].lab;
	for (nlabs = 1; nlabs < want && !run_stop; nlabs++) {
		struct pl_lab_hooks hooks = { .cancel = &run_stop };
		struct pl_lab more;

		if (pl_lab_up(labs[nlabs], PL_LAB_WIRE, &hooks, &more, &err)) {
			fprintf(stderr, "pinglab run: lab %s (for a model target): %s\n", labs[nlabs], err.msg);
			pl_run_event(&r, "error", 0, "lab %s: %s", labs[nlabs], err.msg);
			goto out;
		}
		for (k = 0; k < r.nm; k++)
			if (!strcmp(r.m[k].lab, labs[nlabs]))
				pl_run_event(&r, "lab-up", 0, "lab %s for %s", labs[nlabs], r.m[k].name);
	}
	if (run_stop)
		goto out;
	r.spawn = cli_spawn;
	r.stop_child = cli_stop_child;
	if (r.stack->id == PL_STACK_HOST) {
		/* the kernel target as the host stack's host: RFC 862 echo on port 7 (rsp's
		 * icmp_ratelimit is 0 in every lab, see docs/lab.md) */
		if (pl_lab_sw_checksums(r.lab, &err)) {
			fprintf(stderr, "pinglab run: %s\n", err.msg);
			pl_run_event(&r, "error", 0, "%s", err.msg);
			goto out;
		}
		pl_run_event(&r, "stack", 0, "host stack: transmit checksum offload off on pl-%s-r (the kernel's UDP and TCP carry their checksums); icmp_ratelimit 0 in pl-%s-rsp (every lab's)",
			     r.lab, r.lab);
		if ((r.targets & RUN_T_KERNEL) && (echod = pl_run_start_echod(&r, &err)) < 0) {
			fprintf(stderr, "pinglab run: %s\n", err.msg);
			pl_run_event(&r, "error", 0, "%s", err.msg);
			goto out;
		}
	}
	fprintf(stderr, "pinglab run: run %s, lab %s, %s stack, report in %s/\n", r.id, r.lab, r.stack->name, r.dir);
	status = pl_run_play(&r, &err);
	if (status == PL_EXIT_ERROR && err.msg[0]) {
		fprintf(stderr, "pinglab run: %s\n", err.msg);
		pl_run_event(&r, "error", 0, "%s", err.msg);
	}
out:
	if (run_stop)
		pl_run_event(&r, "stopped", 0, "SIGINT or SIGTERM: the run ended early");
	if (echod > 0) {
		r.stop_child(echod);
		pl_run_event(&r, "exit", echod, "pinglab-echod stopped");
	}
	while (lab_up && nlabs-- > 0) {
		const char *name = labs[nlabs];
		struct pl_err derr;

		if (keep) {
			fprintf(stderr, "pinglab run: --keep: lab %s left up (pinglab down --name %s)\n", name, name);
			pl_run_event(&r, "lab-kept", 0, "--keep: lab %s left up", name);
		} else if (pl_lab_down(name, NULL, &derr)) {
			fprintf(stderr, "pinglab run: down %s: %s\n", name, derr.msg);
			pl_run_event(&r, "error", 0, "down %s: %s", name, derr.msg);
		} else {
			pl_run_event(&r, "lab-down", 0, "lab %s removed", name);
		}
	}
	pl_scn_lib_free(r.lib);
	if (run_stop && status != PL_EXIT_ERROR)
		status = PL_EXIT_ERROR;
	pl_run_event(&r, "run-end", 0, "exit %d", status);
	pl_run_events_close(&r);
	pl_run_free_owned(&r);
	while (nrecorded)
		free(recorded[--nrecorded]);
	return status;
}
