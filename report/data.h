/* data.h — a run directory read back into memory: run.json, packets.jsonl and the
 * responders' logs joined by packet bytes, then aggregated per target and per scenario.
 * Every output format (report/out_*.c) and `compare` read this, never the files.
 *
 * Tolerant by design: a killed run has no "ended" in run.json and may end packets.jsonl
 * with a half-written line; bad lines are counted (skipped_lines), not fatal. */
#ifndef PL_REPORT_DATA_H
#define PL_REPORT_DATA_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "common/err.h"
#include "model/table.h"
#include "packet/stack.h"
#include "scenario/verdict.h"

struct rp_pkt {
	size_t scn, tgt;
	unsigned packet, rep, trial;
	const char *expect, *sent, *reply, *note; /* point into strs */
	char *strs;                               /* owned: the four strings back to back */
	cJSON *js;                                /* the packets.jsonl line, kept (owned) only when
						   * a scenario's id and category point into it */
	cJSON *diff;                              /* array of strings (owned, detached from the line) */
	double t_sent_us, t_reply_us, rtt_us;     /* rtt_us < 0: no reply */
	double wall_sent_us, wall_reply_us;       /* approximate wall clock (µs since epoch) */
	int verdict;
	bool delivered_known, delivered;
	unsigned extra;
	/* from the responder log, when joined */
	const cJSON *log;
	double tok[PL_TOK__COUNT];
	double thinking;                          /* of tok[OUTPUT]: reasoning tokens the API counted */
	double decision_us;                       /* responder's total time; < 0 unknown */
	const char *model;
};

struct rp_dist {
	size_t n;
	double p50, p90, p99, max; /* NaN when n == 0 */
};

struct rp_target {
	char *name;
	bool is_model, kind_kernel;
	const cJSON *mobj;                        /* a model target's object in run.json ("models"), or NULL */
	size_t total, pass, v[V__COUNT];
	size_t *cat_total, *cat_pass;            /* per category */
	/* per kind of answer the run's stack's reference gives the packet (pl_answer) */
	size_t ans_total[PL_ANS__COUNT], ans_pass[PL_ANS__COUNT];
	struct rp_dist rtt, decision;
	double tok[PL_TOK__COUNT];
	size_t answered;                          /* responder log entries joined */
	size_t unattributed;                      /* log entries no generator packet matched */
	double unattributed_tok[PL_TOK__COUNT];
	double thinking;                          /* of tok[OUTPUT]: reasoning tokens */
	char model_id[128];                       /* priced as; "" none */
	long min_cache;                           /* the model's minimum cacheable prompt; < 0 unknown */
	char request[256];                        /* what each request asked for (run.json), "" unknown */
	bool cost_known;
	double cost_usd;
	/* repeats: mean over scenarios of per-scenario estimates, for k = 1..repeat */
	double *pass_at_k, *pass_at_k_se, *pass_hat_k, *pass_hat_k_se;
	double pass_lo, pass_hi;                  /* Wilson 95 % interval of pass / total */
	double wall_offset_us;                    /* wall clock of its generator's t = 0 */
	bool wall_from_log;
};

struct rp_result {
	bool present;
	int verdict;                /* worst over its packets and trials */
	size_t npk, npass;
	unsigned trials, trials_pass;
	double rtt_p50;             /* NaN: no reply */
	double pass_rate, pass_rate_se;
	double pass_at_k, pass_at_k_se, pass_hat_k, pass_hat_k_se; /* k = trials; NaN when trials < 2 */
	double tok[PL_TOK__COUNT];
	const char *expect;         /* of its first packet */
};

struct rp_scenario {
	const char *id, *category, *description, *hash, *file;
	const char *expect;         /* of its first packet on a responder target, else the kernel's */
	bool expect_rsp;
	size_t cat;
	struct rp_result *res;      /* [ntargets] */
};

/* Two targets on the same packets (scenario, packet, repeat, trial): how often each
 * passed where the other did not, and the exact McNemar p-value of that split. */
struct rp_pair {
	size_t a, b;                /* target indexes, a < b */
	size_t n;                   /* packets both played */
	size_t both_pass, a_only, b_only, both_fail;
	double mcnemar_p;
};

struct rp_run {
	char dir[4096];
	cJSON *run;                 /* run.json, NULL if missing or unreadable */
	const char *run_id, *started, *ended, *version;
	const struct pl_stack *stack; /* run.json's "stack" (echo when it names none) */
	bool stack_unknown;           /* ... it names one this build does not know */
	bool simulated, partial, stopped_early;
	char stopped[512];          /* why a partial run stopped early: Ctrl-C, a budget guard ("" unknown) */
	unsigned repeat;
	double started_us;          /* wall clock of run start, µs; 0 unknown */
	struct rp_pkt *p;
	size_t np;
	struct rp_target *t;
	size_t nt;
	struct rp_scenario *s;
	size_t ns;
	char **cats;
	size_t ncats;
	size_t skipped_lines;
	size_t unmatched;           /* answers the generator could give to no packet (its records) */
	cJSON **logs;               /* responder-reference.jsonl, then each model target's log, as arrays */
	size_t nlogs;
	cJSON *models_made;         /* an old run's "model" as a one-element "models" (owned) */
	struct pl_mtab prices;
	bool have_prices;
	const char *price_model_note; /* how the model id was chosen */
	struct rp_pair *pairs;      /* every pair of targets (paired.c) */
	size_t npairs;
};

/* Wilson intervals per target and the paired table (paired.c); 0 or -ENOMEM. */
int rp_paired(struct rp_run *r);

/* Load and aggregate dir. prices may be NULL (every cost unknown). */
int rp_load(const char *dir, const char *prices, struct rp_run *r, struct pl_err *err);
void rp_free(struct rp_run *r);

/* Did any target play a packet whose reference answer is of kind a? */
bool rp_answer_seen(const struct rp_run *r, enum pl_answer a);

/* The worse of two verdicts (see report/README.md for the order). */
int rp_worse(int a, int b);

/* Verdict symbol readable without colour: ✓ ✗ ○ ! ? ⚠ … */
const char *rp_symbol(int verdict);

#endif
