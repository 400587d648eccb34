/* RFC 1071 checksum: the RFC's worked example, odd lengths, carry folding, and the
 * checksums the Linux kernel and iputils ping computed (tests/fixtures/kernel-echo.txt). */
#include <criterion/criterion.h>

#include "packet/csum.h"
#include "packet/ipv4.h"
#include "tests/util.h"

Test(csum, rfc1071_worked_example)
{
	/* RFC 1071 §3: bytes 00 01 f2 03 f4 f5 f6 f7 sum (one's complement) to 0xddf2,
	 * so the checksum field is ~0xddf2 = 0x220d. */
	const uint8_t b[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };

	cr_assert_eq(pl_csum_fold(pl_csum_add(0, b, sizeof(b))), 0xddf2);
	cr_assert_eq(pl_csum(b, sizeof(b)), 0x220d);
}

Test(csum, rfc1071_byte_order_independence_split_sums)
{
	/* RFC 1071 §2(B)/(C): summing in parts gives the same result. */
	const uint8_t b[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
	uint32_t s = pl_csum_add(pl_csum_add(0, b, 4), b + 4, 4);

	cr_assert_eq(pl_csum_fold(s), 0xddf2);
}

Test(csum, odd_length_pads_with_zero_octet)
{
	/* 0x0102 + 0x0300 = 0x0402 -> ~ = 0xfbfd */
	const uint8_t b[] = { 0x01, 0x02, 0x03 };

	cr_assert_eq(pl_csum(b, 3), 0xfbfd);
	/* a single byte 0xab is the word 0xab00 -> ~ = 0x54ff */
	cr_assert_eq(pl_csum((const uint8_t[]){ 0xab }, 1), 0x54ff);
}

Test(csum, carry_folds_more_than_once)
{
	/* ffff + ffff + 0001 = 0x1ffff; one fold gives 0xffff + 0x1 = 0x10000, which needs
	 * a second fold: 0x0000 + 0x1 = 0x0001; checksum ~0x0001 = 0xfffe. */
	const uint8_t b[] = { 0xff, 0xff, 0xff, 0xff, 0x00, 0x01 };

	cr_assert_eq(pl_csum_fold(pl_csum_add(0, b, sizeof(b))), 0x0001);
	cr_assert_eq(pl_csum(b, sizeof(b)), 0xfffe);
}

Test(csum, all_ones_gives_zero)
{
	/* four words of 0xffff are one's-complement -0: sum 0xffff, checksum 0x0000 */
	const uint8_t b[8] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

	cr_assert_eq(pl_csum(b, sizeof(b)), 0x0000);
}

Test(csum, empty_buffer)
{
	cr_assert_eq(pl_csum(NULL, 0), 0xffff);
}

Test(csum, large_buffer_accumulates_without_overflow)
{
	/* 65536 bytes of 0xff: 32768 words of 0xffff -> folds to 0xffff -> checksum 0 */
	static uint8_t b[65536];

	memset(b, 0xff, sizeof(b));
	cr_assert_eq(pl_csum(b, sizeof(b)), 0x0000);
	/* 65535 bytes of 0x01: 32767 words 0x0101 + 0x0100 */
	memset(b, 0x01, sizeof(b));
	{
		uint32_t s = 32767u * 0x0101u + 0x0100u; /* 0x807fff, folds to 0x807f */

		while (s >> 16)
			s = (s & 0xffff) + (s >> 16);
		cr_assert_eq(pl_csum(b, 65535), (uint16_t)~s);
		cr_assert_eq((uint16_t)~s, 0x7f80);
	}
}

Test(csum, kernel_packets_verify_and_recompute)
{
	struct tu_pair p[8];
	size_t n = tu_kernel_pairs(p, 8), i;

	cr_assert_eq(n, 4);
	for (i = 0; i < n; i++) {
		/* checksums written by ping (request) and the kernel (reply) verify to 0 */
		cr_assert_eq(pl_csum(p[i].req, 20), 0, "request %zu ip header", i);
		cr_assert_eq(pl_csum(p[i].rep, 20), 0, "reply %zu ip header", i);
		cr_assert_eq(pl_csum(p[i].req + 20, p[i].req_len - 20), 0, "request %zu icmp", i);
		cr_assert_eq(pl_csum(p[i].rep + 20, p[i].rep_len - 20), 0, "reply %zu icmp", i);
		/* and recomputing with the field skipped gives what is written there */
		cr_assert_eq(pl_ipv4_compute_csum(p[i].req, 20), p[i].req[10] << 8 | p[i].req[11]);
		cr_assert_eq(pl_icmp_compute_csum(p[i].rep + 20, p[i].rep_len - 20),
			     p[i].rep[22] << 8 | p[i].rep[23]);
	}
	/* the first request's values by hand: ip 0x2d4b, icmp 0x26f2; reply 0x2598, 0x2ef2 */
	cr_assert_eq(pl_ipv4_compute_csum(p[0].req, 20), 0x2d4b);
	cr_assert_eq(pl_icmp_compute_csum(p[0].req + 20, 64), 0x26f2);
	cr_assert_eq(pl_ipv4_compute_csum(p[0].rep, 20), 0x2598);
	cr_assert_eq(pl_icmp_compute_csum(p[0].rep + 20, 64), 0x2ef2);
	/* the odd-length (9-byte) ICMP message of pair 3 */
	cr_assert_eq(pl_icmp_compute_csum(p[2].req + 20, 9), 0xed49);
}
