/* api.h — the two model wire formats: Anthropic Messages and OpenAI chat completions.
 *
 * Pure functions (no I/O): build a request body, parse a response body, parse an error
 * body, and parse a server-sent-event stream incrementally. The responder's HTTP
 * backends and the fuzzers use them.
 */
#ifndef PL_MODEL_API_H
#define PL_MODEL_API_H

#include <stdbool.h>
#include <stddef.h>

#include "common/err.h"

enum pl_api {
	PL_API_ANTHROPIC = 0,
	PL_API_OPENAI = 1,
};

struct pl_usage {
	long input, output, cache_read, cache_write;
};

struct pl_model_reply {
	char *text;            /* all text blocks concatenated (malloc'd) */
	size_t text_len;
	struct pl_usage usage;
	char stop_reason[32];
	char model[96];
	char id[96];
	double server_ms;      /* server-reported generation time, when given (llama.cpp) */
};

#define PL_MODEL_TEXT_MAX (1u << 20) /* answers beyond 1 MiB are cut (and say so) */

/* Request body (malloc'd JSON); NULL on out of memory. */
char *pl_api_request(enum pl_api api, const char *model, const char *system, const char *user,
		     int max_tokens, bool stream);

/* Parse a 200 response body. */
int pl_api_parse(enum pl_api api, const char *body, size_t len, struct pl_model_reply *out,
		 struct pl_err *err);

/* Pull "type" and "message" out of an error body (both APIs' shapes); empty if absent. */
void pl_api_parse_error(const char *body, size_t len, char *type, size_t tsz, char *msg, size_t msz);

void pl_model_reply_free(struct pl_model_reply *r);

/* Incremental SSE parser for streamed responses. */
struct pl_sse {
	enum pl_api api;
	char *line;
	size_t line_len, line_cap;
	char event[48];
	bool first_text;       /* set when the first non-empty text delta arrived */
	bool done;             /* message_stop / [DONE] seen */
	struct pl_model_reply *out;
};

void pl_sse_init(struct pl_sse *s, enum pl_api api, struct pl_model_reply *out);
/* Feed bytes; returns 0, or <0 on a malformed stream or an error event (err says). */
int pl_sse_feed(struct pl_sse *s, const char *data, size_t n, struct pl_err *err);
void pl_sse_free(struct pl_sse *s);

#endif
