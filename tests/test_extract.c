/* The tolerant extractor on realistic model outputs. The expected packet in every case is
 * the 30-byte echo reply below, written out by hand:
 *   45 00 001e 0202 0000 40 01 6140 0a4d0202 0a4d0102 | 00 05 ffe7 0001 0001 0011 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>

#include "packet/extract.h"
#include "tests/util.h"

#define R "4500001e02020000400161400a4d02020a4d01020005ffe7000100010011"

static uint8_t want[30];

static void setup(void)
{
	cr_assert_eq(tu_hex(R, want, sizeof(want)), 30);
}

static void expect_packet(const char *text, const char *how)
{
	uint8_t out[2048];
	struct pl_extract x;
	struct pl_err err = { "" };
	int rc = pl_extract(text, strlen(text), out, sizeof(out), &x, &err);

	cr_assert_eq(rc, 0, "rc %d (%s) for: %s", rc, err.msg, text);
	cr_assert_eq(x.kind, PL_EXTRACT_PACKET, "for: %s", text);
	cr_assert_eq(x.len, 30, "len %zu for: %s", x.len, text);
	cr_assert_arr_eq(out, want, 30, "bytes for: %s", text);
	cr_assert_str_eq(x.how, how, "for: %s", text);
}

static void expect_drop(const char *text)
{
	uint8_t out[2048];
	struct pl_extract x;
	struct pl_err err = { "" };

	cr_assert_eq(pl_extract(text, strlen(text), out, sizeof(out), &x, &err), 0, "%s: %s", err.msg, text);
	cr_assert_eq(x.kind, PL_EXTRACT_DROP, "for: %s", text);
}

static void expect_error(const char *text, int code, const char *msg)
{
	uint8_t out[2048];
	struct pl_extract x;
	struct pl_err err = { "" };

	cr_assert_eq(pl_extract(text, strlen(text), out, sizeof(out), &x, &err), code, "for: %s", text);
	if (msg)
		cr_assert_str_eq(err.msg, msg);
}

TestSuite(extract, .init = setup);

Test(extract, bare_hex)
{
	expect_packet(R, "text");
	expect_packet(R "\n", "text");
}

Test(extract, marker_after_reasoning_with_quoted_numbers)
{
	expect_packet("Step 1: version 4, IHL 5. The checksum 0x6140 is valid.\n"
		      "Step 2: ICMP type 8, code 5, checksum 0xf7e7.\n"
		      "New ICMP checksum: 0xffe7.\n\nREPLY: " R "\n", "marker");
}

Test(extract, fenced_block_with_prose_around)
{
	expect_packet("Here you go:\n\n```hex\n" R "\n```\n\nLet me know if you need more.", "fence");
	/* "echo reply:" is a marker whose paragraph extends over the fence */
	expect_packet("Here is the echo reply:\n\n```hex\n" R "\n```\n\nLet me know.", "marker");
}

Test(extract, spaced_bytes_over_lines)
{
	expect_packet("45 00 00 1e 02 02 00 00 40 01 61 40 0a 4d 02 02\n"
		      "0a 4d 01 02 00 05 ff e7 00 01 00 01 00 11\n", "text");
}

Test(extract, c_array_with_0x_prefixes)
{
	expect_packet("uint8_t reply[] = { 0x45, 0x00, 0x00, 0x1e, 0x02, 0x02, 0x00, 0x00, 0x40, 0x01,\n"
		      "  0x61, 0x40, 0x0a, 0x4d, 0x02, 0x02, 0x0a, 0x4d, 0x01, 0x02, 0x00, 0x05, 0xff, 0xe7,\n"
		      "  0x00, 0x01, 0x00, 0x01, 0x00, 0x11 };", "text");
}

Test(extract, backslash_x_escapes)
{
	expect_packet("bytes: \\x45\\x00\\x00\\x1e\\x02\\x02\\x00\\x00\\x40\\x01\\x61\\x40\\x0a\\x4d\\x02\\x02"
		      "\\x0a\\x4d\\x01\\x02\\x00\\x05\\xff\\xe7\\x00\\x01\\x00\\x01\\x00\\x11", "text");
}

Test(extract, uppercase)
{
	expect_packet("REPLY: 4500001E02020000400161400A4D02020A4D01020005FFE7000100010011", "marker");
}

Test(extract, hexdump_offsets_are_skipped)
{
	expect_packet("0000: 45 00 00 1e 02 02 00 00 40 01 61 40 0a 4d 02 02\n"
		      "0010: 0a 4d 01 02 00 05 ff e7 00 01 00 01 00 11\n", "text");
}

Test(extract, tcpdump_style_16bit_groups)
{
	expect_packet("\t0x0000:  4500 001e 0202 0000 4001 6140 0a4d 0202\n"
		      "\t0x0010:  0a4d 0102 0005 ffe7 0001 0001 0011\n", "text");
}

Test(extract, two_different_packets_are_ambiguous)
{
	expect_error("Request:\n4500001e02020000400161400a4d01020a4d02020805f7e7000100010011\n"
		     "and the answer\n" R "\n",
		     -EEXIST, "ambiguous: 2 different candidate packets (30 and 30 bytes)");
}

Test(extract, request_quoted_then_reply_marker)
{
	expect_packet("The request was 4500001e02020000400161400a4d01020a4d02020805f7e7000100010011 "
		      "(echo request, code 5).\nSwapping addresses and setting type 0...\n"
		      "REPLY: " R, "marker");
}

Test(extract, marker_drop)
{
	expect_drop("The header checksum is wrong (0x1111, should be 0x5d3c).\nREPLY: DROP\n");
	expect_drop("**REPLY:** none");
}

Test(extract, prose_drop_decisions)
{
	expect_drop("I will not respond to this packet.");
	expect_drop("This is a UDP datagram; per rule 6 it is dropped.");
	expect_drop("The packet has a bad checksum, so it should be discarded.");
	expect_drop("DROP");
}

Test(extract, refusal_without_decision_is_unparseable)
{
	expect_error("I'm sorry, but I can't help with that.", -ENOENT,
		     "no packet hex (20 bytes or more) and no drop decision found in 38 characters of text");
}

Test(extract, truncated_output_is_unparseable)
{
	/* the model stopped after 10 bytes (max_tokens) */
	expect_error("REPLY: 4500001e020200004001", -ENOENT, NULL);
}

Test(extract, unterminated_fence_keeps_what_is_there)
{
	uint8_t out[64];
	struct pl_extract x;
	const char *t = "```\n4500001e02020000400161400a4d02020a4d01020005";

	cr_assert_eq(pl_extract(t, strlen(t), out, sizeof(out), &x, NULL), 0);
	cr_assert_eq(x.kind, PL_EXTRACT_PACKET);
	cr_assert_eq(x.len, 22);
	cr_assert_arr_eq(out, want, 22);
}

Test(extract, prose_word_before_hex_is_not_data)
{
	/* "be" and "ace" are hex-looking words */
	expect_packet("The reply would be 45 00 00 1e 02 02 00 00 40 01 61 40 0a 4d 02 02 0a 4d 01 02 "
		      "00 05 ff e7 00 01 00 01 00 11 and that is all.", "text");
	expect_packet("In a face-to-face check: " R ".", "text");
}

Test(extract, same_packet_twice_is_one_candidate)
{
	expect_packet("Draft: " R "\nDouble-checked the sums.\nFinal: " R "\n", "text");
}

Test(extract, conflicting_markers)
{
	expect_error("REPLY: DROP\n\nActually no.\n\nREPLY: " R, -EEXIST,
		     "ambiguous: one REPLY marker has a packet, another says drop");
}

Test(extract, bold_marker_with_inline_code)
{
	expect_packet("**Reply:** `" R "`", "marker");
}

Test(extract, packet_wins_over_drop_word_in_free_text)
{
	expect_packet("No reason to drop it; the answer is\n" R, "text");
}

Test(extract, oversized_packet)
{
	uint8_t out[16];
	struct pl_extract x;
	struct pl_err err;

	cr_assert_eq(pl_extract(R, strlen(R), out, sizeof(out), &x, &err), -E2BIG);
	cr_assert_str_eq(err.msg, "packet of 30 bytes exceeds the limit of 16");
}

Test(extract, blank_line_separates_packets)
{
	expect_error(R "\n\n4500001e02020000400161400a4d01020a4d02020805f7e7000100010011", -EEXIST,
		     "ambiguous: 2 different candidate packets (30 and 30 bytes)");
}
