/* The HTTP core shared by the model backends (be_anthropic.c, be_openai.c): requests
 * over libcurl multi, many in flight, bounded retries with exponential backoff and
 * jitter, every attempt recorded. A wire format only says where to send, which headers
 * to add and how to parse.
 *
 * Retries follow the official SDKs (@anthropic-ai/sdk, openai): a connection error,
 * 408, 409, 429 and any 5xx are retried, unless the server says x-should-retry: false
 * (x-should-retry: true retries whatever the status); the wait is retry-after-ms, else
 * retry-after (seconds or an HTTP date), when 0..60 s, else exponential backoff. A 429
 * about money (quota, billing) is not retried: waiting cannot fix it.
 *
 * A 400, 401, 403 or 404 before any request of the run succeeded is a configuration
 * error (unknown model, refused parameter, bad key): c->fatal says what the API said and
 * the responder stops, rather than turning every packet into an api-error.
 */
#include "responder/be_http.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "model/api.h"
#include "version.h"

#define BODY_MAX      (4u << 20) /* a response body beyond this is cut off as an error */
#define BACKOFF_BASE  500        /* ms; doubled per attempt */
#define BACKOFF_CAP   20000
#define RETRY_AFTER_CAP 60000

struct http_job {
	struct rsp_job *job;
	CURL *easy;
	struct curl_slist *hdr;
	char *request;
	char *body;
	size_t body_len;
	bool body_cut;
	struct pl_sse sse;
	struct pl_err sse_err;
	bool sse_failed;
	bool status_seen;            /* this attempt's status read at its first body byte */
	long status;
	long retry_after_ms;         /* from the last response's headers, -1 if none */
	int should_retry;            /* x-should-retry: 1 true, 0 false, -1 absent */
	int64_t attempt_start;
	int64_t retry_at;            /* 0 = not waiting */
	int last_timeout;
	struct http_job *next;
};

struct http_be {
	const struct rsp_http_format *fmt;
	enum pl_api api;
	char url[1024];
	struct http_job *jobs;       /* all in flight or waiting to retry */
	unsigned seed;
};

static void log_attempt(struct rsp_job *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void log_attempt(struct rsp_job *j, const char *fmt, ...)
{
	size_t used = strlen(j->attempt_log);
	va_list ap;

	if (used + 4 >= sizeof(j->attempt_log))
		return;
	if (used)
		used += (size_t)snprintf(j->attempt_log + used, sizeof(j->attempt_log) - used, "; ");
	va_start(ap, fmt);
	vsnprintf(j->attempt_log + used, sizeof(j->attempt_log) - used, fmt, ap);
	va_end(ap);
}

/* The request every packet's is made from: the model's row of the model table and the
 * user's knobs, said once on stderr. */
static int request_knobs(struct rsp_ctx *c, enum pl_api api, struct pl_err *err)
{
	char path[4096], self[4096];
	struct pl_req_opts *q = &c->req;
	ssize_t k = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	self[k > 0 ? k : 0] = '\0';
	if ((slash = strrchr(self, '/')))
		*slash = '\0';
	if (c->cfg.models_file || !pl_mtab_locate(self[0] ? self : NULL, path, sizeof(path))) {
		if (pl_mtab_load(c->cfg.models_file ? c->cfg.models_file : path, &c->models, err))
			return -EINVAL;
	}
	c->row = pl_mtab_find(&c->models, c->cfg.model);
	if (c->cfg.thinking_budget && api != PL_API_ANTHROPIC)
		return pl_errf(err, -EINVAL, "--thinking is Anthropic extended thinking (use --reasoning-effort with OpenAI)");
	if (c->cfg.reasoning_effort && api != PL_API_OPENAI)
		return pl_errf(err, -EINVAL, "--reasoning-effort is OpenAI's (use --thinking BUDGET with Anthropic)");
	memset(q, 0, sizeof(*q));
	q->model = c->cfg.model;
	q->system = c->system_prompt;
	if (!(q->system_json = pl_api_json_string(c->system_prompt)))
		return pl_errf(err, -ENOMEM, "out of memory");
	q->stream = c->cfg.stream;
	pl_api_knobs(api, c->row, c->cfg.temperature, c->cfg.max_tokens, c->cfg.thinking_budget,
		     c->cfg.reasoning_effort, q);
	if (q->thinking_budget && q->max_tokens <= q->thinking_budget)
		return pl_errf(err, -EINVAL, "--max-tokens %u must be above the --thinking budget %u", q->max_tokens,
			       q->thinking_budget);
	fprintf(stderr, "pinglab-responder: model %s (%s%s%s%s): %s %u", q->model,
		c->row ? "model table row " : "not in the model table", c->row ? c->row->pattern : "",
		c->row ? " of " : "", c->row ? c->models.file : "", pl_mt_max_name(q->max_field), q->max_tokens);
	if (q->temperature_set)
		fprintf(stderr, ", temperature %g", q->temperature);
	else
		fprintf(stderr, ", no temperature");
	if (q->thinking_budget)
		fprintf(stderr, ", thinking budget %u", q->thinking_budget);
	if (q->reasoning_effort)
		fprintf(stderr, ", reasoning_effort %s", q->reasoning_effort);
	fprintf(stderr, "\n");
	return 0;
}

int rsp_http_init(struct rsp_ctx *c, const struct rsp_http_format *f, struct pl_err *err)
{
	struct http_be *b = calloc(1, sizeof(*b));
	const char *base = c->cfg.base_url ? c->cfg.base_url : f->default_base;
	size_t n;

	if (!b)
		return pl_errf(err, -ENOMEM, "out of memory");
	b->fmt = f;
	b->api = f->api;
	b->seed = (unsigned)rsp_now();
	n = strlen(base);
	while (n && base[n - 1] == '/')
		n--;
	snprintf(b->url, sizeof(b->url), "%.*s%s", (int)n, base, f->path);
	c->be = b;
	return request_knobs(c, f->api, err);
}

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct http_job *h = ud;
	size_t n = size * nmemb;

	if (!h->job->t_first_byte)
		h->job->t_first_byte = rsp_now();
	if (n && !h->status_seen) {
		h->status_seen = true;
		curl_easy_getinfo(h->easy, CURLINFO_RESPONSE_CODE, &h->status);
	}
	if (h->body_len + n > BODY_MAX) {
		h->body_cut = true;
		return 0; /* abort the transfer: bounded memory */
	}
	{
		char *nb = realloc(h->body, h->body_len + n + 1);

		if (!nb)
			return 0;
		h->body = nb;
	}
	memcpy(h->body + h->body_len, ptr, n);
	h->body_len += n;
	h->body[h->body_len] = '\0';
	if (h->sse.out && !h->sse_failed && pl_sse_feed(&h->sse, ptr, n, &h->sse_err))
		h->sse_failed = true;
	/* time to first token: the first text delta of a stream; a whole 200 body brings
	 * its text with its first byte */
	if (!h->job->t_first_token && h->status == 200 && (!h->sse.out || h->sse.first_text))
		h->job->t_first_token = h->sse.out ? rsp_now() : h->job->t_first_byte;
	return n;
}

/* A header's value, trimmed, into v; false when the line is not that header. */
static bool header_is(const char *line, size_t n, const char *name, char *v, size_t vsz)
{
	size_t k = strlen(name), len;

	if (n <= k || strncasecmp(line, name, k) || line[k] != ':')
		return false;
	line += k + 1;
	n -= k + 1;
	while (n && (*line == ' ' || *line == '\t')) {
		line++;
		n--;
	}
	while (n && (line[n - 1] == '\r' || line[n - 1] == '\n' || line[n - 1] == ' '))
		n--;
	len = n < vsz - 1 ? n : vsz - 1;
	memcpy(v, line, len);
	v[len] = '\0';
	return true;
}

static size_t on_header(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct http_job *h = ud;
	size_t n = size * nmemb;
	char v[64];
	double x;
	char *end;

	if (header_is(ptr, n, "retry-after-ms", v, sizeof(v))) {
		/* the SDKs' own header, in ms: it wins over retry-after */
		x = strtod(v, &end);
		if (end != v && !*end && x >= 0 && x < 1e9)
			h->retry_after_ms = (long)x;
	} else if (header_is(ptr, n, "retry-after", v, sizeof(v)) && h->retry_after_ms < 0) {
		struct tm tm = { 0 };

		x = strtod(v, &end);
		if (end != v && !*end && x >= 0 && x < 1e6) {
			h->retry_after_ms = (long)(x * 1000);
		} else if (strptime(v, "%a, %d %b %Y %H:%M:%S GMT", &tm)) {
			/* an HTTP date: how far from now */
			time_t at = timegm(&tm), now = time(NULL);

			h->retry_after_ms = at > now ? (long)(at - now) * 1000 : 0;
		}
	} else if (header_is(ptr, n, "x-should-retry", v, sizeof(v))) {
		h->should_retry = !strcasecmp(v, "true") ? 1 : !strcasecmp(v, "false") ? 0 : -1;
	}
	return n;
}

static int attempt(struct rsp_ctx *c, struct http_job *h)
{
	struct http_be *b = c->be;

	if (!h->easy && !(h->easy = curl_easy_init()))
		return -ENOMEM;
	curl_easy_reset(h->easy);
	free(h->body);
	h->body = NULL;
	h->body_len = 0;
	h->body_cut = false;
	h->retry_after_ms = -1;
	h->should_retry = -1;
	h->retry_at = 0;
	pl_sse_free(&h->sse);
	pl_model_reply_free(&h->job->model);
	h->sse.out = NULL;
	h->sse_failed = false;
	if (c->cfg.stream)
		pl_sse_init(&h->sse, b->api, &h->job->model);
	if (!h->hdr) {
		h->hdr = curl_slist_append(NULL, "content-type: application/json");
		h->hdr = curl_slist_append(h->hdr, "user-agent: pinglab/" PL_VERSION);
		h->hdr = b->fmt->headers(h->hdr, c->secret);
	}
	curl_easy_setopt(h->easy, CURLOPT_URL, b->url);
	curl_easy_setopt(h->easy, CURLOPT_HTTPHEADER, h->hdr);
	curl_easy_setopt(h->easy, CURLOPT_POSTFIELDS, h->request);
	curl_easy_setopt(h->easy, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h->easy, CURLOPT_WRITEDATA, h);
	curl_easy_setopt(h->easy, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h->easy, CURLOPT_HEADERDATA, h);
	curl_easy_setopt(h->easy, CURLOPT_TIMEOUT_MS, (long)c->cfg.timeout_ms);
	curl_easy_setopt(h->easy, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
	curl_easy_setopt(h->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h->easy, CURLOPT_PRIVATE, h);
	curl_easy_setopt(h->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	h->job->attempts++;
	h->attempt_start = rsp_now();
	/* the timings are the final attempt's: a 429 body is no first byte of the answer */
	h->job->t_sent = h->attempt_start;
	h->job->t_first_byte = 0;
	h->job->t_first_token = 0;
	h->status_seen = false;
	h->status = 0;
	return curl_multi_add_handle(c->multi, h->easy) == CURLM_OK ? 0 : -EIO;
}

static void unlink_job(struct http_be *b, struct http_job *h)
{
	struct http_job **pp;

	for (pp = &b->jobs; *pp; pp = &(*pp)->next)
		if (*pp == h) {
			*pp = h->next;
			break;
		}
}

static void done(struct rsp_ctx *c, struct http_job *h)
{
	struct rsp_job *j = h->job;

	unlink_job(c->be, h);
	if (h->easy) {
		curl_multi_remove_handle(c->multi, h->easy);
		curl_easy_cleanup(h->easy);
	}
	curl_slist_free_all(h->hdr);
	pl_sse_free(&h->sse);
	free(h->request);
	free(h->body);
	free(h);
	j->priv = NULL;
	rsp_finish(c, j);
}

void rsp_http_start(struct rsp_ctx *c, struct rsp_job *j)
{
	struct http_be *b = c->be;
	struct http_job *h = calloc(1, sizeof(*h));
	char *user = rsp_render(c, j);
	struct pl_req_opts q = c->req;

	q.user = user;
	if (!h || !user || !(h->request = pl_api_request(b->api, &q))) {
		free(user);
		if (h)
			free(h->request);
		free(h);
		j->outcome = RSP_API_ERROR;
		snprintf(j->error, sizeof(j->error), "out of memory building the request");
		rsp_finish(c, j);
		return;
	}
	free(user);
	h->job = j;
	j->priv = h;
	h->next = b->jobs;
	b->jobs = h;
	if (attempt(c, h)) {
		j->outcome = RSP_API_ERROR;
		snprintf(j->error, sizeof(j->error), "could not start the request");
		done(c, h);
	}
}

/* A 429 that is about money, not rate: retrying cannot help. */
static bool spend_limit(const char *type, const char *msg)
{
	static const char *const words[] = { "quota", "credit", "billing", "spend", "insufficient" };
	size_t i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcasestr(type, words[i]) || strcasestr(msg, words[i]))
			return true;
	return false;
}

static void schedule_retry(struct rsp_ctx *c, struct http_job *h, long hinted_ms)
{
	struct http_be *b = c->be;
	long ms;

	if (hinted_ms >= 0) {
		ms = hinted_ms;
	} else {
		long base = BACKOFF_BASE << (h->job->attempts - 1 < 6 ? h->job->attempts - 1 : 6);

		ms = (base > BACKOFF_CAP ? BACKOFF_CAP : base) + (long)(rand_r(&b->seed) % (BACKOFF_BASE / 2));
	}
	curl_multi_remove_handle(c->multi, h->easy);
	h->retry_at = rsp_now() + (int64_t)ms * 1000000;
	log_attempt(h->job, "retry in %ld ms", ms);
}

/* What a 200 with a body that parsed says: the model's answer, its refusal, or an
 * answer cut off at its token limit (measurements of the model, not API errors). */
static void answered(struct rsp_ctx *c, struct rsp_job *j)
{
	struct pl_model_reply *m = &j->model;

	c->answered++;
	j->error[0] = '\0';
	if (m->refused) {
		j->outcome = RSP_REFUSED;
		snprintf(j->error, sizeof(j->error), "the model refused%s%.200s%s", m->refusal[0] ? " (\"" : "",
			 m->refusal, m->refusal[0] ? "\")" : "");
	} else if (m->truncated) {
		j->outcome = RSP_TRUNCATED;
		snprintf(j->error, sizeof(j->error), "the answer reached its token limit (stop reason %s, %ld output tokens)",
			 m->stop_reason, m->usage.output);
	} else {
		rsp_take_text(c, j, m->text ? m->text : "", m->text_len);
	}
}

static void completed(struct rsp_ctx *c, struct http_job *h, CURLcode res)
{
	struct http_be *b = c->be;
	struct rsp_job *j = h->job;
	long code = 0;
	bool retryable = false;
	char et[64] = "", em[300] = "";
	struct pl_err perr = { "" };

	curl_easy_getinfo(h->easy, CURLINFO_RESPONSE_CODE, &code);
	j->http_status = code;
	h->last_timeout = res == CURLE_OPERATION_TIMEDOUT;
	if (res != CURLE_OK) {
		log_attempt(j, "%s", h->body_cut ? "body over 4 MiB" : curl_easy_strerror(res));
		snprintf(j->error, sizeof(j->error), "%s", h->body_cut ? "response body over 4 MiB: cut off"
									: curl_easy_strerror(res));
		retryable = !h->body_cut;
	} else if (code == 200) {
		int rc;

		if (c->cfg.stream)
			rc = h->sse_failed ? -EPROTO : h->sse.done ? 0 : pl_errf(&perr, -EPROTO, "stream ended before message_stop");
		else
			rc = pl_api_parse(b->api, h->body ? h->body : "", h->body_len, &j->model, &perr);
		if (h->sse_failed)
			perr = h->sse_err;
		if (rc == 0) {
			log_attempt(j, "200");
			answered(c, j);
			done(c, h);
			return;
		}
		log_attempt(j, "200 but %s", perr.msg);
		snprintf(j->error, sizeof(j->error), "HTTP 200 with a bad body: %.200s", perr.msg);
		retryable = true;
	} else {
		pl_api_parse_error(h->body ? h->body : "", h->body_len, et, sizeof(et), em, sizeof(em));
		log_attempt(j, "%ld%s%s%s", code, et[0] ? " " : "", et,
			    h->retry_after_ms >= 0 ? " retry-after" : "");
		snprintf(j->error, sizeof(j->error), "HTTP %ld%s%.60s%s%.160s", code, et[0] ? " " : "", et,
			 em[0] ? ": " : "", em);
		retryable = code == 408 || code == 409 || code == 429 || code >= 500;
		if (code == 429 && h->retry_after_ms < 0 && spend_limit(et, em))
			retryable = false;
		if ((code == 400 || code == 401 || code == 403 || code == 404) && !c->answered && !c->fatal[0] &&
		    h->should_retry != 1)
			snprintf(c->fatal, sizeof(c->fatal), "model %s: the API refused the first requests: HTTP %ld%s%s%s%s",
				 c->req.model, code, et[0] ? " " : "", et, em[0] ? ": " : "", em[0] ? em : "(no message)");
	}
	if (h->should_retry >= 0)
		retryable = h->should_retry == 1;
	if (retryable && (unsigned)j->attempts <= c->cfg.retries && !*c->stop && !c->fatal[0]) {
		/* the server's hint where the SDKs take it (0..60 s), else backoff */
		schedule_retry(c, h, h->retry_after_ms >= 0 && h->retry_after_ms <= RETRY_AFTER_CAP ? h->retry_after_ms : -1);
		return;
	}
	j->outcome = h->last_timeout ? RSP_TIMEOUT : RSP_API_ERROR;
	done(c, h);
}

void rsp_http_step(struct rsp_ctx *c)
{
	struct http_be *b = c->be;
	struct http_job *h, *next;
	CURLMsg *m;
	int running, left;
	int64_t now = rsp_now();

	/* retries whose time has come */
	for (h = b->jobs; h; h = next) {
		next = h->next;
		if (h->retry_at && h->retry_at <= now && attempt(c, h)) {
			h->job->outcome = RSP_API_ERROR;
			done(c, h);
		}
	}
	curl_multi_perform(c->multi, &running);
	while ((m = curl_multi_info_read(c->multi, &left))) {
		struct http_job *hj = NULL;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&hj);
		if (hj)
			completed(c, hj, m->data.result);
	}
}

int64_t rsp_http_deadline(struct rsp_ctx *c)
{
	struct http_be *b = c->be;
	struct http_job *h;
	int64_t dl = 0;

	for (h = b->jobs; h; h = h->next)
		if (h->retry_at && (!dl || h->retry_at < dl))
			dl = h->retry_at;
	return dl;
}

void rsp_http_cancel(struct rsp_ctx *c)
{
	struct http_be *b = c->be;

	while (b->jobs) {
		struct http_job *h = b->jobs;

		h->job->outcome = RSP_API_ERROR;
		snprintf(h->job->error, sizeof(h->job->error), "cancelled at shutdown");
		done(c, h);
	}
}

void rsp_http_fini(struct rsp_ctx *c)
{
	if (c->be)
		rsp_http_cancel(c);
	free(c->be);
	c->be = NULL;
	free((char *)c->req.system_json);
	c->req.system_json = NULL;
	pl_mtab_free(&c->models);
}
