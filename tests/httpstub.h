/* httpstub.h — a canned HTTP server for client tests: it answers the Nth request with
 * the Nth response given (the last one again after that), whatever was asked, and keeps
 * what it was asked. Independent of pinglab-mockllm: the responses are written by hand
 * in the tests, in the shapes the API documentation shows. One thread, one connection
 * at a time, "Connection: close". */
#ifndef PL_TESTS_HTTPSTUB_H
#define PL_TESTS_HTTPSTUB_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

struct hs_resp {
	const char *head;  /* status line and extra headers, CRLF-separated, no final blank line,
			    * e.g. "HTTP/1.1 429 Too Many Requests\r\nretry-after-ms: 300" */
	const char *body;  /* "%REPLY%" in it becomes the reference reply to the packet in the
			    * request, as hex, or DROP (SSE bodies: content-type in head) */
};

#define HS_MAX_REQS 16

struct hs_server {
	int fd;
	uint16_t port;
	char url[64];               /* http://127.0.0.1:PORT */
	const struct hs_resp *resp;
	size_t n;
	pthread_t th;
	pthread_mutex_t lock;
	size_t served;
	char *req[HS_MAX_REQS];     /* the requests, head and body, as received (malloc'd) */
	int stop;
};

void hs_start(struct hs_server *s, const struct hs_resp *resp, size_t n);
void hs_stop(struct hs_server *s);
/* How many requests were answered so far. */
size_t hs_served(struct hs_server *s);

#endif
