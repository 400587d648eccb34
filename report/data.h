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
#include <stdint.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "common/err.h"
#include "model/table.h"
#include "packet/stack.h"
#include "record/record.h"
#include "scenario/verdict.h"

/* One packet record, compact: a large run holds a million of these. Its bytes stay in
 * packets.jsonl (file, line_off, line_len: read again by the pcapng writer); what every
 * other writer needs is here. */
struct rp_pkt {
	uint32_t scn, tgt;
	unsigned packet, rep, trial;
	unsigned extra;
	uint32_t join;                            /* 1 + index in rp_run.joins; 0: no log line joined */
	uint32_t sent_hex, reply_hex;             /* length of the hex strings (reply: when has_reply) */
	uint32_t line_len;
	uint32_t sent_at, reply_at;               /* where the hex starts in the line (RP_AT_NONE: read the line) */
	uint64_t line_off;                        /* the line in rp_run.files[file] */
	uint16_t file;
	int8_t verdict;
	uint8_t answer;                           /* enum pl_answer the stack's reference gives it */
	bool has_reply, delivered_known, delivered;
	const char *expect, *note;                /* interned (rp_run's string table) */
	cJSON *diff;                              /* array of strings (owned), NULL when empty */
	double t_sent_us, t_reply_us, rtt_us;     /* rtt_us < 0: no reply */
	double wall_sent_us, wall_reply_us;       /* approximate wall clock (µs since epoch) */
	double decision_us;                       /* responder's total time; < 0 unknown */
};

#define RP_AT_NONE UINT32_MAX

/* What the responder log line joined to a packet says. */
struct rp_join {
	double tok[PL_TOK__COUNT];
	double thinking;                          /* of tok[OUTPUT]: reasoning tokens the API counted */
	const char *model;
};

/* A packets file read by rp_load, kept open for the pcapng writer's second pass. */
struct rp_file {
	char name[256];
	int fd;
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
	size_t loaded;                            /* packets read so far (rp_load) */
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
	size_t first;               /* its packets: rp_run.grp[first .. first + npk) */
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
	/* RTT of b over a's on the packets both answered, one ratio a packet: its median and
	 * quartiles (NaN when none). Every scenario is played against each target in turn,
	 * so a packet's two RTTs are moments apart and the machine's drift falls out of each
	 * ratio, which a ratio of the two targets' medians keeps */
	size_t rtt_pairs;
	double rtt_ratio_p25, rtt_ratio_p50, rtt_ratio_p75;
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
	uint32_t *scn_ix;           /* 1 + index in s by id hash (open addressing), 0 empty */
	size_t scn_ix_cap;          /* a power of two */
	char **cats;
	size_t ncats;
	size_t skipped_lines;
	char *warnings;             /* lines for stderr, each ending in '\n' (unreadable lines of a file), or NULL */
	size_t unmatched;           /* answers the generator could give to no packet (its records) */
	cJSON *models_made;         /* an old run's "model" as a one-element "models" (owned) */
	struct pl_mtab prices;
	bool have_prices;
	const char *price_model_note; /* how the model id was chosen */
	struct rp_pair *pairs;      /* every pair of targets (paired.c) */
	size_t npairs;
	struct rp_join *joins;
	size_t njoins;
	size_t *grp;                /* packet indexes by (target, scenario), then file order */
	struct rp_file *files;
	size_t nfiles;
	struct rp_strtab *strs;     /* interned strings: scenario ids and categories, expect, note */
};

/* The join of packet p, or NULL. */
static inline const struct rp_join *rp_join_of(const struct rp_run *r, const struct rp_pkt *p)
{
	return p->join ? &r->joins[p->join - 1] : NULL;
}

/* Reading packets' lines again (the pcapng writer's bytes): sequential reads in large
 * blocks from the files rp_load kept open. */
struct rp_reread {
	char *buf, *line;
	size_t cap, n, linecap;
	uint64_t lo;                /* file offset of buf[0] */
	int file;                   /* -1: nothing read yet */
	struct pl_rec_scanner sc;
	struct pl_rec rec;
};

void rp_reread_init(struct rp_reread *rr);
/* Packet p's sent and reply hex (reply NULL when none) as its line says now, valid until
 * the next call; 0, or < 0 when the line cannot be read or is no longer that packet's. */
int rp_reread(const struct rp_run *r, struct rp_reread *rr, const struct rp_pkt *p, const char **sent,
	      const char **reply);
void rp_reread_free(struct rp_reread *rr);

/* Wilson intervals per target and the paired table (paired.c); 0 or -ENOMEM. */
int rp_paired(struct rp_run *r);

/* Load and aggregate dir. prices may be NULL (every cost unknown). */
int rp_load(const char *dir, const char *prices, struct rp_run *r, struct pl_err *err);
void rp_free(struct rp_run *r);

/* r->warnings to f, each line after "WHO: " ("pinglab report"). */
void rp_print_warnings(const struct rp_run *r, const char *who, FILE *f);

/* Did any target play a packet whose reference answer is of kind a? */
bool rp_answer_seen(const struct rp_run *r, enum pl_answer a);

/* The worse of two verdicts (see report/README.md for the order). */
int rp_worse(int a, int b);

/* Verdict symbol readable without colour: ✓ ✗ ○ ! ? ⚠ … */
const char *rp_symbol(int verdict);

#endif
