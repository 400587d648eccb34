/* run.h — the phases of `pinglab run` (lab/run.c), driven by lab/cmd_run.c. */
#ifndef PL_LAB_RUN_H
#define PL_LAB_RUN_H

#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "common/err.h"
#include "scenario/scenario.h"

#define RUN_T_KERNEL    1u
#define RUN_T_REFERENCE 2u
#define RUN_T_LLM       4u

struct pl_run {
	char id[48];
	char dir[PATH_MAX];
	char lab[16];
	char bindir[PATH_MAX];
	unsigned targets;
	const char *backend, *model, *base_url, *profile, *tag;
	char *const *exec_argv;
	unsigned long seed;
	const char *scale;                  /* mock latency factor, passed through */
	const char *retries;                /* responder retries, passed through (NULL: its default) */
	const char *key_file;               /* API key file (mode 0600) for the model responder, or NULL */
	const char *user;                   /* --responder-user (NULL: nobody, but not for exec/agent; "root": none) */
	unsigned concurrency, max_wait_ms, model_timeout_ms, repeat;
	unsigned long max_packets;          /* budget guard for the model target (0: none) */
	double max_cost;                    /* budget guard in USD for the model target (0: none) */
	const char *max_cost_arg;           /* ... as given, passed to the generator */
	/* request knobs, passed to the model responder as given (NULL: its default) */
	const char *temperature, *max_tokens, *thinking, *reasoning_effort;
	const char *price_arg;              /* --price IN,OUT for a model the table does not price */
	double price_in, price_out;
	char models[PATH_MAX];              /* the model table found ("" when none) */
	bool config_error;                  /* the API refused the first requests (responder exit 3) */
	const char *replay;                 /* --replay RUN_DIR: the model's answers from that run */
	const char *resume;                 /* --resume RUN_DIR: ... and the model for the rest */
	char cassette[PATH_MAX];            /* RUN_DIR/responder-llm.jsonl */
	bool replay_simulated;              /* the replayed run's model was the simulated one */
	char replay_backend[32];            /* ... and its backend */
	char *owned[24];                    /* strings taken from a recorded run.json (freed at the end) */
	size_t nowned;
	char stopped[400];                  /* why the run stopped early ("" when it did not) */
	const char *baseline;               /* run directory to compare with (NULL: none) */
	double fail_under;                  /* model pass rate below this fails the run (<0: off) */
	const struct pl_scn_set *set;
	volatile sig_atomic_t *stop;
	char started[40];
	char incident[160];                 /* e.g. "the model responder crashed (signal 9)" */
	char llm_name[96];                  /* target name of the model: "mock:sim-haiku-like" */
	FILE *events;                       /* events.jsonl of the run directory, or NULL */
	int64_t events_t0_ns;               /* CLOCK_MONOTONIC of the first event */
	/* process helpers from cmd_run.c */
	pid_t (*spawn)(const char *const argv[], const char *netns, int out_fd, int err_fd);
	void (*stop_child)(pid_t pid);
};

/* Remember s (malloc'd, may be NULL) to be freed with the run; returns s. */
char *pl_run_keep(struct pl_run *r, char *s);
void pl_run_free_owned(struct pl_run *r);

int pl_run_parse_targets(const char *s, unsigned *targets, struct pl_err *err);
/* --replay DIR: take targets, seed, repeat, tag and the model target from DIR/run.json,
 * and the model's answers from DIR/responder-llm.jsonl. */
int pl_run_load_replay(struct pl_run *r, const char *dir, struct pl_err *err);
/* --resume DIR: the same run's configuration from DIR/run.json (backend, model, knobs,
 * profile, seed, ...), its answers so far moved into DIR/cassette.jsonl, the rest of DIR
 * cleared for the run to be played again there: the cassette answers what was answered,
 * the model only the rest. */
int pl_run_load_resume(struct pl_run *r, const char *dir, struct pl_err *err);
/* The scenario files DIR/run.json records (each once, malloc'd into paths[0..max)). */
int pl_run_recorded_scenarios(const char *dir, char **paths, int max, int *n, struct pl_err *err);
/* Backend and key checks that must pass before a lab is built; "needs ..." => skip. */
int pl_run_check_backend(struct pl_run *r, struct pl_err *err);
/* Start pinglab-mockllm on loopback (URL into url) / a responder on the lab's tun0 (the
 * reference, or the model backend when llm) and wait until tun0 runs. -1 on error. */
pid_t pl_run_start_mock(struct pl_run *r, char *url, size_t n, struct pl_err *err);
pid_t pl_run_start_responder(struct pl_run *r, bool llm, const char *url, const char *log, struct pl_err *err);

/* Append one line to the run's events.jsonl: {"time", "t_ms", "event", "detail"[, "pid"]}
 * (pid 0: none). The file is opened on first use; a run without one just has none. */
void pl_run_event(struct pl_run *r, const char *event, pid_t pid, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void pl_run_events_close(struct pl_run *r);

/* Play every phase; returns the exit code. */
int pl_run_play(struct pl_run *r, struct pl_err *err);

#endif
