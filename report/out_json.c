/* report.json — schema "pinglab.report/1" (report/schema.json). */
#include "report/out.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonnum.h"

static void num(cJSON *o, const char *k, double v)
{
	if (isnan(v) || isinf(v))
		cJSON_AddNullToObject(o, k);
	else
		cJSON_AddNumberToObject(o, k, v);
}

static void str_or_null(cJSON *o, const char *k, const char *v)
{
	if (v)
		cJSON_AddStringToObject(o, k, v);
	else
		cJSON_AddNullToObject(o, k);
}

static void add_dist(cJSON *o, const char *k, const struct rp_dist *d)
{
	cJSON *x = cJSON_AddObjectToObject(o, k);

	cJSON_AddNumberToObject(x, "n", (double)d->n);
	num(x, "p50", d->p50);
	num(x, "p90", d->p90);
	num(x, "p99", d->p99);
	num(x, "max", d->max);
}

static void add_tokens(cJSON *o, const char *k, const double tok[PL_TOK__COUNT])
{
	cJSON *x = cJSON_AddObjectToObject(o, k);

	cJSON_AddNumberToObject(x, "input", tok[PL_TOK_INPUT]);
	cJSON_AddNumberToObject(x, "output", tok[PL_TOK_OUTPUT]);
	cJSON_AddNumberToObject(x, "cache_read", tok[PL_TOK_CACHE_READ]);
	cJSON_AddNumberToObject(x, "cache_write", tok[PL_TOK_CACHE_WRITE]);
}

static void add_est(cJSON *o, const char *k, double v, double se)
{
	cJSON *x = cJSON_AddObjectToObject(o, k);

	num(x, "value", v);
	num(x, "se", se);
}

static void copy_item(cJSON *dst, const cJSON *src, const char *k)
{
	const cJSON *v = src ? cJSON_GetObjectItemCaseSensitive(src, k) : NULL;

	if (v)
		cJSON_AddItemToObject(dst, k, cJSON_Duplicate(v, 1));
}

static cJSON *build(const struct rp_run *r)
{
	cJSON *o = cJSON_CreateObject(), *a, *env, *sum, *sc;
	size_t i, k, c, kk;
	char note[1024];

	cJSON_AddStringToObject(o, "schema", "pinglab.report/1");
	cJSON_AddStringToObject(o, "run_id", r->run_id);
	cJSON_AddBoolToObject(o, "simulated", r->simulated);
	cJSON_AddStringToObject(o, "stack", r->stack->name);
	cJSON_AddBoolToObject(o, "partial", r->partial);
	if (r->stopped[0])
		cJSON_AddStringToObject(o, "stopped", r->stopped);
	str_or_null(o, "pinglab_version", r->version);
	str_or_null(o, "started", r->started);
	str_or_null(o, "ended", r->ended);
	cJSON_AddNumberToObject(o, "repeat", r->repeat);
	env = cJSON_AddObjectToObject(o, "environment");
	copy_item(env, r->run, "lab");
	copy_item(env, r->run, "kernel");
	copy_item(env, r->run, "cpu");
	copy_item(env, r->run, "cpus");
	copy_item(o, r->run, "seed");
	copy_item(o, r->run, "tag");
	copy_item(o, r->run, "model");
	copy_item(o, r->run, "models");
	a = cJSON_AddObjectToObject(o, "prices");
	if (r->have_prices) {
		cJSON_AddStringToObject(a, "file", r->prices.file);
		cJSON_AddStringToObject(a, "as_of", r->prices.as_of);
	}
	cJSON_AddNumberToObject(o, "skipped_lines", (double)r->skipped_lines);
	cJSON_AddNumberToObject(o, "unmatched", (double)r->unmatched);

	a = cJSON_AddArrayToObject(o, "targets");
	for (k = 0; k < r->nt; k++) {
		cJSON *t = cJSON_CreateObject();

		cJSON_AddStringToObject(t, "name", r->t[k].name);
		cJSON_AddStringToObject(t, "kind", rp_target_kind(&r->t[k]));
		cJSON_AddBoolToObject(t, "simulated", r->t[k].is_model && r->simulated);
		if (r->t[k].model_id[0])
			cJSON_AddStringToObject(t, "model_id", r->t[k].model_id);
		cJSON_AddItemToArray(a, t);
	}

	sum = cJSON_AddObjectToObject(o, "summary");
	for (k = 0; k < r->nt; k++) {
		const struct rp_target *t = &r->t[k];
		cJSON *s = cJSON_AddObjectToObject(sum, t->name), *v, *cat, *cost, *ua;

		cJSON_AddNumberToObject(s, "total", (double)t->total);
		cJSON_AddNumberToObject(s, "pass", (double)t->pass);
		if (t->total) {
			cJSON *w = cJSON_AddArrayToObject(s, "pass_rate_wilson95");

			num(s, "pass_rate", (double)t->pass / (double)t->total);
			cJSON_AddItemToArray(w, cJSON_CreateNumber(round(t->pass_lo * 1e6) / 1e6));
			cJSON_AddItemToArray(w, cJSON_CreateNumber(round(t->pass_hi * 1e6) / 1e6));
		}
		v = cJSON_AddObjectToObject(s, "verdicts");
		for (i = 0; i < V__COUNT; i++)
			cJSON_AddNumberToObject(v, pl_verdict_name((enum pl_verdict)i), (double)t->v[i]);
		cat = cJSON_AddObjectToObject(s, "categories");
		for (c = 0; c < r->ncats; c++) {
			cJSON *x;

			if (!t->cat_total[c])
				continue;
			x = cJSON_AddObjectToObject(cat, r->cats[c]);
			cJSON_AddNumberToObject(x, "pass", (double)t->cat_pass[c]);
			cJSON_AddNumberToObject(x, "total", (double)t->cat_total[c]);
		}
		cat = cJSON_AddObjectToObject(s, "answers");
		for (c = 0; c < PL_ANS__COUNT; c++) {
			cJSON *x;

			if (!t->ans_total[c])
				continue;
			x = cJSON_AddObjectToObject(cat, pl_answer_name((enum pl_answer)c));
			cJSON_AddNumberToObject(x, "pass", (double)t->ans_pass[c]);
			cJSON_AddNumberToObject(x, "total", (double)t->ans_total[c]);
		}
		add_dist(s, "rtt_us", &t->rtt);
		add_dist(s, "decision_us", &t->decision);
		add_tokens(s, "tokens", t->tok);
		ua = cJSON_AddObjectToObject(s, "unattributed");
		cJSON_AddNumberToObject(ua, "entries", (double)t->unattributed);
		add_tokens(ua, "tokens", t->unattributed_tok);
		cost = cJSON_AddObjectToObject(s, "cost");
		cJSON_AddBoolToObject(cost, "estimate", true);
		cJSON_AddBoolToObject(cost, "known", t->is_model && t->cost_known);
		if (t->is_model && t->cost_known)
			cJSON_AddNumberToObject(cost, "usd", round(t->cost_usd * 1e6) / 1e6);
		else
			cJSON_AddNullToObject(cost, "usd");
		if (t->model_id[0])
			cJSON_AddStringToObject(cost, "model_id", t->model_id);
		if (r->have_prices)
			cJSON_AddStringToObject(cost, "as_of", r->prices.as_of);
		cJSON_AddStringToObject(cost, "note", rp_model_cost_note(r, t, note, sizeof(note)));
		if (t->is_model) {
			cJSON_AddNumberToObject(s, "thinking_tokens", t->thinking);
			if (t->request[0])
				cJSON_AddStringToObject(s, "request", t->request);
		}
		if (r->repeat > 1) {
			cJSON *pa = cJSON_AddArrayToObject(s, "pass_at_k"), *ph = cJSON_AddArrayToObject(s, "pass_hat_k");

			for (kk = 1; kk <= r->repeat; kk++) {
				cJSON *x = cJSON_CreateObject(), *y = cJSON_CreateObject();

				cJSON_AddNumberToObject(x, "k", (double)kk);
				num(x, "value", t->pass_at_k[kk]);
				num(x, "se", t->pass_at_k_se[kk]);
				cJSON_AddItemToArray(pa, x);
				cJSON_AddNumberToObject(y, "k", (double)kk);
				num(y, "value", t->pass_hat_k[kk]);
				num(y, "se", t->pass_hat_k_se[kk]);
				cJSON_AddItemToArray(ph, y);
			}
		}
	}

	{
		cJSON *pa = cJSON_AddArrayToObject(o, "paired");

		for (k = 0; k < r->npairs; k++) {
			const struct rp_pair *q = &r->pairs[k];
			cJSON *x = cJSON_CreateObject();

			cJSON_AddStringToObject(x, "a", r->t[q->a].name);
			cJSON_AddStringToObject(x, "b", r->t[q->b].name);
			cJSON_AddNumberToObject(x, "packets", (double)q->n);
			cJSON_AddNumberToObject(x, "both_pass", (double)q->both_pass);
			cJSON_AddNumberToObject(x, "a_only", (double)q->a_only);
			cJSON_AddNumberToObject(x, "b_only", (double)q->b_only);
			cJSON_AddNumberToObject(x, "both_fail", (double)q->both_fail);
			cJSON_AddNumberToObject(x, "mcnemar_p", q->mcnemar_p);
			if (q->rtt_pairs) {
				cJSON *rr = cJSON_AddObjectToObject(x, "rtt_ratio");

				cJSON_AddNumberToObject(rr, "pairs", (double)q->rtt_pairs);
				cJSON_AddNumberToObject(rr, "p25", q->rtt_ratio_p25);
				cJSON_AddNumberToObject(rr, "p50", q->rtt_ratio_p50);
				cJSON_AddNumberToObject(rr, "p75", q->rtt_ratio_p75);
			} else {
				cJSON_AddNullToObject(x, "rtt_ratio");
			}
			cJSON_AddItemToArray(pa, x);
		}
	}
	sc = cJSON_AddArrayToObject(o, "scenarios");
	for (i = 0; i < r->ns; i++) {
		const struct rp_scenario *s = &r->s[i];
		cJSON *e = cJSON_CreateObject(), *res;

		cJSON_AddStringToObject(e, "id", s->id);
		cJSON_AddStringToObject(e, "category", s->category);
		str_or_null(e, "expect", s->expect);
		if (s->description)
			cJSON_AddStringToObject(e, "description", s->description);
		if (s->hash)
			cJSON_AddStringToObject(e, "hash", s->hash);
		if (s->file)
			cJSON_AddStringToObject(e, "file", s->file);
		res = cJSON_AddObjectToObject(e, "results");
		for (k = 0; k < r->nt; k++) {
			const struct rp_result *x = &s->res[k];
			cJSON *y, *d;

			if (!x->present)
				continue;
			y = cJSON_AddObjectToObject(res, r->t[k].name);
			cJSON_AddStringToObject(y, "verdict", pl_verdict_name((enum pl_verdict)x->verdict));
			str_or_null(y, "expect", x->expect);
			num(y, "rtt_us", x->rtt_p50);
			cJSON_AddNumberToObject(y, "packets", (double)x->npk);
			cJSON_AddNumberToObject(y, "packets_pass", (double)x->npass);
			cJSON_AddNumberToObject(y, "trials", x->trials);
			cJSON_AddNumberToObject(y, "trials_pass", x->trials_pass);
			num(y, "pass_rate", x->pass_rate);
			num(y, "pass_rate_se", x->pass_rate_se);
			if (x->trials > 1) {
				add_est(y, "pass_at_k", x->pass_at_k, x->pass_at_k_se);
				add_est(y, "pass_hat_k", x->pass_hat_k, x->pass_hat_k_se);
			}
			if (r->t[k].is_model)
				add_tokens(y, "tokens", x->tok);
			d = cJSON_AddArrayToObject(y, "failures");
			for (c = x->first; c < x->first + x->npk; c++) {
				const struct rp_pkt *p = &r->p[r->grp[c]];
				cJSON *f;

				if (p->verdict == V_PASS)
					continue;
				f = cJSON_CreateObject();
				cJSON_AddNumberToObject(f, "packet", p->packet);
				cJSON_AddNumberToObject(f, "rep", p->rep);
				cJSON_AddNumberToObject(f, "trial", p->trial);
				cJSON_AddStringToObject(f, "verdict", pl_verdict_name((enum pl_verdict)p->verdict));
				cJSON_AddItemToObject(f, "diff", p->diff ? cJSON_Duplicate(p->diff, 1) : cJSON_CreateArray());
				if (p->note)
					cJSON_AddStringToObject(f, "note", p->note);
				cJSON_AddItemToArray(d, f);
			}
		}
		cJSON_AddItemToArray(sc, e);
	}

	return o;
}

/* s as cJSON prints a string: " \\ \b \f \n \r \t escaped, other control bytes as \u00xx */
static void put_str(FILE *f, const char *s)
{
	static const char hex[] = "0123456789abcdef";

	fputc('"', f);
	while (*s) {
		size_t n = 0;
		unsigned char c;

		for (; (c = (unsigned char)s[n]) >= 0x20 && c != '"' && c != '\\'; n++)
			;
		fwrite(s, 1, n, f);
		s += n;
		if (!c)
			break;
		switch (c) {
		case '"': fputs("\\\"", f); break;
		case '\\': fputs("\\\\", f); break;
		case '\b': fputs("\\b", f); break;
		case '\f': fputs("\\f", f); break;
		case '\n': fputs("\\n", f); break;
		case '\r': fputs("\\r", f); break;
		case '\t': fputs("\\t", f); break;
		default: fprintf(f, "\\u00%c%c", hex[c >> 4], hex[c & 15]);
		}
		s++;
	}
	fputc('"', f);
}

static void put_num(FILE *f, const char *key, double v)
{
	char buf[48];

	fprintf(f, ",\"%s\":%s", key, pl_json_num(buf, sizeof(buf), v));
}

/* One entry of "packets", written as cJSON_PrintUnformatted would write the object. */
static int put_packet(const struct rp_run *r, const struct rp_pkt *p, FILE *f)
{
	fputs("{\"scenario\":", f);
	put_str(f, r->s[p->scn].id);
	fputs(",\"target\":", f);
	put_str(f, r->t[p->tgt].name);
	put_num(f, "packet", p->packet);
	put_num(f, "rep", p->rep);
	put_num(f, "trial", p->trial);
	fputs(",\"verdict\":", f);
	put_str(f, pl_verdict_name((enum pl_verdict)p->verdict));
	put_num(f, "sent_len", (double)(p->sent_hex / 2));
	put_num(f, "reply_len", p->has_reply ? (double)(p->reply_hex / 2) : NAN);
	put_num(f, "rtt_us", p->rtt_us >= 0 ? p->rtt_us : NAN);
	put_num(f, "wall_sent_us", round(p->wall_sent_us));
	if (p->decision_us >= 0)
		put_num(f, "decision_us", p->decision_us);
	if (p->join || (p->diff && cJSON_GetArraySize(p->diff) > 0)) {
		/* the rarer members through cJSON itself */
		cJSON *e = cJSON_CreateObject();
		char *txt;

		if (p->join)
			add_tokens(e, "tokens", rp_join_of(r, p)->tok);
		if (p->diff && cJSON_GetArraySize(p->diff) > 0)
			cJSON_AddItemToObject(e, "diff", cJSON_Duplicate(p->diff, 1));
		txt = e ? cJSON_PrintUnformatted(e) : NULL;
		cJSON_Delete(e);
		if (!txt || txt[0] != '{' || !txt[1]) {
			free(txt);
			return -ENOMEM;
		}
		fputc(',', f);
		fputs(txt + 1, f);
		free(txt);
		return 0;
	}
	fputc('}', f);
	return 0;
}

int rp_write_json(const struct rp_run *r, FILE *f)
{
	cJSON *o = build(r);
	char *txt = o ? cJSON_Print(o) : NULL, *end;
	size_t i;
	int rc = -EIO;

	/* everything but the packets as one pretty-printed tree; then "packets", one
	 * line per packet, streamed so a large run never holds them twice */
	if (!txt || !(end = strrchr(txt, '}')))
		goto out;
	*end = '\0';
	while (end > txt && (end[-1] == '\n' || end[-1] == '\t'))
		*--end = '\0';
	if (fputs(txt, f) < 0 || fputs(",\n\t\"packets\":\t[", f) < 0)
		goto out;
	for (i = 0; i < r->np; i++) {
		fputs(i ? ",\n\t\t" : "\n\t\t", f);
		if (put_packet(r, &r->p[i], f))
			goto out;
	}
	rc = fputs("]\n}\n", f) >= 0 && !ferror(f) ? 0 : -EIO;
out:
	free(txt);
	cJSON_Delete(o);
	return rc;
}
