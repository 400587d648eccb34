/* The records between processes: what the writer puts on a line, checked against the
 * line written out by hand from the schema in record/record.h, and read back. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record/record.h"

Test(record, a_packet_record_is_the_documented_line)
{
	static const uint8_t sent[] = { 0x45, 0x00 }, reply[] = { 0xab };
	static const char diff[2][160] = { "ip.ttl: expected 64, got 63", "a \"quote\"\tand tab" };
	struct pl_rec_packet r = {
		.scenario = "valid/x", .category = "valid", .target = "reference", .expect = "reply",
		.kernel = false, .packet = 2, .rep = 1, .trial = 0, .sent = sent, .sent_len = 2,
		.t_sent_us = 12.5, .t_sent_kernel = true, .has_delivered = true, .delivered = true,
		.reply = reply, .reply_len = 1, .t_reply_us = 20, .rtt_us = 7.5, .rtt_at_generator = true,
		.extra_replies = 0, .verdict = "wrong-reply", .diff = diff, .ndiff = 2, .note = "n\x01",
	};
	struct pl_rec_out w = { 0 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_eq(pl_rec_write_packet(&w, f, &r), 0);
	/* numbers as common/jsonnum.h writes them: integers bare, the rest to 3 decimals */
	fclose(f);
	cr_expect_str_eq(buf,
			 "{\"type\":\"packet\",\"scenario\":\"valid/x\",\"category\":\"valid\",\"target\":\"reference\","
			 "\"kind\":\"responder\",\"packet\":2,\"rep\":1,\"trial\":0,\"expect\":\"reply\",\"sent\":\"4500\","
			 "\"t_sent_us\":12.500,\"t_sent_kernel\":true,\"delivered\":true,\"reply\":\"ab\",\"t_reply_us\":20,"
			 "\"rtt_us\":7.500,\"rtt_at_generator\":true,\"verdict\":\"wrong-reply\","
			 "\"diff\":[\"ip.ttl: expected 64, got 63\",\"a \\\"quote\\\"\\tand tab\"],\"note\":\"n\\u0001\"}\n");
	{
		struct pl_rec rec;

		cr_assert_eq(pl_rec_parse(buf, &rec), 0);
		cr_expect_eq(rec.type, PL_REC_PACKET);
		cr_expect_str_eq(rec.scenario, "valid/x");
		cr_expect_str_eq(rec.sent, "4500");
		cr_expect_str_eq(rec.reply, "ab");
		cr_expect_str_eq(rec.verdict, "wrong-reply");
		cr_expect_eq(rec.packet, 2);
		cr_expect_eq(rec.rep, 1);
		cr_expect(rec.delivered_known && rec.delivered);
		cr_expect_eq(rec.rtt_us, 7.5);
		cr_expect_eq(cJSON_GetArraySize(rec.diff), 2);
		cr_expect_str_eq(cJSON_GetArrayItem(rec.diff, 1)->valuestring, "a \"quote\"\tand tab");
		cr_expect_str_eq(rec.note, "n\x01");
		pl_rec_free(&rec);
	}
	free(buf);
	pl_rec_out_free(&w);
}

Test(record, kinds_of_lines)
{
	struct pl_rec rec;

	cr_expect_eq(pl_rec_parse("{\"type\":\"stopped\",\"detail\":\"stopped at --max-packets 3\"}", &rec), 0);
	cr_expect_eq(rec.type, PL_REC_STOPPED);
	cr_expect_str_eq(rec.detail, "stopped at --max-packets 3");
	pl_rec_free(&rec);
	cr_expect_eq(pl_rec_parse("{\"type\":\"unmatched\",\"scenario\":\"a/b\",\"target\":\"kernel\"}", &rec), 0);
	cr_expect_eq(rec.type, PL_REC_UNMATCHED);
	pl_rec_free(&rec);
	/* a packet line without its verdict is not a packet record */
	cr_expect_eq(pl_rec_parse("{\"type\":\"packet\",\"scenario\":\"a/b\",\"target\":\"kernel\",\"sent\":\"45\"}", &rec), 0);
	cr_expect_eq(rec.type, PL_REC_OTHER);
	pl_rec_free(&rec);
	cr_expect_lt(pl_rec_parse("{\"type\":\"packet\",", &rec), 0, "a torn line");
	cr_expect_null(rec.o);
	cr_expect_lt(pl_rec_parse("[1]", &rec), 0);
}

Test(record, outcomes_and_token_keys)
{
	static const char *const names[] = { "reply", "drop", "unparseable", "api-error", "timeout", "truncated", "refused" };
	double t[PL_TOK__COUNT];
	cJSON *tok = cJSON_Parse("{\"input\":10,\"output\":2.5,\"cache_read\":-1,\"cache_write\":\"x\"}");

	for (int i = 0; i < PL_OUT__COUNT; i++) {
		cr_expect_str_eq(pl_outcome_name((enum pl_outcome)i), names[i]);
		cr_expect_eq(pl_outcome_from_name(names[i]), i);
	}
	cr_expect_eq(pl_outcome_from_name("Reply"), -1);
	pl_tok_read(tok, t);
	cr_expect(t[PL_TOK_INPUT] == 10 && t[PL_TOK_OUTPUT] == 2.5 && t[PL_TOK_CACHE_READ] == 0 && t[PL_TOK_CACHE_WRITE] == 0);
	cJSON_Delete(tok);
}

Test(record, a_line_of_any_length_is_read_whole)
{
	char *buf = NULL, *line = NULL;
	size_t len = 0, cap = 0, big = 300000;
	FILE *f = open_memstream(&buf, &len);

	for (size_t i = 0; i < big; i++)
		fputc('a', f);
	fputs("\nshort\n", f);
	fclose(f);
	f = fmemopen(buf, len, "r");
	cr_assert_eq(pl_rec_getline(f, &line, &cap), (long)big + 1);
	cr_expect_eq(strlen(line), big + 1);
	cr_assert_eq(pl_rec_getline(f, &line, &cap), 6);
	cr_expect_str_eq(line, "short\n");
	cr_expect_eq(pl_rec_getline(f, &line, &cap), -1);
	fclose(f);
	free(line);
	free(buf);
}

/* The responder's log line, written out by hand from the order record.h documents: a
 * reference decision (no model fields, "out" null for a drop), then a model's with every
 * optional field, a secret-free error and a text with a newline. */
Test(record, a_decision_is_the_documented_line)
{
	static const uint8_t in[] = { 0x45, 0x00, 0x00, 0x1c }, out[] = { 0x45, 0x10 };
	struct pl_rec_decision_line ref = {
		.id = 7, .t_recv_us = 1795481302973267.0, .in = in, .in_len = 4, .out = NULL,
		.outcome = "drop", .backend = "reference", .queued_us = 0, .total_us = 3.25,
	};
	struct pl_rec_decision_line m = {
		.id = 8, .t_recv_us = 5, .in = in, .in_len = 4, .out = out, .out_len = 2,
		.outcome = "reply", .backend = "anthropic", .model = true,
		.tokens = { 1200, 80, 1000, 0 }, .thinking_tokens = 30, .prompt_sha256 = "ab12",
		.attempts = 2, .http_status = 200, .thinking_chars = 140, .stop_reason = "end_turn",
		.model_name = "claude-x", .server_ms = 0, .extracted_from = "marker", .from_cassette = true,
		.attempt_log = "529 overloaded_error; 200", .text = "REPLY\n4510",
		.queued_us = 1.5, .has_sent = true, .sent_us = 20, .has_first_byte = true,
		.first_byte_us = 900.125, .has_ttft = false, .total_us = 1000, .error = "",
	};
	struct pl_rec_out w = { 0 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	cr_assert_eq(pl_rec_write_decision(&w, f, &ref), 0);
	cr_assert_eq(pl_rec_write_decision(&w, f, &m), 0);
	fclose(f);
	cr_expect_str_eq(buf,
			 "{\"id\":7,\"t_recv_us\":1795481302973267,\"in\":\"4500001c\",\"out\":null,\"outcome\":\"drop\","
			 "\"backend\":\"reference\",\"timing_us\":{\"queued\":0,\"total\":3.250}}\n"
			 "{\"id\":8,\"t_recv_us\":5,\"in\":\"4500001c\",\"out\":\"4510\",\"outcome\":\"reply\","
			 "\"backend\":\"anthropic\",\"tokens\":{\"input\":1200,\"output\":80,\"cache_read\":1000,"
			 "\"cache_write\":0,\"thinking\":30},\"prompt_sha256\":\"ab12\",\"attempts\":2,\"http_status\":200,"
			 "\"thinking_chars\":140,\"stop_reason\":\"end_turn\",\"model\":\"claude-x\","
			 "\"extracted_from\":\"marker\",\"from_cassette\":true,\"attempt_log\":\"529 overloaded_error; 200\","
			 "\"text\":\"REPLY\\n4510\",\"timing_us\":{\"queued\":1.500,\"sent\":20,\"first_byte\":900.125,"
			 "\"total\":1000}}\n");
	free(buf);
	pl_rec_out_free(&w);
}

/* ---- pl_rec_scan: the same fields as pl_rec_parse, without cJSON ---------------------- */

static struct pl_rec scan_ok(const char *text, char *buf, size_t cap, struct pl_rec_scanner *sc)
{
	struct pl_rec rec;

	snprintf(buf, cap, "%s", text);
	cr_assert_eq(pl_rec_scan(buf, sc, &rec), 0, "scanned: %s", text);
	cr_assert_null(rec.o);
	return rec;
}

/* A packet line written out by hand from record/record.h's schema, with what a recorder
 * escapes (quote, backslash, tab, a control byte) in its note and diff. */
Test(record_scan, a_packet_line_by_hand)
{
	static const char line[] =
		"{\"type\":\"packet\",\"scenario\":\"malformed/bad-ihl\",\"category\":\"malformed\",\"target\":\"mock:sim\","
		"\"kind\":\"responder\",\"packet\":3,\"rep\":2,\"trial\":1,\"expect\":\"drop\",\"sent\":\"4f000014\","
		"\"t_sent_us\":1500.250,\"t_sent_kernel\":false,\"delivered\":false,\"reply\":\"45000014\",\"t_reply_us\":1510,"
		"\"rtt_us\":9.750,\"rtt_at_generator\":true,\"extra_replies\":2,\"verdict\":\"false-reply\","
		"\"diff\":[\"ip.ihl: expected 5, got 15\",\"a \\\"q\\\" \\\\ \\t\\/ \\u0041\"],\"note\":\"n\\u0001\\n\"}";
	char buf[1024];
	struct pl_rec_scanner sc = { 0 };
	struct pl_rec r = scan_ok(line, buf, sizeof(buf), &sc);

	cr_expect_eq(r.type, PL_REC_PACKET);
	cr_expect(r.object && r.packet_type);
	cr_expect_str_eq(r.scenario, "malformed/bad-ihl");
	cr_expect_str_eq(r.category, "malformed");
	cr_expect_str_eq(r.target, "mock:sim");
	cr_expect_str_eq(r.kind, "responder");
	cr_expect_eq(r.packet, 3);
	cr_expect_eq(r.rep, 2);
	cr_expect_eq(r.trial, 1);
	cr_expect_str_eq(r.expect, "drop");
	cr_expect_str_eq(r.sent, "4f000014");
	cr_expect_eq(r.t_sent_us, 1500.25);
	cr_expect(r.delivered_known && !r.delivered);
	cr_expect_str_eq(r.reply, "45000014");
	cr_expect_eq(r.t_reply_us, 1510);
	cr_expect_eq(r.rtt_us, 9.75);
	cr_expect_eq(r.extra_replies, 2);
	cr_expect_str_eq(r.verdict, "false-reply");
	cr_assert_eq(r.ndstr, 2);
	cr_expect_str_eq(r.dstr[0], "ip.ihl: expected 5, got 15");
	cr_expect_str_eq(r.dstr[1], "a \"q\" \\ \t/ A");
	cr_expect_str_eq(r.note, "n\x01\n");
	pl_rec_free(&r);
	pl_rec_scanner_free(&sc);
}

/* Whitespace anywhere JSON allows it, members in another order, unknown members of every
 * kind (nested too), a repeated key (the first counts, as with cJSON), no reply, absent
 * counts at their defaults, what follows the object ignored (cJSON ignores it too). */
Test(record_scan, order_whitespace_unknown_members_and_repeats)
{
	static const char line[] =
		" { \"verdict\" : \"missed-reply\" ,\"x\":{\"a\":[1,-2.5e3,true,false,null,{\"b\":\"\\u0022\"}]},"
		"\t\"sent\":\"45\", \"reply\":null, \"target\":\"kernel\", \"scenario\":\"a/b\", \"type\":\"packet\","
		"\"scenario\":\"not/this\", \"rtt_us\":5, \"t_sent_us\":-0.5, \"y\":[], \"z\":{} } trailing";
	char buf[1024];
	struct pl_rec_scanner sc = { 0 };
	struct pl_rec r = scan_ok(line, buf, sizeof(buf), &sc);

	cr_expect_eq(r.type, PL_REC_PACKET);
	cr_expect_str_eq(r.scenario, "a/b");
	cr_expect_str_eq(r.target, "kernel");
	cr_expect_str_eq(r.sent, "45");
	cr_expect_null(r.reply);
	cr_expect_eq(r.rtt_us, -1, "no reply: no RTT");
	cr_expect_eq(r.t_sent_us, -0.5);
	cr_expect_eq(r.t_reply_us, -1);
	cr_expect_eq(r.packet, 1);
	cr_expect_eq(r.rep, 0);
	cr_expect(!r.delivered_known);
	cr_expect_null(r.expect);
	cr_expect_eq(r.ndstr, 0);
	pl_rec_free(&r);
	/* the other kinds of record */
	r = scan_ok("{\"type\":\"stopped\",\"guard\":\"max-cost\",\"detail\":\"stopped at --max-cost 0.5\"}", buf, sizeof(buf), &sc);
	cr_expect_eq(r.type, PL_REC_STOPPED);
	cr_expect_str_eq(r.detail, "stopped at --max-cost 0.5");
	r = scan_ok("{\"type\":\"unmatched\",\"scenario\":\"a/b\",\"target\":\"kernel\",\"t_us\":1.5,\"bytes\":\"4500\"}", buf,
		    sizeof(buf), &sc);
	cr_expect_eq(r.type, PL_REC_UNMATCHED);
	cr_expect_str_eq(r.target, "kernel");
	/* a packet record without its verdict, a count out of range, a number where a string goes */
	r = scan_ok("{\"type\":\"packet\",\"scenario\":\"a/b\",\"target\":\"k\",\"sent\":\"45\"}", buf, sizeof(buf), &sc);
	cr_expect(r.type == PL_REC_OTHER && r.packet_type && r.object);
	r = scan_ok("{\"type\":\"packet\",\"scenario\":\"a/b\",\"target\":\"k\",\"sent\":\"45\",\"verdict\":\"pass\","
		    "\"packet\":4294967296,\"rep\":-1,\"trial\":2.9,\"note\":7}", buf, sizeof(buf), &sc);
	cr_expect_eq(r.packet, 1, "beyond 2^32: the default");
	cr_expect_eq(r.rep, 0);
	cr_expect_eq(r.trial, 2);
	cr_expect_null(r.note);
	r = scan_ok("{}", buf, sizeof(buf), &sc);
	cr_expect(r.type == PL_REC_OTHER && r.object && !r.packet_type);
	pl_rec_scanner_free(&sc);
}

/* What it leaves to cJSON, unchanged: a line it returns 1 for is exactly as it was. */
Test(record_scan, leaves_the_unusual_to_cjson)
{
	static const char *const lines[] = {
		"{\"type\":\"packet\",",                              /* torn */
		"[1]",                                                /* not an object */
		"\xef\xbb\xbf{\"type\":\"packet\"}",                  /* byte-order mark */
		"{\"type\":\"packet\",\"note\":\"caf\\u00e9\"}",      /* a \\u escape beyond ASCII */
		"{\"type\":\"packet\",\"note\":\"a\\u0000b\"}",       /* ... or NUL */
		"{\"type\":\"packet\",\"note\":\"a\\qb\"}",           /* not an escape */
		"{\"ty\\u0070e\":\"packet\"}",                        /* a key with an escape */
		"{\"type\":\"packet\",\"diff\":\"x\"}",               /* a diff that is not an array */
		"{\"type\":\"packet\",\"diff\":[1]}",                 /* ... of strings */
		"{\"type\":\"packet\",\"rtt_us\":1.2.3}",             /* a number strtod stops inside */
		"{\"type\":\"packet\",\"rtt_us\":0000000000000000000000000000000000000000000000000000000000000001}",
		"{\"a\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
		"{\"type\":\"packet\",\"x\":tru}",
		"{\"type\":\"packet\" \"x\":1}",
	};
	struct pl_rec_scanner sc = { 0 };
	size_t i;

	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		char buf[512];
		struct pl_rec r;

		snprintf(buf, sizeof(buf), "%s", lines[i]);
		cr_expect_eq(pl_rec_scan(buf, &sc, &r), 1, "%s", lines[i]);
		cr_expect_str_eq(buf, lines[i], "left as it was");
	}
	pl_rec_scanner_free(&sc);
}

/* Numbers as cJSON reads them (strtod): the fast decimal path and the rest agree. */
Test(record_scan, numbers_as_cjson_reads_them)
{
	static const char *const nums[] = { "0", "-0", "7", "12.345", "0.001", "99999.999", "123456789012345",
					    "1234567890123456", "1e3", "-2.5E-2", "00012", "1.", "3.14159265358979" };
	struct pl_rec_scanner sc = { 0 };
	size_t i;

	for (i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		char line[256], buf[256];
		struct pl_rec a, b;

		snprintf(line, sizeof(line), "{\"type\":\"packet\",\"scenario\":\"s\",\"target\":\"t\",\"sent\":\"45\","
			 "\"verdict\":\"pass\",\"t_sent_us\":%s}", nums[i]);
		snprintf(buf, sizeof(buf), "%s", line);
		cr_assert_eq(pl_rec_scan(buf, &sc, &a), 0, "%s", nums[i]);
		cr_assert_eq(pl_rec_parse(line, &b), 0);
		cr_expect(memcmp(&a.t_sent_us, &b.t_sent_us, sizeof(double)) == 0, "%s: %.17g vs %.17g", nums[i], a.t_sent_us,
			  b.t_sent_us);
		cr_expect(memcmp(&a.t_sent_us, &(double){ strtod(nums[i], NULL) }, sizeof(double)) == 0, "%s", nums[i]);
		pl_rec_free(&b);
	}
	pl_rec_scanner_free(&sc);
}

/* A responder log's decision lines, read both ways: where the scanner reads a line it
 * gives what cJSON gives (pl_jstr / pl_jnum); where it does not, it leaves the line as it
 * was for cJSON. Lines in the shapes pinglab-responder writes, and odd ones by hand. */
Test(record_scan, decision_lines_as_cjson_reads_them)
{
	static const char *const lines[] = {
		"{\"id\":1,\"t_recv_us\":1796409382882584,\"in\":\"4500001c\",\"out\":\"4500001c\",\"outcome\":\"reply\","
		"\"backend\":\"reference\",\"timing_us\":{\"queued\":0.390,\"total\":8.703}}",
		"{\"id\":2,\"t_recv_us\":1796409383422680,\"in\":\"4500\",\"out\":null,\"outcome\":\"drop\",\"backend\":\"anthropic\","
		"\"tokens\":{\"input\":655,\"output\":36,\"cache_read\":0,\"cache_write\":0,\"thinking\":12},\"model\":\"claude-haiku-4-5\","
		"\"text\":\"REPLY: DROP\\n\",\"timing_us\":{\"queued\":0.206,\"sent\":87.227,\"total\":519948.341}}",
		"{\"in\":\"ab\",\"in\":\"cd\",\"tokens\":{\"input\":\"9\",\"input\":4},\"timing_us\":[1],\"model\":\"\"}",
		"{\"in\":7,\"tokens\":null,\"t_recv_us\":\"x\"}",
		"{\"tokens\":{\"output\":-0},\"in\":\"a\\/b\\\"c\",\"timing_us\":{\"total\":-1e3,\"total\":5}}",
		"{}",
		/* left to cJSON */
		"{\"in\":\"45\",\"tokens\":{\"in\\u0070ut\":3}}",
		"{\"in\":\"caf\\u00e9\"}",
		"{\"in\":\"45\"",
		"[{\"in\":\"45\"}]",
		"not json",
	};
	size_t i;

	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		char buf[1024];
		struct pl_rec_decision a, b;
		int k;

		snprintf(buf, sizeof(buf), "%s", lines[i]);
		pl_rec_parse_decision(lines[i], &b);
		if (pl_rec_scan_decision(buf, &a)) {
			cr_expect_str_eq(buf, lines[i], "line %zu changed", i);
			pl_rec_decision_free(&b);
			continue;
		}
		cr_expect(i < 6, "line %zu should have gone to cJSON", i);
		cr_expect_eq(!a.in, !b.in, "line %zu: in", i);
		if (a.in && b.in) {
			cr_expect_str_eq(a.in, b.in);
			cr_expect_eq(a.in_len, b.in_len);
		}
		cr_expect_eq(!a.model, !b.model, "line %zu: model", i);
		if (a.model && b.model)
			cr_expect_str_eq(a.model, b.model);
		cr_expect(!memcmp(&a.t_recv_us, &b.t_recv_us, sizeof(double)), "line %zu: t_recv_us", i);
		cr_expect(!memcmp(&a.total, &b.total, sizeof(double)), "line %zu: total %g %g", i, a.total, b.total);
		for (k = 0; k < PL_TOK__COUNT; k++)
			cr_expect(!memcmp(&a.tok[k], &b.tok[k], sizeof(double)), "line %zu: token %d", i, k);
		cr_expect(!memcmp(&a.thinking, &b.thinking, sizeof(double)), "line %zu: thinking", i);
		pl_rec_decision_free(&a);
		pl_rec_decision_free(&b);
	}
}
