#include "scenario/play.h"

#include <errno.h>
#include <linux/if_packet.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scenario/play_int.h"
#include "wire/pcap.h"

static void unmatched(struct pl_play *p, const struct pl_scenario *s, const struct pl_play_target *t,
		      const struct pl_frame *f, const char *where);
static void retire(struct pl_play *p, const struct pl_scenario *s, const struct pl_play_target *t, struct win *w);

/* The forwarded copy at the generator of a reply seen on tun0: its RTT. */
static bool forwarded(struct win *w, const struct pl_frame *f, const struct pl_scenario *s,
		      const struct pl_play_target *t)
{
	uint32_t i;

	for (i = IX_FIRST(w, IX_REPLY, play_hash_bytes(f->data, f->len)); i; i = IX_NEXT(w, IX_REPLY, i)) {
		struct sent *x = S(w, i);

		if (x->reply && !x->wire_seen && play_same_but_ttl(x->reply, x->reply_len, f->data, f->len)) {
			x->wire_seen = true;
			x->t_reply = pl_ts_ns(&f->ts);
			play_check_ready(w, i, s, t);
			return true;
		}
	}
	return false;
}

static int handle(struct pl_play *p, const struct pl_play_target *t, const struct pl_scenario *s, struct win *w,
		  struct pl_frame *f, bool from_tun)
{
	uint32_t i;

	if (f->ethertype != 0x0800 && !(from_tun && f->ethertype == 0))
		return 0; /* ARP and friends */
	if (t->decisions && !(from_tun && f->pkttype == PACKET_OUTGOING)) {
		/* decisions mode: replies are attributed by the responder's log, which names
		 * the packet each answers (a reply the rsp kernel routes back into tun0, e.g.
		 * one with unswapped addresses, becomes a packet the responder answers too,
		 * and must not be credited to whatever scenario runs next) */
		if (from_tun || t->kind != PL_TARGET_KERNEL)
			play_ring_push(p->st, f, !from_tun);
		return 0;
	}
	if (from_tun) {
		if (f->pkttype == PACKET_OUTGOING) {
			uint32_t k;

			for (k = IX_FIRST(w, IX_BYTES, play_hash_bytes(f->data, f->len)); k; k = IX_NEXT(w, IX_BYTES, k)) {
				struct sent *x = S(w, k);

				if (!x->delivered && x->len == f->len && !memcmp(x->bytes, f->data, f->len)) {
					/* the later packet of the scenario: repetition, then index */
					const struct sent *d = w->delivered ? S(w, w->delivered) : NULL;

					x->delivered = true;
					x->t_delivered = pl_ts_ns(&f->ts);
					if (!d || x->rep > d->rep || (x->rep == d->rep && x->idx > d->idx))
						w->delivered = k;
					break;
				}
			}
			return 0;
		}
		i = play_attribute(w, f->data, f->len, true);
		if (!i) {
			unmatched(p, s, t, f, "tun0");
			return 0;
		}
		play_take(w, i, f);
		if (!S(w, i)->t_tun_reply)
			S(w, i)->t_tun_reply = pl_ts_ns(&f->ts);
		play_check_ready(w, i, s, t);
		return 0;
	}
	if (t->kind == PL_TARGET_KERNEL) {
		i = play_attribute(w, f->data, f->len, false);
		if (!i) {
			unmatched(p, s, t, f, "generator");
			return 0;
		}
		play_take(w, i, f);
		S(w, i)->wire_seen = true;
		play_check_ready(w, i, s, t);
		return 0;
	}
	/* responder target, at the generator: the forwarded copy of a tun reply gives RTT.
	 * It can come before its tun0 copy was read (tun0 was drained, then both arrived):
	 * read tun0 again before giving it up, or the packet waits out its whole wait */
	if (!forwarded(w, f, s, t) && t->tun) {
		struct pl_frame *tf = &p->st->tunframe;
		int rc;

		while ((rc = pl_wire_recv(t->tun, tf, 0)) == 1)
			handle(p, t, s, w, tf, true);
		forwarded(w, f, s, t);
	}
	return 0;
}

static bool all_answered(struct win *w, const struct pl_scenario *s, const struct pl_play_target *t)
{
	/* a long scenario judged every complete packet already */
	if (w->retire)
		return w->nlive == 0;
	/* packets found complete stay complete: resume from the first one that was not
	 * (a short scenario's packet i is in handle i + 1) */
	for (; w->cursor < w->sent; w->cursor++)
		if (!play_complete(S(w, w->cursor + 1), s, t))
			return false;
	return true;
}

/* Packets sent whose outcome is not known yet. */
static unsigned long in_flight(const struct win *w, const struct pl_scenario *s, const struct pl_play_target *t)
{
	unsigned long n = 0;
	uint32_t h;

	for (h = w->oldest; h; h = S(w, h)->newer)
		n += !play_complete(S(w, h), s, t);
	return n;
}

/* Read frames from both sockets until deadline, or until every packet is answered when
 * until_answered. */
static int collect(struct pl_play *p, const struct pl_play_target *t, struct win *w, int64_t deadline,
		   bool until_answered, const struct pl_scenario *s)
{
	struct pl_frame *f = &p->st->frame;

	for (;;) {
		struct pollfd pf[3] = { { .fd = p->wire->fd, .events = POLLIN },
					{ .fd = t->tun ? t->tun->fd : -1, .events = POLLIN },
					{ .fd = t->decisions && t->decisions_watch > 0 ? t->decisions_watch : -1,
					  .events = POLLIN } };
		int64_t left = deadline - pl_now_ns();
		int rc, k;

		/* tun0 first: the responder's reply is captured there before the rsp kernel
		 * forwards it, and its forwarded copy at the generator is matched against it */
		for (k = 0; k < 2; k++) {
			struct pl_wire *sock = k ? p->wire : t->tun;

			if (!sock)
				continue;
			while ((rc = pl_wire_recv(sock, f, 0)) == 1)
				handle(p, t, s, w, f, k == 0);
			if (rc < 0)
				return rc;
		}
		play_read_decisions(p, t, s, w);
		if (w->retire)
			retire(p, s, t, w);
		if (left <= 0 || (until_answered && all_answered(w, s, t)) || (p->stop && *p->stop))
			return 0;
		/* a terminal's progress line, redrawn while a slow target answers */
		if (p->progress && p->terminal && pl_now_ns() - p->progress_ns > 250000000) {
			play_progress_line(p, t, in_flight(w, s, t));
			p->progress_ns = pl_now_ns();
		}
		/* records written while sending reach the file before a wait */
		if (p->jsonl)
			fflush(p->jsonl);
		/* a decisions log is a file: wake when it grows (inotify), and look at it again
		 * every 20 ms anyway; otherwise wake at the deadline to the microsecond (a --pace
		 * cadence is well under a millisecond) */
		if (t->decisions && left > 20000000)
			left = 20000000;
		rc = ppoll(pf, 3, &(struct timespec){ .tv_sec = left / 1000000000, .tv_nsec = left % 1000000000 }, NULL);
		if (rc > 0 && (pf[2].revents & POLLIN)) {
			char ev[4096];

			while (read(pf[2].fd, ev, sizeof(ev)) > 0)
				;
		}
		if (rc < 0 && errno != EINTR)
			return -errno;
		/* TX stamps nobody waits for: poll() reports them until they are read */
		if (rc > 0 && (pf[0].revents & POLLERR))
			pl_wire_drain(p->wire);
	}
}

static void record(struct pl_play *p, const struct pl_scenario *s, const struct pl_play_target *t,
		   const struct sent *x, const struct pl_judgement *j, const char *expect)
{
	struct pl_rec_packet r = {
		.scenario = s->id, .category = s->category, .target = t->name, .expect = expect,
		.kernel = t->kind == PL_TARGET_KERNEL, .packet = (unsigned)x->idx + 1, .rep = x->rep,
		.trial = p->trial, .sent = x->bytes, .sent_len = x->len,
		.t_sent_us = (double)(x->t_sent - p->epoch_ns) / 1e3, .t_sent_kernel = x->t_sent_kernel,
		.has_delivered = t->tun != NULL, .delivered = x->delivered,
		.t_delivered_us = x->t_delivered ? (double)(x->t_delivered - p->epoch_ns) / 1e3 : 0,
		.t_tun_reply_us = x->t_tun_reply && x->reply ? (double)(x->t_tun_reply - p->epoch_ns) / 1e3 : 0,
		.reply = x->reply, .reply_len = x->reply_len,
		.t_reply_us = (double)(x->t_reply - p->epoch_ns) / 1e3, .rtt_us = (double)(x->t_reply - x->t_sent) / 1e3,
		.rtt_at_generator = x->wire_seen, .extra_replies = x->extra,
		.verdict = pl_verdict_name(j->verdict), .diff = j->diff.lines,
		.ndiff = j->diff.count < PL_DIFF_MAX_LINES ? j->diff.count : PL_DIFF_MAX_LINES, .note = j->note,
	};

	pl_rec_write_packet(&p->st->rec, p->jsonl, &r);
}

/* An answer no live packet could claim: counted, and the first UNMATCHED_LOGGED of a
 * run recorded as {"type":"unmatched"} with its bytes, so it can be looked at (a late
 * answer to an earlier scenario, a stray frame, a second answer to a burst's packet). */
#define UNMATCHED_LOGGED 1000

static void unmatched(struct pl_play *p, const struct pl_scenario *s, const struct pl_play_target *t,
		      const struct pl_frame *f, const char *where)
{
	if (p->unmatched++ >= UNMATCHED_LOGGED || !p->jsonl)
		return;
	pl_rec_write_unmatched(&p->st->rec, p->jsonl, s->id, t->name, where,
			       (double)(pl_ts_ns(&f->ts) - p->epoch_ns) / 1e3, f->data, f->len);
}

const struct pl_stack *pl_play_stack(const struct pl_play_target *t)
{
	return t->stack ? t->stack : pl_stack(PL_STACK_ECHO);
}

/* Judge live packet h, write its record, and free its slot. */
static void judge(struct pl_play *p, const struct pl_scenario *s, const struct pl_play_target *t, struct win *w,
		  uint32_t h)
{
	const struct sent *x = S(w, h);
	const struct pl_stack *st = pl_play_stack(t);
	const struct pl_expect *e = x->own_expect ? &x->exp : pl_scn_expect(s, x->idx, t->kind, st->id);
	struct pl_observation o = { .sent = x->bytes, .sent_len = x->len, .reply = x->reply,
				    .reply_len = x->reply_len, .backend = x->backend };
	struct pl_judgement j;
	char expect[128];

	/* the packet reached the responder but its log never named it: unknown, not a drop
	 * (its answer may still come after the wait) */
	if (t->decisions && x->delivered && !x->decided)
		o.backend = BS_UNDECIDED;
	pl_expect_describe(e, expect, sizeof(expect));
	pl_judge(e, t->kind, st, &o, &j);
	p->verdicts[j.verdict]++;
	if (j.verdict != V_PASS && !w->fails++)
		snprintf(w->first_fail, sizeof(w->first_fail), "packet %zu: %s%s%s", x->idx + 1,
			 pl_verdict_name(j.verdict), j.diff.count ? ": " : (j.note[0] ? ": " : ""),
			 j.diff.count ? j.diff.lines[0] : j.note);
	if (p->jsonl)
		record(p, s, t, x, &j, expect);
	play_win_drop(w, h);
}

/* A long scenario: judge the packets found complete, and those whose wait from their
 * send has run out (the oldest first: the live list is in send order). */
static void retire(struct pl_play *p, const struct pl_scenario *s, const struct pl_play_target *t, struct win *w)
{
	int64_t now = pl_now_ns();
	size_t k;

	for (k = 0; k < w->nready; k++)
		judge(p, s, t, w, w->ready[k]);
	w->nready = 0;
	while (w->oldest && now - S(w, w->oldest)->t_sent >= w->wait_ns)
		judge(p, s, t, w, w->oldest);
}

int pl_play_scenario(struct pl_play *p, const struct pl_scenario *s, const struct pl_play_target *t,
		     struct pl_err *err)
{
	size_t n = pl_scn_npackets(s), i;
	struct pl_cap_reader cap;
	uint8_t *scratch;
	struct win w = { 0 };
	int rc;
	unsigned rep;
	unsigned wait = t->wait_ms ? t->wait_ms : s->timeout_ms;

	/* the cap shortens the default wait (drops cost it in full); a scenario that
	 * states its own timeout needs it (an answer that comes after ARP gives up) */
	if (!t->wait_ms && !s->timeout_set && p->max_wait_ms && wait > p->max_wait_ms)
		wait = p->max_wait_ms;
	if (!p->st && !(p->st = calloc(1, sizeof(*p->st))))
		return pl_errf(err, -ENOMEM, "out of memory");
	scratch = p->st->scratch;
	w.wait_ns = (int64_t)wait * 1000000;
	rc = play_win_init(&w, n, err);
	for (rep = 0; rep < s->repeat && !rc; rep++) {
		/* a capture is read again for each repetition, a packet at a time */
		if (s->pcap && (rc = pl_cap_open(&cap, s->pcap, err)))
			break;
		for (i = 0; (s->pcap || i < s->nsend) && !rc; i++) {
			struct sent *x;
			struct timespec ts;
			uint32_t h;

			if (p->stop && *p->stop)
				break;
			if (p->max_packets && p->packets_sent >= p->max_packets) {
				p->budget_hit = true;
				p->budget = "max-packets";
				break;
			}
			/* what was answered so far is what is known: requests in flight still
			 * finish and count; an unknown price stops it (the guard cannot hold) */
			if (p->max_cost_usd > 0 && (p->cost_unknown[0] || p->cost_usd >= p->max_cost_usd)) {
				p->budget_hit = true;
				p->budget = "max-cost";
				break;
			}
			/* the cadence: answers keep being read while it waits */
			if (p->pace_ns && p->last_send_ns && pl_now_ns() < p->last_send_ns + p->pace_ns &&
			    (rc = collect(p, t, &w, p->last_send_ns + p->pace_ns, false, s)))
				break;
			h = play_win_alloc(&w);
			if (!h) {
				rc = pl_errf(err, -ENOMEM, "out of memory for %u packets in flight", w.nlive + 1);
				break;
			}
			x = S(&w, h);
			p->packets_sent++;
			x->idx = i;
			x->rep = rep;
			if (s->pcap) {
				x->ethertype = 0x0800;
				rc = pl_scn_build_pcap(s, &cap, t->kind, scratch, sizeof(p->st->scratch), &x->len, err);
				if (rc == 0) {
					/* the capture's end: this slot was never a packet */
					p->packets_sent--;
					play_win_unalloc(&w, h);
					break;
				}
				rc = rc < 0 ? rc : 0;
			} else {
				rc = pl_scn_build(s, i, rep, t->kind, scratch, sizeof(p->st->scratch), &x->len,
						  &x->ethertype, err);
			}
			if (!rc && !(x->bytes = malloc(x->len)))
				rc = pl_errf(err, -ENOMEM, "out of memory");
			if (!rc) {
				memcpy(x->bytes, scratch, x->len);
				rc = pl_wire_send(p->wire, x->ethertype, x->bytes, x->len, &ts, &x->t_sent_kernel, err);
			}
			if (rc) {
				/* never sent: not judged (out of the live list with no index entries) */
				free(x->bytes);
				x->bytes = NULL;
				x->keys.ok = false;
				w.newest = x->older;
				if (w.newest)
					S(&w, w.newest)->newer = 0;
				else
					w.oldest = 0;
				w.nlive--;
				break;
			}
			if (s->pcap) {
				x->own_expect = true;
				pl_scn_pcap_expect(s, t->kind, pl_play_stack(t), x->bytes, x->len, &x->exp);
			}
			x->t_sent = pl_ts_ns(&ts);
			p->last_send_ns = pl_now_ns();
			p->user_send_times += !x->t_sent_kernel;
			play_keys_of(x->bytes, x->len, &x->keys);
			play_ix_add(&w, IX_BYTES, h);
			if (x->keys.icmp_echo)
				play_ix_add(&w, IX_ECHO, h);
			w.sent++;
			rc = collect(p, t, &w, pl_now_ns(), false, s);
		}
		if (s->pcap)
			pl_cap_close(&cap);
		if (!rc && rep + 1 < s->repeat && s->interval_us)
			rc = collect(p, t, &w, pl_now_ns() + (int64_t)s->interval_us * 1000, false, s);
	}
	if (!rc)
		rc = collect(p, t, &w, pl_now_ns() + w.wait_ns, true, s);
	if (rc < 0 && !err->msg[0])
		pl_errf(err, rc, "capture: %s", strerror(-rc));

	/* a scenario cut short by a stop is not judged further: its waits did not run out
	 * (a long one's packets judged on the way keep their records) */
	if (rc == 0 && !(p->stop && *p->stop))
		while (w.oldest)
			judge(p, s, t, &w, w.oldest);
	if (p->jsonl)
		fflush(p->jsonl);
	if (rc == 0 && !(p->stop && *p->stop)) {
		if (w.fails)
			p->scenarios_failed++;
		if (p->progress && (!p->terminal || w.fails)) {
			/* kselftest-style lines; on a terminal only the failures, above the
			 * progress line */
			fprintf(p->progress, "%sTEST: %-44s [%s] %s", p->terminal ? "\r\033[K" : "", s->id, t->name,
				w.fails ? "FAIL" : "OK");
			if (w.fails)
				fprintf(p->progress, " (%zu of %zu; %s)", w.fails, w.sent, w.first_fail);
			fprintf(p->progress, "\n");
		}
		p->done_scenarios++;
		if (p->progress && p->terminal)
			play_progress_line(p, t, 0);
		if (p->progress)
			fflush(p->progress);
	}
	play_win_release(&w);
	return rc;
}

void pl_play_free(struct pl_play *p)
{
	unsigned k;

	if (!p->st)
		return;
	for (k = 0; k < RING; k++)
		free(p->st->ring[k].data);
	pl_rec_out_free(&p->st->rec);
	free(p->st->line);
	free(p->st);
	p->st = NULL;
}
