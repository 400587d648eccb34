#include "record/record.h"

#include <errno.h>
#include <locale.h>
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

int pl_rec_write_decision(struct pl_rec_out *w, FILE *f, const struct pl_rec_decision_line *d)
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

/* The members a record reader looks at, and each one's value as both readers see it:
 * pl_rec_parse takes them from a cJSON tree, pl_rec_scan from the line itself, and one
 * function (fill) turns them into a struct pl_rec, so the two cannot drift apart. */
enum {
	K_TYPE, K_SCENARIO, K_TARGET, K_CATEGORY, K_KIND, K_EXPECT, K_SENT, K_REPLY, K_VERDICT, K_NOTE, K_DETAIL,
	K_PACKET, K_REP, K_TRIAL, K_EXTRA, K_T_SENT, K_T_REPLY, K_RTT, K_DELIVERED, K_DIFF, K__COUNT
};

static const char *const rec_keys[K__COUNT] = {
	"type", "scenario", "target", "category", "kind", "expect", "sent", "reply", "verdict", "note", "detail",
	"packet", "rep", "trial", "extra_replies", "t_sent_us", "t_reply_us", "rtt_us", "delivered", "diff",
};

enum { JV_ABSENT = 0, JV_STRING, JV_NUMBER, JV_TRUE, JV_FALSE, JV_OTHER };

struct jv {
	int kind;
	const char *s;
	double d;
};

static const char *jv_str(const struct jv *v)
{
	return v->kind == JV_STRING ? v->s : NULL;
}

static double jv_num(const struct jv *v, double dflt)
{
	return v->kind == JV_NUMBER ? v->d : dflt;
}

/* a count: a number in 0..2^32, else dflt */
static unsigned jv_count(const struct jv *v, unsigned dflt)
{
	double d = jv_num(v, -1);

	return d >= 0 && d <= 4294967295.0 ? (unsigned)d : dflt;
}

static void fill(struct pl_rec *r, const struct jv *v)
{
	const char *type = jv_str(&v[K_TYPE]);

	r->scenario = jv_str(&v[K_SCENARIO]);
	r->target = jv_str(&v[K_TARGET]);
	if (type && !strcmp(type, "unmatched")) {
		r->type = PL_REC_UNMATCHED;
		return;
	}
	if (type && !strcmp(type, "stopped")) {
		r->type = PL_REC_STOPPED;
		r->detail = jv_str(&v[K_DETAIL]);
		return;
	}
	if (!type || strcmp(type, "packet"))
		return;
	r->packet_type = true;
	r->category = jv_str(&v[K_CATEGORY]);
	r->kind = jv_str(&v[K_KIND]);
	r->expect = jv_str(&v[K_EXPECT]);
	r->sent = jv_str(&v[K_SENT]);
	r->reply = jv_str(&v[K_REPLY]);
	r->verdict = jv_str(&v[K_VERDICT]);
	r->note = jv_str(&v[K_NOTE]);
	r->packet = jv_count(&v[K_PACKET], 1);
	r->rep = jv_count(&v[K_REP], 0);
	r->trial = jv_count(&v[K_TRIAL], 0);
	r->extra_replies = jv_count(&v[K_EXTRA], 0);
	r->t_sent_us = jv_num(&v[K_T_SENT], 0);
	r->t_reply_us = jv_num(&v[K_T_REPLY], -1);
	r->rtt_us = r->reply ? jv_num(&v[K_RTT], -1) : -1;
	r->delivered_known = v[K_DELIVERED].kind == JV_TRUE || v[K_DELIVERED].kind == JV_FALSE;
	r->delivered = v[K_DELIVERED].kind == JV_TRUE;
	if (r->scenario && r->target && r->sent && r->verdict)
		r->type = PL_REC_PACKET;
}

int pl_rec_parse(const char *line, struct pl_rec *r)
{
	struct jv v[K__COUNT];
	const cJSON *d;
	int k;

	memset(r, 0, sizeof(*r));
	r->o = cJSON_Parse(line);
	if (!cJSON_IsObject(r->o)) {
		cJSON_Delete(r->o);
		r->o = NULL;
		return -EINVAL;
	}
	r->object = true;
	for (k = 0; k < K__COUNT; k++) {
		d = cJSON_GetObjectItemCaseSensitive(r->o, rec_keys[k]);
		v[k] = (struct jv){ !d ? JV_ABSENT : cJSON_IsString(d) ? JV_STRING : cJSON_IsNumber(d) ? JV_NUMBER
				    : cJSON_IsTrue(d) ? JV_TRUE : cJSON_IsFalse(d) ? JV_FALSE : JV_OTHER,
				    cJSON_IsString(d) ? d->valuestring : NULL, cJSON_IsNumber(d) ? d->valuedouble : 0 };
	}
	fill(r, v);
	if (r->type == PL_REC_PACKET) {
		d = cJSON_GetObjectItemCaseSensitive(r->o, "diff");
		r->diff = cJSON_IsArray(d) ? d : NULL;
	}
	return 0;
}

/* ---- reading without cJSON ---------------------------------------------------------- */

#define SCAN_DEPTH 32

struct slice {
	char *s;             /* the string's first byte, after its quote */
	size_t n;            /* up to its closing quote */
	bool esc;            /* it holds escapes */
};

/* cJSON's whitespace: every byte from 1 to 32 */
static char *ws(char *p)
{
	while ((unsigned char)*p - 1u < 32u)
		p++;
	return p;
}

static int hexval(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* \uXXXX at p (p[0] the backslash): its value when it is one byte, 1..0x7f, else -1 */
static int esc_u(const char *p)
{
	int v = 0, i;

	for (i = 2; i < 6; i++) {
		int h = hexval((unsigned char)p[i]);

		if (h < 0)
			return -1;
		v = v << 4 | h;
	}
	return v >= 1 && v <= 0x7f ? v : -1;
}

/* A string at *pp (its opening quote); NULL when it is one to leave to cJSON. */
static char *scan_str(char *p, struct slice *out)
{
	char *s = ++p;
	bool esc = false;

	for (;;) {
		unsigned char c;

		p += strcspn(p, "\"\\");
		c = (unsigned char)*p;
		if (c == '"')
			break;
		if (!c)
			return NULL;
		esc = true;
		switch (p[1]) {
		case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
			p += 2;
			break;
		case 'u':
			if (esc_u(p) < 0)
				return NULL;
			p += 6;
			break;
		default:
			return NULL;
		}
	}
	out->s = s;
	out->n = (size_t)(p - s);
	out->esc = esc;
	return p + 1;
}

/* The string's bytes as cJSON decodes them, terminated, in place (never longer). */
static char *unescape(struct slice *x)
{
	char *r = x->s, *w = x->s, *e = x->s + x->n;

	if (!x->esc) {
		*e = '\0';
		return x->s;
	}
	while (r < e) {
		if (*r != '\\') {
			*w++ = *r++;
			continue;
		}
		switch (r[1]) {
		case 'b': *w++ = '\b'; break;
		case 'f': *w++ = '\f'; break;
		case 'n': *w++ = '\n'; break;
		case 'r': *w++ = '\r'; break;
		case 't': *w++ = '\t'; break;
		case 'u': *w++ = (char)esc_u(r); r += 4; break;
		default: *w++ = r[1]; break; /* " \ / */
		}
		r += 2;
	}
	*w = '\0';
	return x->s;
}

/* which of rec_keys the key is, or K__COUNT */
static int key_index(const char *s, size_t n)
{
	int k;

	static const unsigned char len[K__COUNT] = { 4, 8, 6, 8, 4, 6, 4, 5, 7, 4, 6, 6, 3, 5, 13, 9, 10, 6, 9, 4 };

	for (k = 0; k < K__COUNT; k++)
		if (len[k] == n && !memcmp(s, rec_keys[k], n))
			break;
	return k;
}

static bool num_char(char c)
{
	return (c >= '0' && c <= '9') || c == '+' || c == '-' || c == 'e' || c == 'E' || c == '.';
}

/* A number as cJSON reads it: the run of number characters (fewer than 63), as much of
 * it as strtod takes; NULL when strtod takes nothing or the run is too long. */
static char *scan_num(char *p, double *d)
{
	char buf[64], *end;
	size_t i;

	for (i = 0; i < 63 && num_char(p[i]); i++)
		buf[i] = p[i];
	if (i == 63)
		return NULL;
	buf[i] = '\0';
	/* -?D+(.D+)? with at most 15 digits: an integer below 2^53 divided by a power of ten
	 * that is exact, one correctly rounded operation, which is what strtod gives */
	{
		static const double pow10[] = { 1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15 };
		size_t j = buf[0] == '-', digits = 0, frac = 0;
		bool dot = false;
		uint64_t m = 0;

		for (; j < i && digits <= 15; j++) {
			if (buf[j] >= '0' && buf[j] <= '9') {
				m = m * 10 + (uint64_t)(buf[j] - '0');
				digits++;
				frac += dot;
			} else if (buf[j] == '.' && !dot && digits && j + 1 < i) {
				dot = true;
			} else {
				break;
			}
		}
		if (j == i && digits && digits <= 15) {
			*d = (double)m / pow10[frac];
			if (buf[0] == '-')
				*d = -*d;
			return p + i;
		}
	}
	*d = strtod(buf, &end);
	return end == buf ? NULL : p + (end - buf);
}

/* Any value at p, checked and passed over; NULL: leave the line to cJSON. */
static char *skip_value(char *p, int depth)
{
	struct slice x;
	double d;

	switch (*p) {
	case '"':
		return scan_str(p, &x);
	case 'n':
		return strncmp(p, "null", 4) ? NULL : p + 4;
	case 't':
		return strncmp(p, "true", 4) ? NULL : p + 4;
	case 'f':
		return strncmp(p, "false", 5) ? NULL : p + 5;
	case '[':
	case '{': {
		char close = *p == '[' ? ']' : '}';

		if (depth >= SCAN_DEPTH)
			return NULL;
		p = ws(p + 1);
		if (*p == close)
			return p + 1;
		for (;;) {
			if (close == '}') {
				if (*p != '"' || !(p = scan_str(p, &x)))
					return NULL;
				p = ws(p);
				if (*p != ':')
					return NULL;
				p = ws(p + 1);
			}
			if (!(p = skip_value(p, depth + 1)))
				return NULL;
			p = ws(p);
			if (*p == close)
				return p + 1;
			if (*p != ',')
				return NULL;
			p = ws(p + 1);
		}
	}
	default:
		if (*p == '-' || (*p >= '0' && *p <= '9'))
			return scan_num(p, &d);
		return NULL;
	}
}

static bool grow_diff(struct pl_rec_scanner *s, size_t n)
{
	size_t cap = s->cap ? s->cap * 2 : 16;
	const char **ds;
	size_t *dl;
	bool *de;

	if (n < s->cap)
		return true;
	ds = realloc(s->dstr, cap * sizeof(*ds));
	if (ds)
		s->dstr = ds;
	dl = ds ? realloc(s->dlen, cap * sizeof(*dl)) : NULL;
	if (dl)
		s->dlen = dl;
	de = dl ? realloc(s->desc, cap * sizeof(*de)) : NULL;
	if (!de)
		return false;
	s->desc = de;
	s->cap = cap;
	return true;
}

/* "diff": an array of strings (anything else is cJSON's to read) */
static char *scan_diff(char *p, struct pl_rec_scanner *s, size_t *n)
{
	struct slice x;

	*n = 0;
	if (*p != '[')
		return NULL;
	p = ws(p + 1);
	if (*p == ']')
		return p + 1;
	for (;;) {
		if (*p != '"' || !(p = scan_str(p, &x)) || !grow_diff(s, *n))
			return NULL;
		s->dstr[*n] = x.s;
		s->dlen[*n] = x.n;
		s->desc[*n] = x.esc;
		(*n)++;
		p = ws(p);
		if (*p == ']')
			return p + 1;
		if (*p != ',')
			return NULL;
		p = ws(p + 1);
	}
}

int pl_rec_scan(char *line, struct pl_rec_scanner *s, struct pl_rec *r)
{
	struct jv v[K__COUNT];
	struct slice str[K__COUNT];
	bool seen[K__COUNT] = { false };
	size_t nd = 0, i;
	char *p = ws(line);
	const char *dp = localeconv()->decimal_point;
	int k;

	memset(r, 0, sizeof(*r));
	memset(v, 0, sizeof(v));
	if (*p != '{' || dp[0] != '.' || dp[1])
		return 1;
	p = ws(p + 1);
	if (*p != '}')
		for (;;) {
			struct slice key;

			if (*p != '"' || !(p = scan_str(p, &key)) || key.esc)
				return 1;
			p = ws(p);
			if (*p != ':')
				return 1;
			p = ws(p + 1);
			k = key_index(key.s, key.n);
			if (k < K__COUNT && seen[k])
				k = K__COUNT;
			if (k == K__COUNT) {
				p = skip_value(p, 1);
			} else if (k == K_DIFF) {
				p = scan_diff(p, s, &nd);
				v[k].kind = JV_OTHER;
			} else if (*p == '"') {
				p = scan_str(p, &str[k]);
				v[k].kind = JV_STRING;
			} else if (*p == '-' || (*p >= '0' && *p <= '9')) {
				p = scan_num(p, &v[k].d);
				v[k].kind = JV_NUMBER;
			} else {
				v[k].kind = !strncmp(p, "true", 4) ? JV_TRUE : !strncmp(p, "false", 5) ? JV_FALSE : JV_OTHER;
				p = skip_value(p, 1);
			}
			if (!p)
				return 1;
			if (k < K__COUNT)
				seen[k] = true;
			p = ws(p);
			if (*p == '}')
				break;
			if (*p != ',')
				return 1;
			p = ws(p + 1);
		}
	/* the line is read: now its strings, in place */
	for (k = 0; k < K__COUNT; k++)
		if (v[k].kind == JV_STRING)
			v[k].s = unescape(&str[k]);
	for (i = 0; i < nd; i++) {
		struct slice x = { (char *)s->dstr[i], s->dlen[i], s->desc[i] };

		s->dstr[i] = unescape(&x);
	}
	r->object = true;
	fill(r, v);
	if (r->type == PL_REC_PACKET) {
		r->dstr = s->dstr;
		r->ndstr = nd;
		r->sent_plain = !str[K_SENT].esc;
		r->reply_plain = r->reply && !str[K_REPLY].esc;
	}
	return 0;
}

/* ---- the responder's log: reading --------------------------------------------------- */

static void decision_defaults(struct pl_rec_decision *d)
{
	memset(d, 0, sizeof(*d));
	d->t_recv_us = d->total = -1;
}

/* the members of "tokens" a report reads, then "thinking"; and "timing_us"'s "total" */
static const char *const dec_tok_keys[PL_TOK__COUNT + 1] = { "input", "output", "cache_read", "cache_write", "thinking" };

/* An object's members as numbers into out[i] for keys[i] (the first of each, a number,
 * else left as it is); anything else is passed over. NULL: leave the line to cJSON. */
static char *scan_numbers(char *p, const char *const *keys, int nkeys, double *out)
{
	bool seen[8] = { false };

	if (*p != '{')
		return skip_value(p, 1); /* not an object: every member absent */
	p = ws(p + 1);
	if (*p == '}')
		return p + 1;
	for (;;) {
		struct slice key;
		int k;

		if (*p != '"' || !(p = scan_str(p, &key)) || key.esc)
			return NULL;
		p = ws(p);
		if (*p != ':')
			return NULL;
		p = ws(p + 1);
		for (k = 0; k < nkeys && (strlen(keys[k]) != key.n || memcmp(keys[k], key.s, key.n)); k++)
			;
		if (k < nkeys && !seen[k] && (*p == '-' || (*p >= '0' && *p <= '9'))) {
			p = scan_num(p, &out[k]);
		} else {
			p = skip_value(p, 2);
		}
		if (!p)
			return NULL;
		if (k < nkeys)
			seen[k] = true;
		p = ws(p);
		if (*p == '}')
			return p + 1;
		if (*p != ',')
			return NULL;
		p = ws(p + 1);
	}
}

int pl_rec_scan_decision(char *line, struct pl_rec_decision *d)
{
	enum { D_IN, D_MODEL, D_T_RECV, D_TOKENS, D_TIMING, D__COUNT };
	static const char *const keys[D__COUNT] = { "in", "model", "t_recv_us", "tokens", "timing_us" };
	static const char *const total_key[1] = { "total" };
	struct slice str[2];
	bool seen[D__COUNT] = { false }, isstr[2] = { false };
	double nums[PL_TOK__COUNT + 1] = { 0 }, total = -1;
	char *p = ws(line);
	const char *dp = localeconv()->decimal_point;
	int k;

	decision_defaults(d);
	if (*p != '{' || dp[0] != '.' || dp[1])
		return 1;
	p = ws(p + 1);
	if (*p != '}')
		for (;;) {
			struct slice key;

			if (*p != '"' || !(p = scan_str(p, &key)) || key.esc)
				return 1;
			p = ws(p);
			if (*p != ':')
				return 1;
			p = ws(p + 1);
			for (k = 0; k < D__COUNT && (strlen(keys[k]) != key.n || memcmp(keys[k], key.s, key.n)); k++)
				;
			if (k < D__COUNT && seen[k])
				k = D__COUNT;
			if ((k == D_IN || k == D_MODEL) && *p == '"') {
				p = scan_str(p, &str[k]);
				isstr[k] = true;
			} else if (k == D_T_RECV && (*p == '-' || (*p >= '0' && *p <= '9'))) {
				p = scan_num(p, &d->t_recv_us);
			} else if (k == D_TOKENS) {
				p = scan_numbers(p, dec_tok_keys, PL_TOK__COUNT + 1, nums);
			} else if (k == D_TIMING) {
				p = scan_numbers(p, total_key, 1, &total);
			} else {
				p = skip_value(p, 1);
			}
			if (!p)
				return 1;
			if (k < D__COUNT)
				seen[k] = true;
			p = ws(p);
			if (*p == '}')
				break;
			if (*p != ',')
				return 1;
			p = ws(p + 1);
		}
	/* the line is read: now its strings, in place */
	if (isstr[D_IN]) {
		d->in = unescape(&str[D_IN]);
		d->in_len = strlen(d->in);
	}
	if (isstr[D_MODEL])
		d->model = unescape(&str[D_MODEL]);
	memcpy(d->tok, nums, sizeof(d->tok));
	d->thinking = nums[PL_TOK__COUNT];
	d->total = total;
	return 0;
}

int pl_rec_parse_decision(const char *line, struct pl_rec_decision *d)
{
	const cJSON *tk;
	int k;

	decision_defaults(d);
	d->o = cJSON_Parse(line);
	if (!cJSON_IsObject(d->o)) {
		cJSON_Delete(d->o);
		d->o = NULL;
		return -EINVAL;
	}
	d->in = pl_jstr(d->o, "in");
	d->in_len = d->in ? strlen(d->in) : 0;
	d->model = pl_jstr(d->o, "model");
	d->t_recv_us = pl_jnum(d->o, "t_recv_us", -1);
	tk = cJSON_GetObjectItemCaseSensitive(d->o, "tokens");
	for (k = 0; k < PL_TOK__COUNT; k++)
		d->tok[k] = pl_jnum(tk, dec_tok_keys[k], 0);
	d->thinking = pl_jnum(tk, "thinking", 0);
	d->total = pl_jnum(cJSON_GetObjectItemCaseSensitive(d->o, "timing_us"), "total", -1);
	return 0;
}

void pl_rec_decision_free(struct pl_rec_decision *d)
{
	cJSON_Delete(d->o);
	memset(d, 0, sizeof(*d));
}

void pl_rec_scanner_free(struct pl_rec_scanner *s)
{
	free(s->dstr);
	free(s->dlen);
	free(s->desc);
	memset(s, 0, sizeof(*s));
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
