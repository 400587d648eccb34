/* behave.h — what the simulated model answers, and how late.
 *
 * Determinism rule: every random choice for a request is drawn from a generator seeded
 * with (--seed, a 64-bit hash of the packet bytes, the packet's attempt number), where
 * the attempt number counts earlier requests carrying the same packet bytes (0 for the
 * first). So a packet's answers depend only on the seed, the profile and how many times
 * that packet was asked before — never on other packets or on their arrival order — and
 * a retry of the same packet draws afresh (a 429 is not repeated forever).
 */
#ifndef PL_MOCK_BEHAVE_H
#define PL_MOCK_BEHAVE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "packet/stack.h"
#include "common/err.h"
#include "mockllm/profile.h"
#include "packet/rules.h"

/* splitmix64: small, fast, and good enough to draw a few numbers per request. */
struct mock_rng {
	uint64_t s;
};

uint64_t mock_rng_next(struct mock_rng *r);
double mock_rng_unit(struct mock_rng *r);      /* [0, 1) */
uint64_t mock_hash(const void *buf, size_t len); /* FNV-1a 64, then mixed */
/* An independent stream for one purpose (label) of one request (base), so adding draws
 * to one decision never shifts the numbers another decision sees. */
struct mock_rng mock_rng_stream(uint64_t base, const char *label);

/* Attempt counters per packet hash (thread-safe, grows as needed). */
struct mock_attempts {
	pthread_mutex_t lock;
	uint64_t *keys;        /* 0 = empty slot (a hash of 0 is stored as 1) */
	unsigned *counts;
	size_t cap, used;
};

void mock_attempts_init(struct mock_attempts *a);
/* Returns the attempt number for key (0 for its first request) and counts this one. */
unsigned mock_attempts_next(struct mock_attempts *a, uint64_t key);
void mock_attempts_free(struct mock_attempts *a);

/* Find the packet in the last user message: the longest run of hex digits of at least 20
 * bytes; failing that, the tolerant extractor (spaced hex, fences). Returns the length,
 * or 0 when there is none. */
size_t mock_find_packet(const char *text, size_t len, uint8_t *out, size_t cap);

enum mock_answer {
	MOCK_ANSWER_NONE = 0,  /* refusal or no packet: neither a packet nor a drop */
	MOCK_ANSWER_PACKET,
	MOCK_ANSWER_DROP,
};

/* Why the answer ended (stop_reason / finish_reason). */
enum mock_stop {
	MOCK_STOP_END = 0,     /* end_turn / stop */
	MOCK_STOP_MAX_TOKENS,  /* max_tokens / length: cut at the token limit */
	MOCK_STOP_REFUSAL,     /* refusal (anthropic) / message.refusal (openai) */
};

#define MOCK_REFUSAL_TEXT "I'm sorry, but I can't help with that."
#define MOCK_FAULT_THINK_TOKENS 48 /* the thinking of fault.thinking when none was asked for */

struct mock_plan {
	/* the request */
	bool have_packet;
	uint64_t key;
	unsigned attempt;
	struct pl_decision decision;
	/* what is injected: at most one fault, else at most one mistake */
	enum mock_fault fault;
	enum mock_mistake mistake;
	/* the answer text (malloc'd, NUL-terminated) and the packet it carries */
	char *text;
	size_t text_len;
	enum mock_answer answer;
	uint8_t *answer_pkt;   /* malloc'd when answer == PACKET */
	size_t answer_len;
	unsigned output_tokens; /* thinking included */
	/* the answer's shape, fitted to the request by mock_plan_fit */
	char *thinking;        /* thinking text (malloc'd), NULL when none is shown */
	size_t thinking_len;
	unsigned thinking_tokens; /* of output_tokens (shown or not) */
	size_t split;          /* multi_text: the first text block's length (0: one block) */
	enum mock_stop stop;
	char signature[64];    /* of the thinking block */
	/* timing, already multiplied by --scale */
	double latency_ms;     /* before anything is sent */
	double ttft_ms;
	double per_token_ms;
	double total_ms;       /* latency + ttft + per token * tokens: non-streamed delay */
	unsigned stall_ms;
	unsigned retry_after_s;
	char id[32];           /* hex id derived from the same seed */
};

/* The stack a system prompt states, as a model would take it from the prompt: the host
 * stack's (prompts/host.md) says its host "runs the echo service (RFC 862)"; any other
 * prompt is taken for the echo stack's. */
const struct pl_stack *mock_stack_of(const char *system, size_t len);

/* Decide everything about one request under stack st's rules. pkt may be NULL (no packet
 * in the prompt). */
int mock_plan_make(const struct mock_profile *p, const struct pl_stack *st, uint64_t seed, double scale, const uint8_t *pkt,
		   size_t len, unsigned attempt, struct mock_plan *plan, struct pl_err *err);
void mock_plan_free(struct mock_plan *plan);

/* Fit the answer to the request: think_tokens of thinking first (0 = none asked for;
 * fault.thinking adds some anyway), the text cut where thinking and text exceed limit
 * (0 = no limit), a reasoning model's cut answer withheld (OpenAI content ""), the
 * faults that shape a 200 (thinking, multi_text, null_content, max_tokens) applied.
 * openai: the OpenAI format (thinking shown only for fault.thinking, as
 * reasoning_content; multi_text does not apply). Updates output_tokens and total_ms. */
int mock_plan_fit(struct mock_plan *plan, bool openai, unsigned think_tokens, bool reasons, unsigned limit);

#endif
