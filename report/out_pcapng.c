/* packets.pcapng — every packet sent and every reply captured, raw IPv4, with a comment
 * naming scenario, target and verdict.
 *
 * Timestamps are approximate wall clock: each generator process counts from its own
 * start, so a target's offset is taken from its responder's log (wall-clock receive time
 * minus generator send time, the smallest over the run: accurate to the delivery delay,
 * microseconds); the kernel target shares the reference target's generator; without a
 * log the run's start time is used. Records are written in time order. */
#include "report/out.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "packet/hex.h"
#include "wire/pcap.h"

struct rec {
	int64_t ts_ns;
	size_t pkt;
	bool reply;
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

int rp_write_pcapng(const struct rp_run *r, FILE *f)
{
	struct rec *v = calloc(2 * r->np + 1, sizeof(*v));
	size_t n = 0, i;
	char shb[512];
	int rc;

	if (!v)
		return -ENOMEM;
	for (i = 0; i < r->np; i++) {
		const struct rp_pkt *p = &r->p[i];

		v[n++] = (struct rec){ (int64_t)(p->wall_sent_us * 1000), i, false };
		if (p->reply && p->wall_reply_us >= 0)
			v[n++] = (struct rec){ (int64_t)(p->wall_reply_us * 1000), i, true };
	}
	qsort(v, n, sizeof(*v), cmp_rec);
	snprintf(shb, sizeof(shb), "pinglab run %s%s: packets sent by the generator and the replies judged; "
		 "timestamps approximate (run start + generator offsets)", r->run_id, r->simulated ? " (simulated model)" : "");
	rc = pl_pcapng_begin(f, "pinglab", shb);
	for (i = 0; i < n && !rc; i++) {
		const struct rp_pkt *p = &r->p[v[i].pkt];
		const char *hex = v[i].reply ? p->reply : p->sent;
		uint8_t buf[65536];
		size_t len = 0;
		char comment[1024], rtt[32];
		struct pl_err err;

		if (pl_hex_decode(hex, buf, sizeof(buf), &len, &err))
			continue; /* cannot happen for generator-written hex; skip rather than fail */
		rp_fmt_us(rtt, sizeof(rtt), p->rtt_us);
		snprintf(comment, sizeof(comment), "%s %s [%s] packet %u rep %u trial %u: expect %s, verdict %s%s%s",
			 v[i].reply ? "reply to" : "sent", r->s[p->scn].id, r->t[p->tgt].name, p->packet, p->rep, p->trial,
			 p->expect ? p->expect : "?", pl_verdict_name((enum pl_verdict)p->verdict),
			 v[i].reply ? ", rtt " : "", v[i].reply ? rtt : "");
		rc = pl_pcapng_packet(f, v[i].ts_ns, buf, len, comment);
	}
	free(v);
	return rc;
}
