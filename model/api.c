#include "model/api.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_MAX_TOKENS   2048
#define REASONING_MAX_TOKENS 16384 /* a model that always reasons spends most of it thinking */

void pl_api_knobs(enum pl_api api, const struct pl_mrow *row, double temperature, unsigned max_tokens,
		  unsigned thinking_budget, const char *effort, struct pl_req_opts *o)
{
	bool reasons = row && row->thinking == PL_MT_THINK_EFFORT;

	o->max_field = row && api == PL_API_OPENAI ? row->max_field : PL_MT_MAX_TOKENS;
	o->thinking_budget = api == PL_API_ANTHROPIC ? thinking_budget : 0;
	o->reasoning_effort = api == PL_API_OPENAI ? effort : NULL;
	if (temperature >= -1) {
		o->temperature_set = temperature >= 0;
		o->temperature = temperature >= 0 ? temperature : 0;
	} else {
		/* the table's default: 0 (the most repeatable answer) where the model takes
		 * it; none where it refuses one, takes only its default, or is not listed —
		 * and none with extended thinking, which allows only 1 */
		o->temperature_set = row && row->temperature == PL_MT_TEMP_YES && !o->thinking_budget;
		o->temperature = 0;
	}
	if (max_tokens)
		o->max_tokens = max_tokens;
	else
		o->max_tokens = reasons ? REASONING_MAX_TOKENS : DEFAULT_MAX_TOKENS + o->thinking_budget;
}

char *pl_api_json_string(const char *s)
{
	cJSON *v = cJSON_CreateString(s);
	char *out = v ? cJSON_PrintUnformatted(v) : NULL;

	cJSON_Delete(v);
	return out;
}

/* the system prompt's text: raw when the caller escaped it once, the same bytes */
static void add_system(cJSON *o, const char *key, const struct pl_req_opts *q)
{
	if (q->system_json)
		cJSON_AddRawToObject(o, key, q->system_json);
	else
		cJSON_AddStringToObject(o, key, q->system);
}

char *pl_api_request(enum pl_api api, const struct pl_req_opts *q)
{
	cJSON *o = cJSON_CreateObject(), *msgs, *m;
	char *out = NULL;

	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "model", q->model);
	cJSON_AddNumberToObject(o, q->max_field == PL_MT_MAX_COMPLETION_TOKENS ? "max_completion_tokens" : "max_tokens",
				q->max_tokens);
	if (api == PL_API_ANTHROPIC) {
		/* the system prompt is the same for every packet: mark it cacheable (the
		 * service caches it only from the model's minimum length on) */
		cJSON *sys = cJSON_AddArrayToObject(o, "system"), *blk = cJSON_CreateObject(), *cc;

		cJSON_AddStringToObject(blk, "type", "text");
		add_system(blk, "text", q);
		cc = cJSON_AddObjectToObject(blk, "cache_control");
		cJSON_AddStringToObject(cc, "type", "ephemeral");
		cJSON_AddItemToArray(sys, blk);
	}
	msgs = cJSON_AddArrayToObject(o, "messages");
	if (api == PL_API_OPENAI) {
		m = cJSON_CreateObject();
		cJSON_AddStringToObject(m, "role", "system");
		add_system(m, "content", q);
		cJSON_AddItemToArray(msgs, m);
	}
	m = cJSON_CreateObject();
	cJSON_AddStringToObject(m, "role", "user");
	cJSON_AddStringToObject(m, "content", q->user);
	cJSON_AddItemToArray(msgs, m);
	if (q->temperature_set)
		cJSON_AddNumberToObject(o, "temperature", q->temperature);
	if (q->thinking_budget) {
		cJSON *th = cJSON_AddObjectToObject(o, "thinking");

		cJSON_AddStringToObject(th, "type", "enabled");
		cJSON_AddNumberToObject(th, "budget_tokens", q->thinking_budget);
	}
	if (q->reasoning_effort)
		cJSON_AddStringToObject(o, "reasoning_effort", q->reasoning_effort);
	if (q->stream)
		cJSON_AddTrueToObject(o, "stream");
	if (q->stream && api == PL_API_OPENAI) {
		cJSON *so = cJSON_AddObjectToObject(o, "stream_options");

		cJSON_AddTrueToObject(so, "include_usage");
	}
	out = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return out;
}

static long num(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	/* a token count from the server: a hostile or broken one may send anything, and a
	 * double beyond long's range must not reach the conversion (fuzz_model found it) */
	return cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble < 1e15 ? (long)v->valuedouble : 0;
}

static void str(const cJSON *o, const char *key, char *dst, size_t n)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (cJSON_IsString(v) && v->valuestring)
		snprintf(dst, n, "%s", v->valuestring);
}

static int append_text(struct pl_model_reply *r, const char *t, size_t n)
{
	char *nt;

	if (r->text_len + n > PL_MODEL_TEXT_MAX)
		n = PL_MODEL_TEXT_MAX - r->text_len;
	/* doubling: an answer streamed in many deltas costs a few reallocs, not one each */
	if (r->text_len + n + 1 > r->text_cap) {
		size_t cap = r->text_cap ? r->text_cap : 64;

		while (cap < r->text_len + n + 1)
			cap *= 2;
		nt = realloc(r->text, cap);
		if (!nt)
			return -ENOMEM;
		r->text = nt;
		r->text_cap = cap;
	}
	memcpy(r->text + r->text_len, t, n);
	r->text_len += n;
	r->text[r->text_len] = '\0';
	return 0;
}

/* thinking_chars counts characters, not bytes: UTF-8 continuation bytes are not counted
 * (thinking text is prose, em dashes and all) */
static size_t utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

/* A count is present: a number (the SDKs type message_delta's counts as nullable, and
 * a null must not overwrite what message_start said). */
static bool has(const cJSON *o, const char *key)
{
	return cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(o, key));
}

/* Usage as billed. Anthropic: input_tokens excludes the cache, counts may come in
 * message_start and again in message_delta (the later wins where present);
 * output_tokens_details.thinking_tokens is the reasoning part of output_tokens. OpenAI:
 * prompt_tokens includes prompt_tokens_details.cached_tokens, so the uncached input is
 * the difference; completion_tokens includes completion_tokens_details.reasoning_tokens. */
static void usage_of(enum pl_api api, const cJSON *u, struct pl_usage *us)
{
	const cJSON *d;

	if (!cJSON_IsObject(u))
		return;
	if (api == PL_API_ANTHROPIC) {
		if (has(u, "input_tokens"))
			us->input = num(u, "input_tokens");
		us->output = num(u, "output_tokens") ? num(u, "output_tokens") : us->output;
		if (has(u, "cache_read_input_tokens"))
			us->cache_read = num(u, "cache_read_input_tokens");
		if (has(u, "cache_creation_input_tokens"))
			us->cache_write = num(u, "cache_creation_input_tokens");
		/* output_tokens_details.thinking_tokens: of output_tokens, the reasoning */
		d = cJSON_GetObjectItemCaseSensitive(u, "output_tokens_details");
		if (cJSON_IsObject(d) && has(d, "thinking_tokens"))
			us->thinking = num(d, "thinking_tokens");
	} else {
		const cJSON *cd = cJSON_GetObjectItemCaseSensitive(u, "completion_tokens_details");
		long prompt = num(u, "prompt_tokens"), cached;

		d = cJSON_GetObjectItemCaseSensitive(u, "prompt_tokens_details");
		cached = cJSON_IsObject(d) ? num(d, "cached_tokens") : 0;

		us->cache_read = cached < prompt ? cached : prompt;
		us->input = prompt - us->cache_read;
		us->output = num(u, "completion_tokens");
		if (cJSON_IsObject(cd))
			us->thinking = num(cd, "reasoning_tokens");
	}
}

/* stop_reason / finish_reason: kept, and what it says about the answer */
static void finish_of(struct pl_model_reply *r, const char *why)
{
	snprintf(r->stop_reason, sizeof(r->stop_reason), "%s", why);
	if (!strcmp(why, "max_tokens") || !strcmp(why, "length") || !strcmp(why, "model_context_window_exceeded"))
		r->truncated = true;
	if (!strcmp(why, "refusal") || !strcmp(why, "content_filter"))
		r->refused = true;
}

static void str_finish(const cJSON *o, const char *key, struct pl_model_reply *r)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (cJSON_IsString(v) && v->valuestring)
		finish_of(r, v->valuestring);
}

static void refusal_of(struct pl_model_reply *r, const char *text)
{
	size_t used = strlen(r->refusal);

	r->refused = true;
	snprintf(r->refusal + used, sizeof(r->refusal) - used, "%s", text);
}

/* reasoning_content (DeepSeek, vLLM, llama.cpp) or reasoning (OpenRouter, Ollama):
 * counted, never part of the answer */
static void reasoning_of(struct pl_model_reply *r, const cJSON *msg)
{
	const cJSON *rc = cJSON_GetObjectItemCaseSensitive(msg, "reasoning_content");

	if (!cJSON_IsString(rc))
		rc = cJSON_GetObjectItemCaseSensitive(msg, "reasoning");
	if (cJSON_IsString(rc))
		r->thinking_chars += utf8_chars(rc->valuestring);
}

/* llama.cpp server: "timings": {"prompt_ms", "predicted_ms", ...} */
static void timings_of(struct pl_model_reply *r, const cJSON *o)
{
	const cJSON *tm = cJSON_GetObjectItemCaseSensitive(o, "timings");

	if (cJSON_IsObject(tm)) {
		const cJSON *pm = cJSON_GetObjectItemCaseSensitive(tm, "prompt_ms");
		const cJSON *gm = cJSON_GetObjectItemCaseSensitive(tm, "predicted_ms");
		double ms = (cJSON_IsNumber(pm) ? pm->valuedouble : 0) + (cJSON_IsNumber(gm) ? gm->valuedouble : 0);

		if (ms >= 0 && ms < 1e12)
			r->server_ms = ms;
	}
}

int pl_api_parse(enum pl_api api, const char *body, size_t len, struct pl_model_reply *out,
		 struct pl_err *err)
{
	cJSON *o = cJSON_ParseWithLength(body, len);
	const cJSON *it;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (!o)
		return pl_errf(err, -EBADMSG, "response is not JSON (%zu bytes)", len);
	if (!cJSON_IsObject(o)) {
		cJSON_Delete(o);
		return pl_errf(err, -EBADMSG, "response is not a JSON object");
	}
	str(o, "model", out->model, sizeof(out->model));
	str(o, "id", out->id, sizeof(out->id));
	if (api == PL_API_ANTHROPIC) {
		const cJSON *content = cJSON_GetObjectItemCaseSensitive(o, "content");

		if (!cJSON_IsArray(content)) {
			cJSON_Delete(o);
			return pl_errf(err, -EBADMSG, "response has no content array");
		}
		/* text blocks are the answer, in order; thinking and redacted_thinking
		 * blocks are counted, never answered with */
		cJSON_ArrayForEach(it, content) {
			const cJSON *ty = cJSON_GetObjectItemCaseSensitive(it, "type");
			const char *t = cJSON_IsString(ty) ? ty->valuestring : "";
			const cJSON *tx = cJSON_GetObjectItemCaseSensitive(it, !strcmp(t, "thinking") ? "thinking" : "text");

			if (!strcmp(t, "text") && cJSON_IsString(tx))
				rc = rc ? rc : append_text(out, tx->valuestring, strlen(tx->valuestring));
			else if (!strcmp(t, "thinking") && cJSON_IsString(tx))
				out->thinking_chars += utf8_chars(tx->valuestring);
		}
		str_finish(o, "stop_reason", out);
		usage_of(api, cJSON_GetObjectItemCaseSensitive(o, "usage"), &out->usage);
	} else {
		const cJSON *ch = cJSON_GetObjectItemCaseSensitive(o, "choices"), *c0, *msg, *ct, *rf;

		c0 = cJSON_IsArray(ch) ? cJSON_GetArrayItem(ch, 0) : NULL;
		msg = c0 ? cJSON_GetObjectItemCaseSensitive(c0, "message") : NULL;
		ct = msg ? cJSON_GetObjectItemCaseSensitive(msg, "content") : NULL;
		/* content is a string, or null: a refusal (message.refusal), or a model that
		 * spent its whole budget reasoning (finish_reason length) — answers about the
		 * model, not a broken body */
		if (!cJSON_IsObject(msg) || !(cJSON_IsString(ct) || cJSON_IsNull(ct) || !ct)) {
			cJSON_Delete(o);
			return pl_errf(err, -EBADMSG, "response has no choices[0].message with a content string or null");
		}
		if (cJSON_IsString(ct))
			rc = append_text(out, ct->valuestring, strlen(ct->valuestring));
		rf = cJSON_GetObjectItemCaseSensitive(msg, "refusal");
		if (cJSON_IsString(rf) && rf->valuestring[0])
			refusal_of(out, rf->valuestring);
		reasoning_of(out, msg);
		str_finish(c0, "finish_reason", out);
		usage_of(api, cJSON_GetObjectItemCaseSensitive(o, "usage"), &out->usage);
		timings_of(out, o);
	}
	cJSON_Delete(o);
	if (!out->text && !rc)
		rc = append_text(out, "", 0);
	return rc ? pl_errf(err, rc, "out of memory") : 0;
}

void pl_api_parse_error(const char *body, size_t len, char *type, size_t tsz, char *msg, size_t msz)
{
	cJSON *o = cJSON_ParseWithLength(body, len);
	const cJSON *e;

	type[0] = msg[0] = '\0';
	if (!o)
		return;
	e = cJSON_GetObjectItemCaseSensitive(o, "error");
	if (cJSON_IsObject(e)) {
		str(e, "type", type, tsz);
		str(e, "message", msg, msz);
		if (!type[0])
			str(e, "code", type, tsz);
	} else if (cJSON_IsString(e)) {
		snprintf(msg, msz, "%s", e->valuestring);
	}
	cJSON_Delete(o);
}

void pl_model_reply_free(struct pl_model_reply *r)
{
	free(r->text);
	r->text = NULL;
	r->text_len = 0;
	r->text_cap = 0;
}

void pl_sse_init(struct pl_sse *s, enum pl_api api, struct pl_model_reply *out)
{
	memset(s, 0, sizeof(*s));
	s->api = api;
	s->out = out;
	memset(out, 0, sizeof(*out));
}

void pl_sse_free(struct pl_sse *s)
{
	free(s->line);
	s->line = NULL;
}

static int sse_data(struct pl_sse *s, const char *data, struct pl_err *err)
{
	struct pl_model_reply *r = s->out;
	cJSON *o;
	const cJSON *ty;
	int rc = 0;

	if (s->api == PL_API_OPENAI && !strcmp(data, "[DONE]")) {
		s->done = true;
		return 0;
	}
	o = cJSON_Parse(data);
	if (!o)
		return pl_errf(err, -EBADMSG, "stream event is not JSON");
	ty = cJSON_GetObjectItemCaseSensitive(o, "type");
	if (s->api == PL_API_ANTHROPIC) {
		const char *t = cJSON_IsString(ty) ? ty->valuestring : "";

		if (!strcmp(t, "message_start")) {
			const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, "message");

			str(m, "model", r->model, sizeof(r->model));
			str(m, "id", r->id, sizeof(r->id));
			usage_of(s->api, cJSON_GetObjectItemCaseSensitive(m, "usage"), &r->usage);
		} else if (!strcmp(t, "content_block_delta")) {
			const cJSON *d = cJSON_GetObjectItemCaseSensitive(o, "delta");
			const cJSON *dt = cJSON_GetObjectItemCaseSensitive(d, "type");
			const char *k = cJSON_IsString(dt) ? dt->valuestring : "";
			const cJSON *tx = cJSON_GetObjectItemCaseSensitive(d, "text");
			const cJSON *th = cJSON_GetObjectItemCaseSensitive(d, "thinking");

			/* text_delta is the answer; thinking_delta and signature_delta are not */
			if (!strcmp(k, "text_delta") && cJSON_IsString(tx)) {
				if (tx->valuestring[0])
					s->first_text = true;
				rc = append_text(r, tx->valuestring, strlen(tx->valuestring));
			} else if (!strcmp(k, "thinking_delta") && cJSON_IsString(th)) {
				r->thinking_chars += utf8_chars(th->valuestring);
			}
		} else if (!strcmp(t, "message_delta")) {
			const cJSON *d = cJSON_GetObjectItemCaseSensitive(o, "delta");

			str_finish(d, "stop_reason", r);
			usage_of(s->api, cJSON_GetObjectItemCaseSensitive(o, "usage"), &r->usage);
		} else if (!strcmp(t, "message_stop")) {
			s->done = true;
		} else if (!strcmp(t, "error")) {
			char et[64], em[200];
			char *txt = cJSON_PrintUnformatted(o);

			pl_api_parse_error(txt ? txt : "{}", txt ? strlen(txt) : 2, et, sizeof(et), em, sizeof(em));
			free(txt);
			rc = pl_errf(err, -EPROTO, "stream error %s: %s", et, em);
		}
	} else {
		const cJSON *ch = cJSON_GetObjectItemCaseSensitive(o, "choices"), *c0, *d, *ct, *rf;
		const cJSON *e = cJSON_GetObjectItemCaseSensitive(o, "error");

		if (e) {
			/* a mid-stream error chunk: {"error": {"message", "type", ...}} */
			char et[64], em[200];
			char *txt = cJSON_PrintUnformatted(o);

			pl_api_parse_error(txt ? txt : "{}", txt ? strlen(txt) : 2, et, sizeof(et), em, sizeof(em));
			free(txt);
			cJSON_Delete(o);
			return pl_errf(err, -EPROTO, "stream error %s: %s", et[0] ? et : "(no type)", em);
		}
		c0 = cJSON_IsArray(ch) ? cJSON_GetArrayItem(ch, 0) : NULL;
		d = c0 ? cJSON_GetObjectItemCaseSensitive(c0, "delta") : NULL;
		ct = d ? cJSON_GetObjectItemCaseSensitive(d, "content") : NULL;
		if (cJSON_IsString(ct)) {
			if (ct->valuestring[0])
				s->first_text = true;
			rc = append_text(r, ct->valuestring, strlen(ct->valuestring));
		}
		rf = d ? cJSON_GetObjectItemCaseSensitive(d, "refusal") : NULL;
		if (cJSON_IsString(rf) && rf->valuestring[0])
			refusal_of(r, rf->valuestring);
		if (d)
			reasoning_of(r, d);
		if (c0)
			str_finish(c0, "finish_reason", r);
		str(o, "model", r->model, sizeof(r->model));
		str(o, "id", r->id, sizeof(r->id));
		usage_of(s->api, cJSON_GetObjectItemCaseSensitive(o, "usage"), &r->usage);
		timings_of(r, o);
	}
	cJSON_Delete(o);
	return rc;
}

int pl_sse_feed(struct pl_sse *s, const char *data, size_t n, struct pl_err *err)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char c = data[i];

		if (c != '\n') {
			if (s->line_len + 2 > s->line_cap) {
				size_t ncap = s->line_cap ? s->line_cap * 2 : 256;
				char *nl;

				if (ncap > PL_MODEL_TEXT_MAX * 2)
					return pl_errf(err, -E2BIG, "stream line longer than %u bytes", PL_MODEL_TEXT_MAX * 2);
				nl = realloc(s->line, ncap);
				if (!nl)
					return pl_errf(err, -ENOMEM, "out of memory");
				s->line = nl;
				s->line_cap = ncap;
			}
			s->line[s->line_len++] = c;
			continue;
		}
		if (s->line_len && s->line[s->line_len - 1] == '\r')
			s->line_len--;
		if (!s->line) {
			s->line_len = 0;
			continue;
		}
		s->line[s->line_len] = '\0';
		if (!strncmp(s->line, "event:", 6)) {
			snprintf(s->event, sizeof(s->event), "%s", s->line + 6 + (s->line[6] == ' '));
		} else if (!strncmp(s->line, "data:", 5)) {
			int rc = sse_data(s, s->line + 5 + (s->line[5] == ' '), err);

			if (rc) {
				s->line_len = 0;
				return rc;
			}
		}
		s->line_len = 0;
	}
	return 0;
}
