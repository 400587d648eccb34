#include "scenario/verdict.h"

#include <stdio.h>
#include <string.h>

#include "packet/ipv4.h"
#include "packet/rules.h"

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

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v);
}

/* Read a field of a parsed packet; false if the packet has no such field. */
static bool field_of(const struct pl_pkt *p, enum pl_field f, uint32_t *v)
{
	const uint8_t *l4 = p->l4;

	switch (f) {
	case F_IP_VERSION: *v = p->ip.version; return true;
	case F_IP_IHL: *v = p->ip.ihl; return true;
	case F_IP_TOS: *v = p->ip.tos; return true;
	case F_IP_LEN: *v = p->ip.total_length; return true;
	case F_IP_ID: *v = p->ip.id; return true;
	case F_IP_FLAGS: *v = p->ip.flags; return true;
	case F_IP_DF: *v = !!(p->ip.flags & PL_IP_FLAG_DF); return true;
	case F_IP_MF: *v = !!(p->ip.flags & PL_IP_FLAG_MF); return true;
	case F_IP_RF: *v = !!(p->ip.flags & PL_IP_FLAG_RF); return true;
	case F_IP_FRAG: *v = p->ip.frag_offset * 8u; return true;
	case F_IP_TTL: *v = p->ip.ttl; return true;
	case F_IP_PROTO: *v = p->ip.protocol; return true;
	case F_IP_CSUM: *v = p->ip.checksum; return true;
	case F_IP_SRC: *v = p->ip.src; return true;
	case F_IP_DST: *v = p->ip.dst; return true;
	case F_ICMP_TYPE: case F_ICMP_CODE: case F_ICMP_CSUM: case F_ICMP_ID: case F_ICMP_SEQ:
	case F_ICMP_REST:
		if (!p->is_icmp)
			return false;
		*v = f == F_ICMP_TYPE ? p->icmp.type : f == F_ICMP_CODE ? p->icmp.code
		   : f == F_ICMP_CSUM ? p->icmp.checksum : f == F_ICMP_ID ? p->icmp.id
		   : f == F_ICMP_SEQ ? p->icmp.seq : (uint32_t)p->icmp.id << 16 | p->icmp.seq;
		return true;
	case F_UDP_SPORT: case F_UDP_DPORT: case F_UDP_LEN: case F_UDP_CSUM:
		if (p->ip.protocol != PL_PROTO_UDP || p->l4_len < 8)
			return false;
		*v = (uint32_t)(l4[(f - F_UDP_SPORT) * 2] << 8 | l4[(f - F_UDP_SPORT) * 2 + 1]);
		return true;
	case F_TCP_SPORT: case F_TCP_DPORT: case F_TCP_SEQ: case F_TCP_ACK: case F_TCP_FLAGS:
	case F_TCP_WIN: case F_TCP_CSUM:
		if (p->ip.protocol != PL_PROTO_TCP || p->l4_len < 20)
			return false;
		switch (f) {
		case F_TCP_SPORT: *v = (uint32_t)(l4[0] << 8 | l4[1]); break;
		case F_TCP_DPORT: *v = (uint32_t)(l4[2] << 8 | l4[3]); break;
		case F_TCP_SEQ: *v = (uint32_t)l4[4] << 24 | (uint32_t)l4[5] << 16 | (uint32_t)l4[6] << 8 | l4[7]; break;
		case F_TCP_ACK: *v = (uint32_t)l4[8] << 24 | (uint32_t)l4[9] << 16 | (uint32_t)l4[10] << 8 | l4[11]; break;
		case F_TCP_FLAGS: *v = l4[13]; break;
		case F_TCP_WIN: *v = (uint32_t)(l4[14] << 8 | l4[15]); break;
		default: *v = (uint32_t)(l4[16] << 8 | l4[17]); break;
		}
		return true;
	default:
		return false;
	}
}

size_t pl_expected_reply(const struct pl_expect *e, enum pl_target_kind t, const uint8_t *sent,
			 size_t sent_len, uint8_t *out, size_t cap)
{
	uint32_t ours = t == PL_TARGET_KERNEL ? PL_KERNEL_ADDR : PL_RESPONDER_ADDR;
	struct pl_decision d;
	bool ip_csum_set = false, icmp_csum_set = false;
	size_t n = 0, i;

	if (pl_reference_reply(sent, sent_len, ours, out, cap, &n, &d, NULL) || d.action != PL_ACTION_REPLY)
		return 0;
	/* overrides: echo replies have ihl 5, so the offsets are fixed. The parser lets
	 * through only ip.* and icmp.* numbers and addresses (an echo reply has no others). */
	for (i = 0; i < e->nfields; i++) {
		uint32_t v = e->value[i];

		switch (e->field[i]) {
		case F_IP_VERSION: out[0] = (uint8_t)((out[0] & 0x0f) | v << 4); break;
		case F_IP_IHL: out[0] = (uint8_t)((out[0] & 0xf0) | (v & 0x0f)); break;
		case F_IP_TOS: out[1] = (uint8_t)v; break;
		case F_IP_LEN: put16(out + 2, v); break;
		case F_IP_ID: put16(out + 4, v); break;
		case F_IP_FLAGS: out[6] = (uint8_t)((out[6] & 0x1f) | v << 5); break;
		case F_IP_DF: out[6] = (uint8_t)((out[6] & ~0x40) | (v ? 0x40 : 0)); break;
		case F_IP_MF: out[6] = (uint8_t)((out[6] & ~0x20) | (v ? 0x20 : 0)); break;
		case F_IP_RF: out[6] = (uint8_t)((out[6] & ~0x80) | (v ? 0x80 : 0)); break;
		case F_IP_FRAG:
			/* a byte offset, a multiple of 8: 13 bits of 8-byte units */
			out[6] = (uint8_t)((out[6] & 0xe0) | ((v / 8) >> 8 & 0x1f));
			out[7] = (uint8_t)(v / 8);
			break;
		case F_IP_TTL: out[8] = (uint8_t)v; break;
		case F_IP_PROTO: out[9] = (uint8_t)v; break;
		case F_IP_CSUM: put16(out + 10, v); ip_csum_set = true; break;
		case F_IP_SRC: put32(out + 12, v); break;
		case F_IP_DST: put32(out + 16, v); break;
		case F_ICMP_TYPE: out[20] = (uint8_t)v; break;
		case F_ICMP_CODE: out[21] = (uint8_t)v; break;
		case F_ICMP_CSUM: put16(out + 22, v); icmp_csum_set = true; break;
		case F_ICMP_ID: put16(out + 24, v); break;
		case F_ICMP_SEQ: put16(out + 26, v); break;
		case F_ICMP_REST: put32(out + 24, v); break;
		default: break;
		}
	}
	if (!icmp_csum_set)
		pl_icmp_fill_csum(out + 20, n - 20);
	if (!ip_csum_set)
		pl_ipv4_fill_csum(out, 20);
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

enum pl_verdict pl_judge(const struct pl_expect *e, enum pl_target_kind t,
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
		wn = pl_expected_reply(e, t, o->sent, o->sent_len, want, sizeof(want));
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
		wn = pl_expected_reply(e, t, o->sent, o->sent_len, want, sizeof(want));
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
		struct pl_pkt p;
		struct pl_err perr;
		size_t i;

		if (!o->reply) {
			snprintf(j->note, sizeof(j->note), "no reply");
			return done(j, V_MISSED_REPLY);
		}
		if (pl_pkt_parse(o->reply, o->reply_len, &p, &perr)) {
			snprintf(j->diff.lines[0], sizeof(j->diff.lines[0]), "ip: unparseable (%.120s)", perr.msg);
			j->diff.count = 1;
			return done(j, V_WRONG_REPLY);
		}
		for (i = 0; i < e->nfields; i++) {
			uint32_t v;
			size_t k = j->diff.count;

			if (k >= PL_DIFF_MAX_LINES)
				break;
			if (!field_of(&p, e->field[i], &v))
				snprintf(j->diff.lines[k], sizeof(j->diff.lines[k]), "%s: expected %u, got no such field (%.100s)",
					 pl_field_name(e->field[i]), e->value[i], describe(o, desc, sizeof(desc)));
			else if (v != e->value[i])
				snprintf(j->diff.lines[k], sizeof(j->diff.lines[k]), "%s: expected %u, got %u",
					 pl_field_name(e->field[i]), e->value[i], v);
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
