/* mockutil.h — start build/pinglab-mockllm for a test and talk to it with libcurl. */
#ifndef PL_TESTS_MOCKUTIL_H
#define PL_TESTS_MOCKUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct tm_server {
	pid_t pid;
	char url[64];
	char dir[64];          /* temp dir: profile, log, stderr */
	char log[128];
	char errfile[128];
};

/* Write profile_text to a temp file and start the server with it (--scale 1 unless
 * extra args say otherwise; extra is a NULL-terminated list, may be NULL). Fails the
 * test when it does not print its URL within 5 s. The server gets SIGTERM if the test
 * process dies (PR_SET_PDEATHSIG). */
void tm_start(struct tm_server *s, const char *profile_text, const char *const *extra);
/* SIGTERM, reap, and check it exited 0; removes the temp dir. Safe to call twice. */
void tm_stop(struct tm_server *s);

/* Run the binary with argv (no URL expected); returns its exit status and stderr text
 * (malloc'd) after at most 5 s. */
int tm_run(const char *const *args, char **err_text);

struct tm_resp {
	int curl_code;         /* CURLcode */
	long status;
	char *body;
	size_t len;
	bool has_retry_after;
	char retry_after[32];
	char request_id[64];   /* the request-id or x-request-id header, "" when none */
	double secs;
};

enum tm_api { TM_ANTHROPIC, TM_OPENAI };

/* The per-packet user message of prompts/packet.md for pkt. Returns a static buffer. */
const char *tm_user_msg(const uint8_t *pkt, size_t len);
/* The model the requests of api name: a model the table takes with temperature and
 * max_tokens (claude-haiku-4-5, gpt-4o-mini). */
const char *tm_model(enum tm_api api);
/* A request body of api for (system, user) (malloc'd). */
char *tm_body(enum tm_api api, const char *system, const char *user, bool stream);
/* The same for model (NULL: none), with the members of the JSON object extra (may be
 * NULL) set in it, replacing those there (a null member removes one). */
char *tm_body_x(enum tm_api api, const char *model, const char *system, const char *user, bool stream,
		const char *extra);
/* POST body to url+path; with auth, the headers a client sends (/v1/messages: x-api-key
 * and anthropic-version; /v1/chat/completions: Authorization: Bearer); timeout_ms 0 = 10 s. */
void tm_post(const char *url, const char *path, const char *body, bool auth, long timeout_ms,
	     struct tm_resp *r);
/* POST with exactly these headers (NULL-terminated, besides content-type). */
void tm_post_headers(const char *url, const char *path, const char *body, const char *const *headers,
		     struct tm_resp *r);
void tm_get(const char *url, const char *path, struct tm_resp *r);
void tm_resp_free(struct tm_resp *r);

/* The answer text of a 200 response of api (malloc'd); fails the test if absent. */
char *tm_text(enum tm_api api, const struct tm_resp *r);
/* Ask the server about pkt and return the answer text (malloc'd). */
char *tm_ask(const struct tm_server *s, enum tm_api api, const uint8_t *pkt, size_t len, bool stream);
/* Concatenated text deltas of an SSE body; the event names in order into events
 * (space-separated) when not NULL. */
char *tm_sse_text(enum tm_api api, const char *body, char *events, size_t evsz);

/* An echo request 10.77.1.2 > 10.77.2.2 with id 0x1234, the given seq and payload. */
size_t tm_echo(uint8_t *out, uint16_t seq, const char *payload);

/* Whole log file (malloc'd). */
char *tm_log(const struct tm_server *s);

/* Write text to a new temp file of mode 0600 (path in out, at least 64 bytes). */
void tm_file(char *out, const char *text);

#endif
