/* play.h — play scenarios on the wire against one target and judge every packet.
 *
 * Packets of a scenario are sent in order (repetitions spaced by the scenario's
 * interval); answers are collected until the wait after the last packet ends, or earlier
 * once every packet that must be answered has been. Answers are attributed to the packet
 * they answer: echo replies by ICMP id/seq, ICMP errors by the IP header they quote,
 * TCP/UDP by the swapped ports, anything else to the most recent packet. For a responder
 * target the bytes judged are those the responder wrote on tun0; latency is measured at
 * the generator.
 */
#ifndef PL_PLAY_H
#define PL_PLAY_H

#include <signal.h>
#include <stdio.h>

#include "record/record.h"
#include "packet/stack.h"
#include "scenario/scenario.h"
#include "scenario/verdict.h"
#include "wire/wire.h"

struct pl_play_target {
	const char *name;             /* "kernel", "reference", "mock:sim-haiku-like", ... */
	enum pl_target_kind kind;
	struct pl_wire *tun;          /* responder targets: capture on tun0; NULL for kernel */
	FILE *decisions;              /* responder targets: the responder's JSONL log, read as
				       * it grows; a packet is decided once its line appears */
	int decisions_watch;          /* an inotify descriptor, readable when that log grows
				       * (0 or -1: none; the log is looked at every 20 ms) */
	unsigned wait_ms;             /* fixed wait after the last packet (0: scenario's) */
	const struct pl_stack *stack; /* the rules the target plays by (NULL: echo) */
};

/* The target's stack (echo unless it says otherwise). */
const struct pl_stack *pl_play_stack(const struct pl_play_target *t);

struct pl_play {
	struct pl_wire *wire;         /* the generator's veth */
	FILE *jsonl;                  /* one record per packet (may be NULL) */
	FILE *progress;               /* "TEST: id [target] OK|FAIL ..." lines (may be NULL) */
	unsigned max_wait_ms;         /* cap on the default per-scenario wait (not on a
				       * scenario's own timeout line); 0 = no cap */
	int64_t epoch_ns;             /* times in records are microseconds since this */
	unsigned trial;               /* which repetition of the whole run (--repeat), 0-based */
	bool terminal;                /* progress is a terminal: one updating line, FAILs kept */
	bool status_lines;            /* ... drawn by pinglab run: "@progress LINE\n" for the line */
	int64_t progress_ns;          /* when the line was last drawn */
	unsigned long total_scenarios, done_scenarios; /* for the progress line */
	unsigned long tokens_in, tokens_out;           /* summed from the decisions log */
	unsigned long max_packets;    /* stop after sending this many (0: no limit) */
	int64_t pace_ns;              /* at most one packet sent per pace_ns over the whole run,
				       * across scenarios and targets (0: as fast as the scenario
				       * says): a steady cadence for latency pairs */
	int64_t last_send_ns;         /* pl_now_ns() of the last packet sent (for pace_ns) */
	unsigned long packets_sent;
	/* the cost in USD of tok[] tokens of model, false when its price is unknown; the
	 * cost so far is not kept when price is NULL */
	bool (*price)(void *arg, const char *model, const double tok[PL_TOK__COUNT], double *usd);
	void *price_arg;
	double max_cost_usd;          /* stop sending once the decisions logged cost this (0: no limit) */
	double cost_usd;              /* the cost of the tokens the decisions log reported so far */
	char cost_unknown[96];        /* a logged model with no price ("" when every one had one) */
	bool budget_hit;
	const char *budget;           /* the guard that stopped it: "max-packets" or "max-cost" */
	volatile sig_atomic_t *stop;  /* set by a signal handler to stop between packets */
	unsigned long verdicts[V__COUNT];
	unsigned long unmatched;      /* answers no sent packet could claim (the first 1,000 recorded) */
	unsigned long user_send_times; /* packets sent with no kernel TX stamp: the clock before send() */
	unsigned long scenarios_failed;
	struct pl_play_state *st;     /* the player's own buffers (made by the first scenario) */
};

/* Play one scenario against one target. Returns 0 (verdicts counted in p), or a negative
 * code for a lab error (cannot send, cannot build). */
int pl_play_scenario(struct pl_play *p, const struct pl_scenario *s, const struct pl_play_target *t,
		     struct pl_err *err);

/* Free what playing allocated (the structure itself is the caller's). */
void pl_play_free(struct pl_play *p);

#endif
