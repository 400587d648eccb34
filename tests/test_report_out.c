/* The other report files of the synthetic run (tests/report_fixture.c): junit.xml through
 * an XML parser, packets.pcapng through our reader and tshark, report.md, report.html
 * (self-contained, rendered by headless Chromium), compare, and the commands' exit codes. */
#include <criterion/criterion.h>
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report/report.h"
#include "tests/labtest.h"
#include "tests/report_fixture.h"
#include "tests/util.h"
#include "wire/pcap.h"

static void render(const char *dir)
{
	struct pl_err err;

	cr_assert_eq(pl_report_render(dir, PL_REPORT_ALL, rf_prices(), &err), 0, "%s", err.msg);
}

static bool have(const char *tool)
{
	return rf_run((const char *const[]){ "sh", "-c", "command -v \"$0\"", tool, NULL }, NULL, NULL) == 0;
}

static void py(const char *script, const char *arg)
{
	int rc = rf_run((const char *const[]){ "python3", "-c", script, arg, NULL }, NULL, "/tmp/pinglab-py.err");

	if (rc) {
		char *e = tu_slurp("/tmp/pinglab-py.err", NULL);

		cr_assert_fail("python check failed (%d): %s", rc, e ? e : "?");
	}
}

Test(report_junit, one_testcase_per_scenario_and_target_failures_carry_diffs)
{
	char dir[64], path[128];
	char *x;

	if (!have("python3"))
		cr_skip("needs python3 for the XML parser");
	rf_make(dir, NULL);
	render(dir);
	snprintf(path, sizeof(path), "%s/junit.xml", dir);
	/* 3 scenarios x 3 targets; failures: the model's three scenarios only */
	py("import sys,xml.etree.ElementTree as E\n"
	   "r=E.parse(sys.argv[1]).getroot()\n"
	   "assert r.tag=='testsuites',r.tag\n"
	   "tc=r.findall('./testsuite/testcase')\n"
	   "assert len(tc)==9,len(tc)\n"
	   "assert r.get('tests')=='9' and r.get('failures')=='3',r.attrib\n"
	   "f=[t for t in tc if t.find('failure') is not None]\n"
	   "assert sorted((t.get('classname'),t.get('name')) for t in f)==[('mock:sim-test','malformed/bad'),('mock:sim-test','non-icmp/udp'),('mock:sim-test','valid/many')],f\n"
	   "m=[t for t in f if t.get('name')=='valid/many'][0].find('failure')\n"
	   "assert m.get('type')=='wrong-reply' and '3 of 100' in m.get('message'),m.attrib\n"
	   "assert 'icmp.checksum: expected 0x3954, got 0x3955' in m.text,m.text\n"
	   "assert {s.get('name') for s in r.findall('testsuite')}=={'kernel','reference','mock:sim-test'}\n",
	   path);
	x = rf_read(dir, "junit.xml");
	cr_assert(strstr(x, "<property name=\"simulated\" value=\"true\"/>"));
	free(x);
	rf_remove(dir);
}

Test(report_junit, kernel_failure_is_a_failure_too)
{
	struct rf_opts opt = { .kernel_fails_bad = true };
	char dir[64];
	char *x;

	rf_make(dir, &opt);
	render(dir);
	x = rf_read(dir, "junit.xml");
	cr_assert(strstr(x, "<testcase classname=\"kernel\" name=\"malformed/bad\" time=\"0.000050\">\n      <failure type=\"false-reply\""), "%s", x);
	free(x);
	rf_remove(dir);
}

Test(report_pcapng, every_packet_sent_and_received_with_comments)
{
	char dir[64], path[128], out[128];
	struct pl_capture c;
	struct pl_err err;
	size_t i, bytes = 0;
	char *t;

	rf_make(dir, NULL);
	render(dir);
	snprintf(path, sizeof(path), "%s/packets.pcapng", dir);
	cr_assert_eq(pl_cap_read_file(path, &c, &err), 0, "%s", err.msg);
	/* 306 sent + 100 kernel + 100 reference + 99 model replies, all 39 bytes */
	cr_assert_eq(c.n, 605);
	for (i = 0; i < c.n; i++) {
		bytes += c.v[i].len;
		if (i)
			cr_assert(c.v[i].ts_ns >= c.v[i - 1].ts_ns, "records in time order");
	}
	cr_assert_eq(bytes, 605 * 39);
	/* wall clock: the first packet at run start + 1 s (the reference log's offset) + 1 ms */
	cr_assert(c.v[0].ts_ns > 1793491200LL * 1000000000LL && c.v[0].ts_ns < 1793491202LL * 1000000000LL,
		  "%lld", (long long)c.v[0].ts_ns);
	pl_cap_free(&c);
	if (!have("tshark"))
		cr_skip("needs tshark (setup.sh installs it) for the Wireshark check");
	snprintf(out, sizeof(out), "%s/tshark.out", dir);
	cr_assert_eq(rf_run((const char *const[]){ "tshark", "-r", path, "-T", "fields", "-e", "frame.len", "-e", "frame.comment", NULL },
			    out, "/tmp/pinglab-tshark.err"), 0);
	t = tu_slurp("/tmp/pinglab-tshark.err", NULL);
	cr_assert_not_null(t);
	{
		char *line, *save = NULL;

		for (line = strtok_r(t, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
			cr_assert(strstr(line, "Running as user"), "tshark warned: %s", line);
	}
	free(t);
	t = rf_read(dir, "tshark.out");
	cr_assert_eq(rf_count(t, "\n"), 605);
	cr_assert_eq(rf_count(t, "39\t"), 605);
	cr_assert(strstr(t, "sent valid/many [mock:sim-test] packet 1 rep 0 trial 0: expect reply, verdict wrong-reply"), "%.300s", t);
	cr_assert(strstr(t, "reply to malformed/bad [mock:sim-test] packet 1 rep 0 trial 0: expect drop, verdict false-reply, rtt 5.0 ms"));
	free(t);
	unlink("/tmp/pinglab-tshark.err");
	rf_remove(dir);
}

Test(report_md, summary_wrong_packets_and_method_notes)
{
	char dir[64];
	char *md;

	rf_make(dir, NULL);
	render(dir);
	md = rf_read(dir, "report.md");
	cr_assert(strstr(md, "| `kernel` | kernel | 102 | 102 | 0 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |"), "%s", md);
	cr_assert(strstr(md, "| `mock:sim-test` | model (simulated) | 102 | 97 | 1 | 1 | 1 | 1 | 0 | 0 | 0 | 1 |"));
	cr_assert(strstr(md, "| valid | 100/100 | 100/100 | 97/100 |"));
	cr_assert(strstr(md, "| `kernel` | 100 | 50 µs | 90 µs | 99 µs | 100 µs |"));
	cr_assert(strstr(md, "| `mock:sim-test` | 1.00M | 200.0k | 0 | 0 | $2.00 |"));
	cr_assert(strstr(md, "as of 2026-12"));
	cr_assert(strstr(md, "icmp.checksum: expected 0x3954, got 0x3955"));
	cr_assert_eq(rf_count(md, "- **"), 5, "every failed packet listed once");
	cr_assert(strstr(md, "| `mock:sim-test` | `valid/many` | 100 | 0 | 100.0 ms | pass |"), "slowest first");
	cr_assert(strstr(md, "**Simulated model**"));
	cr_assert(strstr(md, "| profile / scale | `sim-test` / 1"));
	cr_assert(strstr(md, "| seed | 7 |"));
	cr_assert(strstr(md, "5a5a000000000000000000000000000000000000000000000000000000005a5a"));
	cr_assert(strstr(md, "| kernel | Linux 6.1.0 x86_64 |"));
	cr_assert(strstr(md, "| pinglab version | `test-1` |"));
	cr_assert(strstr(md, "Chen et al. 2021"));
	free(md);
	rf_remove(dir);
}

Test(report_html, self_contained_with_cdf_matrix_and_packet_table)
{
	char dir[64];
	char *h;

	rf_make(dir, NULL);
	render(dir);
	h = rf_read(dir, "report.html");
	cr_assert(!strstr(h, "<link"), "no external stylesheet");
	cr_assert(!strstr(h, " src="), "no external script or image");
	cr_assert(!strstr(h, "https://"), "no external address");
	cr_assert_eq(rf_count(h, "http://"), 1, "only the SVG namespace");
	cr_assert_eq(rf_count(h, "<svg"), 2, "the latency CDF and the leaderboard");
	cr_assert_eq(rf_count(h, "class=\"cdf-line\""), 3, "kernel, reference and model on one chart");
	cr_assert(strstr(h, ">1 µs</text>") && strstr(h, ">100 ms</text>"), "log axis from µs to the model's 100 ms");
	cr_assert_eq(rf_count(h, "<tr class=\"pkt\">"), 306);
	cr_assert(strstr(h, "<td class=\"v v-wrong\" title=\"wrong-reply\">\u2717</td>"), "symbol and colour");
	cr_assert(strstr(h, "<td class=\"v v-false\" title=\"false-reply\">!</td>"));
	cr_assert(strstr(h, "<b>$2.00</b>"));
	cr_assert(strstr(h, "<b>Simulated model</b>"));
	cr_assert(strstr(h, "table.sortable"));
	free(h);
	rf_remove(dir);
}

Test(report_html, renders_in_headless_chromium, .timeout = 120)
{
	char dir[64], url[128], shot[128], dom[128], prof[] = "/tmp/pinglab-chromium-XXXXXX";
	const char *chromium = have("chromium") ? "chromium" : have("chromium-browser") ? "chromium-browser" : NULL;
	char *d;
	size_t len = 0;

	if (!chromium)
		cr_skip("needs chromium (setup.sh installs it) for the browser check");
	rf_make(dir, NULL);
	render(dir);
	cr_assert_not_null(mkdtemp(prof));
	snprintf(url, sizeof(url), "file://%s/report.html", dir);
	snprintf(shot, sizeof(shot), "%s/shot.png", dir);
	snprintf(dom, sizeof(dom), "%s/dom.html", dir);
	{
		char udd[160];
		const char *const argv[] = { chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
			"--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
			udd, NULL, "--window-size=1400,2000", url, NULL };
		char sarg[160];
		const char **a = (const char **)argv;

		snprintf(udd, sizeof(udd), "--user-data-dir=%s", prof);
		snprintf(sarg, sizeof(sarg), "--screenshot=%s", shot);
		a[10] = sarg;
		cr_assert_eq(rf_run(argv, NULL, NULL), 0, "chromium --screenshot failed");
		a[10] = "--dump-dom";
		cr_assert_eq(rf_run(argv, dom, NULL), 0, "chromium --dump-dom failed");
	}
	d = tu_slurp(shot, &len);
	cr_assert_not_null(d, "no screenshot");
	cr_assert(len > 50000, "screenshot of %zu bytes: an empty page?", len);
	cr_assert(!memcmp(d, "\x89PNG", 4));
	free(d);
	d = tu_slurp(dom, NULL);
	cr_assert_not_null(d);
	cr_assert_eq(rf_count(d, "<tr class=\"pkt\">"), 306, "the browser built every packet row");
	cr_assert(strstr(d, "<svg") && strstr(d, "<polyline"), "the browser kept the chart");
	free(d);
	rf_run((const char *const[]){ "rm", "-rf", prof, NULL }, NULL, NULL);
	rf_remove(dir);
}

Test(report_compare, regressions_fixes_and_exit_codes)
{
	struct rf_opts worse = { .kernel_fails_bad = true, .model_fixed = true };
	char a[64], b[64], out[128];
	struct pl_err err;
	FILE *f;
	char *txt;
	int rc;

	rf_make(a, NULL);
	rf_make(b, &worse);
	snprintf(out, sizeof(out), "%s/compare.txt", b);
	f = fopen(out, "w");
	rc = pl_report_compare(a, b, rf_prices(), f, &err);
	fclose(f);
	cr_assert_eq(rc, 1, "a regression: %s", err.msg);
	txt = rf_read(b, "compare.txt");
	cr_assert(strstr(txt, "regressions (pass in A, fail in B): 1\n  kernel"), "%s", txt);
	cr_assert(strstr(txt, "malformed/bad"));
	cr_assert(strstr(txt, "pass -> false-reply"));
	cr_assert(strstr(txt, "fixes (fail in A, pass in B): 0"), "valid/many still fails on packets 2 and 3: %s", txt);
	free(txt);

	f = fopen(out, "w");
	cr_assert_eq(pl_report_compare(b, a, rf_prices(), f, &err), 0, "B -> A only fixes");
	fclose(f);
	txt = rf_read(b, "compare.txt");
	cr_assert(strstr(txt, "fixes (fail in A, pass in B): 1\n  kernel"), "%s", txt);
	free(txt);

	/* a simulated model against a real one: the two model targets are compared with
	 * each other, not listed as "only in A" */
	{
		struct rf_opts real = { .model_target = "anthropic:claude-haiku-4-5", .model_fixed = true };
		char c[64];

		rf_make(c, &real);
		f = fopen(out, "w");
		cr_assert_eq(pl_report_compare(a, c, rf_prices(), f, &err), 0, "%s", err.msg);
		fclose(f);
		txt = rf_read(b, "compare.txt");
		cr_assert(strstr(txt, "model targets compared with each other: mock:sim-test (A) and anthropic:claude-haiku-4-5 (B)"),
			  "%s", txt);
		/* by hand: A's model passes 97 of 102 packets, B's 98 (packet 1 fixed) */
		cr_assert(strstr(txt, "anthropic:claude-haiku-4-5   97/102    98/102"), "%s", txt);
		cr_assert_null(strstr(txt, "only in A"), "%s", txt);
		free(txt);
		rf_remove(c);
	}

	/* the command: 1 on regression, 0 otherwise, 2 on bad input */
	cr_assert_eq(rf_run((const char *const[]){ lt_pinglab_path(), "compare", a, b, NULL }, NULL, NULL), 1);
	cr_assert_eq(rf_run((const char *const[]){ lt_pinglab_path(), "compare", a, a, NULL }, NULL, NULL), 0);
	cr_assert_eq(rf_run((const char *const[]){ lt_pinglab_path(), "compare", a, "/tmp/pinglab-report-nope", NULL }, NULL, NULL), 2);
	cr_assert_eq(rf_run((const char *const[]){ lt_pinglab_path(), "compare", a, NULL }, NULL, NULL), 2);
	rf_remove(a);
	rf_remove(b);
}

Test(report_cmd, report_rerenders_the_formats_asked_for)
{
	char dir[64], path[128];

	rf_make(dir, NULL);
	cr_assert_eq(rf_run((const char *const[]){ lt_pinglab_path(), "report", dir, "--format", "json,junit", NULL }, NULL, NULL), 0);
	snprintf(path, sizeof(path), "%s/report.json", dir);
	cr_assert_eq(access(path, R_OK), 0);
	snprintf(path, sizeof(path), "%s/junit.xml", dir);
	cr_assert_eq(access(path, R_OK), 0);
	snprintf(path, sizeof(path), "%s/report.html", dir);
	cr_assert_neq(access(path, R_OK), 0, "html was not asked for");
	cr_assert_eq(rf_run((const char *const[]){ lt_pinglab_path(), "report", dir, "--format", "pdf", NULL }, NULL, NULL), 2);
	cr_assert_eq(rf_run((const char *const[]){ lt_pinglab_path(), "report", "/tmp/pinglab-report-nope", NULL }, NULL, NULL), 2);
	cr_assert_eq(rf_run((const char *const[]){ lt_pinglab_path(), "report", dir, NULL }, NULL, NULL), 0);
	snprintf(path, sizeof(path), "%s/packets.pcapng", dir);
	cr_assert_eq(access(path, R_OK), 0);
	rf_remove(dir);
}

/* A real lab run (root): every report file is written at the end of `pinglab run` and the
 * tools accept them; the capture holds exactly what packets.jsonl says was sent and
 * received. */
Test(report_lab, real_smoke_run_writes_every_report, .timeout = 240)
{
	char dir[64], path[128], out[128];
	static const char *const files[] = { "report.json", "report.md", "report.html", "junit.xml", "packets.pcapng" };
	struct pl_capture c;
	struct pl_err err;
	size_t i, sent = 0, replies = 0, bytes = 0, cap_bytes = 0;
	char *jl, *line, *save = NULL;
	int rc;

	LT_NEED_LAB();
	snprintf(dir, sizeof(dir), "/tmp/pinglab-report-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(out, sizeof(out), "%s/run.out", dir);
	rc = rf_run((const char *const[]){ lt_pinglab_path(), "run", "--tag", "smoke", "--scale", "0", "--model-timeout", "5000",
				       "--out", dir, NULL }, out, NULL);
	cr_assert_eq(rc, 0, "pinglab run exited %d", rc);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		cr_assert_eq(access(path, R_OK), 0, "%s missing", files[i]);
	}
	jl = rf_read(dir, "run.out");
	cr_assert(strstr(jl, "/report.html"), "run prints where the report is: %s", jl);
	free(jl);
	/* what packets.jsonl says went out and came back */
	jl = rf_read(dir, "packets.jsonl");
	for (line = strtok_r(jl, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *s = strstr(line, "\"sent\":\""), *r = strstr(line, "\"reply\":\"");

		cr_assert_not_null(s);
		sent++;
		bytes += strcspn(s + 8, "\"") / 2;
		if (r) {
			replies++;
			bytes += strcspn(r + 9, "\"") / 2;
		}
	}
	free(jl);
	cr_assert_gt(sent, 0);
	snprintf(path, sizeof(path), "%s/packets.pcapng", dir);
	cr_assert_eq(pl_cap_read_file(path, &c, &err), 0, "%s", err.msg);
	cr_assert_eq(c.n, sent + replies);
	for (i = 0; i < c.n; i++)
		cap_bytes += c.v[i].len;
	cr_assert_eq(cap_bytes, bytes);
	pl_cap_free(&c);
	if (have("tshark")) {
		char *t;

		snprintf(out, sizeof(out), "%s/tshark.out", dir);
		cr_assert_eq(rf_run((const char *const[]){ "tshark", "-r", path, NULL }, out, "/tmp/pinglab-tshark2.err"), 0);
		t = tu_slurp("/tmp/pinglab-tshark2.err", NULL);
		cr_assert_not_null(t);
		{
			char *l, *sv = NULL;

			for (l = strtok_r(t, "\n", &sv); l; l = strtok_r(NULL, "\n", &sv))
				cr_assert(strstr(l, "Running as user"), "tshark warned: %s", l);
		}
		free(t);
		t = rf_read(dir, "tshark.out");
		cr_assert_eq(rf_count(t, "\n"), sent + replies);
		free(t);
		unlink("/tmp/pinglab-tshark2.err");
	}
	if (have("python3")) {
		snprintf(path, sizeof(path), "%s/junit.xml", dir);
		py("import sys,xml.etree.ElementTree as E\n"
		   "r=E.parse(sys.argv[1]).getroot()\n"
		   "assert len(r.findall('./testsuite'))==3\n"
		   "assert len(r.findall('./testsuite/testcase'))==3*8,len(r.findall('./testsuite/testcase'))\n", path);
		snprintf(path, sizeof(path), "%s/report.json", dir);
		if (rf_run((const char *const[]){ "python3", "-c", "import jsonschema", NULL }, NULL, NULL) == 0) {
			char script[512];

			snprintf(script, sizeof(script), "import json,sys,jsonschema\n"
				 "jsonschema.Draft202012Validator(json.load(open('%s'))).validate(json.load(open(sys.argv[1])))\n",
				 tu_src("report/schema.json"));
			py(script, path);
		}
	}
	rf_remove(dir);
}

/* The leaderboard: one dot per target with replies, each titled with its pass rate and
 * Wilson interval (the fixture's model: 97/102 = 0.951, 0.890–0.979, worked in
 * test_report.c), the model's dot filled (its cost is known), the others hollow. */
Test(report_html, leaderboard_has_a_dot_per_target_with_its_interval)
{
	char dir[64], *h, *p;
	int dots = 0;

	rf_make(dir, NULL);
	render(dir);
	h = rf_read(dir, "report.html");
	cr_assert(strstr(h, "<h3 id=\"leaderboard\">Leaderboard</h3>"));
	for (p = strstr(h, "<circle"); p; p = strstr(p + 1, "<circle"))
		dots++;
	cr_assert_eq(dots, 3, "%d dots", dots);
	cr_assert(strstr(h, "<title>mock:sim-test: 0.951 (0.890–0.979)</title>"), "no titled model dot");
	cr_assert(strstr(h, "<title>kernel: 1.000 (0.964–1.000)</title>"));
	p = strstr(h, "<title>mock:sim-test");
	cr_assert(p && strstr(p, "fill=\"#5cb85c\"") && strstr(p, "fill=\"#5cb85c\"") < strstr(p, "</g>"), "the priced model is filled");
	free(h);
}

/* A hand-written run directory: run.json and packets.jsonl of n bytes (NULs allowed). */
static void bad_lines_dir(char *dir, const char *packets, size_t n)
{
	char path[128];
	FILE *f;

	strcpy(dir, "/tmp/pinglab-report-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/run.json", dir);
	cr_assert_not_null(f = fopen(path, "w"));
	fputs("{\"run_id\":\"bad-lines\",\"started\":\"2026-01-01T00:00:00Z\",\"ended\":\"2026-01-01T00:00:01Z\","
	      "\"targets\":[\"kernel\"]}\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/packets.jsonl", dir);
	cr_assert_not_null(f = fopen(path, "w"));
	cr_assert_eq(fwrite(packets, 1, n, f), n);
	fclose(f);
}

#define GOOD_LINE "{\"type\":\"packet\",\"scenario\":\"valid/a\",\"category\":\"valid\",\"target\":\"kernel\"," \
	"\"kind\":\"kernel\",\"packet\":1,\"rep\":0,\"trial\":0,\"expect\":\"reply\",\"sent\":\"4500\"," \
	"\"t_sent_us\":1,\"reply\":null,\"verdict\":\"pass\",\"diff\":[],\"note\":\"ok\"}\n"

static double report_num(const char *dir, const char *key)
{
	char *txt = rf_read(dir, "report.json");
	cJSON *o = cJSON_Parse(txt), *v;
	double d;

	free(txt);
	cr_assert_not_null(o);
	{
		char k[64], *save = NULL, *part;

		snprintf(k, sizeof(k), "%s", key);
		v = o;
		for (part = strtok_r(k, ".", &save); part; part = strtok_r(NULL, ".", &save))
			v = cJSON_GetObjectItem(v, part);
	}
	cr_assert(cJSON_IsNumber(v), "%s", key);
	d = v->valuedouble;
	cJSON_Delete(o);
	return d;
}

/* Unreadable lines: counted, and one warning naming the file, the first bad line and how
 * many; a NUL byte makes its own line bad and reading goes on after it. */
Test(report_cmd, bad_lines_one_warning_and_a_nul_does_not_end_reading)
{
	static const char text[] = GOOD_LINE
		"\n"                                   /* 2: empty, passed over, not bad */
		"not json at all\n"                    /* 3: the first bad line */
		GOOD_LINE
		"{\"type\":\"packet\",\"scenario\":\"valid/a\"}\n" /* 5: a packet without what makes one */
		"{\"type\":\"packet\",\"scenario\":\"valid/a\",\"category\":\"valid\",\"target\":\"kernel\",\"kind\":\"kernel\","
		"\"packet\":1,\"rep\":1,\"trial\":0,\"sent\":\"4500\",\"verdict\":\"pass\"}\0 and the rest\n" /* 6: a NUL */
		GOOD_LINE GOOD_LINE                    /* 7, 8: still read */
		"{\"type\":\"pack";                    /* 9: torn */
	char dir[64], err[128], want[256], *e;

	bad_lines_dir(dir, text, sizeof(text) - 1);
	snprintf(err, sizeof(err), "%s/stderr", dir);
	cr_assert_eq(rf_run((const char *const[]){ lt_pinglab_path(), "report", dir, "--format", "json", NULL }, NULL, err), 0);
	e = rf_read(dir, "stderr");
	snprintf(want, sizeof(want), "pinglab report: %s/packets.jsonl:3: not a record (4 lines skipped)\n", dir);
	cr_assert_str_eq(e, want);
	free(e);
	cr_assert_eq(report_num(dir, "skipped_lines"), 4);
	cr_assert_eq(report_num(dir, "summary.kernel.total"), 4, "the lines after the NUL are read");
	rf_remove(dir);
}

/* A killed run's torn last line alone is no news: counted, not warned about. */
Test(report_cmd, torn_last_line_alone_is_silent)
{
	static const char text[] = GOOD_LINE GOOD_LINE "{\"type\":\"packet\",\"scen";
	static const char nul_last[] = GOOD_LINE "{\"type\":\"packet\"}\0";
	char dir[64], err[128], want[256], *e;

	bad_lines_dir(dir, text, sizeof(text) - 1);
	snprintf(err, sizeof(err), "%s/stderr", dir);
	cr_assert_eq(rf_run((const char *const[]){ lt_pinglab_path(), "report", dir, "--format", "json", NULL }, NULL, err), 0);
	e = rf_read(dir, "stderr");
	cr_assert_str_eq(e, "");
	free(e);
	cr_assert_eq(report_num(dir, "skipped_lines"), 1);
	rf_remove(dir);

	/* one bad line that ends in a newline is not torn: warned */
	bad_lines_dir(dir, GOOD_LINE "{]\n" GOOD_LINE, strlen(GOOD_LINE "{]\n" GOOD_LINE));
	snprintf(err, sizeof(err), "%s/stderr", dir);
	cr_assert_eq(rf_run((const char *const[]){ lt_pinglab_path(), "report", dir, "--format", "json", NULL }, NULL, err), 0);
	e = rf_read(dir, "stderr");
	snprintf(want, sizeof(want), "pinglab report: %s/packets.jsonl:2: not a record (1 line skipped)\n", dir);
	cr_assert_str_eq(e, want);
	free(e);
	rf_remove(dir);

	/* a NUL in the last line, torn: bad, but what a killed run may leave too */
	bad_lines_dir(dir, nul_last, sizeof(nul_last) - 1);
	snprintf(err, sizeof(err), "%s/stderr", dir);
	cr_assert_eq(rf_run((const char *const[]){ lt_pinglab_path(), "report", dir, "--format", "json", NULL }, NULL, err), 0);
	e = rf_read(dir, "stderr");
	cr_assert_str_eq(e, "");
	free(e);
	cr_assert_eq(report_num(dir, "skipped_lines"), 1);
	rf_remove(dir);
}
