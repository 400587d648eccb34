/* log.h — one JSON object per request (JSONL) saying what the simulated model did.
 * Field names and the "injected" values are a stable interface (mockllm/README.md). */
#ifndef PL_MOCK_LOG_H
#define PL_MOCK_LOG_H

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>

#include "common/err.h"
#include "mockllm/behave.h"
#include "mockllm/wire.h"

struct mock_log {
	FILE *f;               /* NULL: logging off */
	pthread_mutex_t lock;
};

struct mock_log_rec {
	unsigned long seq;     /* request ordinal at this server, from 1 */
	const char *method, *path;
	const char *format;    /* "anthropic", "openai" or NULL */
	bool stream;
	unsigned status;       /* 0 for a reset connection */
	const char *error;     /* why a request was refused (4xx), or NULL */
	const char *request_id;/* the request-id / x-request-id sent */
	const char *model;     /* the model the request named (or was given), or NULL */
	const uint8_t *pkt;    /* the packet found in the prompt, or NULL */
	size_t pkt_len;
	const struct mock_plan *plan; /* NULL when the request was refused before planning */
	const struct mock_usage *usage;
	double delay_ms;       /* planned delay before the answer (stall included) */
};

int mock_log_open(struct mock_log *log, const char *path, struct pl_err *err);
void mock_log_write(struct mock_log *log, const struct mock_log_rec *r);
void mock_log_close(struct mock_log *log);

#endif
