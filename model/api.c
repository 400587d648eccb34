#include "model/api.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *pl_api_request(enum pl_api api, const char *model, const char *system, const char *user,
		     int max_tokens, bool stream)
{
	cJSON *o = cJSON_CreateObject(), *msgs, *m;
	char *out = NULL;

	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "model", model);
	cJSON_AddNumberToObject(o, "max_tokens", max_tokens);
	if (api == PL_API_ANTHROPIC) {
		/* the system prompt is the same for every packet: mark it cacheable */
		cJSON *sys = cJSON_AddArrayToObject(o, "system"), *blk = cJSON_CreateObject(), *cc;

		cJSON_AddStringToObject(blk, "type", "text");
		cJSON_AddStringToObject(blk, "text", system);
		cc = cJSON_AddObjectToObject(blk, "cache_control");
		cJSON_AddStringToObject(cc, "type", "ephemeral");
		cJSON_AddItemToArray(sys, blk);
	}
	msgs = cJSON_AddArrayToObject(o, "messages");
	if (api == PL_API_OPENAI) {
		m = cJSON_CreateObject();
		cJSON_AddStringToObject(m, "role", "system");
		cJSON_AddStringToObject(m, "content", system);
		cJSON_AddItemToArray(msgs, m);
	}
	m = cJSON_CreateObject();
	cJSON_AddStringToObject(m, "role", "user");
	cJSON_AddStringToObject(m, "content", user);
	cJSON_AddItemToArray(msgs, m);
	cJSON_AddNumberToObject(o, "temperature", 0);
	if (stream)
		cJSON_AddTrueToObject(o, "stream");
	if (stream && api == PL_API_OPENAI) {
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
	nt = realloc(r->text, r->text_len + n + 1);
	if (!nt)
		return -ENOMEM;
	r->text = nt;
	memcpy(r->text + r->text_len, t, n);
	r->text_len += n;
	r->text[r->text_len] = '\0';
	return 0;
}

static void usage_of(enum pl_api api, const cJSON *u, struct pl_usage *us)
{
	if (!cJSON_IsObject(u))
		return;
	if (api == PL_API_ANTHROPIC) {
		if (cJSON_GetObjectItemCaseSensitive(u, "input_tokens"))
			us->input = num(u, "input_tokens");
		us->output = num(u, "output_tokens") ? num(u, "output_tokens") : us->output;
		if (cJSON_GetObjectItemCaseSensitive(u, "cache_read_input_tokens"))
			us->cache_read = num(u, "cache_read_input_tokens");
		if (cJSON_GetObjectItemCaseSensitive(u, "cache_creation_input_tokens"))
			us->cache_write = num(u, "cache_creation_input_tokens");
	} else {
		const cJSON *d = cJSON_GetObjectItemCaseSensitive(u, "prompt_tokens_details");

		us->input = num(u, "prompt_tokens");
		us->output = num(u, "completion_tokens");
		if (cJSON_IsObject(d))
			us->cache_read = num(d, "cached_tokens");
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
		cJSON_ArrayForEach(it, content) {
			const cJSON *t = cJSON_GetObjectItemCaseSensitive(it, "text");
			const cJSON *ty = cJSON_GetObjectItemCaseSensitive(it, "type");

			if (cJSON_IsString(ty) && !strcmp(ty->valuestring, "text") && cJSON_IsString(t))
				rc = rc ? rc : append_text(out, t->valuestring, strlen(t->valuestring));
		}
		str(o, "stop_reason", out->stop_reason, sizeof(out->stop_reason));
		usage_of(api, cJSON_GetObjectItemCaseSensitive(o, "usage"), &out->usage);
	} else {
		const cJSON *ch = cJSON_GetObjectItemCaseSensitive(o, "choices"), *c0, *msg, *ct, *tm;

		c0 = cJSON_IsArray(ch) ? cJSON_GetArrayItem(ch, 0) : NULL;
		msg = c0 ? cJSON_GetObjectItemCaseSensitive(c0, "message") : NULL;
		ct = msg ? cJSON_GetObjectItemCaseSensitive(msg, "content") : NULL;
		if (!cJSON_IsString(ct)) {
			cJSON_Delete(o);
			return pl_errf(err, -EBADMSG, "response has no choices[0].message.content string");
		}
		rc = append_text(out, ct->valuestring, strlen(ct->valuestring));
		str(c0, "finish_reason", out->stop_reason, sizeof(out->stop_reason));
		usage_of(api, cJSON_GetObjectItemCaseSensitive(o, "usage"), &out->usage);
		tm = cJSON_GetObjectItemCaseSensitive(o, "timings"); /* llama.cpp server */
		if (cJSON_IsObject(tm)) {
			const cJSON *pm = cJSON_GetObjectItemCaseSensitive(tm, "prompt_ms");
			const cJSON *gm = cJSON_GetObjectItemCaseSensitive(tm, "predicted_ms");

			out->server_ms = (cJSON_IsNumber(pm) ? pm->valuedouble : 0) +
					 (cJSON_IsNumber(gm) ? gm->valuedouble : 0);
		}
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
			const cJSON *tx = cJSON_GetObjectItemCaseSensitive(d, "text");

			if (cJSON_IsString(tx)) {
				if (tx->valuestring[0])
					s->first_text = true;
				rc = append_text(r, tx->valuestring, strlen(tx->valuestring));
			}
		} else if (!strcmp(t, "message_delta")) {
			const cJSON *d = cJSON_GetObjectItemCaseSensitive(o, "delta");

			str(d, "stop_reason", r->stop_reason, sizeof(r->stop_reason));
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
		const cJSON *ch = cJSON_GetObjectItemCaseSensitive(o, "choices"), *c0, *d, *ct;

		c0 = cJSON_IsArray(ch) ? cJSON_GetArrayItem(ch, 0) : NULL;
		d = c0 ? cJSON_GetObjectItemCaseSensitive(c0, "delta") : NULL;
		ct = d ? cJSON_GetObjectItemCaseSensitive(d, "content") : NULL;
		if (cJSON_IsString(ct)) {
			if (ct->valuestring[0])
				s->first_text = true;
			rc = append_text(r, ct->valuestring, strlen(ct->valuestring));
		}
		if (c0)
			str(c0, "finish_reason", r->stop_reason, sizeof(r->stop_reason));
		str(o, "model", r->model, sizeof(r->model));
		usage_of(s->api, cJSON_GetObjectItemCaseSensitive(o, "usage"), &r->usage);
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
