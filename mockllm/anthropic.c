#include "mockllm/anthropic.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The system prompt: a string, or text blocks; a block with cache_control ends the
 * cacheable prefix (the last such block wins, as the API caches up to it). */
static const char *system_text(const cJSON *sys, struct mock_req *req)
{
	const cJSON *block;

	if (!sys)
		return NULL;
	if (cJSON_IsString(sys)) {
		req->chars += mock_content_text(sys, &req->system, &req->system_len);
		return NULL;
	}
	if (!cJSON_IsArray(sys))
		return "system: Input should be a valid string or a list of text blocks";
	cJSON_ArrayForEach(block, sys) {
		const cJSON *text = cJSON_GetObjectItemCaseSensitive(block, "text");

		if (!cJSON_IsString(text))
			return "system: each block needs a \"text\" string";
		if (req->system_len)
			req->chars += mock_text_append(&req->system, &req->system_len, "\n", 1);
		req->chars += mock_text_append(&req->system, &req->system_len, text->valuestring,
					       strlen(text->valuestring));
		if (cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(block, "cache_control"))) {
			req->cache_marked = true;
			req->cache_len = req->system_len;
		}
	}
	return NULL;
}

/* thinking: {"type": "enabled", "budget_tokens": N} or {"type": "disabled"} */
static const char *thinking(const cJSON *th, struct mock_req *req)
{
	const cJSON *type, *budget;

	if (!th)
		return NULL;
	type = cJSON_GetObjectItemCaseSensitive(th, "type");
	if (!cJSON_IsObject(th) || !cJSON_IsString(type))
		return "thinking.type: Field required";
	if (!strcmp(type->valuestring, "disabled"))
		return NULL;
	if (strcmp(type->valuestring, "enabled"))
		return "thinking.type: Input tag found using 'type' does not match any of the expected tags: 'disabled', 'enabled'";
	req->thinking = true;
	budget = cJSON_GetObjectItemCaseSensitive(th, "budget_tokens");
	if (!budget)
		return NULL; /* the model table's check says it is required */
	if (!cJSON_IsNumber(budget) || budget->valuedouble != (double)(long long)budget->valuedouble)
		return "thinking.enabled.budget_tokens: Input should be a valid integer";
	req->has_budget = true;
	req->budget_tokens = budget->valuedouble;
	return NULL;
}

int mock_anthropic_parse(const char *body, size_t len, bool v2026, struct mock_req *req, struct pl_err *err)
{
	cJSON *root = cJSON_ParseWithLength(body, len), *msgs, *m, *it;
	const char *bad = NULL;

	memset(req, 0, sizeof(*req));
	req->format = MOCK_FMT_ANTHROPIC;
	req->v2026 = v2026;
	if (!root)
		return pl_errf(err, -EINVAL, "request body is not valid JSON");
	if (!cJSON_IsObject(root)) {
		bad = "request body must be a JSON object";
		goto out;
	}
	cJSON_ArrayForEach(it, root)
		if (!req->unknown[0] && it->string && !mock_known_param(MOCK_FMT_ANTHROPIC, v2026, it->string))
			snprintf(req->unknown, sizeof(req->unknown), "%s", it->string);
	it = cJSON_GetObjectItemCaseSensitive(root, "model");
	if (it && !cJSON_IsString(it)) {
		bad = "model: Input should be a valid string";
		goto out;
	}
	if (it) {
		snprintf(req->model, sizeof(req->model), "%s", it->valuestring);
		req->has_model = true;
	}
	it = cJSON_GetObjectItemCaseSensitive(root, "max_tokens");
	if (it && (!cJSON_IsNumber(it) || it->valuedouble != (double)(long long)it->valuedouble)) {
		bad = "max_tokens: Input should be a valid integer";
		goto out;
	}
	if (it) {
		req->has_max_tokens = true;
		req->max_tokens = it->valuedouble;
	}
	it = cJSON_GetObjectItemCaseSensitive(root, "temperature");
	if (it && !cJSON_IsNumber(it)) {
		bad = "temperature: Input should be a valid number";
		goto out;
	}
	if (it) {
		req->has_temperature = true;
		req->temperature = it->valuedouble;
	}
	req->has_top_p = cJSON_GetObjectItemCaseSensitive(root, "top_p") != NULL;
	if ((bad = thinking(cJSON_GetObjectItemCaseSensitive(root, "thinking"), req)))
		goto out;
	it = cJSON_GetObjectItemCaseSensitive(root, "stream");
	req->stream = cJSON_IsTrue(it);
	if ((bad = system_text(cJSON_GetObjectItemCaseSensitive(root, "system"), req)))
		goto out;
	if (v2026 && cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(root, "cache_control")) && req->system_len) {
		/* 2026-10-21's top-level cache_control: the prompt's stable prefix, the system */
		req->cache_marked = true;
		req->cache_len = req->system_len;
	}
	msgs = cJSON_GetObjectItemCaseSensitive(root, "messages");
	if (!cJSON_IsArray(msgs) || !cJSON_GetArraySize(msgs)) {
		bad = msgs ? "messages: Input should be a non-empty list" : "messages: Field required";
		goto out;
	}
	cJSON_ArrayForEach(m, msgs) {
		const cJSON *role = cJSON_GetObjectItemCaseSensitive(m, "role");
		const cJSON *content = cJSON_GetObjectItemCaseSensitive(m, "content");

		if (!cJSON_IsString(role) || (!cJSON_IsString(content) && !cJSON_IsArray(content))) {
			bad = "messages: each message needs a role and a content";
			goto out;
		}
		req->messages++;
		mock_req_message(req, role->valuestring, content);
	}
out:
	return mock_req_finish(req, bad, root, err);
}

int mock_anthropic_error(struct mock_reply *out, unsigned status, const char *type, const char *msg,
			 const char *request_id)
{
	cJSON *root = cJSON_CreateObject(), *e;

	cJSON_AddStringToObject(root, "type", "error");
	e = cJSON_AddObjectToObject(root, "error");
	cJSON_AddStringToObject(e, "type", type);
	cJSON_AddStringToObject(e, "message", msg);
	if (request_id)
		cJSON_AddStringToObject(root, "request_id", request_id);
	return mock_reply_json(out, status, root);
}

static const char *stop_reason(const struct mock_plan *plan)
{
	return plan->stop == MOCK_STOP_MAX_TOKENS ? "max_tokens" : plan->stop == MOCK_STOP_REFUSAL ? "refusal" : "end_turn";
}

/* output_tokens_details.thinking_tokens: the thinking part of output_tokens, sent when
 * the answer thinks (null without thinking under 2026-10-21, absent before) */
static void add_details(cJSON *usage, const struct mock_plan *plan, const struct mock_shape *sh)
{
	if (plan->thinking_tokens)
		cJSON_AddNumberToObject(cJSON_AddObjectToObject(usage, "output_tokens_details"), "thinking_tokens",
					plan->thinking_tokens);
	else if (sh->v2026)
		cJSON_AddNullToObject(usage, "output_tokens_details");
}

/* usage; the details only with the final count (not message_start's) */
static void add_usage(cJSON *obj, const struct mock_usage *u, bool final, const struct mock_plan *plan,
		      const struct mock_shape *sh)
{
	unsigned output = final ? u->output : 1;
	cJSON *usage = cJSON_AddObjectToObject(obj, "usage");

	cJSON_AddNumberToObject(usage, "input_tokens", u->input);
	cJSON_AddNumberToObject(usage, "cache_creation_input_tokens", u->cache_write);
	cJSON_AddNumberToObject(usage, "cache_read_input_tokens", u->cache_read);
	cJSON_AddNumberToObject(usage, "output_tokens", output);
	if (final)
		add_details(usage, plan, sh);
}

/* Does the answer have text blocks? Not a refusal, and not an answer whose whole
 * limit went to thinking. */
static bool has_text(const struct mock_plan *plan)
{
	return plan->stop != MOCK_STOP_REFUSAL && (plan->text_len || !plan->thinking);
}

static cJSON *text_block(const char *text, size_t n)
{
	cJSON *b = cJSON_CreateObject();
	char *t = strndup(text, n);

	cJSON_AddStringToObject(b, "type", "text");
	cJSON_AddStringToObject(b, "text", t ? t : "");
	free(t);
	return b;
}

static cJSON *message(const struct mock_req *req, const struct mock_plan *plan,
		      const struct mock_usage *u, const struct mock_shape *sh, bool streamed)
{
	cJSON *root = cJSON_CreateObject(), *content, *block;
	char id[64];

	snprintf(id, sizeof(id), "msg_mock%s", plan->id);
	cJSON_AddStringToObject(root, "id", id);
	cJSON_AddStringToObject(root, "type", "message");
	cJSON_AddStringToObject(root, "role", "assistant");
	cJSON_AddStringToObject(root, "model", req->model);
	content = cJSON_AddArrayToObject(root, "content");
	if (!streamed) {
		if (plan->thinking) {
			block = cJSON_CreateObject();
			cJSON_AddStringToObject(block, "type", "thinking");
			cJSON_AddStringToObject(block, "thinking", plan->thinking);
			cJSON_AddStringToObject(block, "signature", plan->signature);
			cJSON_AddItemToArray(content, block);
		}
		if (has_text(plan) && plan->split) {
			cJSON_AddItemToArray(content, text_block(plan->text, plan->split));
			cJSON_AddItemToArray(content, text_block(plan->text + plan->split, plan->text_len - plan->split));
		} else if (has_text(plan)) {
			cJSON_AddItemToArray(content, text_block(plan->text, plan->text_len));
		}
		cJSON_AddStringToObject(root, "stop_reason", stop_reason(plan));
	} else {
		cJSON_AddNullToObject(root, "stop_reason");
	}
	cJSON_AddNullToObject(root, "stop_sequence");
	add_usage(root, u, !streamed, plan, sh);
	return root;
}

/* "event: NAME\ndata: JSON\n\n" from a tree (deleted); NULL on out of memory. */
static char *event(const char *name, cJSON *data)
{
	char *json = data ? cJSON_PrintUnformatted(data) : NULL, *s = NULL;

	cJSON_Delete(data);
	if (json && asprintf(&s, "event: %s\ndata: %s\n\n", name, json) < 0)
		s = NULL;
	free(json);
	return s;
}

static cJSON *typed(const char *type)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "type", type);
	return o;
}

/* A stream being built: segments, the next block index, whether the first delta (which
 * waits ttft_ms) and the ping have been sent. */
struct sse {
	struct mock_reply *out;
	const struct mock_plan *plan;
	const struct mock_shape *shape;
	int index;
	bool first_delta, pinged;
	int rc;
};

static void emit(struct sse *st, double delay, char *ev)
{
	if (!st->rc)
		st->rc = mock_reply_seg(st->out, delay, ev);
	else
		free(ev);
}

static void block_start(struct sse *st, const char *type)
{
	cJSON *o = typed("content_block_start"), *x;

	cJSON_AddNumberToObject(o, "index", st->index);
	x = cJSON_AddObjectToObject(o, "content_block");
	cJSON_AddStringToObject(x, "type", type);
	if (!strcmp(type, "thinking")) {
		cJSON_AddStringToObject(x, "thinking", "");
		cJSON_AddStringToObject(x, "signature", "");
	} else {
		cJSON_AddStringToObject(x, "text", "");
	}
	emit(st, 0, event("content_block_start", o));
	if (!st->pinged)
		emit(st, 0, event("ping", typed("ping")));
	st->pinged = true;
}

static void block_stop(struct sse *st)
{
	cJSON *o = typed("content_block_stop");

	cJSON_AddNumberToObject(o, "index", st->index++);
	emit(st, 0, event("content_block_stop", o));
}

/* One delta of kind (text_delta, thinking_delta, signature_delta) carrying n characters
 * of s in field; its delay is its tokens' share (and ttft_ms for the first). */
static char *delta(struct sse *st, const char *kind, const char *field, const char *s, size_t n, double *delay)
{
	cJSON *o = typed("content_block_delta"), *x;
	char *piece = strndup(s, n);

	cJSON_AddNumberToObject(o, "index", st->index);
	x = cJSON_AddObjectToObject(o, "delta");
	cJSON_AddStringToObject(x, "type", kind);
	cJSON_AddStringToObject(x, field, piece ? piece : "");
	free(piece);
	*delay = (st->first_delta ? 0 : st->plan->ttft_ms) + st->plan->per_token_ms * (double)n / 4.0;
	st->first_delta = true;
	return event("content_block_delta", o);
}

/* The mid-stream error of fault.stream_error: the service's event, then nothing. */
static void stream_error(struct sse *st)
{
	cJSON *o = typed("error"), *e;

	e = cJSON_AddObjectToObject(o, "error");
	cJSON_AddStringToObject(e, "type", "overloaded_error");
	cJSON_AddStringToObject(e, "message", "Overloaded");
	if (st->shape->request_id)
		cJSON_AddStringToObject(o, "request_id", st->shape->request_id);
	emit(st, 0, event("error", o));
}

/* A text block of n characters of text; false when the stream ends inside it
 * (malformed_json, stream_error). */
static bool text_blocks(struct sse *st, const char *text, size_t n, bool last)
{
	size_t *starts = NULL, k = mock_chunks(n, 16, &starts), i;
	const struct mock_shape *sh = st->shape;

	if (!k) {
		st->rc = -ENOMEM;
		return false;
	}
	block_start(st, "text");
	for (i = 0; i < k && !st->rc; i++) {
		double d;
		char *ev = delta(st, "text_delta", "text", text + starts[i], starts[i + 1] - starts[i], &d);

		if (sh->malformed && ev) {
			/* the stream breaks off in the middle of an event */
			ev[strlen(ev) / 2] = '\0';
			emit(st, d, ev);
			free(starts);
			return false;
		}
		emit(st, d, ev);
		if (sh->stream_error && last && i + 1 >= (k + 1) / 2) {
			/* half the answer, then the error */
			stream_error(st);
			free(starts);
			return false;
		}
	}
	free(starts);
	block_stop(st);
	return true;
}

static int stream(struct mock_reply *out, const struct mock_req *req, const struct mock_plan *plan,
		  const struct mock_usage *u, const struct mock_shape *sh)
{
	struct sse st = { .out = out, .plan = plan, .shape = sh };
	cJSON *o, *x;

	out->status = 200;
	out->content_type = "text/event-stream";
	o = typed("message_start");
	cJSON_AddItemToObject(o, "message", message(req, plan, u, sh, true));
	emit(&st, 0, event("message_start", o));
	if (plan->thinking) {
		/* thinking_delta pieces, then the signature, in block 0 */
		size_t *starts = NULL, k = mock_chunks(plan->thinking_len, 256, &starts), i;
		double d;

		if (!k)
			return -ENOMEM;
		block_start(&st, "thinking");
		for (i = 0; i < k; i++) {
			char *ev = delta(&st, "thinking_delta", "thinking", plan->thinking + starts[i],
					 starts[i + 1] - starts[i], &d);

			emit(&st, d, ev);
		}
		free(starts);
		o = typed("content_block_delta");
		cJSON_AddNumberToObject(o, "index", st.index);
		x = cJSON_AddObjectToObject(o, "delta");
		cJSON_AddStringToObject(x, "type", "signature_delta");
		cJSON_AddStringToObject(x, "signature", plan->signature);
		emit(&st, 0, event("content_block_delta", o));
		block_stop(&st);
	}
	if (has_text(plan)) {
		size_t first = plan->split ? plan->split : plan->text_len;

		if (!text_blocks(&st, plan->text, first, !plan->split))
			return st.rc;
		if (plan->split && !text_blocks(&st, plan->text + first, plan->text_len - first, true))
			return st.rc;
	} else if (!st.pinged) {
		emit(&st, 0, event("ping", typed("ping")));
	}
	if (sh->stream_error && !has_text(plan)) {
		stream_error(&st);
		return st.rc;
	}
	o = typed("message_delta");
	x = cJSON_AddObjectToObject(o, "delta");
	cJSON_AddStringToObject(x, "stop_reason", stop_reason(plan));
	cJSON_AddNullToObject(x, "stop_sequence");
	x = cJSON_AddObjectToObject(o, "usage");
	cJSON_AddNumberToObject(x, "output_tokens", u->output);
	add_details(x, plan, sh);
	emit(&st, 0, event("message_delta", o));
	emit(&st, 0, event("message_stop", typed("message_stop")));
	return st.rc;
}

int mock_anthropic_answer(struct mock_reply *out, const struct mock_req *req,
			  const struct mock_plan *plan, const struct mock_usage *u, const struct mock_shape *sh)
{
	int rc;

	if (req->stream)
		return stream(out, req, plan, u, sh);
	rc = mock_reply_json(out, 200, message(req, plan, u, sh, false));
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
