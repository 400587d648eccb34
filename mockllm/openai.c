#include "mockllm/openai.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int mock_openai_parse(const char *body, size_t len, struct mock_req *req, struct pl_err *err)
{
	cJSON *root = cJSON_ParseWithLength(body, len), *msgs, *m, *it;
	const char *bad = NULL;

	memset(req, 0, sizeof(*req));
	req->format = MOCK_FMT_OPENAI;
	if (!root)
		return pl_errf(err, -EINVAL, "We could not parse the JSON body of your request.");
	if (!cJSON_IsObject(root)) {
		bad = "The request body must be a JSON object.";
		goto out;
	}
	it = cJSON_GetObjectItemCaseSensitive(root, "model");
	if (it && !cJSON_IsString(it)) {
		bad = "model: must be a string";
		goto out;
	}
	if (it)
		snprintf(req->model, sizeof(req->model), "%s", it->valuestring);
	req->stream = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(root, "stream"));
	it = cJSON_GetObjectItemCaseSensitive(root, "stream_options");
	req->include_usage = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it, "include_usage"));
	msgs = cJSON_GetObjectItemCaseSensitive(root, "messages");
	if (!cJSON_IsArray(msgs) || !cJSON_GetArraySize(msgs)) {
		bad = "messages: a non-empty array is required";
		goto out;
	}
	cJSON_ArrayForEach(m, msgs) {
		const cJSON *role = cJSON_GetObjectItemCaseSensitive(m, "role");
		const cJSON *content = cJSON_GetObjectItemCaseSensitive(m, "content");

		if (!cJSON_IsString(role)) {
			bad = "messages: each message needs a role";
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
		      const char *msg)
{
	cJSON *root = cJSON_CreateObject(), *e;

	e = cJSON_AddObjectToObject(root, "error");
	cJSON_AddStringToObject(e, "message", msg);
	cJSON_AddStringToObject(e, "type", type);
	cJSON_AddNullToObject(e, "param");
	if (code)
		cJSON_AddStringToObject(e, "code", code);
	else
		cJSON_AddNullToObject(e, "code");
	return mock_reply_json(out, status, root);
}

static void add_usage(cJSON *obj, const struct mock_usage *u)
{
	cJSON *usage = cJSON_AddObjectToObject(obj, "usage"), *d;
	unsigned prompt = u->input + u->cache_read + u->cache_write;

	cJSON_AddNumberToObject(usage, "prompt_tokens", prompt);
	cJSON_AddNumberToObject(usage, "completion_tokens", u->output);
	cJSON_AddNumberToObject(usage, "total_tokens", prompt + u->output);
	d = cJSON_AddObjectToObject(usage, "prompt_tokens_details");
	cJSON_AddNumberToObject(d, "cached_tokens", u->cache_read);
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

/* "data: JSON\n\n" for one chunk; delta content may be NULL (role only) */
static char *chunk(const struct mock_req *req, const struct mock_plan *plan, const char *content,
		   size_t n, const char *finish, const struct mock_usage *u)
{
	cJSON *root = head(req, plan, "chat.completion.chunk"), *choices, *c, *delta;
	char *json, *s = NULL;

	choices = cJSON_AddArrayToObject(root, "choices");
	if (!u) {
		c = cJSON_CreateObject();
		cJSON_AddNumberToObject(c, "index", 0);
		delta = cJSON_AddObjectToObject(c, "delta");
		if (!content) {
			cJSON_AddStringToObject(delta, "role", "assistant");
			cJSON_AddStringToObject(delta, "content", "");
		} else if (n) {
			char *piece = strndup(content, n);

			cJSON_AddStringToObject(delta, "content", piece ? piece : "");
			free(piece);
		}
		cJSON_AddNullToObject(c, "logprobs");
		if (finish)
			cJSON_AddStringToObject(c, "finish_reason", finish);
		else
			cJSON_AddNullToObject(c, "finish_reason");
		cJSON_AddItemToArray(choices, c);
	} else {
		add_usage(root, u);
	}
	json = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	if (json && asprintf(&s, "data: %s\n\n", json) < 0)
		s = NULL;
	free(json);
	return s;
}

static int stream(struct mock_reply *out, const struct mock_req *req, const struct mock_plan *plan,
		  const struct mock_usage *u, bool malformed)
{
	size_t *starts = NULL, n = mock_chunks(plan->text, plan->text_len, &starts), i;
	int rc;

	if (!n)
		return -ENOMEM;
	out->status = 200;
	out->content_type = "text/event-stream";
	rc = mock_reply_seg(out, 0, chunk(req, plan, NULL, 0, NULL, NULL));
	for (i = 0; i < n && !rc; i++) {
		size_t cl = starts[i + 1] - starts[i];
		double delay = (i == 0 ? plan->ttft_ms : 0) + plan->per_token_ms * (double)cl / 4.0;
		char *ev = chunk(req, plan, plan->text + starts[i], cl, NULL, NULL);

		if (malformed && ev) {
			ev[strlen(ev) / 2] = '\0';
			rc = mock_reply_seg(out, delay, ev);
			free(starts);
			return rc;
		}
		rc = mock_reply_seg(out, delay, ev);
	}
	free(starts);
	if (!rc)
		rc = mock_reply_seg(out, 0, chunk(req, plan, "", 0, "stop", NULL));
	if (!rc && req->include_usage)
		rc = mock_reply_seg(out, 0, chunk(req, plan, NULL, 0, NULL, u));
	if (!rc)
		rc = mock_reply_seg(out, 0, strdup("data: [DONE]\n\n"));
	return rc;
}

int mock_openai_answer(struct mock_reply *out, const struct mock_req *req,
		       const struct mock_plan *plan, const struct mock_usage *u, bool malformed)
{
	cJSON *root, *choices, *c, *msg;
	int rc;

	if (req->stream)
		return stream(out, req, plan, u, malformed);
	root = head(req, plan, "chat.completion");
	choices = cJSON_AddArrayToObject(root, "choices");
	c = cJSON_CreateObject();
	cJSON_AddNumberToObject(c, "index", 0);
	msg = cJSON_AddObjectToObject(c, "message");
	cJSON_AddStringToObject(msg, "role", "assistant");
	cJSON_AddStringToObject(msg, "content", plan->text);
	cJSON_AddNullToObject(c, "logprobs");
	cJSON_AddStringToObject(c, "finish_reason", "stop");
	cJSON_AddItemToArray(choices, c);
	add_usage(root, u);
	rc = mock_reply_json(out, 200, root);
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
