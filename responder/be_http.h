/* be_http.h — the HTTP core the model backends share (be_http.c): libcurl multi, many
 * requests in flight, retries with backoff, every attempt recorded. A wire-format
 * backend (be_anthropic.c, be_openai.c) describes itself with a rsp_http_format and
 * passes the rsp_http_* functions as its ops.
 */
#ifndef PL_RSP_BE_HTTP_H
#define PL_RSP_BE_HTTP_H

#include <curl/curl.h>

#include "common/err.h"
#include "model/api.h"
#include "responder/rsp.h"

struct rsp_http_format {
	enum pl_api api;              /* request and response shapes (model/api.h) */
	const char *default_base;     /* base URL without --base-url */
	const char *path;             /* appended to the base (trailing '/' removed) */
	/* the headers after content-type: version, authentication (secret may be NULL) */
	struct curl_slist *(*headers)(struct curl_slist *h, const char *secret);
};

/* Set up c->be for format f; c->cfg.model must be set by then. */
int rsp_http_init(struct rsp_ctx *c, const struct rsp_http_format *f, struct pl_err *err);
void rsp_http_start(struct rsp_ctx *c, struct rsp_job *j);
int64_t rsp_http_deadline(struct rsp_ctx *c);
void rsp_http_step(struct rsp_ctx *c);
void rsp_http_cancel(struct rsp_ctx *c);
void rsp_http_fini(struct rsp_ctx *c);

#endif
