#include "mockllm/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "mockllm/anthropic.h"
#include "mockllm/openai.h"
#include "mockllm/strict.h"

#define PKT_CAP 65535

/* One request's body as it arrives. */
struct conn {
	char *body;
	size_t len;
	bool too_big;
};

/* A streamed response being written: segment seg, offset off, its delay taken or not. */
struct stream {
	struct mock_server *s;
	struct mock_reply reply;
	size_t seg, off;
	bool waited;
};

/* Sleep ms, waking early when the server stops; false when it is stopping. */
static bool nap(struct mock_server *s, double ms)
{
	struct timespec ts;
	bool ok;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	if (ms > 0) {
		long long ns = (long long)(ms * 1e6);

		ts.tv_sec += (time_t)(ns / 1000000000LL);
		ts.tv_nsec += (long)(ns % 1000000000LL);
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
	}
	pthread_mutex_lock(&s->lock);
	while (ms > 0 && !s->stopping && pthread_cond_timedwait(&s->wake, &s->lock, &ts) != ETIMEDOUT)
		;
	ok = !s->stopping;
	pthread_mutex_unlock(&s->lock);
	return ok;
}

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct stream *st = cls;
	struct mock_seg *g;
	size_t n;

	(void)pos;
	if (st->seg >= st->reply.nsegs)
		return MHD_CONTENT_READER_END_OF_STREAM;
	g = &st->reply.segs[st->seg];
	if (!st->waited) {
		if (!nap(st->s, g->delay_ms))
			return MHD_CONTENT_READER_END_WITH_ERROR;
		st->waited = true;
	}
	n = g->len - st->off < max ? g->len - st->off : max;
	memcpy(buf, g->data + st->off, n);
	st->off += n;
	if (st->off == g->len) {
		st->seg++;
		st->off = 0;
		st->waited = false;
	}
	return (ssize_t)n;
}

static void stream_free(void *cls)
{
	struct stream *st = cls;

	mock_reply_free(&st->reply);
	free(st);
}

/* Queue r (its buffers are taken over) on c. */
static enum MHD_Result send_reply(struct mock_server *s, struct MHD_Connection *c, struct mock_reply *r)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	char num[16], rid[sizeof(r->request_id)];
	const char *rid_header = r->request_id_header;

	snprintf(rid, sizeof(rid), "%s", r->request_id);
	if (r->streamed) {
		struct stream *st = calloc(1, sizeof(*st));

		if (!st)
			return MHD_NO;
		st->s = s;
		st->reply = *r;
		memset(r, 0, sizeof(*r));
		resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, stream_read, st, stream_free);
		if (!resp) {
			stream_free(st);
			return MHD_NO;
		}
		MHD_add_response_header(resp, "Cache-Control", "no-cache");
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, st->reply.content_type);
		r->status = st->reply.status;
		r->has_retry_after = st->reply.has_retry_after;
		r->retry_after = st->reply.retry_after;
	} else {
		resp = MHD_create_response_from_buffer(r->body_len, r->body, MHD_RESPMEM_MUST_FREE);
		if (!resp)
			return MHD_NO;
		r->body = NULL;
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
					r->content_type ? r->content_type : "application/json");
	}
	if (r->has_retry_after) {
		snprintf(num, sizeof(num), "%u", r->retry_after);
		MHD_add_response_header(resp, "retry-after", num);
	}
	if (rid_header && rid[0])
		MHD_add_response_header(resp, rid_header, rid);
	MHD_add_response_header(resp, "x-pinglab-simulated", s->profile->name);
	ret = MHD_queue_response(c, r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* An error in the request's format: Anthropic's shape (with its request_id), OpenAI's,
 * or llama.cpp's own. */
static int error_reply(struct mock_server *s, struct mock_reply *r, enum mock_format fmt, unsigned status,
		       const char *atype, const char *otype, const char *ocode, const char *param, const char *msg)
{
	if (fmt == MOCK_FMT_OPENAI && s->profile->server == MOCK_SERVER_LLAMACPP)
		return mock_llamacpp_error(r, status, otype, msg);
	if (fmt == MOCK_FMT_OPENAI)
		return mock_openai_error(r, status, otype, ocode, param, msg);
	return mock_anthropic_error(r, status, atype, msg, r->request_id);
}

/* The request id: "req_mock" and 24 hex digits, from the plan's id when there is a plan
 * (so, like it, from seed, packet and attempt), else from the seed and the request's
 * ordinal. The header is the format's: request-id (Anthropic), x-request-id (OpenAI). */
static void request_id(struct mock_reply *r, enum mock_format fmt, uint64_t seed, unsigned long seq,
		       const struct mock_plan *plan)
{
	uint64_t h = plan && plan->id[0] ? mock_hash(plan->id, strlen(plan->id)) ^ 0x5bd1e9955bd1e995ULL
					 : mock_hash(&seq, sizeof(seq)) ^ (seed * 0x9e3779b97f4a7c15ULL);
	struct mock_rng g = mock_rng_stream(h, "request-id");

	r->request_id_header = fmt == MOCK_FMT_OPENAI ? "x-request-id" : "request-id";
	snprintf(r->request_id, sizeof(r->request_id), "req_mock%016llx%08llx", (unsigned long long)mock_rng_next(&g),
		 (unsigned long long)(mock_rng_next(&g) >> 32));
}

/* Tokens as the services count them, with prompt caching as the model's table row says:
 *  - unknown minimum (no row): the system prompt is cached from its first request on
 *    (written once, then read), whatever its length;
 *  - Anthropic: only a system prefix ending in a block marked cache_control, and only
 *    when its tokens reach the row's minimum; input_tokens excludes the cache;
 *  - OpenAI: automatically from the row's minimum, in 128-token steps, on a later request
 *    with the same system prompt; prompt_tokens includes the cached tokens;
 *  - prompt_cache = no, a llama.cpp server, or a minimum of 0: nothing cached. */
static void usage(struct mock_server *s, const struct mock_req *req, const struct mock_model *m,
		  const struct mock_plan *plan, struct mock_usage *u)
{
	unsigned total = (unsigned)((req->chars + 3) / 4 + 4 * req->messages + (req->system_len ? 4 : 0));
	uint64_t model = mock_hash(req->model, strlen(req->model)) * 0x9e3779b97f4a7c15ULL;
	unsigned sys, n;

	memset(u, 0, sizeof(*u));
	u->output = plan->output_tokens;
	u->input = total;
	if (!s->profile->prompt_cache || s->profile->server == MOCK_SERVER_LLAMACPP || !req->system_len ||
	    m->min_cache == 0)
		return;
	if (m->min_cache < 0) {
		sys = (unsigned)((req->system_len + 3) / 4);
		if (sys > total)
			sys = total;
		if (mock_attempts_next(&s->systems, mock_hash(req->system, req->system_len)) == 0)
			u->cache_write = sys;
		else
			u->cache_read = sys;
		u->input -= sys;
		return;
	}
	if (req->format == MOCK_FMT_ANTHROPIC) {
		sys = (unsigned)((req->cache_len + 3) / 4);
		if (!req->cache_marked || sys < m->min_cache)
			return;
		if (mock_attempts_next(&s->systems, mock_hash(req->system, req->cache_len) ^ model) == 0)
			u->cache_write = sys;
		else
			u->cache_read = sys;
		u->input -= sys;
		return;
	}
	sys = (unsigned)((req->system_len + 3) / 4);
	if (sys < m->min_cache || mock_attempts_next(&s->systems, mock_hash(req->system, req->system_len) ^ model) == 0)
		return;
	n = (unsigned)m->min_cache + (sys - (unsigned)m->min_cache) / 128 * 128;
	u->cache_read = n;
	u->input -= n;
}

/* Abort the connection with a TCP reset: linger 0, then let MHD close it. */
static enum MHD_Result reset(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	if (ci)
		setsockopt(ci->connect_fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	return MHD_NO;
}

static const char *header(struct MHD_Connection *c, const char *name)
{
	return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

/* The token of "Authorization: Bearer TOKEN", or NULL. */
static const char *bearer(struct MHD_Connection *c)
{
	const char *a = header(c, "Authorization");

	if (!a || strncasecmp(a, "Bearer ", 7))
		return NULL;
	a += 7;
	while (*a == ' ')
		a++;
	return *a ? a : NULL;
}

/* Who may ask: NULL, or the 401's message (the real services' wording; the key itself
 * is never echoed, so never logged).
 *  Anthropic: x-api-key when the header is there (it alone decides), else
 *    Authorization: Bearer; neither is a 401. With --key-file the value must match.
 *  OpenAI: Authorization: Bearer is required (a llama.cpp server needs none unless it has
 *    a key of its own, --key-file). */
static const char *auth(struct mock_server *s, enum mock_format fmt, struct MHD_Connection *c, const char **code)
{
	const char *k = header(c, "x-api-key"), *tok = bearer(c);

	*code = NULL;
	if (s->profile->server == MOCK_SERVER_LLAMACPP) {
		const char *got = fmt == MOCK_FMT_ANTHROPIC && k && *k ? k : tok;

		return s->key && (!got || strcmp(got, s->key)) ? "Invalid API Key" : NULL;
	}
	if (fmt == MOCK_FMT_ANTHROPIC) {
		if (k && *k)
			return s->key && strcmp(k, s->key) ? "invalid x-api-key" : NULL;
		if (tok)
			return s->key && strcmp(tok, s->key) ? "Invalid bearer token" : NULL;
		return "x-api-key header is required";
	}
	if (!tok)
		return "You didn't provide an API key. You need to provide your API key in an Authorization header "
		       "using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank "
		       "username) if you're accessing the API from your browser and are prompted for a username and "
		       "password. You can obtain an API key from https://platform.openai.com/account/api-keys.";
	if (s->key && strcmp(tok, s->key)) {
		*code = "invalid_api_key";
		return "Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.";
	}
	return NULL;
}

/* The versions the Anthropic API accepts in anthropic-version (2026-10-21: the one the
 * official SDKs from 1.0 send). */
static bool known_version(const char *v)
{
	return !strcmp(v, "2023-06-01") || !strcmp(v, "2023-01-01") || !strcmp(v, "2026-10-21");
}

/* A model request, complete. */
static enum MHD_Result model_request(struct mock_server *s, struct MHD_Connection *c, struct conn *k,
				     enum mock_format fmt, struct mock_log_rec *rec)
{
	struct mock_req req = { 0 };
	struct mock_reply reply = { 0 };
	struct mock_plan plan = { 0 };
	struct mock_usage u = { 0 };
	struct mock_model model;
	struct mock_refusal no;
	struct mock_shape shape = { 0 };
	struct pl_err err = { "" };
	const char *version, *code;
	char msg[160];
	uint8_t *pkt = NULL;
	size_t pkt_len = 0;
	enum MHD_Result ret = MHD_NO;
	double wait = 0;
	unsigned attempt = 0;
	int rc;

	rec->format = fmt == MOCK_FMT_OPENAI ? "openai" : "anthropic";
	request_id(&reply, fmt, s->seed, rec->seq, NULL);
	rec->request_id = reply.request_id;
	if ((rec->error = auth(s, fmt, c, &code))) {
		rc = error_reply(s, &reply, fmt, 401, "authentication_error",
				 s->profile->server == MOCK_SERVER_LLAMACPP ? "authentication_error" : "invalid_request_error",
				 code, NULL, rec->error);
		goto refuse;
	}
	version = header(c, "anthropic-version");
	if (fmt == MOCK_FMT_ANTHROPIC && s->profile->server == MOCK_SERVER_API && (!version || !known_version(version))) {
		if (version)
			snprintf(msg, sizeof(msg), "anthropic-version: \"%.64s\" is not a valid version", version);
		else
			snprintf(msg, sizeof(msg), "anthropic-version: header is required");
		rec->error = msg;
		rc = mock_anthropic_error(&reply, 400, "invalid_request_error", msg, reply.request_id);
		goto refuse;
	}
	if (k->too_big) {
		rec->error = "Request exceeds the maximum allowed number of bytes.";
		rc = error_reply(s, &reply, fmt, 413, "request_too_large", "invalid_request_error", NULL, NULL, rec->error);
		goto refuse;
	}
	rc = fmt == MOCK_FMT_OPENAI ? mock_openai_parse(k->body ? k->body : "", k->len, &req, &err)
				    : mock_anthropic_parse(k->body ? k->body : "", k->len,
							   version && !strcmp(version, "2026-10-21"), &req, &err);
	if (rc == -ENOMEM)
		return MHD_NO;
	if (rc) {
		rec->error = err.msg;
		rc = error_reply(s, &reply, fmt, 400, "invalid_request_error", "invalid_request_error", NULL, NULL, err.msg);
		goto refuse;
	}
	rec->stream = req.stream;
	mock_strict(s->profile, s->table, &req, &model, &no);
	rec->model = req.model[0] ? req.model : NULL;
	if (no.status) {
		rec->error = no.msg;
		rc = error_reply(s, &reply, fmt, no.status, no.atype, no.otype, no.ocode, no.param, no.msg);
		goto refuse;
	}

	pkt = malloc(PKT_CAP);
	if (!pkt)
		goto out;
	pkt_len = mock_find_packet(req.last_user, req.last_user_len, pkt, PKT_CAP);
	if (pkt_len)
		attempt = mock_attempts_next(&s->attempts, mock_hash(pkt, pkt_len));
	if (mock_plan_make(s->profile, mock_stack_of(req.system, req.system_len), s->seed, s->scale, pkt_len ? pkt : NULL,
			   pkt_len, attempt, &plan, &err)) {
		rec->error = err.msg;
		rc = error_reply(s, &reply, fmt, 500, "api_error", "server_error", NULL, NULL, err.msg);
		goto refuse;
	}
	request_id(&reply, fmt, s->seed, rec->seq, &plan);
	rec->pkt = pkt_len ? pkt : NULL;
	rec->pkt_len = pkt_len;
	rec->plan = &plan;
	shape.request_id = reply.request_id;
	shape.llamacpp = s->profile->server == MOCK_SERVER_LLAMACPP;
	shape.v2026 = req.v2026;
	shape.malformed = plan.fault == MOCK_F_MALFORMED_JSON;
	shape.stream_error = plan.fault == MOCK_F_STREAM_ERROR;

	switch (plan.fault) {
	case MOCK_F_RATE_LIMIT:
		rc = error_reply(s, &reply, fmt, 429, "rate_limit_error", "requests", "rate_limit_exceeded", NULL,
				 "Number of requests has exceeded your per-minute rate limit "
				 "(simulated by pinglab-mockllm).");
		reply.has_retry_after = true;
		reply.retry_after = plan.retry_after_s;
		break;
	case MOCK_F_SPEND_LIMIT:
		rc = error_reply(s, &reply, fmt, 429, "rate_limit_error", "insufficient_quota", "insufficient_quota", NULL,
				 "This request would exceed your organization's monthly spend limit. "
				 "Raise the limit or wait until next month (simulated by pinglab-mockllm).");
		break;
	case MOCK_F_STREAM_ERROR:
		if (req.stream)
			goto answer;
		/* not streamed, the same error comes as an overloaded status */
		/* fall through */
	case MOCK_F_OVERLOADED:
		rc = error_reply(s, &reply, fmt, fmt == MOCK_FMT_OPENAI ? 503 : 529, "overloaded_error",
				 "server_error", NULL, NULL, "Overloaded");
		break;
	case MOCK_F_SERVER_ERROR:
		rc = error_reply(s, &reply, fmt, 500, "api_error", "server_error", NULL, NULL, "Internal server error");
		break;
	case MOCK_F_RESET:
		wait = plan.latency_ms;
		rec->delay_ms = wait;
		rec->status = 0;
		mock_log_write(s->log, rec);
		if (nap(s, wait))
			ret = reset(c);
		goto out;
	default:
	answer:
		rc = mock_plan_fit(&plan, fmt == MOCK_FMT_OPENAI, model.think_tokens, model.reasons, model.limit);
		if (rc)
			goto out;
		usage(s, &req, &model, &plan, &u);
		rec->usage = &u;
		rc = fmt == MOCK_FMT_OPENAI ? mock_openai_answer(&reply, &req, &plan, &u, &shape)
					    : mock_anthropic_answer(&reply, &req, &plan, &u, &shape);
		wait = req.stream ? plan.latency_ms : plan.total_ms;
		rec->delay_ms = plan.total_ms;
		if (plan.fault == MOCK_F_STALL) {
			wait += plan.stall_ms;
			rec->delay_ms += plan.stall_ms;
		}
		break;
	}
	if (rc)
		goto out;
	rec->status = reply.status;
	mock_log_write(s->log, rec);
	if (nap(s, wait))
		ret = send_reply(s, c, &reply);
	goto out;

refuse:
	if (!rc) {
		rec->status = reply.status;
		mock_log_write(s->log, rec);
		ret = send_reply(s, c, &reply);
	}
out:
	mock_reply_free(&reply);
	mock_plan_free(&plan);
	mock_req_free(&req);
	free(pkt);
	return ret;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
			       const char *version, const char *upload_data, size_t *upload_data_size,
			       void **con_cls)
{
	struct mock_server *s = cls;
	struct conn *k = *con_cls;
	struct mock_log_rec rec = { .method = method, .path = url };
	struct mock_reply reply = { 0 };
	enum MHD_Result ret;
	bool post = !strcmp(method, "POST"), get = !strcmp(method, "GET");
	int rc;

	(void)version;
	if (!k) {
		k = calloc(1, sizeof(*k));
		if (!k)
			return MHD_NO;
		*con_cls = k;
		return MHD_YES;
	}
	if (*upload_data_size) {
		size_t n = *upload_data_size;

		*upload_data_size = 0;
		if (k->too_big || k->len + n > MOCK_BODY_MAX) {
			k->too_big = true;
			return MHD_YES;
		}
		if (!mock_text_append(&k->body, &k->len, upload_data, n))
			return MHD_NO;
		return MHD_YES;
	}

	rec.seq = atomic_fetch_add(&s->requests, 1) + 1;
	if (!strcmp(url, "/v1/messages") && post)
		return model_request(s, c, k, MOCK_FMT_ANTHROPIC, &rec);
	if (!strcmp(url, "/v1/chat/completions") && post)
		return model_request(s, c, k, MOCK_FMT_OPENAI, &rec);
	if (!strcmp(url, "/v1/models") && get) {
		rec.format = "openai";
		request_id(&reply, MOCK_FMT_OPENAI, s->seed, rec.seq, NULL);
		rc = mock_openai_models(&reply, s->profile->model);
	} else if (!strcmp(url, "/v1/messages") || !strcmp(url, "/v1/chat/completions") ||
		   !strcmp(url, "/v1/models")) {
		rec.error = "method not allowed";
		request_id(&reply, MOCK_FMT_ANTHROPIC, s->seed, rec.seq, NULL);
		rc = mock_anthropic_error(&reply, 405, "invalid_request_error", "Method not allowed", reply.request_id);
	} else {
		rec.error = "not found";
		request_id(&reply, MOCK_FMT_ANTHROPIC, s->seed, rec.seq, NULL);
		rc = mock_anthropic_error(&reply, 404, "not_found_error", "Not found", reply.request_id);
	}
	rec.request_id = reply.request_id;
	if (rc)
		return MHD_NO;
	rec.status = reply.status;
	mock_log_write(s->log, &rec);
	ret = send_reply(s, c, &reply);
	mock_reply_free(&reply);
	return ret;
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
		      enum MHD_RequestTerminationCode toe)
{
	struct conn *k = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (k) {
		free(k->body);
		free(k);
		*con_cls = NULL;
	}
}

int mock_server_start(struct mock_server *s, struct pl_err *err)
{
	pthread_condattr_t ca;
	struct sockaddr_in bound;
	socklen_t bl = sizeof(bound);
	int fd, one = 1;
	char ip[INET_ADDRSTRLEN];

	mock_attempts_init(&s->attempts);
	mock_attempts_init(&s->systems);
	pthread_mutex_init(&s->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->wake, &ca);
	pthread_condattr_destroy(&ca);
	atomic_init(&s->requests, 0);
	s->stopping = false;

	inet_ntop(AF_INET, &s->addr.sin_addr, ip, sizeof(ip));
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return pl_errf(err, -errno, "socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&s->addr, sizeof(s->addr)) || listen(fd, 1024) ||
	    getsockname(fd, (struct sockaddr *)&bound, &bl)) {
		int e = errno;

		close(fd);
		return pl_errf(err, -e, "cannot listen on %s:%u: %s", ip, ntohs(s->addr.sin_port), strerror(e));
	}
	s->port = ntohs(bound.sin_port);
	s->addr.sin_addr = bound.sin_addr;
	s->daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL,
				     0, NULL, NULL, handler, s,
				     MHD_OPTION_LISTEN_SOCKET, fd,
				     MHD_OPTION_NOTIFY_COMPLETED, completed, s,
				     MHD_OPTION_CONNECTION_LIMIT, (unsigned)1000,
				     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)600,
				     MHD_OPTION_END);
	if (!s->daemon) {
		close(fd);
		return pl_errf(err, -EIO, "libmicrohttpd could not start on %s:%u", ip, s->port);
	}
	return 0;
}

void mock_server_stop(struct mock_server *s)
{
	pthread_mutex_lock(&s->lock);
	s->stopping = true;
	pthread_cond_broadcast(&s->wake);
	pthread_mutex_unlock(&s->lock);
	if (s->daemon)
		MHD_stop_daemon(s->daemon);
	s->daemon = NULL;
	mock_attempts_free(&s->attempts);
	mock_attempts_free(&s->systems);
	pthread_cond_destroy(&s->wake);
	pthread_mutex_destroy(&s->lock);
}
