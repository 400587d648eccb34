/* play_decisions.c — the responder's decisions log, read as it grows: which packet it
 * decided, how, and the tokens it cost. */
#include "scenario/play_int.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "packet/hex.h"

/* Tokens of one decision: summed for the progress line, and priced for the cost so far
 * (--max-cost). A model the price table does not know makes the cost unknown. */
static void count_tokens(struct pl_play *p, const cJSON *tok, const cJSON *model)
{
	double t[PL_TOK__COUNT], usd;

	pl_tok_read(tok, t);
	p->tokens_in += (unsigned long)t[PL_TOK_INPUT];
	p->tokens_out += (unsigned long)t[PL_TOK_OUTPUT];
	if (!p->price || !(t[0] + t[1] + t[2] + t[3] > 0))
		return;
	if (cJSON_IsString(model) && p->price(p->price_arg, model->valuestring, t, &usd))
		p->cost_usd += usd;
	else if (!p->cost_unknown[0])
		snprintf(p->cost_unknown, sizeof(p->cost_unknown), "%s",
			 cJSON_IsString(model) ? model->valuestring : "(no model named)");
}

/* What the outcome a responder logged means for the verdict. */
static enum pl_backend_status backend_status(int outcome)
{
	switch (outcome) {
	case PL_OUT_UNPARSEABLE: return BS_UNPARSEABLE;
	case PL_OUT_API_ERROR: return BS_API_ERROR;
	case PL_OUT_TIMEOUT: return BS_TIMEOUT;
	case PL_OUT_TRUNCATED: return BS_TRUNCATED;
	case PL_OUT_REFUSED: return BS_REFUSED;
	default: return BS_OK;
	}
}

/* Lines the responder appended to its log since the last look: mark the packet whose
 * bytes it received as decided, with the backend's status. */
void play_read_decisions(struct pl_play *p, const struct pl_play_target *t, const struct pl_scenario *sc,
			   struct win *w)
{
	struct pl_play_state *st = p->st;
	uint8_t *in = st->in, *out = st->out;

	if (!t->decisions)
		return;
	clearerr(t->decisions);
	for (;;) {
		long at = ftell(t->decisions), len;
		cJSON *o;

		if ((len = pl_rec_getline(t->decisions, &st->line, &st->line_cap)) < 0)
			break;
		/* the responder may be in the middle of writing this line (a write that
		 * crosses a page becomes visible a page at a time): read it whole next time */
		if (st->line[len - 1] != '\n' && at >= 0) {
			clearerr(t->decisions);
			fseek(t->decisions, at, SEEK_SET);
			break;
		}
		o = cJSON_Parse(st->line);
		const cJSON *hin = o ? cJSON_GetObjectItemCaseSensitive(o, "in") : NULL;
		const cJSON *oc = o ? cJSON_GetObjectItemCaseSensitive(o, "outcome") : NULL;
		const cJSON *tok = o ? cJSON_GetObjectItemCaseSensitive(o, "tokens") : NULL;
		size_t n = 0;

		if (cJSON_IsObject(tok))
			count_tokens(p, tok, cJSON_GetObjectItemCaseSensitive(o, "model"));
		if (cJSON_IsString(hin) && cJSON_IsString(oc) &&
		    !pl_hex_decode(hin->valuestring, in, sizeof(st->in), &n, NULL)) {
			uint32_t j, i = 0;

			/* the oldest undecided packet with these bytes: the log is in arrival order */
			for (j = IX_FIRST(w, IX_BYTES, play_hash_bytes(in, n)); j; j = IX_NEXT(w, IX_BYTES, j)) {
				const struct sent *x = S(w, j);

				if (!x->decided && x->len == n && !memcmp(x->bytes, in, n))
					i = j;
			}
			if (i) {
				struct sent *x = S(w, i);
				const char *s = oc->valuestring;
				const cJSON *hout = cJSON_GetObjectItemCaseSensitive(o, "out");

				x->decided = true;
				x->replied = pl_outcome_from_name(s) == PL_OUT_REPLY;
				if (x->replied && cJSON_IsString(hout) &&
				    !pl_hex_decode(hout->valuestring, out, sizeof(st->out), &n, NULL) &&
				    (x->reply = malloc(n ? n : 1))) {
					const struct seen *tun = play_ring_find(st, out, n, false);
					const struct seen *gen = play_ring_find(st, out, n, true);

					memcpy(x->reply, out, n);
					x->reply_len = n;
					x->t_reply = gen ? gen->ts : tun ? tun->ts : pl_now_ns();
					x->wire_seen = gen != NULL;
					play_ix_add(w, IX_REPLY, i);
				}
				x->backend = backend_status(pl_outcome_from_name(s));
				play_check_ready(w, i, sc, t);
			}
		}
		cJSON_Delete(o);
	}
}
