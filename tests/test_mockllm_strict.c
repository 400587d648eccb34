/* pinglab-mockllm as strict as the real services: authentication (x-api-key or Bearer,
 * and the precedence between them), anthropic-version, request ids, what the model table
 * says each model refuses (with the real error bodies), the minimum cacheable prompt,
 * thinking asked for, reasoning models, local servers (models = any, llama.cpp).
 *
 * Every expected value is written out by hand here: the error texts as the services word
 * them (mockllm/README.md names the sources), the token counts worked out in comments
 * from the mock's rules (input = ceil(characters / 4) + 4 a message + 4 for a system
 * prompt; output = ceil(answer characters / 4)).
 *
 * The packet of every request is REQ (44 bytes); tm_user_msg makes the user message
 *   "Packet received (44 bytes):\n" (28 characters) + 88 hex digits + "\n" = 117 characters,
 * and a terse careful answer is "REPLY: " + the 88 hex digits of REP + "\n" = 96
 * characters = 24 tokens. */
#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "packet/hex.h"
#include "tests/mockutil.h"
#include "tests/util.h"

#define REQ "4500002c02020000400161320a4d01020a4d02020800a27f123400016162636465666768696a6b6c6d6e6f70"
#define REP "4500002c02020000400161320a4d02020a4d01020000aa7f123400016162636465666768696a6b6c6d6e6f70"
#define ANSWER "REPLY: " REP "\n"
#define ANSWER_JSON "\"REPLY: " REP "\\n\""
#define PERFECT "latency = fixed 0\nchatty = 0\n"

#define MSG "/v1/messages"
#define CHAT "/v1/chat/completions"
#define VERSION "anthropic-version: 2023-06-01"
#define BAD "invalid_request_error"

static struct tm_server srv, srv2;
static char keyfile[64];

static void fini(void)
{
	tm_stop(&srv);
	tm_stop(&srv2);
	if (keyfile[0])
		unlink(keyfile);
}

TestSuite(mockllm_strict, .fini = fini, .timeout = 30);

static const char *user(void)
{
	static uint8_t req[64];
	size_t n = tu_hex(REQ, req, sizeof(req));

	cr_assert_eq(strlen(tm_user_msg(req, n)), 117);
	return tm_user_msg(req, n);
}

static const cJSON *get(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	cr_assert_not_null(v, "no %s in %s", k, cJSON_PrintUnformatted(o));
	return v;
}

static long num(const cJSON *o, const char *k)
{
	const cJSON *v = get(o, k);

	cr_assert(cJSON_IsNumber(v), "%s is not a number", k);
	return (long)v->valuedouble;
}

static const char *str(const cJSON *o, const char *k)
{
	const cJSON *v = get(o, k);

	cr_assert(cJSON_IsString(v), "%s is not a string", k);
	return v->valuestring;
}

/* req_mock + 24 hex digits */
static void expect_request_id(const char *id)
{
	size_t i;

	cr_assert_eq(strlen(id), 32, "request id \"%s\"", id);
	cr_assert_eq(strncmp(id, "req_mock", 8), 0, "request id \"%s\"", id);
	for (i = 8; i < 32; i++)
		cr_assert(strchr("0123456789abcdef", id[i]), "request id \"%s\"", id);
}

/* {"type":"error","error":{"type":TYPE,"message":MSG},"request_id":ID} and nothing else,
 * the id the same as the request-id header */
static void anthropic_error(const struct tm_resp *r, long status, const char *type, const char *msg)
{
	cJSON *root = cJSON_Parse(r->body);
	const cJSON *e;

	cr_assert_eq(r->status, status, "status %ld, want %ld: %s", r->status, status, r->body);
	cr_assert_not_null(root, "%s", r->body);
	cr_assert_eq(cJSON_GetArraySize(root), 3, "%s", r->body);
	cr_assert_str_eq(str(root, "type"), "error");
	e = get(root, "error");
	cr_assert_eq(cJSON_GetArraySize(e), 2, "%s", r->body);
	cr_assert_str_eq(str(e, "type"), type, "%s", r->body);
	cr_assert_str_eq(str(e, "message"), msg, "%s", r->body);
	expect_request_id(str(root, "request_id"));
	cr_assert_str_eq(str(root, "request_id"), r->request_id, "body and header request ids differ");
	cJSON_Delete(root);
}

/* {"error":{"message":MSG,"type":TYPE,"param":PARAM|null,"code":CODE|null}} */
static void openai_error(const struct tm_resp *r, long status, const char *type, const char *param,
			 const char *code, const char *msg)
{
	cJSON *root = cJSON_Parse(r->body);
	const cJSON *e;

	cr_assert_eq(r->status, status, "status %ld, want %ld: %s", r->status, status, r->body);
	cr_assert_not_null(root, "%s", r->body);
	cr_assert_eq(cJSON_GetArraySize(root), 1, "%s", r->body);
	e = get(root, "error");
	cr_assert_eq(cJSON_GetArraySize(e), 4, "%s", r->body);
	cr_assert_str_eq(str(e, "message"), msg, "%s", r->body);
	cr_assert_str_eq(str(e, "type"), type, "%s", r->body);
	if (param)
		cr_assert_str_eq(str(e, "param"), param, "%s", r->body);
	else
		cr_assert(cJSON_IsNull(get(e, "param")), "%s", r->body);
	if (code)
		cr_assert_str_eq(str(e, "code"), code, "%s", r->body);
	else
		cr_assert(cJSON_IsNull(get(e, "code")), "%s", r->body);
	expect_request_id(r->request_id);
	cJSON_Delete(root);
}

static void post(enum tm_api api, const char *model, bool stream, const char *extra, struct tm_resp *r)
{
	char *body = tm_body_x(api, model, "You are the IPv4 stack of 10.77.2.2.", user(), stream, extra);

	tm_post(srv.url, api == TM_ANTHROPIC ? MSG : CHAT, body, true, 0, r);
	free(body);
}

static cJSON *ok(const struct tm_resp *r)
{
	cJSON *root;

	cr_assert_eq(r->status, 200, "status %ld: %s", r->status, r->body);
	root = cJSON_Parse(r->body);
	cr_assert_not_null(root, "%s", r->body);
	return root;
}

/* ---- authentication ---- */

static const char *const X_KEY[] = { "x-api-key: k-right", VERSION, NULL };

/* The official TypeScript SDK 1.16 sends its key as "Authorization: Bearer" (apiKey and
 * authToken alike); pinglab sends x-api-key. Both are accepted; neither is a 401 with
 * the service's text. */
Test(mockllm_strict, anthropic_takes_x_api_key_or_bearer)
{
	const char *const bearer[] = { "Authorization: Bearer k-right", VERSION, NULL };
	const char *const none[] = { VERSION, NULL };
	const char *const basic[] = { "Authorization: Basic azpr", VERSION, NULL };
	char *body = tm_body(TM_ANTHROPIC, "sys", user(), false);
	struct tm_resp r;

	tm_start(&srv, PERFECT, NULL);
	tm_post_headers(srv.url, MSG, body, X_KEY, &r);
	cr_expect_eq(r.status, 200, "x-api-key: %s", r.body);
	tm_resp_free(&r);
	tm_post_headers(srv.url, MSG, body, bearer, &r);
	cr_expect_eq(r.status, 200, "Bearer: %s", r.body);
	tm_resp_free(&r);
	tm_post_headers(srv.url, MSG, body, none, &r);
	anthropic_error(&r, 401, "authentication_error", "x-api-key header is required");
	tm_resp_free(&r);
	/* another scheme is no credential */
	tm_post_headers(srv.url, MSG, body, basic, &r);
	anthropic_error(&r, 401, "authentication_error", "x-api-key header is required");
	tm_resp_free(&r);
	free(body);
}

/* With a key of its own (--key-file) the value must match, by either header. When both
 * come, x-api-key alone decides (the SDK's own precedence: its key over its token). */
Test(mockllm_strict, anthropic_key_must_match_and_x_api_key_wins)
{
	static const struct {
		const char *h1, *h2;
		long status;
		const char *msg;
	} c[] = {
		{ "x-api-key: k-right", NULL, 200, NULL },
		{ "Authorization: Bearer k-right", NULL, 200, NULL },
		{ "x-api-key: k-wrong", NULL, 401, "invalid x-api-key" },
		{ "Authorization: Bearer k-wrong", NULL, 401, "Invalid bearer token" },
		{ "x-api-key: k-wrong", "Authorization: Bearer k-right", 401, "invalid x-api-key" },
		{ "x-api-key: k-right", "Authorization: Bearer k-wrong", 200, NULL },
	};
	char *body = tm_body(TM_ANTHROPIC, "sys", user(), false), *log;
	size_t i;

	tm_file(keyfile, "k-right\n");
	tm_start(&srv, PERFECT, (const char *const[]){ "--key-file", keyfile, NULL });
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		const char *h[] = { c[i].h1, c[i].h2 ? c[i].h2 : VERSION, c[i].h2 ? VERSION : NULL, NULL };
		struct tm_resp r;

		tm_post_headers(srv.url, MSG, body, h, &r);
		if (c[i].status == 200)
			cr_expect_eq(r.status, 200, "case %zu: %s", i, r.body);
		else
			anthropic_error(&r, 401, "authentication_error", c[i].msg);
		tm_resp_free(&r);
	}
	free(body);
	log = tm_log(&srv);
	cr_expect_null(strstr(log, "k-wrong"), "a key in the log: %s", log);
	cr_expect_null(strstr(log, "k-right"), "a key in the log: %s", log);
	free(log);
}

/* OpenAI: a hosted API wants "Authorization: Bearer"; a llama.cpp server wants none. */
Test(mockllm_strict, openai_key_required_by_the_api_not_by_llamacpp)
{
	const char *const none[] = { NULL };
	const char *const right[] = { "Authorization: Bearer k-right", NULL };
	const char *const wrong[] = { "Authorization: Bearer k-wrong", NULL };
	char *body = tm_body(TM_OPENAI, "sys", user(), false);
	struct tm_resp r;

	tm_file(keyfile, "k-right\n");
	tm_start(&srv, PERFECT, (const char *const[]){ "--key-file", keyfile, NULL });
	tm_post_headers(srv.url, CHAT, body, none, &r);
	openai_error(&r, 401, "invalid_request_error", NULL, NULL,
		     "You didn't provide an API key. You need to provide your API key in an Authorization header using "
		     "Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if "
		     "you're accessing the API from your browser and are prompted for a username and password. You can "
		     "obtain an API key from https://platform.openai.com/account/api-keys.");
	tm_resp_free(&r);
	tm_post_headers(srv.url, CHAT, body, wrong, &r);
	openai_error(&r, 401, "invalid_request_error", NULL, "invalid_api_key",
		     "Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.");
	tm_resp_free(&r);
	tm_post_headers(srv.url, CHAT, body, right, &r);
	cr_expect_eq(r.status, 200, "%s", r.body);
	tm_resp_free(&r);
	tm_stop(&srv);

	tm_start(&srv, PERFECT "server = llama.cpp\n", NULL);
	tm_post_headers(srv.url, CHAT, body, none, &r);
	cr_expect_eq(r.status, 200, "llama.cpp without a key: %s", r.body);
	tm_resp_free(&r);
	free(body);
}

/* ---- anthropic-version ---- */

Test(mockllm_strict, anthropic_version_must_be_a_real_one)
{
	static const struct {
		const char *h;
		long status;
		const char *msg;
	} c[] = {
		{ "anthropic-version: 2023-06-01", 200, NULL },
		{ "anthropic-version: 2023-01-01", 200, NULL },
		{ "anthropic-version: 2026-10-21", 200, NULL },
		{ "anthropic-version: 2024-10-22", 400, "anthropic-version: \"2024-10-22\" is not a valid version" },
		{ "anthropic-version: latest", 400, "anthropic-version: \"latest\" is not a valid version" },
		{ NULL, 400, "anthropic-version: header is required" },
	};
	char *body = tm_body(TM_ANTHROPIC, "sys", user(), false);
	size_t i;

	tm_start(&srv, PERFECT, NULL);
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		const char *h[] = { "x-api-key: k", c[i].h, NULL };
		struct tm_resp r;

		tm_post_headers(srv.url, MSG, body, h, &r);
		if (c[i].status == 200)
			cr_expect_eq(r.status, 200, "%s: %s", c[i].h, r.body);
		else
			anthropic_error(&r, 400, "invalid_request_error", c[i].msg);
		tm_resp_free(&r);
	}
	free(body);
}

/* API version 2026-10-21 (what the official SDKs from 1.0 send): its Messages API has no
 * sampling parameters (the SDK 1.16's MessageCreateParams lists none), takes a top-level
 * cache_control, and its usage always has output_tokens_details (null without
 * thinking). claude-haiku-4-5 caches from 4096 tokens: a 16384-character system prompt
 * under a top-level cache_control is 4096 tokens, written once (the request:
 * ceil((16384 + 117) / 4) + 8 = 4134 tokens, 38 of them not cached). */
Test(mockllm_strict, anthropic_version_2026_10_21)
{
	const char *const h26[] = { "x-api-key: k", "anthropic-version: 2026-10-21", NULL };
	char *sys = malloc(16385), *body;
	struct tm_resp r;
	cJSON *root;
	const cJSON *u;

	memset(sys, 's', 16384);
	sys[16384] = '\0';
	tm_start(&srv, PERFECT, NULL);
	body = tm_body_x(TM_ANTHROPIC, "claude-haiku-4-5", "sys", user(), false, "{\"temperature\":0}");
	tm_post_headers(srv.url, MSG, body, h26, &r);
	anthropic_error(&r, 400, BAD, "temperature: Extra inputs are not permitted");
	tm_resp_free(&r);
	free(body);
	body = tm_body_x(TM_ANTHROPIC, "claude-haiku-4-5", "sys", user(), false, "{\"top_k\":5}");
	tm_post_headers(srv.url, MSG, body, h26, &r);
	anthropic_error(&r, 400, BAD, "top_k: Extra inputs are not permitted");
	tm_resp_free(&r);
	free(body);
	body = tm_body_x(TM_ANTHROPIC, "claude-haiku-4-5", sys, user(), false, "{\"cache_control\":{\"type\":\"ephemeral\"}}");
	tm_post_headers(srv.url, MSG, body, h26, &r);
	root = ok(&r);
	u = get(root, "usage");
	cr_expect(num(u, "cache_creation_input_tokens") == 4096 && num(u, "input_tokens") == 38, "%s", r.body);
	cr_expect(cJSON_IsNull(get(u, "output_tokens_details")), "%s", r.body);
	cJSON_Delete(root);
	tm_resp_free(&r);
	/* the same top-level cache_control under 2023-06-01 is an unknown parameter */
	tm_post(srv.url, MSG, body, true, 0, &r);
	anthropic_error(&r, 400, BAD, "cache_control: Extra inputs are not permitted");
	tm_resp_free(&r);
	free(body);
	/* and under 2023-06-01 an answer without thinking has no output_tokens_details */
	post(TM_ANTHROPIC, "claude-haiku-4-5", false, NULL, &r);
	root = ok(&r);
	cr_expect_null(cJSON_GetObjectItem(get(root, "usage"), "output_tokens_details"), "%s", r.body);
	cJSON_Delete(root);
	tm_resp_free(&r);
	free(sys);
}

/* ---- request ids ---- */

/* Every response carries one (request-id, x-request-id); an answer's comes from the seed,
 * the packet and its attempt, like the message id: two servers with one seed agree, a
 * retry of the packet gets another. */
Test(mockllm_strict, request_ids_in_every_response)
{
	struct tm_resp a1, a2, b1, o1, m1, e1;
	char *body = tm_body(TM_ANTHROPIC, "sys", user(), false), *log;

	tm_start(&srv, PERFECT, (const char *const[]){ "--seed", "9", NULL });
	tm_start(&srv2, PERFECT, (const char *const[]){ "--seed", "9", NULL });
	tm_post(srv.url, MSG, body, true, 0, &a1);
	tm_post(srv.url, MSG, body, true, 0, &a2);
	tm_post(srv2.url, MSG, body, true, 0, &b1);
	cr_assert_eq(a1.status, 200);
	expect_request_id(a1.request_id);
	expect_request_id(a2.request_id);
	cr_expect_str_eq(a1.request_id, b1.request_id, "same seed, packet and attempt");
	cr_expect_str_neq(a1.request_id, a2.request_id, "a retry has an id of its own");
	free(body);
	body = tm_body(TM_OPENAI, "sys", user(), false);
	tm_post(srv.url, CHAT, body, true, 0, &o1);
	cr_assert_eq(o1.status, 200);
	expect_request_id(o1.request_id);
	tm_get(srv.url, "/v1/models", &m1);
	expect_request_id(m1.request_id);
	tm_get(srv.url, "/v2/nothing", &e1);
	anthropic_error(&e1, 404, "not_found_error", "Not found");
	log = tm_log(&srv);
	{
		char want[128];

		snprintf(want, sizeof(want), "\"request_id\":\"%s\"", a2.request_id);
		cr_expect(strstr(log, want), "want %s in %s", want, log);
	}
	free(log);
	free(body);
	tm_resp_free(&a1);
	tm_resp_free(&a2);
	tm_resp_free(&b1);
	tm_resp_free(&o1);
	tm_resp_free(&m1);
	tm_resp_free(&e1);
}

/* ---- what the model table refuses ---- */

struct refusal {
	enum tm_api api;
	const char *model;     /* NULL: none */
	const char *extra;     /* JSON members set in the body */
	long status;           /* 200: accepted */
	const char *type;      /* anthropic error.type / openai error.type */
	const char *param, *code; /* openai */
	const char *msg;
};

static void expect_refusals(const struct refusal *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct tm_resp r;

		post(c[i].api, c[i].model, false, c[i].extra, &r);
		cr_log_info("%s %s %s -> %ld", c[i].api == TM_ANTHROPIC ? "anthropic" : "openai",
			    c[i].model ? c[i].model : "(none)", c[i].extra ? c[i].extra : "", r.status);
		if (c[i].status == 200)
			cr_expect_eq(r.status, 200, "case %zu (%s %s): %s", i, c[i].model, c[i].extra, r.body);
		else if (c[i].api == TM_ANTHROPIC)
			anthropic_error(&r, c[i].status, c[i].type, c[i].msg);
		else
			openai_error(&r, c[i].status, c[i].type, c[i].param, c[i].code, c[i].msg);
		tm_resp_free(&r);
	}
}

#define OK(api, model, extra) { api, model, extra, 200, NULL, NULL, NULL, NULL }

Test(mockllm_strict, anthropic_refuses_what_the_table_says)
{
	static const struct refusal c[] = {
		/* what pinglab sends, per model row */
		OK(TM_ANTHROPIC, "claude-haiku-4-5", "{\"temperature\":0}"),
		OK(TM_ANTHROPIC, "claude-opus-4-7", NULL),
		{ TM_ANTHROPIC, "claude-opus-4-7", "{\"temperature\":0}", 400, BAD, 0, 0,
		  "`temperature` is deprecated for this model." },
		{ TM_ANTHROPIC, "claude-opus-4-7-20260101", "{\"temperature\":1}", 400, BAD, 0, 0,
		  "`temperature` is deprecated for this model." },
		/* sonnet 5: only its default */
		{ TM_ANTHROPIC, "claude-sonnet-5", "{\"temperature\":0}", 400, BAD, 0, 0,
		  "`temperature` is deprecated for this model." },
		OK(TM_ANTHROPIC, "claude-sonnet-5", "{\"temperature\":1}"),
		{ TM_ANTHROPIC, "claude-haiku-4-5", "{\"temperature\":0,\"top_p\":0.9}", 400, BAD, 0, 0,
		  "`temperature` and `top_p` cannot both be specified for this model. Please use only one." },
		OK(TM_ANTHROPIC, "claude-3-haiku-20240307", "{\"temperature\":0,\"top_p\":0.9}"),
		{ TM_ANTHROPIC, "claude-haiku-4-5", "{\"temperature\":1.5}", 400, BAD, 0, 0,
		  "temperature: Input should be less than or equal to 1" },
		/* extended thinking */
		OK(TM_ANTHROPIC, "claude-haiku-4-5", "{\"max_tokens\":4096,\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":1024}}"),
		OK(TM_ANTHROPIC, "claude-haiku-4-5", "{\"thinking\":{\"type\":\"disabled\"},\"temperature\":0}"),
		{ TM_ANTHROPIC, "claude-haiku-4-5", "{\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":512}}", 400, BAD, 0, 0,
		  "thinking.enabled.budget_tokens: Input should be greater than or equal to 1024" },
		{ TM_ANTHROPIC, "claude-haiku-4-5", "{\"thinking\":{\"type\":\"enabled\"}}", 400, BAD, 0, 0,
		  "thinking.enabled.budget_tokens: Field required" },
		{ TM_ANTHROPIC, "claude-haiku-4-5", "{\"max_tokens\":1024,\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":1024}}",
		  400, BAD, 0, 0,
		  "`max_tokens` must be greater than `thinking.budget_tokens`. Please consult our documentation at "
		  "https://docs.claude.com/en/docs/build-with-claude/extended-thinking#max-tokens-and-context-window-size" },
		{ TM_ANTHROPIC, "claude-haiku-4-5", "{\"temperature\":0,\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":1024}}",
		  400, BAD, 0, 0,
		  "`temperature` may only be set to 1 when thinking is enabled. Please consult our documentation at "
		  "https://docs.anthropic.com/en/docs/build-with-claude/extended-thinking#important-considerations-when-using-extended-thinking" },
		OK(TM_ANTHROPIC, "claude-haiku-4-5", "{\"temperature\":1,\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":1024}}"),
		{ TM_ANTHROPIC, "claude-3-5-haiku-20241022", "{\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":1024}}", 400, BAD, 0, 0,
		  "'claude-3-5-haiku-20241022' does not support thinking." },
		/* required fields, unknown ones */
		{ TM_ANTHROPIC, "claude-haiku-4-5", "{\"max_tokens\":null}", 400, BAD, 0, 0, "max_tokens: Field required" },
		{ TM_ANTHROPIC, NULL, NULL, 400, BAD, 0, 0, "model: Field required" },
		{ TM_ANTHROPIC, "claude-haiku-4-5", "{\"frequency_penalty\":0.5}", 400, BAD, 0, 0,
		  "frequency_penalty: Extra inputs are not permitted" },
		OK(TM_ANTHROPIC, "claude-haiku-4-5", "{\"top_k\":5,\"metadata\":{\"user_id\":\"u\"},\"stop_sequences\":[\"x\"]}"),
		/* models the table does not know, or another service's */
		{ TM_ANTHROPIC, "claude-nonexistent-9", NULL, 404, "not_found_error", 0, 0, "model: claude-nonexistent-9" },
		{ TM_ANTHROPIC, "gpt-4o", NULL, 404, "not_found_error", 0, 0, "model: gpt-4o" },
	};

	tm_start(&srv, PERFECT, NULL);
	expect_refusals(c, sizeof(c) / sizeof(c[0]));
}

Test(mockllm_strict, openai_refuses_what_the_table_says)
{
	static const struct refusal c[] = {
		/* a model that takes temperature and max_tokens */
		OK(TM_OPENAI, "gpt-4o-mini", "{\"temperature\":0,\"max_tokens\":2048}"),
		OK(TM_OPENAI, "gpt-4o-mini", "{\"max_completion_tokens\":2048}"),
		{ TM_OPENAI, "gpt-4o-mini", "{\"reasoning_effort\":\"low\"}", 400, BAD, NULL, NULL,
		  "Unrecognized request argument supplied: reasoning_effort" },
		{ TM_OPENAI, "gpt-4o-mini", "{\"temperature\":2.5}", 400, BAD, "temperature", "decimal_above_max_value",
		  "Invalid 'temperature': decimal above maximum value. Expected a value <= 2, but got 2.5 instead." },
		/* a reasoning model */
		OK(TM_OPENAI, "gpt-5-mini", "{\"max_completion_tokens\":4096,\"reasoning_effort\":\"high\"}"),
		{ TM_OPENAI, "gpt-5-mini", "{\"max_tokens\":2048}", 400, BAD, "max_tokens", "unsupported_parameter",
		  "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead." },
		{ TM_OPENAI, "gpt-5-mini", "{\"temperature\":0}", 400, BAD, "temperature", "unsupported_value",
		  "Unsupported value: 'temperature' does not support 0 with this model. Only the default (1) value is supported." },
		{ TM_OPENAI, "gpt-5-mini-2025-08-07", "{\"temperature\":0.7}", 400, BAD, "temperature", "unsupported_value",
		  "Unsupported value: 'temperature' does not support 0.7 with this model. Only the default (1) value is supported." },
		OK(TM_OPENAI, "gpt-5-mini", "{\"temperature\":1}"),
		OK(TM_OPENAI, "o3", "{\"reasoning_effort\":\"minimal\"}"),
		{ TM_OPENAI, "gpt-5-mini", "{\"reasoning_effort\":\"extreme\"}", 400, BAD, "reasoning_effort", "unsupported_value",
		  "Unsupported value: 'reasoning_effort' does not support 'extreme' with this model. Supported values are: "
		  "'minimal', 'low', 'medium', and 'high'." },
		/* required and unknown parameters */
		{ TM_OPENAI, NULL, NULL, 400, BAD, 0, 0, "you must provide a model parameter" },
		{ TM_OPENAI, "gpt-4o-mini", "{\"thinking\":{\"type\":\"enabled\"}}", 400, BAD, 0, 0,
		  "Unrecognized request argument supplied: thinking" },
		OK(TM_OPENAI, "gpt-4o-mini", "{\"seed\":1,\"n\":1,\"user\":\"u\",\"stop\":[\"x\"]}"),
		/* models it does not serve */
		{ TM_OPENAI, "gpt-nonexistent", NULL, 404, BAD, 0, "model_not_found",
		  "The model `gpt-nonexistent` does not exist or you do not have access to it." },
		{ TM_OPENAI, "claude-haiku-4-5", NULL, 404, BAD, 0, "model_not_found",
		  "The model `claude-haiku-4-5` does not exist or you do not have access to it." },
	};

	tm_start(&srv, PERFECT, NULL);
	expect_refusals(c, sizeof(c) / sizeof(c[0]));
}

/* The requests pinglab's client builds (model/api.c), word for word, are accepted: the
 * Anthropic one with its cacheable system block, temperature and a stream; with
 * --thinking; the OpenAI ones for a reasoning model and for a model with temperature. */
Test(mockllm_strict, the_clients_requests_are_accepted)
{
	static const char *const bodies[][2] = {
		{ MSG, "{\"model\":\"claude-haiku-4-5\",\"max_tokens\":2048,\"system\":[{\"type\":\"text\",\"text\":\"sys\","
		       "\"cache_control\":{\"type\":\"ephemeral\"}}],\"messages\":[{\"role\":\"user\",\"content\":\"%s\"}],"
		       "\"temperature\":0,\"stream\":true}" },
		{ MSG, "{\"model\":\"claude-opus-4-7\",\"max_tokens\":3072,\"system\":[{\"type\":\"text\",\"text\":\"sys\","
		       "\"cache_control\":{\"type\":\"ephemeral\"}}],\"messages\":[{\"role\":\"user\",\"content\":\"%s\"}],"
		       "\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":1024}}" },
		{ CHAT, "{\"model\":\"gpt-5-mini\",\"max_completion_tokens\":16384,\"messages\":[{\"role\":\"system\","
			"\"content\":\"sys\"},{\"role\":\"user\",\"content\":\"%s\"}],\"reasoning_effort\":\"low\","
			"\"stream\":true,\"stream_options\":{\"include_usage\":true}}" },
		{ CHAT, "{\"model\":\"gpt-4.1-mini\",\"max_tokens\":2048,\"messages\":[{\"role\":\"system\",\"content\":\"sys\"},"
			"{\"role\":\"user\",\"content\":\"%s\"}],\"temperature\":0}" },
	};
	char esc[512], body[2048];
	size_t i;

	snprintf(esc, sizeof(esc), "Packet received (44 bytes):\\n%s\\n", REQ);
	tm_start(&srv, PERFECT, NULL);
	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		struct tm_resp r;

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
		snprintf(body, sizeof(body), bodies[i][1], esc);
#pragma GCC diagnostic pop
		{
			cJSON *parsed = cJSON_Parse(body);

			cr_assert_not_null(parsed, "%s", body);
			cJSON_Delete(parsed);
		}
		tm_post(srv.url, bodies[i][0], body, true, 0, &r);
		cr_expect_eq(r.status, 200, "%s: %s", body, r.body);
		if (strstr(body, "\"stream\":true")) {
			char *text = tm_sse_text(!strcmp(bodies[i][0], MSG) ? TM_ANTHROPIC : TM_OPENAI, r.body, NULL, 0);

			cr_expect_str_eq(text, ANSWER);
			free(text);
		} else {
			cr_expect(strstr(r.body, ANSWER_JSON), "no reply in %s", r.body);
		}
		tm_resp_free(&r);
	}
}

/* A refusal is logged with its status and message, and costs the packet no attempt. */
Test(mockllm_strict, refusals_are_logged)
{
	struct tm_resp r;
	char *log;

	tm_start(&srv, PERFECT, NULL);
	post(TM_ANTHROPIC, "claude-opus-4-7", false, "{\"temperature\":0}", &r);
	cr_assert_eq(r.status, 400);
	tm_resp_free(&r);
	post(TM_ANTHROPIC, "claude-opus-4-7", false, NULL, &r);
	cr_assert_eq(r.status, 200);
	tm_resp_free(&r);
	log = tm_log(&srv);
	cr_expect(strstr(log, "\"status\":400,\"error\":\"`temperature` is deprecated for this model.\""), "%s", log);
	cr_expect(strstr(log, "\"model\":\"claude-opus-4-7\""), "%s", log);
	cr_expect(strstr(log, "\"seq\":2,") && strstr(strstr(log, "\"seq\":2,"), "\"attempt\":0,"), "%s", log);
	free(log);
}

/* models = any (a local server): any name, any parameter, no model at all. The
 * profile's own model, which the table does not list, is served like that too. */
Test(mockllm_strict, models_any_and_the_profiles_own_model)
{
	struct tm_resp r;
	cJSON *root;

	tm_start(&srv, PERFECT "models = any\nmodel = qwen2.5\n", NULL);
	post(TM_OPENAI, "whatever-7b", false, "{\"temperature\":0,\"max_tokens\":100,\"mirostat\":2}", &r);
	cJSON_Delete(ok(&r));
	tm_resp_free(&r);
	post(TM_ANTHROPIC, NULL, false, "{\"temperature\":0.3,\"top_p\":0.5,\"frequency_penalty\":1}", &r);
	root = ok(&r);
	cr_expect_str_eq(str(root, "model"), "qwen2.5");
	cJSON_Delete(root);
	tm_resp_free(&r);
	tm_stop(&srv);

	tm_start(&srv, PERFECT "model = sim-own\n", NULL);
	post(TM_OPENAI, "sim-own", false, "{\"temperature\":0,\"mirostat\":2}", &r);
	cJSON_Delete(ok(&r));
	tm_resp_free(&r);
	post(TM_OPENAI, "sim-other", false, NULL, &r);
	openai_error(&r, 404, BAD, NULL, "model_not_found",
		     "The model `sim-other` does not exist or you do not have access to it.");
	tm_resp_free(&r);
}

/* No table: exit 2 with a message, unless the profile says models = any. --models names
 * one; a bad one is an error naming its line. */
Test(mockllm_strict, the_model_table_is_required)
{
	char prof[64], any[64], table[64], bad[64], *err;
	struct tm_resp r;

	tm_file(prof, PERFECT);
	tm_file(any, PERFECT "models = any\n");
	tm_file(table, "# as_of: 2026-12\nmini*\topenai\tdefault\tmax_completion_tokens\teffort\t8\t1\t2\t0.5\t1\n");
	tm_file(bad, "mini*\topenai\tsometimes\tmax_tokens\tnone\t8\t1\t2\t0.5\t1\n");
	cr_assert_eq(tm_run((const char *const[]){ "--profile", prof, "--models", "/nonexistent/models.tsv", NULL }, &err), 2);
	cr_expect(strstr(err, "/nonexistent/models.tsv"), "%s", err);
	free(err);
	cr_assert_eq(tm_run((const char *const[]){ "--profile", prof, "--models", bad, NULL }, &err), 2);
	cr_expect(strstr(err, ":1:") || strstr(err, "line 1"), "%s", err);
	free(err);
	if (getenv("PINGLAB_VALGRIND")) {
		/* the programs are wrapper scripts there: a copy would still run the real one */
		cr_log_info("valgrind: the no-table case is not run");
	} else {
		/* a binary with no model/ folder above it, and no PINGLAB_MODELS */
		char dir[] = "/tmp/pl-mock-bin-XXXXXX", bin[128], src[4096], cwd[4096];
		const char *b = getenv("PINGLAB_BUILD");
		const char *cp[] = { "cp", src, bin, NULL };
		pid_t pid;
		int st;

		cr_assert_not_null(mkdtemp(dir));
		snprintf(src, sizeof(src), "%s/pinglab-mockllm", b && *b ? b : "build");
		snprintf(bin, sizeof(bin), "%s/pinglab-mockllm", dir);
		pid = fork();
		if (pid == 0) {
			execvp("cp", (char *const *)cp);
			_exit(127);
		}
		waitpid(pid, &st, 0);
		cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
		setenv("PINGLAB_BUILD", dir, 1);
		unsetenv("PINGLAB_MODELS");
		cr_assert_not_null(getcwd(cwd, sizeof(cwd)));
		cr_assert_eq(chdir(dir), 0); /* nor in the current directory */
		cr_expect_eq(tm_run((const char *const[]){ "--profile", prof, NULL }, &err), 2);
		cr_expect(strstr(err, "no model table"), "%s", err);
		free(err);
		tm_start(&srv, PERFECT "models = any\n", NULL);
		tm_stop(&srv);
		if (b)
			setenv("PINGLAB_BUILD", b, 1);
		else
			unsetenv("PINGLAB_BUILD");
		unlink(bin);
		cr_assert_eq(chdir(cwd), 0); /* a relative build/ (no PINGLAB_BUILD) works again */
		rmdir(dir);
	}
	/* --models: its rows rule (mini* is a reasoning model here) */
	tm_start(&srv, PERFECT, (const char *const[]){ "--models", table, NULL });
	post(TM_OPENAI, "mini-1", false, "{\"max_tokens\":10}", &r);
	openai_error(&r, 400, BAD, "max_tokens", "unsupported_parameter",
		     "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.");
	tm_resp_free(&r);
	post(TM_OPENAI, "gpt-4o-mini", false, NULL, &r);
	cr_expect_eq(r.status, 404, "not in this table: %s", r.body);
	tm_resp_free(&r);
	unlink(prof);
	unlink(any);
	unlink(table);
	unlink(bad);
}

/* ---- the minimum cacheable prompt ---- */

static void anthropic_usage(const char *system_json, long *in, long *cw, long *cr)
{
	char extra[20100];
	struct tm_resp r;
	cJSON *root, *u;

	snprintf(extra, sizeof(extra), "{\"system\":%s}", system_json);
	post(TM_ANTHROPIC, "claude-haiku-4-5", false, extra, &r);
	root = ok(&r);
	u = cJSON_GetObjectItem(root, "usage");
	*in = num(u, "input_tokens");
	*cw = num(u, "cache_creation_input_tokens");
	*cr = num(u, "cache_read_input_tokens");
	cJSON_Delete(root);
	tm_resp_free(&r);
}

static char *system_of(size_t chars, bool marked)
{
	char *s = malloc(chars + 200);
	int n = snprintf(s, 200, marked ? "[{\"type\":\"text\",\"cache_control\":{\"type\":\"ephemeral\"},\"text\":\"" : "\"");

	memset(s + n, 's', chars);
	strcpy(s + n + chars, marked ? "\"}]" : "\"");
	return s;
}

/* claude-haiku-4-5 caches from 4096 tokens (its row), only a block marked cache_control.
 *  16384 characters marked: 4096 tokens, cached. The request: ceil((16384 + 117) / 4) =
 *    4126, + 4 (one message) + 4 (a system prompt) = 4134 tokens; input_tokens excludes
 *    the cache: 4134 - 4096 = 38. The first request writes 4096, the second reads them.
 *  16380 characters marked: 4095 tokens, below the minimum: nothing cached, all
 *    ceil((16380 + 117) / 4) + 8 = 4125 + 8 = 4133 tokens are input.
 *  16384 characters, not marked (a plain string): nothing cached, 4134 input. */
Test(mockllm_strict, anthropic_caches_from_the_rows_minimum)
{
	char *at = system_of(16384, true), *below = system_of(16380, true), *plain = system_of(16384, false);
	long in, cw, cr;

	tm_start(&srv, PERFECT, NULL);
	anthropic_usage(at, &in, &cw, &cr);
	cr_expect(in == 38 && cw == 4096 && cr == 0, "first: input %ld, write %ld, read %ld", in, cw, cr);
	anthropic_usage(at, &in, &cw, &cr);
	cr_expect(in == 38 && cw == 0 && cr == 4096, "second: input %ld, write %ld, read %ld", in, cw, cr);
	anthropic_usage(below, &in, &cw, &cr);
	cr_expect(in == 4133 && cw == 0 && cr == 0, "below: input %ld, write %ld, read %ld", in, cw, cr);
	anthropic_usage(below, &in, &cw, &cr);
	cr_expect(in == 4133 && cw == 0 && cr == 0, "below again: input %ld, write %ld, read %ld", in, cw, cr);
	anthropic_usage(plain, &in, &cw, &cr);
	cr_expect(in == 4134 && cw == 0 && cr == 0, "unmarked: input %ld, write %ld, read %ld", in, cw, cr);
	anthropic_usage(plain, &in, &cw, &cr);
	cr_expect(in == 4134 && cw == 0 && cr == 0, "unmarked again: input %ld, write %ld, read %ld", in, cw, cr);
	free(at);
	free(below);
	free(plain);
}

static void openai_usage(size_t system_chars, long *prompt, long *cached, long *total)
{
	char *sys = malloc(system_chars + 1), *body;
	struct tm_resp r;
	cJSON *root, *u;

	memset(sys, 's', system_chars);
	sys[system_chars] = '\0';
	body = tm_body_x(TM_OPENAI, "gpt-4o-mini", sys, user(), false, NULL);
	tm_post(srv.url, CHAT, body, true, 0, &r);
	root = ok(&r);
	u = cJSON_GetObjectItem(root, "usage");
	*prompt = num(u, "prompt_tokens");
	*cached = num(get(u, "prompt_tokens_details"), "cached_tokens");
	*total = num(u, "total_tokens");
	cJSON_Delete(root);
	tm_resp_free(&r);
	free(body);
	free(sys);
}

/* gpt-4o-mini caches automatically from 1024 tokens, in steps of 128, on a later request
 * with the same system prompt; prompt_tokens includes the cached ones.
 *  5000 characters of system prompt: 1250 tokens; cached 1024 + 128 * floor((1250 -
 *    1024) / 128) = 1024 + 128 = 1152. The request: ceil((5000 + 117) / 4) = 1280, + 4 * 2
 *    (two messages) + 4 (a system prompt) = 1292 prompt tokens both times; total = 1292 + 24.
 *  4000 characters: 1000 tokens, below 1024: never cached (prompt 1030 + 12 = 1042). */
Test(mockllm_strict, openai_caches_from_1024_in_128_token_steps)
{
	long prompt, cached, total;

	tm_start(&srv, PERFECT, NULL);
	openai_usage(5000, &prompt, &cached, &total);
	cr_expect(prompt == 1292 && cached == 0 && total == 1316, "first: prompt %ld, cached %ld, total %ld", prompt,
		  cached, total);
	openai_usage(5000, &prompt, &cached, &total);
	cr_expect(prompt == 1292 && cached == 1152 && total == 1316, "second: prompt %ld, cached %ld, total %ld",
		  prompt, cached, total);
	openai_usage(4000, &prompt, &cached, &total);
	openai_usage(4000, &prompt, &cached, &total);
	cr_expect(prompt == 1042 && cached == 0, "below: prompt %ld, cached %ld", prompt, cached);
}

/* A llama.cpp server caches nothing, reports no cache details, and sends its "timings"
 * in the body and in the last chunk of a stream. */
Test(mockllm_strict, llamacpp_timings_and_no_cache)
{
	struct tm_resp r;
	cJSON *root;
	const cJSON *t, *u;
	const char *last;

	tm_start(&srv, "latency = fixed 10\nttft_ms = 5\nper_token_ms = 2\nchatty = 0\nmodels = any\n"
		       "server = llama.cpp\nmodel = qwen2.5\n", (const char *const[]){ "--scale", "1", NULL });
	post(TM_OPENAI, "qwen2.5", false, NULL, &r);
	tm_resp_free(&r);
	post(TM_OPENAI, "qwen2.5", false, NULL, &r); /* the same prompt again: still no cache */
	root = ok(&r);
	u = get(root, "usage");
	cr_expect_null(cJSON_GetObjectItem(u, "prompt_tokens_details"), "%s", r.body);
	/* prompt: ceil((36 + 117) / 4) = 39, + 8 + 4 = 51 ("You are the IPv4 stack of 10.77.2.2." is 36) */
	cr_expect_eq(num(u, "prompt_tokens"), 51);
	cr_expect_eq(num(u, "completion_tokens"), 24);
	t = get(root, "timings");
	cr_expect_eq(num(t, "prompt_n"), 51);
	cr_expect_eq(num(t, "predicted_n"), 24);
	/* prompt_ms = latency + ttft = 15; predicted_ms = 2 ms x 24 tokens = 48 */
	cr_expect_eq(num(t, "prompt_ms"), 15);
	cr_expect_eq(num(t, "predicted_ms"), 48);
	cr_expect_eq(num(t, "predicted_per_second"), 500);
	cJSON_Delete(root);
	tm_resp_free(&r);

	post(TM_OPENAI, "qwen2.5", true, "{\"stream_options\":{\"include_usage\":true}}", &r);
	cr_assert_eq(r.status, 200);
	last = strstr(r.body, "data: [DONE]");
	cr_assert_not_null(last, "%s", r.body);
	{
		/* the chunk before [DONE] has the usage and the timings; no other has timings */
		const char *p = r.body, *prev = NULL;
		char *line;

		while ((p = strstr(p, "data: ")) && p < last) {
			prev = p;
			p += 6;
		}
		cr_assert_not_null(prev);
		line = strndup(prev + 6, (size_t)(strchr(prev, '\n') - prev - 6));
		root = cJSON_Parse(line);
		cr_assert_not_null(root, "%s", line);
		cr_expect_eq(num(get(root, "timings"), "predicted_n"), 24);
		cr_expect_eq(num(get(root, "usage"), "completion_tokens"), 24);
		cJSON_Delete(root);
		free(line);
		cr_expect(strstr(r.body, "\"timings\"") > prev, "timings before the last chunk: %s", r.body);
	}
	tm_resp_free(&r);
}

/* ---- thinking asked for ---- */

/* claude-haiku-4-5 with thinking budget 1024 and max_tokens 4096: a thinking block of
 * the whole budget (1024 tokens, 4096 characters, with a signature), then the answer
 * (24 tokens): output_tokens = 1024 + 24 = 1048. Streamed: the thinking block at index 0
 * (thinking_delta, signature_delta), the text at index 1; the same text. */
Test(mockllm_strict, anthropic_thinking_comes_before_the_answer)
{
	const char *th = "{\"max_tokens\":4096,\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":1024}}";
	struct tm_resp r;
	cJSON *root;
	const cJSON *c;
	char events[8192], *text;

	tm_start(&srv, PERFECT, NULL);
	post(TM_ANTHROPIC, "claude-haiku-4-5", false, th, &r);
	root = ok(&r);
	c = get(root, "content");
	cr_assert_eq(cJSON_GetArraySize(c), 2, "%s", r.body);
	cr_expect_str_eq(str(cJSON_GetArrayItem(c, 0), "type"), "thinking");
	cr_expect_eq(strlen(str(cJSON_GetArrayItem(c, 0), "thinking")), 4096);
	cr_expect_gt(strlen(str(cJSON_GetArrayItem(c, 0), "signature")), 20);
	cr_expect_str_eq(str(cJSON_GetArrayItem(c, 1), "type"), "text");
	cr_expect_str_eq(str(cJSON_GetArrayItem(c, 1), "text"), ANSWER);
	cr_expect_str_eq(str(root, "stop_reason"), "end_turn");
	cr_expect_eq(num(get(root, "usage"), "output_tokens"), 1048);
	cr_expect_eq(num(get(get(root, "usage"), "output_tokens_details"), "thinking_tokens"), 1024);
	cJSON_Delete(root);
	tm_resp_free(&r);

	post(TM_ANTHROPIC, "claude-haiku-4-5", true, th, &r);
	cr_assert_eq(r.status, 200);
	text = tm_sse_text(TM_ANTHROPIC, r.body, events, sizeof(events));
	cr_expect_str_eq(text, ANSWER, "the thinking is not text");
	free(text);
	cr_expect(strstr(r.body, "\"index\":0,\"content_block\":{\"type\":\"thinking\""), "%s", r.body);
	cr_expect(strstr(r.body, "\"index\":0,\"delta\":{\"type\":\"thinking_delta\""), "%.2000s", r.body);
	cr_expect(strstr(r.body, "\"index\":0,\"delta\":{\"type\":\"signature_delta\""), "%.2000s", r.body);
	cr_expect(strstr(r.body, "\"index\":1,\"content_block\":{\"type\":\"text\""), "%s", r.body);
	cr_expect(strstr(r.body, "\"index\":1,\"delta\":{\"type\":\"text_delta\""), "%s", r.body);
	cr_expect(strstr(r.body, "\"stop_reason\":\"end_turn\",\"stop_sequence\":null},\"usage\":{\"output_tokens\":1048,"
			  "\"output_tokens_details\":{\"thinking_tokens\":1024}}"),
		  "%s", strstr(r.body, "message_delta"));
	tm_resp_free(&r);
}

/* max_tokens 1030 with budget 1024: 6 tokens are left for the 24-token answer; it is cut
 * to 24 characters ("REPLY: " and 17 hex digits), stop_reason max_tokens, 1030 out. */
Test(mockllm_strict, anthropic_thinking_can_leave_too_little_for_the_answer)
{
	const char *th = "{\"max_tokens\":1030,\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":1024}}";
	struct tm_resp r;
	cJSON *root;
	const cJSON *c;
	char *text, *log;

	tm_start(&srv, PERFECT, NULL);
	post(TM_ANTHROPIC, "claude-haiku-4-5", false, th, &r);
	root = ok(&r);
	c = get(root, "content");
	cr_expect_str_eq(str(cJSON_GetArrayItem(c, 1), "text"), "REPLY: 4500002c020200004");
	cr_expect_str_eq(str(root, "stop_reason"), "max_tokens");
	cr_expect_eq(num(get(root, "usage"), "output_tokens"), 1030);
	cJSON_Delete(root);
	tm_resp_free(&r);
	post(TM_ANTHROPIC, "claude-haiku-4-5", true, th, &r);
	text = tm_sse_text(TM_ANTHROPIC, r.body, NULL, 0);
	cr_expect_str_eq(text, "REPLY: 4500002c020200004");
	cr_expect(strstr(r.body, "\"stop_reason\":\"max_tokens\""), "%s", r.body);
	free(text);
	tm_resp_free(&r);
	log = tm_log(&srv);
	cr_expect(strstr(log, "\"stop\":\"max_tokens\",\"thinking_tokens\":1024"), "%s", log);
	free(log);
}

static cJSON *reasoning(const char *extra, long *completion, long *reasoning_tokens, const char **finish)
{
	struct tm_resp r;
	cJSON *root;
	const cJSON *u;

	post(TM_OPENAI, "gpt-5-mini", false, extra, &r);
	root = ok(&r);
	tm_resp_free(&r);
	u = get(root, "usage");
	*completion = num(u, "completion_tokens");
	*reasoning_tokens = num(get(u, "completion_tokens_details"), "reasoning_tokens");
	*finish = str(cJSON_GetArrayItem(get(root, "choices"), 0), "finish_reason");
	return root;
}

static const char *content(const cJSON *root)
{
	return str(get(cJSON_GetArrayItem(get(root, "choices"), 0), "message"), "content");
}

/* gpt-5-mini always reasons: 256 tokens by default (medium), 16 / 64 / 1024 for minimal /
 * low / high, counted in completion_tokens (answer 24 more) and shown nowhere. With
 * max_completion_tokens 80 and low effort, 64 + 24 > 80: finish_reason length, content
 * "" (the cut answer withheld), completion_tokens 80. With 100 and high, the whole limit
 * goes to reasoning: 100 and 100. */
Test(mockllm_strict, openai_reasoning_models_always_reason)
{
	static const struct {
		const char *extra;
		long completion, reasoning;
		const char *finish, *content;
	} c[] = {
		{ NULL, 280, 256, "stop", ANSWER },
		{ "{\"reasoning_effort\":\"minimal\"}", 40, 16, "stop", ANSWER },
		{ "{\"reasoning_effort\":\"low\"}", 88, 64, "stop", ANSWER },
		{ "{\"reasoning_effort\":\"medium\"}", 280, 256, "stop", ANSWER },
		{ "{\"reasoning_effort\":\"high\",\"max_completion_tokens\":16384}", 1048, 1024, "stop", ANSWER },
		{ "{\"reasoning_effort\":\"low\",\"max_completion_tokens\":80}", 80, 64, "length", "" },
		{ "{\"reasoning_effort\":\"high\",\"max_completion_tokens\":100}", 100, 100, "length", "" },
	};
	size_t i;

	tm_start(&srv, PERFECT, NULL);
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		long comp, reas;
		const char *finish;
		cJSON *root = reasoning(c[i].extra, &comp, &reas, &finish);

		cr_expect(comp == c[i].completion && reas == c[i].reasoning && !strcmp(finish, c[i].finish),
			  "%s: completion %ld reasoning %ld finish %s", c[i].extra, comp, reas, finish);
		cr_expect_str_eq(content(root), c[i].content, "%s", c[i].extra);
		cr_expect_null(cJSON_GetObjectItem(get(cJSON_GetArrayItem(get(root, "choices"), 0), "message"),
						   "reasoning_content"), "OpenAI shows no reasoning");
		cJSON_Delete(root);
	}
}

/* A model that does not reason, and a small limit: the answer is cut there (max_tokens
 * 10 of 24: 40 characters), finish_reason length. */
Test(mockllm_strict, answers_are_cut_at_the_token_limit)
{
	struct tm_resp r;
	cJSON *root;

	tm_start(&srv, PERFECT, NULL);
	post(TM_OPENAI, "gpt-4o-mini", false, "{\"max_tokens\":10}", &r);
	root = ok(&r);
	cr_expect_str_eq(content(root), "REPLY: 4500002c02020000400161320a4d02020");
	cr_expect_str_eq(str(cJSON_GetArrayItem(get(root, "choices"), 0), "finish_reason"), "length");
	cr_expect_eq(num(get(root, "usage"), "completion_tokens"), 10);
	cJSON_Delete(root);
	tm_resp_free(&r);
	post(TM_ANTHROPIC, "claude-haiku-4-5", false, "{\"max_tokens\":10}", &r);
	root = ok(&r);
	cr_expect_str_eq(str(root, "stop_reason"), "max_tokens");
	cr_expect_str_eq(str(cJSON_GetArrayItem(get(root, "content"), 0), "text"), "REPLY: 4500002c02020000400161320a4d02020");
	cJSON_Delete(root);
	tm_resp_free(&r);
}

/* The shipped profiles of the three acceptance setups: each model's own refusals, and
 * the careful answer to what pinglab sends it. */
Test(mockllm_strict, shipped_model_profiles)
{
	struct tm_resp r;
	cJSON *root;

	tm_start(&srv, "", (const char *const[]){ "--profile", "sim-opus-4-7", "--scale", "0", NULL });
	post(TM_ANTHROPIC, "claude-opus-4-7", false, "{\"temperature\":0}", &r);
	anthropic_error(&r, 400, BAD, "`temperature` is deprecated for this model.");
	tm_resp_free(&r);
	post(TM_ANTHROPIC, "claude-opus-4-7", false, NULL, &r);
	root = ok(&r);
	cr_expect_str_eq(str(cJSON_GetArrayItem(get(root, "content"), 0), "text"), ANSWER);
	cJSON_Delete(root);
	tm_resp_free(&r);
	tm_stop(&srv);

	tm_start(&srv, "", (const char *const[]){ "--profile", "sim-gpt-5-mini", "--scale", "0", NULL });
	post(TM_OPENAI, "gpt-5-mini", false, "{\"temperature\":0}", &r);
	cr_expect_eq(r.status, 400, "%s", r.body);
	tm_resp_free(&r);
	post(TM_OPENAI, "gpt-5-mini", false, "{\"max_completion_tokens\":16384}", &r);
	root = ok(&r);
	cr_expect_str_eq(content(root), ANSWER);
	cJSON_Delete(root);
	tm_resp_free(&r);
	tm_stop(&srv);

	tm_start(&srv, "", (const char *const[]){ "--profile", "sim-llamacpp", "--scale", "0", NULL });
	{
		const char *const none[] = { NULL };
		char *body = tm_body_x(TM_OPENAI, "qwen2.5", "sys", user(), false, "{\"max_tokens\":2048,\"temperature\":0}");

		tm_post_headers(srv.url, CHAT, body, none, &r);
		root = ok(&r);
		cr_expect_str_eq(content(root), ANSWER);
		get(root, "timings");
		cJSON_Delete(root);
		tm_resp_free(&r);
		free(body);
	}
}
