#include "mockllm/profile.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *const mistake_names[MOCK_M_COUNT] = {
	[MOCK_M_NONE] = "none",
	[MOCK_M_FLIP_DIGIT] = "flip_digit",
	[MOCK_M_IP_CHECKSUM] = "ip_checksum",
	[MOCK_M_ICMP_CHECKSUM] = "icmp_checksum",
	[MOCK_M_TTL] = "ttl",
	[MOCK_M_NO_SWAP] = "no_swap",
	[MOCK_M_ID_SEQ] = "id_seq",
	[MOCK_M_TRUNCATE] = "truncate",
	[MOCK_M_FENCES] = "fences",
	[MOCK_M_REFUSE] = "refuse",
	[MOCK_M_FALSE_REPLY] = "false_reply",
	[MOCK_M_WRONG_DROP] = "wrong_drop",
	[MOCK_M_FOLLOW_PAYLOAD] = "follow_payload",
};

static const char *const fault_names[MOCK_F_COUNT] = {
	[MOCK_F_NONE] = "none",
	[MOCK_F_RATE_LIMIT] = "rate_limit",
	[MOCK_F_SPEND_LIMIT] = "spend_limit",
	[MOCK_F_OVERLOADED] = "overloaded",
	[MOCK_F_SERVER_ERROR] = "server_error",
	[MOCK_F_MALFORMED_JSON] = "malformed_json",
	[MOCK_F_STALL] = "stall",
	[MOCK_F_RESET] = "reset",
	[MOCK_F_THINKING] = "thinking",
	[MOCK_F_MULTI_TEXT] = "multi_text",
	[MOCK_F_STREAM_ERROR] = "stream_error",
	[MOCK_F_NULL_CONTENT] = "null_content",
	[MOCK_F_MAX_TOKENS] = "max_tokens",
};

const char *mock_mistake_name(enum mock_mistake m)
{
	return (unsigned)m < MOCK_M_COUNT ? mistake_names[m] : "?";
}

const char *mock_fault_name(enum mock_fault f)
{
	return (unsigned)f < MOCK_F_COUNT ? fault_names[f] : "?";
}

const char *mock_models_name(enum mock_models m)
{
	return m == MOCK_MODELS_ANY ? "any" : "table";
}

const char *mock_server_name(enum mock_server_kind k)
{
	return k == MOCK_SERVER_LLAMACPP ? "llama.cpp" : "api";
}

/* Slots in seen_line: fixed keys first, then mistakes, then faults. */
enum {
	K_NAME, K_MODEL, K_LATENCY, K_LATENCY_MAX, K_TTFT, K_PER_TOKEN, K_CHATTY, K_STALL,
	K_RETRY_AFTER, K_PROMPT_CACHE, K_FAULT_ATTEMPTS, K_MODELS, K_SERVER, K_FIXED_COUNT,
	K_MISTAKE0 = K_FIXED_COUNT,
	K_FAULT0 = K_MISTAKE0 + MOCK_M_COUNT,
	K_COUNT = K_FAULT0 + MOCK_F_COUNT,
};

static const char *const fixed_keys[K_FIXED_COUNT] = {
	"name", "model", "latency", "latency_max_ms", "ttft_ms", "per_token_ms", "chatty",
	"stall_ms", "retry_after_s", "prompt_cache", "fault_attempts", "models", "server",
};

_Static_assert(K_COUNT <= 64, "seen_line too small");

void mock_profile_init(struct mock_profile_parser *ps, struct mock_profile *p, const char *file)
{
	memset(ps, 0, sizeof(*ps));
	memset(p, 0, sizeof(*p));
	ps->p = p;
	ps->file = file ? file : "<profile>";
	snprintf(p->name, sizeof(p->name), "unnamed");
	snprintf(p->model, sizeof(p->model), "pinglab-sim");
	p->latency = MOCK_LAT_FIXED;
	p->stall_ms = 30000;
	p->retry_after_s = 1;
	p->prompt_cache = true;
}

static int fail(struct mock_profile_parser *ps, struct pl_err *err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct mock_profile_parser *ps, struct pl_err *err, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return pl_errf(err, -EINVAL, "%s:%u: %s", ps->file, ps->line, msg);
}

/* A finite non-negative number filling the whole of s. */
static int number(const char *s, double *v)
{
	char *end;

	if (!*s)
		return -1;
	errno = 0;
	*v = strtod(s, &end);
	if (errno || *end || !isfinite(*v) || *v < 0)
		return -1;
	return 0;
}

static int prob(struct mock_profile_parser *ps, const char *key, const char *val, double *out,
		struct pl_err *err)
{
	if (number(val, out) || *out > 1)
		return fail(ps, err, "%s: expected a probability between 0 and 1, got \"%s\"", key, val);
	return 0;
}

static int latency(struct mock_profile_parser *ps, const char *val, struct pl_err *err)
{
	struct mock_profile *p = ps->p;
	char kind[32], a[64], b[64], extra[2];
	int n = sscanf(val, "%31s %63s %63s %1s", kind, a, b, extra);

	if (n >= 1 && !strcmp(kind, "fixed") && n == 2) {
		p->latency = MOCK_LAT_FIXED;
		if (number(a, &p->lat_a))
			return fail(ps, err, "latency fixed: bad milliseconds \"%s\"", a);
		return 0;
	}
	if (n >= 1 && (!strcmp(kind, "uniform") || !strcmp(kind, "lognormal")) && n == 3) {
		p->latency = kind[0] == 'u' ? MOCK_LAT_UNIFORM : MOCK_LAT_LOGNORMAL;
		if (number(a, &p->lat_a) || number(b, &p->lat_b))
			return fail(ps, err, "latency %s: bad number in \"%s\"", kind, val);
		if (p->latency == MOCK_LAT_UNIFORM && p->lat_b < p->lat_a)
			return fail(ps, err, "latency uniform: max %s < min %s", b, a);
		if (p->latency == MOCK_LAT_LOGNORMAL && p->lat_b > 5)
			return fail(ps, err, "latency lognormal: sigma %s is implausible (> 5)", b);
		return 0;
	}
	return fail(ps, err, "latency: expected \"fixed MS\", \"uniform MIN MAX\" or "
		    "\"lognormal MEDIAN SIGMA\", got \"%s\"", val);
}

static int boolean(const char *s, bool *v)
{
	if (!strcmp(s, "yes") || !strcmp(s, "true") || !strcmp(s, "on") || !strcmp(s, "1"))
		*v = true;
	else if (!strcmp(s, "no") || !strcmp(s, "false") || !strcmp(s, "off") || !strcmp(s, "0"))
		*v = false;
	else
		return -1;
	return 0;
}

static int set_key(struct mock_profile_parser *ps, int slot, const char *key, const char *val,
		   struct pl_err *err)
{
	struct mock_profile *p = ps->p;
	double v;

	if (ps->seen_line[slot])
		return fail(ps, err, "duplicate key \"%s\" (first set on line %u)", key, ps->seen_line[slot]);
	ps->seen_line[slot] = ps->line;
	if (slot >= K_FAULT0)
		return prob(ps, key, val, &p->fault[slot - K_FAULT0], err);
	if (slot >= K_MISTAKE0)
		return prob(ps, key, val, &p->mistake[slot - K_MISTAKE0], err);
	switch (slot) {
	case K_NAME:
	case K_MODEL:
		if (strlen(val) >= sizeof(p->name) || strpbrk(val, " \t\"\\"))
			return fail(ps, err, "%s: expected one word of at most 63 characters, got \"%s\"", key, val);
		snprintf(slot == K_NAME ? p->name : p->model, sizeof(p->name), "%s", val);
		return 0;
	case K_LATENCY:
		return latency(ps, val, err);
	case K_CHATTY:
		return prob(ps, key, val, &p->chatty, err);
	case K_PROMPT_CACHE:
		if (boolean(val, &p->prompt_cache))
			return fail(ps, err, "%s: expected yes or no, got \"%s\"", key, val);
		return 0;
	case K_MODELS:
		if (!strcmp(val, "table"))
			p->models = MOCK_MODELS_TABLE;
		else if (!strcmp(val, "any"))
			p->models = MOCK_MODELS_ANY;
		else
			return fail(ps, err, "%s: expected table or any, got \"%s\"", key, val);
		return 0;
	case K_SERVER:
		if (!strcmp(val, "api"))
			p->server = MOCK_SERVER_API;
		else if (!strcmp(val, "llama.cpp"))
			p->server = MOCK_SERVER_LLAMACPP;
		else
			return fail(ps, err, "%s: expected api or llama.cpp, got \"%s\"", key, val);
		return 0;
	default:
		break;
	}
	if (number(val, &v))
		return fail(ps, err, "%s: expected a non-negative number, got \"%s\"", key, val);
	switch (slot) {
	case K_LATENCY_MAX: p->latency_max_ms = v; break;
	case K_TTFT: p->ttft_ms = v; break;
	case K_PER_TOKEN: p->per_token_ms = v; break;
	case K_STALL:
	case K_RETRY_AFTER:
	case K_FAULT_ATTEMPTS:
		if (v != floor(v) || v > 3600000)
			return fail(ps, err, "%s: expected a whole number, got \"%s\"", key, val);
		if (slot == K_STALL)
			p->stall_ms = (unsigned)v;
		else if (slot == K_RETRY_AFTER)
			p->retry_after_s = (unsigned)v;
		else
			p->fault_attempts = (unsigned)v;
		break;
	}
	return 0;
}

static int key_slot(const char *key)
{
	int i;

	for (i = 0; i < K_FIXED_COUNT; i++)
		if (!strcmp(key, fixed_keys[i]))
			return i;
	if (!strncmp(key, "mistake.", 8))
		for (i = 1; i < MOCK_M_COUNT; i++)
			if (!strcmp(key + 8, mistake_names[i]))
				return K_MISTAKE0 + i;
	if (!strncmp(key, "fault.", 6))
		for (i = 1; i < MOCK_F_COUNT; i++)
			if (!strcmp(key + 6, fault_names[i]))
				return K_FAULT0 + i;
	return -1;
}

static void trim(char *s)
{
	size_t n = strlen(s), i = 0;

	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	while (isspace((unsigned char)s[i]))
		i++;
	memmove(s, s + i, n - i + 1);
}

int mock_profile_line(struct mock_profile_parser *ps, const char *line, size_t len, struct pl_err *err)
{
	char buf[512], *eq, *hash;
	int slot;

	ps->line++;
	if (len >= sizeof(buf))
		return fail(ps, err, "line longer than 511 characters");
	memcpy(buf, line, len);
	buf[len] = '\0';
	if (memchr(buf, '\0', len))
		return fail(ps, err, "NUL byte in line");
	hash = strchr(buf, '#');
	if (hash)
		*hash = '\0';
	trim(buf);
	if (!buf[0])
		return 0;
	eq = strchr(buf, '=');
	if (!eq)
		return fail(ps, err, "expected \"key = value\", got \"%s\"", buf);
	*eq = '\0';
	trim(buf);
	trim(eq + 1);
	if (!buf[0])
		return fail(ps, err, "missing key before '='");
	if (!eq[1])
		return fail(ps, err, "%s: missing value", buf);
	slot = key_slot(buf);
	if (slot < 0)
		return fail(ps, err, "unknown key \"%s\" (see mockllm/README.md)", buf);
	return set_key(ps, slot, buf, eq + 1, err);
}

int mock_profile_finish(struct mock_profile_parser *ps, struct pl_err *err)
{
	const struct mock_profile *p = ps->p;
	double m = 0, f = 0;
	char a[32];
	int i;

	for (i = 1; i < MOCK_M_COUNT; i++)
		m += p->mistake[i];
	for (i = 1; i < MOCK_F_COUNT; i++)
		f += p->fault[i];
	ps->line++; /* "end of file" */
	if (m > 1 + 1e-9) {
		snprintf(a, sizeof(a), "%.3f", m);
		return fail(ps, err, "mistake probabilities sum to %s > 1 (at most one mistake per answer)", a);
	}
	if (f > 1 + 1e-9) {
		snprintf(a, sizeof(a), "%.3f", f);
		return fail(ps, err, "fault probabilities sum to %s > 1 (at most one fault per request)", a);
	}
	return 0;
}

int mock_profile_load(const char *path, struct mock_profile *p, struct pl_err *err)
{
	struct mock_profile_parser ps;
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = 0;

	if (!f)
		return pl_errf(err, -errno, "%s: %s", path, strerror(errno));
	mock_profile_init(&ps, p, path);
	{
		const char *base = strrchr(path, '/');

		base = base ? base + 1 : path;
		if (*base && strlen(base) < sizeof(p->name) && !strpbrk(base, " \t\"\\"))
			snprintf(p->name, sizeof(p->name), "%s", base);
	}
	while (!rc && (n = getline(&line, &cap, f)) >= 0) {
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			n--;
		rc = mock_profile_line(&ps, line, (size_t)n, err);
	}
	if (!rc && ferror(f))
		rc = pl_errf(err, -EIO, "%s: read error", path);
	if (!rc)
		rc = mock_profile_finish(&ps, err);
	free(line);
	fclose(f);
	return rc;
}

int mock_profile_resolve(const char *arg, const char *exe_dir, char *out, size_t outsz,
			 struct pl_err *err)
{
	const char *env = getenv("PINGLAB_PROFILES");
	struct stat st;
	int n;

	if (!arg || !*arg)
		return pl_errf(err, -EINVAL, "empty profile name");
	if (strchr(arg, '/')) {
		n = snprintf(out, outsz, "%s", arg);
	} else if (!strcmp(arg, ".") || !strcmp(arg, "..")) {
		return pl_errf(err, -EINVAL, "bad profile name \"%s\"", arg);
	} else if (env && *env) {
		n = snprintf(out, outsz, "%s/%s", env, arg);
	} else {
		/* build/ and build/san/ both sit below the source tree */
		static const char *const up[] = { "/..", "/../..", "/../../.." };
		size_t i;

		for (i = 0; i < sizeof(up) / sizeof(up[0]); i++) {
			n = snprintf(out, outsz, "%s%s/mockllm/profiles/%s", exe_dir ? exe_dir : ".", up[i], arg);
			if (n > 0 && (size_t)n < outsz && !stat(out, &st) && S_ISREG(st.st_mode))
				return 0;
		}
		n = snprintf(out, outsz, "%s/../mockllm/profiles/%s", exe_dir ? exe_dir : ".", arg);
	}
	if (n < 0 || (size_t)n >= outsz)
		return pl_errf(err, -ENAMETOOLONG, "profile path too long");
	if (stat(out, &st) || !S_ISREG(st.st_mode))
		return pl_errf(err, -ENOENT, "profile \"%s\": no file %s%s", arg, out,
			       env && *env ? " (PINGLAB_PROFILES is set)" : "");
	return 0;
}
