/* pinglab-mockllm over real HTTP: both wire formats, streaming, usage, request errors,
 * determinism, concurrency and the command line. Every test starts the real binary
 * (build/pinglab-mockllm, PINGLAB_BUILD) on 127.0.0.1:0 with a profile of its own.
 *
 * Hand-checked fixtures (checksums worked out independently of packet/):
 *   REQ  45 00 002c 0202 0000 40 01 6132 0a4d0102 0a4d0202 | 08 00 a27f 1234 0001 "abcdefghijklmnop"
 *   REP  45 00 002c 0202 0000 40 01 6132 0a4d0202 0a4d0102 | 00 00 aa7f 1234 0001 "abcdefghijklmnop"
 *   (the IP checksum is unchanged by the address swap; the ICMP one grows by 0x0800)
 *   BADC REQ with the IP checksum 0x6133: rule 2 drops it */
#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "packet/extract.h"
#include "packet/hex.h"
#include "packet/ipv4.h"
#include "packet/rules.h"
#include "tests/mockutil.h"
#include "tests/util.h"

#define REQ  "4500002c02020000400161320a4d01020a4d02020800a27f123400016162636465666768696a6b6c6d6e6f70"
#define REP  "4500002c02020000400161320a4d02020a4d01020000aa7f123400016162636465666768696a6b6c6d6e6f70"
#define BADC "4500002c02020000400161330a4d01020a4d02020800a27f123400016162636465666768696a6b6c6d6e6f70"

#define PERFECT "latency = fixed 0\nchatty = 0\n"
/* randomness in every answer: prose or not, and one mistake in two */
#define RANDOM "latency = fixed 0\nchatty = 0.5\nmistake.flip_digit = 0.2\nmistake.ttl = 0.2\n" \
	       "mistake.fences = 0.1\n"

static struct tm_server srv, srv2;

static void fini(void)
{
	tm_stop(&srv);
	tm_stop(&srv2);
}

TestSuite(mockllm, .fini = fini, .timeout = 30);

static int extract(const char *text, uint8_t *out, size_t *len)
{
	struct pl_extract x;
	struct pl_err err = { "" };
	int rc = pl_extract(text, strlen(text), out, 65535, &x, &err);

	if (rc)
		return rc;
	*len = x.len;
	return x.kind;
}

static void expect_reply(const char *text, const char *want_hex)
{
	uint8_t got[65535], want[2048];
	size_t gl = 0, wl = tu_hex(want_hex, want, sizeof(want));

	cr_assert_eq(extract(text, got, &gl), PL_EXTRACT_PACKET, "no packet in: %s", text);
	cr_assert_eq(gl, wl, "length %zu, want %zu: %s", gl, wl, text);
	cr_assert_arr_eq(got, want, wl, "bytes differ: %s", text);
}

static long num(const cJSON *o, const char *k)
{
	const cJSON *n = cJSON_GetObjectItem(o, k);

	cr_assert(cJSON_IsNumber(n), "no number %s", k);
	return (long)n->valuedouble;
}

static const char *str(const cJSON *o, const char *k)
{
	const cJSON *s = cJSON_GetObjectItem(o, k);

	cr_assert(cJSON_IsString(s), "no string %s", k);
	return s->valuestring;
}

Test(mockllm, fixtures_agree_with_the_reference_rules)
{
	uint8_t req[64], rep[65535], want[64];
	size_t rl, n;
	struct pl_decision d;

	cr_assert_eq(tm_echo(req, 1, "abcdefghijklmnop"), tu_hex(REQ, want, sizeof(want)));
	cr_assert_arr_eq(req, want, 44);
	cr_assert_eq(pl_reference_reply(req, 44, PL_RESPONDER_ADDR, rep, sizeof(rep), &rl, &d, NULL), 0);
	cr_assert_eq(d.action, PL_ACTION_REPLY);
	n = tu_hex(REP, want, sizeof(want));
	cr_assert_eq(rl, n);
	cr_assert_arr_eq(rep, want, n);
	n = tu_hex(BADC, req, sizeof(req));
	cr_assert_eq(pl_reference_reply(req, n, PL_RESPONDER_ADDR, rep, sizeof(rep), &rl, &d, NULL), 0);
	cr_assert_eq(d.action, PL_ACTION_DROP);
	cr_assert_str_eq(d.rule->id, "ip-checksum");
}

Test(mockllm, anthropic_reply_drop_and_shape)
{
	uint8_t req[64];
	size_t n = tu_hex(REQ, req, sizeof(req));
	char *body, *text, *log;
	struct tm_resp r;
	cJSON *root, *c, *u;

	tm_start(&srv, PERFECT, NULL);
	body = tm_body(TM_ANTHROPIC, "You are the IPv4 stack of 10.77.2.2.", tm_user_msg(req, n), false);
	tm_post(srv.url, "/v1/messages", body, true, 0, &r);
	free(body);
	cr_assert_eq(r.status, 200, "%s", r.body);
	root = cJSON_Parse(r.body);
	cr_assert_not_null(root);
	cr_assert_eq(strncmp(str(root, "id"), "msg_", 4), 0);
	cr_assert_str_eq(str(root, "type"), "message");
	cr_assert_str_eq(str(root, "role"), "assistant");
	cr_assert_str_eq(str(root, "model"), "claude-haiku-4-5");
	cr_assert_str_eq(str(root, "stop_reason"), "end_turn");
	c = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "content"), 0);
	cr_assert_str_eq(str(c, "type"), "text");
	expect_reply(str(c, "text"), REP);
	u = cJSON_GetObjectItem(root, "usage");
	cr_assert_gt(num(u, "input_tokens"), 0);
	cr_assert_gt(num(u, "output_tokens"), 0);
	num(u, "cache_creation_input_tokens");
	num(u, "cache_read_input_tokens");
	cJSON_Delete(root);
	tm_resp_free(&r);

	n = tu_hex(BADC, req, sizeof(req));
	text = tm_ask(&srv, TM_ANTHROPIC, req, n, false);
	{
		uint8_t out[65535];
		size_t ol;

		cr_assert_eq(extract(text, out, &ol), PL_EXTRACT_DROP, "%s", text);
	}
	free(text);

	log = tm_log(&srv);
	cr_assert(strstr(log, "\"decision\":\"reply\",\"rule\":\"echo-reply\",\"injected\":\"none\""), "%s", log);
	cr_assert(strstr(log, "\"decision\":\"drop\",\"rule\":\"ip-checksum\""), "%s", log);
	cr_assert(strstr(log, "\"answer\":\"" REP "\""), "%s", log);
	free(log);
}

Test(mockllm, openai_reply_drop_shape_and_models)
{
	uint8_t req[64], out[65535];
	size_t n = tu_hex(REQ, req, sizeof(req)), ol;
	char *body, *text;
	struct tm_resp r;
	cJSON *root, *c, *u;

	tm_start(&srv, PERFECT "model = sim-test\n", NULL);
	body = tm_body(TM_OPENAI, "You are the IPv4 stack of 10.77.2.2.", tm_user_msg(req, n), false);
	tm_post(srv.url, "/v1/chat/completions", body, true, 0, &r);
	free(body);
	cr_assert_eq(r.status, 200, "%s", r.body);
	root = cJSON_Parse(r.body);
	cr_assert_not_null(root);
	cr_assert_eq(strncmp(str(root, "id"), "chatcmpl-", 9), 0);
	cr_assert_str_eq(str(root, "object"), "chat.completion");
	cr_assert_str_eq(str(root, "model"), "gpt-4o-mini");
	c = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "choices"), 0);
	cr_assert_str_eq(str(c, "finish_reason"), "stop");
	cr_assert_str_eq(str(cJSON_GetObjectItem(c, "message"), "role"), "assistant");
	expect_reply(str(cJSON_GetObjectItem(c, "message"), "content"), REP);
	u = cJSON_GetObjectItem(root, "usage");
	cr_assert_eq(num(u, "total_tokens"), num(u, "prompt_tokens") + num(u, "completion_tokens"));
	cr_assert_gt(num(u, "prompt_tokens"), 0);
	cJSON_Delete(root);
	tm_resp_free(&r);

	n = tu_hex(BADC, req, sizeof(req));
	text = tm_ask(&srv, TM_OPENAI, req, n, false);
	cr_assert_eq(extract(text, out, &ol), PL_EXTRACT_DROP, "%s", text);
	free(text);

	tm_get(srv.url, "/v1/models", &r);
	cr_assert_eq(r.status, 200);
	root = cJSON_Parse(r.body);
	cr_assert_str_eq(str(root, "object"), "list");
	cr_assert_str_eq(str(cJSON_GetArrayItem(cJSON_GetObjectItem(root, "data"), 0), "id"), "sim-test");
	cJSON_Delete(root);
	tm_resp_free(&r);
}

/* input tokens follow the prompt's size, output tokens the answer's. For a model with
 * no minimum cacheable length (here the profile's own model, which the table does not
 * list) the system prompt is written to the simulated cache once, then read from it,
 * whatever its length and whether or not it is marked. */
Test(mockllm, usage_follows_prompt_size_and_cache)
{
	static char big[8001];
	uint8_t req[64];
	size_t n = tu_hex(REQ, req, sizeof(req));
	long in[3], cw[3], cr[3], out[3], tl[3];
	const char *sys[3];
	int i;

	memset(big, 's', 8000);
	sys[0] = "short system prompt";
	sys[1] = big;
	sys[2] = big;
	tm_start(&srv, "latency = fixed 0\nchatty = 1\nmodel = sim-own\n", NULL);
	for (i = 0; i < 3; i++) {
		char *body = tm_body_x(TM_ANTHROPIC, "sim-own", sys[i], tm_user_msg(req, n), false, NULL), *text;
		struct tm_resp r;
		cJSON *root, *u;

		tm_post(srv.url, "/v1/messages", body, true, 0, &r);
		free(body);
		cr_assert_eq(r.status, 200, "%s", r.body);
		root = cJSON_Parse(r.body);
		u = cJSON_GetObjectItem(root, "usage");
		in[i] = num(u, "input_tokens");
		cw[i] = num(u, "cache_creation_input_tokens");
		cr[i] = num(u, "cache_read_input_tokens");
		out[i] = num(u, "output_tokens");
		text = tm_text(TM_ANTHROPIC, &r);
		tl[i] = (long)strlen(text);
		free(text);
		cJSON_Delete(root);
		tm_resp_free(&r);
	}
	/* about chars/4 */
	cr_assert(in[1] + cw[1] + cr[1] >= 2000 && in[1] + cw[1] + cr[1] < 2200, "%ld", in[1] + cw[1]);
	cr_assert_gt(in[1] + cw[1] + cr[1], in[0] + cw[0] + cr[0] + 1900);
	cr_assert_eq(cw[1], 2000);
	cr_assert_eq(cr[1], 0);
	cr_assert_eq(cw[2], 0);
	cr_assert_eq(cr[2], 2000);
	cr_assert_eq(in[1], in[2]);
	for (i = 0; i < 3; i++)
		cr_assert(out[i] >= tl[i] / 4 && out[i] <= tl[i] / 4 + 1, "%ld tokens for %ld chars", out[i], tl[i]);
}

static void expect_error(const struct tm_resp *r, long status, const char *type)
{
	cJSON *root = cJSON_Parse(r->body);

	cr_assert_eq(r->status, status, "status %ld, body %s", r->status, r->body);
	cr_assert_not_null(root, "%s", r->body);
	cr_assert_str_eq(str(root, "type"), "error");
	cr_assert_str_eq(str(cJSON_GetObjectItem(root, "error"), "type"), type);
	str(cJSON_GetObjectItem(root, "error"), "message");
	cJSON_Delete(root);
}

Test(mockllm, request_errors)
{
	uint8_t req[64];
	size_t n = tu_hex(REQ, req, sizeof(req));
	char *body = tm_body(TM_ANTHROPIC, "sys", tm_user_msg(req, n), false), *huge;
	struct tm_resp r;

	tm_start(&srv, PERFECT, NULL);
	/* no x-api-key and no Authorization */
	tm_post(srv.url, "/v1/messages", body, false, 0, &r);
	expect_error(&r, 401, "authentication_error");
	tm_resp_free(&r);

	tm_post(srv.url, "/v1/messages", "{\"model\": \"x\", \"messages\": [", true, 0, &r);
	expect_error(&r, 400, "invalid_request_error");
	tm_resp_free(&r);
	tm_post(srv.url, "/v1/messages", "{\"model\": \"x\"}", true, 0, &r);
	expect_error(&r, 400, "invalid_request_error");
	tm_resp_free(&r);

	tm_post(srv.url, "/v1/chat/completions", "not json", true, 0, &r);
	cr_assert_eq(r.status, 400);
	cr_assert(strstr(r.body, "\"invalid_request_error\""), "%s", r.body);
	tm_resp_free(&r);

	tm_get(srv.url, "/v2/nothing", &r);
	expect_error(&r, 404, "not_found_error");
	tm_resp_free(&r);

	huge = malloc(1536 * 1024 + 1);
	memset(huge, ' ', 1536 * 1024);
	huge[1536 * 1024] = '\0';
	tm_post(srv.url, "/v1/messages", huge, true, 0, &r);
	expect_error(&r, 413, "request_too_large");
	tm_resp_free(&r);
	free(huge);
	free(body);
}

static size_t sink(char *p, size_t s, size_t n, void *ud)
{
	(void)p;
	(void)ud;
	return s * n;
}

Test(mockllm, anthropic_missing_version_header)
{
	uint8_t req[64];
	size_t n = tu_hex(REQ, req, sizeof(req));
	char *body = tm_body(TM_ANTHROPIC, "sys", tm_user_msg(req, n), false), url[256];
	struct tm_resp r = { 0 };
	struct curl_slist *h = curl_slist_append(NULL, "x-api-key: k");
	CURL *c;

	tm_start(&srv, PERFECT, NULL);
	c = curl_easy_init();
	snprintf(url, sizeof(url), "%s/v1/messages", srv.url);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
	cr_assert_eq(curl_easy_perform(c), CURLE_OK);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
	cr_assert_eq(r.status, 400);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	free(body);
}

/* The SSE event sequence, and the deltas put together equal the non-streamed text of a
 * second server with the same seed (same packet, first attempt on each). */
static void stream_equals_plain(enum tm_api api)
{
	uint8_t req[64];
	size_t n;
	char *plain, *streamed, events[4096], *body;
	struct tm_resp r;
	int seq;

	tm_start(&srv, RANDOM "per_token_ms = 1\n", (const char *const[]){ "--seed", "7", NULL });
	tm_start(&srv2, RANDOM "per_token_ms = 1\n", (const char *const[]){ "--seed", "7", NULL });
	for (seq = 1; seq <= 6; seq++) {
		n = tm_echo(req, (uint16_t)seq, "stream me");
		plain = tm_ask(&srv, api, req, n, false);
		body = tm_body(api, "You are the IPv4 stack of 10.77.2.2.", tm_user_msg(req, n), true);
		tm_post(srv2.url, api == TM_ANTHROPIC ? "/v1/messages" : "/v1/chat/completions", body,
			true, 0, &r);
		free(body);
		cr_assert_eq(r.status, 200);
		streamed = tm_sse_text(api, r.body, events, sizeof(events));
		cr_assert_str_eq(streamed, plain);
		if (api == TM_ANTHROPIC) {
			const char *want_head = "message_start content_block_start ping content_block_delta content_block_delta";
			const char *want_tail = "content_block_delta content_block_stop message_delta message_stop";

			cr_assert_eq(strncmp(events, want_head, strlen(want_head)), 0, "%s", events);
			cr_assert_str_eq(events + strlen(events) - strlen(want_tail), want_tail, "%s", events);
			cr_assert(strstr(r.body, "\"stop_reason\":\"end_turn\""), "%s", r.body);
			cr_assert(strstr(r.body, "\"usage\":{\"output_tokens\":"), "%s", r.body);
		} else {
			cr_assert_str_eq(events, "[DONE]");
			cr_assert(strstr(r.body, "\"finish_reason\":\"stop\""), "%s", r.body);
		}
		free(streamed);
		free(plain);
		tm_resp_free(&r);
	}
}

Test(mockllm, anthropic_stream_equals_plain)
{
	stream_equals_plain(TM_ANTHROPIC);
}

Test(mockllm, openai_stream_equals_plain)
{
	stream_equals_plain(TM_OPENAI);
}

/* Same seed and profile: the same answer for every packet, whatever order the packets
 * come in. Another seed: different answers. */
Test(mockllm, determinism)
{
	char *a[24], *b[24];
	uint8_t req[64];
	size_t n;
	int i, differ = 0;
	struct tm_server other;

	tm_start(&srv, RANDOM, (const char *const[]){ "--seed", "42", NULL });
	tm_start(&srv2, RANDOM, (const char *const[]){ "--seed", "42", NULL });
	for (i = 0; i < 24; i++) {
		n = tm_echo(req, (uint16_t)i, "determinism");
		a[i] = tm_ask(&srv, TM_ANTHROPIC, req, n, false);
	}
	for (i = 23; i >= 0; i--) {
		n = tm_echo(req, (uint16_t)i, "determinism");
		b[i] = tm_ask(&srv2, i % 2 ? TM_OPENAI : TM_ANTHROPIC, req, n, false);
	}
	for (i = 0; i < 24; i++) {
		cr_assert_str_eq(a[i], b[i], "packet %d", i);
		free(b[i]);
	}
	tm_stop(&srv2);
	tm_start(&other, RANDOM, (const char *const[]){ "--seed", "43", NULL });
	srv2 = other; /* stopped by fini on failure */
	for (i = 0; i < 24; i++) {
		n = tm_echo(req, (uint16_t)i, "determinism");
		b[i] = tm_ask(&srv2, TM_ANTHROPIC, req, n, false);
		differ += strcmp(a[i], b[i]) != 0;
		free(a[i]);
		free(b[i]);
	}
	cr_assert_gt(differ, 4, "only %d of 24 answers differ with another seed", differ);
}

/* A retry of the same packet draws afresh: attempt numbers count per packet. */
Test(mockllm, attempts_count_per_packet)
{
	uint8_t req[64];
	size_t n;
	char *t, *log;

	tm_start(&srv, PERFECT, NULL);
	n = tm_echo(req, 1, "x");
	free(tm_ask(&srv, TM_ANTHROPIC, req, n, false));
	n = tm_echo(req, 2, "x");
	free(tm_ask(&srv, TM_ANTHROPIC, req, n, false));
	n = tm_echo(req, 1, "x");
	t = tm_ask(&srv, TM_ANTHROPIC, req, n, false);
	free(t);
	log = tm_log(&srv);
	cr_assert(strstr(log, "\"seq\":3,"), "%s", log);
	cr_assert(strstr(strstr(log, "\"seq\":3,"), "\"attempt\":1,"), "%s", log);
	cr_assert(strstr(strstr(log, "\"seq\":2,"), "\"attempt\":0,"), "%s", log);
	free(log);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* 64 requests at once with 500 ms each: far less than 64 x 0.5 s when they run in
 * parallel (a correctness check, not a benchmark). */
Test(mockllm, sixty_four_concurrent_requests)
{
	CURLM *m;
	CURL *e[64];
	char *bodies[64], url[128];
	struct curl_slist *h = NULL;
	uint8_t req[64];
	int i, running = 1, ok = 0;
	double t0, dt;
	CURLMsg *msg;
	int left;

	tm_start(&srv, "latency = fixed 500\nchatty = 0\n", NULL);
	snprintf(url, sizeof(url), "%s/v1/messages", srv.url);
	h = curl_slist_append(h, "x-api-key: k");
	h = curl_slist_append(h, "anthropic-version: 2023-06-01");
	h = curl_slist_append(h, "Expect:");
	m = curl_multi_init();
	curl_multi_setopt(m, CURLMOPT_MAX_TOTAL_CONNECTIONS, 64L);
	for (i = 0; i < 64; i++) {
		size_t n = tm_echo(req, (uint16_t)i, "concurrent");

		bodies[i] = tm_body(TM_ANTHROPIC, "sys", tm_user_msg(req, n), false);
		e[i] = curl_easy_init();
		curl_easy_setopt(e[i], CURLOPT_URL, url);
		curl_easy_setopt(e[i], CURLOPT_HTTPHEADER, h);
		curl_easy_setopt(e[i], CURLOPT_POSTFIELDS, bodies[i]);
		curl_easy_setopt(e[i], CURLOPT_WRITEFUNCTION, sink);
		curl_easy_setopt(e[i], CURLOPT_TIMEOUT, 20L);
		curl_multi_add_handle(m, e[i]);
	}
	t0 = now();
	while (running) {
		curl_multi_perform(m, &running);
		if (running)
			curl_multi_poll(m, NULL, 0, 100, NULL);
	}
	dt = now() - t0;
	while ((msg = curl_multi_info_read(m, &left))) {
		long status = 0;

		curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &status);
		ok += msg->data.result == CURLE_OK && status == 200;
	}
	for (i = 0; i < 64; i++) {
		curl_multi_remove_handle(m, e[i]);
		curl_easy_cleanup(e[i]);
		free(bodies[i]);
	}
	curl_multi_cleanup(m);
	curl_slist_free_all(h);
	cr_log_info("64 concurrent requests of 500 ms: %.3f s", dt);
	cr_assert_eq(ok, 64);
	cr_assert_geq(dt, 0.5);
	cr_assert_lt(dt, 5.0, "64 requests took %.2f s: serialised?", dt);
}

Test(mockllm, refuses_non_loopback)
{
	const char *bad[] = { "10.77.1.1:0", "0.0.0.0:0", "192.168.0.1:8080", "[::]:0", "127.0.0.1:99999" };
	size_t i;
	char *err;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		cr_assert_eq(tm_run((const char *const[]){ "--listen", bad[i], "--profile", "sim-perfect", NULL }, &err), 2,
			     "--listen %s", bad[i]);
		cr_assert(strstr(err, "--listen"), "%s", err);
		if (i < 3)
			cr_assert(strstr(err, "non-loopback"), "%s", err);
		free(err);
	}
}

Test(mockllm, bad_profile_names_file_and_line)
{
	static const struct { const char *text, *want; } cases[] = {
		{ "# ok\nlatency = fast\n", ":2: latency: expected" },
		{ "chatty = 0.5\nmistake.ttl = 1.5\n", ":2: mistake.ttl: expected a probability" },
		{ "mistake.nonsense = 0.1\n", ":1: unknown key \"mistake.nonsense\"" },
		{ "\n\nttft_ms\n", ":3: expected \"key = value\"" },
		{ "fault.reset = 0.6\nfault.stall = 0.6\n", ":3: fault probabilities sum to 1.200" },
		{ "chatty = 1\nchatty = 0\n", ":2: duplicate key \"chatty\" (first set on line 1)" },
		{ "models = some\n", ":1: models: expected table or any, got \"some\"" },
		{ "\nserver = vllm\n", ":2: server: expected api or llama.cpp, got \"vllm\"" },
		{ "fault.thinking = 2\n", ":1: fault.thinking: expected a probability" },
		{ "fault.max_tokens = 0.6\nfault.null_content = 0.6\n", ":3: fault probabilities sum to 1.200" },
	};
	char path[] = "/tmp/pl-mock-profile-XXXXXX", *err, want[256];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int fd = mkstemp(path);
		FILE *f = fdopen(fd, "w");

		fputs(cases[i].text, f);
		fclose(f);
		cr_assert_eq(tm_run((const char *const[]){ "--profile", path, NULL }, &err), 2);
		snprintf(want, sizeof(want), "%s%s", path, cases[i].want);
		cr_expect(strstr(err, want), "want \"%s\" in: %s", want, err);
		free(err);
		unlink(path);
		strcpy(path, "/tmp/pl-mock-profile-XXXXXX");
	}
	cr_assert_eq(tm_run((const char *const[]){ "--profile", "no-such-profile", NULL }, &err), 2);
	cr_assert(strstr(err, "no-such-profile"), "%s", err);
	free(err);
	cr_assert_eq(tm_run((const char *const[]){ "--scale", "-1", NULL }, &err), 2);
	free(err);
}

/* The shipped profiles load. */
Test(mockllm, shipped_profiles_load)
{
	const char *names[] = { "sim-perfect", "sim-haiku-like", "sim-sloppy", "sim-opus-4-7", "sim-gpt-5-mini",
				"sim-llamacpp", "sim-faults" };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		tm_start(&srv, "", (const char *const[]){ "--profile", names[i], "--scale", "0", NULL });
		tm_stop(&srv);
	}
}

/* Reasoning prose never confuses the extractor: with chatty = 1 every answer (all prose
 * templates, replies and drops by several rules) extracts to the reference decision. */
Test(mockllm, chatty_answers_extract_to_the_reference)
{
	static const char *const payloads[] = { "", "a", "0123456789abcdef0123456789abcdef", "reply: later", "\x01\x02" };
	uint8_t req[256], ref[65535], got[65535];
	size_t n, rl, gl;
	struct pl_decision d;
	int i, variant;

	tm_start(&srv, "latency = fixed 0\nchatty = 1\n", NULL);
	for (i = 0; i < 30; i++) {
		char *text;
		int kind;

		variant = i % 6;
		n = tm_echo(req, (uint16_t)i, payloads[i % 5]);
		if (variant == 1)
			req[10] ^= 0xff;                 /* bad IP checksum */
		else if (variant == 2)
			req[19] = 9, pl_ipv4_fill_csum(req, 20);   /* not for us */
		else if (variant == 3)
			req[20] = 13, req[22] = req[23] = 0, pl_icmp_fill_csum(req + 20, n - 20); /* timestamp */
		else if (variant == 4)
			req[9] = 17, pl_ipv4_fill_csum(req, 20);   /* UDP */
		cr_assert_eq(pl_reference_reply(req, n, PL_RESPONDER_ADDR, ref, sizeof(ref), &rl, &d, NULL), 0);
		text = tm_ask(&srv, TM_ANTHROPIC, req, n, false);
		kind = extract(text, got, &gl);
		if (d.action == PL_ACTION_REPLY) {
			cr_assert_eq(kind, PL_EXTRACT_PACKET, "%s", text);
			cr_assert_eq(gl, rl);
			cr_assert_arr_eq(got, ref, rl, "%s", text);
		} else {
			cr_assert_eq(kind, PL_EXTRACT_DROP, "rule %s: %s", d.rule->id, text);
		}
		free(text);
	}
}

/* The URL printed is the address bound, not always 127.0.0.1; it answers there. */
Test(mockllm, prints_the_address_it_bound)
{
	const char *const listens[] = { "127.0.0.2:0", "localhost:0", ":0" };
	const char *const want[] = { "http://127.0.0.2:", "http://127.0.0.1:", "http://127.0.0.1:" };
	size_t i;

	for (i = 0; i < 3; i++) {
		struct tm_server s;
		struct tm_resp r;
		const char *extra[] = { "--listen", listens[i], NULL };

		tm_start(&s, "latency = fixed 0\n", extra);
		cr_expect(!strncmp(s.url, want[i], strlen(want[i])) && atoi(s.url + strlen(want[i])) > 0,
			  "--listen %s printed %s", listens[i], s.url);
		tm_get(s.url, "/v1/models", &r);
		cr_expect_eq(r.status, 200, "GET %s/v1/models: %ld (curl %d)", s.url, r.status, r.curl_code);
		tm_resp_free(&r);
		tm_stop(&s);
	}
}
