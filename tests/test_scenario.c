/* Scenario language: packets built from fields against bytes computed independently
 * (a separate Python script with its own RFC 1071 sum and pseudo-headers), and parser
 * errors asserted word for word. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "scenario/scenario.h"
#include "tests/util.h"

static struct pl_scn_set set;

static void teardown(void)
{
	pl_scn_set_free(&set);
}

TestSuite(scenario, .fini = teardown);

/* Files with a category line are parsed as t.scn, the others as if under valid/. */
static const struct pl_scenario *parse_ok(const char *text)
{
	struct pl_err err = { "" };
	const char *name = strstr(text, "category ") ? "t.scn" : "scenarios/valid/t.scn";
	int rc = pl_scn_parse_text(&set, name, text, strlen(text), &err);

	cr_assert_eq(rc, 0, "parse failed: %s", err.msg);
	return &set.v[set.n - 1];
}

static void expect_bytes(const struct pl_scenario *s, size_t idx, unsigned rep, enum pl_target_kind t,
			 const char *hex)
{
	uint8_t got[70000], want[2048];
	size_t n = 0, wn = tu_hex(hex, want, sizeof(want));
	uint16_t et;
	struct pl_err err = { "" };

	cr_assert_eq(pl_scn_build(s, idx, rep, t, got, sizeof(got), &n, &et, &err), 0, "%s", err.msg);
	cr_assert_eq(et, 0x0800);
	cr_assert_eq(n, wn, "length %zu, want %zu", n, wn);
	cr_assert_arr_eq(got, want, wn);
}

Test(scenario, icmp_fields_both_targets)
{
	const struct pl_scenario *s = parse_ok(
		"# a comment line\n"
		"scenario code-five   # trailing comment\n"
		"  description \"non-zero code\"\n"
		"  send ip.id=0x0202 icmp.code=5 icmp.id=1 icmp.seq=1 payload=hex:0011\n"
		"  expect reply\n");

	cr_assert_str_eq(s->id, "valid/code-five");
	cr_assert_str_eq(s->description, "non-zero code");
	/* 45 00 001e 0202 0000 40 01 6140 0a4d0102 0a4d0202 | 08 05 f7e7 0001 0001 0011 */
	expect_bytes(s, 0, 0, PL_TARGET_RESPONDER, "4500001e02020000400161400a4d01020a4d02020805f7e7000100010011");
	/* to the kernel: dst 10.77.1.1, header checksum 0x6241 */
	expect_bytes(s, 0, 0, PL_TARGET_KERNEL, "4500001e02020000400162410a4d01020a4d01010805f7e7000100010011");
}

Test(scenario, options_ttl_tos_df_and_repeat_seq)
{
	const struct pl_scenario *s = parse_ok(
		"scenario rr\n"
		"  send ip.id=0x0101 ip.opt=rr:2 icmp.id=0x4242 icmp.seq=7 payload=text:\"pinglab!\"\n"
		"  expect reply\n"
		"scenario burst\n"
		"  send ip.id=7 ip.ttl=1 ip.tos=0x10 ip.df=1 icmp.id=0x0a0b icmp.seq=1 payload=pattern:0xa5*4\n"
		"  repeat 3 interval 1ms\n"
		"  expect reply\n");

	/* ihl 8: 07 0b 04 + 8 zero address bytes + 00 (EOL padding) */
	expect_bytes(&set.v[0], 0, 0, PL_TARGET_RESPONDER,
		     "4800003001010000400154240a4d01020a4d0202070b04000000000000000000080008634242000770696e676c616221");
	/* repetition 2 of seq 1 is seq 3 */
	expect_bytes(s, 0, 2, PL_TARGET_RESPONDER, "4510002000074000010162290a4d01020a4d02020800a2a60a0b0003a5a5a5a5");
	cr_assert_eq(s->repeat, 3);
	cr_assert_eq(s->interval_us, 1000);
}

Test(scenario, udp_and_tcp_with_pseudo_header_checksums)
{
	parse_ok("scenario udp\n  category non-icmp\n"
		 "  send ip.id=0x1234 udp.sport=54321 udp.dport=33434 payload=text:\"hi\"\n"
		 "  expect drop\n"
		 "scenario syn\n  category non-icmp\n"
		 "  send ip.id=0x1234 ip.df=1 tcp.sport=40001 tcp.flags=S\n"
		 "  expect drop\n");
	expect_bytes(&set.v[0], 0, 0, PL_TARGET_RESPONDER, "4500001e12340000401150fe0a4d01020a4d0202d431829a000a29076869");
	expect_bytes(&set.v[0], 0, 0, PL_TARGET_KERNEL, "4500001e12340000401151ff0a4d01020a4d0101d431829a000a2a086869");
	expect_bytes(&set.v[1], 0, 0, PL_TARGET_RESPONDER,
		     "4500002812344000400610ff0a4d01020a4d02029c41000900000001000000005002faf001090000");
	expect_bytes(&set.v[1], 0, 0, PL_TARGET_KERNEL,
		     "4500002812344000400612000a4d01020a4d01019c41000900000001000000005002faf0020a0000");
}

Test(scenario, raw_hex_is_rewritten_incrementally_for_the_kernel)
{
	/* RFC 1624 update of both the IP and the UDP checksum gives Python's kernel bytes */
	parse_ok("scenario raw-udp\n  category non-icmp\n"
		 "  send hex=4500001e12340000401150fe0a4d01020a4d0202d431829a000a29076869\n  expect drop\n"
		 "scenario raw-bad\n  category malformed\n"
		 "  send hex=4500001e12340000401111110a4d01020a4d0202d431829a000a29076869\n  expect drop\n");
	expect_bytes(&set.v[0], 0, 0, PL_TARGET_KERNEL, "4500001e12340000401151ff0a4d01020a4d0101d431829a000a2a086869");
	/* a wrong header checksum stays wrong by the same amount: 0x1111 + (0x51ff - 0x50fe) */
	expect_bytes(&set.v[1], 0, 0, PL_TARGET_KERNEL, "4500001e12340000401112120a4d01020a4d0101d431829a000a2a086869");
	expect_bytes(&set.v[1], 0, 0, PL_TARGET_RESPONDER, "4500001e12340000401111110a4d01020a4d0202d431829a000a29076869");
}

Test(scenario, bad_checksums_lying_header_truncate_append)
{
	const struct pl_scenario *s = parse_ok(
		"scenario lies\n  category malformed\n"
		"  send ip.id=0x0202 ip.csum=bad icmp.code=5 icmp.id=1 icmp.seq=1 payload=hex:0011\n"
		"  send ip.id=0x0202 icmp.csum=bad:+0x100 icmp.code=5 icmp.id=1 icmp.seq=1 payload=hex:0011\n"
		"  send ip.ihl=4 ip.len=84 truncate=24 append=hex:ffff\n"
		"  expect drop\n");

	/* the correct header checksum is 0x6140: bad is 0x6141 */
	expect_bytes(s, 0, 0, PL_TARGET_RESPONDER, "4500001e02020000400161410a4d01020a4d02020805f7e7000100010011");
	/* icmp checksum 0xf7e7 + 0x100 */
	expect_bytes(s, 1, 0, PL_TARGET_RESPONDER, "4500001e02020000400161400a4d01020a4d02020805f8e7000100010011");
	{
		uint8_t b[128];
		size_t n;
		uint16_t et;

		cr_assert_eq(pl_scn_build(s, 2, 0, PL_TARGET_RESPONDER, b, sizeof(b), &n, &et, NULL), 0);
		cr_assert_eq(n, 26);
		cr_assert_eq(b[0], 0x44);
		cr_assert_eq(b[2] << 8 | b[3], 84);
		cr_assert_eq(b[24], 0xff);
		cr_assert_eq(b[25], 0xff);
	}
}

Test(scenario, payload_generators)
{
	const struct pl_scenario *s = parse_ok(
		"scenario gen\n"
		"  send payload=pattern:0xdead*5\n"
		"  send payload=text:\"a\\x00\\n\\\"b\"\n"
		"  send payload=random:seed=7,len=16\n"
		"  send payload=zero:3 payload+=text:\"z\"\n"
		"  expect reply\n");

	uint8_t b[4][16], r2[2][16];

	/* kept as their spec; pl_bytes_write makes the bytes */
	for (size_t i = 0; i < 4; i++)
		pl_bytes_write(&s->send[i].payload, b[i]);
	cr_assert_eq(s->send[0].payload.len, 5);
	cr_assert_arr_eq(b[0], ((uint8_t[]){ 0xde, 0xad, 0xde, 0xad, 0xde }), 5);
	cr_assert_eq(s->send[1].payload.len, 5);
	cr_assert_arr_eq(b[1], ((uint8_t[]){ 'a', 0, '\n', '"', 'b' }), 5);
	cr_assert_eq(s->send[2].payload.len, 16);
	cr_assert_arr_eq(b[3], ((uint8_t[]){ 0, 0, 0, 'z' }), 4);
	/* the random source is seeded: the same seed gives the same bytes, another differs */
	{
		const struct pl_scenario *t = parse_ok("scenario r2\n  send payload=random:seed=7,len=16\n  send payload=random:seed=8,len=16\n  expect reply\n");

		pl_bytes_write(&t->send[0].payload, r2[0]);
		pl_bytes_write(&t->send[1].payload, r2[1]);
		cr_assert_arr_eq(r2[0], b[2], 16);
		cr_assert_neq(memcmp(r2[1], r2[0], 16), 0);
	}
}

Test(scenario, tags_expectations_and_hash)
{
	const char *text = "scenario tagged\n  tags smoke,basic fast\n  send\n  expect reply rfc\n"
			   "  expect.kernel match icmp.type=0 icmp.code=0\n  expect.kernel[1] either\n";
	const struct pl_scenario *s = parse_ok(text);
	char d[128];
	uint64_t h = s->hash;

	cr_assert_eq(s->ntags, 3);
	cr_assert(pl_scn_has_tag(s, "basic"));
	cr_assert(pl_scn_has_tag(s, "valid"));
	cr_assert_not(pl_scn_has_tag(s, "slow"));
	pl_expect_describe(pl_scn_expect(s, 0, PL_TARGET_RESPONDER, PL_STACK_ECHO), d, sizeof(d));
	cr_assert_str_eq(d, "reply rfc");
	pl_expect_describe(&s->expect_kernel[0], d, sizeof(d));
	cr_assert_str_eq(d, "match icmp.type=0 icmp.code=0");
	cr_assert_eq(pl_scn_expect(s, 0, PL_TARGET_KERNEL, PL_STACK_ECHO)->kind, EXP_EITHER);
	pl_scn_set_free(&set);
	cr_assert_eq(parse_ok(text)->hash, h);
	pl_scn_set_free(&set);
	cr_assert_neq(parse_ok("scenario tagged\n  tags smoke,basic fast\n  send ip.ttl=63\n  expect reply rfc\n")->hash, h);
}

/* values are described as the language writes them: addresses dotted, rest and flags in hex */
Test(scenario, expectations_describe_values_in_their_own_forms)
{
	const struct pl_scenario *s = parse_ok(
		"scenario forms\n  category non-icmp\n  send tcp.flags=S\n  expect drop\n"
		"  expect.kernel match ip.src=10.77.1.1 tcp.flags=RA tcp.ack=2\n"
		"scenario rest\n  category valid\n  send\n  expect reply\n"
		"  expect.kernel match icmp.type=12 icmp.rest=0x16000000 ip.dst=10.77.1.2\n");
	char d[160];

	pl_expect_describe(&set.v[0].expect_kernel[0], d, sizeof(d));
	cr_assert_str_eq(d, "match ip.src=10.77.1.1 tcp.flags=0x14 tcp.ack=2");
	pl_expect_describe(&s->expect_kernel[0], d, sizeof(d));
	cr_assert_str_eq(d, "match icmp.type=12 icmp.rest=0x16000000 ip.dst=10.77.1.2");
}

struct bad {
	const char *text, *msg;
};

static const struct bad bads[] = {
	{ "send ip.ttl=1\n", "f.scn:1: 'send' before the first 'scenario NAME' line" },
	{ "scenario Bad Name\n", "f.scn:1: scenario wants one name of a-z, 0-9, '-', '_', '.' (at most 79 characters)" },
	{ "scenario a\n  send ip.tll=1\n  expect reply\n", "f.scn:2: unknown field 'ip.tll' (did you mean ip.ttl?)" },
	{ "scenario a\n  send ip.ttl=300\n  expect reply\n", "f.scn:2: ip.ttl=300: out of range 0..255" },
	{ "scenario a\n  send ip.ttl=abc\n  expect reply\n", "f.scn:2: ip.ttl=abc: not a number" },
	{ "scenario a\n  send ip.ttl=010\n  expect reply\n", "f.scn:2: ip.ttl=010: not a number" },
	{ "scenario a\n  send ip.ttl=1 ip.ttl=2\n  expect reply\n", "f.scn:2: ip.ttl is set twice" },
	{ "scenario a\n  send ip.csum=worse\n  expect drop\n", "f.scn:2: ip.csum=worse: want auto, bad, bad:+N or a 16-bit number" },
	{ "scenario a\n  send ip.dst=8.8.8.8\n  expect drop\n",
	  "f.scn:2: ip.dst=8.8.8.8 is outside the lab (10.77.0.0/16, multicast, broadcast or 0.0.0.0 only)" },
	{ "scenario a\n  send ip.src=10.77.1\n  expect drop\n", "f.scn:2: ip.src=10.77.1: not an IPv4 address" },
	{ "scenario a\n  send ip.frag=100\n  expect drop\n", "f.scn:2: ip.frag=100: fragment offsets are multiples of 8 bytes" },
	{ "scenario a\n  send ip.flags=XF\n  expect drop\n", "f.scn:2: ip.flags=XF: want DF, MF, RF joined by |, none, or 0..7" },
	{ "scenario a\n  send payload=pattern:a5*4\n  expect reply\n", "f.scn:2: payload: pattern wants 0xBYTES*COUNT, e.g. pattern:0xa5*56" },
	{ "scenario a\n  send payload=text:\"abc\n  expect reply\n", "f.scn:2: unterminated \"string\"" },
	{ "scenario a\n  send payload=text:\"a\\q\"\n  expect reply\n", "f.scn:2: payload: unknown escape \\q" },
	{ "scenario a\n  send payload=bytes:12\n  expect reply\n",
	  "f.scn:2: payload: unknown byte source 'bytes:12' (pattern:, text:, random:, hex:, zero:)" },
	{ "scenario a\n  send payload=random:seed=1\n  expect reply\n", "f.scn:2: payload: random wants seed=N,len=N (len up to 65535)" },
	{ "scenario a\n  send hex=4500 ip.ttl=3\n  expect drop\n", "f.scn:2: hex= gives the whole packet; it cannot be combined with ip.ttl" },
	{ "scenario a\n  send hex=450\n  expect drop\n", "f.scn:2: hex: bad hex: odd number of hex digits (1 bytes and one nibble)" },
	{ "scenario a\n  send udp.dport=53 icmp.type=8\n  expect drop\n", "f.scn:2: icmp and udp fields in one packet" },
	{ "scenario a\n  send ip.proto=udp icmp.type=8\n  expect drop\n", "f.scn:2: icmp fields given but ip.proto is 17" },
	{ "scenario a\n  send l4=hex:00 payload=hex:00\n  expect drop\n",
	  "f.scn:2: l4= and payload= in one packet (l4 already holds everything after the IP header)" },
	{ "scenario a\n  send ip.ihl=5 ip.opt=ra\n  expect drop\n", "f.scn:2: ip.ihl=5 leaves no room for 4 option bytes" },
	{ "scenario a\n  send ip.opt=rr:9 ip.opt+=ts:2\n  expect reply\n", "f.scn:2: ip.opt: 51 bytes of options exceed 40" },
	{ "scenario a\n  send truncate=100\n  expect drop\n", "f.scn:2: truncate=100 is longer than the 28-byte packet" },
	{ "scenario a\n  send\n", "f.scn:1: scenario a: no expectation for packet 1 (add an expect line)" },
	{ "scenario a\n  expect reply\n", "f.scn:1: scenario a sends no packet (add a send line)" },
	{ "scenario a\n  send\n  expect maybe\n", "f.scn:3: expect: unknown expectation 'maybe' (reply, drop, either, match)" },
	{ "scenario a\n  send\n  expect reply\n  expect drop\n", "f.scn:4: expect given twice (first on line 3)" },
	{ "scenario a\n  send\n  expect drop icmp.type=0\n", "f.scn:3: expect drop takes no fields, got 'icmp.type=0'" },
	{ "scenario a\n  send\n  expect match\n", "f.scn:3: expect match needs at least one field, e.g. icmp.type=3" },
	{ "scenario a\n  send\n  expect reply payload=hex:00\n",
	  "f.scn:3: expect: payload cannot be expected (numbers and addresses of ip.*, icmp.*, udp.*, tcp.* only)" },
	{ "scenario a\n  send\n  expect.kernel reply udp.sport=53\n",
	  "f.scn:3: expect.kernel: udp.sport is not a field of an echo reply (expect reply overrides ip.* and icmp.* fields; expect match checks other answers)" },
	{ "scenario a\n  send\n  expect reply\n  expect.kernel[2] drop\n", "f.scn:4: expectation for packet 2, but the scenario sends 1" },
	{ "scenario a\n  send\n  expect[0] drop\n", "f.scn:3: 'expect[0]': packet number must be 1..16" },
	/* the packet of test_rules' "drop bad ip csum": correct header checksum 0x5d3c */
	{ "scenario a\n  send ip.id=0x0606 ip.csum=bad icmp.id=1 icmp.seq=1 payload=hex:7879\n  expect reply\n",
	  "f.scn:3: expect reply, but the reference rules drop packet 1 (rule 2 ip-checksum: header checksum 0x5d3d, correct is 0x5d3c)" },
	{ "scenario a\n  send icmp.id=1 payload=hex:7879\n  expect drop\n",
	  "f.scn:3: expect drop, but the reference rules answer packet 1 (rule 10 echo-reply: echo request id 0x0001 seq 1, 2 payload bytes)" },
	{ "scenario a\n  send\n  expect reply\n  repeat 0\n", "f.scn:4: repeat wants a count 1..100000 [interval DURATION]" },
	{ "scenario a\n  send\n  expect reply\n  timeout 5m\n", "f.scn:4: timeout wants a duration from 1ms to 600s, e.g. 2s" },
	{ "scenario a\n  send\n  expect reply\n  timeout 500us\n",
	  "f.scn:4: timeout 500us is below the minimum of 1ms (timeouts go from 1ms to 600s, e.g. 2s)" },
	{ "scenario a\n  send\n  expect reply\n  timeout 601s\n",
	  "f.scn:4: timeout 601s is above the maximum of 600s (timeouts go from 1ms to 600s, e.g. 2s)" },
	{ "scenario a\n  send\n  expect reply\n  timeout 1.5ms\n",
	  "f.scn:4: timeout 1.5ms is not a whole number of milliseconds (timeouts go from 1ms to 600s in steps of 1ms)" },
	{ "scenario a\n  send\n  expect reply \\",
	  "f.scn:3: the line ends in \\ but the file ends there: the continuation is unfinished at end of file" },
	{ "scenario a\n  send \\\n  icmp.seq=2 \\\n",
	  "f.scn:3: the line ends in \\ but the file ends there: the continuation is unfinished at end of file" },
	{ "scenario a\n  send icmp.type=echo-requset\n  expect reply\n",
	  "f.scn:2: icmp.type=echo-requset: unknown name (did you mean echo-request?)" },
	{ "scenario a\n  send icmp.type=pong\n  expect reply\n",
	  "f.scn:2: icmp.type=pong: want 0..255 or a name: echo-reply, dest-unreachable, source-quench, redirect, "
	  "echo-request, router-advertisement, router-solicitation, time-exceeded, parameter-problem, timestamp-request, "
	  "timestamp-reply, info-request, info-reply, address-mask-request, address-mask-reply" },
	{ "scenario a\n  send ip.proto=sctpp\n  expect drop\n", "f.scn:2: ip.proto=sctpp: unknown name (did you mean sctp?)" },
	{ "scenario a\n  send IP.TTL=1\n  expect reply\n", "f.scn:2: unknown field 'IP.TTL' (did you mean ip.ttl?)" },
	{ "scenario a\n  send truncate=0\n  expect drop\n",
	  "f.scn:2: truncate=0 leaves an empty frame (truncate wants 1..65535 bytes)" },
	{ "scenario a\n  send payload=zero:65535\n  expect drop\n",
	  "f.scn:2: payload of 65535 bytes does not fit an IPv4 packet (at most 65507 bytes after the 20-byte IPv4 and 8-byte ICMP headers)" },
	{ "scenario a\n  send udp.dport=53 payload=zero:65508\n  expect drop\n",
	  "f.scn:2: payload of 65508 bytes does not fit an IPv4 packet (at most 65507 bytes after the 20-byte IPv4 and 8-byte UDP headers)" },
	{ "scenario a\n  send\n  expect reply\n  category other\n",
	  "f.scn:4: unknown category 'other' (valid, malformed, non-icmp, adversarial)" },
	{ "scenario a\n  send\n  expect reply\n  frobnicate\n", "f.scn:4: unknown directive 'frobnicate'" },
	{ "scenario a\n  send\n  expect reply\nscenario a\n  send\n  expect reply\n",
	  "f.scn:4: scenario valid/a already defined at valid/f.scn:1" },
	{ "scenario a\n  description unquoted text\n", "f.scn:2: description wants one \"quoted string\"" },
	{ "# only comments\n", "f.scn: no scenario in this file" },
};

Test(scenario, errors_name_file_line_and_field)
{
	size_t i;

	for (i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		struct pl_scn_set s = { 0 };
		struct pl_err err = { "" };
		char want[600];
		int rc = pl_scn_parse_text(&s, "valid/f.scn", bads[i].text, strlen(bads[i].text), &err);

		if (rc == 0)
			cr_assert_fail("case %zu parsed but should fail: %s", i, bads[i].text);
		snprintf(want, sizeof(want), "valid/%s", bads[i].msg);
		cr_assert_str_eq(err.msg, want, "case %zu: %s", i, err.msg);
		cr_assert_eq(s.n, 0, "case %zu left scenarios behind", i);
		pl_scn_set_free(&s);
	}
}

/* every ip.* and icmp.* override of `expect reply` reaches the expected bytes */
Test(scenario, expect_reply_overrides_address_and_rest)
{
	const struct pl_scenario *s = parse_ok(
		"scenario over\n"
		"  send ip.id=0x0202 icmp.code=5 icmp.id=1 icmp.seq=1 payload=hex:0011\n"
		"  expect reply ip.src=10.77.2.9 icmp.rest=0x00050007\n");
	const struct pl_expect *e = pl_scn_expect(s, 0, PL_TARGET_RESPONDER, PL_STACK_ECHO);

	cr_assert_eq(e->nfields, 2);
	cr_assert_eq(e->field[0], F_IP_SRC);
	cr_assert_eq(e->value[0], 0x0a4d0209u);
	cr_assert_eq(e->field[1], F_ICMP_REST);
	cr_assert_eq(e->value[1], 0x00050007u);
}

Test(scenario, category_comes_from_folder)
{
	struct pl_err err;
	const char *t = "scenario x\n  send\n  expect reply\n";

	cr_assert_eq(pl_scn_parse_text(&set, "scenarios/adversarial/x.scn", t, strlen(t), &err), 0);
	cr_assert_str_eq(set.v[0].id, "adversarial/x");
	cr_assert_eq(pl_scn_parse_text(&set, "elsewhere/x.scn", t, strlen(t), &err), -EINVAL);
	cr_assert_str_eq(err.msg, "elsewhere/x.scn:1: scenario x: no category (put the file under scenarios/<category>/ or add a category line)");
}

/* expect.host / expect.kernel.host: which line applies to which target under which stack
 * (scenario.h's order), checked against the host rules, and no part of the packets. */
Test(scenario, host_stack_expectations)
{
	static const char both[] = "scenario u\n  send udp.sport=40001 udp.dport=33434 payload=text:\"x\"\n"
				   "  expect drop\n  expect.kernel match icmp.type=3\n  expect.host reply\n";
	static const char echo_only[] = "scenario u\n  send udp.sport=40001 udp.dport=33434 payload=text:\"x\"\n"
					"  expect drop\n  expect.kernel match icmp.type=3\n";
	struct pl_scn_set a = { 0 }, b = { 0 }, h = { .stack = PL_STACK_HOST };
	struct pl_err err = { "" };
	const struct pl_scenario *s;
	uint8_t p1[128], p2[128];
	size_t n1, n2;
	uint16_t et;

	cr_assert_eq(pl_scn_parse_text(&a, "non-icmp/h.scn", both, strlen(both), &err), 0, "%s", err.msg);
	s = &a.v[0];
	cr_expect_eq(pl_scn_expect(s, 0, PL_TARGET_RESPONDER, PL_STACK_ECHO)->kind, EXP_DROP);
	cr_expect_eq(pl_scn_expect(s, 0, PL_TARGET_KERNEL, PL_STACK_ECHO)->kind, EXP_MATCH);
	cr_expect_eq(pl_scn_expect(s, 0, PL_TARGET_RESPONDER, PL_STACK_HOST)->kind, EXP_REPLY);
	cr_expect_eq(pl_scn_expect(s, 0, PL_TARGET_KERNEL, PL_STACK_HOST)->kind, EXP_REPLY, "host before kernel");
	/* the same packet bytes with and without the host line */
	cr_assert_eq(pl_scn_parse_text(&b, "non-icmp/h.scn", echo_only, strlen(echo_only), &err), 0, "%s", err.msg);
	cr_assert_eq(pl_scn_build(&a.v[0], 0, 0, PL_TARGET_RESPONDER, p1, sizeof(p1), &n1, &et, &err), 0);
	cr_assert_eq(pl_scn_build(&b.v[0], 0, 0, PL_TARGET_RESPONDER, p2, sizeof(p2), &n2, &et, &err), 0);
	cr_expect(n1 == n2 && !memcmp(p1, p2, n1), "an expect.host line changed the packet");
	/* loaded for the host stack, the echo-only scenario's drop contradicts the host rules */
	cr_expect_neq(pl_scn_parse_text(&h, "non-icmp/h.scn", echo_only, strlen(echo_only), &err), 0);
	cr_expect_str_eq(err.msg, "non-icmp/h.scn:3: expect drop (under the host stack; expect.host gives its own), but the host rules answer packet 1 (rule 14 port-unreachable: udp to port 33434 (closed))");
	pl_scn_set_free(&a);
	pl_scn_set_free(&b);
	pl_scn_set_free(&h);
	{
		static const char wrong[] = "scenario u\n  send udp.sport=40001 udp.dport=7\n  expect drop\n  expect.host drop\n";
		static const char field[] = "scenario u\n  send udp.sport=40001 udp.dport=7\n  expect drop\n  expect.host reply tcp.win=5\n";
		struct pl_scn_set w = { 0 };

		cr_expect_neq(pl_scn_parse_text(&w, "non-icmp/h.scn", wrong, strlen(wrong), &err), 0);
		cr_expect_str_eq(err.msg, "non-icmp/h.scn:4: expect drop (host stack), but the host rules answer packet 1 (rule 13 udp-echo: udp echo from port 40001, 0 data bytes)");
		pl_scn_set_free(&w);
		cr_expect_neq(pl_scn_parse_text(&w, "non-icmp/h.scn", field, strlen(field), &err), 0);
		cr_expect(strstr(err.msg, "non-icmp/h.scn:4: expect reply tcp.win: the host rules' answer to packet 1 has no such field"), "%s", err.msg);
		pl_scn_set_free(&w);
	}
}
