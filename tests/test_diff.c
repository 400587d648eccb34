/* Field-level diff. Expected lines are written by hand from the hex. */
#include <criterion/criterion.h>
#include <string.h>

#include "packet/diff.h"
#include "tests/util.h"

/* 45 00 001e 0202 0000 40 01 6140 0a4d0202 0a4d0102 | 00 05 ffe7 0001 0001 0011 */
#define EXP "4500001e02020000400161400a4d02020a4d01020005ffe7000100010011"

static size_t diff(const char *exp, const char *got, enum pl_strict s, struct pl_diff *d)
{
	uint8_t e[256], g[256];
	size_t en = tu_hex(exp, e, sizeof(e)), gn = tu_hex(got, g, sizeof(g));

	return pl_diff(e, en, g, gn, s, d);
}

Test(diff, identical_is_empty)
{
	struct pl_diff d;

	cr_assert_eq(diff(EXP, EXP, PL_STRICT_EXACT, &d), 0);
	cr_assert_eq(diff(EXP, EXP, PL_STRICT_RFC, &d), 0);
}

Test(diff, one_wrong_checksum_digit)
{
	struct pl_diff d;

	cr_assert_eq(diff(EXP, "4500001e02020000400161400a4d02020a4d01020005ffe8000100010011",
			  PL_STRICT_EXACT, &d), 1);
	cr_assert_str_eq(d.lines[0], "icmp.checksum: expected 0xffe7, got 0xffe8");
	/* in RFC mode the checksum must be valid: the valid value is still 0xffe7 */
	cr_assert_eq(diff(EXP, "4500001e02020000400161400a4d02020a4d01020005ffe8000100010011",
			  PL_STRICT_RFC, &d), 1);
	cr_assert_str_eq(d.lines[0], "icmp.checksum: expected 0xffe7 (valid for the bytes sent), got 0xffe8");
}

Test(diff, ttl_and_stale_checksum)
{
	struct pl_diff d;

	/* TTL 3f (63) with the header checksum left at 6140 */
	cr_assert_eq(diff(EXP, "4500001e020200003f0161400a4d02020a4d01020005ffe7000100010011",
			  PL_STRICT_EXACT, &d), 1);
	cr_assert_str_eq(d.lines[0], "ip.ttl: expected 64, got 63");
	/* RFC mode: TTL is free but the checksum is now wrong; valid would be 0x6240 */
	cr_assert_eq(diff(EXP, "4500001e020200003f0161400a4d02020a4d01020005ffe7000100010011",
			  PL_STRICT_RFC, &d), 1);
	cr_assert_str_eq(d.lines[0], "ip.checksum: expected 0x6240 (valid for the bytes sent), got 0x6140");
	/* TTL 63 with the checksum fixed is RFC-valid */
	cr_assert_eq(diff(EXP, "4500001e020200003f0162400a4d02020a4d01020005ffe7000100010011",
			  PL_STRICT_RFC, &d), 0);
}

Test(diff, addresses_not_swapped)
{
	struct pl_diff d;

	cr_assert_eq(diff(EXP, "4500001e02020000400161400a4d01020a4d02020005ffe7000100010011",
			  PL_STRICT_EXACT, &d), 2);
	cr_assert_str_eq(d.lines[0], "ip.src: expected 10.77.2.2, got 10.77.1.2");
	cr_assert_str_eq(d.lines[1], "ip.dst: expected 10.77.1.2, got 10.77.2.2");
}

Test(diff, type_id_seq_payload)
{
	struct pl_diff d;

	/* type 8 instead of 0, id 0002, seq 2, payload 0012 (checksum left unchanged) */
	cr_assert_eq(diff(EXP, "4500001e02020000400161400a4d02020a4d01020805ffe7000200020012",
			  PL_STRICT_EXACT, &d), 4);
	cr_assert_str_eq(d.lines[0], "icmp.type: expected 0, got 8");
	cr_assert_str_eq(d.lines[1], "icmp.id: expected 0x0001, got 0x0002");
	cr_assert_str_eq(d.lines[2], "icmp.seq: expected 1, got 2");
	cr_assert_str_eq(d.lines[3], "icmp.payload: first difference at offset 1 of 2: expected 0x11, got 0x12");
}

Test(diff, truncated_reply)
{
	struct pl_diff d;

	/* the model dropped the last payload byte but kept total length 30 */
	cr_assert_eq(diff(EXP, "4500001e02020000400161400a4d02020a4d01020005ffe70001000100",
			  PL_STRICT_EXACT, &d), 2);
	cr_assert_str_eq(d.lines[0], "ip: unparseable (total length 30 > captured 29)");
	cr_assert_str_eq(d.lines[1], "bytes: expected 30 bytes, got 29");
}

Test(diff, unparseable_header)
{
	struct pl_diff d;

	cr_assert_eq(diff(EXP, "4400001e02020000400161400a4d02020a4d01020005ffe7000100010011",
			  PL_STRICT_EXACT, &d), 2);
	cr_assert_str_eq(d.lines[0], "ip: unparseable (ihl 4 < 5)");
	cr_assert_str_eq(d.lines[1], "bytes: first difference at offset 0 of 30: expected 0x45, got 0x44");
}

Test(diff, rfc_accepts_code_zero_and_other_id_tos_df)
{
	struct pl_diff d;

	/* code 0: the sum drops by 0x0005, so the checksum rises to 0xffec; id 0x1111, DF,
	 * tos 0x10: ip checksum 0x1221 (both from the independent Python sum) */
	cr_assert_eq(diff(EXP, "4510001e111140004001" "1221" "0a4d02020a4d0102" "0000ffec000100010011",
			  PL_STRICT_RFC, &d), 0, "%s", d.lines[0]);
	cr_assert_eq(diff(EXP, "4510001e111140004001" "1221" "0a4d02020a4d0102" "0000ffec000100010011",
			  PL_STRICT_EXACT, &d), 6);
	cr_assert_str_eq(d.lines[0], "ip.tos: expected 0x0000, got 0x0010");
	cr_assert_str_eq(d.lines[1], "ip.id: expected 0x0202, got 0x1111");
	cr_assert_str_eq(d.lines[2], "ip.flags: expected none, got DF");
	cr_assert_str_eq(d.lines[3], "ip.checksum: expected 0x6140, got 0x1221");
	cr_assert_str_eq(d.lines[4], "icmp.code: expected 5, got 0");
	cr_assert_str_eq(d.lines[5], "icmp.checksum: expected 0xffe7, got 0xffec");
}

Test(diff, rfc_rejects_ttl_zero_and_mf)
{
	struct pl_diff d;

	/* ttl 0, MF set; header checksum valid for those bytes: 0x8140 (Python) */
	cr_assert_eq(diff(EXP, "4500001e020220000001" "8140" "0a4d02020a4d01020005ffe7000100010011",
			  PL_STRICT_RFC, &d), 3, "%s", d.lines[0]);
	cr_assert_str_eq(d.lines[0], "ip.flags: expected no RF/MF, got MF");
	cr_assert_str_eq(d.lines[1], "ip.ttl: expected > 0, got 0");
	/* a fragment is not an ICMP message */
	cr_assert_str_eq(d.lines[2], "icmp: expected an ICMP message, got 10 bytes of icmp fragment");
}

Test(diff, trailing_garbage_and_join)
{
	struct pl_diff d;
	char j[512];

	cr_assert_eq(diff(EXP, EXP "00", PL_STRICT_EXACT, &d), 1);
	cr_assert_str_eq(d.lines[0], "length: expected 30 bytes, got 31 (1 bytes beyond total length)");
	diff(EXP, "4500001e02020000400161400a4d01020a4d02020005ffe7000100010011", PL_STRICT_EXACT, &d);
	pl_diff_join(&d, j, sizeof(j));
	cr_assert_str_eq(j, "ip.src: expected 10.77.2.2, got 10.77.1.2; ip.dst: expected 10.77.1.2, got 10.77.2.2");
}
