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
#include "model/spec.h"
#include "packet/stack.h"
#include "scenario/scenario.h"

#define RUN_T_KERNEL    1u
#define RUN_T_REFERENCE 2u
#define RUN_T_LLM       4u      /* the run has model targets (r->nm > 0) */

#define RUN_MODELS_MAX  8

/* One model target. Each plays in a lab of its own named after the run's (the first in
 * the run's lab itself when no kernel or reference target plays there), at the same time
 * as every other target, on the same packets.
 * Made from a spec of --targets (model/spec.h) or, for "llm", from --backend, --model
 * and the other flags; a knob a spec does not set comes from the flags. */
struct pl_run_model {
	char name[96];                      /* its name in every record: "mock:sim-haiku-like" */
	const char *backend, *model, *base_url, *profile, *scale, *retries, *key_file;
	/* request knobs, passed to the model responder as given (NULL: its default) */
	const char *temperature, *max_tokens, *thinking, *reasoning_effort;
	const char *price_arg;              /* IN,OUT for a model the table does not price */
	double price_in, price_out;
	const char *max_cost_arg;           /* budget guard in USD (NULL: none) */
	unsigned long max_packets;          /* budget guard in packets (0: none) */
	unsigned concurrency, timeout_ms;
	bool stream;
	bool from_spec;                     /* a spec of --targets, not the flags */
	struct pl_spec spec;
	char num[8][48];                    /* a spec's numbers as the responder's arguments */
	char lab[16];                       /* the lab it plays in */
	/* its files in the run directory: the first target's keep the names of a one-model
	 * run (responder-llm.jsonl, mockllm.jsonl, ...), the k-th's end in -k */
	char log[48], mock_log[48], packets[48], cassette_file[48];
	char cassette[PATH_MAX];            /* --replay: the recorded log; --resume: the cassette */
	bool replay_simulated;              /* the replayed run's model was the simulated one */
	char replay_backend[32];            /* ... and its backend */
	bool config_error;                  /* the API refused the first requests (responder exit 3) */
	char stopped[400];                  /* why it stopped early ("" when it did not) */
	/* while it plays */
	pid_t mock, rsp;
	char url[256];                      /* its simulated model server's */
};

struct pl_run {
	char id[48];
	char dir[PATH_MAX];
	char lab[16];
	char bindir[PATH_MAX];
	unsigned targets;
	/* the flags: the "llm" target, and the defaults of every spec */
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
	struct pl_run_model m[RUN_MODELS_MAX];
	unsigned nm;
	bool config_error;                  /* a model target's API refused its configuration */
	const char *replay;                 /* --replay RUN_DIR: the models' answers from that run */
	const char *resume;                 /* --resume RUN_DIR: ... and the models for the rest */
	char *owned[64];                    /* strings taken from a recorded run.json (freed at the end) */
	size_t nowned;
	char stopped[400];                  /* why the run stopped early ("" when it did not) */
	const char *baseline;               /* run directory to compare with (NULL: none) */
	double fail_under;                  /* model pass rate below this fails the run (<0: off) */
	struct pl_scn_lib *lib;             /* the scenarios, checked; read again a scenario at a time */
	char *const *paths;                 /* the files and folders they are in, as given */
	size_t npaths;
	const struct pl_stack *stack;       /* --stack (echo unless given; a replay's or resume's is recorded) */
	bool stack_given;
	volatile sig_atomic_t *stop;
	char started[40];
	char incident[160];                 /* e.g. "the model responder crashed (signal 9)" */
	FILE *events;                       /* events.jsonl of the run directory, or NULL */
	int64_t events_t0_ns;               /* CLOCK_MONOTONIC of the first event */
	/* process helpers from cmd_run.c */
	pid_t (*spawn)(const char *const argv[], const char *netns, int out_fd, int err_fd);
	void (*stop_child)(pid_t pid);
};

/* Remember s (malloc'd, may be NULL) to be freed with the run; returns s. */
char *pl_run_keep(struct pl_run *r, char *s);
void pl_run_free_owned(struct pl_run *r);

/* --targets: kernel, reference, llm (the model target of --backend, --model and the other
 * flags) and model specs (model/spec.h), in order; each model target goes into r->m. */
int pl_run_parse_targets(const char *s, struct pl_run *r, struct pl_err *err);
/* Make every model target whole once the flags are read: a spec's knobs over the flags',
 * its name (unique among the targets) and its files. */
int pl_run_models(struct pl_run *r, struct pl_err *err);
/* Each model target's lab, once r->lab is known: r->lab's first six characters, 'm' and
 * the target's number (labc3fm2) — but the run's own lab for the first when the run has
 * no kernel or reference target, which would play in it at the same time. */
void pl_run_model_labs(struct pl_run *r);
/* Where the simulated model's profiles are: $PINGLAB_PROFILES, else mockllm/profiles of
 * the source tree next to the binaries (pinglab-mockllm looks there too). */
void pl_run_profiles_dir(const struct pl_run *r, char *out, size_t n);
/* The model id a target's requests name ("" none). */
const char *pl_run_model_id(const struct pl_run_model *m);
/* --replay DIR: take targets, seed, repeat, tag and the model targets from DIR/run.json,
 * and each model's answers from its log there (responder-llm.jsonl, ...). */
int pl_run_load_replay(struct pl_run *r, const char *dir, struct pl_err *err);
/* --resume DIR: the same run's configuration from DIR/run.json (each model target's
 * backend, model, knobs, profile, ...; seed, repeat, tag), each target's answers so far
 * moved into its cassette (DIR/cassette.jsonl, cassette-2.jsonl, ...), the rest of DIR
 * cleared for the run to be played again there: the cassette answers what was answered,
 * the model only the rest. */
int pl_run_load_resume(struct pl_run *r, const char *dir, struct pl_err *err);
/* The host stack's echo service for the kernel target: pinglab-echod in r->lab's rsp
 * namespace, on 10.77.1.1 port 7 (UDP and TCP), recorded in the lab's run file (so
 * pinglab clean stops it) and in events.jsonl; returns its pid once it listens. */
pid_t pl_run_start_echod(struct pl_run *r, struct pl_err *err);
/* The stack DIR/run.json records into r->stack (echo for a run.json that names none);
 * an error when it is unknown, or is not the --stack given. */
int pl_run_recorded_stack(struct pl_run *r, const char *dir, struct pl_err *err);
/* The scenario files DIR/run.json records (each once, malloc'd into paths[0..max)). */
int pl_run_recorded_scenarios(const char *dir, char **paths, int max, int *n, struct pl_err *err);
/* Append src's bytes to dst (created if need be); 0 when src does not exist. */
int pl_run_append_file(const char *src, const char *dst);
/* Backend and key checks of every model target that must pass before a lab is built;
 * "needs ..." => skip. */
int pl_run_check_backend(struct pl_run *r, struct pl_err *err);
/* Start pinglab-mockllm for m on loopback (its URL into m->url) / a responder on the
 * tun0 of m's lab (m NULL: the reference, in the run's lab) and wait until tun0 runs.
 * -1 on error. */
pid_t pl_run_start_mock(struct pl_run *r, struct pl_run_model *m, struct pl_err *err);
pid_t pl_run_start_responder(struct pl_run *r, struct pl_run_model *m, const char *log, struct pl_err *err);

/* Append one line to the run's events.jsonl: {"time", "t_ms", "event", "detail"[, "pid"]}
 * (pid 0: none). The file is opened on first use; a run without one just has none. */
void pl_run_event(struct pl_run *r, const char *event, pid_t pid, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void pl_run_events_close(struct pl_run *r);

/* Play every phase; returns the exit code. */
int pl_run_play(struct pl_run *r, struct pl_err *err);

#endif
