/* packets.pcapng — every packet sent and every reply captured, raw IPv4, with a comment
 * naming scenario, target and verdict.
 *
 * Timestamps are approximate wall clock: each generator process counts from its own
 * start, so a target's offset is taken from its responder's log (wall-clock receive time
 * minus generator send time, the smallest over the run: accurate to the delivery delay,
 * microseconds); the kernel target shares the reference target's generator; without a
 * log the run's start time is used. Records are written in time order.
 *
 * The bytes are not held in memory: the records are put in time order first, then
 * written a window at a time (WINDOW bytes of packets), each window's bytes read from
 * the packets files in one pass in file order. */
#include "report/out.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "packet/hex.h"
#include "wire/pcap.h"

#define WINDOW (32u << 20)
#define MAXPKT 65536u
#define NONE UINT32_MAX

struct rec {
	int64_t ts_ns;
	uint32_t pkt;
	uint32_t reply;
};

static int cmp_rec(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;

	if (x->ts_ns != y->ts_ns)
		return x->ts_ns < y->ts_ns ? -1 : 1;
	if (x->pkt != y->pkt)
		return x->pkt < y->pkt ? -1 : 1;
	return (int)x->reply - (int)y->reply;
}

/* room for the bytes of record e: the hex's length / 2, at most what a packet can be */
static size_t room(const struct rp_run *r, const struct rec *e)
{
	const struct rp_pkt *p = &r->p[e->pkt];
	size_t n = (e->reply ? p->reply_hex : p->sent_hex) / 2;

	return n < MAXPKT ? n : MAXPKT;
}

int rp_write_pcapng(const struct rp_run *r, FILE *f)
{
	struct rec *v = calloc(2 * r->np + 1, sizeof(*v));
	uint32_t *at = malloc((2 * r->np + 1) * sizeof(*at)); /* per packet: its sent and reply record */
	size_t *woff = NULL, *wlen = NULL, n = 0, i, lo, hi, total = 0;
	uint8_t *wbuf = NULL;
	struct rp_reread rr;
	char shb[512];
	int rc;

	rp_reread_init(&rr);
	if (!v || !at || r->np > NONE / 2 - 1) {
		rc = -ENOMEM;
		goto out;
	}
	for (i = 0; i < r->np; i++) {
		const struct rp_pkt *p = &r->p[i];

		v[n++] = (struct rec){ (int64_t)(p->wall_sent_us * 1000), (uint32_t)i, 0 };
		if (p->has_reply && p->wall_reply_us >= 0)
			v[n++] = (struct rec){ (int64_t)(p->wall_reply_us * 1000), (uint32_t)i, 1 };
	}
	qsort(v, n, sizeof(*v), cmp_rec);
	for (i = 0; i < 2 * r->np; i++)
		at[i] = NONE;
	for (i = 0; i < n; i++) {
		at[2 * v[i].pkt + v[i].reply] = (uint32_t)i;
		total += room(r, &v[i]);
	}
	wbuf = malloc(total < WINDOW ? total + 1 : WINDOW);
	woff = malloc((n + 1) * sizeof(*woff));
	wlen = malloc((n + 1) * sizeof(*wlen));
	if (!wbuf || !woff || !wlen) {
		rc = -ENOMEM;
		goto out;
	}
	snprintf(shb, sizeof(shb), "pinglab run %s%s: packets sent by the generator and the replies judged; "
		 "timestamps approximate (run start + generator offsets)", r->run_id, r->simulated ? " (simulated model)" : "");
	rc = pl_pcapng_begin(f, "pinglab", shb);
	for (lo = 0; lo < n && !rc; lo = hi) {
		size_t used = 0;

		/* this window: records lo..hi, their bytes read in file order */
		for (hi = lo; hi < n && (hi == lo || used + room(r, &v[hi]) <= WINDOW); hi++) {
			woff[hi] = used;
			wlen[hi] = SIZE_MAX;
			used += room(r, &v[hi]);
		}
		if (used > WINDOW) { /* a single packet larger than the window cannot be: MAXPKT < WINDOW */
			rc = -ENOMEM;
			break;
		}
		for (i = 0; i < r->np; i++) {
			uint32_t s = at[2 * i], y = at[2 * i + 1];
			bool ws = s != NONE && s >= lo && s < hi, wy = y != NONE && y >= lo && y < hi;
			const char *sent, *reply;

			if (!ws && !wy)
				continue;
			if (rp_reread(r, &rr, &r->p[i], &sent, &reply))
				continue; /* cannot happen for a file left as it was: skip rather than fail */
			if (ws && pl_hex_decode(sent, wbuf + woff[s], room(r, &v[s]), &wlen[s], NULL))
				wlen[s] = SIZE_MAX;
			if (wy && (!reply || pl_hex_decode(reply, wbuf + woff[y], room(r, &v[y]), &wlen[y], NULL)))
				wlen[y] = SIZE_MAX;
		}
		for (i = lo; i < hi && !rc; i++) {
			const struct rp_pkt *p = &r->p[v[i].pkt];
			char comment[1024], rtt[32];

			if (wlen[i] == SIZE_MAX)
				continue; /* cannot happen for generator-written hex; skip rather than fail */
			rp_fmt_us(rtt, sizeof(rtt), p->rtt_us);
			snprintf(comment, sizeof(comment), "%s %s [%s] packet %u rep %u trial %u: expect %s, verdict %s%s%s",
				 v[i].reply ? "reply to" : "sent", r->s[p->scn].id, r->t[p->tgt].name, p->packet, p->rep, p->trial,
				 p->expect ? p->expect : "?", pl_verdict_name((enum pl_verdict)p->verdict),
				 v[i].reply ? ", rtt " : "", v[i].reply ? rtt : "");
			rc = pl_pcapng_packet(f, v[i].ts_ns, wbuf + woff[i], wlen[i], comment);
		}
	}
out:
	rp_reread_free(&rr);
	free(v);
	free(at);
	free(wbuf);
	free(woff);
	free(wlen);
	return rc;
}
