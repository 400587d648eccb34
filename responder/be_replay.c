/* The cassette: the answers of an earlier run, taken from its responder log
 * (--cassette FILE). With --backend replay every answer comes from it, so a run can be
 * played again with no model, no key and no network; with a model backend (pinglab run
 * --resume) the packets it has answers for are answered from it and only the others
 * reach the model, so nothing answered before is paid for twice. An answer is found by what determines it: the packet's bytes, and which time
 * those bytes came (a repeated packet, --repeat K, gets its recorded answers in order);
 * the prompt must be the one the cassette was made with. A recorded text goes through
 * the extractor again, so the replay also checks that reading the answer is
 * deterministic; api-error, timeout, truncated and refused come back as recorded. Tokens,
 * model id, stop reason and attempts are the recorded ones, so costs replay too.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonnum.h"
#include "packet/hex.h"
#include "record/record.h"
#include "responder/rsp.h"

struct entry {
	char *in;           /* packet bytes as hex */
	size_t order;       /* line in the cassette */
	cJSON *o;           /* the log line */
	bool used;
};

struct rsp_cassette {
	struct entry *v;
	size_t n;
	size_t missing;     /* packets the cassette has no answer for */
	size_t answered;    /* packets answered from it */
};

static int cmp_entry(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int c = strcmp(x->in, y->in);

	return c ? c : (x->order > y->order) - (x->order < y->order);
}

int rsp_cassette_load(struct rsp_ctx *c, struct pl_err *err)
{
	struct rsp_cassette *r = calloc(1, sizeof(*r));
	FILE *f;
	char *line = NULL;
	size_t cap = 0, lineno = 0, other_prompt = 0;
	ssize_t k;

	if (!r)
		return pl_errf(err, -ENOMEM, "out of memory");
	c->tape = r;
	if (!c->cfg.cassette)
		return pl_errf(err, -EINVAL, "the replay backend needs --cassette FILE (a responder log of an earlier run)");
	f = fopen(c->cfg.cassette, "r");
	if (!f)
		return pl_errf(err, -errno, "%s: %s", c->cfg.cassette, strerror(errno));
	while ((k = getline(&line, &cap, f)) > 0) {
		cJSON *o = cJSON_Parse(line);
		const char *in = pl_jstr(o, "in"), *sha = pl_jstr(o, "prompt_sha256");
		struct entry *nv;

		lineno++;
		if (!in || !pl_jstr(o, "outcome")) {
			cJSON_Delete(o); /* not a packet's line (a config-error line, a torn last line) */
			continue;
		}
		if (c->ops != &rsp_replay_ops && pl_jstr(o, "error") &&
		    (strstr(pl_jstr(o, "error"), "cancelled at shutdown") || strstr(pl_jstr(o, "error"), "queue full"))) {
			/* resuming: a packet cancelled when the run stopped was never answered */
			cJSON_Delete(o);
			continue;
		}
		if (sha && strcmp(sha, c->prompt_hash)) {
			other_prompt++;
			cJSON_Delete(o);
			continue;
		}
		nv = realloc(r->v, (r->n + 1) * sizeof(*nv));
		if (!nv) {
			cJSON_Delete(o);
			free(line);
			fclose(f);
			return pl_errf(err, -ENOMEM, "out of memory");
		}
		r->v = nv;
		r->v[r->n++] = (struct entry){ .in = (char *)in, .order = lineno, .o = o };
	}
	free(line);
	fclose(f);
	if (other_prompt && !r->n)
		return pl_errf(err, -EINVAL, "%s: made with another prompt (prompt_sha256 differs from %s): a replay would "
					     "not be the same experiment", c->cfg.cassette, c->prompt_hash);
	qsort(r->v, r->n, sizeof(*r->v), cmp_entry);
	fprintf(stderr, "pinglab-responder: %zu recorded answers in %s%s\n", r->n, c->cfg.cassette,
		other_prompt ? " (some lines of another prompt skipped)" : "");
	return 0;
}

/* The first unused answer recorded for these bytes, or NULL. */
static struct entry *find(struct rsp_cassette *r, const char *hex)
{
	size_t lo = 0, hi = r->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(r->v[mid].in, hex) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < r->n && !strcmp(r->v[lo].in, hex); lo++)
		if (!r->v[lo].used)
			return &r->v[lo];
	return NULL;
}

bool rsp_cassette_answer(struct rsp_ctx *c, struct rsp_job *j)
{
	struct rsp_cassette *r = c->tape;
	char *hex = r ? malloc(2 * j->len + 1) : NULL;
	struct entry *e;
	const char *oc, *text, *s;
	int ocn;
	const cJSON *tok;

	if (!hex)
		return false;
	pl_hex_encode(j->pkt, j->len, hex, 2 * j->len + 1);
	e = find(r, hex);
	free(hex);
	if (!e) {
		r->missing++;
		return false;
	}
	e->used = true;
	r->answered++;
	snprintf(j->how, sizeof(j->how), "cassette");
	oc = pl_jstr(e->o, "outcome");
	if (!oc)
		oc = "";
	tok = cJSON_GetObjectItemCaseSensitive(e->o, "tokens");
	j->model.usage.input = (long)pl_jnum(tok, pl_tok_key(PL_TOK_INPUT), 0);
	j->model.usage.output = (long)pl_jnum(tok, pl_tok_key(PL_TOK_OUTPUT), 0);
	j->model.usage.cache_read = (long)pl_jnum(tok, pl_tok_key(PL_TOK_CACHE_READ), 0);
	j->model.usage.cache_write = (long)pl_jnum(tok, pl_tok_key(PL_TOK_CACHE_WRITE), 0);
	j->model.usage.thinking = (long)pl_jnum(tok, "thinking", 0);
	j->attempts = (int)pl_jnum(e->o, "attempts", 0);
	j->http_status = (long)pl_jnum(e->o, "http_status", 0);
	if ((s = pl_jstr(e->o, "model")))
		snprintf(j->model.model, sizeof(j->model.model), "%s", s);
	if ((s = pl_jstr(e->o, "stop_reason")))
		snprintf(j->model.stop_reason, sizeof(j->model.stop_reason), "%s", s);
	text = pl_jstr(e->o, "text");
	if (text && (j->model.text = strdup(text)))
		j->model.text_len = strlen(text);
	ocn = pl_outcome_from_name(oc);
	if (ocn == PL_OUT_REPLY || ocn == PL_OUT_DROP || ocn == PL_OUT_UNPARSEABLE) {
		if (text) {
			/* the answer read again: the same text must give the same decision */
			rsp_take_text(c, j, text, strlen(text));
		} else if (ocn == PL_OUT_DROP) {
			j->outcome = RSP_DROP;
		} else if (ocn == PL_OUT_REPLY && pl_jstr(e->o, "out")) {
			const char *out = pl_jstr(e->o, "out");
			size_t n = strlen(out) / 2;

			j->reply = malloc(n ? n : 1);
			if (j->reply && !pl_hex_decode(out, j->reply, n, &j->reply_len, NULL))
				j->outcome = RSP_REPLY;
			else
				j->outcome = RSP_UNPARSEABLE;
		} else {
			j->outcome = RSP_UNPARSEABLE;
		}
	} else {
		/* what did not decide: as it was (rsp_outcome is in pl_outcome's order) */
		j->outcome = ocn == PL_OUT_TIMEOUT || ocn == PL_OUT_TRUNCATED || ocn == PL_OUT_REFUSED
			     ? (enum rsp_outcome)ocn : RSP_API_ERROR;
	}
	if ((s = pl_jstr(e->o, "error")) && !j->error[0])
		snprintf(j->error, sizeof(j->error), "replayed: %.240s", s);
	j->replayed = true;
	rsp_finish(c, j);
	return true;
}

void rsp_cassette_free(struct rsp_ctx *c)
{
	struct rsp_cassette *r = c->tape;
	size_t i, unused = 0;

	if (!r)
		return;
	for (i = 0; i < r->n; i++) {
		unused += !r->v[i].used;
		cJSON_Delete(r->v[i].o);
	}
	if (r->n)
		fprintf(stderr, "pinglab-responder: cassette: %zu packets answered from it, %zu not in it, %zu of its answers not asked for\n",
			r->answered, r->missing, unused);
	free(r->v);
	free(r);
	c->tape = NULL;
}

static int replay_init(struct rsp_ctx *c, struct pl_err *err)
{
	return rsp_cassette_load(c, err);
}

/* Only recorded answers: a packet the cassette does not have is an api-error. */
static void replay_start(struct rsp_ctx *c, struct rsp_job *j)
{
	if (rsp_cassette_answer(c, j))
		return;
	j->outcome = RSP_API_ERROR;
	snprintf(j->error, sizeof(j->error), "replay: the cassette has no answer for this packet");
	rsp_finish(c, j);
}

static void replay_fini(struct rsp_ctx *c)
{
	rsp_cassette_free(c);
}

const struct rsp_backend_ops rsp_replay_ops = {
	.name = "replay", .is_model = true, .init = replay_init, .start = replay_start, .fini = replay_fini,
};
