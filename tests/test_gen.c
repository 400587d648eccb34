/* pinglab-gen in a real lab (wire mode): the kernel target and the reference responder
 * side by side; every packet judged, and every packet sent to the responder arrives on
 * tun0 byte for byte. */
#include <criterion/criterion.h>
#include <cjson/cJSON.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "scenario/scenario.h"
#include "tests/labtest.h"
#include "tests/util.h"

TestSuite(gen, .fini = lt_cleanup);

static const char *const reference[] = { "--backend", "reference", NULL };

Test(gen, kernel_and_reference_side_by_side, .timeout = 60)
{
	char name[9], rsp_ns[64], gen_if[32], log[] = "/tmp/pl-gen-XXXXXX", rlog[] = "/tmp/pl-rsp-XXXXXX";
	struct lt_run r;
	pid_t rsp;
	int fd;
	char *text, *line, *save = NULL;
	size_t len;
	unsigned per_target[2] = { 0, 0 }, delivered = 0;

	LT_NEED_LAB();
	fd = mkstemp(log);
	close(fd);
	fd = mkstemp(rlog);
	close(fd);
	rsp = lt_lab_with_responder(name, "g", rlog, reference);
	snprintf(rsp_ns, sizeof(rsp_ns), "/run/netns/pl-%s-rsp", name);
	snprintf(gen_if, sizeof(gen_if), "pl-%s-g", name);
	{
		const char *argv[] = { lt_pinglab_path(), "exec", name, "gen", "--", tu_bin("pinglab-gen"),
				       "--iface", gen_if, "--target", "kernel:kernel", "--target", "reference:responder",
				       "--tun-netns", rsp_ns, "--out", log, "--max-wait", "300",
				       tu_src("tests/fixtures/scenarios"), NULL };

		lt_run(&r, argv, NULL);
	}
	lt_stop(rsp, SIGTERM);
	cr_expect_eq(r.status, 0, "gen exit %d\n%s\n%s", r.status, r.out, r.err);
	text = tu_slurp(log, &len);
	cr_assert_not_null(text);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!tu_packet_line(line))
			continue;
		cJSON *o = cJSON_Parse(line);
		const char *target, *verdict;
		int resp;

		cr_assert_not_null(o, "bad JSON line: %s", line);
		target = cJSON_GetObjectItem(o, "target")->valuestring;
		verdict = cJSON_GetObjectItem(o, "verdict")->valuestring;
		resp = !strcmp(target, "reference");
		per_target[resp]++;
		cr_expect_str_eq(verdict, "pass", "%s [%s]: %s", cJSON_GetObjectItem(o, "scenario")->valuestring,
				 target, line);
		if (resp) {
			/* wire mode: the responder saw exactly the bytes that were sent */
			cr_expect(cJSON_IsTrue(cJSON_GetObjectItem(o, "delivered")), "not delivered byte-exact: %s", line);
			delivered += cJSON_IsTrue(cJSON_GetObjectItem(o, "delivered"));
		}
		cJSON_Delete(o);
	}
	free(text);
	cr_expect_eq(per_target[0], 10, "kernel records");
	cr_expect_eq(per_target[1], 10, "reference records");
	cr_expect_eq(delivered, 10);
	lt_pinglab(&r, NULL, "down", "--name", name, NULL);
	cr_expect_eq(r.status, 0, "down: %s", r.err);
	unlink(log);
	unlink(rlog);
}

Test(gen, every_malformed_library_packet_reaches_tun0_byte_exact, .timeout = 120)
{
	char name[9], rsp_ns[64], gen_if[32], log[] = "/tmp/pl-genm-XXXXXX";
	struct lt_run r;
	pid_t rsp;
	int fd;
	char *text, *line, *save = NULL;
	size_t len;
	unsigned records = 0, delivered = 0;
	size_t want = 0, i;
	struct pl_scn_set set = { 0 };
	struct pl_err err = { "" };

	LT_NEED_LAB();
	/* one record per packet: every send line of every repetition */
	cr_assert_eq(pl_scn_load(&set, tu_src("scenarios/malformed"), &err), 0, "%s", err.msg);
	for (i = 0; i < set.n; i++)
		want += set.v[i].nsend * set.v[i].repeat;
	pl_scn_set_free(&set);
	cr_assert_gt(want, 40, "scenarios/malformed sends only %zu packets", want);
	fd = mkstemp(log);
	close(fd);
	rsp = lt_lab_with_responder(name, "m", NULL, reference);
	snprintf(rsp_ns, sizeof(rsp_ns), "/run/netns/pl-%s-rsp", name);
	snprintf(gen_if, sizeof(gen_if), "pl-%s-g", name);
	{
		const char *argv[] = { lt_pinglab_path(), "exec", name, "gen", "--", tu_bin("pinglab-gen"),
				       "--iface", gen_if, "--target", "reference:responder", "--tun-netns", rsp_ns,
				       "--out", log, "--max-wait", "150", tu_src("scenarios/malformed"), NULL };

		lt_run(&r, argv, NULL);
	}
	lt_stop(rsp, SIGTERM);
	cr_expect_eq(r.status, 0, "gen exit %d\n%s", r.status, r.err);
	text = tu_slurp(log, &len);
	cr_assert_not_null(text);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!tu_packet_line(line))
			continue;
		cJSON *o = cJSON_Parse(line);
		bool d = cJSON_IsTrue(cJSON_GetObjectItem(o, "delivered"));

		records++;
		delivered += d;
		cr_expect(d, "not delivered to tun0 byte for byte: %s", line);
		cJSON_Delete(o);
	}
	free(text);
	cr_expect_eq(records, want, "%u packets played, scenarios/malformed sends %zu", records, want);
	cr_expect_eq(delivered, records);
	lt_pinglab(&r, NULL, "down", "--name", name, NULL);
	unlink(log);
}

/* Copy the responder's log to `to` line by line, each line in two writes 150 ms apart
 * (as a write that crosses a page becomes visible), leaving out line number `skip`
 * (0-based). Runs until killed. */
static void copy_log_in_halves(const char *from, const char *to, int skip)
{
	int in = open(from, O_RDONLY), out = open(to, O_WRONLY | O_APPEND);
	char buf[1 << 16];
	size_t have = 0;
	int lineno = 0;

	if (in < 0 || out < 0)
		_exit(1);
	for (;;) {
		ssize_t n = read(in, buf + have, sizeof(buf) - have);
		char *nl;

		if (n <= 0) {
			usleep(10000);
			continue;
		}
		have += (size_t)n;
		while ((nl = memchr(buf, '\n', have))) {
			size_t len = (size_t)(nl - buf) + 1, half = len / 2;

			if (lineno++ != skip) {
				if (write(out, buf, half) != (ssize_t)half)
					_exit(1);
				usleep(150000);
				if (write(out, buf + half, len - half) != (ssize_t)(len - half))
					_exit(1);
			}
			memmove(buf, buf + len, have - len);
			have -= len;
		}
	}
}

/* Decisions mode (a model target): a log line read while half written is read again
 * whole, and a packet that reached tun0 but that the log never names is a timeout,
 * not a drop. */
Test(gen, decisions_log_read_whole_lines_and_unnamed_packets_time_out, .timeout = 90)
{
	char name[9], rsp_ns[64], gen_if[32], out[] = "/tmp/pl-gend-XXXXXX", rlog[] = "/tmp/pl-rspd-XXXXXX",
	     dlog[] = "/tmp/pl-decd-XXXXXX", skipped_in[4200] = "";
	struct lt_run r;
	pid_t rsp, copier;
	int fd, k;
	char *text, *line, *save = NULL;
	size_t len;
	unsigned records = 0, passes = 0, timeouts = 0;

	LT_NEED_LAB();
	cr_assert_geq(fd = mkstemp(out), 0);
	close(fd);
	cr_assert_geq(fd = mkstemp(rlog), 0);
	close(fd);
	cr_assert_geq(fd = mkstemp(dlog), 0);
	close(fd);
	rsp = lt_lab_with_responder(name, "d", rlog, reference);
	snprintf(rsp_ns, sizeof(rsp_ns), "/run/netns/pl-%s-rsp", name);
	snprintf(gen_if, sizeof(gen_if), "pl-%s-g", name);
	copier = fork();
	cr_assert_geq(copier, 0);
	if (copier == 0)
		copy_log_in_halves(rlog, dlog, 2);
	{
		const char *argv[] = { lt_pinglab_path(), "exec", name, "gen", "--", tu_bin("pinglab-gen"),
				       "--iface", gen_if, "--target", "reference:responder", "--tun-netns", rsp_ns,
				       "--out", out, "--decisions", dlog, "--wait", "1500",
				       tu_src("tests/fixtures/scenarios"), NULL };

		lt_run(&r, argv, NULL);
	}
	kill(copier, SIGKILL);
	waitpid(copier, NULL, 0);
	lt_stop(rsp, SIGTERM);
	/* exit 1: the left-out packet is a failing verdict */
	cr_expect_eq(r.status, 1, "gen exit %d\n%s\n%s", r.status, r.out, r.err);

	/* the packet whose line was left out: the third line of the responder's own log */
	text = tu_slurp(rlog, &len);
	cr_assert_not_null(text);
	for (k = 0, line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save), k++)
		if (k == 2) {
			cJSON *o = cJSON_Parse(line);

			cr_assert(cJSON_IsString(cJSON_GetObjectItem(o, "in")), "%s", line);
			snprintf(skipped_in, sizeof(skipped_in), "%s", cJSON_GetObjectItem(o, "in")->valuestring);
			cJSON_Delete(o);
		}
	free(text);
	cr_assert(skipped_in[0], "the responder logged fewer than 3 packets");

	text = tu_slurp(out, &len);
	cr_assert_not_null(text);
	save = NULL;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!tu_packet_line(line))
			continue;
		cJSON *o = cJSON_Parse(line);
		const char *verdict = cJSON_GetObjectItem(o, "verdict")->valuestring;
		const char *sent = cJSON_GetObjectItem(o, "sent")->valuestring;

		records++;
		if (!strcmp(sent, skipped_in)) {
			timeouts++;
			cr_expect_str_eq(verdict, "timeout", "%s", line);
			cr_expect(strstr(cJSON_GetObjectItem(o, "note")->valuestring, "no decision") != NULL, "%s", line);
		} else if (cJSON_IsTrue(cJSON_GetObjectItem(o, "delivered"))) {
			/* every other line arrived in two halves and was still read */
			passes += !strcmp(verdict, "pass");
			cr_expect_str_eq(verdict, "pass", "%s", line);
		}
		cJSON_Delete(o);
	}
	free(text);
	cr_expect_eq(timeouts, 1);
	cr_expect_gt(passes, 5, "%u of %u passed", passes, records);
	lt_pinglab(&r, NULL, "down", "--name", name, NULL);
	unlink(out);
	unlink(rlog);
	unlink(dlog);
}

/* A scenario file of a test's own: DIR/valid/NAME.scn holding text (DIR made from the
 * template in dir), records to go to DIR/packets.jsonl. */
static void own_scenario(char *dir, char scn[96], char log[96], const char *name, const char *text)
{
	FILE *f;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(scn, 96, "%s/valid", dir);
	cr_assert_eq(mkdir(scn, 0755), 0);
	snprintf(scn, 96, "%s/valid/%s.scn", dir, name);
	snprintf(log, 96, "%s/packets.jsonl", dir);
	f = fopen(scn, "w");
	cr_assert_not_null(f);
	fputs(text, f);
	fclose(f);
}

static void own_scenario_remove(const char *dir, const char *scn, const char *log)
{
	char valid[96];

	unlink(log);
	unlink(scn);
	snprintf(valid, sizeof(valid), "%s/valid", dir);
	rmdir(valid);
	rmdir(dir);
}

/* pinglab-gen in lab name against the kernel and the reference responder. */
static void gen_kernel_and_reference(const char *name, const char *log, const char *scn, struct lt_run *r)
{
	char rsp_ns[64], gen_if[32];

	snprintf(rsp_ns, sizeof(rsp_ns), "/run/netns/pl-%s-rsp", name);
	snprintf(gen_if, sizeof(gen_if), "pl-%s-g", name);
	{
		const char *argv[] = { lt_pinglab_path(), "exec", name, "gen", "--", tu_bin("pinglab-gen"),
				       "--iface", gen_if, "--target", "kernel:kernel", "--target", "reference:responder",
				       "--tun-netns", rsp_ns, "--out", log, scn, NULL };

		lt_run(r, argv, NULL);
	}
}

/* A scenario longer than the generator keeps whole (1,024 packets) is judged while it is
 * still sending, packet by packet as each answer comes or each wait runs out, in any
 * order: 1,500 rounds of an echo request the kernel and the reference answer and a
 * bad-checksum copy both must drop (3,000 packets a target). Every packet gets exactly
 * one record with the right verdict. */
Test(gen, long_scenario_judged_while_sending_every_packet_once, .timeout = 90)
{
	char name[9], dir[] = "/tmp/pl-genl-XXXXXX", scn[96], log[96];
	static unsigned char seen[2][2][1500];
	struct lt_run r;
	pid_t rsp;
	char *text, *line, *save = NULL;
	size_t len;
	unsigned records[2] = { 0, 0 }, dup = 0, k, first_drop_at = 0;

	LT_NEED_LAB();
	own_scenario(dir, scn, log, "long", "scenario long-mixed\n"
	      "  description \"echo requests and bad-checksum copies, 1,500 rounds back to back\"\n"
	      "  send icmp.id=0x7e10 payload=pattern:0x5a*32\n"
	      "  send icmp.id=0x7e11 ip.csum=bad payload=pattern:0x5a*32\n"
	      "  repeat 1500 interval 0us\n"
	      "  timeout 300ms\n"
	      "  expect[1] reply\n"
	      "  expect[2] drop\n");
	rsp = lt_lab_with_responder(name, "l", NULL, reference);
	gen_kernel_and_reference(name, log, scn, &r);
	lt_stop(rsp, SIGTERM);
	text = tu_slurp(log, &len);
	cr_assert_not_null(text, "no records; gen exit %d\n%s", r.status, r.err);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!tu_packet_line(line))
			continue;
		cJSON *o = cJSON_Parse(line);
		int resp, pkt, rep;
		const char *verdict;

		cr_assert_not_null(o, "bad JSON line: %s", line);
		resp = !strcmp(cJSON_GetObjectItem(o, "target")->valuestring, "reference");
		pkt = (int)cJSON_GetObjectItem(o, "packet")->valuedouble;
		rep = (int)cJSON_GetObjectItem(o, "rep")->valuedouble;
		verdict = cJSON_GetObjectItem(o, "verdict")->valuestring;
		cr_assert(pkt >= 1 && pkt <= 2 && rep >= 0 && rep < 1500, "%s", line);
		dup += seen[resp][pkt - 1][rep]++ != 0;
		records[resp]++;
		if (!resp && pkt == 2 && rep == 0)
			first_drop_at = records[0];
		/* packet 1 answered (a reply that is correct), packet 2 dropped */
		cr_expect_str_eq(verdict, "pass", "%s", line);
		if (pkt == 1)
			cr_expect(cJSON_IsString(cJSON_GetObjectItem(o, "reply")), "no reply: %s", line);
		else
			cr_expect(cJSON_IsNull(cJSON_GetObjectItem(o, "reply")), "answered a bad checksum: %s", line);
		cJSON_Delete(o);
	}
	free(text);
	cr_expect_eq(r.status, 0, "gen exit %d\n%s", r.status, r.err);
	cr_expect_eq(dup, 0, "%u packets judged twice", dup);
	/* judged on the way: answered requests of later rounds were recorded before the
	 * first drop's wait ran out (a scenario judged at its end records in send order) */
	cr_expect_gt(first_drop_at, 2, "kernel records in send order: the drop of round 1 is record %u", first_drop_at);
	for (k = 0; k < 2; k++)
		cr_expect_eq(records[k], 3000, "%s: %u records of 3000", k ? "reference" : "kernel", records[k]);
	lt_pinglab(&r, NULL, "down", "--name", name, NULL);
	own_scenario_remove(dir, scn, log);
}

/* The send time of every packet is the kernel's software TX stamp (veth stamps in its
 * xmit), read back from the socket's error queue: every record says so, every answered
 * packet's RTT (kernel receive stamp minus kernel send stamp) is positive, for a burst
 * back to back as for spaced packets. The stamps share the socket with the capture:
 * a wait for a drop must not spin on an error queue left unread (POLLERR). */
Test(gen, send_times_are_kernel_tx_stamps, .timeout = 90)
{
	char name[9], dir[] = "/tmp/pl-gents-XXXXXX", scn[96], log[96];
	struct lt_run r;
	struct rusage before, after;
	pid_t rsp;
	char *text, *line, *save = NULL;
	size_t len;
	unsigned records = 0, answered = 0;
	double cpu_s;

	LT_NEED_LAB();
	own_scenario(dir, scn, log, "ts", "scenario ts-burst\n"
	      "  description \"500 echo requests back to back\"\n"
	      "  send icmp.id=0x7e20 payload=pattern:0xa5*56\n"
	      "  repeat 500 interval 0us\n"
	      "  timeout 2s\n"
	      "  expect reply\n"
	      "scenario ts-spaced\n"
	      "  description \"echo requests 1 ms apart, and a bad checksum to drop\"\n"
	      "  send icmp.id=0x7e21 payload=pattern:0xa5*56\n"
	      "  send icmp.id=0x7e22 ip.csum=bad payload=pattern:0xa5*56\n"
	      "  repeat 20 interval 1000us\n"
	      "  timeout 1s\n"
	      "  expect[1] reply\n"
	      "  expect[2] drop\n");
	rsp = lt_lab_with_responder(name, "t", NULL, reference);
	getrusage(RUSAGE_CHILDREN, &before);
	gen_kernel_and_reference(name, log, scn, &r);
	getrusage(RUSAGE_CHILDREN, &after);
	lt_stop(rsp, SIGTERM);
	cr_expect_eq(r.status, 0, "gen exit %d\n%s\n%s", r.status, r.out, r.err);
	text = tu_slurp(log, &len);
	cr_assert_not_null(text, "no records; gen exit %d\n%s", r.status, r.err);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!tu_packet_line(line))
			continue;
		cJSON *o = cJSON_Parse(line), *rtt;

		cr_assert_not_null(o, "bad JSON line: %s", line);
		records++;
		cr_expect(cJSON_IsTrue(cJSON_GetObjectItem(o, "t_sent_kernel")), "send time not the kernel's: %s", line);
		rtt = cJSON_GetObjectItem(o, "rtt_us");
		if (cJSON_IsString(cJSON_GetObjectItem(o, "reply"))) {
			answered++;
			cr_expect(cJSON_IsNumber(rtt) && rtt->valuedouble > 0, "RTT not positive: %s", line);
		}
		cJSON_Delete(o);
	}
	free(text);
	/* 500 + 40 packets to each target; the 520 echo requests answered by both */
	cr_expect_eq(records, 2 * 540, "%u records", records);
	cr_expect_eq(answered, 2 * 520, "%u answered", answered);
	cr_expect_null(strstr(r.out, "no kernel TX stamp"), "the summary counts user-space send times: %s", r.out);
	/* the drop's wait (1 s, each target) is spent in poll(), not spinning */
	cpu_s = (double)(after.ru_utime.tv_sec - before.ru_utime.tv_sec + after.ru_stime.tv_sec -
			 before.ru_stime.tv_sec) +
		(double)(after.ru_utime.tv_usec - before.ru_utime.tv_usec + after.ru_stime.tv_usec -
			 before.ru_stime.tv_usec) / 1e6;
	/* a spin would burn the whole 2 s; under ASan or valgrind the packet work alone costs
	 * more than the bound, so it holds natively only */
	if (!lt_memory_tool())
		cr_expect_lt(cpu_s, 0.75, "generator used %.2f s of CPU over 2 s of waits", cpu_s);
	lt_pinglab(&r, NULL, "down", "--name", name, NULL);
	own_scenario_remove(dir, scn, log);
}

/* --pace: one packet per pace over the whole run, across scenarios and targets. Ten
 * one-packet scenarios against the kernel and the reference, paced at 3 ms: the sends
 * alternate kernel, reference, kernel, ... (each scenario is played against every target
 * before the next) and no two kernel send stamps are closer than 3 ms (a lower bound: a
 * slow machine only widens the gaps). The reference's records carry its tun0 times, in
 * causal order. */
Test(gen, pace_spaces_every_send_and_targets_alternate_tun_times_in_order, .timeout = 90)
{
	char name[9], dir[] = "/tmp/pl-genp-XXXXXX", scn[96], log[96], rsp_ns[64], gen_if[32];
	char body[2048];
	size_t used = 0, len;
	struct lt_run r;
	pid_t rsp;
	char *text, *line, *save = NULL;
	double last = 0;
	unsigned n = 0, k;

	LT_NEED_LAB();
	for (k = 0; k < 10; k++)
		used += (size_t)snprintf(body + used, sizeof(body) - used,
					 "scenario pace-%u\n  description \"one echo request\"\n"
					 "  send icmp.id=0x7e30 icmp.seq=%u payload=pattern:0xa5*56\n"
					 "  timeout 1s\n  expect reply\n", k, k);
	own_scenario(dir, scn, log, "pace", body);
	rsp = lt_lab_with_responder(name, "p", NULL, reference);
	snprintf(rsp_ns, sizeof(rsp_ns), "/run/netns/pl-%s-rsp", name);
	snprintf(gen_if, sizeof(gen_if), "pl-%s-g", name);
	{
		const char *argv[] = { lt_pinglab_path(), "exec", name, "gen", "--", tu_bin("pinglab-gen"),
				       "--iface", gen_if, "--target", "kernel:kernel", "--target", "reference:responder",
				       "--tun-netns", rsp_ns, "--pace", "3000", "--out", log, scn, NULL };

		lt_run(&r, argv, NULL);
	}
	lt_stop(rsp, SIGTERM);
	cr_expect_eq(r.status, 0, "gen exit %d\n%s\n%s", r.status, r.out, r.err);
	text = tu_slurp(log, &len);
	cr_assert_not_null(text, "no records; gen exit %d\n%s", r.status, r.err);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		cJSON *o;
		double t;

		if (!tu_packet_line(line))
			continue;
		o = cJSON_Parse(line);
		cr_assert_not_null(o, "bad JSON line: %s", line);
		cr_expect_str_eq(cJSON_GetObjectItem(o, "target")->valuestring, n % 2 ? "reference" : "kernel",
				 "record %u", n);
		cr_expect(cJSON_IsTrue(cJSON_GetObjectItem(o, "t_sent_kernel")), "not a kernel stamp: %s", line);
		t = cJSON_GetObjectItem(o, "t_sent_us")->valuedouble;
		if (n)
			cr_expect_geq(t - last, 3000.0, "record %u sent %.1f us after the one before", n, t - last);
		if (n % 2) {
			/* the reference's way: sent, handed to tun0, its reply written on tun0,
			 * the reply at the generator, in that order (kernel stamps, one clock) */
			cJSON *d = cJSON_GetObjectItem(o, "t_delivered_us"), *w = cJSON_GetObjectItem(o, "t_tun_reply_us");

			cr_expect(cJSON_IsNumber(d) && cJSON_IsNumber(w), "no tun0 times: %s", line);
			if (cJSON_IsNumber(d) && cJSON_IsNumber(w)) {
				cr_expect_gt(d->valuedouble, t, "%s", line);
				cr_expect_gt(w->valuedouble, d->valuedouble, "%s", line);
				cr_expect_gt(cJSON_GetObjectItem(o, "t_reply_us")->valuedouble, w->valuedouble, "%s", line);
			}
		} else {
			cr_expect_null(cJSON_GetObjectItem(o, "t_delivered_us"), "the kernel has no tun0: %s", line);
		}
		last = t;
		n++;
		cJSON_Delete(o);
	}
	free(text);
	cr_expect_eq(n, 20, "%u records", n);
	lt_pinglab(&r, NULL, "down", "--name", name, NULL);
	own_scenario_remove(dir, scn, log);
}
