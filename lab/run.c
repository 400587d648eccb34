/* run.c — the phases of `pinglab run`.
 *
 * Phase 1: the kernel of the rsp namespace and the reference responder, side by side.
 * Phase 2: the model target: the responder with a model backend (by default the local
 * simulated model, pinglab-mockllm), on the same lab once the reference responder is
 * gone (one TUN, one responder at a time).
 * pinglab-gen runs inside the generator namespace for each phase and writes one JSON
 * line per packet to packets.jsonl in the run directory; the responders log to
 * responder-<target>.jsonl and the generator reads those logs as they grow, so a
 * model's drop decision ends the wait as soon as it is made.
 */
#include "lab/run.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "common/keyfile.h"
#include "common/sha256.h"
#include "lab/commands.h"
#include "model/api.h"
#include "netlab/lab.h"
#include "model/table.h"
#include "report/report.h"
#include "record/record.h"
#include "scenario/verdict.h"
#include "version.h"

#include <sys/utsname.h>
#include <time.h>

static void path(char *out, size_t n, const char *dir, const char *file)
{
	snprintf(out, n, "%s/%s", dir, file);
}

/* A data folder of the source tree (prompts, mockllm/profiles), found next to the
 * binaries (build/ or build/san/ in a checkout) or in the current directory. */
static void find_data(const struct pl_run *r, const char *rel, char *out, size_t n)
{
	static const char *const up[] = { "/..", "/../..", "/../../.." };
	size_t i;

	for (i = 0; i < sizeof(up) / sizeof(up[0]); i++) {
		snprintf(out, n, "%s%s/%s", r->bindir, up[i], rel);
		if (access(out, R_OK) == 0)
			return;
	}
	snprintf(out, n, "%s", rel);
}

void pl_run_profiles_dir(const struct pl_run *r, char *out, size_t n)
{
	const char *env = getenv("PINGLAB_PROFILES");

	if (env && *env)
		snprintf(out, n, "%s", env);
	else
		find_data(r, "mockllm/profiles", out, n);
}

/* Start pinglab-mockllm for m on 127.0.0.1:0 and read the URL it prints. */
/* Start argv (in netns, NULL: the controller's) with its stdout on a pipe, record it in
 * lab's run file as role, and read the first line it prints (within 5 s, without its end
 * of line) into line. Returns its pid, or -1 with err set when it could not start. */
static pid_t spawn_first_line(struct pl_run *r, const char *const argv[], const char *netns, const char *lab,
			      const char *role, char *line, size_t n, struct pl_err *err)
{
	size_t got = 0;
	int fds[2];
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) < 0) {
		pl_errf(err, -errno, "pipe: %s", strerror(errno));
		return -1;
	}
	pid = r->spawn(argv, netns, fds[1], -1);
	close(fds[1]);
	if (pid < 0) {
		close(fds[0]);
		pl_errf(err, -errno, "fork: %s", strerror(errno));
		return -1;
	}
	/* recorded before it is waited for: a controller killed meanwhile leaves it to
	 * pinglab clean, not to nobody */
	pl_lab_add_pid(lab, pid, role, NULL);
	for (;;) {
		struct pollfd p = { .fd = fds[0], .events = POLLIN };
		ssize_t k;

		if (poll(&p, 1, 5000) <= 0)
			break;
		k = read(fds[0], line + got, n - 1 - got);
		if (k <= 0)
			break;
		got += (size_t)k;
		line[got] = '\0';
		if (strchr(line, '\n') || got == n - 1)
			break;
	}
	close(fds[0]);
	line[got] = '\0';
	line[strcspn(line, "\r\n")] = '\0';
	return pid;
}

pid_t pl_run_start_mock(struct pl_run *r, struct pl_run_model *m, struct pl_err *err)
{
	char bin[PATH_MAX + 32], log[PATH_MAX + 64], seed[32], line[256];
	const char *argv[] = { bin, "--listen", "127.0.0.1:0", "--profile", m->profile, "--seed", seed,
			       "--log", log, "--scale", m->scale, NULL };
	pid_t pid;

	path(bin, sizeof(bin), r->bindir, "pinglab-mockllm");
	path(log, sizeof(log), r->dir, m->mock_log);
	snprintf(seed, sizeof(seed), "%lu", r->seed);
	if (!getenv("PINGLAB_PROFILES")) {
		char dir[PATH_MAX + 64];

		pl_run_profiles_dir(r, dir, sizeof(dir));
		setenv("PINGLAB_PROFILES", dir, 0);
	}
	pid = spawn_first_line(r, argv, NULL, m->lab[0] ? m->lab : r->lab, "mockllm", line, sizeof(line), err);
	if (pid < 0)
		return -1;
	if (strncmp(line, "http://127.", 11)) {
		r->stop_child(pid);
		pl_errf(err, -EIO, "pinglab-mockllm (%s) did not start (said '%s')", m->name, line);
		return -1;
	}
	snprintf(m->url, sizeof(m->url), "%s", line);
	pl_run_event(r, "start", pid, "pinglab-mockllm, profile %s, seed %lu, at %s, for %s", m->profile, r->seed, m->url,
		     m->name);
	return pid;
}

pid_t pl_run_start_echod(struct pl_run *r, struct pl_err *err)
{
	char bin[PATH_MAX + 32], ns[64], line[128];
	const char *argv[] = { bin, "--addr", PL_LAB_KERNEL_IP, "--port", "7", NULL };
	pid_t pid;

	path(bin, sizeof(bin), r->bindir, "pinglab-echod");
	snprintf(ns, sizeof(ns), "pl-%s-rsp", r->lab);
	pid = spawn_first_line(r, argv, ns, r->lab, "echod", line, sizeof(line), err);
	if (pid < 0)
		return -1;
	if (strcmp(line, "ready")) {
		r->stop_child(pid);
		pl_errf(err, -EIO, "pinglab-echod did not start in pl-%s-rsp (said '%s')", r->lab, line);
		return -1;
	}
	pl_run_event(r, "start", pid, "pinglab-echod: UDP and TCP echo (RFC 862) on %s:7 in pl-%s-rsp, for the kernel target of the host stack",
		     PL_LAB_KERNEL_IP, r->lab);
	return pid;
}

/* Who a responder runs as after opening tun0: --responder-user, or by default nobody —
 * except a model backend that runs the user's own tools (exec: `claude -p` wants its
 * configuration; agent: its FIFOs), which stays root without capabilities. "root"
 * keeps root. NULL: no --user. */
static const char *responder_user(const struct pl_run *r, const struct pl_run_model *m)
{
	if (r->user)
		return strcmp(r->user, "root") ? r->user : NULL;
	if (m && (!strcmp(m->backend, "exec") || !strcmp(m->backend, "agent")))
		return NULL;
	return getpwnam("nobody") ? "nobody" : NULL;
}

pid_t pl_run_start_responder(struct pl_run *r, struct pl_run_model *m, const char *log, struct pl_err *err)
{
	char bin[PATH_MAX + 32], ns[64], conc[16], tmo[16], prompt[PATH_MAX + 32], tmpl[PATH_MAX + 32];
	const char *argv[64], *lab = m && m->lab[0] ? m->lab : r->lab, *saved_key = NULL;
	char *saved = NULL;
	int n = 0, i;
	pid_t pid;

	path(bin, sizeof(bin), r->bindir, "pinglab-responder");
	snprintf(ns, sizeof(ns), "/run/netns/pl-%s-rsp", lab);
	find_data(r, r->stack->prompt, prompt, sizeof(prompt));
	find_data(r, "prompts/packet.md", tmpl, sizeof(tmpl));
	argv[n++] = bin;
	argv[n++] = "--stack";
	argv[n++] = r->stack->name;
	argv[n++] = "--netns";
	argv[n++] = ns;
	argv[n++] = "--log";
	argv[n++] = log;
	if (responder_user(r, m)) {
		argv[n++] = "--user";
		argv[n++] = responder_user(r, m);
	}
	if (!m) {
		argv[n++] = "--backend";
		argv[n++] = "reference";
	} else if (!strcmp(m->backend, "replay")) {
		argv[n++] = "--backend";
		argv[n++] = "replay";
		argv[n++] = "--cassette";
		argv[n++] = m->cassette;
		argv[n++] = "--prompt";
		argv[n++] = prompt;
		argv[n++] = "--template";
		argv[n++] = tmpl;
		argv[n++] = "--log-text";
	} else {
		bool mock = !strcmp(m->backend, "mock");

		snprintf(conc, sizeof(conc), "%u", m->concurrency);
		snprintf(tmo, sizeof(tmo), "%u", m->timeout_ms);
		argv[n++] = "--backend";
		argv[n++] = mock ? "anthropic" : m->backend;
		argv[n++] = "--concurrency";
		argv[n++] = conc;
		argv[n++] = "--timeout";
		argv[n++] = tmo;
		argv[n++] = "--prompt";
		argv[n++] = prompt;
		argv[n++] = "--template";
		argv[n++] = tmpl;
		argv[n++] = "--log-text";
		if (m->stream)
			argv[n++] = "--stream";
		{
			/* passed on as given; NULL: the responder's own default */
			const char *const pass[][2] = {
				{ "--retries", m->retries },
				{ "--base-url", mock ? m->url : m->base_url },
				{ "--model", m->model },
				{ "--key-file", mock ? NULL : m->key_file },
				{ "--models", r->models[0] ? r->models : NULL },
				{ "--temperature", m->temperature }, { "--max-tokens", m->max_tokens },
				{ "--thinking", m->thinking },       { "--reasoning-effort", m->reasoning_effort },
				{ "--cassette", r->resume ? m->cassette : NULL },
			};

			for (i = 0; i < (int)(sizeof(pass) / sizeof(pass[0])); i++)
				if (pass[i][1]) {
					argv[n++] = pass[i][0];
					argv[n++] = pass[i][1];
				}
		}
		if (!strcmp(m->backend, "agent")) {
			argv[n++] = "--run-dir";
			argv[n++] = r->dir;
		}
		if (r->exec_argv && !strcmp(m->backend, "exec")) {
			argv[n++] = "--";
			for (i = 0; r->exec_argv[i] && n < 62; i++)
				argv[n++] = r->exec_argv[i];
		}
	}
	argv[n] = NULL;
	if (m && !strcmp(m->backend, "mock")) {
		/* the mock checks that a key is sent; a real target started after this one
		 * keeps the user's own key */
		saved_key = getenv("ANTHROPIC_API_KEY");
		saved = saved_key ? strdup(saved_key) : NULL;
		setenv("ANTHROPIC_API_KEY", "pinglab-simulated-key", 1);
	}
	pid = r->spawn(argv, NULL, -1, -1);
	if (m && !strcmp(m->backend, "mock")) {
		if (saved) {
			setenv("ANTHROPIC_API_KEY", saved, 1);
			explicit_bzero(saved, strlen(saved));
			free(saved);
		} else {
			unsetenv("ANTHROPIC_API_KEY");
		}
	}
	if (pid < 0)
		return pl_errf(err, -errno, "fork: %s", strerror(errno));
	pl_lab_add_pid(lab, pid, m ? "responder-llm" : "responder", NULL);
	if (pl_lab_tun_wait_ready(lab, 5000, err)) {
		r->stop_child(pid);
		return -1;
	}
	pl_run_event(r, "start", pid, "pinglab-responder, %s backend%s%s%s%s, lab %s", m ? m->backend : "reference",
		     responder_user(r, m) ? ", as user " : "", responder_user(r, m) ? responder_user(r, m) : "",
		     m ? ", for " : "", m ? m->name : "", lab);
	return pid;
}

struct watch {
	pid_t pid;
	char what[160];
	bool dead;
	struct pl_run_model *m;     /* the model target whose responder this is (NULL: none) */
	int gen;                    /* the generator it serves (index into the gens) */
};

/* Has a helper process (responder, mock) died? Then say so — a crash mid-run is a
 * finding, its packets show as missed — remember it for run.json, and return true. */
static bool died(struct pl_run *r, struct watch *w)
{
	int status;

	if (w->pid <= 0 || waitpid(w->pid, &status, WNOHANG) != w->pid)
		return false;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 3 && w->m) {
		/* the API refused the first requests: the target's configuration, not a crash */
		w->m->config_error = true;
		r->config_error = true;
		pl_run_event(r, "config-error", w->pid, "the API refused the configuration of %s", w->m->name);
		return true;
	}
	if (!r->incident[0]) {
		if (WIFSIGNALED(status))
			snprintf(r->incident, sizeof(r->incident), "%.100s crashed during the run (signal %d)", w->what,
				 WTERMSIG(status));
		else
			snprintf(r->incident, sizeof(r->incident), "%.100s exited during the run (status %d)", w->what,
				 WEXITSTATUS(status));
		fprintf(stderr, "pinglab run: %s\n", r->incident);
		pl_run_event(r, "incident", w->pid, "%s", r->incident);
	}
	return true;
}

static void end_helper(struct pl_run *r, struct watch *w)
{
	if (w->pid > 0 && !w->dead && !died(r, w)) {
		r->stop_child(w->pid);
		pl_run_event(r, "stop", w->pid, "%s stopped", w->what);
	}
}

/* One generator of a phase. */
struct gen {
	pid_t pid;
	int rc;                     /* its exit status, 128 + N for signal N; -1 while it runs */
	bool told;                  /* SIGTERM sent */
	int fd;                     /* read end of its stdout (the progress block), or -1 */
	const char *name;
	char buf[1024];
	size_t nbuf;
	char status[400];           /* its last progress line */
};

/* The progress on a terminal, several generators at once: one line per generator (the
 * baselines', each model target's) at the bottom, redrawn; any other line of theirs (a
 * failed scenario) above. */
struct block {
	bool on;
	unsigned drawn;
};

static void block_draw(struct block *b, struct gen *g, int ng)
{
	int i;

	if (b->drawn)
		printf("\033[%uA\033[J", b->drawn);
	for (i = 0; i < ng; i++)
		printf("%.300s\n", g[i].status[0] ? g[i].status : g[i].name);
	b->drawn = (unsigned)ng;
	fflush(stdout);
}

static void block_read(struct block *b, struct gen *g, int ng)
{
	bool dirty = false;
	int i;

	for (i = 0; i < ng; i++) {
		ssize_t k;

		while (g[i].fd >= 0 && (k = read(g[i].fd, g[i].buf + g[i].nbuf, sizeof(g[i].buf) - 1 - g[i].nbuf)) > 0) {
			char *nl, *line;

			g[i].nbuf += (size_t)k;
			g[i].buf[g[i].nbuf] = '\0';
			while ((nl = strchr(g[i].buf, '\n')) || g[i].nbuf == sizeof(g[i].buf) - 1) {
				if (!nl)
					nl = g[i].buf + g[i].nbuf - 1;
				*nl = '\0';
				line = g[i].buf;
				while (!strncmp(line, "\r\033[K", 4))
					line += 4;
				if (!strncmp(line, "@progress ", 10)) {
					snprintf(g[i].status, sizeof(g[i].status), "%s", line + 10);
				} else if (*line) {
					if (b->drawn)
						printf("\033[%uA\033[J", b->drawn);
					b->drawn = 0;
					printf("%s\n", line);
				}
				dirty = true;
				g[i].nbuf -= (size_t)(nl + 1 - g[i].buf);
				memmove(g[i].buf, nl + 1, g[i].nbuf + 1);
			}
		}
	}
	if (dirty)
		block_draw(b, g, ng);
}

/* Wait for the generators; when a watched helper dies meanwhile, stop the generator it
 * serves (the others play on), and when pinglab itself is told to stop (a kill of
 * pinglab alone must not leave a generator playing on), stop them all, so the run ends
 * with what it has. */
static void wait_gens(struct pl_run *r, struct gen *g, int ng, struct watch *w, int nw, struct block *b)
{
	int status, i, left;

	for (;;) {
		for (i = 0, left = 0; i < ng; i++) {
			if (g[i].rc >= 0 || g[i].pid <= 0)
				continue;
			if (waitpid(g[i].pid, &status, WNOHANG) == g[i].pid) {
				g[i].rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
				pl_run_event(r, "exit", g[i].pid, "pinglab-gen: %s %d%s%s", g[i].rc >= 128 ? "signal" : "exit status",
					     g[i].rc >= 128 ? g[i].rc - 128 : g[i].rc, ng > 1 ? ", " : "", ng > 1 ? g[i].name : "");
				continue;
			}
			left++;
		}
		if (b && b->on)
			block_read(b, g, ng);
		if (!left)
			return;
		for (i = 0; i < nw; i++)
			if (!w[i].dead && died(r, &w[i])) {
				w[i].dead = true;
				if (w[i].gen >= 0 && w[i].gen < ng && g[w[i].gen].rc < 0 && !g[w[i].gen].told) {
					kill(g[w[i].gen].pid, SIGTERM);
					g[w[i].gen].told = true;
				}
			}
		if (*r->stop)
			for (i = 0; i < ng; i++)
				if (g[i].rc < 0 && !g[i].told) {
					kill(g[i].pid, SIGTERM);
					g[i].told = true;
				}
		usleep(20000);
	}
}

/* Start pinglab-gen in lab's generator namespace: targets ("NAME:kernel",
 * "NAME:responder"), records appended to out; for a model target m, its decisions log,
 * wait and budget. out_fd: its stdout (-1: pinglab's). */
static pid_t spawn_gen(struct pl_run *r, const char *lab, const char *const *targets, const char *out,
		       const struct pl_run_model *m, const char *decisions, unsigned wait_ms, int out_fd, struct pl_err *err)
{
	char bin[PATH_MAX + 32], ns[64], rsp_ns[64], iface[32], maxw[16], waitbuf[16], trials[16], maxp[24];
	char prices[PATH_MAX + 64];
	const char *argv[64];
	int n = 0;
	size_t i;
	pid_t pid;

	path(bin, sizeof(bin), r->bindir, "pinglab-gen");
	snprintf(ns, sizeof(ns), "pl-%s-gen", lab);
	snprintf(rsp_ns, sizeof(rsp_ns), "/run/netns/pl-%s-rsp", lab);
	snprintf(iface, sizeof(iface), "pl-%s-g", lab);
	snprintf(maxw, sizeof(maxw), "%u", r->max_wait_ms);
	snprintf(waitbuf, sizeof(waitbuf), "%u", wait_ms);
	argv[n++] = bin;
	argv[n++] = "--iface";
	argv[n++] = iface;
	argv[n++] = "--tun-netns";
	argv[n++] = rsp_ns;
	argv[n++] = "--out";
	argv[n++] = out;
	argv[n++] = "--max-wait";
	argv[n++] = maxw;
	argv[n++] = "--stack";
	argv[n++] = r->stack->name;
	for (i = 0; targets[i]; i++) {
		argv[n++] = "--target";
		argv[n++] = targets[i];
	}
	if (out_fd >= 0)
		argv[n++] = "--progress-status";
	if (decisions) {
		argv[n++] = "--decisions";
		argv[n++] = decisions;
		argv[n++] = "--wait";
		argv[n++] = waitbuf;
	}
	if (r->tag) {
		argv[n++] = "--tag";
		argv[n++] = r->tag;
	}
	if (m && m->max_packets) {
		snprintf(maxp, sizeof(maxp), "%lu", m->max_packets);
		argv[n++] = "--max-packets";
		argv[n++] = maxp;
	}
	/* the model phase: the cost so far on the progress line, and the --max-cost guard */
	if (m && !pl_mtab_locate(r->bindir, prices, sizeof(prices))) {
		argv[n++] = "--prices";
		argv[n++] = prices;
		if (m->max_cost_arg) {
			argv[n++] = "--max-cost";
			argv[n++] = m->max_cost_arg;
		}
		if (m->price_arg) {
			argv[n++] = "--price";
			argv[n++] = m->price_arg;
		}
	} else if (m && m->max_cost_arg) {
		pl_errf(err, -ENOENT, "--max-cost: no price table (model/models-*.tsv) to price the tokens with");
		return -1;
	}
	if (r->repeat > 1) {
		snprintf(trials, sizeof(trials), "%u", r->repeat);
		argv[n++] = "--trials";
		argv[n++] = trials;
	}
	/* the generator reads the same files and folders the controller checked, in the
	 * same order, and checks them again itself */
	for (i = 0; i < r->npaths && n < 62; i++)
		argv[n++] = r->paths[i];
	argv[n] = NULL;
	if (n >= 62) {
		pl_errf(err, -E2BIG, "too many scenario files for one run (pass a folder)");
		return -1;
	}
	pid = r->spawn(argv, ns, out_fd, -1);
	if (pid < 0) {
		pl_errf(err, -errno, "fork: %s", strerror(errno));
		return -1;
	}
	{
		char list[256] = "";

		for (i = 0; targets[i]; i++)
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? ", " : "", targets[i]);
		pl_run_event(r, "start", pid, "pinglab-gen: %s", list);
	}
	return pid;
}

struct tally {
	char name[96];
	unsigned long v[V__COUNT];
	unsigned long total;
};

static const struct pl_run_model *model_named(const struct pl_run *r, const char *name)
{
	unsigned k;

	for (k = 0; k < r->nm; k++)
		if (!strcmp(r->m[k].name, name))
			return &r->m[k];
	return NULL;
}

static void summarize(struct pl_run *r, bool *regression)
{
	char file[PATH_MAX + 32], *line = NULL;
	size_t cap = 0;
	struct tally t[2 + RUN_MODELS_MAX];
	size_t nt = 0, i, w = 28;
	unsigned k;
	FILE *f;

	memset(t, 0, sizeof(t));
	path(file, sizeof(file), r->dir, "packets.jsonl");
	f = fopen(file, "r");
	*regression = false;
	if (!f)
		return;
	/* records of any length: a 64 KiB packet and its reply are 256 KiB of hex */
	while (pl_rec_getline(f, &line, &cap) >= 0) {
		struct pl_rec rec;
		int v;

		if (pl_rec_parse(line, &rec) == 0 && rec.type == PL_REC_PACKET &&
		    (v = pl_verdict_from_name(rec.verdict)) >= 0) {
			for (i = 0; i < nt && strcmp(t[i].name, rec.target); i++)
				;
			if (i == nt && nt < sizeof(t) / sizeof(t[0]))
				snprintf(t[nt++].name, sizeof(t[0].name), "%s", rec.target);
			if (i < nt) {
				t[i].v[v]++;
				t[i].total++;
			}
		}
		pl_rec_free(&rec);
	}
	free(line);
	fclose(f);
	for (i = 0; i < nt; i++)
		if (strlen(t[i].name) > w)
			w = strlen(t[i].name);
	printf("\n%-*s %7s %7s %7s %7s %7s %7s %7s %7s %7s %7s\n", (int)w, "target", "packets", "pass", "wrong", "missed",
	       "false", "unparse", "trunc", "refused", "api-err", "timeout");
	for (i = 0; i < nt; i++) {
		printf("%-*s %7lu %7lu %7lu %7lu %7lu %7lu %7lu %7lu %7lu %7lu\n", (int)w, t[i].name, t[i].total, t[i].v[V_PASS],
		       t[i].v[V_WRONG_REPLY], t[i].v[V_MISSED_REPLY], t[i].v[V_FALSE_REPLY], t[i].v[V_UNPARSEABLE],
		       t[i].v[V_TRUNCATED], t[i].v[V_REFUSED], t[i].v[V_API_ERROR], t[i].v[V_TIMEOUT]);
		if ((!strcmp(t[i].name, "kernel") || !strcmp(t[i].name, "reference")) && t[i].v[V_PASS] != t[i].total)
			*regression = true;
		if (model_named(r, t[i].name) && r->fail_under >= 0 && t[i].total &&
		    (double)t[i].v[V_PASS] / (double)t[i].total < r->fail_under) {
			printf("%s: pass rate %.3f is under --fail-under %.3f\n", t[i].name,
			       (double)t[i].v[V_PASS] / (double)t[i].total, r->fail_under);
			*regression = true;
		}
	}
	for (k = 0; k < r->nm; k++) {
		const struct pl_run_model *m = &r->m[k];

		if (!strcmp(m->backend, "replay"))
			printf("(%s replayed from %s: its recorded answers, no model was asked)\n", m->name, r->replay);
		else if (!strcmp(m->backend, "mock"))
			printf("(%s is the simulated model: pinglab-mockllm with profile %s, seed %lu)\n", m->name, m->profile,
			       r->seed);
		if (m->stopped[0])
			printf("%s: %s\n", m->name, m->stopped);
	}
	if (r->incident[0])
		printf("incident: %s\n", r->incident);
	printf("packets: %s\n", file);
	{
		struct rusage ru;

		if (!getrusage(RUSAGE_SELF, &ru))
			printf("pinglab run: maxrss %ld kB\n", ru.ru_maxrss);
	}
}

static int play_phases(struct pl_run *r, struct pl_err *err);

static void iso_now(char *out, size_t n)
{
	struct timespec ts;
	struct tm tm;
	char base[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, n, "%.24s.%03dZ", base, (int)(ts.tv_nsec / 1000000) % 1000);
}

void pl_run_event(struct pl_run *r, const char *event, pid_t pid, const char *fmt, ...)
{
	char when[40], detail[1024], path[PATH_MAX + 32];
	struct timespec ts;
	int64_t now;
	cJSON *o;
	char *line;
	va_list ap;

	if (!r->events) {
		if (!r->dir[0])
			return;
		snprintf(path, sizeof(path), "%s/events.jsonl", r->dir);
		r->events = fopen(path, "ae");
		if (!r->events)
			return;
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	if (!r->events_t0_ns)
		r->events_t0_ns = now;
	iso_now(when, sizeof(when));
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	o = cJSON_CreateObject();
	if (!o)
		return;
	cJSON_AddStringToObject(o, "time", when);
	cJSON_AddNumberToObject(o, "t_ms", (double)((now - r->events_t0_ns) / 1000000));
	cJSON_AddStringToObject(o, "event", event);
	cJSON_AddStringToObject(o, "detail", detail);
	if (pid > 0)
		cJSON_AddNumberToObject(o, "pid", pid);
	line = cJSON_PrintUnformatted(o);
	if (line) {
		fprintf(r->events, "%s\n", line);
		fflush(r->events);
		free(line);
	}
	cJSON_Delete(o);
}

void pl_run_events_close(struct pl_run *r)
{
	if (r->events)
		fclose(r->events);
	r->events = NULL;
}

static void sha_file(const char *file, char out[65])
{
	FILE *f = fopen(file, "rb");
	struct pl_sha256 h;
	uint8_t d[32], buf[4096];
	size_t k;
	int i;

	out[0] = '\0';
	if (!f)
		return;
	pl_sha256_init(&h);
	while ((k = fread(buf, 1, sizeof(buf), f)) > 0)
		pl_sha256_update(&h, buf, k);
	fclose(f);
	pl_sha256_final(&h, d);
	for (i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* run.json's model.request: what every request asked for, as the responder builds it
 * (the same pl_api_knobs over the same row of t, the model table; t->n == 0: none), and
 * the row it came from. */
static void add_request_json(const struct pl_run_model *mt, const struct pl_mtab *t, cJSON *m)
{
	enum pl_api api = !strcmp(mt->backend, "openai") ? PL_API_OPENAI : PL_API_ANTHROPIC;
	const char *model = pl_run_model_id(mt);
	const struct pl_mrow *row = NULL;
	struct pl_req_opts q = { 0 };
	double temp = -2;
	cJSON *rq;

	if (!strcmp(mt->backend, "exec") || !strcmp(mt->backend, "agent") || !strcmp(mt->backend, "replay"))
		return;
	if (t->n)
		row = pl_mtab_find(t, model);
	if (mt->temperature)
		temp = strcmp(mt->temperature, "none") ? strtod(mt->temperature, NULL) : -1;
	pl_api_knobs(api, row, temp, mt->max_tokens ? (unsigned)strtoul(mt->max_tokens, NULL, 10) : 0,
		     mt->thinking ? (unsigned)strtoul(mt->thinking, NULL, 10) : 0, mt->reasoning_effort, &q);
	rq = cJSON_AddObjectToObject(m, "request");
	cJSON_AddStringToObject(rq, "max_tokens_field", pl_mt_max_name(q.max_field));
	cJSON_AddNumberToObject(rq, "max_tokens", q.max_tokens);
	if (q.temperature_set)
		cJSON_AddNumberToObject(rq, "temperature", q.temperature);
	else
		cJSON_AddNullToObject(rq, "temperature");
	cJSON_AddStringToObject(rq, "temperature_from", mt->temperature ? "--temperature" : "model table");
	if (q.thinking_budget)
		cJSON_AddNumberToObject(rq, "thinking_budget", q.thinking_budget);
	if (q.reasoning_effort)
		cJSON_AddStringToObject(rq, "reasoning_effort", q.reasoning_effort);
	if (mt->price_arg) {
		cJSON *p = cJSON_AddObjectToObject(m, "price");

		cJSON_AddNumberToObject(p, "input", mt->price_in);
		cJSON_AddNumberToObject(p, "output", mt->price_out);
	}
	if (t->n) {
		cJSON *tb = cJSON_AddObjectToObject(m, "model_table");

		cJSON_AddStringToObject(tb, "file", t->file);
		cJSON_AddStringToObject(tb, "as_of", t->as_of);
		if (row) {
			cJSON_AddStringToObject(tb, "row", row->pattern);
			cJSON_AddStringToObject(tb, "temperature", pl_mt_temp_name(row->temperature));
			cJSON_AddStringToObject(tb, "max_field", pl_mt_max_name(row->max_field));
			cJSON_AddStringToObject(tb, "thinking", pl_mt_think_name(row->thinking));
			cJSON_AddNumberToObject(tb, "min_cache", (double)row->min_cache);
		} else {
			cJSON_AddNullToObject(tb, "row");
		}
	}
}

static bool simulated(const struct pl_run_model *m)
{
	return !strcmp(m->backend, "mock") || m->replay_simulated;
}

/* What every model target of a run.json shares: the model table and the prompts' hashes. */
struct run_json_common {
	struct pl_mtab table;       /* n == 0: none */
	char system_sha[65], template_sha[65];
};

/* One model target in run.json: what it is, what it asked, where its files are. */
static cJSON *model_json(const struct pl_run *r, const struct pl_run_model *mt, const struct run_json_common *c)
{
	cJSON *m = cJSON_CreateObject();

	if (!m)
		return NULL;
	cJSON_AddStringToObject(m, "target", mt->name);
	cJSON_AddStringToObject(m, "backend", !strcmp(mt->backend, "replay") ? mt->replay_backend : mt->backend);
	cJSON_AddBoolToObject(m, "simulated", simulated(mt));
	if (!strcmp(mt->backend, "replay")) {
		cJSON_AddStringToObject(m, "replay_of", r->replay);
		cJSON_AddStringToObject(m, "replayed_backend", mt->replay_backend);
	}
	if (r->resume)
		cJSON_AddBoolToObject(m, "resumed", true);
	if (!strcmp(mt->backend, "mock")) {
		cJSON_AddStringToObject(m, "profile", mt->profile);
		cJSON_AddStringToObject(m, "scale", mt->scale);
	}
	cJSON_AddStringToObject(m, "model", strcmp(mt->backend, "replay") ? pl_run_model_id(mt) : mt->model ? mt->model : "");
	if (mt->base_url)
		cJSON_AddStringToObject(m, "base_url", mt->base_url);
	add_request_json(mt, &c->table, m);
	cJSON_AddNumberToObject(m, "concurrency", mt->concurrency);
	cJSON_AddNumberToObject(m, "timeout_ms", mt->timeout_ms);
	if (mt->stream)
		cJSON_AddBoolToObject(m, "stream", true);
	if (mt->max_packets)
		cJSON_AddNumberToObject(m, "max_packets", (double)mt->max_packets);
	if (mt->max_cost_arg)
		cJSON_AddNumberToObject(m, "max_cost", strtod(mt->max_cost_arg, NULL));
	cJSON_AddStringToObject(m, "lab", mt->lab);
	cJSON_AddStringToObject(m, "log", mt->log);
	cJSON_AddStringToObject(m, "packets", mt->packets);
	if (!strcmp(mt->backend, "mock"))
		cJSON_AddStringToObject(m, "mock_log", mt->mock_log);
	if (mt->stopped[0])
		cJSON_AddStringToObject(m, "stopped", mt->stopped);
	cJSON_AddStringToObject(m, "system_prompt_sha256", c->system_sha);
	cJSON_AddStringToObject(m, "packet_template_sha256", c->template_sha);
	return m;
}

/* run.json: what a report needs to say how the run was made. Rewritten at the end with
 * the end time; a killed run keeps the first version. */
struct scn_out {
	FILE *f;
	const char *tag;
	size_t n;
};

/* one entry of run.json's scenarios, as cJSON_Print writes it two levels deep */
static int scn_entry(void *ctx, struct pl_scenario *s, struct pl_err *err)
{
	struct scn_out *so = ctx;
	cJSON *e;
	char buf[24], *txt, *p;

	if (so->tag && !pl_scn_has_tag(s, so->tag))
		return 0;
	e = cJSON_CreateObject();
	if (!e)
		return pl_errf(err, -ENOMEM, "out of memory");
	cJSON_AddStringToObject(e, "id", s->id);
	cJSON_AddStringToObject(e, "category", s->category);
	snprintf(buf, sizeof(buf), "%016llx", (unsigned long long)s->hash);
	cJSON_AddStringToObject(e, "hash", buf);
	cJSON_AddStringToObject(e, "file", s->file);
	cJSON_AddNumberToObject(e, "line", s->line);
	if (s->description)
		cJSON_AddStringToObject(e, "description", s->description);
	txt = cJSON_Print(e);
	cJSON_Delete(e);
	if (!txt)
		return pl_errf(err, -ENOMEM, "out of memory");
	if (so->n++)
		fputs(", ", so->f);
	for (p = txt; *p; p++) {
		fputc(*p, so->f);
		if (*p == '\n')
			fputs("\t\t", so->f);
	}
	free(txt);
	return 0;
}

static void write_run_json(struct pl_run *r, const char *ended)
{
	char file[PATH_MAX + 32], tmp[PATH_MAX + 40], buf[256];
	cJSON *o = cJSON_CreateObject(), *t;
	struct utsname u;
	FILE *f;
	char *txt;

	if (!o)
		return;
	cJSON_AddStringToObject(o, "schema", "pinglab.run/1");
	cJSON_AddStringToObject(o, "run_id", r->id);
	cJSON_AddStringToObject(o, "pinglab_version", PL_VERSION);
	cJSON_AddStringToObject(o, "started", r->started);
	if (ended)
		cJSON_AddStringToObject(o, "ended", ended);
	cJSON_AddStringToObject(o, "lab", r->lab);
	cJSON_AddStringToObject(o, "stack", r->stack->name);
	if (!uname(&u)) {
		snprintf(buf, sizeof(buf), "%s %s %s", u.sysname, u.release, u.machine);
		cJSON_AddStringToObject(o, "kernel", buf);
	}
	f = fopen("/proc/cpuinfo", "r");
	while (f && fgets(buf, sizeof(buf), f))
		if (!strncmp(buf, "model name", 10) && strchr(buf, ':')) {
			char *v = strchr(buf, ':') + 2;

			v[strcspn(v, "\n")] = '\0';
			cJSON_AddStringToObject(o, "cpu", v);
			break;
		}
	if (f)
		fclose(f);
	cJSON_AddNumberToObject(o, "cpus", (double)sysconf(_SC_NPROCESSORS_ONLN));
	t = cJSON_AddArrayToObject(o, "targets");
	if (r->targets & RUN_T_KERNEL)
		cJSON_AddItemToArray(t, cJSON_CreateString("kernel"));
	if (r->targets & RUN_T_REFERENCE)
		cJSON_AddItemToArray(t, cJSON_CreateString("reference"));
	if (r->nm) {
		cJSON *ms = cJSON_AddArrayToObject(o, "models");
		struct run_json_common c;
		struct pl_err terr;
		char prompt[PATH_MAX + 32];
		bool all_sim = true;
		unsigned k;

		memset(&c, 0, sizeof(c));
		if (r->models[0] && pl_mtab_load(r->models, &c.table, &terr))
			memset(&c.table, 0, sizeof(c.table));
		find_data(r, r->stack->prompt, prompt, sizeof(prompt));
		sha_file(prompt, c.system_sha);
		find_data(r, "prompts/packet.md", prompt, sizeof(prompt));
		sha_file(prompt, c.template_sha);
		for (k = 0; k < r->nm; k++) {
			cJSON_AddItemToArray(t, cJSON_CreateString(r->m[k].name));
			cJSON_AddItemToArray(ms, model_json(r, &r->m[k], &c));
			all_sim &= simulated(&r->m[k]);
		}
		pl_mtab_free(&c.table);
		/* a one-model run's "model", as before: the first model target */
		cJSON_AddItemToObject(o, "model", cJSON_Duplicate(cJSON_GetArrayItem(ms, 0), true));
		cJSON_AddBoolToObject(o, "simulated", all_sim);
	} else {
		cJSON_AddBoolToObject(o, "simulated", false);
	}
	cJSON_AddNumberToObject(o, "seed", (double)r->seed);
	cJSON_AddNumberToObject(o, "repeat", r->repeat ? r->repeat : 1);
	if (r->incident[0])
		cJSON_AddStringToObject(o, "incident", r->incident);
	if (r->stopped[0])
		cJSON_AddStringToObject(o, "stopped", r->stopped);
	if (r->tag)
		cJSON_AddStringToObject(o, "tag", r->tag);
	/* the scenarios last, written as the library is read again, one at a time, in the
	 * layout cJSON_Print gives them (run.json as it always was) */
	path(file, sizeof(file), r->dir, "run.json");
	snprintf(tmp, sizeof(tmp), "%s.tmp", file);
	txt = cJSON_Print(o);
	f = txt ? fopen(tmp, "w") : NULL;
	if (f) {
		struct scn_out so = { f, r->tag, 0 };
		size_t tl = strlen(txt);
		struct pl_err serr;
		int rc;

		/* "{\n...\n}": the members, then the scenarios as the last one */
		fwrite(txt, 1, tl > 2 ? tl - 2 : 0, f);
		fputs(tl > 2 ? ",\n\t\"scenarios\":\t[" : "{\n\t\"scenarios\":\t[", f);
		rc = r->lib ? pl_scn_lib_each(r->lib, scn_entry, &so, &serr) : 0;
		fputs("]\n}\n", f);
		if (fclose(f) == 0 && rc >= 0)
			rename(tmp, file);
		else
			unlink(tmp);
	}
	free(txt);
	cJSON_Delete(o);
}

int pl_run_play(struct pl_run *r, struct pl_err *err)
{
	char ended[40];
	int status;

	iso_now(r->started, sizeof(r->started));
	write_run_json(r, NULL);
	status = play_phases(r, err);
	if (*r->stop && !r->stopped[0])
		snprintf(r->stopped, sizeof(r->stopped), "interrupted (Ctrl-C or SIGTERM)");
	iso_now(ended, sizeof(ended));
	write_run_json(r, ended);
	{
		struct pl_err rerr;

		if (pl_report_run_dir(r->dir, r->bindir, stdout, &rerr))
			fprintf(stderr, "pinglab run: report: %s\n", rerr.msg);
		else
			printf("report: %s/report.html (also report.md, report.json, junit.xml, packets.pcapng)\n", r->dir);
	}
	if (r->baseline && !*r->stop && status != PL_EXIT_ERROR) {
		/* --baseline: a regression against an earlier run fails this one */
		char prices[PATH_MAX + 64];
		struct pl_err cerr = { "" };
		int rc;

		printf("\ncompared with %s:\n", r->baseline);
		rc = pl_report_compare(r->baseline, r->dir, pl_mtab_locate(r->bindir, prices, sizeof(prices)) ? NULL : prices,
				       stdout, &cerr);
		if (rc < 0) {
			fprintf(stderr, "pinglab run: --baseline: %s\n", cerr.msg);
			status = PL_EXIT_ERROR;
		} else if (rc == 1 && status == PL_EXIT_OK) {
			status = PL_EXIT_FAIL;
		}
	}
	return status;
}

/* A model responder stopped on a configuration error: say what the API said (the log's
 * config-error line) once, and mark the target stopped with it. */
static void config_error(struct pl_run *r, struct pl_run_model *m, const char *rlog)
{
	FILE *f = fopen(rlog, "r");
	char line[2048], msg[600] = "the API refused the model's configuration";

	while (f && fgets(line, sizeof(line), f)) {
		cJSON *o = strstr(line, "\"config-error\"") ? cJSON_Parse(line) : NULL;
		const cJSON *e = o ? cJSON_GetObjectItemCaseSensitive(o, "error") : NULL;

		if (cJSON_IsString(e))
			snprintf(msg, sizeof(msg), "%s", e->valuestring);
		cJSON_Delete(o);
	}
	if (f)
		fclose(f);
	snprintf(m->stopped, sizeof(m->stopped), "configuration error: %.360s", msg);
	fprintf(stderr, "pinglab run: configuration error, %s stopped: %s\n", r->nm > 1 ? m->name : "the model phase", msg);
	fprintf(stderr, "pinglab run: check --model, the key, and the request knobs (--temperature, --max-tokens, --thinking, --reasoning-effort) against the model table %s\n",
		r->models[0] ? r->models : "(none found)");
}

/* Every target at once: the kernel and the reference side by side in the run's lab
 * (one generator), and each model target in a lab of its own with the same addresses,
 * all on the same packets. The baselines' records go to packets.jsonl; each model's to
 * its own file (straight to packets.jsonl when it is the only target), appended to
 * packets.jsonl in target order when all are done — also after a Ctrl-C. */
static int phase_targets(struct pl_run *r, struct pl_err *err)
{
	struct watch w[1 + 2 * RUN_MODELS_MAX];
	struct gen g[1 + RUN_MODELS_MAX];
	struct block b;
	char rlog[PATH_MAX + 64], out[PATH_MAX + 64], all[PATH_MAX + 32], target[RUN_MODELS_MAX][128];
	const char *base[3];
	int nw = 0, nb = 0, ng, status = PL_EXIT_OK, rc, i;
	unsigned k;

	memset(w, 0, sizeof(w));
	memset(g, 0, sizeof(g));
	if (r->targets & RUN_T_KERNEL)
		base[nb++] = "kernel:kernel";
	if (r->targets & RUN_T_REFERENCE)
		base[nb++] = "reference:responder";
	base[nb] = NULL;
	nb = nb ? 1 : 0; /* one generator for both baselines */
	ng = nb + (int)r->nm;
	for (i = 0; i < ng; i++) {
		g[i].rc = -1;
		g[i].fd = -1;
		g[i].pid = -1;
		g[i].name = i < nb ? "baselines" : r->m[i - nb].name;
	}
	b = (struct block){ .on = ng > 1 && isatty(1) };
	/* packets.jsonl exists from here on, empty if a Ctrl-C comes before the first
	 * generator starts (the helpers of several targets take a while under valgrind),
	 * so a stopped run's partial report always has its packet file */
	path(all, sizeof(all), r->dir, "packets.jsonl");
	close(open(all, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
	/* the helpers of every target first: the packets start when all can answer */
	if (r->targets & RUN_T_REFERENCE) {
		path(rlog, sizeof(rlog), r->dir, "responder-reference.jsonl");
		w[nw] = (struct watch){ .pid = pl_run_start_responder(r, NULL, rlog, err), .gen = 0 };
		if (w[nw].pid < 0)
			status = PL_EXIT_ERROR;
		else
			snprintf(w[nw++].what, sizeof(w[0].what), "the reference responder");
	}
	for (k = 0; k < r->nm && status == PL_EXIT_OK && !*r->stop; k++) {
		struct pl_run_model *m = &r->m[k];

		if (!strcmp(m->backend, "mock")) {
			m->mock = pl_run_start_mock(r, m, err);
			if (m->mock < 0) {
				status = PL_EXIT_ERROR;
				break;
			}
			w[nw] = (struct watch){ .pid = m->mock, .gen = nb + (int)k };
			snprintf(w[nw++].what, sizeof(w[0].what), "the simulated model server%s%s", r->nm > 1 ? " of " : "",
				 r->nm > 1 ? m->name : "");
		}
		path(rlog, sizeof(rlog), r->dir, m->log);
		close(open(rlog, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
		m->rsp = pl_run_start_responder(r, m, rlog, err);
		if (m->rsp < 0) {
			status = PL_EXIT_ERROR;
			break;
		}
		w[nw] = (struct watch){ .pid = m->rsp, .gen = nb + (int)k, .m = m };
		snprintf(w[nw++].what, sizeof(w[0].what), "the model responder%s%s", r->nm > 1 ? " of " : "",
			 r->nm > 1 ? m->name : "");
	}
	for (i = 0; i < ng && status == PL_EXIT_OK && !*r->stop; i++) {
		struct pl_run_model *m = i < nb ? NULL : &r->m[i - nb];
		const char *one[2] = { NULL, NULL };
		int fds[2] = { -1, -1 };

		if (b.on && pipe2(fds, O_CLOEXEC) == 0)
			fcntl(fds[0], F_SETFL, O_NONBLOCK);
		if (!m) {
			path(out, sizeof(out), r->dir, "packets.jsonl");
			g[i].pid = spawn_gen(r, r->lab, base, out, NULL, NULL, 0, fds[1], err);
		} else {
			snprintf(target[i - nb], sizeof(target[0]), "%s:responder", m->name);
			one[0] = target[i - nb];
			path(rlog, sizeof(rlog), r->dir, m->log);
			path(out, sizeof(out), r->dir, m->packets);
			if (strcmp(m->packets, "packets.jsonl"))
				unlink(out);
			g[i].pid = spawn_gen(r, m->lab, one, out, m, rlog, m->timeout_ms + 2000, fds[1], err);
		}
		if (fds[1] >= 0)
			close(fds[1]);
		g[i].fd = fds[0];
		if (g[i].pid < 0) {
			if (g[i].fd >= 0)
				close(g[i].fd);
			g[i].fd = -1;
			status = PL_EXIT_ERROR;
		}
	}
	if (status != PL_EXIT_OK || *r->stop) {
		/* what started is stopped, the generators first */
		for (i = 0; i < ng; i++)
			if (g[i].pid > 0 && !g[i].told) {
				kill(g[i].pid, SIGTERM);
				g[i].told = true;
			}
	}
	if (b.on)
		block_draw(&b, g, ng);
	wait_gens(r, g, ng, w, nw, &b);
	for (i = 0; i < nw; i++)
		end_helper(r, &w[i]);
	/* one packets.jsonl, the baselines first, then the model targets in order */
	path(all, sizeof(all), r->dir, "packets.jsonl");
	for (k = 0; k < r->nm; k++) {
		path(out, sizeof(out), r->dir, r->m[k].packets);
		if (strcmp(r->m[k].packets, "packets.jsonl")) {
			if ((rc = pl_run_append_file(out, all)))
				fprintf(stderr, "pinglab run: %s: %s\n", out, strerror(-rc));
			else
				unlink(out);
		}
	}
	for (i = 0; i < ng; i++)
		if (g[i].fd >= 0)
			close(g[i].fd);
	if (nb && (g[0].pid < 0 || ((g[0].rc == 2 || g[0].rc >= 127) && !r->incident[0])))
		status = PL_EXIT_ERROR;
	for (k = 0; k < r->nm; k++) {
		struct pl_run_model *m = &r->m[k];
		const struct gen *gk = &g[nb + (int)k];

		if (m->config_error) {
			path(rlog, sizeof(rlog), r->dir, m->log);
			config_error(r, m, rlog);
			status = PL_EXIT_ERROR;
		} else if (gk->rc == 3) {
			/* a budget guard stopped the target: a partial run, said so in run.json
			 * (the generator's "stopped" record names the guard) */
			snprintf(m->stopped, sizeof(m->stopped), "a budget guard (%s%s%s) stopped the model target",
				 m->max_packets ? "--max-packets" : "", m->max_packets && m->max_cost_arg ? ", " : "",
				 m->max_cost_arg ? "--max-cost" : "");
			pl_run_event(r, "budget", 0, "%s: %s", m->name, m->stopped);
		} else if (gk->rc < 0 || ((gk->rc == 2 || gk->rc >= 127) && !r->incident[0])) {
			status = PL_EXIT_ERROR;
		}
		if (m->stopped[0]) {
			/* the run's own "stopped": each target's, named when there are several */
			size_t used = strlen(r->stopped);

			snprintf(r->stopped + used, sizeof(r->stopped) - used, "%s%s%s%s", used ? "; " : "",
				 r->nm > 1 ? m->name : "", r->nm > 1 ? ": " : "", m->stopped);
		}
	}
	return *r->stop ? PL_EXIT_ERROR : status;
}

static int play_phases(struct pl_run *r, struct pl_err *err)
{
	bool regression = false;
	int rc;

	if ((rc = phase_targets(r, err)) != PL_EXIT_OK)
		return rc;
	summarize(r, &regression);
	if (regression)
		pl_run_event(r, "regression", 0, "the kernel or reference missed an expectation, or a model fell under --fail-under");
	return regression ? PL_EXIT_FAIL : PL_EXIT_OK;
}
