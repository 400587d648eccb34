/* spec.h — a model target as one word on the command line (issue 16):
 *
 *   BACKEND:MODEL[@URL][+KEY=VALUE]...
 *
 *   mock:sim-haiku-like                   the simulated model with that profile
 *   anthropic:claude-haiku-4-5+thinking=4000
 *   openai:qwen2.5@http://127.0.0.1:8080/v1+name=local
 *   exec:claude                           a command given after --
 *
 * Keys: name (the target's display name; default BACKEND:MODEL plus its knobs),
 * temperature (X or none), max-tokens, thinking, reasoning-effort, concurrency,
 * timeout (ms), retries, max-cost (USD), max-packets, price (IN/OUT), model (mock: the
 * model id the simulated model answers as), scale (mock), stream (yes/no), key-file
 * (anthropic, openai: a file holding the key, mode 0600).
 * Every error names the spec and the part of it that is wrong. */
#ifndef PL_MODEL_SPEC_H
#define PL_MODEL_SPEC_H

#include <stdbool.h>

#include "common/err.h"

struct pl_spec {
	char backend[16];            /* mock, anthropic, openai, exec */
	char model[128];             /* the model id; mock: the profile */
	char url[256];               /* "" = the backend's default */
	char name[96];               /* display name */
	bool named;                  /* name= was given */
	char mock_model[128];        /* mock: model=, "" = the profile's */
	char temperature[16], effort[16], scale[16];
	unsigned max_tokens, thinking, concurrency, timeout_ms, retries;   /* 0 = unset */
	bool retries_set;
	double max_cost;             /* 0 = none */
	unsigned long max_packets;   /* 0 = none */
	double price_in, price_out;  /* < 0 = unset */
	int stream;                  /* -1 unset, 0 no, 1 yes */
	char key_file[256];          /* anthropic/openai: the key's file (mode 0600), "" = the flags' */
};

/* Parse one spec; 0, or -EINVAL with a message naming the spec and the wrong part. */
int pl_spec_parse(const char *s, struct pl_spec *out, struct pl_err *err);

/* Is this word of --targets a model spec (it has a backend and a colon)? */
bool pl_spec_is(const char *s);

#endif
