/* run.c — the phases of `pinglab run`.
 *
 * Phase 1: the kernel of the rsp namespace and the reference responder, side by side.
 * Phase 2: the model target: the responder with a model backend (by default the local
 * simulated model, pinglab-mockllm), on the same lab once the reference responder is
 * gone (one TUN, one responder at a time).
 * pinglab-gen runs inside the generator namespace for each phase and writes one JSON
 * line per packet to packets.jsonl in the run directory; the responders log to
 * responder-<target>.jsonl and the generator reads those logs as they grow, so a
 * model's drop decision ends the wait as soon as it is made.
 */
#include "lab/run.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include "common/keyfile.h"
#include "common/sha256.h"
#include "lab/commands.h"
#include "model/api.h"
#include "netlab/lab.h"
#include "model/table.h"
#include "report/report.h"
#include "scenario/verdict.h"
#include "version.h"

#include <sys/utsname.h>
#include <time.h>

int pl_run_parse_targets(const char *s, unsigned *targets, struct pl_err *err)
{
	char buf[128], *tok, *save = NULL;

	*targets = 0;
	if (strlen(s) >= sizeof(buf))
		return pl_errf(err, -EINVAL, "--targets too long");
	strcpy(buf, s);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "kernel"))
			*targets |= RUN_T_KERNEL;
		else if (!strcmp(tok, "reference"))
			*targets |= RUN_T_REFERENCE;
		else if (!strcmp(tok, "llm") || !strcmp(tok, "model"))
			*targets |= RUN_T_LLM;
		else
			return pl_errf(err, -EINVAL, "--targets: unknown target '%s' (kernel, reference, llm)", tok);
	}
	return *targets ? 0 : pl_errf(err, -EINVAL, "--targets is empty");
}

char *pl_run_keep(struct pl_run *r, char *s)
{
	if (s && r->nowned < sizeof(r->owned) / sizeof(r->owned[0]))
		r->owned[r->nowned++] = s;
	return s;
}

void pl_run_free_owned(struct pl_run *r)
{
	while (r->nowned)
		free(r->owned[--r->nowned]);
}

/* DIR/run.json of a recorded run, parsed; NULL with an error naming what (the option). */
static cJSON *recorded_run(const char *what, const char *dir, struct pl_err *err)
{
	char path[PATH_MAX + 32];
	FILE *f;
	char *txt = NULL;
	size_t cap = 0;
	cJSON *o;

	snprintf(path, sizeof(path), "%s/run.json", dir);
	f = fopen(path, "r");
	if (!f) {
		pl_errf(err, -ENOENT, "%s %s: no run.json (%s)", what, dir, strerror(errno));
		return NULL;
	}
	if (getdelim(&txt, &cap, '\0', f) < 0) {
		free(txt);
		txt = NULL;
	}
	fclose(f);
	o = txt ? cJSON_Parse(txt) : NULL;
	free(txt);
	if (!o)
		pl_errf(err, -EINVAL, "%s %s: run.json is not JSON", what, dir);
	return o;
}

int pl_run_load_replay(struct pl_run *r, const char *dir, struct pl_err *err)
{
	cJSON *o = recorded_run("--replay", dir, err), *m, *t, *v;
	int rc = 0;

	if (!o)
		return -EINVAL;
	r->replay = dir;
	r->targets = 0;
	cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(o, "targets"))
		if (cJSON_IsString(t))
			r->targets |= !strcmp(t->valuestring, "kernel") ? RUN_T_KERNEL
				      : !strcmp(t->valuestring, "reference") ? RUN_T_REFERENCE : RUN_T_LLM;
	if ((v = cJSON_GetObjectItemCaseSensitive(o, "seed")) && cJSON_IsNumber(v))
		r->seed = (unsigned long)v->valuedouble;
	if ((v = cJSON_GetObjectItemCaseSensitive(o, "repeat")) && cJSON_IsNumber(v) && v->valuedouble > 1)
		r->repeat = (unsigned)v->valuedouble;
	if ((v = cJSON_GetObjectItemCaseSensitive(o, "tag")) && cJSON_IsString(v) && !r->tag)
		r->tag = pl_run_keep(r, strdup(v->valuestring));
	m = cJSON_GetObjectItemCaseSensitive(o, "model");
	if (r->targets & RUN_T_LLM) {
		const cJSON *tg = cJSON_GetObjectItemCaseSensitive(m, "target"), *be = cJSON_GetObjectItemCaseSensitive(m, "backend");
		const cJSON *md = cJSON_GetObjectItemCaseSensitive(m, "model");

		if (!cJSON_IsString(tg) || !cJSON_IsString(be)) {
			rc = pl_errf(err, -EINVAL, "--replay %s: run.json names no model target", dir);
			goto out;
		}
		snprintf(r->llm_name, sizeof(r->llm_name), "%s", tg->valuestring);
		snprintf(r->replay_backend, sizeof(r->replay_backend), "%s", be->valuestring);
		r->replay_simulated = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(m, "simulated"));
		if (cJSON_IsString(md) && md->valuestring[0])
			r->model = pl_run_keep(r, strdup(md->valuestring));
		snprintf(r->cassette, sizeof(r->cassette), "%s/responder-llm.jsonl", dir);
		if (access(r->cassette, R_OK)) {
			rc = pl_errf(err, -ENOENT, "--replay %s: no responder-llm.jsonl, the model's answers", dir);
			goto out;
		}
	}
	r->backend = "replay";
out:
	cJSON_Delete(o);
	return rc;
}

int pl_run_recorded_scenarios(const char *dir, char **paths, int max, int *n, struct pl_err *err)
{
	cJSON *o = recorded_run("recorded run", dir, err);
	const cJSON *s;
	int i;

	*n = 0;
	if (!o)
		return -ENOENT;
	cJSON_ArrayForEach(s, cJSON_GetObjectItemCaseSensitive(o, "scenarios")) {
		const cJSON *file = cJSON_GetObjectItemCaseSensitive(s, "file");
		bool dup = false;

		if (!cJSON_IsString(file))
			continue;
		for (i = 0; i < *n; i++)
			dup |= !strcmp(paths[i], file->valuestring);
		if (dup)
			continue;
		if (*n == max) {
			cJSON_Delete(o);
			return pl_errf(err, -E2BIG, "%s: more than %d scenario files recorded", dir, max);
		}
		paths[(*n)++] = strdup(file->valuestring);
	}
	cJSON_Delete(o);
	return *n ? 0 : pl_errf(err, -ENOENT, "%s: run.json records no scenario files", dir);
}

static char *jdup(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) && v->valuestring[0] ? strdup(v->valuestring) : NULL;
}

static char *jnumstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	char *s = NULL;

	if (cJSON_IsNumber(v) && asprintf(&s, "%.15g", v->valuedouble) < 0)
		s = NULL;
	return s;
}

/* Append src's lines to dst (created if need be); 0 when src does not exist. */
static int append_file(const char *src, const char *dst)
{
	FILE *in = fopen(src, "r"), *out;
	char buf[1 << 16];
	size_t k;
	int rc = 0;

	if (!in)
		return errno == ENOENT ? 0 : -errno;
	out = fopen(dst, "a");
	if (!out) {
		fclose(in);
		return -errno;
	}
	while ((k = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, k, out) != k)
			rc = -EIO;
	fclose(in);
	if (fclose(out))
		rc = -EIO;
	return rc;
}

int pl_run_load_resume(struct pl_run *r, const char *dir, struct pl_err *err)
{
	char path[PATH_MAX + 32], log[PATH_MAX + 32], old[PATH_MAX + 48];
	cJSON *o, *m, *rq;
	const char *be;
	int rc, i;
	static const char *const stale[] = { "packets.jsonl", "responder-reference.jsonl", "report.html", "report.md",
					      "report.json", "junit.xml", "packets.pcapng" };

	/* resumed before and killed before its responder started: its answers are all in the
	 * cassette already */
	snprintf(path, sizeof(path), "%s/cassette.jsonl", dir);
	snprintf(log, sizeof(log), "%s/responder-llm.jsonl", dir);
	if (!access(path, F_OK) && access(log, F_OK))
		close(open(log, O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
	/* the targets, seed, repeat, tag and model target name as a replay takes them; every
	 * check is made before anything in dir is moved */
	if ((rc = pl_run_load_replay(r, dir, err)))
		return rc;
	r->replay = NULL;
	r->resume = dir;
	if (!(o = recorded_run("--resume", dir, err)))
		return -EIO;
	m = cJSON_GetObjectItemCaseSensitive(o, "model");
	be = cJSON_IsString(cJSON_GetObjectItemCaseSensitive(m, "backend")) ? cJSON_GetObjectItemCaseSensitive(m, "backend")->valuestring : "";
	if (!(r->targets & RUN_T_LLM) || (strcmp(be, "mock") && strcmp(be, "anthropic") && strcmp(be, "openai"))) {
		cJSON_Delete(o);
		return pl_errf(err, -EINVAL, "--resume %s: a run of a mock, anthropic or openai model target resumes (this one: %s)",
			       dir, (r->targets & RUN_T_LLM) ? be : "no model target");
	}
	r->backend = pl_run_keep(r, strdup(be));
	if (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(m, "profile")))
		r->profile = pl_run_keep(r, jdup(m, "profile"));
	if (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(m, "scale")))
		r->scale = pl_run_keep(r, jdup(m, "scale"));
	r->base_url = pl_run_keep(r, jdup(m, "base_url"));
	if (cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(m, "concurrency")))
		r->concurrency = (unsigned)cJSON_GetObjectItemCaseSensitive(m, "concurrency")->valuedouble;
	if (cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(m, "timeout_ms")))
		r->model_timeout_ms = (unsigned)cJSON_GetObjectItemCaseSensitive(m, "timeout_ms")->valuedouble;
	rq = cJSON_GetObjectItemCaseSensitive(m, "request");
	if (cJSON_IsObject(rq)) {
		/* the request as it was made, whatever the defaults are now */
		r->temperature = cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(rq, "temperature")) ? "none"
												    : pl_run_keep(r, jnumstr(rq, "temperature"));
		r->max_tokens = pl_run_keep(r, jnumstr(rq, "max_tokens"));
		r->thinking = pl_run_keep(r, jnumstr(rq, "thinking_budget"));
		r->reasoning_effort = pl_run_keep(r, jdup(rq, "reasoning_effort"));
	}
	if (cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(m, "price"))) {
		const cJSON *p = cJSON_GetObjectItemCaseSensitive(m, "price");

		r->price_in = cJSON_GetObjectItemCaseSensitive(p, "input")->valuedouble;
		r->price_out = cJSON_GetObjectItemCaseSensitive(p, "output")->valuedouble;
		char *pa = NULL;

		if (asprintf(&pa, "%g,%g", r->price_in, r->price_out) < 0)
			pa = NULL;
		r->price_arg = pl_run_keep(r, pa);
	}
	cJSON_Delete(o);
	/* what was answered becomes the cassette; the mock's log so far is kept aside */
	snprintf(r->cassette, sizeof(r->cassette), "%s/cassette.jsonl", dir);
	snprintf(log, sizeof(log), "%s/responder-llm.jsonl", dir);
	if ((rc = append_file(log, r->cassette)))
		return pl_errf(err, rc, "--resume %s: cannot keep its answers in %s: %s", dir, r->cassette, strerror(-rc));
	unlink(log);
	snprintf(path, sizeof(path), "%s/mockllm.jsonl", dir);
	for (i = 1; i < 1000; i++) {
		snprintf(old, sizeof(old), "%s/mockllm-%d.jsonl", dir, i);
		if (access(old, F_OK))
			break;
	}
	rename(path, old);
	for (i = 0; i < (int)(sizeof(stale) / sizeof(stale[0])); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, stale[i]);
		unlink(path);
	}
	return 0;
}

/* The model the requests name: --model, else the anthropic backend's default (the
 * simulated model speaks the Anthropic format), else none. */
static const char *run_model(const struct pl_run *r)
{
	if (r->model)
		return r->model;
	return !strcmp(r->backend, "anthropic") || !strcmp(r->backend, "mock") ? PL_ANTHROPIC_DEFAULT_MODEL : "";
}

int pl_run_check_backend(struct pl_run *r, struct pl_err *err)
{
	if (r->user && strcmp(r->user, "root")) {
		if (!getpwnam(r->user))
			return pl_errf(err, -EINVAL, "--responder-user %s: no such user", r->user);
		if ((r->targets & RUN_T_LLM) && !strcmp(r->backend, "agent"))
			return pl_errf(err, -EINVAL, "--responder-user does not go with --backend agent (the agent's FIFOs belong to the user running pinglab)");
	}
	if (!(r->targets & RUN_T_LLM))
		return 0;
	if (r->replay)
		return 0; /* the answers are recorded: no backend, no key */
	/* the model table the responder builds its requests from (and prices come from) */
	if (pl_mtab_locate(r->bindir[0] ? r->bindir : NULL, r->models, sizeof(r->models)))
		r->models[0] = '\0';
	if ((r->thinking || r->reasoning_effort || r->temperature || r->max_tokens) &&
	    (!strcmp(r->backend, "exec") || !strcmp(r->backend, "agent")))
		return pl_errf(err, -EINVAL, "--temperature, --max-tokens, --thinking and --reasoning-effort are for the API backends (mock, anthropic, openai)");
	if (r->thinking && !strcmp(r->backend, "openai"))
		return pl_errf(err, -EINVAL, "--thinking is Anthropic extended thinking; with --backend openai use --reasoning-effort");
	if (r->reasoning_effort && strcmp(r->backend, "openai"))
		return pl_errf(err, -EINVAL, "--reasoning-effort is for --backend openai; with Anthropic use --thinking BUDGET");
	if (r->max_cost_arg && strcmp(r->backend, "exec") && strcmp(r->backend, "agent") && !r->price_arg) {
		/* the guard prices every answer: a model without prices could never be held */
		struct pl_mtab t;
		const struct pl_mrow *row;
		const char *model = run_model(r);
		int rc = 0;

		if (!r->models[0])
			return pl_errf(err, -ENOENT, "--max-cost: no model table (model/models-*.tsv) to price the tokens with; give --price IN,OUT");
		if (pl_mtab_load(r->models, &t, err))
			return -EINVAL;
		row = pl_mtab_find(&t, model);
		if (!row || row->usd_per_mtok[PL_TOK_INPUT] < 0 || row->usd_per_mtok[PL_TOK_OUTPUT] < 0)
			rc = pl_errf(err, -EINVAL, "--max-cost: %s has no price in %s, so the guard could not hold; give --price IN,OUT (USD per million tokens)",
				     model, t.file);
		pl_mtab_free(&t);
		if (rc)
			return rc;
	}
	if (!strcmp(r->backend, "mock")) {
		const char *slash = strrchr(r->profile, '/');

		snprintf(r->llm_name, sizeof(r->llm_name), "mock:%s", slash ? slash + 1 : r->profile);
		return 0;
	}
	if (r->key_file) {
		/* checked now, before a lab is built; the responder reads it again */
		char *k = pl_key_file_read(r->key_file, err);

		if (!k)
			return -EPERM;
		explicit_bzero(k, strlen(k));
		free(k);
		if (strcmp(r->backend, "anthropic") && strcmp(r->backend, "openai"))
			return pl_errf(err, -EINVAL, "--key-file is for --backend anthropic or openai");
	}
	if (!strcmp(r->backend, "anthropic")) {
		if (!r->key_file && (!getenv("ANTHROPIC_API_KEY") || !*getenv("ANTHROPIC_API_KEY")))
			return pl_errf(err, -EPERM, "--backend anthropic needs ANTHROPIC_API_KEY in the environment or --key-file (no silent fallback to the simulated model)");
	} else if (!strcmp(r->backend, "openai")) {
		if (!r->base_url && !r->key_file && (!getenv("OPENAI_API_KEY") || !*getenv("OPENAI_API_KEY")))
			return pl_errf(err, -EPERM, "--backend openai needs --base-url (a local server), OPENAI_API_KEY or --key-file");
		if (!r->model)
			return pl_errf(err, -EINVAL, "--backend openai wants --model (the server's model name)");
	} else if (!strcmp(r->backend, "exec")) {
		if (!r->exec_argv)
			return pl_errf(err, -EINVAL, "--backend exec wants the command after --, e.g. -- claude -p");
	} else if (strcmp(r->backend, "agent")) {
		return pl_errf(err, -EINVAL, "unknown backend '%s' (mock, anthropic, openai, exec, agent)", r->backend);
	}
	snprintf(r->llm_name, sizeof(r->llm_name), "%s:%s", r->backend,
		 r->model ? r->model : !strcmp(r->backend, "anthropic") ? PL_ANTHROPIC_DEFAULT_MODEL
		 : !strcmp(r->backend, "exec") ? r->exec_argv[0] : r->backend);
	return 0;
}

static void path(char *out, size_t n, const char *dir, const char *file)
{
	snprintf(out, n, "%s/%s", dir, file);
}

/* A data folder of the source tree (prompts, mockllm/profiles), found next to the
 * binaries (build/ or build/san/ in a checkout) or in the current directory. */
static void find_data(const struct pl_run *r, const char *rel, char *out, size_t n)
{
	static const char *const up[] = { "/..", "/../..", "/../../.." };
	size_t i;

	for (i = 0; i < sizeof(up) / sizeof(up[0]); i++) {
		snprintf(out, n, "%s%s/%s", r->bindir, up[i], rel);
		if (access(out, R_OK) == 0)
			return;
	}
	snprintf(out, n, "%s", rel);
}

/* Start pinglab-mockllm on 127.0.0.1:0 and read the URL it prints. */
pid_t pl_run_start_mock(struct pl_run *r, char *url, size_t n, struct pl_err *err)
{
	char bin[PATH_MAX + 32], log[PATH_MAX + 32], seed[32], line[256];
	int fds[2];
	pid_t pid;
	size_t got = 0;

	path(bin, sizeof(bin), r->bindir, "pinglab-mockllm");
	path(log, sizeof(log), r->dir, "mockllm.jsonl");
	snprintf(seed, sizeof(seed), "%lu", r->seed);
	if (!getenv("PINGLAB_PROFILES")) {
		char dir[PATH_MAX + 64];

		find_data(r, "mockllm/profiles", dir, sizeof(dir));
		setenv("PINGLAB_PROFILES", dir, 0);
	}
	if (pipe2(fds, O_CLOEXEC) < 0) {
		pl_errf(err, -errno, "pipe: %s", strerror(errno));
		return -1;
	}
	{
		const char *argv[] = { bin, "--listen", "127.0.0.1:0", "--profile", r->profile, "--seed", seed,
				       "--log", log, "--scale", r->scale, NULL };

		pid = r->spawn(argv, NULL, fds[1], -1);
	}
	close(fds[1]);
	if (pid < 0) {
		close(fds[0]);
		pl_errf(err, -errno, "fork: %s", strerror(errno));
		return -1;
	}
	/* recorded before it is waited for: a controller killed meanwhile leaves it to
	 * pinglab clean, not to nobody */
	pl_lab_add_pid(r->lab, pid, "mockllm", NULL);
	for (;;) {
		struct pollfd p = { .fd = fds[0], .events = POLLIN };
		ssize_t k;

		if (poll(&p, 1, 5000) <= 0)
			break;
		k = read(fds[0], line + got, sizeof(line) - 1 - got);
		if (k <= 0)
			break;
		got += (size_t)k;
		line[got] = '\0';
		if (strchr(line, '\n'))
			break;
	}
	close(fds[0]);
	line[got] = '\0';
	line[strcspn(line, "\r\n")] = '\0';
	if (strncmp(line, "http://127.", 11)) {
		r->stop_child(pid);
		pl_errf(err, -EIO, "pinglab-mockllm did not start (said '%s')", line);
		return -1;
	}
	snprintf(url, n, "%s", line);
	pl_run_event(r, "start", pid, "pinglab-mockllm, profile %s, seed %lu, at %s", r->profile, r->seed, url);
	return pid;
}

/* Who a responder runs as after opening tun0: --responder-user, or by default nobody —
 * except a model backend that runs the user's own tools (exec: `claude -p` wants its
 * configuration; agent: its FIFOs), which stays root without capabilities. "root"
 * keeps root. NULL: no --user. */
static const char *responder_user(const struct pl_run *r, bool llm)
{
	if (r->user)
		return strcmp(r->user, "root") ? r->user : NULL;
	if (llm && (!strcmp(r->backend, "exec") || !strcmp(r->backend, "agent")))
		return NULL;
	return getpwnam("nobody") ? "nobody" : NULL;
}

pid_t pl_run_start_responder(struct pl_run *r, bool llm, const char *url, const char *log, struct pl_err *err)
{
	char bin[PATH_MAX + 32], ns[64], conc[16], tmo[16], prompt[PATH_MAX + 32], tmpl[PATH_MAX + 32];
	const char *argv[64];
	int n = 0, i;
	pid_t pid;

	path(bin, sizeof(bin), r->bindir, "pinglab-responder");
	snprintf(ns, sizeof(ns), "/run/netns/pl-%s-rsp", r->lab);
	snprintf(conc, sizeof(conc), "%u", r->concurrency);
	snprintf(tmo, sizeof(tmo), "%u", r->model_timeout_ms);
	find_data(r, "prompts/system.md", prompt, sizeof(prompt));
	find_data(r, "prompts/packet.md", tmpl, sizeof(tmpl));
	argv[n++] = bin;
	argv[n++] = "--netns";
	argv[n++] = ns;
	argv[n++] = "--log";
	argv[n++] = log;
	if (responder_user(r, llm)) {
		argv[n++] = "--user";
		argv[n++] = responder_user(r, llm);
	}
	if (!llm) {
		argv[n++] = "--backend";
		argv[n++] = "reference";
	} else if (r->replay) {
		argv[n++] = "--backend";
		argv[n++] = "replay";
		argv[n++] = "--cassette";
		argv[n++] = r->cassette;
		argv[n++] = "--prompt";
		argv[n++] = prompt;
		argv[n++] = "--template";
		argv[n++] = tmpl;
		argv[n++] = "--log-text";
	} else {
		bool mock = !strcmp(r->backend, "mock");

		argv[n++] = "--backend";
		argv[n++] = mock ? "anthropic" : r->backend;
		argv[n++] = "--concurrency";
		argv[n++] = conc;
		argv[n++] = "--timeout";
		argv[n++] = tmo;
		argv[n++] = "--prompt";
		argv[n++] = prompt;
		argv[n++] = "--template";
		argv[n++] = tmpl;
		argv[n++] = "--log-text";
		if (r->retries) {
			argv[n++] = "--retries";
			argv[n++] = r->retries;
		}
		if (mock || r->base_url) {
			argv[n++] = "--base-url";
			argv[n++] = mock ? url : r->base_url;
		}
		if (r->model) {
			argv[n++] = "--model";
			argv[n++] = r->model;
		}
		{
			/* passed on as given; NULL: the responder's own default */
			const char *const pass[][2] = {
				{ "--key-file", r->key_file },       { "--models", r->models[0] ? r->models : NULL },
				{ "--temperature", r->temperature }, { "--max-tokens", r->max_tokens },
				{ "--thinking", r->thinking },       { "--reasoning-effort", r->reasoning_effort },
				{ "--cassette", r->resume ? r->cassette : NULL },
			};

			for (i = 0; i < (int)(sizeof(pass) / sizeof(pass[0])); i++)
				if (pass[i][1]) {
					argv[n++] = pass[i][0];
					argv[n++] = pass[i][1];
				}
		}
		if (!strcmp(r->backend, "agent")) {
			argv[n++] = "--run-dir";
			argv[n++] = r->dir;
		}
		if (r->exec_argv && !strcmp(r->backend, "exec")) {
			argv[n++] = "--";
			for (i = 0; r->exec_argv[i] && n < 62; i++)
				argv[n++] = r->exec_argv[i];
		}
	}
	argv[n] = NULL;
	if (llm && !strcmp(r->backend, "mock"))
		setenv("ANTHROPIC_API_KEY", "pinglab-simulated-key", 1); /* the mock checks one is sent */
	pid = r->spawn(argv, NULL, -1, -1);
	if (pid < 0)
		return pl_errf(err, -errno, "fork: %s", strerror(errno));
	pl_lab_add_pid(r->lab, pid, llm ? "responder-llm" : "responder", NULL);
	if (pl_lab_tun_wait_ready(r->lab, 5000, err)) {
		r->stop_child(pid);
		return -1;
	}
	pl_run_event(r, "start", pid, "pinglab-responder, %s backend%s%s", llm ? r->backend : "reference",
		     responder_user(r, llm) ? ", as user " : "", responder_user(r, llm) ? responder_user(r, llm) : "");
	return pid;
}

/* Has a helper process (responder, mock) died? Then say so — a crash mid-run is a
 * finding, its packets show as missed — remember it for run.json, and return true. */
static bool died(struct pl_run *r, pid_t pid, const char *what)
{
	int status;

	if (pid <= 0 || waitpid(pid, &status, WNOHANG) != pid)
		return false;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 3 && !strcmp(what, "the model responder")) {
		/* the API refused the first requests: the run's configuration, not a crash */
		r->config_error = true;
		pl_run_event(r, "config-error", pid, "the API refused the model's configuration");
		return true;
	}
	if (!r->incident[0]) {
		if (WIFSIGNALED(status))
			snprintf(r->incident, sizeof(r->incident), "%s crashed during the run (signal %d)", what,
				 WTERMSIG(status));
		else
			snprintf(r->incident, sizeof(r->incident), "%s exited during the run (status %d)", what,
				 WEXITSTATUS(status));
		fprintf(stderr, "pinglab run: %s\n", r->incident);
		pl_run_event(r, "incident", pid, "%s", r->incident);
	}
	return true;
}

struct watch {
	pid_t pid;
	const char *what;
	bool dead;
};

static void end_helper(struct pl_run *r, struct watch *w)
{
	if (!w->dead && !died(r, w->pid, w->what)) {
		r->stop_child(w->pid);
		pl_run_event(r, "stop", w->pid, "%s stopped", w->what);
	}
}

/* Wait for the generator; when a watched helper dies meanwhile, or pinglab itself is
 * told to stop (a kill of pinglab alone must not leave the generator playing on), stop
 * the generator, so the run ends with what it has. */
static int wait_gen(struct pl_run *r, pid_t gen, struct watch *w, int nw)
{
	int status, i;
	bool stopping = false;

	for (;;) {
		pid_t got = waitpid(gen, &status, WNOHANG);

		if (got == gen)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		if (got < 0 && errno != EINTR)
			return -1;
		if (!stopping) {
			for (i = 0; i < nw; i++)
				if (!w[i].dead && died(r, w[i].pid, w[i].what))
					w[i].dead = true;
			for (i = 0; i < nw; i++)
				stopping |= w[i].dead;
			if (stopping || *r->stop) {
				kill(gen, SIGTERM);
				stopping = true;
			}
		}
		usleep(20000);
	}
}

static int run_gen(struct pl_run *r, const char *const *targets, const char *decisions, unsigned wait_ms,
		   struct watch *w, int nw, struct pl_err *err)
{
	char bin[PATH_MAX + 32], ns[64], rsp_ns[64], iface[32], out[PATH_MAX + 32], maxw[16], waitbuf[16], trials[16], maxp[24];
	char prices[PATH_MAX + 64];
	const char *argv[64];
	int n = 0, rc;
	size_t i;
	pid_t pid;

	path(bin, sizeof(bin), r->bindir, "pinglab-gen");
	snprintf(ns, sizeof(ns), "pl-%s-gen", r->lab);
	snprintf(rsp_ns, sizeof(rsp_ns), "/run/netns/pl-%s-rsp", r->lab);
	snprintf(iface, sizeof(iface), "pl-%s-g", r->lab);
	path(out, sizeof(out), r->dir, "packets.jsonl");
	snprintf(maxw, sizeof(maxw), "%u", r->max_wait_ms);
	snprintf(waitbuf, sizeof(waitbuf), "%u", wait_ms);
	argv[n++] = bin;
	argv[n++] = "--iface";
	argv[n++] = iface;
	argv[n++] = "--tun-netns";
	argv[n++] = rsp_ns;
	argv[n++] = "--out";
	argv[n++] = out;
	argv[n++] = "--max-wait";
	argv[n++] = maxw;
	for (i = 0; targets[i]; i++) {
		argv[n++] = "--target";
		argv[n++] = targets[i];
	}
	if (decisions) {
		argv[n++] = "--decisions";
		argv[n++] = decisions;
		argv[n++] = "--wait";
		argv[n++] = waitbuf;
	}
	if (r->tag) {
		argv[n++] = "--tag";
		argv[n++] = r->tag;
	}
	if (decisions && r->max_packets) {
		snprintf(maxp, sizeof(maxp), "%lu", r->max_packets);
		argv[n++] = "--max-packets";
		argv[n++] = maxp;
	}
	/* the model phase: the cost so far on the progress line, and the --max-cost guard */
	if (decisions && !pl_mtab_locate(r->bindir, prices, sizeof(prices))) {
		argv[n++] = "--prices";
		argv[n++] = prices;
		if (r->max_cost_arg) {
			argv[n++] = "--max-cost";
			argv[n++] = r->max_cost_arg;
		}
		if (r->price_arg) {
			argv[n++] = "--price";
			argv[n++] = r->price_arg;
		}
	} else if (decisions && r->max_cost_arg) {
		return pl_errf(err, -ENOENT, "--max-cost: no price table (model/models-*.tsv) to price the tokens with");
	}
	if (r->repeat > 1) {
		snprintf(trials, sizeof(trials), "%u", r->repeat);
		argv[n++] = "--trials";
		argv[n++] = trials;
	}
	/* the generator re-reads the same files the controller validated */
	for (i = 0; i < r->set->n && n < 62; i++) {
		size_t k;
		bool dup = false;

		for (k = 0; k < i; k++)
			if (!strcmp(r->set->v[k].file, r->set->v[i].file))
				dup = true;
		if (!dup)
			argv[n++] = r->set->v[i].file;
	}
	argv[n] = NULL;
	if (n >= 62)
		return pl_errf(err, -E2BIG, "too many scenario files for one run (pass a folder)");
	pid = r->spawn(argv, ns, -1, -1);
	if (pid < 0)
		return pl_errf(err, -errno, "fork: %s", strerror(errno));
	{
		char list[256] = "";

		for (i = 0; targets[i]; i++)
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? ", " : "", targets[i]);
		pl_run_event(r, "start", pid, "pinglab-gen: %s", list);
	}
	rc = wait_gen(r, pid, w, nw);
	pl_run_event(r, "exit", pid, "pinglab-gen: %s %d", rc >= 128 ? "signal" : "exit status", rc >= 128 ? rc - 128 : rc);
	return rc;
}

struct tally {
	char name[96];
	unsigned long v[V__COUNT];
	unsigned long total;
};

static void summarize(struct pl_run *r, bool *regression)
{
	char file[PATH_MAX + 32], line[1 << 16];
	struct tally t[4];
	size_t nt = 0, i;
	FILE *f;

	memset(t, 0, sizeof(t));
	path(file, sizeof(file), r->dir, "packets.jsonl");
	f = fopen(file, "r");
	*regression = false;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		cJSON *o = cJSON_Parse(line);
		const cJSON *tg = o ? cJSON_GetObjectItemCaseSensitive(o, "target") : NULL;
		const cJSON *vd = o ? cJSON_GetObjectItemCaseSensitive(o, "verdict") : NULL;
		int v;

		if (cJSON_IsString(tg) && cJSON_IsString(vd) && (v = pl_verdict_from_name(vd->valuestring)) >= 0) {
			for (i = 0; i < nt && strcmp(t[i].name, tg->valuestring); i++)
				;
			if (i == nt && nt < 4)
				snprintf(t[nt++].name, sizeof(t[0].name), "%s", tg->valuestring);
			if (i < nt) {
				t[i].v[v]++;
				t[i].total++;
			}
		}
		cJSON_Delete(o);
	}
	fclose(f);
	printf("\n%-28s %7s %7s %7s %7s %7s %7s %7s %7s %7s %7s\n", "target", "packets", "pass", "wrong", "missed",
	       "false", "unparse", "trunc", "refused", "api-err", "timeout");
	for (i = 0; i < nt; i++) {
		printf("%-28s %7lu %7lu %7lu %7lu %7lu %7lu %7lu %7lu %7lu %7lu\n", t[i].name, t[i].total, t[i].v[V_PASS],
		       t[i].v[V_WRONG_REPLY], t[i].v[V_MISSED_REPLY], t[i].v[V_FALSE_REPLY], t[i].v[V_UNPARSEABLE],
		       t[i].v[V_TRUNCATED], t[i].v[V_REFUSED], t[i].v[V_API_ERROR], t[i].v[V_TIMEOUT]);
		if ((!strcmp(t[i].name, "kernel") || !strcmp(t[i].name, "reference")) && t[i].v[V_PASS] != t[i].total)
			*regression = true;
		if (!strcmp(t[i].name, r->llm_name) && r->fail_under >= 0 && t[i].total &&
		    (double)t[i].v[V_PASS] / (double)t[i].total < r->fail_under) {
			printf("%s: pass rate %.3f is under --fail-under %.3f\n", t[i].name,
			       (double)t[i].v[V_PASS] / (double)t[i].total, r->fail_under);
			*regression = true;
		}
	}
	if (r->replay && (r->targets & RUN_T_LLM))
		printf("(%s replayed from %s: its recorded answers, no model was asked)\n", r->llm_name, r->replay);
	else if (strncmp(r->llm_name, "mock:", 5) == 0 && (r->targets & RUN_T_LLM))
		printf("(%s is the simulated model: pinglab-mockllm with profile %s, seed %lu)\n", r->llm_name,
		       r->profile, r->seed);
	if (r->incident[0])
		printf("incident: %s\n", r->incident);
	printf("packets: %s\n", file);
}

static int play_phases(struct pl_run *r, struct pl_err *err);

static void iso_now(char *out, size_t n)
{
	struct timespec ts;
	struct tm tm;
	char base[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, n, "%.24s.%03dZ", base, (int)(ts.tv_nsec / 1000000) % 1000);
}

void pl_run_event(struct pl_run *r, const char *event, pid_t pid, const char *fmt, ...)
{
	char when[40], detail[1024], path[PATH_MAX + 32];
	struct timespec ts;
	int64_t now;
	cJSON *o;
	char *line;
	va_list ap;

	if (!r->events) {
		if (!r->dir[0])
			return;
		snprintf(path, sizeof(path), "%s/events.jsonl", r->dir);
		r->events = fopen(path, "ae");
		if (!r->events)
			return;
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	if (!r->events_t0_ns)
		r->events_t0_ns = now;
	iso_now(when, sizeof(when));
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	o = cJSON_CreateObject();
	if (!o)
		return;
	cJSON_AddStringToObject(o, "time", when);
	cJSON_AddNumberToObject(o, "t_ms", (double)((now - r->events_t0_ns) / 1000000));
	cJSON_AddStringToObject(o, "event", event);
	cJSON_AddStringToObject(o, "detail", detail);
	if (pid > 0)
		cJSON_AddNumberToObject(o, "pid", pid);
	line = cJSON_PrintUnformatted(o);
	if (line) {
		fprintf(r->events, "%s\n", line);
		fflush(r->events);
		free(line);
	}
	cJSON_Delete(o);
}

void pl_run_events_close(struct pl_run *r)
{
	if (r->events)
		fclose(r->events);
	r->events = NULL;
}

static void sha_file(const char *file, char out[65])
{
	FILE *f = fopen(file, "rb");
	struct pl_sha256 h;
	uint8_t d[32], buf[4096];
	size_t k;
	int i;

	out[0] = '\0';
	if (!f)
		return;
	pl_sha256_init(&h);
	while ((k = fread(buf, 1, sizeof(buf), f)) > 0)
		pl_sha256_update(&h, buf, k);
	fclose(f);
	pl_sha256_final(&h, d);
	for (i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* run.json's model.request: what every request asked for, as the responder builds it
 * (the same pl_api_knobs over the same row), and the model table row it came from. */
static void add_request_json(const struct pl_run *r, cJSON *m)
{
	enum pl_api api = !strcmp(r->backend, "openai") ? PL_API_OPENAI : PL_API_ANTHROPIC;
	const char *model = run_model(r);
	struct pl_mtab t = { 0 };
	struct pl_err err;
	const struct pl_mrow *row = NULL;
	struct pl_req_opts q = { 0 };
	double temp = -2;
	cJSON *rq;

	if (!strcmp(r->backend, "exec") || !strcmp(r->backend, "agent") || r->replay)
		return;
	if (r->models[0] && !pl_mtab_load(r->models, &t, &err))
		row = pl_mtab_find(&t, model);
	if (r->temperature)
		temp = strcmp(r->temperature, "none") ? strtod(r->temperature, NULL) : -1;
	pl_api_knobs(api, row, temp, r->max_tokens ? (unsigned)strtoul(r->max_tokens, NULL, 10) : 0,
		     r->thinking ? (unsigned)strtoul(r->thinking, NULL, 10) : 0, r->reasoning_effort, &q);
	rq = cJSON_AddObjectToObject(m, "request");
	cJSON_AddStringToObject(rq, "max_tokens_field", pl_mt_max_name(q.max_field));
	cJSON_AddNumberToObject(rq, "max_tokens", q.max_tokens);
	if (q.temperature_set)
		cJSON_AddNumberToObject(rq, "temperature", q.temperature);
	else
		cJSON_AddNullToObject(rq, "temperature");
	cJSON_AddStringToObject(rq, "temperature_from", r->temperature ? "--temperature" : "model table");
	if (q.thinking_budget)
		cJSON_AddNumberToObject(rq, "thinking_budget", q.thinking_budget);
	if (q.reasoning_effort)
		cJSON_AddStringToObject(rq, "reasoning_effort", q.reasoning_effort);
	if (r->price_arg) {
		cJSON *p = cJSON_AddObjectToObject(m, "price");

		cJSON_AddNumberToObject(p, "input", r->price_in);
		cJSON_AddNumberToObject(p, "output", r->price_out);
	}
	if (t.n) {
		cJSON *mt = cJSON_AddObjectToObject(m, "model_table");

		cJSON_AddStringToObject(mt, "file", t.file);
		cJSON_AddStringToObject(mt, "as_of", t.as_of);
		if (row) {
			cJSON_AddStringToObject(mt, "row", row->pattern);
			cJSON_AddStringToObject(mt, "temperature", pl_mt_temp_name(row->temperature));
			cJSON_AddStringToObject(mt, "max_field", pl_mt_max_name(row->max_field));
			cJSON_AddStringToObject(mt, "thinking", pl_mt_think_name(row->thinking));
			cJSON_AddNumberToObject(mt, "min_cache", (double)row->min_cache);
		} else {
			cJSON_AddNullToObject(mt, "row");
		}
	}
	pl_mtab_free(&t);
}

/* run.json: what a report needs to say how the run was made. Rewritten at the end with
 * the end time; a killed run keeps the first version. */
static void write_run_json(struct pl_run *r, const char *ended)
{
	char file[PATH_MAX + 32], tmp[PATH_MAX + 40], buf[256], h[65], prompt[PATH_MAX + 32];
	cJSON *o = cJSON_CreateObject(), *t, *sc;
	struct utsname u;
	FILE *f;
	size_t i;
	char *txt;

	if (!o)
		return;
	cJSON_AddStringToObject(o, "schema", "pinglab.run/1");
	cJSON_AddStringToObject(o, "run_id", r->id);
	cJSON_AddStringToObject(o, "pinglab_version", PL_VERSION);
	cJSON_AddStringToObject(o, "started", r->started);
	if (ended)
		cJSON_AddStringToObject(o, "ended", ended);
	cJSON_AddStringToObject(o, "lab", r->lab);
	if (!uname(&u)) {
		snprintf(buf, sizeof(buf), "%s %s %s", u.sysname, u.release, u.machine);
		cJSON_AddStringToObject(o, "kernel", buf);
	}
	f = fopen("/proc/cpuinfo", "r");
	while (f && fgets(buf, sizeof(buf), f))
		if (!strncmp(buf, "model name", 10) && strchr(buf, ':')) {
			char *v = strchr(buf, ':') + 2;

			v[strcspn(v, "\n")] = '\0';
			cJSON_AddStringToObject(o, "cpu", v);
			break;
		}
	if (f)
		fclose(f);
	cJSON_AddNumberToObject(o, "cpus", (double)sysconf(_SC_NPROCESSORS_ONLN));
	t = cJSON_AddArrayToObject(o, "targets");
	if (r->targets & RUN_T_KERNEL)
		cJSON_AddItemToArray(t, cJSON_CreateString("kernel"));
	if (r->targets & RUN_T_REFERENCE)
		cJSON_AddItemToArray(t, cJSON_CreateString("reference"));
	if (r->targets & RUN_T_LLM) {
		cJSON *m = cJSON_AddObjectToObject(o, "model");

		cJSON_AddItemToArray(t, cJSON_CreateString(r->llm_name));
		cJSON_AddStringToObject(m, "target", r->llm_name);
		cJSON_AddStringToObject(m, "backend", r->backend);
		cJSON_AddBoolToObject(m, "simulated", !strcmp(r->backend, "mock") || r->replay_simulated);
		if (r->replay) {
			cJSON_AddStringToObject(m, "replay_of", r->replay);
			cJSON_AddStringToObject(m, "replayed_backend", r->replay_backend);
		}
		if (r->resume)
			cJSON_AddBoolToObject(m, "resumed", true);
		if (!strcmp(r->backend, "mock")) {
			cJSON_AddStringToObject(m, "profile", r->profile);
			cJSON_AddStringToObject(m, "scale", r->scale);
		}
		cJSON_AddStringToObject(m, "model", run_model(r));
		if (r->base_url)
			cJSON_AddStringToObject(m, "base_url", r->base_url);
		add_request_json(r, m);
		cJSON_AddNumberToObject(m, "concurrency", r->concurrency);
		cJSON_AddNumberToObject(m, "timeout_ms", r->model_timeout_ms);
		find_data(r, "prompts/system.md", prompt, sizeof(prompt));
		sha_file(prompt, h);
		cJSON_AddStringToObject(m, "system_prompt_sha256", h);
		find_data(r, "prompts/packet.md", prompt, sizeof(prompt));
		sha_file(prompt, h);
		cJSON_AddStringToObject(m, "packet_template_sha256", h);
	}
	cJSON_AddBoolToObject(o, "simulated", (r->targets & RUN_T_LLM) && (!strcmp(r->backend, "mock") || r->replay_simulated));
	cJSON_AddNumberToObject(o, "seed", (double)r->seed);
	cJSON_AddNumberToObject(o, "repeat", r->repeat ? r->repeat : 1);
	if (r->incident[0])
		cJSON_AddStringToObject(o, "incident", r->incident);
	if (r->stopped[0])
		cJSON_AddStringToObject(o, "stopped", r->stopped);
	if (r->tag)
		cJSON_AddStringToObject(o, "tag", r->tag);
	sc = cJSON_AddArrayToObject(o, "scenarios");
	for (i = 0; i < r->set->n; i++) {
		const struct pl_scenario *s = &r->set->v[i];
		cJSON *e;

		if (r->tag && !pl_scn_has_tag(s, r->tag))
			continue;
		e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "id", s->id);
		cJSON_AddStringToObject(e, "category", s->category);
		snprintf(buf, sizeof(buf), "%016llx", (unsigned long long)s->hash);
		cJSON_AddStringToObject(e, "hash", buf);
		cJSON_AddStringToObject(e, "file", s->file);
		cJSON_AddNumberToObject(e, "line", s->line);
		if (s->description)
			cJSON_AddStringToObject(e, "description", s->description);
		cJSON_AddItemToArray(sc, e);
	}
	path(file, sizeof(file), r->dir, "run.json");
	snprintf(tmp, sizeof(tmp), "%s.tmp", file);
	txt = cJSON_Print(o);
	f = txt ? fopen(tmp, "w") : NULL;
	if (f) {
		fputs(txt, f);
		fputc('\n', f);
		if (fclose(f) == 0)
			rename(tmp, file);
	}
	free(txt);
	cJSON_Delete(o);
}

int pl_run_play(struct pl_run *r, struct pl_err *err)
{
	char ended[40];
	int status;

	iso_now(r->started, sizeof(r->started));
	write_run_json(r, NULL);
	status = play_phases(r, err);
	if (*r->stop && !r->stopped[0])
		snprintf(r->stopped, sizeof(r->stopped), "interrupted (Ctrl-C or SIGTERM)");
	iso_now(ended, sizeof(ended));
	write_run_json(r, ended);
	{
		struct pl_err rerr;

		if (pl_report_run_dir(r->dir, r->bindir, &rerr))
			fprintf(stderr, "pinglab run: report: %s\n", rerr.msg);
		else
			printf("report: %s/report.html (also report.md, report.json, junit.xml, packets.pcapng)\n", r->dir);
	}
	if (r->baseline && !*r->stop && status != PL_EXIT_ERROR) {
		/* --baseline: a regression against an earlier run fails this one */
		char prices[PATH_MAX + 64];
		struct pl_err cerr = { "" };
		int rc;

		printf("\ncompared with %s:\n", r->baseline);
		rc = pl_report_compare(r->baseline, r->dir, pl_mtab_locate(r->bindir, prices, sizeof(prices)) ? NULL : prices,
				       stdout, &cerr);
		if (rc < 0) {
			fprintf(stderr, "pinglab run: --baseline: %s\n", cerr.msg);
			status = PL_EXIT_ERROR;
		} else if (rc == 1 && status == PL_EXIT_OK) {
			status = PL_EXIT_FAIL;
		}
	}
	return status;
}

/* The responder stopped on a configuration error: say what the API said (the log's
 * config-error line) once, and mark the run stopped with it. */
static void config_error(struct pl_run *r, const char *rlog)
{
	FILE *f = fopen(rlog, "r");
	char line[2048], msg[600] = "the API refused the model's configuration";

	while (f && fgets(line, sizeof(line), f)) {
		cJSON *o = strstr(line, "\"config-error\"") ? cJSON_Parse(line) : NULL;
		const cJSON *e = o ? cJSON_GetObjectItemCaseSensitive(o, "error") : NULL;

		if (cJSON_IsString(e))
			snprintf(msg, sizeof(msg), "%s", e->valuestring);
		cJSON_Delete(o);
	}
	if (f)
		fclose(f);
	snprintf(r->stopped, sizeof(r->stopped), "configuration error: %.360s", msg);
	fprintf(stderr, "pinglab run: configuration error, the model phase stopped: %s\n", msg);
	fprintf(stderr, "pinglab run: check --model, the key, and the request knobs (--temperature, --max-tokens, --thinking, --reasoning-effort) against the model table %s\n",
		r->models[0] ? r->models : "(none found)");
}

static int play_phases(struct pl_run *r, struct pl_err *err)
{
	char rlog[PATH_MAX + 32], url[256] = "";
	pid_t rsp = -1, mock = -1;
	bool regression = false;
	int rc = 0;

	if (r->targets & (RUN_T_KERNEL | RUN_T_REFERENCE)) {
		const char *targets[3];
		int n = 0;

		if (r->targets & RUN_T_KERNEL)
			targets[n++] = "kernel:kernel";
		if (r->targets & RUN_T_REFERENCE) {
			targets[n++] = "reference:responder";
			path(rlog, sizeof(rlog), r->dir, "responder-reference.jsonl");
			rsp = pl_run_start_responder(r, false, NULL, rlog, err);
			if (rsp < 0)
				return PL_EXIT_ERROR;
		}
		targets[n] = NULL;
		{
			struct watch w[1] = { { rsp, "the reference responder", false } };

			rc = run_gen(r, targets, NULL, 0, w, rsp > 0 ? 1 : 0, err);
			end_helper(r, &w[0]);
		}
		rsp = -1;
		if (*r->stop || ((rc == 2 || rc >= 127) && !r->incident[0]))
			return PL_EXIT_ERROR;
		/* reports of what is done so far (marked partial: run.json has no end yet),
		 * so a run killed in the long model phase still leaves readable ones */
		if (r->targets & RUN_T_LLM) {
			struct pl_err rerr;

			if (pl_report_run_dir(r->dir, r->bindir, &rerr))
				fprintf(stderr, "pinglab run: report: %s\n", rerr.msg);
		}
	}
	if ((r->targets & RUN_T_LLM) && !*r->stop) {
		char target[128];
		const char *targets[2] = { target, NULL };

		if (!strcmp(r->backend, "mock")) {
			mock = pl_run_start_mock(r, url, sizeof(url), err);
			if (mock < 0)
				return PL_EXIT_ERROR;
		}
		path(rlog, sizeof(rlog), r->dir, "responder-llm.jsonl");
		close(open(rlog, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
		rsp = pl_run_start_responder(r, true, url, rlog, err);
		if (rsp < 0) {
			r->stop_child(mock);
			return PL_EXIT_ERROR;
		}
		snprintf(target, sizeof(target), "%s:responder", r->llm_name);
		{
			struct watch w[2] = { { rsp, "the model responder", false },
					      { mock, "the simulated model server", false } };

			rc = run_gen(r, targets, rlog, r->model_timeout_ms + 2000, w, mock > 0 ? 2 : 1, err);
			end_helper(r, &w[0]);
			if (mock > 0)
				end_helper(r, &w[1]);
		}
		if (rc < 0)
			return PL_EXIT_ERROR;
		if (r->config_error) {
			config_error(r, rlog);
			return PL_EXIT_ERROR;
		}
		if (rc == 3) {
			/* a budget guard stopped the model phase: a partial run, said so in
			 * run.json (the generator's "stopped" record names the guard) */
			snprintf(r->stopped, sizeof(r->stopped), "a budget guard (%s%s%s) stopped the model target",
				 r->max_packets ? "--max-packets" : "", r->max_packets && r->max_cost_arg ? ", " : "",
				 r->max_cost_arg ? "--max-cost" : "");
			pl_run_event(r, "budget", 0, "%s", r->stopped);
			rc = 0;
		}
		if (*r->stop || ((rc == 2 || rc >= 127) && !r->incident[0]))
			return PL_EXIT_ERROR;
	}
	summarize(r, &regression);
	if (regression)
		pl_run_event(r, "regression", 0, "the kernel or reference missed an expectation, or a model fell under --fail-under");
	return regression ? PL_EXIT_FAIL : PL_EXIT_OK;
}
