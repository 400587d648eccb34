/* The exec backend: one process per packet, the prompt on its stdin, the answer read
 * from its stdout (claude -p, llm, ollama run ...). A process that outlives the timeout
 * is killed with its whole process group. The prompt is written without blocking as the
 * command reads it (a big packet's prompt is larger than a pipe holds). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "responder/rsp.h"

#define OUT_MAX (1u << 20)

struct exec_job {
	struct rsp_job *job;
	pid_t pid;
	int in, out;                 /* in: -1 once the whole prompt is written */
	char *prompt;
	size_t prompt_len, prompt_off;
	char *buf;
	size_t len;
	bool eof, too_big;
	int64_t deadline;
	struct exec_job *next;
};

struct exec_be {
	struct exec_job *jobs;
};

static int exec_init(struct rsp_ctx *c, struct pl_err *err)
{
	if (!c->cfg.exec_argv || !c->cfg.exec_argv[0])
		return pl_errf(err, -EINVAL, "the exec backend needs a command after --, e.g. -- claude -p");
	c->be = calloc(1, sizeof(struct exec_be));
	return c->be ? 0 : pl_errf(err, -ENOMEM, "out of memory");
}

static void fail(struct rsp_ctx *c, struct rsp_job *j, const char *what)
{
	j->outcome = RSP_API_ERROR;
	snprintf(j->error, sizeof(j->error), "%s: %s", what, strerror(errno));
	rsp_finish(c, j);
}

/* As much of the prompt as the pipe takes now; closes stdin when all of it is written
 * or when the command will not read it (EPIPE: that is its business). */
static void feed(struct exec_job *e)
{
	while (e->in >= 0 && e->prompt_off < e->prompt_len) {
		ssize_t n = write(e->in, e->prompt + e->prompt_off, e->prompt_len - e->prompt_off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0)
			break;
		e->prompt_off += (size_t)n;
	}
	if (e->in >= 0) {
		close(e->in);
		e->in = -1;
	}
	free(e->prompt);
	e->prompt = NULL;
}

static void exec_start(struct rsp_ctx *c, struct rsp_job *j)
{
	struct exec_be *b = c->be;
	struct exec_job *e;
	int in[2], out[2];
	char *user = rsp_render(c, j), *prompt = NULL;
	pid_t pid;

	if (!user || asprintf(&prompt, "%s\n\n%s", c->system_prompt, user) < 0) {
		free(user);
		fail(c, j, "render prompt");
		return;
	}
	free(user);
	if (pipe2(in, O_CLOEXEC) < 0) {
		free(prompt);
		fail(c, j, "pipe");
		return;
	}
	if (pipe2(out, O_CLOEXEC) < 0) {
		close(in[0]);
		close(in[1]);
		free(prompt);
		fail(c, j, "pipe");
		return;
	}
	pid = fork();
	if (pid < 0) {
		close(in[0]), close(in[1]), close(out[0]), close(out[1]);
		free(prompt);
		fail(c, j, "fork");
		return;
	}
	if (pid == 0) {
		setpgid(0, 0);
		signal(SIGPIPE, SIG_DFL);
		dup2(in[0], 0);
		dup2(out[1], 1);
		execvp(c->cfg.exec_argv[0], c->cfg.exec_argv);
		_exit(127);
	}
	setpgid(pid, pid);
	close(in[0]);
	close(out[1]);
	fcntl(in[1], F_SETFL, O_NONBLOCK);
	fcntl(out[0], F_SETFL, O_NONBLOCK);
	e = calloc(1, sizeof(*e));
	if (!e) {
		kill(-pid, SIGKILL);
		waitpid(pid, NULL, 0);
		close(in[1]);
		close(out[0]);
		free(prompt);
		fail(c, j, "out of memory");
		return;
	}
	e->job = j;
	e->pid = pid;
	e->in = in[1];
	e->out = out[0];
	e->prompt = prompt;
	e->prompt_len = strlen(prompt);
	e->deadline = rsp_now() + (int64_t)c->cfg.timeout_ms * 1000000;
	e->next = b->jobs;
	b->jobs = e;
	feed(e); /* most prompts fit the pipe at once; the rest goes as it drains (exec_step) */
}

static int exec_fds(struct rsp_ctx *c, struct curl_waitfd *fds, int max)
{
	struct exec_be *b = c->be;
	struct exec_job *e;
	int n = 0;

	for (e = b->jobs; e && n < max; e = e->next) {
		if (e->in >= 0 && n < max) {
			fds[n].fd = e->in;
			fds[n].events = CURL_WAIT_POLLOUT;
			fds[n++].revents = 0;
		}
		if (!e->eof && n < max) {
			fds[n].fd = e->out;
			fds[n].events = CURL_WAIT_POLLIN;
			fds[n++].revents = 0;
		}
	}
	return n;
}

static int64_t exec_deadline(struct rsp_ctx *c)
{
	struct exec_be *b = c->be;
	struct exec_job *e;
	int64_t dl = 0;

	for (e = b->jobs; e; e = e->next) {
		int64_t d = e->eof ? rsp_now() + 10000000 : e->deadline; /* reap soon after EOF */

		if (!dl || d < dl)
			dl = d;
	}
	return dl;
}

static void drain(struct exec_job *e)
{
	char tmp[4096];
	ssize_t n;

	while (!e->eof && (n = read(e->out, tmp, sizeof(tmp))) != 0) {
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				e->eof = true;
			return;
		}
		if (e->len + (size_t)n > OUT_MAX) {
			e->too_big = true;
			e->eof = true;
			return;
		}
		{
			char *nb = realloc(e->buf, e->len + (size_t)n + 1);

			if (!nb) {
				e->too_big = true;
				e->eof = true;
				return;
			}
			e->buf = nb;
		}
		memcpy(e->buf + e->len, tmp, (size_t)n);
		e->len += (size_t)n;
		e->buf[e->len] = '\0';
		if (!e->job->t_first_byte)
			e->job->t_first_byte = rsp_now();
	}
	e->eof = true;
}

static void finish(struct rsp_ctx *c, struct exec_job **pp, int status, bool timed_out)
{
	struct exec_job *e = *pp;
	struct rsp_job *j = e->job;

	*pp = e->next;
	if (e->in >= 0)
		close(e->in);
	free(e->prompt);
	close(e->out);
	if (timed_out) {
		j->outcome = RSP_TIMEOUT;
		snprintf(j->error, sizeof(j->error), "command still running after %u ms: killed", c->cfg.timeout_ms);
	} else if (e->too_big) {
		j->outcome = RSP_API_ERROR;
		snprintf(j->error, sizeof(j->error), "command wrote more than %u bytes: killed", OUT_MAX);
	} else if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		j->outcome = RSP_API_ERROR;
		if (WIFEXITED(status))
			snprintf(j->error, sizeof(j->error), "command exited with status %d", WEXITSTATUS(status));
		else
			snprintf(j->error, sizeof(j->error), "command killed by signal %d", WTERMSIG(status));
	} else {
		rsp_take_text(c, j, e->buf ? e->buf : "", e->len);
	}
	j->attempts = 1;
	j->model.text = e->buf; /* logged with --log-text, freed with the job */
	j->model.text_len = e->len;
	free(e);
	rsp_finish(c, j);
}

static void exec_step(struct rsp_ctx *c)
{
	struct exec_be *b = c->be;
	struct exec_job **pp = &b->jobs;
	int64_t now = rsp_now();

	while (*pp) {
		struct exec_job *e = *pp;
		int status = 0;
		pid_t r;

		feed(e);
		drain(e);
		if (e->too_big || (!e->eof && now >= e->deadline) || (e->eof && now >= e->deadline)) {
			kill(-e->pid, SIGKILL);
			waitpid(e->pid, &status, 0);
			finish(c, pp, status, !e->too_big);
			continue;
		}
		if (e->eof && (r = waitpid(e->pid, &status, WNOHANG)) == e->pid) {
			kill(-e->pid, SIGKILL); /* children it left behind */
			finish(c, pp, status, false);
			continue;
		}
		pp = &e->next;
	}
}

static void exec_cancel(struct rsp_ctx *c)
{
	struct exec_be *b = c->be;

	while (b && b->jobs) {
		int status;

		kill(-b->jobs->pid, SIGKILL);
		waitpid(b->jobs->pid, &status, 0);
		snprintf(b->jobs->job->error, sizeof(b->jobs->job->error), "cancelled at shutdown");
		finish(c, &b->jobs, 1 << 8, false);
	}
}

static void exec_fini(struct rsp_ctx *c)
{
	exec_cancel(c);
	free(c->be);
	c->be = NULL;
}

const struct rsp_backend_ops rsp_exec_ops = {
	.name = "exec", .is_model = true, .init = exec_init, .start = exec_start, .fds = exec_fds,
	.deadline = exec_deadline, .step = exec_step, .cancel = exec_cancel, .fini = exec_fini,
};
