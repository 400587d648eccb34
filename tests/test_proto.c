/* The header registry and the field table against bytes checked by hand: checksums
 * summed word by word in the comments, a port unreachable laid out field by field. */
#include <criterion/criterion.h>
#include <string.h>

#include "packet/diff.h"
#include "packet/field.h"
#include "packet/hex.h"
#include "packet/proto.h"
#include "scenario/scenario.h"
#include "scenario/verdict.h"

/* 10.77.1.2:40000 > 10.77.2.2:7 UDP "hello", IP id 0x1234 DF TTL 64.
 * IP checksum: 4500+0021+1234+4000+4011+0a4d+0102+0a4d+0202 = 0xef04, ~ = 0x10fb.
 * UDP checksum: pseudo 0a4d+0102+0a4d+0202+0011+000d = 0x17bc; + 9c40+0007+000d+0000
 * + 6865+6c6c+6f00 = 0xf7e2 (carries folded), ~ = 0x081d. */
static const char udp_hex[] = "45000021123440004011 10fb 0a4d0102 0a4d0202"
			      "9c40 0007 000d 081d 68656c6c6f";

/* The kernel's answer to it were port 7 closed: ICMP 3/3 from 10.77.2.2 quoting the whole
 * datagram. Outer IP checksum: 4500+003d+4001+0a4d+0202+0a4d+0102 = 0x9cdc, ~ = 0x6323. */
static const char unreach_hex[] = "4500003d 00000000 4001 6323 0a4d0202 0a4d0102"
				  "0303 14b9 00000000"
				  "45000021123440004011 10fb 0a4d0102 0a4d0202"
				  "9c40 0007 000d 081d 68656c6c6f";

static size_t hex(const char *h, uint8_t *out)
{
	char clean[512];
	size_t n = 0, len = 0;

	for (; *h; h++)
		if (*h != ' ')
			clean[n++] = *h;
	clean[n] = '\0';
	cr_assert_eq(pl_hex_decode(clean, out, 256, &len, NULL), 0);
	return len;
}

Test(proto, udp_and_ip_checksums_are_the_hand_summed_ones)
{
	uint8_t b[256];
	size_t n = hex(udp_hex, b);
	struct pl_hdrs hs;
	uint16_t c;

	cr_assert_eq(pl_hdrs_parse(b, n, &hs, NULL), 0);
	cr_assert_eq(hs.n, 2);
	cr_expect_eq(hs.h[1].type, PL_HDR_UDP);
	cr_assert(pl_hdrs_csum(&hs, 0, &c));
	cr_expect_eq(c, 0x10fb);
	cr_assert(pl_hdrs_csum(&hs, 1, &c));
	cr_expect_eq(c, 0x081d, "udp checksum 0x%04x", c);
	/* a datagram whose sum comes to 0 sends 0xffff (RFC 768): here, by changing the
	 * checksum field only the stored value moves, not the computed one */
	b[26] = 0;
	b[27] = 0;
	cr_assert(pl_hdrs_csum(&hs, 1, &c));
	cr_expect_eq(c, 0x081d);
}

Test(proto, an_icmp_error_decodes_with_its_quoted_datagram)
{
	uint8_t b[256];
	size_t n = hex(unreach_hex, b);
	struct pl_hdrs hs;
	uint32_t v;
	uint16_t c;

	cr_assert_eq(n, 61);
	cr_assert_eq(pl_hdrs_parse(b, n, &hs, NULL), 0);
	cr_assert_eq(hs.n, 4);
	cr_expect_eq(hs.h[0].type, PL_HDR_IPV4);
	cr_expect_eq(hs.h[1].type, PL_HDR_ICMP);
	cr_expect(hs.h[2].type == PL_HDR_IPV4 && hs.h[2].quoted && hs.h[2].off == 28);
	cr_expect(hs.h[3].type == PL_HDR_UDP && hs.h[3].quoted && hs.h[3].off == 48);
	cr_assert(pl_field_get(&hs, F_ICMP_TYPE, false, &v));
	cr_expect_eq(v, 3);
	cr_assert(pl_field_get(&hs, F_IP_TTL, true, &v));
	cr_expect_eq(v, 64);
	cr_assert(pl_field_get(&hs, F_IP_ID, true, &v));
	cr_expect_eq(v, 0x1234);
	cr_assert(pl_field_get(&hs, F_UDP_DPORT, true, &v));
	cr_expect_eq(v, 7);
	cr_assert(pl_field_get(&hs, F_IP_DF, true, &v));
	cr_expect_eq(v, 1);
	cr_expect(!pl_field_get(&hs, F_UDP_DPORT, false, &v), "no UDP header outside the quote");
	/* the outer checksums are computable; a quoted one is what was sent, not recomputed */
	cr_assert(pl_hdrs_csum(&hs, 0, &c));
	cr_expect_eq(c, 0x6323);
	cr_assert(pl_hdrs_csum(&hs, 1, &c));
	cr_expect_eq(c, 0x14b9);
	cr_expect(!pl_hdrs_csum(&hs, 2, &c));
}

Test(proto, a_diff_names_the_quoted_field)
{
	uint8_t e[256], g[256];
	size_t n = hex(unreach_hex, e);
	struct pl_hdrs hs;
	struct pl_diff d;

	memcpy(g, e, n);
	cr_assert_eq(pl_hdrs_parse(g, n, &hs, NULL), 0);
	/* the quoted TTL as if the datagram had been forwarded once, ICMP checksum fixed */
	cr_assert(pl_field_set(g, &hs, F_IP_TTL, true, 63));
	cr_assert(pl_hdrs_fill_csum(g, &hs, 1));
	cr_assert_eq(pl_diff(e, n, g, n, PL_STRICT_RFC, &d), 1, "%zu: %s", d.count, d.lines[0]);
	cr_expect_str_eq(d.lines[0], "icmp.quoted.ip.ttl: expected 64, got 63");
}

Test(proto, a_field_write_keeps_the_other_bits_of_its_word)
{
	uint8_t b[256];
	size_t n = hex(udp_hex, b);
	struct pl_hdrs hs;
	uint32_t v;

	cr_assert_eq(pl_hdrs_parse(b, n, &hs, NULL), 0);
	/* ip.frag shares bytes 6-7 with the flags: 0x4000 (DF) | 1480/8 = 0x40b9 */
	cr_assert(pl_field_set(b, &hs, F_IP_FRAG, false, 1480));
	cr_expect(b[6] == 0x40 && b[7] == 0xb9, "%02x%02x", b[6], b[7]);
	cr_assert(pl_field_get(&hs, F_IP_FRAG, false, &v));
	cr_expect_eq(v, 1480);
	/* MF on: 0x60b9; DF off: 0x20b9 */
	cr_assert(pl_field_set(b, &hs, F_IP_MF, false, 1));
	cr_assert(pl_field_set(b, &hs, F_IP_DF, false, 0));
	cr_expect(b[6] == 0x20 && b[7] == 0xb9, "%02x%02x", b[6], b[7]);
	cr_assert(pl_field_get(&hs, F_IP_FLAGS, false, &v));
	cr_expect_eq(v, 1, "flags RF DF MF = 001");
}

Test(proto, names_and_long_names_come_from_one_table)
{
	cr_expect_eq(pl_field_by_name("ip.len"), F_IP_LEN);
	cr_expect_eq(pl_field_by_name("ip.total_length"), F_IP_LEN);
	cr_expect_eq(pl_field_by_name("tcp.checksum"), F_TCP_CSUM);
	cr_expect_eq(pl_field_by_name("ip.frag_offset"), -1, "a diff's name in other units is not a send field");
	cr_expect_eq(pl_field_by_name("tcp.doff"), F_TCP_DOFF);
	for (int f = 0; f < F__COUNT; f++) {
		const struct pl_fdesc *d = pl_fdesc((enum pl_field)f);

		cr_assert_not_null(d->name, "field %d has no row", f);
		if (d->hdr != PL_HDR_NONE && d->width)
			cr_expect(!strncmp(d->name, pl_proto(d->hdr)->name, strlen(pl_proto(d->hdr)->name)),
				  "%s is not named after its header %s", d->name, pl_proto(d->hdr)->name);
	}
}

/* expect match reads the quoted datagram's fields: the port unreachable above quotes
 * TTL 64 and destination port 7 */
Test(proto, expect_match_checks_quoted_fields)
{
	static const char text[] = "scenario q\n  send udp.dport=7\n  expect drop\n"
				   "  expect.kernel match icmp.type=3 icmp.quoted.ip.ttl=64 icmp.quoted.udp.dport=7\n"
				   "scenario r\n  send udp.dport=7\n  expect drop\n"
				   "  expect.kernel match icmp.quoted.ip.ttl=63 icmp.quoted.tcp.dport=7\n";
	uint8_t sent[256], reply[256];
	size_t ns = hex(udp_hex, sent), nr = hex(unreach_hex, reply);
	struct pl_scn_set set = { 0 };
	struct pl_err err = { "" };
	struct pl_observation o = { sent, ns, reply, nr, BS_OK };
	struct pl_judgement j;
	char d[160];

	cr_assert_eq(pl_scn_parse_text(&set, "non-icmp/q.scn", text, sizeof(text) - 1, &err), 0, "%s", err.msg);
	pl_expect_describe(pl_scn_expect(&set.v[0], 0, PL_TARGET_KERNEL, PL_STACK_ECHO), d, sizeof(d));
	cr_expect_str_eq(d, "match icmp.type=3 icmp.quoted.ip.ttl=64 icmp.quoted.udp.dport=7");
	cr_expect_eq(pl_judge(pl_scn_expect(&set.v[0], 0, PL_TARGET_KERNEL, PL_STACK_ECHO), PL_TARGET_KERNEL, pl_stack(PL_STACK_ECHO), &o, &j), V_PASS,
		     "%s", j.diff.lines[0]);
	cr_expect_eq(pl_judge(pl_scn_expect(&set.v[1], 0, PL_TARGET_KERNEL, PL_STACK_ECHO), PL_TARGET_KERNEL, pl_stack(PL_STACK_ECHO), &o, &j), V_WRONG_REPLY);
	cr_assert_eq(j.diff.count, 2);
	cr_expect_str_eq(j.diff.lines[0], "icmp.quoted.ip.ttl: expected 63, got 64");
	cr_expect(!strncmp(j.diff.lines[1], "icmp.quoted.tcp.dport: expected 7, got no such field", 52), "%s", j.diff.lines[1]);
	pl_scn_set_free(&set);
}

Test(proto, quoted_fields_are_for_match_only)
{
	static const char text[] = "scenario q\n  send icmp.seq=1\n  expect reply icmp.quoted.ip.ttl=64\n";
	struct pl_scn_set set = { 0 };
	struct pl_err err = { "" };

	cr_assert_neq(pl_scn_parse_text(&set, "valid/q.scn", text, sizeof(text) - 1, &err), 0);
	cr_expect(strstr(err.msg, "icmp.quoted.ip.ttl: quoted fields are for expect match"), "%s", err.msg);
}
