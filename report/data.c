#include "report/data.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/jsonnum.h"
#include "packet/hex.h"
#include "record/record.h"
#include "report/stats.h"

/* worst first: wrong bytes on the wire, then answering what must be dropped, then
 * silence, then the model's text, then infrastructure */
static const int severity[V__COUNT] = {
	[V_PASS] = 0, [V_API_ERROR] = 1, [V_TIMEOUT] = 2, [V_REFUSED] = 3, [V_TRUNCATED] = 4,
	[V_UNPARSEABLE] = 5, [V_MISSED_REPLY] = 6, [V_FALSE_REPLY] = 7, [V_WRONG_REPLY] = 8,
};

int rp_worse(int a, int b)
{
	if (a < 0 || a >= V__COUNT)
		return b;
	if (b < 0 || b >= V__COUNT)
		return a;
	return severity[b] > severity[a] ? b : a;
}

const char *rp_symbol(int v)
{
	switch (v) {
	case V_PASS: return "\u2713";           /* ✓ */
	case V_WRONG_REPLY: return "\u2717";    /* ✗ */
	case V_MISSED_REPLY: return "\u25cb";   /* ○ */
	case V_FALSE_REPLY: return "!";
	case V_UNPARSEABLE: return "?";
	case V_API_ERROR: return "\u26a0";      /* ⚠ */
	case V_TIMEOUT: return "\u2026";        /* … */
	case V_TRUNCATED: return "\u2702";      /* ✂ */
	case V_REFUSED: return "\u2298";        /* ⊘ */
	default: return "\u00b7";               /* · not run */
	}
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0, k;

	if (!f)
		return NULL;
	for (;;) {
		if (n + 65536 + 1 > cap) {
			char *nb = realloc(buf, cap = (cap ? cap * 2 : 131072));

			if (!nb) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		k = fread(buf + n, 1, cap - n - 1, f);
		if (!k)
			break;
		n += k;
	}
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

static int grow(void **v, size_t n, size_t size)
{
	/* capacity: 16, then doubling; grows when n reaches it */
	void *nv;

	if (n && (n < 16 || (n & (n - 1))))
		return 0;
	nv = realloc(*v, (n ? n * 2 : 16) * size);
	if (!nv)
		return -ENOMEM;
	*v = nv;
	return 0;
}

static size_t find_cat(struct rp_run *r, const char *name, int *rc)
{
	size_t i;

	for (i = 0; i < r->ncats; i++)
		if (!strcmp(r->cats[i], name))
			return i;
	if (grow((void **)&r->cats, r->ncats, sizeof(char *)) || !(r->cats[r->ncats] = strdup(name))) {
		*rc = -ENOMEM;
		return 0;
	}
	return r->ncats++;
}

static size_t find_target(struct rp_run *r, const char *name, int *rc)
{
	size_t i;

	for (i = 0; i < r->nt; i++)
		if (!strcmp(r->t[i].name, name))
			return i;
	if (grow((void **)&r->t, r->nt, sizeof(*r->t))) {
		*rc = -ENOMEM;
		return 0;
	}
	memset(&r->t[r->nt], 0, sizeof(*r->t));
	if (!(r->t[r->nt].name = strdup(name))) {
		*rc = -ENOMEM;
		return 0;
	}
	return r->nt++;
}

static size_t find_scn(struct rp_run *r, const char *id, const char *cat, int *rc)
{
	size_t i;

	for (i = 0; i < r->ns; i++)
		if (!strcmp(r->s[i].id, id))
			return i;
	if (grow((void **)&r->s, r->ns, sizeof(*r->s))) {
		*rc = -ENOMEM;
		return 0;
	}
	memset(&r->s[r->ns], 0, sizeof(*r->s));
	r->s[r->ns].id = id;
	r->s[r->ns].category = cat ? cat : "uncategorised";
	r->s[r->ns].cat = find_cat(r, r->s[r->ns].category, rc);
	return r->ns++;
}

static double iso_to_us(const char *s)
{
	struct tm tm;
	const char *rest;
	double frac = 0;

	if (!s)
		return 0;
	memset(&tm, 0, sizeof(tm));
	rest = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!rest)
		return 0;
	if (*rest == '.')
		frac = strtod(rest, NULL);
	return ((double)timegm(&tm) + frac) * 1e6;
}

static void load_run_json(struct rp_run *r, int *rc)
{
	char path[4200];
	char *txt;
	const cJSON *a, *e;

	snprintf(path, sizeof(path), "%s/run.json", r->dir);
	txt = slurp(path, NULL);
	r->run = txt ? cJSON_Parse(txt) : NULL;
	free(txt);
	if (!r->run)
		return;
	r->run_id = pl_jstr(r->run, "run_id");
	r->started = pl_jstr(r->run, "started");
	r->ended = pl_jstr(r->run, "ended");
	r->version = pl_jstr(r->run, "pinglab_version");
	if (pl_jstr(r->run, "stack")) {
		r->stack = pl_stack_by_name(pl_jstr(r->run, "stack"));
		r->stack_unknown = !r->stack;
	}
	r->simulated = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r->run, "simulated"));
	r->repeat = (unsigned)pl_jnum(r->run, "repeat", 1);
	r->started_us = iso_to_us(r->started);
	a = cJSON_GetObjectItemCaseSensitive(r->run, "targets");
	cJSON_ArrayForEach(e, a)
		if (cJSON_IsString(e))
			find_target(r, e->valuestring, rc);
	/* the model targets: "models"; a run from before several models, its "model" */
	a = pl_rec_run_models(r->run, &r->models_made);
	cJSON_ArrayForEach(e, a) {
		size_t i;

		if (!pl_jstr(e, "target"))
			continue;
		i = find_target(r, pl_jstr(e, "target"), rc);
		if (*rc)
			return;
		r->t[i].is_model = true;
		r->t[i].mobj = e;
	}
	a = cJSON_GetObjectItemCaseSensitive(r->run, "scenarios");
	cJSON_ArrayForEach(e, a) {
		size_t i;

		if (!pl_jstr(e, "id"))
			continue;
		i = find_scn(r, pl_jstr(e, "id"), pl_jstr(e, "category"), rc);
		if (*rc)
			return;
		r->s[i].description = pl_jstr(e, "description");
		r->s[i].hash = pl_jstr(e, "hash");
		r->s[i].file = pl_jstr(e, "file");
	}
}

/* Copy a packet's strings into one allocation of its own (NULL stays NULL). */
static int own_strings(struct rp_pkt *p, const char *expect, const char *sent, const char *reply,
		       const char *note)
{
	const char *in[4] = { expect, sent, reply, note };
	const char **out[4] = { &p->expect, &p->sent, &p->reply, &p->note };
	size_t len = 0, k, at = 0;

	for (k = 0; k < 4; k++)
		len += in[k] ? strlen(in[k]) + 1 : 0;
	p->strs = malloc(len ? len : 1);
	if (!p->strs)
		return -ENOMEM;
	for (k = 0; k < 4; k++) {
		*out[k] = NULL;
		if (in[k]) {
			size_t n = strlen(in[k]) + 1;

			memcpy(p->strs + at, in[k], n);
			*out[k] = p->strs + at;
			at += n;
		}
	}
	return 0;
}

/* A file of a run directory named in run.json: a plain name, nothing else. */
static bool run_file(const char *name)
{
	return name && *name && !strchr(name, '/') && strcmp(name, ".") && strcmp(name, "..");
}

static void load_packets(struct rp_run *r, const char *file, int *rc)
{
	char path[4200];
	char *txt, *line, *save = NULL;
	size_t ns_before;

	snprintf(path, sizeof(path), "%s/%s", r->dir, file);
	txt = slurp(path, NULL);
	if (!txt)
		return;
	for (line = strtok_r(txt, "\n", &save); line && !*rc; line = strtok_r(NULL, "\n", &save)) {
		struct pl_rec rec;
		int v;
		struct rp_pkt *p;

		pl_rec_parse(line, &rec);
		if (rec.type == PL_REC_UNMATCHED) {
			r->unmatched++;
			pl_rec_free(&rec);
			continue;
		}
		/* the generator's record of a budget guard that stopped it */
		if (rec.type == PL_REC_STOPPED) {
			r->stopped_early = true;
			if (!r->stopped[0] && rec.detail)
				snprintf(r->stopped, sizeof(r->stopped), "%s", rec.detail);
			pl_rec_free(&rec);
			continue;
		}
		v = rec.type == PL_REC_PACKET ? pl_verdict_from_name(rec.verdict) : -1;
		if (v < 0) {
			const char *type = rec.o ? pl_jstr(rec.o, "type") : NULL;

			if (!rec.o || (type && !strcmp(type, "packet")))
				r->skipped_lines++;
			pl_rec_free(&rec);
			continue;
		}
		if (grow((void **)&r->p, r->np, sizeof(*r->p))) {
			pl_rec_free(&rec);
			*rc = -ENOMEM;
			break;
		}
		p = &r->p[r->np++];
		memset(p, 0, sizeof(*p));
		ns_before = r->ns;
		p->scn = find_scn(r, rec.scenario, rec.category, rc);
		p->tgt = find_target(r, rec.target, rc);
		if (*rc) {
			pl_rec_free(&rec);
			break;
		}
		if (rec.kind && !strcmp(rec.kind, "kernel"))
			r->t[p->tgt].kind_kernel = true;
		p->packet = rec.packet;
		p->rep = rec.rep;
		p->trial = rec.trial;
		if (own_strings(p, rec.expect, rec.sent, rec.reply, rec.note)) {
			pl_rec_free(&rec);
			*rc = -ENOMEM;
			break;
		}
		p->diff = cJSON_DetachItemFromObjectCaseSensitive(rec.o, "diff");
		p->t_sent_us = rec.t_sent_us;
		p->t_reply_us = rec.t_reply_us;
		p->rtt_us = p->reply ? rec.rtt_us : -1;
		p->verdict = v;
		p->delivered_known = rec.delivered_known;
		p->delivered = rec.delivered;
		p->extra = rec.extra_replies;
		p->decision_us = -1;
		if (p->trial + 1 > r->repeat)
			r->repeat = p->trial + 1;
		/* the parsed line costs kilobytes: keep it only when a new scenario's id and
		 * category point into it */
		if (r->ns > ns_before) {
			p->js = rec.o;
			rec.o = NULL;
		}
		pl_rec_free(&rec);
	}
	free(txt);
}

static cJSON *load_log(const char *dir, const char *name)
{
	char path[4200];
	char *txt, *line, *save = NULL;
	cJSON *arr = cJSON_CreateArray();

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	txt = slurp(path, NULL);
	if (!txt || !arr)
		return free(txt), arr;
	for (line = strtok_r(txt, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		cJSON *o = cJSON_Parse(line);

		if (o && pl_jstr(o, "in"))
			cJSON_AddItemToArray(arr, o);
		else
			cJSON_Delete(o);
	}
	free(txt);
	return arr;
}

struct ent {
	const char *in;
	size_t order;
	const cJSON *o;
	bool used;
};

static int cmp_ent(const void *a, const void *b)
{
	const struct ent *x = a, *y = b;
	int c = strcmp(x->in, y->in);

	return c ? c : (x->order > y->order) - (x->order < y->order);
}


/* Join one responder log to the packets of the target it served, in file order: the
 * reference's (model false), or model target `only`'s. */
static int join(struct rp_run *r, const cJSON *log, bool model, size_t only)
{
	size_t m = (size_t)cJSON_GetArraySize(log), i, k;
	struct ent *e = m ? calloc(m, sizeof(*e)) : NULL;
	const cJSON *o;
	const char *dflt_model = NULL;

	if (!m)
		return 0;
	if (!e)
		return -ENOMEM;
	if (model && only < r->nt)
		dflt_model = pl_jstr(r->t[only].mobj, "model");
	i = 0;
	cJSON_ArrayForEach(o, log) {
		e[i].in = pl_jstr(o, "in");
		e[i].order = i;
		e[i].o = o;
		i++;
	}
	qsort(e, m, sizeof(*e), cmp_ent);
	for (i = 0; i < r->np; i++) {
		struct rp_pkt *p = &r->p[i];
		struct rp_target *t = &r->t[p->tgt];
		size_t lo = 0, hi = m;
		const cJSON *tk;

		if (t->kind_kernel || t->is_model != model || (model && p->tgt != only) ||
		    (p->delivered_known && !p->delivered))
			continue;
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;

			if (strcmp(e[mid].in, p->sent) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		while (lo < m && e[lo].used && !strcmp(e[lo].in, p->sent))
			lo++;
		if (lo == m || strcmp(e[lo].in, p->sent))
			continue;
		e[lo].used = true;
		p->log = e[lo].o;
		tk = cJSON_GetObjectItemCaseSensitive(p->log, "tokens");
		for (k = 0; k < PL_TOK__COUNT; k++)
			p->tok[k] = pl_jnum(tk, pl_tok_key(k), 0);
		p->thinking = pl_jnum(tk, "thinking", 0);
		p->decision_us = pl_jnum(cJSON_GetObjectItemCaseSensitive(p->log, "timing_us"), "total", -1);
		p->model = pl_jstr(p->log, "model");
		if (!p->model || !*p->model)
			p->model = dflt_model && *dflt_model ? dflt_model : NULL;
		t->answered++;
		{
			double off = pl_jnum(p->log, "t_recv_us", -1);

			if (off > 0) {
				off -= p->t_sent_us;
				if (!t->wall_from_log || off < t->wall_offset_us)
					t->wall_offset_us = off;
				t->wall_from_log = true;
			}
		}
	}
	/* what no generator packet accounts for (e.g. a reply routed back into tun0) */
	for (i = 0; i < m; i++) {
		if (e[i].used)
			continue;
		for (k = 0; k < r->nt; k++) {
			struct rp_target *t = &r->t[k];
			const cJSON *tk = cJSON_GetObjectItemCaseSensitive(e[i].o, "tokens");
			size_t j;

			if (t->kind_kernel || t->is_model != model || (model && k != only))
				continue;
			t->unattributed++;
			for (j = 0; j < PL_TOK__COUNT; j++)
				t->unattributed_tok[j] += pl_jnum(tk, pl_tok_key(j), 0);
			break;
		}
	}
	free(e);
	return 0;
}

static void dist(double *v, size_t n, struct rp_dist *d)
{
	d->n = n;
	d->p50 = pl_stat_percentile(v, n, 50);
	d->p90 = pl_stat_percentile(v, n, 90);
	d->p99 = pl_stat_percentile(v, n, 99);
	d->max = n ? v[n - 1] : NAN;
}

static const struct rp_run *sort_run; /* qsort has no context argument; set just around it */

static int cmp_pkt_idx(const void *a, const void *b)
{
	const struct rp_pkt *x = &sort_run->p[*(const size_t *)a], *y = &sort_run->p[*(const size_t *)b];

	if (x->tgt != y->tgt)
		return x->tgt < y->tgt ? -1 : 1;
	if (x->scn != y->scn)
		return x->scn < y->scn ? -1 : 1;
	return (*(const size_t *)a > *(const size_t *)b) - (*(const size_t *)a < *(const size_t *)b);
}

static int aggregate(struct rp_run *r)
{
	size_t i, k, R = r->repeat ? r->repeat : 1;
	size_t *idx = calloc(r->np + 1, sizeof(*idx));
	double *v = calloc(r->np + 1, sizeof(*v)), *acc = calloc(r->ns + 1, sizeof(double) * 4);
	unsigned char *trial = calloc(R, 1);
	uint8_t *sent_buf = malloc(65536), *ans_buf = malloc(65600);
	int rc = 0;

	if (!r->stack)
		r->stack = pl_stack(PL_STACK_ECHO);
	if (!idx || !v || !acc || !trial || !sent_buf || !ans_buf) {
		rc = -ENOMEM;
		goto out;
	}
	for (i = 0; i < r->ns; i++)
		if (!(r->s[i].res = calloc(r->nt ? r->nt : 1, sizeof(struct rp_result)))) {
			rc = -ENOMEM;
			goto out;
		}
	for (k = 0; k < r->nt; k++) {
		struct rp_target *t = &r->t[k];

		t->cat_total = calloc(r->ncats + 1, sizeof(size_t));
		t->cat_pass = calloc(r->ncats + 1, sizeof(size_t));
		t->pass_at_k = calloc(R + 1, sizeof(double));
		t->pass_at_k_se = calloc(R + 1, sizeof(double));
		t->pass_hat_k = calloc(R + 1, sizeof(double));
		t->pass_hat_k_se = calloc(R + 1, sizeof(double));
		if (!t->cat_total || !t->cat_pass || !t->pass_at_k || !t->pass_at_k_se || !t->pass_hat_k || !t->pass_hat_k_se) {
			rc = -ENOMEM;
			goto out;
		}
		if (!t->wall_from_log)
			t->wall_offset_us = r->started_us;
	}
	/* the kernel shares its generator (and clock) with the reference target */
	for (k = 0; k < r->nt; k++)
		if (r->t[k].kind_kernel && !r->t[k].wall_from_log)
			for (i = 0; i < r->nt; i++)
				if (!r->t[i].kind_kernel && !r->t[i].is_model && r->t[i].wall_from_log)
					r->t[k].wall_offset_us = r->t[i].wall_offset_us;

	for (i = 0; i < r->np; i++) {
		struct rp_pkt *p = &r->p[i];
		struct rp_target *t = &r->t[p->tgt];
		struct rp_scenario *s = &r->s[p->scn];

		idx[i] = i;
		p->wall_sent_us = t->wall_offset_us + p->t_sent_us;
		p->wall_reply_us = p->t_reply_us >= 0 ? t->wall_offset_us + p->t_reply_us
				   : p->rtt_us >= 0 ? p->wall_sent_us + p->rtt_us : -1;
		t->total++;
		t->v[p->verdict]++;
		t->pass += p->verdict == V_PASS;
		t->cat_total[s->cat]++;
		t->cat_pass[s->cat] += p->verdict == V_PASS;
		if (p->sent) {
			/* the kind of answer the stack's reference gives this packet */
			size_t n = 0, an = 0;
			struct pl_decision d;
			enum pl_answer a;

			if (!pl_hex_decode(p->sent, sent_buf, 65536, &n, NULL) &&
			    r->stack->reply(sent_buf, n, t->kind_kernel ? 0x0a4d0101u : PL_RESPONDER_ADDR, ans_buf, 65600, &an, &d,
					    NULL) == 0 && d.action == PL_ACTION_REPLY)
				a = pl_answer_of(ans_buf, an);
			else
				a = PL_ANS_DROP;
			t->ans_total[a]++;
			t->ans_pass[a] += p->verdict == V_PASS;
		}
		for (k = 0; k < PL_TOK__COUNT; k++)
			t->tok[k] += p->tok[k];
		t->thinking += p->thinking;
		if (p->expect && (!s->expect || (!t->kind_kernel && !s->expect_rsp))) {
			s->expect = p->expect;
			s->expect_rsp = !t->kind_kernel;
		}
	}
	sort_run = r;
	qsort(idx, r->np, sizeof(*idx), cmp_pkt_idx);
	sort_run = NULL;

	/* per target: RTT and decision-time distributions */
	for (k = 0; k < r->nt; k++) {
		size_t n = 0, nd = 0;

		for (i = 0; i < r->np; i++)
			if (r->p[i].tgt == k && r->p[i].rtt_us >= 0)
				v[n++] = r->p[i].rtt_us;
		dist(v, n, &r->t[k].rtt);
		for (i = 0; i < r->np; i++)
			if (r->p[i].tgt == k && r->p[i].decision_us >= 0)
				v[nd++] = r->p[i].decision_us;
		dist(v, nd, &r->t[k].decision);
	}

	/* per scenario x target, over the packets grouped by (target, scenario) */
	for (i = 0; i < r->np;) {
		size_t j = i, n = 0, q;
		struct rp_pkt *p0 = &r->p[idx[i]];
		struct rp_result *res = &r->s[p0->scn].res[p0->tgt];

		memset(trial, 0, R);
		res->present = true;
		res->verdict = V_PASS;
		res->expect = p0->expect;
		for (; j < r->np && r->p[idx[j]].tgt == p0->tgt && r->p[idx[j]].scn == p0->scn; j++) {
			struct rp_pkt *p = &r->p[idx[j]];

			res->npk++;
			res->npass += p->verdict == V_PASS;
			res->verdict = rp_worse(res->verdict, p->verdict);
			if (p->rtt_us >= 0)
				v[n++] = p->rtt_us;
			for (q = 0; q < PL_TOK__COUNT; q++)
				res->tok[q] += p->tok[q];
			if (p->trial < R)
				trial[p->trial] = p->verdict == V_PASS && trial[p->trial] != 2 ? 1 : 2;
		}
		res->rtt_p50 = pl_stat_percentile(v, n, 50);
		for (q = 0; q < R; q++) {
			res->trials += trial[q] != 0;
			res->trials_pass += trial[q] == 1;
		}
		res->pass_rate = res->trials ? (double)res->trials_pass / res->trials : NAN;
		res->pass_rate_se = res->trials ? sqrt(res->pass_rate * (1 - res->pass_rate) / res->trials) : NAN;
		res->pass_at_k = res->pass_at_k_se = res->pass_hat_k = res->pass_hat_k_se = NAN;
		if (res->trials > 1) {
			res->pass_at_k = pl_stat_pass_at_k(res->trials, res->trials_pass, res->trials);
			res->pass_at_k_se = pl_stat_pass_at_k_se(res->trials, res->trials_pass, res->trials);
			res->pass_hat_k = pl_stat_pass_hat_k(res->trials, res->trials_pass, res->trials);
			res->pass_hat_k_se = pl_stat_pass_hat_k_se(res->trials, res->trials_pass, res->trials);
		}
		i = j;
	}

	/* per target: mean over scenarios of pass@k / pass^k for k = 1..R */
	for (k = 0; k < r->nt; k++) {
		struct rp_target *t = &r->t[k];
		size_t kk;

		for (kk = 1; kk <= R; kk++) {
			size_t n = 0;
			double *a = acc, *b = acc + r->ns;

			for (i = 0; i < r->ns; i++) {
				const struct rp_result *res = &r->s[i].res[k];

				if (!res->present || res->trials < kk)
					continue;
				a[n] = pl_stat_pass_at_k(res->trials, res->trials_pass, (unsigned)kk);
				b[n] = pl_stat_pass_hat_k(res->trials, res->trials_pass, (unsigned)kk);
				n++;
			}
			pl_stat_mean_se(a, n, &t->pass_at_k[kk], &t->pass_at_k_se[kk]);
			pl_stat_mean_se(b, n, &t->pass_hat_k[kk], &t->pass_hat_k_se[kk]);
		}
	}
out:
	free(idx);
	free(v);
	free(acc);
	free(trial);
	free(sent_buf);
	free(ans_buf);
	return rc;
}

/* run.json's model.request in words: "max_tokens 2048, temperature 0 (model table)". */
static void request_words(const cJSON *m, char *out, size_t n)
{
	const cJSON *rq = cJSON_GetObjectItemCaseSensitive(m, "request"), *v;
	const char *from = pl_jstr(rq, "temperature_from");
	size_t used;

	out[0] = '\0';
	if (!cJSON_IsObject(rq))
		return;
	snprintf(out, n, "%s %.0f", pl_jstr(rq, "max_tokens_field") ? pl_jstr(rq, "max_tokens_field") : "max_tokens",
		 pl_jnum(rq, "max_tokens", 0));
	used = strlen(out);
	v = cJSON_GetObjectItemCaseSensitive(rq, "temperature");
	if (cJSON_IsNumber(v))
		used += (size_t)snprintf(out + used, n - used, ", temperature %g", v->valuedouble);
	else
		used += (size_t)snprintf(out + used, n - used, ", no temperature");
	if (from && used < n)
		used += (size_t)snprintf(out + used, n - used, " (%s)", from);
	if (pl_jnum(rq, "thinking_budget", 0) > 0 && used < n)
		used += (size_t)snprintf(out + used, n - used, ", thinking budget %.0f", pl_jnum(rq, "thinking_budget", 0));
	if (pl_jstr(rq, "reasoning_effort") && used < n)
		snprintf(out + used, n - used, ", reasoning_effort %s", pl_jstr(rq, "reasoning_effort"));
}

static void price(struct rp_run *r)
{
	size_t k, i;

	for (k = 0; k < r->nt; k++) {
		struct rp_target *t = &r->t[k];
		const cJSON *m = t->mobj, *pr = cJSON_GetObjectItemCaseSensitive(m, "price");
		const char *dflt = pl_jstr(m, "model");
		struct pl_mrow own;
		bool known = true, priced = false;
		double sum = 0;

		if (!t->is_model)
			continue;
		/* the target's --price IN,OUT (or +price=): it prices this target's every
		 * answer, whatever the table says */
		if (cJSON_IsObject(pr) && r->have_prices && pl_jnum(pr, "input", -1) >= 0 && pl_jnum(pr, "output", -1) >= 0) {
			pl_mrow_flat(&own, pl_jnum(pr, "input", -1), pl_jnum(pr, "output", -1));
			priced = true;
		}
		/* priced as: the model id its answers report, else the one the run asked for */
		for (i = 0; i < r->np && !t->model_id[0]; i++)
			if (r->p[i].tgt == k && r->p[i].model)
				snprintf(t->model_id, sizeof(t->model_id), "%s", r->p[i].model);
		if (!t->model_id[0] && dflt)
			snprintf(t->model_id, sizeof(t->model_id), "%s", dflt);
		for (i = 0; i < r->np; i++) {
			const struct rp_pkt *p = &r->p[i];
			const char *model = p->model ? p->model : t->model_id;
			double usd;

			if (p->tgt != k || !p->log)
				continue;
			if (!p->tok[0] && !p->tok[1] && !p->tok[2] && !p->tok[3])
				continue; /* nothing spent (e.g. a failed request) */
			if (!pl_mrow_cost(priced ? &own : r->have_prices ? pl_mtab_find(&r->prices, model) : NULL, p->tok, &usd))
				known = false;
			sum += usd;
		}
		t->cost_known = known && r->have_prices;
		t->cost_usd = sum;
		{
			const struct pl_mrow *row = r->have_prices ? pl_mtab_find(&r->prices, t->model_id) : NULL;

			t->min_cache = priced ? -1 : row ? row->min_cache : -1;
		}
		request_words(m, t->request, sizeof(t->request));
	}
}

int rp_load(const char *dir, const char *prices, struct rp_run *r, struct pl_err *err)
{
	size_t k, nt;
	int rc = 0;
	const char *base;
	char path[4200];
	FILE *f;

	memset(r, 0, sizeof(*r));
	snprintf(r->dir, sizeof(r->dir), "%s", dir);
	snprintf(path, sizeof(path), "%s/packets.jsonl", dir);
	f = fopen(path, "r");
	if (!f) {
		snprintf(path, sizeof(path), "%s/run.json", dir);
		f = fopen(path, "r");
	}
	if (!f)
		return pl_errf(err, -ENOENT, "%s: not a run directory (no run.json or packets.jsonl)", dir);
	fclose(f);
	if (prices) {
		if (pl_mtab_load(prices, &r->prices, err))
			return -EINVAL;
		r->have_prices = true;
	}
	load_run_json(r, &rc);
	if (!rc)
		load_packets(r, "packets.jsonl", &rc);
	/* a run killed in its model phase: each model target's records are still in a file
	 * of its own (a finished run has appended them to packets.jsonl) */
	for (k = 0, nt = r->nt; k < nt && !rc; k++)
		if (r->t[k].is_model && run_file(pl_jstr(r->t[k].mobj, "packets")) &&
		    strcmp(pl_jstr(r->t[k].mobj, "packets"), "packets.jsonl"))
			load_packets(r, pl_jstr(r->t[k].mobj, "packets"), &rc);
	if (rc)
		goto fail;
	r->logs = calloc(1 + r->nt, sizeof(*r->logs));
	if (!r->logs || !(r->logs[r->nlogs++] = load_log(dir, "responder-reference.jsonl")) ||
	    join(r, r->logs[0], false, 0)) {
		rc = -ENOMEM;
		goto fail;
	}
	for (k = 0, nt = r->nt; k < nt; k++) {
		const char *log = pl_jstr(r->t[k].mobj, "log");

		if (!r->t[k].is_model)
			continue;
		if (!(r->logs[r->nlogs++] = load_log(dir, run_file(log) ? log : "responder-llm.jsonl")) ||
		    join(r, r->logs[r->nlogs - 1], true, k)) {
			rc = -ENOMEM;
			goto fail;
		}
	}
	if (aggregate(r)) {
		rc = -ENOMEM;
		goto fail;
	}
	price(r);
	if (rp_paired(r)) {
		rc = -ENOMEM;
		goto fail;
	}
	base = strrchr(r->dir, '/');
	if (!r->run_id)
		r->run_id = base && base[1] ? base + 1 : r->dir;
	if (pl_jstr(r->run, "stopped") && !r->stopped[0])
		snprintf(r->stopped, sizeof(r->stopped), "%s", pl_jstr(r->run, "stopped"));
	r->partial = !r->ended || r->stopped_early || pl_jstr(r->run, "stopped");
	if (!r->repeat)
		r->repeat = 1;
	return 0;
fail:
	rp_free(r);
	return pl_errf(err, rc, "%s: %s", dir, strerror(-rc));
}

void rp_free(struct rp_run *r)
{
	size_t i;

	for (i = 0; i < r->np; i++) {
		cJSON_Delete(r->p[i].js);
		cJSON_Delete(r->p[i].diff);
		free(r->p[i].strs);
	}
	free(r->p);
	for (i = 0; i < r->nt; i++) {
		struct rp_target *t = &r->t[i];

		free(t->name);
		free(t->cat_total);
		free(t->cat_pass);
		free(t->pass_at_k);
		free(t->pass_at_k_se);
		free(t->pass_hat_k);
		free(t->pass_hat_k_se);
	}
	free(r->t);
	free(r->pairs);
	for (i = 0; i < r->ns; i++)
		free(r->s[i].res);
	free(r->s);
	for (i = 0; i < r->ncats; i++)
		free(r->cats[i]);
	free(r->cats);
	for (i = 0; i < r->nlogs; i++)
		cJSON_Delete(r->logs[i]);
	free(r->logs);
	cJSON_Delete(r->models_made);
	cJSON_Delete(r->run);
	pl_mtab_free(&r->prices);
	memset(r, 0, sizeof(*r));
}

bool rp_answer_seen(const struct rp_run *r, enum pl_answer a)
{
	size_t k;

	for (k = 0; k < r->nt; k++)
		if (r->t[k].ans_total[a])
			return true;
	return false;
}
