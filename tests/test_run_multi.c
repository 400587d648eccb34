/* pinglab run with several model targets: every target plays the same packets (the same
 * bytes, ids and order of trials), each model target's answers and report rows are its
 * own, its verdicts are those it gets when it plays alone, and neither the controller's
 * nor a generator's memory grows with the number of targets. Spec errors are usage
 * errors naming the part that is wrong, before any lab is built. */
#include <criterion/criterion.h>
#include <stdbool.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/labtest.h"
#include "tests/util.h"

#define NT_MAX 8

struct per_target {
	char name[64];
	char *sent;      /* "scenario packet trial rep sent\n" for every packet, in order */
	char *verdicts;  /* "scenario packet trial rep verdict\n" */
	size_t n;
};

static void append(char **s, const char *id, int packet, int trial, int rep, const char *what)
{
	size_t used = *s ? strlen(*s) : 0;
	size_t need = (size_t)snprintf(NULL, 0, "%s %d %d %d %s\n", id, packet, trial, rep, what) + 1;

	*s = realloc(*s, used + need);
	cr_assert_not_null(*s);
	snprintf(*s + used, need, "%s %d %d %d %s\n", id, packet, trial, rep, what);
}

static int inum(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItem(o, k);

	return cJSON_IsNumber(v) ? v->valueint : -1;
}

/* packets.jsonl of dir, split by target (targets in order of first appearance). */
static size_t by_target(const char *dir, struct per_target *t)
{
	char path[128], *text, *line, *save = NULL;
	size_t len, nt = 0, i;

	snprintf(path, sizeof(path), "%s/packets.jsonl", dir);
	text = tu_slurp(path, &len);
	cr_assert_not_null(text, "no %s", path);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		cJSON *o;
		const char *tg, *id, *sent, *verdict;

		if (!tu_packet_line(line))
			continue;
		o = cJSON_Parse(line);
		cr_assert_not_null(o, "%s: %s", path, line);
		tg = cJSON_GetStringValue(cJSON_GetObjectItem(o, "target"));
		id = cJSON_GetStringValue(cJSON_GetObjectItem(o, "scenario"));
		sent = cJSON_GetStringValue(cJSON_GetObjectItem(o, "sent"));
		verdict = cJSON_GetStringValue(cJSON_GetObjectItem(o, "verdict"));
		cr_assert(tg && id && verdict, "%s: %s", path, line);
		for (i = 0; i < nt && strcmp(t[i].name, tg); i++)
			;
		if (i == nt) {
			cr_assert_lt(nt, NT_MAX);
			memset(&t[nt], 0, sizeof(t[nt]));
			snprintf(t[nt++].name, sizeof(t[0].name), "%s", tg);
		}
		append(&t[i].sent, id, inum(o, "packet"), inum(o, "trial"), inum(o, "rep"),
		       sent ? sent : "-");
		append(&t[i].verdicts, id, inum(o, "packet"), inum(o, "trial"), inum(o, "rep"), verdict);
		t[i].n++;
		cJSON_Delete(o);
	}
	free(text);
	return nt;
}

/* The first line where a and b differ, into what; false when they are equal. */
static bool first_difference(const char *a, const char *b, char *what, size_t n)
{
	size_t line = 1;

	while (*a && *a == *b) {
		line += *a == '\n';
		a++;
		b++;
	}
	if (!*a && !*b)
		return false;
	while (line > 1 && a[-1] != '\n') {
		a--;
		b--;
	}
	snprintf(what, n, "line %zu: '%.*s' against '%.*s'", line, (int)strcspn(a, "\n"), a, (int)strcspn(b, "\n"), b);
	return true;
}

static void free_targets(struct per_target *t, size_t nt)
{
	size_t i;

	for (i = 0; i < nt; i++) {
		free(t[i].sent);
		free(t[i].verdicts);
	}
}

/* "WHAT: maxrss N kB" lines of a run's output: the largest N of lines starting so. */
static long maxrss(const char *out, const char *what)
{
	const char *p = out;
	long best = -1;

	while ((p = strstr(p, what))) {
		const char *m = strstr(p, "maxrss ");
		const char *nl = strchr(p, '\n');

		if (m && (!nl || m < nl) && atol(m + 7) > best)
			best = atol(m + 7);
		p += strlen(what);
	}
	return best;
}

/* Run pinglab with args (a shell word list) into dir, its output in dir.txt; the
 * exit status, and the output in a malloc'd string. */
static int run_to_file(const char *args, const char *dir, char **out)
{
	char cmd[4096], path[128];
	struct lt_run r;
	size_t len;

	snprintf(cmd, sizeof(cmd), "exec '%s' run %s --out '%s' > '%s.txt' 2>&1", lt_pinglab_path(), args, dir, dir);
	{
		const char *argv[] = { "sh", "-c", cmd, NULL };

		lt_run(&r, argv, NULL);
	}
	snprintf(path, sizeof(path), "%s.txt", dir);
	*out = tu_slurp(path, &len);
	cr_assert_not_null(*out);
	return r.status;
}

Test(run_multi, four_model_targets_play_the_same_packets_in_flat_memory, .timeout = 300)
{
	char base[] = "/tmp/pl-multi-XXXXXX", one[64], four[64], name[9], what[512], common[1024], args[2048];
	char *out1, *out4;
	struct per_target t1[NT_MAX], t4[NT_MAX];
	size_t n1, n4, i;
	static const char *const want4[] = { "kernel", "reference", "mock:sim-haiku-like", "sloppy", "mock:sim-perfect",
					     "mock:sim-faults" };
	int st;

	LT_NEED_LAB();
	cr_assert_not_null(mkdtemp(base));
	snprintf(one, sizeof(one), "%s/one", base);
	snprintf(four, sizeof(four), "%s/four", base);
	/* under valgrind or ASan a simulated answer can take longer than 700 ms */
	snprintf(common, sizeof(common),
		 "--seed 5 --scale 0 --retries 0 --model-timeout %s --repeat 2 --scenarios '%s' --scenarios '%s'",
		 lt_memory_tool() ? "10000" : "700", tu_src("scenarios/valid"), tu_src("scenarios/adversarial"));
	lt_name(name, "mt");
	snprintf(args, sizeof(args), "--lab %s --targets kernel,reference,mock:sim-haiku-like %s", name, common);
	st = run_to_file(args, one, &out1);
	cr_assert_eq(st, 0, "one model target: exit %d\n%s", st, out1);
	cr_expect(lt_nothing_left(name, what, sizeof(what)), "%s", what);
	lt_name(name, "mt");
	snprintf(args, sizeof(args),
		 "--lab %s --targets kernel,reference,mock:sim-haiku-like,mock:sim-sloppy+name=sloppy,mock:sim-perfect,"
		 "mock:sim-faults %s",
		 name, common);
	st = run_to_file(args, four, &out4);
	cr_assert_eq(st, 0, "four model targets: exit %d\n%s", st, out4);
	/* the run's lab and the four of its model targets are gone */
	cr_expect(lt_nothing_left(name, what, sizeof(what)), "%s", what);
	for (i = 1; i <= 4; i++) {
		char sib[16];

		snprintf(sib, sizeof(sib), "%s-%zu", name, i);
		cr_expect(lt_nothing_left(sib, what, sizeof(what)), "%s", what);
	}

	n1 = by_target(one, t1);
	n4 = by_target(four, t4);
	cr_assert_eq(n1, 3);
	cr_expect_str_eq(t1[2].name, "mock:sim-haiku-like", "packets.jsonl: the model's records are not after the baselines'");
	cr_assert_eq(n4, 6, "%zu targets in packets.jsonl", n4);
	for (i = 0; i < n4; i++) {
		cr_expect_str_eq(t4[i].name, want4[i], "target %zu", i);
		/* the same packets, byte for byte, in the same order, to every responder target
		 * (the kernel's differ in the destination address and the header checksum) */
		cr_expect_eq(t4[i].n, t4[0].n, "%s: %zu packets, the kernel %zu", t4[i].name, t4[i].n, t4[0].n);
		if (i > 1)
			cr_expect_str_eq(t4[i].sent, t4[1].sent, "%s was sent other packets than the reference", t4[i].name);
	}
	/* a model target's verdicts do not depend on who plays beside it (not checked under
	 * a memory tool, where six targets on two cores can push an answer past a timeout) */
	cr_expect_gt(t4[0].n, 100);
	cr_expect(lt_memory_tool() || !first_difference(t4[2].verdicts, t1[2].verdicts, what, sizeof(what)),
		  "sim-haiku-like beside three others judged otherwise than alone: %s", what);
	cr_expect_str_neq(t4[3].verdicts, t4[4].verdicts, "sim-sloppy and sim-perfect judged alike");
	{
		/* each model target's answers are its own: its responder log and its mock's */
		static const char *const logs[] = { "responder-llm.jsonl", "responder-llm-2.jsonl", "responder-llm-3.jsonl",
						    "responder-llm-4.jsonl", "mockllm.jsonl", "mockllm-2.jsonl",
						    "mockllm-3.jsonl", "mockllm-4.jsonl" };
		char path[128];

		for (i = 0; i < sizeof(logs) / sizeof(logs[0]); i++) {
			struct stat st_;

			snprintf(path, sizeof(path), "%s/%s", four, logs[i]);
			cr_expect(!stat(path, &st_) && st_.st_size > 0, "no %s", path);
		}
	}
	{
		/* the report: a row per target, every pair, and each model's answers joined */
		char path[128], *txt;
		size_t len;
		cJSON *o, *sum, *pairs, *models;

		snprintf(path, sizeof(path), "%s/report.json", four);
		txt = tu_slurp(path, &len);
		o = txt ? cJSON_Parse(txt) : NULL;
		cr_assert_not_null(o, "no report.json");
		sum = cJSON_GetObjectItem(o, "summary");
		for (i = 0; i < n4; i++)
			cr_expect_not_null(cJSON_GetObjectItem(sum, want4[i]), "report.json summary has no %s", want4[i]);
		pairs = cJSON_GetObjectItem(o, "paired");
		cr_expect_eq(cJSON_GetArraySize(pairs), 15, "6 targets make 15 pairs, report.json has %d",
			     cJSON_GetArraySize(pairs));
		models = cJSON_GetObjectItem(o, "models");
		cr_expect_eq(cJSON_GetArraySize(models), 4, "report.json models[]");
		cJSON_Delete(o);
		free(txt);
	}
	if (!lt_memory_tool()) {
		/* memory: four model targets cost the controller and a generator what one does
		 * (within a megabyte: the same scenarios, one more small record per target);
		 * under valgrind or ASan the figures are the tool's own */
		long c1 = maxrss(out1, "pinglab run: maxrss"), c4 = maxrss(out4, "pinglab run: maxrss");
		long g1 = maxrss(out1, "pinglab-gen: "), g4 = maxrss(out4, "pinglab-gen: ");

		cr_expect(c1 > 0 && g1 > 0 && c4 > 0 && g4 > 0, "no maxrss lines:\n%s", out4);
		cr_expect_leq(c4, c1 + 1024, "controller: %ld kB with four model targets, %ld kB with one", c4, c1);
		cr_expect_leq(g4, g1 + 1024, "generator: %ld kB with four model targets, %ld kB with one", g4, g1);
	}
	free_targets(t1, n1);
	free_targets(t4, n4);
	free(out1);
	free(out4);
	{
		const char *rm[] = { "rm", "-rf", base, NULL };
		struct lt_run r;

		lt_run(&r, rm, NULL);
	}
}

/* A bad spec, a duplicate name or an unknown profile: exit 2, the part named, no lab. */
Test(run_multi, spec_errors_are_usage_errors_naming_the_part)
{
	static const char *const bad[][2] = {
		{ "kernel,bogus:x", "target 'bogus:x': bogus: unknown backend" },
		{ "kernel,mock:sim-sloppy+frob=1", "frob: unknown knob" },
		{ "mock:sim-sloppy+thinking=12", "thinking: wants a budget of 1024..1000000 tokens" },
		{ "anthropic:claude-haiku-4-5@ftp://x", "URL: wants http:// or https://" },
		{ "mock:sim-sloppy,mock:sim-sloppy", "two model targets are named 'mock:sim-sloppy'; give one of them +name=" },
		{ "mock:sim-perfect+name=a,mock:sim-sloppy+name=a", "two model targets are named 'a'" },
		{ "kernel,mock:sim-perfect,mock:sim-nope", "target mock:sim-nope: profile 'sim-nope': no simulated model profile" },
	};
	struct lt_run r;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		lt_pinglab(&r, NULL, "run", "--targets", bad[i][0], "--scenarios", tu_src("scenarios/valid"), "--out",
			   "/nonexistent/pinglab-out", NULL);
		cr_expect_eq(r.status, 2, "--targets %s: exit %d\n%s", bad[i][0], r.status, r.err);
		cr_expect(strstr(r.err, bad[i][1]) != NULL, "--targets %s: %s", bad[i][0], r.err);
		cr_expect(strstr(r.err, ", lab ") == NULL, "--targets %s: a lab was built: %s", bad[i][0], r.err);
	}
}
