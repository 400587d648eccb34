#include "model/spec.h"

#include "common/opt.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const backends[] = { "mock", "anthropic", "openai", "exec" };

bool pl_spec_is(const char *s)
{
	size_t i, n;

	for (i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
		n = strlen(backends[i]);
		if (!strncmp(s, backends[i], n) && s[n] == ':')
			return true;
	}
	return false;
}

/* A whole number in [lo, hi]. */
static bool whole(const char *v, unsigned long lo, unsigned long hi, unsigned long *out)
{
	char *end;

	if (!*v || strspn(v, "0123456789") != strlen(v))
		return false;
	errno = 0;
	*out = strtoul(v, &end, 10);
	return !errno && !*end && *out >= lo && *out <= hi;
}

/* A plain decimal in [0, hi]: digits and at most one dot. */
static bool decimal(const char *v, double hi, double *out)
{
	return pl_opt_decimal(v, strlen(v), hi, out);
}

static int bad(struct pl_err *err, const char *spec, const char *part, const char *why)
{
	return pl_errf(err, -EINVAL, "target '%s': %s: %s", spec, part, why);
}

/* One KEY=VALUE knob. */
static int knob(struct pl_spec *o, const char *spec, char *kv, struct pl_err *err)
{
	char *eq = strchr(kv, '='), *k = kv, *v;
	unsigned long u;
	double d;

	if (!eq || eq == kv)
		return bad(err, spec, kv, "a knob is KEY=VALUE");
	*eq = '\0';
	v = eq + 1;
	if (!strcmp(k, "name")) {
		if (!*v || strlen(v) >= sizeof(o->name) || strpbrk(v, " \t,/"))
			return bad(err, spec, "name", "wants a word of at most 95 characters, no spaces, commas or slashes");
		snprintf(o->name, sizeof(o->name), "%s", v);
		o->named = true;
	} else if (!strcmp(k, "temperature")) {
		if (strcmp(v, "none") && (!decimal(v, 2, &d) || strlen(v) >= sizeof(o->temperature)))
			return bad(err, spec, "temperature", "wants none or a number 0..2");
		snprintf(o->temperature, sizeof(o->temperature), "%s", v);
	} else if (!strcmp(k, "reasoning-effort")) {
		if (strcmp(v, "minimal") && strcmp(v, "low") && strcmp(v, "medium") && strcmp(v, "high"))
			return bad(err, spec, "reasoning-effort", "wants minimal, low, medium or high");
		if (strcmp(o->backend, "openai"))
			return bad(err, spec, "reasoning-effort", "is for openai targets (Anthropic: thinking=BUDGET)");
		snprintf(o->effort, sizeof(o->effort), "%s", v);
	} else if (!strcmp(k, "thinking")) {
		if (!whole(v, 1024, 1000000, &u))
			return bad(err, spec, "thinking", "wants a budget of 1024..1000000 tokens");
		if (strcmp(o->backend, "anthropic") && strcmp(o->backend, "mock"))
			return bad(err, spec, "thinking", "is Anthropic extended thinking (openai: reasoning-effort=)");
		o->thinking = (unsigned)u;
	} else if (!strcmp(k, "max-tokens")) {
		if (!whole(v, 1, 1000000, &u))
			return bad(err, spec, "max-tokens", "wants 1..1000000");
		o->max_tokens = (unsigned)u;
	} else if (!strcmp(k, "concurrency")) {
		if (!whole(v, 1, 1024, &u))
			return bad(err, spec, "concurrency", "wants 1..1024");
		o->concurrency = (unsigned)u;
	} else if (!strcmp(k, "timeout")) {
		if (!whole(v, 1, 3600000, &u))
			return bad(err, spec, "timeout", "wants milliseconds 1..3600000");
		o->timeout_ms = (unsigned)u;
	} else if (!strcmp(k, "retries")) {
		if (!whole(v, 0, 100, &u))
			return bad(err, spec, "retries", "wants 0..100");
		o->retries = (unsigned)u;
		o->retries_set = true;
	} else if (!strcmp(k, "max-packets")) {
		if (!whole(v, 1, 1000000000, &u))
			return bad(err, spec, "max-packets", "wants a whole number above 0");
		o->max_packets = u;
	} else if (!strcmp(k, "max-cost")) {
		if (!decimal(v, 1e6, &d) || !(d > 0))
			return bad(err, spec, "max-cost", "wants US dollars above 0, e.g. 0.50");
		o->max_cost = d;
	} else if (!strcmp(k, "price")) {
		char *slash = strchr(v, '/');

		if (!slash)
			return bad(err, spec, "price", "wants IN/OUT in USD per million tokens, e.g. 1.00/5.00");
		*slash = '\0';
		if (!decimal(v, 1e6, &o->price_in) || !decimal(slash + 1, 1e6, &o->price_out))
			return bad(err, spec, "price", "wants IN/OUT in USD per million tokens, e.g. 1.00/5.00");
	} else if (!strcmp(k, "model")) {
		if (strcmp(o->backend, "mock"))
			return bad(err, spec, "model", "is for mock targets (the model id the simulated model answers as)");
		if (!*v || strlen(v) >= sizeof(o->mock_model))
			return bad(err, spec, "model", "wants a model id");
		snprintf(o->mock_model, sizeof(o->mock_model), "%s", v);
	} else if (!strcmp(k, "scale")) {
		if (strcmp(o->backend, "mock"))
			return bad(err, spec, "scale", "is for mock targets");
		if (!decimal(v, 1000, &d) || strlen(v) >= sizeof(o->scale))
			return bad(err, spec, "scale", "wants a latency factor, e.g. 0.02");
		snprintf(o->scale, sizeof(o->scale), "%s", v);
	} else if (!strcmp(k, "key-file")) {
		if (strcmp(o->backend, "anthropic") && strcmp(o->backend, "openai"))
			return bad(err, spec, "key-file", "is for anthropic and openai targets");
		if (!*v || strlen(v) >= sizeof(o->key_file))
			return bad(err, spec, "key-file", "wants a path of at most 255 characters");
		snprintf(o->key_file, sizeof(o->key_file), "%s", v);
	} else if (!strcmp(k, "stream")) {
		if (strcmp(v, "yes") && strcmp(v, "no"))
			return bad(err, spec, "stream", "wants yes or no");
		o->stream = !strcmp(v, "yes");
	} else {
		return bad(err, spec, k, "unknown knob (name, temperature, max-tokens, thinking, reasoning-effort, "
					 "concurrency, timeout, retries, max-cost, max-packets, price, model, scale, stream, key-file)");
	}
	return 0;
}

int pl_spec_parse(const char *s, struct pl_spec *o, struct pl_err *err)
{
	char buf[1024], *colon, *plus, *at, *save = NULL, *kv;
	size_t i;
	int rc;

	memset(o, 0, sizeof(*o));
	o->price_in = o->price_out = -1;
	o->stream = -1;
	if (strlen(s) >= sizeof(buf))
		return bad(err, s, "the whole", "longer than 1023 characters");
	snprintf(buf, sizeof(buf), "%s", s);
	colon = strchr(buf, ':');
	if (!colon)
		return bad(err, s, "backend", "a model target is BACKEND:MODEL (mock, anthropic, openai, exec)");
	*colon = '\0';
	for (i = 0; i < sizeof(backends) / sizeof(backends[0]) && strcmp(buf, backends[i]); i++)
		;
	if (i == sizeof(backends) / sizeof(backends[0]))
		return bad(err, s, buf, "unknown backend (mock, anthropic, openai, exec)");
	snprintf(o->backend, sizeof(o->backend), "%s", backends[i]);
	plus = strchr(colon + 1, '+');
	if (plus)
		*plus = '\0';
	at = strchr(colon + 1, '@');
	if (at) {
		*at = '\0';
		if (strncmp(at + 1, "http://", 7) && strncmp(at + 1, "https://", 8))
			return bad(err, s, "URL", "wants http:// or https://");
		if (strlen(at + 1) >= sizeof(o->url))
			return bad(err, s, "URL", "longer than 255 characters");
		if (!strcmp(o->backend, "mock") || !strcmp(o->backend, "exec"))
			return bad(err, s, "URL", "only anthropic and openai targets take one");
		snprintf(o->url, sizeof(o->url), "%s", at + 1);
	}
	if (!colon[1] || strlen(colon + 1) >= sizeof(o->model) || strpbrk(colon + 1, " \t,"))
		return bad(err, s, "model", !colon[1] ? "missing (BACKEND:MODEL)" : "wants one word of at most 127 characters");
	snprintf(o->model, sizeof(o->model), "%s", colon + 1);
	for (kv = plus ? strtok_r(plus + 1, "+", &save) : NULL; kv; kv = strtok_r(NULL, "+", &save))
		if ((rc = knob(o, s, kv, err)))
			return rc;
	if (plus && !plus[1])
		return bad(err, s, "knobs", "a '+' wants KEY=VALUE after it");
	if (!o->named) {
		/* a stable name: what it is and the knobs that change its answers */
		size_t n = (size_t)snprintf(o->name, sizeof(o->name), "%s:%s", o->backend, o->model);

		if (o->thinking && n < sizeof(o->name))
			n += (size_t)snprintf(o->name + n, sizeof(o->name) - n, "+thinking=%u", o->thinking);
		if (o->effort[0] && n < sizeof(o->name))
			n += (size_t)snprintf(o->name + n, sizeof(o->name) - n, "+effort=%s", o->effort);
		if (o->temperature[0] && n < sizeof(o->name))
			snprintf(o->name + n, sizeof(o->name) - n, "+t=%s", o->temperature);
	}
	return 0;
}
