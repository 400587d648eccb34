#include "scenario/play.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "packet/hex.h"
#include "packet/ipv4.h"

/* Keys of a packet for attribution. */
struct keys {
	bool ok, icmp_echo, frag0;
	uint8_t proto;
	uint16_t id, icmp_id, icmp_seq, sport, dport;
};

/* Hash indexes over a scenario's sent packets, so that matching an answer costs the
 * length of one bucket's chain instead of a scan of everything in flight (a 100,000
 * packet burst has thousands in flight): by the packet's bytes (its copy leaving into
 * tun0, the responder's log line), by ICMP echo id and sequence (an echo reply), and by
 * the bytes of the reply a responder wrote (its forwarded copy at the generator). */
enum { IX_BYTES, IX_ECHO, IX_REPLY, IX__COUNT };

struct sent {
	uint8_t *bytes;               /* exactly len bytes */
	struct keys keys;             /* of bytes, computed once */
	uint32_t next[IX__COUNT];     /* chain links: index + 1 of the next older entry, 0 = end */
	size_t len;
	uint16_t ethertype;
	size_t idx;
	unsigned rep;
	int64_t t_sent;
	bool delivered;               /* seen leaving the rsp kernel into tun0 */
	uint8_t *reply;               /* judged answer: tun (responder) or wire (kernel) */
	size_t reply_len;
	int64_t t_reply;              /* at the generator when seen there, else on tun0 */
	bool wire_seen;
	unsigned extra;               /* further answers attributed to this packet */
	bool decided;                 /* the responder logged its decision */
	bool replied;                 /* ... and it was to write a reply */
	enum pl_backend_status backend;
};

static struct {
	uint32_t *head[IX__COUNT];    /* bucket -> index + 1 of the newest entry, 0 = none */
	uint32_t mask;
	long max_delivered;           /* highest index seen leaving into tun0, -1 = none */
} ix;

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

/* Size the indexes for n packets; false when out of memory. */
static bool ix_reset(size_t n)
{
	uint32_t size = 1024;
	int k;

	while (size < 2 * n && size < (1u << 30))
		size <<= 1;
	for (k = 0; k < IX__COUNT; k++) {
		free(ix.head[k]);
		ix.head[k] = calloc(size, sizeof(uint32_t));
		if (!ix.head[k])
			return false;
	}
	ix.mask = size - 1;
	ix.max_delivered = -1;
	return true;
}

static void ix_add(struct sent *v, int which, size_t i, uint32_t h)
{
	uint32_t *b = &ix.head[which][h & ix.mask];

	v[i].next[which] = *b;
	*b = (uint32_t)i + 1;
}

/* Walk one bucket, newest first: for (j = IX_FIRST(...); j >= 0; j = IX_NEXT(...)). */
#define IX_FIRST(which, h) ((long)ix.head[which][(h) & ix.mask] - 1)
#define IX_NEXT(v, which, j) ((long)(v)[j].next[which] - 1)

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

/* Which sent packet does answer a[0..n) belong to? -1 when none was sent yet. */
static long attribute(struct sent *v, size_t nsent, const uint8_t *a, size_t n, bool want_delivered)
{
	struct keys ka;
	struct pl_pkt p;
	size_t i;
	long last = want_delivered ? ix.max_delivered : (long)nsent - 1, j;

	keys_of(a, n, &ka);
	if (!ka.ok || pl_ipv4_parse(a, n, &p, NULL))
		return last;
	/* an echo reply: the request with the same id, seq and payload, not yet answered
	 * (several requests may share id and seq) */
	if (ka.proto == PL_PROTO_ICMP && p.l4_len >= 8 && p.l4[0] == PL_ICMP_ECHOREPLY) {
		long loose = -1;

		/* newest first among the requests with this id and sequence */
		for (j = IX_FIRST(IX_ECHO, hash_echo(ka.icmp_id, ka.icmp_seq)); j >= 0; j = IX_NEXT(v, IX_ECHO, j)) {
			const struct keys *ks = &v[j].keys;
			struct pl_pkt q;

			if ((size_t)j >= nsent || !ks->icmp_echo || ks->icmp_id != ka.icmp_id || ks->icmp_seq != ka.icmp_seq)
				continue;
			if (!pl_ipv4_parse(v[j].bytes, v[j].len, &q, NULL) && q.l4_len == p.l4_len &&
			    !memcmp(q.l4 + 8, p.l4 + 8, p.l4_len - 8) && !v[j].reply)
				return j;
			if (loose < 0 || (!v[j].reply && v[loose].reply))
				loose = j;
		}
		if (loose >= 0)
			return loose;
	}
	for (i = nsent; i-- > 0;) {
		const struct keys *ks = &v[i].keys;

		if (!ks->ok)
			continue;
		if (ka.proto == PL_PROTO_ICMP && p.l4_len >= 8 + 20 &&
		    (p.l4[0] == 3 || p.l4[0] == 4 || p.l4[0] == 5 || p.l4[0] == 11 || p.l4[0] == 12)) {
			const uint8_t *q = p.l4 + 8;

			if ((uint16_t)(q[4] << 8 | q[5]) == ks->id && q[9] == ks->proto)
				return (long)i;
		}
		if ((ka.proto == PL_PROTO_TCP || ka.proto == PL_PROTO_UDP) && ka.proto == ks->proto &&
		    ka.sport == ks->dport && ka.dport == ks->sport)
			return (long)i;
	}
	/* an ICMP error quotes the packet it is about: when that is none of ours, it is a
	 * late answer to an earlier scenario (host unreachable comes ~3 s after ARP gave
	 * up), not an answer to the latest packet */
	if (ka.proto == PL_PROTO_ICMP && p.l4_len >= 8 + 20 &&
	    (p.l4[0] == 3 || p.l4[0] == 4 || p.l4[0] == 5 || p.l4[0] == 11 || p.l4[0] == 12))
		return -1;
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

static void take(struct sent *v, long i, const struct pl_frame *f)
{
	struct sent *s = &v[i];

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
	ix_add(v, IX_REPLY, (size_t)i, hash_bytes(s->reply, s->reply_len));
}

static int handle(struct pl_play *p, const struct pl_play_target *t, struct sent *v, size_t nsent,
		  struct pl_frame *f, bool from_tun)
{
	long i;

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
			long k;

			for (k = IX_FIRST(IX_BYTES, hash_bytes(f->data, f->len)); k >= 0; k = IX_NEXT(v, IX_BYTES, k))
				if ((size_t)k < nsent && !v[k].delivered && v[k].len == f->len &&
				    !memcmp(v[k].bytes, f->data, f->len)) {
					v[k].delivered = true;
					if (k > ix.max_delivered)
						ix.max_delivered = k;
					break;
				}
			return 0;
		}
		i = attribute(v, nsent, f->data, f->len, true);
		if (i < 0) {
			p->unmatched++;
			return 0;
		}
		take(v, i, f);
		return 0;
	}
	if (t->kind == PL_TARGET_KERNEL) {
		i = attribute(v, nsent, f->data, f->len, false);
		if (i < 0) {
			p->unmatched++;
			return 0;
		}
		take(v, i, f);
		v[i].wire_seen = true;
		return 0;
	}
	/* responder target, at the generator: the forwarded copy of a tun reply gives RTT */
	for (i = IX_FIRST(IX_REPLY, hash_bytes(f->data, f->len)); i >= 0; i = IX_NEXT(v, IX_REPLY, i))
		if ((size_t)i < nsent && v[i].reply && !v[i].wire_seen &&
		    same_but_ttl(v[i].reply, v[i].reply_len, f->data, f->len)) {
			v[i].wire_seen = true;
			v[i].t_reply = pl_ts_ns(&f->ts);
			return 0;
		}
	return 0;
}

/* Lines the responder appended to its log since the last look: mark the packet whose
 * bytes it received as decided, with the backend's status. */
static void read_decisions(struct pl_play *p, const struct pl_play_target *t, struct sent *v, size_t nsent)
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

		if (cJSON_IsObject(tok)) {
			const cJSON *ti = cJSON_GetObjectItemCaseSensitive(tok, "input");
			const cJSON *to = cJSON_GetObjectItemCaseSensitive(tok, "output");

			if (cJSON_IsNumber(ti) && ti->valuedouble >= 0 && ti->valuedouble < 1e15)
				p->tokens_in += (unsigned long)ti->valuedouble;
			if (cJSON_IsNumber(to) && to->valuedouble >= 0 && to->valuedouble < 1e15)
				p->tokens_out += (unsigned long)to->valuedouble;
		}
		if (cJSON_IsString(hin) && cJSON_IsString(oc) &&
		    !pl_hex_decode(hin->valuestring, in, sizeof(in), &n, NULL)) {
			long j, i = -1;

			/* the oldest undecided packet with these bytes: the log is in arrival order */
			for (j = IX_FIRST(IX_BYTES, hash_bytes(in, n)); j >= 0; j = IX_NEXT(v, IX_BYTES, j))
				if ((size_t)j < nsent && !v[j].decided && v[j].len == n && !memcmp(v[j].bytes, in, n))
					i = j;
			if (i >= 0) {
				const char *s = oc->valuestring;
				const cJSON *hout = cJSON_GetObjectItemCaseSensitive(o, "out");

				v[i].decided = true;
				v[i].replied = !strcmp(s, "reply");
				if (v[i].replied && cJSON_IsString(hout) &&
				    !pl_hex_decode(hout->valuestring, out, sizeof(out), &n, NULL) &&
				    (v[i].reply = malloc(n ? n : 1))) {
					const struct seen *tun = ring_find(out, n, false);
					const struct seen *gen = ring_find(out, n, true);

					memcpy(v[i].reply, out, n);
					v[i].reply_len = n;
					v[i].t_reply = gen ? gen->ts : tun ? tun->ts : pl_now_ns();
					v[i].wire_seen = gen != NULL;
					ix_add(v, IX_REPLY, (size_t)i, hash_bytes(out, n));
				}
				v[i].backend = !strcmp(s, "unparseable") ? BS_UNPARSEABLE
					     : !strcmp(s, "api-error") ? BS_API_ERROR
					     : !strcmp(s, "timeout") ? BS_TIMEOUT : BS_OK;
			}
		}
		cJSON_Delete(o);
	}
}

/* Read frames from both sockets until deadline, or until done() holds. */
static int collect(struct pl_play *p, const struct pl_play_target *t, struct sent *v, size_t nsent,
		   int64_t deadline, bool (*done)(const struct sent *, size_t, const struct pl_scenario *,
						  const struct pl_play_target *), const struct pl_scenario *s)
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
			struct pl_wire *w = k ? p->wire : t->tun;

			if (!w)
				continue;
			while ((rc = pl_wire_recv(w, &f, 0)) == 1)
				handle(p, t, v, nsent, &f, k == 0);
			if (rc < 0)
				return rc;
		}
		read_decisions(p, t, v, nsent);
		if (left <= 0 || (done && done(v, nsent, s, t)) || (p->stop && *p->stop))
			return 0;
		/* a decisions log is a file: look at it again every 20 ms */
		rc = poll(pf, 2, t->decisions && left > 20000000 ? 20 : (int)((left + 999999) / 1000000));
		if (rc < 0 && errno != EINTR)
			return -errno;
	}
}

static size_t answered_cursor;

static bool all_answered(const struct sent *v, size_t n, const struct pl_scenario *s,
			 const struct pl_play_target *t)
{
	size_t i;

	/* packets found complete stay complete: resume from the first one that was not
	 * (answered_cursor is reset for every scenario) */
	for (i = answered_cursor; i < n; i++, answered_cursor = i) {
		const struct pl_expect *e = pl_scn_expect(s, v[i].idx, t->kind);

		if (t->decisions) {
			/* the responder logged what it did; a written reply counts once it was
			 * seen on tun0 (its forwarded copy may never come: a broken header is
			 * dropped on the way, and a model's latency dwarfs the difference) */
			if (!v[i].decided || (v[i].replied && !v[i].reply))
				return false;
			continue;
		}
		/* drop and either need the whole wait; a responder's answer is complete once
		 * its forwarded copy (which carries the latency) reached the generator */
		if ((e->kind != EXP_REPLY && e->kind != EXP_MATCH) || !v[i].reply ||
		    (t->kind != PL_TARGET_KERNEL && !v[i].wire_seen))
			return false;
	}
	return true;
}

static void hexfield(cJSON *o, const char *key, const uint8_t *b, size_t n)
{
	char *h;

	if (!b) {
		cJSON_AddNullToObject(o, key);
		return;
	}
	h = malloc(2 * n + 1);
	if (!h)
		return;
	pl_hex_encode(b, n, h, 2 * n + 1);
	cJSON_AddStringToObject(o, key, h);
	free(h);
}

static void record(struct pl_play *p, const struct pl_scenario *s, const struct pl_play_target *t,
		   const struct sent *x, const struct pl_judgement *j, const char *expect)
{
	cJSON *o = cJSON_CreateObject(), *d;
	char *line;
	size_t k;

	if (!o)
		return;
	cJSON_AddStringToObject(o, "type", "packet");
	cJSON_AddStringToObject(o, "scenario", s->id);
	cJSON_AddStringToObject(o, "category", s->category);
	cJSON_AddStringToObject(o, "target", t->name);
	cJSON_AddStringToObject(o, "kind", t->kind == PL_TARGET_KERNEL ? "kernel" : "responder");
	cJSON_AddNumberToObject(o, "packet", (double)x->idx + 1);
	cJSON_AddNumberToObject(o, "rep", x->rep);
	cJSON_AddNumberToObject(o, "trial", p->trial);
	cJSON_AddStringToObject(o, "expect", expect);
	hexfield(o, "sent", x->bytes, x->len);
	cJSON_AddNumberToObject(o, "t_sent_us", (double)(x->t_sent - p->epoch_ns) / 1e3);
	if (t->tun)
		cJSON_AddBoolToObject(o, "delivered", x->delivered);
	hexfield(o, "reply", x->reply, x->reply_len);
	if (x->reply) {
		cJSON_AddNumberToObject(o, "t_reply_us", (double)(x->t_reply - p->epoch_ns) / 1e3);
		cJSON_AddNumberToObject(o, "rtt_us", (double)(x->t_reply - x->t_sent) / 1e3);
		cJSON_AddBoolToObject(o, "rtt_at_generator", x->wire_seen);
	}
	if (x->extra)
		cJSON_AddNumberToObject(o, "extra_replies", x->extra);
	cJSON_AddStringToObject(o, "verdict", pl_verdict_name(j->verdict));
	d = cJSON_AddArrayToObject(o, "diff");
	for (k = 0; k < j->diff.count && k < PL_DIFF_MAX_LINES; k++)
		cJSON_AddItemToArray(d, cJSON_CreateString(j->diff.lines[k]));
	cJSON_AddStringToObject(o, "note", j->note);
	line = cJSON_PrintUnformatted(o);
	if (line) {
		fprintf(p->jsonl, "%s\n", line);
		fflush(p->jsonl);
		free(line);
	}
	cJSON_Delete(o);
}

/* "[ 37/114] 180 pass 6 fail | in flight 1 | 0:42 elapsed, ETA 1:25 | tokens 120k in 8k out" */
static void progress_line(struct pl_play *p, const struct pl_play_target *t)
{
	unsigned long fail = 0, k;
	double el = (double)(pl_now_ns() - p->epoch_ns) / 1e9, eta;

	for (k = 1; k < V__COUNT; k++)
		fail += p->verdicts[k];
	p->done_scenarios++;
	eta = p->done_scenarios ? el / (double)p->done_scenarios *
				  (double)(p->total_scenarios > p->done_scenarios ? p->total_scenarios - p->done_scenarios : 0) : 0;
	fprintf(p->progress, "\r\033[K[%4lu/%lu] %s: %lu pass %lu fail | %d:%02d elapsed, ETA %d:%02d",
		p->done_scenarios, p->total_scenarios, t->name, p->verdicts[V_PASS], fail, (int)el / 60,
		(int)el % 60, (int)eta / 60, (int)eta % 60);
	if (p->tokens_in || p->tokens_out)
		fprintf(p->progress, " | tokens %lu in %lu out", p->tokens_in, p->tokens_out);
}

int pl_play_scenario(struct pl_play *p, const struct pl_scenario *s, const struct pl_play_target *t,
		     struct pl_err *err)
{
	static uint8_t scratch[65536 + 64];
	size_t n = (size_t)s->nsend * s->repeat, nsent = 0, i, fails = 0;
	int k;
	struct sent *v = calloc(n ? n : 1, sizeof(*v));
	char first_fail[400] = "";
	int rc = 0;
	unsigned rep;
	unsigned wait = t->wait_ms ? t->wait_ms : s->timeout_ms;

	if (!v)
		return pl_errf(err, -ENOMEM, "out of memory for %zu packets", n);
	/* the cap shortens the default wait (drops cost it in full); a scenario that
	 * states its own timeout needs it (an answer that comes after ARP gives up) */
	if (!t->wait_ms && !s->timeout_set && p->max_wait_ms && wait > p->max_wait_ms)
		wait = p->max_wait_ms;
	answered_cursor = 0;
	if (!ix_reset(n)) {
		free(v);
		return pl_errf(err, -ENOMEM, "out of memory for %zu packets", n);
	}
	for (rep = 0; rep < s->repeat && !rc; rep++) {
		for (i = 0; i < s->nsend && !rc; i++) {
			struct sent *x = &v[nsent];
			struct timespec ts;

			if ((p->stop && *p->stop) || (p->max_packets && p->packets_sent >= p->max_packets)) {
				p->budget_hit = p->max_packets && p->packets_sent >= p->max_packets;
				break;
			}
			p->packets_sent++;
			x->idx = i;
			x->rep = rep;
			rc = pl_scn_build(s, i, rep, t->kind, scratch, sizeof(scratch), &x->len, &x->ethertype, err);
			if (rc)
				break;
			x->bytes = malloc(x->len);
			if (!x->bytes) {
				rc = pl_errf(err, -ENOMEM, "out of memory");
				break;
			}
			memcpy(x->bytes, scratch, x->len);
			rc = pl_wire_send(p->wire, x->ethertype, x->bytes, x->len, &ts, err);
			if (rc)
				break;
			x->t_sent = pl_ts_ns(&ts);
			keys_of(x->bytes, x->len, &x->keys);
			ix_add(v, IX_BYTES, nsent, hash_bytes(x->bytes, x->len));
			if (x->keys.icmp_echo)
				ix_add(v, IX_ECHO, nsent, hash_echo(x->keys.icmp_id, x->keys.icmp_seq));
			nsent++;
			rc = collect(p, t, v, nsent, pl_now_ns(), NULL, s);
		}
		if (!rc && rep + 1 < s->repeat && s->interval_us)
			rc = collect(p, t, v, nsent, pl_now_ns() + (int64_t)s->interval_us * 1000, NULL, s);
	}
	if (!rc)
		rc = collect(p, t, v, nsent, pl_now_ns() + (int64_t)wait * 1000000, all_answered, s);
	if (rc < 0 && !err->msg[0])
		pl_errf(err, rc, "capture: %s", strerror(-rc));

	/* a scenario cut short by a stop is not judged: its waits did not run out */
	if (p->stop && *p->stop)
		nsent = 0;
	for (i = 0; i < nsent && rc == 0; i++) {
		const struct pl_expect *e = pl_scn_expect(s, v[i].idx, t->kind);
		struct pl_observation o = { .sent = v[i].bytes, .sent_len = v[i].len,
					    .reply = v[i].reply, .reply_len = v[i].reply_len,
					    .backend = v[i].backend };
		struct pl_judgement j;
		char expect[128];

		/* the packet reached the responder but its log never named it: unknown, not
		 * a drop (its answer may still come after the wait) */
		if (t->decisions && v[i].delivered && !v[i].decided)
			o.backend = BS_UNDECIDED;

		pl_expect_describe(e, expect, sizeof(expect));
		pl_judge(e, t->kind, &o, &j);
		p->verdicts[j.verdict]++;
		if (j.verdict != V_PASS && !fails++)
			snprintf(first_fail, sizeof(first_fail), "packet %zu: %s%s%s", v[i].idx + 1,
				 pl_verdict_name(j.verdict), j.diff.count ? ": " : (j.note[0] ? ": " : ""),
				 j.diff.count ? j.diff.lines[0] : j.note);
		if (p->jsonl)
			record(p, s, t, &v[i], &j, expect);
	}
	if (rc == 0 && !(p->stop && *p->stop)) {
		if (fails)
			p->scenarios_failed++;
		if (p->progress && (!p->terminal || fails)) {
			/* kselftest-style lines; on a terminal only the failures, above the
			 * progress line */
			fprintf(p->progress, "%sTEST: %-44s [%s] %s", p->terminal ? "\r\033[K" : "", s->id, t->name,
				fails ? "FAIL" : "OK");
			if (fails)
				fprintf(p->progress, " (%zu of %zu; %s)", fails, nsent, first_fail);
			fprintf(p->progress, "\n");
		}
		if (p->progress && p->terminal)
			progress_line(p, t);
		if (p->progress)
			fflush(p->progress);
	}
	for (i = 0; i < n; i++) {
		free(v[i].reply);
		free(v[i].bytes);
	}
	free(v);
	for (k = 0; k < IX__COUNT; k++) {
		free(ix.head[k]);
		ix.head[k] = NULL;
	}
	return rc;
}
