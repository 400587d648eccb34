/* pcap/pcapng reading against captures written by dumpcap, and the pcapng writer read
 * back by our reader and (when installed) by tshark. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/util.h"
#include "wire/pcap.h"

Test(pcap, dumpcap_pcap_matches_the_hex_fixture)
{
	struct pl_capture c;
	struct tu_pair p[4];
	struct pl_err err;
	size_t i;

	cr_assert_eq(tu_kernel_pairs(p, 4), 4);
	cr_assert_eq(pl_cap_read_file(tu_src("tests/fixtures/kernel-echo.pcap"), &c, &err), 0, "%s", err.msg);
	cr_assert_eq(c.n, 8);
	cr_assert_eq(c.skipped, 0);
	for (i = 0; i < 4; i++) {
		cr_assert_eq(c.v[2 * i].len, p[i].req_len);
		cr_assert_arr_eq(c.v[2 * i].data, p[i].req, p[i].req_len);
		cr_assert_eq(c.v[2 * i + 1].len, p[i].rep_len);
		cr_assert_arr_eq(c.v[2 * i + 1].data, p[i].rep, p[i].rep_len);
		cr_assert(c.v[2 * i + 1].ts_ns >= c.v[2 * i].ts_ns);
	}
	pl_cap_free(&c);
}

Test(pcap, dumpcap_pcapng)
{
	struct pl_capture c;
	struct pl_err err;

	cr_assert_eq(pl_cap_read_file(tu_src("tests/fixtures/kernel-echo-20.pcapng"), &c, &err), 0, "%s", err.msg);
	cr_assert_eq(c.n, 2);
	cr_assert_eq(c.v[0].len, 48);
	cr_assert_eq(c.v[0].data[4] << 8 | c.v[0].data[5], 0xd238);
	cr_assert_eq(c.v[0].data[22] << 8 | c.v[0].data[23], 0x87ef);
	cr_assert_eq(c.v[1].data[4] << 8 | c.v[1].data[5], 0xd0f1);
	cr_assert_eq(c.v[1].data[22] << 8 | c.v[1].data[23], 0x8fef);
	/* pcapng timestamps default to microsecond resolution: a 2026 date in ns */
	cr_assert(c.v[0].ts_ns > 1700000000LL * 1000000000LL);
	pl_cap_free(&c);
}

Test(pcap, damaged_files_are_errors)
{
	struct pl_capture c;
	struct pl_err err;
	uint8_t *buf;
	size_t len;
	char *data = tu_slurp(tu_src("tests/fixtures/kernel-echo.pcap"), &len);

	cr_assert_not_null(data);
	buf = (uint8_t *)data;
	/* every truncation of a valid file: an error or fewer packets, never a crash */
	for (size_t k = 0; k < len; k++) {
		int rc = pl_cap_parse(buf, k, &c, &err);

		if (rc == 0) {
			cr_assert(c.n < 8);
			pl_cap_free(&c);
		}
	}
	cr_assert_eq(pl_cap_parse(buf, 30, &c, &err), -EINVAL);
	cr_assert_str_eq(err.msg, "offset 24: record header truncated");
	cr_assert_eq(pl_cap_parse((const uint8_t *)"GIF89a", 6, &c, &err), -EINVAL);
	cr_assert_str_eq(err.msg, "offset 0: not a pcap or pcapng file (magic 0x47494638)");
	free(data);
}

Test(pcap, pcapng_writer_roundtrip_and_tshark)
{
	char path[] = "/tmp/pinglab-test-XXXXXX.pcapng";
	int fd = mkstemps(path, 7);
	FILE *f = fdopen(fd, "wb");
	struct tu_pair p[4];
	struct pl_capture c;
	struct pl_err err;
	size_t i;

	cr_assert_eq(tu_kernel_pairs(p, 4), 4);
	cr_assert_eq(pl_pcapng_begin(f, "pl-test-g", "pinglab test"), 0);
	for (i = 0; i < 4; i++) {
		cr_assert_eq(pl_pcapng_packet(f, 1795000000123456789LL + (int64_t)i * 1000, p[i].req, p[i].req_len,
					      "verdict: pass"), 0);
		cr_assert_eq(pl_pcapng_packet(f, 1795000000123457000LL + (int64_t)i * 1000, p[i].rep, p[i].rep_len, NULL), 0);
	}
	fclose(f);
	cr_assert_eq(pl_cap_read_file(path, &c, &err), 0, "%s", err.msg);
	cr_assert_eq(c.n, 8);
	for (i = 0; i < 4; i++) {
		cr_assert_arr_eq(c.v[2 * i].data, p[i].req, p[i].req_len);
		cr_assert_eq(c.v[2 * i].ts_ns, 1795000000123456789LL + (int64_t)i * 1000);
	}
	pl_cap_free(&c);
	if (access("/usr/bin/tshark", X_OK) == 0) {
		char cmd[512], line[256];
		FILE *t;
		int n = 0;

		snprintf(cmd, sizeof(cmd), "/usr/bin/tshark -r %s -T fields -e icmp.type -e frame.comment 2>&1", path);
		t = popen(cmd, "r"); /* test-side observation only */
		cr_assert_not_null(t);
		while (fgets(line, sizeof(line), t)) {
			if (strstr(line, "Running as user"))
				continue;
			cr_assert(!strstr(line, "appears to be damaged") && !strstr(line, "rror"), "tshark: %s", line);
			n++;
		}
		cr_assert_eq(pclose(t), 0);
		cr_assert_eq(n, 8);
	}
	unlink(path);
}
