#include "record/record.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/jsonnum.h"
#include "packet/hex.h"

/* ---- the responder's log ---------------------------------------------------------- */

static const char *const outcomes[PL_OUT__COUNT] = {
	"reply", "drop", "unparseable", "api-error", "timeout", "truncated", "refused",
};

const char *pl_outcome_name(enum pl_outcome o)
{
	return (unsigned)o < PL_OUT__COUNT ? outcomes[o] : "?";
}

int pl_outcome_from_name(const char *name)
{
	for (int i = 0; name && i < PL_OUT__COUNT; i++)
		if (!strcmp(outcomes[i], name))
			return i;
	return -1;
}

static const char *const tok_keys[PL_TOK__COUNT] = { "input", "output", "cache_read", "cache_write" };

const char *pl_tok_key(int k)
{
	return k >= 0 && k < PL_TOK__COUNT ? tok_keys[k] : "?";
}

void pl_tok_read(const cJSON *tokens, double t[PL_TOK__COUNT])
{
	for (int k = 0; k < PL_TOK__COUNT; k++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(tokens, tok_keys[k]);

		t[k] = cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble < 1e15 ? v->valuedouble : 0;
	}
}

/* ---- writing ------------------------------------------------------------------------ */

static bool room(struct pl_rec_out *w, size_t n)
{
	char *b;
	size_t cap;

	if (w->failed)
		return false;
	if (w->n + n + 1 <= w->cap)
		return true;
	cap = w->cap ? w->cap : 4096;
	while (cap < w->n + n + 1)
		cap *= 2;
	b = realloc(w->b, cap);
	if (!b) {
		w->failed = true;
		return false;
	}
	w->b = b;
	w->cap = cap;
	return true;
}

static void put_raw(struct pl_rec_out *w, const char *s, size_t n)
{
	if (room(w, n)) {
		memcpy(w->b + w->n, s, n);
		w->n += n;
	}
}

static void put_lit(struct pl_rec_out *w, const char *s)
{
	put_raw(w, s, strlen(s));
}

/* s as a JSON string, escaped as cJSON escapes it (quote, backslash, \b \f \n \r \t,
 * other control characters as \u00XX; every other byte as it is) */
static void put_esc(struct pl_rec_out *w, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *u = (const unsigned char *)s;

	put_raw(w, "\"", 1);
	for (; *u; u++) {
		char e[7] = { '\\', 0, 0, 0, 0, 0, 0 };

		switch (*u) {
		case '"': case '\\': e[1] = (char)*u; break;
		case '\b': e[1] = 'b'; break;
		case '\f': e[1] = 'f'; break;
		case '\n': e[1] = 'n'; break;
		case '\r': e[1] = 'r'; break;
		case '\t': e[1] = 't'; break;
		default:
			if (*u >= 0x20) {
				put_raw(w, (const char *)u, 1);
				continue;
			}
			memcpy(e + 1, "u00", 3);
			e[4] = hex[*u >> 4];
			e[5] = hex[*u & 15];
			put_raw(w, e, 6);
			continue;
		}
		put_raw(w, e, 2);
	}
	put_raw(w, "\"", 1);
}

static void put_key(struct pl_rec_out *w, const char *key)
{
	put_raw(w, ",\"", 2);
	put_lit(w, key);
	put_raw(w, "\":", 2);
}

static void put_str(struct pl_rec_out *w, const char *key, const char *v)
{
	put_key(w, key);
	put_esc(w, v ? v : "");
}

static void put_val(struct pl_rec_out *w, double v)
{
	char buf[48];

	put_lit(w, pl_json_num(buf, sizeof(buf), v));
}

static void put_num(struct pl_rec_out *w, const char *key, double v)
{
	put_key(w, key);
	put_val(w, v);
}

static void put_bool(struct pl_rec_out *w, const char *key, bool v)
{
	put_key(w, key);
	put_lit(w, v ? "true" : "false");
}

static void put_hex(struct pl_rec_out *w, const char *key, const uint8_t *b, size_t n)
{
	put_key(w, key);
	if (!b) {
		put_raw(w, "null", 4);
		return;
	}
	put_raw(w, "\"", 1);
	if (room(w, 2 * n)) {
		pl_hex_encode(b, n, w->b + w->n, 2 * n + 1);
		w->n += 2 * n;
	}
	put_raw(w, "\"", 1);
}

static int finish(struct pl_rec_out *w, FILE *f)
{
	put_raw(w, "}\n", 2);
	if (w->failed)
		return -ENOMEM;
	return fwrite(w->b, 1, w->n, f) == w->n ? 0 : -EIO;
}

int pl_rec_write_packet(struct pl_rec_out *w, FILE *f, const struct pl_rec_packet *r)
{
	size_t k;

	w->n = 0;
	w->failed = false;
	put_lit(w, "{\"type\":\"packet\"");
	put_str(w, "scenario", r->scenario);
	put_str(w, "category", r->category);
	put_str(w, "target", r->target);
	put_str(w, "kind", r->kernel ? "kernel" : "responder");
	put_num(w, "packet", r->packet);
	put_num(w, "rep", r->rep);
	put_num(w, "trial", r->trial);
	put_str(w, "expect", r->expect);
	put_hex(w, "sent", r->sent, r->sent_len);
	put_num(w, "t_sent_us", r->t_sent_us);
	put_bool(w, "t_sent_kernel", r->t_sent_kernel);
	if (r->has_delivered)
		put_bool(w, "delivered", r->delivered);
	if (r->has_delivered && r->delivered && r->t_delivered_us)
		put_num(w, "t_delivered_us", r->t_delivered_us);
	put_hex(w, "reply", r->reply, r->reply_len);
	if (r->reply) {
		put_num(w, "t_reply_us", r->t_reply_us);
		put_num(w, "rtt_us", r->rtt_us);
		put_bool(w, "rtt_at_generator", r->rtt_at_generator);
		if (r->t_tun_reply_us)
			put_num(w, "t_tun_reply_us", r->t_tun_reply_us);
	}
	if (r->extra_replies)
		put_num(w, "extra_replies", r->extra_replies);
	put_str(w, "verdict", r->verdict);
	put_key(w, "diff");
	put_raw(w, "[", 1);
	for (k = 0; k < r->ndiff; k++) {
		if (k)
			put_raw(w, ",", 1);
		put_esc(w, r->diff[k]);
	}
	put_raw(w, "]", 1);
	put_str(w, "note", r->note);
	return finish(w, f);
}

int pl_rec_write_unmatched(struct pl_rec_out *w, FILE *f, const char *scenario, const char *target,
			   const char *seen_at, double t_us, const uint8_t *bytes, size_t len)
{
	w->n = 0;
	w->failed = false;
	put_lit(w, "{\"type\":\"unmatched\"");
	put_str(w, "scenario", scenario);
	put_str(w, "target", target);
	put_str(w, "seen_at", seen_at);
	put_num(w, "t_us", t_us);
	put_hex(w, "bytes", bytes, len);
	return finish(w, f);
}

static void put_opt_str(struct pl_rec_out *w, const char *key, const char *v)
{
	if (v && v[0])
		put_str(w, key, v);
}

int pl_rec_write_decision(struct pl_rec_out *w, FILE *f, const struct pl_rec_decision *d)
{
	int k;

	w->n = 0;
	w->failed = false;
	put_lit(w, "{\"id\":");
	put_val(w, (double)d->id);
	put_num(w, "t_recv_us", d->t_recv_us);
	put_hex(w, "in", d->in ? d->in : (const uint8_t *)"", d->in_len);
	put_hex(w, "out", d->out, d->out_len);
	put_str(w, "outcome", d->outcome);
	put_str(w, "backend", d->backend);
	if (d->model) {
		put_key(w, "tokens");
		put_raw(w, "{", 1);
		for (k = 0; k < PL_TOK__COUNT; k++) {
			put_esc(w, tok_keys[k]);
			put_raw(w, ":", 1);
			put_val(w, d->tokens[k]);
			if (k + 1 < PL_TOK__COUNT)
				put_raw(w, ",", 1);
		}
		if (d->thinking_tokens)
			put_num(w, "thinking", d->thinking_tokens);
		put_raw(w, "}", 1);
		put_str(w, "prompt_sha256", d->prompt_sha256);
		put_num(w, "attempts", d->attempts);
		if (d->http_status)
			put_num(w, "http_status", (double)d->http_status);
		if (d->thinking_chars)
			put_num(w, "thinking_chars", d->thinking_chars);
		put_opt_str(w, "stop_reason", d->stop_reason);
		put_opt_str(w, "model", d->model_name);
		if (d->server_ms > 0)
			put_num(w, "server_ms", d->server_ms);
		put_opt_str(w, "extracted_from", d->extracted_from);
		if (d->from_cassette)
			put_bool(w, "from_cassette", true);
		put_opt_str(w, "attempt_log", d->attempt_log);
		if (d->text)
			put_str(w, "text", d->text);
	}
	put_key(w, "timing_us");
	put_lit(w, "{\"queued\":");
	put_val(w, d->queued_us);
	if (d->has_sent)
		put_num(w, "sent", d->sent_us);
	if (d->has_first_byte)
		put_num(w, "first_byte", d->first_byte_us);
	if (d->has_ttft)
		put_num(w, "ttft", d->ttft_us);
	put_num(w, "total", d->total_us);
	put_raw(w, "}", 1);
	put_opt_str(w, "error", d->error);
	return finish(w, f);
}

void pl_rec_out_free(struct pl_rec_out *w)
{
	free(w->b);
	memset(w, 0, sizeof(*w));
}

/* ---- reading ------------------------------------------------------------------------ */

/* a count: a number in 0..2^32, else dflt */
static unsigned count(const cJSON *o, const char *k, unsigned dflt)
{
	double v = pl_jnum(o, k, -1);

	return v >= 0 && v <= 4294967295.0 ? (unsigned)v : dflt;
}

int pl_rec_parse(const char *line, struct pl_rec *r)
{
	const char *type;
	const cJSON *d;

	memset(r, 0, sizeof(*r));
	r->o = cJSON_Parse(line);
	if (!cJSON_IsObject(r->o)) {
		cJSON_Delete(r->o);
		r->o = NULL;
		return -EINVAL;
	}
	type = pl_jstr(r->o, "type");
	r->scenario = pl_jstr(r->o, "scenario");
	r->target = pl_jstr(r->o, "target");
	if (type && !strcmp(type, "unmatched")) {
		r->type = PL_REC_UNMATCHED;
		return 0;
	}
	if (type && !strcmp(type, "stopped")) {
		r->type = PL_REC_STOPPED;
		r->detail = pl_jstr(r->o, "detail");
		return 0;
	}
	if (!type || strcmp(type, "packet"))
		return 0;
	r->category = pl_jstr(r->o, "category");
	r->kind = pl_jstr(r->o, "kind");
	r->expect = pl_jstr(r->o, "expect");
	r->sent = pl_jstr(r->o, "sent");
	r->reply = pl_jstr(r->o, "reply");
	r->verdict = pl_jstr(r->o, "verdict");
	r->note = pl_jstr(r->o, "note");
	r->packet = count(r->o, "packet", 1);
	r->rep = count(r->o, "rep", 0);
	r->trial = count(r->o, "trial", 0);
	r->extra_replies = count(r->o, "extra_replies", 0);
	r->t_sent_us = pl_jnum(r->o, "t_sent_us", 0);
	r->t_reply_us = pl_jnum(r->o, "t_reply_us", -1);
	r->rtt_us = r->reply ? pl_jnum(r->o, "rtt_us", -1) : -1;
	d = cJSON_GetObjectItemCaseSensitive(r->o, "delivered");
	r->delivered_known = cJSON_IsBool(d);
	r->delivered = cJSON_IsTrue(d);
	d = cJSON_GetObjectItemCaseSensitive(r->o, "diff");
	r->diff = cJSON_IsArray(d) ? d : NULL;
	if (r->scenario && r->target && r->sent && r->verdict)
		r->type = PL_REC_PACKET;
	return 0;
}

void pl_rec_free(struct pl_rec *r)
{
	cJSON_Delete(r->o);
	memset(r, 0, sizeof(*r));
}

const cJSON *pl_rec_run_models(const cJSON *run, cJSON **made)
{
	const cJSON *ms = cJSON_GetObjectItemCaseSensitive(run, "models"), *m;

	*made = NULL;
	if (cJSON_IsArray(ms))
		return ms;
	m = cJSON_GetObjectItemCaseSensitive(run, "model");
	if (!cJSON_IsObject(m))
		return NULL;
	*made = cJSON_CreateArray();
	if (*made)
		cJSON_AddItemReferenceToArray(*made, (cJSON *)m);
	return *made;
}

long pl_rec_getline(FILE *f, char **buf, size_t *cap)
{
	ssize_t n = getline(buf, cap, f);

	return n < 0 ? -1 : (long)n;
}
