/* wire.h — what the two wire formats (anthropic.c, openai.c) share: the parsed request,
 * token usage, and a response as the server sends it (a body, or timed stream segments). */
#ifndef PL_MOCK_WIRE_H
#define PL_MOCK_WIRE_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "common/err.h"
#include "mockllm/behave.h"

#define MOCK_BODY_MAX (1024 * 1024)

enum mock_format {
	MOCK_FMT_ANTHROPIC = 0,
	MOCK_FMT_OPENAI,
};

struct mock_req {
	enum mock_format format;
	char model[128];
	bool has_model;        /* the body named one ("model" may be filled in from the profile) */
	bool stream;
	bool include_usage;    /* openai stream_options.include_usage */
	char *system;          /* all system text, malloc'd ("" when none) */
	size_t system_len;
	size_t cache_len;      /* anthropic: system text up to its last cache_control block */
	bool cache_marked;     /* anthropic: some system block carries cache_control */
	char *last_user;       /* text of the last user message, malloc'd */
	size_t last_user_len;
	size_t chars;          /* characters of every text in the prompt */
	size_t messages;
	/* the knobs the model table rules on (has_*: present in the body) */
	bool has_max_tokens, has_max_completion_tokens, has_temperature, has_top_p;
	double max_tokens, max_completion_tokens, temperature;
	bool thinking;         /* anthropic thinking.type "enabled" */
	bool has_budget;
	double budget_tokens;  /* thinking.budget_tokens */
	bool has_effort;
	char effort[32];       /* openai reasoning_effort */
	bool v2026;            /* anthropic-version 2026-10-21 */
	char unknown[64];      /* the first top-level parameter the API does not define, or "" */
};

/* Is key a top-level request parameter of the wire format (the real APIs' lists)?
 * v2026: the Anthropic API version 2026-10-21, whose Messages API has no sampling
 * parameters (temperature, top_p, top_k) and takes a top-level cache_control. */
bool mock_known_param(enum mock_format fmt, bool v2026, const char *key);

void mock_req_free(struct mock_req *req);

struct mock_usage {
	unsigned input;        /* uncached input tokens */
	unsigned output;
	unsigned cache_write;  /* anthropic cache_creation_input_tokens */
	unsigned cache_read;   /* anthropic cache_read_input_tokens, openai cached_tokens */
};

/* A piece of a streamed body, sent after delay_ms. */
struct mock_seg {
	double delay_ms;
	char *data;
	size_t len;
};

struct mock_reply {
	unsigned status;
	const char *request_id_header; /* "request-id" (anthropic) or "x-request-id" (openai) */
	char request_id[48];
	const char *content_type;
	bool has_retry_after;
	unsigned retry_after;
	char *body;            /* when not streamed */
	size_t body_len;
	struct mock_seg *segs; /* when streamed */
	size_t nsegs;
	bool streamed;
};

/* How an answer is sent, beyond its plan. */
struct mock_shape {
	bool malformed;        /* fault.malformed_json: the body cut off */
	bool stream_error;     /* fault.stream_error: the stream breaks off with an error event */
	bool llamacpp;         /* server = llama.cpp: "timings", no cache details */
	bool v2026;            /* anthropic-version 2026-10-21: usage.output_tokens_details always */
	const char *request_id;
};

/* Append a segment taking ownership of data (NULL data = out of memory, reported). */
int mock_reply_seg(struct mock_reply *r, double delay_ms, char *data);
/* Set a JSON body from a cJSON tree (deleted). */
int mock_reply_json(struct mock_reply *r, unsigned status, cJSON *root);
void mock_reply_free(struct mock_reply *r);

/* Append n bytes of s to a malloc'd NUL-terminated buffer; returns n, or 0 on failure. */
size_t mock_text_append(char **buf, size_t *len, const char *s, size_t n);

/* Append the text of a message content: a string, or an array of {type:"text",text}
 * blocks (other blocks are skipped). Returns the number of characters added. */
size_t mock_content_text(const cJSON *content, char **buf, size_t *len);

/* A non-system message of either format: count it, add its text to the prompt size,
 * and keep it as the last user message when its role is "user". */
void mock_req_message(struct mock_req *req, const char *role, const cJSON *content);

/* The end of parsing a request of either format: an error for bad (if set), an empty
 * system prompt when none came, req freed on error, root deleted. Returns 0 or -errno. */
int mock_req_finish(struct mock_req *req, const char *bad, cJSON *root, struct pl_err *err);

/* Split len characters into stream chunks of size characters (at least one chunk, empty
 * when len is 0); returns the chunk count and fills starts (caller frees). */
size_t mock_chunks(size_t len, size_t size, size_t **starts);

/* The cut-off JSON of a malformed_json fault: the first half of a real body. */
char *mock_cut_json(const char *json);

#endif
