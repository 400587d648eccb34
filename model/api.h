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
#include "model/table.h"

/* The model the anthropic backend asks for without --model. */
#define PL_ANTHROPIC_DEFAULT_MODEL "claude-haiku-4-5"

enum pl_api {
	PL_API_ANTHROPIC = 0,
	PL_API_OPENAI = 1,
};

/* Tokens as the services bill them. */
struct pl_usage {
	long input;            /* uncached input: Anthropic input_tokens; OpenAI prompt - cached */
	long output;           /* output, thinking included (billed as output) */
	long cache_read;       /* Anthropic cache_read_input_tokens; OpenAI cached_tokens */
	long cache_write;      /* Anthropic cache_creation_input_tokens */
	long thinking;         /* of output: reasoning tokens, where the API counts them */
};

struct pl_model_reply {
	char *text;            /* all text blocks concatenated (malloc'd); thinking kept out */
	size_t text_len;
	size_t text_cap;         /* bytes allocated at text by the parser (0: not its own buffer) */
	struct pl_usage usage;
	char stop_reason[32];  /* stop_reason / finish_reason as sent */
	bool truncated;        /* the answer hit its token limit (max_tokens / length) */
	bool refused;          /* the model refused (stop_reason refusal / message.refusal) */
	char refusal[200];     /* the refusal's text, when given */
	size_t thinking_chars; /* characters of thinking / reasoning_content seen */
	char model[96];
	char id[96];
	double server_ms;      /* server-reported generation time, when given (llama.cpp) */
};

/* What a request asks for; built by the caller from the model table and the knobs. */
struct pl_req_opts {
	const char *model, *system, *user;
	/* system as a JSON string, quotes and escapes included (pl_api_json_string), made
	 * once by a caller that sends many requests: escaping a prompt of kilobytes for
	 * every packet was a quarter of the responder's instructions per model packet
	 * (bench row 7); NULL: system is escaped here */
	const char *system_json;
	unsigned max_tokens;
	enum pl_mt_max max_field;    /* which field carries max_tokens (OpenAI) */
	bool temperature_set;        /* send temperature */
	double temperature;
	unsigned thinking_budget;    /* Anthropic extended thinking when > 0 */
	const char *reasoning_effort;/* OpenAI reasoning_effort, NULL for none */
	bool stream;
};

#define PL_MODEL_TEXT_MAX (1u << 20) /* answers beyond 1 MiB are cut (and say so) */

/* s as cJSON prints a string (malloc'd, quoted); NULL on out of memory. */
char *pl_api_json_string(const char *s);

/* Request body (malloc'd JSON); NULL on out of memory. */
char *pl_api_request(enum pl_api api, const struct pl_req_opts *o);

/* The request knobs for model from its table row (NULL: not in the table) and the
 * user's choices: temperature < -1 = the table's default (0 where the model takes it,
 * none otherwise), -1 = none, else that value; max_tokens 0 = the default (2048, plus the
 * thinking budget; 16384 for a model that always reasons). Fills o's knob fields only. */
void pl_api_knobs(enum pl_api api, const struct pl_mrow *row, double temperature, unsigned max_tokens,
		  unsigned thinking_budget, const char *effort, struct pl_req_opts *o);

/* Parse a 200 response body. */
int pl_api_parse(enum pl_api api, const char *body, size_t len, struct pl_model_reply *out,
		 struct pl_err *err);

/* Pull "type" and "message" out of an error body (both APIs' shapes); empty if absent.
 * OpenAI's "code" stands in for a missing type. */
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
