#include "report/report.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report/out.h"
#include "model/table.h"

static const struct {
	const char *name, *file;
	unsigned bit;
	int (*write)(const struct rp_run *r, FILE *f);
	const char *mode;
} formats[] = {
	{ "json", "report.json", PL_REPORT_JSON, rp_write_json, "w" },
	{ "md", "report.md", PL_REPORT_MD, rp_write_md, "w" },
	{ "html", "report.html", PL_REPORT_HTML, rp_write_html, "w" },
	{ "junit", "junit.xml", PL_REPORT_JUNIT, rp_write_junit, "w" },
	{ "pcapng", "packets.pcapng", PL_REPORT_PCAPNG, rp_write_pcapng, "wb" },
};
#define NFORMATS (sizeof(formats) / sizeof(formats[0]))

int pl_report_parse_formats(const char *s, unsigned *out, struct pl_err *err)
{
	char buf[128], *tok, *save = NULL;
	size_t i;

	*out = 0;
	if (!s || strlen(s) >= sizeof(buf))
		return pl_errf(err, -EINVAL, "--format wants md, html, json, junit, pcapng or all");
	strcpy(buf, s);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "all")) {
			*out |= PL_REPORT_ALL;
			continue;
		}
		for (i = 0; i < NFORMATS && strcmp(tok, formats[i].name); i++)
			;
		if (i == NFORMATS)
			return pl_errf(err, -EINVAL, "unknown format '%s' (md, html, json, junit, pcapng, all)", tok);
		*out |= formats[i].bit;
	}
	return *out ? 0 : pl_errf(err, -EINVAL, "--format is empty");
}

static int render_loaded(const struct rp_run *r, const char *dir, unsigned want, struct pl_err *err);

int pl_report_render(const char *dir, unsigned want, const char *prices, struct pl_err *err)
{
	struct rp_run r;
	int rc;

	if (rp_load(dir, prices, &r, err))
		return -EINVAL;
	rp_print_warnings(&r, "pinglab report", stderr);
	rc = render_loaded(&r, dir, want, err);
	rp_free(&r);
	return rc;
}

/* The leaderboard on a terminal: every target's pass rate with its Wilson interval,
 * median RTT and cost, then each pair of targets on the same packets. */
static void board(const struct rp_run *r, FILE *f)
{
	size_t k, w = 20;

	for (k = 0; k < r->nt; k++)
		if (strlen(r->t[k].name) > w)
			w = strlen(r->t[k].name);
	fprintf(f, "\n%-*s %9s %6s %15s %10s %9s\n", (int)w, "leaderboard", "pass", "rate", "95 % interval",
		"RTT p50", "cost");
	for (k = 0; k < r->nt; k++) {
		const struct rp_target *t = &r->t[k];
		char pass[48], rtt[32], cost[32];

		if (!t->total)
			continue;
		snprintf(pass, sizeof(pass), "%zu/%zu", t->pass, t->total);
		rp_fmt_us(rtt, sizeof(rtt), t->rtt.p50);
		rp_fmt_cost(cost, sizeof(cost), t);
		/* "µs" is one column wide and two bytes long */
		fprintf(f, "%-*s %9s %6.3f   %.3f – %.3f %*s %9s\n", (int)w, t->name, pass, (double)t->pass / (double)t->total,
			t->pass_lo, t->pass_hi, strstr(rtt, "µ") ? 11 : 10, rtt, cost);
	}
	if (!r->npairs)
		return;
	fprintf(f, "\n%-*s %-*s %7s %6s %6s %9s   (A only: A passed where B did not; McNemar exact p)\n", (int)w,
		"paired: A", (int)w, "B", "packets", "A only", "B only", "p");
	for (k = 0; k < r->npairs; k++) {
		const struct rp_pair *q = &r->pairs[k];

		fprintf(f, "%-*s %-*s %7zu %6zu %6zu %9.3g\n", (int)w, r->t[q->a].name, (int)w, r->t[q->b].name, q->n,
			q->a_only, q->b_only, q->mcnemar_p);
	}
}

static int render_loaded(const struct rp_run *r, const char *dir, unsigned want, struct pl_err *err)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < NFORMATS && !rc; i++) {
		char path[4200], tmp[4300];
		FILE *f;

		if (!(want & formats[i].bit))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, formats[i].file);
		snprintf(tmp, sizeof(tmp), "%s.tmp", path);
		f = fopen(tmp, formats[i].mode);
		if (!f) {
			rc = pl_errf(err, -errno, "%s: %s", tmp, strerror(errno));
			break;
		}
		setvbuf(f, NULL, _IOFBF, 1 << 20);
		rc = formats[i].write(r, f);
		if (fclose(f) && !rc)
			rc = -EIO;
		if (rc) {
			unlink(tmp);
			pl_errf(err, rc, "%s: %s", path, strerror(-rc));
		} else if (rename(tmp, path)) {
			rc = pl_errf(err, -errno, "%s: %s", path, strerror(errno));
		}
	}
	return rc;
}

int pl_report_run_dir(const char *dir, const char *bindir, FILE *leaderboard, struct pl_err *err)
{
	char prices[4096];
	struct rp_run r;
	int rc;

	if (rp_load(dir, pl_mtab_locate(bindir, prices, sizeof(prices)) ? NULL : prices, &r, err))
		return -EINVAL;
	rp_print_warnings(&r, "pinglab report", stderr);
	rc = render_loaded(&r, dir, PL_REPORT_ALL, err);
	if (leaderboard && r.nt > 1)
		board(&r, leaderboard);
	rp_free(&r);
	return rc;
}

const char *rp_target_kind(const struct rp_target *t)
{
	return t->kind_kernel ? "kernel" : t->is_model ? "model" : "reference";
}

/* A double is m·2^e; with |v| below 2^53 and e < 0, v·10^d = m·10^d / 2^-e, and
 * m·10^d < 2^63 for d <= 3: the quotient and remainder in integers, then round half to
 * even as glibc's printf does, give its digits exactly. Anything else goes to snprintf. */
char *rp_fmt_fixed(char *out, size_t n, double v, int d)
{
	static const uint64_t p10[] = { 1, 10, 100, 1000 };
	double a = fabs(v);
	int e;
	uint64_t m, q, rem, half;
	char digits[32];
	size_t k = 0, i = 0;

	if (d < 0 || d > 3 || !isfinite(v) || a >= 9007199254740992.0 || n < 48) {
		snprintf(out, n, "%.*f", d, v);
		return out;
	}
	m = (uint64_t)ldexp(frexp(a, &e), 53); /* a = m * 2^(e - 53) */
	e -= 53;
	m *= p10[d];
	if (e >= 0) {
		q = m << e;
	} else if (-e >= 64) {
		q = 0;
		if (m) { /* below half a unit of the last digit: not a tie */
			snprintf(out, n, "%.*f", d, v);
			return out;
		}
	} else {
		q = m >> -e;
		rem = m & ((UINT64_C(1) << -e) - 1);
		half = UINT64_C(1) << (-e - 1);
		if (rem > half || (rem == half && (q & 1)))
			q++;
	}
	do {
		digits[k++] = (char)('0' + q % 10);
		q /= 10;
	} while (q || k <= (size_t)d);
	if (signbit(v))
		out[i++] = '-';
	while (k) {
		out[i++] = digits[--k];
		if (k == (size_t)d && d)
			out[i++] = '.';
	}
	out[i] = '\0';
	return out;
}

void rp_fmt_us(char *out, size_t n, double us)
{
	char b[48];

	if (isnan(us) || us < 0)
		snprintf(out, n, "–");
	else if (us < 1000)
		snprintf(out, n, "%s µs", rp_fmt_fixed(b, sizeof(b), us, 0));
	else if (us < 1e6)
		snprintf(out, n, "%s ms", rp_fmt_fixed(b, sizeof(b), us / 1e3, 1));
	else
		snprintf(out, n, "%s s", rp_fmt_fixed(b, sizeof(b), us / 1e6, 2));
}

void rp_fmt_cost(char *out, size_t n, const struct rp_target *t)
{
	if (!t->is_model)
		snprintf(out, n, "n/a");
	else if (!t->cost_known)
		snprintf(out, n, "unknown");
	else
		snprintf(out, n, "$%.*f", t->cost_usd < 0.01 && t->cost_usd > 0 ? 4 : 2, t->cost_usd);
}

const char *rp_replay_of(const struct rp_run *r)
{
	size_t k;

	for (k = 0; k < r->nt; k++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(r->t[k].mobj, "replay_of");

		if (r->t[k].is_model && cJSON_IsString(v))
			return v->valuestring;
	}
	return NULL;
}

size_t rp_model_count(const struct rp_run *r)
{
	size_t k, n = 0;

	for (k = 0; k < r->nt; k++)
		n += r->t[k].is_model;
	return n;
}

const char *rp_model_cost_note(const struct rp_run *r, const struct rp_target *t, char *buf, size_t n)
{
	const char *as_of = r->have_prices && r->prices.as_of[0] ? r->prices.as_of : "undated";

	if (!t->is_model)
		snprintf(buf, n, "no model, no tokens");
	else if (!r->have_prices)
		snprintf(buf, n, "no price table found: cost unknown");
	else if (!t->cost_known)
		snprintf(buf, n, "model '%s' has no price in %s: cost unknown", t->model_id[0] ? t->model_id : "?", r->prices.file);
	else
		snprintf(buf, n, "estimate: %s list prices from %s (as of %s)%s", t->model_id, r->prices.file, as_of,
			 r->simulated ? "; simulated model: what these tokens would cost on the model id it reports" : "");
	if (t->is_model && t->answered && t->min_cache >= 0 && !(t->tok[PL_TOK_CACHE_READ] + t->tok[PL_TOK_CACHE_WRITE] > 0)) {
		size_t used = strlen(buf);
		double per = t->tok[PL_TOK_INPUT] / (double)t->answered;

		/* the services cache only from a minimum prompt length: say why nothing was */
		if (t->min_cache == 0)
			snprintf(buf + used, n - used, "; prompt caching: not possible for this model");
		else if (per < (double)t->min_cache)
			snprintf(buf + used, n - used, "; prompt caching: not possible for this model: prompt below %ld tokens "
				 "(%.0f input tokens a request), billed in full", t->min_cache, per);
	}
	if (t->is_model && t->thinking > 0) {
		size_t used = strlen(buf);

		snprintf(buf + used, n - used, "; output includes %.0f thinking tokens, priced as output", t->thinking);
	}
	return buf;
}
