/* play_window.c — the live packets of the scenario being played: slots, hash indexes,
 * and which packet an answer belongs to. */
#include "scenario/play_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "packet/field.h"
#include "packet/ipv4.h"
#include "packet/proto.h"

/* FNV-1a over the bytes, TTL (byte 8) and header checksum (10-11) left out, so that a
 * reply and its copy forwarded by the rsp kernel hash alike. */
uint32_t play_hash_bytes(const uint8_t *b, size_t n)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < n; i++)
		if (i != 8 && i != 10 && i != 11)
			h = (h ^ b[i]) * 16777619u;
	return h ^ (uint32_t)n;
}

static uint32_t hash_echo(uint16_t id, uint16_t seq)
{
	uint32_t h = (uint32_t)id << 16 | seq;

	h ^= h >> 16;
	h *= 0x45d9f3bu;
	return h ^ (h >> 16);
}

static uint32_t ix_hash(const struct sent *x, int which)
{
	return which == IX_BYTES ? play_hash_bytes(x->bytes, x->len)
	     : which == IX_ECHO ? hash_echo(x->keys.icmp_id, x->keys.icmp_seq)
	     : play_hash_bytes(x->reply, x->reply_len);
}

static bool ix_member(const struct sent *x, int which)
{
	return which == IX_BYTES || (which == IX_ECHO && x->keys.icmp_echo) || (which == IX_REPLY && x->reply);
}

void play_ix_add(struct win *w, int which, uint32_t h)
{
	uint32_t *b = &w->head[which][ix_hash(S(w, h), which) & w->mask];

	S(w, h)->next[which] = *b;
	*b = h;
}

static void ix_remove(struct win *w, int which, uint32_t h)
{
	uint32_t *link = &w->head[which][ix_hash(S(w, h), which) & w->mask];

	while (*link && *link != h)
		link = &S(w, *link)->next[which];
	if (*link)
		*link = S(w, h)->next[which];
}

/* (Re)build the indexes over the live packets, twice as many buckets as slots; false
 * when out of memory (the old indexes are kept). */
static bool ix_build(struct win *w)
{
	uint32_t *head[IX__COUNT] = { 0 }, size = 1024, h;
	int k;

	while (size < 2 * w->cap && size < (1u << 30))
		size <<= 1;
	for (k = 0; k < IX__COUNT; k++)
		if (!(head[k] = calloc(size, sizeof(uint32_t)))) {
			while (k-- > 0)
				free(head[k]);
			return false;
		}
	for (k = 0; k < IX__COUNT; k++) {
		free(w->head[k]);
		w->head[k] = head[k];
	}
	w->mask = size - 1;
	for (h = w->oldest; h; h = S(w, h)->newer)
		for (k = 0; k < IX__COUNT; k++)
			if (ix_member(S(w, h), k))
				play_ix_add(w, k, h);
	return true;
}

/* Slots for n packets (a long scenario: for what is in flight, growing as needed). The
 * free list starts in slot order, so a short scenario's packet i is in handle i + 1. */
int play_win_init(struct win *w, size_t n, struct pl_err *err)
{
	uint32_t i;

	w->retire = n > WIN_KEEP;
	w->cap = w->retire ? 2 * WIN_KEEP : (n ? (uint32_t)n : 1);
	w->slot = calloc(w->cap, sizeof(*w->slot));
	if (!w->slot || !ix_build(w))
		return pl_errf(err, -ENOMEM, "out of memory for %zu packets", n);
	for (i = w->cap; i > 0; i--) {
		S(w, i)->older = w->free;
		w->free = i;
	}
	return 0;
}

void play_win_release(struct win *w)
{
	int k;

	while (w->oldest) {
		struct sent *x = S(w, w->oldest);

		free(x->bytes);
		free(x->reply);
		w->oldest = x->newer;
	}
	free(w->slot);
	free(w->ready);
	for (k = 0; k < IX__COUNT; k++)
		free(w->head[k]);
}

/* A free slot for the next packet, appended to the live list; 0 when out of memory. */
uint32_t play_win_alloc(struct win *w)
{
	uint32_t h;

	if (!w->free) {
		uint32_t cap = w->cap * 2, i;
		struct sent *slot;

		if (cap < w->cap || !(slot = realloc(w->slot, (size_t)cap * sizeof(*slot))))
			return 0;
		memset(slot + w->cap, 0, (size_t)(cap - w->cap) * sizeof(*slot));
		w->slot = slot;
		for (i = cap; i > w->cap; i--) {
			S(w, i)->older = w->free;
			w->free = i;
		}
		w->cap = cap;
		if (!ix_build(w))
			return 0;
	}
	h = w->free;
	w->free = S(w, h)->older;
	memset(S(w, h), 0, sizeof(struct sent));
	S(w, h)->older = w->newest;
	if (w->newest)
		S(w, w->newest)->newer = h;
	else
		w->oldest = h;
	w->newest = h;
	w->nlive++;
	return h;
}

/* Give back the newest slot, never sent (in no index yet). */
void play_win_unalloc(struct win *w, uint32_t h)
{
	struct sent *x = S(w, h);

	w->newest = x->older;
	if (w->newest)
		S(w, w->newest)->newer = 0;
	else
		w->oldest = 0;
	memset(x, 0, sizeof(*x));
	x->older = w->free;
	w->free = h;
	w->nlive--;
}

/* Forget a judged packet: out of the indexes and the live list, slot freed. */
void play_win_drop(struct win *w, uint32_t h)
{
	struct sent *x = S(w, h);
	int k;

	for (k = 0; k < IX__COUNT; k++)
		if (ix_member(x, k))
			ix_remove(w, k, h);
	if (x->older)
		S(w, x->older)->newer = x->newer;
	else
		w->oldest = x->newer;
	if (x->newer)
		S(w, x->newer)->older = x->older;
	else
		w->newest = x->older;
	if (w->delivered == h)
		w->delivered = 0;
	free(x->bytes);
	free(x->reply);
	memset(x, 0, sizeof(*x));
	x->older = w->free;
	w->free = h;
	w->nlive--;
}

void play_ring_push(struct pl_play_state *st, const struct pl_frame *f, bool at_generator)
{
	struct seen *e = &st->ring[st->ring_next++ % RING];
	uint8_t *d = realloc(e->data, f->len ? f->len : 1);

	if (!d)
		return;
	e->data = d;
	memcpy(d, f->data, f->len);
	e->len = f->len;
	e->ts = pl_ts_ns(&f->ts);
	e->at_generator = at_generator;
}

/* The newest ring frame equal to bytes (tun0) or to their forwarded copy (generator). */
const struct seen *play_ring_find(const struct pl_play_state *st, const uint8_t *b, size_t n, bool at_generator)
{
	unsigned k;

	for (k = 1; k <= RING; k++) {
		const struct seen *e = &st->ring[(st->ring_next - k) % RING];

		if (e->data && e->at_generator == at_generator &&
		    (at_generator ? play_same_but_ttl(b, n, e->data, e->len) : (e->len == n && !memcmp(e->data, b, n))))
			return e;
	}
	return NULL;
}

bool play_same_but_ttl(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
	/* the forwarded copy differs in TTL (byte 8) and header checksum (10-11) only */
	return an == bn && an >= 20 && !memcmp(a, b, 8) && !memcmp(a + 9, b + 9, 1) &&
	       !memcmp(a + 12, b + 12, an - 12);
}

void play_keys_of(const uint8_t *b, size_t n, struct keys *k)
{
	struct pl_pkt p;

	memset(k, 0, sizeof(*k));
	if (pl_ipv4_parse(b, n, &p, NULL))
		return;
	k->ok = true;
	k->proto = p.ip.protocol;
	k->id = p.ip.id;
	k->frag0 = p.ip.frag_offset == 0;
	if (k->frag0 && p.l4_len >= 8 && p.ip.protocol == PL_PROTO_ICMP) {
		k->icmp_echo = p.l4[0] == PL_ICMP_ECHO || p.l4[0] == PL_ICMP_ECHOREPLY;
		k->icmp_id = (uint16_t)pl_field_raw(pl_fdesc(F_ICMP_ID), p.l4);
		k->icmp_seq = (uint16_t)pl_field_raw(pl_fdesc(F_ICMP_SEQ), p.l4);
	}
	if (k->frag0 && p.l4_len >= 4 && (p.ip.protocol == PL_PROTO_TCP || p.ip.protocol == PL_PROTO_UDP)) {
		/* the ports sit at the same place in UDP and TCP */
		k->sport = (uint16_t)pl_field_raw(pl_fdesc(F_UDP_SPORT), p.l4);
		k->dport = (uint16_t)pl_field_raw(pl_fdesc(F_UDP_DPORT), p.l4);
	}
}

/* Which live packet does answer a[0..n) belong to? 0 when none (nothing sent yet, or
 * a long scenario's packet it answers was already judged). */
uint32_t play_attribute(struct win *w, const uint8_t *a, size_t n, bool want_delivered)
{
	struct keys ka;
	struct pl_pkt p;
	uint32_t last = want_delivered ? w->delivered : w->newest, j;

	play_keys_of(a, n, &ka);
	if (!ka.ok || pl_ipv4_parse(a, n, &p, NULL))
		return last;
	/* an echo reply: the request with the same id, seq and payload, not yet answered
	 * (several requests may share id and seq); a sent echo reply of the same id, seq and
	 * payload only when no such request is waiting (a captured ping session sends the
	 * request and its reply: the answer to the request is not a false reply to the
	 * captured reply behind it) */
	if (ka.proto == PL_PROTO_ICMP && p.l4_len >= 8 && p.l4[0] == PL_ICMP_ECHOREPLY) {
		uint32_t loose = 0, sent_reply = 0;

		/* newest first among the requests with this id and sequence */
		for (j = IX_FIRST(w, IX_ECHO, hash_echo(ka.icmp_id, ka.icmp_seq)); j; j = IX_NEXT(w, IX_ECHO, j)) {
			const struct sent *x = S(w, j);
			const struct keys *ks = &x->keys;
			struct pl_pkt q;

			if (!ks->icmp_echo || ks->icmp_id != ka.icmp_id || ks->icmp_seq != ka.icmp_seq)
				continue;
			if (!pl_ipv4_parse(x->bytes, x->len, &q, NULL) && q.l4_len == p.l4_len &&
			    !memcmp(q.l4 + 8, p.l4 + 8, p.l4_len - 8) && !x->reply) {
				if (q.l4[0] != PL_ICMP_ECHOREPLY)
					return j;
				if (!sent_reply)
					sent_reply = j;
				continue;
			}
			if (!loose || (!x->reply && S(w, loose)->reply))
				loose = j;
		}
		if (sent_reply)
			return sent_reply;
		if (loose)
			return loose;
		/* a long scenario forgets judged packets: an echo reply none of the live ones
		 * asked for answers one of those (late, or a second answer), not the newest */
		if (w->retire)
			return 0;
	}
	for (j = w->newest; j; j = S(w, j)->older) {
		const struct keys *ks = &S(w, j)->keys;

		if (!ks->ok)
			continue;
		if (ka.proto == PL_PROTO_ICMP && p.l4_len >= 8 + 20 && pl_icmp_is_error(p.l4[0])) {
			const uint8_t *q = p.l4 + PL_ICMP_HDR_LEN; /* the quoted IPv4 header */

			if (pl_field_raw(pl_fdesc(F_IP_ID), q) == ks->id && pl_field_raw(pl_fdesc(F_IP_PROTO), q) == ks->proto)
				return j;
		}
		if ((ka.proto == PL_PROTO_TCP || ka.proto == PL_PROTO_UDP) && ka.proto == ks->proto &&
		    ka.sport == ks->dport && ka.dport == ks->sport)
			return j;
	}
	/* an ICMP error quotes the packet it is about: when that is none of ours, it is a
	 * late answer to an earlier scenario (host unreachable comes ~3 s after ARP gave
	 * up), not an answer to the latest packet */
	if (ka.proto == PL_PROTO_ICMP && p.l4_len >= 8 + 20 &&
	    pl_icmp_is_error(p.l4[0]))
		return 0;
	return last;
}

/* A long scenario judges a packet as soon as it is complete: queue it for retire(). */
void play_check_ready(struct win *w, uint32_t h, const struct pl_scenario *s, const struct pl_play_target *t)
{
	struct sent *x = S(w, h);

	if (!w->retire || x->ready || !play_complete(x, s, t))
		return;
	if (w->nready == w->ready_cap) {
		size_t cap = w->ready_cap ? 2 * w->ready_cap : 256;
		uint32_t *r = realloc(w->ready, cap * sizeof(*r));

		if (!r)
			return; /* judged when its wait runs out instead */
		w->ready = r;
		w->ready_cap = cap;
	}
	x->ready = true;
	w->ready[w->nready++] = h;
}

void play_take(struct win *w, uint32_t h, const struct pl_frame *f)
{
	struct sent *s = S(w, h);

	if (s->reply) {
		s->extra++;
		return;
	}
	s->reply = malloc(f->len ? f->len : 1);
	if (!s->reply)
		return;
	memcpy(s->reply, f->data, f->len);
	s->reply_len = f->len;
	s->t_reply = pl_ts_ns(&f->ts);
	play_ix_add(w, IX_REPLY, h);
}

/* Is the packet's outcome known (so it can be judged before its wait ends)? */
bool play_complete(const struct sent *x, const struct pl_scenario *s, const struct pl_play_target *t)
{
	const struct pl_expect *e;

	if (t->decisions)
		/* the responder logged what it did; a written reply counts once it was seen
		 * on tun0 (its forwarded copy may never come: a broken header is dropped on
		 * the way, and a model's latency dwarfs the difference) */
		return x->decided && !(x->replied && !x->reply);
	/* drop and either need the whole wait; a responder's answer is complete once its
	 * forwarded copy (which carries the latency) reached the generator */
	e = x->own_expect ? &x->exp : pl_scn_expect(s, x->idx, t->kind, pl_play_stack(t)->id);
	return (e->kind == EXP_REPLY || e->kind == EXP_MATCH) && x->reply &&
	       (t->kind == PL_TARGET_KERNEL || x->wire_seen);
}
