#include "report/prices.h"

#include <errno.h>
#include <fnmatch.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int parse_price(const char *s, double *out)
{
	char *end;

	if (!strcmp(s, "-")) {
		*out = -1;
		return 0;
	}
	*out = strtod(s, &end);
	return end == s || *end || *out < 0 ? -1 : 0;
}

int pl_prices_load(const char *path, struct pl_prices *p, struct pl_err *err)
{
	FILE *f = fopen(path, "r");
	char line[512];
	unsigned lineno = 0;
	const char *base = strrchr(path, '/');
	int rc = 0;

	memset(p, 0, sizeof(*p));
	if (!f)
		return pl_errf(err, -errno, "%s: %s", path, strerror(errno));
	snprintf(p->file, sizeof(p->file), "%s", base ? base + 1 : path);
	while (fgets(line, sizeof(line), f)) {
		char *fld[6], *save = NULL, *tok;
		int nf = 0, k;
		struct pl_price pr;

		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] == '#') {
			const char *a = strstr(line, "as_of:");

			if (a) {
				a += 6;
				while (*a == ' ')
					a++;
				snprintf(p->as_of, sizeof(p->as_of), "%s", a);
			}
			continue;
		}
		if (!line[0])
			continue;
		for (tok = strtok_r(line, "\t", &save); tok && nf < 6; tok = strtok_r(NULL, "\t", &save))
			fld[nf++] = tok;
		if (nf != 5 || strlen(fld[0]) >= sizeof(pr.pattern)) {
			rc = pl_errf(err, -EINVAL, "%s:%u: want 5 tab-separated fields: pattern input output cache_read cache_write", path, lineno);
			break;
		}
		snprintf(pr.pattern, sizeof(pr.pattern), "%s", fld[0]);
		for (k = 0; k < PL_TOK__COUNT; k++)
			if (parse_price(fld[k + 1], &pr.usd_per_mtok[k])) {
				rc = pl_errf(err, -EINVAL, "%s:%u: bad price '%s' (a number or -)", path, lineno, fld[k + 1]);
				goto out;
			}
		{
			struct pl_price *nv = realloc(p->v, (p->n + 1) * sizeof(*nv));

			if (!nv) {
				rc = pl_errf(err, -ENOMEM, "out of memory");
				break;
			}
			p->v = nv;
			p->v[p->n++] = pr;
		}
	}
out:
	fclose(f);
	if (rc)
		pl_prices_free(p);
	return rc;
}

void pl_prices_free(struct pl_prices *p)
{
	free(p->v);
	p->v = NULL;
	p->n = 0;
}

const struct pl_price *pl_prices_find(const struct pl_prices *p, const char *model)
{
	size_t i;

	if (!p || !model || !*model)
		return NULL;
	for (i = 0; i < p->n; i++)
		if (fnmatch(p->v[i].pattern, model, 0) == 0)
			return &p->v[i];
	return NULL;
}

bool pl_price_cost(const struct pl_price *pr, const double tok[PL_TOK__COUNT], double *usd)
{
	int k;

	*usd = 0;
	if (!pr)
		return false;
	for (k = 0; k < PL_TOK__COUNT; k++) {
		if (tok[k] <= 0)
			continue;
		if (pr->usd_per_mtok[k] < 0)
			return false;
		*usd += tok[k] * pr->usd_per_mtok[k] / 1e6;
	}
	return true;
}

static bool newest_in(const char *dir, char *out, size_t n)
{
	char pat[4200];
	glob_t g;
	bool ok = false;

	snprintf(pat, sizeof(pat), "%s/report/prices-*.tsv", dir);
	if (glob(pat, 0, NULL, &g) == 0 && g.gl_pathc > 0) {
		/* glob sorts: the last is the newest date */
		snprintf(out, n, "%s", g.gl_pathv[g.gl_pathc - 1]);
		ok = true;
	}
	globfree(&g);
	return ok;
}

int pl_prices_locate(const char *bindir, char *out, size_t n)
{
	static const char *const up[] = { "/..", "/../..", "/../../.." };
	const char *env = getenv("PINGLAB_PRICES");
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
