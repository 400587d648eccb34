#include "scenario/verdict.h"

#include <stdio.h>
#include <string.h>

#include "packet/field.h"
#include "packet/ipv4.h"
#include "packet/proto.h"
#include "packet/rules.h"
#include "packet/stack.h"

static const char *const names[V__COUNT] = {
	"pass", "wrong-reply", "missed-reply", "false-reply", "unparseable", "api-error", "timeout", "truncated",
	"refused",
};

const char *pl_verdict_name(enum pl_verdict v)
{
	return v < V__COUNT ? names[v] : "?";
}

int pl_verdict_from_name(const char *name)
{
	int i;

	for (i = 0; i < V__COUNT; i++)
		if (!strcmp(names[i], name))
			return i;
	return -1;
}

size_t pl_expected_reply(const struct pl_expect *e, enum pl_target_kind t, const struct pl_stack *st,
			 const uint8_t *sent, size_t sent_len, uint8_t *out, size_t cap)
{
	uint32_t ours = t == PL_TARGET_KERNEL ? PL_KERNEL_ADDR : PL_RESPONDER_ADDR;
	struct pl_decision d;
	struct pl_hdrs hs;
	unsigned csum_set = 0;
	size_t n = 0, i, k;

	if (st->reply(sent, sent_len, ours, out, cap, &n, &d, NULL) || d.action != PL_ACTION_REPLY)
		return 0;
	/* the expectation's overrides, then every checksum not overridden, innermost first
	 * (an IPv4 header's covers only itself, a transport's its pseudo header) */
	if (pl_hdrs_parse(out, n, &hs, NULL))
		return n;
	for (i = 0; i < e->nfields; i++) {
		const struct pl_fdesc *fd = pl_fdesc(e->field[i]);
		int at = pl_hdrs_find(&hs, fd->hdr, false);

		pl_field_set(out, &hs, e->field[i], false, e->value[i]);
		if (at >= 0 && fd->off == pl_proto(fd->hdr)->csum_at)
			csum_set |= 1u << at;
	}
	for (k = hs.n; k-- > 0;)
		if (!(csum_set & 1u << k))
			pl_hdrs_fill_csum(out, &hs, k);
	return n;
}

static enum pl_verdict done(struct pl_judgement *j, enum pl_verdict v)
{
	j->verdict = v;
	return v;
}

/* The reply in words, made the first time a note asks for it. */
static const char *describe(const struct pl_observation *o, char *buf, size_t n)
{
	if (o->reply && !buf[0])
		pl_pkt_describe(o->reply, o->reply_len, buf, n);
	return buf;
}

enum pl_verdict pl_judge(const struct pl_expect *e, enum pl_target_kind t, const struct pl_stack *st,
			 const struct pl_observation *o, struct pl_judgement *j)
{
	static uint8_t want[65536];
	enum pl_strict strict = t == PL_TARGET_KERNEL ? PL_STRICT_RFC : e->strict;
	char desc[160];
	size_t wn;

	memset(j, 0, sizeof(*j));
	switch (o->backend) {
	case BS_UNPARSEABLE:
		snprintf(j->note, sizeof(j->note), "the model's answer held no packet and no drop decision");
		return done(j, V_UNPARSEABLE);
	case BS_API_ERROR:
		snprintf(j->note, sizeof(j->note), "the API failed after all retries");
		return done(j, V_API_ERROR);
	case BS_TIMEOUT:
		snprintf(j->note, sizeof(j->note), "no answer within the request timeout");
		return done(j, V_TIMEOUT);
	case BS_TRUNCATED:
		snprintf(j->note, sizeof(j->note), "the model's answer reached its token limit before it ended (--max-tokens)");
		return done(j, V_TRUNCATED);
	case BS_REFUSED:
		snprintf(j->note, sizeof(j->note), "the model refused to answer");
		return done(j, V_REFUSED);
	case BS_UNDECIDED:
		/* not "dropped": a late answer may still be on its way */
		snprintf(j->note, sizeof(j->note), "the responder logged no decision within the generator's wait");
		return done(j, V_TIMEOUT);
	case BS_OK:
		break;
	}
	/* described only when a note needs it (a pass does not): judging 100,000 packets of
	 * a burst is on the generator's path */
	desc[0] = 0;

	switch (e->kind) {
	case EXP_DROP:
		if (!o->reply) {
			snprintf(j->note, sizeof(j->note), "dropped");
			return done(j, V_PASS);
		}
		snprintf(j->note, sizeof(j->note), "answered a packet that must be dropped: %s", describe(o, desc, sizeof(desc)));
		return done(j, V_FALSE_REPLY);

	case EXP_EITHER:
		if (!o->reply) {
			snprintf(j->note, sizeof(j->note), "dropped (either was allowed)");
			return done(j, V_PASS);
		}
		wn = pl_expected_reply(e, t, st, o->sent, o->sent_len, want, sizeof(want));
		if (wn && pl_diff(want, wn, o->reply, o->reply_len, PL_STRICT_RFC, &j->diff)) {
			snprintf(j->note, sizeof(j->note), "answered (allowed), but not with a valid reply");
			return done(j, V_WRONG_REPLY);
		}
		snprintf(j->note, sizeof(j->note), "answered (either was allowed): %s", describe(o, desc, sizeof(desc)));
		return done(j, V_PASS);

	case EXP_REPLY:
		if (!o->reply) {
			snprintf(j->note, sizeof(j->note), "no reply");
			return done(j, V_MISSED_REPLY);
		}
		wn = pl_expected_reply(e, t, st, o->sent, o->sent_len, want, sizeof(want));
		if (!wn) {
			/* kernel-only expectation of a reply the echo rules would not give (e.g. a
			 * reassembled fragment): any RFC-valid echo reply */
			struct pl_pkt p;

			if (pl_pkt_parse(o->reply, o->reply_len, &p, NULL) || !p.is_icmp ||
			    p.icmp.type != PL_ICMP_ECHOREPLY) {
				snprintf(j->note, sizeof(j->note), "expected an echo reply, got %s", describe(o, desc, sizeof(desc)));
				return done(j, V_WRONG_REPLY);
			}
			snprintf(j->note, sizeof(j->note), "echo reply");
			return done(j, V_PASS);
		}
		if (pl_diff(want, wn, o->reply, o->reply_len, strict, &j->diff)) {
			snprintf(j->note, sizeof(j->note), "%s", describe(o, desc, sizeof(desc)));
			return done(j, V_WRONG_REPLY);
		}
		snprintf(j->note, sizeof(j->note), "reply matches (%s)", strict == PL_STRICT_RFC ? "rfc" : "exact");
		return done(j, V_PASS);

	case EXP_MATCH: {
		struct pl_hdrs hs;
		struct pl_err perr;
		size_t i;

		if (!o->reply) {
			snprintf(j->note, sizeof(j->note), "no reply");
			return done(j, V_MISSED_REPLY);
		}
		if (pl_hdrs_parse(o->reply, o->reply_len, &hs, &perr)) {
			snprintf(j->diff.lines[0], sizeof(j->diff.lines[0]), "ip: unparseable (%.120s)", perr.msg);
			j->diff.count = 1;
			return done(j, V_WRONG_REPLY);
		}
		for (i = 0; i < e->nfields; i++) {
			uint32_t v;
			size_t k = j->diff.count;

			if (k >= PL_DIFF_MAX_LINES)
				break;
			if (!pl_field_get(&hs, e->field[i], e->quoted[i], &v))
				snprintf(j->diff.lines[k], sizeof(j->diff.lines[k]), "%s%s: expected %u, got no such field (%.100s)",
					 e->quoted[i] ? PL_QUOTED_PREFIX : "", pl_field_name(e->field[i]), e->value[i],
					 describe(o, desc, sizeof(desc)));
			else if (v != e->value[i])
				snprintf(j->diff.lines[k], sizeof(j->diff.lines[k]), "%s%s: expected %u, got %u",
					 e->quoted[i] ? PL_QUOTED_PREFIX : "", pl_field_name(e->field[i]), e->value[i], v);
			else
				continue;
			j->diff.count++;
		}
		snprintf(j->note, sizeof(j->note), "%s", describe(o, desc, sizeof(desc)));
		return done(j, j->diff.count ? V_WRONG_REPLY : V_PASS);
	}
	case EXP_NONE:
		break;
	}
	snprintf(j->note, sizeof(j->note), "no expectation");
	return done(j, V_WRONG_REPLY);
}
