/* Reports from a synthetic run directory (tests/report_fixture.c), every expected value
 * worked out by hand from what the fixture holds. No root needed. */
#include <criterion/criterion.h>
#include <cjson/cJSON.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model/table.h"
#include "report/data.h"
#include "report/report.h"
#include "report/stats.h"
#include "tests/report_fixture.h"
#include "tests/util.h"
#include "wire/pcap.h"

#define NEAR(a, b) (fabs((a) - (b)) < 1e-6)

static cJSON *render_json(const char *dir)
{
	struct pl_err err;
	char *txt;
	cJSON *o;

	cr_assert_eq(pl_report_render(dir, PL_REPORT_ALL, rf_prices(), &err), 0, "%s", err.msg);
	txt = rf_read(dir, "report.json");
	o = cJSON_Parse(txt);
	free(txt);
	cr_assert_not_null(o, "report.json is not JSON");
	return o;
}

static const cJSON *get(const cJSON *o, const char *path)
{
	char buf[256], *tok, *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	for (tok = strtok_r(buf, ".", &save); tok && o; tok = strtok_r(NULL, ".", &save))
		o = cJSON_GetObjectItemCaseSensitive(o, tok);
	cr_assert_not_null(o, "report.json has no %s", path);
	return o;
}

static double num(const cJSON *o, const char *path)
{
	const cJSON *v = get(o, path);

	cr_assert(cJSON_IsNumber(v), "%s is not a number", path);
	return v->valuedouble;
}

static const cJSON *scenario(const cJSON *o, const char *id)
{
	const cJSON *s;

	cJSON_ArrayForEach(s, get(o, "scenarios"))
		if (!strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(s, "id")), id))
			return s;
	cr_assert_fail("no scenario %s", id);
	return NULL;
}

/* ---- estimators ---------------------------------------------------------------------- */

Test(report_stats, nearest_rank_percentiles_of_1_to_100)
{
	double v[100];
	int i;

	for (i = 0; i < 100; i++)
		v[i] = 100 - i; /* unsorted on purpose */
	cr_assert_eq(pl_stat_percentile(v, 100, 50), 50);
	cr_assert_eq(pl_stat_percentile(v, 100, 90), 90);
	cr_assert_eq(pl_stat_percentile(v, 100, 99), 99);
	cr_assert_eq(pl_stat_percentile(v, 100, 100), 100);
	{
		double one[1] = { 7 };

		cr_assert_eq(pl_stat_percentile(one, 1, 99), 7);
	}
	cr_assert(isnan(pl_stat_percentile(v, 0, 50)));
}

Test(report_stats, pass_at_k_and_pass_hat_k_by_hand)
{
	/* n = 4, c = 2: pass@2 = 1 - C(2,2)/C(4,2) = 5/6; pass^2 = C(2,2)/C(4,2) = 1/6 */
	cr_assert(NEAR(pl_stat_pass_at_k(4, 2, 2), 5.0 / 6));
	cr_assert(NEAR(pl_stat_pass_hat_k(4, 2, 2), 1.0 / 6));
	cr_assert(NEAR(pl_stat_pass_at_k(4, 2, 1), 0.5));
	cr_assert(NEAR(pl_stat_pass_at_k(4, 2, 3), 1.0)); /* C(2,3) = 0 */
	cr_assert(NEAR(pl_stat_pass_hat_k(4, 2, 3), 0.0));
	cr_assert(NEAR(pl_stat_pass_at_k(10, 0, 5), 0.0));
	cr_assert(NEAR(pl_stat_pass_hat_k(10, 10, 10), 1.0));
	cr_assert(isnan(pl_stat_pass_at_k(3, 1, 4)));
	/* se(p) = sqrt(.5 * .5 / 4) = .25; pass@2: 2 * .5 * .25; pass^4 at p = .5: 4 * .125 * .25 */
	cr_assert(NEAR(pl_stat_pass_at_k_se(4, 2, 2), 0.25));
	cr_assert(NEAR(pl_stat_pass_hat_k_se(4, 2, 4), 0.125));
	cr_assert(NEAR(pl_stat_pass_at_k_se(4, 4, 2), 0.0));
}

/* ---- price table --------------------------------------------------------------------- */

Test(report_prices, dated_table_prices_haiku_and_knows_what_it_does_not_know)
{
	struct pl_mtab p;
	struct pl_err err;
	const struct pl_mrow *h;
	double tok[PL_TOK__COUNT] = { 1000000, 200000, 0, 0 }, usd;
	char path[] = "/tmp/pinglab-prices-XXXXXX";
	int fd;

	cr_assert_eq(pl_mtab_load(rf_prices(), &p, &err), 0, "%s", err.msg);
	cr_assert_str_eq(p.as_of, "2026-12");
	h = pl_mtab_find(&p, "claude-haiku-4-5");
	cr_assert_not_null(h);
	cr_assert(pl_mrow_cost(h, tok, &usd));
	cr_assert(NEAR(usd, 2.0), "1M input + 200k output of Haiku 4.5 = $1 + $1, got %f", usd);
	tok[0] = tok[1] = 0;
	tok[PL_TOK_CACHE_READ] = 1000000;
	tok[PL_TOK_CACHE_WRITE] = 1000000;
	cr_assert(pl_mrow_cost(pl_mtab_find(&p, "claude-haiku-4-5-20251001"), tok, &usd));
	cr_assert(NEAR(usd, 0.10 + 1.25));
	cr_assert_null(pl_mtab_find(&p, "qwen2.5"));
	cr_assert_null(pl_mtab_find(&p, "sim-haiku-like"));
	cr_assert(!pl_mrow_cost(NULL, tok, &usd));
	pl_mtab_free(&p);

	/* every bad line is named by file, line and field */
	{
		static const struct {
			const char *line, *says;
		} bad[] = {
			{ "m\t1\t2\t-\t4\n", ":2: want 10 tab-separated fields" },
			{ "m\tgoogle\tyes\tmax_tokens\tnone\t0\t1\t2\t-\t4\n", ":2: api: 'google' is not one of any, anthropic, openai" },
			{ "m\topenai\tmaybe\tmax_tokens\tnone\t0\t1\t2\t-\t4\n", ":2: temperature: 'maybe'" },
			{ "m\topenai\tyes\tmax_toks\tnone\t0\t1\t2\t-\t4\n", ":2: max_field: 'max_toks'" },
			{ "m\topenai\tyes\tmax_tokens\talways\t0\t1\t2\t-\t4\n", ":2: thinking: 'always'" },
			{ "m\topenai\tyes\tmax_tokens\tnone\tlots\t1\t2\t-\t4\n", ":2: min_cache: 'lots'" },
			{ "m\topenai\tyes\tmax_tokens\tnone\t0\t1\t2x\t-\t4\n", ":2: output: bad price '2x'" },
		};
		size_t i;

		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			FILE *f;

			fd = mkstemp(path);
			cr_assert(fd >= 0);
			f = fdopen(fd, "w");
			fprintf(f, "# as_of: 2000-01\n%s", bad[i].line);
			fclose(f);
			cr_assert_eq(pl_mtab_load(path, &p, &err), -22, "%s", bad[i].line);
			cr_assert(strstr(err.msg, bad[i].says), "%s: %s", bad[i].line, err.msg);
			unlink(path);
			strcpy(path, "/tmp/pinglab-prices-XXXXXX");
		}
	}
	fd = mkstemp(path);
	cr_assert(write(fd, "m*\tany\tyes\tmax_tokens\tnone\t-\t1\t2\t-\t4\n", 37) == 37);
	close(fd);
	cr_assert_eq(pl_mtab_load(path, &p, &err), 0, "%s", err.msg);
	cr_assert_eq(p.v[0].min_cache, -1);
	tok[PL_TOK_CACHE_READ] = 0;
	cr_assert(pl_mrow_cost(pl_mtab_find(&p, "m1"), tok, &usd), "cache-read price unknown but unused");
	tok[PL_TOK_CACHE_READ] = 1;
	cr_assert(!pl_mrow_cost(pl_mtab_find(&p, "m1"), tok, &usd), "an unknown price that is needed: unknown cost");
	pl_mtab_free(&p);
	unlink(path);
}

/* ---- report.json --------------------------------------------------------------------- */

Test(report_json, summary_scenarios_and_cost_match_the_fixture)
{
	char dir[64];
	cJSON *o;
	const cJSON *s, *f;

	rf_make(dir, NULL);
	o = render_json(dir);
	cr_assert_str_eq(get(o, "schema")->valuestring, "pinglab.report/1");
	cr_assert_str_eq(get(o, "run_id")->valuestring, "20261101-000000-test");
	cr_assert(cJSON_IsTrue(get(o, "simulated")));
	cr_assert(cJSON_IsFalse(get(o, "partial")));
	cr_assert_eq(cJSON_GetArraySize(get(o, "targets")), 3);
	cr_assert_str_eq(cJSON_GetArrayItem(get(o, "targets"), 2)->child->valuestring, "mock:sim-test");

	/* kernel: RTT 1..100 µs */
	cr_assert_eq(num(o, "summary.kernel.total"), 102);
	cr_assert_eq(num(o, "summary.kernel.pass"), 102);
	cr_assert_eq(num(o, "summary.kernel.rtt_us.p50"), 50);
	cr_assert_eq(num(o, "summary.kernel.rtt_us.p90"), 90);
	cr_assert_eq(num(o, "summary.kernel.rtt_us.p99"), 99);
	cr_assert_eq(num(o, "summary.kernel.rtt_us.max"), 100);
	cr_assert_eq(num(o, "summary.reference.rtt_us.p50"), 500);
	cr_assert_eq(num(o, "summary.kernel.categories.valid.total"), 100);

	/* model: 97 pass and one of each failure */
	s = get(o, "summary");
	s = cJSON_GetObjectItem(s, "mock:sim-test");
	cr_assert_not_null(s);
	cr_assert_eq(num(s, "total"), 102);
	cr_assert_eq(num(s, "pass"), 97);
	cr_assert_eq(num(s, "verdicts.wrong-reply"), 1);
	cr_assert_eq(num(s, "verdicts.missed-reply"), 1);
	cr_assert_eq(num(s, "verdicts.false-reply"), 1);
	cr_assert_eq(num(s, "verdicts.unparseable"), 1);
	cr_assert_eq(num(s, "verdicts.timeout"), 1);
	cr_assert_eq(num(s, "verdicts.api-error"), 0);
	cr_assert_eq(num(s, "categories.valid.pass"), 97);
	cr_assert_eq(num(s, "categories.malformed.pass"), 0);
	/* replies: 1, 4..100 ms and the false reply's 5 ms: 99 values 1,4,5,5,6,...,100 ms */
	cr_assert_eq(num(s, "rtt_us.n"), 99);
	cr_assert_eq(num(s, "rtt_us.p50"), 51000);
	cr_assert_eq(num(s, "rtt_us.p90"), 91000);
	cr_assert_eq(num(s, "rtt_us.p99"), 100000);
	cr_assert_eq(num(s, "tokens.input"), 1000000);
	cr_assert_eq(num(s, "tokens.output"), 200000);
	cr_assert_eq(num(s, "unattributed.entries"), 1);
	cr_assert_eq(num(s, "unattributed.tokens.input"), 5);
	cr_assert(cJSON_IsTrue(get(s, "cost.known")));
	cr_assert(NEAR(num(s, "cost.usd"), 2.00), "cost %f", num(s, "cost.usd"));
	cr_assert_str_eq(get(s, "cost.as_of")->valuestring, "2026-12");
	cr_assert_str_eq(get(s, "cost.model_id")->valuestring, "claude-haiku-4-5");
	cr_assert(strstr(get(s, "cost.note")->valuestring, "simulated"));
	cr_assert(cJSON_IsNull(get(o, "summary.kernel.cost.usd")));

	/* scenarios: worst verdict, failing packets' diffs */
	s = scenario(o, "valid/many");
	cr_assert_str_eq(get(s, "expect")->valuestring, "reply");
	cr_assert_str_eq(get(s, "results.kernel.verdict")->valuestring, "pass");
	cr_assert_eq(num(s, "results.kernel.rtt_us"), 50);
	f = cJSON_GetObjectItem(get(s, "results"), "mock:sim-test");
	cr_assert_str_eq(get(f, "verdict")->valuestring, "wrong-reply");
	cr_assert_eq(cJSON_GetArraySize(get(f, "failures")), 3);
	cr_assert_str_eq(cJSON_GetArrayItem(get(cJSON_GetArrayItem(get(f, "failures"), 0), "diff"), 0)->valuestring,
			 "icmp.checksum: expected 0x3954, got 0x3955");
	cr_assert_eq(num(f, "tokens.input"), 1000000);
	cr_assert_str_eq(get(cJSON_GetObjectItem(get(scenario(o, "malformed/bad"), "results"), "mock:sim-test"),
			     "verdict")->valuestring, "false-reply");
	cr_assert_eq(cJSON_GetArraySize(get(o, "packets")), 306);
	cJSON_Delete(o);
	rf_remove(dir);
}

Test(report_json, unknown_model_costs_unknown_never_a_guess)
{
	struct rf_opts opt = { .model = "mystery-model-7" };
	char dir[64];
	cJSON *o, *s;
	char *md;

	rf_make(dir, &opt);
	o = render_json(dir);
	s = cJSON_GetObjectItem(get(o, "summary"), "mock:sim-test");
	cr_assert(cJSON_IsFalse(get(s, "cost.known")));
	cr_assert(cJSON_IsNull(get(s, "cost.usd")));
	cr_assert(strstr(get(s, "cost.note")->valuestring, "unknown"));
	md = rf_read(dir, "report.md");
	cr_assert(strstr(md, "| `mock:sim-test` | 1.00M | 200.0k | 0 | 0 | unknown |"), "%s", md);
	free(md);
	cJSON_Delete(o);
	rf_remove(dir);
}

Test(report_json, validates_against_schema)
{
	char dir[64], script[1200];
	int rc;

	if (access("/usr/bin/python3", X_OK) || rf_run((const char *const[]){ "python3", "-c", "import jsonschema", NULL }, NULL, NULL))
		cr_skip("needs python3-jsonschema (setup.sh installs it)");
	rf_make(dir, NULL);
	cJSON_Delete(render_json(dir));
	snprintf(script, sizeof(script),
		 "import json,sys,jsonschema\n"
		 "s=json.load(open(%s));d=json.load(open('%s/report.json'))\n"
		 "jsonschema.Draft202012Validator.check_schema(s)\n"
		 "jsonschema.Draft202012Validator(s).validate(d)\n"
		 "bad=dict(d);del bad['summary']\n"
		 "assert not jsonschema.Draft202012Validator(s).is_valid(bad)\n",
		 "sys.argv[1]", dir);
	rc = rf_run((const char *const[]){ "python3", "-c", script, tu_src("report/schema.json"), NULL }, NULL, "/tmp/pinglab-schema.err");
	if (rc) {
		char *e = tu_slurp("/tmp/pinglab-schema.err", NULL);

		cr_assert_fail("schema validation failed: %s", e ? e : "?");
	}
	unlink("/tmp/pinglab-schema.err");
	rf_remove(dir);
}

Test(report_json, repeats_give_pass_rate_pass_at_k_and_pass_hat_k)
{
	char dir[64];
	cJSON *o;
	const cJSON *a, *t, *e;

	rf_make_repeat(dir);
	o = render_json(dir);
	cr_assert_eq(num(o, "repeat"), 4);
	a = cJSON_GetObjectItem(get(scenario(o, "valid/a"), "results"), "mock:rep");
	cr_assert_eq(num(a, "trials"), 4);
	cr_assert_eq(num(a, "trials_pass"), 2);
	cr_assert(NEAR(num(a, "pass_rate"), 0.5));
	cr_assert(NEAR(num(a, "pass_rate_se"), 0.25));
	cr_assert(NEAR(num(a, "pass_at_k.value"), 1.0));    /* k = 4 > n - c */
	cr_assert(NEAR(num(a, "pass_at_k.se"), 0.125));     /* 4 * .5^3 * .25 */
	cr_assert(NEAR(num(a, "pass_hat_k.value"), 0.0));
	cr_assert(NEAR(num(a, "pass_hat_k.se"), 0.125));
	/* target, k = 2: mean of 5/6 and 1, SE = |1 - 5/6| / 2; pass^2: mean of 1/6 and 1, SE = (5/6) / 2 */
	t = cJSON_GetObjectItem(get(o, "summary"), "mock:rep");
	e = cJSON_GetArrayItem(get(t, "pass_at_k"), 1);
	cr_assert_eq(num(e, "k"), 2);
	cr_assert(NEAR(num(e, "value"), 11.0 / 12), "%f", num(e, "value"));
	cr_assert(NEAR(num(e, "se"), 1.0 / 12), "%f", num(e, "se"));
	e = cJSON_GetArrayItem(get(t, "pass_hat_k"), 1);
	cr_assert(NEAR(num(e, "value"), 7.0 / 12));
	cr_assert(NEAR(num(e, "se"), 5.0 / 12));
	e = cJSON_GetArrayItem(get(t, "pass_at_k"), 0);
	cr_assert(NEAR(num(e, "value"), 0.75)); /* pass@1: mean of 0.5 and 1 */
	cJSON_Delete(o);
	rf_remove(dir);
}

Test(report_json, killed_run_partial_directory_renders)
{
	struct rf_opts opt = { .partial = true };
	char dir[64];
	cJSON *o;
	char *md, *html;

	rf_make(dir, &opt);
	o = render_json(dir);
	cr_assert(cJSON_IsTrue(get(o, "partial")));
	cr_assert(cJSON_IsNull(get(o, "ended")));
	cr_assert_eq(num(o, "skipped_lines"), 1);
	cr_assert_eq(num(o, "summary.kernel.total"), 102, "the half-written line is not counted");
	md = rf_read(dir, "report.md");
	html = rf_read(dir, "report.html");
	cr_assert(strstr(md, "**Partial run**"));
	cr_assert(strstr(html, "<b>Partial run</b>"));
	free(md);
	free(html);
	cJSON_Delete(o);
	rf_remove(dir);
}

Test(report_json, not_a_run_directory_is_an_error)
{
	struct pl_err err;

	cr_assert_lt(pl_report_render("/tmp/pinglab-report-does-not-exist", PL_REPORT_ALL, NULL, &err), 0);
	cr_assert(strstr(err.msg, "not a run directory"), "%s", err.msg);
}

/* The generator's other records: an answer it could give to no packet is counted, not a
 * packet; a budget guard's stop makes the run partial, with the guard's own words. */
Test(report_json, unmatched_and_stopped_records)
{
	struct rf_opts opt = { 0 };
	char dir[64], path[128];
	cJSON *o;
	char *md, *html;
	FILE *f;

	rf_make(dir, &opt);
	snprintf(path, sizeof(path), "%s/packets.jsonl", dir);
	f = fopen(path, "a");
	cr_assert_not_null(f);
	fputs("{\"type\":\"unmatched\",\"scenario\":\"valid/many\",\"target\":\"kernel\",\"seen_at\":\"generator\","
	      "\"t_us\":12.5,\"bytes\":\"4500\"}\n"
	      "{\"type\":\"stopped\",\"guard\":\"max-packets\",\"detail\":\"stopped at --max-packets 3\",\"packets_sent\":3}\n", f);
	fclose(f);
	o = render_json(dir);
	cr_assert_eq(num(o, "unmatched"), 1);
	cr_assert_eq(num(o, "summary.kernel.total"), 102, "an unmatched answer is not a packet");
	cr_assert(cJSON_IsTrue(get(o, "partial")), "a budget stop is a partial run");
	cr_assert_str_eq(cJSON_GetStringValue(get(o, "stopped")), "stopped at --max-packets 3");
	md = rf_read(dir, "report.md");
	html = rf_read(dir, "report.html");
	cr_assert(strstr(md, "**Partial run**: stopped before the end: stopped at --max-packets 3"), "%s", md);
	cr_assert(strstr(md, "| unmatched answers | 1 "), "%s", md);
	cr_assert(strstr(html, "stopped before the end: stopped at --max-packets 3"));
	free(md);
	free(html);
	cJSON_Delete(o);
	rf_remove(dir);
}

/* Wilson 95 % intervals worked by hand: 8/10: p = 0.8, z²/n = 0.3841459, centre
 * 0.8 + 0.1920729 = 0.9920729, half = 1.959964 * sqrt(0.016 + 0.0096036) = 0.3136206,
 * divided by 1.3841459: 0.4902 .. 0.9433 (the textbook values); 0/10: 0 .. 0.3841459 /
 * 1.3841459 = 0.2775. */
Test(report_stats, wilson_interval_by_hand)
{
	double lo, hi;

	pl_stat_wilson(8, 10, 1.959964, &lo, &hi);
	cr_assert(fabs(lo - 0.4902) < 5e-5 && fabs(hi - 0.9433) < 5e-5, "8/10: %f..%f", lo, hi);
	pl_stat_wilson(0, 10, 1.959964, &lo, &hi);
	cr_assert(lo == 0 && fabs(hi - 0.2775) < 5e-5, "0/10: %f..%f", lo, hi);
	pl_stat_wilson(10, 10, 1.959964, &lo, &hi);
	cr_assert(hi == 1 && fabs(lo - (1 - 0.2775)) < 5e-5, "10/10: %f..%f", lo, hi);
	pl_stat_wilson(0, 0, 1.959964, &lo, &hi);
	cr_assert(isnan(lo) && isnan(hi));
}

/* Exact McNemar: b = 1, c = 9: 2 P(X <= 1 | Bin(10, 1/2)) = 2 (1 + 10) / 1024; b = 0,
 * c = 5: 2 / 32; b = c = 3: 2 (1 + 6 + 15 + 20) / 64 > 1, so 1; no discordant pair: 1. */
Test(report_stats, mcnemar_exact_by_hand)
{
	cr_assert(fabs(pl_stat_mcnemar_exact(1, 9) - 22.0 / 1024) < 1e-12, "%.12f", pl_stat_mcnemar_exact(1, 9));
	cr_assert(fabs(pl_stat_mcnemar_exact(9, 1) - 22.0 / 1024) < 1e-12);
	cr_assert(fabs(pl_stat_mcnemar_exact(0, 5) - 0.0625) < 1e-12);
	cr_assert_eq(pl_stat_mcnemar_exact(3, 3), 1.0);
	cr_assert_eq(pl_stat_mcnemar_exact(0, 0), 1.0);
	/* large n stays finite: b = 40, c = 60 gives p = 0.0569 (binomial table, n = 100) */
	cr_assert(fabs(pl_stat_mcnemar_exact(40, 60) - 0.0569) < 5e-4, "%f", pl_stat_mcnemar_exact(40, 60));
}

/* The fixture's model: 97 of 102 packets pass; the kernel passes all 102 of the same
 * packets. Wilson 95 %: p = 0.95098, z²/n = 0.037661, centre 0.969811, half
 * 1.959964 * sqrt(0.00045703 + 0.00009231) = 0.045938, over 1.037661: 0.89034 .. 0.97888;
 * 102/102: (1 + 0.018831 - 0.018831) / 1.037661 = 0.96371 .. 1. Paired, kernel against
 * the model: 97 both pass, 5 kernel only, 0 model only: McNemar p = 2 / 2^5 = 0.0625. */
Test(report_json, wilson_intervals_and_paired_counts_match_the_fixture)
{
	char dir[64];
	cJSON *o;
	const cJSON *w, *q, *km = NULL, *kr = NULL;

	rf_make(dir, NULL);
	o = render_json(dir);
	w = get(o, "summary.mock:sim-test.pass_rate_wilson95");
	cr_assert(fabs(cJSON_GetArrayItem(w, 0)->valuedouble - 0.89034) < 1e-5, "%f", cJSON_GetArrayItem(w, 0)->valuedouble);
	cr_assert(fabs(cJSON_GetArrayItem(w, 1)->valuedouble - 0.97888) < 1e-5, "%f", cJSON_GetArrayItem(w, 1)->valuedouble);
	w = get(o, "summary.kernel.pass_rate_wilson95");
	cr_assert(fabs(cJSON_GetArrayItem(w, 0)->valuedouble - 0.96371) < 1e-5);
	cr_assert_eq(cJSON_GetArrayItem(w, 1)->valuedouble, 1);
	cr_assert_eq(cJSON_GetArraySize(get(o, "paired")), 3, "three targets, three pairs");
	cJSON_ArrayForEach(q, get(o, "paired")) {
		const char *a = cJSON_GetObjectItem(q, "a")->valuestring, *b = cJSON_GetObjectItem(q, "b")->valuestring;

		if (!strcmp(a, "kernel") && !strcmp(b, "mock:sim-test"))
			km = q;
		if (!strcmp(a, "kernel") && !strcmp(b, "reference"))
			kr = q;
	}
	cr_assert_not_null(km);
	cr_assert_not_null(kr);
	cr_assert_eq(num(km, "packets"), 102);
	cr_assert_eq(num(km, "both_pass"), 97);
	cr_assert_eq(num(km, "a_only"), 5);
	cr_assert_eq(num(km, "b_only"), 0);
	cr_assert_eq(num(km, "both_fail"), 0);
	cr_assert(fabs(num(km, "mcnemar_p") - 0.0625) < 1e-12, "%f", num(km, "mcnemar_p"));
	cr_assert_eq(num(kr, "both_pass"), 102);
	cr_assert_eq(num(kr, "mcnemar_p"), 1);
	/* RTTs, paired: packet i took i us on the kernel, 10 i on the reference, 1000 i on the
	 * model (packets 2 and 3 unanswered there; the drops answered by no one) */
	cr_assert_eq(num(get(kr, "rtt_ratio"), "pairs"), 100);
	cr_assert(fabs(num(get(kr, "rtt_ratio"), "p50") - 10) < 1e-9);
	cr_assert_eq(num(get(km, "rtt_ratio"), "pairs"), 98);
	cr_assert(fabs(num(get(km, "rtt_ratio"), "p25") - 1000) < 1e-9);
	cr_assert(fabs(num(get(km, "rtt_ratio"), "p75") - 1000) < 1e-9);
	cJSON_Delete(o);
}

/* The paired RTT ratios by hand: kernel RTTs 1, 2, 4, 8 us and the reference's 3, 4, 8,
 * 40 on the same four packets give ratios 3, 2, 2, 5; nearest rank of 2, 2, 3, 5: p25 the
 * 1st (2), p50 the 2nd (2), p75 the 3rd (3). A packet only one of them answered, and one
 * of another trial the other did not play, are not pairs. */
Test(report_stats, paired_rtt_ratios_by_hand)
{
	struct rp_target t[2] = { { .name = "kernel" }, { .name = "reference" } };
	struct rp_pkt p[11] = { { 0 } };
	static const double k[] = { 1, 2, 4, 8, 5 }, r[] = { 3, 4, 8, 40, -1 };
	struct rp_run run = { .t = t, .nt = 2, .p = p, .np = 11 };
	size_t i;

	for (i = 0; i < 5; i++) {
		p[2 * i] = (struct rp_pkt){ .packet = (unsigned)i + 1, .tgt = 0, .verdict = V_PASS, .rtt_us = k[i] };
		p[2 * i + 1] = (struct rp_pkt){ .packet = (unsigned)i + 1, .tgt = 1, .verdict = V_PASS, .rtt_us = r[i] };
	}
	p[10] = (struct rp_pkt){ .packet = 1, .trial = 1, .tgt = 1, .verdict = V_PASS, .rtt_us = 7 };
	cr_assert_eq(rp_paired(&run), 0);
	cr_assert_eq(run.npairs, 1);
	cr_expect_eq(run.pairs[0].n, 5);
	cr_expect_eq(run.pairs[0].rtt_pairs, 4);
	cr_expect_eq(run.pairs[0].rtt_ratio_p25, 2);
	cr_expect_eq(run.pairs[0].rtt_ratio_p50, 2);
	cr_expect_eq(run.pairs[0].rtt_ratio_p75, 3);
	free(run.pairs);
}
