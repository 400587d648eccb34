/* run_models.c — the model targets of `pinglab run`: read from --targets (specs, or
 * "llm" for the one the flags describe), made whole (knobs, names, labs, files),
 * checked before any lab is built, and taken back from a recorded run for --replay
 * and --resume. */
#include "lab/run.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/keyfile.h"
#include "model/api.h"
#include "model/table.h"
#include "netlab/lab.h"
#include "record/record.h"

char *pl_run_keep(struct pl_run *r, char *s)
{
	if (s && r->nowned < sizeof(r->owned) / sizeof(r->owned[0]))
		r->owned[r->nowned++] = s;
	else if (s) {
		free(s); /* full: not kept, not leaked (the caller's value is then the default) */
		s = NULL;
	}
	return s;
}

void pl_run_free_owned(struct pl_run *r)
{
	while (r->nowned)
		free(r->owned[--r->nowned]);
}

int pl_run_parse_targets(const char *s, struct pl_run *r, struct pl_err *err)
{
	char *buf = strdup(s), *tok, *save = NULL;
	bool flags_target = false;
	int rc = 0;

	if (!buf)
		return pl_errf(err, -ENOMEM, "out of memory");
	r->targets = 0;
	r->nm = 0;
	for (tok = strtok_r(buf, ",", &save); tok && !rc; tok = strtok_r(NULL, ",", &save)) {
		struct pl_run_model *m = &r->m[r->nm];

		if (!strcmp(tok, "kernel")) {
			r->targets |= RUN_T_KERNEL;
			continue;
		}
		if (!strcmp(tok, "reference")) {
			r->targets |= RUN_T_REFERENCE;
			continue;
		}
		if (r->nm == RUN_MODELS_MAX) {
			rc = pl_errf(err, -E2BIG, "--targets: at most %d model targets", RUN_MODELS_MAX);
			break;
		}
		memset(m, 0, sizeof(*m));
		if (!strcmp(tok, "llm") || !strcmp(tok, "model")) {
			if (flags_target) {
				rc = pl_errf(err, -EINVAL, "--targets: 'llm' (the model of --backend and --model) given twice");
				break;
			}
			flags_target = true;
		} else if (strchr(tok, ':')) {
			/* a spec; its own errors name the part that is wrong */
			if ((rc = pl_spec_parse(tok, &m->spec, err)))
				break;
			m->from_spec = true;
		} else {
			rc = pl_errf(err, -EINVAL,
				     "--targets: unknown target '%s' (kernel, reference, llm, or a model spec such as mock:sim-sloppy)", tok);
			break;
		}
		r->nm++;
	}
	free(buf);
	if (rc)
		return rc;
	if (r->nm)
		r->targets |= RUN_T_LLM;
	return r->targets ? 0 : pl_errf(err, -EINVAL, "--targets is empty");
}

/* Model target k before it plays: no process yet, and its files in the run directory
 * (a one-model run's names for the first). */
static void model_init(struct pl_run_model *m, unsigned k)
{
	char sfx[16] = "";

	m->mock = m->rsp = -1;
	if (k)
		snprintf(sfx, sizeof(sfx), "-%u", k + 1);
	snprintf(m->log, sizeof(m->log), "responder-llm%s.jsonl", sfx);
	snprintf(m->mock_log, sizeof(m->mock_log), "mockllm%s.jsonl", sfx);
	snprintf(m->packets, sizeof(m->packets), "packets-llm%s.jsonl", sfx);
	snprintf(m->cassette_file, sizeof(m->cassette_file), "cassette%s.jsonl", sfx);
}

/* A run of one model target and no baseline writes its records straight into
 * packets.jsonl (a reader of a running model-only run sees them come); otherwise every
 * target plays at the same time as others, each generator writes a file of its own (the
 * baselines' is packets.jsonl), and the model targets' are appended when all are done. */
static void one_model_packets(struct pl_run *r)
{
	if (r->nm == 1 && !(r->targets & (RUN_T_KERNEL | RUN_T_REFERENCE)))
		snprintf(r->m[0].packets, sizeof(r->m[0].packets), "packets.jsonl");
}

/* A spec's number as an argument string kept in m. */
static const char *num(struct pl_run_model *m, int slot, double v)
{
	snprintf(m->num[slot], sizeof(m->num[slot]), "%.15g", v);
	return m->num[slot];
}

/* The model the requests name: the target's model, else the anthropic backend's default
 * (the simulated model speaks the Anthropic format), else none. */
const char *pl_run_model_id(const struct pl_run_model *m)
{
	if (m->model && *m->model)
		return m->model;
	return !strcmp(m->backend, "anthropic") || !strcmp(m->backend, "mock") ? PL_ANTHROPIC_DEFAULT_MODEL : "";
}

static void default_name(const struct pl_run *r, struct pl_run_model *m)
{
	if (!strcmp(m->backend, "mock")) {
		const char *slash = strrchr(m->profile, '/');

		snprintf(m->name, sizeof(m->name), "mock:%s", slash ? slash + 1 : m->profile);
	} else {
		snprintf(m->name, sizeof(m->name), "%s:%s", m->backend,
			 m->model ? m->model : !strcmp(m->backend, "anthropic") ? PL_ANTHROPIC_DEFAULT_MODEL
			 : !strcmp(m->backend, "exec") && r->exec_argv ? r->exec_argv[0] : m->backend);
	}
}

int pl_run_models(struct pl_run *r, struct pl_err *err)
{
	unsigned k, j;

	for (k = 0; k < r->nm; k++) {
		struct pl_run_model *m = &r->m[k];
		const struct pl_spec *s = &m->spec;

		/* the flags first: the llm target's everything, a spec's defaults */
		m->backend = r->backend;
		m->model = r->model;
		m->base_url = r->base_url;
		m->profile = r->profile;
		m->scale = r->scale;
		m->retries = r->retries;
		m->key_file = r->key_file;
		m->temperature = r->temperature;
		m->max_tokens = r->max_tokens;
		m->thinking = r->thinking;
		m->reasoning_effort = r->reasoning_effort;
		m->price_arg = r->price_arg;
		m->price_in = r->price_in;
		m->price_out = r->price_out;
		m->max_cost_arg = r->max_cost_arg;
		m->max_packets = r->max_packets;
		m->concurrency = r->concurrency;
		m->timeout_ms = r->model_timeout_ms;
		model_init(m, k);
		if (!m->from_spec) {
			default_name(r, m);
			continue;
		}
		/* what the model is comes from the spec alone */
		m->backend = s->backend;
		m->base_url = s->url[0] ? s->url : NULL;
		if (!strcmp(s->backend, "mock")) {
			m->profile = s->model;
			m->model = s->mock_model[0] ? s->mock_model : NULL;
		} else {
			m->model = !strcmp(s->backend, "exec") ? NULL : s->model;
		}
		if (s->scale[0])
			m->scale = s->scale;
		if (s->temperature[0])
			m->temperature = s->temperature;
		if (s->max_tokens)
			m->max_tokens = num(m, 0, s->max_tokens);
		if (s->thinking)
			m->thinking = num(m, 1, s->thinking);
		if (s->effort[0])
			m->reasoning_effort = s->effort;
		if (s->retries_set)
			m->retries = num(m, 2, s->retries);
		if (s->concurrency)
			m->concurrency = s->concurrency;
		if (s->timeout_ms)
			m->timeout_ms = s->timeout_ms;
		if (s->max_packets)
			m->max_packets = s->max_packets;
		if (s->max_cost > 0)
			m->max_cost_arg = num(m, 3, s->max_cost);
		if (s->price_in >= 0) {
			m->price_in = s->price_in;
			m->price_out = s->price_out;
			snprintf(m->num[4], sizeof(m->num[4]), "%.15g,%.15g", s->price_in, s->price_out);
			m->price_arg = m->num[4];
		}
		if (s->key_file[0])
			m->key_file = s->key_file;
		m->stream = s->stream == 1;
		if (s->named)
			snprintf(m->name, sizeof(m->name), "%s", s->name);
		else if (!strcmp(s->backend, "exec"))
			snprintf(m->name, sizeof(m->name), "%s", s->name); /* exec:NAME */
		else if (!strcmp(s->backend, "mock") && strchr(s->model, '/'))
			default_name(r, m); /* a profile given as a path: its file name */
		else
			snprintf(m->name, sizeof(m->name), "%s", s->name);
	}
	one_model_packets(r);
	for (k = 0; k < r->nm; k++) {
		if (!strcmp(r->m[k].name, "kernel") || !strcmp(r->m[k].name, "reference"))
			return pl_errf(err, -EINVAL, "--targets: a model target cannot be named '%s'", r->m[k].name);
		for (j = 0; j < k; j++)
			if (!strcmp(r->m[j].name, r->m[k].name))
				return pl_errf(err, -EINVAL,
					       "--targets: two model targets are named '%s'; give one of them +name=...", r->m[k].name);
	}
	return 0;
}

void pl_run_model_labs(struct pl_run *r)
{
	/* the first model target shares the run's lab only when no baseline plays there
	 * at the same time (the reference's address is the model's) */
	unsigned k, first = r->targets & (RUN_T_KERNEL | RUN_T_REFERENCE) ? 0 : 1;

	for (k = 0; k < r->nm; k++)
		if (k < first)
			snprintf(r->m[k].lab, sizeof(r->m[k].lab), "%s", r->lab);
		else
			pl_lab_model_name(r->m[k].lab, r->lab, k + 1);
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

/* A recorded model target's configuration, for its resume: what it asked of which model. */
static void resume_config(struct pl_run *r, struct pl_run_model *m, const cJSON *mo)
{
	const cJSON *rq = cJSON_GetObjectItemCaseSensitive(mo, "request"), *p, *v;

	m->backend = pl_run_keep(r, jdup(mo, "backend"));
	if (!m->backend)
		m->backend = "mock";
	if (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(mo, "profile")))
		m->profile = pl_run_keep(r, jdup(mo, "profile"));
	if (cJSON_IsString(cJSON_GetObjectItemCaseSensitive(mo, "scale")))
		m->scale = pl_run_keep(r, jdup(mo, "scale"));
	m->base_url = pl_run_keep(r, jdup(mo, "base_url"));
	if (cJSON_IsNumber(v = cJSON_GetObjectItemCaseSensitive(mo, "concurrency")))
		m->concurrency = (unsigned)v->valuedouble;
	if (cJSON_IsNumber(v = cJSON_GetObjectItemCaseSensitive(mo, "timeout_ms")))
		m->timeout_ms = (unsigned)v->valuedouble;
	m->stream = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(mo, "stream"));
	if (cJSON_IsObject(rq)) {
		/* the request as it was made, whatever the defaults are now */
		m->temperature = cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(rq, "temperature")) ? "none"
												   : pl_run_keep(r, jnumstr(rq, "temperature"));
		m->max_tokens = pl_run_keep(r, jnumstr(rq, "max_tokens"));
		m->thinking = pl_run_keep(r, jnumstr(rq, "thinking_budget"));
		m->reasoning_effort = pl_run_keep(r, jdup(rq, "reasoning_effort"));
	}
	p = cJSON_GetObjectItemCaseSensitive(mo, "price");
	if (cJSON_IsObject(p) && cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(p, "input")) &&
	    cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(p, "output"))) {
		m->price_in = cJSON_GetObjectItemCaseSensitive(p, "input")->valuedouble;
		m->price_out = cJSON_GetObjectItemCaseSensitive(p, "output")->valuedouble;
		snprintf(m->num[4], sizeof(m->num[4]), "%.15g,%.15g", m->price_in, m->price_out);
		m->price_arg = m->num[4];
	}
	if (cJSON_IsNumber(v = cJSON_GetObjectItemCaseSensitive(mo, "max_packets")) && v->valuedouble > 0)
		m->max_packets = (unsigned long)v->valuedouble;
	if (cJSON_IsNumber(v = cJSON_GetObjectItemCaseSensitive(mo, "max_cost")) && v->valuedouble > 0)
		m->max_cost_arg = num(m, 3, v->valuedouble);
}

/* --replay and --resume: the targets, seed, repeat and tag of DIR's run, and each of its
 * model targets with the file of its answers. Nothing in DIR is touched. */
static int load_recorded(struct pl_run *r, const char *what, const char *dir, bool resume, struct pl_err *err)
{
	cJSON *o = recorded_run(what, dir, err), *made, *t, *v;
	const cJSON *ms, *mo;
	int rc = 0;

	if (!o)
		return -EINVAL;
	r->targets = 0;
	cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(o, "targets"))
		if (cJSON_IsString(t))
			r->targets |= !strcmp(t->valuestring, "kernel") ? RUN_T_KERNEL
				      : !strcmp(t->valuestring, "reference") ? RUN_T_REFERENCE : 0;
	if ((v = cJSON_GetObjectItemCaseSensitive(o, "seed")) && cJSON_IsNumber(v))
		r->seed = (unsigned long)v->valuedouble;
	if ((v = cJSON_GetObjectItemCaseSensitive(o, "repeat")) && cJSON_IsNumber(v) && v->valuedouble > 1)
		r->repeat = (unsigned)v->valuedouble;
	if ((v = cJSON_GetObjectItemCaseSensitive(o, "tag")) && cJSON_IsString(v) && !r->tag)
		r->tag = pl_run_keep(r, strdup(v->valuestring));
	ms = pl_rec_run_models(o, &made);
	r->nm = 0;
	cJSON_ArrayForEach(mo, ms) {
		struct pl_run_model *m = &r->m[r->nm];
		const cJSON *tg = cJSON_GetObjectItemCaseSensitive(mo, "target"), *be = cJSON_GetObjectItemCaseSensitive(mo, "backend");
		const char *log;

		if (r->nm == RUN_MODELS_MAX)
			break;
		if (!cJSON_IsString(tg) || !cJSON_IsString(be)) {
			rc = pl_errf(err, -EINVAL, "%s %s: run.json names a model target without its name or backend", what, dir);
			goto out;
		}
		memset(m, 0, sizeof(*m));
		model_init(m, r->nm);
		snprintf(m->name, sizeof(m->name), "%s", tg->valuestring);
		snprintf(m->replay_backend, sizeof(m->replay_backend), "%s", be->valuestring);
		m->replay_simulated = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(mo, "simulated"));
		m->model = pl_run_keep(r, jdup(mo, "model"));
		m->concurrency = r->concurrency;
		m->timeout_ms = r->model_timeout_ms;
		m->scale = r->scale;
		m->profile = r->profile;
		m->key_file = r->key_file;
		m->retries = r->retries;
		log = cJSON_IsString(cJSON_GetObjectItemCaseSensitive(mo, "log")) ? cJSON_GetObjectItemCaseSensitive(mo, "log")->valuestring
										   : m->log;
		if (strchr(log, '/') || strlen(log) >= sizeof(m->log)) {
			rc = pl_errf(err, -EINVAL, "%s %s: run.json: model target %s: log '%s' is not a file of the run", what, dir,
				     m->name, log);
			goto out;
		}
		{
			/* through a copy: gcc cannot tell that dir and the names lie outside m */
			char file[sizeof(m->cassette)];

			snprintf(file, sizeof(file), "%s/%s", dir, resume ? m->cassette_file : log);
			memcpy(m->cassette, file, sizeof(file));
		}
		if (resume) {
			resume_config(r, m, mo);
		} else {
			m->backend = "replay";
			if (access(m->cassette, R_OK)) {
				rc = pl_errf(err, -ENOENT, "%s %s: no %s, the answers of %s", what, dir, log, m->name);
				goto out;
			}
		}
		r->nm++;
	}
	if (r->nm)
		r->targets |= RUN_T_LLM;
	one_model_packets(r);
	if (!r->targets)
		rc = pl_errf(err, -EINVAL, "%s %s: run.json names no targets", what, dir);
out:
	cJSON_Delete(made);
	cJSON_Delete(o);
	return rc;
}

int pl_run_load_replay(struct pl_run *r, const char *dir, struct pl_err *err)
{
	int rc = load_recorded(r, "--replay", dir, false, err);

	if (!rc)
		r->replay = dir;
	return rc;
}

int pl_run_recorded_stack(struct pl_run *r, const char *dir, struct pl_err *err)
{
	cJSON *o = recorded_run(r->replay ? "--replay" : "--resume", dir, err);
	const cJSON *v;
	const struct pl_stack *st;
	int rc = 0;

	if (!o)
		return -ENOENT;
	/* a run.json from before stacks existed played the echo stack */
	v = cJSON_GetObjectItemCaseSensitive(o, "stack");
	st = cJSON_IsString(v) ? pl_stack_by_name(v->valuestring) : v ? NULL : pl_stack(PL_STACK_ECHO);
	if (!st)
		rc = pl_errf(err, -EINVAL, "%s/run.json: stack %s is not one this pinglab knows (%s)", dir,
			     cJSON_IsString(v) ? v->valuestring : "(not a string)", pl_stack_names());
	else if (r->stack_given && st != r->stack)
		rc = pl_errf(err, -EINVAL, "--stack %s, but the run in %s played the %s stack (a replay or resume plays the run's own)",
			     r->stack->name, dir, st->name);
	else
		r->stack = st;
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

/* Append src's lines to dst (created if need be); 0 when src does not exist. */
int pl_run_append_file(const char *src, const char *dst)
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
	char path[PATH_MAX + 64], log[PATH_MAX + 64], old[PATH_MAX + 80];
	int rc, i;
	unsigned k;
	static const char *const stale[] = { "packets.jsonl", "responder-reference.jsonl", "report.html", "report.md",
					      "report.json", "junit.xml", "packets.pcapng" };

	/* every check is made before anything in dir is moved */
	if ((rc = load_recorded(r, "--resume", dir, true, err)))
		return rc;
	if (!r->nm)
		return pl_errf(err, -EINVAL, "--resume %s: a run with a model target resumes (this one has none)", dir);
	for (k = 0; k < r->nm; k++) {
		const char *be = r->m[k].backend;

		if (strcmp(be, "mock") && strcmp(be, "anthropic") && strcmp(be, "openai"))
			return pl_errf(err, -EINVAL, "--resume %s: a run of mock, anthropic or openai model targets resumes (%s: %s)",
				       dir, r->m[k].name, be);
	}
	r->resume = dir;
	for (k = 0; k < r->nm; k++) {
		struct pl_run_model *m = &r->m[k];

		/* what was answered becomes the cassette; the mock's log so far is kept aside */
		snprintf(log, sizeof(log), "%s/%s", dir, m->log);
		if ((rc = pl_run_append_file(log, m->cassette)))
			return pl_errf(err, rc, "--resume %s: cannot keep the answers of %s in %s: %s", dir, m->name,
				       m->cassette, strerror(-rc));
		unlink(log);
		/* resumed before and killed before its responder started: the cassette has it all */
		close(open(m->cassette, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
		snprintf(path, sizeof(path), "%s/%s", dir, m->mock_log);
		for (i = 1; i < 1000; i++) {
			snprintf(old, sizeof(old), "%s/%.*s.before-resume-%d.jsonl", dir, (int)(strlen(m->mock_log) - 6),
				 m->mock_log, i);
			if (access(old, F_OK))
				break;
		}
		rename(path, old);
		snprintf(path, sizeof(path), "%s/%s", dir, m->packets);
		unlink(path); /* (packets.jsonl, for one model, is among the stale below) */
	}
	for (i = 0; i < (int)(sizeof(stale) / sizeof(stale[0])); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, stale[i]);
		unlink(path);
	}
	return 0;
}

/* One model target's checks (see pl_run_check_backend). */
static int check_model(struct pl_run *r, struct pl_run_model *m, struct pl_err *err)
{
	if (!strcmp(m->backend, "replay"))
		return 0; /* the answers are recorded: no backend, no key */
	if (r->user && strcmp(r->user, "root") && !strcmp(m->backend, "agent"))
		return pl_errf(err, -EINVAL, "--responder-user does not go with --backend agent (the agent's FIFOs belong to the user running pinglab)");
	if ((m->thinking || m->reasoning_effort || m->temperature || m->max_tokens) &&
	    (!strcmp(m->backend, "exec") || !strcmp(m->backend, "agent")))
		return pl_errf(err, -EINVAL, "--temperature, --max-tokens, --thinking and --reasoning-effort are for the API backends (mock, anthropic, openai)");
	if (m->thinking && !strcmp(m->backend, "openai"))
		return pl_errf(err, -EINVAL, "--thinking is Anthropic extended thinking; with --backend openai use --reasoning-effort");
	if (m->reasoning_effort && strcmp(m->backend, "openai"))
		return pl_errf(err, -EINVAL, "--reasoning-effort is for --backend openai; with Anthropic use --thinking BUDGET");
	if (m->max_cost_arg && strcmp(m->backend, "exec") && strcmp(m->backend, "agent") && !m->price_arg) {
		/* the guard prices every answer: a model without prices could never be held */
		struct pl_mtab t;
		const struct pl_mrow *row;
		const char *model = pl_run_model_id(m);
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
	if (!strcmp(m->backend, "mock")) {
		/* the profile is checked now, not once a lab is up (pinglab-mockllm looks the
		 * same way: a path, or a name in $PINGLAB_PROFILES or mockllm/profiles) */
		char dir[PATH_MAX], file[PATH_MAX + 256];
		struct stat st;

		if (!m->profile || !*m->profile)
			return pl_errf(err, -EINVAL, "--profile is empty");
		if (strchr(m->profile, '/')) {
			snprintf(file, sizeof(file), "%s", m->profile);
		} else {
			pl_run_profiles_dir(r, dir, sizeof(dir));
			snprintf(file, sizeof(file), "%s/%s", dir, m->profile);
		}
		if (stat(file, &st) || !S_ISREG(st.st_mode))
			return pl_errf(err, -ENOENT, "profile '%s': no simulated model profile %s (the shipped ones are in mockllm/profiles/)",
				       m->profile, file);
		return 0;
	}
	if (m->key_file) {
		/* checked now, before a lab is built; the responder reads it again */
		char *k = pl_key_file_read(m->key_file, err);

		if (!k)
			return -EPERM;
		explicit_bzero(k, strlen(k));
		free(k);
		if (strcmp(m->backend, "anthropic") && strcmp(m->backend, "openai"))
			return pl_errf(err, -EINVAL, "--key-file is for --backend anthropic or openai");
	}
	if (!strcmp(m->backend, "anthropic")) {
		if (!m->key_file && (!getenv("ANTHROPIC_API_KEY") || !*getenv("ANTHROPIC_API_KEY")))
			return pl_errf(err, -EPERM, "--backend anthropic needs ANTHROPIC_API_KEY in the environment or --key-file (no silent fallback to the simulated model)");
	} else if (!strcmp(m->backend, "openai")) {
		if (!m->base_url && !m->key_file && (!getenv("OPENAI_API_KEY") || !*getenv("OPENAI_API_KEY")))
			return pl_errf(err, -EPERM, "--backend openai needs --base-url (a local server), OPENAI_API_KEY or --key-file");
		if (!m->model)
			return pl_errf(err, -EINVAL, "--backend openai wants --model (the server's model name)");
	} else if (!strcmp(m->backend, "exec")) {
		if (!r->exec_argv)
			return pl_errf(err, -EINVAL, "--backend exec wants the command after --, e.g. -- claude -p");
	} else if (strcmp(m->backend, "agent")) {
		return pl_errf(err, -EINVAL, "unknown backend '%s' (mock, anthropic, openai, exec, agent)", m->backend);
	}
	return 0;
}

int pl_run_check_backend(struct pl_run *r, struct pl_err *err)
{
	unsigned k, agents = 0;

	if (r->user && strcmp(r->user, "root") && !getpwnam(r->user))
		return pl_errf(err, -EINVAL, "--responder-user %s: no such user", r->user);
	if (!(r->targets & RUN_T_LLM))
		return 0;
	/* the model table the responders build their requests from (and prices come from) */
	if (pl_mtab_locate(r->bindir[0] ? r->bindir : NULL, r->models, sizeof(r->models)))
		r->models[0] = '\0';
	for (k = 0; k < r->nm; k++) {
		int rc = check_model(r, &r->m[k], err);

		if (rc) {
			if (r->nm > 1) {
				/* which target it is about */
				char msg[sizeof(err->msg)];

				snprintf(msg, sizeof(msg), "%s", err->msg);
				pl_errf(err, rc, "target %s: %s", r->m[k].name, msg);
			}
			return rc;
		}
		agents += !strcmp(r->m[k].backend, "agent");
	}
	if (agents > 1)
		return pl_errf(err, -EINVAL, "--targets: one agent target per run (the agent's FIFOs are the run's)");
	return 0;
}
