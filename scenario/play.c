#include "scenario/play.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonnum.h"
#include "packet/hex.h"
#include "packet/ipv4.h"

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
	uint8_t *reply;               /* judged answer: tun (responder) or wire (kernel) */
	size_t reply_len;
	int64_t t_reply;              /* at the generator when seen there, else on tun0 */
	bool wire_seen;
	unsigned extra;               /* further answers attributed to this packet */
	bool decided;                 /* the responder logged its decision */
	bool replied;                 /* ... and it was to write a reply */
	bool ready;                   /* complete, waiting in win.ready to be judged */
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

/* FNV-1a over the bytes, TTL (byte 8) and header checksum (10-11) left out, so that a
 * reply and its copy forwarded by the rsp kernel hash alike. */
static uint32_t hash_bytes(const uint8_t *b, size_t n)
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
	return which == IX_BYTES ? hash_bytes(x->bytes, x->len)
	     : which == IX_ECHO ? hash_echo(x->keys.icmp_id, x->keys.icmp_seq)
	     : hash_bytes(x->reply, x->reply_len);
}

static bool ix_member(const struct sent *x, int which)
{
	return which == IX_BYTES || (which == IX_ECHO && x->keys.icmp_echo) || (which == IX_REPLY && x->reply);
}

static void ix_add(struct win *w, int which, uint32_t h)
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

/* Walk one bucket, newest first: for (j = IX_FIRST(w, which, h); j; j = IX_NEXT(w, which, j)). */
#define IX_FIRST(w, which, h) ((w)->head[which][(h) & (w)->mask])
#define IX_NEXT(w, which, j) (S(w, j)->next[which])

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
				ix_add(w, k, h);
	return true;
}

/* Slots for n packets (a long scenario: for what is in flight, growing as needed). The
 * free list starts in slot order, so a short scenario's packet i is in handle i + 1. */
static int win_init(struct win *w, size_t n, struct pl_err *err)
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

static void win_release(struct win *w)
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
static uint32_t win_alloc(struct win *w)
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

/* Forget a judged packet: out of the indexes and the live list, slot freed. */
static void win_drop(struct win *w, uint32_t h)
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

static struct seen ring[RING];
static unsigned ring_next;

static void ring_push(const struct pl_frame *f, bool at_generator)
{
	struct seen *e = &ring[ring_next++ % RING];
	uint8_t *d = realloc(e->data, f->len ? f->len : 1);

	if (!d)
		return;
	e->data = d;
	memcpy(d, f->data, f->len);
	e->len = f->len;
	e->ts = pl_ts_ns(&f->ts);
	e->at_generator = at_generator;
}

static void keys_of(const uint8_t *b, size_t n, struct keys *k)
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
		k->icmp_id = (uint16_t)(p.l4[4] << 8 | p.l4[5]);
		k->icmp_seq = (uint16_t)(p.l4[6] << 8 | p.l4[7]);
	}
	if (k->frag0 && p.l4_len >= 4 && (p.ip.protocol == PL_PROTO_TCP || p.ip.protocol == PL_PROTO_UDP)) {
		k->sport = (uint16_t)(p.l4[0] << 8 | p.l4[1]);
		k->dport = (uint16_t)(p.l4[2] << 8 | p.l4[3]);
	}
}

/* Which live packet does answer a[0..n) belong to? 0 when none (nothing sent yet, or
 * a long scenario's packet it answers was already judged). */
static uint32_t attribute(struct win *w, const uint8_t *a, size_t n, bool want_delivered)
{
	struct keys ka;
	struct pl_pkt p;
	uint32_t last = want_delivered ? w->delivered : w->newest, j;

	keys_of(a, n, &ka);
	if (!ka.ok || pl_ipv4_parse(a, n, &p, NULL))
		return last;
	/* an echo reply: the request with the same id, seq and payload, not yet answered
	 * (several requests may share id and seq) */
	if (ka.proto == PL_PROTO_ICMP && p.l4_len >= 8 && p.l4[0] == PL_ICMP_ECHOREPLY) {
		uint32_t loose = 0;

		/* newest first among the requests with this id and sequence */
		for (j = IX_FIRST(w, IX_ECHO, hash_echo(ka.icmp_id, ka.icmp_seq)); j; j = IX_NEXT(w, IX_ECHO, j)) {
			const struct sent *x = S(w, j);
			const struct keys *ks = &x->keys;
			struct pl_pkt q;

			if (!ks->icmp_echo || ks->icmp_id != ka.icmp_id || ks->icmp_seq != ka.icmp_seq)
				continue;
			if (!pl_ipv4_parse(x->bytes, x->len, &q, NULL) && q.l4_len == p.l4_len &&
			    !memcmp(q.l4 + 8, p.l4 + 8, p.l4_len - 8) && !x->reply)
				return j;
			if (!loose || (!x->reply && S(w, loose)->reply))
				loose = j;
		}
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
		if (ka.proto == PL_PROTO_ICMP && p.l4_len >= 8 + 20 &&
		    (p.l4[0] == 3 || p.l4[0] == 4 || p.l4[0] == 5 || p.l4[0] == 11 || p.l4[0] == 12)) {
			const uint8_t *q = p.l4 + 8;

			if ((uint16_t)(q[4] << 8 | q[5]) == ks->id && q[9] == ks->proto)
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
	    (p.l4[0] == 3 || p.l4[0] == 4 || p.l4[0] == 5 || p.l4[0] == 11 || p.l4[0] == 12))
		return 0;
	return last;
}

static bool same_but_ttl(const uint8_t *a, size_t an, const uint8_t *b, size_t bn);

/* The newest ring frame equal to bytes (tun0) or to their forwarded copy (generator). */
static const struct seen *ring_find(const uint8_t *b, size_t n, bool at_generator)
{
	unsigned k;

	for (k = 1; k <= RING; k++) {
		const struct seen *e = &ring[(ring_next - k) % RING];

		if (e->data && e->at_generator == at_generator &&
		    (at_generator ? same_but_ttl(b, n, e->data, e->len) : (e->len == n && !memcmp(e->data, b, n))))
			return e;
	}
	return NULL;
}

static bool same_but_ttl(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
	/* the forwarded copy differs in TTL (byte 8) and header checksum (10-11) only */
	return an == bn && an >= 20 && !memcmp(a, b, 8) && !memcmp(a + 9, b + 9, 1) &&
	       !memcmp(a + 12, b + 12, an - 12);
}

static bool complete(const struct sent *x, const struct pl_scenario *s, const struct pl_play_target *t);

/* A long scenario judges a packet as soon as it is complete: queue it for retire(). */
static void check_ready(struct win *w, uint32_t h, const struct pl_scenario *s, const struct pl_play_target *t)
{
	struct sent *x = S(w, h);

	if (!w->retire || x->ready || !complete(x, s, t))
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

static void take(struct win *w, uint32_t h, const struct pl_frame *f)
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
	ix_add(w, IX_REPLY, h);
}

static void unmatched(struct pl_play *p, const struct pl_scenario *s, const struct pl_play_target *t,
		      const struct pl_frame *f, const char *where);

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
			ring_push(f, !from_tun);
		return 0;
	}
	if (from_tun) {
		if (f->pkttype == PACKET_OUTGOING) {
			uint32_t k;

			for (k = IX_FIRST(w, IX_BYTES, hash_bytes(f->data, f->len)); k; k = IX_NEXT(w, IX_BYTES, k)) {
				struct sent *x = S(w, k);

				if (!x->delivered && x->len == f->len && !memcmp(x->bytes, f->data, f->len)) {
					/* the later packet of the scenario: repetition, then index */
					const struct sent *d = w->delivered ? S(w, w->delivered) : NULL;

					x->delivered = true;
					if (!d || x->rep > d->rep || (x->rep == d->rep && x->idx > d->idx))
						w->delivered = k;
					break;
				}
			}
			return 0;
		}
		i = attribute(w, f->data, f->len, true);
		if (!i) {
			unmatched(p, s, t, f, "tun0");
			return 0;
		}
		take(w, i, f);
		check_ready(w, i, s, t);
		return 0;
	}
	if (t->kind == PL_TARGET_KERNEL) {
		i = attribute(w, f->data, f->len, false);
		if (!i) {
			unmatched(p, s, t, f, "generator");
			return 0;
		}
		take(w, i, f);
		S(w, i)->wire_seen = true;
		check_ready(w, i, s, t);
		return 0;
	}
	/* responder target, at the generator: the forwarded copy of a tun reply gives RTT */
	for (i = IX_FIRST(w, IX_REPLY, hash_bytes(f->data, f->len)); i; i = IX_NEXT(w, IX_REPLY, i)) {
		struct sent *x = S(w, i);

		if (x->reply && !x->wire_seen && same_but_ttl(x->reply, x->reply_len, f->data, f->len)) {
			x->wire_seen = true;
			x->t_reply = pl_ts_ns(&f->ts);
			check_ready(w, i, s, t);
			return 0;
		}
	}
	return 0;
}

/* Tokens of one decision: summed for the progress line, and priced for the cost so far
 * (--max-cost). A model the price table does not know makes the cost unknown. */
static void count_tokens(struct pl_play *p, const cJSON *tok, const cJSON *model)
{
	static const char *const key[PL_TOK__COUNT] = { "input", "output", "cache_read", "cache_write" };
	double t[PL_TOK__COUNT] = { 0 }, usd;
	int k;

	for (k = 0; k < PL_TOK__COUNT; k++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(tok, key[k]);

		if (cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble < 1e15)
			t[k] = v->valuedouble;
	}
	p->tokens_in += (unsigned long)t[PL_TOK_INPUT];
	p->tokens_out += (unsigned long)t[PL_TOK_OUTPUT];
	if (!p->prices || !(t[0] + t[1] + t[2] + t[3] > 0))
		return;
	if (cJSON_IsString(model) && pl_mrow_cost(pl_mtab_find(p->prices, model->valuestring), t, &usd))
		p->cost_usd += usd;
	else if (!p->cost_unknown[0])
		snprintf(p->cost_unknown, sizeof(p->cost_unknown), "%s",
			 cJSON_IsString(model) ? model->valuestring : "(no model named)");
}

/* Lines the responder appended to its log since the last look: mark the packet whose
 * bytes it received as decided, with the backend's status. */
static void read_decisions(struct pl_play *p, const struct pl_play_target *t, const struct pl_scenario *sc,
			   struct win *w)
{
	static char line[1 << 19]; /* two packets of 64 KiB as hex, and the rest */
	static uint8_t in[65536], out[65536];

	if (!t->decisions)
		return;
	clearerr(t->decisions);
	for (;;) {
		long at = ftell(t->decisions);
		cJSON *o;

		if (!fgets(line, sizeof(line), t->decisions))
			break;
		/* the responder may be in the middle of writing this line (a write that
		 * crosses a page becomes visible a page at a time): read it whole next time */
		if (!strchr(line, '\n') && feof(t->decisions) && at >= 0) {
			fseek(t->decisions, at, SEEK_SET);
			break;
		}
		o = cJSON_Parse(line);
		const cJSON *hin = o ? cJSON_GetObjectItemCaseSensitive(o, "in") : NULL;
		const cJSON *oc = o ? cJSON_GetObjectItemCaseSensitive(o, "outcome") : NULL;
		const cJSON *tok = o ? cJSON_GetObjectItemCaseSensitive(o, "tokens") : NULL;
		size_t n = 0;

		if (cJSON_IsObject(tok))
			count_tokens(p, tok, cJSON_GetObjectItemCaseSensitive(o, "model"));
		if (cJSON_IsString(hin) && cJSON_IsString(oc) &&
		    !pl_hex_decode(hin->valuestring, in, sizeof(in), &n, NULL)) {
			uint32_t j, i = 0;

			/* the oldest undecided packet with these bytes: the log is in arrival order */
			for (j = IX_FIRST(w, IX_BYTES, hash_bytes(in, n)); j; j = IX_NEXT(w, IX_BYTES, j)) {
				const struct sent *x = S(w, j);

				if (!x->decided && x->len == n && !memcmp(x->bytes, in, n))
					i = j;
			}
			if (i) {
				struct sent *x = S(w, i);
				const char *s = oc->valuestring;
				const cJSON *hout = cJSON_GetObjectItemCaseSensitive(o, "out");

				x->decided = true;
				x->replied = !strcmp(s, "reply");
				if (x->replied && cJSON_IsString(hout) &&
				    !pl_hex_decode(hout->valuestring, out, sizeof(out), &n, NULL) &&
				    (x->reply = malloc(n ? n : 1))) {
					const struct seen *tun = ring_find(out, n, false);
					const struct seen *gen = ring_find(out, n, true);

					memcpy(x->reply, out, n);
					x->reply_len = n;
					x->t_reply = gen ? gen->ts : tun ? tun->ts : pl_now_ns();
					x->wire_seen = gen != NULL;
					ix_add(w, IX_REPLY, i);
				}
				x->backend = !strcmp(s, "unparseable") ? BS_UNPARSEABLE
					     : !strcmp(s, "api-error") ? BS_API_ERROR
					     : !strcmp(s, "timeout") ? BS_TIMEOUT
					     : !strcmp(s, "truncated") ? BS_TRUNCATED
					     : !strcmp(s, "refused") ? BS_REFUSED : BS_OK;
				check_ready(w, i, sc, t);
			}
		}
		cJSON_Delete(o);
	}
}

/* Is the packet's outcome known (so it can be judged before its wait ends)? */
static bool complete(const struct sent *x, const struct pl_scenario *s, const struct pl_play_target *t)
{
	const struct pl_expect *e;

	if (t->decisions)
		/* the responder logged what it did; a written reply counts once it was seen
		 * on tun0 (its forwarded copy may never come: a broken header is dropped on
		 * the way, and a model's latency dwarfs the difference) */
		return x->decided && !(x->replied && !x->reply);
	/* drop and either need the whole wait; a responder's answer is complete once its
	 * forwarded copy (which carries the latency) reached the generator */
	e = pl_scn_expect(s, x->idx, t->kind);
	return (e->kind == EXP_REPLY || e->kind == EXP_MATCH) && x->reply &&
	       (t->kind == PL_TARGET_KERNEL || x->wire_seen);
}

static bool all_answered(struct win *w, const struct pl_scenario *s, const struct pl_play_target *t)
{
	/* a long scenario judged every complete packet already */
	if (w->retire)
		return w->nlive == 0;
	/* packets found complete stay complete: resume from the first one that was not
	 * (a short scenario's packet i is in handle i + 1) */
	for (; w->cursor < w->sent; w->cursor++)
		if (!complete(S(w, w->cursor + 1), s, t))
			return false;
	return true;
}

static void retire(struct pl_play *p, const struct pl_scenario *s, const struct pl_play_target *t, struct win *w);
static void progress_line(struct pl_play *p, const struct pl_play_target *t, unsigned long in_flight);

/* Packets sent whose outcome is not known yet. */
static unsigned long in_flight(const struct win *w, const struct pl_scenario *s, const struct pl_play_target *t)
{
	unsigned long n = 0;
	uint32_t h;

	for (h = w->oldest; h; h = S(w, h)->newer)
		n += !complete(S(w, h), s, t);
	return n;
}

/* Read frames from both sockets until deadline, or until every packet is answered when
 * until_answered. */
static int collect(struct pl_play *p, const struct pl_play_target *t, struct win *w, int64_t deadline,
		   bool until_answered, const struct pl_scenario *s)
{
	static struct pl_frame f;

	for (;;) {
		struct pollfd pf[2] = { { .fd = p->wire->fd, .events = POLLIN },
					{ .fd = t->tun ? t->tun->fd : -1, .events = POLLIN } };
		int64_t left = deadline - pl_now_ns();
		int rc, k;

		/* tun0 first: the responder's reply is captured there before the rsp kernel
		 * forwards it, and its forwarded copy at the generator is matched against it */
		for (k = 0; k < 2; k++) {
			struct pl_wire *sock = k ? p->wire : t->tun;

			if (!sock)
				continue;
			while ((rc = pl_wire_recv(sock, &f, 0)) == 1)
				handle(p, t, s, w, &f, k == 0);
			if (rc < 0)
				return rc;
		}
		read_decisions(p, t, s, w);
		if (w->retire)
			retire(p, s, t, w);
		if (left <= 0 || (until_answered && all_answered(w, s, t)) || (p->stop && *p->stop))
			return 0;
		/* a terminal's progress line, redrawn while a slow target answers */
		if (p->progress && p->terminal && pl_now_ns() - p->progress_ns > 250000000) {
			progress_line(p, t, in_flight(w, s, t));
			p->progress_ns = pl_now_ns();
		}
		/* records written while sending reach the file before a wait */
		if (p->jsonl)
			fflush(p->jsonl);
		/* a decisions log is a file: look at it again every 20 ms */
		rc = poll(pf, 2, t->decisions && left > 20000000 ? 20 : (int)((left + 999999) / 1000000));
		if (rc < 0 && errno != EINTR)
			return -errno;
		/* TX stamps nobody waits for: poll() reports them until they are read */
		if (rc > 0 && (pf[0].revents & POLLERR))
			pl_wire_drain(p->wire);
	}
}

/* A record is built in one buffer and written with one call: a burst writes 100,000
 * of them while it is still sending, and building cJSON objects (or many stdio calls)
 * costs more than the sending. Room: two 64 KiB packets as hex, the diff and the note
 * escaped at worst six bytes a character, and the rest. */
static struct {
	char b[2 * 2 * (65536 + 64) + 6 * (PL_DIFF_MAX_LINES * 160 + 200 + 4 * 256) + 4096];
	size_t n;
} line;

static void put_raw(const char *s, size_t n)
{
	if (line.n + n < sizeof(line.b)) {
		memcpy(line.b + line.n, s, n);
		line.n += n;
	}
}

static void put_lit(const char *s)
{
	put_raw(s, strlen(s));
}

/* s as a JSON string, escaped as cJSON escapes it (quote, backslash, \b \f \n \r \t,
 * other control characters as \u00XX; every other byte as it is) */
static void put_esc(const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;

	put_raw("\"", 1);
	for (; *u && line.n + 7 < sizeof(line.b); u++) {
		char e[7] = { '\\', 0, 0, 0, 0, 0, 0 };

		switch (*u) {
		case '"': case '\\': e[1] = (char)*u; break;
		case '\b': e[1] = 'b'; break;
		case '\f': e[1] = 'f'; break;
		case '\n': e[1] = 'n'; break;
		case '\r': e[1] = 'r'; break;
		case '\t': e[1] = 't'; break;
		default:
			if (*u >= 0x20) {
				line.b[line.n++] = (char)*u;
				continue;
			}
			memcpy(e + 1, "u00", 3);
			e[4] = hex[*u >> 4];
			e[5] = hex[*u & 15];
			put_raw(e, 6);
			continue;
		}
		put_raw(e, 2);
	}
	put_raw("\"", 1);
}

static void put_key(const char *key)
{
	put_raw(",\"", 2);
	put_lit(key);
	put_raw("\":", 2);
}

static void put_str(const char *key, const char *v)
{
	put_key(key);
	put_esc(v);
}

static void put_num(const char *key, double v)
{
	char buf[48];

	put_key(key);
	put_lit(pl_json_num(buf, sizeof(buf), v));
}

static void put_bool(const char *key, bool v)
{
	put_key(key);
	put_lit(v ? "true" : "false");
}

static void put_hex(const char *key, const uint8_t *b, size_t n)
{
	put_key(key);
	if (!b || line.n + 2 * n + 3 >= sizeof(line.b)) {
		put_raw("null", 4);
		return;
	}
	put_raw("\"", 1);
	pl_hex_encode(b, n, line.b + line.n, 2 * n + 1);
	line.n += 2 * n;
	put_raw("\"", 1);
}

static void record(struct pl_play *p, const struct pl_scenario *s, const struct pl_play_target *t,
		   const struct sent *x, const struct pl_judgement *j, const char *expect)
{
	size_t k;

	line.n = 0;
	put_lit("{\"type\":\"packet\"");
	put_str("scenario", s->id);
	put_str("category", s->category);
	put_str("target", t->name);
	put_str("kind", t->kind == PL_TARGET_KERNEL ? "kernel" : "responder");
	put_num("packet", (double)x->idx + 1);
	put_num("rep", x->rep);
	put_num("trial", p->trial);
	put_str("expect", expect);
	put_hex("sent", x->bytes, x->len);
	put_num("t_sent_us", (double)(x->t_sent - p->epoch_ns) / 1e3);
	put_bool("t_sent_kernel", x->t_sent_kernel);
	if (t->tun)
		put_bool("delivered", x->delivered);
	put_hex("reply", x->reply, x->reply_len);
	if (x->reply) {
		put_num("t_reply_us", (double)(x->t_reply - p->epoch_ns) / 1e3);
		put_num("rtt_us", (double)(x->t_reply - x->t_sent) / 1e3);
		put_bool("rtt_at_generator", x->wire_seen);
	}
	if (x->extra)
		put_num("extra_replies", x->extra);
	put_str("verdict", pl_verdict_name(j->verdict));
	put_key("diff");
	put_raw("[", 1);
	for (k = 0; k < j->diff.count && k < PL_DIFF_MAX_LINES; k++) {
		if (k)
			put_raw(",", 1);
		put_esc(j->diff.lines[k]);
	}
	put_raw("]", 1);
	put_str("note", j->note);
	put_raw("}\n", 2);
	fwrite(line.b, 1, line.n, p->jsonl);
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
	line.n = 0;
	put_lit("{\"type\":\"unmatched\"");
	put_str("scenario", s->id);
	put_str("target", t->name);
	put_str("seen_at", where);
	put_num("t_us", (double)(pl_ts_ns(&f->ts) - p->epoch_ns) / 1e3);
	put_hex("bytes", f->data, f->len);
	put_raw("}\n", 2);
	fwrite(line.b, 1, line.n, p->jsonl);
}

/* "[  37/114] mock:sim-haiku-like: 180 pass 6 fail | in flight 3 | 0:42 elapsed, ETA 1:25
 *  | tokens 120k in 8k out | ~$0.0123" (a terminal's one updating line) */
static void progress_line(struct pl_play *p, const struct pl_play_target *t, unsigned long in_flight)
{
	unsigned long fail = 0, k;
	double el = (double)(pl_now_ns() - p->epoch_ns) / 1e9, eta;

	for (k = 1; k < V__COUNT; k++)
		fail += p->verdicts[k];
	eta = p->done_scenarios ? el / (double)p->done_scenarios *
				  (double)(p->total_scenarios > p->done_scenarios ? p->total_scenarios - p->done_scenarios : 0) : 0;
	fprintf(p->progress, "%s[%4lu/%lu] %s: %lu pass %lu fail | in flight %lu | %d:%02d elapsed",
		p->status_lines ? "@progress " : "\r\033[K", p->done_scenarios, p->total_scenarios, t->name, p->verdicts[V_PASS], fail, in_flight, (int)el / 60,
		(int)el % 60);
	if (p->done_scenarios)
		fprintf(p->progress, ", ETA %d:%02d", (int)eta / 60, (int)eta % 60);
	if (p->tokens_in || p->tokens_out)
		fprintf(p->progress, " | tokens %lu in %lu out", p->tokens_in, p->tokens_out);
	if (p->prices && (p->tokens_in || p->tokens_out))
	{
		if (p->cost_unknown[0])
			fprintf(p->progress, " | cost unknown (%s)", p->cost_unknown);
		else
			fprintf(p->progress, " | ~$%.4f", p->cost_usd);
	}
	if (p->status_lines)
		fputc('\n', p->progress);
	fflush(p->progress);
}

/* Judge live packet h, write its record, and free its slot. */
static void judge(struct pl_play *p, const struct pl_scenario *s, const struct pl_play_target *t, struct win *w,
		  uint32_t h)
{
	const struct sent *x = S(w, h);
	const struct pl_expect *e = pl_scn_expect(s, x->idx, t->kind);
	struct pl_observation o = { .sent = x->bytes, .sent_len = x->len, .reply = x->reply,
				    .reply_len = x->reply_len, .backend = x->backend };
	struct pl_judgement j;
	char expect[128];

	/* the packet reached the responder but its log never named it: unknown, not a drop
	 * (its answer may still come after the wait) */
	if (t->decisions && x->delivered && !x->decided)
		o.backend = BS_UNDECIDED;
	pl_expect_describe(e, expect, sizeof(expect));
	pl_judge(e, t->kind, &o, &j);
	p->verdicts[j.verdict]++;
	if (j.verdict != V_PASS && !w->fails++)
		snprintf(w->first_fail, sizeof(w->first_fail), "packet %zu: %s%s%s", x->idx + 1,
			 pl_verdict_name(j.verdict), j.diff.count ? ": " : (j.note[0] ? ": " : ""),
			 j.diff.count ? j.diff.lines[0] : j.note);
	if (p->jsonl)
		record(p, s, t, x, &j, expect);
	win_drop(w, h);
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
	static uint8_t scratch[65536 + 64];
	size_t n = (size_t)s->nsend * s->repeat, i;
	struct win w = { 0 };
	int rc;
	unsigned rep;
	unsigned wait = t->wait_ms ? t->wait_ms : s->timeout_ms;

	/* the cap shortens the default wait (drops cost it in full); a scenario that
	 * states its own timeout needs it (an answer that comes after ARP gives up) */
	if (!t->wait_ms && !s->timeout_set && p->max_wait_ms && wait > p->max_wait_ms)
		wait = p->max_wait_ms;
	w.wait_ns = (int64_t)wait * 1000000;
	rc = win_init(&w, n, err);
	for (rep = 0; rep < s->repeat && !rc; rep++) {
		for (i = 0; i < s->nsend && !rc; i++) {
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
			h = win_alloc(&w);
			if (!h) {
				rc = pl_errf(err, -ENOMEM, "out of memory for %u packets in flight", w.nlive + 1);
				break;
			}
			x = S(&w, h);
			p->packets_sent++;
			x->idx = i;
			x->rep = rep;
			rc = pl_scn_build(s, i, rep, t->kind, scratch, sizeof(scratch), &x->len, &x->ethertype, err);
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
			x->t_sent = pl_ts_ns(&ts);
			p->user_send_times += !x->t_sent_kernel;
			keys_of(x->bytes, x->len, &x->keys);
			ix_add(&w, IX_BYTES, h);
			if (x->keys.icmp_echo)
				ix_add(&w, IX_ECHO, h);
			w.sent++;
			rc = collect(p, t, &w, pl_now_ns(), false, s);
		}
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
			progress_line(p, t, 0);
		if (p->progress)
			fflush(p->progress);
	}
	win_release(&w);
	return rc;
}
