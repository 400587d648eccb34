/* The host stack's reference rules (packet/host.c) on packets whose answers were
 * written out independently: built field by field from the rule texts in Python
 * (struct.pack and a ones' complement sum of 16-bit words), not by pinglab; and on the
 * kernel's own answers, captured in the lab. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "packet/diff.h"
#include "packet/hex.h"
#include "packet/ipv4.h"
#include "packet/rules.h"
#include "packet/stack.h"
#include "tests/util.h"

#define US 0x0a4d0202u /* 10.77.2.2 */

static const struct { const char *name, *rule, *what, *req, *ans; } replies[] = {
	/* 10.77.1.2:40000 > 10.77.2.2:7 UDP "hello" (id 0x1234): the same data back from port 7, checksum as sent (the sum is symmetric in the swapped fields) */
	{ "udp_echo", "udp-echo", NULL,
	  "4500002112340000401150fb0a4d01020a4d02029c400007000d081d68656c6c6f",
	  "4500002112340000401150fb0a4d02020a4d010200079c40000d081d68656c6c6f" },
	/* UDP "hello" to port 9: ICMP 3/3 quoting all 33 bytes, TOS 0, id 0 */
	{ "port_unreach", "port-unreachable", NULL,
	  "4500002112340000401150fb0a4d01020a4d02029c400009000d081b68656c6c6f",
	  "4500003d00000000400163230a4d02020a4d0102030314b9000000004500002112340000401150fb0a4d01020a4d02029c400009000d081b68656c6c6f" },
	/* GRE (47), 4 bytes: ICMP 3/2 quoting all 24 bytes */
	{ "proto_unreach", "protocol-unreachable", NULL,
	  "4500001842420000402f20d80a4d01020a4d020200000800",
	  "45000034000000004001632c0a4d02020a4d01020302f4fd000000004500001842420000402f20d80a4d01020a4d020200000800" },
	/* SYN seq 1 to port 9: RST+ACK (0x14) seq 0 ack 2 window 0 */
	{ "syn_closed", "reset", NULL,
	  "4500002811110000400652220a4d01020a4d02029c40000900000001000000005002faf0010a0000",
	  "4500002811110000400652220a4d02020a4d010200099c40000000000000000250140000fbe70000" },
	/* ACK 5000 to port 9: RST (0x04) seq 5000 ack 0 */
	{ "ack_closed", "reset", NULL,
	  "4500002811120000400652210a4d01020a4d02029c40000900000001000013885010faf0ed730000",
	  "4500002811120000400652210a4d02020a4d010200099c40000013880000000050040000e8710000" },
	/* SYN seq 100 with 3 data bytes to port 7: SYN+ACK seq 0 ack 101 (the data not acknowledged), window 65535 */
	{ "syn_ack", "syn-ack", NULL,
	  "4500002b111300004006521d0a4d01020a4d02029c40000700000064000000005002faf03c430000616263",
	  "4500002811130000400652200a4d02020a4d010200079c4000000000000000655012fffffb880000" },
	/* FIN+PSH seq 10 with 3 data bytes to port 9: RST+ACK ack 10 + 3 + 1 = 14 */
	{ "fin_data_closed", "reset", NULL,
	  "4500002b111400004006521c0a4d01020a4d02029c4000090000000a000000005009faf00e7d000078797a",
	  "45000028111400004006521f0a4d02020a4d010200099c40000000000000000e50140000fbdb0000" },
	/* timestamp request id 0x77 seq 1, originate 0x01020304: reply type 14, receive = transmit = originate */
	{ "timestamp", "timestamp-reply", NULL,
	  "4500002822220000400141160a4d01020a4d02020d00ee8100770001010203040000000000000000",
	  "4500002822220000400141160a4d02020a4d01020e00e57500770001010203040102030401020304" },
};

static const struct { const char *name, *rule, *req; } drops[] = {
	/* a RST to a closed port */
	{ "rst", "tcp-rst", "4500002800000000400663330a4d01020a4d02029c400009000000010000000050040000fbf80000" },
	/* SYN+FIN to port 7 (listening) */
	{ "synfin7", "listen-drop", "4500002800000000400663330a4d01020a4d02029c40000700000001000000005003faf0010b0000" },
	/* UDP to a closed port with checksum 0x1234 (wrong): no port unreachable */
	{ "udp_badsum", "udp-checksum", "45000021000000004011632f0a4d01020a4d02029c400009000d123468656c6c6f" },
	/* an ICMP port unreachable sent to us: never an error about an error */
	{ "icmp_error", "icmp-other", "4500003900000000400163270a4d01020a4d0202030314b5000000004500001d00000000401163330a4d02020a4d010200099c400009d3f478" },
	/* UDP from 10.77.1.255, a broadcast source */
	{ "bcast_src", "bad-source", "4500002100000000401162320a4d01ff0a4d02029c400009000d071e68656c6c6f" },
	/* UDP length 20 in a 13-byte payload */
	{ "udp_len_long", "udp-malformed", "45000021000000004011632f0a4d01020a4d02029c4000090014081b68656c6c6f" },
};

static size_t unhex(const char *h, uint8_t *out, size_t cap)
{
	size_t n = 0;

	cr_assert_eq(pl_hex_decode(h, out, cap, &n, NULL), 0, "%s", h);
	return n;
}

Test(host, answers_are_the_independently_built_ones)
{
	for (size_t i = 0; i < sizeof(replies) / sizeof(replies[0]); i++) {
		uint8_t req[2048], want[2048], got[2048];
		size_t nq = unhex(replies[i].req, req, sizeof(req)), nw = unhex(replies[i].ans, want, sizeof(want)), ng;
		struct pl_decision d;

		cr_assert_eq(pl_host_reply(req, nq, US, got, sizeof(got), &ng, &d, NULL), 0, "%s", replies[i].name);
		cr_expect_eq(d.action, PL_ACTION_REPLY, "%s: %s (%s)", replies[i].name, d.rule->id, d.detail);
		cr_expect_str_eq(d.rule->id, replies[i].rule, "%s", replies[i].name);
		cr_expect(ng == nw && !memcmp(got, want, nw), "%s: %zu bytes, want %zu", replies[i].name, ng, nw);
	}
}

Test(host, drops_name_their_rule)
{
	for (size_t i = 0; i < sizeof(drops) / sizeof(drops[0]); i++) {
		uint8_t req[2048], got[2048];
		size_t nq = unhex(drops[i].req, req, sizeof(req)), ng;
		struct pl_decision d;

		cr_assert_eq(pl_host_reply(req, nq, US, got, sizeof(got), &ng, &d, NULL), 0, "%s", drops[i].name);
		cr_expect_eq(d.action, PL_ACTION_DROP, "%s: %s", drops[i].name, d.rule->id);
		cr_expect_str_eq(d.rule->id, drops[i].rule, "%s (%s)", drops[i].name, d.detail);
		cr_expect_eq(ng, 0);
	}
}

/* RFC 1812 §4.3.2.3: the error stays within 576 bytes, so a 1028-byte datagram is quoted
 * for its first 548 bytes */
Test(host, an_error_quotes_at_most_548_bytes)
{
	uint8_t req[1028], got[2048];
	size_t ng;
	struct pl_decision d;

	memset(req, 0, sizeof(req));
	unhex("450004040000000040115f4c0a4d01020a4d02029c40000903f00000", req, sizeof(req)); /* UDP to port 9, checksum 0 */
	cr_assert_eq(pl_host_reply(req, sizeof(req), US, got, sizeof(got), &ng, &d, NULL), 0);
	cr_expect_str_eq(d.rule->id, "port-unreachable", "%s", d.detail);
	cr_assert_eq(ng, 576);
	cr_expect(got[2] == 0x02 && got[3] == 0x40, "total length 576");
	cr_expect_eq(memcmp(got + 28, req, 548), 0, "the quote is the datagram's first 548 bytes");
}

Test(host, rules_are_numbered_in_order_with_unique_ids)
{
	size_t n;
	const struct pl_rule *r = pl_host_rules(&n);

	cr_assert_gt(n, 10);
	for (size_t i = 0; i < n; i++) {
		cr_expect_eq(r[i].number, (int)i + 1, "%s", r[i].id);
		for (size_t j = 0; j < i; j++)
			cr_expect_str_neq(r[i].id, r[j].id);
	}
}

/* The host rules against the kernel's own answers (tests/fixtures/kernel-host.txt) at the
 * RFC level, as the verdict judges the kernel: the kernel's TOS, IP id and DF are its own,
 * a timestamp reply's times and a SYN+ACK's ISN, window and options too (entries 14-16:
 * the echo service listening). Requests to "port 7 (closed here)" are left out (nothing
 * listened when they were captured), and the broadcast source is the one known
 * difference, stated here. */
Test(host, agrees_with_the_kernel_at_the_rfc_level)
{
	char *txt, *line, *save = NULL, what[128] = "";
	size_t len, compared = 0, dropped = 0;
	uint8_t req[2048], want[2048], got[2048];
	size_t nq = 0;

	txt = tu_slurp(tu_src("tests/fixtures/kernel-host.txt"), &len);
	cr_assert_not_null(txt);
	for (line = strtok_r(txt, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct pl_decision d;
		struct pl_diff df;
		size_t nk = 0, nw;

		if (!strncmp(line, "# ", 2) && line[2] >= '0' && line[2] <= '9')
			snprintf(what, sizeof(what), "%.120s", line + 2);
		if (!strncmp(line, "request ", 8))
			nq = unhex(line + 8, req, sizeof(req));
		if (strncmp(line, "reply ", 6))
			continue;
		for (line += 6; *line == ' '; line++)
			;
		cr_assert_eq(pl_host_reply(req, nq, 0x0a4d0101u, want, sizeof(want), &nw, &d, NULL), 0, "%s", what);
		if (strstr(what, "port 7 (closed here)"))
			continue;
		if (strstr(what, "bcast-src")) {
			cr_expect_eq(d.action, PL_ACTION_DROP, "%s", what);
			cr_expect_str_eq(d.rule->id, "bad-source");
			cr_expect_neq(*line, '-', "the kernel answered a broadcast source when this was captured");
			continue;
		}
		if (*line == '-') {
			cr_expect_eq(d.action, PL_ACTION_DROP, "%s: the rules answer (%s), the kernel did not", what, d.rule->id);
			dropped++;
			continue;
		}
		nk = unhex(line, got, sizeof(got));
		cr_assert_eq(d.action, PL_ACTION_REPLY, "%s: the kernel answered, the rules drop (%s)", what, d.rule->id);
		/* the timestamp reply's receive and transmit times are the kernel's: the RFC level
		 * of pl_diff leaves them free */
		cr_expect_eq(pl_diff(want, nw, got, nk, PL_STRICT_RFC, &df), 0, "%s: %s", what, df.lines[0]);
		compared++;
	}
	cr_expect_eq(compared, 9, "answers compared");
	cr_expect_eq(dropped, 4, "drops compared");
	free(txt);
}

/* Every stack's prompt states every one of its rules word for word, in order, as a
 * numbered line, and numbers no rule the table lacks (the echo prompt is checked the
 * same way in test_rules.c; this covers prompts/host.md and any stack added later). */
Test(host, every_stack_prompt_states_its_rules)
{
	int k;

	for (k = 0; k < PL_STACK__COUNT; k++) {
		const struct pl_stack *st = pl_stack((enum pl_stack_id)k);
		size_t n, i, len, numbered = 0;
		const struct pl_rule *r = st->rules(&n);
		char *prompt = tu_slurp(tu_src(st->prompt), &len);
		const char *last, *at;

		cr_assert_not_null(prompt, "%s", st->prompt);
		last = prompt;
		for (i = 0; i < n; i++) {
			char line[1200];

			cr_assert_eq(r[i].number, (int)i + 1, "%s rule %zu", st->name, i);
			snprintf(line, sizeof(line), "\n%d. %s\n", r[i].number, r[i].text);
			at = strstr(prompt, line);
			cr_assert_not_null(at, "%s lacks rule %d word for word: %s", st->prompt, r[i].number, r[i].text);
			cr_assert(at >= last, "rule %d out of order in %s", r[i].number, st->prompt);
			last = at;
		}
		for (at = prompt; (at = strchr(at, '\n')); at++)
			numbered += at[1] >= '1' && at[1] <= '9' && strspn(at + 1, "0123456789") &&
				    at[1 + strspn(at + 1, "0123456789")] == '.';
		cr_expect_eq(numbered, n, "%s numbers %zu rules, the %s stack has %zu", st->prompt, numbered, st->name, n);
		cr_expect(strstr(prompt, "Our address: 10.77.2.2."), "%s", st->prompt);
		cr_expect(strstr(prompt, "REPLY: DROP"), "%s", st->prompt);
		free(prompt);
	}
	cr_expect_str_eq(pl_stack_by_name("host")->name, "host");
	cr_expect_null(pl_stack_by_name("router"));
	cr_expect_eq(pl_stack_by_name("echo")->reply, pl_reference_reply);
}

/* How much an ICMP error quotes is free at the RFC level within RFC 1122 §3.2.2's floor
 * (the IP header and 8 bytes of the datagram), never beyond what was sent: the kernel's
 * port unreachable of fixture entry 1 (a 33-byte datagram, quoted whole), cut by hand. */
Test(host, an_error_may_quote_less_but_not_below_the_header_and_8_bytes)
{
	static const char req_hex[] = "4500002112340000401151fc0a4d01020a4d01019c400009000d091c68656c6c6f";
	/* the kernel's error, 61 bytes: 20 IP, 8 ICMP, 33 quoted */
	static const char got_hex[] = "45c0003d86dd00004001dc860a4d01010a4d0102030313b8000000004500002112340000401151fc0a4d01020a4d01019c400009000d091c68656c6c6f";
	uint8_t req[64], got[64], want[128];
	size_t nq = unhex(req_hex, req, sizeof(req)), ng = unhex(got_hex, got, sizeof(got)), nw, cut;
	struct pl_decision d;
	struct pl_diff df;

	cr_assert_eq(pl_host_reply(req, nq, 0x0a4d0101u, want, sizeof(want), &nw, &d, NULL), 0);
	cr_assert_eq(nw, 61);
	cr_expect_eq(pl_diff(want, nw, got, ng, PL_STRICT_RFC, &df), 0, "%s", df.lines[0]);
	for (cut = 33; cut-- > 20;) {
		/* the same error quoting `cut` bytes: total length and both checksums redone */
		size_t n = 28 + cut;

		got[2] = 0;
		got[3] = (uint8_t)n;
		got[10] = got[11] = 0;
		pl_ipv4_fill_csum(got, 20);
		got[22] = got[23] = 0;
		pl_icmp_fill_csum(got + 20, 8 + cut);
		if (cut >= 28)
			cr_expect_eq(pl_diff(want, nw, got, n, PL_STRICT_RFC, &df), 0, "a %zu-byte quote: %s", cut, df.lines[0]);
		else
			cr_expect_neq(pl_diff(want, nw, got, n, PL_STRICT_RFC, &df), 0, "a %zu-byte quote is below IP header + 8",
				      cut);
		cr_expect_neq(pl_diff(want, nw, got, n, PL_STRICT_EXACT, &df), 0, "exact: a %zu-byte quote", cut);
	}
}

/* The kinds of answer reports count, on the kernel's own answers of the fixture. */
Test(host, answer_kinds_of_the_kernel_answers)
{
	static const struct {
		const char *hex;
		const char *kind;
	} v[] = {
		{ "45c0003d86dd00004001dc860a4d01010a4d0102030313b8000000004500002112340000401151fc0a4d01020a4d01019c400009000d091c68656c6c6f", "port-unreachable" },
		{ "45c0003486f800004001dc740a4d01010a4d01020302f4fd000000004500001842420000402f21d90a4d01020a4d010100000800", "protocol-unreachable" },
		{ "4500002800004000400624340a4d01010a4d010200099c40000000000000000250140000fce80000", "rst" },
		{ "4500002800004000400624340a4d01010a4d010200099c40000013880000000050040000e9720000", "rst" },
		{ "4500002887e000004001dc580a4d01010a4d01020e00dd25007700010102030402cb056302cb0563", "timestamp" },
		{ "4500002c00004000400624300a4d01010a4d010200079d0feef13dc8000003e96012faf0b8cf0000020405b4", "syn-ack" },
		{ "450000279a954000401189940a4d01010a4d010200079d080013155068656c6c6f2c206563686f", "udp-echo" },
	};
	uint8_t b[256];
	size_t i, n;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		n = unhex(v[i].hex, b, sizeof(b));
		cr_expect_str_eq(pl_answer_name(pl_answer_of(b, n)), v[i].kind, "%zu", i);
	}
	cr_expect_str_eq(pl_answer_name(pl_answer_of(NULL, 0)), "drop");
}
