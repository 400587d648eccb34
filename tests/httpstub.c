#include "tests/httpstub.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "packet/hex.h"
#include "packet/rules.h"

/* The reference answer to the longest hex run of the request: "45...hex" or "DROP". */
static void reply_for(const char *req, char *out, size_t n)
{
	static uint8_t pkt[65536], rep[65536];
	const char *best = NULL, *p;
	size_t best_len = 0, len, rn = 0;
	struct pl_decision d;

	for (p = req; *p; p += len ? len : 1) {
		len = strspn(p, "0123456789abcdefABCDEF");
		if (len > best_len) {
			best = p;
			best_len = len;
		}
	}
	snprintf(out, n, "DROP");
	if (!best || best_len < 40)
		return;
	{
		char *hex = strndup(best, best_len & ~(size_t)1);
		size_t k = 0;

		if (hex && !pl_hex_decode(hex, pkt, sizeof(pkt), &k, NULL) &&
		    pl_reference_reply(pkt, k, PL_RESPONDER_ADDR, rep, sizeof(rep), &rn, &d, NULL) == 0 &&
		    d.action == PL_ACTION_REPLY && 2 * rn + 1 <= n)
			pl_hex_encode(rep, rn, out, n);
		free(hex);
	}
}

/* Read one request: headers, then Content-Length bytes of body. */
static char *read_request(int c)
{
	size_t cap = 1 << 16, used = 0, want = 0;
	char *buf = malloc(cap + 1), *end = NULL;

	while (buf) {
		struct pollfd pf = { .fd = c, .events = POLLIN };
		ssize_t k;

		if (poll(&pf, 1, 5000) <= 0)
			break;
		k = read(c, buf + used, cap - used);
		if (k <= 0)
			break;
		used += (size_t)k;
		buf[used] = '\0';
		if (!end && (end = strstr(buf, "\r\n\r\n"))) {
			const char *cl = strcasestr(buf, "\ncontent-length:");

			want = (size_t)(end + 4 - buf) + (cl ? strtoul(cl + 16, NULL, 10) : 0);
		}
		if (end && used >= want)
			break;
		if (used == cap) {
			char *nb = realloc(buf, (cap *= 2) + 1);

			if (!nb)
				break;
			buf = nb;
			end = strstr(buf, "\r\n\r\n");
		}
	}
	return buf;
}

static void answer(struct hs_server *s, int c)
{
	char *req = read_request(c), reply[140000], *body = NULL, *out = NULL;
	const struct hs_resp *r;
	const char *at;
	size_t i;

	pthread_mutex_lock(&s->lock);
	i = s->served++;
	if (i < HS_MAX_REQS)
		s->req[i] = req;
	r = &s->resp[i < s->n ? i : s->n - 1];
	pthread_mutex_unlock(&s->lock);
	reply_for(req ? req : "", reply, sizeof(reply));
	if ((at = strstr(r->body, "%REPLY%"))) {
		if (asprintf(&body, "%.*s%s%s", (int)(at - r->body), r->body, reply, at + 7) < 0)
			body = NULL;
	} else {
		body = strdup(r->body);
	}
	if (body && asprintf(&out, "%s\r\ncontent-length: %zu\r\nconnection: close\r\n%s\r\n%s", r->head, strlen(body),
			     strcasestr(r->head, "content-type") ? "" : "content-type: application/json\r\n", body) >= 0) {
		size_t off = 0, len = strlen(out);

		while (off < len) {
			ssize_t k = write(c, out + off, len - off);

			if (k <= 0)
				break;
			off += (size_t)k;
		}
	}
	if (i >= HS_MAX_REQS)
		free(req);
	free(body);
	free(out);
	shutdown(c, SHUT_WR);
	close(c);
}

static void *serve(void *arg)
{
	struct hs_server *s = arg;

	while (!__atomic_load_n(&s->stop, __ATOMIC_SEQ_CST)) {
		struct pollfd pf = { .fd = s->fd, .events = POLLIN };
		int c;

		if (poll(&pf, 1, 100) <= 0)
			continue;
		c = accept(s->fd, NULL, NULL);
		if (c >= 0)
			answer(s, c);
	}
	return NULL;
}

void hs_start(struct hs_server *s, const struct hs_resp *resp, size_t n)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof(a);

	memset(s, 0, sizeof(*s));
	s->resp = resp;
	s->n = n;
	pthread_mutex_init(&s->lock, NULL);
	s->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cr_assert(s->fd >= 0);
	cr_assert_eq(bind(s->fd, (struct sockaddr *)&a, sizeof(a)), 0, "%s", strerror(errno));
	cr_assert_eq(listen(s->fd, 16), 0);
	cr_assert_eq(getsockname(s->fd, (struct sockaddr *)&a, &al), 0);
	s->port = ntohs(a.sin_port);
	snprintf(s->url, sizeof(s->url), "http://127.0.0.1:%u", s->port);
	cr_assert_eq(pthread_create(&s->th, NULL, serve, s), 0);
}

size_t hs_served(struct hs_server *s)
{
	size_t n;

	pthread_mutex_lock(&s->lock);
	n = s->served;
	pthread_mutex_unlock(&s->lock);
	return n;
}

void hs_stop(struct hs_server *s)
{
	size_t i;

	if (s->fd < 0)
		return;
	__atomic_store_n(&s->stop, 1, __ATOMIC_SEQ_CST);
	pthread_join(s->th, NULL);
	close(s->fd);
	s->fd = -1;
	for (i = 0; i < HS_MAX_REQS; i++)
		free(s->req[i]);
	pthread_mutex_destroy(&s->lock);
}
