/* The model client against a canned server (tests/httpstub.c), not against our own
 * simulated model: each response is written here by hand in the shape the API
 * documentation gives, and what the responder made of it — outcome, attempts, tokens,
 * timings — is checked against values worked out from that response by hand.
 * The packet is a real ping from the generator namespace of a lab to the responder's
 * tun0; the canned 200s answer it with the reference reply ("%REPLY%"). */
#include <criterion/criterion.h>
#include <cjson/cJSON.h>
#include <fnmatch.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "netlab/lab.h"
#include "tests/httpstub.h"
#include "tests/labtest.h"
#include "tests/util.h"

TestSuite(client_http, .fini = lt_cleanup);

#define A_OK                                                                                                \
	"{\"id\":\"msg_01XFDUDYJgAACzvnptvVoYEL\",\"type\":\"message\",\"role\":\"assistant\",\"model\":"      \
	"\"claude-haiku-4-5-20251001\",\"content\":[{\"type\":\"text\",\"text\":\"REPLY: %REPLY%\"}],"          \
	"\"stop_reason\":\"end_turn\",\"stop_sequence\":null,\"usage\":{\"input_tokens\":667,"                 \
	"\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0,\"output_tokens\":40}}"
#define A_ERR(type, msg) "{\"type\":\"error\",\"error\":{\"type\":\"" type "\",\"message\":\"" msg "\"},\"request_id\":\"req_011CSHoEeqs5C35K2UUqR7Fy\"}"
#define O_ERR(type, code, msg) "{\"error\":{\"message\":\"" msg "\",\"type\":\"" type "\",\"param\":null,\"code\":" code "}}"
#define O_OK(content, finish, usage)                                                                        \
	"{\"id\":\"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT\",\"object\":\"chat.completion\",\"created\":1741569952," \
	"\"model\":\"qwen2.5\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":" content \
	"},\"logprobs\":null,\"finish_reason\":\"" finish "\"}],\"usage\":" usage "}"
#define O_USAGE "{\"prompt_tokens\":667,\"completion_tokens\":40,\"total_tokens\":707}"
#define O_CHUNK(delta, finish)                                                                              \
	"data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1741569952,\"model\":" \
	"\"qwen2.5\",\"choices\":[{\"index\":0,\"delta\":" delta ",\"finish_reason\":" finish "}]}\n\n"
#define SSE "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream"
#define OK200 "HTTP/1.1 200 OK"

struct client_case {
	const char *name, *backend;
	bool stream;
	struct hs_resp resp[3];
	size_t nresp;
	const char *outcome, *attempt_log; /* attempt_log: an fnmatch pattern */
	int attempts;
	int exit_status;                   /* of the responder: 3 = configuration error */
	/* tokens as logged (-1: not checked), server_ms (< 0: absent) */
	long input, output, cache_read, cache_write, thinking;
	double server_ms;
};

static const struct client_case cases[] = {
	/* the SDKs' own header wins over retry-after, in ms */
	{ "retry-after-ms", "anthropic", false,
	  { { "HTTP/1.1 429 Too Many Requests\r\nretry-after: 30\r\nretry-after-ms: 250",
	      A_ERR("rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit") },
	    { OK200, A_OK } }, 2, "reply", "429 rate_limit_error retry-after; retry in 250 ms; 200", 2, 0,
	  667, 40, 0, 0, -1, -1 },
	/* retry-after as an HTTP date (RFC 9110): one in the past means now */
	{ "retry-after-date", "anthropic", false,
	  { { "HTTP/1.1 503 Service Unavailable\r\nretry-after: Wed, 21 Oct 2015 07:28:00 GMT",
	      A_ERR("api_error", "Internal server error") },
	    { OK200, A_OK } }, 2, "reply", "503 api_error retry-after; retry in 0 ms; 200", 2, 0, -1, -1, -1, -1, -1, -1 },
	/* beyond 60 s the SDKs ignore the hint and back off: 500 ms + up to 250 ms jitter */
	{ "retry-after-too-long", "anthropic", false,
	  { { "HTTP/1.1 529 Overloaded\r\nretry-after: 120", A_ERR("overloaded_error", "Overloaded") },
	    { OK200, A_OK } }, 2, "reply", "529 overloaded_error retry-after; retry in [5-7][0-9][0-9] ms; 200", 2, 0,
	  -1, -1, -1, -1, -1, -1 },
	{ "x-should-retry-false", "anthropic", false,
	  { { "HTTP/1.1 529 Overloaded\r\nx-should-retry: false", A_ERR("overloaded_error", "Overloaded") },
	    { OK200, A_OK } }, 2, "api-error", "529 overloaded_error", 1, 0, -1, -1, -1, -1, -1, -1 },
	/* told to retry a 400: not a configuration error */
	{ "x-should-retry-true", "anthropic", false,
	  { { "HTTP/1.1 400 Bad Request\r\nx-should-retry: true", A_ERR("invalid_request_error", "try again") },
	    { OK200, A_OK } }, 2, "reply", "400 invalid_request_error; retry in *; 200", 2, 0, -1, -1, -1, -1, -1, -1 },
	{ "408", "anthropic", false,
	  { { "HTTP/1.1 408 Request Timeout", A_ERR("timeout_error", "Request timed out") }, { OK200, A_OK } }, 2,
	  "reply", "408 timeout_error; retry in *; 200", 2, 0, -1, -1, -1, -1, -1, -1 },
	{ "409", "anthropic", false,
	  { { "HTTP/1.1 409 Conflict", A_ERR("conflict_error", "Conflict") }, { OK200, A_OK } }, 2, "reply",
	  "409 conflict_error; retry in *; 200", 2, 0, -1, -1, -1, -1, -1, -1 },
	/* a bad key on the first request: the run's configuration, stop at once */
	{ "401-first", "anthropic", false,
	  { { "HTTP/1.1 401 Unauthorized", A_ERR("authentication_error", "invalid x-api-key") }, { OK200, A_OK } }, 2,
	  "api-error", "401 authentication_error", 1, 3, -1, -1, -1, -1, -1, -1 },
	{ "max_tokens", "anthropic", false,
	  { { OK200, "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-haiku-4-5\","
		     "\"content\":[{\"type\":\"text\",\"text\":\"The checksum is the one's complement of REPLY: 4500\"}],"
		     "\"stop_reason\":\"max_tokens\",\"stop_sequence\":null,\"usage\":{\"input_tokens\":667,"
		     "\"output_tokens\":16}}" } }, 1, "truncated", "200", 1, 0, 667, 16, 0, 0, -1, -1 },
	{ "refusal", "anthropic", false,
	  { { OK200, "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-haiku-4-5\","
		     "\"content\":[],\"stop_reason\":\"refusal\",\"stop_sequence\":null,"
		     "\"usage\":{\"input_tokens\":667,\"output_tokens\":3}}" } }, 1, "refused", "200", 1, 0,
	  667, 3, 0, 0, -1, -1 },
	/* thinking first, then the answer in two text blocks */
	{ "thinking-and-two-text-blocks", "anthropic", false,
	  { { OK200, "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5\","
		     "\"content\":[{\"type\":\"thinking\",\"thinking\":\"Swap the addresses.\",\"signature\":\"EqQBCgIYAhIM\"},"
		     "{\"type\":\"text\",\"text\":\"Here it is.\\n\"},{\"type\":\"text\",\"text\":\"REPLY: %REPLY%\"}],"
		     "\"stop_reason\":\"end_turn\",\"stop_sequence\":null,\"usage\":{\"input_tokens\":12,"
		     "\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":655,\"output_tokens\":90}}" } }, 1,
	  "reply", "200", 1, 0, 12, 90, 655, 0, -1, -1 },
	/* OpenAI bills prompt_tokens - cached_tokens as input: 667 - 606 = 61; completion
	 * tokens include the 64 reasoning tokens */
	{ "openai-cached-and-reasoning", "openai", false,
	  { { OK200, O_OK("\"REPLY: %REPLY%\"", "stop",
			  "{\"prompt_tokens\":667,\"completion_tokens\":120,\"total_tokens\":787,"
			  "\"prompt_tokens_details\":{\"cached_tokens\":606,\"audio_tokens\":0},"
			  "\"completion_tokens_details\":{\"reasoning_tokens\":64,\"audio_tokens\":0}}") } }, 1,
	  "reply", "200", 1, 0, 61, 120, 606, 0, 64, -1 },
	{ "openai-refusal", "openai", false,
	  { { OK200, "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"gpt-4o\","
		     "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":null,"
		     "\"refusal\":\"I'm sorry, I cannot assist with that request.\"},\"logprobs\":null,"
		     "\"finish_reason\":\"stop\"}],\"usage\":" O_USAGE "}" } }, 1, "refused", "200", 1, 0,
	  667, 40, 0, 0, -1, -1 },
	/* a reasoning model that spent max_completion_tokens thinking */
	{ "openai-length-null-content", "openai", false,
	  { { OK200, O_OK("null", "length",
			  "{\"prompt_tokens\":667,\"completion_tokens\":2048,\"total_tokens\":2715,"
			  "\"completion_tokens_details\":{\"reasoning_tokens\":2048}}") } }, 1,
	  "truncated", "200", 1, 0, 667, 2048, 0, 0, 2048, -1 },
	/* a stream that breaks off with the service's error chunk: retried, not judged */
	{ "openai-mid-stream-error", "openai", true,
	  { { SSE, O_CHUNK("{\"role\":\"assistant\",\"content\":\"REPLY: \"}", "null")
		   "data: {\"error\":{\"message\":\"The server had an error while processing your request. Sorry about that!\","
		   "\"type\":\"server_error\",\"param\":null,\"code\":null}}\n\n" },
	    { SSE, O_CHUNK("{\"role\":\"assistant\",\"content\":\"REPLY: %REPLY%\"}", "null")
		   O_CHUNK("{}", "\"stop\"") "data: [DONE]\n\n" } }, 2,
	  "reply", "200 but stream error server_error: *; retry in *; 200", 2, 0, -1, -1, -1, -1, -1, -1 },
	/* llama.cpp's server sends its timings in the last chunk: 12.5 + 30.25 ms */
	{ "llamacpp-stream-timings", "openai", true,
	  { { SSE, O_CHUNK("{\"content\":\"REPLY: %REPLY%\"}", "null")
		   "data: {\"choices\":[{\"finish_reason\":\"stop\",\"index\":0,\"delta\":{}}],\"created\":1741569952,"
		   "\"id\":\"chatcmpl-x\",\"model\":\"qwen2.5\",\"object\":\"chat.completion.chunk\","
		   "\"usage\":{\"completion_tokens\":40,\"prompt_tokens\":667,\"total_tokens\":707},"
		   "\"timings\":{\"prompt_n\":667,\"prompt_ms\":12.5,\"predicted_n\":40,\"predicted_ms\":30.25}}\n\n"
		   "data: [DONE]\n\n" } }, 1,
	  "reply", "200", 1, 0, 667, 40, 0, 0, -1, 42.75 },
};

static double tok(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItem(cJSON_GetObjectItem(o, "tokens"), k);

	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

/* Wait up to 10 s for pid to exit by itself; its exit status, or -1 (then killed). */
static int wait_exit(pid_t pid)
{
	int st, i;

	for (i = 0; i < 500; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		usleep(20000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return -1;
}

static void run_case(const char *lab, const char *ns, const char *dir, const struct client_case *k)
{
	static const char *const env[] = { "ANTHROPIC_API_KEY=pinglab-test-key-0123456789", NULL };
	char log[128], url[96];
	const char *argv[40] = { tu_bin("pinglab-responder"), "--netns", ns, "--log", log, "--backend", k->backend,
				 "--base-url", url, "--model", !strcmp(k->backend, "openai") ? "qwen2.5" : "claude-haiku-4-5",
				 "--prompt", tu_src("prompts/system.md"), "--template", tu_src("prompts/packet.md"),
				 "--retries", "2", "--timeout", "5000", "--models", tu_src("model/models-2026-12.tsv") };
	int n = 21, status;
	struct hs_server s;
	struct lt_run r;
	struct pl_err err;
	const char *ping[] = { lt_pinglab_path(), "exec", lab, "gen", "--", "ping", "-n", "-c", "1", "-W", "3",
			       "10.77.2.2", NULL };
	char *text, *line, *save = NULL;
	cJSON *pkt = NULL, *cfg = NULL;
	size_t len;
	pid_t pid;

	snprintf(log, sizeof(log), "%s/%s.jsonl", dir, k->name);
	hs_start(&s, k->resp, k->nresp);
	snprintf(url, sizeof(url), "%s%s", s.url, !strcmp(k->backend, "openai") ? "/v1" : "");
	if (k->stream)
		argv[n++] = "--stream";
	argv[n] = NULL;
	pid = lt_spawn(argv, env);
	cr_assert_eq(pl_lab_add_pid(lab, pid, "responder", &err), 0, "%s", err.msg);
	cr_assert_eq(pl_lab_tun_wait_ready(lab, 5000, &err), 0, "%s: %s", k->name, err.msg);
	lt_run(&r, ping, NULL);
	if (k->exit_status) {
		status = wait_exit(pid);
		cr_expect_eq(status, k->exit_status, "%s: the responder exited %d", k->name, status);
	} else {
		lt_stop(pid, SIGTERM);
	}
	text = tu_slurp(log, &len);
	cr_assert_not_null(text, "%s: no log", k->name);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		cJSON *o = cJSON_Parse(line);

		if (o && cJSON_GetObjectItem(o, "in") && !pkt)
			pkt = o;
		else if (o && cJSON_GetObjectItem(o, "type") && !cfg)
			cfg = o;
		else
			cJSON_Delete(o);
	}
	free(text);
	cr_assert_not_null(pkt, "%s: no packet in the log", k->name);
	cr_expect_str_eq(cJSON_GetObjectItem(pkt, "outcome")->valuestring, k->outcome, "%s", k->name);
	{
		const cJSON *al = cJSON_GetObjectItem(pkt, "attempt_log");
		const char *a = cJSON_IsString(al) ? al->valuestring : "";

		cr_expect_eq(fnmatch(k->attempt_log, a, 0), 0, "%s: attempt_log '%s', want '%s'", k->name, a, k->attempt_log);
	}
	cr_expect_eq(cJSON_GetObjectItem(pkt, "attempts")->valueint, k->attempts, "%s", k->name);
	if (k->input >= 0) {
		cr_expect_eq(tok(pkt, "input"), k->input, "%s: input %f", k->name, tok(pkt, "input"));
		cr_expect_eq(tok(pkt, "output"), k->output, "%s: output %f", k->name, tok(pkt, "output"));
		cr_expect_eq(tok(pkt, "cache_read"), k->cache_read, "%s: cache_read %f", k->name, tok(pkt, "cache_read"));
		cr_expect_eq(tok(pkt, "cache_write"), k->cache_write, "%s", k->name);
	}
	if (k->thinking >= 0)
		cr_expect_eq(tok(pkt, "thinking"), k->thinking, "%s: thinking %f", k->name, tok(pkt, "thinking"));
	if (k->server_ms >= 0) {
		const cJSON *sm = cJSON_GetObjectItem(pkt, "server_ms");

		cr_expect(cJSON_IsNumber(sm) && sm->valuedouble == k->server_ms, "%s: server_ms", k->name);
	}
	if (!strcmp(k->outcome, "reply"))
		cr_expect(cJSON_IsString(cJSON_GetObjectItem(pkt, "out")), "%s: no reply written", k->name);
	else
		cr_expect(cJSON_IsNull(cJSON_GetObjectItem(pkt, "out")), "%s: a reply was written", k->name);
	if (k->exit_status == 3) {
		const cJSON *e = cfg ? cJSON_GetObjectItem(cfg, "error") : NULL;

		cr_assert(cJSON_IsString(e), "%s: no config-error line", k->name);
		cr_expect(strstr(e->valuestring, "model claude-haiku-4-5") &&
			  strstr(e->valuestring, "HTTP 401 authentication_error: invalid x-api-key"),
			  "%s: %s", k->name, e->valuestring);
		cr_expect_eq(hs_served(&s), 1, "%s: %zu requests after a configuration error", k->name, hs_served(&s));
	} else {
		cr_expect_null(cfg, "%s: a config-error line", k->name);
	}
	/* every request says who sends it */
	cr_expect(s.req[0] && strcasestr(s.req[0], "\r\nuser-agent: pinglab/"), "%s: no User-Agent", k->name);
	cJSON_Delete(pkt);
	cJSON_Delete(cfg);
	hs_stop(&s);
}

Test(client_http, canned_responses_as_documented, .timeout = 240)
{
	char lab[9], ns[64], dir[] = "/tmp/pl-client-XXXXXX";
	struct lt_run r;
	size_t i;

	LT_NEED_LAB();
	lt_name(lab, "h");
	lt_pinglab(&r, NULL, "up", "--name", lab, NULL);
	cr_assert_eq(r.status, 0, "up: %s", r.err);
	snprintf(ns, sizeof(ns), "/run/netns/pl-%s-rsp", lab);
	cr_assert_not_null(mkdtemp(dir));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(lab, ns, dir, &cases[i]);
	lt_pinglab(&r, NULL, "down", "--name", lab, NULL);
	{
		const char *rm[] = { "rm", "-rf", dir, NULL };

		lt_run(&r, rm, NULL);
	}
}
