/* pinglab-responder on a real lab's tun0, with a real iputils ping from the generator
 * namespace: the agent backend driven by a small scripted agent, the exec backend
 * (drop, and a command killed at its timeout), the anthropic backend against the
 * simulated model with every attempt failing (retries in the log, the key nowhere). */
#include <criterion/criterion.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "netlab/lab.h"
#include "packet/hex.h"
#include "packet/rules.h"
#include "tests/labtest.h"
#include "tests/mockutil.h"
#include "tests/util.h"

TestSuite(responder, .fini = lt_cleanup);

struct lab {
	char name[9], ns[64], dir[64], log[96];
};

static void lab_up(struct lab *l, const char *prefix)
{
	struct lt_run r;

	lt_name(l->name, prefix);
	lt_pinglab(&r, NULL, "up", "--name", l->name, NULL);
	cr_assert_eq(r.status, 0, "up: %s", r.err);
	snprintf(l->ns, sizeof(l->ns), "/run/netns/pl-%s-rsp", l->name);
	snprintf(l->dir, sizeof(l->dir), "/tmp/pl-rsp-XXXXXX");
	cr_assert_not_null(mkdtemp(l->dir));
	snprintf(l->log, sizeof(l->log), "%s/responder.jsonl", l->dir);
}

static void lab_down(struct lab *l)
{
	struct lt_run r;
	const char *rm[] = { "rm", "-rf", l->dir, NULL };

	lt_pinglab(&r, NULL, "down", "--name", l->name, NULL);
	lt_run(&r, rm, NULL);
}

static pid_t start(struct lab *l, const char *const *extra, const char *const env[])
{
	const char *argv[32] = { tu_bin("pinglab-responder"), "--netns", l->ns, "--log", l->log, "--run-dir", l->dir };
	int n = 7;
	struct pl_err err;
	pid_t pid;

	while (*extra && n < 30)
		argv[n++] = *extra++;
	argv[n] = NULL;
	pid = lt_spawn(argv, env);
	cr_assert_eq(pl_lab_add_pid(l->name, pid, "responder", &err), 0, "%s", err.msg);
	cr_assert_eq(pl_lab_tun_wait_ready(l->name, 5000, &err), 0, "%s", err.msg);
	return pid;
}

static void ping(struct lab *l, const char *count, struct lt_run *r)
{
	const char *argv[] = { lt_pinglab_path(), "exec", l->name, "gen", "--", "ping", "-n", "-c", count,
			       "-i", "0.2", "-W", "3", "10.77.2.2", NULL };

	lt_run(r, argv, NULL);
}

/* Outcomes in the responder's log, in order, as "reply,drop,...". */
static void outcomes(const char *log, char *out, size_t n)
{
	size_t len;
	char *text = tu_slurp(log, &len), *line, *save = NULL;

	out[0] = '\0';
	if (!text)
		return;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		cJSON *o = cJSON_Parse(line);

		if (o && cJSON_IsString(cJSON_GetObjectItem(o, "outcome")))
			snprintf(out + strlen(out), n - strlen(out), "%s%s", out[0] ? "," : "",
				 cJSON_GetObjectItem(o, "outcome")->valuestring);
		cJSON_Delete(o);
	}
	free(text);
}

/* Line idx (0 = first) of the responder's log, parsed; NULL if there is none. */
static cJSON *log_line(const char *log, int idx)
{
	size_t len;
	char *text = tu_slurp(log, &len), *line, *save = NULL;
	cJSON *o = NULL;
	int i = 0;

	if (!text)
		return NULL;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save), i++)
		if (i == idx) {
			o = cJSON_Parse(line);
			break;
		}
	free(text);
	return o;
}

/* timing_us.<name> of a log line, -1 when absent. */
static double timing(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItem(cJSON_GetObjectItem(o, "timing_us"), name);

	return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

static const char *str_of(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItem(o, name);

	return cJSON_IsString(v) ? v->valuestring : "";
}

static double num_of(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItem(o, name);

	return cJSON_IsNumber(v) ? v->valuedouble : -1;
}

/* A model the shipped model table knows, for the strict simulated model: of each format. */
static const char *table_model(const char *backend)
{
	return strcmp(backend, "openai") ? "claude-haiku-4-5" : "gpt-4o-mini";
}

/* The scripted agent: READ, compute the reference reply, WRITE it, `count` times. */
static void scripted_agent(const char *dir, int count)
{
	char cmd[128], resp[128], line[140000];
	int i;

	snprintf(cmd, sizeof(cmd), "%s/agent.cmd", dir);
	snprintf(resp, sizeof(resp), "%s/agent.resp", dir);
	for (i = 0; i < count; i++) {
		FILE *c = fopen(cmd, "w"), *r;
		unsigned long long id;
		static uint8_t pkt[65536], rep[65536];
		static char hex[140000];
		size_t n, rn;
		struct pl_decision d;

		if (!c)
			_exit(10);
		fprintf(c, "READ 10\n");
		fclose(c);
		r = fopen(resp, "r");
		if (!r || !fgets(line, sizeof(line), r))
			_exit(11);
		fclose(r);
		if (sscanf(line, "PACKET %llu %139999s", &id, hex) != 2 || pl_hex_decode(hex, pkt, sizeof(pkt), &n, NULL))
			_exit(12);
		pl_reference_reply(pkt, n, PL_RESPONDER_ADDR, rep, sizeof(rep), &rn, &d, NULL);
		c = fopen(cmd, "w");
		if (d.action == PL_ACTION_REPLY) {
			pl_hex_encode(rep, rn, hex, sizeof(hex));
			fprintf(c, "WRITE %llu %s\n", id, hex);
		} else {
			fprintf(c, "DROP %llu\n", id);
		}
		fclose(c);
		r = fopen(resp, "r");
		if (!r || !fgets(line, sizeof(line), r) || strncmp(line, "OK ", 3))
			_exit(13);
		fclose(r);
	}
	_exit(0);
}

Test(responder, agent_backend_with_a_scripted_agent, .timeout = 60)
{
	struct lab l;
	struct lt_run r;
	char got[256];
	pid_t rsp, agent;
	int status;
	const char *extra[] = { "--backend", "agent", "--timeout", "10000", NULL };

	LT_NEED_LAB();
	lab_up(&l, "a");
	rsp = start(&l, extra, NULL);
	agent = fork();
	if (agent == 0)
		scripted_agent(l.dir, 2);
	ping(&l, "2", &r);
	waitpid(agent, &status, 0);
	lt_stop(rsp, SIGTERM);
	cr_expect_eq(WEXITSTATUS(status), 0, "agent exit %d", WEXITSTATUS(status));
	cr_expect_eq(r.status, 0, "ping: %s %s", r.out, r.err);
	cr_expect(strstr(r.out, "2 received") != NULL, "%s", r.out);
	outcomes(l.log, got, sizeof(got));
	cr_expect_str_eq(got, "reply,reply");
	lab_down(&l);
}

Test(responder, exec_backend_drop_and_timeout, .timeout = 60)
{
	struct lab l;
	struct lt_run r;
	char got[256];
	pid_t rsp;
	const char *drop[] = { "--backend", "exec", "--", "/bin/sh", "-c", "cat >/dev/null; echo 'REPLY: DROP'", NULL };
	const char *slow[] = { "--backend", "exec", "--timeout", "300", "--", "/bin/sh", "-c",
			       "cat >/dev/null; sleep 30 # pinglab-test-marker", NULL };

	LT_NEED_LAB();
	lab_up(&l, "e");
	rsp = start(&l, drop, NULL);
	ping(&l, "1", &r);
	lt_stop(rsp, SIGTERM);
	cr_expect_neq(r.status, 0, "ping got a reply to a dropped packet: %s", r.out);
	outcomes(l.log, got, sizeof(got));
	cr_expect_str_eq(got, "drop");

	unlink(l.log);
	rsp = start(&l, slow, NULL);
	ping(&l, "1", &r);
	lt_stop(rsp, SIGTERM);
	outcomes(l.log, got, sizeof(got));
	cr_expect_str_eq(got, "timeout");
	{
		/* the whole process group was killed: no sleep with our marker is left */
		const char *pg[] = { "pgrep", "-f", "pinglab-test-marker", NULL };

		lt_run(&r, pg, NULL);
		cr_expect_neq(r.status, 0, "a timed-out command survived: %s", r.out);
	}
	lab_down(&l);
}

Test(responder, anthropic_retries_visible_and_key_never_written, .timeout = 90)
{
	static const char key[] = "sk-ant-pinglab-TEST-SECRET-0123456789abcdef";
	char url[128], env_key[128], got[256], *text;
	struct lab l;
	struct lt_run r;
	struct tm_server m;
	pid_t rsp;
	size_t len;

	LT_NEED_LAB();
	lab_up(&l, "h");
	tm_start(&m, "latency = fixed 0\nfault.rate_limit = 1\nretry_after_s = 0\n", NULL);
	snprintf(url, sizeof(url), "%s", m.url);
	snprintf(env_key, sizeof(env_key), "ANTHROPIC_API_KEY=%s", key);
	{
		const char *extra[] = { "--backend", "anthropic", "--base-url", url, "--retries", "2", "--log-text",
					"--prompt", tu_src("prompts/system.md"), "--template", tu_src("prompts/packet.md"), NULL };
		const char *env[] = { env_key, NULL };

		rsp = start(&l, extra, env);
	}
	ping(&l, "1", &r);
	lt_stop(rsp, SIGTERM);
	tm_stop(&m);
	outcomes(l.log, got, sizeof(got));
	cr_expect_str_eq(got, "api-error");
	text = tu_slurp(l.log, &len);
	cr_assert_not_null(text);
	/* three attempts, each a 429 with retry-after, two retries in between */
	cr_expect(strstr(text, "\"attempts\":3") != NULL, "%s", text);
	cr_expect(strstr(text, "429 rate_limit_error retry-after; retry in 0 ms; 429") != NULL, "%s", text);
	cr_expect(strstr(text, key) == NULL, "the key is in the log");
	free(text);
	cr_expect(strstr(r.out, key) == NULL && strstr(r.err, key) == NULL);
	{
		/* not in the responder's stderr either (lt_spawn sends it to /dev/null, so run
		 * a short one that fails at once and capture it) */
		const char *argv[] = { tu_bin("pinglab-responder"), "--backend", "anthropic", "--netns", "/nonexistent", NULL };
		const char *env[] = { env_key, NULL };

		lt_run(&r, argv, env);
		cr_expect_neq(r.status, 0);
		cr_expect(strstr(r.out, key) == NULL && strstr(r.err, key) == NULL, "%s", r.err);
	}
	lab_down(&l);
}

static void model_ping(const char *backend, const char *url_suffix, bool stream)
{
	char url[160], got[256];
	struct lab l;
	struct lt_run r;
	struct tm_server m;
	pid_t rsp;
	const char *env[] = { "ANTHROPIC_API_KEY=pinglab-test-key", "OPENAI_API_KEY=pinglab-test-key", NULL };

	lab_up(&l, "m");
	tm_start(&m, "latency = fixed 0\nchatty = 1\n", NULL);
	snprintf(url, sizeof(url), "%s%s", m.url, url_suffix);
	{
		const char *extra[] = { "--backend", backend, "--base-url", url, "--model", table_model(backend), "--prompt",
					tu_src("prompts/system.md"), "--template", tu_src("prompts/packet.md"),
					stream ? "--stream" : "--log-text", NULL };

		rsp = start(&l, extra, env);
	}
	ping(&l, "3", &r);
	lt_stop(rsp, SIGTERM);
	tm_stop(&m);
	cr_expect_eq(r.status, 0, "%s ping: %s %s", backend, r.out, r.err);
	cr_expect(strstr(r.out, "3 received") != NULL, "%s", r.out);
	outcomes(l.log, got, sizeof(got));
	cr_expect_str_eq(got, "reply,reply,reply");
	lab_down(&l);
}

Test(responder, openai_backend_answers_ping_through_the_mock, .timeout = 60)
{
	LT_NEED_LAB();
	model_ping("openai", "/v1", false);
}

Test(responder, anthropic_streaming_answers_ping_through_the_mock, .timeout = 60)
{
	LT_NEED_LAB();
	model_ping("anthropic", "", true);
}

/* The Cap<which> mask of a process (0: this one), or ~0 if unreadable. */
static unsigned long long cap_mask(pid_t pid, const char *which)
{
	char field[16], v[64];

	snprintf(field, sizeof(field), "Cap%s", which);
	return lt_proc_status(pid, field, v, sizeof(v)) ? strtoull(v, NULL, 16) : ~0ULL;
}

/* After opening tun0 the responder holds no capability (effective, permitted, bounding),
 * and neither does a command it runs: root's exec cannot win them back. --no-drop
 * keeps them, which shows the check can see them. */
Test(responder, no_capabilities_after_opening_the_tun, .timeout = 60)
{
	struct lab l;
	struct lt_run r;
	char caps[128], *text;
	size_t len;
	pid_t rsp;
	const char *which[] = { "Eff", "Prm", "Bnd" };
	int i;

	LT_NEED_LAB();
	cr_assert_neq(cap_mask(0, "Eff"), 0, "the test itself runs without capabilities");
	lab_up(&l, "c");
	snprintf(caps, sizeof(caps), "%s/child-caps", l.dir);
	{
		char cmd[256];
		const char *extra[] = { "--backend", "exec", "--", "/bin/sh", "-c", cmd, NULL };

		snprintf(cmd, sizeof(cmd), "cat >/dev/null; grep ^Cap /proc/self/status > %s; echo 'REPLY: DROP'", caps);
		rsp = start(&l, extra, NULL);
		/* after a packet was handled the responder is in its loop, past the drop */
		ping(&l, "1", &r);
		for (i = 0; i < 3; i++)
			cr_expect_eq(cap_mask(rsp, which[i]), 0, "responder Cap%s %llx", which[i],
				     cap_mask(rsp, which[i]));
		lt_stop(rsp, SIGTERM);
	}
	text = tu_slurp(caps, &len);
	cr_assert_not_null(text, "the exec command did not run");
	cr_expect(strstr(text, "CapEff:\t0000000000000000") && strstr(text, "CapPrm:\t0000000000000000") &&
		  strstr(text, "CapBnd:\t0000000000000000"), "the command run by the responder has capabilities:\n%s", text);
	free(text);
	{
		const char *extra[] = { "--backend", "reference", "--no-drop", NULL };

		rsp = start(&l, extra, NULL);
		cr_expect_neq(cap_mask(rsp, "Eff"), 0, "--no-drop, yet no capabilities");
		lt_stop(rsp, SIGTERM);
	}
	lab_down(&l);
}

/* The uid of a live process when real, effective, saved and fs uid agree; -1 if
 * unreadable, -2 if they differ. */
static long proc_uid(pid_t pid)
{
	char v[128];
	long r, e, sv, f;

	if (!lt_proc_status(pid, "Uid", v, sizeof(v)) || sscanf(v, "%ld %ld %ld %ld", &r, &e, &sv, &f) != 4)
		return -1;
	return r == e && e == sv && sv == f ? r : -2;
}

/* --user nobody: after opening tun0 the responder is uid 65534 with no capability, and
 * so is the command the exec backend runs (it answers DROP only if it sees that uid). */
Test(responder, user_nobody_after_opening_the_tun, .timeout = 60)
{
	struct lab l;
	struct lt_run r;
	char got[256];
	pid_t rsp;
	const char *extra[] = { "--backend", "exec", "--user", "nobody", "--", "/bin/sh", "-c",
				"cat >/dev/null; if [ \"$(id -u)\" = 65534 ]; then echo 'REPLY: DROP'; else echo 'I am root'; fi",
				NULL };

	LT_NEED_LAB();
	lab_up(&l, "u");
	rsp = start(&l, extra, NULL);
	ping(&l, "1", &r);
	cr_expect_eq(proc_uid(rsp), 65534, "responder uid %ld", proc_uid(rsp));
	cr_expect_eq(cap_mask(rsp, "Eff"), 0);
	cr_expect_eq(cap_mask(rsp, "Bnd"), 0);
	lt_stop(rsp, SIGTERM);
	outcomes(l.log, got, sizeof(got));
	cr_expect_str_eq(got, "drop", "the command did not run as nobody");
	lab_down(&l);
}

/* The model backends against the mock: base URL (with the openai /v1), key in env. */
static pid_t start_model(struct lab *l, const struct tm_server *m, const char *backend, const char *const *more)
{
	static const char *const env[] = { "ANTHROPIC_API_KEY=pinglab-test-key", "OPENAI_API_KEY=pinglab-test-key", NULL };
	static char url[160];
	const char *extra[32] = { "--backend", backend, "--base-url", url, "--model", table_model(backend), "--prompt",
				  tu_src("prompts/system.md"), "--template", tu_src("prompts/packet.md") };
	int n = 10;

	snprintf(url, sizeof(url), "%s%s", m->url, strcmp(backend, "openai") ? "" : "/v1");
	while (more && *more && n < 31)
		extra[n++] = *more++;
	extra[n] = NULL;
	return start(l, extra, env);
}

/* The mock sends its first token 300 ms after the headers. Streamed, the first byte is
 * the early message_start and the time to first token is >= 300 ms; whole, the body
 * comes at once: ttft == first_byte >= 300 ms. Both after sent, all within total. */
Test(responder, ttft_streamed_and_whole, .timeout = 60)
{
	struct lab l;
	struct lt_run r;
	struct tm_server m;
	int i;

	LT_NEED_LAB();
	lab_up(&l, "t");
	tm_start(&m, "latency = fixed 0\nttft_ms = 300\n", NULL);
	for (i = 0; i < 4; i++) {
		const char *backend = i < 2 ? "anthropic" : "openai";
		bool streamed = i % 2 == 0;
		const char *more[] = { streamed ? "--stream" : NULL, NULL };
		pid_t rsp = start_model(&l, &m, backend, more);
		cJSON *o;
		double sent, fb, ttft, total;

		ping(&l, "1", &r);
		lt_stop(rsp, SIGTERM);
		o = log_line(l.log, 0);
		cr_assert_not_null(o, "%s: no log line", backend);
		sent = timing(o, "sent");
		fb = timing(o, "first_byte");
		ttft = timing(o, "ttft");
		total = timing(o, "total");
		cr_log_info("%s%s: sent %.0f, first_byte %.0f, ttft %.0f, total %.0f us", backend,
			    streamed ? " streamed" : "", sent, fb, ttft, total);
		cr_expect_str_eq(str_of(o, "outcome"), "reply", "%s%s", backend, streamed ? " streamed" : "");
		/* orders and the mock's own 300 ms lower bound only: no upper time limits
		 * (the suite also runs under valgrind) */
		cr_expect(sent >= 0 && fb >= sent, "%s: sent %.0f us, first_byte %.0f us", backend, sent, fb);
		cr_expect(ttft >= 300000 && ttft <= total, "%s%s: ttft %.0f us (total %.0f)", backend,
			  streamed ? " streamed" : "", ttft, total);
		if (streamed)
			cr_expect(fb < ttft, "%s streamed: first_byte %.0f us is not before ttft %.0f us", backend, fb, ttft);
		else
			cr_expect(fb == ttft, "%s: first_byte %.0f us, ttft %.0f us", backend, fb, ttft);
		cJSON_Delete(o);
		unlink(l.log);
	}
	tm_stop(&m);
	lab_down(&l);
}

/* A 429 with retry-after 1 s on the first attempt, then an answer: the timings are the
 * final attempt's, so sent, first_byte and ttft all come after the 1 s wait. */
Test(responder, timings_are_the_final_attempts, .timeout = 60)
{
	struct lab l;
	struct lt_run r;
	struct tm_server m;
	pid_t rsp;
	cJSON *o;
	double sent, fb;

	LT_NEED_LAB();
	lab_up(&l, "w");
	tm_start(&m, "latency = fixed 0\nfault.rate_limit = 1\nfault_attempts = 1\nretry_after_s = 1\n", NULL);
	rsp = start_model(&l, &m, "anthropic", NULL);
	ping(&l, "1", &r);
	lt_stop(rsp, SIGTERM);
	tm_stop(&m);
	o = log_line(l.log, 0);
	cr_assert_not_null(o);
	sent = timing(o, "sent");
	fb = timing(o, "first_byte");
	cr_expect_str_eq(str_of(o, "outcome"), "reply");
	cr_expect_eq(num_of(o, "attempts"), 2);
	cr_expect_eq(num_of(o, "http_status"), 200);
	cr_expect_str_eq(str_of(o, "attempt_log"), "429 rate_limit_error retry-after; retry in 1000 ms; 200");
	cr_expect(sent >= 1000000, "sent %.0f us: before the retry-after wait", sent);
	cr_expect(fb >= sent, "first_byte %.0f us before sent %.0f us", fb, sent);
	cr_expect_eq(timing(o, "ttft"), fb);
	cJSON_Delete(o);
	lab_down(&l);
}

/* The mock's log: "status" of every request, in order, as "529,200". */
static void mock_statuses(const struct tm_server *m, char *out, size_t n)
{
	char *text = tm_log(m), *line, *save = NULL;

	out[0] = '\0';
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		cJSON *o = cJSON_Parse(line);

		if (o)
			snprintf(out + strlen(out), n - strlen(out), "%s%.0f", out[0] ? "," : "", num_of(o, "status"));
		cJSON_Delete(o);
	}
	free(text);
}

/* One fault on the first attempt of a packet (fault_attempts = 1), the responder with
 * --retries 2 and a 1 s --timeout: every retryable fault is retried once and answered;
 * a spend-limit 429 (no retry-after) is not retried at all. The responder's
 * attempt_log (one entry per attempt, fnmatch pattern: the backoff is jittered) and
 * the mock's own log (one line per request it got) must agree. */
Test(responder, retries_per_fault, .timeout = 120)
{
	static const struct {
		const char *backend, *fault, *attempt_log, *mock_statuses, *outcome;
		int attempts;
		long http_status;
	} t[] = {
		{ "anthropic", "overloaded", "529 overloaded_error; retry in *; 200", "529,200", "reply", 2, 200 },
		{ "openai", "overloaded", "503 server_error; retry in *; 200", "503,200", "reply", 2, 200 },
		{ "anthropic", "server_error", "500 api_error; retry in *; 200", "500,200", "reply", 2, 200 },
		{ "anthropic", "malformed_json", "200 but *; retry in *; 200", "200,200", "reply", 2, 200 },
		/* no response at all: curl's words, no status */
		{ "anthropic", "reset", "[!0-9]*; retry in *; 200", "0,200", "reply", 2, 200 },
		/* stall_ms 5000 against --timeout 1000; the mock logs the 200 it decided on */
		{ "anthropic", "stall", "Timeout was reached; retry in *; 200", "200,200", "reply", 2, 200 },
		{ "anthropic", "spend_limit", "429 rate_limit_error", "429", "api-error", 1, 429 },
		{ "openai", "spend_limit", "429 insufficient_quota", "429", "api-error", 1, 429 },
	};
	struct lab l;
	size_t i;

	LT_NEED_LAB();
	lab_up(&l, "f");
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char profile[256], got[256];
		const char *more[] = { "--retries", "2", "--timeout", "1000", NULL };
		struct tm_server m;
		struct lt_run r;
		pid_t rsp;
		cJSON *o, *o2;

		snprintf(profile, sizeof(profile), "latency = fixed 0\nstall_ms = 5000\nfault_attempts = 1\nfault.%s = 1\n",
			 t[i].fault);
		tm_start(&m, profile, NULL);
		rsp = start_model(&l, &m, t[i].backend, more);
		ping(&l, "1", &r);
		lt_stop(rsp, SIGTERM);
		o = log_line(l.log, 0);
		cr_assert_not_null(o, "%s %s: no log line", t[i].backend, t[i].fault);
		cr_log_info("%s %s: %s", t[i].backend, t[i].fault, str_of(o, "attempt_log"));
		cr_expect_eq(fnmatch(t[i].attempt_log, str_of(o, "attempt_log"), 0), 0, "%s %s: attempt_log \"%s\", want \"%s\"",
			     t[i].backend, t[i].fault, str_of(o, "attempt_log"), t[i].attempt_log);
		cr_expect_eq(num_of(o, "attempts"), t[i].attempts, "%s %s: %.0f attempts", t[i].backend, t[i].fault,
			     num_of(o, "attempts"));
		cr_expect_eq(num_of(o, "http_status"), t[i].http_status, "%s %s: final status %.0f", t[i].backend,
			     t[i].fault, num_of(o, "http_status"));
		cr_expect_str_eq(str_of(o, "outcome"), t[i].outcome, "%s %s", t[i].backend, t[i].fault);
		o2 = log_line(l.log, 1);
		cr_expect_null(o2, "%s %s: more than one packet logged", t[i].backend, t[i].fault);
		cJSON_Delete(o2);
		if (t[i].attempts > 1)
			cr_expect_eq(r.status, 0, "%s %s: ping got no reply: %s", t[i].backend, t[i].fault, r.out);
		cJSON_Delete(o);
		/* the mock writes and flushes a line per request; tm_stop removes its log */
		mock_statuses(&m, got, sizeof(got));
		tm_stop(&m);
		cr_log_info("%s %s: the mock answered %s", t[i].backend, t[i].fault, got);
		cr_expect_str_eq(got, t[i].mock_statuses, "%s %s: the mock saw %s", t[i].backend, t[i].fault, got);
		unlink(l.log);
	}
	lab_down(&l);
}

/* SIGTERM and SIGINT while a request is in flight (the mock takes 10 s) and a second
 * packet waits behind it (--concurrency 1): the responder exits 0 at once, and its log
 * has both packets, the one in flight cancelled and the queued one never sent. */
Test(responder, signal_cancels_in_flight_and_logs_it, .timeout = 60)
{
	static const int sigs[] = { SIGTERM, SIGINT };
	struct lab l;
	struct tm_server m;
	size_t i;

	LT_NEED_LAB();
	lab_up(&l, "s");
	tm_start(&m, "latency = fixed 10000\n", NULL);
	for (i = 0; i < 2; i++) {
		const char *more[] = { "--concurrency", "1", NULL };
		const char *pargv[] = { lt_pinglab_path(), "exec", l.name, "gen", "--", "ping", "-n", "-c", "2",
					"-i", "0.2", "-W", "15", "10.77.2.2", NULL };
		pid_t rsp = start_model(&l, &m, "anthropic", more), pinger;
		struct timespec t0, t1;
		cJSON *o;
		int k;

		pinger = lt_spawn(pargv, NULL);
		/* both packets reached the responder: the first is at the mock, the second is
		 * queued (the mock logs a request when it decides, before its latency) */
		for (k = 0; k < 100; k++) {
			char *log = tm_log(&m);
			bool asked = log && strstr(log, "\"seq\":1,") && (i == 0 || strstr(log, "\"seq\":2,"));

			free(log);
			if (asked)
				break;
			usleep(50000);
		}
		usleep(500000);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		lt_stop(rsp, sigs[i]);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		kill(pinger, SIGTERM);
		waitpid(pinger, NULL, 0);
		cr_expect_lt((double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9, 2.0,
			     "signal %d: the responder waited for the model", sigs[i]);
		/* the queued packet is finished (and logged) first, then the one in flight */
		o = log_line(l.log, 0);
		cr_assert_not_null(o, "signal %d: nothing logged", sigs[i]);
		cr_expect_eq(num_of(o, "id"), 2, "signal %d", sigs[i]);
		cr_expect_str_eq(str_of(o, "outcome"), "api-error", "signal %d", sigs[i]);
		cr_expect_str_eq(str_of(o, "error"), "cancelled at shutdown before it was sent", "signal %d", sigs[i]);
		cr_expect_eq(num_of(o, "attempts"), 0, "signal %d", sigs[i]);
		cJSON_Delete(o);
		o = log_line(l.log, 1);
		cr_assert_not_null(o, "signal %d: the packet in flight was not logged", sigs[i]);
		cr_expect_eq(num_of(o, "id"), 1, "signal %d", sigs[i]);
		cr_expect_str_eq(str_of(o, "outcome"), "api-error", "signal %d", sigs[i]);
		cr_expect_str_eq(str_of(o, "error"), "cancelled at shutdown", "signal %d", sigs[i]);
		cr_expect_eq(num_of(o, "attempts"), 1, "signal %d", sigs[i]);
		cr_expect_geq(timing(o, "sent"), 0, "signal %d: no sent timing", sigs[i]);
		cr_expect_lt(timing(o, "first_byte"), 0, "signal %d: a first byte from a mock still asleep", sigs[i]);
		cJSON_Delete(o);
		unlink(l.log);
	}
	tm_stop(&m);
	lab_down(&l);
}

/* The exec backend with a 200 KiB prompt (over a pipe's 64 KiB): the command gets all of
 * it and does not inherit the responder's log; a command that reads its stdin only after
 * 2 s does not hold the responder up — its --timeout of 500 ms still applies. */
Test(responder, exec_backend_big_prompt_without_blocking, .timeout = 60)
{
	struct lab l;
	struct lt_run r;
	char big[128], count[128], cmd[512], got[256], *text;
	size_t len;
	pid_t rsp;
	cJSON *o;
	FILE *f;
	int i;

	LT_NEED_LAB();
	lab_up(&l, "x");
	snprintf(big, sizeof(big), "%s/big-prompt.md", l.dir);
	snprintf(count, sizeof(count), "%s/count", l.dir);
	f = fopen(big, "w");
	cr_assert_not_null(f);
	for (i = 0; i < 2000; i++)
		fprintf(f, "%099d\n", i); /* 100 bytes a line */
	fclose(f);
	snprintf(cmd, sizeof(cmd), "wc -c > %s; if ls -l /proc/$$/fd | grep -q responder.jsonl; "
		 "then echo 'I hold the log'; else echo 'REPLY: DROP'; fi", count);
	{
		const char *extra[] = { "--backend", "exec", "--prompt", big, "--", "/bin/sh", "-c", cmd, NULL };

		rsp = start(&l, extra, NULL);
	}
	ping(&l, "1", &r);
	lt_stop(rsp, SIGTERM);
	outcomes(l.log, got, sizeof(got));
	cr_expect_str_eq(got, "drop", "the command holds the log, or did not run");
	text = tu_slurp(count, &len);
	cr_assert_not_null(text, "the command did not count its stdin");
	cr_expect_gt(atol(text), 200000, "the command read %ld bytes of a prompt over 200000", atol(text));
	cr_log_info("exec: the command read %ld bytes of prompt", atol(text));
	free(text);

	unlink(l.log);
	{
		const char *extra[] = { "--backend", "exec", "--timeout", "500", "--prompt", big, "--", "/bin/sh", "-c",
					"sleep 2; cat >/dev/null; echo 'REPLY: DROP'", NULL };

		rsp = start(&l, extra, NULL);
	}
	ping(&l, "1", &r);
	lt_stop(rsp, SIGTERM);
	o = log_line(l.log, 0);
	cr_assert_not_null(o);
	cr_expect_str_eq(str_of(o, "outcome"), "timeout");
	cr_expect_lt(timing(o, "total"), 1500000, "a 500 ms timeout took %.0f us", timing(o, "total"));
	cJSON_Delete(o);
	lab_down(&l);
}
