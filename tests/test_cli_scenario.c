/* pinglab check and pinglab list as a user runs them: exit codes, the exact
 * "file:line: message" lines on stderr, and the listing of the smoke set. No lab, no
 * root needed. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scenario/scenario.h"
#include "tests/labtest.h"
#include "tests/util.h"

TestSuite(cli_scn);

static char dir[] = "/tmp/pl-chk-XXXXXX";

/* dir/valid/NAME with text; returns the path (static, one per call site is enough) */
static const char *write_scn(const char *name, const char *text, char *path, size_t n)
{
	FILE *f;

	snprintf(path, n, "%s/valid", dir);
	mkdir(path, 0755);
	snprintf(path, n, "%s/valid/%s", dir, name);
	f = fopen(path, "w");
	cr_assert_not_null(f, "%s", path);
	fputs(text, f);
	fclose(f);
	return path;
}

static void make_dir(void)
{
	strcpy(dir, "/tmp/pl-chk-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
}

static void remove_dir(void)
{
	struct lt_run r;
	const char *rm[] = { "rm", "-rf", dir, NULL };

	lt_run(&r, rm, NULL);
}

Test(cli_scn, check_bad_file_exits_2_with_file_line_message, .init = make_dir, .fini = remove_dir)
{
	char bad[256], want[512];
	struct lt_run r;

	write_scn("bad.scn", "scenario a\n  send ip.tll=1\n  expect reply\n", bad, sizeof(bad));
	lt_pinglab(&r, NULL, "check", bad, NULL);
	cr_expect_eq(r.status, 2, "exit %d", r.status);
	snprintf(want, sizeof(want), "%s:2: unknown field 'ip.tll' (did you mean ip.ttl?)\n", bad);
	cr_expect_str_eq(r.err, want);
	cr_expect_str_eq(r.out, "");
}

Test(cli_scn, check_good_file_exits_0, .init = make_dir, .fini = remove_dir)
{
	char good[256];
	struct lt_run r;

	write_scn("good.scn", "scenario a\n  send\n  send ip.ttl=1\n  repeat 2\n  expect reply\n", good, sizeof(good));
	lt_pinglab(&r, NULL, "check", good, NULL);
	cr_expect_eq(r.status, 0, "exit %d: %s", r.status, r.err);
	cr_expect_str_eq(r.out, "ok: 1 scenarios, 4 packets per target\n");
	cr_expect_str_eq(r.err, "");
}

/* every file is checked, not only up to the first bad one; a good file among them does
 * not make the run pass */
Test(cli_scn, check_reports_every_bad_file, .init = make_dir, .fini = remove_dir)
{
	char b1[256], b2[256], good[256], sub[256], want[1400];
	struct lt_run r;

	write_scn("b1.scn", "scenario a\n  send\n  expect maybe\n", b1, sizeof(b1));
	write_scn("good.scn", "scenario g\n  send\n  expect reply\n", good, sizeof(good));
	write_scn("b2.scn", "scenario b\n  send ip.ttl=300\n  expect reply\n", b2, sizeof(b2));
	snprintf(sub, sizeof(sub), "%s/valid", dir);
	lt_pinglab(&r, NULL, "check", sub, good, "/nonexistent/x.scn", NULL);
	cr_expect_eq(r.status, 2, "exit %d", r.status);
	/* the directory in sorted order (b1, b2, good), then good.scn again: its scenario is
	 * now defined twice, then the missing path */
	snprintf(want, sizeof(want),
		 "%s:3: expect: unknown expectation 'maybe' (reply, drop, either, match)\n"
		 "%s:2: ip.ttl=300: out of range 0..255\n"
		 "%s:1: scenario valid/g already defined at %s:1\n"
		 "/nonexistent/x.scn: No such file or directory\n",
		 b1, b2, good, good);
	cr_expect_str_eq(r.err, want);
	cr_expect_str_eq(r.out, "");
}

Test(cli_scn, list_tag_smoke)
{
	struct lt_run r;
	struct pl_scn_set set = { 0 };
	struct pl_err err = { "" };
	char *line, *save = NULL, footer[96];
	size_t i, smoke = 0, k = 0;

	cr_assert_eq(pl_scn_load(&set, tu_src("scenarios"), &err), 0, "%s", err.msg);
	lt_pinglab(&r, NULL, "list", "--tag", "smoke", tu_src("scenarios"), NULL);
	cr_assert_eq(r.status, 0, "exit %d: %s", r.status, r.err);
	cr_expect_str_eq(r.err, "");
	/* columns as wide as the widest entry: the header's spacing is fixed by the ids */
	{
		const char *hdr = "ID                               CATEGORY     EXPECT  KERNEL                                DESCRIPTION\n";

		cr_expect(!strncmp(r.out, hdr, strlen(hdr)), "%s", r.out);
	}
	/* one line per smoke scenario, in library order, and a scenario whose kernel
	 * expectation has a TCP flags value shows it in hex */
	cr_expect(strstr(r.out, "\nmalformed/bad-ip-checksum        malformed    drop    drop                                  IPv4 header checksum off by one\n"),
		  "%s", r.out);
	cr_expect(strstr(r.out, "\nnon-icmp/tcp-syn-closed-port     non-icmp     drop    match tcp.flags=0x14 tcp.seq=0 tcp.ack=2 tcp.sport=9  TCP SYN"),
		  "%s", r.out);
	line = strtok_r(r.out, "\n", &save); /* header */
	for (i = 0; i < set.n; i++) {
		if (!pl_scn_has_tag(&set.v[i], "smoke"))
			continue;
		smoke++;
		line = strtok_r(NULL, "\n", &save);
		cr_assert_not_null(line, "listing ends before %s", set.v[i].id);
		cr_expect(!strncmp(line, set.v[i].id, strlen(set.v[i].id)) && line[strlen(set.v[i].id)] == ' ',
			  "line %zu is '%s', want %s", ++k, line, set.v[i].id);
	}
	snprintf(footer, sizeof(footer), "%zu of %zu scenarios with tag smoke", smoke, set.n);
	line = strtok_r(NULL, "\n", &save);
	cr_expect_str_eq(line ? line : "", footer);
	cr_expect_null(strtok_r(NULL, "\n", &save));
	pl_scn_set_free(&set);
}

/* per-packet kernel expectations are shown where they differ from the rest */
Test(cli_scn, list_shows_per_packet_expectations)
{
	struct lt_run r;

	lt_pinglab(&r, NULL, "list", "--tag", "fragments", tu_src("scenarios/malformed/fragments.scn"), NULL);
	cr_assert_eq(r.status, 0, "exit %d: %s", r.status, r.err);
	cr_expect(strstr(r.out, "\nmalformed/frag-complete-pair ") && strstr(r.out, "  drop    drop, [1] reply rfc "),
		  "%s", r.out);
}
