#include "mockllm/behave.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mockllm/answer.h"
#include "packet/extract.h"
#include "packet/hex.h"

#define REPLY_CAP 65600

static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint64_t mock_rng_next(struct mock_rng *r)
{
	r->s += 0x9e3779b97f4a7c15ULL;
	return mix64(r->s);
}

double mock_rng_unit(struct mock_rng *r)
{
	return (double)(mock_rng_next(r) >> 11) * 0x1.0p-53;
}

uint64_t mock_hash(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint64_t h = 0xcbf29ce484222325ULL;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ULL;
	}
	return mix64(h ^ len);
}

struct mock_rng mock_rng_stream(uint64_t base, const char *label)
{
	struct mock_rng r = { mix64(base ^ mock_hash(label, strlen(label))) };

	return r;
}

/* ---- attempt counters ---- */

void mock_attempts_init(struct mock_attempts *a)
{
	memset(a, 0, sizeof(*a));
	pthread_mutex_init(&a->lock, NULL);
}

void mock_attempts_free(struct mock_attempts *a)
{
	free(a->keys);
	free(a->counts);
	pthread_mutex_destroy(&a->lock);
}

static size_t slot_of(const uint64_t *keys, size_t cap, uint64_t key)
{
	size_t i = (size_t)key & (cap - 1);

	while (keys[i] && keys[i] != key)
		i = (i + 1) & (cap - 1);
	return i;
}

static int grow(struct mock_attempts *a)
{
	size_t ncap = a->cap ? a->cap * 2 : 1024, i;
	uint64_t *nk = calloc(ncap, sizeof(*nk));
	unsigned *nc = calloc(ncap, sizeof(*nc));

	if (!nk || !nc) {
		free(nk);
		free(nc);
		return -ENOMEM;
	}
	for (i = 0; i < a->cap; i++)
		if (a->keys[i]) {
			size_t s = slot_of(nk, ncap, a->keys[i]);

			nk[s] = a->keys[i];
			nc[s] = a->counts[i];
		}
	free(a->keys);
	free(a->counts);
	a->keys = nk;
	a->counts = nc;
	a->cap = ncap;
	return 0;
}

unsigned mock_attempts_next(struct mock_attempts *a, uint64_t key)
{
	unsigned n = 0;
	size_t s;

	if (!key)
		key = 1;
	pthread_mutex_lock(&a->lock);
	if ((a->used + 1) * 2 > a->cap && grow(a))
		goto out; /* out of memory: every request counts as a first attempt */
	s = slot_of(a->keys, a->cap, key);
	if (!a->keys[s]) {
		a->keys[s] = key;
		a->used++;
	}
	n = a->counts[s]++;
out:
	pthread_mutex_unlock(&a->lock);
	return n;
}

/* ---- the packet in the prompt ---- */

size_t mock_find_packet(const char *text, size_t len, uint8_t *out, size_t cap)
{
	size_t i = 0, best = 0, best_at = 0, n;
	struct pl_extract x;
	struct pl_err err;

	while (i < len) {
		size_t j = i;

		while (j < len && pl_hex_digit((unsigned char)text[j]) >= 0)
			j++;
		if (j - i > best) {
			best = j - i;
			best_at = i;
		}
		i = j + 1;
	}
	best &= ~(size_t)1;
	if (best >= 40 && best / 2 <= cap) {
		for (n = 0; n < best / 2; n++)
			out[n] = (uint8_t)(pl_hex_digit((unsigned char)text[best_at + 2 * n]) << 4 |
					   pl_hex_digit((unsigned char)text[best_at + 2 * n + 1]));
		return n;
	}
	if (pl_extract(text, len, out, cap, &x, &err) == 0 && x.kind == PL_EXTRACT_PACKET)
		return x.len;
	return 0;
}

/* ---- the plan ---- */

static enum mock_fault pick_fault(const struct mock_profile *p, double u)
{
	int i;

	for (i = 1; i < MOCK_F_COUNT; i++) {
		if (u < p->fault[i])
			return (enum mock_fault)i;
		u -= p->fault[i];
	}
	return MOCK_F_NONE;
}

static enum mock_mistake pick_mistake(const struct mock_profile *p, double u)
{
	int i;

	for (i = 1; i < MOCK_M_COUNT; i++) {
		if (u < p->mistake[i])
			return (enum mock_mistake)i;
		u -= p->mistake[i];
	}
	return MOCK_M_NONE;
}

static double draw_latency(const struct mock_profile *p, struct mock_rng *r)
{
	double v = p->lat_a, u1, u2;

	switch (p->latency) {
	case MOCK_LAT_FIXED:
		break;
	case MOCK_LAT_UNIFORM:
		v = p->lat_a + mock_rng_unit(r) * (p->lat_b - p->lat_a);
		break;
	case MOCK_LAT_LOGNORMAL:
		u1 = 1.0 - mock_rng_unit(r); /* (0, 1] */
		u2 = mock_rng_unit(r);
		v = p->lat_a * exp(p->lat_b * sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2));
		break;
	}
	if (p->latency_max_ms > 0 && v > p->latency_max_ms)
		v = p->latency_max_ms;
	return v;
}

const struct pl_stack *mock_stack_of(const char *system, size_t len)
{
	static const char mark[] = "runs the echo service (RFC 862)";

	return system && memmem(system, len, mark, sizeof(mark) - 1) ? pl_stack(PL_STACK_HOST) : pl_stack(PL_STACK_ECHO);
}

int mock_plan_make(const struct mock_profile *p, const struct pl_stack *st, uint64_t seed, double scale, const uint8_t *pkt,
		   size_t len, unsigned attempt, struct mock_plan *plan, struct pl_err *err)
{
	uint8_t *ref = NULL;
	size_t ref_len = 0;
	uint64_t base;
	struct mock_rng r;
	int rc;

	memset(plan, 0, sizeof(*plan));
	plan->have_packet = pkt != NULL;
	plan->key = pkt ? mock_hash(pkt, len) : 0;
	plan->attempt = attempt;
	base = mix64(seed) ^ mix64(plan->key + 0x632be59bd9b4e019ULL) ^
	       mix64(((uint64_t)attempt << 32) ^ 0x8cb92ba72f3d8dd7ULL);

	if (pkt) {
		ref = malloc(REPLY_CAP);
		if (!ref)
			return pl_errf(err, -ENOMEM, "out of memory");
		rc = st->reply(pkt, len, PL_RESPONDER_ADDR, ref, REPLY_CAP, &ref_len,
					&plan->decision, err);
		if (rc) {
			free(ref);
			return rc;
		}
	}

	r = mock_rng_stream(base, "fault");
	plan->fault = pick_fault(p, mock_rng_unit(&r));
	if (p->fault_attempts && attempt >= p->fault_attempts)
		plan->fault = MOCK_F_NONE; /* past the faulty attempts: answer */
	r = mock_rng_stream(base, "mistake");
	/* one thing injected per request: a fault hides any mistake */
	plan->mistake = pkt && !plan->fault ? pick_mistake(p, mock_rng_unit(&r)) : MOCK_M_NONE;

	rc = mock_answer_build(p, base, pkt, len, ref, ref_len, plan, err);
	free(ref);
	if (rc) {
		mock_plan_free(plan);
		return rc;
	}

	r = mock_rng_stream(base, "latency");
	plan->latency_ms = draw_latency(p, &r) * scale;
	plan->ttft_ms = p->ttft_ms * scale;
	plan->per_token_ms = p->per_token_ms * scale;
	plan->output_tokens = (unsigned)((plan->text_len + 3) / 4);
	if (plan->output_tokens == 0)
		plan->output_tokens = 1;
	plan->total_ms = plan->latency_ms + plan->ttft_ms + plan->per_token_ms * (double)plan->text_len / 4.0;
	plan->stall_ms = p->stall_ms;
	plan->retry_after_s = (unsigned)lround(p->retry_after_s * scale);
	if (p->retry_after_s && scale > 0 && plan->retry_after_s == 0)
		plan->retry_after_s = 1; /* a scaled-down retry-after still asks for a wait */
	r = mock_rng_stream(base, "id");
	snprintf(plan->id, sizeof(plan->id), "%016llx%08llx", (unsigned long long)mock_rng_next(&r),
		 (unsigned long long)(mock_rng_next(&r) >> 32));
	return 0;
}

void mock_plan_free(struct mock_plan *plan)
{
	free(plan->text);
	free(plan->answer_pkt);
	free(plan->thinking);
	plan->text = NULL;
	plan->answer_pkt = NULL;
	plan->thinking = NULL;
}

/* The simulated model's thinking: a check-list of the header fields, repeated to n
 * characters (n / 4 tokens). No hex digits: a client that took it for the answer would
 * find no packet in it. */
static char *think_text(size_t n)
{
	static const char list[] =
		"Checking the IPv4 header field by field: version, header length, total length, "
		"identification, flags, time to live, protocol, header checksum, source, destination; "
		"then the ICMP type, code, checksum, identifier and sequence. ";
	char *t = malloc(n + 1);
	size_t i;

	if (!t)
		return NULL;
	for (i = 0; i < n; i++)
		t[i] = list[i % (sizeof(list) - 1)];
	t[n] = '\0';
	return t;
}

static void cut_text(struct mock_plan *plan, size_t n)
{
	if (n < plan->text_len) {
		plan->text_len = n;
		plan->text[n] = '\0';
	}
}

int mock_plan_fit(struct mock_plan *plan, bool openai, unsigned think, bool reasons, unsigned limit)
{
	bool shown = !openai || plan->fault == MOCK_F_THINKING;
	unsigned text_tok;
	uint64_t h;
	size_t i;

	if (plan->fault == MOCK_F_THINKING && !think)
		think = MOCK_FAULT_THINK_TOKENS;
	if (plan->fault == MOCK_F_NULL_CONTENT) {
		/* a refusal instead of the answer: nothing else */
		think = 0;
		cut_text(plan, 0);
		plan->answer = MOCK_ANSWER_NONE;
		plan->stop = MOCK_STOP_REFUSAL;
	}
	if (plan->fault == MOCK_F_MAX_TOKENS) {
		cut_text(plan, plan->text_len / 2);
		plan->stop = MOCK_STOP_MAX_TOKENS;
	}
	text_tok = (unsigned)((plan->text_len + 3) / 4);
	if (limit && think >= limit) {
		/* the whole limit spent thinking: no answer at all */
		think = limit;
		cut_text(plan, 0);
		text_tok = 0;
		plan->stop = MOCK_STOP_MAX_TOKENS;
	} else if (limit && think + text_tok > limit) {
		text_tok = limit - think;
		/* a reasoning model's cut answer is withheld: content "" */
		cut_text(plan, reasons ? 0 : (size_t)text_tok * 4);
		plan->stop = MOCK_STOP_MAX_TOKENS;
	}
	plan->thinking_tokens = think;
	if (think && shown) {
		plan->thinking_len = (size_t)think * 4;
		plan->thinking = think_text(plan->thinking_len);
		if (!plan->thinking)
			return -ENOMEM;
	}
	if (plan->stop == MOCK_STOP_REFUSAL)
		plan->output_tokens = openai ? (unsigned)((strlen(MOCK_REFUSAL_TEXT) + 3) / 4) : 0;
	else
		plan->output_tokens = think + text_tok > 0 ? think + text_tok : 1;
	if (plan->fault == MOCK_F_MULTI_TEXT && !openai && plan->text_len >= 2) {
		/* two text blocks, split at the line break nearest the middle if there is one */
		size_t mid = plan->text_len / 2, best = mid, bestd = (size_t)-1;

		for (i = 1; i < plan->text_len; i++)
			if (plan->text[i - 1] == '\n' && (i > mid ? i - mid : mid - i) < bestd) {
				bestd = i > mid ? i - mid : mid - i;
				best = i;
			}
		plan->split = best;
	}
	h = mock_hash(plan->id, strlen(plan->id));
	for (i = 0; i + 1 < sizeof(plan->signature); i++) {
		static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

		if (i % 10 == 0)
			h = mix64(h + i);
		plan->signature[i] = b64[(h >> (6 * (i % 10))) & 63];
	}
	plan->signature[sizeof(plan->signature) - 1] = '\0';
	plan->total_ms = plan->latency_ms + plan->ttft_ms + plan->per_token_ms * (double)plan->output_tokens;
	return 0;
}
