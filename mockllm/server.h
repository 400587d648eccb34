/* server.h — the HTTP side of pinglab-mockllm (libmicrohttpd, one thread per
 * connection so that simulated latencies never serialise requests). */
#ifndef PL_MOCK_SERVER_H
#define PL_MOCK_SERVER_H

#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/err.h"
#include "mockllm/behave.h"
#include "mockllm/log.h"
#include "mockllm/profile.h"
#include "model/table.h"

struct mock_server {
	/* configuration, set before mock_server_start */
	struct sockaddr_in addr;   /* loopback; port 0 = any free port (after start: the address bound) */
	const struct mock_profile *profile;
	uint64_t seed;
	double scale;
	struct mock_log *log;
	const char *key;           /* when set, the one API key accepted (else any) */
	const struct pl_mtab *table; /* the model table; NULL only with profile models = any */
	/* state */
	struct MHD_Daemon *daemon;
	uint16_t port;             /* the port actually bound */
	struct mock_attempts attempts; /* per packet */
	struct mock_attempts systems;  /* per system prompt: prompt-cache simulation */
	atomic_ulong requests;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stopping;
};

int mock_server_start(struct mock_server *s, struct pl_err *err);
/* Wake every sleeping request, close connections, join threads. */
void mock_server_stop(struct mock_server *s);

#endif
