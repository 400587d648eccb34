#include "report/data.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/jsonnum.h"
#include "packet/hex.h"
#include "record/record.h"
#include "report/stats.h"

/* worst first: wrong bytes on the wire, then answering what must be dropped, then
 * silence, then the model's text, then infrastructure */
static const int severity[V__COUNT] = {
	[V_PASS] = 0, [V_API_ERROR] = 1, [V_TIMEOUT] = 2, [V_REFUSED] = 3, [V_TRUNCATED] = 4,
	[V_UNPARSEABLE] = 5, [V_MISSED_REPLY] = 6, [V_FALSE_REPLY] = 7, [V_WRONG_REPLY] = 8,
};

int rp_worse(int a, int b)
{
	if (a < 0 || a >= V__COUNT)
		return b;
	if (b < 0 || b >= V__COUNT)
		return a;
	return severity[b] > severity[a] ? b : a;
}

const char *rp_symbol(int v)
{
	switch (v) {
	case V_PASS: return "\u2713";           /* ✓ */
	case V_WRONG_REPLY: return "\u2717";    /* ✗ */
	case V_MISSED_REPLY: return "\u25cb";   /* ○ */
	case V_FALSE_REPLY: return "!";
	case V_UNPARSEABLE: return "?";
	case V_API_ERROR: return "\u26a0";      /* ⚠ */
	case V_TIMEOUT: return "\u2026";        /* … */
	case V_TRUNCATED: return "\u2702";      /* ✂ */
	case V_REFUSED: return "\u2298";        /* ⊘ */
	default: return "\u00b7";               /* · not run */
	}
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0, k;

	if (!f)
		return NULL;
	for (;;) {
		if (n + 65536 + 1 > cap) {
			char *nb = realloc(buf, cap = (cap ? cap * 2 : 131072));

			if (!nb) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		k = fread(buf + n, 1, cap - n - 1, f);
		if (!k)
			break;
		n += k;
	}
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

static int grow(void **v, size_t n, size_t size)
{
	/* capacity: 16, then doubling; grows when n reaches it */
	void *nv;

	if (n && (n < 16 || (n & (n - 1))))
		return 0;
	nv = realloc(*v, (n ? n * 2 : 16) * size);
	if (!nv)
		return -ENOMEM;
	*v = nv;
	return 0;
}

/* Interned strings: a run of a million packets has a handful of distinct expect and note
 * strings (and a note of its own per failure); each is stored once. Open addressing. */
struct rp_strtab {
	char **v;
	size_t cap, n;
};

static const char *intern(struct rp_run *r, const char *s, int *rc)
{
	struct rp_strtab *t = r->strs;
	size_t h = 14695981039346656037u, i;
	const unsigned char *u;

	if (!s)
		return NULL;
	if (!t && !(t = r->strs = calloc(1, sizeof(*t)))) {
		*rc = -ENOMEM;
		return NULL;
	}
	if (2 * (t->n + 1) > t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 256, k;
		char **v = calloc(cap, sizeof(*v));

		if (!v) {
			*rc = -ENOMEM;
			return NULL;
		}
		for (k = 0; k < t->cap; k++)
			if (t->v[k]) {
				size_t g = 14695981039346656037u;

				for (u = (const unsigned char *)t->v[k]; *u; u++)
					g = (g ^ *u) * 1099511628211u;
				for (i = g & (cap - 1); v[i]; i = (i + 1) & (cap - 1))
					;
				v[i] = t->v[k];
			}
		free(t->v);
		t->v = v;
		t->cap = cap;
	}
	for (u = (const unsigned char *)s; *u; u++)
		h = (h ^ *u) * 1099511628211u;
	for (i = h & (t->cap - 1); t->v[i]; i = (i + 1) & (t->cap - 1))
		if (!strcmp(t->v[i], s))
			return t->v[i];
	if (!(t->v[i] = strdup(s))) {
		*rc = -ENOMEM;
		return NULL;
	}
	t->n++;
	return t->v[i];
}

static void strtab_free(struct rp_strtab *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->cap; i++)
		free(t->v[i]);
	free(t->v);
	free(t);
}

static size_t find_cat(struct rp_run *r, const char *name, int *rc)
{
	size_t i;

	for (i = 0; i < r->ncats; i++)
		if (!strcmp(r->cats[i], name))
			return i;
	if (grow((void **)&r->cats, r->ncats, sizeof(char *)) || !(r->cats[r->ncats] = strdup(name))) {
		*rc = -ENOMEM;
		return 0;
	}
	return r->ncats++;
}

/* names of the targets a first reading found to be the kernel (see rp_load) */
struct seeds {
	char **v;
	size_t n;
};

static size_t find_target_seeded(struct rp_run *r, const char *name, const struct seeds *seeds, int *rc)
{
	size_t i;

	for (i = 0; i < r->nt; i++)
		if (!strcmp(r->t[i].name, name))
			return i;
	if (grow((void **)&r->t, r->nt, sizeof(*r->t))) {
		*rc = -ENOMEM;
		return 0;
	}
	memset(&r->t[r->nt], 0, sizeof(*r->t));
	if (!(r->t[r->nt].name = strdup(name))) {
		*rc = -ENOMEM;
		return 0;
	}
	for (i = 0; seeds && i < seeds->n; i++)
		if (!strcmp(seeds->v[i], name))
			r->t[r->nt].kind_kernel = true;
	return r->nt++;
}

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

/* The scenario index's slot for id: where it is, or the empty slot it would go in. */
static uint32_t *scn_slot(const struct rp_run *r, const char *id)
{
	size_t k = (size_t)fnv1a(id) & (r->scn_ix_cap - 1);

	while (r->scn_ix[k] && strcmp(r->s[r->scn_ix[k] - 1].id, id))
		k = (k + 1) & (r->scn_ix_cap - 1);
	return &r->scn_ix[k];
}

/* Scenarios by id through a hash table (a record per packet looks its scenario up: a
 * run of 62,500 imported scenarios made the scan quadratic), grown at half full. */
static size_t find_scn(struct rp_run *r, const char *id, const char *cat, int *rc)
{
	uint32_t *slot;

	if (2 * (r->ns + 1) > r->scn_ix_cap) {
		size_t cap = r->scn_ix_cap ? 2 * r->scn_ix_cap : 1024, i;
		uint32_t *ix = calloc(cap, sizeof(*ix)), *old = r->scn_ix;

		if (!ix) {
			*rc = -ENOMEM;
			return 0;
		}
		r->scn_ix = ix;
		r->scn_ix_cap = cap;
		for (i = 0; i < r->ns; i++)
			*scn_slot(r, r->s[i].id) = (uint32_t)i + 1;
		free(old);
	}
	slot = scn_slot(r, id);
	if (*slot)
		return *slot - 1;
	if (grow((void **)&r->s, r->ns, sizeof(*r->s))) {
		*rc = -ENOMEM;
		return 0;
	}
	*slot = (uint32_t)r->ns + 1;
	memset(&r->s[r->ns], 0, sizeof(*r->s));
	r->s[r->ns].id = id;
	r->s[r->ns].category = cat ? cat : "uncategorised";
	r->s[r->ns].cat = find_cat(r, r->s[r->ns].category, rc);
	return r->ns++;
}

static double iso_to_us(const char *s)
{
	struct tm tm;
	const char *rest;
	double frac = 0;

	if (!s)
		return 0;
	memset(&tm, 0, sizeof(tm));
	rest = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!rest)
		return 0;
	if (*rest == '.')
		frac = strtod(rest, NULL);
	return ((double)timegm(&tm) + frac) * 1e6;
}

static void load_run_json(struct rp_run *r, const struct seeds *seeds, int *rc)
{
	char path[4200];
	char *txt;
	const cJSON *a, *e;

	snprintf(path, sizeof(path), "%s/run.json", r->dir);
	txt = slurp(path, NULL);
	r->run = txt ? cJSON_Parse(txt) : NULL;
	free(txt);
	if (!r->run)
		return;
	r->run_id = pl_jstr(r->run, "run_id");
	r->started = pl_jstr(r->run, "started");
	r->ended = pl_jstr(r->run, "ended");
	r->version = pl_jstr(r->run, "pinglab_version");
	if (pl_jstr(r->run, "stack")) {
		r->stack = pl_stack_by_name(pl_jstr(r->run, "stack"));
		r->stack_unknown = !r->stack;
	}
	r->simulated = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r->run, "simulated"));
	r->repeat = (unsigned)pl_jnum(r->run, "repeat", 1);
	r->started_us = iso_to_us(r->started);
	a = cJSON_GetObjectItemCaseSensitive(r->run, "targets");
	cJSON_ArrayForEach(e, a)
		if (cJSON_IsString(e))
			find_target_seeded(r, e->valuestring, seeds, rc);
	/* the model targets: "models"; a run from before several models, its "model" */
	a = pl_rec_run_models(r->run, &r->models_made);
	cJSON_ArrayForEach(e, a) {
		size_t i;

		if (!pl_jstr(e, "target"))
			continue;
		i = find_target_seeded(r, pl_jstr(e, "target"), seeds, rc);
		if (*rc)
			return;
		r->t[i].is_model = true;
		r->t[i].mobj = e;
	}
	a = cJSON_GetObjectItemCaseSensitive(r->run, "scenarios");
	cJSON_ArrayForEach(e, a) {
		size_t i;

		if (!pl_jstr(e, "id"))
			continue;
		i = find_scn(r, pl_jstr(e, "id"), pl_jstr(e, "category"), rc);
		if (*rc)
			return;
		r->s[i].description = pl_jstr(e, "description");
		r->s[i].hash = pl_jstr(e, "hash");
		r->s[i].file = pl_jstr(e, "file");
	}
}

/* A file of a run directory named in run.json: a plain name, nothing else. */
static bool run_file(const char *name)
{
	return name && *name && !strchr(name, '/') && strcmp(name, ".") && strcmp(name, "..");
}

/* Reading a file line by line: lines end at '\n', empty ones are passed over; a line with
 * a NUL byte in it is handed out too, marked bad (the caller skips it and reads on). */
struct lines {
	int fd;
	char *buf;
	size_t cap, lo, hi;  /* buf[lo..hi) not yet handed out */
	uint64_t base;       /* file offset of buf[0] */
	uint64_t lineno;     /* of the line last handed out, from 1 (empty lines count) */
	bool eof, nuls;      /* nuls: some byte read so far was a NUL */
	bool bad, torn;      /* the line last handed out: has a NUL; ends the file without '\n' */
};

static int lines_open(struct lines *l, int fd)
{
	memset(l, 0, sizeof(*l));
	l->fd = fd;
	l->cap = 1 << 20;
	l->buf = malloc(l->cap + 1);
	return l->buf ? 0 : -ENOMEM;
}

/* The next line (NUL-terminated in place, *len bytes, at file offset *off), or NULL. */
static char *lines_next(struct lines *l, size_t *len, uint64_t *off, int *rc)
{
	for (;;) {
		char *s = l->buf + l->lo, *nl = memchr(s, '\n', l->hi - l->lo);
		size_t n = nl ? (size_t)(nl - s) : l->hi - l->lo;

		if (nl || l->eof) {
			if (!nl && !n)
				return NULL;
			l->lineno++;
			s[n] = '\0';
			*off = l->base + l->lo;
			l->lo += n + (nl ? 1 : 0);
			if (!n)
				continue;
			l->torn = !nl;
			l->bad = l->nuls && memchr(s, '\0', n);
			*len = n;
			return s;
		}
		/* no whole line in the buffer: move what is left to its start, grow if full, read */
		if (l->lo) {
			memmove(l->buf, s, l->hi - l->lo);
			l->base += l->lo;
			l->hi -= l->lo;
			l->lo = 0;
		}
		if (l->hi == l->cap) {
			char *nb = realloc(l->buf, 2 * l->cap + 1);

			if (!nb) {
				*rc = -ENOMEM;
				return NULL;
			}
			l->buf = nb;
			l->cap *= 2;
		}
		{
			ssize_t k = read(l->fd, l->buf + l->hi, l->cap - l->hi);

			if (k <= 0) {
				l->eof = true;
			} else {
				l->nuls = l->nuls || memchr(l->buf + l->hi, '\0', (size_t)k);
				l->hi += (size_t)k;
			}
		}
	}
}

/* A responder log, compact: per decision line (one with "in" a string) what a join
 * takes from it, its "in" stored once per distinct value (as bytes when it is lowercase
 * hex, else as it is), and a hash table from "in" to its lines in file order. A line's
 * tokens and model (when it has any) are a struct rp_join of their own in rp_run.joins;
 * the others share one per log. */
struct dent {
	uint32_t koff, klen;    /* its "in" in keys[]; klen's top bit: as bytes */
	uint32_t next;          /* the next line with the same "in", NONE_E at the end */
	uint32_t join;          /* 1 + index in rp_run.joins; top bit: joined */
	double total, t_recv;   /* timing_us.total, t_recv_us (-1 absent) */
};

#define NONE_E UINT32_MAX
#define USED_E 0x80000000u
#define BYTES_K 0x80000000u

struct logix {
	struct dent *e;
	size_t m;
	uint8_t *keys;
	size_t nkeys, capkeys;
	uint32_t *slot, *shash, *scur; /* slot: 1 + first line of an "in"; scur: its first unused */
	size_t cap;                    /* slots, a power of two (0: none) */
	bool model;
	size_t only;                   /* the model target it serves */
	const char *dflt_model;        /* interned */
	uint32_t plain;                /* the join of lines without tokens or a model; 0 none yet */
};

/* What rp_load carries while it reads: the logs to join, the record scanner. */
struct load {
	struct seeds seeds;
	struct logix *lx;   /* [0]: the reference's; then one per model target */
	size_t nlx;
	struct pl_rec_scanner sc;
	uint8_t *sent_buf, *ans_buf;
	uint8_t *kbuf;      /* a key's bytes */
	size_t kcap;
	bool flip;          /* a target turned out to be the kernel after packets of it were read */
};

/* "in" (or a packet's "sent") as a key: its bytes when it is lowercase hex of even length
 * (that spelling is one-to-one), else the string itself; the same key iff the same string. */
static int key_of(struct load *L, const char *s, size_t n, const uint8_t **k, uint32_t *klen)
{
	size_t i;

	if (n > 0x7fffffffu)
		return -E2BIG;
	if (!(n & 1)) {
		for (i = 0; i < n; i++)
			if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
				break;
		if (i == n) {
			if (n / 2 > L->kcap) {
				uint8_t *nb = realloc(L->kbuf, n / 2);

				if (!nb)
					return -ENOMEM;
				L->kbuf = nb;
				L->kcap = n / 2;
			}
			for (i = 0; i < n / 2; i++)
				L->kbuf[i] = (uint8_t)(pl_hex_digit(s[2 * i]) << 4 | pl_hex_digit(s[2 * i + 1]));
			*k = L->kbuf;
			*klen = (uint32_t)(n / 2) | BYTES_K;
			return 0;
		}
	}
	*k = (const uint8_t *)s;
	*klen = (uint32_t)n;
	return 0;
}

static uint32_t key_hash(const uint8_t *k, uint32_t klen)
{
	uint64_t h = 14695981039346656037u ^ klen;
	size_t i, n = klen & ~BYTES_K;

	for (i = 0; i + 8 <= n; i += 8) {
		uint64_t w;

		memcpy(&w, k + i, 8);
		h = (h ^ w) * 0x100000001b3u;
		h ^= h >> 29;
	}
	for (; i < n; i++)
		h = (h ^ k[i]) * 1099511628211u;
	h ^= h >> 32;
	return (uint32_t)h;
}

/* The slot of key k: its own, or the empty one where it would go. */
static size_t key_slot(const struct logix *x, const uint8_t *k, uint32_t klen, uint32_t h)
{
	size_t i;

	for (i = h & (x->cap - 1); x->slot[i]; i = (i + 1) & (x->cap - 1)) {
		const struct dent *e = &x->e[x->slot[i] - 1];

		if (x->shash[i] == h && e->klen == klen && !memcmp(x->keys + e->koff, k, klen & ~BYTES_K))
			break;
	}
	return i;
}

static int logix_rehash(struct logix *x)
{
	size_t cap = x->cap ? 2 * x->cap : 1024, i, j;
	uint32_t *slot = calloc(cap, sizeof(*slot)), *sh = malloc(cap * sizeof(*sh)), *sc = malloc(cap * sizeof(*sc));

	if (!slot || !sh || !sc) {
		free(slot);
		free(sh);
		free(sc);
		return -ENOMEM;
	}
	for (i = 0; i < x->cap; i++) {
		if (!x->slot[i])
			continue;
		for (j = x->shash[i] & (cap - 1); slot[j]; j = (j + 1) & (cap - 1))
			;
		slot[j] = x->slot[i];
		sh[j] = x->shash[i];
		sc[j] = x->scur[i];
	}
	free(x->slot);
	free(x->shash);
	free(x->scur);
	x->slot = slot;
	x->shash = sh;
	x->scur = sc;
	x->cap = cap;
	return 0;
}

/* Bit-for-bit zero: a -0 token count prints as "-0" and must keep its own join. */
static bool zero_bits(double v)
{
	uint64_t u;

	memcpy(&u, &v, sizeof(u));
	return !u;
}

static int add_join(struct rp_run *r, const double tok[PL_TOK__COUNT], double thinking, const char *model, uint32_t *out)
{
	struct rp_join *j;

	if (r->njoins >= USED_E - 1 || grow((void **)&r->joins, r->njoins, sizeof(*r->joins)))
		return -ENOMEM;
	j = &r->joins[r->njoins++];
	memcpy(j->tok, tok, sizeof(j->tok));
	j->thinking = thinking;
	j->model = model;
	*out = (uint32_t)r->njoins;
	return 0;
}

/* One decision line into x (during build: scur holds the last line of each "in"). */
static int log_line(struct rp_run *r, struct load *L, struct logix *x, const struct pl_rec_decision *d)
{
	static const double none[PL_TOK__COUNT] = { 0 };
	const uint8_t *k;
	uint32_t klen, h;
	struct dent *e;
	size_t i, n;
	int rc;

	if (!d->in)
		return 0;
	if ((rc = key_of(L, d->in, d->in_len, &k, &klen)))
		return rc;
	if (x->m >= USED_E - 1 || grow((void **)&x->e, x->m, sizeof(*x->e)))
		return -ENOMEM;
	if (2 * (x->m + 1) > x->cap && logix_rehash(x))
		return -ENOMEM;
	e = &x->e[x->m];
	e->klen = klen;
	e->next = NONE_E;
	e->total = d->total;
	e->t_recv = d->t_recv_us;
	h = key_hash(k, klen);
	i = key_slot(x, k, klen, h);
	if (x->slot[i]) {
		e->koff = x->e[x->slot[i] - 1].koff;
		x->e[x->scur[i]].next = (uint32_t)x->m;
		x->scur[i] = (uint32_t)x->m;
	} else {
		n = klen & ~BYTES_K;
		if (x->nkeys + n > UINT32_MAX)
			return -E2BIG;
		if (x->nkeys + n > x->capkeys) {
			size_t cap = x->capkeys ? x->capkeys : 1 << 16;
			uint8_t *nk;

			while (cap < x->nkeys + n)
				cap *= 2;
			if (!(nk = realloc(x->keys, cap)))
				return -ENOMEM;
			x->keys = nk;
			x->capkeys = cap;
		}
		memcpy(x->keys + x->nkeys, k, n);
		e->koff = (uint32_t)x->nkeys;
		x->nkeys += n;
		x->slot[i] = (uint32_t)x->m + 1;
		x->shash[i] = h;
		x->scur[i] = (uint32_t)x->m;
	}
	/* the join: its own when the line has tokens or a model, else the log's plain one */
	{
		const char *model = d->model && *d->model ? d->model : x->dflt_model;
		bool own = d->model && *d->model;

		for (n = 0; n < PL_TOK__COUNT; n++)
			own = own || !zero_bits(d->tok[n]);
		own = own || !zero_bits(d->thinking);
		if (own) {
			model = intern(r, model, &rc);
			if (rc || (rc = add_join(r, d->tok, d->thinking, model, &e->join)))
				return rc;
		} else {
			if (!x->plain && (rc = add_join(r, none, 0, x->dflt_model, &x->plain)))
				return rc;
			e->join = x->plain;
		}
	}
	x->m++;
	return 0;
}

/* Read a responder log into x, a line at a time. A missing log is an empty one. */
static int load_log(struct rp_run *r, struct load *L, struct logix *x, const char *name, bool model, size_t only)
{
	char path[4200];
	struct lines l;
	struct pl_rec_decision d;
	char *line;
	size_t len, i;
	uint64_t off;
	int fd, rc = 0;

	memset(x, 0, sizeof(*x));
	x->model = model;
	x->only = only;
	if (model && only < r->nt) {
		const char *m = pl_jstr(r->t[only].mobj, "model");

		x->dflt_model = m && *m ? intern(r, m, &rc) : NULL;
		if (rc)
			return rc;
	}
	snprintf(path, sizeof(path), "%s/%s", r->dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	if (lines_open(&l, fd)) {
		close(fd);
		return -ENOMEM;
	}
	while (!rc && (line = lines_next(&l, &len, &off, &rc))) {
		if (l.bad)
			continue;
		if (pl_rec_scan_decision(line, &d))
			pl_rec_parse_decision(line, &d);
		rc = log_line(r, L, x, &d);
		pl_rec_decision_free(&d);
	}
	close(fd);
	free(l.buf);
	/* from here scur is the first unused line of each "in" */
	for (i = 0; i < x->cap; i++)
		if (x->slot[i])
			x->scur[i] = x->slot[i] - 1;
	return rc;
}

static void logix_free(struct logix *x)
{
	free(x->e);
	free(x->keys);
	free(x->slot);
	free(x->shash);
	free(x->scur);
	memset(x, 0, sizeof(*x));
}

/* Join packet p (just read, with the bytes it sent) to the first unused entry of its
 * responder's log that answered those bytes, in file order: the reference's log for the
 * reference target, model target k's own log for k. */
static int join(struct rp_run *r, struct load *L, struct rp_pkt *p, const char *sent)
{
	struct rp_target *t = &r->t[p->tgt];
	struct logix *x = NULL;
	struct dent *e;
	const uint8_t *kb;
	uint32_t klen, h;
	size_t k, i;
	int rc;

	if (t->kind_kernel || (p->delivered_known && !p->delivered))
		return 0;
	for (k = 0; k < L->nlx && !x; k++)
		if (L->lx[k].model == t->is_model && (!t->is_model || L->lx[k].only == p->tgt))
			x = &L->lx[k];
	if (!x || !x->m)
		return 0;
	if ((rc = key_of(L, sent, p->sent_hex, &kb, &klen)))
		return rc == -E2BIG ? 0 : rc;
	h = key_hash(kb, klen);
	i = key_slot(x, kb, klen, h);
	if (!x->slot[i] || x->scur[i] == NONE_E)
		return 0;
	e = &x->e[x->scur[i]];
	x->scur[i] = e->next;
	p->join = e->join;
	e->join |= USED_E;
	p->decision_us = e->total;
	t->answered++;
	if (e->t_recv > 0) {
		double off = e->t_recv - p->t_sent_us;

		if (!t->wall_from_log || off < t->wall_offset_us)
			t->wall_offset_us = off;
		t->wall_from_log = true;
	}
	return 0;
}

/* What no generator packet accounts for (e.g. a reply routed back into tun0). */
static void unattributed(struct rp_run *r, const struct logix *x)
{
	size_t i, k, j;

	for (i = 0; i < x->m; i++) {
		const struct rp_join *jn = &r->joins[(x->e[i].join & ~USED_E) - 1];

		if (x->e[i].join & USED_E)
			continue;
		for (k = 0; k < r->nt; k++) {
			struct rp_target *t = &r->t[k];

			if (t->kind_kernel || t->is_model != x->model || (x->model && k != x->only))
				continue;
			t->unattributed++;
			for (j = 0; j < PL_TOK__COUNT; j++)
				t->unattributed_tok[j] += jn->tok[j];
			break;
		}
	}
}

/* The kind of answer the stack's reference gives the packet sent as hex. */
static uint8_t answer_of(const struct rp_run *r, struct load *L, bool kernel, const char *sent)
{
	size_t n = 0, an = 0;
	struct pl_decision d;

	if (!pl_hex_decode(sent, L->sent_buf, 65536, &n, NULL) &&
	    r->stack->reply(L->sent_buf, n, kernel ? 0x0a4d0101u : PL_RESPONDER_ADDR, L->ans_buf, 65600, &an, &d, NULL) == 0 &&
	    d.action == PL_ACTION_REPLY)
		return (uint8_t)pl_answer_of(L->ans_buf, an);
	return PL_ANS_DROP;
}

/* One line of a packets file: counted, or a packet kept in its compact form. */
static int packet_line(struct rp_run *r, struct load *L, char *line, size_t len, uint64_t off, uint16_t file)
{
	struct pl_rec rec;
	struct rp_pkt *p;
	struct rp_target *t;
	int v, rc = 0;
	size_t i;

	if (pl_rec_scan(line, &L->sc, &rec))
		pl_rec_parse(line, &rec);
	if (rec.type == PL_REC_UNMATCHED) {
		r->unmatched++;
		goto out;
	}
	/* the generator's record of a budget guard that stopped it */
	if (rec.type == PL_REC_STOPPED) {
		r->stopped_early = true;
		if (!r->stopped[0] && rec.detail)
			snprintf(r->stopped, sizeof(r->stopped), "%s", rec.detail);
		goto out;
	}
	v = rec.type == PL_REC_PACKET ? pl_verdict_from_name(rec.verdict) : -1;
	if (v < 0) {
		/* not JSON, or a packet record that lacks what makes one */
		if (!rec.object || rec.packet_type)
			r->skipped_lines++;
		goto out;
	}
	if (grow((void **)&r->p, r->np, sizeof(*r->p))) {
		rc = -ENOMEM;
		goto out;
	}
	p = &r->p[r->np++];
	memset(p, 0, sizeof(*p));
	{
		const char *id = intern(r, rec.scenario, &rc), *cat = intern(r, rec.category, &rc);

		if (rc)
			goto out;
		p->scn = (uint32_t)find_scn(r, id, cat, &rc);
	}
	p->tgt = (uint32_t)find_target_seeded(r, rec.target, &L->seeds, &rc);
	if (rc)
		goto out;
	t = &r->t[p->tgt];
	if (rec.kind && !strcmp(rec.kind, "kernel")) {
		if (!t->kind_kernel && t->loaded)
			L->flip = true;
		t->kind_kernel = true;
	}
	t->loaded++;
	p->packet = rec.packet;
	p->rep = rec.rep;
	p->trial = rec.trial;
	p->expect = intern(r, rec.expect, &rc);
	p->note = intern(r, rec.note, &rc);
	p->sent_hex = (uint32_t)strlen(rec.sent);
	p->has_reply = rec.reply != NULL;
	p->reply_hex = rec.reply ? (uint32_t)strlen(rec.reply) : 0;
	p->line_off = off;
	p->line_len = (uint32_t)len;
	/* the hex where it stands in the file, when it is the file's bytes as they are */
	p->sent_at = !rec.o && rec.sent_plain ? (uint32_t)(rec.sent - line) : RP_AT_NONE;
	p->reply_at = !rec.o && rec.reply_plain ? (uint32_t)(rec.reply - line) : RP_AT_NONE;
	p->file = file;
	if (rec.o) {
		p->diff = cJSON_DetachItemFromObjectCaseSensitive(rec.o, "diff");
	} else if (rec.ndstr) {
		if (!(p->diff = cJSON_CreateArray()))
			rc = -ENOMEM;
		for (i = 0; i < rec.ndstr && !rc; i++) {
			cJSON *e = cJSON_CreateString(rec.dstr[i]);

			if (!e || !cJSON_AddItemToArray(p->diff, e)) {
				cJSON_Delete(e);
				rc = -ENOMEM;
			}
		}
	}
	p->t_sent_us = rec.t_sent_us;
	p->t_reply_us = rec.t_reply_us;
	p->rtt_us = p->has_reply ? rec.rtt_us : -1;
	p->verdict = (int8_t)v;
	p->delivered_known = rec.delivered_known;
	p->delivered = rec.delivered;
	p->extra = rec.extra_replies;
	p->decision_us = -1;
	p->answer = answer_of(r, L, t->kind_kernel, rec.sent);
	if (p->trial + 1 > r->repeat)
		r->repeat = p->trial + 1;
	if (!rc)
		rc = join(r, L, p, rec.sent);
out:
	pl_rec_free(&rec);
	return rc;
}

/* A line for whoever shows the report to a person (rp_run.warnings). */
static int __attribute__((format(printf, 2, 3))) warn(struct rp_run *r, const char *fmt, ...)
{
	va_list ap;
	size_t had = r->warnings ? strlen(r->warnings) : 0;
	int n;
	char *w;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !(w = realloc(r->warnings, had + (size_t)n + 2)))
		return -ENOMEM;
	r->warnings = w;
	va_start(ap, fmt);
	vsnprintf(w + had, (size_t)n + 1, fmt, ap);
	va_end(ap);
	w[had + (size_t)n] = '\n';
	w[had + (size_t)n + 1] = '\0';
	return 0;
}

static void load_packets(struct rp_run *r, struct load *L, const char *file, int *rc)
{
	char path[4200];
	struct lines l;
	char *line;
	size_t len;
	uint64_t off;
	int fd;
	struct rp_file *f;
	size_t bad = 0;
	uint64_t first = 0;
	bool torn = false;

	snprintf(path, sizeof(path), "%s/%s", r->dir, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (r->nfiles >= UINT16_MAX || grow((void **)&r->files, r->nfiles, sizeof(*r->files)) || lines_open(&l, fd)) {
		close(fd);
		*rc = -ENOMEM;
		return;
	}
	f = &r->files[r->nfiles];
	snprintf(f->name, sizeof(f->name), "%s", file);
	f->fd = fd;
	while (!*rc && (line = lines_next(&l, &len, &off, rc))) {
		size_t before = r->skipped_lines;

		if (l.bad)
			r->skipped_lines++; /* a NUL byte: not a line of JSON, whatever precedes it */
		else
			*rc = packet_line(r, L, line, len, off, (uint16_t)r->nfiles);
		if (r->skipped_lines != before) {
			if (!bad++)
				first = l.lineno;
			torn = l.torn;
		}
	}
	r->nfiles++;
	free(l.buf);
	/* one warning a file; a torn last line alone is what a killed run leaves: silent */
	if (bad && !(bad == 1 && torn) && !*rc)
		*rc = warn(r, "%s/%s:%llu: not a record (%zu line%s skipped)", r->dir, file, (unsigned long long)first, bad,
			   bad == 1 ? "" : "s");
}

static void dist(double *v, size_t n, struct rp_dist *d)
{
	d->n = n;
	d->p50 = pl_stat_percentile(v, n, 50); /* sorts v */
	d->p90 = pl_stat_percentile_sorted(v, n, 90);
	d->p99 = pl_stat_percentile_sorted(v, n, 99);
	d->max = n ? v[n - 1] : NAN;
}

static const struct rp_run *sort_run; /* qsort has no context argument; set just around it */

static int cmp_pkt_idx(const void *a, const void *b)
{
	const struct rp_pkt *x = &sort_run->p[*(const size_t *)a], *y = &sort_run->p[*(const size_t *)b];

	if (x->tgt != y->tgt)
		return x->tgt < y->tgt ? -1 : 1;
	if (x->scn != y->scn)
		return x->scn < y->scn ? -1 : 1;
	return (*(const size_t *)a > *(const size_t *)b) - (*(const size_t *)a < *(const size_t *)b);
}

static int aggregate(struct rp_run *r)
{
	size_t i, k, R = r->repeat ? r->repeat : 1;
	size_t *idx = calloc(r->np + 1, sizeof(*idx));
	double *v = calloc(r->np + 1, sizeof(*v)), *acc = calloc(r->ns + 1, sizeof(double) * 4);
	unsigned char *trial = calloc(R, 1);
	int rc = 0;

	if (!idx || !v || !acc || !trial) {
		rc = -ENOMEM;
		goto out;
	}
	for (i = 0; i < r->ns; i++)
		if (!(r->s[i].res = calloc(r->nt ? r->nt : 1, sizeof(struct rp_result)))) {
			rc = -ENOMEM;
			goto out;
		}
	for (k = 0; k < r->nt; k++) {
		struct rp_target *t = &r->t[k];

		t->cat_total = calloc(r->ncats + 1, sizeof(size_t));
		t->cat_pass = calloc(r->ncats + 1, sizeof(size_t));
		t->pass_at_k = calloc(R + 1, sizeof(double));
		t->pass_at_k_se = calloc(R + 1, sizeof(double));
		t->pass_hat_k = calloc(R + 1, sizeof(double));
		t->pass_hat_k_se = calloc(R + 1, sizeof(double));
		if (!t->cat_total || !t->cat_pass || !t->pass_at_k || !t->pass_at_k_se || !t->pass_hat_k || !t->pass_hat_k_se) {
			rc = -ENOMEM;
			goto out;
		}
		if (!t->wall_from_log)
			t->wall_offset_us = r->started_us;
	}
	/* the kernel shares its generator (and clock) with the reference target */
	for (k = 0; k < r->nt; k++)
		if (r->t[k].kind_kernel && !r->t[k].wall_from_log)
			for (i = 0; i < r->nt; i++)
				if (!r->t[i].kind_kernel && !r->t[i].is_model && r->t[i].wall_from_log)
					r->t[k].wall_offset_us = r->t[i].wall_offset_us;

	for (i = 0; i < r->np; i++) {
		struct rp_pkt *p = &r->p[i];
		struct rp_target *t = &r->t[p->tgt];
		struct rp_scenario *s = &r->s[p->scn];

		idx[i] = i;
		p->wall_sent_us = t->wall_offset_us + p->t_sent_us;
		p->wall_reply_us = p->t_reply_us >= 0 ? t->wall_offset_us + p->t_reply_us
				   : p->rtt_us >= 0 ? p->wall_sent_us + p->rtt_us : -1;
		t->total++;
		t->v[p->verdict]++;
		t->pass += p->verdict == V_PASS;
		t->cat_total[s->cat]++;
		t->cat_pass[s->cat] += p->verdict == V_PASS;
		/* the kind of answer the stack's reference gives this packet (read with it) */
		t->ans_total[p->answer]++;
		t->ans_pass[p->answer] += p->verdict == V_PASS;
		{
			const struct rp_join *j = rp_join_of(r, p);

			for (k = 0; k < PL_TOK__COUNT; k++)
				t->tok[k] += j ? j->tok[k] : 0;
			t->thinking += j ? j->thinking : 0;
		}
		if (p->expect && (!s->expect || (!t->kind_kernel && !s->expect_rsp))) {
			s->expect = p->expect;
			s->expect_rsp = !t->kind_kernel;
		}
	}
	sort_run = r;
	qsort(idx, r->np, sizeof(*idx), cmp_pkt_idx);
	sort_run = NULL;

	/* per target: RTT and decision-time distributions */
	for (k = 0; k < r->nt; k++) {
		size_t n = 0, nd = 0;

		for (i = 0; i < r->np; i++)
			if (r->p[i].tgt == k && r->p[i].rtt_us >= 0)
				v[n++] = r->p[i].rtt_us;
		dist(v, n, &r->t[k].rtt);
		for (i = 0; i < r->np; i++)
			if (r->p[i].tgt == k && r->p[i].decision_us >= 0)
				v[nd++] = r->p[i].decision_us;
		dist(v, nd, &r->t[k].decision);
	}

	/* per scenario x target, over the packets grouped by (target, scenario) */
	for (i = 0; i < r->np;) {
		size_t j = i, n = 0, q;
		struct rp_pkt *p0 = &r->p[idx[i]];
		struct rp_result *res = &r->s[p0->scn].res[p0->tgt];

		memset(trial, 0, R);
		res->first = i;
		res->present = true;
		res->verdict = V_PASS;
		res->expect = p0->expect;
		for (; j < r->np && r->p[idx[j]].tgt == p0->tgt && r->p[idx[j]].scn == p0->scn; j++) {
			struct rp_pkt *p = &r->p[idx[j]];

			res->npk++;
			res->npass += p->verdict == V_PASS;
			res->verdict = rp_worse(res->verdict, p->verdict);
			if (p->rtt_us >= 0)
				v[n++] = p->rtt_us;
			for (q = 0; q < PL_TOK__COUNT; q++)
				res->tok[q] += p->join ? r->joins[p->join - 1].tok[q] : 0;
			if (p->trial < R)
				trial[p->trial] = p->verdict == V_PASS && trial[p->trial] != 2 ? 1 : 2;
		}
		res->rtt_p50 = pl_stat_percentile(v, n, 50);
		for (q = 0; q < R; q++) {
			res->trials += trial[q] != 0;
			res->trials_pass += trial[q] == 1;
		}
		res->pass_rate = res->trials ? (double)res->trials_pass / res->trials : NAN;
		res->pass_rate_se = res->trials ? sqrt(res->pass_rate * (1 - res->pass_rate) / res->trials) : NAN;
		res->pass_at_k = res->pass_at_k_se = res->pass_hat_k = res->pass_hat_k_se = NAN;
		if (res->trials > 1) {
			res->pass_at_k = pl_stat_pass_at_k(res->trials, res->trials_pass, res->trials);
			res->pass_at_k_se = pl_stat_pass_at_k_se(res->trials, res->trials_pass, res->trials);
			res->pass_hat_k = pl_stat_pass_hat_k(res->trials, res->trials_pass, res->trials);
			res->pass_hat_k_se = pl_stat_pass_hat_k_se(res->trials, res->trials_pass, res->trials);
		}
		i = j;
	}

	/* per target: mean over scenarios of pass@k / pass^k for k = 1..R */
	for (k = 0; k < r->nt; k++) {
		struct rp_target *t = &r->t[k];
		size_t kk;

		for (kk = 1; kk <= R; kk++) {
			size_t n = 0;
			double *a = acc, *b = acc + r->ns;

			for (i = 0; i < r->ns; i++) {
				const struct rp_result *res = &r->s[i].res[k];

				if (!res->present || res->trials < kk)
					continue;
				a[n] = pl_stat_pass_at_k(res->trials, res->trials_pass, (unsigned)kk);
				b[n] = pl_stat_pass_hat_k(res->trials, res->trials_pass, (unsigned)kk);
				n++;
			}
			pl_stat_mean_se(a, n, &t->pass_at_k[kk], &t->pass_at_k_se[kk]);
			pl_stat_mean_se(b, n, &t->pass_hat_k[kk], &t->pass_hat_k_se[kk]);
		}
	}
out:
	if (rc)
		free(idx);
	else
		r->grp = idx;
	free(v);
	free(acc);
	free(trial);
	return rc;
}

/* run.json's model.request in words: "max_tokens 2048, temperature 0 (model table)". */
static void request_words(const cJSON *m, char *out, size_t n)
{
	const cJSON *rq = cJSON_GetObjectItemCaseSensitive(m, "request"), *v;
	const char *from = pl_jstr(rq, "temperature_from");
	size_t used;

	out[0] = '\0';
	if (!cJSON_IsObject(rq))
		return;
	snprintf(out, n, "%s %.0f", pl_jstr(rq, "max_tokens_field") ? pl_jstr(rq, "max_tokens_field") : "max_tokens",
		 pl_jnum(rq, "max_tokens", 0));
	used = strlen(out);
	v = cJSON_GetObjectItemCaseSensitive(rq, "temperature");
	if (cJSON_IsNumber(v))
		used += (size_t)snprintf(out + used, n - used, ", temperature %g", v->valuedouble);
	else
		used += (size_t)snprintf(out + used, n - used, ", no temperature");
	if (from && used < n)
		used += (size_t)snprintf(out + used, n - used, " (%s)", from);
	if (pl_jnum(rq, "thinking_budget", 0) > 0 && used < n)
		used += (size_t)snprintf(out + used, n - used, ", thinking budget %.0f", pl_jnum(rq, "thinking_budget", 0));
	if (pl_jstr(rq, "reasoning_effort") && used < n)
		snprintf(out + used, n - used, ", reasoning_effort %s", pl_jstr(rq, "reasoning_effort"));
}

static void price(struct rp_run *r)
{
	size_t k, i;

	for (k = 0; k < r->nt; k++) {
		struct rp_target *t = &r->t[k];
		const cJSON *m = t->mobj, *pr = cJSON_GetObjectItemCaseSensitive(m, "price");
		const char *dflt = pl_jstr(m, "model");
		struct pl_mrow own;
		bool known = true, priced = false;
		double sum = 0;

		if (!t->is_model)
			continue;
		/* the target's --price IN,OUT (or +price=): it prices this target's every
		 * answer, whatever the table says */
		if (cJSON_IsObject(pr) && r->have_prices && pl_jnum(pr, "input", -1) >= 0 && pl_jnum(pr, "output", -1) >= 0) {
			pl_mrow_flat(&own, pl_jnum(pr, "input", -1), pl_jnum(pr, "output", -1));
			priced = true;
		}
		/* priced as: the model id its answers report, else the one the run asked for */
		for (i = 0; i < r->np && !t->model_id[0]; i++)
			if (r->p[i].tgt == k && rp_join_of(r, &r->p[i]) && rp_join_of(r, &r->p[i])->model)
				snprintf(t->model_id, sizeof(t->model_id), "%s", rp_join_of(r, &r->p[i])->model);
		if (!t->model_id[0] && dflt)
			snprintf(t->model_id, sizeof(t->model_id), "%s", dflt);
		for (i = 0; i < r->np; i++) {
			const struct rp_pkt *p = &r->p[i];
			const struct rp_join *j = rp_join_of(r, p);
			const char *model;
			double usd;

			if (p->tgt != k || !j)
				continue;
			model = j->model ? j->model : t->model_id;
			if (!j->tok[0] && !j->tok[1] && !j->tok[2] && !j->tok[3])
				continue; /* nothing spent (e.g. a failed request) */
			if (!pl_mrow_cost(priced ? &own : r->have_prices ? pl_mtab_find(&r->prices, model) : NULL, j->tok, &usd))
				known = false;
			sum += usd;
		}
		t->cost_known = known && r->have_prices;
		t->cost_usd = sum;
		{
			const struct pl_mrow *row = r->have_prices ? pl_mtab_find(&r->prices, t->model_id) : NULL;

			t->min_cache = priced ? -1 : row ? row->min_cache : -1;
		}
		request_words(m, t->request, sizeof(t->request));
	}
}

/* Read the run directory once: run.json, the responder logs, then every packets file,
 * each packet joined to its log line and classified as it is read. -EAGAIN: a target's
 * records said "kind":"kernel" only after some of its packets had been read as a
 * responder's; the caller reads again, knowing. */
static int load_once(struct rp_run *r, struct load *L)
{
	size_t k, nt;
	int rc = 0;

	load_run_json(r, &L->seeds, &rc);
	if (rc)
		return rc;
	if (!r->stack)
		r->stack = pl_stack(PL_STACK_ECHO);
	L->lx = calloc(1 + r->nt, sizeof(*L->lx));
	L->sent_buf = malloc(65536);
	L->ans_buf = malloc(65600);
	if (!L->lx || !L->sent_buf || !L->ans_buf)
		return -ENOMEM;
	if ((rc = load_log(r, L, &L->lx[L->nlx++], "responder-reference.jsonl", false, 0)))
		return rc;
	for (k = 0, nt = r->nt; k < nt; k++) {
		const char *log = pl_jstr(r->t[k].mobj, "log");

		if (!r->t[k].is_model)
			continue;
		if ((rc = load_log(r, L, &L->lx[L->nlx++], run_file(log) ? log : "responder-llm.jsonl", true, k)))
			return rc;
	}
	load_packets(r, L, "packets.jsonl", &rc);
	/* a run killed in its model phase: each model target's records are still in a file
	 * of its own (a finished run has appended them to packets.jsonl) */
	for (k = 0, nt = r->nt; k < nt && !rc; k++)
		if (r->t[k].is_model && run_file(pl_jstr(r->t[k].mobj, "packets")) &&
		    strcmp(pl_jstr(r->t[k].mobj, "packets"), "packets.jsonl"))
			load_packets(r, L, pl_jstr(r->t[k].mobj, "packets"), &rc);
	if (rc)
		return rc;
	if (L->flip)
		return -EAGAIN;
	for (k = 0; k < L->nlx; k++)
		unattributed(r, &L->lx[k]);
	return 0;
}

static void load_free(struct load *L, bool seeds)
{
	size_t k;

	for (k = 0; k < L->nlx; k++)
		logix_free(&L->lx[k]);
	free(L->lx);
	L->lx = NULL;
	L->nlx = 0;
	free(L->sent_buf);
	free(L->ans_buf);
	free(L->kbuf);
	L->kbuf = NULL;
	L->kcap = 0;
	L->sent_buf = L->ans_buf = NULL;
	L->flip = false;
	pl_rec_scanner_free(&L->sc);
	for (k = 0; seeds && k < L->seeds.n; k++)
		free(L->seeds.v[k]);
	if (seeds)
		free(L->seeds.v);
}

int rp_load(const char *dir, const char *prices, struct rp_run *r, struct pl_err *err)
{
	struct load L = { 0 };
	int rc = 0;
	const char *base;
	char path[4200];
	FILE *f;
	size_t k;

	memset(r, 0, sizeof(*r));
	snprintf(r->dir, sizeof(r->dir), "%s", dir);
	snprintf(path, sizeof(path), "%s/packets.jsonl", dir);
	f = fopen(path, "r");
	if (!f) {
		snprintf(path, sizeof(path), "%s/run.json", dir);
		f = fopen(path, "r");
	}
	if (!f)
		return pl_errf(err, -ENOENT, "%s: not a run directory (no run.json or packets.jsonl)", dir);
	fclose(f);
	if (prices) {
		if (pl_mtab_load(prices, &r->prices, err))
			return -EINVAL;
		r->have_prices = true;
	}
	rc = load_once(r, &L);
	if (rc == -EAGAIN) {
		/* again, with every target known to be the kernel a kernel from the start */
		struct pl_mtab keep = r->prices;
		bool have = r->have_prices;

		L.seeds.v = calloc(r->nt + 1, sizeof(*L.seeds.v));
		for (k = 0; L.seeds.v && k < r->nt; k++)
			if (r->t[k].kind_kernel && !(L.seeds.v[L.seeds.n++] = strdup(r->t[k].name)))
				break;
		rc = !L.seeds.v || (L.seeds.n && !L.seeds.v[L.seeds.n - 1]) ? -ENOMEM : 0;
		memset(&r->prices, 0, sizeof(r->prices));
		r->have_prices = false;
		rp_free(r);
		snprintf(r->dir, sizeof(r->dir), "%s", dir);
		r->prices = keep;
		r->have_prices = have;
		load_free(&L, false);
		if (!rc)
			rc = load_once(r, &L);
	}
	load_free(&L, true);
	if (rc)
		goto fail;
	if (aggregate(r)) {
		rc = -ENOMEM;
		goto fail;
	}
	price(r);
	if (rp_paired(r)) {
		rc = -ENOMEM;
		goto fail;
	}
	base = strrchr(r->dir, '/');
	if (!r->run_id)
		r->run_id = base && base[1] ? base + 1 : r->dir;
	if (pl_jstr(r->run, "stopped") && !r->stopped[0])
		snprintf(r->stopped, sizeof(r->stopped), "%s", pl_jstr(r->run, "stopped"));
	r->partial = !r->ended || r->stopped_early || pl_jstr(r->run, "stopped");
	if (!r->repeat)
		r->repeat = 1;
	return 0;
fail:
	rp_free(r);
	return pl_errf(err, rc, "%s: %s", dir, strerror(-rc));
}

void rp_free(struct rp_run *r)
{
	size_t i;

	for (i = 0; i < r->np; i++)
		cJSON_Delete(r->p[i].diff);
	free(r->p);
	for (i = 0; i < r->nt; i++) {
		struct rp_target *t = &r->t[i];

		free(t->name);
		free(t->cat_total);
		free(t->cat_pass);
		free(t->pass_at_k);
		free(t->pass_at_k_se);
		free(t->pass_hat_k);
		free(t->pass_hat_k_se);
	}
	free(r->t);
	free(r->pairs);
	for (i = 0; i < r->ns; i++)
		free(r->s[i].res);
	free(r->s);
	free(r->scn_ix);
	for (i = 0; i < r->ncats; i++)
		free(r->cats[i]);
	free(r->cats);
	free(r->joins);
	free(r->grp);
	for (i = 0; i < r->nfiles; i++)
		close(r->files[i].fd);
	free(r->files);
	strtab_free(r->strs);
	free(r->warnings);
	cJSON_Delete(r->models_made);
	cJSON_Delete(r->run);
	pl_mtab_free(&r->prices);
	memset(r, 0, sizeof(*r));
}

void rp_reread_init(struct rp_reread *rr)
{
	memset(rr, 0, sizeof(*rr));
	rr->file = -1;
}

/* a string of n bytes at line[at], between quotes, with no quote or backslash in it */
static bool at(const char *line, size_t len, uint32_t at, uint32_t n)
{
	return at > 0 && (size_t)at + n < len && line[at - 1] == '"' && line[at + n] == '"' && !memchr(line + at, '"', n) &&
	       !memchr(line + at, '\\', n);
}

int rp_reread(const struct rp_run *r, struct rp_reread *rr, const struct rp_pkt *p, const char **sent,
	      const char **reply)
{
	size_t len = p->line_len;

	pl_rec_free(&rr->rec);
	if (p->file >= r->nfiles)
		return -EINVAL;
	if (rr->file != p->file || p->line_off < rr->lo || p->line_off + len > rr->lo + rr->n) {
		size_t want = len > (1u << 20) ? len : 1u << 20;
		ssize_t k;

		if (want > rr->cap) {
			char *nb = realloc(rr->buf, want);

			if (!nb)
				return -ENOMEM;
			rr->buf = nb;
			rr->cap = want;
		}
		rr->file = p->file;
		rr->lo = p->line_off;
		k = pread(r->files[p->file].fd, rr->buf, rr->cap, (off_t)p->line_off);
		rr->n = k > 0 ? (size_t)k : 0;
		if (rr->n < len)
			return -EIO;
	}
	if (len + 1 > rr->linecap) {
		char *nl = realloc(rr->line, len + 1);

		if (!nl)
			return -ENOMEM;
		rr->line = nl;
		rr->linecap = len + 1;
	}
	memcpy(rr->line, rr->buf + (p->line_off - rr->lo), len);
	rr->line[len] = '\0';
	/* the hex where the first reading found it, if it is still there between its quotes */
	if (p->sent_at != RP_AT_NONE && (!p->has_reply || p->reply_at != RP_AT_NONE) && at(rr->line, len, p->sent_at, p->sent_hex) &&
	    (!p->has_reply || at(rr->line, len, p->reply_at, p->reply_hex))) {
		rr->line[p->sent_at + p->sent_hex] = '\0';
		*sent = rr->line + p->sent_at;
		*reply = NULL;
		if (p->has_reply) {
			rr->line[p->reply_at + p->reply_hex] = '\0';
			*reply = rr->line + p->reply_at;
		}
		return 0;
	}
	if (pl_rec_scan(rr->line, &rr->sc, &rr->rec))
		pl_rec_parse(rr->line, &rr->rec);
	if (rr->rec.type != PL_REC_PACKET)
		return -EINVAL;
	*sent = rr->rec.sent;
	*reply = rr->rec.reply;
	return 0;
}

void rp_reread_free(struct rp_reread *rr)
{
	pl_rec_free(&rr->rec);
	pl_rec_scanner_free(&rr->sc);
	free(rr->buf);
	free(rr->line);
	rp_reread_init(rr);
}

void rp_print_warnings(const struct rp_run *r, const char *who, FILE *f)
{
	const char *w = r->warnings, *nl;

	for (; w && *w; w = nl + 1) {
		nl = strchr(w, '\n');
		fprintf(f, "%s: %.*s\n", who, (int)(nl - w), w);
	}
}

bool rp_answer_seen(const struct rp_run *r, enum pl_answer a)
{
	size_t k;

	for (k = 0; k < r->nt; k++)
		if (r->t[k].ans_total[a])
			return true;
	return false;
}
