/* library.c — scenario files checked once, then replayed a scenario at a time.
 *
 * pl_scn_lib_open parses and checks every file (scenarios/README.md's rules, duplicate
 * ids across files included) keeping, per scenario, only its id in a hash set and the
 * hash of its lines; pl_scn_lib_each reads the files again and hands each scenario to a
 * callback, refusing a file that changed since it was checked. Memory does not grow with
 * the scenarios beyond those few dozen bytes each. pl_scn_load and friends, which hold a
 * whole set, are built on it. */
#include "scenario/scenario.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "scenario/fparse.h"

struct ent {
	uint64_t h;
	const char *file;
	uint32_t id;   /* offset in ids */
	uint32_t next; /* index + 1 in its bucket's chain, 0 ends it */
	int line;
};

/* a scenario of the file being checked, until the file is known good */
struct local {
	uint32_t id; /* offset in lids */
	int line;
	size_t packets;
	uint64_t src_hash;
};

struct pl_scn_lib {
	char **paths;
	size_t npaths;
	enum pl_stack_id stack;
	/* ids: chained hash set */
	struct ent *e;
	size_t ne, cape;
	uint32_t *bucket;
	size_t nb;
	char *ids;
	size_t nids, capids;
	/* every file checked, in order, and whether it failed */
	char **files;
	uint8_t *filebad;
	size_t nfiles, capfiles, capbad;
	/* every scenario of the good files, in order: its src_hash, left out (a duplicate) */
	uint64_t *mark;
	uint8_t *skip;
	size_t nmark, capmark, capskip;
	size_t count, packets;
	/* while checking */
	void (*report)(void *ctx, const char *msg);
	void *ctx;
	unsigned nbad;
	bool replaying;
	int pend_rc;            /* no report: the path's first duplicate */
	struct pl_err pend;
	char **deferred;        /* report: the path's duplicates, reported after its files */
	size_t ndef;
	struct local *loc;
	size_t nloc, caploc;
	char *lids;
	size_t nlids, caplids;
};

static uint64_t hash_id(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
	return h;
}

static int grow(void **v, size_t *cap, size_t need, size_t size)
{
	size_t ncap;
	void *nv;

	if (need <= *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 64;
	while (ncap < need)
		ncap *= 2;
	nv = realloc(*v, ncap * size);
	if (!nv)
		return -ENOMEM;
	*v = nv;
	*cap = ncap;
	return 0;
}

static struct ent *lookup(struct pl_scn_lib *lib, const char *id)
{
	uint64_t h = hash_id(id);
	uint32_t i;

	if (!lib->nb)
		return NULL;
	for (i = lib->bucket[h & (lib->nb - 1)]; i; i = lib->e[i - 1].next)
		if (lib->e[i - 1].h == h && !strcmp(lib->ids + lib->e[i - 1].id, id))
			return &lib->e[i - 1];
	return NULL;
}

static void link_all(struct pl_scn_lib *lib)
{
	size_t i;

	memset(lib->bucket, 0, lib->nb * sizeof(*lib->bucket));
	/* in index order: the newest entry heads its chain, so entries come off in reverse */
	for (i = 0; i < lib->ne; i++) {
		uint32_t *head = &lib->bucket[lib->e[i].h & (lib->nb - 1)];

		lib->e[i].next = *head;
		*head = (uint32_t)(i + 1);
	}
}

static int insert(struct pl_scn_lib *lib, const char *id, const char *file, int line)
{
	size_t l = strlen(id) + 1;
	struct ent *x;

	if (grow((void **)&lib->e, &lib->cape, lib->ne + 1, sizeof(*lib->e)) ||
	    grow((void **)&lib->ids, &lib->capids, lib->nids + l, 1))
		return -ENOMEM;
	if (lib->ne + 1 > lib->nb) {
		size_t nb = lib->nb ? lib->nb * 2 : 1024;
		uint32_t *b = realloc(lib->bucket, nb * sizeof(*b));

		if (!b)
			return -ENOMEM;
		lib->bucket = b;
		lib->nb = nb;
		link_all(lib);
	}
	x = &lib->e[lib->ne++];
	x->h = hash_id(id);
	x->file = file;
	x->line = line;
	x->id = (uint32_t)lib->nids;
	memcpy(lib->ids + lib->nids, id, l);
	lib->nids += l;
	x->next = lib->bucket[x->h & (lib->nb - 1)];
	lib->bucket[x->h & (lib->nb - 1)] = (uint32_t)lib->ne;
	return 0;
}

/* entries from index keep on are taken back (the newest first: each heads its chain) */
static void pop_to(struct pl_scn_lib *lib, size_t keep)
{
	while (lib->ne > keep) {
		struct ent *x = &lib->e[--lib->ne];

		lib->bucket[x->h & (lib->nb - 1)] = x->next;
		lib->nids = x->id;
	}
}

/* fp_defined_fn: known from an earlier file or this one; else this file's, for now */
static const char *lib_defined(void *ctx, const char *category, const char *name, const char *file, int line,
			       int *first_line)
{
	struct pl_scn_lib *lib = ctx;
	char id[sizeof(((struct pl_scenario *)0)->id)];
	struct ent *x;

	snprintf(id, sizeof(id), "%s/%s", category, name);
	x = lookup(lib, id);
	if (x) {
		*first_line = x->line;
		return x->file;
	}
	insert(lib, id, file, line); /* out of memory: only the check is weaker */
	return NULL;
}

/* An error in one file (or path) with a report callback: reported, the rest goes on */
static int keep_going(struct pl_scn_lib *lib, int rc, const struct pl_err *err)
{
	if (!rc || !lib->report || lib->replaying || rc == -ENOMEM)
		return rc;
	lib->report(lib->ctx, err->msg);
	lib->nbad++;
	return 0;
}

typedef int (*file_fn)(struct pl_scn_lib *lib, const char *file, void *arg, struct pl_err *err);

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* every *.scn file under path, sorted, hidden names skipped, 8 levels deep */
static int walk_dir(struct pl_scn_lib *lib, const char *path, int depth, file_fn fn, void *arg, struct pl_err *err)
{
	DIR *d = opendir(path);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	int rc = 0;

	if (!d)
		return pl_errf(err, -errno, "%s: %s", path, strerror(errno));
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (grow((void **)&names, &cap, n + 1, sizeof(*names)) ||
		    asprintf(&names[n], "%s/%s", path, de->d_name) < 0) {
			rc = pl_errf(err, -ENOMEM, "out of memory");
			break;
		}
		n++;
	}
	closedir(d);
	if (!rc)
		qsort(names, n, sizeof(*names), cmp_str);
	for (i = 0; i < n && !rc; i++) {
		struct stat st;
		size_t l = strlen(names[i]);

		if (stat(names[i], &st))
			continue;
		if (S_ISDIR(st.st_mode) && depth < 8)
			rc = walk_dir(lib, names[i], depth + 1, fn, arg, err);
		else if (S_ISREG(st.st_mode) && l > 4 && !strcmp(names[i] + l - 4, ".scn"))
			rc = keep_going(lib, fn(lib, names[i], arg, err), err);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

static int walk(struct pl_scn_lib *lib, const char *path, file_fn fn, void *arg, struct pl_err *err)
{
	struct stat st;

	if (stat(path, &st))
		return keep_going(lib, pl_errf(err, -errno, "%s: %s", path, strerror(errno)), err);
	if (S_ISDIR(st.st_mode))
		return walk_dir(lib, path, 0, fn, arg, err);
	return keep_going(lib, fn(lib, path, arg, err), err);
}

/* ---- checking ----------------------------------------------------------------------- */

static int local_add(struct pl_scn_lib *lib, const struct pl_scenario *s)
{
	size_t l = strlen(s->id) + 1;
	struct local *x;

	if (grow((void **)&lib->loc, &lib->caploc, lib->nloc + 1, sizeof(*lib->loc)) ||
	    grow((void **)&lib->lids, &lib->caplids, lib->nlids + l, 1))
		return -ENOMEM;
	x = &lib->loc[lib->nloc++];
	x->id = (uint32_t)lib->nlids;
	x->line = s->line;
	x->packets = pl_scn_npackets(s);
	x->src_hash = s->src_hash;
	memcpy(lib->lids + lib->nlids, s->id, l);
	lib->nlids += l;
	return 0;
}

/* A good file's scenarios join the library, but for duplicates of earlier ones */
static int commit(struct pl_scn_lib *lib, const char *file, struct pl_err *err)
{
	size_t i;

	for (i = 0; i < lib->nloc; i++) {
		const struct local *x = &lib->loc[i];
		const char *id = lib->lids + x->id;
		struct ent *d = lookup(lib, id);

		if (grow((void **)&lib->mark, &lib->capmark, lib->nmark + 1, sizeof(*lib->mark)) ||
		    grow((void **)&lib->skip, &lib->capskip, lib->nmark + 1, 1))
			return pl_errf(err, -ENOMEM, "out of memory");
		lib->mark[lib->nmark] = x->src_hash;
		lib->skip[lib->nmark] = d != NULL;
		lib->nmark++;
		if (!d) {
			if (insert(lib, id, file, x->line))
				return pl_errf(err, -ENOMEM, "out of memory");
			lib->count++;
			lib->packets += x->packets;
			continue;
		}
		if (lib->report) {
			char *msg, **nd;

			if (asprintf(&msg, "%s:%d: scenario %s already defined at %s:%d", file, x->line, id, d->file,
				     d->line) < 0)
				return pl_errf(err, -ENOMEM, "out of memory");
			nd = realloc(lib->deferred, (lib->ndef + 1) * sizeof(*nd));
			if (!nd) {
				free(msg);
				return pl_errf(err, -ENOMEM, "out of memory");
			}
			lib->deferred = nd;
			lib->deferred[lib->ndef++] = msg;
		} else if (!lib->pend_rc) {
			lib->pend_rc = pl_errf(&lib->pend, -EEXIST, "%s:%d: scenario %s already defined at %s:%d", file,
					       x->line, id, d->file, d->line);
		}
	}
	return 0;
}

static int check_file(struct pl_scn_lib *lib, const char *path, void *arg, struct pl_err *err)
{
	size_t keep = lib->ne;
	struct fparse fp;
	struct pl_scenario *s;
	const char *file;
	FILE *f;
	int rc;

	(void)arg;
	if (grow((void **)&lib->files, &lib->capfiles, lib->nfiles + 1, sizeof(*lib->files)) ||
	    grow((void **)&lib->filebad, &lib->capbad, lib->nfiles + 1, 1) ||
	    !(lib->files[lib->nfiles] = strdup(path)))
		return pl_errf(err, -ENOMEM, "out of memory");
	file = lib->files[lib->nfiles];
	lib->filebad[lib->nfiles++] = 1;
	f = fopen(path, "rb");
	if (!f)
		return pl_errf(err, -errno, "%s: %s", path, strerror(errno));
	fp_init(&fp, file, f, NULL, 0, lib->stack, true);
	fp.defined = lib_defined;
	fp.ctx = lib;
	lib->nloc = lib->nlids = 0;
	while ((rc = fp_next(&fp, &s, err)) == 1)
		if (local_add(lib, s)) {
			rc = pl_errf(err, -ENOMEM, "out of memory");
			break;
		}
	fp_free(&fp);
	fclose(f);
	pop_to(lib, keep); /* this file's ids, taken at its scenario lines */
	if (rc < 0)
		return rc;
	lib->filebad[lib->nfiles - 1] = 0;
	return commit(lib, file, err);
}

static void lib_free(struct pl_scn_lib *lib)
{
	size_t i;

	for (i = 0; i < lib->npaths; i++)
		free(lib->paths[i]);
	for (i = 0; i < lib->nfiles; i++)
		free(lib->files[i]);
	for (i = 0; i < lib->ndef; i++)
		free(lib->deferred[i]);
	free(lib->paths);
	free(lib->files);
	free(lib->filebad);
	free(lib->e);
	free(lib->bucket);
	free(lib->ids);
	free(lib->mark);
	free(lib->skip);
	free(lib->deferred);
	free(lib->loc);
	free(lib->lids);
	free(lib);
}

void pl_scn_lib_free(struct pl_scn_lib *lib)
{
	if (lib)
		lib_free(lib);
}

/* prior: a set whose ids count as defined before these paths */
static int lib_open(struct pl_scn_lib **out, char *const *paths, size_t npaths, enum pl_stack_id stack,
		    void (*report)(void *ctx, const char *msg), void *ctx, const struct pl_scn_set *prior,
		    struct pl_err *err)
{
	struct pl_scn_lib *lib = calloc(1, sizeof(*lib));
	struct pl_err local = { "" };
	size_t i, k;
	int rc = 0;

	if (!err)
		err = &local; /* errors are still told apart: report gets their text */
	*out = NULL;
	if (!lib || !(lib->paths = calloc(npaths ? npaths : 1, sizeof(*lib->paths)))) {
		free(lib);
		return pl_errf(err, -ENOMEM, "out of memory");
	}
	lib->stack = stack;
	lib->report = report;
	lib->ctx = ctx;
	for (i = 0; prior && i < prior->n && !rc; i++)
		rc = insert(lib, prior->v[i].id, prior->v[i].file, prior->v[i].line);
	for (i = 0; i < npaths && !rc; i++) {
		if (!(lib->paths[i] = strdup(paths[i]))) {
			rc = -ENOMEM;
			break;
		}
		lib->npaths++;
		lib->pend_rc = 0;
		rc = walk(lib, paths[i], check_file, NULL, err);
		if (rc)
			break;
		/* a path's duplicates after its files' errors, as they were always reported */
		for (k = 0; k < lib->ndef; k++) {
			lib->report(lib->ctx, lib->deferred[k]);
			free(lib->deferred[k]);
			lib->nbad++;
		}
		lib->ndef = 0;
		if (lib->pend_rc) {
			*err = lib->pend;
			rc = lib->pend_rc;
		}
	}
	if (rc == -ENOMEM && !err->msg[0])
		pl_errf(err, rc, "out of memory");
	if (rc) {
		lib_free(lib);
		return rc;
	}
	lib->nloc = lib->caploc = lib->nlids = lib->caplids = 0;
	free(lib->loc);
	free(lib->lids);
	lib->loc = NULL;
	lib->lids = NULL;
	*out = lib;
	if (lib->nbad)
		return pl_errf(err, -EINVAL, "%u error%s", lib->nbad, lib->nbad == 1 ? "" : "s");
	return 0;
}

int pl_scn_lib_open(struct pl_scn_lib **lib, char *const *paths, size_t npaths, enum pl_stack_id stack,
		    void (*report)(void *ctx, const char *msg), void *ctx, struct pl_err *err)
{
	return lib_open(lib, paths, npaths, stack, report, ctx, NULL, err);
}

size_t pl_scn_lib_count(const struct pl_scn_lib *lib)
{
	return lib->count;
}

size_t pl_scn_lib_packets(const struct pl_scn_lib *lib)
{
	return lib->packets;
}

/* ---- replaying ---------------------------------------------------------------------- */

struct replay {
	int (*fn)(void *ctx, struct pl_scenario *s, struct pl_err *err);
	void *ctx;
	size_t file, mark;
	int stopped;
};

static int changed(struct pl_err *err, const char *file, int line)
{
	if (line)
		return pl_errf(err, -ESTALE, "%s:%d: the file changed since it was checked (check it and run again)", file, line);
	return pl_errf(err, -ESTALE, "%s: the scenario files changed since they were checked (check them and run again)", file);
}

static int replay_file(struct pl_scn_lib *lib, const char *path, void *arg, struct pl_err *err)
{
	struct replay *r = arg;
	struct fparse fp;
	struct pl_scenario *s;
	size_t idx = r->file++;
	FILE *f;
	int rc;

	if (idx >= lib->nfiles || strcmp(lib->files[idx], path))
		return changed(err, path, 0);
	if (lib->filebad[idx])
		return 0;
	f = fopen(path, "rb");
	if (!f)
		return pl_errf(err, -errno, "%s: %s", path, strerror(errno));
	fp_init(&fp, lib->files[idx], f, NULL, 0, lib->stack, false);
	while ((rc = fp_next(&fp, &s, err)) == 1) {
		size_t k = r->mark++;

		if (k >= lib->nmark || lib->mark[k] != s->src_hash) {
			rc = changed(err, path, s->line);
			break;
		}
		if (lib->skip[k])
			continue;
		rc = r->fn(r->ctx, s, err);
		if (rc) {
			if (rc > 0)
				r->stopped = rc;
			break;
		}
	}
	fp_free(&fp);
	fclose(f);
	return rc;
}

int pl_scn_lib_each(struct pl_scn_lib *lib, int (*fn)(void *ctx, struct pl_scenario *s, struct pl_err *err),
		    void *ctx, struct pl_err *err)
{
	struct replay r = { fn, ctx, 0, 0, 0 };
	size_t i;
	int rc = 0;
	struct pl_err local;

	if (!err)
		err = &local;

	lib->replaying = true;
	for (i = 0; i < lib->npaths && !rc; i++)
		rc = walk(lib, lib->paths[i], replay_file, &r, err);
	lib->replaying = false;
	if (r.stopped)
		return r.stopped;
	if (!rc && (r.file != lib->nfiles || r.mark != lib->nmark))
		rc = changed(err, lib->npaths ? lib->paths[0] : "", 0);
	return rc;
}

/* ---- whole sets ------------------------------------------------------------------- */

static int set_take(void *ctx, struct pl_scenario *s, struct pl_err *err)
{
	struct pl_scn_set *set = ctx;

	if (grow((void **)&set->v, &set->cap, set->n + 1, sizeof(*set->v)))
		return pl_errf(err, -ENOMEM, "out of memory");
	set->v[set->n++] = *s;
	memset(s, 0, sizeof(*s));
	return 0;
}

static void set_trim(struct pl_scn_set *set, size_t n)
{
	while (set->n > n)
		pl_scn_free(&set->v[--set->n]);
}

static int load(struct pl_scn_set *set, const char *path, void (*report)(void *ctx, const char *msg), void *ctx,
		struct pl_err *err)
{
	struct pl_scn_lib *lib;
	size_t before = set->n;
	char *paths[1] = { (char *)path };
	int rc = lib_open(&lib, paths, 1, set->stack, report, ctx, set, err), erc;
	unsigned nbad;

	if (!lib)
		return rc;
	nbad = lib->nbad;
	erc = pl_scn_lib_each(lib, set_take, set, err);
	pl_scn_lib_free(lib);
	if (erc) {
		set_trim(set, before);
		return erc;
	}
	if (nbad)
		return pl_errf(err, -EINVAL, "%s: %u error%s", path, nbad, nbad == 1 ? "" : "s");
	return 0;
}

int pl_scn_load(struct pl_scn_set *set, const char *path, struct pl_err *err)
{
	return load(set, path, NULL, NULL, err);
}

int pl_scn_load_each(struct pl_scn_set *set, const char *path,
		     void (*report)(void *ctx, const char *msg), void *ctx, struct pl_err *err)
{
	return load(set, path, report, ctx, err);
}

/* fp_defined_fn for a set: its scenarios so far, this file's included */
static const char *set_defined(void *ctx, const char *category, const char *name, const char *file, int line,
			       int *first_line)
{
	const struct pl_scn_set *set = ctx;
	size_t i;

	(void)file;
	(void)line;
	for (i = 0; i < set->n; i++)
		if (!strcmp(set->v[i].name, name) && !strcmp(set->v[i].category, category)) {
			*first_line = set->v[i].line;
			return set->v[i].file;
		}
	return NULL;
}

int pl_scn_parse_text(struct pl_scn_set *set, const char *name, const char *text, size_t len,
		      struct pl_err *err)
{
	struct fparse fp;
	struct pl_scenario *s;
	size_t before = set->n;
	int rc;

	fp_init(&fp, name, NULL, text, len, set->stack, true);
	fp.defined = set_defined;
	fp.ctx = set;
	while ((rc = fp_next(&fp, &s, err)) == 1)
		if (set_take(set, s, err)) {
			rc = -ENOMEM;
			break;
		}
	fp_free(&fp);
	if (rc < 0) {
		set_trim(set, before);
		return rc;
	}
	return 0;
}
