#include "packet/extract.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "packet/hex.h"

#define MIN_CANDIDATE 20

/* Every candidate found in one region: the first one's bytes, and whether a different
 * one was seen. */
struct cands {
	uint8_t *first;
	size_t first_len;
	size_t other_len;      /* length of a second, different candidate (0 = none) */
	int count;             /* distinct candidates */
	size_t too_big;        /* a run longer than cap */
	size_t cap;
};

struct run {
	uint8_t *buf;
	size_t len, keep, cap;
};

static void cands_free(struct cands *c)
{
	free(c->first);
	memset(c, 0, sizeof(*c));
}

static void run_end(struct run *r, struct cands *c)
{
	size_t n = r->len;

	r->len = r->keep = 0;
	if (n < MIN_CANDIDATE)
		return;
	if (n > c->cap) {
		c->too_big = n;
		return;
	}
	if (c->count == 0) {
		c->first = malloc(n);
		if (!c->first)
			return;
		memcpy(c->first, r->buf, n);
		c->first_len = n;
		c->count = 1;
	} else if (n != c->first_len || memcmp(c->first, r->buf, n)) {
		if (c->count == 1)
			c->other_len = n;
		c->count++;
	}
}

static int run_push(struct run *r, const char *hex, size_t n)
{
	size_t i;

	if (r->len + n / 2 > r->cap) {
		size_t ncap = r->cap ? r->cap * 2 : 256;
		uint8_t *nb;

		while (ncap < r->len + n / 2)
			ncap *= 2;
		nb = realloc(r->buf, ncap);
		if (!nb)
			return -ENOMEM;
		r->buf = nb;
		r->cap = ncap;
	}
	for (i = 0; i + 1 < n; i += 2)
		r->buf[r->len++] = (uint8_t)(pl_hex_digit((unsigned char)hex[i]) << 4 |
					     pl_hex_digit((unsigned char)hex[i + 1]));
	return 0;
}

static bool is_sep(char ch)
{
	return isspace((unsigned char)ch) || (ch && strchr(",;:`\"'[](){}<>|=*.-_#", ch));
}

static bool all_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (pl_hex_digit((unsigned char)s[i]) < 0)
			return false;
	return n > 0;
}

static bool has_digit(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (isdigit((unsigned char)s[i]))
			return true;
	return false;
}

/* Collect the candidate runs of s[0..n). */
static int scan(const char *s, size_t n, struct cands *c)
{
	struct run r = { 0 };
	bool line_prose = false, line_start = true;
	size_t i = 0;
	int rc = 0;

	while (i < n && !rc) {
		size_t w, end, newlines = 0;

		while (i < n && is_sep(s[i])) {
			if (s[i] == '\n') {
				newlines++;
				line_prose = false;
				line_start = true;
				r.keep = r.len;
			}
			i++;
		}
		if (newlines >= 2)
			run_end(&r, c);
		if (i >= n)
			break;
		w = i;
		while (i < n && !is_sep(s[i]))
			i++;
		end = i;

		/* "0000:" or "0x0010:" at the start of a line is a hexdump offset, not data. */
		if (line_start && end < n && s[end] == ':' && (end + 1 >= n || isspace((unsigned char)s[end + 1]))) {
			size_t o = w + (end - w > 2 && s[w] == '0' && (s[w + 1] | 0x20) == 'x' ? 2 : 0);

			if (end - o >= 4 && end - o <= 8 && all_hex(s + o, end - o)) {
				line_start = false;
				continue;
			}
		}
		line_start = false;

		if (end - w >= 2 && s[w] == '0' && (s[w + 1] == 'x' || s[w + 1] == 'X'))
			w += 2;
		if (end - w >= 2 && s[w] == '\\' && (s[w + 1] == 'x' || s[w + 1] == 'X')) {
			/* \x45\x00... : every piece must be two hex digits */
			size_t p = w;
			bool ok = true;

			while (p < end && ok) {
				if (end - p < 4 || s[p] != '\\' || (s[p + 1] | 0x20) != 'x' ||
				    !all_hex(s + p + 2, 2))
					ok = false;
				else
					p += 4;
			}
			if (ok) {
				for (p = w; p < end && !rc; p += 4)
					rc = run_push(&r, s + p + 2, 2);
				r.keep = r.len;
				continue;
			}
		}

		if (!all_hex(s + w, end - w) || (end - w) % 2) {
			/* Prose (or an odd-length hex word such as "bad"): the run ends, minus
			 * letters-only words that led into this prose on the same line. */
			if (r.keep < r.len && all_hex(s + w, end - w) == false)
				r.len = r.keep;
			run_end(&r, c);
			line_prose = true;
			continue;
		}
		if (!has_digit(s + w, end - w)) {
			/* "be", "cafe": data inside a run, but not the start of one after prose */
			if (r.len == 0 && line_prose)
				continue;
			rc = run_push(&r, s + w, end - w);
			continue;
		}
		rc = run_push(&r, s + w, end - w);
		r.keep = r.len;
	}
	run_end(&r, c);
	free(r.buf);
	return rc;
}

static bool word_at(const char *s, size_t n, size_t i, const char *w)
{
	size_t k = strlen(w);

	if (i + k > n || strncasecmp(s + i, w, k))
		return false;
	if (i > 0 && isalnum((unsigned char)s[i - 1]))
		return false;
	return i + k == n || !isalpha((unsigned char)s[i + k]);
}

static bool has_drop_phrase(const char *s, size_t n, bool marker)
{
	static const char *const phrases[] = {
		"drop", "dropped", "dropping", "no reply", "no response", "not respond",
		"not reply", "no answer", "discard", "discarded", "ignore", "ignored",
		"silently", "nothing to send", "do not answer", "not answer",
	};
	size_t i, k;

	for (i = 0; i < n; i++) {
		for (k = 0; k < sizeof(phrases) / sizeof(phrases[0]); k++)
			if (word_at(s, n, i, phrases[k]))
				return true;
		if (marker && (word_at(s, n, i, "none") || word_at(s, n, i, "nothing")))
			return true;
	}
	return false;
}

/* End of the paragraph that starts at i: the first blank line after some content,
 * extended over a code fence opened inside it. */
static size_t paragraph_end(const char *s, size_t n, size_t i)
{
	bool content = false, fence = false;

	for (; i < n; i++) {
		if (i + 3 <= n && !strncmp(s + i, "```", 3)) {
			fence = !fence;
			content = true;
			i += 2;
			continue;
		}
		if (s[i] == '\n' && content && !fence) {
			size_t j = i + 1;

			while (j < n && s[j] != '\n' && isspace((unsigned char)s[j]))
				j++;
			if (j >= n || s[j] == '\n')
				return i;
		}
		if (!isspace((unsigned char)s[i]))
			content = true;
	}
	return n;
}

/* Decision of one region: 1 packet, 2 drop, 0 nothing, <0 error. */
static int decide_region(const char *s, size_t n, bool marker, struct cands *c)
{
	int rc = scan(s, n, c);

	if (rc)
		return rc;
	if (c->count)
		return 1;
	if (has_drop_phrase(s, n, marker))
		return 2;
	return 0;
}

static int finish(struct cands *c, int kind, const char *how, uint8_t *out,
		  struct pl_extract *res, struct pl_err *err)
{
	if (c->count > 1) {
		pl_errf(err, -EEXIST, "ambiguous: %d different candidate packets (%zu and %zu bytes)",
			c->count, c->first_len, c->other_len);
		cands_free(c);
		return -EEXIST;
	}
	res->how = how;
	res->kind = kind == 1 ? PL_EXTRACT_PACKET : PL_EXTRACT_DROP;
	res->len = 0;
	if (kind == 1) {
		memcpy(out, c->first, c->first_len);
		res->len = c->first_len;
	}
	cands_free(c);
	return 0;
}

static int from_markers(const char *s, size_t n, uint8_t *out, struct pl_extract *res,
			struct cands *c, struct pl_err *err)
{
	int decided = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		size_t j, end;
		struct cands one = { .cap = c->cap };
		int d;

		if (!word_at(s, n, i, "reply"))
			continue;
		j = i + 5;
		while (j < n && (s[j] == '*' || s[j] == ' ' || s[j] == '_'))
			j++;
		if (j >= n || s[j] != ':')
			continue;
		end = paragraph_end(s, n, j + 1);
		d = decide_region(s + j + 1, end - j - 1, true, &one);
		if (d < 0) {
			cands_free(&one);
			return d;
		}
		if (one.too_big)
			c->too_big = one.too_big;
		if (d == 0) {
			cands_free(&one);
			continue;
		}
		if (decided && d != decided) {
			cands_free(&one);
			return pl_errf(err, -EEXIST, "ambiguous: one REPLY marker has a packet, another says drop");
		}
		decided = d;
		if (d == 1) {
			/* fold this marker's candidates into the overall set */
			struct run r = { .buf = one.first, .len = one.first_len };

			run_end(&r, c);
			if (one.count > 1)
				c->count += one.count - 1, c->other_len = one.other_len;
		}
		cands_free(&one);
		i = end;
	}
	if (!decided)
		return 0;
	return finish(c, decided, "marker", out, res, err) ? -EEXIST : 1;
}

static int from_fences(const char *s, size_t n, struct cands *c)
{
	const char *p = s, *e = s + n;
	int fences = 0;

	while (p < e) {
		const char *open = memmem(p, (size_t)(e - p), "```", 3), *body, *close;

		if (!open)
			break;
		body = memchr(open + 3, '\n', (size_t)(e - open - 3));
		if (!body)
			break;
		body++;
		close = memmem(body, (size_t)(e - body), "```", 3);
		if (!close)
			close = e; /* unterminated fence: the model was cut off */
		if (scan(body, (size_t)(close - body), c))
			return -ENOMEM;
		fences++;
		p = close + (close < e ? 3 : 0);
	}
	return fences;
}

int pl_extract(const char *text, size_t n, uint8_t *out, size_t cap, struct pl_extract *res,
	       struct pl_err *err)
{
	struct cands c = { .cap = cap };
	int rc;

	memset(res, 0, sizeof(*res));
	rc = from_markers(text, n, out, res, &c, err);
	if (rc) {
		cands_free(&c);
		return rc > 0 ? 0 : rc;
	}
	if (c.too_big)
		goto too_big;
	cands_free(&c);
	c.cap = cap;

	rc = from_fences(text, n, &c);
	if (rc < 0)
		goto nomem;
	if (c.count)
		return finish(&c, 1, "fence", out, res, err);
	cands_free(&c);
	c.cap = cap;

	rc = decide_region(text, n, false, &c);
	if (rc < 0)
		goto nomem;
	if (c.too_big && !c.count)
		goto too_big;
	if (rc > 0)
		return finish(&c, rc, "text", out, res, err);
	cands_free(&c);
	return pl_errf(err, -ENOENT, "no packet hex (20 bytes or more) and no drop decision found in %zu characters of text", n);

too_big:
	rc = pl_errf(err, -E2BIG, "packet of %zu bytes exceeds the limit of %zu", c.too_big, cap);
	cands_free(&c);
	return rc;
nomem:
	cands_free(&c);
	return pl_errf(err, -ENOMEM, "out of memory");
}
