/* rsp.h — the responder's context, its packet jobs and the backend interface.
 *
 * Every packet read from tun0 becomes a job. A backend turns a job into a decision (a
 * reply to write, or no reply) asynchronously and calls rsp_finish(); the main loop
 * (main.c) writes the reply, logs the job as one JSON line and starts queued jobs.
 */
#ifndef PL_RSP_H
#define PL_RSP_H

#include <curl/curl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "packet/stack.h"
#include "common/err.h"
#include "model/api.h"
#include "model/table.h"
#include "record/record.h"

enum rsp_outcome {
	RSP_REPLY = 0,
	RSP_DROP,
	RSP_UNPARSEABLE,
	RSP_API_ERROR,
	RSP_TIMEOUT,
	RSP_TRUNCATED,   /* the answer hit its token limit before it ended */
	RSP_REFUSED,     /* the model refused to answer */
};

struct rsp_job {
	uint64_t id;
	uint8_t *pkt;
	size_t len;
	int64_t t_recv, t_start, t_done;                 /* ns, CLOCK_REALTIME */
	/* of the last attempt (HTTP backends: reset on each retry; 0 = not reached):
	 * request sent, first response byte, first text (streaming: the first text
	 * delta; otherwise the first byte of a 200 response) */
	int64_t t_sent, t_first_byte, t_first_token;
	int attempts;
	long http_status;
	enum rsp_outcome outcome;
	uint8_t *reply;
	size_t reply_len;
	struct pl_model_reply model;                       /* text, usage, stop reason */
	char error[256];
	char how[16];                                      /* extractor: marker/fence/text */
	char attempt_log[1024];                            /* "429 retry-after=1s; 200" */
	void *priv;                                        /* the backend's per-job state */
	bool replayed;                                     /* answered from the cassette */
	struct rsp_job *next;                              /* queue link */
};

struct rsp_cfg {
	const char *backend;
	const char *model;
	const char *base_url;
	const char *prompt_file;     /* system prompt */
	const char *template_file;   /* per-packet message */
	const char *log_file;
	const char *run_dir;         /* agent FIFOs */
	char *const *exec_argv;      /* exec backend command */
	unsigned concurrency;
	unsigned timeout_ms;         /* per request / per packet */
	unsigned retries;            /* extra attempts after the first */
	unsigned max_tokens;         /* 0: the model table's default */
	double temperature;          /* < -1: the table's default; -1: none; else sent */
	unsigned thinking_budget;    /* Anthropic extended thinking (0: off) */
	const char *reasoning_effort;/* OpenAI reasoning_effort (NULL: not sent) */
	const char *models_file;     /* the model table (NULL: the newest found) */
	const char *cassette;        /* replay backend: an earlier run's responder log */
	unsigned queue_max;
	bool stream;
	bool log_text;               /* include the raw model text in the log */
	bool busy_poll;
	uint32_t our_addr;
	const struct pl_stack *stack; /* --stack: the reference's rules, the default prompt */
};

struct rsp_ctx;

struct rsp_backend_ops {
	const char *name;
	bool is_model;               /* uses the prompt and the extractor */
	int (*init)(struct rsp_ctx *c, struct pl_err *err);
	/* begin work on a job; finish it now or later with rsp_finish() */
	void (*start)(struct rsp_ctx *c, struct rsp_job *j);
	/* descriptors to wait on besides tun0 and curl's own; returns how many were added */
	int (*fds)(struct rsp_ctx *c, struct curl_waitfd *fds, int max);
	/* earliest timer (ns), or 0 for none */
	int64_t (*deadline)(struct rsp_ctx *c);
	/* after each wait: make progress */
	void (*step)(struct rsp_ctx *c);
	/* cancel everything in flight (shutdown) */
	void (*cancel)(struct rsp_ctx *c);
	void (*fini)(struct rsp_ctx *c);
};

struct rsp_ctx {
	struct rsp_cfg cfg;
	const struct rsp_backend_ops *ops;
	void *be;                    /* backend state */
	CURLM *multi;
	int tun;
	FILE *log;
	bool log_pending;             /* lines written since the last flush */
	struct pl_rec_out logline;    /* the log line being written (record/record.c) */
	char *system_prompt, *template;
	char prompt_hash[65];
	uint64_t next_id;
	unsigned inflight;
	struct rsp_job *queue_head, *queue_tail;
	unsigned queued;
	unsigned long dropped_queue_full, packets, replies;
	volatile sig_atomic_t *stop;
	char *secret;                /* API key, scrubbed from every logged string */
	struct pl_mtab models;       /* the model table (empty when none was found) */
	const struct pl_mrow *row;   /* the model's row, NULL when the table has none */
	struct pl_req_opts req;      /* the request knobs, fixed for the run */
	unsigned long answered;      /* HTTP 200s with a body that parsed */
	char fatal[512];             /* a configuration error the API reported: stop, exit 3 */
	struct rsp_cassette *tape;   /* recorded answers (--cassette), NULL without */
};

/* The cassette (be_replay.c): an earlier run's responder log, its answers found by packet
 * bytes and their order. answer() finishes j from it and returns true, or returns false
 * when it has no answer for these bytes (then the backend asks the model). */
int rsp_cassette_load(struct rsp_ctx *c, struct pl_err *err);
bool rsp_cassette_answer(struct rsp_ctx *c, struct rsp_job *j);
void rsp_cassette_free(struct rsp_ctx *c);

extern const struct rsp_backend_ops rsp_reference_ops, rsp_anthropic_ops, rsp_openai_ops,
	rsp_exec_ops, rsp_agent_ops, rsp_replay_ops;

/* Done with a job (any outcome): write the reply, log, free, start the next queued job. */
void rsp_finish(struct rsp_ctx *c, struct rsp_job *j);

/* Fill j->outcome/reply from model text with the tolerant extractor. */
void rsp_take_text(struct rsp_ctx *c, struct rsp_job *j, const char *text, size_t len);

/* The per-packet user message for a job (malloc'd). */
char *rsp_render(const struct rsp_ctx *c, const struct rsp_job *j);

int64_t rsp_now(void);

#endif
