/* IPv4/ICMP parse and build against hand-decoded bytes. */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "packet/ipv4.h"
#include "tests/util.h"

/* Kernel fixture 1, echo request from iputils ping, decoded by hand:
 *   45       version 4, ihl 5
 *   00       tos 0
 *   0054     total length 84
 *   f6c1     id 0xf6c1
 *   4000     flags DF, fragment offset 0
 *   40       ttl 64
 *   01       protocol icmp
 *   2d4b     header checksum
 *   0a4d0102 src 10.77.1.2
 *   0a4d0101 dst 10.77.1.1
 *   08 00 26f2 0ab3 0001  icmp echo request, code 0, checksum 0x26f2, id 0x0ab3, seq 1
 *   3fb0046b00000000 874d0a0000000000  timestamp, then 40 x a5 */
static const char *kreq =
	"45000054f6c1400040012d4b0a4d01020a4d0101|080026f20ab30001|3fb0046b00000000874d0a0000000000"
	"a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5";

Test(ipv4, parse_every_field_of_kernel_request)
{
	uint8_t b[128];
	size_t n = tu_hex(kreq, b, sizeof(b));
	struct pl_pkt p;

	cr_assert_eq(n, 84);
	cr_assert_eq(pl_pkt_parse(b, n, &p, NULL), 0);
	cr_assert_eq(p.ip.version, 4);
	cr_assert_eq(p.ip.ihl, 5);
	cr_assert_eq(p.ip.tos, 0);
	cr_assert_eq(p.ip.total_length, 84);
	cr_assert_eq(p.ip.id, 0xf6c1);
	cr_assert_eq(p.ip.flags, PL_IP_FLAG_DF);
	cr_assert_eq(p.ip.frag_offset, 0);
	cr_assert_eq(p.ip.ttl, 64);
	cr_assert_eq(p.ip.protocol, 1);
	cr_assert_eq(p.ip.checksum, 0x2d4b);
	cr_assert_eq(p.ip.src, 0x0a4d0102);
	cr_assert_eq(p.ip.dst, 0x0a4d0101);
	cr_assert_eq(p.ip.options_len, 0);
	cr_assert_eq(p.l4_len, 64);
	cr_assert(p.is_icmp);
	cr_assert_eq(p.icmp.type, 8);
	cr_assert_eq(p.icmp.code, 0);
	cr_assert_eq(p.icmp.checksum, 0x26f2);
	cr_assert_eq(p.icmp.id, 0x0ab3);
	cr_assert_eq(p.icmp.seq, 1);
	cr_assert_eq(p.icmp.payload_len, 56);
	cr_assert_eq(p.icmp.payload[16], 0xa5);
	cr_assert_eq(p.trailing, 0);
}

static void expect_error(const char *hex, const char *msg)
{
	uint8_t b[128];
	size_t n = tu_hex(hex, b, sizeof(b));
	struct pl_pkt p;
	struct pl_err err = { "" };

	cr_assert_eq(pl_ipv4_parse(b, n, &p, &err), -EINVAL, "%s", hex);
	cr_assert_str_eq(err.msg, msg);
}

Test(ipv4, parse_errors_are_precise)
{
	expect_error("", "empty packet");
	expect_error("6000000000", "version 6 != 4");
	expect_error("45000054f6c1400040012d4b0a4d0102", "captured length 16 < 20 (minimum IPv4 header)");
	expect_error("44000054f6c1400040012d4b0a4d01020a4d0101", "ihl 4 < 5");
	expect_error("46000054f6c1400040012d4b0a4d01020a4d0101", "header length 24 (ihl 6) > captured 20");
	/* total length 84 but only the header and 40 bytes were captured */
	expect_error("45000054f6c1400040012d4b0a4d01020a4d0101"
		     "080026f20ab300013fb0046b00000000874d0a0000000000a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5",
		     "total length 84 > captured 60");
	expect_error("45000010f6c1400040012d4b0a4d01020a4d0101", "total length 16 < header length 20");
}

Test(ipv4, parse_options_ihl_6)
{
	/* ihl 6: one option word 94 04 0000 (router alert, RFC 2113) */
	uint8_t b[64];
	size_t n = tu_hex("46000020000100000102f0f00a4d01020a4d0202|94040000|1100ccdd00000000", b, sizeof(b));
	struct pl_pkt p;

	cr_assert_eq(pl_pkt_parse(b, n, &p, NULL), 0);
	cr_assert_eq(p.ip.ihl, 6);
	cr_assert_eq(p.ip.options_len, 4);
	cr_assert_eq(p.ip.options[0], 0x94);
	cr_assert_eq(p.ip.options[1], 0x04);
	cr_assert_eq(p.ip.protocol, 2);
	cr_assert_eq(p.l4_len, 8);
	cr_assert_eq(p.l4[0], 0x11);
	cr_assert_not(p.is_icmp);
}

Test(ipv4, parse_fragments_are_not_icmp_messages)
{
	uint8_t b[64];
	struct pl_pkt p;
	size_t n = tu_hex("4500001e123420004001310e0a4d01020a4d020208007f84000100017879", b, sizeof(b));

	/* 2000: MF set, offset 0 */
	cr_assert_eq(pl_pkt_parse(b, n, &p, NULL), 0);
	cr_assert_eq(p.ip.flags, PL_IP_FLAG_MF);
	cr_assert_eq(p.ip.frag_offset, 0);
	cr_assert_not(p.is_icmp);
	/* 00b9: offset 185 units = 1480 bytes */
	n = tu_hex("4500001e123400b9400150550a4d01020a4d020208007f84000100017879", b, sizeof(b));
	cr_assert_eq(pl_pkt_parse(b, n, &p, NULL), 0);
	cr_assert_eq(p.ip.flags, 0);
	cr_assert_eq(p.ip.frag_offset, 185);
	cr_assert_not(p.is_icmp);
	/* reserved bit + DF + offset 0x1fff: c000 | 1fff = dfff */
	n = tu_hex("4500001e1234dfff400150550a4d01020a4d020208007f84000100017879", b, sizeof(b));
	cr_assert_eq(pl_pkt_parse(b, n, &p, NULL), 0);
	cr_assert_eq(p.ip.flags, PL_IP_FLAG_RF | PL_IP_FLAG_DF);
	cr_assert_eq(p.ip.frag_offset, 0x1fff);
}

Test(ipv4, trailing_bytes_are_counted_not_parsed)
{
	uint8_t b[64];
	struct pl_pkt p;
	size_t n = tu_hex("4500001c03030000400160410a4d01020a4d02020800390dbeef0003deadbeef", b, sizeof(b));

	cr_assert_eq(pl_pkt_parse(b, n, &p, NULL), 0);
	cr_assert_eq(p.l4_len, 8);
	cr_assert_eq(p.trailing, 4);
	cr_assert_eq(p.icmp.payload_len, 0);
}

Test(ipv4, short_icmp)
{
	uint8_t b[64];
	struct pl_pkt p;
	struct pl_icmp ic;
	struct pl_err err;
	size_t n = tu_hex("4500001812340000400151140a4d01020a4d02020800f7ff", b, sizeof(b));

	cr_assert_eq(pl_pkt_parse(b, n, &p, NULL), 0);
	cr_assert_not(p.is_icmp);
	cr_assert_eq(pl_icmp_parse(p.l4, p.l4_len, &ic, &err), -EINVAL);
	cr_assert_str_eq(err.msg, "icmp length 4 < 8");
}

Test(ipv4, parse_never_reads_past_buffer)
{
	/* every prefix of a valid packet, copied to an exactly-sized heap buffer so ASan
	 * (make check) sees any over-read */
	uint8_t b[128];
	size_t n = tu_hex(kreq, b, sizeof(b)), k;

	for (k = 0; k <= n; k++) {
		uint8_t *copy = malloc(k ? k : 1);
		struct pl_pkt p;
		int rc;

		memcpy(copy, b, k);
		rc = pl_pkt_parse(copy, k, &p, NULL);
		cr_assert_eq(rc, k == n ? 0 : -EINVAL, "prefix %zu", k);
		free(copy);
	}
}

Test(ipv4, build_matches_hand_hex_and_roundtrips)
{
	/* The kernel's reply of fixture 2, rebuilt from its fields */
	struct pl_ipv4 ip = {
		.version = 4, .ihl = 5, .tos = 0, .total_length = 28, .id = 0x3e76,
		.ttl = 64, .protocol = 1, .src = 0x0a4d0101, .dst = 0x0a4d0102,
	};
	struct pl_icmp ic = { .type = 0, .code = 0, .id = 0x0ab4, .seq = 1 };
	uint8_t icmp[8], out[64], want[64];
	size_t wn = tu_hex("4500001c3e760000400125cf0a4d01010a4d01020000f54a0ab40001", want, sizeof(want));
	struct pl_pkt p;
	int n;

	cr_assert_eq(pl_icmp_build(&ic, icmp, sizeof(icmp), NULL), 8);
	pl_icmp_fill_csum(icmp, 8);
	n = pl_ipv4_build(&ip, icmp, 8, out, sizeof(out), NULL);
	cr_assert_eq(n, 28);
	pl_ipv4_fill_csum(out, 20);
	cr_assert_eq((size_t)n, wn);
	cr_assert_arr_eq(out, want, wn);
	cr_assert_eq(pl_pkt_parse(out, (size_t)n, &p, NULL), 0);
	cr_assert_eq(p.ip.id, 0x3e76);
	cr_assert_eq(p.icmp.checksum, 0xf54a);
}

Test(ipv4, build_options_and_bad_ihl)
{
	struct pl_ipv4 ip = {
		.version = 4, .ihl = 6, .total_length = 24, .ttl = 1, .protocol = 2,
		.src = 0x0a4d0102, .dst = 0x0a4d0202, .options = { 0x94, 0x04 }, .options_len = 2,
	};
	uint8_t out[64];
	struct pl_err err;

	/* two option bytes, padded with EOL (00) to the 4-byte word */
	cr_assert_eq(pl_ipv4_build(&ip, NULL, 0, out, sizeof(out), NULL), 24);
	cr_assert_eq(out[0], 0x46);
	cr_assert_eq(out[20], 0x94);
	cr_assert_eq(out[21], 0x04);
	cr_assert_eq(out[22], 0x00);
	cr_assert_eq(out[23], 0x00);
	/* ihl 4 still writes the fixed 20 bytes, with 0x44 in the first */
	ip.ihl = 4;
	ip.options_len = 0;
	cr_assert_eq(pl_ipv4_build(&ip, NULL, 0, out, sizeof(out), NULL), 20);
	cr_assert_eq(out[0], 0x44);
	/* options that do not fit the ihl are refused */
	ip.ihl = 5;
	ip.options_len = 4;
	cr_assert_eq(pl_ipv4_build(&ip, NULL, 0, out, sizeof(out), &err), -EINVAL);
	cr_assert_str_eq(err.msg, "4 option bytes do not fit ihl 5 (0 bytes)");
	/* flags and offset share bytes 6-7: MF + offset 185 = 0x20b9 */
	ip.options_len = 0;
	ip.flags = PL_IP_FLAG_MF;
	ip.frag_offset = 185;
	cr_assert_eq(pl_ipv4_build(&ip, NULL, 0, out, sizeof(out), NULL), 20);
	cr_assert_eq(out[6], 0x20);
	cr_assert_eq(out[7], 0xb9);
}

Test(ipv4, address_helpers)
{
	char s[16];
	uint32_t a;

	cr_assert_str_eq(pl_ip_str(0x0a4d0202, s), "10.77.2.2");
	cr_assert_str_eq(pl_ip_str(0xffffffff, s), "255.255.255.255");
	cr_assert_eq(pl_ip_parse("10.77.1.1", &a), 0);
	cr_assert_eq(a, 0x0a4d0101);
	cr_assert_eq(pl_ip_parse("256.1.1.1", &a), -EINVAL);
	cr_assert_eq(pl_ip_parse("1.2.3", &a), -EINVAL);
	cr_assert_eq(pl_ip_parse("1.2.3.4.5", &a), -EINVAL);
	cr_assert_eq(pl_ip_parse("1.2.3.0004", &a), -EINVAL);
}

Test(ipv4, describe)
{
	uint8_t b[128];
	size_t n = tu_hex(kreq, b, sizeof(b));
	char d[160];

	pl_pkt_describe(b, n, d, sizeof(d));
	cr_assert_str_eq(d, "10.77.1.2 > 10.77.1.1 icmp echo-request code 0 id 0x0ab3 seq 1 len 84");
	pl_pkt_describe(b, 19, d, sizeof(d));
	cr_assert_str_eq(d, "unparseable (captured length 19 < 20 (minimum IPv4 header)), 19 bytes");
}
