/* Model wire formats against real bodies: copied from the public API documentation, from the
 * official SDKs' own recorded fixtures, and real bodies quoted in public threads. Each file in
 * tests/fixtures/api/ opens with a note ('#' lines) naming its page or file, the date it was
 * read and anything changed; the body follows as published.
 *
 * Every expectation below is what the documentation says the body means, worked out by hand
 * from the fixture (the arithmetic is in the comments), never what the parser happens to do.
 * Usage is as billed (struct pl_usage): Anthropic input = input_tokens (the cache is counted
 * apart); OpenAI input = prompt_tokens - cached_tokens; output includes reasoning; thinking =
 * the reasoning tokens the API reports. Streams are fed whole, split at every byte position,
 * one byte at a time and with CRLF line ends, and must give the same reply every way. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/api.h"
#include "tests/util.h"

/* ---- fixtures ---- */

struct fx {
	char *buf;        /* the whole file (free this) */
	const char *body; /* after the note */
	size_t len;
};

static void fx_load(const char *name, struct fx *f)
{
	char rel[160];
	size_t n = 0;
	const char *p;

	snprintf(rel, sizeof(rel), "tests/fixtures/api/%s", name);
	f->buf = tu_slurp(tu_src(rel), &n);
	cr_assert_not_null(f->buf, "cannot read %s", rel);
	for (p = f->buf; *p == '#';) {
		const char *nl = strchr(p, '\n');

		cr_assert_not_null(nl, "%s: note without a body", rel);
		p = nl + 1;
	}
	cr_assert(strstr(f->buf, "# Source:") == f->buf, "%s: the note must start with '# Source:'", rel);
	cr_assert(strstr(f->buf, "# Read: 2026-12-02") != NULL, "%s: the note must give the date read", rel);
	f->body = p;
	f->len = n - (size_t)(p - f->buf);
	cr_assert_gt(f->len, 0, "%s: empty body", rel);
}

static void parse_fx(enum pl_api api, const char *name, struct pl_model_reply *r)
{
	struct fx f;
	struct pl_err err = { { 0 } };

	fx_load(name, &f);
	cr_assert_eq(pl_api_parse(api, f.body, f.len, r, &err), 0, "%s: %s", name, err.msg);
	free(f.buf);
}

static void error_fx(const char *name, char *type, size_t tsz, char *msg, size_t msz)
{
	struct fx f;

	fx_load(name, &f);
	pl_api_parse_error(f.body, f.len, type, tsz, msg, msz);
	free(f.buf);
}

/* ---- streams ---- */

struct sres {
	int rc;
	char err[512];
	bool done, first_text;
	struct pl_model_reply r;
};

/* Feed b in chunks ending at cuts[0..ncut-1] and then n; stop at the first error, as the
 * responder's backends do. */
static void feed(enum pl_api api, const char *b, size_t n, const size_t *cuts, size_t ncut, struct sres *o)
{
	struct pl_sse s;
	struct pl_err err = { { 0 } };
	size_t at = 0, i;

	memset(o, 0, sizeof(*o));
	pl_sse_init(&s, api, &o->r);
	for (i = 0; i <= ncut && !o->rc; i++) {
		size_t end = i < ncut ? cuts[i] : n;

		o->rc = pl_sse_feed(&s, b + at, end - at, &err);
		at = end;
	}
	snprintf(o->err, sizeof(o->err), "%s", o->rc ? err.msg : "");
	o->done = s.done;
	o->first_text = s.first_text;
	pl_sse_free(&s);
}

static void feed_bytes(enum pl_api api, const char *b, size_t n, struct sres *o)
{
	struct pl_sse s;
	struct pl_err err = { { 0 } };
	size_t i;

	memset(o, 0, sizeof(*o));
	pl_sse_init(&s, api, &o->r);
	for (i = 0; i < n && !o->rc; i++)
		o->rc = pl_sse_feed(&s, b + i, 1, &err);
	snprintf(o->err, sizeof(o->err), "%s", o->rc ? err.msg : "");
	o->done = s.done;
	o->first_text = s.first_text;
	pl_sse_free(&s);
}

static const char *txt(const struct pl_model_reply *r)
{
	return r->text ? r->text : "";
}

static void same(const struct sres *a, const struct sres *b, const char *how)
{
	cr_assert_eq(a->rc, b->rc, "%s: rc %d, whole %d", how, b->rc, a->rc);
	cr_assert_str_eq(a->err, b->err, "%s", how);
	cr_assert_eq(a->done, b->done, "%s", how);
	cr_assert_eq(a->first_text, b->first_text, "%s", how);
	cr_assert_str_eq(txt(&a->r), txt(&b->r), "%s", how);
	cr_assert_eq(a->r.text_len, b->r.text_len, "%s", how);
	cr_assert_str_eq(a->r.stop_reason, b->r.stop_reason, "%s", how);
	cr_assert_eq(a->r.truncated, b->r.truncated, "%s", how);
	cr_assert_eq(a->r.refused, b->r.refused, "%s", how);
	cr_assert_str_eq(a->r.refusal, b->r.refusal, "%s", how);
	cr_assert_eq(a->r.thinking_chars, b->r.thinking_chars, "%s", how);
	cr_assert_str_eq(a->r.model, b->r.model, "%s", how);
	cr_assert_str_eq(a->r.id, b->r.id, "%s", how);
	cr_assert(a->r.server_ms == b->r.server_ms, "%s: server_ms %f, whole %f", how, b->r.server_ms, a->r.server_ms);
	cr_assert_eq(a->r.usage.input, b->r.usage.input, "%s", how);
	cr_assert_eq(a->r.usage.output, b->r.usage.output, "%s", how);
	cr_assert_eq(a->r.usage.cache_read, b->r.usage.cache_read, "%s", how);
	cr_assert_eq(a->r.usage.cache_write, b->r.usage.cache_write, "%s", how);
	cr_assert_eq(a->r.usage.thinking, b->r.usage.thinking, "%s", how);
}

/* b fed whole into o, and the same reply from every two-piece split, from one byte at a
 * time, and from the body with CRLF line ends (SSE allows either). */
static void stream_body(enum pl_api api, const char *b, size_t n, struct sres *o)
{
	struct sres t;
	char how[64], *crlf;
	size_t k, i, m = 0;

	feed(api, b, n, NULL, 0, o);
	for (k = 1; k < n; k++) {
		snprintf(how, sizeof(how), "split at byte %zu of %zu", k, n);
		feed(api, b, n, &k, 1, &t);
		same(o, &t, how);
		pl_model_reply_free(&t.r);
	}
	feed_bytes(api, b, n, &t);
	same(o, &t, "one byte at a time");
	pl_model_reply_free(&t.r);

	crlf = malloc(2 * n + 1);
	cr_assert_not_null(crlf);
	for (i = 0; i < n; i++) {
		if (b[i] == '\n')
			crlf[m++] = '\r';
		crlf[m++] = b[i];
	}
	feed(api, crlf, m, NULL, 0, &t);
	same(o, &t, "CRLF line ends");
	pl_model_reply_free(&t.r);
	free(crlf);
}

static void stream_fx(enum pl_api api, const char *name, struct sres *o)
{
	struct fx f;

	fx_load(name, &f);
	stream_body(api, f.body, f.len, o);
	free(f.buf);
}

/* ================= Anthropic Messages ================= */

Test(model_fixtures, anthropic_api_reference_message)
{
	struct pl_model_reply r;

	/* anthropic-message-create-2026.json: one text block; usage input_tokens 2095,
	 * output_tokens 503, cache_read_input_tokens 2051, cache_creation_input_tokens 2051,
	 * output_tokens_details.thinking_tokens 0. The citation, container, diagnostics,
	 * cache_creation breakdown, inference_geo, server_tool_use and service_tier say nothing
	 * about the answer or its token counts. stop_reason "end_turn" ("the model reached a
	 * natural stopping point"): not truncated and not a refusal, whatever the generated
	 * example's stop_details says. */
	parse_fx(PL_API_ANTHROPIC, "anthropic-message-create-2026.json", &r);
	cr_assert_str_eq(r.text, "Hi! My name is Claude.");
	cr_assert_eq(r.text_len, 22); /* "Hi! My name is Claude." */
	cr_assert_str_eq(r.stop_reason, "end_turn");
	cr_assert_not(r.truncated);
	cr_assert_not(r.refused);
	cr_assert_str_eq(r.refusal, "");
	cr_assert_str_eq(r.model, "claude-opus-5");
	cr_assert_str_eq(r.id, "msg_013Zva2CMHLNnXjNJJKqJ2EF");
	cr_assert_eq(r.usage.input, 2095);
	cr_assert_eq(r.usage.output, 503);
	cr_assert_eq(r.usage.cache_read, 2051);
	cr_assert_eq(r.usage.cache_write, 2051);
	cr_assert_eq(r.usage.thinking, 0);
	cr_assert_eq(r.thinking_chars, 0);
	cr_assert_eq(r.server_ms, 0);
	pl_model_reply_free(&r);
}

Test(model_fixtures, anthropic_several_text_blocks)
{
	struct pl_model_reply r;

	/* anthropic-citations-text-blocks.json: eight text blocks, the answer is all of them in
	 * order: "According to the document, " + "the grass is green" + " and " + "the sky is
	 * blue" + ". Information from page 5 states that " + "water is essential" + ". The
	 * custom document mentions " + "important findings" = 27 + 18 + 5 + 15 + 38 + 18 + 31 +
	 * 18 = 170 bytes. The page shows no stop_reason, model, id or usage. */
	parse_fx(PL_API_ANTHROPIC, "anthropic-citations-text-blocks.json", &r);
	cr_assert_str_eq(r.text, "According to the document, the grass is green and the sky is blue. Information "
				 "from page 5 states that water is essential. The custom document mentions important findings");
	cr_assert_eq(r.text_len, 170);
	cr_assert_str_eq(r.stop_reason, "");
	cr_assert_not(r.truncated);
	cr_assert_not(r.refused);
	cr_assert_eq(r.usage.input + r.usage.output + r.usage.cache_read + r.usage.cache_write, 0);
	pl_model_reply_free(&r);
}

Test(model_fixtures, anthropic_thinking_then_text)
{
	struct pl_model_reply r;

	/* anthropic-thinking-text.json: "thinking content blocks, followed by text content
	 * blocks". The answer is the text block only; the thinking "Let me analyze this step
	 * by step..." is "Let" 3 + " me" 3 + " analyze" 8 + " this" 5 + " step" 5 + " by" 3 +
	 * " step..." 8 = 35 characters. */
	parse_fx(PL_API_ANTHROPIC, "anthropic-thinking-text.json", &r);
	cr_assert_str_eq(r.text, "Based on my analysis...");
	cr_assert_null(strstr(r.text, "step by step"), "thinking never in the answer");
	cr_assert_eq(r.thinking_chars, 35);
	cr_assert_eq(r.usage.thinking, 0, "no usage on the page");
	pl_model_reply_free(&r);
}

Test(model_fixtures, anthropic_redacted_thinking)
{
	struct pl_model_reply r;

	/* anthropic-redacted-thinking.json: thinking, redacted_thinking ("opaque and encrypted,
	 * with no readable content"), text. Answer: the text block. Thinking seen: the readable
	 * block's 35 characters (as above); the redacted block has none to count. */
	parse_fx(PL_API_ANTHROPIC, "anthropic-redacted-thinking.json", &r);
	cr_assert_str_eq(r.text, "Based on my analysis...");
	cr_assert_null(strstr(r.text, "EmwKAhgB"), "redacted data never in the answer");
	cr_assert_eq(r.thinking_chars, 35);
	pl_model_reply_free(&r);
}

Test(model_fixtures, anthropic_thinking_text_and_tool_use)
{
	struct pl_model_reply r;

	/* anthropic-thinking-tool-use.json: thinking, text, tool_use. The answer is the text
	 * block; the tool_use block (id, name, input) is no part of it. Thinking: "The user
	 * wants to know the current weather in Paris." (52) + " I have access to a function
	 * `get_weather`..." (45) = 97 characters. */
	parse_fx(PL_API_ANTHROPIC, "anthropic-thinking-tool-use.json", &r);
	cr_assert_str_eq(r.text, "I can help you get the current weather information for Paris. Let me check that for you");
	cr_assert_null(strstr(r.text, "toolu_"));
	cr_assert_null(strstr(r.text, "Paris\"}"));
	cr_assert_eq(r.thinking_chars, 97);
	pl_model_reply_free(&r);
}

Test(model_fixtures, anthropic_recorded_tool_use_with_cache_fields)
{
	struct pl_model_reply r;

	/* anthropic-tool-use-recorded.json (the SDK's recorded response): text then tool_use,
	 * stop_reason "tool_use" (neither truncated nor refused); usage input_tokens 415,
	 * output_tokens 76, cache_read_input_tokens 0, cache_creation_input_tokens 0 (the
	 * cache_creation breakdown 0 + 0 agrees), service_tier "standard". */
	parse_fx(PL_API_ANTHROPIC, "anthropic-tool-use-recorded.json", &r);
	cr_assert_str_eq(r.text, "I'll use the test_tool with the value \"test\" as requested, then provide a final response.");
	cr_assert_str_eq(r.stop_reason, "tool_use");
	cr_assert_not(r.truncated);
	cr_assert_not(r.refused);
	cr_assert_str_eq(r.model, "claude-opus-4-8");
	cr_assert_str_eq(r.id, "msg_012foMGXNQ1eqhaq3QvA5dY6");
	cr_assert_eq(r.usage.input, 415);
	cr_assert_eq(r.usage.output, 76);
	cr_assert_eq(r.usage.cache_read, 0);
	cr_assert_eq(r.usage.cache_write, 0);
	pl_model_reply_free(&r);
}

Test(model_fixtures, anthropic_refusal)
{
	struct pl_model_reply r;

	/* anthropic-refusal.json: stop_reason "refusal"; "No additional refusal message is
	 * included", so the refusal text is empty; the partial text "Hello.." is what the
	 * model had said. */
	parse_fx(PL_API_ANTHROPIC, "anthropic-refusal.json", &r);
	cr_assert_str_eq(r.text, "Hello..");
	cr_assert_str_eq(r.stop_reason, "refusal");
	cr_assert(r.refused);
	cr_assert_not(r.truncated);
	cr_assert_str_eq(r.refusal, "");
	pl_model_reply_free(&r);
}

Test(model_fixtures, anthropic_stream_basic)
{
	struct sres o;

	/* anthropic-stream-basic.sse: message_start (input_tokens 25, output_tokens 1), a text
	 * block "Hello" + "!", a ping, message_delta end_turn with usage output_tokens 15 ("the
	 * token counts ... of the message_delta event are cumulative": 15 is the total), then
	 * message_stop. */
	stream_fx(PL_API_ANTHROPIC, "anthropic-stream-basic.sse", &o);
	cr_assert_eq(o.rc, 0, "%s", o.err);
	cr_assert(o.done);
	cr_assert(o.first_text);
	cr_assert_str_eq(o.r.text, "Hello!");
	cr_assert_str_eq(o.r.stop_reason, "end_turn");
	cr_assert_not(o.r.truncated);
	cr_assert_not(o.r.refused);
	cr_assert_str_eq(o.r.model, "claude-sonnet-4-5-20250929");
	cr_assert_str_eq(o.r.id, "msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY");
	cr_assert_eq(o.r.usage.input, 25);
	cr_assert_eq(o.r.usage.output, 15);
	cr_assert_eq(o.r.usage.cache_read, 0);
	cr_assert_eq(o.r.usage.cache_write, 0);
	pl_model_reply_free(&o.r);
}

Test(model_fixtures, anthropic_stream_with_tool_use)
{
	struct sres o;

	/* anthropic-stream-tool-use.sse: text deltas "Okay" "," " let" "'s" " check" " the"
	 * " weather" " for" " San" " Francisco" "," " CA" ":" then a tool_use block whose
	 * input_json_delta pieces are the tool's input, never the answer; stop_reason
	 * "tool_use"; input_tokens 472 (message_start), output_tokens 89 (message_delta). */
	stream_fx(PL_API_ANTHROPIC, "anthropic-stream-tool-use.sse", &o);
	cr_assert_eq(o.rc, 0, "%s", o.err);
	cr_assert(o.done);
	cr_assert_str_eq(o.r.text, "Okay, let's check the weather for San Francisco, CA:");
	cr_assert_null(strstr(o.r.text, "location"));
	cr_assert_str_eq(o.r.stop_reason, "tool_use");
	cr_assert_not(o.r.truncated);
	cr_assert_str_eq(o.r.id, "msg_014p7gG3wDgGV9EUtLvnow3U");
	cr_assert_eq(o.r.usage.input, 472);
	cr_assert_eq(o.r.usage.output, 89);
	pl_model_reply_free(&o.r);
}

Test(model_fixtures, anthropic_stream_thinking)
{
	struct sres o;

	/* anthropic-stream-thinking.sse: a thinking block of six thinking_delta events and a
	 * signature_delta, then a text block "27 * 453 = 12,231". Thinking characters, delta by
	 * delta: "Let me solve this step by step:" (31) + "\n\n" (2) + "1. First break down 27 *
	 * 453" (28) = 61; "\n2. 453 = 400 + 50 + 3" = 22; "\n3. 27 * 400 = 10,800" = 21;
	 * "\n4. 27 * 50 = 1,350" = 19; "\n5. 27 * 3 = 81" = 15; "\n6. 10,800 + 1,350 + 81 =
	 * 12,231" = 32; 61+22+21+19+15+32 = 170. The signature is neither. This published stream
	 * reports no usage, so every count is 0. */
	stream_fx(PL_API_ANTHROPIC, "anthropic-stream-thinking.sse", &o);
	cr_assert_eq(o.rc, 0, "%s", o.err);
	cr_assert(o.done);
	cr_assert(o.first_text);
	cr_assert_str_eq(o.r.text, "27 * 453 = 12,231");
	cr_assert_eq(o.r.thinking_chars, 170);
	cr_assert_str_eq(o.r.stop_reason, "end_turn");
	cr_assert_str_eq(o.r.model, "claude-sonnet-4-5-20250929");
	cr_assert_eq(o.r.usage.input + o.r.usage.output + o.r.usage.thinking, 0);
	pl_model_reply_free(&o.r);
}

Test(model_fixtures, anthropic_stream_refusal_after_thinking)
{
	struct sres o;

	/* anthropic-stream-refusal-thinking.sse (the SDK's fixture): thinking deltas "Simple
	 * educ" (11) + "ational question ... Also the user called" (125 characters, one of them
	 * an em dash) + " me \"claudius\" — I'm Claude. Minor correction or just roll with it
	 * politely." (76, one em dash) + "" (0) = 212 characters; text "Hi"; message_delta
	 * stop_reason "refusal" with stop_details {type refusal, category null, explanation
	 * null}: refused, and no refusal text given. Usage: message_start input_tokens 28,
	 * output_tokens 5; message_delta (cumulative) input_tokens 28, output_tokens 106,
	 * output_tokens_details.thinking_tokens 67 ("Always <= output_tokens"), cache 0 and 0. */
	stream_fx(PL_API_ANTHROPIC, "anthropic-stream-refusal-thinking.sse", &o);
	cr_assert_eq(o.rc, 0, "%s", o.err);
	cr_assert(o.done);
	cr_assert_str_eq(o.r.text, "Hi");
	cr_assert_null(strstr(o.r.text, "claudius"));
	cr_assert_str_eq(o.r.stop_reason, "refusal");
	cr_assert(o.r.refused);
	cr_assert_not(o.r.truncated);
	cr_assert_str_eq(o.r.refusal, "");
	cr_assert_eq(o.r.thinking_chars, 212);
	cr_assert_str_eq(o.r.model, "claude-fable-5");
	cr_assert_str_eq(o.r.id, "msg_fixture_a_0001");
	cr_assert_eq(o.r.usage.input, 28);
	cr_assert_eq(o.r.usage.output, 106);
	cr_assert_eq(o.r.usage.thinking, 67);
	cr_assert_eq(o.r.usage.cache_read, 0);
	cr_assert_eq(o.r.usage.cache_write, 0);
	pl_model_reply_free(&o.r);
}

Test(model_fixtures, anthropic_stream_max_tokens_in_tool_input)
{
	struct sres o;

	/* anthropic-stream-max-tokens-tool-use.sse (a captured stream in the SDK's tests): text
	 * "I" + "'ll create a comprehensive tax guide for" + " someone with multiple W2s an" +
	 * "d save it in a file called taxes.txt. Let" + " me do that for you now." (1 + 40 + 29
	 * + 41 + 24 = 135 bytes), then a tool_use block cut off mid-input; stop_reason
	 * "max_tokens" ("we exceeded the requested max_tokens"): truncated. Usage: input_tokens
	 * 450, cache 0 and 0 (message_start), output_tokens 124 (message_delta). */
	stream_fx(PL_API_ANTHROPIC, "anthropic-stream-max-tokens-tool-use.sse", &o);
	cr_assert_eq(o.rc, 0, "%s", o.err);
	cr_assert(o.done);
	cr_assert_str_eq(o.r.text, "I'll create a comprehensive tax guide for someone with multiple W2s and save it in a "
				   "file called taxes.txt. Let me do that for you now.");
	cr_assert_eq(o.r.text_len, 135);
	cr_assert_str_eq(o.r.stop_reason, "max_tokens");
	cr_assert(o.r.truncated);
	cr_assert_not(o.r.refused);
	cr_assert_str_eq(o.r.model, "claude-sonnet-4-5");
	cr_assert_str_eq(o.r.id, "msg_01UdjYBBipA9omjYhicnevgq");
	cr_assert_eq(o.r.usage.input, 450);
	cr_assert_eq(o.r.usage.output, 124);
	cr_assert_eq(o.r.usage.cache_read, 0);
	cr_assert_eq(o.r.usage.cache_write, 0);
	pl_model_reply_free(&o.r);
}

Test(model_fixtures, anthropic_stream_error_event)
{
	struct sres o;

	/* anthropic-stream-error-overloaded.sse: the documented error event on its own. */
	stream_fx(PL_API_ANTHROPIC, "anthropic-stream-error-overloaded.sse", &o);
	cr_assert_lt(o.rc, 0);
	cr_assert_str_eq(o.err, "stream error overloaded_error: Overloaded");
	cr_assert_not(o.done);
	pl_model_reply_free(&o.r);
}

Test(model_fixtures, anthropic_error_event_mid_stream)
{
	struct fx basic, error;
	struct sres o;
	const char *cut;
	char *b;
	size_t head;

	/* "We may occasionally send errors in the event stream": the documented basic stream up
	 * to its two text deltas ("Hello", "!"), then the documented error event. The stream
	 * fails with the error's type and message; the text so far is "Hello!" and there is no
	 * stop_reason: an error, not an answer. */
	fx_load("anthropic-stream-basic.sse", &basic);
	fx_load("anthropic-stream-error-overloaded.sse", &error);
	cut = strstr(basic.body, "event: content_block_stop");
	cr_assert_not_null(cut);
	head = (size_t)(cut - basic.body);
	b = malloc(head + error.len);
	cr_assert_not_null(b);
	memcpy(b, basic.body, head);
	memcpy(b + head, error.body, error.len);
	stream_body(PL_API_ANTHROPIC, b, head + error.len, &o);
	cr_assert_lt(o.rc, 0);
	cr_assert_str_eq(o.err, "stream error overloaded_error: Overloaded");
	cr_assert_not(o.done);
	cr_assert_str_eq(o.r.text, "Hello!");
	cr_assert_str_eq(o.r.stop_reason, "");
	pl_model_reply_free(&o.r);
	free(b);
	free(basic.buf);
	free(error.buf);
}

Test(model_fixtures, anthropic_error_bodies)
{
	static const struct {
		const char *file, *type, *msg;
	} cases[] = {
		{ "anthropic-error-not-found.json", "not_found_error", "The requested resource could not be found." },
		{ "anthropic-error-invalid-request.json", "invalid_request_error",
		  "Prefilling assistant messages is not supported for this model." },
		{ "anthropic-error-authentication.json", "authentication_error", "invalid x-api-key" },
		{ "anthropic-error-rate-limit.json", "rate_limit_error",
		  "This request would exceed your account's rate limit. Please try again later." },
		{ "anthropic-error-overloaded.json", "overloaded_error", "Overloaded" },
	};
	char t[64], m[256];
	size_t i;

	/* "a top-level error object that always includes a type and message value" */
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		error_fx(cases[i].file, t, sizeof(t), m, sizeof(m));
		cr_assert_str_eq(t, cases[i].type, "%s", cases[i].file);
		cr_assert_str_eq(m, cases[i].msg, "%s", cases[i].file);
	}
}

/* ================= OpenAI chat completions ================= */

Test(model_fixtures, openai_chat_completion_object)
{
	struct pl_model_reply r;

	/* openai-chat-completion-object.json: choices[0].message.content is the answer,
	 * finish_reason "stop"; usage prompt_tokens 1117 with prompt_tokens_details.cached_tokens
	 * 0 -> uncached input 1117 - 0 = 1117, cache read 0; completion_tokens 46 with
	 * completion_tokens_details.reasoning_tokens 0 -> output 46, thinking 0. */
	parse_fx(PL_API_OPENAI, "openai-chat-completion-object.json", &r);
	cr_assert_str_eq(r.text, "The image shows a wooden boardwalk path running through a lush green field or meadow. "
				 "The sky is bright blue with some scattered clouds, giving the scene a serene and peaceful "
				 "atmosphere. Trees and shrubs are visible in the background.");
	cr_assert_str_eq(r.stop_reason, "stop");
	cr_assert_not(r.truncated);
	cr_assert_not(r.refused);
	cr_assert_str_eq(r.refusal, "");
	cr_assert_str_eq(r.model, "gpt-4o-2024-08-06");
	cr_assert_str_eq(r.id, "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG");
	cr_assert_eq(r.usage.input, 1117);
	cr_assert_eq(r.usage.cache_read, 0);
	cr_assert_eq(r.usage.output, 46);
	cr_assert_eq(r.usage.thinking, 0);
	cr_assert_eq(r.usage.cache_write, 0);
	cr_assert_eq(r.thinking_chars, 0);
	pl_model_reply_free(&r);
}

Test(model_fixtures, openai_refusal_without_content)
{
	struct pl_model_reply r;

	/* openai-refusal.json: the message has a refusal and no content: the model refused,
	 * with the refusal text "I'm sorry, I cannot assist with that request."; there is no
	 * answer (""). finish_reason "stop". prompt 81, no prompt_tokens_details -> input 81,
	 * cache 0; completion 11, reasoning 0. */
	parse_fx(PL_API_OPENAI, "openai-refusal.json", &r);
	cr_assert_str_eq(r.text, "");
	cr_assert(r.refused);
	cr_assert_str_eq(r.refusal, "I'm sorry, I cannot assist with that request.");
	cr_assert_str_eq(r.stop_reason, "stop");
	cr_assert_not(r.truncated);
	cr_assert_eq(r.usage.input, 81);
	cr_assert_eq(r.usage.cache_read, 0);
	cr_assert_eq(r.usage.output, 11);
	cr_assert_eq(r.usage.thinking, 0);
	pl_model_reply_free(&r);
}

Test(model_fixtures, openai_stream_with_usage_chunk)
{
	struct sres o;

	/* openai-stream-include-usage.sse (a recorded real stream): content deltas "" "{\""
	 * "city" "\":\"" "San" " Francisco" "\",\"" "units" "\":\"" "c" "\"}" make the answer
	 * {"city":"San Francisco","units":"c"}; a chunk with finish_reason "stop"; then, as
	 * stream_options.include_usage documents, a last chunk with empty choices and usage
	 * prompt_tokens 17 (no cached_tokens -> input 17), completion_tokens 10; then [DONE]. */
	stream_fx(PL_API_OPENAI, "openai-stream-include-usage.sse", &o);
	cr_assert_eq(o.rc, 0, "%s", o.err);
	cr_assert(o.done);
	cr_assert(o.first_text);
	cr_assert_str_eq(o.r.text, "{\"city\":\"San Francisco\",\"units\":\"c\"}");
	cr_assert_str_eq(o.r.stop_reason, "stop");
	cr_assert_not(o.r.truncated);
	cr_assert_not(o.r.refused);
	cr_assert_str_eq(o.r.model, "gpt-4o-2024-08-06");
	cr_assert_str_eq(o.r.id, "chatcmpl-9tZXEmwtoDf6vqCqEWSvDP8jx9OXe");
	cr_assert_eq(o.r.usage.input, 17);
	cr_assert_eq(o.r.usage.output, 10);
	cr_assert_eq(o.r.usage.cache_read, 0);
	pl_model_reply_free(&o.r);
}

Test(model_fixtures, openai_stream_refusal)
{
	struct sres o;

	/* openai-stream-refusal.sse (a recorded real stream): the first delta has content null
	 * and refusal ""; refusal deltas "I'm" " very" " sorry" "," " but" " I" " can't"
	 * " assist" " with" " that" " request" "." = "I'm very sorry, but I can't assist with
	 * that request." (53 characters, the text the SDK's own test expects); no content ever,
	 * so no answer and no first text; finish_reason "stop"; usage chunk 17 prompt, 13
	 * completion. */
	stream_fx(PL_API_OPENAI, "openai-stream-refusal.sse", &o);
	cr_assert_eq(o.rc, 0, "%s", o.err);
	cr_assert(o.done);
	cr_assert_not(o.first_text);
	cr_assert_str_eq(txt(&o.r), "");
	cr_assert(o.r.refused);
	cr_assert_str_eq(o.r.refusal, "I'm very sorry, but I can't assist with that request.");
	cr_assert_str_eq(o.r.stop_reason, "stop");
	cr_assert_eq(o.r.usage.input, 17);
	cr_assert_eq(o.r.usage.output, 13);
	pl_model_reply_free(&o.r);
}

Test(model_fixtures, openai_stream_error_chunks)
{
	struct sres o;

	/* openai-stream-error-openrouter.sse: the documented mid-stream error chunk, a top-level
	 * error {code "server_error", message "Provider disconnected unexpectedly"} (no type:
	 * the code stands in) with finish_reason "error". The stream fails with that error. */
	stream_fx(PL_API_OPENAI, "openai-stream-error-openrouter.sse", &o);
	cr_assert_lt(o.rc, 0);
	cr_assert_str_eq(o.err, "stream error server_error: Provider disconnected unexpectedly");
	pl_model_reply_free(&o.r);

	/* openai-stream-error-server-error.sse: OpenAI's own error chunk, type "server_error",
	 * then [DONE]; the error ends the stream before [DONE] is read. */
	stream_fx(PL_API_OPENAI, "openai-stream-error-server-error.sse", &o);
	cr_assert_lt(o.rc, 0);
	cr_assert_str_eq(o.err, "stream error server_error: The server experienced an error while processing your "
				"request. We apologize for the inconvenience!");
	cr_assert_not(o.done);
	pl_model_reply_free(&o.r);
}

Test(model_fixtures, openai_error_chunk_mid_stream)
{
	struct fx chunks, error;
	struct sres o;
	const char *at, *end;
	char *b;
	size_t head;

	/* The recorded stream up to the chunk with content "San", then the documented error
	 * chunk ("errors that occur mid-generation still arrive as regular data: events with an
	 * error field"): the stream fails with the error; the text so far is {"city":"San and
	 * no finish_reason has come. */
	fx_load("openai-stream-include-usage.sse", &chunks);
	fx_load("openai-stream-error-openrouter.sse", &error);
	at = strstr(chunks.body, "\"content\":\"San\"");
	cr_assert_not_null(at);
	end = strstr(at, "\n\n");
	cr_assert_not_null(end);
	head = (size_t)(end + 2 - chunks.body);
	b = malloc(head + error.len);
	cr_assert_not_null(b);
	memcpy(b, chunks.body, head);
	memcpy(b + head, error.body, error.len);
	stream_body(PL_API_OPENAI, b, head + error.len, &o);
	cr_assert_lt(o.rc, 0);
	cr_assert_str_eq(o.err, "stream error server_error: Provider disconnected unexpectedly");
	cr_assert_str_eq(o.r.text, "{\"city\":\"San");
	cr_assert_str_eq(o.r.stop_reason, "");
	cr_assert_not(o.done);
	pl_model_reply_free(&o.r);
	free(b);
	free(chunks.buf);
	free(error.buf);
}

Test(model_fixtures, openai_error_bodies)
{
	static const struct {
		const char *file, *type, *msg;
	} cases[] = {
		{ "openai-error-unsupported-parameter.json", "invalid_request_error",
		  "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead." },
		{ "openai-error-insufficient-quota.json", "insufficient_quota",
		  "You exceeded your current quota, please check your plan and billing details. For more information on this "
		  "error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors." },
		{ "openai-error-model-not-found.json", "invalid_request_error",
		  "The model `computer-use-preview-2025-03-11` does not exist or you do not have access to it." },
	};
	char t[64], m[256];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		error_fx(cases[i].file, t, sizeof(t), m, sizeof(m));
		cr_assert_str_eq(t, cases[i].type, "%s", cases[i].file);
		cr_assert_str_eq(m, cases[i].msg, "%s", cases[i].file);
	}
}

/* ================= OpenAI-compatible servers ================= */

Test(model_fixtures, llamacpp_timings)
{
	struct pl_model_reply r;

	/* llamacpp-chat-completion-timings.json: content is the answer, finish_reason "stop";
	 * usage prompt 28 (no cached_tokens) -> input 28, completion 101; timings prompt_ms
	 * 32.349 + predicted_ms 469.524 = 501.873 ms of server time. */
	parse_fx(PL_API_OPENAI, "llamacpp-chat-completion-timings.json", &r);
	cr_assert(strncmp(r.text, "Here's a simple \"Hello World\" program in Java:\n\n```java\n", 55) == 0, "%s", r.text);
	cr_assert(strstr(r.text, "to print \"Hello, World!\" to the console.") != NULL);
	cr_assert_str_eq(r.stop_reason, "stop");
	cr_assert_str_eq(r.model, "ai/smollm2");
	cr_assert_str_eq(r.id, "chatcmpl-uZGBuFoS2ERodT4KilStxDwhySLQBTN9");
	cr_assert_eq(r.usage.input, 28);
	cr_assert_eq(r.usage.output, 101);
	cr_assert_float_eq(r.server_ms, 501.873, 1e-9);
	pl_model_reply_free(&r);
}

Test(model_fixtures, llamacpp_stream_timings_in_last_chunk)
{
	struct sres o;

	/* llamacpp-stream-final-timings.sse: a content delta "!", then the finish_reason "stop"
	 * chunk carrying timings prompt_ms 23.467 + predicted_ms 13095.01 = 13118.477 ms, then
	 * [DONE]. No usage was sent (the request asked for none). */
	stream_fx(PL_API_OPENAI, "llamacpp-stream-final-timings.sse", &o);
	cr_assert_eq(o.rc, 0, "%s", o.err);
	cr_assert(o.done);
	cr_assert_str_eq(o.r.text, "!");
	cr_assert_str_eq(o.r.stop_reason, "stop");
	cr_assert_str_eq(o.r.model, "gpt-oss");
	cr_assert_str_eq(o.r.id, "chatcmpl-mHDb1kfAQIhcvp8kkPeWJsO8gpTIUA3a");
	cr_assert_float_eq(o.r.server_ms, 13118.477, 1e-6);
	cr_assert_eq(o.r.usage.input + o.r.usage.output, 0);
	pl_model_reply_free(&o.r);
}

Test(model_fixtures, deepseek_reasoning_content)
{
	struct pl_model_reply r;

	/* deepseek-reasoning-content.json: content "Hello! How can I help you today?" is the
	 * answer; reasoning_content (the chain of thought, 159 characters: "We are asked: \"You
	 * are a helpful assistant\" and the user says \"Hi\"." 67 + " So I need to respond as a
	 * helpful assistant." 45 + " I'll just greet the user and offer assistance." 47) is
	 * counted, never answered with. usage prompt 10, cached_tokens 0 (prompt_cache_hit_tokens
	 * 0, miss 10) -> input 10 - 0 = 10; completion 48 of which reasoning_tokens 38. */
	parse_fx(PL_API_OPENAI, "deepseek-reasoning-content.json", &r);
	cr_assert_str_eq(r.text, "Hello! How can I help you today?");
	cr_assert_null(strstr(r.text, "We are asked"));
	cr_assert_eq(r.thinking_chars, 159);
	cr_assert_str_eq(r.stop_reason, "stop");
	cr_assert_str_eq(r.model, "deepseek-v4-pro");
	cr_assert_eq(r.usage.input, 10);
	cr_assert_eq(r.usage.cache_read, 0);
	cr_assert_eq(r.usage.output, 48);
	cr_assert_eq(r.usage.thinking, 38);
	pl_model_reply_free(&r);
}
