/* send pcap=FILE: a scenario that plays a capture, read when played. Checked against
 * what pinglab import writes for the same capture (its hex and its expectations, tested
 * in test_import.c against Python-computed checksums), and against the errors a damaged
 * or misused capture must give. The lab test plays it against the kernel and the
 * reference. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scenario/import.h"
#include "scenario/scenario.h"
#include "tests/labtest.h"
#include "tests/util.h"
#include "wire/pcap.h"

#define FIXTURE fixture()

/* the dumpcap fixture's absolute path (a scenario's relative path is from its folder) */
static const char *fixture(void)
{
	static char path[4096];

	if (!path[0])
		cr_assert_not_null(realpath(tu_src("tests/fixtures/kernel-echo.pcap"), path));
	return path;
}

static int parse(struct pl_scn_set *set, const char *text, struct pl_err *err)
{
	memset(set, 0, sizeof(*set));
	return pl_scn_parse_text(set, "valid/x.scn", text, strlen(text), err);
}

/* Every packet the capture scenario builds is the packet of the imported scenario, for
 * both targets, and is expected what import wrote: the responder reply/drop (the
 * fixture alternates echo requests and the kernel's replies), the kernel either, or what
 * expect.kernel says. */
Test(scn_pcap, packets_and_expectations_are_what_import_writes)
{
	struct pl_scn_set cap, imp;
	struct pl_capture c;
	struct pl_err err = { "" };
	char text[4608], *itext = NULL;
	size_t ilen = 0, i, n, m;
	FILE *f = open_memstream(&itext, &ilen);
	uint8_t a[128], b[128];
	uint16_t et;
	int t;

	snprintf(text, sizeof(text), "scenario cap\n  description \"the fixture\"\n  send pcap=%s\n", FIXTURE);
	cr_assert_eq(parse(&cap, text, &err), 0, "%s", err.msg);
	cr_assert_eq(cap.n, 1);
	cr_expect_eq(cap.v[0].pcap_n, 8);
	cr_expect_eq(pl_scn_npackets(&cap.v[0]), 8);
	cr_assert_eq(pl_cap_read_file(FIXTURE, &c, &err), 0, "%s", err.msg);
	cr_assert_eq(pl_import_write(f, &c, "imp", "valid", "x", &err), 1, "%s", err.msg);
	fclose(f);
	pl_cap_free(&c);
	cr_assert_eq(pl_scn_parse_text(&imp, "valid/i.scn", itext, ilen, &err), 0, "%s", err.msg);
	for (t = 0; t < 2; t++) {
		struct pl_cap_reader r;

		cr_assert_eq(pl_cap_open(&r, cap.v[0].pcap, &err), 0, "%s", err.msg);
		for (i = 0; i < 8; i++) {
			struct pl_expect e;
			const struct pl_expect *ie = pl_scn_expect(&imp.v[0], i, (enum pl_target_kind)t, PL_STACK_ECHO);

			cr_assert_eq(pl_scn_build_pcap(&cap.v[0], &r, (enum pl_target_kind)t, a, sizeof(a), &n, &err), 1,
				     "%s", err.msg);
			cr_assert_eq(pl_scn_build(&imp.v[0], i, 0, (enum pl_target_kind)t, b, sizeof(b), &m, &et, &err), 0);
			cr_expect_eq(n, m, "packet %zu", i + 1);
			cr_expect_arr_eq(a, b, n, "packet %zu, target %d", i + 1, t);
			pl_scn_pcap_expect(&cap.v[0], (enum pl_target_kind)t, pl_stack(PL_STACK_ECHO), a, n, &e);
			cr_expect_eq(e.kind, ie->kind, "packet %zu, target %d: %d, import %d", i + 1, t, e.kind, ie->kind);
		}
		cr_expect_eq(pl_scn_build_pcap(&cap.v[0], &r, (enum pl_target_kind)t, a, sizeof(a), &n, &err), 0,
			     "the capture's end");
		pl_cap_close(&r);
	}
	pl_scn_set_free(&cap);
	pl_scn_set_free(&imp);
	free(itext);

	snprintf(text, sizeof(text), "scenario cap\n  description \"the fixture\"\n  send pcap=%s\n  expect.kernel drop\n",
		 FIXTURE);
	cr_assert_eq(parse(&cap, text, &err), 0, "%s", err.msg);
	{
		struct pl_expect e;

		pl_scn_pcap_expect(&cap.v[0], PL_TARGET_KERNEL, pl_stack(PL_STACK_ECHO), a, 84, &e);
		cr_expect_eq(e.kind, EXP_DROP);
	}
	pl_scn_set_free(&cap);
}

/* Misuse and damage: each error names the scenario file's line. */
Test(scn_pcap, errors_name_the_line)
{
	char path[] = "/tmp/pinglab-cut-XXXXXX.pcap", text[4608], want[4608];
	struct pl_scn_set set;
	struct pl_err err = { "" };
	uint8_t buf[100];
	FILE *f = fopen(FIXTURE, "rb");
	int fd = mkstemps(path, 5);

	cr_assert_eq(parse(&set, "scenario x\n  description \"d\"\n  send pcap=/nonexistent/x.pcap\n", &err), -ENOENT);
	cr_expect_str_eq(err.msg, "valid/x.scn:3: send pcap=/nonexistent/x.pcap: /nonexistent/x.pcap: No such file or directory");
	snprintf(text, sizeof(text), "scenario x\n  description \"d\"\n  send pcap=%s\n  expect reply\n", FIXTURE);
	cr_expect_neq(parse(&set, text, &err), 0);
	cr_expect(strstr(err.msg, "valid/x.scn:4: a send pcap= scenario's packets are expected what the reference decides"),
		  "%s", err.msg);
	snprintf(text, sizeof(text), "scenario x\n  description \"d\"\n  send pcap=%s\n  send icmp.id=1\n", FIXTURE);
	cr_expect_neq(parse(&set, text, &err), 0);
	cr_expect_str_eq(err.msg, "valid/x.scn:4: a scenario with send pcap= sends only its capture (one send line)");
	/* the first 100 bytes: the header and one record of 98 bytes cut after 60 */
	cr_assert_not_null(f);
	cr_assert_eq(fread(buf, 1, sizeof(buf), f), sizeof(buf));
	fclose(f);
	cr_assert_eq(write(fd, buf, sizeof(buf)), (ssize_t)sizeof(buf));
	close(fd);
	snprintf(text, sizeof(text), "scenario x\n  description \"d\"\n  send pcap=%s\n", path);
	cr_expect_neq(parse(&set, text, &err), 0);
	snprintf(want, sizeof(want), "valid/x.scn:3: send pcap=%s: offset 24: record of 98 bytes runs past the end", path);
	cr_expect_str_eq(err.msg, want);
	unlink(path);
}

TestSuite(scn_pcap_lab, .fini = lt_cleanup);

/* Played against the kernel and the reference: 8 records each, every one passing. The
 * capture is a ping session (each request followed by the kernel's reply with the same
 * id, seq and payload): the reference's answer to a request is credited to that request,
 * not to the captured reply sent after it (before, 4 missed and 4 false replies). */
Test(scn_pcap_lab, a_capture_replays_and_passes, .timeout = 60)
{
	char name[9], dir[] = "/tmp/pl-scnpcap-XXXXXX", valid[96], scn[128], log[128], rsp_ns[64], gen_if[32];
	struct lt_run r;
	FILE *f;
	pid_t rsp;

	LT_NEED_LAB();
	cr_assert_not_null(mkdtemp(dir));
	snprintf(valid, sizeof(valid), "%s/valid", dir);
	cr_assert_eq(mkdir(valid, 0755), 0);
	snprintf(scn, sizeof(scn), "%s/cap.scn", valid);
	snprintf(log, sizeof(log), "%s/packets.jsonl", dir);
	f = fopen(scn, "w");
	cr_assert_not_null(f);
	fprintf(f, "scenario cap\n  description \"the fixture\"\n  send pcap=%s\n", FIXTURE);
	fclose(f);
	static const char *const reference[] = { "--backend", "reference", NULL };

	rsp = lt_lab_with_responder(name, "c", NULL, reference);
	snprintf(rsp_ns, sizeof(rsp_ns), "/run/netns/pl-%s-rsp", name);
	snprintf(gen_if, sizeof(gen_if), "pl-%s-g", name);
	{
		const char *argv[] = { lt_pinglab_path(), "exec", name, "gen", "--", tu_bin("pinglab-gen"),
				       "--iface", gen_if, "--target", "kernel:kernel", "--target", "reference:responder",
				       "--tun-netns", rsp_ns, "--out", log, scn, NULL };

		lt_run(&r, argv, NULL);
	}
	lt_stop(rsp, SIGTERM);
	cr_expect_eq(r.status, 0, "gen exit %d\n%s\n%s", r.status, r.out, r.err);
	cr_expect(strstr(r.out, "16 packets: 16 pass"), "%s", r.out);
	lt_pinglab(&r, NULL, "down", "--name", name, NULL);
	unlink(scn);
	unlink(log);
	rmdir(valid);
	rmdir(dir);
}
