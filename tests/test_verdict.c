/* Verdict engine on hand-made request/reply pairs. */
#include <criterion/criterion.h>
#include <string.h>

#include "scenario/verdict.h"
#include "tests/util.h"

/* echo request 10.77.1.2 > 10.77.2.2, code 5, id 1 seq 1, payload 0011, and its reference
 * reply (both from the independent Python script, see test_rules.c) */
#define REQ "4500001e02020000400161400a4d01020a4d02020805f7e7000100010011"
#define REP "4500001e02020000400161400a4d02020a4d01020005ffe7000100010011"

static uint8_t req[64], rep[64];
static size_t req_n, rep_n;

static void setup(void)
{
	req_n = tu_hex(REQ, req, sizeof(req));
	rep_n = tu_hex(REP, rep, sizeof(rep));
}

TestSuite(verdict, .init = setup);

static enum pl_verdict judge(struct pl_expect *e, enum pl_target_kind t, const char *reply_hex,
			     enum pl_backend_status bs, struct pl_judgement *j)
{
	static uint8_t r[128];
	struct pl_observation o = { .sent = req, .sent_len = req_n, .backend = bs };

	if (reply_hex) {
		o.reply_len = tu_hex(reply_hex, r, sizeof(r));
		o.reply = r;
	}
	return pl_judge(e, t, pl_stack(PL_STACK_ECHO), &o, j);
}

Test(verdict, reply_expectation)
{
	struct pl_expect e = { .kind = EXP_REPLY };
	struct pl_judgement j;

	cr_assert_eq(judge(&e, PL_TARGET_RESPONDER, REP, BS_OK, &j), V_PASS);
	cr_assert_eq(judge(&e, PL_TARGET_RESPONDER, NULL, BS_OK, &j), V_MISSED_REPLY);
	/* one flipped digit in the ICMP checksum */
	cr_assert_eq(judge(&e, PL_TARGET_RESPONDER, "4500001e02020000400161400a4d02020a4d01020005ffe6000100010011",
			   BS_OK, &j), V_WRONG_REPLY);
	cr_assert_eq(j.diff.count, 1);
	cr_assert_str_eq(j.diff.lines[0], "icmp.checksum: expected 0xffe7, got 0xffe6");
	cr_assert_str_eq(pl_verdict_name(j.verdict), "wrong-reply");
}

Test(verdict, reply_rfc_accepts_ttl_63_with_valid_checksum)
{
	struct pl_expect e = { .kind = EXP_REPLY, .strict = PL_STRICT_RFC };
	struct pl_judgement j;
	/* ttl 63 and header checksum 0x6240 */
	const char *ttl63 = "4500001e020200003f0162400a4d02020a4d01020005ffe7000100010011";

	cr_assert_eq(judge(&e, PL_TARGET_RESPONDER, ttl63, BS_OK, &j), V_PASS);
	e.strict = PL_STRICT_EXACT;
	cr_assert_eq(judge(&e, PL_TARGET_RESPONDER, ttl63, BS_OK, &j), V_WRONG_REPLY);
	cr_assert_str_eq(j.diff.lines[0], "ip.ttl: expected 64, got 63");
	cr_assert_str_eq(j.diff.lines[1], "ip.checksum: expected 0x6140, got 0x6240");
}

Test(verdict, reply_with_field_override)
{
	/* expect reply icmp.code=0: the reply must carry code 0 and checksum 0xffec */
	struct pl_expect e = { .kind = EXP_REPLY, .nfields = 1, .field = { F_ICMP_CODE }, .value = { 0 } };
	struct pl_judgement j;
	uint8_t want[64];

	cr_assert_eq(pl_expected_reply(&e, PL_TARGET_RESPONDER, pl_stack(PL_STACK_ECHO), req, req_n, want, sizeof(want)), 30);
	cr_assert_eq(want[21], 0);
	cr_assert_eq(want[22] << 8 | want[23], 0xffec);
	cr_assert_eq(judge(&e, PL_TARGET_RESPONDER, REP, BS_OK, &j), V_WRONG_REPLY);
	cr_assert_str_eq(j.diff.lines[0], "icmp.code: expected 0, got 5");
}

Test(verdict, reply_override_of_source_and_rest_recomputes_both_checksums)
{
	/* expect reply ip.src=10.77.2.9 icmp.rest=0x00050007: src word +7 takes the header
	 * checksum 0x6140 to 0x6139; id +4 and seq +6 take the ICMP checksum 0xffe7 to 0xffdd
	 * (checked with an independent Python RFC 1071 sum) */
	struct pl_expect e = { .kind = EXP_REPLY, .nfields = 2, .field = { F_IP_SRC, F_ICMP_REST },
			       .value = { 0x0a4d0209, 0x00050007 } };
	uint8_t want[64], got[64];
	size_t n = tu_hex("4500001e02020000400161390a4d02090a4d01020005ffdd000500070011", want, sizeof(want));

	cr_assert_eq(pl_expected_reply(&e, PL_TARGET_RESPONDER, pl_stack(PL_STACK_ECHO), req, req_n, got, sizeof(got)), n);
	cr_assert_arr_eq(got, want, n);
	/* an overridden checksum is kept as given: ip.ttl=1 with ip.csum=0x1234 */
	e = (struct pl_expect){ .kind = EXP_REPLY, .nfields = 4, .field = { F_IP_TTL, F_IP_CSUM, F_IP_FRAG, F_IP_MF },
				.value = { 1, 0x1234, 16, 1 } };
	n = tu_hex("4500001e02022002010112340a4d02020a4d01020005ffe7000100010011", want, sizeof(want));
	cr_assert_eq(pl_expected_reply(&e, PL_TARGET_RESPONDER, pl_stack(PL_STACK_ECHO), req, req_n, got, sizeof(got)), n);
	cr_assert_arr_eq(got, want, n);
}

Test(verdict, drop_expectation)
{
	struct pl_expect e = { .kind = EXP_DROP };
	struct pl_judgement j;

	cr_assert_eq(judge(&e, PL_TARGET_RESPONDER, NULL, BS_OK, &j), V_PASS);
	cr_assert_eq(judge(&e, PL_TARGET_RESPONDER, REP, BS_OK, &j), V_FALSE_REPLY);
	cr_assert_str_eq(j.note, "answered a packet that must be dropped: 10.77.2.2 > 10.77.1.2 icmp echo-reply code 5 id 0x0001 seq 1 len 30");
}

Test(verdict, either_records_what_happened)
{
	struct pl_expect e = { .kind = EXP_EITHER };
	struct pl_judgement j;

	cr_assert_eq(judge(&e, PL_TARGET_RESPONDER, NULL, BS_OK, &j), V_PASS);
	cr_assert_str_eq(j.note, "dropped (either was allowed)");
	cr_assert_eq(judge(&e, PL_TARGET_RESPONDER, REP, BS_OK, &j), V_PASS);
	/* answering with a broken reply is still wrong */
	cr_assert_eq(judge(&e, PL_TARGET_RESPONDER, "4500001e02020000400161400a4d02020a4d01020005ffe6000100010011",
			   BS_OK, &j), V_WRONG_REPLY);
}

Test(verdict, match_expectation_for_kernel_errors)
{
	/* the kernel answers UDP to a closed port with ICMP port unreachable (type 3 code 3) */
	struct pl_expect e = { .kind = EXP_MATCH, .nfields = 2, .field = { F_ICMP_TYPE, F_ICMP_CODE }, .value = { 3, 3 } };
	struct pl_judgement j;
	/* 10.77.1.1 > 10.77.1.2 icmp type 3 code 3, checksum not checked by match */
	const char *unreach = "4500002400000000400100000a4d01010a4d01020303000000000000450000000000000000000000";

	cr_assert_eq(judge(&e, PL_TARGET_KERNEL, unreach, BS_OK, &j), V_PASS);
	cr_assert_eq(judge(&e, PL_TARGET_KERNEL, NULL, BS_OK, &j), V_MISSED_REPLY);
	cr_assert_eq(judge(&e, PL_TARGET_KERNEL, REP, BS_OK, &j), V_WRONG_REPLY);
	cr_assert_str_eq(j.diff.lines[0], "icmp.type: expected 3, got 0");
	cr_assert_str_eq(j.diff.lines[1], "icmp.code: expected 3, got 5");
}

Test(verdict, backend_failures_take_precedence)
{
	struct pl_expect e = { .kind = EXP_DROP };
	struct pl_judgement j;

	cr_assert_eq(judge(&e, PL_TARGET_RESPONDER, NULL, BS_UNPARSEABLE, &j), V_UNPARSEABLE);
	cr_assert_eq(judge(&e, PL_TARGET_RESPONDER, NULL, BS_API_ERROR, &j), V_API_ERROR);
	cr_assert_eq(judge(&e, PL_TARGET_RESPONDER, NULL, BS_TIMEOUT, &j), V_TIMEOUT);
	/* no reply seen and no decision logged is not a correct drop */
	cr_assert_eq(judge(&e, PL_TARGET_RESPONDER, NULL, BS_UNDECIDED, &j), V_TIMEOUT);
	cr_assert(strstr(j.note, "no decision"), "%s", j.note);
	/* a drop expected, and the model's answer cut off or refused: neither passes as a
	 * drop, both are the model's, not the API's */
	cr_assert_eq(judge(&e, PL_TARGET_RESPONDER, NULL, BS_TRUNCATED, &j), V_TRUNCATED);
	cr_assert(strstr(j.note, "token limit"), "%s", j.note);
	cr_assert_eq(judge(&e, PL_TARGET_RESPONDER, NULL, BS_REFUSED, &j), V_REFUSED);
	cr_assert_str_eq(pl_verdict_name(V_TRUNCATED), "truncated");
	cr_assert_eq(pl_verdict_from_name("refused"), V_REFUSED);
	cr_assert_eq(pl_verdict_from_name("missed-reply"), V_MISSED_REPLY);
	cr_assert_eq(pl_verdict_from_name("nope"), -1);
}
