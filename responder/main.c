/* pinglab-responder — the model as an IP stack: reads packets from tun0, asks a backend
 * for each reply, writes it back, and logs every exchange as one JSON line.
 *
 *   pinglab-responder --backend reference|anthropic|openai|exec|agent|replay
 *       [--netns PATH] [--tun NAME] [--model M] [--base-url URL] [--prompt FILE]
 *       [--template FILE] [--log FILE] [--run-dir DIR] [--concurrency N] [--timeout MS]
 *       [--retries N] [--max-tokens N] [--temperature X|none] [--thinking BUDGET]
 *       [--reasoning-effort E] [--models FILE] [--queue N] [--stream] [--log-text] [--busy-poll]
 *       [--key-file FILE] [--no-drop] [--user USER] [-- COMMAND ARGS...   (exec backend)]
 *
 * The TUN is opened inside the lab's namespace (--netns), then the process returns to
 * the namespace it started in for its HTTP sockets and drops every capability.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifdef HAVE_CAPNG
#include <cap-ng.h>
#endif

#include "common/jsonnum.h"
#include "common/keyfile.h"
#include "common/opt.h"
#include "common/sha256.h"
#include "packet/extract.h"
#include "packet/hex.h"
#include "packet/rules.h"
#include "record/record.h"
#include "responder/rsp.h"

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

int64_t rsp_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static const struct rsp_backend_ops *backend_by_name(const char *name)
{
	static const struct rsp_backend_ops *const all[] = {
		&rsp_reference_ops, &rsp_anthropic_ops, &rsp_openai_ops, &rsp_exec_ops, &rsp_agent_ops, &rsp_replay_ops,
	};
	size_t i;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (!strcmp(all[i]->name, name))
			return all[i];
	return NULL;
}

/* ---- prompt ---------------------------------------------------------------------- */

static char *slurp(const char *path, struct pl_err *err)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f) {
		pl_errf(err, -errno, "%s: %s", path, strerror(errno));
		return NULL;
	}
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || n > (1 << 20) || fseek(f, 0, SEEK_SET)) {
		fclose(f);
		pl_errf(err, -EFBIG, "%s: unreadable or larger than 1 MiB", path);
		return NULL;
	}
	buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	if (!buf) {
		pl_errf(err, -EIO, "%s: cannot read", path);
		return NULL;
	}
	buf[n] = '\0';
	return buf;
}

char *rsp_render(const struct rsp_ctx *c, const struct rsp_job *j)
{
	const char *t = c->template;
	size_t hexlen = 2 * j->len, cap = strlen(t) + hexlen + 64, used = 0;
	char *out = malloc(cap);

	if (!out)
		return NULL;
	while (*t) {
		if (!strncmp(t, "{{hex}}", 7)) {
			pl_hex_encode(j->pkt, j->len, out + used, cap - used);
			used += hexlen;
			t += 7;
		} else if (!strncmp(t, "{{len}}", 7)) {
			used += (size_t)snprintf(out + used, cap - used, "%zu", j->len);
			t += 7;
		} else {
			out[used++] = *t++;
		}
		if (used + hexlen + 32 > cap) {
			char *n = realloc(out, cap *= 2);

			if (!n) {
				free(out);
				return NULL;
			}
			out = n;
		}
	}
	out[used] = '\0';
	return out;
}

/* ---- finishing a job ------------------------------------------------------------- */

void rsp_take_text(struct rsp_ctx *c, struct rsp_job *j, const char *text, size_t len)
{
	static uint8_t buf[65536];
	struct pl_extract x;
	struct pl_err err;
	int rc = pl_extract(text, len, buf, sizeof(buf), &x, &err);

	(void)c;
	if (rc) {
		j->outcome = RSP_UNPARSEABLE;
		snprintf(j->error, sizeof(j->error), "%.250s", err.msg);
		return;
	}
	snprintf(j->how, sizeof(j->how), "%s", x.how);
	if (x.kind == PL_EXTRACT_DROP) {
		j->outcome = RSP_DROP;
		return;
	}
	j->reply = malloc(x.len);
	if (!j->reply) {
		j->outcome = RSP_UNPARSEABLE;
		snprintf(j->error, sizeof(j->error), "out of memory");
		return;
	}
	memcpy(j->reply, buf, x.len);
	j->reply_len = x.len;
	j->outcome = RSP_REPLY;
}

/* the log's name of an outcome: rsp_outcome is in pl_outcome's order (checked below) */
static const char *outcome_name(enum rsp_outcome o)
{
	_Static_assert(RSP_REPLY == (int)PL_OUT_REPLY && RSP_DROP == (int)PL_OUT_DROP &&
		       RSP_UNPARSEABLE == (int)PL_OUT_UNPARSEABLE && RSP_API_ERROR == (int)PL_OUT_API_ERROR &&
		       RSP_TIMEOUT == (int)PL_OUT_TIMEOUT && RSP_TRUNCATED == (int)PL_OUT_TRUNCATED &&
		       RSP_REFUSED == (int)PL_OUT_REFUSED, "responder outcomes and the log's names");
	return pl_outcome_name((enum pl_outcome)o);
}

/* Replace every occurrence of the secret in s with "[redacted]" (in place, s grows
 * never: the secret is longer than the marker, or s is left as is). */
static void scrub(const struct rsp_ctx *c, char *s)
{
	size_t k;
	char *p;

	if (!c->secret || !s || (k = strlen(c->secret)) < 10)
		return;
	while ((p = strstr(s, c->secret))) {
		memcpy(p, "[redacted]", 10);
		memmove(p + 10, p + k, strlen(p + k) + 1);
	}
}

static void log_job(struct rsp_ctx *c, struct rsp_job *j)
{
	struct pl_rec_decision_line d = {
		.id = j->id, .t_recv_us = (double)(j->t_recv / 1000),
		.in = j->pkt, .in_len = j->len, .out = j->reply, .out_len = j->reply_len,
		.outcome = outcome_name(j->outcome), .backend = c->ops->name, .model = c->ops->is_model,
		/* sent, first_byte and ttft count from the job's start, like first_byte
		 * always did: after a retry they include the earlier attempts and the waits */
		.queued_us = j->t_start ? (double)(j->t_start - j->t_recv) / 1e3 : 0,
		.has_sent = j->t_sent != 0, .sent_us = (double)(j->t_sent - j->t_start) / 1e3,
		.has_first_byte = j->t_first_byte != 0, .first_byte_us = (double)(j->t_first_byte - j->t_start) / 1e3,
		.has_ttft = j->t_first_token != 0, .ttft_us = (double)(j->t_first_token - j->t_start) / 1e3,
		.total_us = (double)(j->t_done - j->t_recv) / 1e3,
	};

	if (!c->log)
		return;
	if (c->ops->is_model) {
		d.tokens[PL_TOK_INPUT] = (double)j->model.usage.input;
		d.tokens[PL_TOK_OUTPUT] = (double)j->model.usage.output;
		d.tokens[PL_TOK_CACHE_READ] = (double)j->model.usage.cache_read;
		d.tokens[PL_TOK_CACHE_WRITE] = (double)j->model.usage.cache_write;
		d.thinking_tokens = (double)j->model.usage.thinking;
		d.prompt_sha256 = c->prompt_hash;
		d.attempts = j->attempts;
		d.http_status = j->http_status;
		d.thinking_chars = (double)j->model.thinking_chars;
		d.stop_reason = j->model.stop_reason;
		d.model_name = j->model.model;
		d.server_ms = j->model.server_ms;
		d.extracted_from = j->how;
		d.from_cassette = j->replayed;
		scrub(c, j->attempt_log);
		d.attempt_log = j->attempt_log;
		if (c->cfg.log_text && j->model.text) {
			scrub(c, j->model.text);
			d.text = j->model.text;
		}
	}
	scrub(c, j->error);
	d.error = j->error;
	/* flushed when the responder next waits (flush_log), not line by line: a burst
	 * costs one write per batch */
	if (pl_rec_write_decision(&c->logline, c->log, &d) == 0)
		c->log_pending = true;
}

static void start_job(struct rsp_ctx *c, struct rsp_job *j)
{
	c->inflight++;
	j->t_start = rsp_now();
	/* a resumed run: what the cassette answered before is not asked again */
	if (c->tape && c->ops != &rsp_replay_ops && rsp_cassette_answer(c, j))
		return;
	c->ops->start(c, j);
}

void rsp_finish(struct rsp_ctx *c, struct rsp_job *j)
{
	j->t_done = rsp_now();
	if (j->outcome == RSP_REPLY && j->reply) {
		if (write(c->tun, j->reply, j->reply_len) != (ssize_t)j->reply_len) {
			snprintf(j->error + strlen(j->error), sizeof(j->error) - strlen(j->error),
				 "%swrite to tun: %s", j->error[0] ? "; " : "", strerror(errno));
		} else {
			c->replies++;
		}
	}
	log_job(c, j);
	c->inflight--;
	pl_model_reply_free(&j->model);
	free(j->reply);
	free(j->pkt);
	free(j);
	/* after a configuration error nothing more is sent: every request would fail alike */
	while (c->queue_head && c->inflight < c->cfg.concurrency && !c->fatal[0]) {
		struct rsp_job *n = c->queue_head;

		c->queue_head = n->next;
		if (!c->queue_head)
			c->queue_tail = NULL;
		c->queued--;
		n->next = NULL;
		start_job(c, n);
	}
}

/* not inlined: bench row 7 counts its instructions (callgrind --toggle-collect=new_packet) */
__attribute__((noipa)) static void new_packet(struct rsp_ctx *c, const uint8_t *buf, size_t n)
{
	struct rsp_job *j = calloc(1, sizeof(*j));

	c->packets++;
	if (!j || !(j->pkt = malloc(n ? n : 1))) {
		free(j);
		c->dropped_queue_full++;
		return;
	}
	memcpy(j->pkt, buf, n);
	j->len = n;
	j->id = ++c->next_id;
	j->t_recv = rsp_now();
	if (c->inflight < c->cfg.concurrency) {
		start_job(c, j);
		return;
	}
	if (c->queued >= c->cfg.queue_max) {
		/* bounded queue: count the drop and log it like any other packet */
		c->dropped_queue_full++;
		j->outcome = RSP_API_ERROR;
		snprintf(j->error, sizeof(j->error), "queue full (%u packets waiting): not sent to the backend", c->queued);
		c->inflight++;
		rsp_finish(c, j);
		return;
	}
	if (c->queue_tail)
		c->queue_tail->next = j;
	else
		c->queue_head = j;
	c->queue_tail = j;
	c->queued++;
}

/* Whatever was logged reaches the file before the responder waits again: a reader (the
 * generator's decisions mode) sees every decision made so far. */
static void flush_log(struct rsp_ctx *c)
{
	if (c->log_pending) {
		fflush(c->log);
		c->log_pending = false;
	}
}

static void read_tun(struct rsp_ctx *c)
{
	static uint8_t buf[65536];
	int k;

	for (k = 0; k < 256; k++) {
		ssize_t n = read(c->tun, buf, sizeof(buf));

		if (n <= 0)
			return;
		new_packet(c, buf, (size_t)n);
	}
}

/* ---- setup ----------------------------------------------------------------------- */

static int open_tun(const char *netns, const char *name, struct pl_err *err)
{
	int self = -1, target = -1, fd = -1, e = 0;
	struct ifreq ifr;

	if (netns) {
		self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
		target = open(netns, O_RDONLY | O_CLOEXEC);
		if (self < 0 || target < 0 || setns(target, CLONE_NEWNET) < 0) {
			e = errno;
			if (self >= 0)
				close(self);
			if (target >= 0)
				close(target);
			return pl_errf(err, -e, "enter %s: %s", netns, strerror(e));
		}
	}
	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		e = errno;
		pl_errf(err, -e, "/dev/net/tun: %s", strerror(e));
	} else {
		memset(&ifr, 0, sizeof(ifr));
		ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
		if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
			e = errno;
			pl_errf(err, -e, "attach %s: %s", name, strerror(e));
			close(fd);
			fd = -1;
		}
	}
	if (netns) {
		if (setns(self, CLONE_NEWNET) < 0 && fd >= 0) {
			e = errno;
			close(fd);
			fd = -1;
			pl_errf(err, -e, "return from %s: %s", netns, strerror(e));
		}
		close(self);
		close(target);
	}
	return fd >= 0 ? fd : -(e ? e : EIO);
}

/* Drop every capability (effective, permitted, inheritable, bounding); with a user,
 * also become that user (its uid and gid, no supplementary groups). */
static int drop_privileges(const struct passwd *user, struct pl_err *err)
{
#ifdef HAVE_CAPNG
	capng_clear(CAPNG_SELECT_BOTH);
	if (user) {
		if (capng_change_id((int)user->pw_uid, (int)user->pw_gid, CAPNG_DROP_SUPP_GRP | CAPNG_CLEAR_BOUNDING))
			return pl_errf(err, -EPERM, "could not become user %s (uid %u)", user->pw_name,
				       (unsigned)user->pw_uid);
		return 0;
	}
	if (capng_apply(CAPNG_SELECT_BOTH) < 0)
		return pl_errf(err, -EPERM, "could not drop capabilities (libcap-ng)");
	return 0;
#else
	/* without libcap-ng a root responder would keep every capability: say so rather
	 * than run as if they were dropped (becoming another user drops them all) */
	if (!user || !user->pw_uid)
		return pl_errf(err, -ENOTSUP, "built without libcap-ng: cannot drop capabilities (use --user USER, "
					      "or --no-drop to keep them)");
	if (setgroups(0, NULL) || setgid(user->pw_gid) || setuid(user->pw_uid))
		return pl_errf(err, -EPERM, "could not become user %s: %s", user->pw_name, strerror(errno));
	return 0;
#endif
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: pinglab-responder --backend reference|anthropic|openai|exec|agent|replay [options] [-- COMMAND...]\n"
		"  --netns PATH      open the TUN inside this namespace (e.g. /run/netns/pl-x-rsp)\n"
		"  --tun NAME        TUN device to attach (default tun0)\n"
		"  --model M         model id or alias (anthropic: claude-haiku-4-5)\n"
		"  --base-url URL    API base URL (default per backend; the mock server's URL in tests)\n"
		"  --stack echo|host the rules the reference plays by and the model is told (default echo)\n"
		"  --prompt FILE     system prompt (default: the stack's, prompts/system.md or prompts/host.md)\n"
		"  --template FILE   per-packet message (default prompts/packet.md)\n"
		"  --log FILE        one JSON line per packet\n"
		"  --run-dir DIR     where the agent backend makes its FIFOs\n"
		"  --concurrency N   requests in flight (default 8)\n"
		"  --timeout MS      per request / per packet (default 60000)\n"
		"  --retries N       extra attempts on 429/529/5xx/connection errors (default 3)\n"
		"  --max-tokens N    the answer's token limit (default 2048, plus the thinking budget;\n"
		"                    16384 for a model that always reasons)\n"
		"  --temperature X|none  sampling temperature (default: 0 where the model table says the\n"
		"                    model takes one, else none)\n"
		"  --thinking BUDGET Anthropic extended thinking with this budget (>= 1024 tokens)\n"
		"  --reasoning-effort minimal|low|medium|high  OpenAI reasoning models\n"
		"  --models FILE     the model table (default: the newest model/models-*.tsv)\n"
		"  --cassette FILE   replay backend: the responder log of the run to replay\n"
		"  --queue N         packets waiting beyond the concurrency before drops are counted (default 1024)\n"
		"  --stream          stream responses (records time to first token)\n"
		"  --log-text        include the model's raw text in the log\n"
		"  --busy-poll       spin on the TUN instead of blocking (reference backend, latency runs)\n"
		"  --key-file FILE   read the API key from FILE (mode 0600) instead of the environment\n"
		"  --no-drop         keep capabilities after opening the TUN\n"
		"  --user USER       after opening the TUN, also become USER (e.g. nobody): the\n"
		"                    backend and the commands it runs hold no root identity\n");
}

static char *read_key(const char *backend, const char *key_file, struct pl_err *err)
{
	const char *env = !strcmp(backend, "anthropic") ? "ANTHROPIC_API_KEY" : "OPENAI_API_KEY";
	char *k = NULL;

	if (key_file)
		k = pl_key_file_read(key_file, err);
	else if (getenv(env) && *getenv(env))
		k = strdup(getenv(env));
	return k;
}

#define PROG "pinglab-responder"

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "backend", required_argument, NULL, 'b' }, { "netns", required_argument, NULL, 'N' },
		{ "tun", required_argument, NULL, 'T' }, { "model", required_argument, NULL, 'm' },
		{ "base-url", required_argument, NULL, 'u' }, { "prompt", required_argument, NULL, 'p' },
		{ "template", required_argument, NULL, 't' }, { "log", required_argument, NULL, 'l' },
		{ "run-dir", required_argument, NULL, 'r' }, { "concurrency", required_argument, NULL, 'c' },
		{ "timeout", required_argument, NULL, 'o' }, { "retries", required_argument, NULL, 'R' },
		{ "max-tokens", required_argument, NULL, 'M' }, { "queue", required_argument, NULL, 'q' },
		{ "stream", no_argument, NULL, 's' }, { "log-text", no_argument, NULL, 'x' },
		{ "busy-poll", no_argument, NULL, 'B' }, { "key-file", required_argument, NULL, 'k' },
		{ "no-drop", no_argument, NULL, 'D' }, { "help", no_argument, NULL, 'h' },
		{ "user", required_argument, NULL, 'U' }, { "temperature", required_argument, NULL, 'E' },
		{ "thinking", required_argument, NULL, 'H' }, { "reasoning-effort", required_argument, NULL, 'F' },
		{ "models", required_argument, NULL, 'Y' }, { "cassette", required_argument, NULL, 'C' },
		{ "stack", required_argument, NULL, 'A' },
		{ NULL, 0, NULL, 0 },
	};
	struct rsp_ctx c = { .tun = -1, .stop = &stop_flag };
	const char *netns = NULL, *tun_name = "tun0", *backend = NULL, *key_file = NULL;
	bool no_drop = false;
	struct passwd user_pw, *user = NULL;
	char user_buf[1024];
	struct pl_err err = { "" };
	struct sigaction sa;
	int opt, status = 2;

	c.cfg.concurrency = 8;
	c.cfg.timeout_ms = 60000;
	c.cfg.retries = 3;
	c.cfg.max_tokens = 0;
	c.cfg.temperature = -2;
	c.cfg.queue_max = 1024;
	c.cfg.our_addr = PL_RESPONDER_ADDR;
	c.cfg.prompt_file = NULL;
	c.cfg.template_file = "prompts/packet.md";
	c.cfg.stack = pl_stack(PL_STACK_ECHO);
	while ((opt = getopt_long(argc, argv, "+b:N:T:m:u:p:t:l:r:c:o:R:M:q:sxBk:DU:E:H:F:Y:C:A:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'b': backend = optarg; break;
		case 'N': netns = optarg; break;
		case 'T': tun_name = optarg; break;
		case 'm': c.cfg.model = optarg; break;
		case 'u': c.cfg.base_url = optarg; break;
		case 'p': c.cfg.prompt_file = optarg; break;
		case 'A':
			if (!(c.cfg.stack = pl_stack_by_name(optarg))) {
				fprintf(stderr, PROG ": --stack %s: unknown stack (%s)\n", optarg, pl_stack_names());
				return 2;
			}
			break;
		case 't': c.cfg.template_file = optarg; break;
		case 'l': c.cfg.log_file = optarg; break;
		case 'r': c.cfg.run_dir = optarg; break;
		case 'c':
			if (!pl_opt_uint(PROG, "concurrency", optarg, 1, 1024, &c.cfg.concurrency))
				return 2;
			break;
		case 'o':
			if (!pl_opt_uint(PROG, "timeout", optarg, 1, 3600000, &c.cfg.timeout_ms))
				return 2;
			break;
		case 'R':
			if (!pl_opt_uint(PROG, "retries", optarg, 0, 100, &c.cfg.retries))
				return 2;
			break;
		case 'M':
			if (!pl_opt_uint(PROG, "max-tokens", optarg, 1, 1000000, &c.cfg.max_tokens))
				return 2;
			break;
		case 'q':
			if (!pl_opt_uint(PROG, "queue", optarg, 0, 1000000, &c.cfg.queue_max))
				return 2;
			break;
		case 'E':
			if (!pl_opt_temperature(PROG, optarg, &c.cfg.temperature))
				return 2;
			break;
		case 'H':
			if (!pl_opt_uint(PROG, "thinking", optarg, 1024, 1000000, &c.cfg.thinking_budget))
				return 2;
			break;
		case 'F':
			if (!pl_opt_effort(PROG, optarg))
				return 2;
			c.cfg.reasoning_effort = optarg;
			break;
		case 'Y': c.cfg.models_file = optarg; break;
		case 'C': c.cfg.cassette = optarg; break;
		case 's': c.cfg.stream = true; break;
		case 'x': c.cfg.log_text = true; break;
		case 'B': c.cfg.busy_poll = true; break;
		case 'k': key_file = optarg; break;
		case 'D': no_drop = true; break;
		case 'U':
			if (getpwnam_r(optarg, &user_pw, user_buf, sizeof(user_buf), &user) || !user) {
				fprintf(stderr, "pinglab-responder: --user %s: no such user\n", optarg);
				return 2;
			}
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	c.cfg.exec_argv = optind < argc ? argv + optind : NULL;
	if (!c.cfg.prompt_file)
		c.cfg.prompt_file = c.cfg.stack->prompt;
	c.cfg.backend = backend;
	if (!backend || !(c.ops = backend_by_name(backend))) {
		fprintf(stderr, "pinglab-responder: --backend must be reference, anthropic, openai, exec, agent or replay\n");
		return 2;
	}
	if (user && no_drop) {
		fprintf(stderr, "pinglab-responder: --user and --no-drop contradict each other\n");
		return 2;
	}
	if (user && !strcmp(backend, "agent")) {
		fprintf(stderr, "pinglab-responder: --user does not go with the agent backend (its FIFOs belong to the user running it)\n");
		return 2;
	}
	if (c.cfg.busy_poll && c.ops->is_model) {
		fprintf(stderr, "pinglab-responder: --busy-poll is for the reference backend\n");
		return 2;
	}
	if (c.ops->is_model) {
		c.system_prompt = slurp(c.cfg.prompt_file, &err);
		c.template = c.system_prompt ? slurp(c.cfg.template_file, &err) : NULL;
		if (!c.template) {
			fprintf(stderr, "pinglab-responder: prompt: %s\n", err.msg);
			goto out;
		}
		{
			struct pl_sha256 h;
			uint8_t d[32];
			int i;

			pl_sha256_init(&h);
			pl_sha256_update(&h, c.system_prompt, strlen(c.system_prompt));
			pl_sha256_update(&h, "", 1);
			pl_sha256_update(&h, c.template, strlen(c.template));
			pl_sha256_final(&h, d);
			for (i = 0; i < 32; i++)
				snprintf(c.prompt_hash + 2 * i, 3, "%02x", d[i]);
		}
		if (!strcmp(backend, "anthropic") || !strcmp(backend, "openai")) {
			c.secret = read_key(backend, key_file, &err);
			if (!c.secret && err.msg[0]) {
				fprintf(stderr, "pinglab-responder: %s\n", err.msg);
				goto out;
			}
			/* a process holding the key writes no core dump (and cannot be ptraced by
			 * other unprivileged processes) */
			if (c.secret)
				prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
			if (!c.secret && !strcmp(backend, "anthropic")) {
				fprintf(stderr, "pinglab-responder: the anthropic backend needs ANTHROPIC_API_KEY or --key-file\n");
				status = 4;
				goto out;
			}
		}
	}
	if (c.cfg.log_file) {
		/* "e": close-on-exec, so commands of the exec backend do not inherit it */
		c.log = fopen(c.cfg.log_file, "ae");
		if (!c.log) {
			fprintf(stderr, "pinglab-responder: %s: %s\n", c.cfg.log_file, strerror(errno));
			goto out;
		}
		setvbuf(c.log, NULL, _IOFBF, 1 << 16);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* the backend first (its FIFOs, its HTTP state): once tun0 is attached, packets
	 * may arrive and an agent may already be looking for the FIFOs */
	curl_global_init(CURL_GLOBAL_DEFAULT);
	c.multi = curl_multi_init();
	if (!c.multi || c.ops->init(&c, &err)) {
		fprintf(stderr, "pinglab-responder: %s backend: %s\n", c.ops->name, err.msg[0] ? err.msg : "init failed");
		goto out;
	}
	if (c.cfg.cassette && c.ops != &rsp_replay_ops && (!c.ops->is_model || rsp_cassette_load(&c, &err))) {
		fprintf(stderr, "pinglab-responder: --cassette: %s\n", err.msg[0] ? err.msg : "for model backends");
		goto out;
	}
	c.tun = open_tun(netns, tun_name, &err);
	if (c.tun < 0) {
		fprintf(stderr, "pinglab-responder: %s\n", err.msg);
		status = (c.tun == -EPERM || c.tun == -EACCES) ? 4 : 2;
		goto out;
	}
	{
		/* becoming another user clears the parent-death signal pinglab run set: arm
		 * it again, so a killed controller still takes this responder with it */
		int pdeath = 0;
		pid_t parent = getppid();

		prctl(PR_GET_PDEATHSIG, &pdeath);
		if (!no_drop && drop_privileges(user, &err)) {
			fprintf(stderr, "pinglab-responder: %s\n", err.msg);
			goto out;
		}
		if (pdeath && user) {
			prctl(PR_SET_PDEATHSIG, pdeath);
			if (getppid() != parent)
				stop_flag = 1;
		}
	}
	fprintf(stderr, "pinglab-responder: %s backend on %s%s%s, pid %d\n", c.ops->name, tun_name,
		netns ? " in " : "", netns ? netns : "", (int)getpid());

	if (c.cfg.busy_poll) {
		while (!stop_flag) {
			read_tun(&c);
			flush_log(&c);
		}
	} else {
		for (;;) {
			struct curl_waitfd fds[1 + 1024];
			int n = 0, numfds;
			int64_t dl, now;
			long wait_ms = 1000;

			if (stop_flag && !c.inflight)
				break;
			if (stop_flag) {
				/* stop reading; what waits in the queue and what is in flight is
				 * cancelled and logged (api-error "cancelled"), then exit */
				while (c.queue_head) {
					struct rsp_job *q = c.queue_head;

					c.queue_head = q->next;
					c.queued--;
					q->outcome = RSP_API_ERROR;
					snprintf(q->error, sizeof(q->error), "cancelled at shutdown before it was sent");
					c.inflight++;
					rsp_finish(&c, q);
				}
				c.queue_tail = NULL;
				if (c.ops->cancel && c.inflight) {
					c.ops->cancel(&c);
					continue;
				}
			}
			if (!stop_flag) {
				fds[n].fd = c.tun;
				fds[n].events = CURL_WAIT_POLLIN;
				fds[n++].revents = 0;
			}
			if (c.ops->fds)
				n += c.ops->fds(&c, fds + n, 1024);
			dl = c.ops->deadline ? c.ops->deadline(&c) : 0;
			now = rsp_now();
			if (dl) {
				long ms = dl <= now ? 0 : (long)((dl - now) / 1000000) + 1;

				if (ms < wait_ms)
					wait_ms = ms;
			}
			flush_log(&c);
			curl_multi_poll(c.multi, fds, (unsigned)n, (int)wait_ms, &numfds);
			if (!stop_flag)
				read_tun(&c);
			if (c.ops->step)
				c.ops->step(&c);
			if (c.fatal[0] && !stop_flag) {
				/* a configuration error: every later packet would fail the same way */
				scrub(&c, c.fatal);
				fprintf(stderr, "pinglab-responder: configuration error: %s\n", c.fatal);
				if (c.log) {
					/* for pinglab run: a line no packet reader takes (it has no "in") */
					cJSON *o = cJSON_CreateObject();
					char *line;

					cJSON_AddStringToObject(o, "type", "config-error");
					cJSON_AddStringToObject(o, "error", c.fatal);
					line = cJSON_PrintUnformatted(o);
					if (line)
						fprintf(c.log, "%s\n", line);
					free(line);
					cJSON_Delete(o);
				}
				stop_flag = 1;
			}
		}
	}
	status = c.fatal[0] ? 3 : 0;
	{
		struct rusage ru;

		getrusage(RUSAGE_SELF, &ru);
		fprintf(stderr, "pinglab-responder: %lu packets, %lu replies, %lu dropped on a full queue; maxrss %ld kB\n",
			c.packets, c.replies, c.dropped_queue_full, ru.ru_maxrss);
	}
out:
	if (c.ops && c.ops->fini && c.multi)
		c.ops->fini(&c);
	rsp_cassette_free(&c);
	if (c.multi)
		curl_multi_cleanup(c.multi);
	if (c.tun >= 0)
		close(c.tun);
	if (c.log)
		fclose(c.log);
	pl_rec_out_free(&c.logline);
	if (c.secret) {
		memset(c.secret, 0, strlen(c.secret));
		free(c.secret);
	}
	free(c.system_prompt);
	free(c.template);
	return status;
}
