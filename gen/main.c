/* pinglab-gen — runs inside the generator namespace: plays scenarios on the veth, captures
 * what comes back (and, for responder targets, what the responder wrote on tun0), judges
 * every packet and writes one JSON line per packet.
 *
 *   pinglab-gen --iface IF [--target NAME:kernel|NAME:responder]... [--tun-netns PATH]
 *               [--tun IF] [--out FILE] [--max-wait MS] [--tag T] SCENARIOS...
 *
 *               [--prices TABLE] [--max-cost USD] [--max-packets N] [--pace US]
 *
 * Exit: 0 every expectation met, 1 some verdict failed, 2 usage or lab error (or
 * interrupted), 3 stopped by a budget guard (--max-packets, --max-cost) with a partial run.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/resource.h>
#include <unistd.h>

#include "common/opt.h"
#include "model/table.h"
#include "scenario/play.h"
#include "scenario/scenario.h"
#include "wire/wire.h"

#define MAX_TARGETS 4

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

/* One pass over the library: each scenario (with the tag) played on every target */
struct pass {
	struct pl_play *play;
	struct pl_play_target *targets;
	size_t ntargets;
	const char *tag;
	size_t counted, played;
	bool count_only, printed;
};

static int play_one(void *ctx, struct pl_scenario *s, struct pl_err *err)
{
	struct pass *ps = ctx;
	size_t k;

	if (stop_flag || ps->play->budget_hit)
		return 1;
	if (ps->tag && !pl_scn_has_tag(s, ps->tag))
		return 0;
	ps->counted++;
	if (ps->count_only)
		return 0;
	for (k = 0; k < ps->ntargets && !stop_flag; k++)
		if (pl_play_scenario(ps->play, s, &ps->targets[k], err)) {
			fprintf(stderr, "pinglab-gen: %s [%s]: %s\n", s->id, ps->targets[k].name, err->msg);
			ps->printed = true;
			return -1;
		}
	ps->played++;
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: pinglab-gen --iface IF [--target NAME:kernel|NAME:responder]... [--tun-netns PATH]\n"
		"                   [--tun IF] [--out FILE] [--max-wait MS] [--tag T] [--stack echo|host]\n"
		"                   [--decisions RESPONDER_LOG] [--wait MS] [--trials K]\n"
		"                   [--prices TABLE [--price IN,OUT]] [--max-cost USD] [--max-packets N]\n"
		"                   [--pace US (at most one packet per US microseconds, over all targets)]\n"
		"                   [--progress-status (the progress line as \"@progress ...\" lines, for pinglab run)]\n"
		"                   SCENARIOS...\n");
}

/* The player's price: a row of the model table. */
static bool price_of(void *arg, const char *model, const double tok[PL_TOK__COUNT], double *usd)
{
	return pl_mrow_cost(pl_mtab_find(arg, model), tok, usd);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "iface", required_argument, NULL, 'i' }, { "target", required_argument, NULL, 't' },
		{ "tun-netns", required_argument, NULL, 'n' }, { "tun", required_argument, NULL, 'u' },
		{ "out", required_argument, NULL, 'o' }, { "max-wait", required_argument, NULL, 'w' },
		{ "tag", required_argument, NULL, 'g' }, { "help", no_argument, NULL, 'h' },
		{ "decisions", required_argument, NULL, 'd' }, { "wait", required_argument, NULL, 'W' },
		{ "trials", required_argument, NULL, 'K' }, { "max-packets", required_argument, NULL, 'M' },
		{ "prices", required_argument, NULL, 'P' }, { "max-cost", required_argument, NULL, 'C' },
		{ "price", required_argument, NULL, 'X' }, { "progress-status", no_argument, NULL, 'S' },
		{ "stack", required_argument, NULL, 'A' }, { "pace", required_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	const char *iface = NULL, *tun_ns = NULL, *tun_if = "tun0", *out = NULL, *tag = NULL;
	const char *decisions_path = NULL, *prices_path = NULL;
	struct pl_mtab prices = { 0 };
	double price_in = -1, price_out = -1;
	FILE *decisions = NULL;
	int decisions_watch = -1;
	unsigned wait_ms = 0, trials = 1, trial;
	struct pl_play_target targets[MAX_TARGETS];
	size_t ntargets = 0, k, played = 0;
	struct pl_scn_lib *lib = NULL;
	struct pass ps = { 0 };
	struct pl_wire wire = { .fd = -1 }, tun = { .fd = -1 };
	struct pl_play play = { .stop = &stop_flag };
	const struct pl_stack *stack = pl_stack(PL_STACK_ECHO);
	struct pl_err err = { "" };
	struct sigaction sa;
	int c, status = 2;
	unsigned long failed;
	bool status_lines = false;

	while ((c = getopt_long(argc, argv, "i:t:n:u:o:w:g:hd:W:K:M:P:C:X:SA:p:", opts, NULL)) != -1) {
		switch (c) {
		case 'i': iface = optarg; break;
		case 'n': tun_ns = optarg; break;
		case 'u': tun_if = optarg; break;
		case 'o': out = optarg; break;
		case 'g': tag = optarg; break;
		case 'd': decisions_path = optarg; break;
		case 'W':
			if (!pl_opt_uint("pinglab-gen", "wait", optarg, 0, 3600000, &wait_ms))
				return 2;
			break;
		case 'p': {
			unsigned pace_us;

			if (!pl_opt_uint("pinglab-gen", "pace", optarg, 0, 60000000, &pace_us))
				return 2;
			play.pace_ns = (int64_t)pace_us * 1000;
			break;
		}
		case 'M':
			if (!pl_opt_ulong("pinglab-gen", "max-packets", optarg, 0, ULONG_MAX, &play.max_packets))
				return 2;
			break;
		case 'P': prices_path = optarg; break;
		case 'X':
			if (!pl_opt_price("pinglab-gen", optarg, &price_in, &price_out))
				return 2;
			break;
		case 'C':
			if (!pl_opt_usd("pinglab-gen", "max-cost", optarg, &play.max_cost_usd))
				return 2;
			break;
		case 'K':
			if (!pl_opt_uint("pinglab-gen", "trials", optarg, 1, 1000, &trials))
				return 2;
			break;
		case 'w':
			if (!pl_opt_uint("pinglab-gen", "max-wait", optarg, 0, 3600000, &play.max_wait_ms))
				return 2;
			break;
		case 't': {
			char *colon = strrchr(optarg, ':');

			if (ntargets == MAX_TARGETS || !colon ||
			    (strcmp(colon + 1, "kernel") && strcmp(colon + 1, "responder"))) {
				fprintf(stderr, "pinglab-gen: --target wants NAME:kernel or NAME:responder (at most %d)\n", MAX_TARGETS);
				return 2;
			}
			*colon = '\0';
			memset(&targets[ntargets], 0, sizeof(targets[ntargets]));
			targets[ntargets].name = optarg;
			targets[ntargets].kind = !strcmp(colon + 1, "kernel") ? PL_TARGET_KERNEL : PL_TARGET_RESPONDER;
			ntargets++;
			break;
		}
		case 'S': status_lines = true; break;
		case 'A':
			if (!(stack = pl_stack_by_name(optarg))) {
				fprintf(stderr, "pinglab-gen: --stack %s: unknown stack (%s)\n", optarg, pl_stack_names());
				return 2;
			}
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!iface || optind >= argc) {
		usage(stderr);
		return 2;
	}
	if (!ntargets) {
		targets[0] = (struct pl_play_target){ .name = "kernel", .kind = PL_TARGET_KERNEL };
		ntargets = 1;
	}
	if (play.max_cost_usd > 0 && !prices_path) {
		fprintf(stderr, "pinglab-gen: --max-cost needs --prices TABLE to price the tokens\n");
		return 2;
	}
	if (prices_path) {
		if (pl_mtab_load(prices_path, &prices, &err) ||
		    (price_in >= 0 && pl_mtab_price_all(&prices, price_in, price_out, &err))) {
			fprintf(stderr, "pinglab-gen: %s\n", err.msg);
			return 2;
		}
		play.price = price_of;
		play.price_arg = &prices;
	}
	for (k = 0; k < ntargets; k++)
		targets[k].stack = stack;
	/* parse and validate everything before any packet leaves; then each pass reads the
	 * files again, a scenario at a time, and refuses one that changed since */
	if (pl_scn_lib_open(&lib, argv + optind, (size_t)(argc - optind), stack->id, NULL, NULL, &err)) {
		fprintf(stderr, "pinglab-gen: %s\n", err.msg);
		goto out;
	}
	ps.play = &play;
	ps.targets = targets;
	ps.ntargets = ntargets;
	ps.tag = tag;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	if (pl_wire_open(&wire, iface, &err) ||
	    pl_wire_resolve(&wire, PL_GEN_ADDR, PL_KERNEL_ADDR, 2000, &err)) {
		fprintf(stderr, "pinglab-gen: %s\n", err.msg);
		goto out;
	}
	for (k = 0; k < ntargets; k++)
		if (targets[k].kind == PL_TARGET_RESPONDER) {
			if (tun.fd < 0 && pl_wire_open_l3(&tun, tun_ns, tun_if, &err)) {
				fprintf(stderr, "pinglab-gen: tun capture: %s\n", err.msg);
				goto out;
			}
			targets[k].tun = &tun;
			targets[k].wait_ms = wait_ms;
			if (decisions_path && !decisions) {
				decisions = fopen(decisions_path, "r");
				if (!decisions) {
					fprintf(stderr, "pinglab-gen: %s: %s\n", decisions_path, strerror(errno));
					goto out;
				}
				fseek(decisions, 0, SEEK_END); /* only decisions made from now on */
				/* woken as the responder writes (without it, every 20 ms) */
				if ((decisions_watch = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) >= 0 &&
				    inotify_add_watch(decisions_watch, decisions_path, IN_MODIFY) < 0) {
					close(decisions_watch);
					decisions_watch = -1;
				}
			}
			targets[k].decisions = decisions;
			targets[k].decisions_watch = decisions_watch;
		}
	play.wire = &wire;
	play.epoch_ns = pl_now_ns();
	play.progress = stdout;
	play.terminal = isatty(1) || status_lines;
	play.status_lines = status_lines;
	/* several generators may share pinglab's stdout: whole lines, one write each */
	if (!play.terminal)
		setvbuf(stdout, NULL, _IOLBF, 0);
	ps.count_only = true;
	if (tag && pl_scn_lib_each(lib, play_one, &ps, &err) < 0) {
		fprintf(stderr, "pinglab-gen: %s\n", err.msg);
		goto out;
	}
	ps.count_only = false;
	play.total_scenarios = (tag ? ps.counted : pl_scn_lib_count(lib)) * ntargets * trials;
	if (out) {
		play.jsonl = fopen(out, "a");
		if (!play.jsonl) {
			fprintf(stderr, "pinglab-gen: %s: %s\n", out, strerror(errno));
			goto out;
		}
	}
	/* trials: the whole library again, for pass rates (pass@k, pass^k) */
	for (trial = 0; trial < trials && !stop_flag; trial++) {
		play.trial = trial;
		ps.played = 0;
		if (pl_scn_lib_each(lib, play_one, &ps, &err) < 0) {
			if (!ps.printed)
				fprintf(stderr, "pinglab-gen: %s\n", err.msg);
			goto out;
		}
		if (trial == 0)
			played = ps.played;
	}
	if (play.terminal && !status_lines)
		printf("\n");
	if (play.budget_hit) {
		char why[512];

		if (!strcmp(play.budget, "max-packets"))
			snprintf(why, sizeof(why), "stopped at --max-packets %lu", play.max_packets);
		else if (play.cost_unknown[0])
			snprintf(why, sizeof(why), "stopped: --max-cost cannot be kept, model %s has no price in %s",
				 play.cost_unknown, prices.file);
		else
			snprintf(why, sizeof(why), "stopped at --max-cost %.4f: ~$%.4f spent on the answers so far",
				 play.max_cost_usd, play.cost_usd);
		printf("pinglab-gen: %s (partial run)\n", why);
		/* the records say the run is partial, and why */
		if (play.jsonl) {
			cJSON *o = cJSON_CreateObject();
			char *line;

			cJSON_AddStringToObject(o, "type", "stopped");
			cJSON_AddStringToObject(o, "guard", play.budget);
			cJSON_AddStringToObject(o, "detail", why);
			cJSON_AddNumberToObject(o, "packets_sent", (double)play.packets_sent);
			if (play.price && !play.cost_unknown[0])
				cJSON_AddNumberToObject(o, "cost_usd", play.cost_usd);
			line = cJSON_PrintUnformatted(o);
			if (line)
				fprintf(play.jsonl, "%s\n", line);
			free(line);
			cJSON_Delete(o);
		}
	}
	failed = 0;
	for (c = 1; c < V__COUNT; c++)
		failed += play.verdicts[c];
	printf("pinglab-gen: %zu scenarios x %zu targets, %lu packets: %lu pass", played, ntargets,
	       failed + play.verdicts[V_PASS], play.verdicts[V_PASS]);
	for (c = 1; c < V__COUNT; c++)
		if (play.verdicts[c])
			printf(", %lu %s", play.verdicts[c], pl_verdict_name((enum pl_verdict)c));
	{
		struct rusage ru;

		getrusage(RUSAGE_SELF, &ru);
		printf("; %lu unmatched answers", play.unmatched);
		/* a send time that is not the kernel's TX stamp (records: t_sent_kernel false) */
		if (play.user_send_times)
			printf("; %lu send times from the clock before send(), no kernel TX stamp",
			       play.user_send_times);
		printf("; maxrss %ld kB%s\n", ru.ru_maxrss, stop_flag ? " (interrupted)" : "");
	}
	status = stop_flag ? 2 : play.budget_hit ? 3 : failed ? 1 : 0;
out:
	if (play.jsonl)
		fclose(play.jsonl);
	if (decisions)
		fclose(decisions);
	if (decisions_watch >= 0)
		close(decisions_watch);
	pl_wire_close(&wire);
	pl_wire_close(&tun);
	pl_scn_lib_free(lib);
	pl_play_free(&play);
	pl_mtab_free(&prices);
	return status;
}
