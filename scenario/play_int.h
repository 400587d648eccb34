/* play_int.h — the player's parts, inside scenario/: the live packets of a scenario and
 * how answers are attributed to them (play_window.c), the responder's decisions log
 * (play_decisions.c), the progress line (play_progress.c). Not an interface of the
 * library: play.h is.
 */
#ifndef PL_PLAY_INT_H
#define PL_PLAY_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "record/record.h"
#include "scenario/play.h"

/* Keys of a packet for attribution. */
struct keys {
	bool ok, icmp_echo, frag0;
	uint8_t proto;
	uint16_t id, icmp_id, icmp_seq, sport, dport;
};

/* Hash indexes over a scenario's live packets, so that matching an answer costs the
 * length of one bucket's chain instead of a scan of everything in flight (a 100,000
 * packet burst has thousands in flight): by the packet's bytes (its copy leaving into
 * tun0, the responder's log line), by ICMP echo id and sequence (an echo reply), and by
 * the bytes of the reply a responder wrote (its forwarded copy at the generator). */
enum { IX_BYTES, IX_ECHO, IX_REPLY, IX__COUNT };

/* Slots are referred to by handle: slot index + 1, 0 = none. */
struct sent {
	uint8_t *bytes;               /* exactly len bytes */
	struct keys keys;             /* of bytes, computed once */
	uint32_t next[IX__COUNT];     /* chain links: handle of the next older entry */
	uint32_t older, newer;        /* the live list, in send order; older also links free slots */
	size_t len;
	uint16_t ethertype;
	size_t idx;
	unsigned rep;
	int64_t t_sent;
	bool t_sent_kernel;           /* t_sent is the kernel's TX stamp, not the time before send() */
	bool delivered;               /* seen leaving the rsp kernel into tun0 */
	int64_t t_delivered;          /* ... then (the capture's kernel stamp), 0: not seen */
	int64_t t_tun_reply;          /* the reply the responder wrote, seen on tun0 (0: none) */
	uint8_t *reply;               /* judged answer: tun (responder) or wire (kernel) */
	size_t reply_len;
	int64_t t_reply;              /* at the generator when seen there, else on tun0 */
	bool wire_seen;
	unsigned extra;               /* further answers attributed to this packet */
	bool decided;                 /* the responder logged its decision */
	bool replied;                 /* ... and it was to write a reply */
	bool ready;                   /* complete, waiting in win.ready to be judged */
	bool own_expect;              /* a send pcap= packet: expected what exp says */
	struct pl_expect exp;
	enum pl_backend_status backend;
};

/* The live packets of the scenario being played. A scenario of up to WIN_KEEP packets
 * keeps every packet until its wait ends and judges them then, in send order. A longer
 * one (a throughput burst) judges a packet and frees its slot as soon as its outcome is
 * known, or its own wait from its send ran out: memory follows the packets in flight,
 * not the length of the burst. Its records are then in the order packets were judged,
 * and an answer to a packet already judged is unmatched rather than an extra reply. */
#define WIN_KEEP 1024

struct win {
	struct sent *slot;
	uint32_t cap, nlive;
	uint32_t oldest, newest;      /* ends of the live list */
	uint32_t free;                /* free slots, linked through older */
	uint32_t *head[IX__COUNT];    /* bucket -> handle of the newest entry */
	uint32_t mask;
	uint32_t delivered;           /* the live packet with the highest number seen leaving into tun0 */
	size_t sent;                  /* packets sent so far */
	size_t cursor;                /* all_answered() resumes at this packet number (short scenarios) */
	bool retire;                  /* longer than WIN_KEEP: judge while sending */
	uint32_t *ready;              /* complete packets to judge (long scenarios) */
	size_t nready, ready_cap;
	int64_t wait_ns;              /* a packet's wait, from its send */
	size_t fails;
	char first_fail[400];
};

#define S(w, h) (&(w)->slot[(h) - 1])

/* Walk one bucket, newest first: for (j = IX_FIRST(w, which, h); j; j = IX_NEXT(w, which, j)). */
#define IX_FIRST(w, which, h) ((w)->head[which][(h) & (w)->mask])
#define IX_NEXT(w, which, j) (S(w, j)->next[which])

/* Recent frames, kept in decisions mode: the responder writes a reply to tun0 (and the
 * rsp kernel forwards it) before it logs the decision that says which packet the reply
 * answers, so frames wait here until the log line names them. */
#define RING 64

struct seen {
	uint8_t *data;
	size_t len;
	int64_t ts;
	bool at_generator;
};

/* Everything a player keeps between scenarios and packets, so no part of it is at file
 * scope: the ring of recent frames, the record line, read buffers. */
struct pl_play_state {
	struct seen ring[RING];
	unsigned ring_next;
	struct pl_rec_out rec;
	char *line;                   /* a decisions log line, grown to fit */
	size_t line_cap;
	uint8_t in[65536], out[65536], scratch[65536 + 64];
	struct pl_frame frame;
	struct pl_frame tunframe;     /* tun0 read again for a forwarded reply that came first */
};

uint32_t play_hash_bytes(const uint8_t *b, size_t n);
void play_ix_add(struct win *w, int which, uint32_t h);
int play_win_init(struct win *w, size_t n, struct pl_err *err);
void play_win_release(struct win *w);
uint32_t play_win_alloc(struct win *w);
void play_win_drop(struct win *w, uint32_t h);
void play_win_unalloc(struct win *w, uint32_t h);
void play_keys_of(const uint8_t *b, size_t n, struct keys *k);
uint32_t play_attribute(struct win *w, const uint8_t *a, size_t n, bool want_delivered);
void play_ring_push(struct pl_play_state *st, const struct pl_frame *f, bool at_generator);
const struct seen *play_ring_find(const struct pl_play_state *st, const uint8_t *b, size_t n, bool at_generator);
bool play_same_but_ttl(const uint8_t *a, size_t an, const uint8_t *b, size_t bn);
bool play_complete(const struct sent *x, const struct pl_scenario *s, const struct pl_play_target *t);
void play_check_ready(struct win *w, uint32_t h, const struct pl_scenario *s, const struct pl_play_target *t);
void play_take(struct win *w, uint32_t h, const struct pl_frame *f);

void play_read_decisions(struct pl_play *p, const struct pl_play_target *t, const struct pl_scenario *sc,
			 struct win *w);
void play_progress_line(struct pl_play *p, const struct pl_play_target *t, unsigned long in_flight);

#endif
