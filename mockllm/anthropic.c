#include "mockllm/anthropic.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int mock_anthropic_parse(const char *body, size_t len, struct mock_req *req, struct pl_err *err)
{
	cJSON *root = cJSON_ParseWithLength(body, len), *msgs, *m, *it;
	const char *bad = NULL;

	memset(req, 0, sizeof(*req));
	req->format = MOCK_FMT_ANTHROPIC;
	if (!root)
		return pl_errf(err, -EINVAL, "request body is not valid JSON");
	if (!cJSON_IsObject(root)) {
		bad = "request body must be a JSON object";
		goto out;
	}
	it = cJSON_GetObjectItemCaseSensitive(root, "model");
	if (it && !cJSON_IsString(it)) {
		bad = "model: must be a string";
		goto out;
	}
	if (it)
		snprintf(req->model, sizeof(req->model), "%s", it->valuestring);
	it = cJSON_GetObjectItemCaseSensitive(root, "stream");
	req->stream = cJSON_IsTrue(it);
	it = cJSON_GetObjectItemCaseSensitive(root, "system");
	if (it && !cJSON_IsString(it) && !cJSON_IsArray(it)) {
		bad = "system: must be a string or an array of text blocks";
		goto out;
	}
	req->chars += mock_content_text(it, &req->system, &req->system_len);
	msgs = cJSON_GetObjectItemCaseSensitive(root, "messages");
	if (!cJSON_IsArray(msgs) || !cJSON_GetArraySize(msgs)) {
		bad = "messages: Field required (a non-empty array)";
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

int mock_anthropic_error(struct mock_reply *out, unsigned status, const char *type, const char *msg)
{
	cJSON *root = cJSON_CreateObject(), *e;

	cJSON_AddStringToObject(root, "type", "error");
	e = cJSON_AddObjectToObject(root, "error");
	cJSON_AddStringToObject(e, "type", type);
	cJSON_AddStringToObject(e, "message", msg);
	return mock_reply_json(out, status, root);
}

static void add_usage(cJSON *obj, const struct mock_usage *u, unsigned output)
{
	cJSON *usage = cJSON_AddObjectToObject(obj, "usage");

	cJSON_AddNumberToObject(usage, "input_tokens", u->input);
	cJSON_AddNumberToObject(usage, "cache_creation_input_tokens", u->cache_write);
	cJSON_AddNumberToObject(usage, "cache_read_input_tokens", u->cache_read);
	cJSON_AddNumberToObject(usage, "output_tokens", output);
}

static cJSON *message(const struct mock_req *req, const struct mock_plan *plan,
		      const struct mock_usage *u, bool streamed)
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
		block = cJSON_CreateObject();
		cJSON_AddStringToObject(block, "type", "text");
		cJSON_AddStringToObject(block, "text", plan->text);
		cJSON_AddItemToArray(content, block);
		cJSON_AddStringToObject(root, "stop_reason", "end_turn");
	} else {
		cJSON_AddNullToObject(root, "stop_reason");
	}
	cJSON_AddNullToObject(root, "stop_sequence");
	add_usage(root, u, streamed ? 1 : u->output);
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

static int stream(struct mock_reply *out, const struct mock_req *req, const struct mock_plan *plan,
		  const struct mock_usage *u, bool malformed)
{
	size_t *starts = NULL, n = mock_chunks(plan->text, plan->text_len, &starts), i;
	cJSON *o, *x;
	char *head = NULL, *a, *b, *c;
	int rc = 0;

	if (!n)
		return -ENOMEM;
	out->status = 200;
	out->content_type = "text/event-stream";
	o = typed("message_start");
	cJSON_AddItemToObject(o, "message", message(req, plan, u, true));
	a = event("message_start", o);
	o = typed("content_block_start");
	cJSON_AddNumberToObject(o, "index", 0);
	x = cJSON_AddObjectToObject(o, "content_block");
	cJSON_AddStringToObject(x, "type", "text");
	cJSON_AddStringToObject(x, "text", "");
	b = event("content_block_start", o);
	c = event("ping", typed("ping"));
	if (a && b && c && asprintf(&head, "%s%s%s", a, b, c) < 0)
		head = NULL;
	free(a);
	free(b);
	free(c);
	rc = mock_reply_seg(out, 0, head);
	for (i = 0; i < n && !rc; i++) {
		size_t cl = starts[i + 1] - starts[i];
		char *piece = strndup(plan->text + starts[i], cl), *ev;
		double delay = (i == 0 ? plan->ttft_ms : 0) + plan->per_token_ms * (double)cl / 4.0;

		o = typed("content_block_delta");
		cJSON_AddNumberToObject(o, "index", 0);
		x = cJSON_AddObjectToObject(o, "delta");
		cJSON_AddStringToObject(x, "type", "text_delta");
		cJSON_AddStringToObject(x, "text", piece ? piece : "");
		free(piece);
		ev = event("content_block_delta", o);
		if (malformed && ev) {
			/* the stream breaks off in the middle of an event */
			ev[strlen(ev) / 2] = '\0';
			rc = mock_reply_seg(out, delay, ev);
			free(starts);
			return rc;
		}
		rc = mock_reply_seg(out, delay, ev);
	}
	free(starts);
	if (rc)
		return rc;
	o = typed("content_block_stop");
	cJSON_AddNumberToObject(o, "index", 0);
	a = event("content_block_stop", o);
	o = typed("message_delta");
	x = cJSON_AddObjectToObject(o, "delta");
	cJSON_AddStringToObject(x, "stop_reason", "end_turn");
	cJSON_AddNullToObject(x, "stop_sequence");
	x = cJSON_AddObjectToObject(o, "usage");
	cJSON_AddNumberToObject(x, "output_tokens", u->output);
	b = event("message_delta", o);
	c = event("message_stop", typed("message_stop"));
	head = NULL;
	if (a && b && c && asprintf(&head, "%s%s%s", a, b, c) < 0)
		head = NULL;
	free(a);
	free(b);
	free(c);
	return mock_reply_seg(out, 0, head);
}

int mock_anthropic_answer(struct mock_reply *out, const struct mock_req *req,
			  const struct mock_plan *plan, const struct mock_usage *u, bool malformed)
{
	int rc;

	if (req->stream)
		return stream(out, req, plan, u, malformed);
	rc = mock_reply_json(out, 200, message(req, plan, u, false));
	if (!rc && malformed) {
		char *cut = mock_cut_json(out->body);

		if (!cut)
			return -ENOMEM;
		free(out->body);
		out->body = cut;
		out->body_len = strlen(cut);
	}
	return rc;
}
