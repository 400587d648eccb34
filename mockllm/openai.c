#include "mockllm/openai.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A number field: absent, or a number (is_int: a whole one). */
static const char *number_field(const cJSON *root, const char *key, bool is_int, bool *has, double *v)
{
	static __thread char msg[128]; /* per request: one thread each */
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(root, key);

	if (!it || cJSON_IsNull(it))
		return NULL;
	if (!cJSON_IsNumber(it) || (is_int && it->valuedouble != (double)(long long)it->valuedouble)) {
		snprintf(msg, sizeof(msg), "Invalid type for '%s': expected %s.", key, is_int ? "an integer" : "a number");
		return msg;
	}
	*has = true;
	*v = it->valuedouble;
	return NULL;
}

int mock_openai_parse(const char *body, size_t len, struct mock_req *req, struct pl_err *err)
{
	cJSON *root = cJSON_ParseWithLength(body, len), *msgs, *m, *it;
	const char *bad = NULL;
	double unused;

	memset(req, 0, sizeof(*req));
	req->format = MOCK_FMT_OPENAI;
	if (!root)
		return pl_errf(err, -EINVAL, "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble figuring out how to fix this, please contact us through our help center at help.openai.com.)");
	if (!cJSON_IsObject(root)) {
		bad = "The request body must be a JSON object.";
		goto out;
	}
	cJSON_ArrayForEach(it, root)
		if (!req->unknown[0] && it->string && !mock_known_param(MOCK_FMT_OPENAI, false, it->string))
			snprintf(req->unknown, sizeof(req->unknown), "%s", it->string);
	it = cJSON_GetObjectItemCaseSensitive(root, "model");
	if (it && !cJSON_IsString(it)) {
		bad = "Invalid type for 'model': expected a string.";
		goto out;
	}
	if (it) {
		snprintf(req->model, sizeof(req->model), "%s", it->valuestring);
		req->has_model = true;
	}
	if ((bad = number_field(root, "max_tokens", true, &req->has_max_tokens, &req->max_tokens)) ||
	    (bad = number_field(root, "max_completion_tokens", true, &req->has_max_completion_tokens,
				&req->max_completion_tokens)) ||
	    (bad = number_field(root, "temperature", false, &req->has_temperature, &req->temperature)) ||
	    (bad = number_field(root, "top_p", false, &req->has_top_p, &unused)))
		goto out;
	it = cJSON_GetObjectItemCaseSensitive(root, "reasoning_effort");
	if (it && !cJSON_IsNull(it)) {
		if (!cJSON_IsString(it)) {
			bad = "Invalid type for 'reasoning_effort': expected a string.";
			goto out;
		}
		req->has_effort = true;
		snprintf(req->effort, sizeof(req->effort), "%s", it->valuestring);
	}
	req->stream = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(root, "stream"));
	it = cJSON_GetObjectItemCaseSensitive(root, "stream_options");
	req->include_usage = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it, "include_usage"));
	msgs = cJSON_GetObjectItemCaseSensitive(root, "messages");
	if (!msgs) {
		bad = "Missing required parameter: 'messages'.";
		goto out;
	}
	if (!cJSON_IsArray(msgs) || !cJSON_GetArraySize(msgs)) {
		bad = "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.";
		goto out;
	}
	cJSON_ArrayForEach(m, msgs) {
		const cJSON *role = cJSON_GetObjectItemCaseSensitive(m, "role");
		const cJSON *content = cJSON_GetObjectItemCaseSensitive(m, "content");

		if (!cJSON_IsString(role)) {
			static __thread char msg[80];

			snprintf(msg, sizeof(msg), "Missing required parameter: 'messages[%zu].role'.", req->messages);
			bad = msg;
			goto out;
		}
		req->messages++;
		if (!strcmp(role->valuestring, "system") || !strcmp(role->valuestring, "developer")) {
			if (req->system_len)
				mock_text_append(&req->system, &req->system_len, "\n", 1);
			req->chars += mock_content_text(content, &req->system, &req->system_len);
			continue;
		}
		mock_req_message(req, role->valuestring, content);
	}
out:
	return mock_req_finish(req, bad, root, err);
}

int mock_openai_error(struct mock_reply *out, unsigned status, const char *type, const char *code,
		      const char *param, const char *msg)
{
	cJSON *root = cJSON_CreateObject(), *e;

	e = cJSON_AddObjectToObject(root, "error");
	cJSON_AddStringToObject(e, "message", msg);
	cJSON_AddStringToObject(e, "type", type);
	if (param)
		cJSON_AddStringToObject(e, "param", param);
	else
		cJSON_AddNullToObject(e, "param");
	if (code)
		cJSON_AddStringToObject(e, "code", code);
	else
		cJSON_AddNullToObject(e, "code");
	return mock_reply_json(out, status, root);
}

int mock_llamacpp_error(struct mock_reply *out, unsigned status, const char *type, const char *msg)
{
	cJSON *root = cJSON_CreateObject(), *e;

	e = cJSON_AddObjectToObject(root, "error");
	cJSON_AddNumberToObject(e, "code", status);
	cJSON_AddStringToObject(e, "message", msg);
	cJSON_AddStringToObject(e, "type", type);
	return mock_reply_json(out, status, root);
}

static void add_usage(cJSON *obj, const struct mock_usage *u, const struct mock_plan *plan, bool llamacpp)
{
	cJSON *usage = cJSON_AddObjectToObject(obj, "usage"), *d;
	unsigned prompt = u->input + u->cache_read + u->cache_write;

	/* prompt_tokens includes the cached ones; completion_tokens the reasoning ones */
	cJSON_AddNumberToObject(usage, "prompt_tokens", prompt);
	cJSON_AddNumberToObject(usage, "completion_tokens", u->output);
	cJSON_AddNumberToObject(usage, "total_tokens", prompt + u->output);
	if (!llamacpp) {
		d = cJSON_AddObjectToObject(usage, "prompt_tokens_details");
		cJSON_AddNumberToObject(d, "cached_tokens", u->cache_read);
	}
	if (!llamacpp || plan->thinking_tokens) {
		d = cJSON_AddObjectToObject(usage, "completion_tokens_details");
		cJSON_AddNumberToObject(d, "reasoning_tokens", plan->thinking_tokens);
	}
}

/* llama.cpp's "timings" (its server's own measurement): the planned delays */
static void add_timings(cJSON *obj, const struct mock_usage *u, const struct mock_plan *plan)
{
	cJSON *t = cJSON_AddObjectToObject(obj, "timings");
	unsigned pn = u->input + u->cache_read + u->cache_write, gn = u->output;
	double pms = plan->latency_ms + plan->ttft_ms, gms = plan->per_token_ms * gn;

	cJSON_AddNumberToObject(t, "cache_n", 0);
	cJSON_AddNumberToObject(t, "prompt_n", pn);
	cJSON_AddNumberToObject(t, "prompt_ms", pms);
	cJSON_AddNumberToObject(t, "prompt_per_token_ms", pn ? pms / pn : 0);
	cJSON_AddNumberToObject(t, "prompt_per_second", pms > 0 ? pn * 1000.0 / pms : 0);
	cJSON_AddNumberToObject(t, "predicted_n", gn);
	cJSON_AddNumberToObject(t, "predicted_ms", gms);
	cJSON_AddNumberToObject(t, "predicted_per_token_ms", gn ? gms / gn : 0);
	cJSON_AddNumberToObject(t, "predicted_per_second", gms > 0 ? gn * 1000.0 / gms : 0);
}

static const char *finish_reason(const struct mock_plan *plan)
{
	return plan->stop == MOCK_STOP_MAX_TOKENS ? "length" : "stop";
}

/* The fields every completion and chunk share. */
static cJSON *head(const struct mock_req *req, const struct mock_plan *plan, const char *object)
{
	cJSON *root = cJSON_CreateObject();
	char id[64];

	snprintf(id, sizeof(id), "chatcmpl-mock%s", plan->id);
	cJSON_AddStringToObject(root, "id", id);
	cJSON_AddStringToObject(root, "object", object);
	cJSON_AddNumberToObject(root, "created", (double)time(NULL));
	cJSON_AddStringToObject(root, "model", req->model);
	cJSON_AddStringToObject(root, "system_fingerprint", "pinglab-mockllm");
	return root;
}

static char *data_line(cJSON *root)
{
	char *json = cJSON_PrintUnformatted(root), *s = NULL;

	cJSON_Delete(root);
	if (json && asprintf(&s, "data: %s\n\n", json) < 0)
		s = NULL;
	free(json);
	return s;
}

/* One chunk with a delta: field (NULL: the role chunk) carrying n characters of s,
 * finish (NULL: null), then "timings" when t is set. */
static cJSON *chunk(const struct mock_req *req, const struct mock_plan *plan, const char *field,
		    const char *s, size_t n, const char *finish)
{
	cJSON *root = head(req, plan, "chat.completion.chunk"), *choices, *c, *delta;

	choices = cJSON_AddArrayToObject(root, "choices");
	c = cJSON_CreateObject();
	cJSON_AddNumberToObject(c, "index", 0);
	delta = cJSON_AddObjectToObject(c, "delta");
	if (!field) {
		cJSON_AddStringToObject(delta, "role", "assistant");
		cJSON_AddStringToObject(delta, "content", "");
		cJSON_AddNullToObject(delta, "refusal");
	} else if (n) {
		char *piece = strndup(s, n);

		cJSON_AddStringToObject(delta, field, piece ? piece : "");
		free(piece);
	}
	cJSON_AddNullToObject(c, "logprobs");
	if (finish)
		cJSON_AddStringToObject(c, "finish_reason", finish);
	else
		cJSON_AddNullToObject(c, "finish_reason");
	cJSON_AddItemToArray(choices, c);
	return root;
}

struct ostream {
	struct mock_reply *out;
	const struct mock_req *req;
	const struct mock_plan *plan;
	const struct mock_shape *shape;
	bool first;
	int rc;
};

static void emit(struct ostream *st, double delay, char *ev)
{
	if (!st->rc)
		st->rc = mock_reply_seg(st->out, delay, ev);
	else
		free(ev);
}

/* the deltas of one field; false when the stream ends among them */
static bool deltas(struct ostream *st, const char *field, const char *text, size_t len, size_t size, bool breaks)
{
	size_t *starts = NULL, k = mock_chunks(len, size, &starts), i;
	const struct mock_shape *sh = st->shape;

	if (!k) {
		st->rc = -ENOMEM;
		return false;
	}
	for (i = 0; i < k && !st->rc; i++) {
		size_t cl = starts[i + 1] - starts[i];
		double delay = (st->first ? 0 : st->plan->ttft_ms) + st->plan->per_token_ms * (double)cl / 4.0;
		char *ev = data_line(chunk(st->req, st->plan, field, text + starts[i], cl, NULL));

		st->first = true;
		if (breaks && sh->malformed && ev) {
			ev[strlen(ev) / 2] = '\0';
			emit(st, delay, ev);
			free(starts);
			return false;
		}
		emit(st, delay, ev);
		if (breaks && sh->stream_error && i + 1 >= (k + 1) / 2) {
			/* half the answer, then the service's error chunk, then nothing */
			cJSON *o = cJSON_CreateObject(), *e = cJSON_AddObjectToObject(o, "error");

			cJSON_AddStringToObject(e, "message", "The server had an error while processing your request. Sorry about that!");
			cJSON_AddStringToObject(e, "type", "server_error");
			cJSON_AddNullToObject(e, "param");
			cJSON_AddNullToObject(e, "code");
			emit(st, 0, data_line(o));
			free(starts);
			return false;
		}
	}
	free(starts);
	return true;
}

static int stream(struct mock_reply *out, const struct mock_req *req, const struct mock_plan *plan,
		  const struct mock_usage *u, const struct mock_shape *sh)
{
	struct ostream st = { .out = out, .req = req, .plan = plan, .shape = sh };
	cJSON *last;

	out->status = 200;
	out->content_type = "text/event-stream";
	emit(&st, 0, data_line(chunk(req, plan, NULL, NULL, 0, NULL)));
	if (plan->thinking && !deltas(&st, "reasoning_content", plan->thinking, plan->thinking_len, 256, false))
		return st.rc;
	if (plan->stop == MOCK_STOP_REFUSAL) {
		if (!deltas(&st, "refusal", MOCK_REFUSAL_TEXT, strlen(MOCK_REFUSAL_TEXT), 16, true))
			return st.rc;
	} else if (!deltas(&st, "content", plan->text, plan->text_len, 16, true)) {
		return st.rc;
	}
	last = chunk(req, plan, "content", "", 0, finish_reason(plan));
	if (req->include_usage) {
		emit(&st, 0, data_line(last));
		last = head(req, plan, "chat.completion.chunk");
		cJSON_AddArrayToObject(last, "choices");
		add_usage(last, u, plan, sh->llamacpp);
	}
	if (sh->llamacpp)
		add_timings(last, u, plan); /* in the last chunk, as llama.cpp's server sends them */
	emit(&st, 0, data_line(last));
	emit(&st, 0, strdup("data: [DONE]\n\n"));
	return st.rc;
}

int mock_openai_answer(struct mock_reply *out, const struct mock_req *req,
		       const struct mock_plan *plan, const struct mock_usage *u, const struct mock_shape *sh)
{
	cJSON *root, *choices, *c, *msg;
	int rc;

	if (req->stream)
		return stream(out, req, plan, u, sh);
	root = head(req, plan, "chat.completion");
	choices = cJSON_AddArrayToObject(root, "choices");
	c = cJSON_CreateObject();
	cJSON_AddNumberToObject(c, "index", 0);
	msg = cJSON_AddObjectToObject(c, "message");
	cJSON_AddStringToObject(msg, "role", "assistant");
	if (plan->stop == MOCK_STOP_REFUSAL) {
		cJSON_AddNullToObject(msg, "content");
		cJSON_AddStringToObject(msg, "refusal", MOCK_REFUSAL_TEXT);
	} else {
		cJSON_AddStringToObject(msg, "content", plan->text);
		cJSON_AddNullToObject(msg, "refusal");
	}
	if (plan->thinking)
		cJSON_AddStringToObject(msg, "reasoning_content", plan->thinking);
	cJSON_AddNullToObject(c, "logprobs");
	cJSON_AddStringToObject(c, "finish_reason", finish_reason(plan));
	cJSON_AddItemToArray(choices, c);
	add_usage(root, u, plan, sh->llamacpp);
	if (sh->llamacpp)
		add_timings(root, u, plan);
	rc = mock_reply_json(out, 200, root);
	if (!rc && sh->malformed) {
		char *cut = mock_cut_json(out->body);

		if (!cut)
			return -ENOMEM;
		free(out->body);
		out->body = cut;
		out->body_len = strlen(cut);
	}
	return rc;
}

int mock_openai_models(struct mock_reply *out, const char *model)
{
	cJSON *root = cJSON_CreateObject(), *data, *m;

	cJSON_AddStringToObject(root, "object", "list");
	data = cJSON_AddArrayToObject(root, "data");
	m = cJSON_CreateObject();
	cJSON_AddStringToObject(m, "id", model);
	cJSON_AddStringToObject(m, "object", "model");
	cJSON_AddNumberToObject(m, "created", 0);
	cJSON_AddStringToObject(m, "owned_by", "pinglab-mockllm");
	cJSON_AddItemToArray(data, m);
	return mock_reply_json(out, 200, root);
}
