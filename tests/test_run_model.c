/* pinglab run against the simulated model: the verdicts the lab gives are exactly the
 * mistakes and faults the mock says it injected (its own log), every verdict type
 * appears, and the field diffs name the field the mistake broke. */
#include <criterion/criterion.h>
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "scenario/verdict.h"
#include "tests/labtest.h"
#include "tests/mockutil.h"
#include "tests/util.h"

struct mock_line {
	char packet[4200];
	char injected[32], kind[16];
	long seq;
};

/* Expected verdict for the mock's last answer to a packet; NULL when it depends. */
static const char *expected(const struct mock_line *m, const char **field)
{
	static const struct { const char *mistake, *verdict, *field; } table[] = {
		{ "flip_digit", "wrong-reply", NULL },      { "ip_checksum", "wrong-reply", "ip.checksum" },
		{ "icmp_checksum", "wrong-reply", "icmp.checksum" }, { "ttl", "wrong-reply", "ip.ttl" },
		{ "no_swap", "wrong-reply", "ip.src" },     { "id_seq", "wrong-reply", "icmp." },
		{ "truncate", "wrong-reply", NULL },        { "fences", "pass", NULL },
		{ "refuse", "unparseable", NULL },          { "false_reply", "false-reply", NULL },
		{ "wrong_drop", "missed-reply", NULL },     { "none", "pass", NULL },
	};
	size_t i;

	static const struct { const char *fault, *verdict; } faults[] = {
		{ "stall", "timeout" },
		/* the answer-shape faults: 200s whose text is the careful answer, or none */
		{ "thinking", "pass" }, { "multi_text", "pass" }, { "null_content", "refused" },
		{ "max_tokens", "truncated" },
	};

	*field = NULL;
	for (i = 0; !strcmp(m->kind, "fault") && i < sizeof(faults) / sizeof(faults[0]); i++)
		if (!strcmp(m->injected, faults[i].fault))
			return faults[i].verdict;
	if (!strcmp(m->kind, "fault"))
		return "api-error";
	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (!strcmp(table[i].mistake, m->injected)) {
			*field = table[i].field;
			return table[i].verdict;
		}
	return NULL; /* follow_payload: depends on what the payload said */
}

/* One run of the library's malformed, non-icmp and adversarial scenarios against a shipped
 * profile: every verdict is the one the mock's log says it injected; seen[] counts them. */
static void verdicts_of_profile(const char *profile, unsigned long seen[V__COUNT])
{
	char dir[] = "/tmp/pl-run-XXXXXX", path[256], *text, *line, *save = NULL;
	struct mock_line *ml = calloc(4096, sizeof(*ml));
	size_t nml = 0, len, checked = 0, i;
	struct lt_run r;

	cr_assert_not_null(mkdtemp(dir));
	{
		/* retries off so that faults reach the verdicts (with retries a stall needs
		 * four in a row to become a timeout) */
		const char *argv[] = { lt_pinglab_path(), "run", "--targets", "llm", "--profile",
				       profile, "--seed", "7", "--scale", "0",
				       "--retries", "0", "--model-timeout", "700", "--scenarios", tu_src("scenarios/malformed"),
				       "--scenarios", tu_src("scenarios/non-icmp"), "--scenarios", tu_src("scenarios/adversarial"),
				       "--out", dir, NULL };

		lt_run(&r, argv, NULL);
	}
	cr_assert_eq(r.status, 0, "run exit %d\n%s\n%s", r.status, r.out + (strlen(r.out) > 2000 ? strlen(r.out) - 2000 : 0), r.err);

	snprintf(path, sizeof(path), "%s/mockllm.jsonl", dir);
	text = tu_slurp(path, &len);
	cr_assert_not_null(text, "no mock log");
	for (line = strtok_r(text, "\n", &save); line && nml < 4096; line = strtok_r(NULL, "\n", &save)) {
		cJSON *o = cJSON_Parse(line);
		const cJSON *p = cJSON_GetObjectItem(o, "packet");

		if (cJSON_IsString(p)) {
			snprintf(ml[nml].packet, sizeof(ml[nml].packet), "%s", p->valuestring);
			snprintf(ml[nml].injected, sizeof(ml[nml].injected), "%s", cJSON_GetObjectItem(o, "injected")->valuestring);
			snprintf(ml[nml].kind, sizeof(ml[nml].kind), "%s", cJSON_GetObjectItem(o, "kind")->valuestring);
			ml[nml].seq = (long)cJSON_GetObjectItem(o, "seq")->valuedouble;
			nml++;
		}
		cJSON_Delete(o);
	}
	free(text);
	cr_assert_gt(nml, 50);

	snprintf(path, sizeof(path), "%s/packets.jsonl", dir);
	text = tu_slurp(path, &len);
	cr_assert_not_null(text);
	save = NULL;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!tu_packet_line(line))
			continue;
		cJSON *o = cJSON_Parse(line);
		const char *sent = cJSON_GetObjectItem(o, "sent")->valuestring;
		const char *verdict = cJSON_GetObjectItem(o, "verdict")->valuestring;
		const cJSON *diff = cJSON_GetObjectItem(o, "diff");
		const struct mock_line *last = NULL;
		const char *want, *field;
		int v = pl_verdict_from_name(verdict);
		size_t k;

		cr_assert_geq(v, 0);
		seen[v]++;
		for (k = 0; k < nml; k++)
			if (!strcmp(ml[k].packet, sent) && (!last || ml[k].seq > last->seq))
				last = &ml[k];
		if (!last) {
			/* the mock names packets of 20 bytes or more; shorter ones (truncated
			 * scenarios) it cannot, and an IPv6 frame never reaches the responder */
			cr_expect(strlen(sent) < 40 || sent[0] != '4', "no mock request for %s (%s)", sent, verdict);
			cJSON_Delete(o);
			continue;
		}
		want = expected(last, &field);
		if (want) {
			cr_expect_str_eq(verdict, want, "%s packet %d: mock injected %s, lab said %s: %s",
					 cJSON_GetObjectItem(o, "scenario")->valuestring,
					 cJSON_GetObjectItem(o, "packet")->valueint, last->injected, verdict, line);
			if (field && !strcmp(verdict, "wrong-reply")) {
				bool named = false;

				for (i = 0; i < (size_t)cJSON_GetArraySize(diff); i++)
					named |= strstr(cJSON_GetArrayItem(diff, (int)i)->valuestring, field) != NULL;
				cr_expect(named, "%s mistake, but the diff does not name %s: %s", last->injected, field, line);
			}
			checked++;
		}
		cJSON_Delete(o);
	}
	free(text);
	free(ml);
	cr_expect_gt(checked, 50, "%s: %zu packets checked", profile, checked);
	{
		const char *argv[] = { "rm", "-rf", dir, NULL };

		lt_run(&r, argv, NULL);
	}
}

/* sim-sloppy makes every mistake and transport fault, sim-faults every answer-shape
 * fault (thinking, two text blocks, a broken stream, a refusal, a cut answer): together
 * every verdict appears. */
Test(run_model, verdicts_match_what_the_mock_injected, .timeout = 360)
{
	unsigned long seen[V__COUNT] = { 0 };
	size_t i;

	LT_NEED_LAB();
	verdicts_of_profile("sim-sloppy", seen);
	verdicts_of_profile("sim-faults", seen);
	for (i = 0; i < V__COUNT; i++)
		cr_expect_gt(seen[i], 0, "no %s verdict in the runs", pl_verdict_name((enum pl_verdict)i));
}

/* The shipped sim-perfect profile answers like the reference: through either wire
 * format (the anthropic backend and the openai one, each against the mock at its own
 * path), every packet of the smoke scenarios passes. */
Test(run_model, sim_perfect_passes_through_both_backends, .timeout = 180)
{
	const char *const backends[] = { "anthropic", "openai" };
	char *profile;
	size_t len, b;

	LT_NEED_LAB();
	profile = tu_slurp(tu_src("mockllm/profiles/sim-perfect"), &len);
	cr_assert_not_null(profile);
	for (b = 0; b < 2; b++) {
		char dir[] = "/tmp/pl-run-XXXXXX", path[256], url[160], *text, *line, *save = NULL;
		const char *env[] = { "ANTHROPIC_API_KEY=pinglab-test-key", "OPENAI_API_KEY=pinglab-test-key", NULL };
		struct tm_server m;
		struct lt_run r;
		unsigned packets = 0, passed = 0;

		cr_assert_not_null(mkdtemp(dir));
		tm_start(&m, profile, NULL);
		snprintf(url, sizeof(url), "%s%s", m.url, b ? "/v1" : "");
		{
			const char *argv[] = { lt_pinglab_path(), "run", "--targets", "llm", "--backend", backends[b],
					       "--base-url", url, "--model", "sim-perfect", "--tag", "smoke",
					       "--scenarios", tu_src("scenarios"), "--out", dir, NULL };

			lt_run(&r, argv, env);
		}
		tm_stop(&m);
		cr_assert_eq(r.status, 0, "%s: run exit %d\n%s\n%s", backends[b], r.status,
			     r.out + (strlen(r.out) > 2000 ? strlen(r.out) - 2000 : 0), r.err);
		snprintf(path, sizeof(path), "%s/packets.jsonl", dir);
		text = tu_slurp(path, &len);
		cr_assert_not_null(text, "%s: no packets.jsonl", backends[b]);
		for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			if (!tu_packet_line(line))
				continue;
			cJSON *o = cJSON_Parse(line);
			const cJSON *v = cJSON_GetObjectItem(o, "verdict");

			packets++;
			if (cJSON_IsString(v) && !strcmp(v->valuestring, "pass"))
				passed++;
			else
				cr_expect_fail("%s: not a pass: %s", backends[b], line);
			cJSON_Delete(o);
		}
		free(text);
		{
			/* and it was that backend which answered, each packet through the mock */
			char want[64];

			snprintf(path, sizeof(path), "%s/responder-llm.jsonl", dir);
			snprintf(want, sizeof(want), "\"backend\":\"%s\"", backends[b]);
			text = tu_slurp(path, &len);
			cr_assert_not_null(text, "%s: no responder log", backends[b]);
			cr_expect(strstr(text, want) && strstr(text, "\"model\":\"sim-perfect\""), "%s: %.500s",
				  backends[b], text);
			free(text);
		}
		cr_log_info("%s: %u of %u smoke packets pass", backends[b], passed, packets);
		cr_expect_geq(packets, 8, "%s: only %u packets", backends[b], packets);
		{
			const char *rm[] = { "rm", "-rf", dir, NULL };

			lt_run(&r, rm, NULL);
		}
	}
	free(profile);
}

/* ---- the three setups of issue 15, against the strict simulated model ---------------- */

struct setup {
	const char *name, *profile;   /* the shipped profile the mock plays */
	const char *backend, *model;  /* what pinglab run asks for */
	const char *knob, *knob_value;/* one request knob, or NULL */
	const char *key_env;          /* the key's variable, or NULL (a local server) */
	const char *target;           /* the model target's name in the reports */
	double usd_in, usd_out;       /* list prices per million tokens, from the table by hand; < 0: none */
	const char *request;          /* what report.md says each request asked for */
};

static double jnum(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItem(o, k);

	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

/* A whole `pinglab run` of the smoke scenarios against the mock set up as the model: every
 * packet passes (no api-error from the request's shape), and the tokens in report.json
 * and its cost equal the sums of the mock's own log priced by hand. */
static void play_setup(const struct setup *u)
{
	char dir[] = "/tmp/pl-real-XXXXXX", url[200], path[256], env_key[64], *text, *line, *save = NULL;
	const char *env[] = { "ANTHROPIC_API_KEY=pinglab-test-key", env_key, NULL };
	struct tm_server m;
	struct lt_run r;
	size_t len;
	double in = 0, out = 0, cr = 0, cw = 0;
	unsigned packets = 0, passed = 0, requests = 0;
	char *profile = tu_slurp(tu_src(u->profile), &len);
	cJSON *rep, *sum;

	cr_assert_not_null(profile);
	cr_assert_not_null(mkdtemp(dir));
	snprintf(env_key, sizeof(env_key), "%s=pinglab-test-key", u->key_env ? u->key_env : "PINGLAB_NO_KEY");
	{
		const char *extra[] = { "--log", path, NULL };

		snprintf(path, sizeof(path), "%s/mock.jsonl", dir);
		tm_start(&m, profile, extra);
	}
	snprintf(url, sizeof(url), "%s%s", m.url, strcmp(u->backend, "openai") ? "" : "/v1");
	{
		const char *argv[32] = { lt_pinglab_path(), "run", "--targets", "llm", "--backend", u->backend,
					 "--base-url", url, "--model", u->model, "--tag", "smoke", "--scenarios",
					 tu_src("scenarios"), "--out", dir };
		int n = 16;
		char outdir[64];

		snprintf(outdir, sizeof(outdir), "%s/run", dir);
		argv[15] = outdir;
		if (u->knob) {
			argv[n++] = u->knob;
			argv[n++] = u->knob_value;
		}
		argv[n] = NULL;
		lt_run(&r, argv, env);
		cr_assert_eq(r.status, 0, "%s: run exit %d\n%s\n%s", u->name, r.status,
			     r.out + (strlen(r.out) > 2000 ? strlen(r.out) - 2000 : 0), r.err);
		tm_stop(&m);
		/* every packet passes */
		snprintf(path, sizeof(path), "%s/packets.jsonl", outdir);
		text = tu_slurp(path, &len);
		cr_assert_not_null(text, "%s: no packets.jsonl", u->name);
		for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			cJSON *o;

			if (!tu_packet_line(line))
				continue;
			o = cJSON_Parse(line);
			packets++;
			passed += !strcmp(cJSON_GetObjectItem(o, "verdict")->valuestring, "pass");
			cr_expect_str_eq(cJSON_GetObjectItem(o, "verdict")->valuestring, "pass", "%s: %s", u->name, line);
			cJSON_Delete(o);
		}
		free(text);
		cr_assert_gt(packets, 0, "%s", u->name);
		cr_expect_eq(passed, packets, "%s: %u of %u passed", u->name, passed, packets);
		snprintf(path, sizeof(path), "%s/report.md", outdir);
		text = tu_slurp(path, &len);
		cr_assert_not_null(text);
		cr_expect(strstr(text, u->request), "%s: report.md does not say '%s'", u->name, u->request);
		free(text);
		snprintf(path, sizeof(path), "%s/report.json", outdir);
		text = tu_slurp(path, &len);
		cr_assert_not_null(text);
		rep = cJSON_Parse(text);
		free(text);
		cr_assert_not_null(rep);
	}
	/* what the mock says it billed, request by request (no retries here: every request
	 * answered once) */
	snprintf(path, sizeof(path), "%s/mock.jsonl", dir);
	text = tu_slurp(path, &len);
	cr_assert_not_null(text, "%s: no mock log", u->name);
	save = NULL;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		cJSON *o = cJSON_Parse(line);

		if (o && jnum(o, "status") == 200) {
			requests++;
			in += jnum(o, "input_tokens");
			out += jnum(o, "output_tokens");
			cr += jnum(o, "cache_read_input_tokens");
			cw += jnum(o, "cache_creation_input_tokens");
		}
		cJSON_Delete(o);
	}
	free(text);
	cr_expect_eq(requests, packets, "%s: %u requests for %u packets", u->name, requests, packets);
	sum = cJSON_GetObjectItem(cJSON_GetObjectItem(rep, "summary"), u->target);
	cr_assert_not_null(sum, "%s: no summary for %s", u->name, u->target);
	{
		const cJSON *tk = cJSON_GetObjectItem(sum, "tokens"), *cost = cJSON_GetObjectItem(sum, "cost");

		cr_expect_eq(jnum(tk, "input"), in, "%s: input %f, the mock billed %f", u->name, jnum(tk, "input"), in);
		cr_expect_eq(jnum(tk, "output"), out, "%s: output %f, the mock billed %f", u->name, jnum(tk, "output"), out);
		cr_expect_eq(jnum(tk, "cache_read"), cr, "%s", u->name);
		cr_expect_eq(jnum(tk, "cache_write"), cw, "%s", u->name);
		/* the system prompt (~600 tokens) is under every listed model's minimum: nothing cached */
		cr_expect_eq(cr + cw, 0, "%s: %f cached", u->name, cr + cw);
		if (u->usd_in >= 0) {
			double usd = (in * u->usd_in + out * u->usd_out) / 1e6;

			cr_expect(cJSON_IsTrue(cJSON_GetObjectItem(cost, "known")), "%s: cost unknown", u->name);
			cr_expect(fabs(jnum(cost, "usd") - usd) < 1e-6, "%s: cost %f, by hand %f", u->name, jnum(cost, "usd"), usd);
		} else {
			cr_expect(cJSON_IsFalse(cJSON_GetObjectItem(cost, "known")), "%s: a local model has no price", u->name);
		}
	}
	cJSON_Delete(rep);
	free(profile);
	{
		const char *argv[] = { "rm", "-rf", dir, NULL };

		lt_run(&r, argv, NULL);
	}
}

Test(run_model, the_setups_of_real_models_pass_and_cost_what_the_mock_billed, .timeout = 300)
{
	static const struct setup s[] = {
		/* a current Anthropic model that refuses temperature: none is sent; $5 / $25 */
		{ "opus-4-7", "mockllm/profiles/sim-opus-4-7", "anthropic", "claude-opus-4-7", NULL, NULL, "ANTHROPIC_API_KEY",
		  "anthropic:claude-opus-4-7", 5.00, 25.00, "max_tokens 2048, no temperature (model table); model table row `claude-opus-4-7*`" },
		/* an OpenAI reasoning model: max_completion_tokens, no temperature, reasoning_effort;
		 * its reasoning tokens are output: $0.25 / $2.00 */
		{ "gpt-5-mini", "mockllm/profiles/sim-gpt-5-mini", "openai", "gpt-5-mini", "--reasoning-effort", "low",
		  "OPENAI_API_KEY", "openai:gpt-5-mini", 0.25, 2.00,
		  "max_completion_tokens 16384, no temperature (model table), reasoning_effort low; model table row `gpt-5-mini*`" },
		/* a llama.cpp server: any model name, no key, no price */
		{ "llama.cpp", "mockllm/profiles/sim-llamacpp", "openai", "qwen2.5", NULL, NULL, NULL, "openai:qwen2.5", -1, -1,
		  "max_tokens 2048, no temperature (model table); model table row `none (not in the table" },
	};
	size_t i;

	LT_NEED_LAB();
	for (i = 0; i < sizeof(s) / sizeof(s[0]); i++)
		play_setup(&s[i]);
}

/* A configuration error stops the run at once: temperature forced on a model that refuses
 * it. Exit 2, the API's own words on stderr and in run.json, and the mock asked no more
 * than the requests in flight at the first answer (--concurrency 4), never every packet. */
Test(run_model, a_refused_parameter_stops_the_run_with_the_apis_message, .timeout = 120)
{
	char dir[] = "/tmp/pl-cfg-XXXXXX", out[64], path[128], *text, *line, *save = NULL;
	const char *env[] = { "ANTHROPIC_API_KEY=pinglab-test-key", NULL };
	struct lt_run r;
	size_t len;
	unsigned requests = 0;
	cJSON *run;

	LT_NEED_LAB();
	cr_assert_not_null(mkdtemp(dir));
	snprintf(out, sizeof(out), "%s/run", dir);
	{
		const char *argv[] = { lt_pinglab_path(), "run", "--targets", "llm", "--profile", "sim-opus-4-7", "--model",
				       "claude-opus-4-7", "--temperature", "0", "--concurrency", "4", "--scenarios",
				       tu_src("scenarios"), "--out", out, NULL };

		lt_run(&r, argv, env);
	}
	cr_expect_eq(r.status, 2, "exit %d\n%s", r.status, r.err);
	cr_expect(strstr(r.err, "pinglab run: configuration error, the model phase stopped: model claude-opus-4-7: the API "
				"refused the first requests: HTTP 400 invalid_request_error: `temperature` is deprecated for this model."),
		  "%s", r.err);
	snprintf(path, sizeof(path), "%s/run.json", out);
	text = tu_slurp(path, &len);
	cr_assert_not_null(text);
	run = cJSON_Parse(text);
	free(text);
	cr_expect(strstr(cJSON_GetObjectItem(run, "stopped")->valuestring, "configuration error"));
	cJSON_Delete(run);
	snprintf(path, sizeof(path), "%s/mockllm.jsonl", out);
	text = tu_slurp(path, &len);
	cr_assert_not_null(text);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		requests += strstr(line, "\"path\":\"/v1/messages\"") != NULL;
	free(text);
	cr_expect(requests >= 1 && requests <= 4, "%u requests reached the API", requests);
	{
		const char *argv[] = { "rm", "-rf", dir, NULL };

		lt_run(&r, argv, NULL);
	}
}

static int strcmp_ptr(const char *const *a, const char *const *b)
{
	return strcmp(*a, *b);
}

/* The model's verdict fields of a run's packet records, sorted: "scenario packet rep
 * trial target verdict diff note" lines (a responder target's; the kernel's replies carry
 * its own IP ids). */
static char *model_verdicts(const char *dir)
{
	char path[128], *text, *line, *save = NULL, **rows = NULL, *out;
	size_t len, n = 0, i, total = 1;

	snprintf(path, sizeof(path), "%s/packets.jsonl", dir);
	text = tu_slurp(path, &len);
	cr_assert_not_null(text, "%s: no packets.jsonl", dir);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		cJSON *o;
		char *d, *row;

		if (!tu_packet_line(line))
			continue;
		o = cJSON_Parse(line);
		if (!strcmp(cJSON_GetObjectItem(o, "target")->valuestring, "kernel")) {
			cJSON_Delete(o);
			continue;
		}
		d = cJSON_PrintUnformatted(cJSON_GetObjectItem(o, "diff"));
		cr_assert(asprintf(&row, "%s %d %d %d %s %s %s %s", cJSON_GetObjectItem(o, "scenario")->valuestring,
				   cJSON_GetObjectItem(o, "packet")->valueint, (int)jnum(o, "rep"), (int)jnum(o, "trial"),
				   cJSON_GetObjectItem(o, "target")->valuestring, cJSON_GetObjectItem(o, "verdict")->valuestring,
				   d ? d : "null", cJSON_IsString(cJSON_GetObjectItem(o, "note")) ? cJSON_GetObjectItem(o, "note")->valuestring : "") > 0);
		free(d);
		rows = realloc(rows, (n + 1) * sizeof(*rows));
		rows[n++] = row;
		total += strlen(row) + 1;
		cJSON_Delete(o);
	}
	free(text);
	qsort(rows, n, sizeof(*rows), (int (*)(const void *, const void *))strcmp_ptr);
	out = calloc(1, total);
	for (i = 0; i < n; i++) {
		strcat(out, rows[i]);
		strcat(out, "\n");
		free(rows[i]);
	}
	free(rows);
	return out;
}

/* A run replayed from its own recorded answers: no model asked (no mock started, no key),
 * the verdict fields of every responder packet identical, the model's cost the same.
 * sim-sloppy makes every kind of mistake and fault; --repeat 2 sends each packet twice,
 * so its two answers must come back in their order. */
Test(run_model, replay_gives_the_same_verdicts_without_a_model, .timeout = 600)
{
	char dir[] = "/tmp/pl-replay-XXXXXX", a[64], b[64], path[128], *va, *vb, *ja, *jb;
	struct lt_run r;
	size_t len;
	cJSON *ra, *rb;

	LT_NEED_LAB();
	cr_assert_not_null(mkdtemp(dir));
	snprintf(a, sizeof(a), "%s/orig", dir);
	snprintf(b, sizeof(b), "%s/replay", dir);
	{
		const char *argv[] = { lt_pinglab_path(), "run", "--profile", "sim-sloppy", "--seed", "7", "--scale", "0",
				       "--retries", "0", "--model-timeout", "700", "--repeat", "2", "--scenarios",
				       tu_src("scenarios/adversarial"), "--out", a, NULL };

		lt_run(&r, argv, NULL);
		cr_assert_eq(r.status, 0, "run exit %d\n%s", r.status, r.err);
	}
	{
		/* no key in the environment: a replay needs none */
		const char *argv[] = { lt_pinglab_path(), "run", "--replay", a, "--scenarios", tu_src("scenarios/adversarial"),
				       "--out", b, NULL };
		const char *env[] = { "PATH=/usr/bin:/bin", NULL };

		lt_run(&r, argv, env);
		cr_assert_eq(r.status, 0, "replay exit %d\n%s", r.status, r.err);
	}
	snprintf(path, sizeof(path), "%s/mockllm.jsonl", b);
	cr_expect(access(path, F_OK) != 0, "the replay started a simulated model");
	va = model_verdicts(a);
	vb = model_verdicts(b);
	cr_expect_gt(strlen(va), 500, "too few packets: %s", va);
	cr_expect(strstr(va, " mock:sim-sloppy wrong-reply ") && strstr(va, " mock:sim-sloppy api-error "),
		  "sim-sloppy made no mistakes or faults");
	cr_expect_str_eq(vb, va, "the replay's verdicts differ");
	snprintf(path, sizeof(path), "%s/report.json", a);
	ja = tu_slurp(path, &len);
	snprintf(path, sizeof(path), "%s/report.json", b);
	jb = tu_slurp(path, &len);
	ra = cJSON_Parse(ja);
	rb = cJSON_Parse(jb);
	cr_expect_eq(jnum(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(ra, "summary"), "mock:sim-sloppy"), "cost"), "usd"),
		     jnum(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(rb, "summary"), "mock:sim-sloppy"), "cost"), "usd"));
	cr_expect_str_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(rb, "model"), "replay_of")->valuestring, a);
	cr_expect(cJSON_IsTrue(cJSON_GetObjectItem(rb, "simulated")), "a replay of a simulated run is simulated");
	cJSON_Delete(ra);
	cJSON_Delete(rb);
	free(ja);
	free(jb);
	free(va);
	free(vb);
	{
		const char *argv[] = { "rm", "-rf", dir, NULL };

		lt_run(&r, argv, NULL);
	}
}

/* Kill -9 a run half way through its model phase, clean up, resume it: one complete run in
 * the same directory whose model verdicts equal an uninterrupted run's of the same seed,
 * and no packet the model had answered before the kill asked again (the resumed mock's
 * own request log against the answers kept in cassette.jsonl). */
static void resume_case(const char *targets, unsigned nmodels)
{
	char dir[] = "/tmp/pl-resume-XXXXXX", a[64], b[64], path[128], sfx[8], *va, *vb, *text, *line, *save = NULL;
	const char *common[] = { "--targets", targets, "--profile", "sim-haiku-like", "--scale", "0.02", "--seed", "1",
				 "--model-timeout", "5000", "--concurrency", "4", "--scenarios", tu_src("scenarios/valid"),
				 "--scenarios", tu_src("scenarios/malformed"), "--scenarios", tu_src("scenarios/adversarial") };
	const char *argv[32];
	struct lt_run r;
	size_t len, k, nc = sizeof(common) / sizeof(common[0]);
	unsigned answered = 0, again = 0, i, m;
	char **kept = NULL;
	pid_t pid;

	LT_NEED_LAB();
	cr_assert_not_null(mkdtemp(dir));
	snprintf(a, sizeof(a), "%s/whole", dir);
	snprintf(b, sizeof(b), "%s/killed", dir);
	argv[0] = lt_pinglab_path();
	argv[1] = "run";
	for (k = 0; k < nc; k++)
		argv[2 + k] = common[k];
	argv[2 + nc] = "--out";
	argv[3 + nc] = a;
	argv[4 + nc] = NULL;
	lt_run(&r, argv, NULL);
	cr_assert_eq(r.status, 0, "whole run: exit %d\n%s", r.status, r.err);
	/* the same run, killed once a third of its answers are in */
	argv[3 + nc] = b;
	pid = lt_spawn(argv, NULL);
	snprintf(path, sizeof(path), "%s/responder-llm.jsonl", b);
	for (i = 0; i < 1200; i++) {
		size_t n = 0;

		text = tu_slurp(path, &len);
		for (k = 0; text && k < len; k++)
			n += text[k] == '\n';
		free(text);
		if (n >= 25)
			break;
		usleep(50000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	{
		const char *clean[] = { lt_pinglab_path(), "clean", NULL };

		lt_run(&r, clean, NULL);
	}
	{
		const char *res[] = { lt_pinglab_path(), "run", "--resume", b, NULL };

		lt_run(&r, res, NULL);
		cr_assert_eq(r.status, 0, "resume: exit %d\n%s", r.status, r.err);
	}
	va = model_verdicts(a);
	vb = model_verdicts(b);
	cr_expect_gt(strlen(va), 500);
	cr_expect_str_eq(vb, va, "the resumed run's verdicts differ from the whole run's");
	for (m = 0; m < nmodels; m++) {
		/* what model target m had answered before the kill */
		if (m)
			snprintf(sfx, sizeof(sfx), "-%u", m + 1);
		else
			sfx[0] = '\0';
		answered = again = 0;
		kept = NULL;
		save = NULL;
		snprintf(path, sizeof(path), "%s/cassette%s.jsonl", b, sfx);
		text = tu_slurp(path, &len);
		cr_assert_not_null(text, "no %s", path);
		for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			cJSON *o = cJSON_Parse(line);
			const cJSON *in = cJSON_GetObjectItem(o, "in"), *e = cJSON_GetObjectItem(o, "error");

			if (cJSON_IsString(in) && !(cJSON_IsString(e) && strstr(e->valuestring, "cancelled"))) {
				kept = realloc(kept, (answered + 1) * sizeof(*kept));
				kept[answered++] = strdup(in->valuestring);
			}
			cJSON_Delete(o);
		}
		free(text);
		/* the first target's 25 answers stopped the run; a second target has some too */
		cr_expect_gt(answered, m ? 0 : 10, "target %u: %u answers before the kill", m + 1, answered);
		/* ... and what the resumed run asked the model (nothing, when it had all) */
		snprintf(path, sizeof(path), "%s/mockllm%s.jsonl", b, sfx);
		text = tu_slurp(path, &len);
		if (!text) {
			/* the first target answered 25 before the kill: it has more to ask */
			cr_assert(m, "the resumed run asked no model");
			text = strdup("");
		}
		save = NULL;
		for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			cJSON *o = cJSON_Parse(line);
			const cJSON *p = cJSON_GetObjectItem(o, "packet");

			for (i = 0; cJSON_IsString(p) && i < answered; i++)
				if (!strcmp(kept[i], p->valuestring)) {
					again++;
					break;
				}
			cJSON_Delete(o);
		}
		free(text);
		cr_expect_eq(again, 0, "target %u: %u packets answered before the kill were asked again", m + 1, again);
		for (i = 0; i < answered; i++)
			free(kept[i]);
		free(kept);
	}
	free(va);
	free(vb);
	{
		const char *rm[] = { "rm", "-rf", dir, NULL };

		lt_run(&r, rm, NULL);
	}
}

Test(run_model, resume_after_kill_9_asks_nothing_twice, .timeout = 600)
{
	resume_case("llm", 1);
}

/* The same with two model targets side by side (model-only: the first in the run's lab,
 * the second in one of its own): each resumes from its own cassette. The second is
 * sim-faults (refusals, cut answers, broken streams, thinking blocks), not sim-sloppy,
 * whose stalls make packets queued behind them time out or not depending on how fast
 * the answers before them came, which a resume's recorded answers change. */
Test(run_model, resume_of_two_model_targets_asks_nothing_twice, .timeout = 600)
{
	resume_case("mock:sim-haiku-like,mock:sim-faults", 2);
}
