/* report.html — one self-contained file: no external assets, inline SVG and CSS, a few
 * lines of inline JavaScript to sort the packet table. Verdicts carry a symbol as well as
 * a colour, so the page reads in greyscale and for colour-blind readers. */
#include "report/out.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report/stats.h"
#include "report/xml.h"

#define E(s) rp_xml_escape(f, (s))

static const char *const colours[] = { "#1b9e77", "#7570b3", "#d95f02", "#e7298a", "#66a61e", "#444444" };
static const char *const dashes[] = { "", "7 4", "2 3", "10 3 2 3", "1 5", "4 2" };
#define NSTYLE (sizeof(colours) / sizeof(colours[0]))

static const char *vclass(int v)
{
	static const char *const c[V__COUNT] = { "pass", "wrong", "missed", "false", "unparse", "api", "timeout", "trunc", "refused" };

	return v >= 0 && v < V__COUNT ? c[v] : "none";
}

static void css(FILE *f)
{
	fputs("<style>\n"
	      "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:24px auto;max-width:1300px;padding:0 16px;color:#222}\n"
	      "h1{font-size:22px;margin-bottom:4px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #ddd;padding-bottom:4px}\n"
	      "table{border-collapse:collapse;margin:8px 0}th,td{border:1px solid #ccc;padding:3px 7px;text-align:left;vertical-align:top}\n"
	      "th{background:#f2f2f2}td.n{text-align:right;font-variant-numeric:tabular-nums}\n"
	      ".banner{padding:8px 12px;border-left:5px solid #d95f02;background:#fff4ea;margin:8px 0}\n"
	      ".muted{color:#666}.mono,code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px}\n"
	      ".v{font-weight:bold;text-align:center;min-width:2.2em}\n"
	      ".v-pass{background:#d9f2d9;color:#135e13}.v-wrong{background:#f8c9c9;color:#8b0000}\n"
	      ".v-missed{background:#fde3b5;color:#7a4a00}.v-false{background:#f6c8ef;color:#7a006a}\n"
	      ".v-unparse{background:#e2dcf5;color:#3b2a80}.v-api{background:#dddddd;color:#333}\n"
	      ".v-timeout{background:#cfe3f5;color:#0b3d6b}.v-trunc{background:#f5ecc8;color:#5c4a00}\n"
	      ".v-refused{background:#e8e8d0;color:#4a4a20}.v-none{color:#999}\n"
	      "table.matrix td,table.matrix th{padding:1px 6px}table.matrix td.v{font-size:15px}\n"
	      "table.sortable th{cursor:pointer;user-select:none}table.sortable th:after{content:' \\2195';color:#aaa}\n"
	      "pre{margin:0;white-space:pre-wrap}svg text{font:12px system-ui,sans-serif}\n"
	      "</style>\n", f);
}

static void fmt_axis(char *out, size_t n, int decade)
{
	static const char *const u[] = { "µs", "ms", "s" };
	int unit = decade < 3 ? 0 : decade < 6 ? 1 : 2;
	double v = pow(10, decade - 3 * unit);

	if (decade < 0)
		snprintf(out, n, "%g µs", pow(10, decade));
	else if (decade >= 9)
		snprintf(out, n, "%g s", pow(10, decade - 6));
	else
		snprintf(out, n, "%g %s", v, u[unit]);
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Latency CDF of every target's replies on one log-scaled time axis. */
static void cdf(const struct rp_run *r, FILE *f)
{
	const double W = 1000, H = 380, L = 70, R = 240, T = 16, B = 48;
	double lo = INFINITY, hi = 0, *v = calloc(r->np + 1, sizeof(double));
	size_t i, k, n;
	int d0, d1, d;

	if (!v)
		return;
	for (i = 0; i < r->np; i++)
		if (r->p[i].rtt_us > 0) {
			lo = fmin(lo, r->p[i].rtt_us);
			hi = fmax(hi, r->p[i].rtt_us);
		}
	fprintf(f, "<h2 id=\"latency\">Latency</h2>\n");
	if (hi <= 0) {
		fprintf(f, "<p class=\"muted\">No replies were captured, so there is no latency to plot.</p>\n");
		free(v);
		return;
	}
	d0 = (int)floor(log10(lo));
	d1 = (int)ceil(log10(hi));
	if (d1 <= d0)
		d1 = d0 + 1;
	fprintf(f, "<p>Cumulative distribution of round-trip times of the replies, measured at the generator, on a "
		   "logarithmic time axis (each grid line is ten times the previous). A curve further left is faster.</p>\n");
	fprintf(f, "<svg id=\"cdf\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" "
		   "role=\"img\" aria-label=\"latency CDF\">\n", W, H, W, H);
	fprintf(f, "<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" fill=\"#fff\" stroke=\"#999\"/>\n", L, T,
		W - L - R, H - T - B);
#define XP(us) (L + (log10(us) - d0) / (double)(d1 - d0) * (W - L - R))
#define YP(q) (T + (1 - (q)) * (H - T - B))
	for (d = d0; d <= d1; d++) {
		char lab[32];
		int m;

		fmt_axis(lab, sizeof(lab), d);
		fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.0f\" y2=\"%.0f\" stroke=\"#ccc\"/>", XP(pow(10, d)),
			XP(pow(10, d)), T, H - B);
		fprintf(f, "<text x=\"%.1f\" y=\"%.0f\" text-anchor=\"middle\">%s</text>\n", XP(pow(10, d)), H - B + 16, lab);
		for (m = 2; m < 10 && d < d1; m++)
			fprintf(f, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%.0f\" y2=\"%.0f\" stroke=\"#eee\"/>", XP(m * pow(10, d)),
				XP(m * pow(10, d)), H - B - 4, H - B);
	}
	for (i = 0; i <= 4; i++)
		fprintf(f, "<line x1=\"%.0f\" x2=\"%.0f\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/><text x=\"%.0f\" y=\"%.1f\" "
			   "text-anchor=\"end\">%zu%%</text>\n", L, W - R, YP(i / 4.0), YP(i / 4.0), L - 6, YP(i / 4.0) + 4, i * 25);
	fprintf(f, "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"middle\">round-trip time (log scale)</text>\n", L + (W - L - R) / 2, H - 8);
	fprintf(f, "<text transform=\"translate(16 %.0f) rotate(-90)\" text-anchor=\"middle\">replies at or below</text>\n",
		T + (H - T - B) / 2);
	for (k = 0; k < r->nt; k++) {
		const char *c = colours[k % NSTYLE], *dash = dashes[k % NSTYLE];
		char p50[32];

		n = 0;
		for (i = 0; i < r->np; i++)
			if (r->p[i].tgt == k && r->p[i].rtt_us > 0)
				v[n++] = r->p[i].rtt_us;
		qsort(v, n, sizeof(double), cmp_d);
		if (n) {
			fprintf(f, "<polyline class=\"cdf-line\" data-target=\"");
			E(r->t[k].name);
			fprintf(f, "\" fill=\"none\" stroke=\"%s\" stroke-width=\"2.2\"%s%s%s points=\"%.1f,%.1f", c,
				*dash ? " stroke-dasharray=\"" : "", dash, *dash ? "\"" : "", XP(v[0]), YP(0.0));
			for (i = 0; i < n; i++) {
				char x[48], y0[48], y1[48];

				rp_fmt_fixed(x, sizeof(x), XP(v[i]), 1);
				fprintf(f, " %s,%s %s,%s", x, rp_fmt_fixed(y0, sizeof(y0), YP((double)i / n), 1), x,
					rp_fmt_fixed(y1, sizeof(y1), YP((double)(i + 1) / n), 1));
			}
			fprintf(f, "\"/>\n");
		}
		/* legend */
		fprintf(f, "<line x1=\"%.0f\" x2=\"%.0f\" y1=\"%.0f\" y2=\"%.0f\" stroke=\"%s\" stroke-width=\"2.5\"%s%s%s/>",
			W - R + 14, W - R + 44, T + 14 + 36.0 * k, T + 14 + 36.0 * k, c, *dash ? " stroke-dasharray=\"" : "", dash,
			*dash ? "\"" : "");
		fprintf(f, "<text x=\"%.0f\" y=\"%.0f\">", W - R + 50, T + 18 + 36.0 * k);
		E(r->t[k].name);
		rp_fmt_us(p50, sizeof(p50), r->t[k].rtt.p50);
		fprintf(f, "</text><text x=\"%.0f\" y=\"%.0f\" fill=\"#666\">%zu replies, p50 %s</text>\n", W - R + 50,
			T + 33 + 36.0 * k, n, p50);
	}
#undef XP
#undef YP
	fprintf(f, "</svg>\n");
	free(v);
}

/* A table's opening and header row: first, then one column per target. */
static void target_columns(FILE *f, const struct rp_run *r, const char *first)
{
	size_t k;

	fprintf(f, "<table><tr><th>%s</th>", first);
	for (k = 0; k < r->nt; k++) {
		fprintf(f, "<th><code>");
		E(r->t[k].name);
		fprintf(f, "</code></th>");
	}
	fprintf(f, "</tr>\n");
}

static void summary(const struct rp_run *r, FILE *f)
{
	size_t k, c, i;

	fprintf(f, "<h2 id=\"summary\">Summary</h2>\n<table><tr><th>target</th><th>kind</th><th>packets</th><th>pass</th>");
	for (i = 1; i < V__COUNT; i++)
		fprintf(f, "<th>%s %s</th>", rp_symbol((int)i), pl_verdict_name((enum pl_verdict)i));
	fprintf(f, "<th>RTT p50</th><th>p90</th><th>p99</th><th>max</th></tr>\n");
	for (k = 0; k < r->nt; k++) {
		const struct rp_target *t = &r->t[k];
		char a[32], b[32], d[32], e[32];

		rp_fmt_us(a, sizeof(a), t->rtt.p50);
		rp_fmt_us(b, sizeof(b), t->rtt.p90);
		rp_fmt_us(d, sizeof(d), t->rtt.p99);
		rp_fmt_us(e, sizeof(e), t->rtt.max);
		fprintf(f, "<tr><td><code>");
		E(t->name);
		fprintf(f, "</code></td><td>%s%s</td><td class=\"n\">%zu</td><td class=\"n\">%zu</td>", rp_target_kind(t),
			t->is_model && r->simulated ? " (simulated)" : "", t->total, t->pass);
		for (i = 1; i < V__COUNT; i++)
			fprintf(f, "<td class=\"n\">%zu</td>", t->v[i]);
		fprintf(f, "<td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td></tr>\n", a, b, d, e);
	}
	fprintf(f, "</table>\n<p>Pass / total packets by category:</p>\n");
	target_columns(f, r, "category");
	for (c = 0; c < r->ncats; c++) {
		fprintf(f, "<tr><td>");
		E(r->cats[c]);
		fprintf(f, "</td>");
		for (k = 0; k < r->nt; k++)
			fprintf(f, "<td class=\"n\">%zu / %zu</td>", r->t[k].cat_pass[c], r->t[k].cat_total[c]);
		fprintf(f, "</tr>\n");
	}
	fprintf(f, "</table>\n<p>Pass / total packets by the answer the <b>%s</b> stack's reference gives them:</p>\n",
		r->stack->name);
	target_columns(f, r, "answer");
	for (c = 0; c < PL_ANS__COUNT; c++) {
		if (!rp_answer_seen(r, (enum pl_answer)c))
			continue;
		fprintf(f, "<tr><td>%s</td>", pl_answer_name((enum pl_answer)c));
		for (k = 0; k < r->nt; k++)
			fprintf(f, "<td class=\"n\">%zu / %zu</td>", r->t[k].ans_pass[c], r->t[k].ans_total[c]);
		fprintf(f, "</tr>\n");
	}
	fprintf(f, "</table>\n");
	if (r->repeat > 1) {
		size_t kk;

		fprintf(f, "<p>%u trials. Mean over scenarios of the unbiased pass@k (at least one of k trials passes) and "
			   "pass^k (all k pass), ± standard error:</p>\n<table><tr><th>target</th><th>k</th><th>pass@k</th>"
			   "<th>pass^k</th></tr>\n", r->repeat);
		for (k = 0; k < r->nt; k++)
			for (kk = 1; kk <= r->repeat; kk++) {
				fprintf(f, "<tr><td><code>");
				E(r->t[k].name);
				fprintf(f, "</code></td><td class=\"n\">%zu</td><td class=\"n\">%.3f ± %.3f</td><td class=\"n\">%.3f ± %.3f</td></tr>\n",
					kk, r->t[k].pass_at_k[kk], r->t[k].pass_at_k_se[kk], r->t[k].pass_hat_k[kk], r->t[k].pass_hat_k_se[kk]);
			}
		fprintf(f, "</table>\n");
	}
}

/* The leaderboard chart: pass rate (dot) and its Wilson interval (bar) against the
 * median RTT on a log axis, the dot's area by cost (hollow: cost unknown or none). */
static void leaderboard(const struct rp_run *r, FILE *f)
{
	const double W = 640, H = 300, L = 56, R = 160, T = 16, B = 40;
	double lo_dec = 1e9, hi_dec = -1e9, ymin = 1, maxcost = 0;
	size_t k, n = 0;
	int d;

	for (k = 0; k < r->nt; k++) {
		const struct rp_target *t = &r->t[k];

		if (!t->total || !(t->rtt.p50 > 0))
			continue;
		n++;
		lo_dec = fmin(lo_dec, floor(log10(t->rtt.p50)));
		hi_dec = fmax(hi_dec, ceil(log10(t->rtt.p50)));
		ymin = fmin(ymin, t->pass_lo);
		if (t->is_model && t->cost_known)
			maxcost = fmax(maxcost, t->cost_usd);
	}
	if (!n)
		return;
	if (hi_dec <= lo_dec)
		hi_dec = lo_dec + 1;
	ymin = fmax(0, floor(ymin * 10) / 10);
	if (ymin > 0.9)
		ymin = 0.9;
	fprintf(f, "<svg class=\"chart\" viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" height=\"%.0f\" role=\"img\" "
		   "aria-label=\"pass rate against median RTT\">\n", W, H, W, H);
	for (d = (int)lo_dec; d <= (int)hi_dec; d++) {
		double x = L + (d - lo_dec) / (hi_dec - lo_dec) * (W - L - R);
		char lab[32];

		fmt_axis(lab, sizeof(lab), d);
		fprintf(f, "<line x1=\"%.1f\" y1=\"%.0f\" x2=\"%.1f\" y2=\"%.0f\" stroke=\"#ddd\"/>"
			   "<text x=\"%.1f\" y=\"%.0f\" font-size=\"11\" text-anchor=\"middle\">%s</text>\n",
			x, T, x, H - B, x, H - B + 14, lab);
	}
	for (d = 0; d <= 4; d++) {
		double v = ymin + (1 - ymin) * d / 4, y = H - B - (v - ymin) / (1 - ymin) * (H - T - B);

		fprintf(f, "<line x1=\"%.0f\" y1=\"%.1f\" x2=\"%.0f\" y2=\"%.1f\" stroke=\"#eee\"/>"
			   "<text x=\"%.0f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">%.0f %%</text>\n",
			L, y, W - R, y, L - 4, y + 4, v * 100);
	}
	fprintf(f, "<text x=\"%.0f\" y=\"%.0f\" font-size=\"11\" text-anchor=\"middle\">median RTT (log)</text>\n",
		L + (W - L - R) / 2, H - 6);
	for (k = 0; k < r->nt; k++) {
		const struct rp_target *t = &r->t[k];
		double x, y, y0, y1, rad;
		bool priced = t->is_model && t->cost_known && maxcost > 0;

		if (!t->total || !(t->rtt.p50 > 0))
			continue;
		x = L + (log10(t->rtt.p50) - lo_dec) / (hi_dec - lo_dec) * (W - L - R);
		y = H - B - ((double)t->pass / (double)t->total - ymin) / (1 - ymin) * (H - T - B);
		y0 = H - B - (t->pass_lo - ymin) / (1 - ymin) * (H - T - B);
		y1 = H - B - (t->pass_hi - ymin) / (1 - ymin) * (H - T - B);
		rad = priced ? 4 + 10 * sqrt(t->cost_usd / maxcost) : 4;
		fprintf(f, "<g><title>");
		E(t->name);
		fprintf(f, ": %.3f (%.3f–%.3f)</title><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#555\"/>"
			   "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" fill=\"%s\" stroke=\"#135e13\" fill-opacity=\"0.6\"/>"
			   "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\">", (double)t->pass / (double)t->total, t->pass_lo,
			t->pass_hi, x, y0, x, y1, x, y, rad, priced ? "#5cb85c" : "none", x + rad + 3, y + 4);
		E(t->name);
		fprintf(f, "</text></g>\n");
	}
	fprintf(f, "</svg>\n<p class=\"muted\">Each target: pass rate per packet (dot) with its Wilson 95 %% interval "
		   "(bar), against its median RTT; a model's dot area grows with its cost.</p>\n");
}

/* Wilson intervals and the paired comparison (report/paired.c). */
static void paired(const struct rp_run *r, FILE *f)
{
	size_t k;

	fprintf(f, "<h3 id=\"leaderboard\">Leaderboard</h3>\n");
	leaderboard(r, f);
	fprintf(f, "<h3 id=\"paired\">Paired comparison</h3>\n<p>Pass rate per packet with its Wilson 95 %% interval; each "
		   "pair of targets on the same packets: <i>A only</i> counts packets A passed and B failed, McNemar's "
		   "exact two-sided p tests whether that split is chance.</p>\n<table><tr><th>target</th><th>pass rate</th>"
		   "<th>95 %% interval</th></tr>\n");
	for (k = 0; k < r->nt; k++) {
		if (!r->t[k].total)
			continue;
		fprintf(f, "<tr><td><code>");
		E(r->t[k].name);
		fprintf(f, "</code></td><td class=\"n\">%.3f</td><td class=\"n\">%.3f – %.3f</td></tr>\n",
			(double)r->t[k].pass / (double)r->t[k].total, r->t[k].pass_lo, r->t[k].pass_hi);
	}
	fprintf(f, "</table>\n");
	if (!r->npairs)
		return;
	fprintf(f, "<table><tr><th>A</th><th>B</th><th>packets</th><th>both pass</th><th>A only</th><th>B only</th>"
		   "<th>both fail</th><th>McNemar p</th><th title=\"on the packets both answered: the median of the "
		   "per-packet ratios (quartiles)\">RTT B / A</th><th>pairs</th></tr>\n");
	for (k = 0; k < r->npairs; k++) {
		const struct rp_pair *q = &r->pairs[k];

		fprintf(f, "<tr><td><code>");
		E(r->t[q->a].name);
		fprintf(f, "</code></td><td><code>");
		E(r->t[q->b].name);
		fprintf(f, "</code></td><td class=\"n\">%zu</td><td class=\"n\">%zu</td><td class=\"n\">%zu</td>"
			   "<td class=\"n\">%zu</td><td class=\"n\">%zu</td><td class=\"n\">%.3g</td>",
			q->n, q->both_pass, q->a_only, q->b_only, q->both_fail, q->mcnemar_p);
		if (q->rtt_pairs)
			fprintf(f, "<td class=\"n\">%.2f× (%.2f – %.2f)</td>", q->rtt_ratio_p50, q->rtt_ratio_p25,
				q->rtt_ratio_p75);
		else
			fprintf(f, "<td class=\"n\">–</td>");
		fprintf(f, "<td class=\"n\">%zu</td></tr>\n", q->rtt_pairs);
	}
	fprintf(f, "</table>\n");
}

static void cost(const struct rp_run *r, FILE *f)
{
	size_t k;

	fprintf(f, "<h2 id=\"cost\">Tokens and cost</h2>\n<table><tr><th>target</th><th>answers</th><th>input</th><th>output</th>"
		   "<th>cache read</th><th>cache write</th><th>cost</th><th>decision p50</th><th>note</th></tr>\n");
	for (k = 0; k < r->nt; k++) {
		const struct rp_target *t = &r->t[k];
		char c[32], d[32], note[1024];

		rp_fmt_cost(c, sizeof(c), t);
		rp_fmt_us(d, sizeof(d), t->decision.p50);
		fprintf(f, "<tr><td><code>");
		E(t->name);
		fprintf(f, "</code></td><td class=\"n\">%zu</td><td class=\"n\">%.0f</td><td class=\"n\">%.0f</td><td class=\"n\">%.0f</td>"
			   "<td class=\"n\">%.0f</td><td class=\"n\"><b>%s</b></td><td class=\"n\">%s</td><td>", t->answered,
			t->tok[0], t->tok[1], t->tok[2], t->tok[3], c, d);
		E(rp_model_cost_note(r, t, note, sizeof(note)));
		if (t->unattributed)
			fprintf(f, "; %zu logged answers matched no generator packet (not counted)", t->unattributed);
		fprintf(f, "</td></tr>\n");
	}
	fprintf(f, "</table>\n");
}

static void matrix(const struct rp_run *r, FILE *f)
{
	size_t i, k, v;

	fprintf(f, "<h2 id=\"matrix\">Correctness by scenario</h2>\n<p>Each cell is the worst verdict of the scenario's "
		   "packets on that target. Key:");
	for (v = 0; v < V__COUNT; v++)
		fprintf(f, " <span class=\"v v-%s\">&nbsp;%s&nbsp;</span> %s", vclass((int)v), rp_symbol((int)v),
			pl_verdict_name((enum pl_verdict)v));
	fprintf(f, " <span class=\"v v-none\">&nbsp;%s&nbsp;</span> not played.</p>\n", rp_symbol(-1));
	fprintf(f, "<table class=\"matrix\" id=\"matrix-table\"><tr><th>scenario</th><th>expect</th>");
	for (k = 0; k < r->nt; k++) {
		fprintf(f, "<th><code>");
		E(r->t[k].name);
		fprintf(f, "</code></th>");
	}
	fprintf(f, "<th>description</th></tr>\n");
	for (i = 0; i < r->ns; i++) {
		const struct rp_scenario *s = &r->s[i];

		fprintf(f, "<tr><td class=\"mono\">");
		E(s->id);
		fprintf(f, "</td><td class=\"mono\">");
		E(s->expect);
		fprintf(f, "</td>");
		for (k = 0; k < r->nt; k++) {
			const struct rp_result *x = &s->res[k];
			int vd = x->present ? x->verdict : -1;

			fprintf(f, "<td class=\"v v-%s\" title=\"%s", vclass(vd), x->present ? pl_verdict_name((enum pl_verdict)vd) : "not played");
			if (x->present && x->trials > 1)
				fprintf(f, ", %u/%u trials pass", x->trials_pass, x->trials);
			fprintf(f, "\">%s", rp_symbol(vd));
			if (x->present && x->trials > 1)
				fprintf(f, " <small>%u/%u</small>", x->trials_pass, x->trials);
			fprintf(f, "</td>");
		}
		fprintf(f, "<td class=\"muted\">");
		E(s->description);
		fprintf(f, "</td></tr>\n");
	}
	fprintf(f, "</table>\n");
}

static void packets(const struct rp_run *r, FILE *f)
{
	size_t i;

	fprintf(f, "<h2 id=\"packets\">Every packet</h2>\n<p>Click a column heading to sort. Times: RTT at the generator; "
		   "decision = the responder's own time from reading the packet to its answer.</p>\n");
	fprintf(f, "<table class=\"sortable\" id=\"packets-table\"><thead><tr><th>#</th><th>scenario</th><th>target</th>"
		   "<th>pkt</th><th>trial</th><th>expect</th><th>verdict</th><th>RTT</th><th>decision</th><th>tokens in/out</th>"
		   "<th>diff / note</th></tr></thead><tbody>\n");
	for (i = 0; i < r->np; i++) {
		const struct rp_pkt *p = &r->p[i];
		char rtt[32], dec[32], v1[48], v2[48];
		const cJSON *d;

		rp_fmt_us(rtt, sizeof(rtt), p->rtt_us);
		rp_fmt_us(dec, sizeof(dec), p->decision_us);
		fprintf(f, "<tr class=\"pkt\"><td class=\"n\">%zu</td><td class=\"mono\">", i + 1);
		E(r->s[p->scn].id);
		fprintf(f, "</td><td><code>");
		E(r->t[p->tgt].name);
		fprintf(f, "</code></td><td class=\"n\">%u</td><td class=\"n\">%u</td><td class=\"mono\">", p->packet, p->trial);
		E(p->expect);
		fprintf(f, "</td><td class=\"v v-%s\" data-v=\"%d\">%s %s</td>", vclass(p->verdict), p->verdict,
			rp_symbol(p->verdict), pl_verdict_name((enum pl_verdict)p->verdict));
		fprintf(f, "<td class=\"n\" data-v=\"%s\">%s</td><td class=\"n\" data-v=\"%s\">%s</td>",
			rp_fmt_fixed(v1, sizeof(v1), p->rtt_us, 3), rtt, rp_fmt_fixed(v2, sizeof(v2), p->decision_us, 3), dec);
		if (p->join) {
			const double *tok = rp_join_of(r, p)->tok;

			fprintf(f, "<td class=\"n\" data-v=\"%.0f\">%.0f / %.0f</td>", tok[0] + tok[1], tok[0], tok[1]);
		}
		else {
			fprintf(f, "<td class=\"n\" data-v=\"-1\">–</td>");
		}
		fprintf(f, "<td class=\"mono\"><pre>");
		cJSON_ArrayForEach(d, p->diff)
			if (cJSON_IsString(d)) {
				E(d->valuestring);
				fputc('\n', f);
			}
		if (p->verdict != V_PASS)
			E(p->note);
		fprintf(f, "</pre></td></tr>\n");
	}
	fprintf(f, "</tbody></table>\n");
}

static void method(const struct rp_run *r, FILE *f)
{
	const cJSON *m;
	size_t k, nm = rp_model_count(r);
	static const char *const keys[] = { "pinglab_version", "started", "ended", "kernel", "cpu", "lab", "stack", "seed", "repeat", "tag" };
	static const char *const mkeys[] = { "backend", "profile", "scale", "model", "base_url", "request", "model_table",
					    "price", "concurrency", "timeout_ms", "system_prompt_sha256",
					    "packet_template_sha256" };
	size_t i;

	fprintf(f, "<h2 id=\"method\">Method</h2>\n<p>Two Linux network namespaces joined by a veth pair: a generator sends "
		   "scripted IPv4 packets (valid echo requests, malformed headers, non-ICMP traffic, prompt injections) and "
		   "captures what comes back. <b>kernel</b> is Linux's own stack (judged at the RFC-valid level); "
		   "<b>reference</b> is pinglab's deterministic C responder on a TUN device (the reply rules in code); the "
		   "<b>model</b> target is the same TUN responder asking a language model for each packet, judged byte for "
		   "byte against the reference rules%s. A scenario's verdict is its worst packet's (wrong-reply &gt; "
		   "false-reply &gt; missed-reply &gt; unparseable &gt; truncated &gt; refused &gt; timeout &gt; api-error &gt; pass); RTT percentiles "
		   "are nearest-rank; costs are estimates from the dated price table below%s. pass@k is the unbiased "
		   "estimator of Chen et al. 2021, pass^k = C(c,k)/C(n,k); standard errors are binomial (delta method) per "
		   "scenario, standard error of the mean across scenarios. The pcapng file's timestamps are approximate.</p>\n",
		r->simulated ? " — <b>here simulated</b> by pinglab-mockllm with a seeded behaviour profile, not a real model" : "",
		r->simulated ? "; the simulated model's tokens are priced as if the model id it reports had spent them" : "");
	fprintf(f, "<table><tr><th>run</th><td class=\"mono\">");
	E(r->run_id);
	fprintf(f, "%s</td></tr>\n", r->partial ? " (partial: the run did not finish)" : "");
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const cJSON *v = r->run ? cJSON_GetObjectItemCaseSensitive(r->run, keys[i]) : NULL;
		char *txt;

		if (!v)
			continue;
		txt = cJSON_IsString(v) ? NULL : cJSON_PrintUnformatted(v);
		fprintf(f, "<tr><th>%s</th><td class=\"mono\">", keys[i]);
		E(txt ? txt : v->valuestring);
		fprintf(f, "</td></tr>\n");
		free(txt);
	}
	for (k = 0; k < r->nt; k++) {
		m = r->t[k].mobj;
		for (i = 0; r->t[k].is_model && m && i < sizeof(mkeys) / sizeof(mkeys[0]); i++) {
			const cJSON *v = cJSON_GetObjectItemCaseSensitive(m, mkeys[i]);
			char *txt;

			if (!v || (cJSON_IsString(v) && !*v->valuestring))
				continue;
			txt = cJSON_IsString(v) ? NULL : cJSON_PrintUnformatted(v);
			if (nm > 1) {
				fprintf(f, "<tr><th>");
				E(r->t[k].name);
				fprintf(f, ": %s</th><td class=\"mono\">", mkeys[i]);
			} else {
				fprintf(f, "<tr><th>model.%s</th><td class=\"mono\">", mkeys[i]);
			}
			E(txt ? txt : v->valuestring);
			fprintf(f, "</td></tr>\n");
			free(txt);
		}
	}
	fprintf(f, "<tr><th>simulated</th><td>%s</td></tr><tr><th>price table</th><td>", r->simulated ? "yes" : "no");
	if (r->have_prices) {
		E(r->prices.file);
		fprintf(f, ", as of ");
		E(r->prices.as_of);
	} else {
		fprintf(f, "none found");
	}
	fprintf(f, "</td></tr></table>\n");
}

static const char sort_js[] =
	"<script>\n"
	"document.querySelectorAll('table.sortable th').forEach(function(th,col){\n"
	" th.addEventListener('click',function(){\n"
	"  var tb=th.closest('table').tBodies[0],rows=Array.from(tb.rows),asc=th.dataset.asc!=='1';\n"
	"  th.dataset.asc=asc?'1':'0';\n"
	"  function key(r){var c=r.cells[col],v=c.dataset.v;return v!==undefined?parseFloat(v):c.textContent;}\n"
	"  rows.sort(function(a,b){var x=key(a),y=key(b);var d=(typeof x==='number'&&typeof y==='number')?x-y:String(x).localeCompare(String(y),undefined,{numeric:true});return asc?d:-d;});\n"
	"  rows.forEach(function(r){tb.appendChild(r);});\n"
	" });\n"
	"});\n"
	"</script>\n";

int rp_write_html(const struct rp_run *r, FILE *f)
{
	fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>pinglab report ");
	E(r->run_id);
	fprintf(f, "</title>\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
	css(f);
	fprintf(f, "</head><body>\n<h1>pinglab report <span class=\"mono\">");
	E(r->run_id);
	fprintf(f, "</span></h1>\n<p class=\"muted\">How correctly and how fast each target acts as an IPv4 stack answering "
		   "pings, packet by packet. <a href=\"#summary\">Summary</a> · <a href=\"#latency\">Latency</a> · "
		   "<a href=\"#leaderboard\">Leaderboard</a> · <a href=\"#cost\">Cost</a> · <a href=\"#matrix\">Scenarios</a> · <a href=\"#packets\">Packets</a> · "
		   "<a href=\"#method\">Method</a></p>\n");
	if (r->partial)
	{
		fprintf(f, "<p class=\"banner\"><b>Partial run</b>: ");
		if (r->stopped[0]) {
			fprintf(f, "stopped before the end: ");
			E(r->stopped);
		} else {
			fprintf(f, "interrupted before the end");
		}
		fprintf(f, "; the figures cover what was played.</p>\n");
	}
	if (r->simulated)
		fprintf(f, "<p class=\"banner\"><b>Simulated model</b>: the model target is pinglab's mock LLM server "
			   "(a seeded behaviour profile), not a real model.</p>\n");
	if (rp_replay_of(r)) {
		fprintf(f, "<p class=\"banner\"><b>Replay</b> of run <span class=\"mono\">");
		E(rp_replay_of(r));
		fprintf(f, "</span>: the model's answers are the ones recorded there; no model was asked.</p>\n");
	}
	summary(r, f);
	paired(r, f);
	cdf(r, f);
	cost(r, f);
	matrix(r, f);
	packets(r, f);
	method(r, f);
	fputs(sort_js, f);
	fprintf(f, "</body></html>\n");
	return ferror(f) ? -EIO : 0;
}
