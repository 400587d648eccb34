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

/* The reader streams: a classic pcap of 200,000 records (Ethernet, 98 bytes each: 20 MB)
 * written here by hand, header and all, read packet by packet with a window that stays
 * the size of one read (64 KiB), not the file; every packet's bytes and time as written;
 * then the same file cut inside its last record is "runs past the end" at that record's
 * offset, after the packets before it. */
Test(pcap, a_large_capture_streams_in_a_window_of_one_block)
{
	static const uint8_t ghdr[24] = { 0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0,
					  0xff, 0xff, 0, 0, 1, 0, 0, 0 }; /* LE, v2.4, snaplen 65535, Ethernet */
	char path[] = "/tmp/pinglab-test-XXXXXX.pcap";
	int fd = mkstemps(path, 5);
	FILE *f = fdopen(fd, "wb");
	struct pl_cap_reader r;
	struct pl_cap_pkt p;
	struct pl_err err = { "" };
	uint8_t rec[16 + 98];
	size_t i, n = 0, bad = 0, full;
	int rc;

	cr_assert_not_null(f);
	fwrite(ghdr, 1, sizeof(ghdr), f);
	for (i = 0; i < 200000; i++) {
		uint32_t sec = 1795000000u + (uint32_t)(i / 1000), usec = (uint32_t)(i % 1000) * 1000, len = 98;

		memset(rec, 0, sizeof(rec));
		memcpy(rec, &sec, 4); /* the machine is little-endian, as the header says */
		memcpy(rec + 4, &usec, 4);
		memcpy(rec + 8, &len, 4);
		memcpy(rec + 12, &len, 4);
		rec[16 + 12] = 0x08; /* ethertype IPv4 */
		rec[16 + 14] = 0x45;
		rec[16 + 14 + 3] = 84;
		rec[16 + 14 + 8] = 64;
		rec[16 + 14 + 9] = 1;
		rec[16 + 14 + 19] = (uint8_t)i; /* which packet, in the destination's last byte */
		rec[16 + 14 + 18] = (uint8_t)(i >> 8);
		fwrite(rec, 1, sizeof(rec), f);
	}
	cr_assert_eq(fclose(f), 0);
	cr_assert_eq(pl_cap_open(&r, path, &err), 0, "%s", err.msg);
	while ((rc = pl_cap_next(&r, &p, &err)) == 1) {
		bad += p.len != 84 || p.data[0] != 0x45 || p.data[19] != (uint8_t)n || p.data[18] != (uint8_t)(n >> 8) ||
		       p.ts_ns != (int64_t)(1795000000u + n / 1000) * 1000000000 + (int64_t)(n % 1000) * 1000000;
		n++;
	}
	cr_expect_eq(rc, 0, "%s", err.msg);
	cr_expect_eq(n, 200000);
	cr_expect_eq(bad, 0, "%zu packets not as written", bad);
	cr_expect_leq(r.win_cap, 65536, "window grew to %zu bytes", r.win_cap);
	pl_cap_close(&r);

	full = 24 + 200000 * sizeof(rec);
	cr_assert_eq(truncate(path, (off_t)(full - 10)), 0);
	cr_assert_eq(pl_cap_open(&r, path, &err), 0, "%s", err.msg);
	n = 0;
	while ((rc = pl_cap_next(&r, &p, &err)) == 1)
		n++;
	cr_expect_eq(rc, -EINVAL);
	cr_expect_eq(n, 199999);
	{
		char want[96];

		snprintf(want, sizeof(want), "offset %zu: record of 98 bytes runs past the end", full - sizeof(rec));
		cr_expect_str_eq(err.msg, want);
	}
	pl_cap_close(&r);
	unlink(path);
}
