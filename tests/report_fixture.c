/* report_fixture.c — the synthetic run behind tests/test_report*.c.
 *
 * Targets: kernel, reference, mock:sim-test (the model, simulated). Scenarios:
 *   valid/many    100 packets. kernel: reply, RTT = i µs (i = 1..100); reference: RTT 10·i µs;
 *                 model: packet 1 wrong-reply (diff "icmp.checksum: expected 0x3954, got
 *                 0x3955", RTT 1 ms), packet 2 missed-reply, packet 3 timeout, 4..100 pass
 *                 with RTT i ms. Every model packet costs 10,000 input + 2,000 output tokens.
 *   malformed/bad 1 packet, expect drop: kernel and reference drop (pass); model answers
 *                 (false-reply, RTT 5 ms), 0 tokens.
 *   non-icmp/udp  1 packet, expect drop: kernel/reference pass; model unparseable, 0 tokens.
 * So the model has 102 packets: 97 pass, 1 each of wrong, missed, timeout, false,
 * unparseable; 1,000,000 input + 200,000 output tokens = $1 + $1 = $2.00 at Haiku 4.5's
 * $1/$5. Its log also holds one entry no generator packet matches (5 input tokens).
 * Every packet is 39 bytes; replies are 39 bytes: 306 sent + 100 + 100 + 99 replies. */
#include "tests/report_fixture.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/util.h"

#define STARTED_US 1793491200000000.0 /* 2026-11-01T00:00:00Z */

/* 39 bytes: an echo request whose last two payload bytes carry n */
static void hexpkt(char out[80], unsigned n, bool reply)
{
	snprintf(out, 80, "450000270a950000400158430a4d%s%s0%c002d6721080001616263646566676869%04x",
		 reply ? "02020a4d01" : "01020a4d02", "02", reply ? '0' : '8', n & 0xffff);
}

static FILE *open_in(const char *dir, const char *name)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	cr_assert_not_null(f, "%s", path);
	return f;
}

static void pkt(FILE *f, const char *scn, const char *cat, const char *tgt, unsigned i, unsigned trial,
		const char *expect, unsigned id, double t_sent, double rtt, const char *verdict, const char *diff)
{
	char s[80], r[80];

	hexpkt(s, id, false);
	hexpkt(r, id, true);
	fprintf(f, "{\"type\":\"packet\",\"scenario\":\"%s\",\"category\":\"%s\",\"target\":\"%s\",\"kind\":\"%s\","
		   "\"packet\":%u,\"rep\":0,\"trial\":%u,\"expect\":\"%s\",\"sent\":\"%s\",\"t_sent_us\":%.3f,",
		scn, cat, tgt, strcmp(tgt, "kernel") ? "responder" : "kernel", i, trial, expect, s, t_sent);
	if (strcmp(tgt, "kernel"))
		fprintf(f, "\"delivered\":true,");
	if (rtt >= 0)
		fprintf(f, "\"reply\":\"%s\",\"t_reply_us\":%.3f,\"rtt_us\":%.3f,\"rtt_at_generator\":true,", r, t_sent + rtt, rtt);
	else
		fprintf(f, "\"reply\":null,");
	fprintf(f, "\"verdict\":\"%s\",\"diff\":[%s],\"note\":\"synthetic\"}\n", verdict, diff ? diff : "");
}

static void logline(FILE *f, unsigned n, unsigned id, double t_recv, double in, double out, const char *model)
{
	char s[80];

	hexpkt(s, id, false);
	fprintf(f, "{\"id\":%u,\"t_recv_us\":%.0f,\"in\":\"%s\",\"out\":null,\"outcome\":\"reply\",\"backend\":\"%s\"", n, t_recv,
		s, model ? "anthropic" : "reference");
	if (model)
		fprintf(f, ",\"tokens\":{\"input\":%.0f,\"output\":%.0f,\"cache_read\":0,\"cache_write\":0},\"model\":\"%s\"",
			in, out, model);
	fprintf(f, ",\"timing_us\":{\"queued\":0.1,\"total\":%.1f}}\n", model ? 900.0 : 3.0);
}

static void run_json(const char *dir, const char *targets, const char *model_target, unsigned repeat, bool partial,
		     const char *scenarios)
{
	FILE *f = open_in(dir, "run.json");

	fprintf(f, "{\"schema\":\"pinglab.run/1\",\"run_id\":\"20261101-000000-test\",\"pinglab_version\":\"test-1\","
		   "\"started\":\"2026-11-01T00:00:00.000Z\",%s\"lab\":\"t0\",\"kernel\":\"Linux 6.1.0 x86_64\","
		   "\"cpu\":\"Test CPU\",\"cpus\":2,\"targets\":[%s],"
		   "\"model\":{\"target\":\"%s\",\"backend\":\"mock\",\"simulated\":true,\"profile\":\"sim-test\","
		   "\"scale\":\"1\",\"model\":\"\",\"concurrency\":4,\"timeout_ms\":5000,"
		   "\"system_prompt_sha256\":\"5a5a000000000000000000000000000000000000000000000000000000005a5a\","
		   "\"packet_template_sha256\":\"7b7b\"},\"simulated\":true,\"seed\":7,\"repeat\":%u,\"scenarios\":[%s]}\n",
		partial ? "" : "\"ended\":\"2026-11-01T00:01:00.000Z\",", targets, model_target, repeat, scenarios);
	fclose(f);
}

static void make_dir(char *dir)
{
	snprintf(dir, 64, "/tmp/pinglab-report-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

void rf_make(char *dir, const struct rf_opts *o)
{
	FILE *p, *lr, *lm;
	unsigned i, n = 0, nr = 0;
	const char *model = o && o->model ? o->model : "claude-haiku-4-5";
	const char *mt = o && o->model_target ? o->model_target : "mock:sim-test";
	char targets[160];
	double t = 0;

	make_dir(dir);
	snprintf(targets, sizeof(targets), "\"kernel\",\"reference\",\"%s\"", mt);
	run_json(dir, targets, mt, 1, o && o->partial,
		 "{\"id\":\"valid/many\",\"category\":\"valid\",\"hash\":\"0000000000000001\",\"file\":\"x.scn\",\"line\":1,"
		 "\"description\":\"a hundred echo requests\"},"
		 "{\"id\":\"malformed/bad\",\"category\":\"malformed\",\"hash\":\"0000000000000002\",\"file\":\"x.scn\",\"line\":9},"
		 "{\"id\":\"non-icmp/udp\",\"category\":\"non-icmp\",\"hash\":\"0000000000000003\",\"file\":\"x.scn\",\"line\":12}");
	p = open_in(dir, "packets.jsonl");
	lr = open_in(dir, "responder-reference.jsonl");
	lm = open_in(dir, "responder-llm.jsonl");
	/* phase 1: kernel and reference (one generator clock) */
	for (i = 1; i <= 100; i++) {
		pkt(p, "valid/many", "valid", "kernel", i, 0, "reply", i, t += 1000, i, "pass", NULL);
		pkt(p, "valid/many", "valid", "reference", i, 0, "reply", i, t += 1000, 10.0 * i, "pass", NULL);
		logline(lr, ++nr, i, STARTED_US + 1000000 + t + 2, 0, 0, NULL);
	}
	if (o && o->kernel_fails_bad)
		pkt(p, "malformed/bad", "malformed", "kernel", 1, 0, "drop", 101, t += 1000, 50, "false-reply", NULL);
	else
		pkt(p, "malformed/bad", "malformed", "kernel", 1, 0, "drop", 101, t += 1000, -1, "pass", NULL);
	pkt(p, "malformed/bad", "malformed", "reference", 1, 0, "drop", 101, t += 1000, -1, "pass", NULL);
	logline(lr, ++nr, 101, STARTED_US + 1000000 + t + 2, 0, 0, NULL);
	pkt(p, "non-icmp/udp", "non-icmp", "kernel", 1, 0, "drop", 102, t += 1000, -1, "pass", NULL);
	pkt(p, "non-icmp/udp", "non-icmp", "reference", 1, 0, "drop", 102, t += 1000, -1, "pass", NULL);
	logline(lr, ++nr, 102, STARTED_US + 1000000 + t + 2, 0, 0, NULL);
	/* phase 2: the model (its own generator clock) */
	t = 0;
	for (i = 1; i <= 100; i++) {
		if (i == 1 && !(o && o->model_fixed))
			pkt(p, "valid/many", "valid", mt, i, 0, "reply", i, t += 200000, 1000, "wrong-reply",
			    "\"icmp.checksum: expected 0x3954, got 0x3955\"");
		else if (i == 2)
			pkt(p, "valid/many", "valid", mt, i, 0, "reply", i, t += 200000, -1, "missed-reply", NULL);
		else if (i == 3)
			pkt(p, "valid/many", "valid", mt, i, 0, "reply", i, t += 200000, -1, "timeout", NULL);
		else
			pkt(p, "valid/many", "valid", mt, i, 0, "reply", i, t += 200000, 1000.0 * i, "pass", NULL);
		logline(lm, ++n, i, STARTED_US + 30000000 + t + 5, 10000, 2000, model);
	}
	pkt(p, "malformed/bad", "malformed", mt, 1, 0, "drop", 101, t += 200000, 5000, "false-reply", NULL);
	logline(lm, ++n, 101, STARTED_US + 30000000 + t + 5, 0, 0, model);
	pkt(p, "non-icmp/udp", "non-icmp", mt, 1, 0, "drop", 102, t += 200000, -1, "unparseable", NULL);
	logline(lm, ++n, 102, STARTED_US + 30000000 + t + 5, 0, 0, model);
	logline(lm, ++n, 999, STARTED_US + 30000000 + t + 9, 5, 0, model); /* routed back into tun0: not ours */
	if (o && o->partial)
		fprintf(p, "{\"type\":\"packet\",\"scenario\":\"valid/late\",\"category\":\"valid\",\"tar");
	fclose(p);
	fclose(lr);
	fclose(lm);
}

void rf_make_repeat(char *dir)
{
	FILE *p;
	unsigned tr;
	double t = 0;

	make_dir(dir);
	run_json(dir, "\"mock:rep\"", "mock:rep", 4, false,
		 "{\"id\":\"valid/a\",\"category\":\"valid\"},{\"id\":\"valid/b\",\"category\":\"valid\"}");
	p = open_in(dir, "packets.jsonl");
	for (tr = 0; tr < 4; tr++) {
		pkt(p, "valid/a", "valid", "mock:rep", 1, tr, "reply", 1, t += 10, 100, tr % 2 == 0 ? "pass" : "wrong-reply",
		    tr % 2 == 0 ? NULL : "\"ip.ttl: expected 64, got 63\"");
		pkt(p, "valid/b", "valid", "mock:rep", 1, tr, "reply", 2, t += 10, 100, "pass", NULL);
	}
	fclose(p);
	fclose(open_in(dir, "responder-llm.jsonl"));
}

void rf_remove(const char *dir)
{
	const char *const argv[] = { "rm", "-rf", dir, NULL };

	if (strncmp(dir, "/tmp/pinglab-report-", 20) == 0)
		rf_run(argv, NULL, NULL);
}

const char *rf_prices(void)
{
	return tu_src("model/models-2026-12.tsv");
}

int rf_run(const char *const argv[], const char *out_path, const char *err_path)
{
	int status;
	pid_t pid = fork();

	cr_assert(pid >= 0);
	if (pid == 0) {
		int o = open(out_path ? out_path : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int e = open(err_path ? err_path : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0644);

		dup2(o, 1);
		dup2(e, 2);
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

char *rf_read(const char *dir, const char *name)
{
	char path[512];
	char *s;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	s = tu_slurp(path, NULL);
	cr_assert_not_null(s, "cannot read %s", path);
	return s;
}

size_t rf_count(const char *hay, const char *needle)
{
	size_t n = 0, k = strlen(needle);

	while (k && (hay = strstr(hay, needle))) {
		n++;
		hay += k;
	}
	return n;
}
