/* The agent backend: the seed experiment's interface for a coding agent. Two FIFOs in
 * the run directory:
 *   agent.cmd   the agent writes one command per line
 *   agent.resp  the responder answers one line per command
 * Commands:
 *   READ [SECONDS]        -> "PACKET <id> <hex>" (waits for a packet), or "TIMEOUT"
 *   WRITE [<id>] <hex>    -> "OK <id>": the reply to packet id (default: oldest read)
 *   DROP [<id>]           -> "OK <id>": no reply to that packet
 * A packet not answered within --timeout is logged as a timeout. prompts/agent.md tells an
 * agent such as Claude Code how to loop over it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "packet/hex.h"
#include "responder/rsp.h"

#define LINE_MAX_LEN (2 * 65536 + 64)

struct agent_job {
	struct rsp_job *job;
	bool handed;                 /* given out by READ */
	int64_t deadline;
	struct agent_job *next;
};

struct agent_be {
	int cmd, resp;
	char path_cmd[512], path_resp[512];
	char *line;
	size_t line_len;
	bool line_overflow;
	int64_t read_waiting_until;  /* a READ is waiting for a packet (0 = none) */
	struct agent_job *jobs;      /* in arrival order */
};

static void say(struct agent_be *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void say(struct agent_be *b, const char *fmt, ...)
{
	char buf[LINE_MAX_LEN];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0 && write(b->resp, buf, (size_t)n) < 0) {
		/* a full FIFO means the agent stopped reading; it will time out */
	}
}

static int agent_init(struct rsp_ctx *c, struct pl_err *err)
{
	struct agent_be *b = calloc(1, sizeof(*b));
	const char *dir = c->cfg.run_dir ? c->cfg.run_dir : ".";

	if (!b || !(b->line = malloc(LINE_MAX_LEN + 1))) {
		free(b);
		return pl_errf(err, -ENOMEM, "out of memory");
	}
	snprintf(b->path_cmd, sizeof(b->path_cmd), "%s/agent.cmd", dir);
	snprintf(b->path_resp, sizeof(b->path_resp), "%s/agent.resp", dir);
	unlink(b->path_cmd);
	unlink(b->path_resp);
	if (mkfifo(b->path_cmd, 0600) < 0 || mkfifo(b->path_resp, 0600) < 0) {
		int e = errno;

		unlink(b->path_cmd);
		free(b->line);
		free(b);
		return pl_errf(err, -e, "mkfifo in %s: %s", dir, strerror(e));
	}
	/* O_RDWR: opening never blocks, and the agent closing its end is not an EOF */
	b->cmd = open(b->path_cmd, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	b->resp = open(b->path_resp, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (b->cmd < 0 || b->resp < 0) {
		int e = errno;

		if (b->cmd >= 0)
			close(b->cmd);
		unlink(b->path_cmd);
		unlink(b->path_resp);
		free(b->line);
		free(b);
		return pl_errf(err, -e, "open FIFOs: %s", strerror(e));
	}
	c->be = b;
	fprintf(stderr, "pinglab-responder: agent FIFOs %s and %s\n", b->path_cmd, b->path_resp);
	return 0;
}

static void hand_out(struct rsp_ctx *c, struct agent_be *b)
{
	struct agent_job *a;
	char *hex;

	(void)c;
	for (a = b->jobs; a && a->handed; a = a->next)
		;
	if (!a || !b->read_waiting_until)
		return;
	hex = malloc(2 * a->job->len + 1);
	if (!hex)
		return;
	pl_hex_encode(a->job->pkt, a->job->len, hex, 2 * a->job->len + 1);
	say(b, "PACKET %llu %s\n", (unsigned long long)a->job->id, hex);
	free(hex);
	a->handed = true;
	a->job->t_first_byte = rsp_now(); /* when the agent got it */
	b->read_waiting_until = 0;
}

static void agent_start(struct rsp_ctx *c, struct rsp_job *j)
{
	struct agent_be *b = c->be;
	struct agent_job *a = calloc(1, sizeof(*a)), **pp;

	if (!a) {
		j->outcome = RSP_API_ERROR;
		snprintf(j->error, sizeof(j->error), "out of memory");
		rsp_finish(c, j);
		return;
	}
	a->job = j;
	a->deadline = rsp_now() + (int64_t)c->cfg.timeout_ms * 1000000;
	for (pp = &b->jobs; *pp; pp = &(*pp)->next)
		;
	*pp = a;
	hand_out(c, b);
}

static void complete(struct rsp_ctx *c, struct agent_be *b, struct agent_job *a)
{
	struct agent_job **pp;

	for (pp = &b->jobs; *pp; pp = &(*pp)->next)
		if (*pp == a) {
			*pp = a->next;
			break;
		}
	a->job->attempts = 1;
	rsp_finish(c, a->job);
	free(a);
}

static struct agent_job *find(struct agent_be *b, const char *idtok, bool *given)
{
	struct agent_job *a;
	char *end;
	unsigned long long id;

	*given = false;
	if (idtok) {
		id = strtoull(idtok, &end, 10);
		if (*end == '\0' && end != idtok) {
			*given = true;
			for (a = b->jobs; a; a = a->next)
				if (a->handed && a->job->id == id)
					return a;
			return NULL;
		}
	}
	for (a = b->jobs; a; a = a->next)
		if (a->handed)
			return a;
	return NULL;
}

static void command(struct rsp_ctx *c, struct agent_be *b, char *line)
{
	char *save = NULL, *verb = strtok_r(line, " \t", &save), *a1 = strtok_r(NULL, " \t", &save);
	char *a2 = strtok_r(NULL, " \t", &save);
	struct agent_job *a;
	bool given;

	if (!verb)
		return;
	if (!strcmp(verb, "READ")) {
		double secs = a1 ? strtod(a1, NULL) : 30;

		b->read_waiting_until = rsp_now() + (int64_t)((secs > 0 ? secs : 30) * 1e9);
		hand_out(c, b);
		return;
	}
	if (!strcmp(verb, "WRITE") || !strcmp(verb, "DROP")) {
		bool write_cmd = verb[0] == 'W';
		const char *hex = write_cmd ? (a2 ? a2 : a1) : NULL;

		a = find(b, write_cmd ? (a2 ? a1 : NULL) : a1, &given);
		if (!a) {
			say(b, "ERROR no such packet was read%s\n", given ? " (unknown id)" : "");
			return;
		}
		if (write_cmd) {
			static uint8_t buf[65536];
			struct pl_err err;
			size_t n;

			if (!hex) {
				say(b, "ERROR WRITE wants hex\n");
				return;
			}
			a->job->model.text = strdup(hex);
			a->job->model.text_len = strlen(hex);
			if (pl_hex_decode(hex, buf, sizeof(buf), &n, &err) || n == 0) {
				a->job->outcome = RSP_UNPARSEABLE;
				snprintf(a->job->error, sizeof(a->job->error), "agent wrote bad hex: %.200s", n == 0 ? "empty" : err.msg);
			} else if ((a->job->reply = malloc(n))) {
				memcpy(a->job->reply, buf, n);
				a->job->reply_len = n;
				a->job->outcome = RSP_REPLY;
			}
		} else {
			a->job->outcome = RSP_DROP;
		}
		say(b, "OK %llu\n", (unsigned long long)a->job->id);
		complete(c, b, a);
		return;
	}
	say(b, "ERROR unknown command (READ, WRITE, DROP)\n");
}

static int agent_fds(struct rsp_ctx *c, struct curl_waitfd *fds, int max)
{
	struct agent_be *b = c->be;

	if (max < 1)
		return 0;
	fds[0].fd = b->cmd;
	fds[0].events = CURL_WAIT_POLLIN;
	fds[0].revents = 0;
	return 1;
}

static int64_t agent_deadline(struct rsp_ctx *c)
{
	struct agent_be *b = c->be;
	struct agent_job *a;
	int64_t dl = b->read_waiting_until;

	for (a = b->jobs; a; a = a->next)
		if (!dl || a->deadline < dl)
			dl = a->deadline;
	return dl;
}

static void agent_step(struct rsp_ctx *c)
{
	struct agent_be *b = c->be;
	char tmp[4096];
	ssize_t n;
	int64_t now = rsp_now();
	struct agent_job *a, *next;

	while ((n = read(b->cmd, tmp, sizeof(tmp))) > 0) {
		ssize_t i;

		for (i = 0; i < n; i++) {
			if (tmp[i] == '\n') {
				b->line[b->line_len] = '\0';
				if (b->line_overflow)
					say(b, "ERROR line longer than %d bytes\n", LINE_MAX_LEN);
				else
					command(c, b, b->line);
				b->line_len = 0;
				b->line_overflow = false;
			} else if (b->line_len < LINE_MAX_LEN) {
				b->line[b->line_len++] = tmp[i] == '\r' ? ' ' : tmp[i];
			} else {
				b->line_overflow = true;
			}
		}
	}
	if (b->read_waiting_until && now >= b->read_waiting_until) {
		say(b, "TIMEOUT\n");
		b->read_waiting_until = 0;
	}
	for (a = b->jobs; a; a = next) {
		next = a->next;
		if (now >= a->deadline) {
			a->job->outcome = RSP_TIMEOUT;
			snprintf(a->job->error, sizeof(a->job->error), "the agent did not answer within %u ms%s",
				 c->cfg.timeout_ms, a->handed ? "" : " (it never read the packet)");
			complete(c, b, a);
		}
	}
}

static void agent_cancel(struct rsp_ctx *c)
{
	struct agent_be *b = c->be;

	while (b && b->jobs) {
		b->jobs->job->outcome = RSP_API_ERROR;
		snprintf(b->jobs->job->error, sizeof(b->jobs->job->error), "cancelled at shutdown");
		complete(c, b, b->jobs);
	}
}

static void agent_fini(struct rsp_ctx *c)
{
	struct agent_be *b = c->be;

	if (!b)
		return;
	agent_cancel(c);
	close(b->cmd);
	close(b->resp);
	unlink(b->path_cmd);
	unlink(b->path_resp);
	free(b->line);
	free(b);
	c->be = NULL;
}

const struct rsp_backend_ops rsp_agent_ops = {
	.name = "agent", .is_model = true, .init = agent_init, .start = agent_start, .fds = agent_fds,
	.deadline = agent_deadline, .step = agent_step, .cancel = agent_cancel, .fini = agent_fini,
};
