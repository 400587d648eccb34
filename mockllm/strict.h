/* strict.h — what the simulated model refuses, as the real services refuse it: the
 * request's model is looked up in the model table (model/table.h) and its parameters
 * are checked against that row, with the real services' error types and wording
 * (mockllm/README.md says where each message comes from). */
#ifndef PL_MOCK_STRICT_H
#define PL_MOCK_STRICT_H

#include <stdbool.h>

#include "mockllm/profile.h"
#include "mockllm/wire.h"
#include "model/table.h"

/* Reasoning tokens an OpenAI reasoning model spends by reasoning_effort (none given:
 * medium, the API's default). */
#define MOCK_EFFORT_MINIMAL 16
#define MOCK_EFFORT_LOW     64
#define MOCK_EFFORT_MEDIUM  256
#define MOCK_EFFORT_HIGH    1024

/* The model a request gets, as far as the answer is concerned. */
struct mock_model {
	const struct pl_mrow *row; /* NULL: any name (models = any), or the profile's own model */
	bool lenient;              /* no parameter is refused */
	long min_cache;            /* minimum cacheable prompt, tokens; < 0 unknown; 0 none */
	bool reasons;              /* an OpenAI reasoning model (row thinking = effort) */
	unsigned think_tokens;     /* what the answer spends thinking: the Anthropic budget, the
				    * OpenAI effort's tokens; 0 = no thinking asked for */
	unsigned limit;            /* max_tokens / max_completion_tokens; 0 = none */
};

/* A refused request: the status and the error as each format words it. */
struct mock_refusal {
	unsigned status;           /* 0: accepted */
	const char *atype;         /* anthropic error.type */
	const char *otype;         /* openai error.type */
	const char *ocode;         /* openai error.code, NULL = null */
	const char *param;         /* openai error.param, NULL = null */
	char msg[400];
};

/* Rule on a parsed request: fill m, and out->status != 0 when it is refused. t may be
 * NULL (no table: profile models = any). A request naming no model gets the profile's
 * where no model is required. */
void mock_strict(const struct mock_profile *p, const struct pl_mtab *t, struct mock_req *req,
		 struct mock_model *m, struct mock_refusal *out);

#endif
