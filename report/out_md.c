/* report.md — for a write-up: summary per target, per category, repeats, the wrong and the
 * slowest packets with their diffs, and how the numbers were made. */
#include "report/out.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *js(const cJSON *o, const char *k)
{
	const cJSON *v = o ? cJSON_GetObjectItemCaseSensitive(o, k) : NULL;

	return cJSON_IsString(v) && *v->valuestring ? v->valuestring : NULL;
}

static void md_cell(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '|')
			fputs("\\|", f);
		else if (*s == '\n')
			fputc(' ', f);
		else
			fputc(*s, f);
	}
}

static void tokens(char *out, size_t n, double v)
{
	if (v >= 1e6)
		snprintf(out, n, "%.2fM", v / 1e6);
	else if (v >= 1e4)
		snprintf(out, n, "%.1fk", v / 1e3);
	else
		snprintf(out, n, "%.0f", v);
}

/* A table's header row and alignment row: first, then one column per target. */
static void target_columns(FILE *f, const struct rp_run *r, const char *first)
{
	size_t k;

	fprintf(f, "| %s |", first);
	for (k = 0; k < r->nt; k++)
		fprintf(f, " `%s` |", r->t[k].name);
	fprintf(f, "\n|---|");
	for (k = 0; k < r->nt; k++)
		fprintf(f, "--:|");
	fprintf(f, "\n");
}

static void summary(const struct rp_run *r, FILE *f)
{
	size_t k, c;
	char a[32], b[32], d[32], e[32], cost[32];

	fprintf(f, "## Summary\n\n");
	fprintf(f, "| target | kind | packets | pass | wrong-reply | missed-reply | false-reply | unparseable | truncated | refused | api-error | timeout |\n");
	fprintf(f, "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
	for (k = 0; k < r->nt; k++) {
		const struct rp_target *t = &r->t[k];

		fprintf(f, "| `%s` | %s%s | %zu | %zu | %zu | %zu | %zu | %zu | %zu | %zu | %zu | %zu |\n", t->name,
			rp_target_kind(t), t->is_model && r->simulated ? " (simulated)" : "", t->total, t->pass,
			t->v[V_WRONG_REPLY], t->v[V_MISSED_REPLY], t->v[V_FALSE_REPLY], t->v[V_UNPARSEABLE],
			t->v[V_TRUNCATED], t->v[V_REFUSED], t->v[V_API_ERROR], t->v[V_TIMEOUT]);
	}
	fprintf(f, "\nPass / total packets by category:\n\n");
	target_columns(f, r, "category");
	for (c = 0; c < r->ncats; c++) {
		fprintf(f, "| %s |", r->cats[c]);
		for (k = 0; k < r->nt; k++)
			fprintf(f, " %zu/%zu |", r->t[k].cat_pass[c], r->t[k].cat_total[c]);
		fprintf(f, "\n");
	}
	fprintf(f, "\nPass / total packets by the answer the %s stack's reference gives them:\n\n", r->stack->name);
	target_columns(f, r, "answer");
	for (c = 0; c < PL_ANS__COUNT; c++) {
		if (!rp_answer_seen(r, (enum pl_answer)c))
			continue;
		fprintf(f, "| %s |", pl_answer_name((enum pl_answer)c));
		for (k = 0; k < r->nt; k++)
			fprintf(f, " %zu/%zu |", r->t[k].ans_pass[c], r->t[k].ans_total[c]);
		fprintf(f, "\n");
	}
	fprintf(f, "\nRound-trip time of the replies, measured at the generator (nearest-rank percentiles), "
		   "and, for responder targets, the responder's own time to decide (reply or drop):\n\n");
	fprintf(f, "| target | replies | RTT p50 | p90 | p99 | max | decisions | decision p50 | p90 | max |\n");
	fprintf(f, "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
	for (k = 0; k < r->nt; k++) {
		const struct rp_target *t = &r->t[k];
		char g[32], h[32], i2[32];

		rp_fmt_us(a, sizeof(a), t->rtt.p50);
		rp_fmt_us(b, sizeof(b), t->rtt.p90);
		rp_fmt_us(d, sizeof(d), t->rtt.p99);
		rp_fmt_us(e, sizeof(e), t->rtt.max);
		rp_fmt_us(g, sizeof(g), t->decision.p50);
		rp_fmt_us(h, sizeof(h), t->decision.p90);
		rp_fmt_us(i2, sizeof(i2), t->decision.max);
		fprintf(f, "| `%s` | %zu | %s | %s | %s | %s | %zu | %s | %s | %s |\n", t->name, t->rtt.n, a, b, d, e,
			t->decision.n, g, h, i2);
	}
	fprintf(f, "\nTokens and cost:\n\n| target | input | output | cache read | cache write | cost | note |\n");
	fprintf(f, "|---|--:|--:|--:|--:|--:|---|\n");
	for (k = 0; k < r->nt; k++) {
		const struct rp_target *t = &r->t[k];
		char note[1024];

		tokens(a, sizeof(a), t->tok[PL_TOK_INPUT]);
		tokens(b, sizeof(b), t->tok[PL_TOK_OUTPUT]);
		tokens(d, sizeof(d), t->tok[PL_TOK_CACHE_READ]);
		tokens(e, sizeof(e), t->tok[PL_TOK_CACHE_WRITE]);
		rp_fmt_cost(cost, sizeof(cost), t);
		fprintf(f, "| `%s` | %s | %s | %s | %s | %s | ", t->name, a, b, d, e, cost);
		md_cell(f, rp_model_cost_note(r, t, note, sizeof(note)));
		if (t->unattributed)
			fprintf(f, "; %zu logged answers matched no generator packet (not counted)", t->unattributed);
		fprintf(f, " |\n");
	}
	if (r->repeat > 1) {
		size_t kk;

		fprintf(f, "\nRepeats: %u trials of the library. Mean over scenarios of the unbiased pass@k "
			   "(at least one of k trials passes) and pass^k (all k pass), ± standard error over scenarios:\n\n"
			   "| target | k | pass@k | pass^k |\n|---|--:|--:|--:|\n", r->repeat);
		for (k = 0; k < r->nt; k++)
			for (kk = 1; kk <= r->repeat; kk++)
				if (kk == 1 || kk == r->repeat || kk == 2 || kk == 5 || kk == 10)
					fprintf(f, "| `%s` | %zu | %.3f ± %.3f | %.3f ± %.3f |\n", r->t[k].name, kk,
						r->t[k].pass_at_k[kk], r->t[k].pass_at_k_se[kk], r->t[k].pass_hat_k[kk],
						r->t[k].pass_hat_k_se[kk]);
	}
	fprintf(f, "\n");
}

/* Pass rates with their Wilson intervals, and every pair of targets on the same packets. */
static void paired(const struct rp_run *r, FILE *f)
{
	size_t k;

	if (!r->nt)
		return;
	fprintf(f, "\nPass rate per packet with its Wilson 95 %% interval, and each pair of targets on the same "
		   "packets (A only: A passed where B did not; McNemar's exact two-sided p):\n\n");
	fprintf(f, "| target | pass rate | 95 %% interval |\n|---|--:|--:|\n");
	for (k = 0; k < r->nt; k++)
		if (r->t[k].total)
			fprintf(f, "| `%s` | %.3f | %.3f – %.3f |\n", r->t[k].name,
				(double)r->t[k].pass / (double)r->t[k].total, r->t[k].pass_lo, r->t[k].pass_hi);
	if (!r->npairs)
		return;
	fprintf(f, "\nRTT B / A: on the packets both answered, the median of the per-packet ratios (quartiles); "
		   "each scenario is played against every target in turn, so both RTTs of a packet are "
		   "moments apart.\n");
	fprintf(f, "\n| A | B | packets | both pass | A only | B only | both fail | McNemar p | RTT B / A | pairs |\n");
	fprintf(f, "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|\n");
	for (k = 0; k < r->npairs; k++) {
		const struct rp_pair *q = &r->pairs[k];
		char ratio[64] = "–";

		if (q->rtt_pairs)
			snprintf(ratio, sizeof(ratio), "%.2f× (%.2f – %.2f)", q->rtt_ratio_p50, q->rtt_ratio_p25,
				 q->rtt_ratio_p75);
		fprintf(f, "| `%s` | `%s` | %zu | %zu | %zu | %zu | %zu | %.3g | %s | %zu |\n", r->t[q->a].name,
			r->t[q->b].name, q->n, q->both_pass, q->a_only, q->b_only, q->both_fail, q->mcnemar_p, ratio,
			q->rtt_pairs);
	}
}

static void wrong(const struct rp_run *r, FILE *f)
{
	size_t i, n = 0;
	const cJSON *d;

	fprintf(f, "## Every packet that failed\n\n");
	for (i = 0; i < r->np; i++) {
		const struct rp_pkt *p = &r->p[i];

		if (p->verdict == V_PASS)
			continue;
		n++;
		fprintf(f, "- **%s** `%s` on `%s`, packet %u", pl_verdict_name((enum pl_verdict)p->verdict),
			r->s[p->scn].id, r->t[p->tgt].name, p->packet);
		if (p->rep)
			fprintf(f, " rep %u", p->rep);
		fprintf(f, " (trial %u): expected *%s*", p->trial, p->expect ? p->expect : "?");
		if (p->note && *p->note) {
			fprintf(f, " — ");
			md_cell(f, p->note);
		}
		fprintf(f, "\n");
		if (p->diff && cJSON_GetArraySize(p->diff) > 0) {
			fprintf(f, "  ```\n");
			cJSON_ArrayForEach(d, p->diff)
				if (cJSON_IsString(d))
					fprintf(f, "  %s\n", d->valuestring);
			fprintf(f, "  ```\n");
		}
	}
	if (!n)
		fprintf(f, "None: every packet on every target got its expected answer.\n");
	fprintf(f, "\n");
}

static void slowest(const struct rp_run *r, FILE *f)
{
	size_t *idx = calloc(r->np + 1, sizeof(*idx)), n = 0, i, k;

	if (!idx)
		return;
	fprintf(f, "## Slowest replies\n\nThe five slowest replies of each target:\n\n"
		   "| target | scenario | packet | trial | RTT | verdict |\n|---|---|--:|--:|--:|---|\n");
	for (k = 0; k < r->nt; k++) {
		/* the five slowest in file order among equals, as a stable sort of them all by RTT
		 * (slowest first) would give: kept sorted as they come */
		n = 0;
		for (i = 0; i < r->np; i++) {
			size_t j;

			if (r->p[i].tgt != k || !(r->p[i].rtt_us >= 0))
				continue;
			if (n == 5 && !(r->p[i].rtt_us > r->p[idx[4]].rtt_us))
				continue;
			j = n < 5 ? n++ : 4;
			while (j > 0 && r->p[i].rtt_us > r->p[idx[j - 1]].rtt_us) {
				idx[j] = idx[j - 1];
				j--;
			}
			idx[j] = i;
		}
		for (i = 0; i < n && i < 5; i++) {
			const struct rp_pkt *p = &r->p[idx[i]];
			char rtt[32];

			rp_fmt_us(rtt, sizeof(rtt), p->rtt_us);
			fprintf(f, "| `%s` | `%s` | %u | %u | %s | %s |\n", r->t[k].name, r->s[p->scn].id, p->packet, p->trial,
				rtt, pl_verdict_name((enum pl_verdict)p->verdict));
		}
	}
	fprintf(f, "\n");
	free(idx);
}

static void method(const struct rp_run *r, FILE *f)
{
	const cJSON *m = NULL;
	const cJSON *seed = r->run ? cJSON_GetObjectItemCaseSensitive(r->run, "seed") : NULL;
	size_t k, nm = rp_model_count(r);

	for (k = 0; k < r->nt && !m; k++)
		if (r->t[k].is_model)
			m = r->t[k].mobj; /* the prompts are the same for all */
	fprintf(f, "## Method\n\n");
	fprintf(f, "pinglab builds two Linux network namespaces joined by a veth pair. A generator in one sends "
		   "scripted IPv4 packets (valid echo requests, malformed headers, non-ICMP traffic, prompt "
		   "injections in payloads) and captures what comes back. The targets, all in the same topology:\n\n");
	for (k = 0; k < r->nt; k++) {
		const struct rp_target *t = &r->t[k];

		if (t->kind_kernel)
			fprintf(f, "- `%s`: the Linux kernel's own IP stack in the responder namespace, judged at the "
				   "RFC-valid level (its IP id and TOS are its own).\n", t->name);
		else if (!t->is_model)
			fprintf(f, "- `%s`: pinglab's deterministic C responder on a TUN device, the reply rules of "
				   "`prompts/system.md` written in code: ground truth and the harness's own overhead.\n", t->name);
		else
			fprintf(f, "- `%s`: the same TUN responder asking a language model for every packet (backend `%s`, model "
				   "`%s`)%s, judged byte for byte against the reference rules.\n", t->name,
				js(t->mobj, "backend") ? js(t->mobj, "backend") : "?", t->model_id[0] ? t->model_id : "?",
				cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(t->mobj, "simulated")) ? "; **simulated**: pinglab-mockllm answers with a seeded behaviour profile, "
					       "these are not a real model's results" : "");
	}
	fprintf(f, "\n| | |\n|---|---|\n");
	fprintf(f, "| run | `%s`%s |\n", r->run_id, r->partial ? " (partial: the run did not finish)" : "");
	if (r->stopped[0])
		fprintf(f, "| stopped | %s |\n", r->stopped);
	fprintf(f, "| pinglab version | `%s` |\n", r->version ? r->version : "unknown");
	fprintf(f, "| started / ended | %s / %s |\n", r->started ? r->started : "?", r->ended ? r->ended : "(not recorded)");
	fprintf(f, "| kernel | %s |\n", js(r->run, "kernel") ? js(r->run, "kernel") : "?");
	fprintf(f, "| CPU | %s × %d |\n", js(r->run, "cpu") ? js(r->run, "cpu") : "?",
		r->run ? (int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(r->run, "cpus")) : 0);
	fprintf(f, "| simulated model | %s |\n", r->simulated ? "yes" : "no");
	for (k = 0; k < r->nt; k++) {
		const cJSON *mt = r->t[k].mobj;

		if (!r->t[k].is_model || !js(mt, "profile"))
			continue;
		if (nm > 1)
			fprintf(f, "| profile / scale (`%s`) | `%s` / %s (latency factor) |\n", r->t[k].name, js(mt, "profile"),
				js(mt, "scale") ? js(mt, "scale") : "1");
		else
			fprintf(f, "| profile / scale | `%s` / %s (latency factor) |\n", js(mt, "profile"),
				js(mt, "scale") ? js(mt, "scale") : "1");
	}
	fprintf(f, "| stack | `%s` (%s) |\n", r->stack->name, r->stack->summary);
	if (cJSON_IsNumber(seed))
		fprintf(f, "| seed | %.0f |\n", seed->valuedouble);
	fprintf(f, "| repeat | %u trial%s |\n", r->repeat, r->repeat == 1 ? "" : "s");
	if (js(r->run, "tag"))
		fprintf(f, "| scenario tag | `%s` |\n", js(r->run, "tag"));
	if (js(m, "system_prompt_sha256"))
		fprintf(f, "| system prompt sha256 | `%s` |\n", js(m, "system_prompt_sha256"));
	if (js(m, "packet_template_sha256"))
		fprintf(f, "| packet template sha256 | `%s` |\n", js(m, "packet_template_sha256"));
	fprintf(f, "| price table | %s%s%s |\n", r->have_prices ? r->prices.file : "none found",
		r->have_prices ? ", as of " : "", r->have_prices ? r->prices.as_of : "");
	for (size_t i = 0; i < r->nt; i++)
		if (r->t[i].is_model && r->t[i].request[0]) {
			const cJSON *mt = cJSON_GetObjectItemCaseSensitive(r->t[i].mobj, "model_table");

			fprintf(f, "| model request (`%s`) | %s; model table row `%s` |\n", r->t[i].name, r->t[i].request,
				js(mt, "row") ? js(mt, "row") : "none (not in the table: no sampling parameters)");
		}
	fprintf(f, "| scenarios / packets | %zu / %zu%s |\n", r->ns, r->np, r->skipped_lines ? " (some unreadable lines skipped)" : "");
	fprintf(f, "| unmatched answers | %zu%s |\n\n", r->unmatched,
		r->unmatched ? " (frames no packet sent could claim: `\"type\":\"unmatched\"` in packets.jsonl)" : "");
	fprintf(f, "Verdicts per packet: `pass`, `wrong-reply` (field-level diff), `missed-reply`, `false-reply` "
		   "(answered what must be dropped), `unparseable` (no packet in the model's text), `truncated` "
		   "(the answer reached its token limit), `refused` (the model declined), `api-error`, "
		   "`timeout`. A scenario's verdict is the worst of its packets (wrong-reply > false-reply > "
		   "missed-reply > unparseable > truncated > refused > timeout > api-error > pass). RTTs are measured at the generator; "
		   "percentiles are nearest-rank. Costs are estimates: tokens reported by the API times the list "
		   "prices of the dated table above%s. With repeats, pass@k is the unbiased estimator "
		   "1 − C(n−c,k)/C(n,k) of Chen et al. 2021 and pass^k is C(c,k)/C(n,k), from n trials with c "
		   "passes; standard errors are binomial, carried through the delta method per scenario, and "
		   "over scenarios the standard error of the mean.\n",
		r->simulated ? "; the simulated model's tokens are priced as if its reported model id had spent them" : "");
}

int rp_write_md(const struct rp_run *r, FILE *f)
{
	fprintf(f, "# pinglab report: %s\n\n", r->run_id);
	if (r->partial)
		fprintf(f, "> **Partial run**: %s%s; the figures cover what was played.\n\n",
			r->stopped[0] ? "stopped before the end: " : "it was interrupted before the end",
			r->stopped[0] ? r->stopped : "");
	if (r->simulated)
		fprintf(f, "> **Simulated model%s**: the model target%s pinglab's mock LLM server, not a real model.\n\n",
			rp_model_count(r) > 1 ? "s" : "", rp_model_count(r) > 1 ? "s are" : " is");
	if (rp_replay_of(r))
		fprintf(f, "> **Replay** of run `%s`: the model's answers are the ones recorded there; no model was asked.\n\n",
			rp_replay_of(r));
	fprintf(f, "How correctly and how fast each target acts as an IPv4 stack answering pings, packet by packet. "
		   "Method and environment at the end.\n\n");
	summary(r, f);
	paired(r, f);
	wrong(r, f);
	slowest(r, f);
	method(r, f);
	return ferror(f) ? -EIO : 0;
}
