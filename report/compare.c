/* pinglab compare: what changed between two runs, per scenario x target. */
#include "report/report.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "report/data.h"
#include "report/out.h"

static const struct rp_target *target(const struct rp_run *r, const char *name, size_t *idx)
{
	size_t k;

	for (k = 0; k < r->nt; k++)
		if (!strcmp(r->t[k].name, name)) {
			*idx = k;
			return &r->t[k];
		}
	return NULL;
}

/* The only model target of a run, or NULL when it has none or several. */
static const struct rp_target *sole_model(const struct rp_run *r, size_t *idx)
{
	const struct rp_target *m = NULL;
	size_t k;

	for (k = 0; k < r->nt; k++)
		if (r->t[k].is_model) {
			if (m)
				return NULL;
			m = &r->t[k];
			*idx = k;
		}
	return m;
}

/* A's counterpart of B's target kb: the one of the same name; else, when each run has
 * one model target and their names differ (a simulated model against a real one, one
 * model against another), the two are compared with each other. */
static const struct rp_target *counterpart(const struct rp_run *a, const struct rp_run *b, size_t kb, size_t *ka)
{
	const struct rp_target *t = target(a, b->t[kb].name, ka);
	size_t kbm = 0;

	if (t || !b->t[kb].is_model || !sole_model(b, &kbm) || kbm != kb)
		return t;
	t = sole_model(a, ka);
	return t && !target(b, t->name, &kbm) ? t : NULL;
}

static const struct rp_scenario *scenario(const struct rp_run *r, const char *id)
{
	size_t i;

	for (i = 0; i < r->ns; i++)
		if (!strcmp(r->s[i].id, id))
			return &r->s[i];
	return NULL;
}

static void list(const struct rp_run *a, const struct rp_run *b, FILE *out, bool regress, size_t *count)
{
	size_t i, kb, ka;

	*count = 0;
	for (i = 0; i < b->ns; i++) {
		const struct rp_scenario *sb = &b->s[i], *sa = scenario(a, sb->id);

		for (kb = 0; sa && kb < b->nt; kb++) {
			const struct rp_result *xb = &sb->res[kb], *xa;

			if (!counterpart(a, b, kb, &ka) || !xb->present || !(xa = &sa->res[ka])->present)
				continue;
			if (regress ? (xa->verdict == V_PASS && xb->verdict != V_PASS) : (xa->verdict != V_PASS && xb->verdict == V_PASS)) {
				(*count)++;
				if (out)
					fprintf(out, "  %-24s %-44s %s -> %s\n", b->t[kb].name, sb->id,
						pl_verdict_name((enum pl_verdict)xa->verdict), pl_verdict_name((enum pl_verdict)xb->verdict));
			}
		}
	}
}

int pl_report_compare(const char *dir_a, const char *dir_b, const char *prices, FILE *out, struct pl_err *err)
{
	struct rp_run a, b;
	size_t n, k, ka;

	if (rp_load(dir_a, prices, &a, err))
		return -EINVAL;
	if (rp_load(dir_b, prices, &b, err)) {
		rp_free(&a);
		return -EINVAL;
	}
	rp_print_warnings(&a, "pinglab compare", stderr);
	rp_print_warnings(&b, "pinglab compare", stderr);
	fprintf(out, "pinglab compare: A = %s%s, B = %s%s\n", a.run_id, a.simulated ? " (simulated)" : "", b.run_id,
		b.simulated ? " (simulated)" : "");
	if (a.stack != b.stack)
		fprintf(out, "stacks differ: A played the %s stack, B the %s stack — each packet was judged by its own run's "
			     "rules, so a verdict that changed may be the rules, not the target\n",
			a.stack->name, b.stack->name);
	for (k = 0; k < b.nt; k++) {
		const struct rp_target *ta = counterpart(&a, &b, k, &ka);

		if (ta && strcmp(ta->name, b.t[k].name))
			fprintf(out, "model targets compared with each other: %s (A) and %s (B)\n", ta->name, b.t[k].name);
	}
	list(&a, &b, NULL, true, &n);
	fprintf(out, "\nregressions (pass in A, fail in B): %zu\n", n);
	list(&a, &b, out, true, &n);
	list(&a, &b, NULL, false, &n);
	fprintf(out, "\nfixes (fail in A, pass in B): %zu\n", n);
	list(&a, &b, out, false, &n);
	fprintf(out, "\n%-24s %9s %9s %12s %12s %12s %10s %10s\n", "target", "pass A", "pass B", "RTT p50 A", "RTT p50 B",
		"delta", "cost A", "cost B");
	for (k = 0; k < b.nt; k++) {
		const struct rp_target *tb = &b.t[k], *ta = counterpart(&a, &b, k, &ka);
		char pa[32] = "–", pb[32], d[40] = "–", ca[32] = "–", cb[32];

		rp_fmt_us(pb, sizeof(pb), tb->rtt.p50);
		rp_fmt_cost(cb, sizeof(cb), tb);
		if (ta) {
			rp_fmt_us(pa, sizeof(pa), ta->rtt.p50);
			rp_fmt_cost(ca, sizeof(ca), ta);
			if (!isnan(ta->rtt.p50) && !isnan(tb->rtt.p50) && ta->rtt.p50 > 0)
				snprintf(d, sizeof(d), "%+.0f%%", (tb->rtt.p50 / ta->rtt.p50 - 1) * 100);
		}
		fprintf(out, "%-24s %4zu/%-4zu %4zu/%-4zu %12s %12s %12s %10s %10s\n", tb->name, ta ? ta->pass : 0,
			ta ? ta->total : 0, tb->pass, tb->total, pa, pb, d, ca, cb);
		if (ta && ta->is_model && tb->is_model && ta->cost_known && tb->cost_known)
			fprintf(out, "%-24s cost delta %+.4f USD (estimate)\n", "", tb->cost_usd - ta->cost_usd);
	}
	for (k = 0; k < a.nt; k++) {
		size_t kb = 0, bm = 0;
		const struct rp_target *am = sole_model(&a, &kb);

		if (target(&b, a.t[k].name, &kb))
			continue;
		if (am && am == &a.t[k] && sole_model(&b, &bm) && counterpart(&a, &b, bm, &kb) == am)
			continue; /* compared with B's model above */
		fprintf(out, "%-24s only in A\n", a.t[k].name);
	}
	list(&a, &b, NULL, true, &n);
	rp_free(&a);
	rp_free(&b);
	return n ? 1 : 0;
}
