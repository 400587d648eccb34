/* The openai backend: OpenAI-compatible chat completions (POST {base}/chat/completions,
 * a bearer token when there is a key) over the shared HTTP core. */
#include "responder/be_http.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static struct curl_slist *openai_headers(struct curl_slist *h, const char *secret)
{
	char auth[1200];

	if (!secret)
		return h; /* local servers often want none */
	snprintf(auth, sizeof(auth), "authorization: Bearer %s", secret);
	h = curl_slist_append(h, auth);
	memset(auth, 0, sizeof(auth));
	return h;
}

static const struct rsp_http_format openai = {
	.api = PL_API_OPENAI,
	.default_base = "https://api.openai.com/v1", /* ends in /v1: /chat/completions is added */
	.path = "/chat/completions",
	.headers = openai_headers,
};

static int openai_init(struct rsp_ctx *c, struct pl_err *err)
{
	if (!c->cfg.model)
		return pl_errf(err, -EINVAL, "the openai backend needs --model (the server's model name)");
	return rsp_http_init(c, &openai, err);
}

const struct rsp_backend_ops rsp_openai_ops = {
	.name = "openai", .is_model = true, .init = openai_init, .start = rsp_http_start,
	.deadline = rsp_http_deadline, .step = rsp_http_step, .cancel = rsp_http_cancel, .fini = rsp_http_fini,
};
