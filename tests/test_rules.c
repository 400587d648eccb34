/* Reference reply rules: replies checked against the Linux kernel's own replies and
 * against packets computed independently (Python, see each comment), drops against the
 * rule they must hit, and the prompt against the rule texts. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "packet/diff.h"
#include "packet/ipv4.h"
#include "packet/rules.h"
#include "tests/util.h"

static uint8_t out[65536];

static size_t reply_of(const char *req_hex, uint32_t ours, struct pl_decision *d)
{
	uint8_t req[2048];
	size_t n = tu_hex(req_hex, req, sizeof(req)), rn = 0;

	cr_assert_eq(pl_reference_reply(req, n, ours, out, sizeof(out), &rn, d, NULL), 0);
	return rn;
}

Test(rules, kernel_replies_match_except_ip_id)
{
	/* The kernel picks its own IP id; our rule copies the request's. Everything else is
	 * byte-identical to the kernel's reply, and the header checksums are the values a
	 * separate Python implementation computed for our id:
	 *   fixture 1: 6d4b  2: 6d82  3: 6cc8  4: 6435 */
	static const uint16_t csum[] = { 0x6d4b, 0x6d82, 0x6cc8, 0x6435 };
	struct tu_pair p[4];
	size_t n = tu_kernel_pairs(p, 4), i;

	cr_assert_eq(n, 4);
	for (i = 0; i < n; i++) {
		struct pl_decision d;
		struct pl_diff df;
		size_t rn = 0;

		cr_assert_eq(pl_reference_reply(p[i].req, p[i].req_len, 0x0a4d0101, out, sizeof(out),
						&rn, &d, NULL), 0);
		cr_assert_eq(d.action, PL_ACTION_REPLY, "pair %zu: %s", i, d.detail);
		cr_assert_eq(rn, p[i].rep_len);
		cr_assert_arr_eq(out, p[i].rep, 4, "pair %zu version..total length", i);
		cr_assert_arr_eq(out + 4, p[i].req + 4, 2, "pair %zu id copied from request", i);
		cr_assert_arr_eq(out + 6, p[i].rep + 6, 4, "pair %zu flags, ttl, protocol", i);
		cr_assert_eq(out[10] << 8 | out[11], csum[i], "pair %zu ip checksum", i);
		cr_assert_arr_eq(out + 12, p[i].rep + 12, rn - 12, "pair %zu addresses + icmp", i);
		/* the kernel's reply is an RFC-valid answer to the same request */
		cr_assert_eq(pl_diff(out, rn, p[i].rep, p[i].rep_len, PL_STRICT_RFC, &df), 0,
			     "pair %zu: %s", i, df.lines[0]);
	}
}

struct shape {
	const char *name, *req, *rep;
};

/* Requests from 10.77.1.2 to 10.77.2.2 and the replies, both built by an independent
 * Python script (struct.pack + its own RFC 1071 sum). */
static const struct shape shapes[] = {
	{ "record-route option (ihl 6+): reply has ihl 5, no options",
	  /* 48 ihl 8 | ... | option 07 0b 04 + 8 zero + 00 EOL | 08 00 0863 4242 0007 "pinglab!" */
	  "4800003001010000400154240a4d01020a4d0202|070b04|0000000000000000|00|080008634242000770696e676c616221",
	  "45000024010100004001623b0a4d02020a4d0102|000010634242000770696e676c616221" },
	{ "non-zero icmp code 5 is copied, as Linux does",
	  "4500001e02020000400161400a4d01020a4d0202|0805f7e7000100010011",
	  "4500001e02020000400161400a4d02020a4d0102|0005ffe7000100010011" },
	{ "4 bytes beyond total length are ignored",
	  "4500001c03030000400160410a4d01020a4d0202|0800390dbeef0003|deadbeef",
	  "4500001c03030000400160410a4d02020a4d0102|0000410dbeef0003" },
	{ "id/seq 0xffff, ttl 1; icmp checksum folds to 0x0000",
	  "45000020ffff00000101a2400a4d01020a4d0202|0800f7ffffffffffffffffff",
	  "45000020ffff0000400163400a4d02020a4d0102|00000000ffffffffffffffff" },
	{ "reserved flag + DF and tos 0x10: flags cleared, tos copied",
	  "4510001f0404c00040019f2c0a4d01020a4d0202|080029890a0b0009616263",
	  "4510001f0404000040015f2d0a4d02020a4d0102|000031890a0b0009616263" },
};

Test(rules, reply_shapes_match_independent_bytes)
{
	size_t i;

	for (i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		struct pl_decision d;
		uint8_t want[256];
		size_t wn = tu_hex(shapes[i].rep, want, sizeof(want));
		size_t rn = reply_of(shapes[i].req, PL_RESPONDER_ADDR, &d);

		cr_assert_eq(d.action, PL_ACTION_REPLY, "%s: %s", shapes[i].name, d.detail);
		cr_assert_str_eq(d.rule->id, "echo-reply");
		cr_assert_eq(rn, wn, "%s", shapes[i].name);
		cr_assert_arr_eq(out, want, wn, "%s", shapes[i].name);
	}
}

Test(rules, mtu_sized_request)
{
	/* 1472-byte payload (i*7 mod 256): the 1500-byte reply's checksums from Python are
	 * ip 0x587f (id 0x0505), icmp 0x38b7 */
	uint8_t req[1500], icmp[1480];
	struct pl_icmp ic = { .type = 8, .id = 0x7777, .seq = 100, .payload_len = 1472 };
	struct pl_ipv4 ip = { .version = 4, .ihl = 5, .total_length = 1500, .id = 0x0505, .ttl = 64,
			      .protocol = 1, .src = 0x0a4d0102, .dst = PL_RESPONDER_ADDR };
	uint8_t payload[1472];
	struct pl_decision d;
	size_t rn = 0, i;

	for (i = 0; i < sizeof(payload); i++)
		payload[i] = (uint8_t)(i * 7);
	ic.payload = payload;
	cr_assert_eq(pl_icmp_build(&ic, icmp, sizeof(icmp), NULL), 1480);
	pl_icmp_fill_csum(icmp, 1480);
	cr_assert_eq(pl_ipv4_build(&ip, icmp, 1480, req, sizeof(req), NULL), 1500);
	pl_ipv4_fill_csum(req, 20);
	cr_assert_eq(pl_reference_reply(req, 1500, PL_RESPONDER_ADDR, out, sizeof(out), &rn, &d, NULL), 0);
	cr_assert_eq(d.action, PL_ACTION_REPLY);
	cr_assert_eq(rn, 1500);
	cr_assert_eq(out[10] << 8 | out[11], 0x587f);
	cr_assert_eq(out[22] << 8 | out[23], 0x38b7);
	cr_assert_arr_eq(out + 28, payload, 1472);
}

struct drop {
	const char *req, *rule, *detail;
};

/* Requests the rules drop. Most are one 30-byte echo request 10.77.1.2 -> 10.77.2.2
 * (45 00 001e: IHL 5, total length 30; id; flags/frag; TTL 0x40; proto 01; checksum;
 * src 0a4d0102; dst 0a4d0202 | ICMP 08 00 csum, id 0001, seq 0001, payload "xy") with one
 * field changed, named in each comment; checksums recomputed by hand except where the
 * checksum is the change. */
static const struct drop drops[] = {
	/* IHL 4 (first byte 0x44), header cut at 20 bytes */
	{ "44000054f6c1400040012d4b0a4d01020a4d0202", "malformed", "ihl 4 < 5" },
	/* total length 30 but only the 20-byte header captured */
	{ "4500001e0606000040015d3c0a4d01020a4d0202", "malformed", "total length 30 > captured 20" },
	/* IP header checksum 0x1111 instead of 0x5d3c */
	{ "4500001e06060000400111110a4d01020a4d0202|08007f84000100017879", "ip-checksum",
	  "header checksum 0x1111, correct is 0x5d3c" },
	/* destination 0a4d0263 = 10.77.2.99, not the responder */
	{ "4500001e0606000040015cdb0a4d01020a4d0263|08007f84000100017879", "not-for-us",
	  "destination 10.77.2.99" },
	/* source 7f000001 = 127.0.0.1 (loopback) */
	{ "4500001e123400004001dd5b7f0000010a4d0202|08007f84000100017879", "bad-source",
	  "source 127.0.0.1" },
	/* source ffffffff = limited broadcast */
	{ "4500001e1234000040015c5dffffffff0a4d0202|08007f84000100017879", "bad-source",
	  "source 255.255.255.255" },
	/* flags/offset 0x2000: MF set, offset 0 (first fragment) */
	{ "4500001e123420004001310e0a4d01020a4d0202|08007f84000100017879", "fragment",
	  "MF, fragment offset 0" },
	/* flags/offset 0x00b9: offset 185 x 8 = 1480 (a later fragment) */
	{ "4500001e123400b9400150550a4d01020a4d0202|08007f84000100017879", "fragment",
	  "fragment offset 1480" },
	/* protocol 0x11 (UDP), 8-byte UDP header 54321 -> 53 */
	{ "4500001c12340000401151000a4d01020a4d0202|d431003500080000", "not-icmp", "protocol 17 (udp)" },
	/* total length 24: only 4 ICMP bytes (type, code, checksum) */
	{ "4500001812340000400151140a4d01020a4d0202|0800f7ff", "icmp-short", "icmp length 4 < 8" },
	/* ICMP checksum 0x2222 instead of 0x7f84 */
	{ "4500001e0606000040015d3c0a4d01020a4d0202|08002222000100017879", "icmp-checksum",
	  "icmp checksum 0x2222, correct is 0x7f84" },
	/* ICMP type 0: an echo reply, not a request */
	{ "4500001e123400004001510e0a4d01020a4d0202|00008784000100017879", "not-echo-request",
	  "icmp type 0 (echo-reply)" },
	/* ICMP type 13: timestamp request (total length 40) */
	{ "4500002812340000400151040a4d01020a4d0202|0d00f2fd00010001000000000000000000000000",
	  "not-echo-request", "icmp type 13 (timestamp-request)" },
};

Test(rules, drops_name_the_rule_and_detail)
{
	size_t i;

	for (i = 0; i < sizeof(drops) / sizeof(drops[0]); i++) {
		struct pl_decision d;
		size_t rn = reply_of(drops[i].req, PL_RESPONDER_ADDR, &d);

		cr_assert_eq(d.action, PL_ACTION_DROP, "%s", drops[i].req);
		cr_assert_eq(rn, 0);
		cr_assert_str_eq(d.rule->id, drops[i].rule, "%s", drops[i].req);
		cr_assert_str_eq(d.detail, drops[i].detail);
	}
}

Test(rules, source_equal_to_our_address_is_dropped)
{
	struct pl_decision d;

	/* src = dst = 10.77.2.2, an empty echo request; ip checksum 0x6244 from Python */
	reply_of("4500001c00000000400162440a4d02020a4d0202|0800f7ff00000000", PL_RESPONDER_ADDR, &d);
	cr_assert_str_eq(d.rule->id, "bad-source");
}

Test(rules, prompt_states_every_rule)
{
	size_t n, i, len;
	const struct pl_rule *r = pl_rules(&n);
	char *prompt = tu_slurp(tu_src("prompts/system.md"), &len);
	const char *last = prompt;

	cr_assert_not_null(prompt);
	cr_assert_eq(n, 10);
	for (i = 0; i < n; i++) {
		char line[1024];
		const char *at;

		cr_assert_eq(r[i].number, (int)i + 1);
		snprintf(line, sizeof(line), "\n%d. %s\n", r[i].number, r[i].text);
		at = strstr(prompt, line);
		cr_assert_not_null(at, "prompts/system.md lacks rule %d word for word: %s", r[i].number, r[i].text);
		cr_assert(at >= last, "rule %d out of order in prompts/system.md", r[i].number);
		last = at;
		cr_assert_eq(pl_rule_by_id(r[i].id), &r[i]);
	}
	free(prompt);
}
