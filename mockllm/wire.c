#include "mockllm/wire.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void mock_req_free(struct mock_req *req)
{
	free(req->system);
	free(req->last_user);
	req->system = req->last_user = NULL;
}

int mock_reply_seg(struct mock_reply *r, double delay_ms, char *data)
{
	struct mock_seg *ns;

	if (!data)
		return -ENOMEM;
	ns = realloc(r->segs, (r->nsegs + 1) * sizeof(*ns));
	if (!ns) {
		free(data);
		return -ENOMEM;
	}
	r->segs = ns;
	r->segs[r->nsegs].delay_ms = delay_ms;
	r->segs[r->nsegs].data = data;
	r->segs[r->nsegs].len = strlen(data);
	r->nsegs++;
	r->streamed = true;
	return 0;
}

int mock_reply_json(struct mock_reply *r, unsigned status, cJSON *root)
{
	r->status = status;
	r->content_type = "application/json";
	r->body = root ? cJSON_PrintUnformatted(root) : NULL;
	cJSON_Delete(root);
	if (!r->body)
		return -ENOMEM;
	r->body_len = strlen(r->body);
	return 0;
}

void mock_reply_free(struct mock_reply *r)
{
	size_t i;

	free(r->body);
	for (i = 0; i < r->nsegs; i++)
		free(r->segs[i].data);
	free(r->segs);
	memset(r, 0, sizeof(*r));
}

size_t mock_text_append(char **buf, size_t *len, const char *s, size_t n)
{
	char *nb = realloc(*buf, *len + n + 1);

	if (!nb)
		return 0;
	memcpy(nb + *len, s, n);
	*len += n;
	nb[*len] = '\0';
	*buf = nb;
	return n;
}

size_t mock_content_text(const cJSON *content, char **buf, size_t *len)
{
	const cJSON *block;
	size_t added = 0;

	if (cJSON_IsString(content))
		return mock_text_append(buf, len, content->valuestring, strlen(content->valuestring));
	if (!cJSON_IsArray(content))
		return 0;
	cJSON_ArrayForEach(block, content) {
		const cJSON *type = cJSON_GetObjectItemCaseSensitive(block, "type");
		const cJSON *text = cJSON_GetObjectItemCaseSensitive(block, "text");

		if (cJSON_IsString(block)) {
			added += mock_text_append(buf, len, block->valuestring, strlen(block->valuestring));
			continue;
		}
		if (cJSON_IsString(text) && (!type || (cJSON_IsString(type) && !strcmp(type->valuestring, "text")))) {
			if (added)
				added += mock_text_append(buf, len, "\n", 1);
			added += mock_text_append(buf, len, text->valuestring, strlen(text->valuestring));
		}
	}
	return added;
}

size_t mock_chunks(size_t len, size_t size, size_t **starts)
{
	size_t n = len ? (len + size - 1) / size : 1, i;

	*starts = malloc((n + 1) * sizeof(**starts));
	if (!*starts)
		return 0;
	for (i = 0; i < n; i++)
		(*starts)[i] = i * size < len ? i * size : len;
	(*starts)[n] = len;
	return n;
}

char *mock_cut_json(const char *json)
{
	size_t n = strlen(json) / 2;
	char *s = malloc(n + 1);

	if (!s)
		return NULL;
	memcpy(s, json, n);
	s[n] = '\0';
	return s;
}

void mock_req_message(struct mock_req *req, const char *role, const cJSON *content)
{
	char *text = NULL;
	size_t tl = 0;

	req->chars += mock_content_text(content, &text, &tl);
	if (!strcmp(role, "user")) {
		free(req->last_user);
		req->last_user = text;
		req->last_user_len = tl;
	} else {
		free(text);
	}
}

int mock_req_finish(struct mock_req *req, const char *bad, cJSON *root, struct pl_err *err)
{
	int rc = 0;

	if (!bad && !req->last_user)
		bad = "messages: no user message";
	if (bad)
		rc = pl_errf(err, -EINVAL, "%s", bad);
	if (!rc && (!req->system && !(req->system = strdup(""))))
		rc = pl_errf(err, -ENOMEM, "out of memory");
	if (rc)
		mock_req_free(req);
	cJSON_Delete(root);
	return rc;
}

/* Top-level parameters of POST /v1/messages and POST /v1/chat/completions as the API
 * references list them (2026-12); anything else is refused where the model table
 * rules (the real services' "Extra inputs are not permitted" / "Unrecognized request
 * argument supplied"). The Anthropic version 2026-10-21's list is the official
 * TypeScript SDK 1.16's MessageCreateParams. */
static const char *const anthropic_params[] = {
	"model", "messages", "max_tokens", "system", "metadata", "stop_sequences", "stream",
	"temperature", "top_p", "top_k", "tools", "tool_choice", "thinking", "service_tier",
	"container", "mcp_servers", "context_management", "output_config", "inference_geo", NULL,
};

static const char *const anthropic_2026_params[] = {
	"model", "messages", "max_tokens", "system", "metadata", "stop_sequences", "stream",
	"tools", "tool_choice", "thinking", "service_tier", "container", "output_config",
	"inference_geo", "cache_control", "diagnostics", "speed", "user_profile_id", "workspace_id", NULL,
};

static const char *const openai_params[] = {
	"model", "messages", "audio", "frequency_penalty", "function_call", "functions", "logit_bias",
	"logprobs", "max_completion_tokens", "max_tokens", "metadata", "modalities", "n",
	"parallel_tool_calls", "prediction", "presence_penalty", "prompt_cache_key",
	"prompt_cache_retention", "reasoning_effort", "response_format", "safety_identifier", "seed",
	"service_tier", "stop", "store", "stream", "stream_options", "temperature", "tool_choice",
	"tools", "top_logprobs", "top_p", "user", "verbosity", "web_search_options", NULL,
};

bool mock_known_param(enum mock_format fmt, bool v2026, const char *key)
{
	const char *const *k = fmt == MOCK_FMT_OPENAI ? openai_params : v2026 ? anthropic_2026_params : anthropic_params;

	for (; *k; k++)
		if (!strcmp(*k, key))
			return true;
	return false;
}
