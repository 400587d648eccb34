/* The anthropic backend: Anthropic Messages (POST {base}/v1/messages, x-api-key,
 * anthropic-version) over the shared HTTP core. */
#include "responder/be_http.h"

#include <stdio.h>
#include <string.h>

static struct curl_slist *anthropic_headers(struct curl_slist *h, const char *secret)
{
	char auth[1200];

	h = curl_slist_append(h, "anthropic-version: 2023-06-01");
	snprintf(auth, sizeof(auth), "x-api-key: %s", secret ? secret : "");
	h = curl_slist_append(h, auth);
	memset(auth, 0, sizeof(auth));
	return h;
}

static const struct rsp_http_format anthropic = {
	.api = PL_API_ANTHROPIC,
	.default_base = "https://api.anthropic.com", /* the host: /v1/messages is added */
	.path = "/v1/messages",
	.headers = anthropic_headers,
};

static int anthropic_init(struct rsp_ctx *c, struct pl_err *err)
{
	if (!c->cfg.model)
		c->cfg.model = PL_ANTHROPIC_DEFAULT_MODEL;
	return rsp_http_init(c, &anthropic, err);
}

const struct rsp_backend_ops rsp_anthropic_ops = {
	.name = "anthropic", .is_model = true, .init = anthropic_init, .start = rsp_http_start,
	.deadline = rsp_http_deadline, .step = rsp_http_step, .cancel = rsp_http_cancel, .fini = rsp_http_fini,
};
