#include "model/table.h"

#include <errno.h>
#include <fnmatch.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NFIELDS 10

static const char *const api_names[] = { "any", "anthropic", "openai" };
static const char *const temp_names[] = { "yes", "no", "default" };
static const char *const max_names[] = { "max_tokens", "max_completion_tokens" };
static const char *const think_names[] = { "none", "budget", "effort" };

#define NAME_OF(tbl, v) ((unsigned)(v) < sizeof(tbl) / sizeof(tbl[0]) ? tbl[v] : "?")

const char *pl_mt_api_name(enum pl_mt_api a) { return NAME_OF(api_names, a); }
const char *pl_mt_temp_name(enum pl_mt_temp t) { return NAME_OF(temp_names, t); }
const char *pl_mt_max_name(enum pl_mt_max m) { return NAME_OF(max_names, m); }
const char *pl_mt_think_name(enum pl_mt_think t) { return NAME_OF(think_names, t); }

/* The index of s in names[n], or -1. */
static int word(const char *s, const char *const *names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(s, names[i]))
			return (int)i;
	return -1;
}

/* A column of fixed words: its value's index, or an error listing the choices. */
static int enum_field(const char *s, const char *col, const char *const *names, size_t n, int *out,
		      const char *path, unsigned lineno, struct pl_err *err)
{
	char choices[128] = "";
	size_t i;

	*out = word(s, names, n);
	if (*out >= 0)
		return 0;
	for (i = 0; i < n; i++)
		snprintf(choices + strlen(choices), sizeof(choices) - strlen(choices), "%s%s", i ? ", " : "", names[i]);
	return pl_errf(err, -EINVAL, "%s:%u: %s: '%s' is not one of %s", path, lineno, col, s, choices);
}

static int parse_price(const char *s, double *out)
{
	char *end;

	if (!strcmp(s, "-")) {
		*out = -1;
		return 0;
	}
	errno = 0;
	*out = strtod(s, &end);
	return errno || end == s || *end || !(*out >= 0 && *out < 1e6) ? -1 : 0;
}

static int parse_tokens(const char *s, long *out)
{
	char *end;

	if (!strcmp(s, "-")) {
		*out = -1;
		return 0;
	}
	errno = 0;
	*out = strtol(s, &end, 10);
	return errno || end == s || *end || *out < 0 || *out > 100000000 ? -1 : 0;
}

/* One data line into r; an error names the field. */
static int parse_row(char **fld, struct pl_mrow *r, const char *path, unsigned lineno, struct pl_err *err)
{
	static const char *const price_col[PL_TOK__COUNT] = { "input", "output", "cache_read", "cache_write" };
	int k, v, rc;

	memset(r, 0, sizeof(*r));
	r->line = lineno;
	if (strlen(fld[0]) >= sizeof(r->pattern))
		return pl_errf(err, -EINVAL, "%s:%u: pattern: longer than %zu characters", path, lineno,
			       sizeof(r->pattern) - 1);
	snprintf(r->pattern, sizeof(r->pattern), "%s", fld[0]);
	if ((rc = enum_field(fld[1], "api", api_names, 3, &v, path, lineno, err)))
		return rc;
	r->api = (enum pl_mt_api)v;
	if ((rc = enum_field(fld[2], "temperature", temp_names, 3, &v, path, lineno, err)))
		return rc;
	r->temperature = (enum pl_mt_temp)v;
	if ((rc = enum_field(fld[3], "max_field", max_names, 2, &v, path, lineno, err)))
		return rc;
	r->max_field = (enum pl_mt_max)v;
	if ((rc = enum_field(fld[4], "thinking", think_names, 3, &v, path, lineno, err)))
		return rc;
	r->thinking = (enum pl_mt_think)v;
	if (parse_tokens(fld[5], &r->min_cache))
		return pl_errf(err, -EINVAL, "%s:%u: min_cache: '%s' is not a token count or -", path, lineno, fld[5]);
	for (k = 0; k < PL_TOK__COUNT; k++)
		if (parse_price(fld[6 + k], &r->usd_per_mtok[k]))
			return pl_errf(err, -EINVAL, "%s:%u: %s: bad price '%s' (USD per million tokens, or -)", path,
				       lineno, price_col[k], fld[6 + k]);
	return 0;
}

int pl_mtab_load(const char *path, struct pl_mtab *t, struct pl_err *err)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	unsigned lineno = 0;
	const char *base = strrchr(path, '/');
	int rc = 0;

	memset(t, 0, sizeof(*t));
	if (!f)
		return pl_errf(err, -errno, "%s: %s", path, strerror(errno));
	snprintf(t->file, sizeof(t->file), "%s", base ? base + 1 : path);
	while (fgets(line, sizeof(line), f)) {
		char *fld[NFIELDS + 1], *save = NULL, *tok;
		int nf = 0;
		struct pl_mrow r;

		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			rc = pl_errf(err, -EINVAL, "%s:%u: line longer than %zu characters", path, lineno, sizeof(line) - 2);
			break;
		}
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '#') {
			const char *a = strstr(line, "as_of:");

			if (a) {
				a += 6;
				while (*a == ' ')
					a++;
				snprintf(t->as_of, sizeof(t->as_of), "%s", a);
			}
			continue;
		}
		if (!line[strspn(line, " \t")])
			continue;
		for (tok = strtok_r(line, "\t", &save); tok && nf <= NFIELDS; tok = strtok_r(NULL, "\t", &save))
			fld[nf++] = tok;
		if (nf != NFIELDS) {
			rc = pl_errf(err, -EINVAL,
				     "%s:%u: want %d tab-separated fields (pattern api temperature max_field thinking "
				     "min_cache input output cache_read cache_write), got %d",
				     path, lineno, NFIELDS, nf);
			break;
		}
		rc = parse_row(fld, &r, path, lineno, err);
		if (rc)
			break;
		{
			struct pl_mrow *nv = realloc(t->v, (t->n + 1) * sizeof(*nv));

			if (!nv) {
				rc = pl_errf(err, -ENOMEM, "out of memory");
				break;
			}
			t->v = nv;
			t->v[t->n++] = r;
		}
	}
	fclose(f);
	if (rc)
		pl_mtab_free(t);
	return rc;
}

void pl_mtab_free(struct pl_mtab *t)
{
	free(t->v);
	t->v = NULL;
	t->n = 0;
}

void pl_mrow_flat(struct pl_mrow *r, double in, double out)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->pattern, sizeof(r->pattern), "*");
	r->min_cache = -1;
	r->usd_per_mtok[PL_TOK_INPUT] = r->usd_per_mtok[PL_TOK_CACHE_READ] = r->usd_per_mtok[PL_TOK_CACHE_WRITE] = in;
	r->usd_per_mtok[PL_TOK_OUTPUT] = out;
}

int pl_mtab_price_all(struct pl_mtab *t, double in, double out, struct pl_err *err)
{
	struct pl_mrow *nv = realloc(t->v, (t->n + 1) * sizeof(*nv)), r;

	if (!nv)
		return pl_errf(err, -ENOMEM, "out of memory");
	pl_mrow_flat(&r, in, out);
	memmove(nv + 1, nv, t->n * sizeof(*nv));
	nv[0] = r;
	t->v = nv;
	t->n++;
	snprintf(t->file + strnlen(t->file, sizeof(t->file) - 9), 9, "+--price");
	return 0;
}

const struct pl_mrow *pl_mtab_find(const struct pl_mtab *t, const char *model)
{
	size_t i;

	if (!t || !model || !*model)
		return NULL;
	for (i = 0; i < t->n; i++)
		if (fnmatch(t->v[i].pattern, model, 0) == 0)
			return &t->v[i];
	return NULL;
}

bool pl_mrow_cost(const struct pl_mrow *r, const double tok[PL_TOK__COUNT], double *usd)
{
	int k;

	*usd = 0;
	if (!r)
		return false;
	for (k = 0; k < PL_TOK__COUNT; k++) {
		if (tok[k] <= 0)
			continue;
		if (r->usd_per_mtok[k] < 0)
			return false;
		*usd += tok[k] * r->usd_per_mtok[k] / 1e6;
	}
	return true;
}

static bool newest_in(const char *dir, char *out, size_t n)
{
	char pat[4200];
	glob_t g;
	bool ok = false;

	snprintf(pat, sizeof(pat), "%s/model/models-*.tsv", dir);
	if (glob(pat, 0, NULL, &g) == 0 && g.gl_pathc > 0) {
		/* glob sorts: the last is the newest date */
		snprintf(out, n, "%s", g.gl_pathv[g.gl_pathc - 1]);
		ok = true;
	}
	globfree(&g);
	return ok;
}

int pl_mtab_locate(const char *bindir, char *out, size_t n)
{
	static const char *const up[] = { "/..", "/../..", "/../../.." };
	const char *env = getenv("PINGLAB_MODELS");
	char dir[4096];
	size_t i;

	if (env && *env && access(env, R_OK) == 0) {
		snprintf(out, n, "%s", env);
		return 0;
	}
	for (i = 0; bindir && i < sizeof(up) / sizeof(up[0]); i++) {
		snprintf(dir, sizeof(dir), "%s%s", bindir, up[i]);
		if (newest_in(dir, out, n))
			return 0;
	}
	return newest_in(".", out, n) ? 0 : -ENOENT;
}
