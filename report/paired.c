/* paired.c — per target the Wilson 95 % interval of its pass rate, and per pair of
 * targets the paired comparison on the packets both played: every target of a run
 * plays the same scenarios, so packet (scenario, packet, repeat, trial) of one target
 * and of another are the same bytes, and McNemar's exact test asks whether the one
 * target's passes where the other failed outnumber the reverse by more than chance. */
#include "report/data.h"

#include <errno.h>
#include <stdlib.h>

#include "report/stats.h"

#define Z95 1.959963984540054

/* Packets in the order (scenario, packet, repeat, trial, target). */
static int by_key(const void *x, const void *y, void *arg)
{
	const struct rp_pkt *p = arg, *a = &p[*(const size_t *)x], *b = &p[*(const size_t *)y];

	if (a->scn != b->scn)
		return a->scn < b->scn ? -1 : 1;
	if (a->packet != b->packet)
		return a->packet < b->packet ? -1 : 1;
	if (a->rep != b->rep)
		return a->rep < b->rep ? -1 : 1;
	if (a->trial != b->trial)
		return a->trial < b->trial ? -1 : 1;
	return (a->tgt > b->tgt) - (a->tgt < b->tgt);
}

static bool same_key(const struct rp_pkt *a, const struct rp_pkt *b)
{
	return a->scn == b->scn && a->packet == b->packet && a->rep == b->rep && a->trial == b->trial;
}

/* a growing array of ratios per pair */
struct ratios {
	double *v;
	size_t n, cap;
};

static int push(struct ratios *x, double v)
{
	if (x->n == x->cap) {
		size_t cap = x->cap ? 2 * x->cap : 256;
		double *nv = realloc(x->v, cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		x->v = nv;
		x->cap = cap;
	}
	x->v[x->n++] = v;
	return 0;
}

int rp_paired(struct rp_run *r)
{
	size_t *idx, i, j, k, nt = r->nt;
	int *seen, rc = 0;
	double *rtt;
	struct ratios *rat;

	for (k = 0; k < nt; k++)
		pl_stat_wilson(r->t[k].pass, r->t[k].total, Z95, &r->t[k].pass_lo, &r->t[k].pass_hi);
	r->npairs = nt > 1 ? nt * (nt - 1) / 2 : 0;
	if (!r->npairs)
		return 0;
	r->pairs = calloc(r->npairs, sizeof(*r->pairs));
	idx = malloc((r->np + 1) * sizeof(*idx));
	seen = malloc(nt * sizeof(*seen));
	rtt = malloc(nt * sizeof(*rtt));
	rat = calloc(r->npairs, sizeof(*rat));
	if (!r->pairs || !idx || !seen || !rtt || !rat) {
		free(idx);
		free(seen);
		free(rtt);
		free(rat);
		return -ENOMEM;
	}
	for (i = 0, k = 0; i < nt; i++)
		for (j = i + 1; j < nt; j++, k++) {
			r->pairs[k].a = i;
			r->pairs[k].b = j;
		}
	for (i = 0; i < r->np; i++)
		idx[i] = i;
	qsort_r(idx, r->np, sizeof(*idx), by_key, r->p);
	for (i = 0; i < r->np; i = j) {
		/* one packet key: the verdict of each target that played it (-1: did not) */
		for (k = 0; k < nt; k++) {
			seen[k] = -1;
			rtt[k] = -1;
		}
		for (j = i; j < r->np && same_key(&r->p[idx[i]], &r->p[idx[j]]); j++)
			if (r->p[idx[j]].tgt < nt) {
				seen[r->p[idx[j]].tgt] = r->p[idx[j]].verdict == V_PASS;
				rtt[r->p[idx[j]].tgt] = r->p[idx[j]].rtt_us;
			}
		for (k = 0; k < r->npairs; k++) {
			struct rp_pair *q = &r->pairs[k];
			int a = seen[q->a], b = seen[q->b];

			if (a < 0 || b < 0)
				continue;
			if (rtt[q->a] > 0 && rtt[q->b] >= 0 && !rc)
				rc = push(&rat[k], rtt[q->b] / rtt[q->a]);
			q->n++;
			q->both_pass += a && b;
			q->a_only += a && !b;
			q->b_only += !a && b;
			q->both_fail += !a && !b;
		}
	}
	for (k = 0; k < r->npairs; k++) {
		struct rp_pair *q = &r->pairs[k];

		q->mcnemar_p = pl_stat_mcnemar_exact(q->a_only, q->b_only);
		q->rtt_pairs = rat[k].n;
		q->rtt_ratio_p50 = pl_stat_percentile(rat[k].v, rat[k].n, 50);
		q->rtt_ratio_p25 = pl_stat_percentile_sorted(rat[k].v, rat[k].n, 25);
		q->rtt_ratio_p75 = pl_stat_percentile_sorted(rat[k].v, rat[k].n, 75);
		free(rat[k].v);
	}
	free(rat);
	free(idx);
	free(seen);
	free(rtt);
	return rc;
}
