/* Model wire formats: bodies in the shapes the Anthropic and OpenAI documentation show. */
#include <criterion/criterion.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "model/api.h"
#include "tests/util.h"

/* A request of api for model as the responder builds it: its row of the shipped model
 * table and the knobs (temperature < -1: the table's default, -1: none). */
static cJSON *request_for(enum pl_api api, const char *model, double temperature, unsigned max_tokens,
			  unsigned thinking, const char *effort, bool stream)
{
	struct pl_mtab t;
	struct pl_err err;
	struct pl_req_opts q = { .model = model, .system = "SYS", .user = "Packet", .stream = stream };
	char *body;
	cJSON *o;

	cr_assert_eq(pl_mtab_load(tu_src("model/models-2026-12.tsv"), &t, &err), 0, "%s", err.msg);
	pl_api_knobs(api, pl_mtab_find(&t, model), temperature, max_tokens, thinking, effort, &q);
	body = pl_api_request(api, &q);
	o = cJSON_Parse(body);
	cr_assert_not_null(o, "%s", body);
	free(body);
	pl_mtab_free(&t);
	return o;
}

Test(model_api, anthropic_request_shape)
{
	cJSON *o = request_for(PL_API_ANTHROPIC, "claude-haiku-4-5", -2, 512, 0, NULL, false), *sys, *msg;

	cr_assert_str_eq(cJSON_GetObjectItem(o, "model")->valuestring, "claude-haiku-4-5");
	cr_assert_eq(cJSON_GetObjectItem(o, "max_tokens")->valueint, 512);
	sys = cJSON_GetArrayItem(cJSON_GetObjectItem(o, "system"), 0);
	cr_assert_str_eq(cJSON_GetObjectItem(sys, "text")->valuestring, "SYS");
	cr_assert_str_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(sys, "cache_control"), "type")->valuestring, "ephemeral");
	msg = cJSON_GetArrayItem(cJSON_GetObjectItem(o, "messages"), 0);
	cr_assert_str_eq(cJSON_GetObjectItem(msg, "role")->valuestring, "user");
	cr_assert_str_eq(cJSON_GetObjectItem(msg, "content")->valuestring, "Packet");
	cr_assert_null(cJSON_GetObjectItem(o, "stream"));
	/* the table says Haiku 4.5 takes temperature: 0, the most repeatable answer */
	cr_assert(cJSON_IsNumber(cJSON_GetObjectItem(o, "temperature")));
	cr_assert_eq(cJSON_GetObjectItem(o, "temperature")->valuedouble, 0);
	cr_assert_null(cJSON_GetObjectItem(o, "thinking"));
	cJSON_Delete(o);
}

Test(model_api, openai_request_shape)
{
	cJSON *o = request_for(PL_API_OPENAI, "qwen2.5", -2, 256, 0, NULL, true), *msgs = cJSON_GetObjectItem(o, "messages");

	cr_assert_eq(cJSON_GetArraySize(msgs), 2);
	cr_assert_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(msgs, 0), "role")->valuestring, "system");
	cr_assert_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(msgs, 1), "content")->valuestring, "Packet");
	cr_assert(cJSON_IsTrue(cJSON_GetObjectItem(o, "stream")));
	cr_assert(cJSON_IsTrue(cJSON_GetObjectItem(cJSON_GetObjectItem(o, "stream_options"), "include_usage")));
	/* a model no row knows (a local server's): max_tokens, no sampling parameters */
	cr_assert_eq(cJSON_GetObjectItem(o, "max_tokens")->valueint, 256);
	cr_assert_null(cJSON_GetObjectItem(o, "temperature"));
	cJSON_Delete(o);
}

/* What the table's rows make of a request (model/models-2026-12.tsv, read by hand):
 * claude-opus-4-7 "no" temperature; gpt-5-mini "default" temperature, max_completion_tokens,
 * effort; claude-sonnet-4-5 "budget" thinking. */
Test(model_api, request_follows_the_model_table)
{
	cJSON *o;

	o = request_for(PL_API_ANTHROPIC, "claude-opus-4-7", -2, 0, 0, NULL, false);
	cr_assert_null(cJSON_GetObjectItem(o, "temperature"), "Opus 4.7 refuses temperature");
	cr_assert_eq(cJSON_GetObjectItem(o, "max_tokens")->valueint, 2048);
	cJSON_Delete(o);

	o = request_for(PL_API_OPENAI, "gpt-5-mini-2025-08-07", -2, 0, 0, "low", false);
	cr_assert_null(cJSON_GetObjectItem(o, "temperature"), "only the default temperature: none sent");
	cr_assert_null(cJSON_GetObjectItem(o, "max_tokens"), "reasoning models refuse max_tokens");
	cr_assert_eq(cJSON_GetObjectItem(o, "max_completion_tokens")->valueint, 16384, "room to reason");
	cr_assert_str_eq(cJSON_GetObjectItem(o, "reasoning_effort")->valuestring, "low");
	cJSON_Delete(o);

	/* extended thinking: no temperature (only 1 is allowed), max_tokens above the budget */
	o = request_for(PL_API_ANTHROPIC, "claude-sonnet-4-5", -2, 0, 4000, NULL, false);
	cr_assert_null(cJSON_GetObjectItem(o, "temperature"));
	cr_assert_str_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(o, "thinking"), "type")->valuestring, "enabled");
	cr_assert_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(o, "thinking"), "budget_tokens")->valueint, 4000);
	cr_assert_eq(cJSON_GetObjectItem(o, "max_tokens")->valueint, 2048 + 4000);
	cJSON_Delete(o);

	/* the user's word beats the table: --temperature 0.7 to a model that takes one, and to
	 * one the table says refuses it (the API then says no, and the run stops at once) */
	o = request_for(PL_API_ANTHROPIC, "claude-haiku-4-5", 0.7, 0, 0, NULL, false);
	cr_assert_eq(cJSON_GetObjectItem(o, "temperature")->valuedouble, 0.7);
	cJSON_Delete(o);
	o = request_for(PL_API_ANTHROPIC, "claude-opus-4-7", 1, 0, 0, NULL, false);
	cr_assert_eq(cJSON_GetObjectItem(o, "temperature")->valuedouble, 1);
	cJSON_Delete(o);
	o = request_for(PL_API_ANTHROPIC, "claude-haiku-4-5", -1, 0, 0, NULL, false);
	cr_assert_null(cJSON_GetObjectItem(o, "temperature"), "--temperature none");
	cJSON_Delete(o);
	/* --reasoning-effort is OpenAI's, --thinking Anthropic's: neither leaks into the other */
	o = request_for(PL_API_OPENAI, "gpt-4.1", -2, 0, 4000, "high", false);
	cr_assert_null(cJSON_GetObjectItem(o, "thinking"));
	cr_assert_eq(cJSON_GetObjectItem(o, "max_tokens")->valueint, 2048);
	cr_assert_eq(cJSON_GetObjectItem(o, "temperature")->valuedouble, 0);
	cJSON_Delete(o);
}

Test(model_api, anthropic_response)
{
	const char *b = "{\"id\":\"msg_01X\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-haiku-4-5-20251001\","
			"\"content\":[{\"type\":\"text\",\"text\":\"Checking...\\n\"},{\"type\":\"text\",\"text\":\"REPLY: DROP\"}],"
			"\"stop_reason\":\"end_turn\",\"stop_sequence\":null,"
			"\"usage\":{\"input_tokens\":812,\"output_tokens\":37,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":640}}";
	struct pl_model_reply r;

	cr_assert_eq(pl_api_parse(PL_API_ANTHROPIC, b, strlen(b), &r, NULL), 0);
	cr_assert_str_eq(r.text, "Checking...\nREPLY: DROP");
	cr_assert_str_eq(r.stop_reason, "end_turn");
	cr_assert_str_eq(r.model, "claude-haiku-4-5-20251001");
	cr_assert_eq(r.usage.input, 812);
	cr_assert_eq(r.usage.output, 37);
	cr_assert_eq(r.usage.cache_read, 640);
	cr_assert_eq(r.usage.cache_write, 0);
	pl_model_reply_free(&r);
}

Test(model_api, openai_response_with_llamacpp_timings)
{
	const char *b = "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"model\":\"qwen2.5\","
			"\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"REPLY: 4500\"},\"finish_reason\":\"stop\"}],"
			"\"usage\":{\"prompt_tokens\":700,\"completion_tokens\":90,\"total_tokens\":790},"
			"\"timings\":{\"prompt_ms\":120.5,\"predicted_ms\":880.0}}";
	struct pl_model_reply r;

	cr_assert_eq(pl_api_parse(PL_API_OPENAI, b, strlen(b), &r, NULL), 0);
	cr_assert_str_eq(r.text, "REPLY: 4500");
	cr_assert_str_eq(r.stop_reason, "stop");
	cr_assert_eq(r.usage.input, 700);
	cr_assert_eq(r.usage.output, 90);
	cr_assert_float_eq(r.server_ms, 1000.5, 1e-9);
	pl_model_reply_free(&r);
}

Test(model_api, malformed_bodies)
{
	struct pl_model_reply r;
	struct pl_err err;

	cr_assert_eq(pl_api_parse(PL_API_ANTHROPIC, "{\"content\":[", 12, &r, &err), -EBADMSG);
	cr_assert_str_eq(err.msg, "response is not JSON (12 bytes)");
	cr_assert_eq(pl_api_parse(PL_API_ANTHROPIC, "{\"x\":1}", 7, &r, &err), -EBADMSG);
	cr_assert_str_eq(err.msg, "response has no content array");
	cr_assert_eq(pl_api_parse(PL_API_OPENAI, "{\"choices\":[]}", 14, &r, &err), -EBADMSG);
	cr_assert_str_eq(err.msg, "response has no choices[0].message with a content string or null");
	cr_assert_eq(pl_api_parse(PL_API_OPENAI, "[1]", 3, &r, &err), -EBADMSG);
}

Test(model_api, error_bodies)
{
	char t[64], m[128];
	const char *a = "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"Number of request tokens has exceeded your per-minute rate limit\"}}";
	const char *o = "{\"error\":{\"message\":\"You exceeded your current quota\",\"type\":\"insufficient_quota\",\"code\":\"insufficient_quota\"}}";

	pl_api_parse_error(a, strlen(a), t, sizeof(t), m, sizeof(m));
	cr_assert_str_eq(t, "rate_limit_error");
	cr_assert_str_eq(m, "Number of request tokens has exceeded your per-minute rate limit");
	pl_api_parse_error(o, strlen(o), t, sizeof(t), m, sizeof(m));
	cr_assert_str_eq(t, "insufficient_quota");
	pl_api_parse_error("<html>", 6, t, sizeof(t), m, sizeof(m));
	cr_assert_str_eq(t, "");
	cr_assert_str_eq(m, "");
}

Test(model_api, anthropic_stream_in_odd_chunks)
{
	const char *stream =
		"event: message_start\r\n"
		"data: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"model\":\"claude-haiku-4-5\",\"usage\":{\"input_tokens\":25,\"output_tokens\":1,\"cache_read_input_tokens\":7}}}\r\n\r\n"
		"event: content_block_start\n"
		"data: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n"
		"event: ping\ndata: {\"type\": \"ping\"}\n\n"
		"event: content_block_delta\n"
		"data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"REPLY: \"}}\n\n"
		"event: content_block_delta\n"
		"data: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"DROP\"}}\n\n"
		"event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n"
		"event: message_delta\n"
		"data: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":15}}\n\n"
		"event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
	struct pl_model_reply r;
	struct pl_sse s;
	size_t i, n = strlen(stream);

	pl_sse_init(&s, PL_API_ANTHROPIC, &r);
	for (i = 0; i < n; i += 7)
		cr_assert_eq(pl_sse_feed(&s, stream + i, n - i < 7 ? n - i : 7, NULL), 0);
	cr_assert(s.done);
	cr_assert(s.first_text);
	cr_assert_str_eq(r.text, "REPLY: DROP");
	cr_assert_str_eq(r.stop_reason, "end_turn");
	cr_assert_eq(r.usage.input, 25);
	cr_assert_eq(r.usage.output, 15);
	cr_assert_eq(r.usage.cache_read, 7);
	pl_sse_free(&s);
	pl_model_reply_free(&r);
}

Test(model_api, stream_error_event_and_openai_done)
{
	struct pl_model_reply r;
	struct pl_sse s;
	struct pl_err err;
	const char *e = "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n";
	const char *o = "data: {\"choices\":[{\"delta\":{\"content\":\"RE\"}}]}\n\ndata: {\"choices\":[{\"delta\":{\"content\":\"PLY: DROP\"},\"finish_reason\":\"stop\"}]}\n\n"
			"data: {\"choices\":[],\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":4}}\n\ndata: [DONE]\n\n";

	pl_sse_init(&s, PL_API_ANTHROPIC, &r);
	cr_assert_eq(pl_sse_feed(&s, e, strlen(e), &err), -EPROTO);
	cr_assert_str_eq(err.msg, "stream error overloaded_error: Overloaded");
	pl_sse_free(&s);
	pl_model_reply_free(&r);

	pl_sse_init(&s, PL_API_OPENAI, &r);
	cr_assert_eq(pl_sse_feed(&s, o, strlen(o), &err), 0);
	cr_assert(s.done);
	cr_assert_str_eq(r.text, "REPLY: DROP");
	cr_assert_eq(r.usage.input, 9);
	cr_assert_eq(r.usage.output, 4);
	pl_sse_free(&s);
	pl_model_reply_free(&r);
}

/* message_delta's counts may be null (the SDK types them nullable): a null keeps what
 * message_start said, 667 input tokens; the delta's 40 output tokens win over the start's 1. */
Test(model_api, null_counts_in_message_delta_keep_the_start)
{
	const char *s = "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"model\":\"m\","
			"\"usage\":{\"input_tokens\":667,\"cache_read_input_tokens\":0,\"output_tokens\":1}}}\n\n"
			"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
			"\"delta\":{\"type\":\"text_delta\",\"text\":\"REPLY: DROP\"}}\n\n"
			"event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},"
			"\"usage\":{\"input_tokens\":null,\"cache_read_input_tokens\":null,\"output_tokens\":40}}\n\n"
			"event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
	struct pl_model_reply r;
	struct pl_sse sse;
	struct pl_err err;

	pl_sse_init(&sse, PL_API_ANTHROPIC, &r);
	cr_assert_eq(pl_sse_feed(&sse, s, strlen(s), &err), 0, "%s", err.msg);
	cr_assert(sse.done);
	cr_assert_eq(r.usage.input, 667);
	cr_assert_eq(r.usage.output, 40);
	cr_assert_str_eq(r.text, "REPLY: DROP");
	pl_sse_free(&sse);
	pl_model_reply_free(&r);
}

/* A system prompt escaped once (system_json) gives the request a caller escaping it every
 * time gives: the same body, byte for byte, for both APIs; the text written out by hand
 * for the escapes (quote, backslash, newline, tab, a control character, UTF-8 kept). */
Test(model_api, system_escaped_once_gives_the_same_body)
{
	static const char sys[] = "Say \"hi\"\\\n\tthen \x01 stop \xe2\x80\x94 ok";
	char *json = pl_api_json_string(sys);
	enum pl_api apis[] = { PL_API_ANTHROPIC, PL_API_OPENAI };
	size_t k;

	cr_assert_str_eq(json, "\"Say \\\"hi\\\"\\\\\\n\\tthen \\u0001 stop \xe2\x80\x94 ok\"");
	for (k = 0; k < 2; k++) {
		struct pl_req_opts q = { .model = "m", .system = sys, .user = "u", .max_tokens = 64 };
		char *plain = pl_api_request(apis[k], &q), *once;

		q.system_json = json;
		once = pl_api_request(apis[k], &q);
		cr_assert_not_null(plain);
		cr_assert_not_null(once);
		cr_expect_str_eq(once, plain, "api %zu", k);
		free(plain);
		free(once);
	}
	free(json);
}
