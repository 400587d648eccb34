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
	struct pl_rec_decision ref = {
		.id = 7, .t_recv_us = 1795481302973267.0, .in = in, .in_len = 4, .out = NULL,
		.outcome = "drop", .backend = "reference", .queued_us = 0, .total_us = 3.25,
	};
	struct pl_rec_decision m = {
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
